# #mc.codebook at run time against numpy, bit for bit: encode picks the
# nearest entry (first on ties, NaN -> 0, infinities clamped to the finite
# range) and decode looks it up, for index widths 1..8, every granularity and
# f32/f16/f64 tensors; encode folded at compile time equals the run-time
# payload.
# RUN: %python %s | FileCheck %s
# CHECK: hand-computed: ok
# CHECK: random: ok
import numpy as np

from mctest import dense_hex, mlir_type, opt, run, scale_index

rng = np.random.default_rng(7)
NP = {"f32": np.float32, "f16": np.float16, "f64": np.float64}


def encode_decode(x, table, enc, bits, elt="f32", fold=False):
    """Runs mc.encode then mc.decode; returns (indices as uint8, decoded).
    With fold=True the inputs are constants and --canonicalize folds the
    encode first."""
    shape = x.shape
    t = f"!mc.compressed<{'x'.join(map(str, shape))}x{elt}, {enc}>"
    xt, tt = mlir_type(shape, elt), mlir_type(table.shape, elt)
    pt, ot = mlir_type(shape, f"i{bits}"), mlir_type(shape, "i8")
    ext = f"%p = arith.extui %parts#0 : {pt} to {ot}" if bits < 8 else ""
    pv = "%p" if bits < 8 else "%parts#0"
    body = f"""
  %c = mc.encode %x, %t : ({xt}, {tt}) -> {t}
  %parts:2 = mc.disassemble %c : {t} -> {pt}, {tt}
  {ext}
  %d = mc.decode %c : {t} -> {xt}
  return {pv}, %d : {ot}, {xt}"""
    if fold:
        src = f"""
func.func @f() -> ({ot}, {xt}) {{
  %x = arith.constant {dense_hex(x)} : {xt}
  %t = arith.constant {dense_hex(table)} : {tt}
  {body}
}}"""
        src = opt(src, "--canonicalize")
        assert "mc.encode" not in src, src
        q, d = run(src, "f", [], 2)
    else:
        src = f"func.func @f(%x: {xt}, %t: {tt}) -> ({ot}, {xt}) {{{body}\n}}"
        q, d = run(src, "f", [x, table], 2)
    return q.view(np.uint8), d


def reference(x, table, axis=None, block=None):
    """numpy nearest entry in the compute type (f64 for f64, else f32); NaN
    rows are all +inf, so argmin gives 0."""
    ctype = np.float64 if x.dtype == np.float64 else np.float32
    k = table.shape[-1]
    si = scale_index(x.shape, axis, block)
    rows = table.reshape(-1, k)[si].astype(ctype)
    xs = x.reshape(-1, 1).astype(ctype)
    with np.errstate(invalid="ignore"):
        dist = np.abs(xs - rows)
    # Infinities saturate: +inf minimizes -entry, -inf minimizes entry.
    dist = np.where(xs == np.inf, -rows, np.where(xs == -np.inf, rows, dist))
    dist = np.where(np.isnan(dist), np.inf, dist)
    q = np.argmin(dist, axis=1)  # the first of equal minima
    return q.reshape(x.shape).astype(np.uint8), \
        rows[np.arange(q.size), q].astype(x.dtype).reshape(x.shape)


def check(name, got, want):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape and (got == want).all(), (
        f"{name}: got {got.tolist()}, want {want.tolist()}")


# Unsorted table with a duplicate: ties (-0.25, 1.25) and duplicates take the
# first entry, NaN takes entry 0, +-inf the largest and smallest entries.
table = np.array([0.5, -1.0, 2.0, 0.5], np.float32)
x = np.array([0.5, -0.25, 1.25, 3.0, -7.0, np.nan, np.inf, -np.inf, 0.0,
              1.0], np.float32)
q, d = encode_decode(x, table, "#mc.codebook<ui2>", 2)
check("ties", q, [0, 0, 0, 2, 1, 0, 2, 1, 0, 0])
check("decode", d, table[[0, 0, 0, 2, 1, 0, 2, 1, 0, 0]])
# One bit: a two-entry table per row; 0 is equidistant from -a and +a.
table = np.array([[0.75, -0.75], [-2.0, 2.0]], np.float32)
x = np.array([[0.0, -0.1, 5.0], [0.0, 0.5, -3.0]], np.float32)
q, d = encode_decode(x, table, "#mc.codebook<ui1, axis = 0>", 1)
check("binary", q, [[0, 1, 0], [0, 1, 0]])
check("binary decode", d, [[0.75, -0.75, 0.75], [-2.0, 2.0, -2.0]])
print("hand-computed: ok")

shape = (8, 12)
for enc, bits, axis, block in (
        ("#mc.codebook<ui1>", 1, None, None),
        ("#mc.codebook<i2, axis = 1>", 2, 1, None),
        ("#mc.codebook<ui3, block = [4, 3]>", 3, None, (4, 3)),
        ("#mc.codebook<ui4, axis = 0>", 4, 0, None),
        ("#mc.codebook<i8, block = [8, 1]>", 8, None, (8, 1))):
    for elt in ("f32", "f16", "f64"):
        dtype = NP[elt]
        x = (rng.standard_normal(shape) * 2).astype(dtype)
        x.flat[::7] = np.round(x.flat[::7] * 2) / 2  # on the grid: ties
        x.flat[3] = np.nan
        x.flat[4] = np.inf
        x.flat[5] = -1e30 if elt != "f16" else -6e4
        tshape = {None: (), 0: (shape[0],), 1: (shape[1],)}[axis] \
            if block is None else tuple(s // b for s, b in zip(shape, block))
        table = (rng.standard_normal(tshape + (1 << bits,)) * 2).astype(dtype)
        table.flat[::3] = np.round(table.flat[::3] * 4) / 4
        want_q, want_d = reference(x, table, axis, block)
        q, d = encode_decode(x, table, enc, bits, elt)
        check(f"{enc} {elt} indices", q, want_q)
        check(f"{enc} {elt} decode", d.view(np.uint8), want_d.view(np.uint8))
        qf, df = encode_decode(x, table, enc, bits, elt, fold=True)
        check(f"{enc} {elt} folded", qf, q)
print("random: ok")
