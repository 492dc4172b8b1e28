# AArch64 for real: the W8A8 (dynamic int8 activations) demo MLP is
# cross-compiled with mc-compile, linked with Debian's aarch64-linux-gnu-gcc,
# run under qemu-aarch64 with 1 and 2 threads (mc's OpenMP runtime), and
# equals the x86 result (mc-run) bit for bit.
# RUN: %python %s | FileCheck %s
# CHECK: aarch64 threads=1: ok
# CHECK: aarch64 threads=2: ok
import numpy as np

from mctest import compile_and_run, demo_mlp, opt, run

build, weights, biases = demo_mlp()
batch = 8
model = opt(build(weights, biases, batch), "--mc-quantize=activations=dynamic")
x = np.random.default_rng(8).uniform(0, 1, (batch, 64)).astype(np.float32)
(want,) = run(model, "mlp", [x], 1)

for threads in (1, 2):
    got = compile_and_run(model, "mlp", x, 10, "aarch64-linux-gnu",
                          cc=["aarch64-linux-gnu-gcc", "-static"],
                          runner=["qemu-aarch64"], mattr="+dotprod",
                          args=[f"--num-threads={threads}"])
    assert (got == want).all(), (threads, np.abs(got - want).max())
    print(f"aarch64 threads={threads}: ok")
