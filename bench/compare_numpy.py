#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Times `factorscope curve` against numpy/scipy on the same matrices, whole process against
whole process, runs alternating, and prints the ratio of the medians (ours / theirs; ≤ 1 means
Factorscope is at least as fast).

    /usr/bin/python3 bench/compare_numpy.py [--binary build/app/factorscope] [--runs 5] [--only svd,id,monarch]

Both sides run with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (they slow a current numpy and
are set on some machines here for old OpenBLAS builds), and both write the error curve as CSV.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

PY = '/usr/bin/python3'

NUMPY_SVD = r'''
import sys, numpy as np
m = np.load(sys.argv[1])
s2 = np.linalg.svd(m, compute_uv=False) ** 2
tail = np.cumsum(s2[::-1])[::-1]
np.savetxt(sys.argv[2], np.sqrt(tail / s2.sum()), fmt='%.17g')
'''

SCIPY_QR = r'''
import sys, numpy as np, scipy.linalg
m = np.load(sys.argv[1])
r = scipy.linalg.qr(m, mode='r', pivoting=True)[0]
row2 = np.sum(r ** 2, axis=1)
tail = np.cumsum(row2[::-1])[::-1]
np.savetxt(sys.argv[2], np.sqrt(tail / np.sum(m ** 2)), fmt='%.17g')
'''

NUMPY_MONARCH = r'''
import sys, numpy as np
m = np.load(sys.argv[1]); b = int(sys.argv[3])
n, k = m.shape; lo, width = n // b, k // b
t = m.reshape(lo, b, b, width).transpose(2, 1, 0, 3)
s2 = np.linalg.svd(t, compute_uv=False) ** 2
tail = np.cumsum(s2[..., ::-1], axis=-1)[..., ::-1].sum(axis=(0, 1))
np.savetxt(sys.argv[2], np.sqrt(tail / np.sum(m ** 2)), fmt='%.17g')
'''


def clean_env():
    env = dict(os.environ)
    env.pop('OPENBLAS_CORETYPE', None)
    env.pop('OPENBLAS_L2_SIZE', None)
    return env


def timed(cmd, env):
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - t0


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument('--binary', default=os.path.join(here, '..', 'build', 'app', 'factorscope'))
    ap.add_argument('--runs', type=int, default=5)
    ap.add_argument('--only', default='svd,id,monarch')
    a = ap.parse_args()
    env = clean_env()
    rng = np.random.default_rng(2026)
    work = tempfile.mkdtemp(prefix='fs-bench-')
    cases = []
    if 'svd' in a.only:
        p = os.path.join(work, 'gauss2048.npy')
        np.save(p, rng.standard_normal((2048, 2048)))
        cases.append(('SVD curve, 2048x2048', [a.binary, 'curve', p, '--method', 'svd', '--ranks', '1:2048'],
                      [PY, '-c', NUMPY_SVD, p], 'numpy.linalg.svd(compute_uv=False)'))
    if 'id' in a.only:
        p = os.path.join(work, 'gauss1500x2500.npy')
        np.save(p, rng.standard_normal((1500, 2500)))
        cases.append(('ID curve, 1500x2500', [a.binary, 'curve', p, '--method', 'id', '--ranks', '1:1500'],
                      [PY, '-c', SCIPY_QR, p], "scipy.linalg.qr(mode='r', pivoting=True)"))
    if 'monarch' in a.only:
        p = os.path.join(work, 'gauss2048m.npy')
        np.save(p, rng.standard_normal((2048, 2048)))
        cases.append(('Monarch curve, 32 blocks, 2048x2048',
                      [a.binary, 'curve', p, '--method', 'monarch', '--monarch-blocks', '32', '--ranks', '1:64'],
                      [PY, '-c', NUMPY_MONARCH, p], 'numpy batched SVD of the 32x32 grid of 64x64 slices'))
    print(f'# {a.runs} alternating runs each, OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset; seconds are medians')
    print('case,factorscope_s,reference_s,ratio,reference')
    worst = 0.0
    for name, ours_cmd, ref_cmd, ref_name in cases:
        out = os.path.join(work, 'ref.txt')
        ref_cmd = ref_cmd[:3] + [ref_cmd[3], out] + (['32'] if 'Monarch' in name else [])
        ours_cmd = ours_cmd + ['--output', os.path.join(work, 'ours.csv')]
        timed(ours_cmd, env)  # warm the page cache for both
        timed(ref_cmd, env)
        ours, ref = [], []
        for _ in range(a.runs):
            ours.append(timed(ours_cmd, env))
            ref.append(timed(ref_cmd, env))
        mo, mr = statistics.median(ours), statistics.median(ref)
        worst = max(worst, mo / mr)
        print(f'{name},{mo:.3f},{mr:.3f},{mo / mr:.2f},{ref_name}')
        sys.stdout.flush()
    print(f'# worst ratio {worst:.2f} (target <= 1.00)')


if __name__ == '__main__':
    main()
