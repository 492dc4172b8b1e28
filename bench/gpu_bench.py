#!/usr/bin/env python3
"""mc's int8 GEMM on an NVIDIA GPU against cuBLASLt (and 2:4 against
cuSPARSELt), when there is a GPU.

    python3 bench/gpu_bench.py [--shapes=MxNxK,...] [--repeat=N]

Without a GPU (no libcuda.so.1 or no device) it says so and exits 0; the
static figures that need no GPU are in bench/gpu_kernels.py.

Each case is C = A . B, A (M x K) int8 activations, B (K x N) int8 weights,
C int32, exact:

- mc: `mc_ir.gemm_i8` (B a compile-time constant, as in bench/run.py) run by
  `mc-run --device=cuda --repeat=N`, which times each call's kernels with
  CUDA events (the weight is copied to the GPU once, on the first call);
- cuBLASLt: `cublasLtMatmul` s8 x s8 -> s32 (CUBLAS_COMPUTE_32I), the "TN"
  regular-order layout its IMMA kernels take (A transposed: the weight as
  N x K, K contiguous; B the activations, K contiguous; column-major C^T,
  i.e. row-major C), 32 MiB of workspace, every algorithm of the top 8
  heuristics timed and the fastest kept;
- 2:4 (B pruned to 2 non-zeros in every 4 along K): mc on the same plain
  GEMM form (`mc_ir.sparse_2_4_i8`), and cuSPARSELt if its library loads
  (PyPI `nvidia-cusparselt-cu13` / `-cu12`; optional): the weight
  compressed once, `cusparseLtMatmulSearch` picking the configuration.

Both sides are timed alike: CUDA events around each call after warm-up,
the median of N calls. Results are checked exactly on 64 sampled rows
against numpy; a failed check is printed instead of a time.
"""
import argparse
import ctypes
import glob
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import mc_ir  # noqa: E402

# 4096^3 (the goal: mc >= 0.8x cuBLASLt) and bench/run.py's BERT
# GEMM shapes (M x N x K).
SHAPES = [(4096, 4096, 4096), (128, 768, 768), (128, 3072, 768),
          (128, 768, 3072)]
CHECK_ROWS = 64


def find_gpu():
    """(name, compute capability) of CUDA device 0, or a reason there is
    none."""
    try:
        cuda = ctypes.CDLL("libcuda.so.1")
    except OSError as e:
        return None, f"no NVIDIA driver (cannot load libcuda.so.1: {e})"
    if cuda.cuInit(0) != 0:
        return None, "the CUDA driver does not start (cuInit failed)"
    count = ctypes.c_int(0)
    if cuda.cuDeviceGetCount(ctypes.byref(count)) != 0 or count.value == 0:
        return None, "no CUDA device"
    dev = ctypes.c_int(0)
    cuda.cuDeviceGet(ctypes.byref(dev), 0)
    name = ctypes.create_string_buffer(256)
    cuda.cuDeviceGetName(name, 256, dev)
    major, minor = ctypes.c_int(0), ctypes.c_int(0)
    cuda.cuDeviceGetAttribute(ctypes.byref(major), 75, dev)
    cuda.cuDeviceGetAttribute(ctypes.byref(minor), 76, dev)
    return (name.value.decode(), f"sm_{major.value}{minor.value}"), None


# --- The CUDA driver, for the peers' buffers and timing ---------------------

