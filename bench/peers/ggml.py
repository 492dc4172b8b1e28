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
        _lib.gg_weight.restype = ctypes.c_void_p
        _lib.gg_weight.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64,
                                   ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int]
        _lib.gg_repacked.argtypes = [ctypes.c_void_p]
        _lib.gg_graph.restype = ctypes.c_void_p
        _lib.gg_graph.argtypes = [ctypes.c_void_p, ctypes.c_int64]
        _lib.gg_run.argtypes = [ctypes.c_void_p] * 3
        _lib.gg_free_graph.argtypes = [ctypes.c_void_p]
        _lib.gg_free_weight.argtypes = [ctypes.c_void_p]
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


def bytes_of(kind, k, n):
    return lib().gg_bytes(lib().gg_type(kind.encode()), k, n)


class Weight:
    """w (K x N f32) quantized by ggml to `kind` (q4_0, q4_k, q8_0, f16,
    bf16), in the
    CPU backend's repacked layout where ggml has one (llama.cpp's default);
    bind(x) gives a call computing x . w with ggml_mul_mat."""

    def __init__(self, kind, w, repack=True, dequantized=False):
        k, n = w.shape
        self.n = n
        wt = np.ascontiguousarray(w.T)  # ggml rows run along K
        self.deq = np.empty((n, k), np.float32) if dequantized else None
        self.h = lib().gg_weight(lib().gg_type(kind.encode()), k, n,
                                 wt.ctypes.data,
                                 self.deq.ctypes.data if dequantized else None,
                                 int(repack))
        self.repacked = bool(lib().gg_repacked(self.h))
        self.graphs = []

    def dequantized(self):
        """ggml's own dequantization of the weight (K x N)."""
        return self.deq.T

    def bind(self, x):
        x = np.ascontiguousarray(x)
        out = np.zeros((x.shape[0], self.n), np.float32)
        graph = lib().gg_graph(self.h, x.shape[0])
        self.graphs.append(graph)
        run, px, py = lib().gg_run, x.ctypes.data, out.ctypes.data

        def call():
            if run(graph, px, py):
                raise RuntimeError("ggml compute failed")
            return out
        call.keep = x
        return call

    def __del__(self):
        if getattr(self, "h", None):
            for graph in self.graphs:
                lib().gg_free_graph(graph)
            lib().gg_free_weight(self.h)
