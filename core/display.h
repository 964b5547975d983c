// SPDX-License-Identifier: MIT
#pragma once

#include "types.h"

namespace factorscope::core {

/// How reduceForDisplay() condenses the input cells that one output cell covers.
enum class Reduction {
    Average, ///< area average only (ReducedMatrix::values)
    MinMax,  ///< area average, plus the smallest and the largest covered input cell
};

/// A matrix reduced to display resolution (see reduceForDisplay).
struct ReducedMatrix
{
    Matrix values;  ///< area averages, outRows'×outCols'
    Matrix minimum; ///< MinMax: smallest input cell that overlaps each output cell; else empty
    Matrix maximum; ///< MinMax: largest input cell that overlaps each output cell; else empty
};

/// Reduces the n×m matrix `m` to outRows'×outCols' with outRows' = min(outRows, n) and
/// outCols' = min(outCols, m), by exact area averaging: output row i covers the input interval
/// [i·n/outRows', (i+1)·n/outRows') and input row k the interval [k, k+1); the weight of k in i
/// is their overlap divided by n/outRows' (likewise for columns), so every output cell is the
/// mean of the input cells it covers with fractional overlaps weighted exactly. No row or column
/// is ever skipped; the mean of the output equals the mean of the input; an output at least as
/// large as the input returns the input unchanged. Separable: values = W_r·M·W_cᵀ with
/// W_r = rowAveragingOperator(n, outRows), W_c = rowAveragingOperator(m, outCols).
/// MinMax also fills `minimum` and `maximum` over the input cells with a positive overlap.
/// Cost O(n·m). Throws std::invalid_argument if outRows or outCols is below 1 (an empty input
/// gives empty matrices).
ReducedMatrix reduceForDisplay(const Matrix &m, Index outRows, Index outCols,
                               Reduction mode = Reduction::Average);

/// reduceForDisplay() of the block m[row0 : row0+rows, col0 : col0+cols] without copying it
/// (what a zoomed view shows). Throws std::invalid_argument if the block is not inside m.
ReducedMatrix reduceBlockForDisplay(const Matrix &m, Index row0, Index col0, Index rows,
                                    Index cols, Index outRows, Index outCols,
                                    Reduction mode = Reduction::Average);

/// The area-averaging operator W (outRows'×n, outRows' = min(outRows, n)) of reduceForDisplay:
/// W·M averages the rows of any n-row M exactly as reduceForDisplay does, and M·Wᵀ (with n = the
/// column count) averages columns. Each row of W is non-negative and sums to 1; W = I when
/// outRows ≥ n. Because averaging is linear, a product is reduced from its factors:
/// W_r·(A·B)·W_cᵀ = (W_r·A)·(B·W_cᵀ): a rank-r approximation is rebuilt at display size in
/// O((n + m)·r + outRows·outCols·r) instead of O(n·m·r) at full size. Dense: meant for tests and
/// small sizes; averageRows()/averageColumns() apply it in O(size) without forming it.
Matrix rowAveragingOperator(Index n, Index outRows);

/// W·m with W = rowAveragingOperator(m.rows(), outRows), in O(m.rows()·m.cols()).
Matrix averageRows(const Matrix &m, Index outRows);
/// m·Wᵀ with W = rowAveragingOperator(m.cols(), outCols), in O(m.rows()·m.cols()).
Matrix averageColumns(const Matrix &m, Index outCols);

} // namespace factorscope::core
