"""oneDNN matmul (int8 u8s8s32 and f32) through bench/peers/dnnl_shim.c."""
import ctypes

import numpy as np

from . import shim

_lib = None


def lib():
    global _lib
    if _lib is None:
        _lib = shim("dnnl_shim", "-fopenmp", "-ldnnl")
        _lib.mm_create.restype = ctypes.c_void_p
        _lib.mm_create.argtypes = [ctypes.c_int64] * 3 + [ctypes.c_int,
                                                          ctypes.c_void_p]
        _lib.mm_run.argtypes = [ctypes.c_void_p] * 3
        _lib.mm_destroy.argtypes = [ctypes.c_void_p]
        _lib.mm_set_threads.argtypes = [ctypes.c_int]
    return _lib


class Matmul:
    """y = a . w with w (K x N, int8 or f32) reordered once at creation;
    int8 takes a u8 activation and gives s32."""

    def __init__(self, w, m):
        k, n = w.shape
        self.int8 = w.dtype == np.int8
        self.h = lib().mm_create(m, n, k, int(self.int8),
                                 np.ascontiguousarray(w).ctypes.data)
        if not self.h:
            raise RuntimeError("oneDNN matmul creation failed")
        self.out = np.zeros((m, n), np.int32 if self.int8 else np.float32)

    def bind(self, a):
        a = np.ascontiguousarray(a)
        pa, pc = a.ctypes.data, self.out.ctypes.data
        run = lib().mm_run
        h = self.h

        def call():
            if run(h, pa, pc):
                raise RuntimeError("oneDNN matmul failed")
            return self.out
        call.keep = a
        return call

    def __del__(self):
        if getattr(self, "h", None):
            lib().mm_destroy(self.h)


def set_threads(n):
    lib().mm_set_threads(n)
