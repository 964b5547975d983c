// SPDX-License-Identifier: MIT
#include "monarch.h"

#include "lapack.h"

#include <Eigen/SVD>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

namespace factorscope::core {

namespace {

using StridedMap = Eigen::Map<const Matrix, 0, Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>>;
using ColumnStrideMap = Eigen::Map<const Matrix, 0, Eigen::OuterStride<>>;

std::string str(Index v) { return std::to_string(static_cast<long long>(v)); }

/// Below this many flops (b²·Lo·I·min(Lo, I)) starting threads costs more than it saves.
constexpr double kThreadedFlops = 4.0e6;

/// Holds OpenBLAS at one thread while any projection runs its own worker threads, and restores
/// the previous count when the last one finishes (reference-counted, so concurrent projections
/// neither fight nor restore a wrong value). Measured on 2048×2048, 2 cores: b = 2…32 with two
/// of our threads and OpenBLAS at 1 is 1.7–2.5× faster than one thread with OpenBLAS threading;
/// two of our threads with OpenBLAS also threading is 2–3× slower from 128×128 slices on.
/// Other OpenBLAS users in the process run single-threaded meanwhile (speed, not results).
class OpenBlasSingleThread
{
public:
    OpenBlasSingleThread()
    {
        std::lock_guard<std::mutex> lock(s_mutex);
        if (s_users++ == 0) {
            s_saved = lapack::blasThreads();
            if (s_saved > 1)
                lapack::setBlasThreads(1);
        }
    }
    ~OpenBlasSingleThread()
    {
        std::lock_guard<std::mutex> lock(s_mutex);
        if (--s_users == 0 && s_saved > 1)
            lapack::setBlasThreads(s_saved);
    }
    OpenBlasSingleThread(const OpenBlasSingleThread &) = delete;
    OpenBlasSingleThread &operator=(const OpenBlasSingleThread &) = delete;

private:
    static inline std::mutex s_mutex;
    static inline int s_users = 0;
    static inline int s_saved = 1;
};

/// SVDs of the cropped slices of one worker: one reusable dgesdd workspace per slice shape
/// (few: valid rows ∈ {Lo, Lo−1}, valid columns ∈ {I, one partial block}).
class SliceSolver
{
public:
    explicit SliceSolver(bool vectors) : m_vectors(vectors) {}

    /// SVD of the nr×nc column-major matrix at buffer.data() (leading dimension nr). Falls back
    /// on Eigen's JacobiSVD in the (rare) case dgesdd does not converge. Results in s(), u()
    /// (nr×k) and vt() (k×nc).
    void compute(Index nr, Index nc)
    {
        lapack::SmallSvd *svd = nullptr;
        for (auto &entry : m_solvers)
            if (entry.rows == nr && entry.cols == nc)
                svd = entry.svd.get();
        if (!svd) {
            m_solvers.push_back({nr, nc, std::make_unique<lapack::SmallSvd>(nr, nc, m_vectors)});
            svd = m_solvers.back().svd.get();
        }
        if (svd->compute(buffer.data(), nr)) {
            m_s = &svd->s();
            if (m_vectors) {
                m_u = &svd->u();
                m_vtMatrix = &svd->vt();
            }
            return;
        }
        const unsigned flags = m_vectors ? (Eigen::ComputeThinU | Eigen::ComputeThinV) : 0u;
        const Eigen::Map<const Matrix> slice(buffer.data(), nr, nc);
        Eigen::JacobiSVD<Matrix> jacobi(slice, flags);
        m_fallbackS = jacobi.singularValues();
        m_s = &m_fallbackS;
        if (m_vectors) {
            m_fallbackU = jacobi.matrixU();
            m_fallbackVt = jacobi.matrixV().transpose();
            m_u = &m_fallbackU;
            m_vtMatrix = &m_fallbackVt;
        }
    }
    const Vector &s() const { return *m_s; }
    const Matrix &u() const { return *m_u; }
    const Matrix &vt() const { return *m_vtMatrix; }