class Driver:
    """The few driver calls the peers need, each checked. Device 0's
    primary context is made current: the one the CUDA runtime inside the
    libraries uses too."""

    def __init__(self):
        self.lib = ctypes.CDLL("libcuda.so.1")
        v = ctypes.c_void_p
        for name, args in [
                ("cuDevicePrimaryCtxRetain", [v, ctypes.c_int]),
                ("cuCtxSetCurrent", [v]),
                ("cuMemAlloc_v2", [v, ctypes.c_size_t]),
                ("cuMemFree_v2", [ctypes.c_uint64]),
                ("cuMemcpyHtoD_v2", [ctypes.c_uint64, v, ctypes.c_size_t]),
                ("cuMemcpyDtoH_v2", [v, ctypes.c_uint64, ctypes.c_size_t]),
                ("cuStreamCreate", [v, ctypes.c_uint]),
                ("cuStreamSynchronize", [v]),
                ("cuEventCreate", [v, ctypes.c_uint]),
                ("cuEventRecord", [v, v]),
                ("cuEventSynchronize", [v]),
                ("cuDriverGetVersion", [v])]:
            fn = getattr(self.lib, name)
            fn.argtypes, fn.restype = args, ctypes.c_int
        # cuda.h maps cuEventElapsedTime to _v2 since CUDA 12.8.
        self.elapsed = getattr(self.lib, "cuEventElapsedTime_v2", None) \
            or self.lib.cuEventElapsedTime
        self.elapsed.argtypes = [v, v, v]
        self.check(self.lib.cuInit(0), "cuInit")
        ctx = ctypes.c_void_p()
        self.check(self.lib.cuDevicePrimaryCtxRetain(ctypes.byref(ctx), 0),
                   "cuDevicePrimaryCtxRetain")
        self.check(self.lib.cuCtxSetCurrent(ctx), "cuCtxSetCurrent")
        self.stream = ctypes.c_void_p()
        self.check(self.lib.cuStreamCreate(ctypes.byref(self.stream), 0),
                   "cuStreamCreate")
        self.start, self.stop = ctypes.c_void_p(), ctypes.c_void_p()
        for e in (self.start, self.stop):
            self.check(self.lib.cuEventCreate(ctypes.byref(e), 0),
                       "cuEventCreate")

    def check(self, result, call):
        if result != 0:
            name = ctypes.c_char_p()
            self.lib.cuGetErrorName(result, ctypes.byref(name))
            raise RuntimeError(f"{call} failed: "
                               f"{(name.value or b'').decode() or result}")

    def version(self):
        v = ctypes.c_int(0)
        self.check(self.lib.cuDriverGetVersion(ctypes.byref(v)),
                   "cuDriverGetVersion")
        return f"{v.value // 1000}.{v.value % 1000 // 10}"

    def upload(self, array):
        array = np.ascontiguousarray(array)
        ptr = ctypes.c_uint64()
        self.check(self.lib.cuMemAlloc_v2(ctypes.byref(ptr), max(array.nbytes, 1)),
                   "cuMemAlloc")
        self.check(self.lib.cuMemcpyHtoD_v2(ptr, array.ctypes.data, array.nbytes),
                   "cuMemcpyHtoD")
        return ptr.value

    def alloc(self, size):
        ptr = ctypes.c_uint64()
        self.check(self.lib.cuMemAlloc_v2(ctypes.byref(ptr), max(size, 1)),
                   "cuMemAlloc")
        return ptr.value

    def download(self, ptr, shape, dtype):
        out = np.empty(shape, dtype)
        self.check(self.lib.cuMemcpyDtoH_v2(out.ctypes.data, ptr, out.nbytes),
                   "cuMemcpyDtoH")
        return out

    def free(self, *ptrs):
        for p in ptrs:
            self.check(self.lib.cuMemFree_v2(p), "cuMemFree")

    def time_ms(self, run, repeat):
        """Median of `repeat` calls of `run(stream)`, each between two
        events on the stream, after 3 warm-up calls."""
        for _ in range(3):
            run(self.stream)
        self.check(self.lib.cuStreamSynchronize(self.stream),
                   "cuStreamSynchronize")
        times = []
        for _ in range(repeat):
            self.check(self.lib.cuEventRecord(self.start, self.stream),
                       "cuEventRecord")
            run(self.stream)
            self.check(self.lib.cuEventRecord(self.stop, self.stream),
                       "cuEventRecord")
            self.check(self.lib.cuEventSynchronize(self.stop),
                       "cuEventSynchronize")
            ms = ctypes.c_float()
            self.check(self.elapsed(ctypes.byref(ms), self.start, self.stop),
                       "cuEventElapsedTime")
            times.append(ms.value)
        return float(np.median(times))


