#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Times `factorscope curve --method cur` (qr selector, optimal middle) against the same curve in
numpy/scipy computed rank by rank (pivoted QR of M and Mᵀ for the columns and rows, then for every
r a QR of C and of Rᵀ and ‖M − Q_C·(Q_CᵀMQ_R)·Q_Rᵀ‖_F), whole process against whole process, runs
alternating; prints each run's wall and user seconds, the medians' ratio and the two last errors.
The matrix (2000×1500, σ_i = (1 + i)^-1.2, random orthogonal factors, seed 5) is written once.

    /usr/bin/python3 bench/cur_numpy.py [--binary build/app/factorscope] [--runs 3] [--ranks 64]
"""
import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

NUMPY_CUR = r'''
import sys, numpy as np, scipy.linalg as sl
m = np.load(sys.argv[1]); k = int(sys.argv[2])
cols = sl.qr(m, mode='r', pivoting=True)[1][:k]
rows = sl.qr(m.T, mode='r', pivoting=True)[1][:k]
total = np.linalg.norm(m)
for r in range(1, k + 1):
    qc = np.linalg.qr(m[:, cols[:r]])[0]
    qr = np.linalg.qr(m[rows[:r], :].T)[0]
    e = np.linalg.norm(m - qc @ (qc.T @ m @ qr) @ qr.T) / total
print('%.17g' % e)
'''


def timed(command, env):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    out = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--binary', default='build/app/factorscope')
    ap.add_argument('--runs', type=int, default=3)
    ap.add_argument('--ranks', type=int, default=64)
    a = ap.parse_args()
    env = {k: v for k, v in os.environ.items() if k not in ('OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE')}
    with tempfile.TemporaryDirectory() as tmp:
        rng = np.random.default_rng(5)
        n, m = 2000, 1500
        u = np.linalg.qr(rng.standard_normal((n, m)))[0]
        v = np.linalg.qr(rng.standard_normal((m, m)))[0]
        path = os.path.join(tmp, 'big.npy')
        np.save(path, (u / (1.0 + np.arange(m)) ** 1.2) @ v.T)
        script = os.path.join(tmp, 'cur.py')
        with open(script, 'w') as f:
            f.write(NUMPY_CUR)
        ours, theirs = [], []
        for run in range(a.runs):
            w, t, out = timed([a.binary, 'curve', path, '--method', 'cur', '--ranks', '1:%d' % a.ranks], env)
            ours.append(w)
            mine = out.strip().split('\n')[-1].split(',')[4]
            print('factorscope run %d: %.2f s wall, %.2f s user' % (run + 1, w, t))
            w, t, out = timed(['/usr/bin/python3', script, path, str(a.ranks)], env)
            theirs.append(w)
            print('numpy       run %d: %.2f s wall, %.2f s user' % (run + 1, w, t))
        print('median wall ratio factorscope / numpy: %.2f' % (statistics.median(ours) / statistics.median(theirs)))
        print('rank %d relative error: factorscope %s, numpy %s' % (a.ranks, mine, out.strip()))


if __name__ == '__main__':
    sys.exit(main())
