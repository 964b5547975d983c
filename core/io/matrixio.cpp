// SPDX-License-Identifier: MIT
#include "matrixio.h"
#include "matrixio_p.h"

#include "bytestream.h"
#include "npy.h"
#include "tensorfill.h"

#include <fast_float/fast_float.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <system_error>

#if defined(_WIN32)
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#else
#include <fcntl.h>
#include <unistd.h>
#endif

namespace factorscope::core {

namespace fs = std::filesystem;

namespace detail {

LoadResult failure(LoadErrorKind kind, std::string reason, long long line, long long column)
{
    LoadResult r;
    r.error.kind = kind;
    r.error.reason = std::move(reason);
    r.error.line = line;
    r.error.column = column;
    return r;
}

ListResult listFailure(const LoadResult &failed)
{
    ListResult r;
    r.error = failed.error;
    return r;
}

std::string errnoText(int error)
{
    return std::error_code(error, std::generic_category()).message();
}

bool checkedMul(std::uint64_t a, std::uint64_t b, std::uint64_t *product)
{
    if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a)
        return false;
    *product = a * b;
    return true;
}

bool checkedProduct(const std::vector<std::uint64_t> &dims, std::uint64_t *product)
{
    std::uint64_t p = 1;
    for (std::uint64_t d : dims)
        if (!checkedMul(p, d, &p))
            return false;
    *product = p;
    return true;
}

std::string budgetText(const LoadLimits &limits)
{
    // 8 bytes per value; shown in GiB with one decimal (MiB below 1 GiB, so a small test budget
    // does not read "0.0 GiB").
    const long double bytes = static_cast<long double>(limits.maxElements) * 8.0L;
    char buffer[64];
    if (bytes >= 1024.0L * 1024.0L * 1024.0L)
        std::snprintf(buffer, sizeof buffer, "%.1Lf GiB", bytes / (1024.0L * 1024.0L * 1024.0L));
    else if (bytes >= 1024.0L * 1024.0L)
        std::snprintf(buffer, sizeof buffer, "%.1Lf MiB", bytes / (1024.0L * 1024.0L));
    else
        std::snprintf(buffer, sizeof buffer, "%.0Lf bytes", bytes);
    return buffer;
}

std::string dimsText(const std::vector<std::uint64_t> &dims)
{
    std::string s;
    for (std::size_t i = 0; i < dims.size(); ++i) {
        if (i)
            s += " x ";
        s += std::to_string(dims[i]);
    }
    return s;
}

LoadResult tooLarge(const std::string &what, const std::vector<std::uint64_t> &dims, const LoadLimits &limits)
{
    return failure(LoadErrorKind::TooLarge, what + " " + dimsText(dims) + " values, more than the memory budget of "
                                                + budgetText(limits));
}

std::string quoted(std::string_view text, std::size_t maxChars)
{
    std::string out = "\"";
    std::size_t chars = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        if (chars == maxChars) {
            out += "...";
            break;
        }
        const auto c = static_cast<unsigned char>(text[i]);
        std::size_t len = 0;
        if (c >= 0x20 && c < 0x7f)
            len = 1;
        else if (c >= 0xc2 && c <= 0xdf)
            len = 2;
        else if (c >= 0xe0 && c <= 0xef)
            len = 3;
        else if (c >= 0xf0 && c <= 0xf4)
            len = 4;
        bool valid = len > 0 && i + len <= text.size();
        for (std::size_t k = 1; valid && k < len; ++k)
            valid = (static_cast<unsigned char>(text[i + k]) & 0xc0) == 0x80;
        if (valid) {
            out.append(text.data() + i, len);
            i += len;
        } else {
            out += '?';
            ++i;
        }
        ++chars;
    }
    out += '"';
    return out;
}

std::string nonFiniteName(double value)
{
    if (std::isnan(value))
        return "NaN";
    return value < 0 ? "-Inf" : "Inf";
}