# --- Libraries, found like the dynamic loader would, then in the toolkit
# and in PyPI's nvidia-* packages ------------------------------------------

def load_library(names, what):
    """(ctypes library, path) or (None, reason)."""
    dirs = [os.path.join(os.environ.get("CUDA_HOME", "/usr/local/cuda"), d)
            for d in ("lib64", "lib")]
    try:
        import nvidia
        dirs += [d for p in nvidia.__path__ for d in glob.glob(p + "/*/lib")]
        dirs += [d for p in nvidia.__path__ for d in glob.glob(p + "/lib")]
    except ImportError:
        pass
    tried = []
    for name in names:
        for candidate in [name] + [os.path.join(d, name) for d in dirs]:
            if candidate != name and not os.path.exists(candidate):
                continue
            try:
                return ctypes.CDLL(candidate), candidate
            except OSError as e:
                tried.append(str(e))
    return None, f"{what} not found ({', '.join(names)})"


CUBLAS_STATUS = {0: "SUCCESS", 1: "NOT_INITIALIZED", 3: "ALLOC_FAILED",
                 7: "INVALID_VALUE", 8: "ARCH_MISMATCH", 11: "MAPPING_ERROR",
                 13: "EXECUTION_FAILED", 14: "INTERNAL_ERROR",
                 15: "NOT_SUPPORTED", 16: "LICENSE_ERROR"}


class HeuristicResult(ctypes.Structure):
    # cublasLtMatmulHeuristicResult_t (cublasLt.h)
    _fields_ = [("algo", ctypes.c_uint64 * 8), ("workspaceSize", ctypes.c_size_t),
                ("state", ctypes.c_int), ("wavesCount", ctypes.c_float),
                ("reserved", ctypes.c_int * 4)]


