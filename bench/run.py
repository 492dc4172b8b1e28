#!/usr/bin/env python3
"""mc's kernels against peers, in one process, on the same data.

    python3 bench/run.py [--quick] [--only=REGEX] [--threads=1,2]
        [--isas=avx-vnni,haswell:avx2] [--selfcheck]

Every implementation is first checked against numpy on the case's inputs
(exact for integer results, a tolerance for float ones); one that fails is
reported as FAILED and not timed. See bench/README.md for the columns.
"""
import argparse
import math
import os
import re
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mc_ir  # noqa: E402
from peers import ggml, machine, onednn, openblas, ort  # noqa: E402

INT8_OPS, F32_FLOPS = 256, 64        # per cycle per core (DESIGN.md)
ROTATE_BYTES = 160e6                 # weights rotated per memory-bound case
GEMM = [(1024, 1024, 1024), (2048, 2048, 2048), (128, 768, 768),
        (128, 3072, 768), (128, 768, 3072), (512, 4096, 4096)]   # M, N, K
BERT = GEMM[2:5]
WSHAPES = [(4096, 4096), (4096, 14336), (14336, 4096)]            # K, N
WFORMATS = [("wq4g32", 4, 32), ("wq4g128", 4, 128), ("wq8g32", 8, 32)]
SPARSITY = [0.5, 0.9, 0.95]


class Skip(Exception):
    """An implementation that cannot run this case (the row shows why)."""


class Serial(Exception):
    """mc code built for several threads that has no parallel region: its
    figure is the 1-thread one."""


def mc_module(text, t, key=None, cpu=None, isa=None):
    lib = mc_ir.compile_module(text, t, key, cpu=cpu, isa=isa)
    if t > 1 and not mc_ir.is_parallel(lib):
        raise Serial()
    return lib


