// SPDX-License-Identifier: MIT
#include "bytestream.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace factorscope::core::detail {

std::size_t FileStream::read(void *dst, std::size_t n)
{
    errno = 0;
    const std::size_t got = std::fread(dst, 1, n, m_file);
    if (got < n && std::ferror(m_file))
        m_errno = errno;
    return got;
}

std::optional<LoadResult> FileStream::failure() const
{
    if (!std::ferror(m_file))
        return std::nullopt;
    return detail::failure(LoadErrorKind::Unreadable, "could not be read (" + errnoText(m_errno) + ")");
}

std::size_t MemoryStream::read(void *dst, std::size_t n)
{
    const std::size_t got = std::min(n, m_size - m_pos);
    if (got > 0)
        std::memcpy(dst, m_data + m_pos, got);
    m_pos += got;
    return got;
}

} // namespace factorscope::core::detail
