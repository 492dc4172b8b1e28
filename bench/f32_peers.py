#!/usr/bin/env python3
"""mc's dense f32 kernel against oneDNN and OpenBLAS, interleaved.

    python3 bench/f32_peers.py [--shapes=m1/4096x4096,1024x1024x1024,...]
        [--threads=1] [--repeats=7] [--kmeans]

A shape is `MxNxK` (a GEMM, one weight set, % of the fp32 FMA limit) or
`m<M>/KxN` (a GEMV: weight sets rotated through >= 160 MB, as in run.py, %
of the DRAM read measured at the start). The mc modules are run.py's
(`mc_ir.matmul_f32`, the same cache keys); every implementation is first
checked against numpy (1e-5), then all are timed interleaved: `--repeats`
rounds of one best-of-3 call (rotating weight sets) each. The median of the
rounds is the figure (GFLOP/s, % limit, mc÷impl); the best round is shown
too. The machine is shared, so single timings are noisy.

--kmeans adds "mc kmeans4": mc on the same weights after
`--mc-quantize="bits=4 method=kmeans granularity=tensor"` (one 16-entry
table; the look-up kernel below 128 rows, the decoded weight in the f32
kernel from 128 on), checked within 15 % of the f32 result.
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mc_ir  # noqa: E402
import run  # noqa: E402
from peers import machine, onednn, openblas  # noqa: E402

DEFAULT = ("m1/4096x4096,m1/4096x14336,m1/14336x4096,1024x1024x1024,"
           "128x768x768,128x3072x768,128x768x3072")


def parse(shape):
    """(m, k, n, gemv)"""
    if shape.startswith("m"):
        m, kn = shape[1:].split("/")
        k, n = kn.split("x")
        return int(m), int(k), int(n), True
    m, n, k = shape.split("x")
    return int(m), int(k), int(n), False


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--shapes", default=DEFAULT)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--kmeans", action="store_true")
    args = p.parse_args()
    t = args.threads
    lib = machine.load()
    hz, bw = lib.clock_hz(), lib.read_bw(1 << 30, t, 10)
    print(f"# {machine.cpu_model()}; {t} thread(s); clock {hz / 1e9:.2f} GHz,"
          f" fp32 limit {run.F32_FLOPS * hz * t / 1e9:.0f} GFLOP/s, DRAM read"
          f" {bw / 1e9:.1f} GB/s; load average "
          f"{open('/proc/loadavg').read().split()[0]}")
    bench = run.Bench(argparse.Namespace(quick=False, threads=[t]))
    for peer in (onednn, openblas):
        peer.set_threads(t)
    print("| shape | impl | thr | ms/call (median) | GFLOP/s | % limit | "
          "mc÷impl | best ms | best % limit |\n|" + "---|" * 9)
    for shape in args.shapes.split(","):
        m, k, n, gemv = parse(shape)
        nsets = bench.sets_for(4 * k * n) if gemv else 1
        ws = list(bench.weight_sets(k, n, nsets))
        rng = np.random.default_rng([bench.rng_seed, 4, k, m])
        x = rng.standard_normal((m, k), dtype=np.float32)
        ref = x.astype(np.float64) @ ws[0].astype(np.float64)
        impls = {}
        libs = [run.mc_module(lambda w=w: mc_ir.matmul_f32(w, m), t,
                              f"f32 {k} {n} {m} {i} {bench.rng_seed}")
                for i, w in enumerate(ws)]
        ys = [np.zeros((m, n), np.float32) for _ in ws]
        impls["mc"] = [mc_ir.Entry(lb, "f", [x], [y])
                       for lb, y in zip(libs, ys)]
        if args.kmeans:
            libs += [run.mc_module(
                lambda w=w: mc_ir.mc_opt(
                    mc_ir.matmul_f32(w, m),
                    "--mc-quantize=bits=4 method=kmeans granularity=tensor"),
                t, f"kmeans4 {k} {n} {m} {i} {bench.rng_seed}")
                for i, w in enumerate(ws)]
            yq = [np.zeros((m, n), np.float32) for _ in ws]
            impls["mc kmeans4"] = [mc_ir.Entry(lb, "f", [x], [y])
                                   for lb, y in zip(libs[len(ws):], yq)]
        impls["oneDNN"] = [onednn.Matmul(w, m).bind(x) for w in ws]
        outs = [np.zeros((m, n), np.float32) for _ in ws]
        impls["OpenBLAS"] = [openblas.bind(x, w, o) for w, o in zip(ws, outs)]
        for name, calls in impls.items():
            got = calls[0]()
            got = got[0] if isinstance(got, list) else got
            err = run.rel_err(got, ref)
            assert err < (0.15 if "kmeans" in name else 1e-5), \
                (shape, name, err)
            for c in calls:   # warm-up: every weight set once
                c()
        rounds = {name: [] for name in impls}
        turn = 0
        for _ in range(args.repeats):
            for name, calls in impls.items():
                best = float("inf")
                for _ in range(3):
                    c = calls[turn % len(calls)]
                    turn += 1
                    t0 = time.perf_counter()
                    c()
                    best = min(best, time.perf_counter() - t0)
                rounds[name].append(best)
        mine = statistics.median(rounds["mc"])
        for name, r in rounds.items():
            med = statistics.median(r)
            gflops = 2 * m * n * k / med / 1e9
            limit = (100 * 4 * k * n / med / bw if gemv else
                     100 * gflops * 1e9 / (run.F32_FLOPS * hz * t))
            best = min(r)
            best_limit = limit * med / best
            ratio = "" if name == "mc" else f"{med / mine:.3f}"
            print(f"| {shape} | {name} | {t} | {med * 1e3:.3f} | "
                  f"{gflops:.1f} | {limit:.1f} | {ratio} | {best * 1e3:.3f} | "
                  f"{best_limit:.1f} |", flush=True)
        for lb in libs:
            mc_ir.unload(lb)
    print(f"# load average at end: {open('/proc/loadavg').read().split()[0]}")


if __name__ == "__main__":
    main()
