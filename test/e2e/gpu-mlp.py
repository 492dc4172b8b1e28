# The demo MLP, plain and compressed by mc (int8, W8A8 dynamic, int4 groups,
# 2:4 + int8), compiles to an sm_80 cubin: mc ops, the reference lowering
# and the generic GPU path work on real models, not only on the kernels.
# REQUIRES: ptxas
# RUN: %python %s | FileCheck %s
# CHECK: f32: cubin ok
# CHECK: int8: cubin ok
# CHECK: w8a8: cubin ok
# CHECK: int4: cubin ok
# CHECK: 2:4+int8: cubin ok
import os
import subprocess
import sys
import tempfile

from mctest import opt

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "examples", "digits"))
from mlp_ir import build, load_weights  # noqa: E402

weights, biases = load_weights(os.path.join(HERE, "..", "..", "examples",
                                            "digits", "weights.npz"))
model = build(weights, biases, 8)
recipes = [("f32", []), ("int8", ["--mc-quantize=bits=8"]),
           ("w8a8", ["--mc-quantize=bits=8 activations=dynamic"]),
           ("int4", ["--mc-quantize=bits=4 granularity=group group-size=32"]),
           ("2:4+int8", ["--mc-prune=mode=nm n=2 m=4", "--mc-quantize=bits=8"])]
with tempfile.TemporaryDirectory() as tmp:
    for name, passes in recipes:
        src = os.path.join(tmp, "m.mlir")
        with open(src, "w") as f:
            f.write(opt(model, *passes) if passes else model)
        out = os.path.join(tmp, "m.cubin")
        subprocess.run(["mc-compile", src, "--target=nvptx64-nvidia-cuda",
                        "--mcpu=sm_80", "--emit=cubin", "-o", out], check=True)
        with open(out, "rb") as f:
            ok = f.read(4) == b"\x7fELF"
        print(f"{name}: cubin {'ok' if ok else 'NOT AN ELF'}")
