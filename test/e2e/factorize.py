# --mc-factorize against numpy: the chosen rank follows numpy's rule for
# energy and max-rel-error, ||W - U·V||_F is the SVD truncation error, and
# mc-run's output of the factorized model is x·U·V (matmuls) or the conv with
# the factorized kernel (convs), where U and V are read back from the IR.
# RUN: %python %s | FileCheck %s
# CHECK: matmul energy=0.9: ok
# CHECK: matmul max-rel-error=0.05: ok
# CHECK: matmul rank=6: ok
# CHECK: matmul transposed weight with bias: ok
# CHECK: batch_matmul: ok
# CHECK: conv_2d_nhwc_hwcf: ok
# CHECK: conv_2d_nchw_fchw: ok
# CHECK: conv_1d_nwc_wcf (generic second op): ok
# CHECK: min-savings: ok
import re

import numpy as np

from mctest import dense_hex, mlir_type, opt, run

rng = np.random.default_rng(7)


def decaying(k, n, decay=0.85):
    """A k x n matrix with singular values decay**i (well separated)."""
    p = min(k, n)
    qa, _ = np.linalg.qr(rng.standard_normal((k, p)))
    qb, _ = np.linalg.qr(rng.standard_normal((n, p)))
    return ((qa * decay ** np.arange(p)) @ qb.T).astype(np.float32)


def numpy_rank(w, energy=None, max_rel_error=None):
    """The smallest rank >= 1 meeting the rule, and the margin to the
    neighbouring rank's value (so the test knows the choice is robust)."""
    s2 = np.linalg.svd(w.astype(np.float64), compute_uv=False) ** 2
    kept = np.cumsum(s2) / s2.sum()
    if energy is not None:
        r = int(np.argmax(kept >= energy)) + 1
        margin = min(kept[r - 1] - energy,
                     energy - kept[r - 2] if r > 1 else 1)
    else:
        err = np.sqrt(np.maximum(1 - kept, 0))
        r = int(np.argmax(err <= max_rel_error)) + 1
        margin = min(max_rel_error - err[r - 1],
                     err[r - 2] - max_rel_error if r > 1 else 1)
    assert margin > 1e-6, "test weights too close to the rule's boundary"
    return r


def truncation_error(w, r):
    s = np.linalg.svd(w.astype(np.float64), compute_uv=False)
    return np.sqrt(np.sum(s[r:] ** 2))


def truncated(w, r):
    u, s, vt = np.linalg.svd(w.astype(np.float64), full_matrices=False)
    return (u[:, :r] * s[:r]) @ vt[:r]


def factorize(mlir, options):
    """Runs the pass; returns the IR and, per layer name, the two factor
    constants (as stored, in the ops' operand layouts) and the ranks."""
    ir = opt(mlir, f"--mc-factorize={options}",
             "--mlir-print-elementsattrs-with-hex-if-larger=0")
    consts = {}
    for name, hexdata, ty in re.findall(
            r'(%\w+) = arith.constant dense<"0x([0-9A-F]+)"> : tensor<([^>]*)>',
            ir):
        *dims, dtype = ty.split("x")
        assert dtype == "f32"
        consts[name] = np.frombuffer(bytes.fromhex(hexdata), "<f4").reshape(
            [int(d) for d in dims]).astype(np.float64)
    factors = {}
    for line in ir.splitlines():
        m = re.search(r'mc.layer = "([\w.]+)\.([uv])"', line)
        if not m:
            continue
        rank = int(re.search(r"mc.rank = (\d+)", line).group(1))
        ins = re.search(r"ins\((%\w+), (%\w+) :", line).groups()
        (weight,) = [consts[v] for v in ins if v in consts]
        factors.setdefault(m.group(1), {})[m.group(2)] = (weight, rank)
    for f in factors.values():
        assert f["u"][1] == f["v"][1], f
    return ir, factors


def rel_error(got, want):
    return np.abs(got - want).max() / np.abs(want).max()


def check_close(got, want, what):
    err = rel_error(got, want)
    assert err <= 1e-4, (what, err)