std::optional<LoadError> findNonFinite(const std::vector<Matrix> &channels)
{
    bool found = false;
    Index bestRow = 0, bestCol = 0, bestChannel = 0;
    double bestValue = 0;
    for (std::size_t c = 0; c < channels.size(); ++c) {
        const Matrix &m = channels[c];
        if (m.allFinite())
            continue;
        // Column-major scan (cache friendly), keeping the smallest (row, column, channel).
        for (Index j = 0; j < m.cols(); ++j)
            for (Index i = 0; i < m.rows(); ++i) {
                const double v = m(i, j);
                if (std::isfinite(v))
                    continue;
                const bool better = !found || i < bestRow || (i == bestRow && j < bestCol);
                if (better) {
                    found = true;
                    bestRow = i;
                    bestCol = j;
                    bestChannel = Index(c);
                    bestValue = v;
                }
                break; // later rows of this column are not earlier in reading order
            }
    }
    if (!found)
        return std::nullopt;
    LoadError e;
    e.kind = LoadErrorKind::NonFinite;
    e.reason = "value at row " + std::to_string(bestRow + 1) + ", column " + std::to_string(bestCol + 1);
    if (channels.size() > 1)
        e.reason += ", channel " + std::to_string(bestChannel + 1);
    e.reason += " is " + nonFiniteName(bestValue);
    e.column = bestCol + 1;
    return e;
}

bool parseDouble(std::string_view token, double *value, char decimalPoint)
{
    const char *first = token.data();
    const char *last = token.data() + token.size();
    // fast_float follows std::from_chars, which refuses a leading '+'; files do not.
    if (first != last && *first == '+') {
        ++first;
        if (first == last || *first == '-' || *first == '+')
            return false;
    }
    if (first == last)
        return false;
    const fast_float::parse_options options(fast_float::chars_format::general, decimalPoint);
    const auto r = fast_float::from_chars_advanced(first, last, *value, options);
    return r.ec == std::errc() && r.ptr == last;
}

bool parseUnsigned(std::string_view token, std::uint64_t *value)
{
    if (!token.empty() && token.front() == '+')
        token.remove_prefix(1);
    if (token.empty())
        return false;
    std::uint64_t v = 0;
    for (char ch : token) {
        if (ch < '0' || ch > '9')
            return false;
        const std::uint64_t digit = std::uint64_t(ch - '0');
        if (v > (std::numeric_limits<std::uint64_t>::max() - digit) / 10)
            return false;
        v = v * 10 + digit;
    }
    *value = v;
    return true;
}

LineReader::LineReader(std::FILE *file, std::size_t maxLineBytes)
    : m_file(file), m_maxLine(maxLineBytes), m_buffer(std::size_t(1) << 20)
{
}

bool LineReader::fill()
{
    m_pos = 0;
    m_end = std::fread(m_buffer.data(), 1, m_buffer.size(), m_file);
    if (m_end == 0) {
        if (std::ferror(m_file)) {
            m_status = Status::ReadError;
            m_errno = errno;
        }
        m_eof = true;
        return false;
    }
    return true;
}

bool LineReader::next(std::string_view *line)
{
    if (m_status != Status::Ok)
        return false;
    m_carry.clear();
    bool carrying = false;
    auto finish = [&](std::string_view v) {
        ++m_lineNumber;
        if (!v.empty() && v.back() == '\r')
            v.remove_suffix(1);
        *line = v;
        return true;
    };
    for (;;) {
        if (m_pos < m_end) {
            const char *start = m_buffer.data() + m_pos;
            const std::size_t available = m_end - m_pos;
            const auto *newline = static_cast<const char *>(std::memchr(start, '\n', available));
            const std::size_t len = newline ? std::size_t(newline - start) : available;
            if (m_carry.size() + len > m_maxLine) {
                ++m_lineNumber;
                m_status = Status::TooLong;
                return false;
            }
            if (newline) {
                m_pos += len + 1;
                m_consumed += len + 1;
                if (!carrying)
                    return finish(std::string_view(start, len));
                m_carry.append(start, len);
                return finish(m_carry);
            }
            m_carry.append(start, len);
            carrying = true;
            m_consumed += len;
            m_pos = m_end;
        }
        if (m_eof || !fill()) {
            if (m_status != Status::Ok)
                return false;
            if (carrying)
                return finish(m_carry);
            return false;
        }
    }
}

