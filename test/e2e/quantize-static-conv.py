# Static activations on 2-D convolutions (NHWC/HWCF and NCHW/FCHW, strides
# and dilations, symmetric and asymmetric, a bias + ReLU consumer): mc-run --calibrate records the
# input's range, --mc-quantize=activations=static gives an int8 encode, an
# i8 x i8 -> i32 convolution and y = C + (f32(acc) * sx) * sw[f]; mc-run's
# kernels (im2col + the i8 GEMM) and the reference lowering both equal
# numpy's evaluation of that form bit for bit; so does the NCHW one
# cross-compiled for AArch64 with +dotprod (sdot), run under qemu-aarch64.
# Filters pruned 2:4 along K by --mc-prune first keep their #mc.nm
# structure through the quantization, and --mc-cpu-kernels with AVX-512
# VNNI takes the 2:4 kernel (mc.byte_shuffle) for them; same checks.
# RUN: %python %s | FileCheck %s
# CHECK: nhwc per-channel: ok
# CHECK: nhwc per-tensor stride 2: ok
# CHECK: nchw per-channel dilation 2: ok
# CHECK: nchw per-channel dilation 2, aarch64 sdot: ok
# CHECK: nchw per-channel asymmetric activations: ok
# CHECK: nchw per-channel asymmetric activations, aarch64 sdot: ok
# CHECK: nhwc per-channel pruned 2:4: ok
# CHECK: nchw per-tensor pruned 2:4 stride 2: ok
# CHECK: nchw per-tensor pruned 2:4 stride 2, aarch64 sdot: ok
import json
import os
import tempfile

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from mctest import (calibrate, dense_hex, opt, quantize_uniform, run,
                    run_aarch64, static_activation_params)

rng = np.random.default_rng(21)


def conv_ir(w, x_shape, nchw, stride, dilation, bias):
    """@f(x) = relu(conv(x, w) + bias) with the filter w (HWCF or FCHW)."""
    kind = "conv_2d_nchw_fchw" if nchw else "conv_2d_nhwc_hwcf"
    n = x_shape[0]
    h, wd = (x_shape[2], x_shape[3]) if nchw else (x_shape[1], x_shape[2])
    kh, kw, f = (w.shape[2], w.shape[3], w.shape[0]) if nchw else \
        (w.shape[0], w.shape[1], w.shape[3])
    oh = (h - dilation * (kh - 1) - 1) // stride + 1
    ow = (wd - dilation * (kw - 1) - 1) // stride + 1
    out = (n, f, oh, ow) if nchw else (n, oh, ow, f)
    t = lambda s: "tensor<" + "x".join(map(str, s)) + "xf32>"
    bias_map = "(d1)" if nchw else "(d3)"
    return f"""
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#ch = affine_map<(d0, d1, d2, d3) -> {bias_map}>
func.func @f(%x: {t(x_shape)}) -> {t(out)} {{
  %w = arith.constant {dense_hex(w)} : {t(w.shape)}
  %b = arith.constant {dense_hex(bias)} : {t(bias.shape)}
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : {t(out)}
  %i = linalg.fill ins(%z : f32) outs(%e : {t(out)}) -> {t(out)}
  %c = linalg.{kind} {{mc.layer = "conv", dilations = dense<{dilation}> : tensor<2xi64>, strides = dense<{stride}> : tensor<2xi64>}}
    ins(%x, %w : {t(x_shape)}, {t(w.shape)}) outs(%i : {t(out)}) -> {t(out)}
  %y = linalg.generic {{indexing_maps = [#id, #ch, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}}
    ins(%c, %b : {t(out)}, {t(bias.shape)}) outs(%e : {t(out)}) {{
  ^bb0(%v: f32, %bb: f32, %o: f32):
    %s = arith.addf %v, %bb : f32
    %r = arith.maximumf %s, %z : f32
    linalg.yield %r : f32
  }} -> {t(out)}
  return %y : {t(out)}
}}
"""


def conv_int(qx, qw, nchw, stride, dilation):
    """Exact integer convolution in NHWC/HWCF (inputs converted)."""
    if nchw:
        qx, qw = qx.transpose(0, 2, 3, 1), qw.transpose(2, 3, 1, 0)
    kh, kw = qw.shape[:2]
    span = ((kh - 1) * dilation + 1, (kw - 1) * dilation + 1)
    win = sliding_window_view(qx, span, axis=(1, 2))
    win = win[:, ::stride, ::stride, :, ::dilation, ::dilation]
    out = np.einsum("nhwcij,ijcf->nhwf", win.astype(np.int64),
                    qw.astype(np.int64))
    return out.transpose(0, 3, 1, 2) if nchw else out


