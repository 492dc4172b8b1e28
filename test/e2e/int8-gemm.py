# The i8 x i8 -> i32 GEMM kernels of --mc-cpu-kernels equal numpy's integer
# matmul bit for bit, for every ISA this CPU runs (vpdpbusd on zmm and ymm,
# AVX2's vpmaddwd, generic), one and two threads, shapes with every kind of tail (rows below the register
# tile, partial column vectors and panels, K not a multiple of 4 or 64),
# a non-zero accumulator, dense_resource weights, and the extreme values.
# Fused epilogues (W8A8's f32 rescale, a requantization to i8 with bias,
# rounding, clamp and ReLU) equal the reference lowering bit for bit.
# mc-run compiles for this CPU, where LLVM fuses AVX2's vpmaddwd + vpaddd
# into AVX512-VNNI's vpdpwssd, so the AVX2 kernels are also compiled with
# `mc-compile --mcpu=haswell` (VEX, 16 registers; runs on any AVX2 CPU) and
# run in a C program (all cores and one thread), with a W4A8 per-group layer
# whose dot products go through vpmaddwd too: equal to numpy and the
# reference, and the object has vpmaddwd and no vpdpbusd/vpdpwssd.
# RUN: %python %s | FileCheck %s
# CHECK: gemm: ok
# CHECK: row blocks: ok
# CHECK: epilogues: ok
# CHECK: haswell: {{ok|skipped}}
import os
import subprocess
import tempfile

import numpy as np

from mctest import (compile_and_call, dense_hex, host_isas, opt,
                    requant_gemm_ir, run)

rng = np.random.default_rng(0)
isas = host_isas()


def gemm_ir(b, m, init=False, resource=False, name="g"):
    k, n = b.shape
    at, bt, ct = f"tensor<{m}x{k}xi8>", f"tensor<{k}x{n}xi8>", \
        f"tensor<{m}x{n}xi32>"
    if resource:
        weight = "dense_resource<w>"
        blob = ('\n{-#\n  dialect_resources: {\n    builtin: {\n      w: "0x01000000'
                + b.tobytes().hex() + '"\n    }\n  }\n#-}\n')
    else:
        weight, blob = dense_hex(b), ""
    if not init:
        args, acc = f"%a: {at}", f"""%z = arith.constant 0 : i32
  %e = tensor.empty() : {ct}
  %c = linalg.fill ins(%z : i32) outs(%e : {ct}) -> {ct}"""
    else:
        args, acc = f"%a: {at}, %c: {ct}", ""
    return f"""
func.func @{name}({args}) -> {ct} {{
  %b = arith.constant {weight} : {bt}
  {acc}
  %r = linalg.matmul ins(%a, %b : {at}, {bt}) outs(%c : {ct}) -> {ct}
  return %r : {ct}
}}""" + blob


def check(m, k, n, low=-128, high=128, init=False, resource=False):
    a = rng.integers(low, high, (m, k), dtype=np.int8)
    b = rng.integers(low, high, (k, n), dtype=np.int8)
    c = rng.integers(-2**31, 2**31, (m, n), dtype=np.int64)
    want = a.astype(np.int64) @ b.astype(np.int64)
    inputs = [a]
    if init:
        want += c
        inputs.append(c.astype(np.int32))
    want = want.astype(np.uint64).astype(np.uint32).view(np.int32)
    ir = gemm_ir(b, m, init=init, resource=resource)
    for isa in isas:
        for threads in (1, 2):
            (got,) = run(ir, "g", inputs, 1,
                         [f"--isa={isa}", f"--num-threads={threads}"])
            assert got.dtype == np.int32 and (got == want).all(), \
                (m, k, n, isa, threads, np.argwhere(got != want)[:5])


for m, k, n in [(1, 1, 1), (5, 9, 20), (8, 64, 48), (13, 67, 50),
                (17, 130, 100), (3, 200, 16), (24, 256, 97), (9, 5, 200)]:
    check(m, k, n)
check(16, 260, 64, low=-128, high=-127)  # every product is +16384
check(10, 70, 40, init=True)
check(7, 33, 65, resource=True)
check(1100, 600, 100)  # A > 512 KB: parallel row blocks (4 x 224 + 204)
print("gemm: ok")


# Parallel row blocks forced on small shapes (`block-m`): blocks that end
# mid-way through a register tile's rows, the tail tile in the last block,
# partial column groups, an accumulator, and a fused requantization (equal
# to the reference lowering bit for bit).
def blocked(ir, isa, rows):
    return opt(ir, f"--mc-cpu-kernels=isa={isa} block-m={rows}")


for m, k, n, rows, init in [(40, 100, 50, 16, False), (37, 103, 70, 8, True),
                            (21, 9, 20, 12, False), (12, 9, 20, 4, False)]:
    a = rng.integers(-128, 128, (m, k), dtype=np.int8)
    b = rng.integers(-128, 128, (k, n), dtype=np.int8)
    c = rng.integers(-2**31, 2**31, (m, n), dtype=np.int64)
    want = a.astype(np.int64) @ b.astype(np.int64) + (c if init else 0)
    want = want.astype(np.uint64).astype(np.uint32).view(np.int32)
    inputs = [a, c.astype(np.int32)] if init else [a]
    for isa in isas:
        ir = blocked(gemm_ir(b, m, init=init), isa, rows)
        assert ir.count("scf.forall (") == 1, (isa, m)
        for threads in (1, 2):
            (got,) = run(ir, "g", inputs, 1,
                         [f"--isa={isa}", f"--num-threads={threads}"])
            assert (got == want).all(), (m, k, n, rows, isa, threads)
