// SPDX-License-Identifier: MIT
// The structure of a .mat file, checked by our own code before matio reads it.
// MAT-File Format, MathWorks (R2019b), chapters 1 (v4) and 2-4 (v5: data elements, miMATRIX,
// miCOMPRESSED); v7.3 files are HDF5 files with a 512-byte MATLAB header.

#include "matlayout.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

namespace factorscope::core::detail {

namespace {

// v5 data types (MAT-File Format, table 1-1).
enum : std::uint32_t {
    miINT8 = 1, miUINT8 = 2, miINT16 = 3, miUINT16 = 4, miINT32 = 5, miUINT32 = 6, miSINGLE = 7,
    miDOUBLE = 9, miINT64 = 12, miUINT64 = 13, miMATRIX = 14, miCOMPRESSED = 15, miUTF8 = 16,
    miUTF16 = 17, miUTF32 = 18,
};

// v5 array classes (table 1-3).
enum : int {
    mxCELL = 1, mxSTRUCT = 2, mxOBJECT = 3, mxCHAR = 4, mxSPARSE = 5, mxDOUBLE = 6, mxSINGLE = 7,
    mxINT8 = 8, mxUINT8 = 9, mxINT16 = 10, mxUINT16 = 11, mxINT32 = 12, mxUINT32 = 13, mxINT64 = 14,
    mxUINT64 = 15, mxFUNCTION = 16, mxOPAQUE = 17,
};

std::size_t miSize(std::uint32_t type)
{
    switch (type) {
    case miINT8:
    case miUINT8:
    case miUTF8: return 1;
    case miINT16:
    case miUINT16:
    case miUTF16: return 2;
    case miINT32:
    case miUINT32:
    case miSINGLE:
    case miUTF32: return 4;
    case miDOUBLE:
    case miINT64:
    case miUINT64: return 8;
    default: return 0;
    }
}

bool isNumericMi(std::uint32_t type)
{
    return type != miUTF8 && type != miUTF16 && type != miUTF32 && miSize(type) > 0;
}

std::uint32_t load32(const unsigned char *p, bool swap)
{
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    if (swap)
        v = (v >> 24) | ((v >> 8) & 0xff00u) | ((v << 8) & 0xff0000u) | (v << 24);
    return v;
}

std::uint16_t load16(const unsigned char *p, bool swap)
{
    std::uint16_t v;
    std::memcpy(&v, p, 2);
    if (swap)
        v = std::uint16_t((v >> 8) | (v << 8));
    return v;
}

bool hostIsLittleEndian()
{
    const std::uint16_t probe = 1;
    unsigned char first;
    std::memcpy(&first, &probe, 1);
    return first == 1;
}

std::uint64_t roundUp8(std::uint64_t n)
{
    return n + (8 - n % 8) % 8;
}

// --- byte sources: the file, or a compressed element inflated as it is read ----------------------

enum class SourceState { Ok, Ended, ReadError, Damaged, OverCap };

class ByteSource
{
public:
    virtual ~ByteSource() = default;
    /// Exactly n bytes, or false (the source ended or failed: see state()).
    virtual bool read(void *dst, std::size_t n) = 0;
    virtual bool skip(std::uint64_t n) = 0;
    virtual SourceState state() const = 0;
    virtual std::string detail() const { return {}; }
};

/// Bytes [begin, end) of the file.
class FileBytes : public ByteSource
{
public:
    FileBytes(std::FILE *file, std::uint64_t begin, std::uint64_t end) : m_file(file), m_pos(begin), m_end(end) {}

    bool read(void *dst, std::size_t n) override
    {
        if (n > m_end - m_pos)
            return end();
        if (!seek() || std::fread(dst, 1, n, m_file) != n)
            return fail();
        m_pos += n;
        m_known += n;
        return true;
    }
    bool skip(std::uint64_t n) override
    {
        if (n > m_end - m_pos)
            return end();
        m_pos += n;
        return true;
    }
    /// Up to n bytes (fewer at the end), for the inflater.
    std::size_t readSome(void *dst, std::size_t n)
    {
        n = std::size_t(std::min<std::uint64_t>(n, m_end - m_pos));
        if (n == 0)
            return 0;
        if (!seek() || std::fread(dst, 1, n, m_file) != n) {
            fail();
            return 0;
        }
        m_pos += n;
        m_known += n;
        return n;
    }
    std::uint64_t remaining() const { return m_end - m_pos; }
    SourceState state() const override { return m_state; }
    std::string detail() const override { return m_errno ? errnoText(m_errno) : std::string(); }

private:
    bool seek()
    {
        // ftell/fseek on every call would cost a system call each; only seek when out of place.
        if (m_known == m_pos)
            return true;
        if (fseeko(m_file, off_t(m_pos), SEEK_SET) != 0)
            return false;
        m_known = m_pos;
        return true;
    }
    bool end()
    {
        m_state = SourceState::Ended;
        return false;
    }
    bool fail()
    {
        m_errno = errno;
        m_state = SourceState::ReadError;
        m_known = std::numeric_limits<std::uint64_t>::max();
        return false;
    }

