#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The tensor picker of the program on a large checkpoint: how soon it appears, with how much
memory, and how much of the file was read, whole program against whole program.

    xvfb-run -a /usr/bin/python3 bench/bench_picker.py [--binary build/app/factorscope]
                                                        [--gigabytes 2] [--runs 5] [--dir /tmp] [--keep]

Writes the checkpoint of bench/bench_tensorfiles.py (~GIGABYTES GiB of float32 4096 x 4096
weights and 4096 biases, a few hundred tensors) and a small one of 3 tensors, then, runs
alternating, starts `factorscope FILE` (fresh settings) with the file dropped from the page cache
and polls the X server (xwininfo, Debian package x11-utils) every 5 ms until the picker's window
"Open an Array of FILE" exists. Printed: the time from launch to the picker, the program's peak
resident memory (VmHWM) at that moment, and how much of the file mincore() then finds in the page
cache (what the program read, read-ahead included). The small file is the baseline: the
difference is what listing the large one costs. Needs a display: run it under xvfb-run.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_tensorfiles  # noqa: E402  (generate, drop_cache, cached_bytes)

import numpy as np  # noqa: E402


def small_checkpoint(path):
    """Three float32 tensors: a 64 x 32 weight, its bias, a 16 x 16 projection."""
    import json
    import struct
    tensors = [('w', (64, 32)), ('b', (64,)), ('p', (16, 16))]
    header, data = {}, b''
    for name, shape in tensors:
        raw = np.arange(int(np.prod(shape)), dtype='<f4').tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(shape), 'data_offsets': [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header).encode()
    text += b' ' * (-len(text) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)) + text + data)


def picker_run(binary, path, timeout=60.0):
    """(seconds to the picker, peak RSS in MiB then, MiB of the file read) of one cold start."""
    bench_tensorfiles.drop_cache(path)
    before = bench_tensorfiles.cached_bytes(path)
    title = 'Open an Array of ' + os.path.basename(path)
    with tempfile.TemporaryDirectory() as config:
        env = dict(os.environ, XDG_CONFIG_HOME=config)  # fresh settings, the user's left alone
        t0 = time.perf_counter()
        p = subprocess.Popen([binary, path], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            while True:
                tree = subprocess.run(['xwininfo', '-root', '-tree'], capture_output=True, text=True).stdout
                if title in tree:
                    seconds = time.perf_counter() - t0
                    break
                if p.poll() is not None or time.perf_counter() - t0 > timeout:
                    p.kill()
                    sys.exit('%s: no picker appeared (exit status %s): %s'
                             % (path, p.wait(), p.stderr.read().decode(errors='replace').strip()))
                time.sleep(0.005)
            with open('/proc/%d/status' % p.pid) as status:
                peak = next(int(line.split()[1]) for line in status if line.startswith('VmHWM')) / 1024.0
            read = (bench_tensorfiles.cached_bytes(path) - before) / 2**20
        finally:
            p.kill()
            p.wait()
    return seconds, peak, read


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--binary', default=os.path.join(os.path.dirname(__file__), '..', 'build', 'app', 'factorscope'))
    ap.add_argument('--gigabytes', type=float, default=2.0)
    ap.add_argument('--runs', type=int, default=5)
    ap.add_argument('--dir', default=tempfile.gettempdir())
    ap.add_argument('--keep', action='store_true', help='keep the generated files')
    args = ap.parse_args()
    if not os.environ.get('DISPLAY'):
        sys.exit('no display: run under xvfb-run -a')

    big = os.path.join(args.dir, 'bench_picker_%d.safetensors' % os.getpid())
    small = os.path.join(args.dir, 'bench_picker_small_%d.safetensors' % os.getpid())
    _, count = bench_tensorfiles.generate(big, args.gigabytes)
    small_checkpoint(small)
    print('generated %s: %.2f GiB, %d tensors; %s: 3 tensors'
          % (big, os.path.getsize(big) / 2**30, count, small))
    binary = os.path.abspath(args.binary)
    try:
        results = {big: [], small: []}
        for _ in range(args.runs):
            for path in results:  # alternating
                results[path].append(picker_run(binary, path))
        print('\ncold page cache, median of %d runs (min - max):' % args.runs)
        print('%-10s %22s %16s %16s' % ('file', 'seconds to the picker', 'peak RSS MiB', 'file read MiB'))
        for path, rows in results.items():
            cells = []
            for k in range(3):
                values = [r[k] for r in rows]
                cells.append('%.3f (%.3f - %.3f)' % (statistics.median(values), min(values), max(values)) if k == 0
                             else '%.1f' % statistics.median(values))
            print('%-10s %22s %16s %16s' % ('large' if path == big else 'small', *cells))
    finally:
        if not args.keep:
            os.remove(big)
            os.remove(small)


if __name__ == '__main__':
    main()
