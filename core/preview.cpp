// SPDX-License-Identifier: MIT
#include "preview.h"

#include "cr.h"
#include "cur.h"
#include "display.h"
#include "id.h"
#include "monarch.h"
#include "pinv.h"
#include "rsvd.h"
#include "svd.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <unordered_map>

// OpenBLAS's CBLAS GEMM (its cblas.h is not included: see lapack.h on complex.h). The enums are
// passed as their int values; blasint is int in Debian's OpenBLAS (LP64).
extern "C" {
void cblas_sgemm(int order, int transA, int transB, int m, int n, int k, float alpha,
                 const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc);
void cblas_dgemm(int order, int transA, int transB, int m, int n, int k, double alpha,
                 const double *a, int lda, const double *b, int ldb, double beta, double *c,
                 int ldc);
}

namespace factorscope::core {

namespace {

constexpr int kColMajor = 102, kNoTrans = 111, kTrans = 112;

/// Incremental moves allowed before a channel is rebuilt from scratch (bounds the drift of
/// repeated additions and subtractions; see the class note).
constexpr int kMaxIncrementalMoves = 1024;

std::string str(Index v) { return std::to_string(static_cast<long long>(v)); }

/// C = alpha·A·Bᵀ + beta·C, A m×k (lda), B n×k (ldb), C m×n (ldc), all column-major.
/// beta = 0 never reads C.
void gemmNT(Index m, Index n, Index k, float alpha, const float *a, Index lda, const float *b,
            Index ldb, float beta, float *c, Index ldc)
{
    if (m == 0 || n == 0)
        return;
    cblas_sgemm(kColMajor, kNoTrans, kTrans, int(m), int(n), int(k), alpha, a, int(lda), b,
                int(ldb), beta, c, int(ldc));
}

void gemmNT(Index m, Index n, Index k, double alpha, const double *a, Index lda, const double *b,
            Index ldb, double beta, double *c, Index ldc)
{
    if (m == 0 || n == 0)
        return;
    cblas_dgemm(kColMajor, kNoTrans, kTrans, int(m), int(n), int(k), alpha, a, int(lda), b,
                int(ldb), beta, c, int(ldc));
}

/// The sparse area-averaging operator W (outputs×inputs) of reduceForDisplay(), both ways.
/// In units of 1/outputs of an input, output i covers [i·n, (i+1)·n) and input k covers
/// [k·o, (k+1)·o); the weight of k in i is the overlap (an exact integer) divided by n, as in
/// display.cpp. outputs ≥ inputs gives the identity.
struct Averaging
{
    Index inputs = 0, outputs = 0;
    // Forward: output i averages inputs first[i] .. first[i] + count(i) − 1 with weight[offset[i] ..].
    std::vector<Index> first, offset;
    std::vector<double> weight;
    // Backward: input k appears in outputs outOf[back[k] ..< back[k+1]] with weights backWeight.
    std::vector<Index> back, outOf;
    std::vector<double> backWeight;

    Index count(Index i) const { return offset[std::size_t(i) + 1] - offset[std::size_t(i)]; }

    Averaging(Index n, Index outRequested)
        : inputs(n), outputs(std::min(outRequested, n))
    {
        const Index o = outputs;
        first.resize(std::size_t(o));
        offset.resize(std::size_t(o) + 1);
        weight.reserve(std::size_t(n + o));
        std::vector<Index> inputOf;
        inputOf.reserve(std::size_t(n + o));
        const double scale = 1.0 / double(n);
        for (Index i = 0; i < o; ++i) {
            const Index lo = i * n, hi = (i + 1) * n;
            const Index kFirst = lo / o, kLast = (hi - 1) / o;
            first[std::size_t(i)] = kFirst;
            offset[std::size_t(i)] = Index(weight.size());
            for (Index k = kFirst; k <= kLast; ++k) {
                const Index overlap = std::min(hi, (k + 1) * o) - std::max(lo, k * o);
                weight.push_back(double(overlap) * scale);
                inputOf.push_back(k);
            }
        }
        offset[std::size_t(o)] = Index(weight.size());
        // Backward map: inputs are visited in increasing output order, so a counting pass
        // keeps each input's outputs sorted.
        back.assign(std::size_t(n) + 1, 0);
        for (Index k : inputOf)
            ++back[std::size_t(k) + 1];
        for (Index k = 0; k < n; ++k)
            back[std::size_t(k) + 1] += back[std::size_t(k)];
        outOf.resize(inputOf.size());
        backWeight.resize(inputOf.size());
        std::vector<Index> fill(back.begin(), back.end() - 1);
        for (Index i = 0; i < o; ++i)
            for (Index t = offset[std::size_t(i)]; t < offset[std::size_t(i) + 1]; ++t) {
                const Index k = inputOf[std::size_t(t)];
                const Index at = fill[std::size_t(k)]++;
                outOf[std::size_t(at)] = i;
                backWeight[std::size_t(at)] = weight[std::size_t(t)];
            }
    }
};

template<typename Model>
const Model &modelAs(const ChannelModel &model, Method method)
{
    const auto *typed = dynamic_cast<const Model *>(&model);
    if (!typed)
        throw std::invalid_argument("DisplayRebuilder: a channel model is not a " + methodName(method)
                                    + " model");
    return *typed;
}

} // namespace

namespace detail {

/// One channel: its averaged factors, its current rank, and the rule for moving.
template<typename Scalar>
class DisplayChannel
{
public:
    using Plane = DisplayPlane<Scalar>;
    virtual ~DisplayChannel() = default;
    Index maxRank() const { return m_maxRank; }
    Index rank() const { return m_rank; }