    std::FILE *m_file;
    std::uint64_t m_pos, m_end;
    std::uint64_t m_known = std::numeric_limits<std::uint64_t>::max();
    SourceState m_state = SourceState::Ok;
    int m_errno = 0;

};

/// A zlib stream read from a FileBytes, inflated into a fixed 64 KiB window (constant memory) and
/// never beyond a cap on its total output.
class InflatedBytes : public ByteSource
{
public:
    InflatedBytes(FileBytes &input, std::uint64_t cap) : m_input(input), m_cap(cap)
    {
        std::memset(&m_z, 0, sizeof m_z);
        m_ready = inflateInit(&m_z) == Z_OK;
        if (!m_ready)
            m_state = SourceState::Damaged;
    }
    ~InflatedBytes() override
    {
        if (m_ready)
            inflateEnd(&m_z);
    }
    InflatedBytes(const InflatedBytes &) = delete;
    InflatedBytes &operator=(const InflatedBytes &) = delete;

    bool read(void *dst, std::size_t n) override
    {
        auto *out = static_cast<unsigned char *>(dst);
        while (n > 0) {
            if (m_outPos == m_outEnd && !fill())
                return false;
            const std::size_t k = std::min(n, m_outEnd - m_outPos);
            std::memcpy(out, m_out + m_outPos, k);
            out += k;
            m_outPos += k;
            n -= k;
        }
        return true;
    }
    bool skip(std::uint64_t n) override
    {
        while (n > 0) {
            if (m_outPos == m_outEnd && !fill())
                return false;
            const std::size_t k = std::size_t(std::min<std::uint64_t>(n, m_outEnd - m_outPos));
            m_outPos += k;
            n -= k;
        }
        return true;
    }
    /// Reads to the end of the stream; the bytes that were left.
    std::optional<std::uint64_t> drain()
    {
        std::uint64_t left = m_outEnd - m_outPos;
        m_outPos = m_outEnd;
        while (fill()) {
            left += m_outEnd - m_outPos;
            m_outPos = m_outEnd;
        }
        if (m_state != SourceState::Ended || !m_streamEnded)
            return std::nullopt;
        return left;
    }
    /// The most the stream may expand to (not below what it has already produced).
    void setCap(std::uint64_t cap) { m_cap = std::max(cap, m_produced); }
    std::uint64_t produced() const { return m_produced; }
    bool streamEnded() const { return m_streamEnded; }
    SourceState state() const override { return m_state; }
    std::string detail() const override { return m_message; }

private:
    bool fill()
    {
        m_outPos = m_outEnd = 0;
        if (m_state != SourceState::Ok)
            return false;
        if (m_streamEnded) {
            m_state = SourceState::Ended;
            return false;
        }
        while (m_outEnd == 0) {
            if (m_z.avail_in == 0) {
                const std::size_t got = m_input.readSome(m_in, sizeof m_in);
                if (m_input.state() == SourceState::ReadError) {
                    m_state = SourceState::ReadError;
                    m_message = m_input.detail();
                    return false;
                }
                if (got == 0) { // the element ended before the stream did
                    m_state = SourceState::Ended;
                    return false;
                }
                m_z.next_in = m_in;
                m_z.avail_in = uInt(got);
            }
            // Never more than the cap; at the cap, one byte of room tells "the stream ends here"
            // from "the stream goes on" (which is refused).
            const std::uint64_t room = m_cap - m_produced;
            m_z.next_out = m_out;
            m_z.avail_out = uInt(room == 0 ? 1 : std::min<std::uint64_t>(sizeof m_out, room));
            const int rc = inflate(&m_z, Z_NO_FLUSH);
            m_outEnd = (room == 0 ? 1 : std::min<std::uint64_t>(sizeof m_out, room)) - m_z.avail_out;
            if (room == 0 && m_outEnd > 0) {
                m_state = SourceState::OverCap;
                m_outEnd = 0;
                return false;
            }
            m_produced += m_outEnd;
            if (rc == Z_STREAM_END) {
                m_streamEnded = true;
                if (m_outEnd == 0) {
                    m_state = SourceState::Ended;
                    return false;
                }
                break;
            }
            if (rc == Z_BUF_ERROR && m_z.avail_in == 0)
                continue; // needs more input
            if (rc != Z_OK) {
                m_state = SourceState::Damaged;
                m_message = m_z.msg ? m_z.msg : "error " + std::to_string(rc);
                m_outEnd = 0;
                return false;
            }
        }
        return true;
    }

