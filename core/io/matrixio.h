// SPDX-License-Identifier: MIT
#pragma once

#include "core/types.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
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
    Unsupported, ///< a valid file of a kind Factorscope does not read (complex, object dtype …)
    NameRequired, ///< the file holds several arrays and none was named (FILE::NAME)
    NoSuchName,   ///< the file holds no array of the name asked for
    BadReshape,   ///< the reshape asked for does not fit the array (rows:K beyond its axes …)
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
    /// The array of a several-array file (.npz, .safetensors, .mat) the error is about; empty for
    /// the file as a whole. describeLoadError() then names it as FILE::NAME.
    std::string tensor;
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
    /// Things a user should be told: a header row skipped, a tensor reshaped …
    std::vector<std::string> notes;
    /// The array read, for files that name their arrays (.npz, .safetensors, .mat); empty otherwise.
    std::string tensor;
    /// The array's shape as stored (e.g. 64 x 3 x 3 x 3), empty for text and Matrix Market files.
    std::vector<std::uint64_t> shape;
    /// How the array became the matrix when it was not 2-D, or when a reshape was asked for, e.g.
    /// "rows:1 (64 x 3 x 3 x 3 -> 64 x 27)" or "channels (40 x 48 x 3 -> 3 channels of 40 x 48)";
    /// empty for a 2-D array read as it is.
    std::string reshape;
};

/// Either a matrix or an error.
struct LoadResult
{
    std::optional<LoadedMatrix> matrix;
    LoadError error; ///< meaningful only when !ok()
    bool ok() const { return matrix.has_value(); }
};

/// How an array of any number of axes becomes a matrix. With shape (d₀, …, d_{n−1}) and the
/// array's elements in C order (the last index fastest, whatever the file's memory order),
/// `rows:K` gives the (d₀·…·d_{K−1}) × (d_K·…·d_{n−1}) matrix M[r, c] = A.flat[r·cols + c], i.e.
/// numpy's `A.reshape(prod(shape[:K]), -1)`; an empty product is 1. `channels` reads a 3-D
/// H × W × C array (C ≤ 4) as C matrices H × W (an image's planes).
/// `Auto` (the default) is rows:0 for a 1-D array (a 1 × n row), rows:1 for every other one
/// (out × in·kh·kw for a convolution kernel), except that a stand-alone .npy or .mat 3-D array
/// whose last axis is at most 4 is read as channels (what Factorscope writes for a colour image).
struct Reshape
{
    enum class Mode { Auto, Rows, Channels };
    Mode mode = Mode::Auto;
    int rowAxes = 1; ///< K of rows:K (Mode::Rows only)

    static Reshape rows(int k) { return {Mode::Rows, k}; }
    static Reshape channels() { return {Mode::Channels, 1}; }
    /// "auto", "channels" or "rows:K" (K from 0 to 32); nullopt and *error (if given) otherwise.
    static std::optional<Reshape> parse(const std::string &text, std::string *error = nullptr);
    /// The text parse() reads back: "auto", "channels", "rows:2".
    std::string text() const;
};

/// One array of a file, as listed from its header without reading its data.
struct TensorInfo
{
    std::string name;                  ///< "arr_0", "layers.3.mlp.up_proj.weight", 'A'; empty for .npy
    std::vector<std::uint64_t> shape;  ///< as stored (d₀, d₁, …); empty for a 0-D scalar
    std::string dtype;                 ///< as the file names it: "float32", "BF16", "double" …
    std::uint64_t bytes = 0;           ///< elements × element size: the data's size, uncompressed
    /// Why this array cannot be loaded, as a reason fragment ("has the dtype \"F8_E4M3\", which is
    /// not supported", "is a struct, not a numeric array"); empty if it can be.
    std::string problem;
    LoadErrorKind problemKind = LoadErrorKind::Unsupported; ///< the kind of that problem
};

/// Every array of a file, in the order the file stores them.
struct TensorListing
{
    std::string format;                ///< "NumPy .npz (zip)", "safetensors", "MATLAB v5 .mat" …
    std::vector<TensorInfo> tensors;
    /// The file's own metadata: the `__metadata__` entries of a .safetensors, in the file's order.
    std::vector<std::pair<std::string, std::string>> metadata;
    std::vector<std::string> notes;    ///< e.g. zip members that are not .npy arrays, skipped
};

/// Either a listing or an error.
struct ListResult
{
    std::optional<TensorListing> listing;
    LoadError error; ///< meaningful only when !ok()
    bool ok() const { return listing.has_value(); }
};