    /// Moves `plane` (o_r×o_c, holding this channel at rank(), or anything before the first move)
    /// to rank `to` ∈ [0, maxRank()].
    void moveTo(Plane &plane, Index to)
    {
        if (to == m_rank)
            return;
        const Index delta = to - m_rank;
        if (m_rank < 0 || to <= std::abs(delta) || m_moves >= kMaxIncrementalMoves) {
            rebuild(plane, to); // exact, and no dearer than |Δ| updates
            m_moves = 0;
        } else {
            update(plane, std::min(to, m_rank), std::max(to, m_rank), delta > 0 ? 1 : -1);
            ++m_moves;
        }
        m_rank = to;
        finish(plane, to);
    }

protected:
    /// plane ← the first `to` rank steps (overwrites whatever plane held).
    virtual void rebuild(Plane &plane, Index to) = 0;
    /// plane ± the rank steps [from, to).
    virtual void update(Plane &plane, Index from, Index to, int sign) = 0;
    /// Anything after the accumulation (CR's 1/r, Monarch's row averaging).
    virtual void finish(Plane &plane, Index rank) { (void)plane, (void)rank; }

    Index m_maxRank = 0;

private:
    Index m_rank = -1;
    int m_moves = 0;
};

} // namespace detail

namespace {

using detail::DisplayChannel;

// --- SVD, randomized SVD, ID: D_r = Σ_{t<r} left[:, t]·right[:, t]ᵀ ---------------------------
//
// Planes are row-major, so their storage is the column-major o_c×o_r matrix Dᵀ: every GEMM below
// computes Dᵀ = right·leftᵀ.

template<typename Scalar>
class LowRankChannel final : public DisplayChannel<Scalar>
{
public:
    using Plane = typename DisplayChannel<Scalar>::Plane;
    using Factor = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;

    /// left = W·A (o_r×T), right = W'·B (o_c×T) for M̃_r = A[:, :r]·B[:, :r]ᵀ.
    LowRankChannel(const Matrix &left, const Matrix &right)
        : m_left(left.cast<Scalar>()), m_right(right.cast<Scalar>())
    {
        this->m_maxRank = m_left.cols();
    }

protected:
    void rebuild(Plane &plane, Index to) override
    {
        if (to == 0) {
            plane.setZero();
            return;
        }
        gemmNT(plane.cols(), plane.rows(), to, Scalar(1), m_right.data(), m_right.rows(),
               m_left.data(), m_left.rows(), Scalar(0), plane.data(), plane.cols());
    }
    void update(Plane &plane, Index from, Index to, int sign) override
    {
        // Dᵀ ± right[:, from:to]·left[:, from:to]ᵀ, one GEMM of o_c×o_r×(to − from).
        gemmNT(plane.cols(), plane.rows(), to - from, Scalar(sign),
               m_right.data() + from * m_right.rows(), m_right.rows(),
               m_left.data() + from * m_left.rows(), m_left.rows(), Scalar(1), plane.data(),
               plane.cols());
    }

private:
    Factor m_left, m_right;
};

// --- CR: D_r = c_r·Σ_{t<r} d_t·(W x_{s_t})(W' y_{s_t})ᵀ ------------------------------------------

template<typename Scalar>
class CrChannel final : public DisplayChannel<Scalar>
{
public:
    using Plane = typename DisplayChannel<Scalar>::Plane;

