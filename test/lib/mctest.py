"""Helpers for mc's execution tests: run mc-run on numpy arrays."""
import os
import subprocess
import tempfile

import numpy as np


def run(mlir, entry, inputs, num_outputs, extra_args=()):
    """JIT-runs `entry` of the MLIR text `mlir` on `inputs` with mc-run and
    returns its results as numpy arrays."""
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "in.mlir")
        with open(src, "w") as f:
            f.write(mlir)
        args = ["mc-run", src, "--entry=" + entry, *extra_args]
        for i, array in enumerate(inputs):
            path = os.path.join(tmp, f"in{i}.npy")
            np.save(path, array)
            args.append("--input=" + path)
        outs = [os.path.join(tmp, f"out{i}.npy") for i in range(num_outputs)]
        args += ["--output=" + p for p in outs]
        subprocess.run(args, check=True)
        return [np.load(p) for p in outs]


def opt(mlir, *args):
    """Runs mc-opt with `args` on the MLIR text and returns its output."""
    return subprocess.run(["mc-opt", *args], input=mlir, text=True,
                          check=True, capture_output=True).stdout


def mlir_type(shape, dtype):
    dims = "".join(f"{d}x" for d in shape)
    return f"tensor<{dims}{dtype}>"


def matmul_model(w, batch):
    """MLIR text of `@f(%x: batch x K) -> x . w` with `w` (K x N) as an
    exact constant weight."""
    k, n = w.shape
    xt, wt, yt = (mlir_type([batch, k], "f32"), mlir_type([k, n], "f32"),
                  mlir_type([batch, n], "f32"))
    return f"""
func.func @f(%x: {xt}) -> {yt} {{
  %w = arith.constant {dense_hex(w)} : {wt}
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : {yt}
  %i = linalg.fill ins(%z : f32) outs(%e : {yt}) -> {yt}
  %y = linalg.matmul ins(%x, %w : {xt}, {wt}) outs(%i : {yt}) -> {yt}
  return %y : {yt}
}}"""


