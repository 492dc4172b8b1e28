# mc.encode folded at compile time (canonicalization of constants) must equal
# the run-time lowering bit for bit, for every encoding kind; float storage is
# also checked against ml_dtypes' round-to-nearest-even casts.
# RUN: %python %s | FileCheck %s
# CHECK: uniform: ok
# CHECK: float: ok
import ml_dtypes
import numpy as np

from mctest import dense_hex, mlir_type, opt, run

rng = np.random.default_rng(1)
shape = (4, 32)
xt = mlir_type(shape, "f32")


def both_ways(enc, payload_type, scales):
    """Returns the payload bits computed at run time and at compile time."""
    x = (rng.standard_normal(shape) * 3).astype(np.float32)
    x.flat[::11] = np.round(x.flat[::11]) + 0.5
    x.flat[5] = np.nan
    x.flat[6] = np.inf
    x.flat[7] = -1e30
    t = f"!mc.compressed<4x32xf32, {enc}>"
    pt = mlir_type(shape, payload_type)
    bits = "i8" if payload_type.startswith(("i", "f8")) else "i16"
    ot = mlir_type(shape, bits)
    st = mlir_type(scales.shape, "f32") if scales is not None else None
    params = f", %s" if scales is not None else ""
    ptypes = f", {st}" if scales is not None else ""
    nparts = 2 if scales is not None else 1
    rest = f", {st}" if scales is not None else ""

    def body(x_value, s_value):
        narrow_int = payload_type[0] == "i" and payload_type != "i8"
        conv = (f"arith.extsi %parts#0 : {pt} to {ot}" if narrow_int
                else f"arith.bitcast %parts#0 : {pt} to {ot}")
        return f"""
  %c = mc.encode {x_value}{s_value} : ({xt}{ptypes}) -> {t}
  %parts:{nparts} = mc.disassemble %c : {t} -> {pt}{rest}
  %p = {conv}
  return %p : {ot}"""

    runtime = f"""
func.func @f(%x: {xt}{f", %s: {st}" if scales is not None else ""}) -> {ot} {{
  {body("%x", params)}
}}"""
    folded = f"""
func.func @f() -> {ot} {{
  %x = arith.constant {dense_hex(x)} : {xt}
  {f"%s = arith.constant {dense_hex(scales)} : {st}" if scales is not None else ""}
  {body("%x", params)}
}}"""
    inputs = [x] + ([scales] if scales is not None else [])
    (a,) = run(runtime, "f", inputs, 1)
    folded = opt(folded, "--canonicalize")
    assert "mc.encode" not in folded, folded
    (b,) = run(folded, "f", [], 1)
    return x, a, b


for enc, ptype, sshape in (("#mc.uniform<i8>", "i8", ()),
                           ("#mc.uniform<ui4, axis = 1>", "i4", (32,)),
                           ("#mc.uniform<i2, block = [2, 8], narrow>", "i2",
                            (2, 4))):
    scales = rng.uniform(0.1, 1, sshape).astype(np.float32)
    x, a, b = both_ways(enc, ptype, scales)
    assert (a == b).all(), f"{enc}: runtime {a} != folded {b}"
print("uniform: ok")

for enc, ptype, dtype, sshape in (
        ("#mc.float<f16>", "f16", np.float16, None),
        ("#mc.float<bf16>", "bf16", ml_dtypes.bfloat16, None),
        ("#mc.float<f8E4M3FN, scaled>", "f8E4M3FN", ml_dtypes.float8_e4m3fn, ()),
        ("#mc.float<f8E5M2, axis = 0>", "f8E5M2", ml_dtypes.float8_e5m2, (4,))):
    scales = (rng.uniform(0.1, 1, sshape).astype(np.float32)
              if sshape is not None else None)
    x, a, b = both_ways(enc, ptype, scales)
    assert (a == b).all(), f"{enc}: runtime {a} != folded {b}"
    # Independent reference: divide, saturate to the largest finite value
    # (NaN stays NaN), then ml_dtypes/numpy's round-to-nearest-even cast.
    y = x
    if scales is not None:
        y = x / (scales.reshape(-1, 1) if scales.ndim else scales)
    big = float(ml_dtypes.finfo(dtype).max)
    y = np.where(np.isnan(y), y, np.clip(y, -big, big)).astype(np.float32)
    want = y.astype(dtype).view(np.uint8 if a.dtype == np.int8 else np.uint16)
    got = a.view(want.dtype)
    nan = np.isnan(y)
    assert (got[~nan] == want[~nan]).all(), f"{enc}: {got} != {want}"
    assert np.isnan(got.view(dtype).astype(np.float32)[nan]).all(), enc
print("float: ok")
