// SPDX-License-Identifier: MIT
#include "partialqr.h"

#include "lapack.h"

#include <algorithm>
#include <stdexcept>

namespace factorscope::core {

TruncatedPivotedQr::TruncatedPivotedQr(Matrix a) : m_a(std::move(a))
{
    const Index n = m_a.rows(), m = m_a.cols(), minmn = std::min(n, m);
    m_jpvt.resize(std::size_t(m));
    for (Index j = 0; j < m; ++j)
        m_jpvt[std::size_t(j)] = int(j + 1);
    m_tau = Vector::Zero(std::max<Index>(minmn, 1));
    if (minmn == 0)
        return;
    // dgeqp3: NB and NX from ILAENV; blocked while NB < min(n, m) and NX < min(n, m).
    lapack::geqp3Blocking(n, m, m_nb, m_nx);
    m_blocked = m_nb >= 2 && m_nb < minmn && m_nx < minmn;
    // WORK(1:m) partial norms, WORK(m+1:2m) exact norms, then AUXV (NB) and F (m×NB).
    m_work.assign(std::size_t(2 * m + (m + 1) * std::max<Index>(m_nb, 1)), 0.0);
    for (Index j = 0; j < m; ++j) {
        m_work[std::size_t(j)] = lapack::nrm2(n, m_a.col(j).data());
        m_work[std::size_t(m + j)] = m_work[std::size_t(j)];
    }
}

void TruncatedPivotedQr::advance(Index steps, Progress *progress)
{
    const Index n = m_a.rows(), m = m_a.cols(), minmn = std::min(n, m);
    steps = std::clamp<Index>(steps, 0, minmn);
    const Index start = m_done;
    auto report = [&] {
        checkpoint(progress, steps > start ? double(m_done - start) / double(steps - start) : 1.0);
    };
    if (m_blocked) {
        const Index top = minmn - m_nx; // dgeqp3's TOPBMN: blocks up to here, DLAQP2 after
        while (m_done < std::min(steps, top)) {
            report();
            const Index j = m_done; // 0-based first column of this block
            const Index jb = std::min({m_nb, top - j, steps - j});
            double *work = m_work.data();
            const Index kb = lapack::laqps(n, m - j, j, jb, m_a.col(j).data(), n, m_jpvt.data() + j,
                                           m_tau.data() + j, work + j, work + m + j, work + 2 * m,
                                           work + 2 * m + jb, m - j);
            if (kb <= 0)
                throw std::runtime_error("TruncatedPivotedQr: DLAQPS made no progress");
            m_done += kb;
        }
    }
    if (m_done < steps) {
        // The last NX columns (or a small matrix): one unblocked sweep to the end, as dgeqp3.
        report();
        const Index j = m_done;
        double *work = m_work.data();
        std::vector<double> scratch(static_cast<std::size_t>(m));
        lapack::laqp2(n, m - j, j, m_a.col(j).data(), n, m_jpvt.data() + j, m_tau.data() + j, work + j,
                      work + m + j, scratch.data());
        m_done = minmn;
    }
    checkpoint(progress, 1.0);
}

IndexList TruncatedPivotedQr::pivots() const
{
    IndexList p(m_jpvt.size());
    for (std::size_t j = 0; j < p.size(); ++j)
        p[j] = Index(m_jpvt[j]) - 1;
    return p;
}

double TruncatedPivotedQr::trailingSquaredNorm() const
{
    const Index k = m_done;
    return m_a.bottomRightCorner(m_a.rows() - k, m_a.cols() - k).squaredNorm();
}

} // namespace factorscope::core