    FileBytes &m_input;
    z_stream m_z;
    bool m_ready = false;
    unsigned char m_in[1 << 16];
    unsigned char m_out[1 << 16];
    std::size_t m_outPos = 0, m_outEnd = 0;
    std::uint64_t m_produced = 0;
    std::uint64_t m_cap;
    bool m_streamEnded = false;
    SourceState m_state = SourceState::Ok;
    std::string m_message;
};

// --- v5 ------------------------------------------------------------------------------------------

struct Tag
{
    std::uint32_t type = 0;
    std::uint64_t bytes = 0;
    bool small = false;
    unsigned char inline4[4] = {}; ///< a small element's data
};

class V5Walker
{
public:
    V5Walker(bool swap, const LoadLimits &budget, const MatLayoutLimits &limits, MatLayout *layout)
        : m_swap(swap), m_budget(budget), m_limits(limits), m_layout(layout)
    {
    }

    std::optional<LoadResult> walk(std::FILE *file, std::uint64_t size);

private:
    std::string where() const
    {
        std::string s = "variable " + std::to_string(m_index);
        if (m_haveName)
            s += " (" + nameText(m_name) + ")";
        return s;
    }
    LoadResult damaged(const std::string &detail) const
    {
        return failure(LoadErrorKind::Malformed, where() + " is damaged: " + detail);
    }
    /// The failure of a source that stopped inside an element that claimed more bytes.
    LoadResult sourceFailure(const ByteSource &src, const std::string &what) const
    {
        switch (src.state()) {
        case SourceState::ReadError: return failure(LoadErrorKind::Unreadable, "could not be read (" + src.detail() + ")");
        case SourceState::Damaged:
            return failure(LoadErrorKind::Malformed,
                           where() + " is damaged: its compressed data is corrupt (zlib: " + src.detail() + ")");
        case SourceState::OverCap:
            return failure(LoadErrorKind::Malformed,
                           where() + " is damaged: its compressed data expands to more than the variable it holds");
        case SourceState::Ended:
        case SourceState::Ok: break;
        }
        if (m_compressed)
            return failure(LoadErrorKind::Truncated, "is truncated: the compressed data of " + where() + " ends inside "
                                                         + what);
        return damaged(what + " runs past the end of the variable");
    }

    std::optional<LoadResult> readTag(ByteSource &src, std::uint64_t *remaining, Tag *tag, const char *what);
    std::optional<LoadResult> skipData(ByteSource &src, std::uint64_t *remaining, const Tag &tag, const char *what);
    std::optional<LoadResult> matrix(ByteSource &src, std::uint64_t bytes, int depth, MatVariableLayout *top);
    std::optional<LoadResult> children(ByteSource &src, std::uint64_t *remaining, std::uint64_t count, int depth,
                                       const char *what);

