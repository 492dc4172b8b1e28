# --mc-quantize against an independent numpy quantizer: payloads, scales and
# zero points bit-identical for every type, width, symmetry, granularity and
# method; then mc-run's output of each quantized model equals numpy's
# evaluation of the same quantized model.
# RUN: %python %s | FileCheck %s
# CHECK: int: ok
# CHECK: float: ok
# CHECK: conv: ok
# CHECK: 2:4 + int4: ok
# CHECK: dynamic activations: ok
# CHECK: dynamic group activations: ok
import re

import ml_dtypes
import numpy as np

from mctest import dense_hex, matmul_model, mlir_type, opt, parse_constants, run

rng = np.random.default_rng(5)
K, N, M = 64, 48, 5
w = (rng.standard_normal((K, N)) * 0.5).astype(np.float32)
w[:, 3] = 0  # an all-zero channel takes scale 1
w[7, :] = np.round(w[7, :] * 8) / 8  # values on the grid: ties
x = rng.standard_normal((M, K)).astype(np.float32)

MODEL = matmul_model(w, M)


def groups_of(shape, granularity, g):
    """Group id of each element of the K x N matrix."""
    k, n = np.indices(shape)
    if granularity == "tensor":
        return np.zeros(shape, np.int64)
    if granularity == "channel":
        return n
    return (k // g) * shape[1] + n


def reference(w, bits, kind, symmetric, granularity, method, g=32):
    """Returns (payload, scales per group, zero points per group, decoded)."""
    gid = groups_of(w.shape, granularity, g)
    ng = gid.max() + 1
    maxabs = np.zeros(ng, np.float32)
    lo = np.zeros(ng, np.float32)
    hi = np.zeros(ng, np.float32)
    np.maximum.at(maxabs, gid.ravel(), np.abs(w).ravel())
    np.minimum.at(lo, gid.ravel(), w.ravel())
    np.maximum.at(hi, gid.ravel(), w.ravel())

    def params(ratio):
        r = np.float32(ratio)
        if kind == "int" and symmetric:
            s = (maxabs * r) / np.float32(2 ** (bits - 1) - 1)
            z = np.zeros(ng, np.int64)
        elif kind == "int":
            qmax = np.float32(2 ** bits - 1)
            s = (hi * r - lo * r) / qmax
            with np.errstate(divide="ignore", invalid="ignore"):
                z = np.clip(np.round(-(lo * r) / s), 0, qmax)
            z = np.where(s > 0, z, 0).astype(np.int64)
        else:
            big = np.float32(ml_dtypes.finfo(kind).max)
            s = (maxabs * r) / big
            z = np.zeros(ng, np.int64)
        s = np.where(s > 0, s, np.float32(1)).astype(np.float32)
        return s, z

    def encode(s, z):
        sg, zg = s[gid], z[gid].astype(np.float32)
        if kind == "int":
            qmin = -(2 ** (bits - 1)) + 1 if symmetric else 0
            qmax = 2 ** (bits - 1) - 1 if symmetric else 2 ** bits - 1
            q = np.clip(np.round(w / sg) + (0 if symmetric else zg), qmin, qmax)
            q = q.astype(np.int64)
            return q, (q - z[gid]).astype(np.float32) * sg
        big = np.float32(ml_dtypes.finfo(kind).max)
        q = np.clip(w / sg, -big, big).astype(kind)
        return q, q.astype(np.float32) * sg

    best = params(1.0)
    if method == "mse":
        best_err = np.full(ng, np.inf)
        for i in range(20):
            s, z = params(1.0 - i / 40.0)
            _, dq = encode(s, z)
            err = np.zeros(ng)
            np.add.at(err, gid.ravel(),
                      ((w.astype(np.float64) - dq) ** 2).ravel())
            better = err < best_err
            best_err = np.where(better, err, best_err)
            best = (np.where(better, s, best[0]), np.where(better, z, best[1]))
    q, dq = encode(*best)
    return q, best[0], best[1], dq


def check_layer(options, bits, kind, symmetric, granularity, method):
    out = opt(MODEL, f"--mc-quantize={options}",
              "--mlir-print-elementsattrs-with-hex-if-larger=1")
    consts = parse_constants(out)
    names = re.search(r"mc\.assemble ([^:]*):", out).group(1).split(", ")
    parts = [consts[n.strip()] for n in names]
    q, s, z, dq = reference(w, bits, kind, symmetric, granularity, method)
    gshape = {"tensor": (), "channel": (N,), "group": (K // 32, N)}[granularity]
    if kind == "int":
        mask = (1 << bits) - 1
        assert ((parts[0].astype(np.int64) & mask) == (q & mask)).all(), options
    else:
        assert (parts[0] == q.view(np.uint8)).all(), options
    assert (parts[1].reshape(-1) == s.reshape(-1)).all() and \
        parts[1].shape == gshape, (options, parts[1], s)
    if not symmetric:
        assert (parts[2].reshape(-1) == z).all(), options
    (y,) = run(out, "f", [x], 1)
    want = x.astype(np.float64) @ dq.astype(np.float64)
    err = np.abs(y - want).max() / np.abs(want).max()
    assert err <= 1e-5, (options, err)


for bits in (8, 4, 2):
    for symmetric in (True, False):
        for granularity in ("tensor", "channel", "group"):
            for method in ("rtn", "mse"):
                check_layer(f"bits={bits} symmetric={str(symmetric).lower()} "
                            f"granularity={granularity} group-size=32 "
                            f"method={method}", bits, "int", symmetric,
                            granularity, method)
print("int: ok")
for name, kind in (("fp8e4m3", ml_dtypes.float8_e4m3fn),
                   ("fp8e5m2", ml_dtypes.float8_e5m2)):
    for granularity in ("tensor", "channel", "group"):
        for method in ("rtn", "mse"):
            check_layer(f"type={name} granularity={granularity} group-size=32 "
                        f"method={method}", 8, kind, True, granularity, method)
for name, kind in (("fp16", np.float16), ("bf16", ml_dtypes.bfloat16)):
    out = opt(MODEL, f"--mc-quantize=type={name}",
              "--mlir-print-elementsattrs-with-hex-if-larger=1")
    consts = parse_constants(out)
    payload = next(v for v in consts.values() if v.shape == (K, N))
    assert (payload.view(np.uint16) == w.astype(kind).view(np.uint16)).all()
    (y,) = run(out, "f", [x], 1)
    want = x.astype(np.float64) @ w.astype(kind).astype(np.float64)
    assert np.abs(y - want).max() / np.abs(want).max() <= 1e-5, name
print("float: ok")

# A conv layer (HWCF filters, channel last after collapsing KH*KW*C).
fw = (rng.standard_normal((3, 3, 4, 8)) * 0.3).astype(np.float32)
xi = rng.standard_normal((1, 6, 6, 4)).astype(np.float32)
conv = f"""
func.func @f(%x: tensor<1x6x6x4xf32>) -> tensor<1x4x4x8xf32> {{
  %w = arith.constant {dense_hex(fw)} : tensor<3x3x4x8xf32>
  %z = arith.constant dense<0.0> : tensor<1x4x4x8xf32>
  %y = linalg.conv_2d_nhwc_hwcf ins(%x, %w : tensor<1x6x6x4xf32>, tensor<3x3x4x8xf32>)
         outs(%z : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  return %y : tensor<1x4x4x8xf32>
}}"""
out = opt(conv, "--mc-quantize=bits=4 granularity=group group-size=12",
          "--mlir-print-elementsattrs-with-hex-if-larger=1")
w2 = fw.reshape(36, 8)
gid = (np.indices(w2.shape)[0] // 12) * 8 + np.indices(w2.shape)[1]
s = np.zeros(gid.max() + 1, np.float32)
np.maximum.at(s, gid.ravel(), np.abs(w2).ravel())
s = s / np.float32(7)
q = np.clip(np.round(w2 / s[gid]), -7, 7)
dq = (q.astype(np.float32) * s[gid]).reshape(fw.shape)
(y,) = run(out, "f", [xi], 1)
want = np.zeros((1, 4, 4, 8))
for i in range(4):
    for j in range(4):
        want[0, i, j] = np.tensordot(xi[0, i:i + 3, j:j + 3, :].astype(np.float64),
                                     dq.astype(np.float64), axes=3)
assert np.abs(y - want).max() / np.abs(want).max() <= 1e-5
print("conv: ok")

# Composition: 2:4 pruning, then int4 per group of 8 kept values along K.
out = opt(MODEL, "--mc-prune=mode=nm n=2 m=4",
          "--mc-quantize=bits=4 granularity=group group-size=8",
          "--mlir-print-elementsattrs-with-hex-if-larger=1")
assert "#mc.nm<2:4, axis = 0, values = #mc.uniform<i4, block = [8, 1], narrow>>" in out
groups = w.reshape(K // 4, 4, N)
order = np.argsort(-np.abs(groups), axis=1, kind="stable")[:, :2, :]
positions = np.sort(order, axis=1)                      # kept, increasing
kept = np.take_along_axis(groups, positions, axis=1).reshape(K // 2, N)
gid = (np.arange(K // 2)[:, None] // 8) * N + np.arange(N)[None, :]
s4 = np.zeros(gid.max() + 1, np.float32)
np.maximum.at(s4, gid.ravel(), np.abs(kept).ravel())
s4 = s4 / np.float32(7)
s4 = np.where(s4 > 0, s4, np.float32(1))
q4 = np.clip(np.round(kept / s4[gid]), -7, 7)
dense = np.zeros((K // 4, 4, N), np.float32)
np.put_along_axis(dense, positions,
                  (q4.astype(np.float32) * s4[gid]).reshape(K // 4, 2, N), axis=1)
(y,) = run(out, "f", [x], 1)
want = x.astype(np.float64) @ dense.reshape(K, N).astype(np.float64)
assert np.abs(y - want).max() / np.abs(want).max() <= 1e-5
print("2:4 + int4: ok")

# Dynamic int8 activations: per-row scales at run time, integer products,
# then (acc * sx) * sw in f32 -- exactly.
out = opt(MODEL, "--mc-quantize=activations=dynamic")
assert "tensor<5x64xi8>" in out and "-> tensor<5x48xi32>" in out, out
xd = x.copy()
xd[2] = 0  # an all-zero row takes scale 1
sx = np.abs(xd).max(axis=1) / np.float32(127)
sx = np.where(sx > 0, sx, np.float32(1)).astype(np.float32)
qx = np.clip(np.round(xd / sx[:, None]), -127, 127).astype(np.int64)
sw = np.abs(w).max(axis=0) / np.float32(127)
sw = np.where(sw > 0, sw, np.float32(1)).astype(np.float32)
qw = np.clip(np.round(w / sw[None, :]), -127, 127).astype(np.int64)
acc = (qx @ qw).astype(np.float32)
want = (acc * sx[:, None]) * sw[None, :]
(y,) = run(out, "f", [xd], 1)
assert (y == want).all(), np.abs(y - want).max()
print("dynamic activations: ok")

# Per group (int8/int4 weights): exact i32 products per group, combined in
# f32 as a = 0; a += f32(P[g]) * sw[g] for g ascending; y = C + a * sx.
for bits, g in ((8, 32), (4, 16), (4, 4)):
    out = opt(MODEL, f"--mc-quantize=activations=dynamic bits={bits} "
              f"granularity=group group-size={g}",
              "--mlir-print-elementsattrs-with-hex-if-larger=1")
    assert f"tensor<{K // g}x{g}x{N}xi{bits}>" in out, out
    consts = parse_constants(out)
    qw, sw, _, _ = reference(w, bits, "int", True, "group", "rtn", g)
    sw = sw.reshape(K // g, N)
    payload = next(v for v in consts.values() if v.shape == (K // g, g, N))
    assert (payload.reshape(K, N) == qw).all()
    p = np.einsum("mgt,gtn->mgn", qx.reshape(M, K // g, g),
                  qw.reshape(K // g, g, N))
    a = np.zeros((M, N), np.float32)
    for gi in range(K // g):
        a = a + p[:, gi, :].astype(np.float32) * sw[gi]
    want = np.float32(0) + a * sx[:, None]
    (y,) = run(out, "f", [xd], 1)
    assert (y == want).all(), (bits, g, np.abs(y - want).max())
print("dynamic group activations: ok")