    CrChannel(const CrModel &model, Index maxRank, Index outRows, Index outCols)
        : m_product(model.product()), m_sampled(model.rule() != CrRule::Top)
    {
        const Index r = maxRank;
        this->m_maxRank = r;
        const IndexList &draws = model.draws();
        // Distinct terms among the first r draws, each averaged once.
        std::unordered_map<Index, Index> column;
        IndexList distinct;
        m_term.resize(std::size_t(r));
        m_index.resize(std::size_t(r));
        m_scale.resize(std::size_t(r));
        for (Index t = 0; t < r; ++t) {
            const Index i = draws[std::size_t(t)];
            auto [it, inserted] = column.emplace(i, Index(distinct.size()));
            if (inserted)
                distinct.push_back(i);
            m_term[std::size_t(t)] = it->second;
            m_index[std::size_t(t)] = i;
            m_scale[std::size_t(t)] = m_sampled ? Scalar(1.0 / model.probabilities()[i]) : Scalar(1);
        }
        const Index d = Index(distinct.size());
        const Matrix &x = model.productLeft();
        const Index n = model.rows(), m = model.cols();
        switch (m_product) {
        case CrProduct::MatrixIdentity: {
            // x_i = M[:, i] averaged down its rows; y_i = e_i, whose W'·e_i is sparse.
            Matrix cols(n, d);
            for (Index c = 0; c < d; ++c)
                cols.col(c) = x.col(distinct[std::size_t(c)]);
            m_left = averageRows(cols, outRows).cast<Scalar>();
            m_sparse = std::make_unique<Averaging>(m, outCols);
            break;
        }
        case CrProduct::IdentityMatrix: {
            // x_i = e_i (W·e_i sparse); y_i = M[i, :]ᵀ averaged along the row.
            Matrix rows(d, m);
            for (Index c = 0; c < d; ++c)
                rows.row(c) = x.row(distinct[std::size_t(c)]);
            m_right = averageColumns(rows, outCols).transpose().cast<Scalar>();
            m_sparse = std::make_unique<Averaging>(n, outRows);
            break;
        }
        case CrProduct::SvdFactors:
        case CrProduct::Given: {
            // x_i = X[:, i] (·σ_i for SVD factors), y_i = Y[i, :]ᵀ.
            const Matrix &y = model.productRight();
            const bool svd = m_product == CrProduct::SvdFactors;
            Matrix a(n, d), b(m, d);
            for (Index c = 0; c < d; ++c) {
                const Index i = distinct[std::size_t(c)];
                a.col(c) = x.col(i);
                if (svd)
                    a.col(c) *= model.productSigma()[i];
                b.col(c) = y.row(i).transpose();
            }
            m_left = averageRows(a, outRows).cast<Scalar>();
            m_right = averageRows(b, outCols).cast<Scalar>();
            break;
        }
        }
        if (m_sampled)
            m_sum.resize(std::min(outRows, n), std::min(outCols, m));
    }

protected:
    void rebuild(Plane &plane, Index to) override
    {
        Plane &acc = m_sampled ? m_sum : plane;
        acc.setZero();
        if (to > 0)
            add(acc, 0, to, 1);
    }
    void update(Plane &plane, Index from, Index to, int sign) override
    {
        add(m_sampled ? m_sum : plane, from, to, sign);
    }
    void finish(Plane &plane, Index rank) override
    {
        // λ_i = count_i/(r·p_i): the unscaled sum Σ_t x̄ȳᵀ/p, times 1/r.
        if (!m_sampled)
            return;
        if (rank == 0)
            plane.setZero();
        else
            plane.noalias() = m_sum * Scalar(1.0 / double(rank));
    }

private:
    /// acc ± Σ_{from ≤ t < to} d_t·x̄_{s_t}·ȳ_{s_t}ᵀ.
    void add(Plane &acc, Index from, Index to, int sign)
    {
        const Index count = to - from;
        switch (m_product) {
        case CrProduct::MatrixIdentity: // column s_t of M lands in the 1–2 output columns over s_t
            for (Index t = from; t < to; ++t) {
                const Index i = m_index[std::size_t(t)];
                const auto xbar = m_left.col(m_term[std::size_t(t)]);
                for (Index q = m_sparse->back[std::size_t(i)]; q < m_sparse->back[std::size_t(i) + 1]; ++q)
                    acc.col(m_sparse->outOf[std::size_t(q)]) +=
                        Scalar(double(sign) * m_sparse->backWeight[std::size_t(q)])
                        * m_scale[std::size_t(t)] * xbar;
            }
            break;
        case CrProduct::IdentityMatrix: // row s_t of M lands in the 1–2 output rows over s_t
            for (Index t = from; t < to; ++t) {
                const Index i = m_index[std::size_t(t)];
                const auto ybar = m_right.col(m_term[std::size_t(t)]).transpose();
                for (Index q = m_sparse->back[std::size_t(i)]; q < m_sparse->back[std::size_t(i) + 1]; ++q)
                    acc.row(m_sparse->outOf[std::size_t(q)]) +=
                        Scalar(double(sign) * m_sparse->backWeight[std::size_t(q)])
                        * m_scale[std::size_t(t)] * ybar;
            }
            break;
        case CrProduct::SvdFactors:
        case CrProduct::Given: {
            // Gather the scaled terms, then one GEMM: Dᵀ += ȳ·(d·x̄)ᵀ, o_c×o_r×count.
            m_gatherLeft.resize(m_left.rows(), count);
            m_gatherRight.resize(m_right.rows(), count);
            for (Index t = from; t < to; ++t) {
                const Index c = m_term[std::size_t(t)];
                m_gatherLeft.col(t - from) = Scalar(sign) * m_scale[std::size_t(t)] * m_left.col(c);
                m_gatherRight.col(t - from) = m_right.col(c);
            }
            gemmNT(acc.cols(), acc.rows(), count, Scalar(1), m_gatherRight.data(), acc.cols(),
                   m_gatherLeft.data(), acc.rows(), Scalar(1), acc.data(), acc.cols());
            break;
        }
        }
    }
    CrProduct m_product;
    bool m_sampled;
    std::vector<Index> m_term;    ///< draw t → column of m_left / m_right
    std::vector<Index> m_index;   ///< draw t → term id s_t
    std::vector<Scalar> m_scale;  ///< d_t = 1/p_{s_t} (sampled) or 1 (Top)
    using Factor = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
    Factor m_left, m_right;       ///< averaged x̄ (o_r×d) and ȳ (o_c×d), when dense
    std::unique_ptr<Averaging> m_sparse; ///< W' (M·I) or W (I·M)
    Plane m_sum;                  ///< sampled rules: Σ_{t<r} d_t x̄ȳᵀ before the 1/r
    Factor m_gatherLeft, m_gatherRight;
};

// --- Monarch ------------------------------------------------------------------------------------

template<typename Scalar>
class MonarchChannel final : public DisplayChannel<Scalar>
{
public:
    using Plane = typename DisplayChannel<Scalar>::Plane;
    using Factor = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;

