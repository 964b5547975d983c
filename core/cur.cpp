// SPDX-License-Identifier: MIT
#include "cur.h"

#include "lapack.h"
#include "nestedprojection.h"
#include "pinv.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

namespace factorscope::core {

namespace {

Matrix gatherColumns(const Matrix &m, const IndexList &indices, Index count)
{
    Matrix out(m.rows(), count);
    for (Index j = 0; j < count; ++j)
        out.col(j) = m.col(indices[std::size_t(j)]);
    return out;
}

Matrix gatherRows(const Matrix &m, const IndexList &indices, Index count)
{
    Matrix out(count, m.cols());
    for (Index i = 0; i < count; ++i)
        out.row(i) = m.row(indices[std::size_t(i)]);
    return out;
}

/// Positions t < count whose basis vector is not zero (the chosen column or row added a direction).
IndexList addedPositions(const Matrix &basis, Index count)
{
    IndexList kept;
    for (Index t = 0; t < count; ++t)
        if (basis.col(t).squaredNorm() > 0.0)
            kept.push_back(t);
    return kept;
}

} // namespace

std::string curMiddleName(CurMiddle middle) { return middle == CurMiddle::Cross ? "cross" : "optimal"; }

std::optional<CurMiddle> parseCurMiddle(const std::string &name)
{
    if (name == "optimal")
        return CurMiddle::Optimal;
    if (name == "cross")
        return CurMiddle::Cross;
    return std::nullopt;
}

Index CurModel::rowCount(Index rank) const
{
    if (rank <= 0)
        return 0;
    return m_fixedRows > 0 ? m_fixedRows : std::min<Index>(rank, Index(m_rowIndices.size()));
}

double CurModel::optimalErrFro2(Index rank) const
{
    return m_optimal2[std::clamp<Index>(rank, 0, m_optimal2.size() - 1)];
}

double CurModel::errFro2(Index rank) const
{
    if (m_middle == CurMiddle::Optimal)
        return optimalErrFro2(rank);
    return m_cross2[std::clamp<Index>(rank, 0, m_cross2.size() - 1)];
}

double CurModel::storedParams(Index rank) const
{
    const double r = double(std::clamp<Index>(rank, 0, maxRank()));
    const double l = double(rowCount(Index(r)));
    return double(m_rows) * r + r * l + l * double(m_cols);
}

void CurModel::checkReconstruct(const char *what) const
{
    if (!m_canReconstruct)
        throw std::logic_error(std::string("CurModel::") + what + ": the model was computed for its error curve only");
}

IndexList CurModel::columnsAt(Index rank) const
{
    rank = std::clamp<Index>(rank, 0, maxRank());
    return IndexList(m_columnIndices.begin(), m_columnIndices.begin() + rank);
}

IndexList CurModel::rowsAt(Index rank) const
{
    const Index l = rowCount(std::clamp<Index>(rank, 0, maxRank()));
    return IndexList(m_rowIndices.begin(), m_rowIndices.begin() + l);
}

Matrix CurModel::columnFactor(Index rank) const
{
    checkReconstruct("columnFactor");
    return m_c.leftCols(std::clamp<Index>(rank, 0, maxRank()));
}

Matrix CurModel::rowFactor(Index rank) const
{
    checkReconstruct("rowFactor");
    return m_r.topRows(rowCount(std::clamp<Index>(rank, 0, maxRank())));
}

Matrix CurModel::intersection(Index rank) const
{
    checkReconstruct("intersection");
    rank = std::clamp<Index>(rank, 0, maxRank());
    return gatherColumns(m_r.topRows(rowCount(rank)), m_columnIndices, rank);
}

Vector CurModel::intersectionSingularValues(Index rank) const
{
    const Matrix w = intersection(rank);
    if (w.size() == 0)
        return Vector();
    Vector sigma;
    if (!lapack::singularValues(w, sigma))
        throw std::runtime_error("the SVD of the intersection did not converge");
    return sigma;
}

double CurModel::crossTolerance(Index rank) const
{
    if (m_crossTolerance.size() == 0)
        return 0.0;
    return m_crossTolerance[std::clamp<Index>(rank, 0, m_crossTolerance.size() - 1)];
}

Index CurModel::crossRank(Index rank) const
{
    if (m_crossRank.empty())
        return 0;
    return m_crossRank[std::size_t(std::clamp<Index>(rank, 0, Index(m_crossRank.size()) - 1))];
}

Matrix CurModel::middleFactor(Index rank) const
{
    checkReconstruct("middleFactor");
    rank = std::clamp<Index>(rank, 0, maxRank());
    const Index l = rowCount(rank);
    if (m_middle == CurMiddle::Cross)
        return pseudoInverse(intersection(rank), crossTolerance(rank));
    // C⁺MR⁺ = T⁺·B·S⁺ (C = Q_C·T, R = S·Q_Rᵀ, Q_CᵀMQ_R = B), over the positions D (columns) and E
    // (rows) that added a direction: T[D, :r] has full row rank, S[:l, E] full column rank.
    const IndexList d = addedPositions(m_qc, rank), e = addedPositions(m_qr, l);
    Matrix tD(Index(d.size()), rank), bDE(Index(d.size()), Index(e.size())), sE(l, Index(e.size()));
    for (std::size_t i = 0; i < d.size(); ++i) {
        tD.row(Index(i)) = m_t.row(d[i]).head(rank);
        for (std::size_t j = 0; j < e.size(); ++j)
            bDE(Index(i), Index(j)) = m_b(d[i], e[j]);
    }
    for (std::size_t j = 0; j < e.size(); ++j)
        sE.col(Index(j)) = m_s.col(e[j]).head(l);
    return pseudoInverse(tD, 0.0) * bDE * pseudoInverse(sE, 0.0);
}

Matrix CurModel::reconstruct(Index rank) const
{
    Matrix acc = Matrix::Zero(m_rows, m_cols);
    advance(acc, 0, rank);
    return acc;
}

void CurModel::advance(Matrix &acc, Index from, Index to) const
{
    checkReconstruct("advance");
    to = std::clamp<Index>(to, 0, maxRank());
    from = std::clamp<Index>(from, 0, maxRank());
    if (acc.rows() != m_rows || acc.cols() != m_cols || to < from) {
        acc.setZero(m_rows, m_cols);
        from = 0;
    }
    if (to == from)
        return;
    if (m_middle == CurMiddle::Cross) {
        // Not nested (W⁺ changes with the rank): C·(W⁺·R) afresh.
        acc.noalias() = columnFactor(to) * (middleFactor(to) * rowFactor(to));
        return;
    }
    // Q_C·B·Q_Rᵀ over the leading (r, l(r)) block: from (f, l(f)) to (t, l(t)) add the new rows of
    // B against every row basis vector used at t, and the old rows against the new row vectors.
    const Index lf = rowCount(from), lt = rowCount(to);
    acc.noalias() += m_qc.middleCols(from, to - from) *
                     (m_b.block(from, 0, to - from, lt) * m_qr.leftCols(lt).transpose());
    if (lt > lf && from > 0)
        acc.noalias() += m_qc.leftCols(from) *
                         (m_b.block(0, lf, from, lt - lf) * m_qr.middleCols(lf, lt - lf).transpose());
}

std::unique_ptr<CurModel> computeCur(const Matrix &m, const CurOptions &o, Progress *progress)
{
    const Index n = m.rows(), cols = m.cols(), kAll = std::min(n, cols);
    if (o.rank < 0 || o.rowCount < 0 || o.rowCount > n)
        throw std::invalid_argument("computeCur: rank " + std::to_string(o.rank) + " and row count " +
                                    std::to_string(o.rowCount) + " must be ≥ 0, the row count at most n = " +
                                    std::to_string(n));
    if (std::isnan(o.crossTolerance))
        throw std::invalid_argument("computeCur: the cross tolerance is not a number");
    checkpoint(progress, 0.0);
    std::unique_ptr<CurModel> model(new CurModel);
    CurModel &cur = *model;
    cur.m_rows = n;
    cur.m_cols = cols;
    cur.m_middle = o.middle;
    cur.m_selector = o.selection.selector;
    cur.m_fixedRows = o.rowCount;
    cur.m_canReconstruct = o.reconstruction;
    const Index kc = o.rank == 0 ? kAll : std::min(o.rank, kAll);
    const Index kr = kc == 0 ? 0 : (o.rowCount > 0 ? o.rowCount : kc);

    // 1. The nested selections S₁ (kc columns) and S₂ (kr rows).
    CrossIndices chosen;
    {
        SubProgress sub(progress, 0.0, 0.35);
        if (kc > 0)
            chosen = selectColumnsAndRows(m, kc, kr, o.selection, &sub);
    }
    cur.m_columnIndices = chosen.columns;
    cur.m_rowIndices = chosen.rows;
    const Matrix c = gatherColumns(m, chosen.columns, kc);
    const Matrix r = gatherRows(m, chosen.rows, kr);

    // 2. Q_C, Y = Q_CᵀM and ‖(I − P_C(r))M‖²_F for every r, from the explicit residual.
    NestedProjection pc;
    {
        SubProgress sub(progress, 0.35, 0.8);
        pc = projectNested(m, chosen.columns, spanTolerance(m), true, &sub);
    }
    // 3. Q_R: the chosen rows (columns of Rᵀ) orthonormalised in order, with the same kind of
    // tolerance (max(n, m)·ε·the largest row norm of M).
    const double rowTolerance = m.size() == 0 ? 0.0
                                              : double(std::max(n, cols)) * std::numeric_limits<double>::epsilon() *
                                                    m.rowwise().norm().maxCoeff();
    IndexList inOrder(static_cast<std::size_t>(kr));
    std::iota(inOrder.begin(), inOrder.end(), Index(0));
    const Matrix rt = r.transpose();
    NestedProjection pr;
    {
        SubProgress sub(progress, 0.8, 0.85);
        pr = projectNested(rt, inOrder, rowTolerance, false, &sub);
    }
    const Matrix &y = pc.coefficients; // kc×m
    const Matrix &qr = pr.q;           // m×kr

    // 4. Optimal error: ‖(I − P_C)M‖² + ‖Y[:r, :](I − P_R(l))‖², with F = Y(I − P_R) updated by
    // blocks of row-basis vectors (F ← F − (F·Q_b)·Q_bᵀ, one pair of GEMMs per block); inside a
    // block, ‖F_l[:r, :]‖² = ‖F_{t1}[:r, :]‖² + Σ_{s=l}^{t1−1} ‖(F·q_s)[:r]‖² (sums of squares only).
    cur.m_optimal2 = Vector::Zero(kc + 1);
    cur.m_optimal2[0] = pc.residual2[0];
    {
        Matrix f = y;
        constexpr Index kBlock = 32;
        for (Index t0 = 0; t0 < kr; t0 += kBlock) {
            checkpoint(progress, 0.85 + 0.05 * double(t0) / double(kr));
            const Index t1 = std::min(kr, t0 + kBlock), width = t1 - t0;
            const auto qBlock = qr.middleCols(t0, width);
            const Matrix w = f * qBlock; // kc×width
            f.noalias() -= w * qBlock.transpose();
            if (o.rowCount > 0)
                continue;
            // l(r) = r: rank r = l in (t0, t1].
            Vector prefix = Vector::Zero(t1 + 1); // Σ_{i<r} ‖F_{t1}[i, :]‖²
            for (Index i = 0; i < t1; ++i)
                prefix[i + 1] = prefix[i] + f.row(i).squaredNorm();
            for (Index l = t0 + 1; l <= t1; ++l) {
                double removedLater = 0.0;
                for (Index s = l; s < t1; ++s)
                    removedLater += w.col(s - t0).head(l).squaredNorm();
                cur.m_optimal2[l] = pc.residual2[l] + prefix[l] + removedLater;
            }
        }
        if (o.rowCount > 0) { // l = rowCount at every rank: F is F_L
            double prefix = 0.0;
            for (Index rank = 1; rank <= kc; ++rank) {
                prefix += f.row(rank - 1).squaredNorm();
                cur.m_optimal2[rank] = pc.residual2[rank] + prefix;
            }
        }
    }
    // B = Q_CᵀMQ_R, T = Q_CᵀC = Y[:, S₁], S = R·Q_R.
    const Matrix b = y * qr;
    const Matrix t = gatherColumns(y, chosen.columns, kc);
    const Matrix s = r * qr;

    // 5. Cross middle at every rank: U = W⁺_τ, error = optimal + ‖B − T·U·S‖² on the leading block,
    // or measured directly where a chosen column or row added no direction.
    if (o.middle == CurMiddle::Cross) {
        cur.m_cross2 = Vector::Zero(kc + 1);
        cur.m_crossTolerance = Vector::Zero(kc + 1);
        cur.m_crossRank.assign(std::size_t(kc + 1), 0);
        cur.m_cross2[0] = cur.m_optimal2[0];
        const IndexList columnsAdded = addedPositions(pc.q, kc), rowsAdded = addedPositions(qr, kr);
        for (Index rank = 1; rank <= kc; ++rank) {
            checkpoint(progress, 0.9 + 0.1 * double(rank - 1) / double(kc));
            const Index l = cur.rowCount(rank);
            const Matrix w = gatherColumns(r.topRows(l), chosen.columns, rank);
            double tolerance = 0.0;
            Index kept = 0;
            const Matrix u = pseudoInverse(w, o.crossTolerance, &tolerance, &kept);
            cur.m_crossTolerance[rank] = tolerance;
            cur.m_crossRank[std::size_t(rank)] = kept;
            const bool complete = std::count_if(columnsAdded.begin(), columnsAdded.end(), [&](Index p) { return p < rank; }) == rank
                                  && std::count_if(rowsAdded.begin(), rowsAdded.end(), [&](Index p) { return p < l; }) == l;
            if (complete) {
                const Matrix d = b.topLeftCorner(rank, l) - t.topLeftCorner(rank, rank) * u * s.topLeftCorner(l, l);
                cur.m_cross2[rank] = cur.m_optimal2[rank] + d.squaredNorm();
            } else {
                cur.m_cross2[rank] = (m - c.leftCols(rank) * (u * r.topRows(l))).squaredNorm();
            }
        }
    }

    if (o.reconstruction) {
        cur.m_c = c;
        cur.m_r = r;
        cur.m_qc = std::move(pc.q);
        cur.m_qr = std::move(pr.q);
        cur.m_b = b;
        cur.m_t = t;
        cur.m_s = s;
    }
    checkpoint(progress, 1.0);
    return model;
}

} // namespace factorscope::core
