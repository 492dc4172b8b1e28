# --mc-prune against an independent numpy implementation: the exact set of
# zeroed weights (ties included), the N:M pattern and kept values read from
# the #mc.nm parts, channel pruning equal to the numpy model with those
# channels removed; and mc-run's outputs of every pruned model equal numpy's
# evaluation of the same pruned model.
# RUN: %python %s | FileCheck %s
# CHECK: unstructured layer: ok
# CHECK: unstructured rounding: ok
# CHECK: unstructured global: ok
# CHECK: unstructured layers=: ok
# CHECK: nm 2:4 matmul: ok
# CHECK: nm 4:8 conv: ok
# CHECK: nm nested decode: ok
# CHECK: channel mlp l1: ok
# CHECK: channel mlp l2: ok
# CHECK: channel mlp 3 layers: ok
# CHECK: channel conv: ok
import re
from fractions import Fraction

import numpy as np

from mctest import dense_hex, matmul_model, mlir_type, opt, run

rng = np.random.default_rng(7)


def with_ties(shape, tie_rank_fraction):
    """Random weights where a block of equal magnitudes (random signs)
    straddles the pruning threshold at `tie_rank_fraction`."""
    w = rng.standard_normal(shape).astype(np.float32)
    flat = w.reshape(-1)
    order = np.argsort(np.abs(flat), kind="stable")
    r = int(tie_rank_fraction * flat.size)
    tie = order[max(r - 6, 0):r + 6]
    flat[tie] = np.float32(np.abs(flat[order[r]])) * rng.choice([-1, 1], tie.size)
    return w


def count_to_prune(s, count):
    """floor(s * count) on the decimal s: the largest k with k/count <= s."""
    k = int(Fraction(repr(s)) * count)
    assert k / count <= s and (k == count or (k + 1) / count > s)
    return k


def constants(text):
    """Every dense constant of the output, in order, as numpy arrays."""
    out = []
    for hexs, dims, ty in re.findall(
            r'arith\.constant dense<"0x([0-9A-F]+)"> : tensor<((?:\d+x)+)(f32|i\d)>',
            text):
        shape = [int(d) for d in dims.rstrip("x").split("x")]
        if ty == "f32":
            data = np.frombuffer(bytes.fromhex(hexs), np.float32)
        else:  # N:M positions: unsigned, one byte each
            data = np.frombuffer(bytes.fromhex(hexs), np.uint8) & (
                (1 << int(ty[1:])) - 1)
            data = data.astype(np.int8)
        out.append(data.reshape(shape))
    return out


def prune(src, options):
    return opt(src, f"--mc-prune={options}",
               "--mlir-print-elementsattrs-with-hex-if-larger=0")


def close(got, ref):
    err = np.abs(got - ref).max() / max(np.abs(ref).max(), 1e-30)
    assert err <= 1e-5, err


# ----------------------------------------------------------------------------
# Models
# ----------------------------------------------------------------------------

def bias_act(name, h, b, shape, relu):
    """An element-wise generic: h + b (broadcast along the last dim), relu."""
    t, bt = mlir_type(shape, "f32"), mlir_type([shape[-1]], "f32")
    r = len(shape)
    dims = ", ".join(f"d{i}" for i in range(r))
    act = (f"%r = arith.maximumf %s, %zero : f32\n    linalg.yield %r : f32"
           if relu else "linalg.yield %s : f32")
    return f"""
  %{name}e = tensor.empty() : {t}
  %{name} = linalg.generic {{indexing_maps = [affine_map<({dims}) -> ({dims})>,
      affine_map<({dims}) -> (d{r - 1})>, affine_map<({dims}) -> ({dims})>],
      iterator_types = [{", ".join(['"parallel"'] * r)}]}}
      ins(%{h}, %{name}b : {t}, {bt}) outs(%{name}e : {t}) {{
  ^bb0(%p: f32, %q: f32, %o: f32):
    %s = arith.addf %p, %q : f32
    {act}
  }} -> {t}"""


