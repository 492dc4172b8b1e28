# 8-bit float storage on the values where rounding matters: every finite
# value, every midpoint between neighbours (ties go to even), one f32 ulp
# either side of each midpoint, subnormals, and all 256 codes decoded,
# against ml_dtypes.
# RUN: %python %s | FileCheck %s
# CHECK: f8E4M3FN: ok
# CHECK: f8E5M2: ok
import ml_dtypes
import numpy as np

from mctest import mlir_type, run

for name, dtype in (("f8E4M3FN", ml_dtypes.float8_e4m3fn),
                    ("f8E5M2", ml_dtypes.float8_e5m2)):
    codes = np.arange(256, dtype=np.uint8).view(dtype).astype(np.float32)
    finite = np.unique(codes[np.isfinite(codes)])
    mids = ((finite[:-1].astype(np.float64) + finite[1:]) / 2).astype(np.float32)
    x = np.concatenate([finite, mids, np.nextafter(mids, np.inf),
                        np.nextafter(mids, -np.inf), [np.nan, -np.nan]])
    x = x.astype(np.float32)
    n = x.size
    t = f"!mc.compressed<{n}xf32, #mc.float<{name}>>"
    xt, pt, ot = mlir_type([n], "f32"), mlir_type([n], name), mlir_type([n], "i8")
    (q,) = run(f"""
func.func @f(%x: {xt}) -> {ot} {{
  %c = mc.encode %x : ({xt}) -> {t}
  %p = mc.disassemble %c : {t} -> {pt}
  %b = arith.bitcast %p : {pt} to {ot}
  return %b : {ot}
}}""", "f", [x], 1)
    want = x.astype(dtype).view(np.int8)
    ok = ~np.isnan(x)
    bad = np.nonzero(q[ok] != want[ok])[0]
    assert bad.size == 0, (name, x[ok][bad][:5], q[ok][bad][:5], want[ok][bad][:5])
    assert np.isnan(q[~ok].view(dtype).astype(np.float32)).all(), name

    # Decode every code through the table.
    ct = mlir_type([256], name)
    t = f"!mc.compressed<256xf32, #mc.float<{name}>>"
    (d,) = run(f"""
func.func @f(%p: {ct}) -> {mlir_type([256], "f32")} {{
  %c = mc.assemble %p : ({ct}) -> {t}
  %d = mc.decode %c : {t} -> {mlir_type([256], "f32")}
  return %d : {mlir_type([256], "f32")}
}}""", "f", [np.arange(256, dtype=np.uint8)], 1)
    same = (d == codes) | (np.isnan(d) & np.isnan(codes))
    assert same.all(), (name, np.nonzero(~same))
    print(f"{name}: ok")