class CublasLt:
    """s8 x s8 -> s32 matmuls through cuBLASLt (values from cublasLt.h,
    cublas_api.h and library_types.h of CUDA 13)."""
    COMPUTE_32I, R_8I, R_32I = 72, 3, 10
    DESC_TRANSA, DESC_TRANSB, PREF_MAX_WORKSPACE = 3, 4, 1
    OP_N, OP_T = 0, 1
    WORKSPACE = 32 << 20

    def __init__(self, driver):
        self.lib, self.path = load_library(
            ["libcublasLt.so.13", "libcublasLt.so.12", "libcublasLt.so"],
            "libcublasLt")
        if self.lib is None:
            raise RuntimeError(self.path)
        v, u64, i64 = ctypes.c_void_p, ctypes.c_uint64, ctypes.c_int64
        lib = self.lib
        lib.cublasLtGetVersion.restype = ctypes.c_size_t
        self.version = lib.cublasLtGetVersion()
        for name, args in [
                ("cublasLtCreate", [v]),
                ("cublasLtMatmulDescCreate", [v, ctypes.c_int, ctypes.c_int]),
                ("cublasLtMatmulDescSetAttribute", [v, ctypes.c_int, v, ctypes.c_size_t]),
                ("cublasLtMatrixLayoutCreate", [v, ctypes.c_int, u64, u64, i64]),
                ("cublasLtMatrixLayoutDestroy", [v]),
                ("cublasLtMatmulDescDestroy", [v]),
                ("cublasLtMatmulPreferenceCreate", [v]),
                ("cublasLtMatmulPreferenceSetAttribute", [v, ctypes.c_int, v, ctypes.c_size_t]),
                ("cublasLtMatmulPreferenceDestroy", [v]),
                ("cublasLtMatmulAlgoGetHeuristic",
                 [v, v, v, v, v, v, v, ctypes.c_int, v, v]),
                ("cublasLtMatmul", [v, v, v, u64, v, u64, v, v, u64, v, u64,
                                    v, v, u64, ctypes.c_size_t, v])]:
            fn = getattr(lib, name)
            fn.argtypes, fn.restype = args, ctypes.c_int
        self.driver = driver
        self.handle = ctypes.c_void_p()
        self.check(lib.cublasLtCreate(ctypes.byref(self.handle)), "cublasLtCreate")
        self.workspace = driver.alloc(self.WORKSPACE)

    def check(self, status, call):
        if status != 0:
            raise RuntimeError(f"{call} failed: CUBLAS_STATUS_"
                               f"{CUBLAS_STATUS.get(status, status)}")

    def gemm(self, a, b, repeat):
        """(ms, C) of the fastest heuristic algorithm for C = a . b."""
        lib, drv = self.lib, self.driver
        (m, k), n = a.shape, b.shape[1]
        # Column-major view: C^T (N x M, ld N) = op(W) . A^T with W the
        # weight stored N x K (col-major K x N, ld K) and op = T, and A^T the
        # activations (col-major K x M, ld K): the "TN" format.
        da = drv.upload(np.ascontiguousarray(b.T))   # N x K, K contiguous
        db = drv.upload(a)                           # M x K, K contiguous
        dc = drv.alloc(m * n * 4)
        desc, pref = ctypes.c_void_p(), ctypes.c_void_p()
        layouts = [ctypes.c_void_p() for _ in range(3)]
        try:
            self.check(lib.cublasLtMatmulDescCreate(
                ctypes.byref(desc), self.COMPUTE_32I, self.R_32I),
                "cublasLtMatmulDescCreate")
            for attr, op in ((self.DESC_TRANSA, self.OP_T),
                             (self.DESC_TRANSB, self.OP_N)):
                value = ctypes.c_int32(op)
                self.check(lib.cublasLtMatmulDescSetAttribute(
                    desc, attr, ctypes.byref(value), 4),
                    "cublasLtMatmulDescSetAttribute")
            for layout, (dtype, rows, cols, ld) in zip(layouts, [
                    (self.R_8I, k, n, k), (self.R_8I, k, m, k),
                    (self.R_32I, n, m, n)]):
                self.check(lib.cublasLtMatrixLayoutCreate(
                    ctypes.byref(layout), dtype, rows, cols, ld),
                    "cublasLtMatrixLayoutCreate")
            la, lb, lc = layouts
            self.check(lib.cublasLtMatmulPreferenceCreate(ctypes.byref(pref)),
                       "cublasLtMatmulPreferenceCreate")
            ws = ctypes.c_uint64(self.WORKSPACE)
            self.check(lib.cublasLtMatmulPreferenceSetAttribute(
                pref, self.PREF_MAX_WORKSPACE, ctypes.byref(ws), 8),
                "cublasLtMatmulPreferenceSetAttribute")
            results = (HeuristicResult * 8)()
            count = ctypes.c_int(0)
            self.check(lib.cublasLtMatmulAlgoGetHeuristic(
                self.handle, desc, la, lb, lc, lc, pref, 8, results,
                ctypes.byref(count)), "cublasLtMatmulAlgoGetHeuristic")
            if count.value == 0:
                raise RuntimeError("cuBLASLt has no algorithm for this case")
            alpha, beta = ctypes.c_int32(1), ctypes.c_int32(0)
            best = None
            for r in results[:count.value]:
                if r.state != 0 or r.workspaceSize > self.WORKSPACE:
                    continue

                def run(stream, algo=r.algo):
                    self.check(lib.cublasLtMatmul(
                        self.handle, desc, ctypes.byref(alpha), da, la, db, lb,
                        ctypes.byref(beta), dc, lc, dc, lc, ctypes.byref(algo),
                        self.workspace, self.WORKSPACE, stream), "cublasLtMatmul")
                ms = drv.time_ms(run, repeat)
                best = ms if best is None else min(best, ms)
            if best is None:
                raise RuntimeError("no usable cuBLASLt algorithm")
            # C^T column-major (N x M, ld N) is C row-major (M x N).
            return best, drv.download(dc, (m, n), np.int32)
        finally:
            for layout in layouts:
                if layout:
                    lib.cublasLtMatrixLayoutDestroy(layout)
            if desc:
                lib.cublasLtMatmulDescDestroy(desc)
            if pref:
                lib.cublasLtMatmulPreferenceDestroy(pref)
            drv.free(da, db, dc)


