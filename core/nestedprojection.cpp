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
    Matrix e; // the residual E_t (with residuals), else the chosen columns themselves
    if (residuals) {
        e = a;
        out.coefficients = Matrix::Zero(k, cols);
        out.residual2 = Vector::Zero(k + 1);
        out.residual2[0] = e.squaredNorm();
    }
    for (Index t = 0; t < k; ++t) {
        checkpoint(progress, double(t) / double(std::max<Index>(k, 1)));
        const Index j = order[std::size_t(t)];
        Vector v = residuals ? Vector(e.col(j)) : Vector(a.col(j));
        // Against the previous directions: twice without residuals (CGS2), once more with them
        // (v is already the MGS residual). Zero columns of q contribute nothing.
        const auto previous = out.q.leftCols(t);
        for (int pass = residuals ? 1 : 0; pass < 2; ++pass)
            v.noalias() -= previous * (previous.transpose() * v);
        const double d = v.norm();
        if (!(d > tolerance)) {
            if (residuals)
                out.residual2[t + 1] = out.residual2[t];
            continue;
        }
        out.distance[t] = d;
        out.q.col(t) = v / d;
        if (!residuals)
            continue;
        // E ← E − q·(qᵀE), column by column with its squared norm while it is in cache.
        const auto q = out.q.col(t);
        double sum = 0.0;
        for (Index c = 0; c < cols; ++c) {
            auto col = e.col(c);
            const double coefficient = q.dot(col);
            col.noalias() -= coefficient * q;
            out.coefficients(t, c) = coefficient;
            sum += col.squaredNorm();
        }
        out.residual2[t + 1] = sum;
    }
    checkpoint(progress, 1.0);
    return out;
}

} // namespace factorscope::core
