#!/usr/bin/env python3
"""Weight-only GEMV (M = 1) with 8- and 16-bit float weights: mc's kernels
for `#mc.float<f8E4M3FN | f8E5M2, axis = 1>` and unscaled `#mc.float<f16 |
bf16>` against mc's int8 weight-only kernel (same bytes as fp8) and ggml's
F16, BF16 and Q8_0 (llama-cpp-python's library, as in run.py), timed in
interleaved rounds; a one-core streaming read of 1 GiB each round gives
the DRAM limit. Weight sets rotate through more than 128 MB per format, so
DRAM, not the cache, is measured.

    python3 bench/float_weights.py [K N] [--rounds=7]

GB/s are the weight bytes each call reads (payload + f32 scales) per
second; % is of the same round's read. Each mc result is checked against
numpy on the weights it decodes to."""
import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mc_ir  # noqa: E402
from peers import ggml, machine  # noqa: E402

ROTATE_BYTES = 128 << 20


def to_bits(w, storage):
    """`w` (f32) rounded in `storage` (to nearest even; the f8 types through
    f16, so a tie can round twice), as unsigned bits, and the exact values
    of those bits."""
    if storage in ("f16", "e5m2"):
        h = w.astype(np.float16).view(np.uint16).astype(np.uint32)
        if storage == "f16":
            return h.astype(np.uint16), h.astype(np.uint16).view(np.float16)
        b = ((h + 0x7F + ((h >> 8) & 1)) >> 8).astype(np.uint8)
        return b, (b.astype(np.uint16) << 8).view(np.float16)
    if storage == "bf16":
        f = w.view(np.uint32).astype(np.uint64)
        b = ((f + 0x7FFF + ((f >> 16) & 1)) >> 16).astype(np.uint16)
        return b, (b.astype(np.uint32) << 16).view(np.float32)
    # e4m3: the f16 bits of w / 2^8 hold e4m3's exponent in their low 4
    # bits (biases 15 and 7); round the 10-bit mantissa to 3.
    h = (w / 256).astype(np.float16).view(np.uint16).astype(np.uint32)
    mag = ((h & 0x7FFF) + 0x3F + (((h & 0x7FFF) >> 7) & 1)) >> 7
    b = (((h >> 8) & 0x80) | np.minimum(mag, 0x7E)).astype(np.uint8)
    sext = b.astype(np.int8).astype(np.int16) << 7
    return b, ((sext & 0x3FFF) | (sext & -0x8000)).view(np.float16) * 256


FORMATS = {  # name: (storage, MLIR type, payload bytes, per-column scales)
    "fp8 e4m3": ("e4m3", "f8E4M3FN", 1, True),
    "fp8 e5m2": ("e5m2", "f8E5M2", 1, True),
    "fp16": ("f16", "f16", 2, False),
    "bf16": ("bf16", "bf16", 2, False),
}


def float_ir(w, storage, mlir_type, scaled):
    """mc IR of x . decode(w in `storage`), and the decoded weight."""
    s = (np.abs(w).max(axis=0) / 448).astype(np.float32) if scaled else None
    bits, values = to_bits(w / s if scaled else w, storage)
    deq = values.astype(np.float64) * (s if scaled else 1)
    return mc_ir.weight_only_float(bits, s, mlir_type, 1, "f"), deq


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("shape", nargs="*", type=int, default=[4096, 14336])
    p.add_argument("--rounds", type=int, default=7)
    args = p.parse_args()
    k, n = args.shape
    rng = np.random.default_rng(5)
    x = rng.standard_normal((1, k), dtype=np.float32)
    variants = {}  # name: (bytes per call, [calls])
    for name, (storage, mlir_type, eb, scaled) in FORMATS.items():
        nbytes = k * n * eb + (n * 4 if scaled else 0)
        calls = []
        for i in range(-(-ROTATE_BYTES // nbytes)):
            w = rng.standard_normal((k, n), dtype=np.float32) * 0.02
            text, deq = float_ir(w, storage, mlir_type, scaled)
            lib = mc_ir.compile_module(text, 1, f"floatw {name} {k} {n} {i}")
            y = np.zeros((1, n), np.float32)
            call = mc_ir.Entry(lib, "f", [x], [y])
            want = x.astype(np.float64) @ deq
            err = np.abs(call()[0] - want).max() / np.abs(want).max()
            assert err < 1e-5, (name, i, err)
            calls.append(call)
        variants["mc " + name] = (nbytes, calls)
        print(f"# mc {name}: {len(calls)} sets", file=sys.stderr, flush=True)
    nbytes = k * n + n * 4
    calls = []
    for i in range(-(-ROTATE_BYTES // nbytes)):
        q, s = mc_ir.quantize_groups(
            rng.standard_normal((k, n), dtype=np.float32) * 0.02, 8, k)
        lib = mc_ir.compile_module(mc_ir.weight_only(q, s, 8, 1, "f"), 1,
                                   f"floatw int8 {k} {n} {i}")
        calls.append(mc_ir.Entry(lib, "f", [x], [np.zeros((1, n), np.float32)]))
    variants["mc int8 (per channel)"] = (nbytes, calls)
    ggml.set_threads(1)
    for kind in ("f16", "bf16", "q8_0"):
        nbytes = ggml.bytes_of(kind, k, n)
        ws = [ggml.Weight(kind, rng.standard_normal((k, n), dtype=np.float32))
              for _ in range(-(-ROTATE_BYTES // nbytes))]
        calls = [w.bind(x) for w in ws]
        for call, w in zip(calls, ws):
            call.weight = w  # a Weight frees its tensors when collected
        variants["ggml " + kind.upper()] = (nbytes, calls)
    lim = machine.load()
    rates = {v: [] for v in variants}
    reads = []
    for _ in range(args.rounds):
        reads.append(lim.read_bw(1 << 30, 1, 3))
        for v, (nbytes, calls) in variants.items():
            for c in calls:
                c()
            t0 = time.perf_counter()
            for c in calls:
                c()
            rates[v].append(nbytes * len(calls) / (time.perf_counter() - t0))
    print(f"# {time.strftime('%Y-%m-%d %H:%M')} M = 1, {k}x{n}, 1 thread, "
          f"{args.rounds} rounds; DRAM read {statistics.median(reads) / 1e9:.1f}"
          f" GB/s (median)")
    print("| weights | MB/call | GB/s (median, min-max) | % of the round's read |")
    print("|---|---|---|---|")
    for v, (nbytes, _) in variants.items():
        r = sorted(rates[v])
        pct = statistics.median(a / b for a, b in zip(rates[v], reads))
        print(f"| {v} | {nbytes / 1e6:.1f} | {statistics.median(r) / 1e9:.2f} "
              f"({r[0] / 1e9:.2f}-{r[-1] / 1e9:.2f}) | {100 * pct:.0f} |")


if __name__ == "__main__":
    main()