m, k, n = 29, 70, 75
a = rng.integers(-128, 128, (m, k), dtype=np.int8)
requant = requant_gemm_ir(rng.integers(-128, 128, (k, n), dtype=np.int8),
                          rng.integers(-5000, 5000, (n,), dtype=np.int32),
                          (rng.uniform(0.5, 2, n) / 2000).astype(np.float32),
                          m)
(want,) = run(requant, "f", [a], 1, ["--reference"])
for isa in isas:
    (got,) = run(blocked(requant, isa, 8), "f", [a], 1,
                 [f"--isa={isa}", "--num-threads=2"])
    assert (got == want).all(), isa
print("row blocks: ok")


# Epilogues: compared with the reference lowering, bit for bit.
def compare(ir, inputs):
    (ref,) = run(ir, "f", inputs, 1, ["--reference"])
    for isa in isas:
        (got,) = run(ir, "f", inputs, 1, [f"--isa={isa}"])
        assert got.dtype == ref.dtype and (got.view(np.uint8) ==
                                           ref.view(np.uint8)).all(), isa


m, k, n = 11, 96, 72
w = rng.standard_normal((k, n)).astype(np.float32)
x = rng.standard_normal((m, k)).astype(np.float32)
f32 = f"""
func.func @f(%x: tensor<{m}x{k}xf32>) -> tensor<{m}x{n}xf32> {{
  %w = arith.constant {dense_hex(w)} : tensor<{k}x{n}xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<{m}x{n}xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<{m}x{n}xf32>) -> tensor<{m}x{n}xf32>
  %y = linalg.matmul ins(%x, %w : tensor<{m}x{k}xf32>, tensor<{k}x{n}xf32>) outs(%i : tensor<{m}x{n}xf32>) -> tensor<{m}x{n}xf32>
  return %y : tensor<{m}x{n}xf32>
}}"""
w8a8 = opt(f32, "--mc-quantize=activations=dynamic", "--canonicalize")
assert "linalg.matmul" in w8a8 and "xi8>" in w8a8
compare(w8a8, [x])

a = rng.integers(-128, 128, (m, k), dtype=np.int8)
b = rng.integers(-128, 128, (k, n), dtype=np.int8)
bias = rng.integers(-5000, 5000, (n,), dtype=np.int32)
scale = (rng.uniform(0.5, 2, n) / 2000).astype(np.float32)
requant = requant_gemm_ir(b, bias, scale, m)
compare(requant, [a])
print("epilogues: ok")


# The AVX2 kernels as an AVX2 CPU runs them.
if "avx2" not in isas:
    print("haswell: skipped")
    raise SystemExit
# W4A8 per group (the kernel's mc.dot4 becomes vpmaddwd pairs on AVX2).
w4a8 = opt(f32, "--mc-quantize=bits=4 granularity=group group-size=32 "
           "activations=dynamic", "--canonicalize").replace("@f(", "@w4a8(")
(w4a8_want,) = run(w4a8, "w4a8", [x], 1, ["--reference"])
# Its functions without the module around them, to join the others.
start = w4a8.index("module {")
w4a8 = w4a8[:start] + w4a8[start + len("module {"):w4a8.rstrip().rindex("}")]
(requant_want,) = run(requant, "f", [a], 1, ["--reference"])
funcs = [requant, w4a8]
calls = [("f", [a], [((m, n), np.int8)]), ("w4a8", [x], [((m, n), np.float32)])]
wants = [requant_want, w4a8_want]
for i, (m, k, n) in enumerate([(13, 67, 50), (6, 64, 16), (1, 1, 1),
                               (24, 256, 97)]):
    a = rng.integers(-128, 128, (m, k), dtype=np.int8)
    b = rng.integers(-128, 128, (k, n), dtype=np.int8)
    a[:, 0], b[0, :] = -128, -128    # -128 * -128 in every result
    funcs.append(gemm_ir(b, m, name=f"g{i}"))
    calls.append((f"g{i}", [a], [((m, n), np.int32)]))
    wants.append((a.astype(np.int64) @ b.astype(np.int64)).astype(np.int32))
module = "\n".join(funcs)
for threads in (0, 1):
    with tempfile.TemporaryDirectory() as tmp:
        got = compile_and_call(module, calls, "x86_64-linux-gnu", ["cc"],
                               mcpu="haswell", workdir=tmp,
                               num_threads=threads)
        asm = subprocess.run(["/usr/lib/llvm-22/bin/llvm-objdump", "-d",
                              os.path.join(tmp, "model.o")], check=True,
                             capture_output=True, text=True).stdout
    assert "vpmaddwd" in asm and "vpdpbusd" not in asm and \
        "vpdpwssd" not in asm and "zmm" not in asm
    for (entry, _, _), (result,), want in zip(calls, got, wants):
        assert result.dtype == want.dtype and \
            (result.view(np.uint8) == want.view(np.uint8)).all(), \
            (entry, threads, np.argwhere(result != want)[:5])
print("haswell: ok")
