#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Independent reference error curves with numpy/scipy (Debian's python3-numpy, python3-scipy).

Used by tests/app/tst_reference.cpp to check `factorscope curve`, and handy by hand:
    /usr/bin/python3 tests/tools/reference.py INPUT.npy METHOD RANKS [--blocks N] [--color gray|rgb|ycbcr]
        [--select qr|leverage|deim|norm] [--middle optimal|cross] [--rows L] [--gamma G] [--tol T]
        [--columns C.npy --row-indices R.npy]
METHOD: svd | id | monarch | cr-top | cr-expected | svd-spec | cur | id-select | cur-given |
select-columns | select-rows. INPUT is a .npy matrix (2-D) or an 8-bit image as a uint8 H×W×3
.npy (scaled by 1/255 and converted like the program does).
Prints "rank,value" lines, value = relative Frobenius error (or spectral for svd-spec); for
select-*, the first K indices of the selector (K = the one rank given) on one line.

CUR and ID with a selector choose their columns (rows: the same on Mᵀ) here independently:
qr = scipy's pivoted QR, leverage = the largest ‖V[j, :γ]‖² (γ defaults to the largest rank, as
`factorscope curve` does), deim = the DEIM greedy on V[:, :k], norm = the largest norms; ties to
the lower index. cur-given takes the indices factorscope chose (for the randomized selectors).
The error is that of the definition: ‖M − C·C⁺·M·R⁺·R‖ (optimal; C·C⁺ formed from numpy's
Householder QR of C, which keeps the digits that C·pinv(C) loses to cond(C)², or from the SVD
when C is rank-deficient) or ‖M − C·pinv(M[S₂, S₁])·R‖ (cross), with scipy's pinv.
"""
import argparse
import sys

import numpy as np


def channels(path, color):
    a = np.load(path, allow_pickle=False)
    if a.dtype == np.uint8:  # an image's pixels
        a = a.astype(np.float64) / 255.0
        if a.ndim == 2:
            return [a]
        r, g, b = a[:, :, 0], a[:, :, 1], a[:, :, 2]
        if color == 'gray':
            return [0.2125 * r + 0.7154 * g + 0.0721 * b]
        if color == 'rgb':
            return [r, g, b]
        y = 0.299 * r + 0.587 * g + 0.114 * b
        # JPEG's full-range transform with the chroma centred on zero (no 0.5 offset).
        cb = -0.168736 * r - 0.331264 * g + 0.5 * b
        cr = 0.5 * r - 0.418688 * g - 0.081312 * b
        return [y, cb, cr]
    a = a.astype(np.float64)
    return [a] if a.ndim == 2 else [a[:, :, c] for c in range(a.shape[2])]


def tail(values_sq, ranks):
    t = np.concatenate([np.cumsum(values_sq[::-1])[::-1], [0.0]])
    return np.array([t[min(r, len(values_sq))] for r in ranks])


def singular_vectors(m):
    u, _, vt = np.linalg.svd(m, full_matrices=False)
    return u, vt.T


def deim(basis, count):
    chosen = [int(np.argmax(np.abs(basis[:, 0])))]
    for t in range(1, count):
        c = np.linalg.solve(basis[chosen, :t], basis[chosen, t])
        res = np.abs(basis[:, t] - basis[:, :t] @ c)
        res[chosen] = -1.0
        chosen.append(int(np.argmax(res)))
    return chosen


def select(m, selector, count, gamma):
    """The first `count` columns of m chosen by `selector` (rows: call with m.T)."""
    import scipy.linalg
    if selector == 'qr':
        return list(scipy.linalg.qr(m, mode='r', pivoting=True)[1][:count])
    if selector == 'norm':
        return list(np.argsort(-np.linalg.norm(m, axis=0), kind='stable')[:count])
    _, v = singular_vectors(m)
    if selector == 'leverage':
        scores = np.sum(v[:, :gamma] ** 2, axis=1)
        return list(np.argsort(-scores, kind='stable')[:count])
    if selector == 'deim':
        return deim(v, count)
    raise SystemExit('unknown selector ' + selector)


def projector_basis(a):
    """Orthonormal basis of the column space of a: Householder QR when a has full column rank (the
    accurate way to form a·pinv(a), whose rounding grows like cond(a)²), else the SVD's."""
    if a.shape[1] == 0:
        return a
    if np.linalg.matrix_rank(a) == a.shape[1]:
        return np.linalg.qr(a)[0]
    u, s, _ = np.linalg.svd(a, full_matrices=False)
    return u[:, s > max(a.shape) * np.finfo(float).eps * s[0]]


