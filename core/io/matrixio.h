// SPDX-License-Identifier: MIT
#pragma once

#include "core/types.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace factorscope::core {

/// Why a matrix file could not be loaded. The GUI and the headless command map every kind to
/// the same one-line message (see describeLoadError()).
enum class LoadErrorKind {
    NotFound,    ///< the path does not exist
    NotAFile,    ///< a directory, device, FIFO …
    Unreadable,  ///< exists but cannot be opened or read (permissions, I/O error)
    Empty,       ///< zero bytes, or no numbers at all (only a header, only comments, a 0×n shape)
    Truncated,   ///< shorter than its own header or declared size says
    Malformed,   ///< not the format its extension claims, or internally inconsistent
    NonNumeric,  ///< a text cell that is not a number
    NonFinite,   ///< a NaN or ±Inf value (the position of the first one is reported)
    Ragged,      ///< text rows with different numbers of values
    TooLarge,    ///< more values than LoadLimits::maxElements (checked before allocating)
    Unsupported, ///< a valid file of a kind Factorscope does not read (complex, object dtype, 4-D …)
};

/// A structured load error: the kind, a reason without the file name, and where it happened.
struct LoadError
{
    LoadErrorKind kind = LoadErrorKind::Malformed;
    /// One sentence fragment WITHOUT the file name and without a final full stop, e.g.
    /// "line 4 has 4 values where line 1 has 5" or "value at row 2, column 7 is NaN".
    std::string reason;
    long long line = -1;   ///< 1-based line of a text file, when known
    long long column = -1; ///< 1-based column (value index within the row), when known
};

/// Memory budget of a load. Every size declared by a file (shape, dimensions, entry count) is
/// checked against it before anything is allocated.
struct LoadLimits
{
    /// Maximum number of values (doubles) in the loaded matrix, all channels together.
    std::uint64_t maxElements = std::uint64_t(1) << 28;
    /// min(2^28, physical RAM / 4 / 8): at most a quarter of the RAM in doubles, at most 2 GiB.
    static LoadLimits defaults();
};

/// A loaded matrix: one or more channels of identical shape, plus what the user should know.
struct LoadedMatrix
{
    /// One 2-D matrix per channel; 2-D inputs give one channel, H×W×C arrays give C (≤ 4).
    std::vector<Matrix> channels;
    /// Human description of what was read, e.g. "NumPy .npy (float32, little-endian, C order)",
    /// "CSV (comma, header row)", "Matrix Market (coordinate real symmetric)",
    /// "MATLAB v5 .mat, variable 'A'".
    std::string format;
    /// Things a user should be told: a header row skipped, a variable chosen among several …
    std::vector<std::string> notes;
};

/// Either a matrix or an error.
struct LoadResult
{
    std::optional<LoadedMatrix> matrix;
    LoadError error; ///< meaningful only when !ok()
    bool ok() const { return matrix.has_value(); }
};

/// Checks that @p path names a regular file before anything opens it, with the real reason when it
/// does not: NotFound ("does not exist", "is a symbolic link to a file that does not exist"),
/// NotAFile ("is a directory, not a file", "is a named pipe (FIFO), not a regular file", "is a
/// character device, not a regular file" …) or Unreadable ("is a symbolic link loop …", "cannot be
/// opened (Permission denied)"). nullopt for a regular file. The open paths of the program (matrix
/// files and images) both start here, so a FIFO is never opened and waited on.
std::optional<LoadError> checkRegularFile(const std::string &path);

/// True for the extensions loadMatrixFile() reads: .npy .csv .tsv .txt .mtx .mat
/// (case-insensitive). Looks at the name only.
bool isMatrixFileName(const std::string &path);

/// The supported extensions, lower case with the dot, in the order above.
const std::vector<std::string> &matrixFileExtensions();

/// Loads a matrix file, dispatching on the extension:
/// - .npy: NumPy v1/v2/v3; bool, int8–int64, uint8–uint64, float32/64 in either byte order and
///   either memory order; 2-D, 1-D (a k×1 column) or 3-D H×W×C with C ≤ 4 (C channels).
/// - .csv/.tsv/.txt: delimiter detected (tab, semicolon, comma or runs of whitespace), an optional
///   header row, '#' comment lines, CRLF, quoted cells.
/// - .mtx: Matrix Market array or coordinate; real, integer or pattern; general, symmetric or
///   skew-symmetric. Coordinate duplicates are summed.
/// - .mat: MATLAB v4, v5 and v7.3 through matio; the first real 2-D (or H×W×C, C ≤ 4) numeric or
///   logical variable. The file's layout is checked by our own code first (sizes, nesting,
///   compressed streams complete and within max(64 MiB, 256 × the file's size) in all), then matio
///   reads it in a short-lived child process under a memory and a time limit: a crash or an
///   exhausted limit there is one error, "… is not a readable MATLAB file: …" (POSIX).
/// Never throws and never crashes on hostile input: every declared size is checked against the
/// file length and @p limits before allocating, and so is every allocation a reader makes beyond
/// fixed working buffers of about 1 MiB (long text lines, the dense target of a sparse file,
/// matio's copy of a .mat variable); NaN and ±Inf are refused with the position of the first one.
/// Time is linear in the file's size (and a .mat file's inflated size). Safe to call from any
/// thread.
LoadResult loadMatrixFile(const std::string &path, const LoadLimits &limits = LoadLimits::defaults());

/// "FILE: reason." — one sentence that names the file (the path as given) and the reason.
std::string describeLoadError(const std::string &path, const LoadError &error);

/// Writes float64 .npy: C order, little-endian, version 1.0 header padded to 64 bytes. One channel
/// gives a 2-D array; several channels (same shape) give a 3-D H×W×C array. Written atomically.
/// On failure returns false and sets *error (if given) to a reason without the file name.
bool writeNpy(const std::string &path, const std::vector<Matrix> &channels, std::string *error);

/// Writes CSV: comma separated, no header, 17 significant digits (round-trips every double), "\n"
/// line ends. Written atomically. On failure returns false and sets *error (if given).
bool writeCsv(const std::string &path, const Matrix &m, std::string *error);

/// Writes through a temporary file in the same directory (fsync'ed), then renames it over @p path:
/// never leaves a half-written file. The callback returns false (or leaves the stream failed) to
/// abort. On failure removes the temporary and sets *error (if given) to a sentence fragment
/// naming the reason (strerror), without the target's file name. An exception thrown by the
/// callback removes the temporary and propagates.
bool writeFileAtomically(const std::string &path, const std::function<bool(std::ostream &)> &write,
                         std::string *error);

} // namespace factorscope::core
