#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Times `factorscope curve` against numpy/scipy on the same matrices, whole process against
whole process, runs alternating, and prints the ratio of the medians (ours / theirs; ≤ 1 means
Factorscope is at least as fast) and the peak resident memory of each side (largest over runs).

    /usr/bin/python3 bench/compare_numpy.py [--binary build/app/factorscope] [--runs 5]
                                            [--only svd,id,monarch,svd100,svd100full,id100]

svd, id and monarch are full-rank curves of Gaussian matrices. svd100, svd100full and id100 use a
3000×4000 matrix with a slowly decaying spectrum like a photo's: scikit-image's grey "camera"
(512×512) resized up bicubically, plus Gaussian noise of 1e-3, written once as .npy (cached in
the temporary folder of the run) so both sides read the same file; ranks 1:100 against
scipy.sparse.linalg.svds(M, k=100) + ‖M‖_F, numpy.linalg.svd(M, compute_uv=False), and
scipy.linalg.interpolative.interp_decomp(M, 100, rand=False).

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

SCIPY_SVDS = r'''
import sys, numpy as np, scipy.sparse.linalg
m = np.load(sys.argv[1])
u, s, vt = scipy.sparse.linalg.svds(m, k=100)
s2 = np.sort(s)[::-1] ** 2
total = np.linalg.norm(m) ** 2
np.savetxt(sys.argv[2], np.sqrt(np.maximum(total - np.cumsum(s2), 0) / total), fmt='%.17g')
'''

SCIPY_ID = r'''
import sys, numpy as np, scipy.linalg.interpolative as sli
m = np.load(sys.argv[1])
idx, proj = sli.interp_decomp(m, 100, rand=False)
np.savetxt(sys.argv[2], idx[:100], fmt='%d')
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
    """Wall seconds and peak resident memory (MB) of one run of cmd."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors='replace')
    proc.stderr.close()
    if proc.returncode != 0:
        raise SystemExit(f'{cmd[0]} failed ({proc.returncode}): {err}')
    return seconds, usage.ru_maxrss / 1024.0


def photo_matrix(work):
    """The 3000×4000 photo-like matrix (see the module docstring), written once."""
    path = os.path.join(work, 'photo3000x4000.npy')
    if not os.path.exists(path):
        import skimage.data
        import skimage.transform
        grey = skimage.data.camera().astype(np.float64) / 255.0
        m = skimage.transform.resize(grey, (3000, 4000), order=3, mode='reflect', anti_aliasing=False)
        m = m + 1e-3 * np.random.default_rng(9).standard_normal(m.shape)
        np.save(path, m)
    return path


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument('--binary', default=os.path.join(here, '..', 'build', 'app', 'factorscope'))
    ap.add_argument('--runs', type=int, default=5)
    ap.add_argument('--only', default='svd,id,monarch,svd100,svd100full,id100')
    ap.add_argument('--work', default=None, help='folder for the matrices (default: a new temporary one)')
    a = ap.parse_args()
    only = set(a.only.split(','))
    env = clean_env()
    rng = np.random.default_rng(2026)
    work = a.work or tempfile.mkdtemp(prefix='fs-bench-')
    os.makedirs(work, exist_ok=True)
    cases = []
    if 'svd' in only:
        p = os.path.join(work, 'gauss2048.npy')
        np.save(p, rng.standard_normal((2048, 2048)))
        cases.append(('SVD curve, 2048x2048', [a.binary, 'curve', p, '--method', 'svd', '--ranks', '1:2048'],
                      [PY, '-c', NUMPY_SVD, p], 'numpy.linalg.svd(compute_uv=False)'))
    if 'id' in only:
        p = os.path.join(work, 'gauss1500x2500.npy')
        np.save(p, rng.standard_normal((1500, 2500)))
        cases.append(('ID curve, 1500x2500', [a.binary, 'curve', p, '--method', 'id', '--ranks', '1:1500'],
                      [PY, '-c', SCIPY_QR, p], "scipy.linalg.qr(mode='r', pivoting=True)"))
    if 'monarch' in only:
        p = os.path.join(work, 'gauss2048m.npy')
        np.save(p, rng.standard_normal((2048, 2048)))
        cases.append(('Monarch curve, 32 blocks, 2048x2048',
                      [a.binary, 'curve', p, '--method', 'monarch', '--monarch-blocks', '32', '--ranks', '1:64'],
                      [PY, '-c', NUMPY_MONARCH, p], 'numpy batched SVD of the 32x32 grid of 64x64 slices'))
    if only & {'svd100', 'svd100full', 'id100'}:
        p = photo_matrix(work)
        ours_svd = [a.binary, 'curve', p, '--method', 'svd', '--ranks', '1:100']
        if 'svd100' in only:
            cases.append(('SVD curve 1:100, photo 3000x4000', ours_svd, [PY, '-c', SCIPY_SVDS, p],
                          'scipy.sparse.linalg.svds(M, k=100) + norm'))
        if 'svd100full' in only:
            cases.append(('SVD curve 1:100 vs full SVD, photo 3000x4000', ours_svd, [PY, '-c', NUMPY_SVD, p],
                          'numpy.linalg.svd(M, compute_uv=False)'))
        if 'id100' in only:
            cases.append(('ID curve 1:100, photo 3000x4000',
                          [a.binary, 'curve', p, '--method', 'id', '--ranks', '1:100'],
                          [PY, '-c', SCIPY_ID, p], 'scipy.linalg.interpolative.interp_decomp(M, 100, rand=False)'))
    print(f'# {a.runs} alternating runs each, OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset; seconds are medians,'
          f' memory the largest peak RSS; load average at start {os.getloadavg()[0]:.2f}')
    print('case,factorscope_s,reference_s,ratio,factorscope_peak_mb,reference_peak_mb,reference')
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
        mo, mr = statistics.median(t for t, _ in ours), statistics.median(t for t, _ in ref)
        po, pr = max(p for _, p in ours), max(p for _, p in ref)
        if 'vs full' not in name:
            worst = max(worst, mo / mr)
        print(f'{name},{mo:.3f},{mr:.3f},{mo / mr:.2f},{po:.0f},{pr:.0f},{ref_name}')
        sys.stdout.flush()
    print(f'# worst ratio {worst:.2f} (target <= 1.00; against the full SVD the target is <= 0.20)'
          f'; load average at the end {os.getloadavg()[0]:.2f}')


if __name__ == '__main__':
    main()
