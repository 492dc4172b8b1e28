# The dense f32 kernel of --mc-cpu-kernels (f32 activations times a
# constant f32 weight no other kernel takes) equals the reference lowering
# (`mc-run --reference`) and numpy exactly when every product and sum is
# exact (small integers), and is within the floating-point error bound of
# a K-term dot product otherwise:
#   |y - y_exact| <= 2 K u sum_k |x_mk w_kn|  (u = 2^-24),
# which the kernel (FMAs in increasing k) and the reference (rounded
# products, then sums) both satisfy. Covered: M, N and K below, at and
# above the register tiles and panels (tails everywhere); K cut into 2 and
# 3+ blocks (the blocked path, on every ISA); a fill-zero and an
# accumulate-into-input init; a dense_resource weight; fused bias + ReLU
# (also with K blocks) and a consumer reading its output (no K blocks);
# 1 and 2 threads; isa generic, avx2 and the host's (avx512-vnni). Parallel
# row blocks: by default (A above 512 KB, with one and with 2 K blocks) and
# forced with `block-m` on small shapes. A weight that is not a constant
# (an argument here; a decoded codebook at large M) is packed per panel at
# run time: exact and within the bound the same way, with both inits, K
# blocks and a fused bias + ReLU.
# RUN: %python %s | FileCheck %s
# CHECK: exact: ok
# CHECK: blocked: ok
# CHECK: row blocks: ok
# CHECK: rounding: ok
# CHECK: epilogue: ok
# CHECK: run-time weights: ok
import numpy as np

from mctest import (check_exact_configs, host_isas, matmul_init_model,
                    matmul_model, opt, run, with_bias_relu)

rng = np.random.default_rng(32)
isas = [i for i in host_isas() if i in ("avx512-vnni", "avx2", "generic")]
configs = [(isa, t) for isa in isas for t in (1, 2)]


def ints(shape, bound):
    return rng.integers(-bound, bound + 1, shape).astype(np.float32)


def uses_kernel(ir):
    lowered = opt(ir, "--mc-cpu-kernels")
    return ("__mc_f32_weights" in lowered and "vector.fma" in lowered and
            "linalg.matmul" not in lowered)


def check_exact(m, k, n, init=False, resource=False, wbound=4):
    """Small integers: every sum is exact, so kernel == reference == numpy."""
    w, x = ints((k, n), wbound), ints((m, k), 8)
    want = x.astype(np.float64) @ w.astype(np.float64)
    assert np.abs(want).max() < 2**24
    if init or resource:
        c = ints((m, n), 1000)
        ir, inputs = matmul_init_model(w, m, resource), [x, c]
        want += c
    else:
        ir, inputs = matmul_model(w, m), [x]
    assert uses_kernel(ir), (m, k, n)
    (ref,) = run(ir, "f", inputs, 1, ["--reference"])
    assert (ref == want).all(), (m, k, n)
    check_exact_configs(ir, inputs, want, configs, (m, k, n))


# Tiles: 8 x 3 zmm (panels of 48 columns), 6 x 2 ymm (16), 4 x 3 xmm (12).
for m, k, n in [(1, 1, 1), (1, 64, 64), (2, 37, 50), (4, 130, 100),
                (5, 9, 200), (9, 256, 80), (1, 300, 17), (3, 67, 129),
                (8, 48, 48), (13, 100, 97), (17, 33, 144), (25, 7, 13)]:
    check_exact(m, k, n)
check_exact(5, 33, 65, init=True)
check_exact(2, 70, 90, resource=True)
print("exact: ok")

# K blocks (a panel's weights above 256 KB with more rows than a tile):
# 2 and 3 blocks (the loop between the first and the last) on the
# 48-column panels, 3 on the 16- and 12-column ones.
for m, k, n in [(9, 1400, 60), (10, 3000, 50), (7, 11000, 20)]:
    check_exact(m, k, n, wbound=2)
check_exact(11, 2900, 49, init=True, wbound=2)
print("blocked: ok")


