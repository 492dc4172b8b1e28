"""Peers of bench/run.py: small ctypes wrappers, one module per library.

`shim(name, flags)` compiles bench/peers/NAME.c into bench/.cache (once per
source change) with `cc -O3 -march=native -shared -fPIC` and loads it.
"""
import ctypes
import hashlib
import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
CACHE = os.path.join(os.path.dirname(HERE), ".cache")


def shim(name, *flags):
    src = os.path.join(HERE, name + ".c")
    with open(src, "rb") as f:
        key = hashlib.sha256(f.read() + " ".join(flags).encode()).hexdigest()[:12]
    os.makedirs(CACHE, exist_ok=True)
    so = os.path.join(CACHE, f"{name}-{key}.so")
    if not os.path.exists(so):
        cmd = ["cc", "-O3", "-march=native", "-shared", "-fPIC", "-o",
               so + ".tmp", src, *flags]
        subprocess.run(cmd, check=True)
        os.replace(so + ".tmp", so)
    return ctypes.CDLL(so)
