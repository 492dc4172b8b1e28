# AArch64 kernels for real: i8 GEMMs (tails in M, N and K, an initial
# accumulator, a dense_resource weight, extreme values), a requantization
# epilogue and a W8A8 (dynamic int8 activations) layer are cross-compiled
# with mc-compile for AArch64 without features (generic kernels), with
# +dotprod (sdot) and with +i8mm (smmla), linked with aarch64-linux-gnu-gcc
# and run under qemu-aarch64. Integer results equal numpy bit for bit; every
# result equals the x86 host's (mc-run) bit for bit. llvm-objdump shows the
# instructions each build is meant to use.
# RUN: %python %s | FileCheck %s
# CHECK: generic: ok
# CHECK: dotprod: ok
# CHECK: i8mm: ok
import os
import subprocess
import tempfile

import numpy as np

from mctest import compile_and_call, dense_hex, opt, requant_gemm_ir, run

rng = np.random.default_rng(64)
funcs, calls, wants = [], [], []


def gemm(m, k, n, low=-128, high=128, init=False, resource=False):
    name = f"g{len(funcs)}"
    a = rng.integers(low, high, (m, k), dtype=np.int8)
    b = rng.integers(low, high, (k, n), dtype=np.int8)
    c = rng.integers(-2**31, 2**31, (m, n), dtype=np.int64)
    want = a.astype(np.int64) @ b.astype(np.int64)
    at, bt, ct = (f"tensor<{m}x{k}xi8>", f"tensor<{k}x{n}xi8>",
                  f"tensor<{m}x{n}xi32>")
    weight = f"dense_resource<{name}w>" if resource else dense_hex(b)
    if init:
        want += c
        args, acc = f"%a: {at}, %c: {ct}", ""
    else:
        args, acc = f"%a: {at}", f"""%z = arith.constant 0 : i32
  %e = tensor.empty() : {ct}
  %c = linalg.fill ins(%z : i32) outs(%e : {ct}) -> {ct}"""
    funcs.append(f"""
func.func @{name}({args}) -> {ct} {{
  %b = arith.constant {weight} : {bt}
  {acc}
  %r = linalg.matmul ins(%a, %b : {at}, {bt}) outs(%c : {ct}) -> {ct}
  return %r : {ct}
}}""")
    inputs = [a, c.astype(np.int32)] if init else [a]
    calls.append((name, inputs, [((m, n), np.int32)]))
    wants.append(want.astype(np.uint64).astype(np.uint32).view(np.int32))
    return name, b


# Odd rows (smmla's half row pairs), rows below and above the register
# tiles, partial column vectors and groups, K not a multiple of 4 or 8.
for m, k, n in [(1, 1, 1), (5, 9, 20), (8, 64, 48), (13, 67, 50),
                (17, 130, 100), (3, 200, 16), (24, 256, 97), (9, 5, 200),
                (2, 12, 6)]:
    gemm(m, k, n)
gemm(16, 264, 64, low=-128, high=-127)  # every product is +16384
gemm(10, 70, 40, init=True)
resource_name, resource_b = gemm(7, 33, 65, resource=True)

# Requantization to i8: bias, per-column scale, rounding, zero point, ReLU
# and clamp fused into the store. numpy's float32 arithmetic is the same
# IEEE arithmetic, so the expected bytes are exact.
m, k, n = 11, 96, 72
a = rng.integers(-128, 128, (m, k), dtype=np.int8)
b = rng.integers(-128, 128, (k, n), dtype=np.int8)
bias = rng.integers(-5000, 5000, (n,), dtype=np.int32)
scale = (rng.uniform(0.5, 2, n) / 2000).astype(np.float32)
funcs.append(requant_gemm_ir(b, bias, scale, m, "requant"))
acc = (a.astype(np.int64) @ b.astype(np.int64) + bias).astype(np.int32)
q = np.rint(acc.astype(np.float32) * scale) + np.float32(3)
want = np.minimum(np.maximum(q, np.float32(0)), np.float32(127))
calls.append(("requant", [a], [((m, n), np.int8)]))
wants.append(want.astype(np.int8))

# W8A8: an f32 layer quantized by --mc-quantize=activations=dynamic (its
# activations are quantized at run time, the matmul is i8 x i8 -> i32).
w = rng.standard_normal((k, n)).astype(np.float32)
x = rng.standard_normal((m, k)).astype(np.float32)
funcs.append(f"""
func.func @w8a8(%x: tensor<{m}x{k}xf32>) -> tensor<{m}x{n}xf32> {{
  %w = arith.constant {dense_hex(w)} : tensor<{k}x{n}xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<{m}x{n}xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<{m}x{n}xf32>) -> tensor<{m}x{n}xf32>
  %y = linalg.matmul {{mc.layer = "fc"}} ins(%x, %w : tensor<{m}x{k}xf32>, tensor<{k}x{n}xf32>) outs(%i : tensor<{m}x{n}xf32>) -> tensor<{m}x{n}xf32>
  return %y : tensor<{m}x{n}xf32>
}}""")
calls.append(("w8a8", [x], [((m, n), np.float32)]))
wants.append(None)

blob = ('\n{-#\n  dialect_resources: {\n    builtin: {\n'
        f'      {resource_name}w: "0x01000000{resource_b.tobytes().hex()}"\n'
        '    }\n  }\n#-}\n')
quantize = "--mc-quantize=activations=dynamic layers=fc"
module = opt("\n".join(funcs) + blob, quantize)
assert module.count("xi8>, tensor<96x72xi8>) outs") == 2, \
    "W8A8 layer has no i8 matmul"

# The x86 host's results (mc-run, the host's kernels; one function a module
# to keep JIT compilation short), and the reference lowering's for the layer
# numpy does not compute exactly.
for i, (entry, inputs, outs) in enumerate(calls):
    single = opt(funcs[i] + (blob if entry == resource_name else ""),
                 quantize)
    host = run(single, entry, inputs, len(outs))
    if wants[i] is None:
        wants[i] = run(single, entry, inputs, len(outs), ["--reference"])[0]
    assert host[0].dtype == wants[i].dtype and \
        (host[0].view(np.uint8) == wants[i].view(np.uint8)).all(), \
        ("x86", entry)

objdump = "/usr/lib/llvm-22/bin/llvm-objdump"
for label, mattr, present, absent in [
        ("generic", None, [], ["sdot", "smmla"]),
        ("dotprod", "+dotprod", ["sdot"], ["smmla"]),
        ("i8mm", "+i8mm", ["smmla"], ["sdot"])]:
    with tempfile.TemporaryDirectory() as tmp:
        got = compile_and_call(module, calls, "aarch64-linux-gnu",
                               ["aarch64-linux-gnu-gcc", "-static"],
                               ["qemu-aarch64"], mattr, workdir=tmp)
        asm = subprocess.run([objdump, "-d", os.path.join(tmp, "model.o")],
                             check=True, capture_output=True,
                             text=True).stdout
    mnemonics = {line.split("\t")[1] for line in asm.splitlines()
                 if line.count("\t") >= 2}
    for name in present:
        assert name in mnemonics, (label, name)
    for name in absent:
        assert name not in mnemonics, (label, name)
    for (entry, _, _), (result,), want in zip(calls, got, wants):
        assert result.dtype == want.dtype and \
            (result.view(np.uint8) == want.view(np.uint8)).all(), \
            (label, entry, np.argwhere(result != want)[:5])
    print(f"{label}: ok")
