# Post-training static quantization of the demo's MLP, end to end:
# `mc-run --calibrate` records each layer's activation range on a
# calibration batch (a model of another batch size: ranges are keyed by
# layer name), `--mc-quantize=activations=static` quantizes with those
# constant scales, and mc-run's kernels and the reference lowering both give
# exactly numpy's evaluation of the static form, activations beyond the
# calibrated range saturating; so do the GPU kernels' tiled IR on the CPU
# (mc-run --device=gpu-tiles).
# RUN: %python %s | FileCheck %s
# CHECK: calibration: ok
# CHECK: static int8 per-channel: ok
# CHECK: static int4 group-32: ok
# CHECK: static int8 group-64: ok
# CHECK: static int8 per-channel, asymmetric activations: ok
import json
import os
import tempfile

import numpy as np

from mctest import (calibrate, demo_mlp, opt, quantize_uniform, run,
                    static_activation_params)

build, weights, biases = demo_mlp()
rng = np.random.default_rng(11)
calib = rng.uniform(0, 16, (40, 64)).astype(np.float32)


def forward_inputs(x):
    """Each layer's f32 input in numpy (a close, not exact, model of the f32
    kernels for the layers after the first)."""
    inputs = []
    for i, (w, b) in enumerate(zip(weights, biases)):
        inputs.append(x)
        x = x.astype(np.float64) @ w.astype(np.float64) + b
        x = (np.maximum(x, 0) if i + 1 < len(weights) else x).astype(np.float32)
    return inputs


ranges, (y_calib,) = calibrate(build(weights, biases, len(calib)), "mlp",
                               [calib], 1)
# The model's own result is unchanged by the observation.
(y_plain,) = run(build(weights, biases, len(calib)), "mlp", [calib], 1)
assert np.array_equal(y_calib, y_plain)
assert ranges["entry"] == "mlp"
assert list(ranges["layers"]) == ["fc1", "fc2", "fc3"], ranges
for name, x in zip(ranges["layers"], forward_inputs(calib)):
    got = ranges["layers"][name]
    if name == "fc1":  # the input itself: exact
        assert (got["min"], got["max"]) == (x.min(), x.max()), (got, x.min())
    else:
        np.testing.assert_allclose([got["min"], got["max"]],
                                   [x.min(), x.max()], rtol=1e-5, atol=1e-6)
print("calibration: ok")

tmp = tempfile.TemporaryDirectory()  # removed at exit
stats_path = os.path.join(tmp.name, "stats.json")
with open(stats_path, "w") as f:
    json.dump(ranges, f)
# Rows beyond the calibrated range (x 3) saturate.
x = rng.uniform(0, 16, (16, 64)).astype(np.float32)
x[3] *= 3
x[5] = 0
model = build(weights, biases, len(x))


def static_model(x, bits, group=None, symmetric=True):
    """numpy's evaluation of the static form: per layer sx and zx from the
    calibrated range (mctest.static_activation_params), qx = clip(round(x /
    sx) + zx), exact integer products, then y = 0 + (f32(acc - zx * sum_k
    qw) * sx) * sw (per channel) or a += f32(P_g) * sw_g, y = 0 + a * sx
    (per group); + bias and ReLU in f32 as the model has."""
    qmax = np.float32(2 ** (bits - 1) - 1)
    for i, (w, b) in enumerate(zip(weights, biases)):
        r = ranges["layers"][f"fc{i + 1}"]
        sx, zx = static_activation_params(r["min"], r["max"], symmetric)
        qx = quantize_uniform(x, np.array([sx], np.float32),
                              None if symmetric else np.array([zx]), 8, True,
                              symmetric)
        k, n = w.shape
        if group is None:
            sw = np.abs(w).max(axis=0) / qmax
            sw = np.where(sw > 0, sw, np.float32(1)).astype(np.float32)
            qw = quantize_uniform(w, sw, None, bits, True, True, axis=1)
            acc = (qx @ qw - zx * qw.sum(axis=0)).astype(np.float32)
            y = np.float32(0) + (acc * sx) * sw
        else:
            sw = np.abs(w).reshape(k // group, group, n).max(axis=1) / qmax
            sw = np.where(sw > 0, sw, np.float32(1)).astype(np.float32)
            qw = quantize_uniform(w, sw, None, bits, True, True,
                                  block=(group, 1))
            p = np.einsum("mgt,gtn->mgn", qx.reshape(-1, k // group, group),
                          qw.reshape(k // group, group, n))
            a = np.zeros((len(x), n), np.float32)
            for g in range(k // group):
                a = a + p[:, g, :].astype(np.float32) * sw[g]
            y = np.float32(0) + a * sx
        y = y + b
        x = np.maximum(y, np.float32(0)) if i + 1 < len(weights) else y
    return x


for label, options, bits, group, symmetric in (
        ("int8 per-channel", "", 8, None, True),
        ("int4 group-32", "bits=4 granularity=group group-size=32", 4, 32,
         True),
        ("int8 group-64", "granularity=group group-size=64", 8, 64, True),
        ("int8 per-channel, asymmetric activations",
         "activation-symmetric=false", 8, None, False)):
    out = opt(model, "--mc-quantize=activations=static "
              f"calibration={stats_path} {options}")
    assert out.count("mc.encode") == 3, out
    assert symmetric != ("zero_point" in out), out
    want = static_model(x, bits, group, symmetric)
    for extra in ((), ("--reference",), ("--device=gpu-tiles",)):
        (y,) = run(out, "mlp", [x], 1, extra)
        assert np.array_equal(y, want), (label, extra,
                                         np.abs(y - want).max())
    print(f"static {label}: ok")
