// SPDX-License-Identifier: MIT
// NumPy .npy reader (format versions 1.0, 2.0 and 3.0).
// https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html

#include "matrixio_p.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <type_traits>
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

enum class Kind { Bool, Int, UInt, Float };

struct Dtype
{
    Kind kind = Kind::Float;
    int size = 8;
    bool bigEndian = false;
    std::string name; ///< "float32"
};

bool hostIsBigEndian()
{
    const std::uint16_t probe = 1;
    unsigned char first;
    std::memcpy(&first, &probe, 1);
    return first == 0;
}

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
std::optional<LoadResult> parseDescr(const std::string &descr, Dtype *dtype)
{
    static const char *const supported =
        "; the supported dtypes are bool, int8 to int64, uint8 to uint64, float32 and float64";
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

    switch (kind) {
    case 'b':
        dtype->kind = Kind::Bool;
        dtype->size = 1;
        dtype->name = "bool";
        break;
    case 'i':
    case 'u':
        dtype->kind = kind == 'i' ? Kind::Int : Kind::UInt;
        dtype->size = int(size);
        dtype->name = std::string(kind == 'i' ? "int" : "uint") + std::to_string(size * 8);
        break;
    case 'f':
        if (size == 2)
            return unsupported("float16");
        if (size != 4 && size != 8)
            return unsupported("extended-precision float");
        dtype->kind = Kind::Float;
        dtype->size = int(size);
        dtype->name = "float" + std::to_string(size * 8);
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
    dtype->bigEndian = order == '>' || ((order == '=' || order == '|') && hostIsBigEndian());
    return std::nullopt;
}

// --- decoding -----------------------------------------------------------------------------------

template <typename T>
void decode(const unsigned char *src, std::size_t n, bool swap, double *dst, bool *beyond53)
{
    unsigned char bytes[sizeof(T)];
    for (std::size_t k = 0; k < n; ++k, src += sizeof(T)) {
        std::memcpy(bytes, src, sizeof(T));
        if (swap)
            std::reverse(bytes, bytes + sizeof(T));
        T v;
        std::memcpy(&v, bytes, sizeof(T));
        dst[k] = static_cast<double>(v);
        if constexpr (sizeof(T) == 8 && std::is_integral_v<T>) {
            constexpr T limit = T(1) << 53;
            if constexpr (std::is_signed_v<T>) {
                if (v > limit || v < -limit)
                    *beyond53 = true;
            } else if (v > limit) {
                *beyond53 = true;
            }
        }
    }
}

void decodeChunk(const Dtype &t, const unsigned char *src, std::size_t n, double *dst, bool *beyond53)
{
    const bool swap = t.size > 1 && t.bigEndian != hostIsBigEndian();
    switch (t.kind) {
    case Kind::Bool:
        for (std::size_t k = 0; k < n; ++k)
            dst[k] = src[k] != 0 ? 1.0 : 0.0;
        return;
    case Kind::Int:
        switch (t.size) {
        case 1: return decode<std::int8_t>(src, n, swap, dst, beyond53);
        case 2: return decode<std::int16_t>(src, n, swap, dst, beyond53);
        case 4: return decode<std::int32_t>(src, n, swap, dst, beyond53);
        default: return decode<std::int64_t>(src, n, swap, dst, beyond53);
        }
    case Kind::UInt:
        switch (t.size) {
        case 1: return decode<std::uint8_t>(src, n, swap, dst, beyond53);
        case 2: return decode<std::uint16_t>(src, n, swap, dst, beyond53);
        case 4: return decode<std::uint32_t>(src, n, swap, dst, beyond53);
        default: return decode<std::uint64_t>(src, n, swap, dst, beyond53);
        }
    case Kind::Float:
        if (t.size == 4)
            return decode<float>(src, n, swap, dst, beyond53);
        return decode<double>(src, n, swap, dst, beyond53);
    }
}

std::uint32_t littleEndian(const unsigned char *p, int bytes)
{
    std::uint32_t v = 0;
    for (int i = bytes - 1; i >= 0; --i)
        v = (v << 8) | p[i];
    return v;
}

} // namespace

