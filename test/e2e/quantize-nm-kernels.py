# W8A8 of a float model pruned 2:4 by mc: --mc-prune="mode=nm n=2 m=4" then
# --mc-quantize="bits=8 activations=dynamic" (per channel and per tensor)
# gives an i8 x i8 -> i32 matmul whose weight is the int8 kept values under
# #mc.nm<2:4> (i8 expressed). --mc-cpu-kernels=isa=avx512-vnni folds that
# decode and takes the 2:4 int8 kernel (vpshufb + vpdpbusd); other ISAs take
# the dense int8 kernel. mc-run with kernels (every host ISA, 1 and 2
# threads) equals numpy's evaluation of the pass description and
# mc-run --reference bit for bit; shapes with row and column tails, K a
# multiple of 4 but not of 8, and a bias + ReLU after the rescale. The GPU 2:4 kernel's
# tiled IR (mc.sparse_mma tiles for mma.sp) equals the reference too.
# Weight-only (f32 activations) 2:4 + int8/int4, symmetric and with zero
# points: --mc-cpu-kernels stores the kept values as a dense payload for the
# weight-only kernel; on exact inputs (power-of-two scales, small integer
# activations) it equals numpy and the reference bit for bit. Scale groups
# that do not cover whole groups of 4 (3 kept values) keep the reference.
# RUN: %python %s | FileCheck %s
# CHECK: ir: ok
# CHECK: cpu: ok
# CHECK: epilogue: ok
# CHECK: gpu tiles: ok
# CHECK: weight-only: ok
import numpy as np

from mctest import (host_isas, matmul_model, opt, parse_constants, run,
                    with_bias_relu)

rng = np.random.default_rng(11)
isas = host_isas()
HEX = "--mlir-print-elementsattrs-with-hex-if-larger=1"


def quantized(m, k, n, granularity, epilogue=False):
    w = rng.standard_normal((k, n)).astype(np.float32)
    w[:, 0] = 0  # an all-zero column: scale 1, kept values 0
    model = matmul_model(w, m)
    if epilogue:
        model = with_bias_relu(model, m, np.full(n, 0.25, np.float32))
    return opt(model, "--mc-prune=mode=nm n=2 m=4",
               f"--mc-quantize=bits=8 activations=dynamic "
               f"granularity={granularity}", HEX)


