# The unstructured-sparse (bitmask) kernels of --mc-cpu-kernels (f32
# activations times a constant f32 weight with >= 70 % zeros) equal numpy
# exactly when every sum is exact (small integers), and the reference
# lowering within float rounding otherwise. Covered: M = 1, 2, 4, 5, 9;
# N with partial panels and partial column groups; K not a multiple of the
# unroll; an all-zero weight; a non-zero initial accumulator; a
# dense_resource weight; a fused bias + ReLU consumer; weights pruned by
# --mc-prune; 1 and 2 threads; isa generic and the host's.
# RUN: %python %s | FileCheck %s
# CHECK: exact: ok
# CHECK: rounding: ok
# CHECK: epilogue: ok
# CHECK: pruned: ok
import numpy as np

from mctest import (check_exact_configs, matmul_init_model, matmul_model, opt,
                    run, with_bias_relu)

rng = np.random.default_rng(0)
host = "host" if "avx512f" in open("/proc/cpuinfo").read() else None
configs = [(isa, t) for isa in ["generic"] + ([host] if host else [])
           for t in (1, 2)]


def sparse_weight(k, n, density, values=None):
    w = values if values is not None else \
        rng.integers(-4, 5, (k, n)).astype(np.float32)
    return np.where(rng.random((k, n)) < density, w, 0).astype(np.float32)


def uses_kernel(ir):
    lowered = opt(ir, "--mc-cpu-kernels")
    return "vector.expandload" in lowered and "linalg.matmul" not in lowered


def check_exact(m, k, n, density=0.1, init=False, resource=False):
    w = sparse_weight(k, n, density)
    x = rng.integers(-8, 9, (m, k)).astype(np.float32)
    want = x.astype(np.float64) @ w.astype(np.float64)
    if init or resource:
        c = rng.integers(-100, 101, (m, n)).astype(np.float32)
        ir, inputs = matmul_init_model(w, m, resource), [x, c]
        want += c
    else:
        ir, inputs = matmul_model(w, m), [x]
    assert uses_kernel(ir), (m, k, n)
    check_exact_configs(ir, inputs, want, configs, (m, k, n))


for m, k, n in [(1, 1, 1), (1, 64, 64), (2, 37, 50), (4, 130, 100),
                (5, 9, 200), (9, 256, 80), (1, 300, 17), (3, 67, 129)]:
    check_exact(m, k, n)
check_exact(2, 40, 70, density=0.0)  # every mask empty
check_exact(3, 50, 48, density=0.27)  # near the threshold
check_exact(5, 33, 65, init=True)
check_exact(2, 70, 90, resource=True)
print("exact: ok")


def close(got, want):
    err = np.abs(got.astype(np.float64) - want).max()
    return err <= 1e-5 * max(1.0, np.abs(want).max())


# Random floats: within rounding of numpy (float64) and of the reference.
for m, k, n in [(1, 512, 96), (4, 200, 130), (7, 129, 40)]:
    w = sparse_weight(k, n, 0.1, rng.standard_normal((k, n)))
    x = rng.standard_normal((m, k)).astype(np.float32)
    want = x.astype(np.float64) @ w.astype(np.float64)
    ir = matmul_model(w, m)
    (ref,) = run(ir, "f", [x], 1, ["--reference"])
    assert close(ref, want)
    for isa, threads in configs:
        (got,) = run(ir, "f", [x], 1,
                     [f"--isa={isa}", f"--num-threads={threads}"])
        assert close(got, want) and close(got, ref.astype(np.float64)), \
            (m, k, n, isa, threads)
print("rounding: ok")

# A fused bias + ReLU consumer equals the reference (exact sums).
m, k, n = 3, 100, 90
w = sparse_weight(k, n, 0.15)
bias = rng.integers(-20, 21, n).astype(np.float32)
ir = with_bias_relu(matmul_model(w, m), m, bias)
lowered = opt(ir, "--mc-cpu-kernels")
assert "linalg.generic" not in lowered and "vector.expandload" in lowered
x = rng.integers(-8, 9, (m, k)).astype(np.float32)
want = np.maximum(x.astype(np.float64) @ w + bias, 0)
(ref,) = run(ir, "f", [x], 1, ["--reference"])
assert (ref == want).all()
for isa, threads in configs:
    (got,) = run(ir, "f", [x], 1, [f"--isa={isa}", f"--num-threads={threads}"])
    assert (got == want).all(), (isa, threads)
print("epilogue: ok")

# Weights pruned by --mc-prune: 90 % is the kernel's, 50 % stays dense.
m, k, n = 2, 160, 96
w = rng.standard_normal((k, n)).astype(np.float32)
x = rng.standard_normal((m, k)).astype(np.float32)
for sparsity, sparse in [(0.9, True), (0.5, False)]:
    ir = opt(matmul_model(w, m), f"--mc-prune=sparsity={sparsity}")
    assert uses_kernel(ir) == sparse, sparsity
    (ref,) = run(ir, "f", [x], 1, ["--reference"])
    for isa, threads in configs:
        (got,) = run(ir, "f", [x], 1,
                     [f"--isa={isa}", f"--num-threads={threads}"])
        assert close(got, ref.astype(np.float64)), (sparsity, isa, threads)
print("pruned: ok")
