// SPDX-License-Identifier: MIT
#include "npyindices.h"

#include "matrixio.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <ostream>

namespace factorscope::core {

bool writeNpyIndices(const std::string &path, const IndexList &indices, std::string *error)
{
    std::string dict = "{'descr': '<i8', 'fortran_order': False, 'shape': (" + std::to_string(indices.size()) + ",), }";
    // magic (6) + version (2) + length (2) + dict + '\n' is a multiple of 64.
    dict.append((64 - (10 + dict.size() + 1) % 64) % 64, ' ');
    dict += '\n';
    const std::uint16_t one = 1;
    const bool little = *reinterpret_cast<const unsigned char *>(&one) == 1;
    return writeFileAtomically(path, [&](std::ostream &os) {
        os.write("\x93NUMPY\x01\x00", 8);
        const char length[2] = {char(dict.size() & 0xff), char(dict.size() >> 8)};
        os.write(length, 2);
        os.write(dict.data(), std::streamsize(dict.size()));
        for (Index i : indices) {
            const std::int64_t value = i;
            char bytes[8];
            std::memcpy(bytes, &value, 8);
            if (!little)
                std::reverse(bytes, bytes + 8);
            os.write(bytes, 8);
        }
        return bool(os);
    }, error);
}

} // namespace factorscope::core
