# The demo's MLP, in every recipe, run by mc-run and compared with numpy's
# evaluation of the same compressed model (weights quantized by the test's own
# numpy quantizer, or cast by ml_dtypes for fp8).
# RUN: %python %s | FileCheck %s
# CHECK: f32: ok
# CHECK: int8 per-channel: ok
# CHECK: int4 group-32: ok
# CHECK: fp8 e4m3 per-channel: ok
import os
import sys

import ml_dtypes
import numpy as np

from mctest import dequantize_uniform, quantize_uniform, run

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..",
                                "examples", "digits"))
from mlp_ir import RECIPES, build, load_weights, scales_for  # noqa: E402

weights, biases = load_weights(os.path.join(os.path.dirname(__file__), "..",
                                            "..", "examples", "digits",
                                            "weights.npz"))
rng = np.random.default_rng(3)
x = rng.uniform(0, 1, (16, 64)).astype(np.float32)


def reference_weight(recipe, w):
    if RECIPES[recipe] is None:
        return w
    s = scales_for(recipe, w)
    if recipe.startswith("fp8"):
        y = np.clip(w / s, -448, 448).astype(np.float32)
        return y.astype(ml_dtypes.float8_e4m3fn).astype(np.float32) * s
    bits = RECIPES[recipe][1]
    kw = {"axis": 1} if "channel" in recipe else {"block": (32, 1)}
    q = quantize_uniform(w, s, None, bits, True, True, **kw)
    return dequantize_uniform(q, s, None, **kw)


for recipe in RECIPES:
    (got,) = run(build(weights, biases, len(x), recipe), "mlp", [x], 1)
    a = x.astype(np.float64)
    for i, (w, b) in enumerate(zip(weights, biases)):
        a = a @ reference_weight(recipe, w).astype(np.float64) + b
        if i + 1 < len(weights):
            a = np.maximum(a, 0)
    err = np.abs(got - a).max() / np.abs(a).max()
    assert err <= 1e-5, (recipe, err)
    print(f"{recipe}: ok")
