# The weight-only kernel of --mc-cpu-kernels for float storage: f32
# activations times mc.decode of a constant #mc.float<f16 | bf16 |
# f8E4M3FN | f8E5M2> weight (per channel, per tensor, groups along K, or
# unscaled). Every payload bit pattern but NaN/inf is drawn, subnormals
# included. Results agree with numpy's float64 product of the exactly
# decoded weights and with the reference lowering within float rounding
# (1e-5 of the result's norm), and equal both bit for bit when every sum is
# exact (small-integer activations, narrow exponent ranges, power-of-two
# scales). M = 1, 3, 8, 17 and N with partial panels, 1 and 2 threads,
# isa generic and the host's; a fused bias + ReLU; an f8E4M3FN NaN weight
# goes through the reference decode and the f32 kernel; and the same kernel on AArch64 under
# qemu-aarch64 (`fcvtl` widens f16), bit for bit.
# RUN: %python %s | FileCheck %s
# CHECK: rounding: ok
# CHECK: exact: ok
# CHECK: epilogue: ok
# CHECK: nan: ok
# CHECK: aarch64: ok
import os
import subprocess
import tempfile

import numpy as np

from mctest import (assembled_matmul_ir, check_close_configs,
                    compile_and_call, dense_hex, mlir_type, opt, run,
                    with_bias_relu)

rng = np.random.default_rng(7)
host = "host" if "avx512_vnni" in open("/proc/cpuinfo").read() else None
configs = [(isa, t) for isa in ["generic"] + ([host] if host else [])
           for t in (1, 2)]
MLIR_TYPE = {"f16": "f16", "bf16": "bf16", "e4m3": "f8E4M3FN",
             "e5m2": "f8E5M2"}


def decode(bits, storage):
    """The exact float64 values of the payload bit patterns."""
    if storage == "f16":
        return bits.astype(np.uint16).view(np.float16).astype(np.float64)
    if storage == "bf16":
        return (bits.astype(np.uint32) << 16).view(np.float32).astype(
            np.float64)
    if storage == "e5m2":
        return (bits.astype(np.uint16) << 8).view(np.float16).astype(
            np.float64)
    sign = np.where(bits & 0x80, -1.0, 1.0)
    e, m = (bits >> 3) & 0xF, (bits & 7).astype(np.float64)
    return sign * np.where(e > 0, (1 + m / 8) * 2.0 ** (e - 7.0),
                           m / 8 * 2.0 ** -6)


def random_bits(shape, storage, exponents=None):
    """Payload bit patterns: any finite value, or (`exponents` = range of the
    biased exponent field) a narrow range of magnitudes."""
    width, exp_shift, exp_bits = {"f16": (16, 10, 5), "bf16": (16, 7, 8),
                                  "e4m3": (8, 3, 4), "e5m2": (8, 2, 5)}[storage]
    bits = rng.integers(0, 1 << width, shape).astype(np.int64)
    if exponents is not None:
        e = rng.integers(exponents[0], exponents[1] + 1, shape)
        bits = (bits & ~(((1 << exp_bits) - 1) << exp_shift)) | (e << exp_shift)
    exp = (bits >> exp_shift) & ((1 << exp_bits) - 1)
    if storage == "e4m3":
        bad = (bits & 0x7F) == 0x7F     # NaN
    else:
        bad = exp == (1 << exp_bits) - 1  # inf and NaN
    bits[bad] &= ~(1 << exp_shift)       # a finite value instead
    return bits.astype(np.uint16 if width == 16 else np.uint8)


def weight_only_ir(bits, storage, s, granularity, m):
    """`@f(%x: M x K) -> M x N` = x . decode(assemble(payload[, scales]))."""
    k, n = bits.shape
    pt = mlir_type([k, n], MLIR_TYPE[storage])
    defs = f"  %q = arith.constant {dense_hex(bits)} : {pt}\n"
    parts, types = "%q", pt
    if s is not None:
        st = mlir_type(s.shape, "f32")
        defs += f"  %s = arith.constant {dense_hex(s.astype(np.float32))} : {st}\n"
        parts, types = "%q, %s", f"{pt}, {st}"
    return assembled_matmul_ir(m, k, n, defs, parts, types,
                               f"#mc.float<{MLIR_TYPE[storage]}{granularity}>")


