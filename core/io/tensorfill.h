// SPDX-License-Identifier: MIT
#pragma once

// Internal to the matrix file readers: element types to double, the checks before an array is
// allocated, and the placement of an N-D array's elements in the matrix its Reshape makes of it.
// Shared by the .npy, .npz, .safetensors and .mat readers.

#include "matrixio_p.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace factorscope::core::detail {

/// The element types the readers convert to double.
enum class Element { Bool, Int8, Int16, Int32, Int64, UInt8, UInt16, UInt32, UInt64, Float16, BFloat16, Float32, Float64 };

/// True on a big-endian machine (the byte order decodeElements() swaps from).
bool hostIsBigEndian();

/// Bytes per element.
int elementSize(Element e);
/// "float16", "bfloat16", "int64" …
const char *elementName(Element e);

/// Converts n elements stored at src in the given byte order to doubles. Exact for every type
/// (binary16 and bfloat16 subnormals included) except int64/uint64 beyond 2^53 in magnitude, which
/// round to the nearest double and set *beyond53. Bool: any non-zero byte is 1.
void decodeElements(Element e, bool bigEndian, const unsigned char *src, std::size_t n, double *dst, bool *beyond53);

/// IEEE 754 binary16 → double, exactly: ±0, subnormals (m·2⁻²⁴), normals, ±Inf, NaN.
double halfToDouble(std::uint16_t bits);
/// bfloat16 (the upper 16 bits of a binary32) → double, exactly.
double bfloat16ToDouble(std::uint16_t bits);

/// A Reshape resolved for one array's dims.
struct ReshapePlan
{
    std::vector<std::uint64_t> dims;
    bool channels = false;      ///< H × W × C read as C matrices H × W
    int rowAxes = 1;            ///< K of rows:K (when !channels)
    Index rows = 0, cols = 0;
    std::size_t channelCount = 1;
    std::string text;           ///< LoadedMatrix::reshape ("" for a 2-D array read as it is)
    std::string note;           ///< a sentence for LoadedMatrix::notes, or ""
};

/// The checks every reader makes before allocating an array of @p dims, in this order: not 0-D
/// (Unsupported), element count within @p limits (TooLarge, "<what> d₀ x d₁ values, more than the
/// memory budget …"), not empty (Empty), a reshape that fits (BadReshape). On success fills *plan.
/// @p autoChannels: the array is a stand-alone .npy or .mat, where Auto reads H × W × C (C ≤ 4) as
/// channels.
std::optional<LoadResult> planArray(const std::vector<std::uint64_t> &dims, const Reshape &reshape, bool autoChannels,
                                    const LoadLimits &limits, const std::string &what, ReshapePlan *plan);

/// Places an array's elements, given in the file's memory order (C: last axis fastest; Fortran:
/// first axis fastest), into the matrices of its ReshapePlan: element (i₀, …, i_{n−1}) goes to row
/// Σ_{a<K} i_a·Π_{a<b<K} d_b and column Σ_{a≥K} i_a·Π_{b>a} d_b (rows:K), or to channel i₂, row i₀,
/// column i₁ (channels). O(1) per element, one pass; C-order rows:K goes through a 1 MiB block of
/// rows written column by column (a cache-friendly transposition).
class TensorFiller
{
public:
    /// Allocates plan.channelCount matrices of plan.rows × plan.cols (the caller checked the budget).
    TensorFiller(const ReshapePlan &plan, bool fortranOrder);
    /// The next n elements in memory order.
    void push(const double *values, std::size_t n);
    /// The filled matrices (once every element was pushed).
    std::vector<Matrix> take();

private:
    struct Axis
    {
        std::int64_t length = 1;
        std::int64_t offset = 0;  ///< step in the column-major storage of a channel
        std::int64_t channel = 0; ///< step in the channel index
    };
    void advanceOuter();
    void flushBlock();

    std::vector<Matrix> m_channels;
    std::vector<Axis> m_axes; ///< fastest first; axes of length 1 left out
    std::vector<std::int64_t> m_counter;
    std::int64_t m_inner = 0;
    std::int64_t m_base = 0;
    std::int64_t m_channel = 0;
    // C order, rows:K: the elements arrive row by row of the rows × cols matrix. Written straight
    // into column-major storage they would stride by `rows` doubles each (a TLB miss apiece on a
    // 4096 × 4096 matrix); whole rows are gathered instead and written column by column.
    bool m_blocked = false;
    std::vector<double> m_block;  ///< m_blockRows rows, row-major
    Index m_blockRows = 0;
    Index m_firstRow = 0;         ///< the matrix row of the block's first row
    std::size_t m_filled = 0;     ///< values in m_block
};

/// Decodes a whole array held in memory (a memory-mapped .safetensors tensor, matio's buffer) in
/// chunks into the matrices of @p plan. @p consumed (if set) is told each source range decoded,
/// e.g. to release mapped pages already read.
std::vector<Matrix> decodeArray(const unsigned char *src, Element e, bool bigEndian, bool fortranOrder,
                                const ReshapePlan &plan, bool *beyond53,
                                const std::function<void(std::uint64_t offset, std::uint64_t bytes)> &consumed = {});

/// A name from a file as it may be shown in a message: control characters and invalid UTF-8
/// replaced by '?', at most 200 characters.
std::string shownName(const std::string &name);

/// "a, b, c and 4 more": at most @p shown names (shownName()).
std::string nameList(const std::vector<std::string> &names, std::size_t shown);

/// The failure of loadTensor() for a file of named arrays asked without a name: NameRequired
/// listing the candidates, or the reason none can be loaded. @p candidates holds the loadable ones.
LoadResult nameRequired(const std::vector<std::string> &candidates);

/// Picks the array to load from a listing: the one named, or the only loadable one. Returns its
/// index, or the failure (NoSuchName naming the file's arrays, NameRequired, the array's problem).
/// *note (if given) says which arrays were passed over when the only loadable one was chosen.
std::optional<LoadResult> pickTensor(const TensorListing &listing, const std::string &name, std::size_t *index,
                                     std::string *note = nullptr);

/// Sets LoadError::tensor of a failed result (and returns it).
LoadResult forTensor(LoadResult r, const std::string &name);

} // namespace factorscope::core::detail