def has_row_blocks(lowered):
    """Row blocks: one scf.forall, over blocks whose slices have a dynamic
    number of rows."""
    return lowered.count("scf.forall (") == 1 and "tensor<?x" in lowered


# X above 2 MB: row blocks by default (600 x 1000: 3 blocks of 200 rows;
# 520 x 3000: 3 blocks of 176 rows, K in 2 blocks on AVX-512).
for m, k, n in [(600, 1000, 50), (520, 3000, 20)]:
    for isa in isas:
        assert has_row_blocks(opt(matmul_model(ints((k, n), 1), m),
                                  f"--mc-cpu-kernels=isa={isa}")), (m, isa)
    check_exact(m, k, n, wbound=2)


# Row blocks forced on small shapes (`block-m`, rounded up to the tile's 8,
# 6 or 4 rows): the last block ending inside a register tile (the tail tile
# in the last block, or a block of only tail rows), partial panels, both
# inits, K in 2 blocks (all three ISAs) and 5 (AVX-512), and a fused bias
# + ReLU (with K blocks on AVX-512); exact, equal to the reference
# lowering.
def check_row_blocks(m, k, n, rows, init=False, relu=False):
    w, x = ints((k, n), 2), ints((m, k), 8)
    want = x.astype(np.float64) @ w.astype(np.float64)
    ir, inputs = matmul_model(w, m), [x]
    if init:
        c = ints((m, n), 1000)
        ir, inputs = matmul_init_model(w, m), [x, c]
        want += c
    if relu:
        bias = ints(n, 20)
        ir = with_bias_relu(ir, m, bias)
        want = np.maximum(want + bias, 0)
    (ref,) = run(ir, "f", inputs, 1, ["--reference"])
    assert (ref == want).all(), (m, k, n)
    for isa in isas:
        lowered = opt(ir, f"--mc-cpu-kernels=isa={isa} block-m={rows}")
        assert has_row_blocks(lowered), (m, k, n, rows, isa)
        check_exact_configs(lowered, inputs, want, [(isa, 1), (isa, 2)],
                            (m, k, n, rows))


for m, k, n, rows, init in [(40, 100, 50, 16, False), (37, 103, 70, 5, True),
                            (21, 9, 20, 12, False), (25, 2800, 60, 8, False),
                            (19, 11000, 20, 8, True)]:
    check_row_blocks(m, k, n, rows, init)
check_row_blocks(29, 3000, 50, 8, relu=True)
print("row blocks: ok")


def within_bound(got, x, w, ref=None):
    """|got - x.w| <= 2 K u |x|.|w| elementwise (float64 for x.w)."""
    k = x.shape[1]
    exact = x.astype(np.float64) @ w.astype(np.float64)
    bound = 2 * k * 2.0**-24 * (np.abs(x).astype(np.float64) @
                                np.abs(w).astype(np.float64))
    return (np.abs(got.astype(np.float64) - exact) <= bound).all()


# Random floats: within the bound of numpy (float64), as is the reference.
for m, k, n in [(1, 512, 96), (4, 200, 130), (7, 129, 40), (12, 1500, 50)]:
    w = rng.standard_normal((k, n)).astype(np.float32)
    x = rng.standard_normal((m, k)).astype(np.float32)
    ir = matmul_model(w, m)
    (ref,) = run(ir, "f", [x], 1, ["--reference"])
    assert within_bound(ref, x, w)
    for isa, threads in configs:
        (got,) = run(ir, "f", [x], 1,
                     [f"--isa={isa}", f"--num-threads={threads}"])
        assert within_bound(got, x, w), (m, k, n, isa, threads)
print("rounding: ok")