def expected(ir, x, k, n):
    """numpy: the dense i8 weight from the indices and kept values, qx per
    row (round half to even, narrow), y = 0 + (f32(qx . qw) * sx) * sw."""
    consts = parse_constants(ir)
    idx = next(v for v in consts.values()
               if v.shape == (k // 2, n) and v.dtype == np.int8
               and v.min() >= 0 and v.max() <= 3)
    kept = [v for v in consts.values()
            if v.shape == (k // 2, n) and v.dtype == np.int8]
    kept = next(v for v in kept if v is not idx)
    sw = next(v for v in consts.values()
              if v.dtype == np.float32 and v.shape in ((n,), ()))
    qw = np.zeros((k, n), np.int64)
    rows = (np.arange(k // 2)[:, None] // 2) * 4 + idx.astype(np.int64)
    np.put_along_axis(qw, rows, kept.astype(np.int64), axis=0)
    assert ((qw.reshape(k // 4, 4, n) != 0).sum(axis=1) <= 2).all()
    sx = np.abs(x).max(axis=1) / np.float32(127)
    sx = np.where(sx > 0, sx, np.float32(1)).astype(np.float32)
    qx = np.clip(np.round(x / sx[:, None]), -127, 127).astype(np.int64)
    acc = (qx @ qw).astype(np.float32)
    return np.float32(0) + (acc * sx[:, None]) * sw


def check(m, k, n, granularity, epilogue=False):
    ir = quantized(m, k, n, granularity, epilogue)
    x = rng.standard_normal((m, k)).astype(np.float32)
    x[m // 2] = 0  # an all-zero row: scale 1
    want = expected(ir, x, k, n)
    if epilogue:
        want = np.maximum(want + np.float32(0.25), np.float32(0))
    kernels = opt(ir, "--mc-cpu-kernels=isa=avx512-vnni")
    assert "mc.byte_shuffle" in kernels and "linalg.matmul" not in kernels \
        and "mc.decode" not in kernels, kernels
    # Left: sx (and the bias + ReLU); |x| max is the row-reduction kernel,
    # the W8A8 rescale is fused into the kernel's store.
    assert kernels.count("linalg.generic") == 1 + epilogue and \
        "vector.reduction <maximumf>" in kernels, kernels
    (ref,) = run(ir, "f", [x], 1, ["--reference"])
    what = (m, k, n, granularity)
    assert (ref == want).all(), (what, np.abs(ref - want).max())
    for isa in isas:
        for threads in (1, 2):
            (got,) = run(ir, "f", [x], 1,
                         [f"--isa={isa}", f"--num-threads={threads}"])
            assert got.dtype == np.float32 and \
                np.array_equal(got.view(np.uint32), ref.view(np.uint32)), \
                (what, isa, threads, np.argwhere(got != ref)[:5])


# The IR: the i8 matmul's weight keeps the 2:4 structure.
ir = quantized(3, 16, 8, "channel")
assert "!mc.compressed<16x8xi8, #mc.nm<2:4, axis = 0>>" in ir, ir
assert "linalg.matmul" in ir and "tensor<3x16xi8>, tensor<16x8xi8>" in ir, ir
print("ir: ok")

for m, k, n, granularity in [(1, 64, 48, "channel"), (5, 36, 20, "channel"),
                             (13, 96, 72, "tensor"), (17, 132, 100, "channel"),
                             (8, 256, 128, "channel")]:
    check(m, k, n, granularity)
print("cpu: ok")
check(11, 96, 40, "channel", epilogue=True)
print("epilogue: ok")

# The GPU pipeline folds the decode too (--mc-gpu-fold-nm-decode) and takes
# the 2:4 tensor-core kernel; its tiled IR runs on the CPU.
ms, ks, ns = 128, 256, 256
ir = quantized(ms, ks, ns, "channel")
tiled = opt(ir, "--mc-gpu-fold-nm-decode", "--mc-lower-reference",
            "--one-shot-bufferize=bufferize-function-boundaries "
            "function-boundary-type-conversion=identity-layout-map",
            "--buffer-results-to-out-params", "--mc-gpu-matmul-kernels")
assert "linalg.matmul" not in tiled and "mc.sparse_mma" in tiled, tiled
x = rng.standard_normal((ms, ks)).astype(np.float32)
(ref,) = run(ir, "f", [x], 1, ["--reference"])
(got,) = run(ir, "f", [x], 1, ["--device=gpu-tiles"])
assert (ref == expected(ir, x, ks, ns)).all()
assert np.array_equal(got.view(np.uint32), ref.view(np.uint32))
print("gpu tiles: ok")


def prune_2_4(w):
    """numpy's 2:4 magnitude pruning along K (ties: the lower position)."""
    k, n = w.shape
    groups = w.reshape(k // 4, 4, n)
    order = np.argsort(-np.abs(groups), axis=1, kind="stable")
    keep = np.zeros(groups.shape, bool)
    np.put_along_axis(keep, order[:, :2], True, axis=1)
    return np.where(keep, groups, 0).reshape(k, n)


def check_weight_only(m, k, n, options, top, kernel=True, low=None):
    """Integer weights times 2^-3 whose groups' extremes (top, and low with
    zero points) make the scales powers of two, so every sum is exact."""
    w = rng.integers(-(top * 3 // 4), top * 3 // 4 + 1, (k, n))
    w[0::4] = top
    if low is not None:
        w[1::4] = low
    w = (w * 0.125).astype(np.float32)
    ir = opt(matmul_model(w, m), "--mc-prune=mode=nm n=2 m=4",
             f"--mc-quantize={options}", HEX)
    assert "#mc.nm<2:4, axis = 0, values = #mc.uniform" in ir, ir
    # Without the weight-only kernel the weight is decoded for the f32 one.
    kernels = opt(ir, "--mc-cpu-kernels=isa=avx512-vnni")
    assert "linalg.matmul" not in kernels and \
        ("mc.decode" not in kernels) == kernel, (options, kernels)
    x = rng.integers(-4, 5, (m, k)).astype(np.float32)
    want = (x.astype(np.float64) @ prune_2_4(w)).astype(np.float32)
    (ref,) = run(ir, "f", [x], 1, ["--reference"])
    assert (ref == want).all(), options
    for isa in isas:
        for threads in (1, 2):
            (got,) = run(ir, "f", [x], 1,
                         [f"--isa={isa}", f"--num-threads={threads}"])
            assert np.array_equal(got.view(np.uint32), ref.view(np.uint32)), \
                (options, isa, threads)


check_weight_only(1, 128, 48, "bits=8", 127)
check_weight_only(5, 96, 40, "bits=8 granularity=tensor", 127)
check_weight_only(3, 128, 33, "bits=8 symmetric=false", 127, low=-128)
check_weight_only(8, 256, 64, "bits=4 granularity=group group-size=32", 7)
check_weight_only(2, 24, 16, "bits=4 granularity=group group-size=3", 7,
                  kernel=False)
print("weight-only: ok")
