# The demo MLP of gpu-mlp.py, plain and compressed, through mc-run
# --device=cuda against the mock CUDA driver (test/mc-run/Inputs/
# mock_libcuda.c): the whole host side of real models on a GPU. Per recipe:
# the kernels the host code launches (each with device-memory pointer
# parameters, as the mock checks), how its buffers live, and that nothing
# went wrong. The generic path leaves some loops on the host, so these
# modules use managed memory (mc-run says so in a note).
# REQUIRES: ptxas
# RUN: %python %s | FileCheck %s
# CHECK: f32: cubin sm_80, 6 launches of 6 kernels, managed memory, 0 errors, result (8, 10) float32
# CHECK: int8: cubin sm_80, 8 launches of 8 kernels, managed memory, 0 errors, result (8, 10) float32
# CHECK: w8a8: cubin sm_80, 22 launches of 22 kernels, managed memory, 0 errors, result (8, 10) float32
# CHECK: int4: cubin sm_80, 8 launches of 8 kernels, managed memory, 0 errors, result (8, 10) float32
# CHECK: 2:4+int8: cubin sm_80, 10 launches of 10 kernels, managed memory, 0 errors, result (8, 10) float32
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

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
    mock = os.path.join(tmp, "mock")
    os.mkdir(mock)
    subprocess.run(["cc", "-shared", "-fPIC", "-o",
                    os.path.join(mock, "libcuda.so.1"),
                    os.path.join(HERE, "..", "mc-run", "Inputs",
                                 "mock_libcuda.c")], check=True)
    x = os.path.join(tmp, "x.npy")
    np.save(x, np.random.default_rng(0).random((8, 64), np.float32))
    for name, passes in recipes:
        src = os.path.join(tmp, "m.mlir")
        with open(src, "w") as f:
            f.write(opt(model, *passes) if passes else model)
        trace, y = os.path.join(tmp, "trace"), os.path.join(tmp, "y.npy")
        if os.path.exists(trace):
            os.remove(trace)
        env = dict(os.environ, LD_LIBRARY_PATH=mock, MOCK_CUDA_TRACE=trace)
        run = subprocess.run(["mc-run", src, "--entry=mlp", "--device=cuda",
                              "--input=" + x, "--output=" + y], env=env,
                             capture_output=True, text=True)
        with open(trace) as f:
            lines = f.read().splitlines()
        load = [l for l in lines if l.startswith("cuModuleLoadData")]
        launches = [l.split()[1] for l in lines if l.startswith("cuLaunchKernel")]
        managed = any(l.startswith("cuMemAllocManaged") for l in lines)
        errors = [l for l in lines if "ERROR" in l]
        if run.returncode:
            errors.append(run.stderr.strip())
        result = np.load(y) if run.returncode == 0 else None
        print(f"{name}: {load[0][len('cuModuleLoadData '):] if load else 'no module'}, "
              f"{len(launches)} launches of {len(set(launches))} kernels, "
              f"{'managed' if managed else 'device'} memory, "
              f"{len(errors)} errors, result "
              f"{result.shape if result is not None else None} "
              f"{result.dtype if result is not None else ''}")
        for e in errors:
            print("  " + e)
