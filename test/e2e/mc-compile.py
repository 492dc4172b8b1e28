# mc-compile: the quantized demo MLP becomes an object and a header; a C
# program linked with `cc` and exactly the flags --print-link-flags prints
# calls it, and its output equals mc-run's bit for bit.
# RUN: %python %s | FileCheck %s
# CHECK: object: ok
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
model = opt(build(weights, biases, batch),
            "--mc-quantize=bits=4 granularity=group group-size=32")
x = np.random.default_rng(7).uniform(0, 1, (batch, 64)).astype(np.float32)
(want,) = run(model, "mlp", [x], 1)

MAIN = r"""
#include <stdio.h>
#include <stdlib.h>
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

with tempfile.TemporaryDirectory() as tmp:
    src = os.path.join(tmp, "mlp.mlir")
    with open(src, "w") as f:
        f.write(model)
    subprocess.run(["mc-compile", src, "--target=x86_64-linux-gnu",
                    "--emit=obj", "-o", os.path.join(tmp, "mlp.o"),
                    "--header=" + os.path.join(tmp, "mlp.h")], check=True)
    flags = subprocess.run(["mc-compile", "--print-link-flags",
                            "--target=x86_64-linux-gnu"], check=True,
                           capture_output=True, text=True).stdout.split()
    with open(os.path.join(tmp, "main.c"), "w") as f:
        f.write(MAIN)
    exe = os.path.join(tmp, "main")
    subprocess.run(["cc", "-O1", "-I", tmp, os.path.join(tmp, "main.c"),
                    os.path.join(tmp, "mlp.o"), "-o", exe, "-lm", "-lpthread",
                    *flags], check=True)
    x.tofile(os.path.join(tmp, "x.bin"))
    got = np.frombuffer(subprocess.run([exe, os.path.join(tmp, "x.bin")],
                                       check=True, capture_output=True).stdout,
                        np.float32).reshape(batch, 10)
    assert (got == want).all(), np.abs(got - want).max()
print("object: ok")
