# The unstructured-sparse kernels of --mc-cpu-kernels (f32 activations
# times a constant f32 weight with >= 70 % zeros) equal numpy exactly when
# every sum is exact (small integers), and the reference lowering within
# float rounding otherwise. Row tiles of 1-2 rows read slots (per window of
# 32 k, 16 columns' nonzeros looked up in x by vpermi2ps) where those are
# small enough (here: 10 % nonzeros), else expand bitmask blocks (25 %; a
# group's 4 panels in one pass over K); tiles of 3-8 rows read compressed
# columns (records per set of 4 columns and block
# of 512 k). Covered: M = 1 to 9, 11, 13, 16 (a tile of 8 beside a tail of
# 1, 2 or 3 rows takes both); N with partial panels, sets and column
# groups; K not a multiple of the unroll or the window, K < the unroll and
# K over one block (1025, 1300); row blocks (xt, X transposed for the
# compressed columns, past 512 KB: blocks of 24 rows run in parallel, the
# last with a 2-row tail); an all-zero weight; fully dense panels, groups and
# columns (no zero to pad at) beside empty ones; a non-zero initial
# accumulator; a dense_resource weight; a fused bias + ReLU consumer (also
# over several passes); inf and NaN in X for every format (as the
# reference: 0 x inf is NaN, a nonzero weight times inf is inf); weights
# pruned by --mc-prune; 1 and 2 threads; the host's isa (AVX-512) and
# generic, which has no vexpandps and takes the dense f32 kernel instead
# (the same sums in the same order), and avx2, which takes the compressed
# columns where every tile has 3-8 rows and the dense kernel elsewhere.
# RUN: %python %s | FileCheck %s
# CHECK: exact: ok
# CHECK: rounding: ok
# CHECK: epilogue: ok
# CHECK: nonfinite: ok
# CHECK: pruned: ok
import numpy as np

from mctest import (check_exact_configs, host_isas, matmul_init_model,
                    matmul_model, opt, run, with_bias_relu)

rng = np.random.default_rng(0)
host = "host" if "avx512f" in open("/proc/cpuinfo").read() else None
configs = [(isa, t) for isa in ["generic"] + ([host] if host else [])
           for t in (1, 2)] + [("avx2", 1)] * ("avx2" in host_isas())


def sparse_weight(k, n, density, values=None):
    w = values if values is not None else \
        rng.integers(-4, 5, (k, n)).astype(np.float32)
    return np.where(rng.random((k, n)) < density, w, 0).astype(np.float32)


def formats(ir):
    """The sparse formats the AVX-512 kernels of `ir` read."""
    lowered = opt(ir, "--mc-cpu-kernels=isa=avx512-vnni")
    if "linalg.matmul" in lowered:
        return set()
    return {f for f, marker in [("slots", "__mc_sparse_slot"),
                                ("bitmask", "vector.expandload"),
                                ("csc", "__mc_sparse_csc")] if marker in lowered}


def uses_kernel(ir):
    return bool(formats(ir))


def parallel_iterations(ir):
    """The trip count of the AVX-512 kernel's outer `scf.forall`: row blocks,
    or full column groups of 64."""
    lowered = opt(ir, "--mc-cpu-kernels=isa=avx512-vnni")
    return int(lowered.split("scf.forall (%")[1].split(" in (")[1]
               .split(")")[0])


def check_exact(m, k, n, density=0.1, init=False, resource=False,
                expect=None):
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
    assert expect is None or expect in formats(ir), (m, k, n, formats(ir))
    check_exact_configs(ir, inputs, want, configs, (m, k, n))


for m, k, n in [(1, 1, 1), (1, 64, 64), (2, 37, 50), (4, 130, 100),
                (5, 9, 200), (9, 256, 80), (1, 300, 17), (3, 67, 129),
                (6, 35, 48), (7, 19, 120), (8, 20, 64), (13, 11, 100),
                (16, 3, 33), (5, 2, 250), (3, 1300, 70), (8, 1025, 129),
                (11, 600, 40)]:
    check_exact(m, k, n, expect="slots" if m in (1, 2, 9) and k > 1 else
                "csc" if m > 2 else None)
# 25 % nonzeros: the slots would be too large, the bitmask blocks take them.
for m, k, n in [(1, 64, 64), (2, 37, 50), (9, 256, 80), (1, 300, 17)]:
    check_exact(m, k, n, density=0.25, expect="bitmask")
check_exact(2, 40, 70, density=0.0)  # every mask and slot count empty
# Row blocks: 66 rows x 4100 k of xt is 1.1 MB, so 3 blocks of <= 24 rows.
check_exact(66, 4100, 70, init=True, expect="csc")
assert parallel_iterations(
    matmul_model(sparse_weight(4100, 70, 0.1), 66)) == 3  # not 1 group


def check_panels(m, k, n, dense_panels):
    """Panels (16 columns) `dense_panels` fully nonzero, the rest zero."""
    w = np.zeros((k, n), np.float32)
    for p in dense_panels:
        cols = slice(16 * p, min(16 * p + 16, n))
        w[:, cols] = rng.choice([-3, -2, -1, 1, 2, 3], (k, cols.stop - cols.start))
    x = rng.integers(-8, 9, (m, k)).astype(np.float32)
    ir = matmul_model(w, m)
    assert uses_kernel(ir), (m, k, n, dense_panels)
    for isa, threads in configs:
        (got,) = run(ir, "f", [x], 1,
                     [f"--isa={isa}", f"--num-threads={threads}"])
        assert (got == x.astype(np.float64) @ w).all(), (m, k, n, isa, threads)


