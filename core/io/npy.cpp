// SPDX-License-Identifier: MIT
// NumPy .npy reader (format versions 1.0, 2.0 and 3.0), from any ByteStream: a file, an .npz
// member or memory.
// https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html

#include "npy.h"

#include "bytestream.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <limits>
#include <utility>

namespace factorscope::core::detail {

namespace {

// --- the header: a Python literal dict ----------------------------------------------------------

/// The subset of Python literals a .npy header uses (dict, tuple, list, str, int, bool, None).
struct PyValue
{
    enum class Type { None, Bool, Int, Str, Tuple, List, Dict };
    Type type = Type::None;
    bool boolean = false;
    std::uint64_t integer = 0;
    bool negative = false;
    bool overflow = false; ///< an integer beyond 2^64 − 1
    std::string text;
    std::vector<PyValue> items;                            ///< Tuple, List
    std::vector<std::pair<std::string, PyValue>> entries; ///< Dict (string keys only)
};

class PyParser
{
public:
    explicit PyParser(std::string_view text) : m_text(text) {}

    /// Parses one value filling the whole text (trailing whitespace allowed).
    bool parseAll(PyValue *value)
    {
        if (!parse(value, 0))
            return false;
        skipSpace();
        if (m_pos != m_text.size())
            return fail("unexpected text after the header dictionary");
        return true;
    }
    const std::string &error() const { return m_error; }

private:
    bool fail(std::string message)
    {
        if (m_error.empty())
            m_error = std::move(message);
        return false;
    }
    void skipSpace()
    {
        while (m_pos < m_text.size() && (m_text[m_pos] == ' ' || m_text[m_pos] == '\t' || m_text[m_pos] == '\n'
                                         || m_text[m_pos] == '\r'))
            ++m_pos;
    }
    bool peek(char c)
    {
        skipSpace();
        return m_pos < m_text.size() && m_text[m_pos] == c;
    }
    bool word(std::string_view w)
    {
        if (m_text.substr(m_pos, w.size()) != w)
            return false;
        const std::size_t end = m_pos + w.size();
        if (end < m_text.size() && (std::isalnum(static_cast<unsigned char>(m_text[end])) || m_text[end] == '_'))
            return false;
        m_pos = end;
        return true;
    }

    bool parse(PyValue *v, int depth)
    {
        if (depth > 16)
            return fail("the header nests too deeply");
        skipSpace();
        if (m_pos >= m_text.size())
            return fail("the header ends early");
        const char c = m_text[m_pos];
        if (c == '\'' || c == '"')
            return parseString(v);
        if (c == '-' || (c >= '0' && c <= '9'))
            return parseInt(v);
        if (c == '(' || c == '[')
            return parseSequence(v, depth);
        if (c == '{')
            return parseDict(v, depth);
        if (word("True") || word("False")) {
            v->type = PyValue::Type::Bool;
            v->boolean = m_text[m_pos - 1] == 'e' && m_text[m_pos - 4] == 'T';
            return true;
        }
        if (word("None")) {
            v->type = PyValue::Type::None;
            return true;
        }
        return fail("unexpected " + quoted(m_text.substr(m_pos, 10)) + " in the header");
    }

    bool parseString(PyValue *v)
    {
        const char quote = m_text[m_pos++];
        v->type = PyValue::Type::Str;
        while (m_pos < m_text.size()) {
            char c = m_text[m_pos++];
            if (c == quote)
                return true;
            if (c == '\\' && m_pos < m_text.size())
                c = m_text[m_pos++];
            v->text += c;
        }
        return fail("a string in the header is not closed");
    }

    bool parseInt(PyValue *v)
    {
        v->type = PyValue::Type::Int;
        if (m_text[m_pos] == '-') {
            v->negative = true;
            ++m_pos;
        }
        const std::size_t start = m_pos;
        while (m_pos < m_text.size() && m_text[m_pos] >= '0' && m_text[m_pos] <= '9')
            ++m_pos;
        if (m_pos == start)
            return fail("a number in the header has no digits");
        if (!parseUnsigned(m_text.substr(start, m_pos - start), &v->integer))
            v->overflow = true;
        if (m_pos < m_text.size() && (m_text[m_pos] == 'L' || m_text[m_pos] == 'l'))
            ++m_pos; // Python 2 long, written by old NumPy versions
        return true;
    }