def mlp_model(*params, batch):
    """Dense layers fc1, fc2, ... (weights, biases alternate in `params`),
    relu after all but the last."""
    pairs = list(zip(params[::2], params[1::2]))
    xt = mlir_type([batch, pairs[0][0].shape[0]], "f32")
    lines = [f"func.func @f(%x: {xt}) -> "
             f"{mlir_type([batch, pairs[-1][0].shape[1]], 'f32')} {{",
             "  %zero = arith.constant 0.0 : f32"]
    h, ht = "x", xt
    for i, (w, b) in enumerate(pairs, 1):
        k, n = w.shape
        wt, ot = mlir_type([k, n], "f32"), mlir_type([batch, n], "f32")
        lines.append(f"""
  %w{i} = arith.constant {dense_hex(w)} : {wt}
  %a{i}b = arith.constant {dense_hex(b)} : {mlir_type([n], "f32")}
  %e{i} = tensor.empty() : {ot}
  %i{i} = linalg.fill ins(%zero : f32) outs(%e{i} : {ot}) -> {ot}
  %h{i} = linalg.matmul {{mc.layer = "fc{i}"}} ins(%{h}, %w{i} : {ht}, {wt}) outs(%i{i} : {ot}) -> {ot}
  {bias_act(f"a{i}", f"h{i}", b, [batch, n], i < len(pairs))}""")
        h, ht = f"a{i}", ot
    lines.append(f"  return %{h} : {ht}\n}}")
    return "\n".join(lines)


def mlp_numpy(x, *params):
    a = x.astype(np.float64)
    for i in range(0, len(params), 2):
        a = a @ params[i].astype(np.float64) + params[i + 1]
        if i + 2 < len(params):
            a = np.maximum(a, 0)
    return a


def conv_type(shape):
    return mlir_type(shape, "f32")


def conv_op(name, x, xshape, w, wshape, init):
    oshape = [xshape[0], xshape[1] - wshape[0] + 1, xshape[2] - wshape[1] + 1,
              wshape[3]]
    ot = conv_type(oshape)
    return oshape, f"""
  %{name}e = tensor.empty() : {ot}
  %{name}i = linalg.fill ins(%zero : f32) outs(%{name}e : {ot}) -> {ot}
  %{name} = linalg.conv_2d_nhwc_hwcf
      {{dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}}
      ins(%{x}, %{w} : {conv_type(xshape)}, {conv_type(wshape)})
      outs(%{name}i : {ot}) -> {ot}"""


def conv_numpy(x, w):
    win = np.lib.stride_tricks.sliding_window_view(x.astype(np.float64),
                                                   w.shape[:2], axis=(1, 2))
    return np.einsum("nhwcij,ijcf->nhwf", win, w.astype(np.float64))


# ----------------------------------------------------------------------------
# numpy pruning
# ----------------------------------------------------------------------------

def unstructured_numpy(ws, s):
    """Zeroes the smallest |w| over all of `ws` (one ranking), ties by
    (layer, flat index)."""
    flat = np.concatenate([w.reshape(-1) for w in ws])
    layer = np.concatenate([np.full(w.size, i) for i, w in enumerate(ws)])
    index = np.concatenate([np.arange(w.size) for w in ws])
    order = np.lexsort((index, layer, np.abs(flat)))
    k = count_to_prune(s, flat.size)
    out = flat.copy()
    out[order[:k]] = 0
    result, at = [], 0
    for w in ws:
        result.append(out[at:at + w.size].reshape(w.shape))
        at += w.size
    return result, k