LoadResult lineReaderFailure(const LineReader &reader)
{
    if (reader.status() == LineReader::Status::TooLong)
        return failure(LoadErrorKind::TooLarge,
                       "line " + std::to_string(reader.lineNumber()) + " is longer than "
                           + std::to_string(reader.maxLineBytes() >> 20) + " MiB",
                       reader.lineNumber());
    return failure(LoadErrorKind::Unreadable, "could not be read (" + errnoText(reader.readErrno()) + ")");
}

} // namespace detail

using detail::failure;

LoadLimits LoadLimits::defaults()
{
    std::uint64_t ram = 0;
#if defined(_WIN32)
    MEMORYSTATUSEX status;
    status.dwLength = sizeof status;
    if (GlobalMemoryStatusEx(&status))
        ram = status.ullTotalPhys;
#elif defined(_SC_PHYS_PAGES) && defined(_SC_PAGE_SIZE)
    const long pages = sysconf(_SC_PHYS_PAGES);
    const long pageSize = sysconf(_SC_PAGE_SIZE);
    if (pages > 0 && pageSize > 0)
        ram = std::uint64_t(pages) * std::uint64_t(pageSize);
#endif
    LoadLimits limits;
    const std::uint64_t cap = std::uint64_t(1) << 28;
    // Unknown RAM: the cap. Tiny RAM: still allow a 1024 x 1024 matrix.
    limits.maxElements = ram == 0 ? cap : std::clamp<std::uint64_t>(ram / 4 / 8, std::uint64_t(1) << 20, cap);
    return limits;
}

const std::vector<std::string> &matrixFileExtensions()
{
    static const std::vector<std::string> extensions = {".npy", ".npz", ".safetensors", ".csv",
                                                        ".tsv", ".txt", ".mtx",         ".mat"};
    return extensions;
}

std::optional<Reshape> Reshape::parse(const std::string &text, std::string *error)
{
    if (text == "auto")
        return Reshape{};
    if (text == "channels")
        return channels();
    std::uint64_t k = 0;
    if (text.rfind("rows:", 0) == 0 && detail::parseUnsigned(std::string_view(text).substr(5), &k) && k <= 32
        && text.size() > 5 && text[5] != '+')
        return rows(int(k));
    if (error)
        *error = "a reshape is auto, channels or rows:K with K from 0 to 32, not " + detail::quoted(text, 40);
    return std::nullopt;
}

std::string Reshape::text() const
{
    switch (mode) {
    case Mode::Auto: return "auto";
    case Mode::Channels: return "channels";
    case Mode::Rows: break;
    }
    return "rows:" + std::to_string(rowAxes);
}

TensorPath splitTensorPath(const std::string &spec)
{
    const std::string separator = "::";
    std::size_t at = spec.find(separator);
    if (at == std::string::npos)
        return {spec, ""};
    std::error_code ec;
    if (fs::exists(spec, ec))
        return {spec, ""};
    for (std::size_t pos = at; pos != std::string::npos; pos = spec.find(separator, pos + 1))
        if (pos > 0 && fs::exists(spec.substr(0, pos), ec))
            return {spec.substr(0, pos), spec.substr(pos + separator.size())};
    return {spec.substr(0, at), spec.substr(at + separator.size())};
}

namespace {

std::string lowerExtension(const std::string &path)
{
    std::string ext = fs::path(path).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return char(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); });
    return ext;
}

std::string supportedList()
{
    const auto &e = matrixFileExtensions();
    std::string s;
    for (std::size_t i = 0; i < e.size(); ++i) {
        if (i)
            s += i + 1 == e.size() ? " or " : ", ";
        s += e[i];
    }
    return s;
}

