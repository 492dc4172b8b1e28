# The demo's MLP compressed by mc's passes, run by mc-run and compared with
# numpy's evaluation of the same compressed model (weights quantized by the
# test's own numpy quantizer).
# RUN: %python %s | FileCheck %s
# CHECK: f32: ok
# CHECK: int8 per-channel: ok
# CHECK: int4 group-64: ok
import numpy as np

from mctest import demo_mlp, dequantize_uniform, opt, quantize_uniform, run

build, weights, biases = demo_mlp()
rng = np.random.default_rng(3)
x = rng.uniform(0, 1, (16, 64)).astype(np.float32)
model = build(weights, biases, len(x))


def symmetric(w, bits, **granularity):
    """Dequantized narrow symmetric weights, as --mc-quantize makes them."""
    qmax = np.float32(2 ** (bits - 1) - 1)
    if "axis" in granularity:
        s = np.abs(w).max(axis=0) / qmax
    else:
        g = granularity["block"][0]
        s = np.abs(w).reshape(-1, g, w.shape[1]).max(axis=1) / qmax
    s = np.where(s > 0, s, np.float32(1)).astype(np.float32)
    q = quantize_uniform(w, s, None, bits, True, True, **granularity)
    return dequantize_uniform(q, s, None, **granularity)


for name, passes, reference in (
        ("f32", [], lambda w: w),
        ("int8 per-channel", ["--mc-quantize"],
         lambda w: symmetric(w, 8, axis=1)),
        ("int4 group-64",
         ["--mc-quantize=bits=4 granularity=group group-size=64"],
         lambda w: symmetric(w, 4, block=(64, 1)))):
    (got,) = run(opt(model, *passes) if passes else model, "mlp", [x], 1)
    a = x.astype(np.float64)
    for i, (w, b) in enumerate(zip(weights, biases)):
        a = a @ reference(w).astype(np.float64) + b
        if i + 1 < len(weights):
            a = np.maximum(a, 0)
    err = np.abs(got - a).max() / np.abs(a).max()
    assert err <= 1e-5, (name, err)
    print(f"{name}: ok")
