// SPDX-License-Identifier: MIT
#include "cr.h"

#include "lapack.h"
#include "random.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

namespace factorscope::core {

Vector CrModel::lambda(Index rank) const
{
    const Index l = terms();
    rank = std::clamp<Index>(rank, 0, maxRank());
    Vector lam = Vector::Zero(l);
    if (rank == 0)
        return lam;
    if (m_rule == CrRule::Top) {
        for (Index t = 0; t < rank; ++t)
            lam[m_draws[std::size_t(t)]] = 1.0;
        return lam;
    }
    // λ_i = count_i / (r·p_i): count first, divide once (no accumulated rounding).
    for (Index t = 0; t < rank; ++t)
        lam[m_draws[std::size_t(t)]] += 1.0;
    for (Index i = 0; i < l; ++i)
        if (lam[i] != 0.0)
            lam[i] /= double(rank) * m_probabilities[i];
    return lam;
}

double CrModel::errorOf(const Vector &gamma) const
{
    if (m_product == CrProduct::Given) {
        // ‖Σ γ_i x_i y_iᵀ‖²_F = Σ_ij γ_i γ_j (x_iᵀx_j)(y_iᵀy_j) = γᵀ G γ.
        return std::max(0.0, gamma.dot(m_gram * gamma));
    }
    // Mutually orthogonal terms (disjoint columns / rows, or orthonormal singular vectors):
    // ‖Σ γ_i x_i y_iᵀ‖²_F = Σ γ_i² w_i².
    return (gamma.array() * m_weights.array()).matrix().squaredNorm();
}

double CrModel::errFro2(Index rank) const
{
    const Vector gamma = Vector::Ones(terms()) - lambda(rank);
    return errorOf(gamma);
}

double CrModel::expectedErrFro2(Index rank) const
{
    if (m_rule == CrRule::Top)
        return errFro2(rank);
    rank = std::clamp<Index>(rank, 0, maxRank());
    if (rank == 0)
        return m_productNorm2;
    return std::max(0.0, (m_sumW2OverP - m_productNorm2) / double(rank));
}

double CrModel::storedParams(Index rank) const
{
    const double r = double(rank);
    switch (m_product) {
    case CrProduct::MatrixIdentity: return r * double(m_rows + 2);
    case CrProduct::IdentityMatrix: return r * double(m_cols + 2);
    case CrProduct::SvdFactors:
    case CrProduct::Given: break;
    }
    return r * double(m_rows + m_cols);
}

Matrix CrModel::reconstruct(Index rank) const
{
    const Vector lam = lambda(rank);
    Matrix out = Matrix::Zero(m_rows, m_cols);
    std::vector<Index> kept;
    for (Index i = 0; i < lam.size(); ++i)
        if (lam[i] != 0.0)
            kept.push_back(i);
    const Index count = Index(kept.size());
    switch (m_product) {
    case CrProduct::MatrixIdentity: // M·diag(λ): scaled kept columns, zeros elsewhere
        for (Index i : kept)
            out.col(i) = lam[i] * m_x->col(i);
        break;
    case CrProduct::IdentityMatrix: // diag(λ)·M: scaled kept rows
        for (Index i : kept)
            out.row(i) = lam[i] * m_x->row(i);
        break;
    case CrProduct::SvdFactors:
    case CrProduct::Given: {
        // C_r R_r = X[:, S]·diag(λ_S (·σ_S))·Y[S, :], one GEMM over the distinct kept terms.
        Matrix c(m_x->rows(), count), r(count, m_y.cols());
        for (Index t = 0; t < count; ++t) {
            const Index i = kept[std::size_t(t)];
            const double scale = m_product == CrProduct::SvdFactors ? lam[i] * m_sigma[i] : lam[i];
            c.col(t) = scale * m_x->col(i);
            r.row(t) = m_y.row(i);
        }
        if (count > 0)
            out.noalias() = c * r;
        break;
    }
    }
    return out;
}

void CrModel::finish(const CrOptions &options, Progress *progress)
{
    if (options.rank < 0)
        throw std::invalid_argument("computeCr: the number of draws (" +
                                    std::to_string(options.rank) + ") must not be negative");
    m_rule = options.rule;

    // w_i = ‖x_i‖·‖y_i‖ and ‖XY‖²_F.
    switch (m_product) {
    case CrProduct::MatrixIdentity:
        m_weights = m_x->colwise().norm().transpose();
        m_productNorm2 = m_x->squaredNorm();
        break;
    case CrProduct::IdentityMatrix:
        m_weights = m_x->rowwise().norm();
        m_productNorm2 = m_x->squaredNorm();
        break;
    case CrProduct::SvdFactors: {
        m_weights = m_sigma;
        // Σσ², from the smallest up.
        double sum = 0.0;
        for (Index i = m_sigma.size() - 1; i >= 0; --i)
            sum += m_sigma[i] * m_sigma[i];
        m_productNorm2 = sum;
        break;
    }
    case CrProduct::Given: {
        m_weights =
            (m_x->colwise().norm().transpose().array() * m_y.rowwise().norm().array()).matrix();
        // G = (XᵀX) ∘ (YYᵀ), l×l, symmetric positive semidefinite; ‖XY‖²_F = 1ᵀG1.
        const Index l = m_x->cols();
        Matrix gx(l, l), gy(l, l);
        gx.setZero();
        gy.setZero();
        gx.selfadjointView<Eigen::Lower>().rankUpdate(m_x->transpose());
        checkpoint(progress, 0.4);
        gy.selfadjointView<Eigen::Lower>().rankUpdate(m_y);
        m_gram = gx.selfadjointView<Eigen::Lower>();
        m_gram.array() *= Matrix(gy.selfadjointView<Eigen::Lower>()).array();
        m_productNorm2 = std::max(0.0, m_gram.sum());
        break;
    }
    }
    checkpoint(progress, 0.8);

    const Index l = m_weights.size();
    Index draws = options.rank == 0 ? l : options.rank;
    if (l == 0)
        draws = 0;

    if (m_rule == CrRule::Top) {
        // The r largest w, in decreasing order; a stable sort keeps the lower index first on ties.
        draws = std::min(draws, l);
        std::vector<Index> order(static_cast<std::size_t>(l));
        std::iota(order.begin(), order.end(), Index(0));
        std::stable_sort(order.begin(), order.end(),
                         [&](Index a, Index b) { return m_weights[a] > m_weights[b]; });
        m_draws.assign(order.begin(), order.begin() + draws);
        m_probabilities.resize(0);
        checkpoint(progress, 1.0);
        return;
    }

    // Sampling distribution: optimal p_i = w_i / Σw, or uniform 1/l (also the fallback when the
    // product is zero, where every p gives error 0).
    const double sumW = m_weights.sum();
    const bool optimal = m_rule == CrRule::Optimal && sumW > 0.0;
    m_probabilities = optimal ? Vector(m_weights / sumW) : Vector::Constant(l, 1.0 / double(l));
    if (optimal) {
        m_sumW2OverP = sumW * sumW; // Σ w_i²/(w_i/Σw) = (Σw)², exact in closed form
    } else {
        m_sumW2OverP = 0.0;
        for (Index i = 0; i < l; ++i)
            m_sumW2OverP += m_weights[i] * m_weights[i] / m_probabilities[i];
    }

    // Draws with replacement by the inverse CDF: s_t = smallest i with cdf[i] > u, u uniform in
    // [0, cdf[l−1]). Entries with p_i = 0 have cdf[i] = cdf[i−1] and are never the smallest.
    std::vector<double> cdf(static_cast<std::size_t>(l));
    double running = 0.0;
    Index lastPositive = 0;
    for (Index i = 0; i < l; ++i) {
        running += m_probabilities[i];
        cdf[std::size_t(i)] = running;
        if (m_probabilities[i] > 0.0)
            lastPositive = i;
    }
    Rng rng(options.seed);
    m_draws.resize(std::size_t(draws));
    for (Index t = 0; t < draws; ++t) {
        const double u = rng.uniform() * running;
        Index i = Index(std::upper_bound(cdf.begin(), cdf.end(), u) - cdf.begin());
        if (i >= l) // u rounded up to the total
            i = lastPositive;
        m_draws[std::size_t(t)] = i;
    }
    checkpoint(progress, 1.0);
}

std::unique_ptr<CrModel> computeCr(std::shared_ptr<const Matrix> m, const CrOptions &options, Progress *progress)
{
    if (!m)
        throw std::invalid_argument("computeCr: no matrix");
    if (options.product != CrProduct::MatrixIdentity && options.product != CrProduct::IdentityMatrix)
        return computeCr(*m, options, progress);
    checkpoint(progress, 0.0);
    std::unique_ptr<CrModel> model(new CrModel);
    model->m_rows = m->rows();
    model->m_cols = m->cols();
    model->m_product = options.product;
    model->m_x = std::move(m); // shared, not copied
    model->finish(options, progress);
    return model;
}

std::unique_ptr<CrModel> computeCr(const Matrix &m, const CrOptions &options, Progress *progress)
{
    checkpoint(progress, 0.0);
    std::unique_ptr<CrModel> model(new CrModel);
    model->m_rows = m.rows();
    model->m_cols = m.cols();
    model->m_product = options.product;
    switch (options.product) {
    case CrProduct::MatrixIdentity:
    case CrProduct::IdentityMatrix:
        model->m_x = std::make_shared<const Matrix>(m);
        break;
    case CrProduct::SvdFactors: {
        // X = U√Σ, Y = √ΣVᵀ: kept as U, σ, Vᵀ; w_i = σ_i.
        Matrix u, v;
        Vector sigma;
        if (!lapack::thinSvd(m, u, sigma, v))
            throw std::runtime_error("computeCr: the SVD did not converge");
        model->m_x = std::make_shared<const Matrix>(std::move(u));
        model->m_y = v.transpose();
        model->m_sigma = std::move(sigma);
        break;
    }
    case CrProduct::Given:
        throw std::invalid_argument("computeCr: the Given product needs the two factors X and Y");
    }
    model->finish(options, progress);
    return model;
}

std::unique_ptr<CrModel> computeCr(const Matrix &x, const Matrix &y, const CrOptions &options,
                                   Progress *progress)
{
    if (x.cols() != y.rows())
        throw std::invalid_argument("computeCr: X is " + std::to_string(x.rows()) + "×" +
                                    std::to_string(x.cols()) + " but Y is " +
                                    std::to_string(y.rows()) + "×" + std::to_string(y.cols()));
    checkpoint(progress, 0.0);
    std::unique_ptr<CrModel> model(new CrModel);
    model->m_rows = x.rows();
    model->m_cols = y.cols();
    model->m_product = CrProduct::Given;
    model->m_x = std::make_shared<const Matrix>(x);
    model->m_y = y;
    model->finish(options, progress);
    return model;
}

} // namespace factorscope::core
