// SPDX-License-Identifier: MIT
#include "mappedfile.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#if !defined(_WIN32)
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace factorscope::core::detail {

MappedFile::~MappedFile()
{
    if (!m_mapping)
        return;
#if !defined(_WIN32)
    ::munmap(m_mapping, m_size);
#else
    std::free(m_mapping);
#endif
}

std::optional<LoadResult> MappedFile::map(const std::string &path)
{
#if !defined(_WIN32)
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return failure(LoadErrorKind::Unreadable, "cannot be opened (" + errnoText(errno) + ")");
    struct stat st;
    if (::fstat(fd, &st) != 0) {
        const int e = errno;
        ::close(fd);
        return failure(LoadErrorKind::Unreadable, "cannot be examined (" + errnoText(e) + ")");
    }
    if (st.st_size <= 0) {
        ::close(fd);
        return failure(LoadErrorKind::Empty, "is empty");
    }
    void *p = ::mmap(nullptr, std::size_t(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    const int e = errno;
    ::close(fd); // the mapping keeps the file
    if (p == MAP_FAILED)
        return failure(LoadErrorKind::Unreadable, "cannot be mapped into memory (" + errnoText(e) + ")");
    m_mapping = p;
    m_size = std::size_t(st.st_size);
#else
    FilePtr f(std::fopen(path.c_str(), "rb"));
    if (!f)
        return failure(LoadErrorKind::Unreadable, "cannot be opened (" + errnoText(errno) + ")");
    std::fseek(f.get(), 0, SEEK_END);
    const long size = std::ftell(f.get());
    std::rewind(f.get());
    if (size <= 0)
        return failure(LoadErrorKind::Empty, "is empty");
    void *p = std::malloc(std::size_t(size));
    if (!p)
        return failure(LoadErrorKind::TooLarge, "does not fit in the memory available");
    if (std::fread(p, 1, std::size_t(size), f.get()) != std::size_t(size)) {
        std::free(p);
        return failure(LoadErrorKind::Unreadable, "could not be read (" + errnoText(errno) + ")");
    }
    m_mapping = p;
    m_size = std::size_t(size);
#endif
    m_data = static_cast<const unsigned char *>(m_mapping);
    return std::nullopt;
}

void MappedFile::willRead(std::uint64_t offset, std::uint64_t length) const
{
#if !defined(_WIN32) && defined(MADV_SEQUENTIAL)
    const std::uint64_t page = std::uint64_t(::sysconf(_SC_PAGESIZE));
    const std::uint64_t start = offset / page * page;
    if (!m_mapping || start >= m_size || length == 0)
        return;
    const std::uint64_t end = std::min<std::uint64_t>(m_size, offset + length);
    ::madvise(static_cast<char *>(m_mapping) + start, std::size_t(end - start), MADV_SEQUENTIAL);
    ::madvise(static_cast<char *>(m_mapping) + start, std::size_t(end - start), MADV_WILLNEED);
#else
    (void)offset;
    (void)length;
#endif
}

void MappedFile::release(std::uint64_t offset, std::uint64_t length) const
{
#if !defined(_WIN32) && defined(MADV_DONTNEED)
    const std::uint64_t page = std::uint64_t(::sysconf(_SC_PAGESIZE));
    const std::uint64_t start = (offset + page - 1) / page * page;
    const std::uint64_t end = std::min<std::uint64_t>(m_size, offset + length) / page * page;
    if (m_mapping && end > start)
        ::madvise(static_cast<char *>(m_mapping) + start, std::size_t(end - start), MADV_DONTNEED);
#else
    (void)offset;
    (void)length;
#endif
}

} // namespace factorscope::core::detail