    bool m_swap;
    const LoadLimits &m_budget;
    const MatLayoutLimits &m_limits;
    MatLayout *m_layout;
    int m_index = 0;
    std::string m_name;
    bool m_haveName = false;
    bool m_compressed = false;
};

std::optional<LoadResult> V5Walker::readTag(ByteSource &src, std::uint64_t *remaining, Tag *tag, const char *what)
{
    unsigned char raw[8];
    if (*remaining < 8 || !src.read(raw, 8))
        return *remaining < 8 ? damaged(std::string(what) + " is missing") : sourceFailure(src, what);
    *remaining -= 8;
    const std::uint32_t first = load32(raw, m_swap);
    tag->small = (first >> 16) != 0;
    if (tag->small) {
        // Small data element: 2 bytes of size, 2 of type, and up to 4 bytes of data in the tag.
        tag->type = first & 0xffffu;
        tag->bytes = first >> 16;
        if (tag->bytes > 4)
            return damaged(std::string(what) + " has a small-element size of " + std::to_string(tag->bytes)
                           + " bytes (at most 4)");
        std::memcpy(tag->inline4, raw + 4, 4);
    } else {
        tag->type = first;
        tag->bytes = load32(raw + 4, m_swap);
        if (tag->bytes > *remaining)
            return damaged(std::string(what) + " declares " + std::to_string(tag->bytes) + " bytes but only "
                           + std::to_string(*remaining) + " are left in the variable");
    }
    return std::nullopt;
}

std::optional<LoadResult> V5Walker::skipData(ByteSource &src, std::uint64_t *remaining, const Tag &tag, const char *what)
{
    if (tag.small)
        return std::nullopt;
    // Data elements are padded to 8 bytes (a last one may end at the variable's end unpadded).
    const std::uint64_t padded = std::min(*remaining, roundUp8(tag.bytes));
    if (!src.skip(padded))
        return sourceFailure(src, what);
    *remaining -= padded;
    return std::nullopt;
}

std::optional<LoadResult> V5Walker::children(ByteSource &src, std::uint64_t *remaining, std::uint64_t count,
                                             int depth, const char *what)
{
    // Every child is at least its 8-byte tag: a count the bytes cannot hold is refused before
    // matio allocates a pointer for each.
    if (count > *remaining / 8)
        return damaged("it declares " + std::to_string(count) + " " + what + " but holds room for at most "
                       + std::to_string(*remaining / 8));
    for (std::uint64_t k = 0; k < count; ++k) {
        Tag tag;
        if (auto bad = readTag(src, remaining, &tag, what))
            return bad;
        if (tag.small || tag.type != miMATRIX)
            return damaged(std::string("one of its ") + what + " is not an array (data type "
                           + std::to_string(tag.type) + ")");
        const std::uint64_t bytes = std::min(*remaining, roundUp8(tag.bytes));
        if (auto bad = matrix(src, tag.bytes, depth + 1, nullptr))
            return bad;
        if (!src.skip(bytes - tag.bytes))
            return sourceFailure(src, what);
        *remaining -= bytes;
    }
    return std::nullopt;
}

std::optional<LoadResult> V5Walker::matrix(ByteSource &src, std::uint64_t bytes, int depth, MatVariableLayout *top)
{
    if (depth > m_limits.maxDepth)
        return failure(LoadErrorKind::Unsupported, where() + " nests cells or structs more than "
                                                       + std::to_string(m_limits.maxDepth) + " levels deep");
    if (bytes == 0) // an empty array inside a cell or struct
        return std::nullopt;
    std::uint64_t remaining = bytes;

    // Array flags: class, complex, logical.
    Tag tag;
    if (auto bad = readTag(src, &remaining, &tag, "its array flags"))
        return bad;
    if (tag.small || tag.type != miUINT32 || tag.bytes != 8)
        return damaged("its array flags are not 8 bytes of type miUINT32");
    unsigned char flags[8];
    if (!src.read(flags, 8))
        return sourceFailure(src, "its array flags");
    remaining -= 8;
    const std::uint32_t flagWord = load32(flags, m_swap);
    const int cls = int(flagWord & 0xffu);
    const bool complex = (flagWord & 0x0800u) != 0;
    const bool logical = (flagWord & 0x0200u) != 0;
    if (cls < mxCELL || cls > mxOPAQUE)
        return damaged("it has the unknown array class " + std::to_string(cls));

    // Opaque objects (MCOS) have their own layout (no dimensions): only their extent counts.
    if (cls == mxOPAQUE) {
        if (!src.skip(remaining))
            return sourceFailure(src, "its contents");
        if (top)
            top->matClass = cls;
        return std::nullopt;
    }

    // Dimensions.
    if (auto bad = readTag(src, &remaining, &tag, "its dimensions"))
        return bad;
    if (tag.type != miINT32 || tag.bytes % 4 != 0 || tag.bytes == 0)
        return damaged("its dimensions are not a list of miINT32");
    const std::uint64_t rank = tag.bytes / 4;
    if (rank > m_limits.maxRank)
        return failure(LoadErrorKind::Unsupported,
                       where() + " has " + std::to_string(rank) + " dimensions; more than "
                           + std::to_string(m_limits.maxRank) + " are not read");
    std::vector<std::uint64_t> dims(std::size_t(rank), 0);
    unsigned char dimBytes[8 * 64];
    if (tag.small) {
        std::memcpy(dimBytes, tag.inline4, 4);
    } else if (!src.read(dimBytes, std::size_t(tag.bytes))) {
        return sourceFailure(src, "its dimensions");
    }
    for (std::uint64_t k = 0; k < rank; ++k) {
        const auto d = std::int32_t(load32(dimBytes + 4 * k, m_swap));
        if (d < 0)
            return damaged("it has the negative dimension " + std::to_string(d));
        dims[std::size_t(k)] = std::uint64_t(d);
    }
    if (!tag.small) {
        remaining -= tag.bytes;
        const std::uint64_t pad = std::min(remaining, roundUp8(tag.bytes) - tag.bytes);
        if (!src.skip(pad))
            return sourceFailure(src, "its dimensions");
        remaining -= pad;
    }
    std::uint64_t count = 0;
    const bool countFits = checkedProduct(dims, &count);

    // Name.
    if (auto bad = readTag(src, &remaining, &tag, "its name"))
        return bad;
    if (tag.type != miINT8 && tag.type != miUINT8 && tag.type != miUTF8)
        return damaged("its name is not text");
    std::string name;
    if (tag.small) {
        name.assign(reinterpret_cast<const char *>(tag.inline4), std::size_t(tag.bytes));
    } else {
        // A name longer than 4 KiB is kept only in part (MATLAB's limit is 63 characters).
        name.resize(std::size_t(std::min<std::uint64_t>(tag.bytes, 4096)));
        if (!src.read(name.data(), name.size()) || !src.skip(tag.bytes - name.size()))
            return sourceFailure(src, "its name");
        remaining -= tag.bytes;
        const std::uint64_t pad = std::min(remaining, roundUp8(tag.bytes) - tag.bytes);
        if (!src.skip(pad))
            return sourceFailure(src, "its name");
        remaining -= pad;
    }
    if (top) {
        name.erase(std::find(name.begin(), name.end(), '\0'), name.end());
        m_name = name;
        m_haveName = true;
        top->name = name;
        top->matClass = cls;
        top->complex = complex;
        top->logical = logical;
        top->dims = dims;
    }

    const std::size_t classSize = matClassSize(cls);
    if (classSize > 0) {
        if (!countFits)
            return damaged("its dimensions " + dimsText(dims) + " overflow");
        // Real part, then the imaginary part of a complex variable: exactly the bytes the
        // dimensions declare, in any numeric storage type (MATLAB stores small integers compactly).
        for (int part = 0; part < (complex ? 2 : 1); ++part) {
            const char *what = part == 0 ? "its values" : "its imaginary parts";
            if (auto bad = readTag(src, &remaining, &tag, what))
                return bad;
            if (!isNumericMi(tag.type))
                return damaged(std::string(what) + " have the non-numeric data type " + std::to_string(tag.type));
            std::uint64_t expected = 0;
            if (!checkedMul(count, miSize(tag.type), &expected) || tag.bytes != expected) {
                // A variable that would not fit in the budget is named as such (the first
                // reason a reader of it would meet), whether or not its values are there.
                const std::optional<std::uint64_t> need = matLoadBytes(count, classSize);
                if (top && !complex && (!countFits || count > m_budget.maxElements || !need
                                        || *need > budgetBytes(m_budget))) {
                    LoadResult r = tooLarge("has", dims, m_budget);
                    r.error.tensor = name;
                    return r;
                }
                if (tag.bytes < expected || expected == 0)
                    return failure(LoadErrorKind::Truncated,
                                   "variable " + nameText(name) + " holds fewer values than its dimensions declare ("
                                       + std::to_string(tag.bytes) + " bytes where " + dimsText(dims) + " need "
                                       + (expected ? std::to_string(expected) : std::string("more")) + ")");
                return damaged(std::string(what) + " take " + std::to_string(tag.bytes) + " bytes where "
                               + dimsText(dims) + " need " + std::to_string(expected));
            }
            if (auto bad = skipData(src, &remaining, tag, what))
                return bad;
        }
    } else if (cls == mxCELL || cls == mxFUNCTION) {
        // A function handle holds one array per element, as a cell does (matio reads it so).
        if (!countFits)
            return damaged("its dimensions " + dimsText(dims) + " overflow");
        if (auto bad = children(src, &remaining, count, depth, cls == mxCELL ? "cells" : "function handle parts"))
            return bad;
    } else if (cls == mxSTRUCT || cls == mxOBJECT) {
        if (cls == mxOBJECT) {
            if (auto bad = readTag(src, &remaining, &tag, "its class name"))
                return bad;
            if (auto bad = skipData(src, &remaining, tag, "its class name"))
                return bad;
        }
        if (auto bad = readTag(src, &remaining, &tag, "its field name length"))
            return bad;
        if (tag.type != miINT32 || tag.bytes != 4)
            return damaged("its field name length is not one miINT32");
        unsigned char lengthBytes[4];
        if (tag.small)
            std::memcpy(lengthBytes, tag.inline4, 4);
        else if (!src.read(lengthBytes, 4))
            return sourceFailure(src, "its field name length");
        if (!tag.small) {
            remaining -= 4;
            const std::uint64_t pad = std::min<std::uint64_t>(remaining, 4);
            if (!src.skip(pad))
                return sourceFailure(src, "its field name length");
            remaining -= pad;
        }
        const std::uint64_t fieldLength = load32(lengthBytes, m_swap);
        if (auto bad = readTag(src, &remaining, &tag, "its field names"))
            return bad;
        if (fieldLength == 0 ? tag.bytes != 0 : tag.bytes % fieldLength != 0)
            return damaged("its field names take " + std::to_string(tag.bytes) + " bytes, not a multiple of "
                           + std::to_string(fieldLength));
        const std::uint64_t fields = fieldLength == 0 ? 0 : tag.bytes / fieldLength;
        if (auto bad = skipData(src, &remaining, tag, "its field names"))
            return bad;
        std::uint64_t values = 0;
        if (!countFits || !checkedMul(count, fields, &values))
            return damaged("its dimensions " + dimsText(dims) + " times its " + std::to_string(fields)
                           + " fields overflow");
        if (auto bad = children(src, &remaining, values, depth, "field values"))
            return bad;
    } else { // char, sparse: their data elements, within the variable
        const int elements = cls == mxCHAR ? 1 : complex ? 4 : 3;
        for (int k = 0; k < elements && remaining > 0; ++k) {
            if (auto bad = readTag(src, &remaining, &tag, "its data"))
                return bad;
            if (auto bad = skipData(src, &remaining, tag, "its data"))
                return bad;
        }
    }
    // Whatever is left (padding, or data matio ignores) is passed over.
    if (!src.skip(remaining))
        return sourceFailure(src, "its last data element");
    return std::nullopt;
}

std::optional<LoadResult> V5Walker::walk(std::FILE *file, std::uint64_t size)
{
    const std::uint64_t inflateCap = m_limits.inflateCap(size);
    std::uint64_t pos = 128;
    while (pos + 8 <= size) {
        ++m_index;
        m_haveName = false;
        m_compressed = false;
        FileBytes head(file, pos, size);
        unsigned char raw[8];
        if (!head.read(raw, 8))
            return failure(LoadErrorKind::Unreadable, "could not be read (" + head.detail() + ")");
        const std::uint32_t type = load32(raw, m_swap);
        const std::uint64_t bytes = load32(raw + 4, m_swap);
        if (bytes > size - pos - 8)
            return failure(LoadErrorKind::Truncated, "is truncated: variable " + std::to_string(m_index) + " declares "
                                                         + std::to_string(bytes) + " bytes but only "
                                                         + std::to_string(size - pos - 8) + " follow");
        MatVariableLayout var;
        if (type == miMATRIX) {
            FileBytes body(file, pos + 8, pos + 8 + bytes);
            if (auto bad = matrix(body, bytes, 0, &var))
                return bad;
            pos += 8 + roundUp8(bytes); // miMATRIX elements are padded to 8 bytes
        } else if (type == miCOMPRESSED) {
            m_compressed = true;
            FileBytes body(file, pos + 8, pos + 8 + bytes);
            InflatedBytes inflated(body, 8);
            Tag inner;
            std::uint64_t headRemaining = std::numeric_limits<std::uint64_t>::max(); // bounded by the cap below
            if (auto bad = readTag(inflated, &headRemaining, &inner, "the array it holds"))
                return bad;
            if (inner.small || inner.type != miMATRIX)
                return damaged("its compressed data does not hold an array (data type " + std::to_string(inner.type)
                               + ")");
            const std::uint64_t total = m_layout->inflatedBytes + 8 + roundUp8(inner.bytes);
            if (total > inflateCap || total < m_layout->inflatedBytes)
                return failure(LoadErrorKind::TooLarge,
                               "variable " + std::to_string(m_index) + " is " + std::to_string(8 + inner.bytes)
                                   + " bytes compressed to " + std::to_string(bytes) + "; the compressed variables of a "
                                   + std::to_string(size) + "-byte file may expand to at most " + bytesText(inflateCap)
                                   + " in all (" + bytesText(m_limits.inflateFloorBytes) + ", or "
                                   + std::to_string(m_limits.inflateRatio) + " times the file's size)");
            // Writers pad the array to 8 bytes inside the stream too (matio, scipy).
            inflated.setCap(8 + roundUp8(inner.bytes));
            if (auto bad = matrix(inflated, inner.bytes, 0, &var))
                return bad;
            // The stream must end where the array does: complete (a truncated stream would leave
            // matio's buffer partly uninitialised) and holding nothing more.
            const std::optional<std::uint64_t> left = inflated.drain();
            if (!left)
                return inflated.state() == SourceState::Ended
                           ? failure(LoadErrorKind::Truncated,
                                     "is truncated: the compressed data of " + where() + " ends early")
                           : sourceFailure(inflated, "its compressed data");
            if (*left > 7)
                return damaged("its compressed data holds " + std::to_string(*left) + " bytes after the array");
            m_layout->inflatedBytes = total;
            pos += 8 + bytes;
        } else {
            return failure(LoadErrorKind::Malformed,
                           "has a data element of type " + std::to_string(type) + " at byte " + std::to_string(pos)
                               + ", where a variable should be; it is not a MATLAB file or it is damaged");
        }
        m_layout->variables.push_back(std::move(var));
    }
    return std::nullopt;
}

// --- v4 ------------------------------------------------------------------------------------------

/// A v4 matrix header's type field MOPT: machine (0 little-endian IEEE, 1 big-endian IEEE), O = 0,
/// precision P (0 double … 5 uint8), matrix type T (0 full, 1 text, 2 sparse).
bool plausibleV4Type(std::int32_t type)
{
    if (type < 0 || type > 1999)
        return false;
    const int o = (type / 100) % 10, p = (type / 10) % 10, t = type % 10;
    return o == 0 && p <= 5 && t <= 2;
}

std::optional<LoadResult> walkV4(std::FILE *file, std::uint64_t size, MatLayout *layout)
{
    static const std::size_t precisionSize[6] = {8, 4, 4, 2, 2, 1};
    std::uint64_t pos = 0;
    int index = 0;
    while (pos < size) {
        ++index;
        if (size - pos < 20)
            return index == 1 ? failure(LoadErrorKind::Malformed, "is not a MATLAB .mat file matio can read")
                              : failure(LoadErrorKind::Truncated,
                                        "is truncated: it ends inside the header of variable " + std::to_string(index));
        FileBytes src(file, pos, size);
        unsigned char raw[20];
        if (!src.read(raw, 20))
            return failure(LoadErrorKind::Unreadable, "could not be read (" + src.detail() + ")");
        std::int32_t h[5];
        for (int k = 0; k < 5; ++k)
            h[k] = std::int32_t(load32(raw + 4 * k, false));
        if (!plausibleV4Type(h[0])) { // written on a machine of the other byte order
            for (int k = 0; k < 5; ++k)
                h[k] = std::int32_t(load32(raw + 4 * k, true));
        }
        if (!plausibleV4Type(h[0]) || h[1] < 0 || h[2] < 0 || (h[3] != 0 && h[3] != 1) || h[4] < 1)
            return index == 1 ? failure(LoadErrorKind::Malformed, "is not a MATLAB .mat file matio can read")
                              : failure(LoadErrorKind::Malformed,
                                        "has a damaged header at variable " + std::to_string(index));
        const int precision = (h[0] / 10) % 10, kind = h[0] % 10;
        std::uint64_t data = 0;
        if (!checkedProduct({std::uint64_t(h[1]), std::uint64_t(h[2]), precisionSize[precision],
                             std::uint64_t(h[3] ? 2 : 1)},
                            &data))
            return failure(LoadErrorKind::Malformed, "has a damaged header at variable " + std::to_string(index));
        const std::uint64_t nameBytes = std::uint64_t(h[4]);
        const std::uint64_t available = size - pos - 20;
        if (nameBytes > available || data > available - nameBytes)
            return failure(LoadErrorKind::Truncated,
                           "is truncated: variable " + std::to_string(index) + " declares "
                               + std::to_string(nameBytes + data) + " bytes but only " + std::to_string(available)
                               + " follow");
        MatVariableLayout var;
        // The name's length counts its terminating NUL: the name is one byte shorter (as matio
        // reads it, whatever that byte holds).
        var.name.resize(std::size_t(std::min<std::uint64_t>(nameBytes - 1, 4096)));
        if (!src.read(var.name.data(), var.name.size()))
            return failure(LoadErrorKind::Unreadable, "could not be read (" + src.detail() + ")");
        var.name.erase(std::find(var.name.begin(), var.name.end(), '\0'), var.name.end());
        var.matClass = kind == 0 ? mxDOUBLE : kind == 1 ? mxCHAR : mxSPARSE;
        var.complex = h[3] != 0;
        var.dims = {std::uint64_t(h[1]), std::uint64_t(h[2])};
        layout->variables.push_back(std::move(var));
        pos += 20 + nameBytes + data;
    }
    return std::nullopt;
}

} // namespace

std::uint64_t MatLayoutLimits::inflateCap(std::uint64_t fileSize) const
{
    std::uint64_t scaled = 0;
    if (!checkedMul(fileSize, inflateRatio, &scaled))
        scaled = std::numeric_limits<std::uint64_t>::max();
    return std::max(inflateFloorBytes, scaled);
}

std::size_t matClassSize(int matClass)
{
    switch (matClass) {
    case mxDOUBLE:
    case mxINT64:
    case mxUINT64: return 8;
    case mxSINGLE:
    case mxINT32:
    case mxUINT32: return 4;
    case mxINT16:
    case mxUINT16: return 2;
    case mxINT8:
    case mxUINT8: return 1;
    default: return 0;
    }
}

std::string matClassName(int matClass)
{
    static const char *const names[] = {"unknown", "cell",   "struct", "object", "char",   "sparse",
                                        "double",  "single", "int8",   "uint8",  "int16",  "uint16",
                                        "int32",   "uint32", "int64",  "uint64", "function handle", "opaque object"};
    return matClass >= 0 && matClass <= mxOPAQUE ? names[matClass] : "unknown";
}

std::optional<std::uint64_t> matLoadBytes(std::uint64_t count, std::size_t elementSize)
{
    std::uint64_t doubles = 0, copy = 0;
    if (!checkedMul(count, 8, &doubles) || !checkedMul(count, elementSize, &copy))
        return std::nullopt;
    const std::uint64_t total = doubles + lineExcess(copy);
    if (total < doubles)
        return std::nullopt;
    return total;
}

std::optional<LoadResult> checkMatLayout(std::FILE *file, std::uint64_t size, const LoadLimits &budget,
                                         const MatLayoutLimits &limits, MatLayout *layout)
{
    *layout = MatLayout();
    unsigned char header[128] = {};
    bool haveHeader = false;
    if (size >= 128) {
        FileBytes src(file, 0, size);
        if (!src.read(header, 128))
            return failure(LoadErrorKind::Unreadable, "could not be read (" + src.detail() + ")");
        haveHeader = true;
    }
    // v5 and v7.3: a 128-byte header ending in the version (0x0100, 0x0200) and "IM" as written by
    // the file's machine, as matio's Mat_Open decides; anything else may be a v4 file.
    if (haveHeader && ((header[126] == 'I' && header[127] == 'M') || (header[126] == 'M' && header[127] == 'I'))) {
        const bool fileLittle = header[126] == 'I';
        const bool swap = fileLittle != hostIsLittleEndian();
        const std::uint16_t version = load16(header + 124, swap);
        if (version == 0x0100) {
            layout->version = MatLayout::Version::V5;
            V5Walker walker(swap, budget, limits, layout);
            return walker.walk(file, size);
        }
        if (version == 0x0200) {
            layout->version = MatLayout::Version::V73;
            unsigned char signature[8];
            FileBytes src(file, 512, size);
            if (!src.read(signature, 8) || std::memcmp(signature, "\x89HDF\r\n\x1a\n", 8) != 0)
                return failure(LoadErrorKind::Malformed,
                               "is a MATLAB v7.3 (HDF5) file that cannot be read; it may be truncated or damaged");
            return std::nullopt;
        }
    }
    layout->version = MatLayout::Version::V4;
    return walkV4(file, size, layout);
}

} // namespace factorscope::core::detail
