# AArch64 for real: the W8A8 (dynamic int8 activations) demo MLP is
# cross-compiled with mc-compile, linked with Debian's aarch64-linux-gnu-gcc,
# run under qemu-aarch64, and equals the x86 result (mc-run) bit for bit.
# RUN: %python %s | FileCheck %s
# CHECK: aarch64: ok
import os
import subprocess
import sys
import tempfile

import numpy as np

from mctest import opt, run

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "examples", "digits"))
from mlp_ir import build, load_weights  # noqa: E402

weights, biases = load_weights(os.path.join(HERE, "..", "..", "examples",
                                            "digits", "weights.npz"))
batch = 8
model = opt(build(weights, biases, batch), "--mc-quantize=activations=dynamic")
x = np.random.default_rng(8).uniform(0, 1, (batch, 64)).astype(np.float32)
(want,) = run(model, "mlp", [x], 1)

MAIN = r"""
#include <stdio.h>
#include "mlp.h"
int main(int argc, char **argv) {
  static float in[%(B)d][64], out[%(B)d][10];
  FILE *f = fopen(argv[1], "rb");
  if (!f || fread(in, sizeof in, 1, f) != 1) return 2;
  fclose(f);
  mc_memref_float_2d a = {&in[0][0], &in[0][0], 0, {%(B)d, 64}, {64, 1}};
  mc_memref_float_2d r = {&out[0][0], &out[0][0], 0, {%(B)d, 10}, {10, 1}};
  _mlir_ciface_mlp(&a, &r);
  fwrite(out, sizeof out, 1, stdout);
  return 0;
}
""" % {"B": batch}

target = "aarch64-linux-gnu"
with tempfile.TemporaryDirectory() as tmp:
    src = os.path.join(tmp, "mlp.mlir")
    with open(src, "w") as f:
        f.write(model)
    subprocess.run(["mc-compile", src, f"--target={target}",
                    "--mattr=+dotprod", "--emit=obj",
                    "-o", os.path.join(tmp, "mlp.o"),
                    "--header=" + os.path.join(tmp, "mlp.h")], check=True)
    flags = subprocess.run(["mc-compile", "--print-link-flags",
                            f"--target={target}"], check=True,
                           capture_output=True, text=True).stdout.split()
    with open(os.path.join(tmp, "main.c"), "w") as f:
        f.write(MAIN)
    exe = os.path.join(tmp, "main")
    subprocess.run(["aarch64-linux-gnu-gcc", "-O1", "-static", "-I", tmp,
                    os.path.join(tmp, "main.c"), os.path.join(tmp, "mlp.o"),
                    "-o", exe, "-lm", "-lpthread", *flags], check=True)
    x.tofile(os.path.join(tmp, "x.bin"))
    out = subprocess.run(["qemu-aarch64", exe, os.path.join(tmp, "x.bin")],
                         check=True, capture_output=True).stdout
    got = np.frombuffer(out, np.float32).reshape(batch, 10)
    assert (got == want).all(), np.abs(got - want).max()
print("aarch64: ok")
