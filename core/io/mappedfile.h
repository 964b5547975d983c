// SPDX-License-Identifier: MIT
#pragma once

// Internal to the matrix file readers: a whole file mapped read-only, so that a reader parses a
// byte span and the operating system reads only the pages it touches.

#include "matrixio_p.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace factorscope::core::detail {

/// A read-only memory map of a whole file (POSIX mmap; elsewhere the file is read into memory).
class MappedFile
{
public:
    MappedFile() = default;
    ~MappedFile();
    MappedFile(const MappedFile &) = delete;
    MappedFile &operator=(const MappedFile &) = delete;

    /// Maps @p path. On failure returns the Unreadable (or Empty) result; nothing is mapped.
    std::optional<LoadResult> map(const std::string &path);
    const unsigned char *data() const { return m_data; }
    std::size_t size() const { return m_size; }
    /// Tells the kernel that [offset, offset + length) will be read once, in order.
    void willRead(std::uint64_t offset, std::uint64_t length) const;
    /// Drops the whole pages of [offset, offset + length) from this process's memory (they stay in
    /// the page cache and read again on access): what was decoded stops counting as resident.
    void release(std::uint64_t offset, std::uint64_t length) const;

private:
    const unsigned char *m_data = nullptr;
    std::size_t m_size = 0;
    void *m_mapping = nullptr; ///< the mmap'ed region, or a heap copy without mmap
};

} // namespace factorscope::core::detail