CUSPARSE_STATUS = {0: "SUCCESS", 1: "NOT_INITIALIZED", 2: "ALLOC_FAILED",
                   3: "INVALID_VALUE", 4: "ARCH_MISMATCH", 5: "MAPPING_ERROR",
                   6: "EXECUTION_FAILED", 7: "INTERNAL_ERROR",
                   8: "MATRIX_TYPE_NOT_SUPPORTED", 10: "NOT_SUPPORTED",
                   11: "INSUFFICIENT_RESOURCES"}


class CuSparseLt:
    """2:4 s8 x s8 -> s32 matmuls through cuSPARSELt (cusparseLt.h of
    0.10, cusparse.h of CUDA 13). The opaque handle and descriptor structs
    are 512 to 11024 bytes depending on the version: each gets 64 KiB."""
    R_8I, R_32I = 3, 10
    ORDER_COL, ORDER_ROW = 1, 2            # cusparseOrder_t
    OP_N, OP_T = 0, 1
    SPARSITY_50, ALG_DEFAULT = 0, 0
    STRUCT = 64 << 10

    def __init__(self, driver):
        self.lib, self.path = load_library(["libcusparseLt.so.0"],
                                           "libcusparseLt")
        if self.lib is None:
            raise RuntimeError(self.path + "; pip install "
                               "nvidia-cusparselt-cu13 (or -cu12)")
        v, i64 = ctypes.c_void_p, ctypes.c_int64
        i32, u32 = ctypes.c_int, ctypes.c_uint32
        for name, args in [
                ("cusparseLtInit", [v]), ("cusparseLtGetVersion", [v, v]),
                ("cusparseLtDenseDescriptorInit",
                 [v, v, i64, i64, i64, u32, i32, i32]),
                ("cusparseLtStructuredDescriptorInit",
                 [v, v, i64, i64, i64, u32, i32, i32, i32]),
                ("cusparseLtMatDescriptorDestroy", [v]),
                ("cusparseLtMatmulDescriptorInit",
                 [v, v, i32, i32, v, v, v, v, i32]),
                ("cusparseLtMatmulAlgSelectionInit", [v, v, v, i32]),
                ("cusparseLtMatmulPlanInit", [v, v, v, v]),
                ("cusparseLtMatmulPlanDestroy", [v]),
                ("cusparseLtMatmulGetWorkspace", [v, v, v]),
                ("cusparseLtSpMMACompressedSize", [v, v, v, v]),
                ("cusparseLtSpMMACompress", [v, v, ctypes.c_uint64,
                                             ctypes.c_uint64, ctypes.c_uint64, v]),
                ("cusparseLtMatmulSearch", [v, v, v, ctypes.c_uint64,
                                            ctypes.c_uint64, v, ctypes.c_uint64,
                                            ctypes.c_uint64, ctypes.c_uint64, v,
                                            i32]),
                ("cusparseLtMatmul", [v, v, v, ctypes.c_uint64, ctypes.c_uint64,
                                      v, ctypes.c_uint64, ctypes.c_uint64,
                                      ctypes.c_uint64, v, i32])]:
            fn = getattr(self.lib, name)
            fn.argtypes, fn.restype = args, ctypes.c_int
        self.driver = driver
        self.handle = ctypes.create_string_buffer(self.STRUCT)
        self.check(self.lib.cusparseLtInit(self.handle), "cusparseLtInit")
        version = ctypes.c_int(0)
        self.check(self.lib.cusparseLtGetVersion(self.handle,
                                                 ctypes.byref(version)),
                   "cusparseLtGetVersion")
        self.version = version.value
        # cusparseComputeType: CUSPARSE_COMPUTE_32I is 0 since 0.6.0
        # (32I, 16F, 32F) and was 1 before (16F, 32I, TF32, TF32_FAST).
        self.compute_32i = 0 if self.version >= 600 else 1

    def check(self, status, call):
        if status != 0:
            raise RuntimeError(f"{call} failed: CUSPARSE_STATUS_"
                               f"{CUSPARSE_STATUS.get(status, status)}")

    def layouts(self, m, n, k):
        """Descriptions of C^T (N x M) = op(A) . op(B) with A the 2:4 weight
        (op(A) = W^T, N x K, 2:4 along K) and B the activations: (opA, A
        rows, cols, ld, order), (opB, ...), (C rows, cols, ld, order),
        whether D holds C^T row-major (else C row-major). Storage is the
        same for each: W^T and the activations with K contiguous. The int8
        layouts cuSPARSELt accepts have changed across versions; the first
        that plans is used (the exact check catches a wrong reading)."""
        col, row, t, nt = self.ORDER_COL, self.ORDER_ROW, self.OP_T, self.OP_N
        return [
            # "TN", column-major: the layout of cuBLASLt's IMMA kernels.
            ((t, k, n, k, col), (nt, k, m, k, col), (n, m, n, col), False),
            # Row-major: A (N x K) plain, B^T (M x K) transposed; D is C^T.
            ((nt, n, k, k, row), (t, m, k, k, row), (n, m, m, row), True),
        ]

    def gemm(self, a, b, repeat):
        """(ms, C) for C = a . b with b 2:4 along K."""
        lib, drv = self.lib, self.driver
        (m, k), n = a.shape, b.shape[1]
        h = self.handle
        dw = drv.upload(np.ascontiguousarray(b.T))   # N x K, K contiguous
        da = drv.upload(a)                           # M x K, K contiguous
        dc = drv.alloc(m * n * 4)
        bufs = {name: ctypes.create_string_buffer(self.STRUCT)
                for name in ("A", "B", "C", "mm", "alg", "plan")}
        freed, errors, made = [dw, da, dc], [], []

        def destroy():
            # Only what was initialized: the structs are opaque.
            for name in reversed(made):
                if name == "plan":
                    lib.cusparseLtMatmulPlanDestroy(bufs[name])
                elif name in ("A", "B", "C"):
                    lib.cusparseLtMatDescriptorDestroy(bufs[name])
            made.clear()

        try:
            for (opa, *da_), (opb, *db_), dc_, transposed in self.layouts(m, n, k):
                destroy()
                try:
                    self.check(lib.cusparseLtStructuredDescriptorInit(
                        h, bufs["A"], *da_[:3], 16, self.R_8I, da_[3],
                        self.SPARSITY_50), "cusparseLtStructuredDescriptorInit")
                    made.append("A")
                    self.check(lib.cusparseLtDenseDescriptorInit(
                        h, bufs["B"], *db_[:3], 16, self.R_8I, db_[3]),
                        "cusparseLtDenseDescriptorInit")
                    made.append("B")
                    self.check(lib.cusparseLtDenseDescriptorInit(
                        h, bufs["C"], *dc_[:3], 16, self.R_32I, dc_[3]),
                        "cusparseLtDenseDescriptorInit")
                    made.append("C")
                    self.check(lib.cusparseLtMatmulDescriptorInit(
                        h, bufs["mm"], opa, opb, bufs["A"], bufs["B"],
                        bufs["C"], bufs["C"], self.compute_32i),
                        "cusparseLtMatmulDescriptorInit")
                    self.check(lib.cusparseLtMatmulAlgSelectionInit(
                        h, bufs["alg"], bufs["mm"], self.ALG_DEFAULT),
                        "cusparseLtMatmulAlgSelectionInit")
                    self.check(lib.cusparseLtMatmulPlanInit(
                        h, bufs["plan"], bufs["mm"], bufs["alg"]),
                        "cusparseLtMatmulPlanInit")
                    made.append("plan")
                    break
                except RuntimeError as e:
                    errors.append(str(e))
            else:
                raise RuntimeError("; ".join(errors))
            plan = bufs["plan"]
            sizes = [ctypes.c_size_t() for _ in range(3)]
            self.check(lib.cusparseLtMatmulGetWorkspace(
                h, plan, ctypes.byref(sizes[0])), "cusparseLtMatmulGetWorkspace")
            self.check(lib.cusparseLtSpMMACompressedSize(
                h, plan, ctypes.byref(sizes[1]), ctypes.byref(sizes[2])),
                "cusparseLtSpMMACompressedSize")
            work, packed, scratch = (drv.alloc(s.value) for s in sizes)
            freed += [work, packed, scratch]
            stream = drv.stream
            self.check(lib.cusparseLtSpMMACompress(h, plan, dw, packed, scratch,
                                                   stream),
                       "cusparseLtSpMMACompress")
            # alpha and beta are floats for every compute type.
            alpha, beta = ctypes.c_float(1), ctypes.c_float(0)
            streams = (ctypes.c_void_p * 1)(stream)
            self.check(lib.cusparseLtMatmulSearch(
                h, plan, ctypes.byref(alpha), packed, da, ctypes.byref(beta),
                dc, dc, work, streams, 1), "cusparseLtMatmulSearch")

            def run(stream):
                self.check(lib.cusparseLtMatmul(
                    h, plan, ctypes.byref(alpha), packed, da,
                    ctypes.byref(beta), dc, dc, work,
                    (ctypes.c_void_p * 1)(stream), 1), "cusparseLtMatmul")
            ms = drv.time_ms(run, repeat)
            c = drv.download(dc, (n, m) if transposed else (m, n), np.int32)
            return ms, (c.T.copy() if transposed else c)
        finally:
            destroy()
            drv.free(*freed)


