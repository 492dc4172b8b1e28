# mc-run exchanges every supported dtype and rank with .npy files; bf16 and
# f8 travel as their raw bits (uint16 / uint8).
# RUN: %python %s | FileCheck %s
# CHECK: dtypes: ok
import ml_dtypes
import numpy as np

from mctest import mlir_type, run

rng = np.random.default_rng(2)
cases = [  # (MLIR type, numpy dtype in the file, op, numpy of op)
    ("f32", np.float32, "arith.addf", lambda a: a + a),
    ("f64", np.float64, "arith.mulf", lambda a: a * a),
    ("f16", np.float16, "arith.addf", lambda a: a + a),
    ("i8", np.int8, "arith.addi", lambda a: a + a),
    ("i16", np.int16, "arith.muli", lambda a: a * a),
    ("i32", np.int32, "arith.addi", lambda a: a + a),
    ("i64", np.int64, "arith.muli", lambda a: a * a),
    ("i1", np.bool_, "arith.xori", lambda a: a ^ a),
]
for shape in ((), (3,), (2, 3, 5)):
    for ty, dtype, op, ref in cases:
        t = mlir_type(shape, ty)
        src = f"""
func.func @f(%a: {t}) -> {t} {{
  %r = {op} %a, %a : {t}
  return %r : {t}
}}"""
        a = (rng.standard_normal(shape) * 10).astype(dtype)
        (r,) = run(src, "f", [a], 1)
        assert r.dtype == dtype and r.shape == shape, (ty, r.dtype, r.shape)
        assert (r == ref(a)).all(), (ty, shape, r, ref(a))

    # bf16 computes like ml_dtypes: add in f32 and round once.
    t = mlir_type(shape, "bf16")
    a = (rng.standard_normal(shape) * 10).astype(ml_dtypes.bfloat16)
    (r,) = run(f"""
func.func @f(%a: {t}) -> {t} {{
  %r = arith.addf %a, %a : {t}
  return %r : {t}
}}""", "f", [a.view(np.uint16)], 1)
    assert r.dtype == np.uint16, r.dtype
    assert (r.view(ml_dtypes.bfloat16) == a + a).all()

    # Unsigned and f8 tensors pass through unchanged.
    for ty, dtype in (("ui8", np.uint8), ("f8E4M3FN", np.uint8),
                      ("f8E5M2", np.uint8)):
        t = mlir_type(shape, ty)
        a = rng.integers(0, 120, shape).astype(dtype)
        (r,) = run(f"func.func @f(%a: {t}) -> {t} {{ return %a : {t} }}",
                   "f", [a], 1)
        assert r.dtype == dtype and (r == a).all(), ty

# Several inputs and outputs keep their order.
src = """
func.func @f(%a: tensor<2xf32>, %b: tensor<3xi32>) -> (tensor<3xi32>, tensor<2xf32>) {
  return %b, %a : tensor<3xi32>, tensor<2xf32>
}"""
a = np.array([1.5, 2.5], np.float32)
b = np.array([7, 8, 9], np.int32)
r0, r1 = run(src, "f", [a, b], 2)
assert (r0 == b).all() and (r1 == a).all()
print("dtypes: ok")
