"""ggml from llama-cpp-python's bundled build, through bench/peers/ggml_shim.c.

The shim is compiled against ggml's public headers: the installed package's
if it ships them, else bench/.cache/ggml-include (bench/setup.sh copies them
there from the package's source distribution)."""
import ctypes
import glob
import os

import numpy as np

from . import CACHE, shim

_lib = None


def _paths():
    import llama_cpp
    root = os.path.dirname(llama_cpp.__file__)
    libdir = os.path.dirname(glob.glob(os.path.join(root, "**", "libggml-base.so"),
                                       recursive=True)[0])
    heads = glob.glob(os.path.join(root, "**", "ggml-cpu.h"), recursive=True)
    inc = os.path.dirname(heads[0]) if heads else os.path.join(CACHE, "ggml-include")
    if not os.path.exists(os.path.join(inc, "ggml-cpu.h")):
        raise RuntimeError("ggml headers not found: run bench/setup.sh")
    return inc, libdir


def lib():
    global _lib
    if _lib is None:
        inc, libdir = _paths()
        _lib = shim("ggml_shim", f"-I{inc}", f"-L{libdir}", f"-Wl,-rpath,{libdir}",
                    "-lggml", "-lggml-base", "-lggml-cpu")
        _lib.gg_type.argtypes = [ctypes.c_char_p]
        _lib.gg_bytes.restype = ctypes.c_size_t
        _lib.gg_bytes.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64]
        _lib.gg_create.restype = ctypes.c_void_p
        _lib.gg_create.argtypes = [ctypes.c_int] + [ctypes.c_int64] * 3 + [
            ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int,
            ctypes.POINTER(ctypes.c_int)]
        _lib.gg_run.argtypes = [ctypes.c_void_p] * 3
        _lib.gg_destroy.argtypes = [ctypes.c_void_p]
        _lib.gg_set_threads.argtypes = [ctypes.c_int]
    return _lib


def version():
    try:
        import llama_cpp
        return llama_cpp.__version__
    except ImportError:
        return "(not installed)"


def set_threads(n):
    lib().gg_set_threads(n)


class MulMat:
    """y = x . w for w (K x N f32) quantized by ggml to `kind` (q4_0, q4_k,
    q8_0); `repack` as llama.cpp does by default where ggml has a layout."""

    def __init__(self, kind, w, m, repack=True, dequantized=False):
        k, n = w.shape
        self.type = lib().gg_type(kind.encode())
        self.bytes = lib().gg_bytes(self.type, k, n)
        wt = np.ascontiguousarray(w.T)  # ggml rows run along K
        self.deq = np.empty((n, k), np.float32) if dequantized else None
        flag = ctypes.c_int(0)
        self.h = lib().gg_create(self.type, k, n, m, wt.ctypes.data,
                                 self.deq.ctypes.data if dequantized else None,
                                 int(repack), ctypes.byref(flag))
        self.repacked = bool(flag.value)
        self.out = np.zeros((m, n), np.float32)

    def dequantized(self):
        """ggml's own dequantization of the weight (K x N)."""
        return self.deq.T

    def bind(self, x):
        x = np.ascontiguousarray(x)
        run, h, px, py = lib().gg_run, self.h, x.ctypes.data, self.out.ctypes.data

        def call():
            if run(h, px, py):
                raise RuntimeError("ggml compute failed")
            return self.out
        call.keep = x
        return call

    def __del__(self):
        if getattr(self, "h", None):
            lib().gg_destroy(self.h)
