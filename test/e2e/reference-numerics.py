# Execution of --mc-lower-reference through mc-run against hand-computed
# values (ties, saturation, narrow range, zero points, per-axis, per-block) and
# against an independent numpy quantizer on random data, bit for bit.
# RUN: %python %s | FileCheck %s
# CHECK: hand-computed: ok
# CHECK: random: ok
import numpy as np

from mctest import (dequantize_uniform, mlir_type, quantize_uniform, run)


def encode_decode(shape, enc, scales, zps, x, storage="i8"):
    """Runs encode and decode and returns (payload, decoded)."""
    t = f"!mc.compressed<{'x'.join(map(str, shape))}xf32, {enc}>"
    params = [scales] + ([zps] if zps is not None else [])
    ptypes = [mlir_type(scales.shape, "f32")] + (
        [mlir_type(zps.shape, "i32")] if zps is not None else [])
    args = ", ".join(f"%p{i}: {ty}" for i, ty in enumerate(ptypes))
    pnames = ", ".join(f"%p{i}" for i in range(len(ptypes)))
    xt = mlir_type(shape, "f32")
    pt = mlir_type(shape, storage)
    # .npy has no sub-byte integers: return narrow payloads sign-extended.
    ot = mlir_type(shape, "i8")
    ext = (f"%p = arith.extsi %parts#0 : {pt} to {ot}" if storage != "i8"
           else "")
    pv = "%p" if ext else "%parts#0"
    src = f"""
func.func @f(%x: {xt}, {args}) -> ({ot}, {xt}) {{
  %c = mc.encode %x, {pnames} : ({xt}, {", ".join(ptypes)}) -> {t}
  %parts:{len(ptypes) + 1} = mc.disassemble %c : {t} -> {pt}, {", ".join(ptypes)}
  {ext}
  %d = mc.decode %c : {t} -> {xt}
  return {pv}, %d : {ot}, {xt}
}}"""
    return run(src, "f", [x] + params, 2)


def check(name, got, want):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape and (got == want).all(), (
        f"{name}: got {got.tolist()}, want {want.tolist()}")


# Ties go to even, both ends saturate, NaN maps to the zero point.
x = np.array([0.5, 1.5, 2.5, -0.5, -2.5, 3.5, 1000, -1000, np.nan], np.float32)
q, d = encode_decode([9], "#mc.uniform<i8>", np.array(1, np.float32), None, x)
check("ties i8", q, [0, 2, 2, 0, -2, 4, 127, -128, 0])
check("decode i8", d, [0, 2, 2, 0, -2, 4, 127, -128, 0])

# Narrow range: -1000 saturates at -127, not -128.
q, d = encode_decode([9], "#mc.uniform<i8, narrow>", np.array(0.5, np.float32),
                     None, x)
check("narrow", q, [1, 3, 5, -1, -5, 7, 127, -127, 0])
check("decode narrow", d, [0.5, 1.5, 2.5, -0.5, -2.5, 3.5, 63.5, -63.5, 0])

# Unsigned storage with zero point 3: x/s + 3, clamped to [0, 255]; the payload
# is the bit pattern in i8.
q, d = encode_decode([9], "#mc.uniform<ui8, zero_point>",
                     np.array(1, np.float32), np.array(3, np.int32), x)
check("ui8 zp", q.view(np.uint8), [3, 5, 5, 3, 1, 7, 255, 0, 3])
check("decode ui8 zp", d, [0, 2, 2, 0, -2, 4, 252, -3, 0])

# int4, per axis 0 with scales [1, 0.5]: row 1 doubles the values first.
x2 = np.array([[0.5, 1.5, 7.5, -8.5], [0.25, 0.75, 4.0, -4.5]], np.float32)
q, d = encode_decode([2, 4], "#mc.uniform<i4, axis = 0>",
                     np.array([1, 0.5], np.float32), None, x2, "i4")
check("per-axis i4", q, [[0, 2, 7, -8], [0, 2, 7, -8]])
check("decode per-axis", d, [[0, 2, 7, -8], [0, 1, 3.5, -4]])

# Per block [1, 2]: each pair of columns of a row has its own scale and
# zero point.
s = np.array([[1, 2], [0.25, 4]], np.float32)
z = np.array([[0, -1], [2, 0]], np.int32)
q, d = encode_decode([2, 4], "#mc.uniform<i8, block = [1, 2], zero_point>",
                     s, z, x2)
check("per-block", q, [[0, 2, 3, -5], [3, 5, 1, -1]])
check("decode per-block", d, [[0, 2, 8, -8], [0.25, 0.75, 4, -4]])
print("hand-computed: ok")

# Random data: every granularity, signedness, width and range against numpy.
rng = np.random.default_rng(0)
shape = (8, 64)
for bits in (8, 4, 2, 1):
    for signed in (True, False):
        for narrow in (False, True):
            if narrow and bits == 1:
                continue
            for gran, kw, sshape in (("", {}, ()),
                                     (", axis = 1", {"axis": 1}, (64,)),
                                     (", block = [1, 16]", {"block": (1, 16)},
                                      (8, 4)),
                                     (", block = [4, 32]", {"block": (4, 32)},
                                      (2, 2))):
                for use_zp in (False, True):
                    x = (rng.standard_normal(shape) * 4).astype(np.float32)
                    x.flat[::37] = np.round(x.flat[::37]) + 0.5  # ties
                    scales = rng.uniform(0.05, 1.5, sshape).astype(np.float32)
                    qmax = (1 << (bits - 1)) - 1 if signed else (1 << bits) - 1
                    qmin = -(1 << (bits - 1)) if signed else 0
                    zps = (rng.integers(qmin + narrow, qmax + 1, sshape)
                           .astype(np.int32) if use_zp else None)
                    st = "i" if signed else "ui"
                    enc = (f"#mc.uniform<{st}{bits}{gran}"
                           f"{', zero_point' if use_zp else ''}"
                           f"{', narrow' if narrow else ''}>")
                    q, d = encode_decode(list(shape), enc, scales, zps, x,
                                         f"i{bits}")
                    want = quantize_uniform(x, scales, zps, bits, signed,
                                            narrow, **kw)
                    # The payload is signless: compare bit patterns.
                    mask = (1 << bits) - 1
                    check(enc, q.astype(np.int64) & mask, want & mask)
                    check(enc + " decode", d,
                          dequantize_uniform(want, scales, zps, **kw))
print("random: ok")