# --- matmul: y = x·W, W 64x48 --------------------------------------------
K, N, M = 64, 48, 8
W = decaying(K, N)
MATMUL = f"""
func.func @f(%x: {mlir_type((M, K), 'f32')}) -> {mlir_type((M, N), 'f32')} {{
  %w = arith.constant {dense_hex(W)} : {mlir_type((K, N), 'f32')}
  %e = tensor.empty() : {mlir_type((M, N), 'f32')}
  %c0 = arith.constant 0.0 : f32
  %z = linalg.fill ins(%c0 : f32) outs(%e : {mlir_type((M, N), 'f32')}) -> {mlir_type((M, N), 'f32')}
  %y = linalg.matmul ins(%x, %w : {mlir_type((M, K), 'f32')}, {mlir_type((K, N), 'f32')})
         outs(%z : {mlir_type((M, N), 'f32')}) -> {mlir_type((M, N), 'f32')}
  return %y : {mlir_type((M, N), 'f32')}
}}
"""
x = rng.standard_normal((M, K)).astype(np.float32)
for option, want_rank in [
        ("energy=0.9", numpy_rank(W, energy=0.9)),
        ("max-rel-error=0.05", numpy_rank(W, max_rel_error=0.05)),
        ("rank=6", 6)]:
    ir, factors = factorize(MATMUL, option)
    (u, r), (v, _) = factors["matmul_0"]["u"], factors["matmul_0"]["v"]
    assert r == want_rank and u.shape == (K, r) and v.shape == (r, N), (
        option, r, want_rank, u.shape, v.shape)
    recon = np.linalg.norm(W - u @ v)
    want = truncation_error(W, r)
    assert abs(recon - want) <= 1e-4 * want, (option, recon, want)
    (y,) = run(ir, "f", [x], 1)
    check_close(y, x @ u @ v, option)
    check_close(y, x @ truncated(W, r), option)
    print(f"matmul {option}: ok")

# --- matmul with the weight stored N x K, and a bias in the init -----------
WT = decaying(N, K)  # [N, K]: y[m, n] = b[n] + sum_k x[m, k] WT[n, k]
bias = rng.standard_normal(N).astype(np.float32)
TRANSPOSED = f"""
func.func @f(%x: tensor<{M}x{K}xf32>) -> tensor<{M}x{N}xf32> {{
  %w = arith.constant {dense_hex(WT)} : tensor<{N}x{K}xf32>
  %b = arith.constant {dense_hex(bias)} : tensor<{N}xf32>
  %e = tensor.empty() : tensor<{M}x{N}xf32>
  %bb = linalg.broadcast ins(%b : tensor<{N}xf32>) outs(%e : tensor<{M}x{N}xf32>) dimensions = [0]
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                      affine_map<(m, n, k) -> (n, k)>,
                                      affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w : tensor<{M}x{K}xf32>, tensor<{N}x{K}xf32>)
         outs(%bb : tensor<{M}x{N}xf32>) -> tensor<{M}x{N}xf32>
  return %y : tensor<{M}x{N}xf32>
}}
"""
r_want = numpy_rank(WT.T, max_rel_error=0.1)
ir, factors = factorize(TRANSPOSED, "max-rel-error=0.1")
(ut, r), (v, _) = factors["matmul_0"]["u"], factors["matmul_0"]["v"]
assert r == r_want and ut.shape == (r, K) and v.shape == (r, N)
u = ut.T  # stored in the weight's N x K layout
want = truncation_error(WT, r)
assert abs(np.linalg.norm(WT.T - u @ v) - want) <= 1e-4 * want
(y,) = run(ir, "f", [x], 1)
check_close(y, x @ u @ v + bias, "transposed")
check_close(y, x @ truncated(WT.T, r) + bias, "transposed")
print("matmul transposed weight with bias: ok")

# --- batch_matmul: one SVD per batch matrix, a common rank -----------------
B = 3
WB = np.stack([decaying(K, N, d) for d in (0.7, 0.8, 0.9)])
BATCH = f"""
func.func @f(%x: tensor<{B}x{M}x{K}xf32>) -> tensor<{B}x{M}x{N}xf32> {{
  %w = arith.constant {dense_hex(WB)} : tensor<{B}x{K}x{N}xf32>
  %e = tensor.empty() : tensor<{B}x{M}x{N}xf32>
  %c0 = arith.constant 0.0 : f32
  %z = linalg.fill ins(%c0 : f32) outs(%e : tensor<{B}x{M}x{N}xf32>) -> tensor<{B}x{M}x{N}xf32>
  %y = linalg.batch_matmul ins(%x, %w : tensor<{B}x{M}x{K}xf32>, tensor<{B}x{K}x{N}xf32>)
         outs(%z : tensor<{B}x{M}x{N}xf32>) -> tensor<{B}x{M}x{N}xf32>
  return %y : tensor<{B}x{M}x{N}xf32>
}}
"""
r_want = max(numpy_rank(w, energy=0.95) for w in WB)
ir, factors = factorize(BATCH, "energy=0.95")
assert "linalg.batch_matmul" in ir
(u, r), (v, _) = factors["batch_matmul_0"]["u"], factors["batch_matmul_0"]["v"]
assert r == r_want and u.shape == (B, K, r) and v.shape == (B, r, N)
for i in range(B):
    want = truncation_error(WB[i], r)
    assert abs(np.linalg.norm(WB[i] - u[i] @ v[i]) - want) <= 1e-4 * want