check_panels(1, 9, 256, [4, 5, 6, 7])     # group 1 dense: words all ones
check_panels(6, 14, 256, [0, 3, 13])      # one dense panel per group
check_panels(3, 33, 200, [12])            # the partial last panel dense
check_panels(8, 530, 70, [1])             # dense columns across 2 blocks
check_exact(3, 50, 48, density=0.27)  # near the threshold
check_exact(5, 33, 65, init=True)
check_exact(2, 70, 90, resource=True, expect="slots")
check_exact(1, 70, 90, density=0.3, init=True, expect="bitmask")
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

# A fused bias + ReLU consumer equals the reference (exact sums), applied
# to the slots' and the bitmask kernel's accumulators (2 rows) and to the
# compressed columns' rows after their transposition (6 rows).
def check_epilogue(m, k, n, density=0.15, expect=None):
    w = sparse_weight(k, n, density)
    bias = rng.integers(-20, 21, n).astype(np.float32)
    ir = with_bias_relu(matmul_model(w, m), m, bias)
    lowered = opt(ir, "--mc-cpu-kernels=isa=avx512-vnni")
    assert "linalg.generic" not in lowered and uses_kernel(ir)
    assert expect is None or expect in formats(ir), (m, k, n, formats(ir))
    x = rng.integers(-8, 9, (m, k)).astype(np.float32)
    want = np.maximum(x.astype(np.float64) @ w + bias, 0)
    (ref,) = run(ir, "f", [x], 1, ["--reference"])
    assert (ref == want).all()
    check_exact_configs(ir, [x], want, configs, (m, k, n))


check_epilogue(2, 100, 90, expect="slots")
check_epilogue(2, 100, 90, density=0.3, expect="bitmask")
check_epilogue(6, 21, 90, expect="csc")
check_epilogue(66, 4100, 40, expect="csc")  # in row blocks
print("epilogue: ok")

# inf and NaN in X: the bitmask kernel multiplies the expanded zeros too,
# and the slots and the compressed columns mark the columns whose weight is
# zero there, so a non-finite x[m, k] gives NaN wherever w[k, n] is 0 and
# x * w elsewhere, as the reference. Column 3 is nonzero at k = 5 and
# k = 600 (2 and -1) and column 4 zero: row 0 gets inf in column 3 (inf at
# k = 5; -inf at k = 600, in the slots' 19th window and the compressed
# columns' second block) from every format.
for m, k, n, density, fmt in [(3, 40, 70, 0.1, "csc"), (2, 40, 70, 0.1, "slots"),
                              (2, 40, 70, 0.3, "bitmask"),
                              (2, 700, 70, 0.1, "slots"),
                              (8, 700, 70, 0.1, "csc"), (9, 700, 20, 0.1, "csc"),
                              (66, 4100, 20, 0.1, "csc")]:
    w = sparse_weight(k, n, density)
    w[:, 3], w[:, 4] = 0, 0
    w[5, 3], w[600 % k, 3] = 2, -1
    x = rng.integers(-8, 9, (m, k)).astype(np.float32)
    x[0, 5], x[m - 1, 17] = np.inf, np.nan
    if k > 600:
        x[0, 600] = x[1, 600] = -np.inf
    ir = matmul_model(w, m)
    assert fmt in formats(ir), (m, k, n, formats(ir))
    (ref,) = run(ir, "f", [x], 1, ["--reference"])
    assert np.isinf(ref[0, 3]) and np.isnan(ref[0, 4]), (m, k, n)
    for isa, threads in configs:
        (got,) = run(ir, "f", [x], 1,
                     [f"--isa={isa}", f"--num-threads={threads}"])
        assert (np.isnan(got) == np.isnan(ref)).all(), (m, k, n, isa, threads)
        finite = ~np.isnan(ref)
        assert (got[finite] == ref[finite]).all(), (m, k, n, isa, threads)
# A slot's padding lane sits at a k where its column is zero: column 0's
# only nonzero in window 1 is at k = 32, column 1 has two there, so column
# 0 is padded; inf at x[0, 32] must give inf there, not 0 * inf.
w = np.zeros((64, 20), np.float32)
w[32, 0], w[33, 1], w[40, 1], w[3, 2] = 2, 1, 1, 1
x = rng.integers(-8, 9, (2, 64)).astype(np.float32)
x[0, 32] = np.inf
ir = matmul_model(w, 2)
assert formats(ir) == {"slots"}, formats(ir)
(ref,) = run(ir, "f", [x], 1, ["--reference"])
(got,) = run(ir, "f", [x], 1, [f"--isa={host or 'generic'}"])
assert ref[0, 0] == np.inf and (np.isnan(got) == np.isnan(ref)).all()
assert (got[~np.isnan(ref)] == ref[~np.isnan(ref)]).all()
print("nonfinite: ok")

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
