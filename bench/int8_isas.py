#!/usr/bin/env python3
"""mc's int8 kernels of every x86 ISA this host runs, side by side.

    python3 bench/int8_isas.py [--case=gemm|w4a8|w8a8]
        [--shapes=1024x1024x1024,128x768x768]
        [--variants=host:avx512-vnni,host:avx-vnni,haswell:avx2,...]
        [--repeats=7] [--threads=1]

`gemm`: the s8 x s8 -> s32 GEMM (`mc_ir.gemm_i8`); `w4a8` / `w8a8`: the
per-group dynamic-activation form (`mc_ir.weight_only_dynamic`, groups of
32 along K, f32 in and out). A variant is CPU:ISA: `mc-compile --mcpu=CPU
--isa=ISA` (CPU `host` is this machine; `haswell` code, VEX and 16 vector
registers, also runs on any later x86-64); `oneDNN:u8s8s32` (gemm only)
is oneDNN's int8 matmul on the same data (a + 128 as u8), run.py's peer,
timed in the same rounds. CPU:ISA:2:4 (gemm only) is mc's kernel for the
same weights pruned 2:4 along K (`mc_ir.prune_2_4`: the 2:4 kernel); its
GOP/s count the dense 2 M N K too, so it reads as a speed-up over dense. Every module is first checked
(gemm: against numpy; w4a8/w8a8: against the reference lowering, bit for
bit), then the variants are timed interleaved, `--repeats` rounds of one
best-of-3 call each, and the median of the rounds is printed as GOP/s (2 M
N K per call): the machine is shared, so single timings are noisy.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mc_ir  # noqa: E402
from peers import onednn  # noqa: E402

DEFAULT_VARIANTS = ("host:avx512-vnni,host:avx-vnni,host:avx2,haswell:avx2,"
                    "host:generic,haswell:generic")


def compile_variant(text, cpu, isa, threads, work):
    """The loaded shared library of `text` for `--mcpu=cpu --isa=isa` (isa
    `reference`: the reference lowering)."""
    exe = os.path.join(mc_ir.BIN, "mc-compile")
    tag = f"{cpu}-{isa}-{abs(hash(text))}"
    isa_flag = "--reference" if isa == "reference" else f"--isa={isa}"
    src, obj, so = (os.path.join(work, tag + ext)
                    for ext in (".mlir", ".o", ".so"))
    with open(src, "w") as f:
        f.write(text)
    subprocess.run([exe, src, f"--target={mc_ir.TARGET}", f"--mcpu={cpu}",
                    isa_flag, f"--num-threads={threads}", "--emit=obj",
                    "-o", obj], check=True)
    link = subprocess.run([exe, "--print-link-flags",
                           f"--target={mc_ir.TARGET}"], check=True,
                          capture_output=True, text=True).stdout.split()
    subprocess.run(["cc", "-shared", "-o", so, obj, *link], check=True)
    import ctypes
    return ctypes.CDLL(so)


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--case", default="gemm", choices=["gemm", "w4a8", "w8a8"])
    p.add_argument("--shapes", default="1024x1024x1024,128x768x768",
                   help="MxNxK list")
    p.add_argument("--variants", default=DEFAULT_VARIANTS)
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    variants = [v.split(":") for v in args.variants.split(",")]
    onednn.set_threads(args.threads)
    print(f"# {time.strftime('%Y-%m-%d %H:%M')} {args.case} threads={args.threads} "
          f"repeats={args.repeats}; GOP/s, median (min-max)")
    print("| M x N x K | " + " | ".join(f"{':'.join(v[1:])} ({v[0]})"
                                         for v in variants) + " |")
    print("|---" * (len(variants) + 1) + "|")
    with tempfile.TemporaryDirectory() as work:
        for shape in args.shapes.split(","):
            m, n, k = map(int, shape.split("x"))
            rng = np.random.default_rng([m, n, k])
            if args.case == "gemm":
                a = rng.integers(-128, 128, (m, k), dtype=np.int8)
                b = rng.integers(-128, 128, (k, n), dtype=np.int8)
                want = (a.astype(np.int64) @ b.astype(np.int64)) \
                    .astype(np.int32)
                text, entry = mc_ir.gemm_i8(b, m), "gemm"
            else:
                bits = 4 if args.case == "w4a8" else 8
                q, s = mc_ir.quantize_groups(
                    rng.standard_normal((k, n)).astype(np.float32), bits, 32)
                a = rng.standard_normal((m, k)).astype(np.float32)
                text = mc_ir.weight_only_dynamic(q, s, bits, m, name="f")
                entry, want = "f", np.zeros((m, n), np.float32)
                lib = compile_variant(text, "host", "reference", 1, work)
                mc_ir.Entry(lib, entry, [a], [want])()
            calls = []
            for cpu, isa, *sparse in variants:
                if cpu == "oneDNN":
                    if args.case != "gemm":
                        sys.exit("the oneDNN variant is an int8 GEMM only")
                    mm = onednn.Matmul(b, m)
                    call = mm.bind(a.view(np.uint8) ^ 0x80)   # a + 128
                    call.keep_matmul = mm
                    offset = 128 * b.astype(np.int64).sum(axis=0)
                    if ((call() - offset).astype(np.int32) != want).any():
                        sys.exit(f"oneDNN differs on {shape}")
                    calls.append(call)
                    continue
                vtext, vwant = text, want
                if sparse:
                    if args.case != "gemm" or sparse != ["2", "4"]:
                        sys.exit("CPU:ISA:2:4 is the only sparse variant "
                                 "(gemm only)")
                    bs = mc_ir.prune_2_4(b)
                    vtext = mc_ir.gemm_i8(bs, m)
                    vwant = (a.astype(np.int64) @ bs.astype(np.int64)) \
                        .astype(np.int32)
                lib = compile_variant(vtext, cpu, isa, args.threads, work)
                c = np.zeros_like(vwant)
                call = mc_ir.Entry(lib, entry, [a], [c])
                call()
                if c.tobytes() != vwant.tobytes():
                    sys.exit(f"{cpu}:{isa} differs on {shape}")
                calls.append(call)
            times = [[] for _ in variants]
            for _ in range(args.repeats):
                for i, call in enumerate(calls):
                    best = None
                    for _ in range(3):
                        t0 = time.perf_counter()
                        call()
                        dt = time.perf_counter() - t0
                        best = dt if best is None else min(best, dt)
                    times[i].append(best)
            ops = 2 * m * n * k
            cells = []
            for ts in times:
                rates = sorted(ops / t / 1e9 for t in ts)
                cells.append(f"{statistics.median(rates):.0f} "
                             f"({rates[0]:.0f}-{rates[-1]:.0f})")
            print(f"| {m}x{n}x{k} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