/// The checks every file passes before its parser sees it: it exists, is a regular file with a
/// known extension, opens, and is not empty. Leaves it open in *input.
std::optional<LoadResult> openChecked(const std::string &path, detail::InputFile *input)
{
    if (path.empty())
        return failure(LoadErrorKind::NotFound, "does not exist (no file name was given)");
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    if (status.type() == fs::file_type::not_found)
        return failure(LoadErrorKind::NotFound, "does not exist");
    if (ec) {
        // ENOTDIR: a path component is a file, so the path cannot exist.
        if (ec == std::errc::not_a_directory || ec == std::errc::no_such_file_or_directory)
            return failure(LoadErrorKind::NotFound, "does not exist");
        return failure(LoadErrorKind::Unreadable, "cannot be examined (" + ec.message() + ")");
    }
    if (status.type() == fs::file_type::directory)
        return failure(LoadErrorKind::NotAFile, "is a directory, not a file");
    if (status.type() != fs::file_type::regular)
        return failure(LoadErrorKind::NotAFile, "is not a regular file (a device, pipe or socket)");

    input->extension = lowerExtension(path);
    const auto &known = matrixFileExtensions();
    if (std::find(known.begin(), known.end(), input->extension) == known.end()) {
        const std::string has = input->extension.empty() ? "has no extension"
                                                         : "has the extension " + detail::quoted(input->extension);
        return failure(LoadErrorKind::Unsupported, has + "; matrix files end in " + supportedList());
    }

    errno = 0;
    input->file.reset(std::fopen(path.c_str(), "rb"));
    if (!input->file)
        return failure(LoadErrorKind::Unreadable, "cannot be opened (" + detail::errnoText(errno) + ")");
    const std::uintmax_t size = fs::file_size(path, ec);
    if (ec)
        return failure(LoadErrorKind::Unreadable, "cannot be examined (" + ec.message() + ")");
    if (size == 0)
        return failure(LoadErrorKind::Empty, "is empty");
    input->size = size;
    return std::nullopt;
}

/// A 2-D matrix read from a text or Matrix Market file, reshaped as the 2-D array it is.
LoadResult reshapeTwoD(LoadResult r, const Reshape &reshape, const LoadLimits &limits)
{
    if (!r.ok() || r.matrix->channels.size() != 1 || reshape.mode == Reshape::Mode::Auto
        || (reshape.mode == Reshape::Mode::Rows && reshape.rowAxes == 1))
        return r;
    const Matrix m = std::move(r.matrix->channels.front());
    detail::ReshapePlan plan;
    const std::vector<std::uint64_t> dims = {std::uint64_t(m.rows()), std::uint64_t(m.cols())};
    if (auto bad = detail::planArray(dims, reshape, false, limits, "has", &plan))
        return std::move(*bad);
    detail::TensorFiller filler(plan, false);
    std::vector<double> row(std::size_t(m.cols()));
    for (Index i = 0; i < m.rows(); ++i) { // C order: row by row
        for (Index j = 0; j < m.cols(); ++j)
            row[std::size_t(j)] = m(i, j);
        filler.push(row.data(), row.size());
    }
    r.matrix->channels = filler.take();
    r.matrix->reshape = plan.text;
    if (!plan.note.empty())
        r.matrix->notes.push_back(plan.note);
    return r;
}

LoadResult loadUnchecked(const std::string &path, const detail::TensorRequest &request, const LoadLimits &limits)
{
    detail::InputFile input;
    if (auto bad = openChecked(path, &input))
        return std::move(*bad);

    const std::string &ext = input.extension;
    if (ext == ".mat" || ext == ".npz" || ext == ".safetensors") {
        input.file.reset(); // the readers open it by name (matio, libzip, mmap)
        if (ext == ".mat")
            return detail::loadMat(path, request, limits);
        if (ext == ".npz")
            return detail::loadNpz(path, request, limits);
        return detail::loadSafetensors(path, request, limits);
    }
    if (!request.name.empty())
        return failure(LoadErrorKind::NoSuchName, "holds one unnamed array, not one named " + detail::quoted(request.name, 200)
                                                      + "; only .npz, .safetensors and .mat files hold named arrays");
    if (ext == ".npy") {
        detail::FileStream stream(input.file.get());
        return detail::loadNpy(stream, input.size, request.reshape, true, limits);
    }
    if (ext == ".mtx")
        return reshapeTwoD(detail::loadMatrixMarket(input, limits), request.reshape, limits);
    return reshapeTwoD(detail::loadDelimited(input, limits), request.reshape, limits);
}

} // namespace