def make_case(m, k, n, storage, group, exact, epilogue=False):
    """IR, input and float64 result of one case; `group` is G (block
    [G, 1]), "channel" (axis 1), "tensor" (one scale) or None (unscaled)."""
    if exact:
        # Magnitudes within 2^6 or so of each other (subnormals for the f8
        # types), 4-bit activations: every sum is exact in f32.
        exponents = {"f16": (12, 17), "bf16": (124, 129), "e4m3": (0, 3),
                     "e5m2": (0, 3)}[storage]
        bits = random_bits((k, n), storage, exponents)
        scale_fn = lambda sh: 2.0 ** rng.integers(-3, 2, sh)
        x = rng.integers(-8, 9, (m, k)).astype(np.float32)
    else:
        # Every pattern of the 8- and 16-bit formats; bf16 within 2^+-40
        # (its full range overflows f32 sums).
        bits = random_bits((k, n), storage,
                           (87, 167) if storage == "bf16" else None)
        scale_fn = lambda sh: rng.uniform(0.01, 0.1, sh)
        x = rng.standard_normal((m, k)).astype(np.float32)
    if group is None:
        s, gran, full = None, "", np.ones((k, n))
    elif group == "channel":
        s = scale_fn((n,))
        gran, full = ", axis = 1", np.broadcast_to(s, (k, n))
    elif group == "tensor":
        s = np.float32(scale_fn(()))
        gran, full = ", scaled", np.full((k, n), s)
    else:
        s = scale_fn((k // group, n))
        gran, full = f", block = [{group}, 1]", np.repeat(s, group, axis=0)
    # decode(q) * s, rounded to f32 as the reference does.
    w = (decode(bits, storage) * full.astype(np.float32)).astype(np.float32)
    ir = weight_only_ir(bits, storage, s, gran, m)
    want = x.astype(np.float64) @ w.astype(np.float64)
    if epilogue:
        bias = rng.standard_normal(n).astype(np.float32)
        ir = with_bias_relu(ir, m, bias)
        want = np.maximum(want + bias, 0)
    return ir, x, want


def check(m, k, n, storage, group, exact=False, epilogue=False):
    ir, x, want = make_case(m, k, n, storage, group, exact, epilogue)
    assert "mc.decode" not in opt(ir, "--mc-cpu-kernels")
    check_close_configs(ir, [x], want, configs, exact,
                        (m, k, n, storage, group))


for m, k, n, storage, group in [
        (1, 256, 64, "e4m3", "channel"), (3, 128, 50, "e4m3", 32),
        (8, 96, 40, "e4m3", "tensor"), (17, 64, 33, "e4m3", None),
        (1, 256, 70, "e5m2", "channel"), (8, 128, 36, "e5m2", 64),
        (3, 40, 17, "e5m2", None),
        (1, 200, 48, "f16", None), (3, 128, 20, "f16", "channel"),
        (8, 64, 24, "f16", 32),
        (1, 192, 40, "bf16", None), (17, 96, 18, "bf16", "tensor"),
        (3, 64, 16, "bf16", 64)]:
    check(m, k, n, storage, group)
print("rounding: ok")

for m, k, n, storage, group in [
        (1, 256, 48, "e4m3", "channel"), (3, 128, 40, "e4m3", 32),
        (8, 64, 20, "e5m2", "tensor"), (17, 64, 33, "e5m2", None),
        (1, 96, 17, "f16", "channel"), (3, 64, 24, "bf16", None)]:
    check(m, k, n, storage, group, exact=True)
print("exact: ok")

check(8, 128, 40, "e4m3", "channel", epilogue=True)
check(1, 64, 24, "bf16", None, epilogue=True)
print("epilogue: ok")

# f8E4M3FN has NaN (S.1111.111) but the kernel's f16 image has none: such a
# weight is decoded by the reference lowering (for the f32 kernel), and NaN
# reaches the result.
bits = random_bits((32, 20), "e4m3")
bits[5, 0] = 0x7F
nan_ir = weight_only_ir(bits, "e4m3", rng.uniform(0.5, 1, 20), ", axis = 1", 3)
x = rng.standard_normal((3, 32)).astype(np.float32)
assert "mc.decode" in opt(nan_ir, "--mc-cpu-kernels")
(got,) = run(nan_ir, "f", [x], 1, [])
(ref,) = run(nan_ir, "f", [x], 1, ["--reference"])
assert np.isnan(got[:, 0]).all() and (np.isnan(got) == np.isnan(ref)).all()
finite = ~np.isnan(ref)
assert np.abs(got[finite] - ref[finite]).max() <= 1e-5 * np.abs(ref[finite]).max()
print("nan: ok")

# AArch64: the f16 widening is `fcvtl`; exact cases, bit for bit.
funcs, calls, wants = [], [], []
for i, (m, k, n, storage, group) in enumerate([
        (1, 128, 40, "e4m3", "channel"), (5, 64, 19, "e5m2", 32),
        (3, 64, 24, "f16", None), (8, 32, 12, "bf16", "tensor")]):
    ir, x, want = make_case(m, k, n, storage, group, exact=True)
    funcs.append(ir.replace("func.func @f(", f"func.func @f{i}("))
    calls.append((f"f{i}", [x], [((m, n), np.float32)]))
    wants.append(want.astype(np.float32))
module = "\n".join(funcs)
assert "mc.decode" not in opt(module, "--mc-cpu-kernels=isa=neon")
with tempfile.TemporaryDirectory() as tmp:
    got = compile_and_call(module, calls, "aarch64-linux-gnu",
                           ["aarch64-linux-gnu-gcc", "-static"],
                           ["qemu-aarch64"], None, workdir=tmp)
    asm = subprocess.run(["/usr/lib/llvm-22/bin/llvm-objdump", "-d",
                          os.path.join(tmp, "model.o")], check=True,
                         capture_output=True, text=True).stdout
assert "\tfcvtl" in asm
for (entry, _, _), (result,), want in zip(calls, got, wants):
    assert (result == want).all(), (entry, np.argwhere(result != want)[:5])
print("aarch64: ok")