LoadResult loadNpy(InputFile &input, const LoadLimits &limits)
{
    std::FILE *f = input.file.get();
    static const unsigned char magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

    // Preamble: magic, version, header length.
    unsigned char pre[12] = {};
    const std::size_t got = std::fread(pre, 1, std::size_t(std::min<std::uint64_t>(input.size, 12)), f);
    if (std::ferror(f))
        return failure(LoadErrorKind::Unreadable, "could not be read (" + errnoText(errno) + ")");
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
    if (headerStart + headerLength > input.size)
        return failure(LoadErrorKind::Truncated,
                       "declares a header of " + std::to_string(headerLength) + " bytes but has only "
                           + std::to_string(input.size - headerStart) + " bytes after the preamble");
    constexpr std::uint64_t maxHeader = 1 << 20;
    if (headerLength > maxHeader)
        return failure(LoadErrorKind::Malformed,
                       "declares an implausibly long header (" + std::to_string(headerLength) + " bytes)");

    std::string header(std::size_t(headerLength), '\0');
    if (std::fseek(f, long(headerStart), SEEK_SET) != 0
        || std::fread(header.data(), 1, header.size(), f) != header.size())
        return failure(LoadErrorKind::Unreadable, "could not be read (" + errnoText(errno) + ")");
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

    Dtype dtype;
    if (auto bad = parseDescr(descr->text, &dtype))
        return std::move(*bad);
    const bool fortranOrder = fortran->boolean;

    std::vector<std::uint64_t> dims;
    for (const PyValue &d : shape->items) {
        if (d.type != PyValue::Type::Int || d.negative)
            return failure(LoadErrorKind::Malformed, "has a .npy shape with a negative or non-integer dimension");
        if (d.overflow)
            return failure(LoadErrorKind::TooLarge,
                           "declares a dimension beyond 2^64, more than the memory budget of " + budgetText(limits));
        dims.push_back(d.integer);
    }
    if (dims.empty())
        return failure(LoadErrorKind::Unsupported, "holds a single value (a 0-dimensional array), not a matrix");
    if (dims.size() > 3)
        return failure(LoadErrorKind::Unsupported, "holds a " + std::to_string(dims.size()) + "-D array ("
                                                       + dimsText(dims)
                                                       + "); only 1-D, 2-D and 3-D height x width x channels arrays are read");
    std::uint64_t count = 0;
    if (!checkedProduct(dims, &count) || count > limits.maxElements)
        return tooLarge("declares", dims, limits);
    if (count == 0)
        return failure(LoadErrorKind::Empty, "holds an empty " + dimsText(dims) + " array");
    if (dims.size() == 3 && dims[2] > 4)
        return failure(LoadErrorKind::Unsupported,
                       "holds a " + dimsText(dims) + " array; a 3-D array is read as height x width x channels "
                           + "with at most 4 channels");
    std::uint64_t dataBytes = 0;
    if (!checkedMul(count, std::uint64_t(dtype.size), &dataBytes))
        return tooLarge("declares", dims, limits);
    const std::uint64_t dataStart = headerStart + headerLength;
    const std::uint64_t available = input.size - dataStart;
    if (available < dataBytes)
        return failure(LoadErrorKind::Truncated, "is truncated: its header declares " + dimsText(dims) + " "
                                                     + dtype.name + " values (" + std::to_string(dataBytes)
                                                     + " bytes) but only " + std::to_string(available)
                                                     + " bytes of data follow");
    if (available > dataBytes)
        return failure(LoadErrorKind::Malformed,
                       "has " + std::to_string(available - dataBytes) + " bytes after the data its header declares");

    // Shape checked against the budget and the file length: allocate.
    const Index h = Index(dims[0]);
    const Index w = dims.size() >= 2 ? Index(dims[1]) : 1;
    const std::size_t nc = dims.size() == 3 ? std::size_t(dims[2]) : 1;
    LoadedMatrix out;
    out.channels.assign(nc, Matrix(h, w));

    // Read through a buffer of at most 2^17 values (1 MiB of doubles), no larger than the data.
    const std::size_t chunk = std::size_t(std::min<std::uint64_t>(count, std::uint64_t(1) << 17));
    std::vector<unsigned char> raw(chunk * std::size_t(dtype.size));
    std::vector<double> values(chunk);
    bool beyond53 = false;
    // Destination counters. C order: channel fastest, then column, then row.
    // Fortran order: row fastest, then column, then channel (each channel is column-major, as Eigen).
    Index i = 0, j = 0;
    std::size_t c = 0;
    std::uint64_t done = 0;
    while (done < count) {
        const std::size_t n = std::size_t(std::min<std::uint64_t>(chunk, count - done));
        const std::size_t bytes = n * std::size_t(dtype.size);
        if (std::fread(raw.data(), 1, bytes, f) != bytes) {
            if (std::ferror(f))
                return failure(LoadErrorKind::Unreadable, "could not be read (" + errnoText(errno) + ")");
            return failure(LoadErrorKind::Truncated, "ended while its data was being read");
        }
        decodeChunk(dtype, raw.data(), n, values.data(), &beyond53);
        if (fortranOrder) {
            for (std::size_t k = 0; k < n; ++k) {
                out.channels[c](i, j) = values[k];
                if (++i == h) {
                    i = 0;
                    if (++j == w) {
                        j = 0;
                        ++c;
                    }
                }
            }
        } else {
            for (std::size_t k = 0; k < n; ++k) {
                out.channels[c](i, j) = values[k];
                if (++c == nc) {
                    c = 0;
                    if (++j == w) {
                        j = 0;
                        ++i;
                    }
                }
            }
        }
        done += n;
    }

    std::string order = fortranOrder ? "Fortran order" : "C order";
    std::string endian = dtype.size == 1 ? "" : (dtype.bigEndian ? "big-endian, " : "little-endian, ");
    out.format = "NumPy .npy (" + dtype.name + ", " + endian + order + ")";
    if (major != 1)
        out.format += ", format " + std::to_string(major) + "." + std::to_string(minor);
    if (dims.size() == 1)
        out.notes.push_back("The 1-D array of " + std::to_string(dims[0]) + " values was read as a "
                            + std::to_string(dims[0]) + " x 1 column.");
    if (dims.size() == 3)
        out.notes.push_back("The " + dimsText(dims) + " array was read as " + std::to_string(nc)
                            + (nc == 1 ? " channel." : " channels."));
    if (beyond53)
        out.notes.push_back("Some " + dtype.name
                            + " values exceed 2^53 in magnitude and were rounded to the nearest double.");
    LoadResult r;
    r.matrix = std::move(out);
    return r;
}

} // namespace factorscope::core::detail