    bool parseSequence(PyValue *v, int depth)
    {
        const char close = m_text[m_pos] == '(' ? ')' : ']';
        v->type = close == ')' ? PyValue::Type::Tuple : PyValue::Type::List;
        ++m_pos;
        for (;;) {
            if (peek(close)) {
                ++m_pos;
                return true;
            }
            PyValue item;
            if (!parse(&item, depth + 1))
                return false;
            v->items.push_back(std::move(item));
            if (peek(',')) {
                ++m_pos;
                continue;
            }
            if (peek(close)) {
                ++m_pos;
                return true;
            }
            return fail("expected ',' or '" + std::string(1, close) + "' in the header");
        }
    }

    bool parseDict(PyValue *v, int depth)
    {
        v->type = PyValue::Type::Dict;
        ++m_pos;
        for (;;) {
            if (peek('}')) {
                ++m_pos;
                return true;
            }
            PyValue key;
            if (!parse(&key, depth + 1))
                return false;
            if (key.type != PyValue::Type::Str)
                return fail("a key of the header dictionary is not a string");
            if (!peek(':'))
                return fail("expected ':' in the header");
            ++m_pos;
            PyValue value;
            if (!parse(&value, depth + 1))
                return false;
            v->entries.emplace_back(std::move(key.text), std::move(value));
            if (peek(',')) {
                ++m_pos;
                continue;
            }
            if (peek('}')) {
                ++m_pos;
                return true;
            }
            return fail("expected ',' or '}' in the header");
        }
    }

