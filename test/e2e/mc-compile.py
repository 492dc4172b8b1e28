# mc-compile: the quantized demo MLP becomes an object and a header; a C
# program linked with `cc` and exactly the flags --print-link-flags prints
# calls it, and its output equals mc-run's bit for bit (both for this CPU:
# float kernels of other ISAs may sum in another order).
# RUN: %python %s | FileCheck %s
# CHECK: object: ok
import numpy as np

from mctest import compile_and_run, demo_mlp, opt, run

build, weights, biases = demo_mlp()
batch = 8
model = opt(build(weights, biases, batch),
            "--mc-quantize=bits=4 granularity=group group-size=32")
x = np.random.default_rng(7).uniform(0, 1, (batch, 64)).astype(np.float32)
(want,) = run(model, "mlp", [x], 1)

got = compile_and_run(model, "mlp", x, 10, "x86_64-linux-gnu", cc=["cc"],
                      mcpu="host")
assert (got == want).all(), np.abs(got - want).max()
print("object: ok")
