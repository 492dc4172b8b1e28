# The row-reduction kernel of --mc-cpu-kernels: max/min reductions along
# the last dimension (the per-row abs-max of dynamic activation
# quantization, maximumf/minimumf after element-wise ops, integer max/min),
# ranks 1 to 3, rows longer and shorter than a vector with and without a
# tail, inits from a fill or an argument. Inputs hold NaN, +-0, +-inf and
# subnormals, so the NaN propagation and the -0 < +0 order of
# maximumf/minimumf are checked; results equal numpy and the reference
# lowering bit for bit on every host ISA, and under qemu-aarch64 (NEON).
# RUN: %python %s | FileCheck %s
# CHECK: x86: ok
# CHECK: aarch64: ok
import tempfile

import numpy as np

from mctest import compile_and_call, host_isas, mlir_type, opt, run

rng = np.random.default_rng(3)


def reduction_ir(shape, dtype, combiner, body="", arg="%a", fill=None):
    """@f(x, init) = init combined with body(x) along the last dimension;
    with `fill`, the init is that constant instead (@f takes x only)."""
    rank = len(shape)
    dims = ", ".join(f"d{i}" for i in range(rank))
    xt, ot = mlir_type(shape, dtype), mlir_type(shape[:-1], dtype)
    if fill is None:
        params, init, prologue = f"%x: {xt}, %init: {ot}", "%init", ""
    else:
        params, init = f"%x: {xt}", "%z"
        prologue = f"""%c = arith.constant {fill} : {dtype}
  %e = tensor.empty() : {ot}
  %z = linalg.fill ins(%c : {dtype}) outs(%e : {ot}) -> {ot}
"""
    iters = ", ".join(['"parallel"'] * (rank - 1) + ['"reduction"'])
    return f"""func.func @f({params}) -> {ot} {{
  {prologue}  %r = linalg.generic {{indexing_maps = [affine_map<({dims}) -> ({dims})>, affine_map<({dims}) -> ({dims.rsplit(", ", 1)[0] if rank > 1 else ""})>], iterator_types = [{iters}]}} ins(%x : {xt}) outs({init} : {ot}) {{
  ^bb0(%a: {dtype}, %o: {dtype}):
    {body}%m = {combiner} %o, {arg} : {dtype}
    linalg.yield %m : {dtype}
  }} -> {ot}
  return %r : {ot}
}}
"""


def special_floats(shape):
    """Normal values with NaN, +-0, +-inf and subnormals sprinkled in, and
    rows of only zeros of either sign."""
    x = rng.standard_normal(shape).astype(np.float32)
    flat = x.reshape(-1, shape[-1])
    picks = [np.nan, 0.0, -0.0, np.inf, -np.inf, 1e-40, -1e-40]
    for row in flat:
        if rng.random() < 0.5:
            cols = rng.integers(0, shape[-1], 2)
            row[cols] = rng.choice(picks, 2)
    flat[0] = -0.0
    if len(flat) > 1:
        flat[1] = rng.choice([0.0, -0.0], shape[-1])
    return x


def np_reduce(x, init, op):
    """The reference order: init, then the elements left to right."""
    out = init.copy()
    for i in range(x.shape[-1]):
        out = op(out, x[..., i])
    return out


def maximum(a, b):
    """maximumf: NaN propagates, -0 < +0."""
    both = np.where(a == b, np.where(np.signbit(a), b, a), np.maximum(a, b))
    return np.where(np.isnan(a) | np.isnan(b), np.float32(np.nan), both)


def minimum(a, b):
    both = np.where(a == b, np.where(np.signbit(a), a, b), np.minimum(a, b))
    return np.where(np.isnan(a) | np.isnan(b), np.float32(np.nan), both)


def bits(a):
    """Comparable bit patterns (one NaN)."""
    a = np.where(np.isnan(a), np.float32(np.nan), a) if a.dtype.kind == "f" \
        else a
    return np.atleast_1d(a).view(np.uint8)


cases = []
# The activation form: abs-max of 8 rows, init 0.
x = special_floats((8, 4096))
cases.append(("absmax", reduction_ir((8, 4096), "f32", "arith.maximumf",
                                     "%b = math.absf %a : f32\n    ", "%b",
                                     fill="0.0"),
              [x], np_reduce(np.abs(x), np.zeros(8, np.float32), maximum)))
# Raw maximumf, so -0 against +0 matters; init -inf.
for shape in [(5, 37), (3, 5), (2, 3, 200), (64,)]:
    x = special_floats(shape)
    init = np.full(shape[:-1], -np.inf, np.float32)
    cases.append((f"max{shape}",
                  reduction_ir(shape, "f32", "arith.maximumf", fill="0xFF800000"),
                  [x], np_reduce(x, init, maximum)))
# minimumf of x * -3 + 1 with an init argument (-0 and values).
for shape in [(4, 131), (7, 16)]:
    x = special_floats(shape)
    init = rng.choice([-0.0, 0.0, 5.0, -1e30], shape[:-1]).astype(np.float32)
    body = ("%k = arith.constant -3.0 : f32\n    %one = arith.constant 1.0 : f32"
            "\n    %p = arith.mulf %a, %k : f32\n    %b = arith.addf %p, %one : f32"
            "\n    ")
    y = x * np.float32(-3) + np.float32(1)
    cases.append((f"min{shape}",
                  reduction_ir(shape, "f32", "arith.minimumf", body, "%b"),
                  [x, init], np_reduce(y, init, minimum)))
# Integer max/min, signed and unsigned, 8 to 32 bits.
for dtype, np_dtype, combiner, op in [
        ("i32", np.int32, "arith.maxsi", np.maximum),
        ("i8", np.int8, "arith.minsi", np.minimum),
        ("i16", np.int16, "arith.maxui",
         lambda a, b: np.maximum(a.view(np.uint16), b.view(np.uint16)).view(
             np.int16))]:
    shape = (3, 301)
    info = np.iinfo(np_dtype)
    x = rng.integers(info.min, info.max, shape, endpoint=True).astype(np_dtype)
    init = rng.integers(info.min, info.max, shape[:-1],
                        endpoint=True).astype(np_dtype)
    cases.append((f"{combiner}.{dtype}",
                  reduction_ir(shape, dtype, combiner), [x, init],
                  np_reduce(x, init, op)))

for label, ir, inputs, want in cases:
    # The kernel takes them all; the reference keeps a scalar loop.
    assert "vector.reduction" in opt(ir, "--mc-cpu-kernels=isa=avx512-vnni"), \
        label
    (ref,) = run(ir, "f", inputs, 1, ["--reference"])
    assert (bits(ref) == bits(want)).all(), (label, "reference", ref, want)
    for isa in host_isas():
        (got,) = run(ir, "f", inputs, 1, [f"--isa={isa}"])
        assert got.dtype == want.dtype and (bits(got) == bits(want)).all(), \
            (label, isa, np.argwhere(got != want)[:5])
print("x86: ok")

# AArch64 (4 f32 lanes): the abs-max and the -0 / tail case.
for (label, ir, inputs, want) in cases[:2]:
    with tempfile.TemporaryDirectory() as tmp:
        (got,), = compile_and_call(ir, [("f", inputs, [(want.shape,
                                                         want.dtype)])],
                                   "aarch64-linux-gnu",
                                   ["aarch64-linux-gnu-gcc", "-static"],
                                   ["qemu-aarch64"], workdir=tmp)
        assert (bits(got) == bits(want)).all(), (label, "aarch64", got, want)
print("aarch64: ok")
