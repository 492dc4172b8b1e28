# The codebook kernels of --mc-cpu-kernels (f32 activations times mc.decode
# of a constant #mc.codebook weight, looked up in registers) equal numpy
# exactly when every sum is exact (small integer tables and activations),
# and the reference lowering within float rounding otherwise. Covered:
# ui1/ui2/i3/ui4 indices (1, 2 and 4 bits per packed index), one table per
# tensor, per column and per block (G = 16, 32, 256 along K, b columns);
# M = 1, 2, 4, 5, 9 (and from 128 rows, where the weight is decoded once
# for the f32 GEMM instead: 128, 130); N not a multiple of the column
# group; K below, at and
# not a multiple of the packed block; 1 and 2 threads; isa generic, the
# host's and avx2 (two 8-entry look-ups and a select); a non-zero initial accumulator; a fused bias + ReLU consumer;
# --mc-quantize method=kmeans models.
# RUN: %python %s | FileCheck %s
# CHECK: exact: ok
# CHECK: rounding: ok
# CHECK: epilogue: ok
# CHECK: kmeans: ok
import numpy as np

from mctest import (codebook_ir, decode_codebook, dense_hex, matmul_model,
                    mlir_type, opt, random_codebook, run)

rng = np.random.default_rng(0)
flags = open("/proc/cpuinfo").read()
host = "host" if "avx512f" in flags else None
# avx2: each 8 lanes look up both halves of the table (ymm permutes).
configs = [(isa, t) for isa in ["generic"] + ([host] if host else []) +
           (["avx2"] if " avx2" in flags else []) for t in (1, 2)]


def uses_kernel(ir, m):
    lowered = opt(ir, "--mc-cpu-kernels")
    if m >= 128:  # decoded by the reference lowering, then the f32 GEMM
        return "mc.decode" in lowered and "vector.fma" in lowered and \
            "linalg.matmul" not in lowered
    return "mc.decode" not in lowered and "linalg.matmul" not in lowered


def check(storage, granularity, m, k, n, exact=True, init=False):
    q, table, x = random_codebook(rng, storage, granularity, m, k, n, exact)
    want = x.astype(np.float64) @ decode_codebook(q, table, granularity)
    inputs = [x]
    if init:
        c = rng.integers(-100, 101, (m, n)).astype(np.float32)
        inputs.append(c)
        want += c
    ir = codebook_ir(q, table, storage, granularity, m, init)
    assert uses_kernel(ir, m), (storage, granularity, m, k, n)
    if not exact:
        (ref,) = run(ir, "f", inputs, 1, ["--reference"])
    for isa, threads in configs:
        (got,) = run(ir, "f", inputs, 1,
                     [f"--isa={isa}", f"--num-threads={threads}"])
        key = (storage, granularity, m, k, n, isa, threads)
        if exact:
            assert got.dtype == np.float32 and (got == want).all(), \
                (key, np.argwhere(got != want)[:5])
        else:
            for other in (want, ref.astype(np.float64)):
                err = np.abs(got - other).max()
                assert err <= 1e-5 * max(1.0, np.abs(other).max()), key


for storage, granularity, m, k, n in [
        ("ui4", ", axis = 1", 1, 128, 16), ("ui4", ", axis = 1", 2, 300, 13),
        ("ui4", "", 5, 64, 40), ("ui4", ", block = [32, 1]", 4, 256, 12),
        ("ui4", ", block = [16, 2]", 9, 80, 10),
        ("ui4", ", block = [256, 4]", 1, 512, 8),
        ("i3", ", axis = 1", 3, 200, 9), ("ui2", ", axis = 1", 1, 600, 20),
        ("ui2", ", block = [32, 1]", 2, 96, 7), ("ui1", "", 4, 1100, 5),
        ("ui4", ", axis = 1", 1, 1, 1)]:
    check(storage, granularity, m, k, n)
check("ui4", ", axis = 1", 3, 150, 11, init=True)
check("ui4", ", axis = 1", 130, 64, 50)
check("ui2", ", block = [32, 1]", 128, 96, 7, init=True)
print("exact: ok")

for storage, granularity, m, k, n in [("ui4", ", axis = 1", 1, 1000, 37),
                                      ("ui4", "", 4, 256, 24),
                                      ("ui2", ", block = [64, 1]", 6, 192, 9)]:
    check(storage, granularity, m, k, n, exact=False)
print("rounding: ok")

m, k, n = 3, 160, 10
q = rng.integers(0, 16, (k, n))
table = rng.integers(-8, 9, (n, 16)).astype(np.float32)
bias = rng.integers(-50, 51, n).astype(np.float32)
yt, bt = mlir_type([m, n], "f32"), mlir_type([n], "f32")
ir = codebook_ir(q, table, "ui4", ", axis = 1", m, tail=f"""  %b = arith.constant {dense_hex(bias)} : {bt}
  %o = tensor.empty() : {yt}
  %r = linalg.generic {{indexing_maps = [affine_map<(i, j) -> (i, j)>,
                         affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>],
                        iterator_types = ["parallel", "parallel"]}}
      ins(%y, %b : {yt}, {bt}) outs(%o : {yt}) {{
  ^bb0(%v: f32, %bb: f32, %out: f32):
    %c0 = arith.constant 0.0 : f32
    %sum = arith.addf %v, %bb : f32
    %relu = arith.maximumf %sum, %c0 : f32
    linalg.yield %relu : f32
  }} -> {yt}
  return %r : {yt}
""")
lowered = opt(ir, "--mc-cpu-kernels")
assert "linalg.generic" not in lowered and "mc.decode" not in lowered
x = rng.integers(-8, 9, (m, k)).astype(np.float32)
want = np.maximum(x.astype(np.float64)
                  @ decode_codebook(q, table, ", axis = 1") + bias, 0)
(ref,) = run(ir, "f", [x], 1, ["--reference"])
assert (ref == want).all()
for isa, threads in configs:
    (got,) = run(ir, "f", [x], 1, [f"--isa={isa}", f"--num-threads={threads}"])
    assert (got == want).all(), (isa, threads)
print("epilogue: ok")

# Models quantized by --mc-quantize method=kmeans (per channel, per group,
# per tensor; 4 and 2 bits) agree with the reference lowering.
m, k, n = 2, 256, 48
w = rng.standard_normal((k, n)).astype(np.float32)
x = rng.standard_normal((m, k)).astype(np.float32)
for options in ["bits=4", "bits=4 granularity=group group-size=64",
                "bits=2 granularity=tensor"]:
    ir = opt(matmul_model(w, m), f"--mc-quantize=method=kmeans {options}")
    assert uses_kernel(ir, m), options
    (ref,) = run(ir, "f", [x], 1, ["--reference"])
    for isa, threads in configs:
        (got,) = run(ir, "f", [x], 1,
                     [f"--isa={isa}", f"--num-threads={threads}"])
        err = np.abs(got - ref).max()
        assert err <= 1e-5 * max(1.0, np.abs(ref).max()), (options, isa)
print("kmeans: ok")
