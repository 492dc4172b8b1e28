# The GPU kernels' tiled IR before GPU mapping (mc-run --device=gpu-tiles:
# blocks, warps and mma-sized vector.contract run on the CPU) equals the
# reference lowering bit for bit: int8 GEMM (i32 out), int8 GEMM with a
# constant weight and a fused requantization epilogue (scale, bias, clamp,
# ReLU, round to i8), f16 GEMM with f32 accumulation, and weight-only int4
# GEMV/small-M GEMM (--mc-quantize bits=4, groups of 32, decoded in
# registers), and 2:4 sparse int8 and f16 GEMMs (mc.sparse_mma tiles for
# mma.sp; the f16 weight pruned by --mc-prune="mode=nm").
# RUN: %python %s | FileCheck %s
# CHECK: int8 i32: tiled ok, exact
# CHECK: int8 requant relu: tiled ok, exact
# CHECK: int8 requant: tiled ok, exact
# CHECK: int8 requant ties: tiled ok, exact
# CHECK: f16 f32: tiled ok, exact
# CHECK: int4 gemv M=1: tiled ok, exact
# CHECK: int4 gemm M=8: tiled ok, exact
# CHECK: int8 2:4 i32: tiled ok, exact
# CHECK: int8 2:4 from mc-prune: tiled ok, exact
# CHECK: int8 2:4 accumulate: tiled ok, exact
# CHECK: int8 2:4 requant relu: tiled ok, exact
# CHECK: f16 2:4 from mc-prune: tiled ok, exact
# CHECK: bf16 f32: tiled ok, exact
# CHECK: bf16 2:4 from mc-prune: tiled ok, exact
# CHECK: 2:4 mapped: 64 nvgpu.mma.sp.sync (m16n8k32), ldmatrix x2
import ml_dtypes
import numpy as np

from mctest import dense_hex, matmul_model, opt, run

rng = np.random.default_rng(0)
TILE_CHECK = ["--mc-lower-reference", "--one-shot-bufferize=bufferize-function-boundaries "
              "function-boundary-type-conversion=identity-layout-map",
              "--buffer-results-to-out-params", "--mc-gpu-matmul-kernels"]


def check(name, mlir, inputs, expected=None, passes=TILE_CHECK, sparse=False):
    tiled = opt(mlir, *passes)
    # The kernel pass must have taken the matmul (else this checks nothing).
    assert "linalg.matmul" not in tiled and "scf.forall" in tiled, tiled
    assert ("mc.sparse_mma" in tiled) == sparse, tiled
    ref = run(mlir, "f", inputs, 1, ["--reference"])[0]
    got = run(mlir, "f", inputs, 1, ["--device=gpu-tiles"])[0]
    exact = got.dtype == ref.dtype and np.array_equal(
        got.view(np.uint8), ref.view(np.uint8))
    if expected is not None:
        exact = exact and np.array_equal(ref, expected)
    print(f"{name}: tiled ok, {'exact' if exact else 'MISMATCH'}")


m, k, n = 256, 192, 128
a = rng.integers(-128, 128, (m, k), dtype=np.int8)
b = rng.integers(-128, 128, (k, n), dtype=np.int8)
check("int8 i32", f"""
func.func @f(%a: tensor<{m}x{k}xi8>, %b: tensor<{k}x{n}xi8>) -> tensor<{m}x{n}xi32> {{
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<{m}x{n}xi32>
  %i = linalg.fill ins(%z : i32) outs(%e : tensor<{m}x{n}xi32>) -> tensor<{m}x{n}xi32>
  %y = linalg.matmul ins(%a, %b : tensor<{m}x{k}xi8>, tensor<{k}x{n}xi8>)
                     outs(%i : tensor<{m}x{n}xi32>) -> tensor<{m}x{n}xi32>
  return %y : tensor<{m}x{n}xi32>
}}""", [a, b], a.astype(np.int32) @ b.astype(np.int32))