def nm_numpy(matrix, n, m):
    """matrix [K, N]: in every group of m along K keep the n largest |w|,
    the lower position among equals."""
    k, cols = matrix.shape
    g = matrix.T.reshape(cols, k // m, m)  # [N, groups, m]
    mag = np.abs(g)
    pos = np.broadcast_to(np.arange(m), g.shape)
    order = np.lexsort((pos, -mag), axis=-1)
    keep = np.sort(order[..., :n], axis=-1)  # [N, groups, n]
    dense = np.zeros_like(g)
    np.put_along_axis(dense, keep, np.take_along_axis(g, keep, -1), -1)
    return dense.reshape(cols, k).T, keep


def channels_to_keep(w_kn, s, l2):
    norms = (w_kn.astype(np.float64) ** 2 if l2 else
             np.abs(w_kn.astype(np.float64))).sum(axis=0)
    order = np.lexsort((np.arange(norms.size), norms))
    k = count_to_prune(s, norms.size)
    return np.sort(order[k:])


# ----------------------------------------------------------------------------
# Unstructured
# ----------------------------------------------------------------------------

w = with_ties((64, 32), 0.5)
x = rng.standard_normal((8, 64)).astype(np.float32)
src = matmul_model(w, 8)
out = prune(src, "sparsity=0.5")
(got,) = constants(out)
(want,), k = unstructured_numpy([w], 0.5)
assert k == 1024 and (got == 0).sum() == k, (got == 0).sum()
assert np.array_equal(got, want)
tied = np.abs(w) == np.sort(np.abs(w).ravel())[k]
assert (tied & (got == 0)).sum() == 6 and (tied & (got != 0)).sum() == 6
(y,) = run(out, "f", [x], 1)
close(y, x.astype(np.float64) @ want)
print("unstructured layer: ok")

# 0.29 of 64x50 = 3200 weights is 928 zeros (the double product is
# 927.9999999999999).
w1 = with_ties((64, 50), 0.29)
b1 = rng.standard_normal(50).astype(np.float32)
w2 = with_ties((50, 10), 0.29)
b2 = rng.standard_normal(10).astype(np.float32)
xm = rng.standard_normal((4, 64)).astype(np.float32)
src = mlp_model(w1, b1, w2, b2, batch=4)
out = prune(src, "sparsity=0.29")
g1, g2 = [c for c in constants(out) if c.ndim == 2]
assert (g1 == 0).sum() == 928 and (g2 == 0).sum() == 145
assert np.array_equal(g1, unstructured_numpy([w1], 0.29)[0][0])
assert np.array_equal(g2, unstructured_numpy([w2], 0.29)[0][0])
(y,) = run(out, "f", [xm], 1)
close(y, mlp_numpy(xm, g1, b1, g2, b2))
print("unstructured rounding: ok")

# Global: one ranking over both layers. Give 13 weights the magnitude at
# rank k - 5 (3 of them in fc2), so the tie straddles the threshold and is
# broken by layer order, then flat index.
flat = np.concatenate([w1.ravel(), w2.ravel()])
k = count_to_prune(0.6, flat.size)
order = np.argsort(np.abs(flat), kind="stable")
m0 = np.abs(flat[order[k - 5]])
tie = np.concatenate([order[k - 5:k + 5], w1.size + np.arange(3)])
flat[tie] = m0 * rng.choice([-1, 1], tie.size).astype(np.float32)
w1g, w2g = flat[:w1.size].reshape(w1.shape), flat[w1.size:].reshape(w2.shape)
src = mlp_model(w1g, b1, w2g, b2, batch=4)
out = prune(src, "sparsity=0.6 scope=global")
g1, g2 = [c for c in constants(out) if c.ndim == 2]
(t1, t2), k = unstructured_numpy([w1g, w2g], 0.6)
assert (g1 == 0).sum() + (g2 == 0).sum() == k == 2220
assert np.array_equal(g1, t1) and np.array_equal(g2, t2)
pruned = np.concatenate([g1.ravel(), g2.ravel()]) == 0
tied = np.abs(flat) == m0
assert (tied & pruned).any() and (tied & ~pruned).any()
assert tied[:w1.size].any() and tied[w1.size:].any()
(y,) = run(out, "f", [xm], 1)
close(y, mlp_numpy(xm, g1, b1, g2, b2))
print("unstructured global: ok")

out = prune(src, "sparsity=0.5 layers=fc2")
g1, g2 = [c for c in constants(out) if c.ndim == 2]
assert np.array_equal(g1, w1g)
assert np.array_equal(g2, unstructured_numpy([w2g], 0.5)[0][0])
out = prune(src, "sparsity=0.5 min-params=1000")
g1, g2 = [c for c in constants(out) if c.ndim == 2]
assert np.array_equal(g1, unstructured_numpy([w1g], 0.5)[0][0])
assert np.array_equal(g2, w2g)
print("unstructured layers=: ok")

# ----------------------------------------------------------------------------
# N:M
# ----------------------------------------------------------------------------

w = rng.standard_normal((64, 32)).astype(np.float32)
w[0:4, 0] = [0.5, -0.5, 0.5, 0.1]       # keep positions 0, 1
w[4:8, 1] = [0.25, 0.75, -0.75, 0.75]   # keep 1, 2
w[8:12, 2] = [0.0, 0.0, 0.0, 0.0]       # keep 0, 1 (zeros)
src = matmul_model(w, 64)
out = prune(src, "mode=nm n=2 m=4")
indices, values = constants(out)
assert indices.shape == values.shape == (32, 32)
assert "#mc.nm<2:4, axis = 0>" in out
want, keep = nm_numpy(w, 2, 4)
ind = indices.T.reshape(32, 16, 2)  # [N, groups, n]
assert ((ind >= 0) & (ind < 4)).all() and (ind[..., 1] > ind[..., 0]).all()
assert np.array_equal(ind, keep)
assert np.array_equal(values.T.reshape(32, 16, 2),
                      np.take_along_axis(w.T.reshape(32, 16, 4), keep, -1))
assert list(ind[0, 0]) == [0, 1] and list(ind[1, 1]) == [1, 2]
assert list(ind[2, 2]) == [0, 1]
# Decoding under the reference lowering is exact: the identity input
# returns the decoded weight bit for bit.
(y,) = run(out, "f", [np.eye(64, dtype=np.float32)], 1)
assert np.array_equal(y, want)
x = rng.standard_normal((64, 64)).astype(np.float32)
(y,) = run(out, "f", [x], 1)
close(y, x.astype(np.float64) @ want)
print("nm 2:4 matmul: ok")

# conv_2d_nhwc_hwcf: the matrix view is [KH*KW*C, F]; groups run along it.
wc = rng.standard_normal((3, 3, 8, 16)).astype(np.float32)
wc[0, 0, 0:8, 0] = [1, -1, 1, -1, 1, -1, 1, -1]  # keep positions 0..3
xc = rng.standard_normal((2, 6, 6, 8)).astype(np.float32)
xt, wt, ot = conv_type(xc.shape), conv_type(wc.shape), conv_type([2, 4, 4, 16])
_, body = conv_op("y", "x", list(xc.shape), "w", list(wc.shape), None)
src = f"""
func.func @f(%x: {xt}) -> {ot} {{
  %zero = arith.constant 0.0 : f32
  %w = arith.constant {dense_hex(wc)} : {wt}
  {body}
  return %y : {ot}
}}"""
out = prune(src, "mode=nm n=4 m=8")
indices, values = constants(out)
assert "#mc.nm<4:8, axis = 0>" in out and indices.shape == (36, 16)
want, keep = nm_numpy(wc.reshape(72, 16), 4, 8)
assert np.array_equal(indices.T.reshape(16, 9, 4), keep)
assert list(keep[0, 0]) == [0, 1, 2, 3]
assert np.array_equal(values.T.reshape(16, 9, 4),
                      np.take_along_axis(wc.reshape(72, 16).T.reshape(16, 9, 8),
                                         keep, -1))
(y,) = run(out, "f", [xc], 1)
close(y, conv_numpy(xc, want.reshape(wc.shape)))
print("nm 4:8 conv: ok")

# Nested: 2:4 along axis 1 whose kept values are int4 with a scale per
# block of 4 kept values; decoded exactly by the reference lowering.
pos = np.sort(np.argsort(rng.random((4, 4, 4)), axis=-1)[..., :2], axis=-1)
idx = pos.reshape(4, 8).astype(np.int8)
q = rng.integers(-8, 8, (4, 8)).astype(np.int8)
sc = rng.uniform(0.5, 2, (4, 2)).astype(np.float32)
t = ("!mc.compressed<4x16xf32, #mc.nm<2:4, axis = 1, "
     "values = #mc.uniform<i4, block = [1, 4]>>>")
(d,) = run(f"""
func.func @f(%i: tensor<4x8xi8>, %q: tensor<4x8xi8>, %s: tensor<4x2xf32>) -> tensor<4x16xf32> {{
  %q4 = arith.trunci %q : tensor<4x8xi8> to tensor<4x8xi4>
  %i2 = arith.trunci %i : tensor<4x8xi8> to tensor<4x8xi2>
  %c = mc.assemble %i2, %q4, %s : (tensor<4x8xi2>, tensor<4x8xi4>, tensor<4x2xf32>) -> {t}
  %d = mc.decode %c : {t} -> tensor<4x16xf32>
  return %d : tensor<4x16xf32>
}}""", "f", [idx, q, sc], 1)
vals = q.astype(np.float32) * np.repeat(sc, 4, axis=1)
want = np.zeros((4, 4, 4), np.float32)
np.put_along_axis(want, pos, vals.reshape(4, 4, 2), -1)
assert np.array_equal(d, want.reshape(4, 16))
print("nm nested decode: ok")

# ----------------------------------------------------------------------------
# Channels
# ----------------------------------------------------------------------------

for crit in ("l1", "l2"):
    w1c = rng.standard_normal((64, 50)).astype(np.float32)
    # Exact ties: sign-flipped copies have the same L1 and L2 norms.
    norms = np.abs(w1c).sum(0) if crit == "l1" else (w1c ** 2).sum(0)
    mid = np.argsort(norms)[15]
    w1c[:, 3] = -w1c[:, mid]
    w1c[:, 40] = w1c[:, mid] * -1
    src = mlp_model(w1c, b1, w2, b2, batch=4)
    out = prune(src, f"mode=channel sparsity=0.3 criterion={crit}")
    keep = channels_to_keep(w1c, 0.3, crit == "l2")
    assert keep.size == 35
    by_shape = {c.shape: c for c in constants(out)}
    g1, gb1 = by_shape[(64, 35)], by_shape[(35,)]
    g2, gb2 = by_shape[(35, 10)], by_shape[(10,)]
    assert np.array_equal(g1, w1c[:, keep]) and np.array_equal(gb1, b1[keep])
    assert np.array_equal(g2, w2[keep]) and np.array_equal(gb2, b2)
    assert "tensor<4x50xf32>" not in out
    (y,) = run(out, "f", [xm], 1)
    close(y, mlp_numpy(xm, w1c[:, keep], b1[keep], w2[keep], b2))
    print(f"channel mlp {crit}: ok")

# Three layers: fc2 loses input channels (fc1's) and output channels (its
# own, chosen by the norms of its original weights); fc3 is the output.
ws = [rng.standard_normal(s).astype(np.float32) for s in ((64, 12), (12, 10),
                                                          (10, 4))]
bs = [rng.standard_normal(s[1]).astype(np.float32) for s in
      ((64, 12), (12, 10), (10, 4))]
src = mlp_model(ws[0], bs[0], ws[1], bs[1], ws[2], bs[2], batch=4)
out = prune(src, "mode=channel sparsity=0.25")
k1 = channels_to_keep(ws[0], 0.25, False)
k2 = channels_to_keep(ws[1], 0.25, False)
assert k1.size == 9 and k2.size == 8
by_shape = {c.shape: c for c in constants(out)}
assert np.array_equal(by_shape[(64, 9)], ws[0][:, k1])
assert np.array_equal(by_shape[(9,)], bs[0][k1])
assert np.array_equal(by_shape[(9, 8)], ws[1][k1][:, k2])
assert np.array_equal(by_shape[(8,)], bs[1][k2])
assert np.array_equal(by_shape[(8, 4)], ws[2][k2])
(y,) = run(out, "f", [xm], 1)
close(y, mlp_numpy(xm, ws[0][:, k1], bs[0][k1], ws[1][k1][:, k2], bs[1][k2],
                   ws[2][k2], bs[2]))
print("channel mlp 3 layers: ok")

# conv -> bias, relu -> conv: the second conv loses input channels.
wa = rng.standard_normal((3, 3, 4, 8)).astype(np.float32)
wa[..., 5] = -wa[..., 2]  # a tie
ba = rng.standard_normal(8).astype(np.float32)
wb = rng.standard_normal((3, 3, 8, 6)).astype(np.float32)
xc = rng.standard_normal((1, 8, 8, 4)).astype(np.float32)
s1, c1 = conv_op("y1", "x", [1, 8, 8, 4], "wa", list(wa.shape), None)
s2, c2 = conv_op("y2", "a", s1, "wb", list(wb.shape), None)
src = f"""
func.func @f(%x: {conv_type(xc.shape)}) -> {conv_type(s2)} {{
  %zero = arith.constant 0.0 : f32
  %wa = arith.constant {dense_hex(wa)} : {conv_type(wa.shape)}
  %ab = arith.constant {dense_hex(ba)} : {mlir_type([8], "f32")}
  %wb = arith.constant {dense_hex(wb)} : {conv_type(wb.shape)}
  {c1}
  {bias_act("a", "y1", ba, s1, True)}
  {c2}
  return %y2 : {conv_type(s2)}
}}"""
out = prune(src, "mode=channel sparsity=0.5")
keep = channels_to_keep(wa.reshape(36, 8), 0.5, False)
by_shape = {c.shape: c for c in constants(out)}
ga, gba, gb = by_shape[(36, 4)], by_shape[(4,)], by_shape[(36, 6)]
assert np.array_equal(ga.reshape(3, 3, 4, 4), wa[..., keep])
assert np.array_equal(gba, ba[keep])
assert np.array_equal(gb.reshape(3, 3, 4, 6), wb[:, :, keep, :])
(y,) = run(out, "f", [xc], 1)
a = np.maximum(conv_numpy(xc, wa[..., keep]) + ba[keep], 0)
close(y, conv_numpy(a, wb[:, :, keep, :]))
print("channel conv: ok")