def scale_index(shape, axis=None, block=None):
    """For each element (C order) of `shape`, the flat index of its scale."""
    idx = np.indices(shape).reshape(len(shape), -1)
    if axis is not None:
        return idx[axis]
    if block is None:
        return np.zeros(idx.shape[1], dtype=np.int64)
    sshape = [d // b for d, b in zip(shape, block)]
    return np.ravel_multi_index(tuple(i // b for i, b in zip(idx, block)),
                                sshape)


def quantize_uniform(x, scales, zps, bits, signed, narrow, axis=None,
                     block=None):
    """numpy reference of mc's uniform encode: float32 division, round half
    to even, add the zero point, NaN -> zero point, clamp, convert."""
    qmin = -(1 << (bits - 1)) if signed else 0
    qmax = (1 << (bits - 1)) - 1 if signed else (1 << bits) - 1
    if narrow:
        qmin += 1
    si = scale_index(x.shape, axis, block)
    s = scales.reshape(-1)[si].astype(np.float32)
    z = (zps.reshape(-1)[si] if zps is not None else np.zeros_like(si)
         ).astype(np.float32)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.round(x.reshape(-1).astype(np.float32) / s) + z
    r = np.where(np.isnan(r), z, r)
    r = np.clip(r, qmin, qmax)
    return r.astype(np.int64).reshape(x.shape)


def dequantize_uniform(q, scales, zps, axis=None, block=None):
    si = scale_index(q.shape, axis, block)
    s = scales.reshape(-1)[si].astype(np.float32)
    z = zps.reshape(-1)[si] if zps is not None else 0
    return ((q.reshape(-1).astype(np.int64) - z).astype(np.float32) *
            s).reshape(q.shape)


def dense_hex(array):
    """A `dense<"0x...">` attribute with the exact bytes of `array`."""
    return 'dense<"0x' + np.ascontiguousarray(array).tobytes().hex().upper() + '">'


_NP_TYPES = {"f32": np.float32, "f16": np.float16, "f64": np.float64,
             "i8": np.int8, "i16": np.int16, "i32": np.int32, "i64": np.int64,
             "i7": np.int8, "i6": np.int8, "i5": np.int8, "i4": np.int8,
             "i3": np.int8, "i2": np.int8, "i1": np.bool_, "ui8": np.uint8,
             "bf16": np.uint16, "f8E4M3FN": np.uint8, "f8E5M2": np.uint8}


def parse_constants(mlir):
    """Maps SSA names to the arrays of `arith.constant dense<...>` in text
    printed with --mlir-print-elementsattrs-with-hex-if-larger=1: hex blobs
    (sub-byte integers take a byte each, i1 a bit, LSB first) and splats.
    bf16/f8 as raw bits."""
    import re
    result = {}
    pattern = re.compile(r'(%\w+) = arith\.constant dense<(.*?)> : '
                         r'tensor<((?:\d+x)*)(\w+)>')
    for name, body, dims, elt in pattern.findall(mlir):
        shape = tuple(int(d) for d in dims.split("x") if d)
        dtype = _NP_TYPES[elt]
        if body.startswith('"0x') and elt == "i1":
            data = np.unpackbits(np.frombuffer(bytes.fromhex(body[3:-1]),
                                               dtype=np.uint8),
                                 bitorder="little").astype(np.bool_)
            data = data[:int(np.prod(shape))]
        elif body.startswith('"0x'):
            data = np.frombuffer(bytes.fromhex(body[3:-1]), dtype=dtype)
        elif elt == "i1":
            data = np.array([body == "true"], dtype=dtype)
        elif elt.startswith(("i", "ui")):
            data = np.array([int(body)], dtype=dtype)
        else:
            data = np.array([float(body)], dtype=dtype)
        size = int(np.prod(shape))
        result[name] = (data.reshape(shape) if data.size == size
                        else np.broadcast_to(data[0], shape))
    return result


_MLP_MAIN = r"""
#include <stdio.h>
#include "model.h"
int main(int argc, char **argv) {
  static float in[%(B)d][%(K)d], out[%(B)d][%(N)d];
  FILE *f = fopen(argv[1], "rb");
  if (!f || fread(in, sizeof in, 1, f) != 1) return 2;
  fclose(f);
  mc_memref_float_2d a = {&in[0][0], &in[0][0], 0, {%(B)d, %(K)d}, {%(K)d, 1}};
  mc_memref_float_2d r = {&out[0][0], &out[0][0], 0, {%(B)d, %(N)d}, {%(N)d, 1}};
  _mlir_ciface_%(entry)s(&a, &r);
  fwrite(out, sizeof out, 1, stdout);
  return 0;
}
"""


def compile_and_run(mlir, entry, x, n, target, cc, runner=(), mattr=None):
    """Compiles `entry` (a 2-D f32 -> 2-D f32 function) with mc-compile for
    `target`, links it into a C program with `cc` and exactly the flags
    `mc-compile --print-link-flags` prints, runs it on `x` (through `runner`,
    e.g. qemu) and returns the B x n result."""
    batch, k = x.shape
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "model.mlir")
        with open(src, "w") as f:
            f.write(mlir)
        subprocess.run(["mc-compile", src, f"--target={target}",
                        *([f"--mattr={mattr}"] if mattr else []),
                        "--emit=obj", "-o", os.path.join(tmp, "model.o"),
                        "--header=" + os.path.join(tmp, "model.h")],
                       check=True)
        flags = subprocess.run(["mc-compile", "--print-link-flags",
                                f"--target={target}"], check=True,
                               capture_output=True, text=True).stdout.split()
        with open(os.path.join(tmp, "main.c"), "w") as f:
            f.write(_MLP_MAIN % {"B": batch, "K": k, "N": n, "entry": entry})
        exe = os.path.join(tmp, "main")
        subprocess.run([*cc, "-O1", "-I", tmp, os.path.join(tmp, "main.c"),
                        os.path.join(tmp, "model.o"), "-o", exe, "-lm",
                        "-lpthread", *flags], check=True)
        x.astype(np.float32).tofile(os.path.join(tmp, "x.bin"))
        out = subprocess.run([*runner, exe, os.path.join(tmp, "x.bin")],
                             check=True, capture_output=True).stdout
        return np.frombuffer(out, np.float32).reshape(batch, n)