bool isMatrixFileName(const std::string &path)
{
    const std::string ext = lowerExtension(path);
    const auto &known = matrixFileExtensions();
    return std::find(known.begin(), known.end(), ext) != known.end();
}

bool holdsNamedArrays(const std::string &path)
{
    const std::string ext = lowerExtension(path);
    return ext == ".npz" || ext == ".safetensors" || ext == ".mat";
}

ListResult listTensors(const std::string &path)
{
    try {
        detail::InputFile input;
        if (auto bad = openChecked(path, &input))
            return detail::listFailure(*bad);
        const std::string &ext = input.extension;
        if (ext == ".npy") {
            detail::FileStream stream(input.file.get());
            return detail::listNpy(stream, input.size);
        }
        input.file.reset();
        if (ext == ".npz")
            return detail::listNpz(path);
        if (ext == ".safetensors")
            return detail::listSafetensors(path);
        if (ext == ".mat")
            return detail::listMat(path);
        return detail::listFailure(failure(LoadErrorKind::Unsupported,
                                           "holds one unnamed matrix; only .npz, .safetensors, .mat and .npy files list "
                                           "their arrays"));
    } catch (const std::bad_alloc &) {
        return detail::listFailure(failure(LoadErrorKind::TooLarge, "does not fit in the memory available"));
    } catch (const std::exception &e) {
        return detail::listFailure(failure(LoadErrorKind::Malformed, std::string("could not be read (") + e.what() + ")"));
    }
}

LoadResult loadTensor(const std::string &path, const std::string &name, const Reshape &reshape, const LoadLimits &limits)
{
    try {
        LoadResult r = loadUnchecked(path, {name, reshape}, limits);
        if (!r.ok())
            return r;
        // Safety net shared by all formats: non-empty channels of one shape, finite values
        // (sums of Matrix Market duplicates, for instance, can overflow).
        const auto &channels = r.matrix->channels;
        if (channels.empty() || channels.front().size() == 0)
            return detail::forTensor(failure(LoadErrorKind::Empty, "contains no values"), r.matrix->tensor);
        for (const Matrix &m : channels)
            if (m.rows() != channels.front().rows() || m.cols() != channels.front().cols())
                return detail::forTensor(failure(LoadErrorKind::Malformed, "has channels of different shapes"),
                                         r.matrix->tensor);
        if (auto e = detail::findNonFinite(channels)) {
            LoadResult bad;
            bad.error = *e;
            bad.error.tensor = r.matrix->tensor;
            return bad;
        }
        return r;
    } catch (const std::bad_alloc &) {
        return failure(LoadErrorKind::TooLarge, "does not fit in the memory available");
    } catch (const std::exception &e) {
        return failure(LoadErrorKind::Malformed, std::string("could not be read (") + e.what() + ")");
    } catch (...) {
        return failure(LoadErrorKind::Malformed, "could not be read (unexpected error)");
    }
}

LoadResult loadMatrixFile(const std::string &path, const LoadLimits &limits)
{
    return loadTensor(path, std::string(), Reshape{}, limits);
}

std::string describeLoadError(const std::string &path, const LoadError &error)
{
    std::string reason = error.reason;
    if (reason.empty()) {
        switch (error.kind) {
        case LoadErrorKind::NotFound: reason = "does not exist"; break;
        case LoadErrorKind::NotAFile: reason = "is not a file"; break;
        case LoadErrorKind::Unreadable: reason = "cannot be read"; break;
        case LoadErrorKind::Empty: reason = "contains no values"; break;
        case LoadErrorKind::Truncated: reason = "is truncated"; break;
        case LoadErrorKind::Malformed: reason = "is malformed"; break;
        case LoadErrorKind::NonNumeric: reason = "contains a value that is not a number"; break;
        case LoadErrorKind::NonFinite: reason = "contains NaN or infinite values"; break;
        case LoadErrorKind::Ragged: reason = "has rows of different lengths"; break;
        case LoadErrorKind::TooLarge: reason = "is too large for the memory budget"; break;
        case LoadErrorKind::Unsupported: reason = "is of a kind that is not supported"; break;
        case LoadErrorKind::NameRequired: reason = "holds several arrays; name one as FILE::NAME"; break;
        case LoadErrorKind::NoSuchName: reason = "holds no array of that name"; break;
        case LoadErrorKind::BadReshape: reason = "cannot be reshaped as asked"; break;
        }
    }
    std::string s = path + (error.tensor.empty() ? std::string() : "::" + detail::shownName(error.tensor)) + ": " + reason;
    const char last = s.back();
    if (last != '.' && last != '!' && last != '?')
        s += '.';
    return s;
}

