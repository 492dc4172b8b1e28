"""MLIR for bench/run.py's mc cases, compiled with mc-compile and called
through ctypes.

Each generator returns MLIR text whose weights are compile-time constants
(`dense<"0x...">`); `compile_module` turns it into a loaded shared library
(cached under bench/.cache, keyed by the text and the mc-compile binary) and
`entry` wraps `_mlir_ciface_<name>`: one strided memref descriptor per
argument, then one per result, results allocated by the caller.
"""
import ctypes
import hashlib
import os
import re
import subprocess

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "build", "bin")
CACHE = os.path.join(ROOT, "bench", ".cache")
TARGET = "x86_64-linux-gnu"

_MLIR_TYPES = {np.dtype(np.int8): "i8", np.dtype(np.int32): "i32",
               np.dtype(np.float32): "f32"}


def tensor(shape, elt):
    return "tensor<" + "".join(f"{d}x" for d in shape) + elt + ">"


def dense_hex(array):
    """`dense<"0x...">` with the array's exact bytes (sub-byte integer
    types take one byte an element, as MLIR prints them)."""
    return 'dense<"0x' + np.ascontiguousarray(array).tobytes().hex().upper() + '">'


# --- IR forms -------------------------------------------------------------

def gemm_i8(b, m):
    """`@gemm(%a: M x K i8) -> M x N i32` = a . b exactly (s8 x s8 -> s32)
    with `b` (K x N int8) a constant."""
    k, n = b.shape
    at, bt, ct = tensor((m, k), "i8"), tensor((k, n), "i8"), tensor((m, n), "i32")
    return f"""func.func @gemm(%a: {at}) -> {ct} {{
  %b = arith.constant {dense_hex(b)} : {bt}
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : {ct}
  %c = linalg.fill ins(%zero : i32) outs(%e : {ct}) -> {ct}
  %r = linalg.matmul ins(%a, %b : {at}, {bt}) outs(%c : {ct}) -> {ct}
  return %r : {ct}
}}
"""