    MonarchChannel(const MonarchModel &model, Index maxRank, Index outRows, Index outCols)
        : m_blocks(model.blocks()), m_lo(model.outBlockSize()), m_rho(maxRank),
          m_rowAveraging(model.rows(), outRows)
    {
        this->m_maxRank = maxRank;
        const Index b = m_blocks, in = model.inBlockSize();
        const Index o_c = std::min(outCols, model.cols());
        m_validRows.resize(std::size_t(b));
        for (Index j = 0; j < b; ++j)
            m_validRows[std::size_t(j)] = Index(model.sliceRows(j).size());
        m_ht.resize(o_c, m_lo * b);
        // Row averaging reads H in slice order: original row l·b + j is column j·Lo + l of Hᵀ.
        m_gather.resize(m_rowAveraging.weight.size());
        for (Index i = 0; i < m_rowAveraging.outputs; ++i)
            for (Index q = 0; q < m_rowAveraging.count(i); ++q) {
                const Index row = m_rowAveraging.first[std::size_t(i)] + q;
                m_gather[std::size_t(m_rowAveraging.offset[std::size_t(i)] + q)] =
                    (row % b) * m_lo + row / b;
            }
        m_rowWeight.resize(m_rowAveraging.weight.size());
        for (std::size_t q = 0; q < m_rowWeight.size(); ++q)
            m_rowWeight[q] = Scalar(m_rowAveraging.weight[q]);
        if (m_rho == 0)
            return;

        // L_j (Lo×(K·ρ)), column k·ρ + t = √σ_t·u_t of slice (k, j): as leftBlocks() gives it.
        const std::vector<Matrix> left = model.leftBlocks(m_rho);
        m_left.reserve(left.size());
        for (const Matrix &l : left)
            m_left.push_back(l.cast<Scalar>());

        // R̄_k: W'·Q_k·(√σ_t·v_t of slice (k, j)) restricted to the output columns [c0, c1) that
        // overlap block k; column j·ρ + t.
        const Averaging colAveraging(model.cols(), outCols);
        const std::vector<Matrix> right = model.rightBlocks(m_rho); // (ρ·J)×I, row t·J + j
        m_c0.assign(std::size_t(b), 0);
        m_c1.assign(std::size_t(b), 0);
        m_right.resize(std::size_t(b));
        for (Index k = 0; k < b; ++k) {
            const Index valid = Index(model.sliceCols(k).size());
            if (valid == 0)
                continue; // block k lies in the padding: its factors are zero
            const Index firstCol = k * in, lastCol = k * in + valid - 1;
            const Index c0 = colAveraging.outOf[std::size_t(colAveraging.back[std::size_t(firstCol)])];
            const Index c1 = colAveraging.outOf[std::size_t(colAveraging.back[std::size_t(lastCol) + 1] - 1)] + 1;
            m_c0[std::size_t(k)] = c0;
            m_c1[std::size_t(k)] = c1;
            const Matrix &r1 = right[std::size_t(k)];
            Matrix bar = Matrix::Zero(c1 - c0, b * m_rho);
            for (Index c = c0; c < c1; ++c) {
                const Index f = colAveraging.first[std::size_t(c)];
                for (Index q = 0; q < colAveraging.count(c); ++q) {
                    const Index col = f + q; // original column
                    if (col < firstCol || col > lastCol)
                        continue;
                    const double w = colAveraging.weight[std::size_t(colAveraging.offset[std::size_t(c)] + q)];
                    for (Index j = 0; j < b; ++j)
                        for (Index t = 0; t < m_rho; ++t)
                            bar(c - c0, j * m_rho + t) += w * r1(t * b + j, col - firstCol);
                }
            }
            m_right[std::size_t(k)] = bar.cast<Scalar>();
        }
    }

protected:
    void rebuild(Plane &plane, Index to) override
    {
        (void)plane;
        m_ht.setZero();
        if (to > 0)
            add(0, to, 1);
    }
    void update(Plane &plane, Index from, Index to, int sign) override
    {
        (void)plane;
        add(from, to, sign);
    }
    void finish(Plane &plane, Index rank) override
    {
        (void)rank;
        // D = W·H: output row i is the weighted sum of its original rows (columns of Hᵀ,
        // gathered from slice order), each a contiguous o_c-vector.
        for (Index i = 0; i < plane.rows(); ++i) {
            const Index begin = m_rowAveraging.offset[std::size_t(i)];
            const Index end = m_rowAveraging.offset[std::size_t(i) + 1];
            auto out = plane.row(i);
            out = m_rowWeight[std::size_t(begin)] * m_ht.col(m_gather[std::size_t(begin)]).transpose();
            for (Index q = begin + 1; q < end; ++q)
                out += m_rowWeight[std::size_t(q)] * m_ht.col(m_gather[std::size_t(q)]).transpose();
        }
    }

private:
    /// Hᵀ ± Σ_{k,j} R̄_k[:, j·ρ + (from..to)]·L_j[:, k·ρ + (from..to)]ᵀ on the output columns over
    /// block k (rows of Hᵀ) and the rows of group j (columns of Hᵀ).
    void add(Index from, Index to, int sign)
    {
        const Index b = m_blocks, count = to - from;
        for (Index k = 0; k < b; ++k) {
            const Index c0 = m_c0[std::size_t(k)], width = m_c1[std::size_t(k)] - c0;
            if (width == 0)
                continue;
            const Factor &bar = m_right[std::size_t(k)];
            for (Index j = 0; j < b; ++j) {
                const Index rows = m_validRows[std::size_t(j)];
                if (rows == 0)
                    continue;
                const Factor &l = m_left[std::size_t(j)];
                gemmNT(width, rows, count, Scalar(sign), bar.data() + (j * m_rho + from) * width,
                       width, l.data() + (k * m_rho + from) * m_lo, m_lo, Scalar(1),
                       m_ht.data() + c0 + j * m_lo * m_ht.rows(), m_ht.rows());
            }
        }
    }