// --- writers -------------------------------------------------------------------------------------

namespace {

void putLittleEndian(double v, char *out, bool little)
{
    std::memcpy(out, &v, 8);
    if (!little)
        std::reverse(out, out + 8);
}

bool setError(std::string *error, std::string text)
{
    if (error)
        *error = std::move(text);
    return false;
}

/// A version 1.0 .npy: `descr`, C order, `shape`; then `payload` writes the data.
bool writeNpyFile(const std::string &path, const std::string &descr, const std::vector<Index> &shape,
                  const std::function<void(std::ostream &)> &payload, std::string *error)
{
    std::string dims;
    for (std::size_t i = 0; i < shape.size(); ++i)
        dims += (i ? ", " : "") + std::to_string(shape[i]);
    if (shape.size() == 1)
        dims += ','; // Python's one-element tuple
    std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + dims + "), }";
    // magic (6) + version (2) + length (2) + header + '\n', padded with spaces to 64 bytes.
    const std::size_t unpadded = 10 + header.size() + 1;
    header.append((64 - unpadded % 64) % 64, ' ');
    header += '\n';
    return writeFileAtomically(path, [&](std::ostream &os) {
        const char preamble[8] = {'\x93', 'N', 'U', 'M', 'P', 'Y', '\x01', '\x00'};
        os.write(preamble, 8);
        const char len[2] = {char(header.size() & 0xff), char((header.size() >> 8) & 0xff)};
        os.write(len, 2);
        os.write(header.data(), std::streamsize(header.size()));
        payload(os);
        return bool(os);
    }, error);
}

/// Row i of `m` (or of every channel, interleaved) as little-endian float64.
void writeRows(std::ostream &os, const std::vector<const Matrix *> &channels)
{
    const bool little = !detail::hostIsBigEndian();
    const Index rows = channels.front()->rows(), cols = channels.front()->cols();
    const std::size_t nc = channels.size();
    std::vector<char> row(std::size_t(cols) * nc * 8);
    for (Index i = 0; i < rows && os; ++i) {
        char *p = row.data();
        for (Index j = 0; j < cols; ++j)
            for (std::size_t c = 0; c < nc; ++c, p += 8)
                putLittleEndian((*channels[c])(i, j), p, little);
        os.write(row.data(), std::streamsize(row.size()));
    }
}

} // namespace

bool writeNpy(const std::string &path, const std::vector<Matrix> &channels, std::string *error)
{
    if (channels.empty())
        return setError(error, "there is no matrix to write");
    const Index rows = channels.front().rows(), cols = channels.front().cols();
    std::vector<const Matrix *> planes;
    for (const Matrix &m : channels) {
        if (m.rows() != rows || m.cols() != cols)
            return setError(error, "the channels to write have different shapes");
        planes.push_back(&m);
    }
    std::vector<Index> shape{rows, cols};
    if (channels.size() > 1)
        shape.push_back(Index(channels.size()));
    return writeNpyFile(path, "<f8", shape, [&](std::ostream &os) { writeRows(os, planes); }, error);
}

bool writeNpyArray(const std::string &path, const Matrix &values, const std::vector<Index> &shape, std::string *error)
{
    Index count = 1;
    for (Index d : shape)
        count = d < 0 ? -1 : count * d;
    if (shape.empty() || count != values.size())
        return setError(error, "the shape to write does not hold the values");
    return writeNpyFile(path, "<f8", shape, [&](std::ostream &os) { writeRows(os, {&values}); }, error);
}

