# The demo MLP, plain and compressed by mc (int8, W8A8 dynamic, int4 groups,
# 2:4 + int8), compiles to an sm_80 cubin: mc ops, the reference lowering
# and the generic GPU path work on real models, not only on the kernels.
# Each also runs through mc-run --device=cuda against the mock CUDA driver
# (test/mc-run/Inputs/mock_libcuda.c): the whole host side of real models
# on a GPU: the kernels launched (each pointer parameter device memory, as
# the mock checks), buffers in device memory (every loop runs on the GPU,
# none on the host), no error.
# REQUIRES: ptxas
# RUN: %python %s | FileCheck %s
# CHECK: f32: cubin ok
# CHECK-NEXT: f32: mock driver: cubin sm_80, 9 launches of 9 kernels, device memory, 0 errors, result (8, 10) float32
# CHECK: int8: cubin ok
# CHECK-NEXT: int8: mock driver: cubin sm_80, 12 launches of 12 kernels, device memory, 0 errors, result (8, 10) float32
# CHECK: w8a8: cubin ok
# CHECK-NEXT: w8a8: mock driver: cubin sm_80, 27 launches of 27 kernels, device memory, 0 errors, result (8, 10) float32
# CHECK: int4: cubin ok
# CHECK-NEXT: int4: mock driver: cubin sm_80, 12 launches of 12 kernels, device memory, 0 errors, result (8, 10) float32
# CHECK: 2:4+int8: cubin ok
# CHECK-NEXT: 2:4+int8: mock driver: cubin sm_80, 9 launches of 9 kernels, device memory, 0 errors, result (8, 10) float32
import os
import subprocess
import tempfile

import numpy as np

from mctest import demo_mlp, opt

HERE = os.path.dirname(os.path.abspath(__file__))
build, weights, biases = demo_mlp()
model = build(weights, biases, 8)
recipes = [("f32", []), ("int8", ["--mc-quantize=bits=8"]),
           ("w8a8", ["--mc-quantize=bits=8 activations=dynamic"]),
           ("int4", ["--mc-quantize=bits=4 granularity=group group-size=32"]),
           ("2:4+int8", ["--mc-prune=mode=nm n=2 m=4", "--mc-quantize=bits=8"])]


def run_on_mock(src, mock, tmp):
    """A summary of mc-run --device=cuda's calls to the mock driver."""
    x, y, trace = (os.path.join(tmp, f) for f in ("x.npy", "y.npy", "trace"))
    np.save(x, np.random.default_rng(0).random((8, 64), np.float32))
    if os.path.exists(trace):
        os.remove(trace)
    env = dict(os.environ, LD_LIBRARY_PATH=mock, MOCK_CUDA_TRACE=trace)
    run = subprocess.run(["mc-run", src, "--entry=mlp", "--device=cuda",
                          "--input=" + x, "--output=" + y], env=env,
                         capture_output=True, text=True)
    with open(trace) as f:
        lines = f.read().splitlines()
    load = [l.split(" ", 1)[1] for l in lines
            if l.startswith("cuModuleLoadData")]
    launches = [l.split()[1] for l in lines if l.startswith("cuLaunchKernel")]
    managed = any(l.startswith("cuMemAllocManaged") for l in lines)
    errors = [l for l in lines if "ERROR" in l]
    if run.returncode:
        errors.append(run.stderr.strip())
    result = np.load(y) if run.returncode == 0 else None
    summary = (f"{load[0] if load else 'no module'}, {len(launches)} launches "
               f"of {len(set(launches))} kernels, "
               f"{'managed' if managed else 'device'} memory, "
               f"{len(errors)} errors, result "
               + (f"{result.shape} {result.dtype}" if result is not None
                  else "none"))
    return "\n".join([summary] + ["  " + e for e in errors])


with tempfile.TemporaryDirectory() as tmp:
    mock = os.path.join(tmp, "mock")
    os.mkdir(mock)
    subprocess.run(["cc", "-shared", "-fPIC", "-o",
                    os.path.join(mock, "libcuda.so.1"),
                    os.path.join(HERE, "..", "mc-run", "Inputs",
                                 "mock_libcuda.c")], check=True)
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
        print(f"{name}: mock driver: {run_on_mock(src, mock, tmp)}")
