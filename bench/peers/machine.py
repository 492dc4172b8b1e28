"""Machine limits measured by bench/peers/machine.c."""
import ctypes

from . import shim


def load():
    lib = shim("machine", "-lpthread")
    lib.clock_hz.restype = ctypes.c_double
    lib.read_bw.restype = ctypes.c_double
    lib.read_bw.argtypes = [ctypes.c_size_t, ctypes.c_int, ctypes.c_int]
    lib.issue_rate.restype = ctypes.c_double
    lib.issue_rate.argtypes = [ctypes.c_int]
    return lib


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown"


def cpuinfo_mhz():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("cpu MHz"):
                return float(line.split(":", 1)[1])
    return 0.0