# --- mc --------------------------------------------------------------------

def run_mc(text, a, repeat, tmp):
    """(ms, C): mc-run --device=cuda's median kernel time per call and the
    result."""
    src, x, y = (os.path.join(tmp, f) for f in ("gemm.mlir", "a.npy", "c.npy"))
    with open(src, "w") as f:
        f.write(text)
    np.save(x, a)
    run = subprocess.run(
        [os.path.join(mc_ir.BIN, "mc-run"), src, "--entry=gemm",
         "--device=cuda", f"--repeat={repeat}", "--input=" + x,
         "--output=" + y], capture_output=True, text=True)
    if run.returncode:
        raise RuntimeError(run.stderr.strip().splitlines()[-1]
                           if run.stderr.strip() else "mc-run failed")
    found = re.search(r"median ([0-9.]+) ms of GPU kernel time", run.stdout)
    if not found:
        raise RuntimeError("mc-run printed no kernel time")
    return float(found.group(1)), np.load(y)


def prune_2_4(b):
    """b with the 2 largest magnitudes of every 4 along K kept."""
    k, n = b.shape
    groups = b.reshape(k // 4, 4, n)
    order = np.argsort(-np.abs(groups.astype(np.int32)), axis=1, kind="stable")
    keep = np.zeros_like(groups, dtype=bool)
    np.put_along_axis(keep, order[:, :2, :], True, axis=1)
    return np.where(keep, groups, 0).reshape(k, n).astype(np.int8)


def check(c, a, b, rows):
    """Exact on the sampled rows (float64 products of int8 are exact)."""
    want = a[rows].astype(np.float64) @ b.astype(np.float64)
    return c.shape == (a.shape[0], b.shape[1]) and np.array_equal(
        c[rows].astype(np.float64), want)


def open_peer(cls, name, driver):
    """The peer library's wrapper, or None; says which on stdout."""
    try:
        peer = cls(driver)
        print(f"gpu_bench: {name} {peer.version} ({peer.path})")
        return peer
    except (RuntimeError, AttributeError) as e:
        print(f"gpu_bench: {name} unavailable: {e}")
        return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shapes", help="MxNxK,... (default: 4096^3 and "
                        "the BERT shapes)")
    parser.add_argument("--repeat", type=int, default=50,
                        help="timed calls per case (median)")
    args = parser.parse_args()
    gpu, reason = find_gpu()
    if gpu is None:
        print(f"gpu_bench: no GPU present: {reason}; nothing to measure.")
        print("gpu_bench: static kernel figures: python3 bench/gpu_kernels.py")
        return 0
    shapes = SHAPES if not args.shapes else [
        tuple(int(d) for d in s.split("x")) for s in args.shapes.split(",")]
    name, chip = gpu
    try:
        driver = Driver()
    except (OSError, AttributeError, RuntimeError) as e:
        print(f"gpu_bench: found {name} ({chip}), but the CUDA driver is not "
              f"usable: {e}")
        return 1
    print(f"gpu_bench: found {name} ({chip}), driver API {driver.version()}")
    cublas, sparselt = (open_peer(cls, name, driver) for cls, name in
                        ((CublasLt, "cuBLASLt"), (CuSparseLt, "cuSPARSELt")))

    rng = np.random.default_rng(0)
    rows = []   # (case, shape, impl, ms or None, note)
    with tempfile.TemporaryDirectory() as tmp:
        for m, n, k in shapes:
            shape = f"{m}x{n}x{k}"
            a = rng.integers(-128, 128, (m, k), dtype=np.int8)
            b = rng.integers(-128, 128, (k, n), dtype=np.int8)
            sample = rng.choice(m, min(m, CHECK_ROWS), replace=False)
            for case, weight, text, peer in [
                    ("i8gemm", b, mc_ir.gemm_i8(b, m), "cuBLASLt"),
                    ("sp24", None, None, "cuSPARSELt")]:
                if case == "sp24":
                    weight = prune_2_4(b)
                    text = mc_ir.sparse_2_4_i8(weight, m)
                try:
                    ms, c = run_mc(text, a, args.repeat, tmp)
                    ok = check(c, a, weight, sample)
                    rows.append((case, shape, "mc", ms if ok else None,
                                 "" if ok else "FAILED: result differs"))
                except RuntimeError as e:
                    rows.append((case, shape, "mc", None, f"n/a: {e}"))
                library = cublas if case == "i8gemm" else sparselt
                if library is None:
                    rows.append((case, shape, peer, None, "n/a: unavailable"))
                    continue
                try:
                    ms, c = library.gemm(a, weight, args.repeat)
                    ok = check(c, a, weight, sample)
                    rows.append((case, shape, peer, ms if ok else None,
                                 "" if ok else "FAILED: result differs"))
                except RuntimeError as e:
                    rows.append((case, shape, peer, None, f"n/a: {e}"))

    print(f"\n{'case':8} {'shape':16} {'impl':11} {'ms/call':>9} "
          f"{'TOP/s':>7} {'mc÷impl':>8}  note")
    for case, shape, impl, ms, note in rows:
        m, n, k = (int(d) for d in shape.split("x"))
        mc_ms = next((r[3] for r in rows if r[:3] == (case, shape, "mc")), None)
        time = f"{ms:9.4f}" if ms else "-".rjust(9)
        tops = f"{2 * m * n * k / ms / 1e9:7.1f}" if ms else "-".rjust(7)
        ratio = f"{ms / mc_ms:8.2f}" if ms and mc_ms and impl != "mc" else " " * 8
        print(f"{case:8} {shape:16} {impl:11} {time} {tops} {ratio}  {note}")
    print("\nmc÷impl: the peer's time / mc's time (> 1: mc is faster). "
          "Goal: mc÷cuBLASLt >= 0.8 at 4096x4096x4096.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