def requant_model(w, scale, bias, relu):
    k, n = w.shape
    lo = "0.0" if relu else "-128.0"
    return f"""
func.func @f(%a: tensor<{m}x{k}xi8>) -> tensor<{m}x{n}xi8> {{
  %w = arith.constant {dense_hex(w)} : tensor<{k}x{n}xi8>
  %s = arith.constant {dense_hex(scale)} : tensor<{n}xf32>
  %bias = arith.constant {dense_hex(bias)} : tensor<{n}xf32>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<{m}x{n}xi32>
  %i = linalg.fill ins(%z : i32) outs(%e : tensor<{m}x{n}xi32>) -> tensor<{m}x{n}xi32>
  %acc = linalg.matmul ins(%a, %w : tensor<{m}x{k}xi8>, tensor<{k}x{n}xi8>)
                       outs(%i : tensor<{m}x{n}xi32>) -> tensor<{m}x{n}xi32>
  %o = tensor.empty() : tensor<{m}x{n}xi8>
  %y = linalg.generic {{indexing_maps = [affine_map<(i, j) -> (i, j)>,
      affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (j)>,
      affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}}
      ins(%acc, %s, %bias : tensor<{m}x{n}xi32>, tensor<{n}xf32>, tensor<{n}xf32>)
      outs(%o : tensor<{m}x{n}xi8>) {{
  ^bb0(%x: i32, %sc: f32, %bi: f32, %out: i8):
    %xf = arith.sitofp %x : i32 to f32
    %v = arith.mulf %xf, %sc : f32
    %vb = arith.addf %v, %bi : f32
    %lo = arith.constant {lo} : f32
    %hi = arith.constant 127.0 : f32
    %c1 = arith.maximumf %vb, %lo : f32
    %c2 = arith.minimumf %c1, %hi : f32
    %r = math.roundeven %c2 : f32
    %q = arith.fptosi %r : f32 to i8
    linalg.yield %q : i8
  }} -> tensor<{m}x{n}xi8>
  return %y : tensor<{m}x{n}xi8>
}}"""


w = rng.integers(-128, 128, (k, n), dtype=np.int8)
scale = (rng.random(n, dtype=np.float32) * 2e-4 + 1e-5).astype(np.float32)
bias = (rng.standard_normal(n).astype(np.float32) * 10).astype(np.float32)
for relu in [True, False]:
    acc = (a.astype(np.int32) @ w.astype(np.int32)).astype(np.float32)
    v = acc * scale + bias
    expected = np.rint(np.clip(v, 0.0 if relu else -128.0, 127.0)).astype(np.int8)
    check("int8 requant" + (" relu" if relu else ""),
          requant_model(w, scale, bias, relu), [a], expected)

# Scale 1/2 and integer biases: half the values are ties, which must round
# to even (math.roundeven is rewritten into arithmetic for the GPU; the
# tiled pipeline applies the same rewrite).
half = np.full(n, 0.5, np.float32)
ibias = rng.integers(-3, 4, n).astype(np.float32)
a2 = rng.integers(-2, 3, (m, k), dtype=np.int8)
w2 = rng.integers(-2, 3, (k, n), dtype=np.int8)
v = (a2.astype(np.int32) @ w2.astype(np.int32)).astype(np.float32) * half + ibias
expected = np.rint(np.clip(v, -128.0, 127.0)).astype(np.int8)
assert (np.abs(v) % 1 == 0.5).sum() > m * n // 4
check("int8 requant ties", requant_model(w2, half, ibias, False), [a2], expected)

kf = 96
af = rng.standard_normal((m, kf)).astype(np.float16)
bf = rng.standard_normal((kf, n)).astype(np.float16)
check("f16 f32", f"""
func.func @f(%a: tensor<{m}x{kf}xf16>, %b: tensor<{kf}x{n}xf16>) -> tensor<{m}x{n}xf32> {{
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<{m}x{n}xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<{m}x{n}xf32>) -> tensor<{m}x{n}xf32>
  %y = linalg.matmul ins(%a, %b : tensor<{m}x{kf}xf16>, tensor<{kf}x{n}xf16>)
                     outs(%i : tensor<{m}x{n}xf32>) -> tensor<{m}x{n}xf32>
  return %y : tensor<{m}x{n}xf32>
}}""", [af, bf])