/// A path with an optional array name: "model.safetensors::layers.0.weight" gives
/// {"model.safetensors", "layers.0.weight"}; "m.npy" gives {"m.npy", ""}.
struct TensorPath
{
    std::string file;
    std::string name;
};

/// Splits FILE::NAME at the first "::" whose left side exists on disk (a file whose own name holds
/// "::" is taken whole when it exists); at the first "::" if no left side exists; {spec, ""}
/// without "::".
TensorPath splitTensorPath(const std::string &spec);

/// True for the extensions whose files hold several named arrays: .npz .safetensors .mat.
bool holdsNamedArrays(const std::string &path);

/// Lists the arrays of a .npz, .safetensors, .mat or .npy file (name, shape, dtype, size) from
/// their headers, reading no array data: a .safetensors reads its JSON header only, a .npz each
/// member's .npy header (a few hundred bytes inflated per member). Text and Matrix Market files
/// hold one unnamed matrix whose shape is known only by reading it: Unsupported. Never throws.
/// Allocates by the size of headers only (a .safetensors header is refused above 100 MiB, a .npy
/// header above 1 MiB, a zip directory above a million members).
ListResult listTensors(const std::string &path);

/// Loads one array of a file as a matrix. @p name selects the array of a .npz, .safetensors or
/// .mat ("" chooses the only loadable one; with several: NameRequired, listing their names); a
/// name for a single-array file is NoSuchName. @p reshape says how a non-2-D array becomes a
/// matrix (see Reshape). Every size is checked against the file and @p limits before anything is
/// allocated; a .safetensors is memory-mapped and only the asked tensor's bytes are touched.
/// Errors about one array set LoadError::tensor.
LoadResult loadTensor(const std::string &path, const std::string &name, const Reshape &reshape = {},
                      const LoadLimits &limits = LoadLimits::defaults());

/// True for the extensions loadMatrixFile() reads: .npy .npz .safetensors .csv .tsv .txt .mtx
/// .mat (case-insensitive). Looks at the name only.
bool isMatrixFileName(const std::string &path);

/// The supported extensions, lower case with the dot, in the order above.
const std::vector<std::string> &matrixFileExtensions();

/// Loads a matrix file, dispatching on the extension:
/// - .npy: NumPy v1/v2/v3; bool, int8–int64, uint8–uint64, float16/32/64 in either byte order
///   and either memory order; any number of axes, made a matrix by Reshape::Mode::Auto.
/// - .npz: NumPy's zip of .npy members (stored or deflated, zip64), through libzip.
/// - .safetensors: 8-byte little-endian header length, JSON header, raw little-endian data;
///   F64, F32, F16, BF16, I64, I32, I16, I8, U64, U32, U16, U8, BOOL.
/// - .csv/.tsv/.txt: delimiter detected (tab, semicolon, comma or runs of whitespace), an optional
///   header row, '#' comment lines, CRLF, quoted cells.
/// - .mtx: Matrix Market array or coordinate; real, integer or pattern; general, symmetric or
///   skew-symmetric. Coordinate duplicates are summed.
/// - .mat: MATLAB v4, v5 and v7.3 through matio; the only real numeric or logical variable.
/// .npz, .safetensors and .mat files with several arrays need loadTensor() and a name.
/// Never throws and never crashes on hostile input: every declared size is checked against the
/// file length and @p limits before allocating; NaN and ±Inf are refused with the position of the
/// first one. Safe to call from any thread (.mat reads are serialised internally).
LoadResult loadMatrixFile(const std::string &path, const LoadLimits &limits = LoadLimits::defaults());

/// "FILE: reason." — one sentence that names the file (the path as given) and the reason;
/// "FILE::NAME: reason." when the error is about one array (LoadError::tensor).
std::string describeLoadError(const std::string &path, const LoadError &error);

/// Writes float64 .npy: C order, little-endian, version 1.0 header padded to 64 bytes. One channel
/// gives a 2-D array; several channels (same shape) give a 3-D H×W×C array. Written atomically.
/// On failure returns false and sets *error (if given) to a reason without the file name.
bool writeNpy(const std::string &path, const std::vector<Matrix> &channels, std::string *error);

/// Writes float64 .npy of any shape (1-D for a vector, 4-D …): the values of `values` in row-major
/// order, read as a C-order array of `shape` (the product of `shape` must be values.size()).
/// Written atomically, as writeNpy.
bool writeNpyArray(const std::string &path, const Matrix &values, const std::vector<Index> &shape, std::string *error);

/// Writes a 1-D int64 .npy (indices: numpy can index with it as it loads). Written atomically.
bool writeNpyIndices(const std::string &path, const std::vector<Index> &values, std::string *error);

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