xb = rng.standard_normal((B, M, K)).astype(np.float32)
(y,) = run(ir, "f", [xb], 1)
check_close(y, xb @ u @ v, "batch_matmul")
print("batch_matmul: ok")


# --- convolutions --------------------------------------------------------
def conv_nhwc(x, k, stride):
    """x [n, h, w, c], k [kh, kw, c, f], valid padding."""
    kh, kw = k.shape[:2]
    oh = (x.shape[1] - kh) // stride + 1
    ow = (x.shape[2] - kw) // stride + 1
    out = np.zeros((x.shape[0], oh, ow, k.shape[3]))
    for i in range(kh):
        for j in range(kw):
            patch = x[:, i:i + stride * oh:stride, j:j + stride * ow:stride]
            out += np.einsum("nhwc,cf->nhwf", patch, k[i, j])
    return out


KH, KW, C, F, H, S = 3, 3, 8, 16, 11, 2
KM = decaying(KH * KW * C, F, 0.75)  # the kernel as (KH*KW*C) x F
KERNEL = KM.reshape(KH, KW, C, F)
OH = (H - KH) // S + 1
CONV = f"""
func.func @f(%x: tensor<1x{H}x{H}x{C}xf32>) -> tensor<1x{OH}x{OH}x{F}xf32> {{
  %k = arith.constant {dense_hex(KERNEL)} : tensor<{KH}x{KW}x{C}x{F}xf32>
  %e = tensor.empty() : tensor<1x{OH}x{OH}x{F}xf32>
  %c0 = arith.constant 0.0 : f32
  %z = linalg.fill ins(%c0 : f32) outs(%e : tensor<1x{OH}x{OH}x{F}xf32>) -> tensor<1x{OH}x{OH}x{F}xf32>
  %y = linalg.conv_2d_nhwc_hwcf {{strides = dense<{S}> : tensor<2xi64>, dilations = dense<1> : tensor<2xi64>}}
         ins(%x, %k : tensor<1x{H}x{H}x{C}xf32>, tensor<{KH}x{KW}x{C}x{F}xf32>)
         outs(%z : tensor<1x{OH}x{OH}x{F}xf32>) -> tensor<1x{OH}x{OH}x{F}xf32>
  return %y : tensor<1x{OH}x{OH}x{F}xf32>
}}
"""
xc = rng.standard_normal((1, H, H, C)).astype(np.float32)
r_want = numpy_rank(KM, energy=0.95)
ir, factors = factorize(CONV, "energy=0.95")
(u, r), (v, _) = (factors["conv_2d_nhwc_hwcf_0"]["u"],
                  factors["conv_2d_nhwc_hwcf_0"]["v"])
assert r == r_want and u.shape == (KH, KW, C, r) and v.shape == (1, 1, r, F)
u, v = u.reshape(-1, r), v.reshape(r, F)
want = truncation_error(KM, r)
assert abs(np.linalg.norm(KM - u @ v) - want) <= 1e-4 * want
(y,) = run(ir, "f", [xc], 1)
check_close(y, conv_nhwc(xc, (u @ v).reshape(KERNEL.shape), S), "nhwc")
check_close(y, conv_nhwc(xc, truncated(KM, r).reshape(KERNEL.shape), S),
            "nhwc")
print("conv_2d_nhwc_hwcf: ok")

