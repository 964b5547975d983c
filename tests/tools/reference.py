#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Independent reference error curves with numpy/scipy (Debian's python3-numpy, python3-scipy).

Used by tests/app/tst_reference.cpp to check `factorscope curve`, and handy by hand:
    /usr/bin/python3 tests/tools/reference.py INPUT.npy METHOD RANKS [--blocks N] [--color gray|rgb|ycbcr]
METHOD: svd | id | monarch | cr-top | cr-expected | svd-spec. INPUT is a .npy matrix (2-D) or an
8-bit image as a uint8 H×W×3 .npy (scaled by 1/255 and converted like the program does).
Prints "rank,value" lines, value = relative Frobenius error (or spectral for svd-spec).
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


def err2(m, method, ranks, blocks):
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
    a = ap.parse_args()
    ranks = [int(x) for x in a.ranks.split(',')]
    chans = channels(a.input, a.color)
    if a.method == 'svd-spec':
        s = [np.linalg.svd(c, compute_uv=False) for c in chans]
        top = max(x[0] for x in s)
        for r in ranks:
            print(f'{r},{max(x[r] if r < len(x) else 0.0 for x in s) / top:.17g}')
        return
    total = sum(np.sum(c ** 2) for c in chans)
    e = sum(err2(c, a.method, ranks, a.blocks) for c in chans)
    for r, v in zip(ranks, e):
        print(f'{r},{np.sqrt(max(v, 0.0) / total) if total > 0 else 0.0:.17g}')


if __name__ == '__main__':
    sys.exit(main())