    Index m_blocks, m_lo, m_rho;
    Averaging m_rowAveraging;
    std::vector<Index> m_validRows;
    std::vector<Factor> m_left;   ///< L_j, Lo×(K·ρ)
    std::vector<Factor> m_right;  ///< R̄_k, (c1 − c0)×(J·ρ)
    std::vector<Index> m_c0, m_c1;
    std::vector<Index> m_gather;  ///< column of Hᵀ for each row-averaging weight
    std::vector<Scalar> m_rowWeight;
    Factor m_ht;                  ///< (M̃_ρ·W'ᵀ)ᵀ, o_c × n2, columns in slice order (j·Lo + l)
};

// --- CUR: the optimal middle as a nested sum, the cross middle rebuilt per rank ------------------
//
// Optimal: M̃_r = Q_C[:, :r]·B[:r, :l]·Q_R[:, :l]ᵀ. With l = r, rank step t adds two terms that do
// not depend on r, Q_C[:, t]·(Q_R[:, :t+1]·B[t, :t+1]ᵀ)ᵀ and (Q_C[:, :t]·B[:t, t])·Q_R[:, t]ᵀ,
// so D_r is a nested sum of 2r averaged terms; with a fixed row count L, the one term
// Q_C[:, t]·(Q_R[:, :L]·B[t, :L]ᵀ)ᵀ. Cross: U = W⁺ changes with r, so every move rebuilds
// D_r = (W·C[:, :r])·U·(W'·R[:l, :]ᵀ)ᵀ from the averaged C and R, O(o_r·r·l + o_r·o_c·l).

template<typename Scalar>
class CurChannel final : public DisplayChannel<Scalar>
{
public:
    using Plane = typename DisplayChannel<Scalar>::Plane;
    using Factor = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;