bool writeNpyIndices(const std::string &path, const std::vector<Index> &values, std::string *error)
{
    return writeNpyFile(path, "<i8", {Index(values.size())}, [&](std::ostream &os) {
        const bool little = !detail::hostIsBigEndian();
        for (Index v : values) {
            const auto n = static_cast<std::int64_t>(v);
            char bytes[8];
            std::memcpy(bytes, &n, 8);
            if (!little)
                std::reverse(bytes, bytes + 8);
            os.write(bytes, 8);
        }
    }, error);
}

bool writeCsv(const std::string &path, const Matrix &m, std::string *error)
{
    if (m.size() == 0)
        return setError(error, "there is no matrix to write");
    return writeFileAtomically(path, [&](std::ostream &os) {
        std::string line;
        char buffer[64];
        for (Index i = 0; i < m.rows() && os; ++i) {
            line.clear();
            for (Index j = 0; j < m.cols(); ++j) {
                if (j)
                    line += ',';
                const auto r = std::to_chars(buffer, buffer + sizeof buffer, m(i, j), std::chars_format::general, 17);
                line.append(buffer, r.ptr);
            }
            line += '\n';
            os.write(line.data(), std::streamsize(line.size()));
        }
        return bool(os);
    }, error);
}

bool writeFileAtomically(const std::string &path, const std::function<bool(std::ostream &)> &write,
                         std::string *error)
{
    if (path.empty())
        return setError(error, "no file name was given");
    const fs::path target(path);
    if (!target.has_filename())
        return setError(error, "the path names a directory, not a file");
    const fs::path dir = target.parent_path();
    const std::string dirText = dir.empty() ? std::string(".") : dir.string();

    // Create the temporary exclusively ("x": fails if it exists), next to the target so the final
    // rename stays within one file system.
    std::string tmp;
    int openErrno = 0;
    bool created = false;
    static std::atomic<std::uint64_t> counter{0};
    const auto seed = std::uint64_t(std::chrono::steady_clock::now().time_since_epoch().count());
    for (int attempt = 0; attempt < 100 && !created; ++attempt) {
        const std::uint64_t tag = (seed ^ (++counter * 0x9E3779B97F4A7C15ull)) % 0xFFFFFFull;
        char suffix[16];
        std::snprintf(suffix, sizeof suffix, "%06llx", static_cast<unsigned long long>(tag));
        tmp = (dir / ("." + target.filename().string() + "." + suffix + ".tmp")).string();
        errno = 0;
        if (std::FILE *f = std::fopen(tmp.c_str(), "wbx")) {
            std::fclose(f);
            created = true;
        } else {
            openErrno = errno;
            if (openErrno != EEXIST)
                break;
        }
    }
    if (!created)
        return setError(error, "cannot create a file in " + dirText + " (" + detail::errnoText(openErrno) + ")");

    struct Remover
    {
        std::string path;
        bool active = true;
        ~Remover()
        {
            if (active) {
                std::error_code ignored;
                fs::remove(path, ignored);
            }
        }
    } remover{tmp};

    std::ofstream os(tmp, std::ios::binary | std::ios::trunc);
    if (!os)
        return setError(error, "cannot write a file in " + dirText + " (" + detail::errnoText(errno) + ")");
    errno = 0;
    const bool ok = write(os); // an exception propagates; remover deletes the temporary
    if (ok && os)
        os.flush();
    const int writeErrno = errno;
    if (!ok || !os) {
        if (os.fail() && writeErrno != 0)
            return setError(error, "the data could not be written (" + detail::errnoText(writeErrno) + ")");
        return setError(error, "the data could not be written");
    }
    os.close();
    if (os.fail())
        return setError(error, "the data could not be written (" + detail::errnoText(errno) + ")");

#if !defined(_WIN32)
    // Make the contents durable before the rename publishes them.
    const int fd = ::open(tmp.c_str(), O_RDONLY);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
#endif

    std::error_code ec;
    const fs::file_status existing = fs::status(target, ec);
    if (!ec && fs::is_regular_file(existing))
        fs::permissions(tmp, existing.permissions(), ec); // keep the mode of the file replaced
    ec.clear();
    fs::rename(tmp, target, ec);
    if (ec)
        return setError(error, "the file cannot be replaced (" + ec.message() + ")");
    remover.active = false;
    return true;
}

} // namespace factorscope::core
