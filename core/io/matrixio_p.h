// SPDX-License-Identifier: MIT
#pragma once

// Internal to the matrix file readers (matrixio.cpp, npy.cpp, npz.cpp, safetensors.cpp,
// delimited.cpp, matrixmarket.cpp, matfile.cpp, tensorfill.cpp). Not installed, not part of the
// public API.

#include "matrixio.h"

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace factorscope::core::detail {

/// Closes a FILE* on destruction.
struct FileCloser
{
    void operator()(std::FILE *f) const
    {
        if (f)
            std::fclose(f);
    }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

/// An opened input: the handle, its length at open time and the lower-case extension.
struct InputFile
{
    FilePtr file;
    std::uint64_t size = 0;
    std::string extension; ///< ".csv", ".npy" …
};

/// A failed LoadResult.
LoadResult failure(LoadErrorKind kind, std::string reason, long long line = -1, long long column = -1);

/// errno as text (thread-safe strerror).
std::string errnoText(int error);

/// a·b, or false on overflow.
bool checkedMul(std::uint64_t a, std::uint64_t b, std::uint64_t *product);
/// Product of all dims, or false on overflow.
bool checkedProduct(const std::vector<std::uint64_t> &dims, std::uint64_t *product);

/// "2.0 GiB": the memory the budget stands for (8 bytes per value).
std::string budgetText(const LoadLimits &limits);
/// The budget in bytes: 8 per value (saturating).
std::uint64_t budgetBytes(const LoadLimits &limits);
/// "1.5 GiB", "300.0 MiB", "12 bytes".
std::string bytesText(std::uint64_t bytes);

/// Working memory a reader does not count against the budget: its fixed read buffers and, for text,
/// one line of up to this length. Everything beyond (longer lines, a held header line, values,
/// dense targets, decompression output) is counted before it is allocated.
constexpr std::uint64_t fixedWorkingBytes = std::uint64_t(1) << 20;
/// What a line of @p lineBytes costs beyond the fixed working memory.
inline std::uint64_t lineExcess(std::uint64_t lineBytes)
{
    return lineBytes > fixedWorkingBytes ? lineBytes - fixedWorkingBytes : 0;
}
/// The longest line a text reader reads: 256 MiB, or less when the budget is smaller.
std::size_t maxLineBytes(const LoadLimits &limits);
/// "3 x 4 x 2".
std::string dimsText(const std::vector<std::uint64_t> &dims);
/// TooLarge: "declares 3 x 4 values, more than the memory budget of 2.0 GiB" (what = "declares").
LoadResult tooLarge(const std::string &what, const std::vector<std::uint64_t> &dims, const LoadLimits &limits);

/// Untrusted file text made safe for a one-line message: at most maxChars characters (then
/// "..."), control characters (a newline too) and invalid UTF-8 replaced by '?'.
std::string printable(std::string_view text, std::size_t maxChars);
/// printable(), in double quotes.
std::string quoted(std::string_view text, std::size_t maxChars = 20);
/// A variable name from a file, printable() in single quotes: 'A'.
std::string nameText(std::string_view name);

/// "NaN", "Inf" or "-Inf".
std::string nonFiniteName(double value);

/// The first NaN/±Inf in reading order (row, then column, then channel), as a NonFinite error
/// "value at row i, column j[, channel c] is NaN" with 1-based positions; nullopt if all finite.
std::optional<LoadError> findNonFinite(const std::vector<Matrix> &channels);

/// Parses a whole token as a double with fast_float (a leading '+' is accepted). False if any
/// character is left over or the token is empty.
bool parseDouble(std::string_view token, double *value, char decimalPoint = '.');
/// Parses a whole token of decimal digits (an optional leading '+'), false on overflow.
bool parseUnsigned(std::string_view token, std::uint64_t *value);

/// Reads a text file line by line through a fixed buffer. Lines are returned without the "\n"
/// and without a trailing "\r". A line longer than maxLineBytes stops the reader (status TooLong).
class LineReader
{
public:
    enum class Status { Ok, TooLong, ReadError };

    /// @p sizeHint: the file's length, when known (the read buffer is no larger than it).
    LineReader(std::FILE *file, std::size_t maxLineBytes = std::size_t(256) << 20,
               std::uint64_t sizeHint = std::uint64_t(1) << 20);
    /// Next line; false at the end of the file or on an error (see status()).
    bool next(std::string_view *line);
    /// 1-based number of the line last returned.
    long long lineNumber() const { return m_lineNumber; }
    /// Bytes consumed so far (including the line last returned and its line end).
    std::uint64_t bytesConsumed() const { return m_consumed; }
    Status status() const { return m_status; }
    int readErrno() const { return m_errno; }
    /// Length of the longest line returned so far (without its line end).
    std::uint64_t longestLine() const { return m_longest; }
    std::size_t maxLineBytes() const { return m_maxLine; }

private:
    bool fill();

    std::FILE *m_file;
    std::size_t m_maxLine;
    std::vector<char> m_buffer;
    std::size_t m_pos = 0;
    std::size_t m_end = 0;
    std::string m_carry;
    bool m_eof = false;
    long long m_lineNumber = 0;
    std::uint64_t m_consumed = 0;
    std::uint64_t m_longest = 0;
    Status m_status = Status::Ok;
    int m_errno = 0;
};

/// LoadResult for a LineReader that stopped with an error.
LoadResult lineReaderFailure(const LineReader &reader);

/// The safety net loadTensor() puts after every reader: non-empty channels of one shape and
/// finite values (a NaN or ±Inf stored in a file, sums of Matrix Market duplicates that overflow);
/// the failure, about the loaded array, otherwise. @p r unchanged when it passes or failed before.
LoadResult checkLoaded(LoadResult r);

/// A failed ListResult with the error of a failed LoadResult.
ListResult listFailure(const LoadResult &failed);

/// What loadTensor() asks of a reader of named arrays.
struct TensorRequest
{
    std::string name;   ///< "" chooses the only loadable array
    Reshape reshape;
};

// One parser per format. The file is open, regular, readable and not empty.
LoadResult loadDelimited(InputFile &input, const LoadLimits &limits);
LoadResult loadMatrixMarket(InputFile &input, const LoadLimits &limits);
/// .mat (matfile.cpp): the layout is checked on @p input by our own code; matio then opens the
/// file by name, in a child process under memory and time limits (isolation.h).
LoadResult loadMat(InputFile &input, const std::string &path, const TensorRequest &request, const LoadLimits &limits);
ListResult listMat(InputFile &input, const std::string &path);
/// .npz through libzip (npz.cpp); the *Bytes forms read an archive held in memory (fuzzing).
LoadResult loadNpz(const std::string &path, const TensorRequest &request, const LoadLimits &limits);
ListResult listNpz(const std::string &path);
LoadResult loadNpzBytes(const void *data, std::size_t size, const TensorRequest &request, const LoadLimits &limits);
ListResult listNpzBytes(const void *data, std::size_t size);
/// .safetensors, memory-mapped (safetensors.cpp); the *Bytes forms read a file held in memory.
LoadResult loadSafetensors(const std::string &path, const TensorRequest &request, const LoadLimits &limits);
ListResult listSafetensors(const std::string &path);
LoadResult loadSafetensorsBytes(const void *data, std::size_t size, const TensorRequest &request,
                                const LoadLimits &limits);
ListResult listSafetensorsBytes(const void *data, std::size_t size);

} // namespace factorscope::core::detail