# Weight-only int4: the decoded f32 weight is never built.
w4 = rng.standard_normal((k, 512)).astype(np.float32)
for rows in [1, 8]:
    model = opt(matmul_model(w4, rows),
                "--mc-quantize=bits=4 granularity=group group-size=32")
    x = rng.standard_normal((rows, k)).astype(np.float32)
    passes = TILE_CHECK[:-1] + ["--canonicalize", "--mc-gpu-gemv-kernels"]
    tiled = opt(model, *passes)
    assert "xi4_packed" in tiled and "tensor<" not in tiled, tiled
    check(f"int4 {'gemv' if rows == 1 else 'gemm'} M={rows}", model, [x],
          passes=TILE_CHECK[:-1] + ["--canonicalize", "--mc-gpu-gemv-kernels"])


def prune24(w):
    """w with 0, 1 or 2 of every aligned 4 k of each column kept."""
    w = w.copy()
    for g in range(w.shape[0] // 4):
        for c in range(w.shape[1]):
            drop = rng.permutation(4)[:rng.integers(2, 5)]
            w[4 * g + drop, c] = 0
    return w


# 2:4 sparse weights: the kernels compute C^T = W^T X^T on mma.sp tiles.
ms, ks, ns = 128, 256, 256
a24 = rng.integers(-128, 128, (ms, ks), dtype=np.int8)
w24 = prune24(rng.integers(-128, 128, (ks, ns), dtype=np.int8))
m = ms
int8_24 = f"""
func.func @f(%a: tensor<{ms}x{ks}xi8>) -> tensor<{ms}x{ns}xi32> {{
  %w = arith.constant {dense_hex(w24)} : tensor<{ks}x{ns}xi8>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<{ms}x{ns}xi32>
  %i = linalg.fill ins(%z : i32) outs(%e : tensor<{ms}x{ns}xi32>) -> tensor<{ms}x{ns}xi32>
  %y = linalg.matmul ins(%a, %w : tensor<{ms}x{ks}xi8>, tensor<{ks}x{ns}xi8>)
                     outs(%i : tensor<{ms}x{ns}xi32>) -> tensor<{ms}x{ns}xi32>
  return %y : tensor<{ms}x{ns}xi32>
}}"""
check("int8 2:4 i32", int8_24, [a24], a24.astype(np.int32) @ w24.astype(np.int32),
      sparse=True)

# An int8 model pruned 2:4 by mc itself (integer weights stay dense i8).
wq = rng.integers(-128, 128, (ks, ns), dtype=np.int8)
check("int8 2:4 from mc-prune",
      opt(int8_24.replace(dense_hex(w24), dense_hex(wq)),
          "--mc-prune=mode=nm n=2 m=4"), [a24], sparse=True)

# Accumulating into an input: the tiles start from its values.
c0 = rng.integers(-1000, 1000, (ms, ns), dtype=np.int32)
check("int8 2:4 accumulate", f"""
func.func @f(%a: tensor<{ms}x{ks}xi8>, %c: tensor<{ms}x{ns}xi32>) -> tensor<{ms}x{ns}xi32> {{
  %w = arith.constant {dense_hex(w24)} : tensor<{ks}x{ns}xi8>
  %y = linalg.matmul ins(%a, %w : tensor<{ms}x{ks}xi8>, tensor<{ks}x{ns}xi8>)
                     outs(%c : tensor<{ms}x{ns}xi32>) -> tensor<{ms}x{ns}xi32>
  return %y : tensor<{ms}x{ns}xi32>
}}""", [a24, c0], c0 + a24.astype(np.int32) @ w24.astype(np.int32),
      sparse=True)

scale24 = (rng.random(ns, dtype=np.float32) * 2e-4 + 1e-5).astype(np.float32)
bias24 = (rng.standard_normal(ns).astype(np.float32) * 10).astype(np.float32)
acc = (a24.astype(np.int32) @ w24.astype(np.int32)).astype(np.float32)
expected = np.rint(np.clip(acc * scale24 + bias24, 0.0, 127.0)).astype(np.int8)
check("int8 2:4 requant relu", requant_model(w24, scale24, bias24, True),
      [a24], expected, sparse=True)

# f16 weights pruned 2:4 by mc itself; the GPU pipelines fold the decode of
# the constant N:M weight and pack it for mma.sp.
w16 = rng.standard_normal((ks, ns)).astype(np.float32)
x16 = rng.standard_normal((ms, ks)).astype(np.float16)
pruned = opt(f"""
func.func @f(%x: tensor<{ms}x{ks}xf16>) -> tensor<{ms}x{ns}xf32> {{
  %w = arith.constant {dense_hex(w16.astype(np.float16))} : tensor<{ks}x{ns}xf16>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<{ms}x{ns}xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<{ms}x{ns}xf32>) -> tensor<{ms}x{ns}xf32>
  %y = linalg.matmul ins(%x, %w : tensor<{ms}x{ks}xf16>, tensor<{ks}x{ns}xf16>)
                     outs(%i : tensor<{ms}x{ns}xf32>) -> tensor<{ms}x{ns}xf32>
  return %y : tensor<{ms}x{ns}xf32>
}}""", "--mc-prune=mode=nm n=2 m=4")
assert "#mc.nm<2:4" in pruned, pruned
check("f16 2:4 from mc-prune", pruned, [x16],
      passes=["--mc-gpu-fold-nm-decode"] + TILE_CHECK, sparse=True)

# bf16: the same tiles (nvvm.mma.sync / mma.sp on the GPU; nvgpu's
# lowering has no bf16).
def f32_matmul(x_t, w_hex, mm, kk, nn):
    return f"""
func.func @f(%x: tensor<{mm}x{kk}x{x_t}>) -> tensor<{mm}x{nn}xf32> {{
  %w = arith.constant {w_hex} : tensor<{kk}x{nn}x{x_t}>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<{mm}x{nn}xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<{mm}x{nn}xf32>) -> tensor<{mm}x{nn}xf32>
  %y = linalg.matmul ins(%x, %w : tensor<{mm}x{kk}x{x_t}>, tensor<{kk}x{nn}x{x_t}>)
                     outs(%i : tensor<{mm}x{nn}xf32>) -> tensor<{mm}x{nn}xf32>
  return %y : tensor<{mm}x{nn}xf32>
}}"""


xb = rng.standard_normal((ms, ks)).astype(ml_dtypes.bfloat16)
wb = rng.standard_normal((ks, 64)).astype(ml_dtypes.bfloat16)
check("bf16 f32", f32_matmul("bf16", dense_hex(wb.view(np.uint16)), ms, ks, 64),
      [xb])
wb = w16.astype(ml_dtypes.bfloat16)
check("bf16 2:4 from mc-prune",
      opt(f32_matmul("bf16", dense_hex(wb.view(np.uint16)), ms, ks, ns),
          "--mc-prune=mode=nm n=2 m=4"),
      [xb], passes=["--mc-gpu-fold-nm-decode"] + TILE_CHECK, sparse=True)

# On the GPU each warp's 4 x 4 tiles and 4 K steps per stage are 64
# mma.sp per stage, operands by ldmatrix.
mapped = opt(opt(int8_24, *TILE_CHECK), "--mc-gpu-map-kernels")
sp = mapped.count("nvgpu.mma.sp.sync")
shape = "m16n8k32" if "mmaShape = [16, 8, 32]" in mapped else "?"
x2 = "x2" if "numTiles = 2" in mapped and "mc.sparse_mma" not in mapped else "?"
print(f"2:4 mapped: {sp} nvgpu.mma.sp.sync ({shape}), ldmatrix {x2}")
