// SPDX-License-Identifier: MIT
#include "pinv.h"

#include "lapack.h"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace factorscope::core {

namespace {

double defaultToleranceOf(const Vector &sigma, Index n, Index m)
{
    if (sigma.size() == 0)
        return 0.0;
    return double(std::max(n, m)) * std::numeric_limits<double>::epsilon() * sigma[0];
}

void checkTolerance(double tolerance)
{
    if (!(tolerance >= 0.0)) // also NaN
        throw std::invalid_argument("pseudo-inverse: the tolerance must be a number ≥ 0, not " +
                                    std::to_string(tolerance));
}

void checkEpsilon(double epsilon)
{
    if (!(epsilon > 0.0) || !std::isfinite(epsilon))
        throw std::invalid_argument("ridge: ε must be a finite number > 0, not " + std::to_string(epsilon));
}

/// V·diag(d)·Uᵀ, skipping the zero entries of d.
Matrix assembleFrom(const Matrix &u, const Matrix &v, const Vector &d)
{
    Index kept = 0;
    for (Index i = 0; i < d.size(); ++i)
        kept += d[i] != 0.0;
    Matrix vd(v.rows(), kept), uk(u.rows(), kept);
    for (Index i = 0, c = 0; i < d.size(); ++i)
        if (d[i] != 0.0) {
            vd.col(c) = v.col(i) * d[i];
            uk.col(c++) = u.col(i);
        }
    return vd * uk.transpose();
}

} // namespace

double PseudoInverse::defaultTolerance() const { return defaultToleranceOf(m_sigma, rows(), cols()); }

Index PseudoInverse::rankAbove(double tolerance) const
{
    Index r = 0;
    while (r < m_sigma.size() && m_sigma[r] > tolerance)
        ++r;
    return r;
}

Matrix PseudoInverse::assemble(const Vector &d) const { return assembleFrom(m_u, m_v, d); }

Matrix PseudoInverse::pinv(double tolerance) const
{
    checkTolerance(tolerance);
    Vector d = Vector::Zero(m_sigma.size());
    for (Index i = 0; i < rankAbove(tolerance); ++i)
        d[i] = 1.0 / m_sigma[i];
    return assemble(d);
}

Vector PseudoInverse::filterFactors(double epsilon) const
{
    checkEpsilon(epsilon);
    return m_sigma.array() / (m_sigma.array().square() + epsilon);
}

Matrix PseudoInverse::ridge(double epsilon) const { return assemble(filterFactors(epsilon)); }

Vector PseudoInverse::reciprocalSpectrum() const
{
    Vector r(m_sigma.size());
    for (Index i = 0; i < r.size(); ++i)
        r[i] = m_sigma[i] > 0.0 ? 1.0 / m_sigma[i] : std::numeric_limits<double>::infinity();
    return r;
}

double PseudoInverse::ridgeDistance(double epsilon, double tolerance) const
{
    checkEpsilon(epsilon);
    checkTolerance(tolerance);
    double sum = 0.0;
    for (Index i = 0; i < m_sigma.size(); ++i) {
        const double s = m_sigma[i];
        // Kept: σ/(σ² + ε) − 1/σ = −ε/(σ(σ² + ε)), without the cancellation of the difference.
        const double d = s > tolerance ? epsilon / (s * (s * s + epsilon)) : s / (s * s + epsilon);
        sum += d * d;
    }
    return std::sqrt(sum);
}

std::unique_ptr<PseudoInverse> computePseudoInverse(const Matrix &m, Progress *progress)
{
    checkpoint(progress, 0.0);
    std::unique_ptr<PseudoInverse> p(new PseudoInverse);
    if (m.size() == 0) {
        p->m_u.resize(m.rows(), 0);
        p->m_v.resize(m.cols(), 0);
    } else if (!lapack::thinSvd(m, p->m_u, p->m_sigma, p->m_v)) {
        throw std::runtime_error("the SVD did not converge");
    }
    checkpoint(progress, 1.0);
    return p;
}

PenroseResiduals penroseResiduals(const Matrix &m, const Matrix &x)
{
    if (x.rows() != m.cols() || x.cols() != m.rows())
        throw std::invalid_argument("penroseResiduals: X is " + std::to_string(x.rows()) + "×" +
                                    std::to_string(x.cols()) + ", not the transposed shape of M (" +
                                    std::to_string(m.rows()) + "×" + std::to_string(m.cols()) + ")");
    const Matrix mx = m * x; // n×n
    const Matrix xm = x * m; // m×m
    PenroseResiduals r;
    r.mxm = (mx * m - m).norm();
    r.xmx = (x * mx - x).norm();
    r.mxSymmetry = (mx.transpose() - mx).norm();
    r.xmSymmetry = (xm.transpose() - xm).norm();
    return r;
}

Matrix pseudoInverse(const Matrix &a, double tolerance, double *usedTolerance, Index *rank)
{
    if (std::isnan(tolerance))
        throw std::invalid_argument("pseudoInverse: the tolerance is not a number");
    Matrix u, v;
    Vector s;
    if (a.size() > 0 && !lapack::thinSvd(a, u, s, v))
        throw std::runtime_error("the SVD did not converge");
    if (a.size() == 0) {
        u.resize(a.rows(), 0);
        v.resize(a.cols(), 0);
    }
    const double tol = tolerance < 0.0 ? defaultToleranceOf(s, a.rows(), a.cols()) : tolerance;
    Vector d = Vector::Zero(s.size());
    Index kept = 0;
    for (Index i = 0; i < s.size(); ++i)
        if (s[i] > tol) {
            d[i] = 1.0 / s[i];
            ++kept;
        }
    if (usedTolerance)
        *usedTolerance = tol;
    if (rank)
        *rank = kept;
    return assembleFrom(u, v, d);
}

} // namespace factorscope::core