def prune_2_4(w, nchw):
    """w with the 2 smaller of every 4 along K zeroed (K = (c, kh, kw) of an
    FCHW filter, (kh, kw, c) of an HWCF one), as --mc-prune leaves it."""
    mat = w.reshape(w.shape[0], -1) if nchw else w.reshape(-1, w.shape[3]).T
    groups = mat.reshape(mat.shape[0], -1, 4).copy()
    drop = np.argsort(np.abs(groups), axis=2)[:, :, :2]
    np.put_along_axis(groups, drop, 0, axis=2)
    mat = groups.reshape(mat.shape)
    return (mat if nchw else mat.T).reshape(w.shape)


for label, nchw, stride, dilation, gran, symmetric, pruned in (
        ("nhwc per-channel", False, 1, 1, "channel", True, False),
        ("nhwc per-tensor stride 2", False, 2, 1, "tensor", True, False),
        ("nchw per-channel dilation 2", True, 1, 2, "channel", True, False),
        ("nchw per-channel asymmetric activations", True, 1, 1, "channel",
         False, False),
        ("nhwc per-channel pruned 2:4", False, 1, 1, "channel", True, True),
        ("nchw per-tensor pruned 2:4 stride 2", True, 2, 1, "tensor", True,
         True)):
    c, f = (4, 7) if pruned else (5, 7)
    w = rng.standard_normal((f, c, 3, 3) if nchw else (3, 3, c, f)).astype(
        np.float32)
    if pruned:
        w = prune_2_4(w, nchw)
    bias = rng.standard_normal(f).astype(np.float32)
    shape = (2, c, 9, 10) if nchw else (2, 9, 10, c)
    calib = rng.uniform(-2, 3, shape).astype(np.float32)
    model = conv_ir(w, shape, nchw, stride, dilation, bias)
    ranges, _ = calibrate(model, "f", [calib], 1)
    got = ranges["layers"]["conv"]
    assert (got["min"], got["max"]) == (calib.min(), calib.max()), got
    with tempfile.TemporaryDirectory() as tmp:
        stats = os.path.join(tmp, "s.json")
        with open(stats, "w") as fh:
            json.dump(ranges, fh)
        out = opt(model, *(["--mc-prune=mode=nm n=2 m=4"] if pruned else []),
                  f"--mc-quantize=activations=static "
                  f"granularity={gran} calibration={stats} "
                  f"activation-symmetric={str(symmetric).lower()}")
    kind = "conv_2d_nchw_fchw" if nchw else "conv_2d_nhwc_hwcf"
    assert f"linalg.{kind}" in out and "xi8>" in out, out
    assert ("#mc.nm<2:4" in out) == pruned, out
    kernels = opt(out, "--mc-cpu-kernels=isa=avx512-vnni")
    assert ("mc.byte_shuffle" in kernels) == pruned, kernels
    # Inputs partly beyond the calibrated range saturate.
    x = rng.uniform(-4, 4, shape).astype(np.float32)
    sx, zx = static_activation_params(calib.min(), calib.max(), symmetric)
    qx = quantize_uniform(x, np.array([sx], np.float32),
                          None if symmetric else np.array([zx]), 8, True,
                          symmetric)
    fdim = 0 if nchw else 3
    axes = tuple(i for i in range(4) if i != fdim)
    if gran == "channel":
        sw = np.abs(w).max(axis=axes) / np.float32(127)
        qw = quantize_uniform(w, sw, None, 8, True, True, axis=fdim)
    else:
        sw = np.abs(w).max(keepdims=True).reshape(1) / np.float32(127)
        qw = quantize_uniform(w, sw, None, 8, True, True)
    # The zero point's share, zx * sum of each filter's weights, comes off.
    acc = (conv_int(qx, qw, nchw, stride, dilation)
           - zx * conv_int(np.ones_like(qx), qw, nchw, stride, dilation)
           ).astype(np.float32)
    sw_b = sw.reshape((1, -1, 1, 1) if nchw else (1, 1, 1, -1))
    b_b = bias.reshape((1, -1, 1, 1) if nchw else (1, 1, 1, -1))
    want = np.maximum((np.float32(0) + (acc * sx) * sw_b) + b_b,
                      np.float32(0))
    for extra in ((), ("--reference",)):
        (y,) = run(out, "f", [x], 1, extra)
        assert np.array_equal(y, want), (label, extra, np.abs(y - want).max())
    print(f"{label}: ok")
    if nchw:
        (y,), asm = run_aarch64(out, [x], [(want.shape, np.float32)],
                                mattr="+dotprod")
        assert "sdot" in asm and np.array_equal(y, want), \
            np.abs(y - want).max()
        print(f"{label}, aarch64 sdot: ok")