    CurChannel(const CurModel &model, Index maxRank, Index outRows, Index outCols)
        : m_cross(model.middle() == CurMiddle::Cross)
    {
        const Index r = maxRank;
        this->m_maxRank = r;
        for (Index k = 0; k <= r; ++k)
            m_rowCount.push_back(model.rowCount(k));
        if (m_cross) {
            m_left = averageRows(model.columnFactor(r), outRows).cast<Scalar>();
            m_right = averageRows(model.rowFactor(r).transpose(), outCols).cast<Scalar>();
            m_intersection = model.intersection(r);
            for (Index k = 0; k <= r; ++k)
                m_tolerance.push_back(model.crossTolerance(k));
            return;
        }
        const Index l = m_rowCount.back();
        const Matrix qc = averageRows(model.columnBasis().leftCols(r), outRows);
        const Matrix qr = averageRows(model.rowBasis().leftCols(l), outCols);
        const Matrix &b = model.projectedCore();
        m_steps = model.fixedRowCount() > 0 ? 1 : 2; // a fixed L, or l(r) = r
        Matrix left(qc.rows(), m_steps * r), right(qr.rows(), m_steps * r);
        if (m_steps == 1) {
            left = qc;
            right = qr * b.topLeftCorner(r, l).transpose();
        } else {
            // Columns 2t: Q_C[:, t] and Q_R·(B[t, :t+1])ᵀ; columns 2t+1: Q_C·B[:t, t] and Q_R[:, t].
            // even[:, t] = Q_R·(Bᵀ)[:t+1, t] (upper triangle of Bᵀ), odd[:, t] = Q_C·B[:t, t].
            const Matrix upperT = b.topLeftCorner(r, r).transpose().template triangularView<Eigen::Upper>();
            const Matrix strictUpper = b.topLeftCorner(r, r).template triangularView<Eigen::StrictlyUpper>();
            const Matrix even = qr * upperT, odd = qc * strictUpper;
            for (Index t = 0; t < r; ++t) {
                left.col(2 * t) = qc.col(t);
                right.col(2 * t) = even.col(t);
                left.col(2 * t + 1) = odd.col(t);
                right.col(2 * t + 1) = qr.col(t);
            }
        }
        m_left = left.cast<Scalar>();
        m_right = right.cast<Scalar>();
    }

protected:
    void rebuild(Plane &plane, Index to) override
    {
        plane.setZero();
        if (to == 0)
            return;
        if (m_cross) {
            const Index l = m_rowCount[std::size_t(to)];
            const Matrix u = pseudoInverse(m_intersection.topLeftCorner(l, to), m_tolerance[std::size_t(to)]);
            const Factor x = m_left.leftCols(to) * u.cast<Scalar>(); // o_r×l
            gemmNT(plane.cols(), plane.rows(), l, Scalar(1), m_right.data(), m_right.rows(), x.data(), x.rows(),
                   Scalar(0), plane.data(), plane.cols());
            return;
        }
        update(plane, 0, to, 1);
    }
    void update(Plane &plane, Index from, Index to, int sign) override
    {
        if (m_cross) { // not nested: the target is `to` going up, `from` going down
            rebuild(plane, sign > 0 ? to : from);
            return;
        }
        const Index begin = m_steps * from, count = m_steps * (to - from);
        gemmNT(plane.cols(), plane.rows(), count, Scalar(sign), m_right.data() + begin * m_right.rows(),
               m_right.rows(), m_left.data() + begin * m_left.rows(), m_left.rows(), Scalar(1), plane.data(),
               plane.cols());
    }

private:
    bool m_cross;
    Index m_steps = 1;               ///< averaged terms per rank step (optimal middle)
    std::vector<Index> m_rowCount;   ///< l(r)
    Factor m_left, m_right;          ///< optimal: the terms; cross: W·C (o_r×r), W'·Rᵀ (o_c×l)
    Matrix m_intersection;           ///< cross: M[S₂, S₁] at the largest rank
    std::vector<double> m_tolerance; ///< cross: τ per rank
};

template<typename Scalar>
std::unique_ptr<DisplayChannel<Scalar>> makeChannel(const ChannelModel &model, Method method,
                                                    Index outRows, Index outCols, Index maxRank)
{
    if (!model.canReconstruct())
        throw std::invalid_argument("DisplayRebuilder: a " + methodName(method)
                                    + " model was computed for its error curve only");
    const Index r = maxRank > 0 ? std::min(maxRank, model.maxRank()) : model.maxRank();
    switch (method) {
    case Method::Svd: {
        const auto &svd = modelAs<SvdModel>(model, method);
        const Matrix us = svd.u().leftCols(r) * svd.singularValues().head(r).asDiagonal();
        return std::make_unique<LowRankChannel<Scalar>>(averageRows(us, outRows),
                                                        averageRows(svd.v().leftCols(r), outCols));
    }
    case Method::Rsvd: {
        const auto &rsvd = modelAs<RsvdModel>(model, method);
        const Matrix us = rsvd.u().leftCols(r) * rsvd.singularValues().head(r).asDiagonal();
        return std::make_unique<LowRankChannel<Scalar>>(averageRows(us, outRows),
                                                        averageRows(rsvd.v().leftCols(r), outCols));
    }
    case Method::Id: {
        const auto &id = modelAs<IdModel>(model, method);
        const Matrix q = id.qFactor().leftCols(r);
        const Matrix rt = id.rFactorRows().topRows(r).transpose();
        if (id.isRowId()) // M̃_r = (RΠᵀ)[:r, :]ᵀ·Q[:, :r]ᵀ
            return std::make_unique<LowRankChannel<Scalar>>(averageRows(rt, outRows),
                                                            averageRows(q, outCols));
        return std::make_unique<LowRankChannel<Scalar>>(averageRows(q, outRows),
                                                        averageRows(rt, outCols));
    }
    case Method::Cr: {
        const auto &cr = modelAs<CrModel>(model, method);
        return std::make_unique<CrChannel<Scalar>>(cr, r, outRows, outCols);
    }
    case Method::Monarch:
        return std::make_unique<MonarchChannel<Scalar>>(modelAs<MonarchModel>(model, method), r,
                                                        outRows, outCols);
    case Method::Cur:
        return std::make_unique<CurChannel<Scalar>>(modelAs<CurModel>(model, method), r, outRows, outCols);
    }
    throw std::invalid_argument("DisplayRebuilder: unknown method");
}

} // namespace

template<typename Scalar>
BasicDisplayRebuilder<Scalar>::BasicDisplayRebuilder(
    std::vector<std::shared_ptr<const ChannelModel>> channels, Method method, Index outRows,
    Index outCols, Index maxRank)
{
    if (channels.empty())
        throw std::invalid_argument("DisplayRebuilder: no channel");
    if (outRows < 1 || outCols < 1)
        throw std::invalid_argument("DisplayRebuilder: display size " + str(outRows) + "x"
                                    + str(outCols) + " must be at least 1x1");
    if (maxRank < 0)
        throw std::invalid_argument("DisplayRebuilder: maxRank " + str(maxRank) + " is negative");
    for (const auto &model : channels)
        if (!model)
            throw std::invalid_argument("DisplayRebuilder: a channel model is null");
    const Index n = channels[0]->rows(), m = channels[0]->cols();
    for (const auto &model : channels)
        if (model->rows() != n || model->cols() != m)
            throw std::invalid_argument("DisplayRebuilder: channels of different sizes ("
                                        + str(n) + "x" + str(m) + " and " + str(model->rows())
                                        + "x" + str(model->cols()) + ")");
    m_rows = std::min(outRows, n);
    m_cols = std::min(outCols, m);
    for (const auto &model : channels) {
        m_channels.push_back(makeChannel<Scalar>(*model, method, outRows, outCols, maxRank));
        m_planes.emplace_back(m_rows, m_cols);
        m_ranks.push_back(-1);
    }
}

template<typename Scalar>
BasicDisplayRebuilder<Scalar>::~BasicDisplayRebuilder() = default;
template<typename Scalar>
BasicDisplayRebuilder<Scalar>::BasicDisplayRebuilder(BasicDisplayRebuilder &&) noexcept = default;
template<typename Scalar>
BasicDisplayRebuilder<Scalar> &
BasicDisplayRebuilder<Scalar>::operator=(BasicDisplayRebuilder &&) noexcept = default;

template<typename Scalar>
Index BasicDisplayRebuilder<Scalar>::maxRank(Index channel) const
{
    if (channel < 0 || channel >= channelCount())
        throw std::invalid_argument("DisplayRebuilder::maxRank: channel " + str(channel)
                                    + " outside [0, " + str(channelCount()) + ")");
    return m_channels[std::size_t(channel)]->maxRank();
}

template<typename Scalar>
Index BasicDisplayRebuilder<Scalar>::maxRank() const
{
    Index r = m_channels.front()->maxRank();
    for (const auto &c : m_channels)
        r = std::min(r, c->maxRank());
    return r;
}

template<typename Scalar>
auto BasicDisplayRebuilder<Scalar>::at(Index rank) -> const std::vector<Plane> &
{
    if (rank < 0)
        throw std::invalid_argument("DisplayRebuilder::at: rank " + str(rank) + " is negative");
    for (std::size_t c = 0; c < m_channels.size(); ++c) {
        const Index r = std::min(rank, m_channels[c]->maxRank());
        m_channels[c]->moveTo(m_planes[c], r);
        m_ranks[c] = r;
    }
    return m_planes;
}

template<typename Scalar>
auto BasicDisplayRebuilder<Scalar>::atRanks(const std::vector<Index> &perChannelRanks)
    -> const std::vector<Plane> &
{
    if (perChannelRanks.size() != m_channels.size())
        throw std::invalid_argument("DisplayRebuilder::atRanks: " + str(Index(perChannelRanks.size()))
                                    + " ranks for " + str(channelCount()) + " channels");
    for (Index rank : perChannelRanks)
        if (rank < 0)
            throw std::invalid_argument("DisplayRebuilder::atRanks: rank " + str(rank)
                                        + " is negative");
    for (std::size_t c = 0; c < m_channels.size(); ++c) {
        const Index r = std::min(perChannelRanks[c], m_channels[c]->maxRank());
        m_channels[c]->moveTo(m_planes[c], r);
        m_ranks[c] = r;
    }
    return m_planes;
}

template class BasicDisplayRebuilder<double>;
template class BasicDisplayRebuilder<float>;

// --- pixels -------------------------------------------------------------------------------------

namespace {

/// One row of pixels as 0xFFRRGGBB words: channel space → RGB, then
/// round(255·clamp(v, 0, 1)) written as trunc(clamp(255·v + ½, ½, 255.5)), the same value for
/// every v in [0, 1], branch-free so that the compiler vectorises it (min/max and a truncating
/// conversion per lane; ~10× faster than a clamp with branches on values that straddle 0 or 1).
template<typename Scalar, bool Ycc, bool Grey>
void packRow(const Scalar *p0, const Scalar *p1, const Scalar *p2, Index w,
             const Eigen::Matrix<Scalar, 3, 3> &inv, std::uint32_t *out)
{
    const Scalar half(0.5), top(255.5), scale(255);
    const auto level = [&](Scalar v) {
        v = v * scale + half;
        v = v < half ? half : v;
        v = v > top ? top : v;
        return std::uint32_t(std::int32_t(v));
    };
    for (Index x = 0; x < w; ++x) {
        Scalar r = p0[x], g = Grey ? r : p1[x], b = Grey ? r : p2[x];
        if (Ycc) { // channelsToDisplay(): inv·(Y, Cb, Cr), same order of operations
            const Scalar luma = r, cb = g, cr = b;
            r = inv(0, 0) * luma + inv(0, 1) * cb + inv(0, 2) * cr;
            g = inv(1, 0) * luma + inv(1, 1) * cb + inv(1, 2) * cr;
            b = inv(2, 0) * luma + inv(2, 1) * cb + inv(2, 2) * cr;
        }
        out[x] = 0xFF000000u | (level(r) << 16) | (level(g) << 8) | level(b);
    }
}

template<typename Scalar, bool Ycc, bool Grey>
void convert(const std::vector<DisplayPlane<Scalar>> &ch, PixelFormat format, std::uint8_t *bits,
             Index bytesPerLine)
{
    const Index h = ch[0].rows(), w = ch[0].cols();
    // The exact inverse of JPEG's forward matrix, as channelsToDisplay() uses.
    Eigen::Matrix3d forward;
    forward << 0.299, 0.587, 0.114, -0.168736, -0.331264, 0.5, 0.5, -0.418688, -0.081312;
    const Eigen::Matrix<Scalar, 3, 3> inv = forward.inverse().cast<Scalar>();
    std::vector<std::uint32_t> buffer(static_cast<std::size_t>(w));
    for (Index y = 0; y < h; ++y) {
        const Scalar *p0 = ch[0].row(y).data();
        const Scalar *p1 = Grey ? p0 : ch[1].row(y).data();
        const Scalar *p2 = Grey ? p0 : ch[2].row(y).data();
        std::uint8_t *line = bits + y * bytesPerLine;
        if (format == PixelFormat::Rgb32) {
            if (reinterpret_cast<std::uintptr_t>(line) % alignof(std::uint32_t) == 0) {
                packRow<Scalar, Ycc, Grey>(p0, p1, p2, w, inv, reinterpret_cast<std::uint32_t *>(line));
            } else { // unaligned lines: pack, then copy the bytes
                packRow<Scalar, Ycc, Grey>(p0, p1, p2, w, inv, buffer.data());
                std::memcpy(line, buffer.data(), std::size_t(w) * 4);
            }
        } else {
            packRow<Scalar, Ycc, Grey>(p0, p1, p2, w, inv, buffer.data());
            for (Index x = 0; x < w; ++x) {
                const std::uint32_t word = buffer[std::size_t(x)];
                line[3 * x] = std::uint8_t(word >> 16);
                line[3 * x + 1] = std::uint8_t(word >> 8);
                line[3 * x + 2] = std::uint8_t(word);
            }
        }
    }
}

} // namespace

template<typename Scalar>
void writePixels(const std::vector<DisplayPlane<Scalar>> &channels, ColorMode mode,
                 PixelFormat format, std::uint8_t *bits, Index bytesPerLine)
{
    if (channels.size() != 1 && channels.size() != 3)
        throw std::invalid_argument("writePixels: " + str(Index(channels.size()))
                                    + " channels (1 or 3 expected)");
    for (const auto &c : channels)
        if (c.rows() != channels[0].rows() || c.cols() != channels[0].cols())
            throw std::invalid_argument("writePixels: channels of different sizes");
    if (channels.size() == 1)
        convert<Scalar, false, true>(channels, format, bits, bytesPerLine);
    else if (mode == ColorMode::YCbCr)
        convert<Scalar, true, false>(channels, format, bits, bytesPerLine);
    else
        convert<Scalar, false, false>(channels, format, bits, bytesPerLine);
}

template void writePixels<double>(const std::vector<DisplayPlane<double>> &, ColorMode,
                                  PixelFormat, std::uint8_t *, Index);
template void writePixels<float>(const std::vector<DisplayPlane<float>> &, ColorMode, PixelFormat,
                                 std::uint8_t *, Index);

} // namespace factorscope::core
