#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Listing and loading one tensor of a large .safetensors: time, peak resident memory, and how
much of the file the process read, whole process against whole process.

    /usr/bin/python3 bench/bench_tensorfiles.py [--binary build/app/factorscope] [--gigabytes 2]
                                                [--runs 5] [--dir /tmp] [--keep]

Generates a checkpoint of ~GIGABYTES GiB: float32 4096 x 4096 weights (64 MiB each) and 256
float32 biases of 4096, so the header lists a few hundred tensors. Then, runs alternating:
  list   `factorscope info FILE`              (the tensor list, from the header)
  load   `factorscope info FILE::TENSOR`      (one 4096 x 4096 weight to float64, with min, max,
                                               mean and Frobenius norm)
  numpy  the same load by hand in numpy: the JSON header, np.memmap of the tensor's bytes,
         astype(float64), the same four numbers (a lower bound for any Python reader)
Each run starts with the file dropped from the page cache (posix_fadvise DONTNEED: a checkpoint
just downloaded or evicted) and, with --warm, again with it cached. After each run, mincore() on
the file says how many of its pages are now in the page cache: what the run read (plus the
kernel's read-ahead). Peak memory and CPU time (user + system, steadier than wall time on a busy
machine) are GNU time's %M, %U and %S (Debian package time). Medians are printed; the ratios are
ours / numpy's.
"""
import argparse
import ctypes
import ctypes.util
import json
import os
import statistics
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np

PY = '/usr/bin/python3'
TIME = '/usr/bin/time'  # GNU time (Debian package time)
LIBC = ctypes.CDLL(ctypes.util.find_library('c'), use_errno=True)
LIBC.mmap.restype = ctypes.c_void_p
LIBC.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
LIBC.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
LIBC.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p]
PAGE = os.sysconf('SC_PAGE_SIZE')

NUMPY_LOAD = r'''
import json, struct, sys, numpy as np
path, name = sys.argv[1], sys.argv[2]
with open(path, 'rb') as f:
    n = struct.unpack('<Q', f.read(8))[0]
    entry = json.loads(f.read(n))[name]
begin, end = entry['data_offsets']
raw = np.memmap(path, dtype='<f4', mode='r', offset=8 + n + begin, shape=tuple(entry['shape']))
m = raw.astype(np.float64)
print(m.min(), m.max(), m.mean(), np.sqrt(np.sum(m * m)))
'''


def generate(path, gigabytes):
    """A checkpoint of float32 4096 x 4096 weights (64 MiB each) and 256 biases."""
    weights = max(1, int(round(gigabytes * 1024 / 64)))
    rng = np.random.default_rng(1)
    tensors, offset = [], 0
    for k in range(weights):
        tensors.append(('layers.%d.weight' % k, (4096, 4096), offset))
        offset += 4096 * 4096 * 4
    for k in range(256):
        tensors.append(('layers.%d.bias' % k, (4096,), offset))
        offset += 4096 * 4
    header = {name: {'dtype': 'F32', 'shape': list(shape),
                     'data_offsets': [start, start + 4 * int(np.prod(shape))]} for name, shape, start in tensors}
    header['__metadata__'] = {'format': 'pt', 'generator': 'bench/bench_tensorfiles.py'}
    text = json.dumps(header).encode()
    text += b' ' * (-len(text) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)) + text)
        block = rng.standard_normal((4096, 4096), dtype=np.float32) * 0.02
        for name, shape, _ in tensors:
            if len(shape) == 2:
                block += np.float32(0.001)  # each weight different, cheaply
                f.write(block.astype('<f4').tobytes())
            else:
                f.write(block[0].astype('<f4').tobytes())
    return weights, len(tensors)


def drop_cache(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def cached_bytes(path):
    """Bytes of the file in the page cache (mincore on a shared read-only mapping)."""
    size = os.path.getsize(path)
    fd = os.open(path, os.O_RDONLY)
    try:
        addr = LIBC.mmap(None, size, 1, 1, fd, 0)  # PROT_READ, MAP_SHARED
        if addr in (None, ctypes.c_void_p(-1).value):
            raise OSError(ctypes.get_errno(), 'mmap failed')
        pages = (size + PAGE - 1) // PAGE
        vec = ctypes.create_string_buffer(pages)
        if LIBC.mincore(addr, size, vec) != 0:
            raise OSError(ctypes.get_errno(), 'mincore failed')
        LIBC.munmap(addr, size)
    finally:
        os.close(fd)
    return sum(b & 1 for b in vec.raw) * PAGE


def measured(cmd, path, cold):
    """(seconds, peak RSS in MiB, MiB of the file cached afterwards, CPU seconds) of one run."""
    if cold:
        drop_cache(path)
    before = cached_bytes(path)
    # Peak RSS through GNU time: a child forked (or vforked) by this script would count this
    # script's own memory at its exec; time's small process forks the command instead.
    with tempfile.NamedTemporaryFile('r') as rss:
        t0 = time.perf_counter()
        p = subprocess.run([TIME, '-f', '%M %U %S', '-o', rss.name] + cmd, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE)
        elapsed = time.perf_counter() - t0
        if p.returncode != 0:
            sys.exit('%s failed: %s' % (' '.join(cmd), p.stderr.decode()))
        fields = rss.read().split()[-3:]
        peak, cpu = int(fields[0]) / 1024.0, float(fields[1]) + float(fields[2])
    read = (cached_bytes(path) - before) if cold else float('nan')
    return elapsed, peak, read / 2**20, cpu


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--binary', default=os.path.join(os.path.dirname(__file__), '..', 'build', 'app', 'factorscope'))
    ap.add_argument('--gigabytes', type=float, default=2.0)
    ap.add_argument('--runs', type=int, default=5)
    ap.add_argument('--dir', default=tempfile.gettempdir())
    ap.add_argument('--warm', action='store_true', help='also measure with the file in the page cache')
    ap.add_argument('--keep', action='store_true', help='keep the generated file')
    args = ap.parse_args()

    path = os.path.join(args.dir, 'bench_tensorfiles_%d.safetensors' % os.getpid())
    t0 = time.perf_counter()
    weights, count = generate(path, args.gigabytes)
    size = os.path.getsize(path)
    print('generated %s: %.2f GiB, %d tensors (%d of 4096 x 4096 float32), %.1f s'
          % (path, size / 2**30, count, weights, time.perf_counter() - t0))
    tensor = 'layers.%d.weight' % (weights // 2)
    binary = os.path.abspath(args.binary)
    cases = {
        'list': [binary, 'info', path],
        'load': [binary, 'info', path + '::' + tensor],
        'numpy': [PY, '-c', NUMPY_LOAD, path, tensor],
    }
    try:
        for cold in [True] + ([False] if args.warm else []):
            results = {name: [] for name in cases}
            for _ in range(args.runs):
                for name, cmd in cases.items():  # alternating
                    results[name].append(measured(cmd, path, cold))
            print('\n%s page cache, median of %d runs:' % ('cold' if cold else 'warm', args.runs))
            print('%-6s %10s %12s %14s %16s' % ('case', 'seconds', 'CPU seconds', 'peak RSS MiB', 'file read MiB'))
            med = {}
            for name, rows in results.items():
                med[name] = [statistics.median(r[k] for r in rows) for k in range(4)]
                print('%-6s %10.3f %12.2f %14.1f %16s' % (name, med[name][0], med[name][3], med[name][1],
                                                          '%.1f' % med[name][2] if cold else '-'))
            print('load / numpy: time %.2f, CPU %.2f, peak RSS %.2f'
                  % (med['load'][0] / med['numpy'][0], med['load'][3] / med['numpy'][3], med['load'][1] / med['numpy'][1]))
    finally:
        if not args.keep:
            os.remove(path)


if __name__ == '__main__':
    main()