def cur_err2(m, cols, rows, middle, tol):
    import scipy.linalg
    c, r = m[:, cols], m[rows, :]
    if middle == 'optimal':
        # C·C⁺·M·R⁺·R = P_C·M·P_R with P = Q·Qᵀ.
        qc, qr = projector_basis(c), projector_basis(r.T)
        return np.sum((m - qc @ (qc.T @ m @ qr) @ qr.T) ** 2)
    elif tol is None:
        u = scipy.linalg.pinv(m[np.ix_(rows, cols)])
    else:
        u = scipy.linalg.pinv(m[np.ix_(rows, cols)], atol=tol, rtol=0.0)
    return np.sum((m - c @ u @ r) ** 2)


def err2(m, method, ranks, blocks, a=None):
    if method == 'cur':
        gamma = a.gamma or max(ranks)
        k = max(ranks)
        kr = a.rows or k
        cols = select(m, a.select, k, gamma)
        rows = select(m.T, a.select, kr, gamma)
        return np.array([0.0 if r == 0 else cur_err2(m, cols[:r], rows[:(a.rows or r)], a.middle, a.tol)
                         for r in ranks])
    if method == 'cur-given':
        cols = list(np.load(a.columns))
        rows = list(np.load(a.row_indices))
        return np.array([cur_err2(m, cols, rows, a.middle, a.tol) for _ in ranks])
    if method == 'id-select':
        cols = select(m, a.select, max(ranks), a.gamma or max(ranks))
        return np.array([np.sum((m - projector_basis(m[:, cols[:r]]) @ (projector_basis(m[:, cols[:r]]).T @ m)) ** 2)
                         for r in ranks])

    if method == 'svd':
        return tail(np.linalg.svd(m, compute_uv=False) ** 2, ranks)
    if method == 'id':
        import scipy.linalg
        r = scipy.linalg.qr(m, mode='r', pivoting=True)[0]
        return tail(np.sum(r ** 2, axis=1), ranks)
    if method == 'monarch':
        n, k = m.shape
        n2, k2 = -(-n // blocks) * blocks, -(-k // blocks) * blocks
        a = np.zeros((n2, k2))
        a[:n, :k] = m
        lo, width = n2 // blocks, k2 // blocks
        # slice (kk, j)[l, i] = a[l*blocks + j, kk*width + i]
        t = a.reshape(lo, blocks, blocks, width).transpose(2, 1, 0, 3)
        s2 = np.linalg.svd(t, compute_uv=False) ** 2
        per_rank = np.cumsum(s2[..., ::-1], axis=-1)[..., ::-1].sum(axis=(0, 1))
        per_rank = np.concatenate([per_rank, [0.0]])
        return np.array([per_rank[min(r, len(per_rank) - 1)] for r in ranks])
    if method == 'cr-top':
        c2 = np.sort(np.sum(m ** 2, axis=0))
        return np.array([c2[:max(len(c2) - r, 0)].sum() for r in ranks])
    if method == 'cr-expected':
        norms = np.sqrt(np.sum(m ** 2, axis=0))
        return np.array([(norms.sum() ** 2 - np.sum(m ** 2)) / r for r in ranks])
    raise SystemExit('unknown method ' + method)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('input')
    ap.add_argument('method')
    ap.add_argument('ranks')
    ap.add_argument('--blocks', type=int, default=16)
    ap.add_argument('--color', default='gray')
    ap.add_argument('--select', default='qr')
    ap.add_argument('--middle', default='optimal')
    ap.add_argument('--rows', type=int, default=0)
    ap.add_argument('--gamma', type=int, default=0)
    ap.add_argument('--tol', type=float, default=None)
    ap.add_argument('--columns')
    ap.add_argument('--row-indices')
    a = ap.parse_args()
    ranks = [int(x) for x in a.ranks.split(',')]
    chans = channels(a.input, a.color)
    if a.method in ('select-columns', 'select-rows'):
        m = chans[0] if a.method == 'select-columns' else chans[0].T
        print(','.join(str(int(i)) for i in select(m, a.select, ranks[0], a.gamma or ranks[0])))
        return
    if a.method == 'svd-spec':
        s = [np.linalg.svd(c, compute_uv=False) for c in chans]
        top = max(x[0] for x in s)
        for r in ranks:
            print(f'{r},{max(x[r] if r < len(x) else 0.0 for x in s) / top:.17g}')
        return
    total = sum(np.sum(c ** 2) for c in chans)
    e = sum(err2(c, a.method, ranks, a.blocks, a) for c in chans)
    for r, v in zip(ranks, e):
        print(f'{r},{np.sqrt(max(v, 0.0) / total) if total > 0 else 0.0:.17g}')


if __name__ == '__main__':
    sys.exit(main())
