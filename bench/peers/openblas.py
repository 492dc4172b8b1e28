"""OpenBLAS cblas_sgemm / cblas_sgemv (Debian's libopenblas) via ctypes."""
import ctypes

_lib = None
ROW_MAJOR, NO_TRANS = 101, 111


def lib():
    global _lib
    if _lib is None:
        _lib = ctypes.CDLL("libopenblas.so.0")
        _lib.openblas_set_num_threads.argtypes = [ctypes.c_int]
        _lib.openblas_get_config.restype = ctypes.c_char_p
    return _lib


def set_threads(n):
    lib().openblas_set_num_threads(n)


def config():
    try:
        return lib().openblas_get_config().decode()
    except OSError:
        return "OpenBLAS (not installed)"


def bind(x, w, out):
    """y = x . w (row-major f32); sgemv when x has one row."""
    m, k = x.shape
    n = w.shape[1]
    f, i = ctypes.c_float, ctypes.c_int
    px, pw, py = (ctypes.c_void_p(a.ctypes.data) for a in (x, w, out))
    if m == 1:
        # y^T = w^T x^T: row-major w (K x N) transposed times x.
        fn = lib().cblas_sgemv
        args = (ROW_MAJOR, 112, i(k), i(n), f(1), pw, i(n), px, i(1), f(0),
                py, i(1))
    else:
        fn = lib().cblas_sgemm
        args = (ROW_MAJOR, NO_TRANS, NO_TRANS, i(m), i(n), i(k), f(1), px,
                i(k), pw, i(n), f(0), py, i(n))

    def call():
        fn(*args)
        return out
    call.keep = (x, w, out)
    return call
