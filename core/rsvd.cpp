// SPDX-License-Identifier: MIT
#include "rsvd.h"

#include "lapack.h"
#include "random.h"
#include "svd.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace factorscope::core {

double RsvdModel::errFro2(Index rank) const
{
    return m_residual2 + m_tail2[std::clamp<Index>(rank, 0, m_sigma.size())];
}

double RsvdModel::storedParams(Index rank) const
{
    return double(rank) * double(m_rows + m_cols + 1);
}

Matrix RsvdModel::reconstruct(Index rank) const
{
    Matrix acc = Matrix::Zero(m_rows, m_cols);
    advance(acc, 0, rank);
    return acc;
}

void RsvdModel::advance(Matrix &acc, Index from, Index to) const
{
    advanceTruncated(acc, m_u, m_sigma, m_v, std::min(from, m_rank), std::min(to, m_rank));
}

RsvdOptions previewRsvdOptions(Index rows, Index cols, std::uint64_t seed)
{
    RsvdOptions o;
    o.rank = std::min<Index>(50, std::min(rows, cols));
    o.oversampling = 10;
    o.powerIterations = 1;
    o.seed = seed;
    o.measureResidual = false;
    return o;
}

std::unique_ptr<RsvdModel> computeRandomizedSvd(const Matrix &m, const RsvdOptions &options,
                                                Progress *progress)
{
    const Index n = m.rows(), cols = m.cols(), full = std::min(n, cols);
    const Index rank = std::clamp<Index>(options.rank, 0, full);
    const Index sketch = std::min(full, rank + std::max<Index>(options.oversampling, 0));
    const int q = std::max(options.powerIterations, 0);
    std::unique_ptr<RsvdModel> model(new RsvdModel());
    model->m_rows = n;
    model->m_cols = cols;
    model->m_rank = rank;
    Rng rng(options.seed);
    const double steps = 2.0 * q + 4.0;
    checkpoint(progress, 0.0);

    Matrix q0 = lapack::orthonormalBasis(m * rng.gaussian(cols, sketch)); // Q = orth(MΩ)
    checkpoint(progress, 1.0 / steps);
    for (int it = 0; it < q; ++it) {
        const Matrix w = lapack::orthonormalBasis(m.transpose() * q0); // W = orth(MᵀQ)
        checkpoint(progress, (2.0 + 2 * it) / steps);
        q0 = lapack::orthonormalBasis(m * w);                           // Q = orth(MW)
        checkpoint(progress, (3.0 + 2 * it) / steps);
    }
    const Matrix b = q0.transpose() * m; // B = QᵀM, sketch×m
    if (options.measureResidual) {
        Matrix residual = m;
        residual.noalias() -= q0 * b; // M − QB, measured, not inferred
        model->m_residual2 = residual.squaredNorm();
    } else {
        model->m_residual2 = std::max(0.0, m.squaredNorm() - b.squaredNorm());
    }
    checkpoint(progress, (2.0 * q + 2.0) / steps);
    Vector sigma;
    Matrix ub, vb;
    if (!lapack::thinSvd(b, ub, sigma, vb))
        throw std::runtime_error("the SVD of the sketch did not converge");
    model->m_sigma = sigma;
    model->m_tail2 = tailSquares(sigma);
    if (options.vectors) {
        model->m_u = q0 * ub.leftCols(rank);
        model->m_v = vb.leftCols(rank);
    }
    // A-posteriori spectral bound from 10 probes of the residual (Halko et al., eq. 4.3):
    // (I − QQᵀ)Mω = Mω − Q(QᵀMω), without forming the residual.
    double worst = 0.0;
    if (m.size() > 0) {
        const Matrix mw = m * rng.gaussian(cols, 10);
        const Matrix probes = mw - q0 * (q0.transpose() * mw);
        worst = probes.colwise().norm().maxCoeff();
    }
    model->m_spectralBound = 10.0 * std::sqrt(2.0 / M_PI) * worst;
    checkpoint(progress, 1.0);
    return model;
}

} // namespace factorscope::core
