// SPDX-License-Identifier: MIT
#include "display.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

namespace factorscope::core {

namespace {

/// Sparse area-averaging weights of n inputs onto o ≤ n outputs. In units of 1/o of an input,
/// output i covers [i·n, (i+1)·n) and input k covers [k·o, (k+1)·o); the weight of k in i is the
/// overlap (an exact integer) divided by n. Output i uses inputs first[i] .. first[i] + count − 1,
/// whose weights are weight[offset[i] ..].
struct Weights
{
    Index inputs = 0;
    Index outputs = 0;
    std::vector<Index> first;
    std::vector<Index> offset; // outputs + 1 entries
    std::vector<double> weight;

    Index count(Index i) const { return offset[i + 1] - offset[i]; }
};

Weights averagingWeights(Index n, Index outputs)
{
    Weights w;
    w.inputs = n;
    w.outputs = std::min(outputs, n);
    const Index o = w.outputs;
    w.first.resize(std::size_t(o));
    w.offset.resize(std::size_t(o) + 1);
    w.weight.reserve(std::size_t(n + o));
    const double scale = 1.0 / double(n);
    for (Index i = 0; i < o; ++i) {
        const Index lo = i * n, hi = (i + 1) * n; // output interval, scaled by o
        const Index kFirst = lo / o;               // input containing lo
        const Index kLast = (hi - 1) / o;          // input containing the last unit before hi
        w.first[std::size_t(i)] = kFirst;
        w.offset[std::size_t(i)] = Index(w.weight.size());
        for (Index k = kFirst; k <= kLast; ++k) {
            const Index overlap = std::min(hi, (k + 1) * o) - std::max(lo, k * o);
            w.weight.push_back(double(overlap) * scale);
        }
    }
    w.offset[std::size_t(o)] = Index(w.weight.size());
    return w;
}

void checkOutputSize(Index outRows, Index outCols)
{
    if (outRows < 1 || outCols < 1)
        throw std::invalid_argument("reduceForDisplay: output size " + std::to_string(outRows)
                                    + "x" + std::to_string(outCols) + " must be at least 1x1");
}

/// Rows of `in` (a block) averaged with `w` (w.inputs == in.rows()).
template<typename Block>
Matrix applyToRows(const Weights &w, const Block &in)
{
    Matrix out(w.outputs, in.cols());
    for (Index j = 0; j < in.cols(); ++j) {
        for (Index i = 0; i < w.outputs; ++i) {
            const Index k0 = w.first[std::size_t(i)];
            const double *weights = w.weight.data() + w.offset[std::size_t(i)];
            double sum = 0.0;
            for (Index t = 0; t < w.count(i); ++t)
                sum += weights[t] * in(k0 + t, j);
            out(i, j) = sum;
        }
    }
    return out;
}

/// Columns of `in` averaged with `w` (w.inputs == in.cols()).
template<typename Block>
Matrix applyToColumns(const Weights &w, const Block &in)
{
    Matrix out = Matrix::Zero(in.rows(), w.outputs);
    for (Index i = 0; i < w.outputs; ++i) {
        const Index k0 = w.first[std::size_t(i)];
        const double *weights = w.weight.data() + w.offset[std::size_t(i)];
        for (Index t = 0; t < w.count(i); ++t)
            out.col(i) += weights[t] * in.col(k0 + t);
    }
    return out;
}

/// Per output row, the minimum (or maximum) of the covered input rows; a positive weight means
/// a positive overlap, so every covered input takes part.
template<typename Block, typename Pick>
Matrix extremeOfRows(const Weights &w, const Block &in, Pick pick)
{
    Matrix out(w.outputs, in.cols());
    for (Index j = 0; j < in.cols(); ++j)
        for (Index i = 0; i < w.outputs; ++i) {
            const Index k0 = w.first[std::size_t(i)];
            double v = in(k0, j);
            for (Index t = 1; t < w.count(i); ++t)
                v = pick(v, in(k0 + t, j));
            out(i, j) = v;
        }
    return out;
}

template<typename Pick>
Matrix extremeOfColumns(const Weights &w, const Matrix &in, Pick pick)
{
    Matrix out(in.rows(), w.outputs);
    for (Index i = 0; i < w.outputs; ++i) {
        const Index k0 = w.first[std::size_t(i)];
        out.col(i) = in.col(k0);
        for (Index t = 1; t < w.count(i); ++t)
            out.col(i) = out.col(i).binaryExpr(in.col(k0 + t), pick);
    }
    return out;
}

template<typename Block>
ReducedMatrix reduce(const Block &block, Index outRows, Index outCols, Reduction mode)
{
    checkOutputSize(outRows, outCols);
    ReducedMatrix result;
    const Index n = block.rows(), m = block.cols();
    if (n == 0 || m == 0) {
        result.values.resize(n == 0 ? 0 : std::min(outRows, n), m == 0 ? 0 : std::min(outCols, m));
        if (mode == Reduction::MinMax) {
            result.minimum = result.values;
            result.maximum = result.values;
        }
        return result;
    }
    if (outRows >= n && outCols >= m) { // nothing to reduce: the input itself
        result.values = block;
        if (mode == Reduction::MinMax) {
            result.minimum = result.values;
            result.maximum = result.values;
        }
        return result;
    }
    const Weights rows = averagingWeights(n, outRows);
    const Weights cols = averagingWeights(m, outCols);
    // Rows first: each input cell is read once, down its (contiguous) column; the column pass
    // then works on the outRows'×m intermediate.
    result.values = applyToColumns(cols, applyToRows(rows, block));
    if (mode == Reduction::MinMax) {
        const auto lower = [](double a, double b) { return std::min(a, b); };
        const auto upper = [](double a, double b) { return std::max(a, b); };
        result.minimum = extremeOfColumns(cols, extremeOfRows(rows, block, lower), lower);
        result.maximum = extremeOfColumns(cols, extremeOfRows(rows, block, upper), upper);
    }
    return result;
}

} // namespace

ReducedMatrix reduceForDisplay(const Matrix &m, Index outRows, Index outCols, Reduction mode)
{
    return reduce(m, outRows, outCols, mode);
}

ReducedMatrix reduceBlockForDisplay(const Matrix &m, Index row0, Index col0, Index rows,
                                    Index cols, Index outRows, Index outCols, Reduction mode)
{
    if (row0 < 0 || col0 < 0 || rows < 0 || cols < 0 || row0 + rows > m.rows()
        || col0 + cols > m.cols())
        throw std::invalid_argument("reduceBlockForDisplay: block at (" + std::to_string(row0)
                                    + ", " + std::to_string(col0) + ") of size "
                                    + std::to_string(rows) + "x" + std::to_string(cols)
                                    + " is not inside a " + std::to_string(m.rows()) + "x"
                                    + std::to_string(m.cols()) + " matrix");
    return reduce(m.block(row0, col0, rows, cols), outRows, outCols, mode);
}

Matrix rowAveragingOperator(Index n, Index outRows)
{
    if (n < 0 || outRows < 1)
        throw std::invalid_argument("rowAveragingOperator: n = " + std::to_string(n)
                                    + ", outRows = " + std::to_string(outRows));
    const Weights w = averagingWeights(n, outRows);
    Matrix op = Matrix::Zero(w.outputs, n);
    for (Index i = 0; i < w.outputs; ++i)
        for (Index t = 0; t < w.count(i); ++t)
            op(i, w.first[std::size_t(i)] + t) = w.weight[std::size_t(w.offset[std::size_t(i)] + t)];
    return op;
}

Matrix averageRows(const Matrix &m, Index outRows)
{
    checkOutputSize(outRows, 1);
    return applyToRows(averagingWeights(m.rows(), outRows), m);
}

Matrix averageColumns(const Matrix &m, Index outCols)
{
    checkOutputSize(1, outCols);
    return applyToColumns(averagingWeights(m.cols(), outCols), m);
}

} // namespace factorscope::core
