# The dense f32 kernel on AArch64 for real: f32 matmuls with constant
# weights (tails in M, N and K, K cut into blocks, an accumulate-into-input
# init, a fused bias + ReLU) are cross-compiled with mc-compile for AArch64
# (isa neon: 8 x 3 tiles of 4 lanes; and +dotprod, the same f32 kernel),
# 1 and 2 threads, linked with aarch64-linux-gnu-gcc and run under
# qemu-aarch64. With small-integer inputs every sum is exact, so results
# equal numpy bit for bit. llvm-objdump shows `fmla` on vectors of 4 f32.
# RUN: %python %s | FileCheck %s
# CHECK: neon 1 thread(s): ok
# CHECK: neon 2 thread(s): ok
# CHECK: dotprod 1 thread(s): ok
import os
import subprocess
import tempfile

import numpy as np

from mctest import (compile_and_call, matmul_init_model, matmul_model, opt,
                    with_bias_relu)

rng = np.random.default_rng(44)
funcs, calls, wants = [], [], []


def ints(shape, bound):
    return rng.integers(-bound, bound + 1, shape).astype(np.float32)


def matmul(m, k, n, init=False, bias=False):
    name = f"f{len(funcs)}"
    x, w = ints((m, k), 8), ints((k, n), 2)
    want = x.astype(np.float64) @ w.astype(np.float64)
    inputs = [x]
    if init:
        c = ints((m, n), 1000)
        inputs.append(c)
        want += c
        ir = matmul_init_model(w, m)
    else:
        ir = matmul_model(w, m)
    if bias:
        b = ints(n, 20)
        want = np.maximum(want + b, 0)
        ir = with_bias_relu(ir, m, b)
    funcs.append(ir.replace("func.func @f(", f"func.func @{name}("))
    calls.append((name, inputs, [((m, n), np.float32)]))
    wants.append(want.astype(np.float32))


# Panels of 12 columns, tiles of 8 rows: below, at and above both.
for m, k, n in [(1, 1, 1), (1, 100, 30), (5, 37, 50), (8, 64, 24),
                (17, 130, 100), (3, 9, 7)]:
    matmul(m, k, n)
matmul(10, 70, 40, init=True)
matmul(9, 50, 29, bias=True)
# A panel's weights above 256 KB (K > 5461): 2 K blocks.
matmul(9, 6000, 13, bias=True)
module = "\n".join(funcs)
assert module.count("linalg.matmul") == len(funcs)
lowered = opt(module, "--mc-cpu-kernels=isa=neon")
assert "linalg.matmul" not in lowered and "vector<4xf32>" in lowered

objdump = "/usr/lib/llvm-22/bin/llvm-objdump"
for label, mattr, threads in [("neon", None, 1), ("neon", None, 2),
                              ("dotprod", "+dotprod", 1)]:
    with tempfile.TemporaryDirectory() as tmp:
        got = compile_and_call(module, calls, "aarch64-linux-gnu",
                               ["aarch64-linux-gnu-gcc", "-static"],
                               ["qemu-aarch64"], mattr, workdir=tmp,
                               num_threads=threads)
        asm = subprocess.run([objdump, "-d", os.path.join(tmp, "model.o")],
                             check=True, capture_output=True,
                             text=True).stdout
    fmla = [line for line in asm.splitlines()
            if "\tfmla\t" in line and ".4s" in line]
    assert fmla, label
    for (entry, _, _), (result,), want in zip(calls, got, wants):
        assert result.dtype == want.dtype and (result == want).all(), \
            (label, threads, entry, np.argwhere(result != want)[:5])
    print(f"{label} {threads} thread(s): ok")
