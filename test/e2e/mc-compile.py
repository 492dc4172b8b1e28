# mc-compile: the quantized demo MLP becomes an object and a header; a C
# program linked with `cc` and exactly the flags --print-link-flags prints
# calls it, and its output equals mc-run's bit for bit (both for this CPU:
# float kernels of other ISAs may sum in another order).
# RUN: %python %s | FileCheck %s
# CHECK: object: ok
import os
import sys

import numpy as np

from mctest import compile_and_run, opt, run

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "examples", "digits"))
from mlp_ir import build, load_weights  # noqa: E402

weights, biases = load_weights(os.path.join(HERE, "..", "..", "examples",
                                            "digits", "weights.npz"))
batch = 8
model = opt(build(weights, biases, batch),
            "--mc-quantize=bits=4 granularity=group group-size=32")
x = np.random.default_rng(7).uniform(0, 1, (batch, 64)).astype(np.float32)
(want,) = run(model, "mlp", [x], 1)

got = compile_and_run(model, "mlp", x, 10, "x86_64-linux-gnu", cc=["cc"],
                      mcpu="host")
assert (got == want).all(), np.abs(got - want).max()
print("object: ok")
