// SPDX-License-Identifier: MIT
#include "nestedprojection.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

namespace factorscope::core {

double spanTolerance(const Matrix &a)
{
    if (a.size() == 0)
        return 0.0;
    return double(std::max(a.rows(), a.cols())) * std::numeric_limits<double>::epsilon() *
           a.colwise().norm().maxCoeff();
}

NestedProjection projectNested(const Matrix &a, const IndexList &order, double tolerance, bool residuals,
                               Progress *progress)
{
    const Index p = a.rows(), cols = a.cols(), k = Index(order.size());
    for (Index j : order)
        if (j < 0 || j >= cols)
            throw std::invalid_argument("projectNested: column " + std::to_string(j) + " of a matrix with " +
                                        std::to_string(cols) + " columns");
    NestedProjection out;
    out.q = Matrix::Zero(p, k);
    out.distance = Vector::Zero(k);
    Matrix e; // the residual E_t (with residuals)
    if (residuals) {
        e = a;
        out.coefficients = Matrix::Zero(k, cols);
        out.residual2 = Vector::Zero(k + 1);
        out.residual2[0] = e.squaredNorm();
    }
    // Blocks of columns, so that E is updated by GEMMs (two passes over it per block, not per
    // column); inside a block the new directions come one at a time.
    constexpr Index kBlock = 32;
    for (Index t0 = 0; t0 < k; t0 += kBlock) {
        checkpoint(progress, double(t0) / double(k));
        const Index t1 = std::min(k, t0 + kBlock), width = t1 - t0;
        // The chosen columns as they stand at t0 (the MGS residual E_{t0}, or A's columns),
        // orthogonalised against the earlier directions: once more with residuals, twice without.
        const Matrix &source = residuals ? e : a;
        Matrix v(p, width);
        for (Index j = 0; j < width; ++j)
            v.col(j) = source.col(order[std::size_t(t0 + j)]);
        const auto before = out.q.leftCols(t0);
        for (int pass = residuals ? 1 : 0; pass < 2 && t0 > 0; ++pass)
            v.noalias() -= before * (before.transpose() * v);
        for (Index j = 0; j < width; ++j) {
            // Against this block's earlier directions (CGS2); zero columns contribute nothing.
            auto x = v.col(j);
            const auto inBlock = out.q.middleCols(t0, j);
            for (int pass = 0; pass < 2 && j > 0; ++pass)
                x.noalias() -= inBlock * (inBlock.transpose() * x);
            const double d = x.norm();
            if (!(d > tolerance))
                continue; // adds no direction: q_t stays zero, nothing changes
            out.distance[t0 + j] = d;
            out.q.col(t0 + j) = x / d;
        }
        if (!residuals)
            continue;
        // coefficients[t0:t1, :] = Q_blockᵀ·E_{t0} (= q_tᵀE_t, the directions being orthonormal),
        // E_{t1} = E_{t0} − Q_block·coefficients[t0:t1, :]. Inside the block the squared residual
        // is ‖E_{t1}‖² plus the rows the block's later directions removed: sums of squares only.
        const auto qBlock = out.q.middleCols(t0, width);
        const Matrix c = qBlock.transpose() * e;
        e.noalias() -= qBlock * c;
        out.coefficients.middleRows(t0, width) = c;
        out.residual2[t1] = e.squaredNorm();
        for (Index t = t1 - 1; t > t0; --t)
            out.residual2[t] = out.residual2[t + 1] + c.row(t - t0).squaredNorm();
    }
    checkpoint(progress, 1.0);
    return out;
}

} // namespace factorscope::core