def quantize_groups(w, bits, group):
    """Symmetric narrow-range RNE quantization of `w` (K x N f32) in groups
    of `group` along K, as `--mc-quantize="bits=B granularity=group"` does:
    scale = max|w| / (2^(B-1) - 1) (1 for an all-zero group), q = clamp(
    roundeven(w / scale)). Returns (q int8 K x N, scales f32 K/G x N)."""
    k, n = w.shape
    qmax = np.float32(2 ** (bits - 1) - 1)
    g = w.reshape(k // group, group, n)
    s = np.abs(g).max(axis=1) / qmax
    s = np.where(s > 0, s, np.float32(1)).astype(np.float32)
    q = np.clip(np.round(g / s[:, None, :]), -qmax, qmax).astype(np.int8)
    return q.reshape(k, n), s


def dequantize_groups(q, s):
    k, n = q.shape
    group = k // s.shape[0]
    return (q.reshape(k // group, group, n).astype(np.float32) *
            s[:, None, :]).reshape(k, n)


def weight_only(q, s, bits, m, name="wq"):
    """`@NAME(%x: M x K f32) -> M x N f32` = x . decode(W), W an mc.assemble
    of the int payload `q` (K x N) and group scales `s` (K/G x N): the form
    `--mc-quantize="bits=B granularity=group group-size=G"` leaves."""
    k, n = q.shape
    group = k // s.shape[0]
    xt, yt = tensor((m, k), "f32"), tensor((m, n), "f32")
    wt, st = tensor((k, n), "f32"), tensor(s.shape, "f32")
    pt = tensor((k, n), f"i{bits}")
    ct = (f"!mc.compressed<{k}x{n}xf32, #mc.uniform<i{bits}, "
          f"block = [{group}, 1], narrow>>")
    return f"""func.func @{name}(%x: {xt}) -> {yt} {{
  %zero = arith.constant 0.000000e+00 : f32
  %e = tensor.empty() : {yt}
  %y0 = linalg.fill ins(%zero : f32) outs(%e : {yt}) -> {yt}
  %q = arith.constant {dense_hex(q)} : {pt}
  %s = arith.constant {dense_hex(s)} : {st}
  %c = mc.assemble %q, %s : ({pt}, {st}) -> {ct}
  %w = mc.decode %c : {ct} -> {wt}
  %y = linalg.matmul ins(%x, %w : {xt}, {wt}) outs(%y0 : {yt}) -> {yt}
  return %y : {yt}
}}
"""


def weight_only_float(bits, s, storage, m, name="wf"):
    """`@NAME(%x: M x K f32) -> M x N f32` = x . decode(W), W an mc.assemble
    of the `storage` (f16, bf16, f8E4M3FN, f8E5M2) payload `bits` (K x N,
    unsigned ints of the raw bits) and per-column scales `s` (N), or
    unscaled if `s` is None: the form `--mc-quantize=type=...` leaves."""
    k, n = bits.shape
    xt, yt = tensor((m, k), "f32"), tensor((m, n), "f32")
    wt, pt = tensor((k, n), "f32"), tensor((k, n), storage)
    parts, types, sdef, enc = "%q", pt, "", storage
    if s is not None:
        st = tensor(s.shape, "f32")
        sdef = f"  %s = arith.constant {dense_hex(s)} : {st}\n"
        parts, types, enc = "%q, %s", f"{pt}, {st}", storage + ", axis = 1"
    ct = f"!mc.compressed<{k}x{n}xf32, #mc.float<{enc}>>"
    return f"""func.func @{name}(%x: {xt}) -> {yt} {{
  %zero = arith.constant 0.000000e+00 : f32
  %e = tensor.empty() : {yt}
  %y0 = linalg.fill ins(%zero : f32) outs(%e : {yt}) -> {yt}
  %q = arith.constant {dense_hex(bits)} : {pt}
{sdef}  %c = mc.assemble {parts} : ({types}) -> {ct}
  %w = mc.decode %c : {ct} -> {wt}
  %y = linalg.matmul ins(%x, %w : {xt}, {wt}) outs(%y0 : {yt}) -> {yt}
  return %y : {yt}
}}
"""


def weight_only_dynamic(q, s, bits, m, name="wqd"):
    """`weight_only` with int8 activations quantized at run time (W4A8 /
    W8A8 per group): the form `--mc-quantize="bits=B granularity=group
    group-size=G activations=dynamic"` leaves, on the same payload and
    scales. Per row sx = max|x| / 127, qx = mc.encode(x); exact i32 products
    per group P; a += f32(P) * s over the groups; y = 0 + a * sx."""
    k, n = q.shape
    g = k // s.shape[0]
    xt, yt, rt = tensor((m, k), "f32"), tensor((m, n), "f32"), tensor((m,), "f32")
    qt, x3 = tensor((m, k), "i8"), tensor((m, k // g, g), "i8")
    pt, st = tensor((k // g, g, n), f"i{bits}"), tensor(s.shape, "f32")
    at = tensor((m, k // g, n), "i32")
    ct = f"!mc.compressed<{m}x{k}xf32, #mc.uniform<i8, axis = 0, narrow>>"
    return f"""func.func @{name}(%x: {xt}) -> {yt} {{
  %f0 = arith.constant 0.000000e+00 : f32
  %i0 = arith.constant 0 : i32
  %e = tensor.empty() : {rt}
  %z = linalg.fill ins(%f0 : f32) outs(%e : {rt}) -> {rt}
  %amax = linalg.generic {{indexing_maps = [affine_map<(m, k) -> (m, k)>, affine_map<(m, k) -> (m)>], iterator_types = ["parallel", "reduction"]}} ins(%x : {xt}) outs(%z : {rt}) {{
  ^bb0(%a: f32, %o: f32):
    %abs = math.absf %a : f32
    %r = arith.maximumf %o, %abs : f32
    linalg.yield %r : f32
  }} -> {rt}
  %sx = linalg.generic {{indexing_maps = [affine_map<(m) -> (m)>, affine_map<(m) -> (m)>], iterator_types = ["parallel"]}} ins(%amax : {rt}) outs(%e : {rt}) {{
  ^bb0(%a: f32, %o: f32):
    %c127 = arith.constant 1.270000e+02 : f32
    %c1 = arith.constant 1.000000e+00 : f32
    %d = arith.divf %a, %c127 : f32
    %pos = arith.cmpf ogt, %d, %f0 : f32
    %r = arith.select %pos, %d, %c1 : f32
    linalg.yield %r : f32
  }} -> {rt}
  %cx = mc.encode %x, %sx : ({xt}, {rt}) -> {ct}
  %qx, %sx2 = mc.disassemble %cx : {ct} -> {qt}, {rt}
  %x3 = tensor.expand_shape %qx [[0], [1, 2]] output_shape [{m}, {k // g}, {g}] : {qt} into {x3}
  %q = arith.constant {dense_hex(q.reshape(k // g, g, n))} : {pt}
  %s = arith.constant {dense_hex(s)} : {st}
  %ea = tensor.empty() : {at}
  %a0 = linalg.fill ins(%i0 : i32) outs(%ea : {at}) -> {at}
  %p = linalg.generic {{indexing_maps = [affine_map<(m, g, n, t) -> (m, g, t)>, affine_map<(m, g, n, t) -> (g, t, n)>, affine_map<(m, g, n, t) -> (m, g, n)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}} ins(%x3, %q : {x3}, {pt}) outs(%a0 : {at}) {{
  ^bb0(%a: i8, %b: i{bits}, %o: i32):
    %a32 = arith.extsi %a : i8 to i32
    %b32 = arith.extsi %b : i{bits} to i32
    %ab = arith.muli %a32, %b32 : i32
    %r = arith.addi %o, %ab : i32
    linalg.yield %r : i32
  }} -> {at}
  %ey = tensor.empty() : {yt}
  %y0 = linalg.fill ins(%f0 : f32) outs(%ey : {yt}) -> {yt}
  %a = linalg.generic {{indexing_maps = [affine_map<(m, n, g) -> (m, g, n)>, affine_map<(m, n, g) -> (g, n)>, affine_map<(m, n, g) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]}} ins(%p, %s : {at}, {st}) outs(%y0 : {yt}) {{
  ^bb0(%pg: i32, %sg: f32, %o: f32):
    %f = arith.sitofp %pg : i32 to f32
    %fs = arith.mulf %f, %sg : f32
    %sum = arith.addf %o, %fs : f32
    linalg.yield %sum : f32
  }} -> {yt}
  %y = linalg.generic {{indexing_maps = [affine_map<(m, n) -> (m, n)>, affine_map<(m, n) -> (m)>, affine_map<(m, n) -> (m, n)>], iterator_types = ["parallel", "parallel"]}} ins(%a, %sx : {yt}, {rt}) outs(%y0 : {yt}) {{
  ^bb0(%v: f32, %r: f32, %o: f32):
    %vx = arith.mulf %v, %r : f32
    %sum = arith.addf %o, %vx : f32
    linalg.yield %sum : f32
  }} -> {yt}
  return %y : {yt}
}}
"""


def matmul_f32(w, m, name="f"):
    """`@NAME(%x: M x K f32) -> M x N f32` = x . w, `w` a constant."""
    k, n = w.shape
    xt, wt, yt = tensor((m, k), "f32"), tensor((k, n), "f32"), tensor((m, n), "f32")
    return f"""func.func @{name}(%x: {xt}) -> {yt} {{
  %w = arith.constant {dense_hex(w)} : {wt}
  %zero = arith.constant 0.000000e+00 : f32
  %e = tensor.empty() : {yt}
  %y0 = linalg.fill ins(%zero : f32) outs(%e : {yt}) -> {yt}
  %y = linalg.matmul ins(%x, %w : {xt}, {wt}) outs(%y0 : {yt}) -> {yt}
  return %y : {yt}
}}
"""


def dynamic_int8(w, m):
    """W8A8 with dynamic activations: mc's own `--mc-quantize="bits=8
    activations=dynamic"` applied to `x . w` (per-channel int8 weights,
    per-row int8 activations quantized at run time, int32 matmul)."""
    return mc_opt(matmul_f32(w, m), "--mc-quantize=bits=8 activations=dynamic")


# Hooks for IR forms that are not defined yet. Each returns MLIR text with
# one public function of the stated signature, or None (the bench then shows
# n/a for mc).

def prune_2_4(b):
    """`b` (K x N int8, K a multiple of 4) keeping the 2 largest magnitudes
    of every 4 along K (the first on ties), the rest zero."""
    k, n = b.shape
    groups = np.abs(b.astype(np.int16)).T.reshape(n, k // 4, 4)
    keep = np.argsort(-groups, axis=2, kind="stable")[:, :, :2]
    mask = np.zeros_like(groups, bool)
    np.put_along_axis(mask, keep, True, axis=2)
    return np.where(mask.reshape(n, k).T, b, 0).astype(np.int8)


def sparse_2_4_i8(b, m):
    """2:4 sparse int8 GEMM: `b` (K x N int8) has at most 2 non-zeros in
    every 4 consecutive elements along K; `@gemm(%a: M x K i8) -> M x N
    i32` = a . b exactly. The plain GEMM: mc-cpu-kernels finds the 2:4
    pattern in the constant and picks its 2:4 kernel."""
    return gemm_i8(b, m)


def sparse_f32(w, m):
    """Unstructured sparse f32 (bitmask or CSR) GEMV/GEMM: `w` (K x N f32)
    mostly zeros; `@f(%x: M x K f32) -> M x N f32` = x . w. The plain
    matmul: mc-cpu-kernels takes weights >= 70 % zeros to its bitmask
    kernel."""
    return matmul_f32(w, m)


# --- compiling and calling ------------------------------------------------

def mc_opt(text, *args):
    return subprocess.run([os.path.join(BIN, "mc-opt"), *args,
                           "--mlir-print-elementsattrs-with-hex-if-larger=1"],
                          input=text, text=True, check=True,
                          capture_output=True).stdout


_OPTIONS = None


def compile_options(threads):
    """mc-compile flags for this host: `--mcpu=host` if accepted, else the
    CPU LLVM detects (llc --version), else znver5; the kernels' thread count
    (`--num-threads=N`, or a documented `--threads=N`) where mc-compile has
    one."""
    global _OPTIONS
    if _OPTIONS is None:
        exe = os.path.join(BIN, "mc-compile")
        probe = os.path.join(_cache_dir(), "probe.mlir")
        with open(probe, "w") as f:
            f.write("func.func @f(%a: tensor<1xf32>) -> tensor<1xf32> {\n"
                    "  return %a : tensor<1xf32>\n}\n")
        ok = subprocess.run([exe, probe, f"--target={TARGET}", "--mcpu=host",
                             "--emit=llvm", "-o", os.devnull],
                            capture_output=True).returncode == 0
        cpu = "host" if ok else _llvm_host_cpu() or "znver5"
        help_text = subprocess.run([exe, "--help"], capture_output=True,
                                   text=True).stdout
        # LLVM registers an undocumented --threads of its own: only a
        # documented one is mc's.
        found = re.search(r"--(num-threads|threads)=\S*\s+- \S", help_text)
        threads_opt = found.group(1) if found else None
        _OPTIONS = (cpu, threads_opt)
    cpu, threads_opt = _OPTIONS
    flags = [f"--target={TARGET}", f"--mcpu={cpu}"]
    if threads_opt:
        flags.append(f"--{threads_opt}={threads}")
    return flags


def threads_supported():
    compile_options(1)
    return _OPTIONS[1] is not None


def is_parallel(lib):
    """Whether a compiled module forks OpenMP threads (else its code runs
    on one thread whatever the thread option said)."""
    out = subprocess.run(["nm", "-D", "--undefined-only", lib._name],
                         capture_output=True, text=True).stdout
    return "__kmpc_fork_call" in out


def _llvm_host_cpu():
    for llc in ("/usr/lib/llvm-22/bin/llc", "llc"):
        try:
            out = subprocess.run([llc, "--version"], capture_output=True,
                                 text=True).stdout
        except OSError:
            continue
        found = re.search(r"Host CPU:\s*(\S+)", out)
        if found:
            return found.group(1)
    return None


def _cache_dir():
    os.makedirs(CACHE, exist_ok=True)
    return CACHE


def _tool_stamp():
    st = os.stat(os.path.join(BIN, "mc-compile"))
    return f"{st.st_mtime_ns}:{st.st_size}"


def _module_dir():
    """bench/.cache/mc-<stamp>: modules of the current mc-compile; those of
    earlier builds are deleted (they can take gigabytes)."""
    import shutil
    name = "mc-" + hashlib.sha256(_tool_stamp().encode()).hexdigest()[:12]
    for old in os.listdir(_cache_dir()):
        if old.startswith("mc-") and old != name:
            shutil.rmtree(os.path.join(CACHE, old), ignore_errors=True)
    path = os.path.join(CACHE, name)
    os.makedirs(path, exist_ok=True)
    return path


def compile_module(text, threads=1, key=None, cpu=None, isa=None):
    """Compiles MLIR text to a shared library and loads it. Cached under the
    text, or under `key` (then `text` may be a function giving the text, so
    a cached module costs no generation). `cpu` replaces this host's
    `--mcpu`; `isa` is mc-compile's `--isa` (default: the CPU's best)."""
    flags = compile_options(threads)
    if cpu:
        flags = [f"--mcpu={cpu}" if f.startswith("--mcpu=") else f
                 for f in flags]
    if isa:
        flags = flags + [f"--isa={isa}"]
    ident = " ".join(flags) + (key or text)
    base = os.path.join(_module_dir(), hashlib.sha256(ident.encode())
                        .hexdigest()[:24])
    so = base + ".so"
    if not os.path.exists(so):
        with open(base + ".mlir", "w") as f:
            f.write(text() if callable(text) else text)
        exe = os.path.join(BIN, "mc-compile")
        try:
            subprocess.run([exe, base + ".mlir", *flags, "--emit=obj", "-o",
                            base + ".o", "--header=" + base + ".h"],
                           check=True, capture_output=True, text=True)
            link = subprocess.run([exe, "--print-link-flags",
                                   f"--target={TARGET}"], check=True,
                                  capture_output=True, text=True).stdout.split()
            subprocess.run(["cc", "-shared", "-o", so + ".tmp", base + ".o",
                            *link, "-lm", "-lpthread"], check=True,
                           capture_output=True, text=True)
        except subprocess.CalledProcessError as e:
            raise RuntimeError(f"{' '.join(e.cmd[:2])}: {e.stderr.strip()}")
        finally:
            for ext in (".mlir", ".o"):
                if os.path.exists(base + ext):
                    os.remove(base + ext)
        os.replace(so + ".tmp", so)
    return ctypes.CDLL(so)


def unload(lib):
    """dlclose a module (its weights can be hundreds of MB)."""
    import _ctypes
    _ctypes.dlclose(lib._handle)


def _descriptor(rank):
    fields = [("allocated", ctypes.c_void_p), ("aligned", ctypes.c_void_p),
              ("offset", ctypes.c_int64)]
    if rank:
        fields += [("sizes", ctypes.c_int64 * rank),
                   ("strides", ctypes.c_int64 * rank)]
    return type(f"Memref{rank}D", (ctypes.Structure,), {"_fields_": fields})


def _describe(array):
    """A memref descriptor viewing a C-contiguous numpy array."""
    assert array.flags.c_contiguous
    d = _descriptor(array.ndim)()
    d.allocated = d.aligned = array.ctypes.data
    d.offset = 0
    if array.ndim:
        d.sizes[:] = array.shape
        d.strides[:] = [s // array.itemsize for s in array.strides]
    return d


class Entry:
    """`_mlir_ciface_<name>` bound to fixed argument and result arrays, so a
    timed call passes prebuilt descriptors only."""

    def __init__(self, lib, name, args, results):
        self.fn = getattr(lib, "_mlir_ciface_" + name)
        self.fn.restype = None
        self.arrays = list(args) + list(results)
        self.descs = [_describe(a) for a in self.arrays]
        self.ptrs = [ctypes.byref(d) for d in self.descs]
        self.results = list(results)

    def __call__(self):
        self.fn(*self.ptrs)
        return self.results
