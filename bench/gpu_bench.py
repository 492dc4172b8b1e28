#!/usr/bin/env python3
"""mc's int8 GEMM on an NVIDIA GPU against cuBLASLt (and 2:4 against
cuSPARSELt), when there is a GPU.

    python3 bench/gpu_bench.py

Without a GPU (no libcuda.so.1 or no device) it says so and exits 0; the
static figures that need no GPU are in bench/gpu_kernels.py.
"""
import ctypes
import sys


def find_gpu():
    """(name, compute capability) of CUDA device 0, or a reason there is
    none."""
    try:
        cuda = ctypes.CDLL("libcuda.so.1")
    except OSError as e:
        return None, f"no NVIDIA driver (cannot load libcuda.so.1: {e})"
    if cuda.cuInit(0) != 0:
        return None, "the CUDA driver does not start (cuInit failed)"
    count = ctypes.c_int(0)
    if cuda.cuDeviceGetCount(ctypes.byref(count)) != 0 or count.value == 0:
        return None, "no CUDA device"
    dev = ctypes.c_int(0)
    cuda.cuDeviceGet(ctypes.byref(dev), 0)
    name = ctypes.create_string_buffer(256)
    cuda.cuDeviceGetName(name, 256, dev)
    major, minor = ctypes.c_int(0), ctypes.c_int(0)
    cuda.cuDeviceGetAttribute(ctypes.byref(major), 75, dev)
    cuda.cuDeviceGetAttribute(ctypes.byref(minor), 76, dev)
    return (name.value.decode(), f"sm_{major.value}{minor.value}"), None


def main():
    gpu, reason = find_gpu()
    if gpu is None:
        print(f"gpu_bench: no GPU present: {reason}; nothing to measure.")
        print("gpu_bench: static kernel figures: python3 bench/gpu_kernels.py")
        return 0
    name, chip = gpu
    print(f"gpu_bench: found {name} ({chip})")
    # mc-run --device=cuda does not launch kernels yet (README, "NVIDIA
    # GPUs"), so there is no mc timing to put next to cuBLASLt's.
    print("gpu_bench: mc cannot run kernels on a GPU yet "
          "(mc-run --device=cuda); no measurement.")
    return 1


if __name__ == "__main__":
    sys.exit(main())