    std::string_view m_text;
    std::size_t m_pos = 0;
    std::string m_error;
};

const PyValue *lookup(const PyValue &dict, const std::string &key)
{
    for (const auto &[k, v] : dict.entries)
        if (k == key)
            return &v;
    return nullptr;
}

// --- dtypes -------------------------------------------------------------------------------------

/// A dtype spelling numpy accepts in a descr: np.dtype(code).kind and .itemsize.
struct NumpyCode
{
    const char *code;
    char kind; ///< numpy's kind: b bool, i int, u uint, f float, c complex, S/U text, V raw, O object, M/m dates
    int size;  ///< itemsize in bytes (0: given by the digits that follow, e.g. "S5")
};

// numpy 1.24 on 64-bit Linux: every string key of np.sctypeDict, every character of
// np.typecodes['All'], and 'c' (S1). "b" is int8 and "b1" bool; "l"/"L" are 64-bit as on Linux.
// tests/core/tst_matrixio.cpp checks this table against the installed numpy code by code.
constexpr NumpyCode numpyCodes[] = {
    {"?", 'b', 1}, {"B", 'u', 1}, {"D", 'c', 16}, {"F", 'c', 8}, {"G", 'c', 32}, {"H", 'u', 2},
    {"I", 'u', 4}, {"L", 'u', 8}, {"M", 'M', 8}, {"M8", 'M', 8}, {"O", 'O', 8}, {"P", 'u', 8},
    {"Q", 'u', 8}, {"S", 'S', 0}, {"U", 'U', 0}, {"V", 'V', 0}, {"a", 'S', 0}, {"b", 'i', 1},
    {"b1", 'b', 1}, {"bool", 'b', 1}, {"bool8", 'b', 1}, {"bool_", 'b', 1}, {"byte", 'i', 1},
    {"bytes", 'S', 0}, {"bytes0", 'S', 0}, {"bytes_", 'S', 0}, {"c", 'S', 1}, {"c16", 'c', 16},
    {"c32", 'c', 32}, {"c8", 'c', 8}, {"cdouble", 'c', 16}, {"cfloat", 'c', 16},
    {"clongdouble", 'c', 32}, {"clongfloat", 'c', 32}, {"complex", 'c', 16}, {"complex128", 'c', 16},
    {"complex256", 'c', 32}, {"complex64", 'c', 8}, {"complex_", 'c', 16}, {"csingle", 'c', 8},
    {"d", 'f', 8}, {"datetime64", 'M', 8}, {"double", 'f', 8}, {"e", 'f', 2}, {"f", 'f', 4},
    {"f16", 'f', 16}, {"f2", 'f', 2}, {"f4", 'f', 4}, {"f8", 'f', 8}, {"float", 'f', 8},
    {"float128", 'f', 16}, {"float16", 'f', 2}, {"float32", 'f', 4}, {"float64", 'f', 8},
    {"float_", 'f', 8}, {"g", 'f', 16}, {"h", 'i', 2}, {"half", 'f', 2}, {"i", 'i', 4}, {"i1", 'i', 1},
    {"i2", 'i', 2}, {"i4", 'i', 4}, {"i8", 'i', 8}, {"int", 'i', 8}, {"int0", 'i', 8},
    {"int16", 'i', 2}, {"int32", 'i', 4}, {"int64", 'i', 8}, {"int8", 'i', 1}, {"int_", 'i', 8},
    {"intc", 'i', 4}, {"intp", 'i', 8}, {"l", 'i', 8}, {"long", 'i', 8}, {"longcomplex", 'c', 32},
    {"longdouble", 'f', 16}, {"longfloat", 'f', 16}, {"longlong", 'i', 8}, {"m", 'm', 8},
    {"m8", 'm', 8}, {"object", 'O', 8}, {"object0", 'O', 8}, {"object_", 'O', 8}, {"p", 'i', 8},
    {"q", 'i', 8}, {"short", 'i', 2}, {"single", 'f', 4}, {"singlecomplex", 'c', 8}, {"str", 'U', 0},
    {"str0", 'U', 0}, {"str_", 'U', 0}, {"string_", 'S', 0}, {"timedelta64", 'm', 8}, {"u1", 'u', 1},
    {"u2", 'u', 2}, {"u4", 'u', 4}, {"u8", 'u', 8}, {"ubyte", 'u', 1}, {"uint", 'u', 8},
    {"uint0", 'u', 8}, {"uint16", 'u', 2}, {"uint32", 'u', 4}, {"uint64", 'u', 8}, {"uint8", 'u', 1},
    {"uintc", 'u', 4}, {"uintp", 'u', 8}, {"ulong", 'u', 8}, {"ulonglong", 'u', 8},
    {"unicode", 'U', 0}, {"unicode_", 'U', 0}, {"ushort", 'u', 2}, {"void", 'V', 0}, {"void0", 'V', 0},
};

/// A code that may follow a byte-order character: one character, or one character and digits
/// ("<f8", "|b1"); names such as "float64" may not ("<float64" is an error in numpy).
bool takesByteOrder(std::string_view code)
{
    return code.size() == 1
           || std::all_of(code.begin() + 1, code.end(), [](char c) { return c >= '0' && c <= '9'; });
}

const NumpyCode *findNumpyCode(std::string_view code, bool afterByteOrder)
{
    if (afterByteOrder && !takesByteOrder(code))
        return nullptr;
    for (const NumpyCode &c : numpyCodes)
        if (code == c.code)
            return &c;
    return nullptr;
}

/// Parses a descr string as np.dtype() does for the spellings a .npy header can hold: an optional
/// byte order (<, >, |, =), then a numpy type code ("?", "b", "i", "f", …), a kind and an item size
/// ("b1", "i4", "f8", "S5", leading zeros allowed as numpy allows them), or, without a byte order,
/// a type name ("float64", "uint8" …). On failure returns the Unsupported/Malformed result.
std::optional<LoadResult> parseDescr(const std::string &descr, NpyHeader *header)
{
    static const char *const supported =
        "; the supported dtypes are bool, int8 to int64, uint8 to uint64, float16, float32 and float64";
    auto unsupported = [&](const std::string &what) {
        return failure(LoadErrorKind::Unsupported, "has the dtype " + quoted(descr) + " (" + what + ")" + supported);
    };
    auto unknown = [&] { return failure(LoadErrorKind::Malformed, "has the unknown dtype " + quoted(descr)); };
    std::string_view s = descr;
    char order = '=';
    if (!s.empty() && (s[0] == '<' || s[0] == '>' || s[0] == '|' || s[0] == '=')) {
        order = s[0];
        s.remove_prefix(1);
    }
    if (s.empty())
        return failure(LoadErrorKind::Malformed, "has an empty dtype in its header");
    const bool ordered = s.size() != descr.size();

    // Dates and time intervals, with or without a unit: "M8[ns]", "m8[s]", "datetime64[D]"
    // (numpy takes a byte order before the long names too).
    auto withUnit = [&](std::string_view name, bool bare) {
        return (bare && s == name)
               || (s.size() > name.size() + 1 && s.substr(0, name.size()) == name && s[name.size()] == '['
                   && s.back() == ']');
    };
    if (withUnit("M8", false) || withUnit("datetime64", true))
        return unsupported("dates");
    if (withUnit("m8", false) || withUnit("timedelta64", true))
        return unsupported("time intervals");

    char kind = 0;
    std::uint64_t size = 0;
    if (const NumpyCode *code = findNumpyCode(s, ordered)) {
        kind = code->kind;
        size = std::uint64_t(code->size);
    } else if (s.size() >= 2 && takesByteOrder(s)) {
        // A kind and an item size numpy accepts but the table does not spell: "S5", "V16",
        // "f08" (= "f8"), "O4" (objects of any size).
        std::uint64_t digits = 0;
        if (!parseUnsigned(s.substr(1), &digits))
            return unknown();
        const char k = s[0];
        if (k == 'S' || k == 'a' || k == 'U' || k == 'V' || k == 'O') {
            kind = k == 'a' ? 'S' : k;
            size = digits;
        } else if (digits <= 64) {
            const std::string normal = std::string(1, k) + std::to_string(digits);
            const NumpyCode *code = findNumpyCode(normal, true);
            if (!code)
                return unknown();
            kind = code->kind;
            size = std::uint64_t(code->size);
        } else {
            return unknown();
        }
    } else {
        return unknown();
    }

    static const Element signedBySize[] = {Element::Int8, Element::Int16, Element::Int32, Element::Int64};
    static const Element unsignedBySize[] = {Element::UInt8, Element::UInt16, Element::UInt32, Element::UInt64};
    switch (kind) {
    case 'b':
        header->element = Element::Bool;
        break;
    case 'i':
    case 'u':
        // The table gives integers of 1, 2, 4 and 8 bytes only.
        header->element = (kind == 'i' ? signedBySize : unsignedBySize)[size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3];
        break;
    case 'f':
        if (size != 2 && size != 4 && size != 8)
            return unsupported("extended-precision float");
        header->element = size == 2 ? Element::Float16 : size == 4 ? Element::Float32 : Element::Float64;
        break;
    case 'c': return unsupported("complex");
    case 'O': return unsupported("Python objects");
    case 'S':
    case 'U': return unsupported("text");
    case 'V': return unsupported("raw bytes or records");
    case 'M': return unsupported("dates");
    case 'm': return unsupported("time intervals");
    default: return unknown();
    }
    // numpy: '|' and '=' on a multi-byte type mean the machine's own order.
    header->bigEndian = order == '>' || ((order == '=' || order == '|') && hostIsBigEndian());
    return std::nullopt;
}

std::uint32_t littleEndian(const unsigned char *p, int bytes)
{
    std::uint32_t v = 0;
    for (int i = bytes - 1; i >= 0; --i)
        v = (v << 8) | p[i];
    return v;
}

/// Reads exactly n bytes, or the stream's failure / a Truncated result.
std::optional<LoadResult> readExactly(ByteStream &in, void *dst, std::size_t n, const char *truncated)
{
    if (in.read(dst, n) == n)
        return std::nullopt;
    if (auto bad = in.failure())
        return bad;
    return failure(LoadErrorKind::Truncated, truncated);
}

} // namespace

std::optional<LoadResult> readNpyHeader(ByteStream &in, std::uint64_t size, NpyHeader *out)
{
    static const unsigned char magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

    // Preamble: magic, version, header length (2 bytes in version 1, 4 in versions 2 and 3).
    unsigned char pre[12] = {};
    const std::size_t want = std::size_t(std::min<std::uint64_t>(size, 12));
    const std::size_t got = in.read(pre, want);
    if (got < want) {
        if (auto bad = in.failure())
            return bad;
    }
    if (std::memcmp(pre, magic, std::min<std::size_t>(got, 6)) != 0)
        return failure(LoadErrorKind::Malformed, "is not a NumPy .npy file (wrong magic bytes)");
    if (got < 10)
        return failure(LoadErrorKind::Truncated, "ends inside the .npy preamble (" + std::to_string(got) + " bytes)");
    const int major = pre[6], minor = pre[7];
    if (major < 1 || major > 3)
        return failure(LoadErrorKind::Unsupported, "uses .npy format version " + std::to_string(major) + "."
                                                       + std::to_string(minor)
                                                       + ", which is not supported (1.0, 2.0 and 3.0 are)");
    const int lengthBytes = major == 1 ? 2 : 4;
    const std::uint64_t headerStart = 8 + std::uint64_t(lengthBytes);
    if (got < headerStart)
        return failure(LoadErrorKind::Truncated, "ends inside the .npy preamble (" + std::to_string(got) + " bytes)");
    const std::uint64_t headerLength = littleEndian(pre + 8, lengthBytes);
    if (headerStart + headerLength > size)
        return failure(LoadErrorKind::Truncated,
                       "declares a header of " + std::to_string(headerLength) + " bytes but has only "
                           + std::to_string(size - headerStart) + " bytes after the preamble");
    constexpr std::uint64_t maxHeader = 1 << 20;
    if (headerLength > maxHeader)
        return failure(LoadErrorKind::Malformed,
                       "declares an implausibly long header (" + std::to_string(headerLength) + " bytes)");

    // Version 1 read two header bytes with the preamble.
    std::string header(std::size_t(headerLength), '\0');
    const std::size_t early = std::size_t(std::min<std::uint64_t>(got - headerStart, headerLength));
    std::memcpy(header.data(), pre + headerStart, early);
    if (auto bad = readExactly(in, header.data() + early, header.size() - early, "ended inside its .npy header"))
        return bad;
    if (header.find('\0') != std::string::npos)
        return failure(LoadErrorKind::Malformed, "has a .npy header that is not text");

    PyValue dict;
    PyParser parser(header);
    if (!parser.parseAll(&dict))
        return failure(LoadErrorKind::Malformed, "has an unreadable .npy header (" + parser.error() + ")");
    if (dict.type != PyValue::Type::Dict)
        return failure(LoadErrorKind::Malformed, "has a .npy header that is not a dictionary");
    const PyValue *descr = lookup(dict, "descr");
    const PyValue *fortran = lookup(dict, "fortran_order");
    const PyValue *shape = lookup(dict, "shape");
    for (const auto &[key, value] : {std::pair{"descr", descr}, {"fortran_order", fortran}, {"shape", shape}})
        if (!value)
            return failure(LoadErrorKind::Malformed, std::string("has a .npy header without '") + key + "'");
    if (descr->type == PyValue::Type::List)
        return failure(LoadErrorKind::Unsupported,
                       "has a structured dtype (named fields); only plain numeric arrays are supported");
    if (descr->type != PyValue::Type::Str)
        return failure(LoadErrorKind::Malformed, "has a .npy header whose 'descr' is not a string");
    if (fortran->type != PyValue::Type::Bool)
        return failure(LoadErrorKind::Malformed, "has a .npy header whose 'fortran_order' is not True or False");
    if (shape->type != PyValue::Type::Tuple)
        return failure(LoadErrorKind::Malformed, "has a .npy header whose 'shape' is not a tuple");

    NpyHeader h;
    if (auto bad = parseDescr(descr->text, &h))
        return bad;
    h.fortranOrder = fortran->boolean;
    h.major = major;
    h.minor = minor;
    h.dataStart = headerStart + headerLength;
    for (const PyValue &d : shape->items) {
        if (d.type != PyValue::Type::Int || d.negative)
            return failure(LoadErrorKind::Malformed, "has a .npy shape with a negative or non-integer dimension");
        if (d.overflow)
            return failure(LoadErrorKind::TooLarge, "declares a dimension beyond 2^64");
        h.dims.push_back(d.integer);
    }
    *out = std::move(h);
    return std::nullopt;
}

std::optional<LoadResult> checkNpyDataSize(const NpyHeader &h, std::uint64_t size, const LoadLimits &limits)
{
    std::uint64_t count = 0, dataBytes = 0;
    if (!checkedProduct(h.dims, &count) || !checkedMul(count, std::uint64_t(elementSize(h.element)), &dataBytes))
        return tooLarge("declares", h.dims, limits);
    const std::uint64_t available = size - h.dataStart;
    if (available < dataBytes)
        return failure(LoadErrorKind::Truncated, "is truncated: its header declares " + dimsText(h.dims) + " "
                                                     + elementName(h.element) + " values (" + std::to_string(dataBytes)
                                                     + " bytes) but only " + std::to_string(available)
                                                     + " bytes of data follow");
    if (available > dataBytes)
        return failure(LoadErrorKind::Malformed,
                       "has " + std::to_string(available - dataBytes) + " bytes after the data its header declares");
    return std::nullopt;
}

TensorInfo npyTensorInfo(const NpyHeader &h)
{
    TensorInfo info;
    info.shape = h.dims;
    info.dtype = elementName(h.element);
    std::uint64_t count = 0;
    if (!checkedProduct(h.dims, &count) || !checkedMul(count, std::uint64_t(elementSize(h.element)), &info.bytes))
        info.bytes = std::numeric_limits<std::uint64_t>::max();
    return info;
}

LoadResult readNpyData(ByteStream &in, std::uint64_t size, const NpyHeader &h, const Reshape &reshape,
                       bool autoChannels, const LoadLimits &limits)
{
    ReshapePlan plan;
    if (auto bad = planArray(h.dims, reshape, autoChannels, limits, "declares", &plan))
        return std::move(*bad);
    if (auto bad = checkNpyDataSize(h, size, limits))
        return std::move(*bad);

    // Shape checked against the budget and the data length: allocate.
    TensorFiller filler(plan, h.fortranOrder);
    const std::size_t elementBytes = std::size_t(elementSize(h.element));
    std::uint64_t count = 0;
    checkedProduct(h.dims, &count);
    constexpr std::size_t chunk = std::size_t(1) << 17;
    const std::size_t buffer = std::size_t(std::min<std::uint64_t>(chunk, count));
    std::vector<unsigned char> raw(buffer * elementBytes);
    std::vector<double> values(buffer);
    bool beyond53 = false;
    for (std::uint64_t done = 0; done < count;) {
        const std::size_t n = std::size_t(std::min<std::uint64_t>(chunk, count - done));
        if (auto bad = readExactly(in, raw.data(), n * elementBytes, "ended while its data was being read"))
            return std::move(*bad);
        decodeElements(h.element, h.bigEndian, raw.data(), n, values.data(), &beyond53);
        filler.push(values.data(), n);
        done += n;
    }

    LoadedMatrix out;
    out.channels = filler.take();
    out.shape = h.dims;
    out.reshape = plan.text;
    const std::string order = h.fortranOrder ? "Fortran order" : "C order";
    const std::string endian = elementSize(h.element) == 1 ? "" : (h.bigEndian ? "big-endian, " : "little-endian, ");
    out.format = "NumPy .npy (" + std::string(elementName(h.element)) + ", " + endian + order + ")";
    if (h.major != 1)
        out.format += ", format " + std::to_string(h.major) + "." + std::to_string(h.minor);
    if (!plan.note.empty())
        out.notes.push_back(plan.note);
    if (beyond53)
        out.notes.push_back("Some " + std::string(elementName(h.element))
                            + " values exceed 2^53 in magnitude and were rounded to the nearest double.");
    LoadResult r;
    r.matrix = std::move(out);
    return r;
}

LoadResult loadNpy(ByteStream &in, std::uint64_t size, const Reshape &reshape, bool autoChannels,
                   const LoadLimits &limits)
{
    NpyHeader header;
    if (auto bad = readNpyHeader(in, size, &header))
        return std::move(*bad);
    return readNpyData(in, size, header, reshape, autoChannels, limits);
}

LoadResult loadNpyBytes(const void *data, std::size_t size, const Reshape &reshape, const LoadLimits &limits)
{
    MemoryStream in(data, size);
    return loadNpy(in, size, reshape, true, limits);
}

ListResult listNpy(ByteStream &in, std::uint64_t size)
{
    ListResult r;
    NpyHeader header;
    if (auto bad = readNpyHeader(in, size, &header)) {
        r.error = bad->error;
        return r;
    }
    TensorListing listing;
    listing.format = "NumPy .npy";
    listing.tensors.push_back(npyTensorInfo(header));
    r.listing = std::move(listing);
    return r;
}

} // namespace factorscope::core::detail