# NCHW / FCHW: the kernel [F, C, KH, KW] is the F x (C*KH*KW) matrix.
KF = decaying(F, C * KH * KW, 0.75).reshape(F, C, KH, KW)
CONV_NCHW = f"""
func.func @f(%x: tensor<1x{C}x{H}x{H}xf32>) -> tensor<1x{F}x{OH}x{OH}xf32> {{
  %k = arith.constant {dense_hex(KF)} : tensor<{F}x{C}x{KH}x{KW}xf32>
  %e = tensor.empty() : tensor<1x{F}x{OH}x{OH}xf32>
  %c0 = arith.constant 0.0 : f32
  %z = linalg.fill ins(%c0 : f32) outs(%e : tensor<1x{F}x{OH}x{OH}xf32>) -> tensor<1x{F}x{OH}x{OH}xf32>
  %y = linalg.conv_2d_nchw_fchw {{strides = dense<{S}> : tensor<2xi64>, dilations = dense<1> : tensor<2xi64>}}
         ins(%x, %k : tensor<1x{C}x{H}x{H}xf32>, tensor<{F}x{C}x{KH}x{KW}xf32>)
         outs(%z : tensor<1x{F}x{OH}x{OH}xf32>) -> tensor<1x{F}x{OH}x{OH}xf32>
  return %y : tensor<1x{F}x{OH}x{OH}xf32>
}}
"""
ir, factors = factorize(CONV_NCHW, "rank=4")
(ut, r), (vt, _) = (factors["conv_2d_nchw_fchw_0"]["u"],
                    factors["conv_2d_nchw_fchw_0"]["v"])
assert r == 4 and ut.shape == (r, C, KH, KW) and vt.shape == (F, r, 1, 1)
product = vt.reshape(F, r) @ ut.reshape(r, -1)  # back in F x (C*KH*KW)
want = truncation_error(KF.reshape(F, -1), r)
assert abs(np.linalg.norm(KF.reshape(F, -1) - product) - want) <= 1e-4 * want
xn = rng.standard_normal((1, C, H, H)).astype(np.float32)
(y,) = run(ir, "f", [xn], 1)
to_hwcf = product.reshape(F, C, KH, KW).transpose(2, 3, 1, 0)
want_y = conv_nhwc(xn.transpose(0, 2, 3, 1), to_hwcf, S).transpose(0, 3, 1, 2)
check_close(y, want_y, "nchw")
print("conv_2d_nchw_fchw: ok")

# conv_1d_nwc_wcf has no named 1x1 follow-up here: the second op is generic.
K1 = decaying(3 * C, F, 0.5).reshape(3, C, F)
W1 = 20
CONV1D = f"""
func.func @f(%x: tensor<2x{W1}x{C}xf32>) -> tensor<2x{W1 - 2}x{F}xf32> {{
  %k = arith.constant {dense_hex(K1)} : tensor<3x{C}x{F}xf32>
  %e = tensor.empty() : tensor<2x{W1 - 2}x{F}xf32>
  %c0 = arith.constant 0.0 : f32
  %z = linalg.fill ins(%c0 : f32) outs(%e : tensor<2x{W1 - 2}x{F}xf32>) -> tensor<2x{W1 - 2}x{F}xf32>
  %y = linalg.conv_1d_nwc_wcf {{strides = dense<1> : tensor<1xi64>, dilations = dense<1> : tensor<1xi64>}}
         ins(%x, %k : tensor<2x{W1}x{C}xf32>, tensor<3x{C}x{F}xf32>)
         outs(%z : tensor<2x{W1 - 2}x{F}xf32>) -> tensor<2x{W1 - 2}x{F}xf32>
  return %y : tensor<2x{W1 - 2}x{F}xf32>
}}
"""
ir, factors = factorize(CONV1D, "max-rel-error=0.02")
assert "linalg.generic" in ir and "linalg.conv_1d_nwc_wcf" in ir
r_want = numpy_rank(K1.reshape(-1, F), max_rel_error=0.02)
(u, r), (v, _) = factors["conv_1d_nwc_wcf_0"]["u"], factors["conv_1d_nwc_wcf_0"]["v"]
assert r == r_want and u.shape == (3, C, r) and v.shape == (r, F)
x1 = rng.standard_normal((2, W1, C)).astype(np.float32)
(y,) = run(ir, "f", [x1], 1)
k = (u.reshape(-1, r) @ v).reshape(3, C, F)
want_y = sum(np.einsum("nwc,cf->nwf", x1[:, i:i + W1 - 2], k[i])
             for i in range(3))
check_close(y, want_y, "conv1d")
print("conv_1d_nwc_wcf (generic second op): ok")

# --- min-savings: rank 6 of 64x48 keeps 6*112/3072 = 21.9% ----------------
_, factors = factorize(MATMUL, "rank=6 min-savings=0.78")
assert "matmul_0" in factors
_, factors = factorize(MATMUL, "rank=6 min-savings=0.79")
assert not factors
_, factors = factorize(MATMUL, "rank=27")  # 27*112 = 3024 < 3072: saves 1.6%
assert factors["matmul_0"]["u"][1] == 27
_, factors = factorize(MATMUL, "rank=28")  # 28*112 > 3072: saves nothing
assert not factors
print("min-savings: ok")