# Fused bias + ReLU: equal to the reference and numpy (exact sums), with
# and without K blocks; a consumer that reads its output.
for m, k, n, accumulate in [(3, 100, 90, False), (10, 3000, 50, False),
                            (10, 3000, 50, True), (5, 40, 33, True)]:
    w = ints((k, n), 2)
    bias = ints(n, 20)
    ir = with_bias_relu(matmul_model(w, m), m, bias, accumulate)
    lowered = opt(ir, "--mc-cpu-kernels")
    assert "linalg.generic" not in lowered and "vector.fma" in lowered
    x = ints((m, k), 8)
    inputs = [x]
    want = np.maximum(x.astype(np.float64) @ w + bias, 0)
    if accumulate:
        c = ints((m, n), 1000)
        inputs.append(c)
        want += c
    (ref,) = run(ir, "f", inputs, 1, ["--reference"])
    assert (ref == want).all()
    for isa, threads in configs:
        (got,) = run(ir, "f", inputs, 1,
                     [f"--isa={isa}", f"--num-threads={threads}"])
        assert (got == want).all(), (m, k, n, accumulate, isa, threads)
print("epilogue: ok")


def runtime_weight_ir(m, k, n, init, bias):
    """@f(x, w[, c]) = x.w (+ c) (then relu(. + bias) if `bias`)."""
    def t(r, c):
        return f"tensor<{r}x{c}xf32>"
    params = f"%x: {t(m, k)}, %w: {t(k, n)}" + (f", %c: {t(m, n)}" if init
                                                else "")
    body = "" if init else f"""%z = arith.constant 0.0 : f32
  %e = tensor.empty() : {t(m, n)}
  %c = linalg.fill ins(%z : f32) outs(%e : {t(m, n)}) -> {t(m, n)}
  """
    out = "%y"
    if bias is not None:
        out = "%r"
        body_bias = f"""
  %b = arith.constant dense<{bias.tolist()}> : tensor<{n}xf32>
  %zero = arith.constant 0.0 : f32
  %e2 = tensor.empty() : {t(m, n)}
  %r = linalg.generic {{indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}} ins(%y, %b : {t(m, n)}, tensor<{n}xf32>) outs(%e2 : {t(m, n)}) {{
  ^bb0(%a: f32, %bb: f32, %o: f32):
    %s = arith.addf %a, %bb : f32
    %q = arith.maximumf %s, %zero : f32
    linalg.yield %q : f32
  }} -> {t(m, n)}"""
    else:
        body_bias = ""
    return f"""func.func @f({params}) -> {t(m, n)} {{
  {body}%y = linalg.matmul ins(%x, %w : {t(m, k)}, {t(k, n)}) outs(%c : {t(m, n)}) -> {t(m, n)}{body_bias}
  return {out} : {t(m, n)}
}}
"""


for m, k, n, init, relu in [(1, 7, 5, False, False), (9, 33, 50, True, False),
                            (17, 130, 97, False, True),
                            (9, 1400, 60, True, False),
                            (10, 3000, 50, False, True),
                            (600, 20, 33, False, False),
                            (2100, 300, 20, True, False)]:  # X > 2 MB
    w, x = ints((k, n), 4), ints((m, k), 8)
    bias = ints(n, 20) if relu else None
    ir = runtime_weight_ir(m, k, n, init, bias)
    lowered = opt(ir, "--mc-cpu-kernels")
    assert "vector.fma" in lowered and "linalg.matmul" not in lowered and \
        "__mc_f32_weights" not in lowered, (m, k, n)
    inputs = [x, w]
    want = x.astype(np.float64) @ w
    if init:
        c = ints((m, n), 1000)
        inputs.append(c)
        want += c
    if relu:
        want = np.maximum(want + bias, 0)
    (ref,) = run(ir, "f", inputs, 1, ["--reference"])
    assert (ref == want).all()
    check_exact_configs(ir, inputs, want, configs, (m, k, n, init, relu))
# Random floats.
m, k, n = 12, 1500, 50
w = rng.standard_normal((k, n)).astype(np.float32)
x = rng.standard_normal((m, k)).astype(np.float32)
ir = runtime_weight_ir(m, k, n, False, None)
for isa, threads in configs:
    (got,) = run(ir, "f", [x, w], 1,
                 [f"--isa={isa}", f"--num-threads={threads}"])
    assert within_bound(got, x, w), (m, k, n, isa, threads)
print("run-time weights: ok")