def sparse_f32_bytes(w, m):
    """Bytes one call reads of mc's sparse f32 format of `w` at M = m
    (SparseMatmul.cpp). 1-2 rows: the slots (per window of 32 k and 16
    columns, the most nonzeros a column has there, 80 bytes each, + a
    count) where they are at most 1.5 bytes per weight, else the bitmask
    (2 bytes per 16 weights, columns padded to 64, + 4 per nonzero). 3-8
    rows: compressed columns (per 4 columns and 512 k, the longest
    column's records of 6 bytes, for each column)."""
    k, n = w.shape
    nz = w != 0

    def longest(rows, cols):
        """Per block of `rows` k and `cols` columns, the most nonzeros of a
        column, summed over the blocks."""
        pad = np.zeros((-(-k // rows) * rows, -(-n // 64) * 64), bool)
        pad[:k, :n] = nz
        counts = pad.reshape(pad.shape[0] // rows, rows, -1, cols).sum(1)
        return int(counts.max(-1).sum()), counts.shape[0] * counts.shape[1]

    if m >= 3:
        records, _ = longest(512, 4)
        return records * 4 * 6
    slots, count_bytes = longest(32, 16)
    slot_bytes = slots * 16 * 5 + count_bytes
    if slot_bytes <= 1.5 * k * n:
        return slot_bytes
    return 2 * k * 4 * -(-n // 64) + 4 * int(nz.sum())


def rel_err(y, ref):
    ref = np.asarray(ref, np.float64)
    return float(np.linalg.norm(y - ref) / max(np.linalg.norm(ref), 1e-30))


class Bench:
    def __init__(self, args):
        self.args = args
        self.threads = args.threads
        self.min_time = 0.15 if args.quick else 0.4
        self.rows = []
        self.memo = {}          # (impl, shape, threads) -> (seconds, note)
        self.rng_seed = 20240

    # --- machine --------------------------------------------------------

    def measure_limits(self):
        """Clock and DRAM read bandwidth, at the start and again at the end
        of the run: the larger figure is the limit (a busy machine only
        lowers them)."""
        lib = machine.load()
        hz = lib.clock_hz()
        bw = {t: lib.read_bw(1 << 30, t, 5 if self.args.quick else 10)
              for t in self.threads}
        if hasattr(self, "hz"):
            print(f"# at the end: clock {hz / 1e9:.2f} GHz, DRAM read " +
                  ", ".join(f"{bw[t] / 1e9:.1f} GB/s ({t}t)" for t in self.threads)
                  + "; the table uses the larger of start and end")
            hz = max(hz, self.hz)
            bw = {t: max(bw[t], self.bw[t]) for t in self.threads}
        self.hz, self.bw = hz, bw

    def measure_machine(self):
        self.measure_limits()
        print(f"# cpu: {machine.cpu_model()}, {os.cpu_count()} cores; load "
              f"average at start: {open('/proc/loadavg').read().split()[0]}")
        print(f"# clock: {self.hz / 1e9:.2f} GHz measured (dependent-add "
              f"chain, 1 core; /proc/cpuinfo says "
              f"{machine.cpuinfo_mhz() / 1e3:.2f} GHz)")
        for t in self.threads:
            print(f"# limits, {t} thread(s): int8 "
                  f"{INT8_OPS * self.hz * t / 1e9:.0f} GOP/s, fp32 "
                  f"{F32_FLOPS * self.hz * t / 1e9:.0f} GFLOP/s, DRAM read "
                  f"{self.bw[t] / 1e9:.1f} GB/s (measured, 1 GiB)")
        dot, shuf, pair = (machine.load().issue_rate(i) / self.hz
                           for i in range(3))
        if dot:
            print(f"# issue rates, 1 core: vpdpbusd {dot:.2f}/cycle, vpshufb "
                  f"{shuf:.2f}/cycle, one of each {pair:.2f} pairs/cycle; so "
                  f"a 2:4 int8 GEMM that gathers with vpshufb is at most "
                  f"{2 * pair / dot:.2f}x a dense one at its port limit")
        mcpu, thr = mc_ir.compile_options(1), mc_ir.threads_supported()
        print(f"# mc-compile {' '.join(mcpu)}; thread option: "
              f"{'yes' if thr else 'none (mc code is single-threaded: its 2-thread rows repeat the 1-thread figure)'}")
        print(f"# peers: oneDNN 2.6 (Debian), {openblas.config()}, "
              f"onnxruntime {ort.version()}, ggml from llama-cpp-python "
              f"{ggml.version()}")
        sys.stdout.flush()

    # --- timing ---------------------------------------------------------

    def time_calls(self, call, n):
        """Seconds of the fastest call of call(i), i rotating over n weight
        sets (the machine is shared: the fastest call is the one least
        disturbed); with several sets a warm-up pass calls each once first
        (with one, the correctness check was the warm-up)."""
        for i in range(n if n > 1 else 0):
            call(i)
        times, start, i = [], time.perf_counter(), 0
        while True:
            t0 = time.perf_counter()
            call(i % n)
            times.append(time.perf_counter() - t0)
            i += 1
            spent = time.perf_counter() - start
            if spent >= self.min_time and (len(times) >= 3 or
                                            spent + times[-1] > 2 * self.min_time):
                break
        return min(times)

    def set_threads(self, t):
        for peer in (onednn, openblas, ggml):
            try:
                peer.set_threads(t)
            except Exception:  # noqa: BLE001 - a missing peer's rows say so
                pass
        # OpenMP threads spin after a parallel region (libomp's, mc's: 200 ms
        # by default; libgomp's, oneDNN's and ggml's: shorter): let the
        # previous implementation's go to sleep first.
        time.sleep(0.3)

    # --- rows -----------------------------------------------------------

    def run_impl(self, case, shape, impl, kind, ops, nbytes, setup, memo=None,
                 is_mc=None, vs=()):
        """setup(t) -> (call(i), nsets[, note]), checked inside setup; one
        row per thread count. Failures and skips become rows with a note.
        `memo` names a measurement shared between cases (same data and
        shape); `is_mc` marks the row the case's ratios are taken against;
        `vs` lists (label, memo) of dense baselines a sparse row is compared
        with in its note."""
        mc = impl.startswith("mc")
        is_mc = mc if is_mc is None else is_mc
        memo = memo or (case, impl)
        for t in self.threads:
            key = (memo, shape, t)
            if key in self.memo:
                secs, note = self.memo[key]
            elif mc and t != self.threads[0] and not mc_ir.threads_supported():
                secs, note = self.memo.get((memo, shape, self.threads[0]),
                                           (None, ""))
                note = "1-thread code" if secs else note
            else:
                secs, note = None, ""
                try:
                    self.set_threads(t)
                    call, n, *extra = setup(t)
                    secs = self.time_calls(call, n)
                    note = "; ".join(([f"{n} weight sets"] if n > 1 else []) +
                                     extra)
                except Skip as e:
                    note = str(e)
                except Serial:
                    secs = self.memo.get((memo, shape, self.threads[0]), (None,))[0]
                    note = "1-thread code (no parallel region)"
                except (ImportError, OSError, subprocess.CalledProcessError) as e:
                    note = f"n/a: peer missing ({e}); run bench/setup.sh"[:160]
                except Exception as e:  # a peer that breaks is a row, not a crash
                    note = f"FAILED: {e}"[:160]
                self.memo[key] = (secs, note)
            self.rows.append(dict(case=case, shape=shape, impl=impl, threads=t,
                                  kind=kind, ops=ops, bytes=nbytes, secs=secs,
                                  note=note, is_mc=is_mc,
                                  vs=[(label, self.memo.get((m, shape, t), (None,))[0])
                                      for label, m in vs]))
            print("  " + self.format_row(self.rows[-1]), file=sys.stderr,
                  flush=True)

    # --- cases ----------------------------------------------------------

    def selected(self, case):
        return re.search(self.args.only, case) if self.args.only else True

    def int8_gemm(self, m, n, k):
        case, shape = "i8gemm", f"{m}x{n}x{k}"
        if not self.selected(f"{case}/{shape}") and not self.selected(
                f"sp24/{shape}"):
            return
        rng = np.random.default_rng([self.rng_seed, m, n, k])
        a = rng.integers(-128, 128, (m, k), dtype=np.int8)
        b = rng.integers(-128, 128, (k, n), dtype=np.int8)
        ref = a.astype(np.float64) @ b.astype(np.float64)   # exact: < 2^53
        ops = 2 * m * n * k
        if self.selected(f"{case}/{shape}"):
            self.int8_rows(case, shape, a, b, ref, ops)
        if self.selected(f"sp24/{shape}"):
            self.sparse24(shape, a, b, ref, ops)

    def mc_check_budget(self, ops, rate_key):
        """Skips an mc call expected to take longer than --mc-max-call (the
        reference lowering runs scalar loops)."""
        rate = self.memo.get(rate_key)
        if rate and ops / rate > self.args.mc_max_call:
            raise Skip(f"skipped: reference lowering, est. {ops / rate:.0f} s/call")

    def int8_rows(self, case, shape, a, b, ref, ops):
        m, n = a.shape[0], b.shape[1]

        def mc(t, cpu=None, isa=None):
            self.mc_check_budget(ops, "mc-int8-rate")
            lib = mc_module(mc_ir.gemm_i8(b, m), t, cpu=cpu, isa=isa)
            c = np.zeros((m, n), np.int32)
            call = mc_ir.Entry(lib, "gemm", [a], [c])
            t0 = time.perf_counter()
            call()
            if not isa:
                self.memo["mc-int8-rate"] = ops / (time.perf_counter() - t0)
            if not (c == ref).all():
                raise RuntimeError("mc result differs from numpy")
            return lambda i: call(), 1
        self.run_impl(case, shape, "mc", "int8", ops, None, mc, "mc-i8")
        # --isas: the kernels of other x86 ISAs, e.g. "haswell:avx2".
        for variant in self.args.isas:
            cpu, _, isa = variant.rpartition(":")
            label = f"mc {isa}" + (f" ({cpu})" if cpu else "")
            self.run_impl(case, shape, label, "int8", ops, None,
                          lambda t, cpu=cpu, isa=isa: mc(t, cpu or None, isa),
                          "mc-i8-" + variant, is_mc=False)

        def dnnl(t):
            mm = onednn.Matmul(b, m)
            call = mm.bind(a.view(np.uint8) ^ 0x80)   # a + 128 as u8
            want = ref + 128.0 * b.astype(np.float64).sum(axis=0)
            if not (call() == want).all():
                raise RuntimeError("oneDNN result differs from numpy")
            return lambda i: call(), 1
        self.run_impl(case, shape, "oneDNN u8s8s32", "int8", ops, None, dnnl,
                      "dnnl-i8")

    def sparse24(self, shape, a, b, ref, ops):
        """2:4 int8 (mc's form: hook in mc_ir) against mc's and oneDNN's
        dense int8 on the same shape (the 2:4 weight keeps the 2 largest
        magnitudes of every 4 along K)."""
        m, n = a.shape[0], b.shape[1]
        bs = mc_ir.prune_2_4(b)

        def mc(t):
            text = mc_ir.sparse_2_4_i8(bs, m)
            if text is None:
                raise Skip("n/a: no 2:4 IR form yet (mc_ir.sparse_2_4_i8)")
            lib = mc_module(text, t)
            c = np.zeros((m, n), np.int32)
            call = mc_ir.Entry(lib, "gemm", [a], [c])
            if not (call()[0] == a.astype(np.float64) @ bs.astype(np.float64)).all():
                raise RuntimeError("mc result differs from numpy")
            return lambda i: call(), 1
        if ("mc-i8", shape, self.threads[0]) not in self.memo:
            self.int8_rows("i8gemm", shape, a, b, ref, ops)
        self.run_impl("sp24", shape, "mc 2:4", "int8", ops, None, mc,
                      vs=[("mc dense", "mc-i8"), ("oneDNN", "dnnl-i8")])

    def dynamic_int8(self, m, n, k):
        """W8A8 with run-time activation quantization (mc-quantize
        activations=dynamic) from f32 to f32, against f32 peers and oneDNN's
        int8 kernel alone (without the activation quantization)."""
        case, shape = "i8dyn", f"{m}x{n}x{k}"
        if not self.selected(f"{case}/{shape}"):
            return
        rng = np.random.default_rng([self.rng_seed, 1, m, n, k])
        x = rng.standard_normal((m, k), dtype=np.float32)
        w = (rng.standard_normal((k, n), dtype=np.float32) * 0.05)
        ref = x.astype(np.float64) @ w.astype(np.float64)
        ops = 2 * m * n * k

        def mc(t):
            key = f"dyn {m} {n} {k} {self.rng_seed}"
            lib = mc_module(lambda: mc_ir.dynamic_int8(w, m), t, key)
            y = np.zeros((m, n), np.float32)
            call = mc_ir.Entry(lib, "f", [x], [y])
            err = rel_err(call()[0], ref)
            if err > 3e-2:
                raise RuntimeError(f"mc W8A8 error {err:.3g} > 3e-2")
            return lambda i: call(), 1
        self.run_impl(case, shape, "mc W8A8 dyn", "int8", ops, None, mc)
        self.f32_peers(case, shape, x, [w], ref, ops, None, "fp32", case)

    def f32_peers(self, case, shape, x, weights, ref, ops, nbytes, kind, tag,
                  suffix=""):
        """oneDNN f32 matmul and OpenBLAS sgemm/sgemv on x . w, rotating over
        `weights` (K x N f32 each; ref is for the first). `tag` names the
        data, so cases on the same data share the measurements."""
        m = x.shape[0]

        def dnnl(t):
            mms = [onednn.Matmul(wi, m) for wi in weights]
            calls = [mm.bind(x) for mm in mms]
            if rel_err(calls[0](), ref) > 1e-5:
                raise RuntimeError("oneDNN f32 result differs from numpy")
            return lambda i: calls[i](), len(calls)

        def blas(t):
            outs = [np.zeros((m, wi.shape[1]), np.float32) for wi in weights]
            calls = [openblas.bind(x, wi, o) for wi, o in zip(weights, outs)]
            if rel_err(calls[0](), ref) > 1e-5:
                raise RuntimeError("OpenBLAS result differs from numpy")
            return lambda i: calls[i](), len(calls)
        name = "sgemv" if m == 1 else "sgemm"
        self.run_impl(case, shape, "oneDNN f32" + suffix, kind, ops, nbytes,
                      dnnl, f"dnnl-f32-{tag}")
        self.run_impl(case, shape, f"OpenBLAS {name}" + suffix, kind, ops,
                      nbytes, blas, f"blas-f32-{tag}")

    def sets_for(self, nbytes):
        return max(1, math.ceil(ROTATE_BYTES / nbytes))

    def weight_sets(self, k, n, count):
        """Distinct f32 weight sets (K x N), the same for every format."""
        for i in range(count):
            rng = np.random.default_rng([self.rng_seed, 2, k, n, i])
            yield rng.standard_normal((k, n), dtype=np.float32) * 0.02

    def weight_only(self, fmt, bits, group, k, n, ms):
        cases = [(m, f"{fmt}/m{m}/{k}x{n}") for m in ms]
        ms = [m for m, c in cases if self.selected(c)]
        if not ms:
            return
        shape = f"{k}x{n}"
        nbytes = ort.bytes_of(k, n, bits, group)  # mc's and ORT's format
        nsets = self.sets_for(nbytes)
        print(f"# {fmt} {shape}: {nsets} weight sets of {nbytes / 1e6:.1f} MB "
              f"rotated; preparing", file=sys.stderr, flush=True)
        qs = [mc_ir.quantize_groups(w, bits, group)
              for w in self.weight_sets(k, n, nsets)]
        rng = np.random.default_rng([self.rng_seed, 3, k])
        xs = {m: rng.standard_normal((m, k), dtype=np.float32) for m in ms}
        refs = {m: xs[m].astype(np.float64) @
                mc_ir.dequantize_groups(*qs[0]).astype(np.float64) for m in ms}

        libs = {}

        def mc_libs(t, dynamic=False):
            """mc's modules, one per weight set, each with M = 1, 4, 8 (with
            `dynamic`, int8 activations quantized at run time: W4A8 / W8A8).
            Sets rotate through ROTATE_BYTES of what a call really reads
            (the format's bytes or more: at the reference lowering an i4
            payload takes a byte an element)."""
            emit, prefix = ((mc_ir.weight_only_dynamic, "wqd") if dynamic
                            else (mc_ir.weight_only, "wq"))

            def compile_set(i):
                q, s = qs[i]
                key = f"{prefix} {bits} {group} {k} {n} {i} {self.rng_seed}"
                text = (lambda: "".join(emit(q, s, bits, mm, f"{prefix}_m{mm}")
                                        for mm in (1, 4, 8)))
                print(f"#   mc{' W%dA8' % bits if dynamic else ''}: weight set "
                      f"{i + 1}, {t} thread(s)", file=sys.stderr, flush=True)
                return mc_module(text, t, key)
            if (t, dynamic) not in libs:
                first = compile_set(0)
                # The kernels pack their own copy of the weights per
                # function (M = 1, 4, 8), of which a call reads one.
                stored = max(nbytes, os.path.getsize(first._name) / 3)
                libs[t, dynamic] = [first] + [compile_set(i) for i in range(
                    1, min(len(qs), self.sets_for(stored)))]
            return libs[t, dynamic]

        peers = {}  # quantized peer weights, shared by every M (ORT: per thread count)

        def ort_sessions(t, acc):
            if ("ort", t, acc) not in peers:
                peers["ort", t, acc] = [ort.MatMulNBits(q, s, bits, t, acc)
                                        for q, s in qs]
            return peers["ort", t, acc]

        def ggml_weights(kind, count):
            if ("ggml", kind) not in peers:
                peers["ggml", kind] = [
                    ggml.Weight(kind, w, dequantized=(i == 0))
                    for i, w in enumerate(self.weight_sets(k, n, count))]
            return peers["ggml", kind]

        for m in ms:
            case, ops = fmt, 2 * m * k * n
            label = f"m{m} {shape}"

            def mc(t, m=m):
                self.mc_check_budget(ops, f"mc-{fmt}-rate")
                ys = [np.zeros((m, n), np.float32) for _ in qs]
                calls = [mc_ir.Entry(lib, f"wq_m{m}", [xs[m]], [y])
                         for lib, y in zip(mc_libs(t), ys)]
                t0 = time.perf_counter()
                err = rel_err(calls[0]()[0], refs[m])
                self.memo[f"mc-{fmt}-rate"] = ops / (time.perf_counter() - t0)
                if err > 1e-5:
                    raise RuntimeError(f"mc error {err:.3g} > 1e-5")
                return lambda i: calls[i](), len(calls)
            self.run_impl(case, label, "mc", "mem", ops, nbytes, mc)

            def mc_dynamic(t, m=m):
                # Activations quantized to int8 per row at run time (the
                # error of that, like ggml's q8 activations, not of mc's
                # arithmetic: the kernel equals mc's reference bit for bit).
                self.mc_check_budget(ops, f"mc-{fmt}-rate")
                ys = [np.zeros((m, n), np.float32) for _ in qs]
                calls = [mc_ir.Entry(lib, f"wqd_m{m}", [xs[m]], [y])
                         for lib, y in zip(mc_libs(t, dynamic=True), ys)]
                err = rel_err(calls[0]()[0], refs[m])
                if err > 2e-2:
                    raise RuntimeError(f"mc W{bits}A8 error {err:.3g} > 2e-2")
                return lambda i: calls[i](), len(calls)
            self.run_impl(case, label, f"mc W{bits}A8", "mem", ops, nbytes,
                          mc_dynamic)

            for acc in ((0, 4) if bits == 4 else (4,)):
                def onnx(t, m=m, acc=acc):
                    calls = [sess.bind(xs[m]) for sess in ort_sessions(t, acc)]
                    err = rel_err(calls[0](), refs[m])
                    if err > (1e-5 if acc == 0 else 2e-2):
                        raise RuntimeError(f"ORT error {err:.3g}")
                    return lambda i: calls[i](), len(calls)
                self.run_impl(case, label, f"ORT MatMulNBits acc{acc}", "mem",
                              ops, nbytes, onnx)

            kinds = ["q4_0", "q4_k"] if bits == 4 else ["q8_0"]
            for kind in kinds:
                gbytes = ggml.bytes_of(kind, k, n)

                def gg(t, m=m, kind=kind, gbytes=gbytes):
                    mats = ggml_weights(kind, self.sets_for(gbytes))
                    calls = [mat.bind(xs[m]) for mat in mats]
                    want = xs[m].astype(np.float64) @ mats[0].dequantized()
                    err = rel_err(calls[0](), want)
                    if err > 2e-2:
                        raise RuntimeError(f"ggml error {err:.3g}")
                    return (lambda i: calls[i](), len(calls),
                            "repacked" if mats[0].repacked else "plain layout")
                name = f"ggml {kind.upper()}"
                self.run_impl(case, label, name, "mem", ops, gbytes, gg,
                              f"ggml-{kind}-m{m}")
        peers.clear()
        for lib in sum(libs.values(), []):
            mc_ir.unload(lib)

    def sparse_f32(self, m, k, n, sparse=True):
        """Dense f32 (mc, oneDNN, OpenBLAS) and, with `sparse`, unstructured
        sparse f32 (mc's form: hook in mc_ir) on the same shape. M <= 8 is
        memory-bound (GEMV, shape m<M> KxN): dense and sparse weights each
        rotate through ROTATE_BYTES of what one call reads (the sparse sets:
        the bytes of mc's format, so they do not fit in the L3 either)."""
        gemv = m <= 8
        shape = f"m{m} {k}x{n}" if gemv else f"{m}x{n}x{k}"
        ids = [f"spf32-{int(p * 100)}/{shape.replace(' ', '/')}"
               for p in SPARSITY] if sparse else []
        if not any(self.selected(c) for c in ids + [f"f32/{shape.replace(' ', '/')}"]):
            return
        kind = "mem" if gemv else "fp32"
        dense_bytes = 4 * k * n
        nsets = self.sets_for(dense_bytes) if gemv else 1
        ws = list(self.weight_sets(k, n, nsets))
        rng = np.random.default_rng([self.rng_seed, 4, k, m])
        x = rng.standard_normal((m, k), dtype=np.float32)
        ref = x.astype(np.float64) @ ws[0].astype(np.float64)
        ops = 2 * m * k * n
        nb = dense_bytes if gemv else None

        def mc_dense(t):
            self.mc_check_budget(ops, "mc-f32-rate")
            libs = [mc_module(
                lambda w=w: mc_ir.matmul_f32(w, m), t,
                f"f32 {k} {n} {m} {i} {self.rng_seed}")
                for i, w in enumerate(ws)]
            ys = [np.zeros((m, n), np.float32) for _ in ws]
            calls = [mc_ir.Entry(lib, "f", [x], [y]) for lib, y in zip(libs, ys)]
            t0 = time.perf_counter()
            err = rel_err(calls[0]()[0], ref)
            self.memo["mc-f32-rate"] = ops / (time.perf_counter() - t0)
            if err > 1e-5:
                raise RuntimeError(f"mc error {err:.3g}")
            return lambda i: calls[i](), len(calls)
        self.run_impl("f32", shape, "mc dense", kind, ops, nb, mc_dense,
                      "mc-f32", is_mc=True)
        self.f32_peers("f32", shape, x, ws, ref, ops, nb, kind, "sp")

        def sparse_set(p, i):
            """Sparse set i: dense set i mod len(ws), a fraction p zeroed."""
            w = ws[i % len(ws)]
            return np.where(np.random.default_rng(i).random(w.shape) < p,
                            0, w).astype(np.float32)

        for p, cid in zip(SPARSITY, ids):
            if not self.selected(cid):
                continue
            case = f"spf32-{int(p * 100)}"
            # mc takes weights with >= 70 % zeros, others go to the dense
            # path.
            sbytes = (sparse_f32_bytes(sparse_set(p, 0), m) if p >= 0.7
                      else dense_bytes)
            count = self.sets_for(sbytes) if gemv else 1

            def mc(t, p=p, count=count):
                if mc_ir.sparse_f32(ws[0][:4, :4], 1) is None:
                    raise Skip("n/a: no sparse IR form yet (mc_ir.sparse_f32)")
                libs = [mc_module(
                    lambda i=i: mc_ir.sparse_f32(sparse_set(p, i), m), t,
                    f"spf32 {k} {n} {m} {p} {i} {self.rng_seed}")
                    for i in range(count)]
                ys = [np.zeros((m, n), np.float32) for _ in libs]
                calls = [mc_ir.Entry(lib, "f", [x], [y]) for lib, y in zip(libs, ys)]
                want = x.astype(np.float64) @ sparse_set(p, 0).astype(np.float64)
                if rel_err(calls[0]()[0], want) > 1e-5:
                    raise RuntimeError("mc sparse result differs from numpy")
                return lambda i: calls[i](), len(calls)
            self.run_impl(case, shape, f"mc {int(p * 100)}% sparse", kind,
                          ops, sbytes if gemv else None, mc,
                          vs=[("mc dense", "mc-f32"),
                              ("oneDNN", "dnnl-f32-sp"),
                              ("OpenBLAS", "blas-f32-sp")])

    # --- output ---------------------------------------------------------

    HEADER = ("| case | shape | impl | thr | ms/call | GOP/s | GB/s | % limit "
              "| mc÷impl | note |\n|" + "---|" * 10)

    def figures(self, r):
        if r["secs"] is None:
            return "", "", "", ""
        gops = r["ops"] / r["secs"] / 1e9
        gbs = r["bytes"] / r["secs"] / 1e9 if r["bytes"] else None
        if r["kind"] == "mem" and not r["bytes"]:
            limit = None  # a sparse format: no single byte count to compare
        elif r["kind"] == "mem":
            limit = 100 * r["bytes"] / r["secs"] / self.bw[r["threads"]]
        else:
            per = INT8_OPS if r["kind"] == "int8" else F32_FLOPS
            limit = 100 * gops * 1e9 / (per * self.hz * r["threads"])
        return (f"{r['secs'] * 1e3:.3f}", f"{gops:.1f}",
                f"{gbs:.1f}" if gbs else "",
                f"{limit:.1f}" if limit is not None else "")

    def ratio(self, r):
        """mc's speed over this implementation's (same case, shape and
        threads): > 1 means mc is faster."""
        if r["is_mc"] or r["secs"] is None:
            return ""
        mine = [x for x in self.rows if x["is_mc"] and x["case"] == r["case"]
                and x["shape"] == r["shape"] and x["threads"] == r["threads"]]
        if not mine:
            return ""
        if mine[0]["secs"] is None:
            return "n/a"
        return f"{r['secs'] / mine[0]['secs']:.3f}"

    def format_row(self, r):
        ms, gops, gbs, limit = self.figures(r)
        note = r["note"] or ("" if r["secs"] else "n/a")
        if r["vs"] and r["secs"]:
            note = "; ".join([note] * bool(note) + ["speed-up over dense: " + ", ".join(
                f"{label} {other / r['secs']:.2f}x" if other else f"{label} n/a"
                for label, other in r["vs"])])
        return (f"| {r['case']} | {r['shape']} | {r['impl']} | {r['threads']} "
                f"| {ms} | {gops} | {gbs} | {limit} | {self.ratio(r)} | {note} |")

    def table(self):
        """All rows, grouped by case and shape, then threads."""
        order = {}
        for r in self.rows:
            order.setdefault((r["case"], r["shape"]), len(order))
        rows = sorted(self.rows, key=lambda r: (order[(r["case"], r["shape"])],
                                                r["threads"]))
        print(self.HEADER)
        for r in rows:
            print(self.format_row(r))

    # --- driver ---------------------------------------------------------

    def run(self):
        quick = self.args.quick
        self.measure_machine()
        print("# shapes: GEMM M x N x K; weight-only and GEMV m<M> K x N "
              "(weights K x N); mc÷impl = impl's time / mc's time (> 1: mc "
              "faster)")
        for m, n, k in ([(128, 768, 768)] if quick else GEMM):
            self.int8_gemm(m, n, k)
        for m, n, k in ([(128, 768, 768)] if quick else BERT):
            self.dynamic_int8(m, n, k)
        ms = [1] if quick else [1, 4, 8]
        for fmt, bits, group in (WFORMATS[:1] if quick else WFORMATS):
            for k, n in (WSHAPES[:1] if quick else WSHAPES):
                self.weight_only(fmt, bits, group, k, n, ms)
        for k, n in (WSHAPES[:1] if quick else WSHAPES):
            for m in ms:
                self.sparse_f32(m, k, n)
        for m, n, k in ([] if quick else GEMM):
            self.sparse_f32(m, k, n)
        print(f"# load average before the final measurement: "
              f"{open('/proc/loadavg').read().split()[0]}")
        self.measure_limits()
        self.table()
        print(f"# load average at end: {open('/proc/loadavg').read().split()[0]}")


def selfcheck():
    """The generated weight-only IR equals mc-opt's --mc-quantize output for
    the same weights (up to the attributes the pass adds), and every mc form
    runs and matches numpy on a small shape."""
    rng = np.random.default_rng(7)
    failures = 0
    for bits, group, k in ((4, 32, 64), (4, 128, 256), (8, 32, 64)):
        w = rng.standard_normal((k, 8), dtype=np.float32)
        w[:, 3] = 0
        opts = f"--mc-quantize=bits={bits} granularity=group group-size={group}"
        theirs = mc_ir.mc_opt(mc_ir.matmul_f32(w, 2), opts)
        mine = mc_ir.mc_opt(mc_ir.weight_only(*mc_ir.quantize_groups(w, bits, group),
                                              bits, 2, "f"))
        # The pass's attributes on the matmul (layer name, statistics) aside.
        strip = lambda t: re.sub(r"linalg.matmul \{(?:[^{}]|\{[^{}]*\})*\}",
                                 "linalg.matmul", t)
        same = strip(theirs) == strip(mine)
        failures += not same
        print(f"selfcheck: int{bits} group {group} IR equals mc-opt's: "
              f"{'ok' if same else 'FAILED'}")
        if not same:
            print(strip(theirs)[:3000], "\n---\n", strip(mine)[:3000])
    # Each mc form compiles, runs and matches numpy.
    a = rng.integers(-128, 128, (4, 64), dtype=np.int8)
    b = rng.integers(-128, 128, (64, 16), dtype=np.int8)
    c = np.zeros((4, 16), np.int32)
    mc_ir.Entry(mc_ir.compile_module(mc_ir.gemm_i8(b, 4)), "gemm", [a], [c])()
    checks = {"int8 gemm": (c == a.astype(np.int64) @ b).all()}
    w = rng.standard_normal((64, 16), dtype=np.float32)
    x = rng.standard_normal((4, 64), dtype=np.float32)
    q, s = mc_ir.quantize_groups(w, 4, 32)
    y = np.zeros((4, 16), np.float32)
    mc_ir.Entry(mc_ir.compile_module(mc_ir.weight_only(q, s, 4, 4)), "wq",
                [x], [y])()
    checks["int4 weight-only"] = rel_err(y, x @ mc_ir.dequantize_groups(q, s)) < 1e-6
    mc_ir.Entry(mc_ir.compile_module(mc_ir.dynamic_int8(w, 4)), "f", [x], [y])()
    checks["W8A8 dynamic"] = rel_err(y, x @ w) < 3e-2
    mc_ir.Entry(mc_ir.compile_module(mc_ir.matmul_f32(w, 4)), "f", [x], [y])()
    checks["f32 matmul"] = rel_err(y, x @ w) < 1e-6
    for name, ok in checks.items():
        failures += not ok
        print(f"selfcheck: mc {name} equals numpy: {'ok' if ok else 'FAILED'}")
    return failures


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="few shapes, short timing")
    p.add_argument("--only", default="", help="regex over case ids, e.g. "
                   "'i8gemm/128x768x768', 'wq4g32/m1', 'spf32-90'")
    p.add_argument("--threads", default="1,2", help="thread counts, e.g. 1,2")
    p.add_argument("--mc-max-call", type=float, default=60,
                   help="skip mc calls estimated slower than this (s)")
    p.add_argument("--isas", default="",
                   help="more int8 GEMM rows: kernels of other x86 ISAs this "
                   "host runs, [CPU:]ISA, e.g. avx-vnni,haswell:avx2")
    p.add_argument("--selfcheck", action="store_true",
                   help="check the generated IR against mc-opt and exit")
    args = p.parse_args()
    args.threads = [int(t) for t in args.threads.split(",")]
    args.isas = [v for v in args.isas.split(",") if v]
    if not os.path.exists(os.path.join(mc_ir.BIN, "mc-compile")):
        sys.exit("bench: build/bin/mc-compile is missing: bash scripts/build.sh")
    if args.selfcheck:
        sys.exit(1 if selfcheck() else 0)
    start = time.time()
    Bench(args).run()
    print(f"# {time.time() - start:.0f} s")


if __name__ == "__main__":
    main()