    /// Gather buffer (Lo·I doubles), holding the cropped slice column-major, leading dimension nr.
    std::vector<double> buffer;

private:
    struct Entry
    {
        Index rows, cols;
        std::unique_ptr<lapack::SmallSvd> svd;
    };
    bool m_vectors;
    std::vector<Entry> m_solvers;
    const Vector *m_s = nullptr;
    const Matrix *m_u = nullptr;
    const Matrix *m_vtMatrix = nullptr;
    Vector m_fallbackS;
    Matrix m_fallbackU, m_fallbackVt;
};

} // namespace

// ---------------------------------------------------------------------------------------------
// Rank helpers and slice geometry

Index MonarchModel::maxRank() const { return m_hasFactors ? m_factorRank : m_sliceRank; }

Index MonarchModel::clampRank(Index rank, const char *what) const
{
    if (rank < 0)
        throw std::invalid_argument(std::string("MonarchModel::") + what + ": negative rank "
                                    + str(rank));
    return std::min(rank, m_sliceRank);
}

Index MonarchModel::factorRank(Index rank, const char *what) const
{
    if (!m_hasFactors)
        throw std::logic_error(std::string("MonarchModel::") + what
                               + ": model computed without factors (reconstruction = false)");
    const Index r = clampRank(rank, what);
    if (r > m_factorRank)
        throw std::invalid_argument(std::string("MonarchModel::") + what + ": rank " + str(rank)
                                    + " exceeds the factor rank kept, " + str(m_factorRank));
    return r;
}

Index MonarchModel::validRows(Index j) const
{
    // rows l·J + j < n  ⇔  l < ceil((n − j) / J)
    if (j >= m_rows)
        return 0;
    return std::min(m_lo, (m_rows - j + m_blocks - 1) / m_blocks);
}

Index MonarchModel::validCols(Index k) const
{
    // columns k·I + i < m
    return std::clamp<Index>(m_cols - k * m_in, 0, m_in);
}

IndexList MonarchModel::sliceRows(Index j) const
{
    if (j < 0 || j >= m_blocks)
        throw std::invalid_argument("MonarchModel::sliceRows: j = " + str(j) + " outside [0, "
                                    + str(m_blocks) + ")");
    IndexList rows(std::size_t(validRows(j)));
    for (std::size_t l = 0; l < rows.size(); ++l)
        rows[l] = Index(l) * m_blocks + j;
    return rows;
}

IndexList MonarchModel::sliceCols(Index k) const
{
    if (k < 0 || k >= m_blocks)
        throw std::invalid_argument("MonarchModel::sliceCols: k = " + str(k) + " outside [0, "
                                    + str(m_blocks) + ")");
    IndexList cols(std::size_t(validCols(k)));
    for (std::size_t i = 0; i < cols.size(); ++i)
        cols[i] = k * m_in + Index(i);
    return cols;
}

const Vector &MonarchModel::sliceSingularValues(Index k, Index j) const
{
    if (k < 0 || k >= m_blocks || j < 0 || j >= m_blocks)
        throw std::invalid_argument("MonarchModel::sliceSingularValues: (k, j) = (" + str(k) + ", "
                                    + str(j) + ") outside [0, " + str(m_blocks) + ")²");
    return m_sigma[std::size_t(k * m_blocks + j)];
}

// ---------------------------------------------------------------------------------------------
// Error curve and maps

double MonarchModel::errFro2(Index rank) const
{
    return m_tail[clampRank(rank, "errFro2")];
}

std::optional<double> MonarchModel::errSpecExact(Index rank) const
{
    if (m_blocks != 1)
        return std::nullopt;
    const Index r = clampRank(rank, "errSpecExact");
    return r < m_sliceRank ? m_sigma[0][r] : 0.0;
}

double MonarchModel::storedParams(Index rank) const
{
    const Index r = clampRank(rank, "storedParams");
    return double(r) * double(m_blocks) * double(m_blocks) * double(m_in + m_lo);
}

Matrix MonarchModel::sliceErrors(Index rank) const
{
    const Index r = clampRank(rank, "sliceErrors");
    Matrix map(m_blocks, m_blocks);
    for (Index k = 0; k < m_blocks; ++k)
        for (Index j = 0; j < m_blocks; ++j) {
            const Vector &s = m_sigma[std::size_t(k * m_blocks + j)];
            double tail = 0.0;
            for (Index t = m_sliceRank - 1; t >= r; --t) // smallest first
                tail += s[t] * s[t];
            map(j, k) = tail;
        }
    return map;
}

// ---------------------------------------------------------------------------------------------
// Factors

std::vector<Matrix> MonarchModel::leftBlocks(Index rank) const
{
    const Index r = factorRank(rank, "leftBlocks");
    const Index K = m_blocks;
    std::vector<Matrix> blocks(static_cast<std::size_t>(m_blocks));
    for (Index j = 0; j < m_blocks; ++j) {
        Matrix &b = blocks[std::size_t(j)];
        b.resize(m_lo, K * r);
        for (Index k = 0; k < K; ++k)
            for (Index t = 0; t < r; ++t)
                b.col(k * r + t) = m_left[std::size_t(j)].col(t * K + k);
    }
    return blocks;
}

std::vector<Matrix> MonarchModel::rightBlocks(Index rank) const
{
    const Index r = factorRank(rank, "rightBlocks");
    std::vector<Matrix> blocks(static_cast<std::size_t>(m_blocks));
    for (Index k = 0; k < m_blocks; ++k)
        blocks[std::size_t(k)] = m_right[std::size_t(k)].leftCols(r * m_blocks).transpose();
    return blocks;
}

std::vector<Index> MonarchModel::permutation(Index rank) const
{
    if (rank < 1)
        throw std::invalid_argument("MonarchModel::permutation: rank " + str(rank) + " < 1");
    const Index J = m_blocks, K = m_blocks;
    std::vector<Index> perm(std::size_t(K * rank * J));
    for (Index j = 0; j < J; ++j)
        for (Index k = 0; k < K; ++k)
            for (Index t = 0; t < rank; ++t)
                perm[std::size_t(j * K * rank + k * rank + t)] = k * rank * J + t * J + j;
    return perm;
}

Vector MonarchModel::apply(Index rank, const Vector &x) const
{
    const Index r = factorRank(rank, "apply");
    if (x.size() != m_cols)
        throw std::invalid_argument("MonarchModel::apply: x has " + str(x.size())
                                    + " entries, expected " + str(m_cols));
    const Index J = m_blocks, K = m_blocks;
    Vector xp = Vector::Zero(paddedCols());
    xp.head(m_cols) = x;
    // 1. BD(R1): y_k = R1[k]·x_k, y_k[t·J + j] (R1[k] = m_right[k]ᵀ restricted to rank r).
    Matrix y(r * J, K);
    for (Index k = 0; k < K; ++k)
        y.col(k).noalias() =
            m_right[std::size_t(k)].leftCols(r * J).transpose() * xp.segment(k * m_in, m_in);
    // 2. P_mid, in the internal rank-major order: z_j[t·K + k] = y_k[t·J + j].
    Matrix z(r * K, J);
    for (Index j = 0; j < J; ++j)
        for (Index t = 0; t < r; ++t)
            for (Index k = 0; k < K; ++k)
                z(t * K + k, j) = y(t * J + j, k);
    // 3. BD(L2): w_j = L2[j]·z_j (Lo).
    Matrix w(m_lo, J);
    for (Index j = 0; j < J; ++j)
        w.col(j).noalias() = m_left[std::size_t(j)].leftCols(r * K) * z.col(j);
    // 4. P_out: out[l·J + j] = w_j[l], i.e. vec(wᵀ); crop to n.
    const Matrix wt = w.transpose();
    return Eigen::Map<const Vector>(wt.data(), paddedRows()).head(m_rows);
}

void MonarchModel::addTerms(Matrix &acc, Index from, Index to, double sign) const
{
    const Index J = m_blocks, K = m_blocks, count = to - from;
    if (count <= 0)
        return;
    Matrix p(m_lo, m_in);
    // k outer, j inner: the column block k of acc stays in cache while its J slices are added.
    for (Index k = 0; k < K; ++k) {
        const Index nc = validCols(k);
        for (Index j = 0; j < J; ++j) {
            const Index nr = validRows(j);
            if (nr == 0 || nc == 0)
                continue;
            // U_kj = columns t·K + k of m_left[j]; V_kj = columns t·J + j of m_right[k].
            const ColumnStrideMap u(m_left[std::size_t(j)].data() + (from * K + k) * m_lo, nr,
                                    count, Eigen::OuterStride<>(K * m_lo));
            const ColumnStrideMap v(m_right[std::size_t(k)].data() + (from * J + j) * m_in, nc,
                                    count, Eigen::OuterStride<>(J * m_in));
            auto block = p.topLeftCorner(nr, nc);
            block.noalias() = u * v.transpose();
            for (Index i = 0; i < nc; ++i) {
                double *col = acc.col(k * m_in + i).data() + j;
                const double *src = block.col(i).data();
                for (Index l = 0; l < nr; ++l)
                    col[l * J] += sign * src[l];
            }
        }
    }
}

Matrix MonarchModel::reconstruct(Index rank) const
{
    const Index r = factorRank(rank, "reconstruct");
    Matrix out = Matrix::Zero(m_rows, m_cols);
    addTerms(out, 0, r, 1.0);
    return out;
}

void MonarchModel::advance(Matrix &acc, Index from, Index to) const
{
    const Index f = factorRank(from, "advance"), t = factorRank(to, "advance");
    if (acc.rows() != m_rows || acc.cols() != m_cols)
        throw std::invalid_argument("MonarchModel::advance: acc is " + str(acc.rows()) + "×"
                                    + str(acc.cols()) + ", expected " + str(m_rows) + "×"
                                    + str(m_cols));
    if (t > f)
        addTerms(acc, f, t, 1.0);
    else
        addTerms(acc, t, f, -1.0);
}

// ---------------------------------------------------------------------------------------------
// The projection

std::unique_ptr<MonarchModel> computeMonarch(const Matrix &a, const MonarchOptions &options,
                                             Progress *progress)
{
    const Index n = a.rows(), m = a.cols(), b = options.blocks;
    if (b < 1 || (a.size() > 0 && b > std::max(n, m)))
        throw std::invalid_argument("computeMonarch: blocks = " + str(b)
                                    + " outside [1, max(n, m) = " + str(std::max(n, m)) + "]");
    if (options.blockRank < 0)
        throw std::invalid_argument("computeMonarch: negative blockRank " + str(options.blockRank));
    if (!a.allFinite())
        throw std::invalid_argument("computeMonarch: the matrix has a NaN or infinite entry");

    std::unique_ptr<MonarchModel> model(new MonarchModel);
    MonarchModel &mm = *model;
    mm.m_rows = n;
    mm.m_cols = m;
    mm.m_blocks = b;
    mm.m_lo = (n + b - 1) / b;
    mm.m_in = (m + b - 1) / b;
    const Index J = b, K = b, lo = mm.m_lo, in = mm.m_in;
    const Index sliceRank = std::min(lo, in);
    mm.m_sliceRank = sliceRank;
    const bool vectors = options.reconstruction;
    const Index kept = vectors ? (options.blockRank == 0 ? sliceRank
                                                         : std::min(options.blockRank, sliceRank))
                               : 0;
    mm.m_hasFactors = vectors;
    mm.m_factorRank = kept;
    mm.m_sigma.assign(std::size_t(b * b), Vector::Zero(sliceRank));
    if (vectors) {
        mm.m_left.assign(std::size_t(J), Matrix::Zero(lo, kept * K));
        mm.m_right.assign(std::size_t(K), Matrix::Zero(in, kept * J));
    }

    checkpoint(progress, 0.0);

    // Work units: chunks of consecutive slices u = k·J + j (k outer, so a chunk reads one column
    // block of A), taken dynamically by the workers. ~32 chunks per thread balance the load and
    // bound the number of checkpoints.
    const Index slices = K * J;
    const double flops = double(slices) * double(lo) * double(in) * double(sliceRank);
    unsigned threads = 1;
    if (flops >= kThreadedFlops)
        threads = std::max(1u, std::thread::hardware_concurrency());
    threads = unsigned(std::min<Index>(Index(threads), slices));
    const Index chunk = std::max<Index>(1, slices / (32 * Index(threads)));
    const Index chunks = (slices + chunk - 1) / chunk;

    std::atomic<Index> nextChunk{0};
    std::atomic<Index> chunksDone{0};
    std::atomic<bool> stop{false};

    auto processSlice = [&](SliceSolver &solver, Index k, Index j) {
        const Index nr = mm.validRows(j), nc = mm.validCols(k);
        if (nr == 0 || nc == 0)
            return; // the slice lies in the padding: σ = 0, factors 0
        // Gather the cropped slice S[l][i] = A[l·J + j][k·I + i], l < nr, i < nc. The padded
        // rows/columns are zero, so they change neither σ nor the (zero) factor entries there.
        const StridedMap slice(a.data() + j + k * in * n, nr, nc,
                               Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>(n, J));
        Eigen::Map<Matrix>(solver.buffer.data(), nr, nc) = slice;
        solver.compute(nr, nc);
        const Vector &s = solver.s();
        const Index kk = s.size();
        mm.m_sigma[std::size_t(k * J + j)].head(kk) = s;
        if (!vectors)
            return;
        // Keep the top `kept` triplets: √σ split, largest-|u_t| entry made positive.
        const Matrix &u = solver.u();
        const Matrix &vt = solver.vt();
        for (Index t = 0; t < std::min(kept, kk); ++t) {
            Index arg = 0;
            u.col(t).cwiseAbs().maxCoeff(&arg);
            const double scale = std::sqrt(s[t]) * (u(arg, t) < 0.0 ? -1.0 : 1.0);
            mm.m_left[std::size_t(j)].col(t * K + k).head(nr) = scale * u.col(t);
            mm.m_right[std::size_t(k)].col(t * J + j).head(nc) = scale * vt.row(t).transpose();
        }
    };
    // Runs chunks until none is left or stop is set; returns false when there was nothing to take.
    auto runChunk = [&](SliceSolver &solver) {
        if (stop.load())
            return false;
        const Index c = nextChunk.fetch_add(1);
        if (c >= chunks)
            return false;
        for (Index u = c * chunk; u < std::min(slices, (c + 1) * chunk); ++u)
            processSlice(solver, u / J, u % J);
        chunksDone.fetch_add(1);
        return true;
    };

    std::exception_ptr workerError;
    std::atomic<bool> workerFailed{false};
    auto workerLoop = [&]() {
        try {
            SliceSolver solver(vectors);
            solver.buffer.resize(std::size_t(lo * in));
            while (runChunk(solver)) {
            }
        } catch (...) {
            bool first = false;
            if (workerFailed.compare_exchange_strong(first, true)) // keep the first error only
                workerError = std::current_exception();
            stop = true;
        }
    };

    {
        // With several of our threads, OpenBLAS must not thread inside each slice's dgesdd as
        // well: from 128×128 slices on that oversubscription measured 2–3× slower.
        std::optional<OpenBlasSingleThread> blasGuard;
        if (threads > 1)
            blasGuard.emplace();
        std::vector<std::thread> pool;
        pool.reserve(threads - 1);
        auto joinAll = [&]() {
            for (auto &th : pool)
                th.join();
            pool.clear();
        };
        try {
            for (unsigned t = 1; t < threads; ++t)
                pool.emplace_back(workerLoop);
            // The calling thread works too, and is the only one that reports progress and
            // honours cancellation.
            SliceSolver solver(vectors);
            solver.buffer.resize(std::size_t(lo * in));
            while (runChunk(solver))
                checkpoint(progress, 0.95 * double(chunksDone.load()) / double(chunks));
        } catch (...) {
            stop = true;
            joinAll();
            throw;
        }
        joinAll();
    }
    if (workerFailed)
        std::rethrow_exception(workerError);

    // Error tails: per slice from the smallest σ up, then summed over slices.
    mm.m_tail = Vector::Zero(sliceRank + 1);
    for (const Vector &s : mm.m_sigma) {
        double tail = 0.0;
        for (Index t = sliceRank - 1; t >= 0; --t) {
            tail += s[t] * s[t];
            mm.m_tail[t] += tail;
        }
    }
    checkpoint(progress, 1.0);
    return model;
}

} // namespace factorscope::core
