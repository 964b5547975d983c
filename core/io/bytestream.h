// SPDX-License-Identifier: MIT
#pragma once

// Internal to the matrix file readers: sequential bytes from a file, a memory buffer or a zip
// member (npz.cpp), so that one .npy reader serves a .npy file, an .npz member and a fuzzer.

#include "matrixio_p.h"

#include <cstddef>
#include <cstdio>
#include <optional>

namespace factorscope::core::detail {

/// Bytes read in order, once.
class ByteStream
{
public:
    virtual ~ByteStream() = default;
    /// Reads up to @p n bytes into @p dst; fewer only at the end of the data or on an error.
    virtual std::size_t read(void *dst, std::size_t n) = 0;
    /// After a short read: the failure (Unreadable for an I/O error, Malformed for a damaged
    /// compressed stream), or nullopt at a plain end of the data.
    virtual std::optional<LoadResult> failure() const = 0;
};

/// An open FILE*, from its current position.
class FileStream final : public ByteStream
{
public:
    explicit FileStream(std::FILE *file) : m_file(file) {}
    std::size_t read(void *dst, std::size_t n) override;
    std::optional<LoadResult> failure() const override;

private:
    std::FILE *m_file;
    int m_errno = 0;
};

/// A buffer in memory (not owned).
class MemoryStream final : public ByteStream
{
public:
    MemoryStream(const void *data, std::size_t size) : m_data(static_cast<const unsigned char *>(data)), m_size(size) {}
    std::size_t read(void *dst, std::size_t n) override;
    std::optional<LoadResult> failure() const override { return std::nullopt; }

private:
    const unsigned char *m_data;
    std::size_t m_size;
    std::size_t m_pos = 0;
};

} // namespace factorscope::core::detail
