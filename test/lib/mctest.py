"""Helpers for mc's execution tests: run mc-run on numpy arrays."""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np


def run(mlir, entry, inputs, num_outputs, extra_args=()):
    """JIT-runs `entry` of the MLIR text `mlir` on `inputs` with mc-run and
    returns its results as numpy arrays. With MCTEST_ISA set in the
    environment, calls without their own --isa or --reference run that
    kernel ISA (e.g. `MCTEST_ISA=avx2 lit build/test/e2e` checks every
    kernel on another ISA this CPU runs)."""
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "in.mlir")
        with open(src, "w") as f:
            f.write(mlir)
        args = ["mc-run", src, "--entry=" + entry, *extra_args]
        if os.environ.get("MCTEST_ISA") and not any(
                a.startswith("--isa") or a == "--reference" for a in extra_args):
            args.append("--isa=" + os.environ["MCTEST_ISA"])
        for i, array in enumerate(inputs):
            path = os.path.join(tmp, f"in{i}.npy")
            np.save(path, array)
            args.append("--input=" + path)
        outs = [os.path.join(tmp, f"out{i}.npy") for i in range(num_outputs)]
        args += ["--output=" + p for p in outs]
        subprocess.run(args, check=True)
        return [np.load(p) for p in outs]


def calibrate(mlir, entry, inputs, num_outputs):
    """`run` with `mc-run --calibrate`: (the activation ranges it writes,
    as a dict, and the results)."""
    with tempfile.TemporaryDirectory() as tmp:
        ranges = os.path.join(tmp, "ranges.json")
        outputs = run(mlir, entry, inputs, num_outputs,
                      ["--calibrate=" + ranges])
        with open(ranges) as f:
            return json.load(f), outputs


def static_activation_params(lo, hi, symmetric=True):
    """`--mc-quantize=activations=static`'s int8 scale and zero point for
    the calibrated range [lo, hi] (f32): max(|lo|, |hi|) / 127 and 0, or
    with activation-symmetric=false (hi' - lo') / 255 over lo' = min(lo, 0),
    hi' = max(hi, 0) and the zero point clip(round(-lo' / s), 0, 255) - 128
    (a zero scale is 1)."""
    lo, hi = np.float32(lo), np.float32(hi)
    if symmetric:
        s = max(abs(lo), abs(hi)) / np.float32(127)
        return (s if s > 0 else np.float32(1)), 0
    lo, hi = min(lo, np.float32(0)), max(hi, np.float32(0))
    s = (hi - lo) / np.float32(255)
    if not s > 0:
        return np.float32(1), -128
    return s, int(np.clip(np.round(-lo / s), 0, 255)) - 128


def demo_mlp():
    """The demo's digits MLP (examples/digits): its IR builder
    `build(weights, biases, batch)`, weights and biases."""
    digits = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                          "..", "examples", "digits")
    sys.path.insert(0, digits)
    from mlp_ir import build, load_weights
    weights, biases = load_weights(os.path.join(digits, "weights.npz"))
    return build, weights, biases


def host_isas():
    """The kernel ISAs of `mc-run --isa` this x86-64 CPU runs, best first
    (mc::getKernelIsas' rules on /proc/cpuinfo's flags), ending with
    "generic"."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = set(next((line for line in f if line.startswith("flags")),
                             "").split())
    except OSError:
        flags = set()
    isas = []
    if {"avx512_vnni", "avx512bw"} <= flags:
        isas.append("avx512-vnni")
    if "avx_vnni" in flags or {"avx512_vnni", "avx512vl"} <= flags:
        isas.append("avx-vnni")
    if "avx2" in flags:
        isas.append("avx2")
    return isas + ["generic"]


def opt(mlir, *args):
    """Runs mc-opt with `args` on the MLIR text and returns its output."""
    return subprocess.run(["mc-opt", *args], input=mlir, text=True,
                          check=True, capture_output=True).stdout


def mlir_type(shape, dtype):
    dims = "".join(f"{d}x" for d in shape)
    return f"tensor<{dims}{dtype}>"


def _matmul_func(m, k, n, defs):
    """`@f(%x: M x K) -> M x N` = x . %w, where the lines `defs` define %w
    (K x N f32)."""
    xt, wt, yt = (mlir_type([m, k], "f32"), mlir_type([k, n], "f32"),
                  mlir_type([m, n], "f32"))
    return f"""
func.func @f(%x: {xt}) -> {yt} {{
{defs}  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : {yt}
  %i = linalg.fill ins(%z : f32) outs(%e : {yt}) -> {yt}
  %y = linalg.matmul ins(%x, %w : {xt}, {wt}) outs(%i : {yt}) -> {yt}
  return %y : {yt}
}}"""


def matmul_model(w, batch):
    """MLIR text of `@f(%x: batch x K) -> x . w` with `w` (K x N) as an
    exact constant weight."""
    k, n = w.shape
    wt = mlir_type([k, n], "f32")
    return _matmul_func(batch, k, n,
                        f"  %w = arith.constant {dense_hex(w)} : {wt}\n")


def assembled_matmul_ir(m, k, n, defs, parts, types, encoding):
    """`@f(%x: M x K) -> M x N` = x . decode(assemble(`parts`)) (SSA names,
    of MLIR `types`, defined by the lines `defs`) of a K x N f32 weight with
    `encoding`."""
    ct = f"!mc.compressed<{k}x{n}xf32, {encoding}>"
    return _matmul_func(m, k, n, f"""{defs}  %c = mc.assemble {parts} : ({types}) -> {ct}
  %w = mc.decode %c : {ct} -> {mlir_type([k, n], "f32")}
""")


def matmul_init_model(w, batch, resource=False):
    """`@f(%x, %c) -> c + x . w` (f32) with `w` (K x N) inline or as a
    dense_resource."""
    k, n = w.shape
    xt, wt, yt = (mlir_type([batch, k], "f32"), mlir_type([k, n], "f32"),
                  mlir_type([batch, n], "f32"))
    weight, blob = dense_hex(w), ""
    if resource:
        weight = "dense_resource<w>"
        blob = ('\n{-#\n  dialect_resources: {\n    builtin: {\n      w: "0x04000000'
                + w.tobytes().hex() + '"\n    }\n  }\n#-}\n')
    return f"""
func.func @f(%x: {xt}, %c: {yt}) -> {yt} {{
  %w = arith.constant {weight} : {wt}
  %y = linalg.matmul ins(%x, %w : {xt}, {wt}) outs(%c : {yt}) -> {yt}
  return %y : {yt}
}}""" + blob


def check_exact_configs(ir, inputs, want, configs, label=()):
    """Runs @f of `ir` on `inputs` with each (isa, threads) of `configs` and
    asserts the f32 result equals `want` exactly."""
    for isa, threads in configs:
        (got,) = run(ir, "f", inputs, 1,
                     [f"--isa={isa}", f"--num-threads={threads}"])
        assert got.dtype == np.float32 and (got == want).all(), \
            (*label, isa, threads, np.argwhere(got != want)[:5])


def check_close_configs(ir, inputs, want, configs, exact, label=()):
    """Runs @f of `ir` on `inputs` with the reference lowering and with each
    (isa, threads) of `configs`. `exact`: every result equals `want` (numpy's
    float64 result) bit for bit; else all of them, the reference included,
    are within 1e-5 of `want`'s norm of `want` and of each other."""
    (ref,) = run(ir, "f", inputs, 1, ["--reference"])
    tol = 1e-5 * np.linalg.norm(want)
    assert np.abs(ref - want).max() <= tol, label
    for isa, threads in configs:
        (got,) = run(ir, "f", inputs, 1,
                     [f"--isa={isa}", f"--num-threads={threads}"])
        assert got.dtype == np.float32 and got.shape == want.shape, label
        if exact:
            assert (got == want).all() and (got == ref).all(), \
                (*label, isa, threads, np.argwhere(got != want)[:5])
        else:
            for other in (want, ref):
                err = np.abs(got - other).max()
                assert err <= tol, (*label, isa, threads, err, tol)


def with_bias_relu(ir, batch, bias, accumulate=False):
    """`matmul_model`'s IR with relu(y + bias) (bias: N f32) fused after the
    matmul as an element-wise linalg.generic. With `accumulate`, @f takes
    one more argument %c (batch x N), the generic's output operand, and
    returns c + relu(y + bias)."""
    n = bias.shape[0]
    yt, bt = mlir_type([batch, n], "f32"), mlir_type([n], "f32")
    out, tail = "%o", "linalg.yield %relu"
    if accumulate:
        ir = ir.replace(") -> " + yt + " {", f", %c: {yt}) -> {yt} {{", 1)
        out = "%c"
        tail = "%t = arith.addf %relu, %out : f32\n    linalg.yield %t"
    return ir.replace(f"  return %y : {yt}", f"""  %b = arith.constant {dense_hex(bias)} : {bt}
  %o = tensor.empty() : {yt}
  %r = linalg.generic {{indexing_maps = [affine_map<(i, j) -> (i, j)>,
                         affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>],
                        iterator_types = ["parallel", "parallel"]}}
      ins(%y, %b : {yt}, {bt}) outs({out} : {yt}) {{
  ^bb0(%a: f32, %bb: f32, %out: f32):
    %c0 = arith.constant 0.0 : f32
    %sum = arith.addf %a, %bb : f32
    %relu = arith.maximumf %sum, %c0 : f32
    {tail} : f32
  }} -> {yt}
  return %r : {yt}""")


def weight_only_ir(q, s, zp, storage, granularity, m, resource=False):
    """`@f(%x: M x K) -> M x N` = x . decode(assemble(q, s[, zp])), the
    payload inline or as a dense_resource."""
    k, n = q.shape
    bits = int(storage.lstrip("ui"))
    pt, st = mlir_type([k, n], f"i{bits}"), mlir_type(s.shape, "f32")
    enc = f"#mc.uniform<{storage}{granularity}" + \
        (", zero_point" if zp is not None else "") + ">"
    parts, types, blob = "%q, %s", f"{pt}, {st}", ""
    payload = dense_hex(q.astype(np.int8))
    if resource:
        payload = "dense_resource<q>"
        blob = ('\n{-#\n  dialect_resources: {\n    builtin: {\n      q: "0x01000000'
                + q.astype(np.int8).tobytes().hex() + '"\n    }\n  }\n#-}\n')
    defs = (f"  %q = arith.constant {payload} : {pt}\n"
            f"  %s = arith.constant {dense_hex(s.astype(np.float32))} : {st}\n")
    if zp is not None:
        zt = mlir_type(zp.shape, "i32")
        parts += ", %zp"
        types += f", {zt}"
        defs += f"  %zp = arith.constant {dense_hex(zp.astype(np.int32))} : {zt}\n"
    return assembled_matmul_ir(m, k, n, defs, parts, types, enc) + blob


def make_weight(rng, k, n, storage, group, zero_point, scale_fn):
    """Random payload, scales (`scale_fn(shape)`) and zero points of a K x N
    #mc.uniform `storage` weight, its encoding's granularity and the
    dequantized weight (float64); `group` is G (block [G, 1]), "channel"
    (axis 1) or "tensor"."""
    bits = int(storage.lstrip("ui"))
    signed = not storage.startswith("u")
    lo, hi = (-(1 << (bits - 1)), 1 << (bits - 1)) if signed else (0, 1 << bits)
    q = rng.integers(lo, hi, (k, n))
    if group == "channel":
        sshape, gran, expand = (n,), ", axis = 1", lambda a: a[None, :]
    elif group == "tensor":
        sshape, gran, expand = (), "", lambda a: a
    else:
        sshape, gran = (k // group, n), f", block = [{group}, 1]"
        expand = lambda a: np.repeat(a, group, axis=0)
    s = scale_fn(sshape).astype(np.float32)
    zp = rng.integers(lo, hi, sshape) if zero_point else None
    deq = (q - (expand(zp) if zp is not None else 0)).astype(np.float64) * \
        expand(s.astype(np.float64))
    return q, s, zp, gran, deq


def dynamic_group_model(w, x, bits, g, bias=None):
    """`matmul_model(w, len(x))` (relu(y + bias) fused if `bias`) after
    `--mc-quantize=activations=dynamic granularity=group`, and numpy's
    evaluation of that form's definition on `x` (int8 activations with row
    scales, exact i32 products per group, a += f32(P_g) * sw_g for g
    ascending, y = 0 + a * sx): (IR, expected y, the group scales)."""
    m, k = x.shape
    n = w.shape[1]
    model = matmul_model(w, m)
    if bias is not None:
        model = with_bias_relu(model, m, bias)
    ir = opt(model, f"--mc-quantize=activations=dynamic bits={bits} "
             f"granularity=group group-size={g}",
             "--mlir-print-elementsattrs-with-hex-if-larger=1")
    consts = parse_constants(ir)
    qw = next(v for v in consts.values() if v.shape == (k // g, g, n))
    sw = next(v for v in consts.values()
              if v.shape == (k // g, n) and v.dtype == np.float32)
    sx = np.abs(x).max(axis=1) / np.float32(127)
    sx = np.where(sx > 0, sx, np.float32(1)).astype(np.float32)
    qx = np.clip(np.round(x / sx[:, None]), -127, 127).astype(np.int64)
    p = np.einsum("mgt,gtn->mgn", qx.reshape(m, k // g, g),
                  qw.reshape(k // g, g, n).astype(np.int64))
    a = np.zeros((m, n), np.float32)
    for gi in range(k // g):
        a = a + p[:, gi, :].astype(np.float32) * sw[gi]
    want = np.float32(0) + a * sx[:, None]
    if bias is not None:
        want = np.maximum(want + bias, np.float32(0))
    return ir, want, sw


def scale_index(shape, axis=None, block=None):
    """For each element (C order) of `shape`, the flat index of its scale."""
    idx = np.indices(shape).reshape(len(shape), -1)
    if axis is not None:
        return idx[axis]
    if block is None:
        return np.zeros(idx.shape[1], dtype=np.int64)
    sshape = [d // b for d, b in zip(shape, block)]
    return np.ravel_multi_index(tuple(i // b for i, b in zip(idx, block)),
                                sshape)


def quantize_uniform(x, scales, zps, bits, signed, narrow, axis=None,
                     block=None):
    """numpy reference of mc's uniform encode: float32 division, round half
    to even, add the zero point, NaN -> zero point, clamp, convert."""
    qmin = -(1 << (bits - 1)) if signed else 0
    qmax = (1 << (bits - 1)) - 1 if signed else (1 << bits) - 1
    if narrow:
        qmin += 1
    si = scale_index(x.shape, axis, block)
    s = scales.reshape(-1)[si].astype(np.float32)
    z = (zps.reshape(-1)[si] if zps is not None else np.zeros_like(si)
         ).astype(np.float32)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.round(x.reshape(-1).astype(np.float32) / s) + z
    r = np.where(np.isnan(r), z, r)
    r = np.clip(r, qmin, qmax)
    return r.astype(np.int64).reshape(x.shape)


def dequantize_uniform(q, scales, zps, axis=None, block=None):
    si = scale_index(q.shape, axis, block)
    s = scales.reshape(-1)[si].astype(np.float32)
    z = zps.reshape(-1)[si] if zps is not None else 0
    return ((q.reshape(-1).astype(np.int64) - z).astype(np.float32) *
            s).reshape(q.shape)


def dense_hex(array):
    """A `dense<"0x...">` attribute with the exact bytes of `array`."""
    return 'dense<"0x' + np.ascontiguousarray(array).tobytes().hex().upper() + '">'


def requant_gemm_ir(b, bias, scale, m, name="f"):
    """@name(%a: m x K i8) -> m x N i8: an i8 GEMM with the constant weight
    `b` (K x N) and a requantization of the i32 result: + bias (i32 per
    column), * scale (f32 per column), round to even, + zero point 3, ReLU,
    clamp to 127."""
    k, n = b.shape
    it, ot = f"tensor<{m}x{n}xi32>", f"tensor<{m}x{n}xi8>"
    return f"""
#mn = affine_map<(d0, d1) -> (d0, d1)>
#n = affine_map<(d0, d1) -> (d1)>
func.func @{name}(%a: tensor<{m}x{k}xi8>) -> {ot} {{
  %b = arith.constant {dense_hex(b)} : tensor<{k}x{n}xi8>
  %bias = arith.constant {dense_hex(bias)} : tensor<{n}xi32>
  %scale = arith.constant {dense_hex(scale)} : tensor<{n}xf32>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : {it}
  %c = linalg.fill ins(%z : i32) outs(%e : {it}) -> {it}
  %r = linalg.matmul ins(%a, %b : tensor<{m}x{k}xi8>, tensor<{k}x{n}xi8>) outs(%c : {it}) -> {it}
  %o = tensor.empty() : {ot}
  %q = linalg.generic {{indexing_maps = [#mn, #n, #n, #mn],
                       iterator_types = ["parallel", "parallel"]}}
      ins(%r, %bias, %scale : {it}, tensor<{n}xi32>, tensor<{n}xf32>)
      outs(%o : {ot}) {{
  ^bb0(%acc: i32, %bi: i32, %s: f32, %out: i8):
    %lo = arith.constant 0.0 : f32
    %hi = arith.constant 127.0 : f32
    %zp = arith.constant 3.0 : f32
    %sum = arith.addi %acc, %bi : i32
    %f = arith.sitofp %sum : i32 to f32
    %scaled = arith.mulf %f, %s : f32
    %rounded = math.roundeven %scaled : f32
    %shifted = arith.addf %rounded, %zp : f32
    %relu = arith.maximumf %shifted, %lo : f32
    %clamped = arith.minimumf %relu, %hi : f32
    %i = arith.fptosi %clamped : f32 to i8
    linalg.yield %i : i8
  }} -> {ot}
  return %q : {ot}
}}"""


_NP_TYPES = {"f32": np.float32, "f16": np.float16, "f64": np.float64,
             "i8": np.int8, "i16": np.int16, "i32": np.int32, "i64": np.int64,
             "i7": np.int8, "i6": np.int8, "i5": np.int8, "i4": np.int8,
             "i3": np.int8, "i2": np.int8, "i1": np.bool_, "ui8": np.uint8,
             "bf16": np.uint16, "f8E4M3FN": np.uint8, "f8E5M2": np.uint8}


def parse_constants(mlir):
    """Maps SSA names to the arrays of `arith.constant dense<...>` in text
    printed with --mlir-print-elementsattrs-with-hex-if-larger=1: hex blobs
    (sub-byte integers take a byte each, i1 a bit, LSB first) and splats.
    bf16/f8 as raw bits."""
    import re
    result = {}
    pattern = re.compile(r'(%\w+) = arith\.constant dense<(.*?)> : '
                         r'tensor<((?:\d+x)*)(\w+)>')
    for name, body, dims, elt in pattern.findall(mlir):
        shape = tuple(int(d) for d in dims.split("x") if d)
        dtype = _NP_TYPES[elt]
        if body.startswith('"0x') and elt == "i1":
            data = np.unpackbits(np.frombuffer(bytes.fromhex(body[3:-1]),
                                               dtype=np.uint8),
                                 bitorder="little").astype(np.bool_)
            data = data[:int(np.prod(shape))]
        elif body.startswith('"0x'):
            data = np.frombuffer(bytes.fromhex(body[3:-1]), dtype=dtype)
        elif elt == "i1":
            data = np.array([body == "true"], dtype=dtype)
        elif elt.startswith(("i", "ui")):
            data = np.array([int(body)], dtype=dtype)
        else:
            data = np.array([float(body)], dtype=dtype)
        size = int(np.prod(shape))
        result[name] = (data.reshape(shape) if data.size == size
                        else np.broadcast_to(data[0], shape))
    return result


_C_TYPES = {np.float32: "float", np.float64: "double", np.int8: "int8_t",
            np.int16: "int16_t", np.int32: "int32_t", np.int64: "int64_t",
            np.uint8: "uint8_t", np.uint16: "uint16_t"}


def _c_call(entry, inputs, outputs, in_offsets, out_offsets):
    """C statements calling `_mlir_ciface_<entry>` on arrays at byte offsets
    of the `in` and `out` buffers (C order, identity strides)."""
    lines, names = ["  {"], []
    for kind, arrays, offsets, buf in (("arg", inputs, in_offsets, "in"),
                                       ("result", outputs, out_offsets, "out")):
        for i, ((shape, dtype), off) in enumerate(zip(arrays, offsets)):
            elt = _C_TYPES[np.dtype(dtype).type]
            strides = [int(np.prod(shape[d + 1:])) for d in range(len(shape))]
            ptr = f"({elt} *)({buf} + {off})"
            name = f"{kind}{i}"
            # A rank-0 descriptor has no sizes and strides.
            dims = (f", {{{', '.join(map(str, shape))}}}, "
                    f"{{{', '.join(map(str, strides))}}}" if shape else "")
            lines.append(f"    mc_memref_{elt}_{len(shape)}d {name} = {{{ptr}, "
                         f"{ptr}, 0{dims}}};")
            names.append("&" + name)
    lines.append(f"    _mlir_ciface_{entry}({', '.join(names)});\n  }}")
    return "\n".join(lines)


def _layout(arrays):
    """64-byte aligned offsets of (shape, dtype) arrays, and the total."""
    offsets, total = [], 0
    for shape, dtype in arrays:
        offsets.append(total)
        total += -(-int(np.prod(shape)) * np.dtype(dtype).itemsize // 64) * 64
    return offsets, max(total, 64)


def compile_and_call(mlir, calls, target, cc, runner=(), mattr=None,
                     workdir=None, mcpu=None, num_threads=None, args=()):
    """Compiles the MLIR text with mc-compile for `target` (`mattr`, `mcpu`,
    `num_threads` if given, further mc-compile `args`), links
    it into a C program with `cc` and exactly the flags `mc-compile
    --print-link-flags` prints, and runs it (through `runner`, e.g. qemu).
    `calls` is a list of (entry, input arrays, output (shape, dtype)s); each
    entry takes ranked tensors. Returns the outputs of each
    call. The object is `workdir`/model.o if `workdir` is given."""
    with tempfile.TemporaryDirectory() as tmp:
        work = workdir or tmp
        src = os.path.join(work, "model.mlir")
        with open(src, "w") as f:
            f.write(mlir)
        subprocess.run(["mc-compile", src, f"--target={target}",
                        *([f"--mattr={mattr}"] if mattr else []),
                        *([f"--mcpu={mcpu}"] if mcpu else []), *args,
                        *([f"--num-threads={num_threads}"]
                          if num_threads is not None else []),
                        "--emit=obj", "-o", os.path.join(work, "model.o"),
                        "--header=" + os.path.join(work, "model.h")],
                       check=True)
        flags = subprocess.run(["mc-compile", "--print-link-flags",
                                f"--target={target}"], check=True,
                               capture_output=True, text=True).stdout.split()
        ins = [[(a.shape, a.dtype) for a in inputs] for _, inputs, _ in calls]
        outs = [list(o) for _, _, o in calls]
        in_offsets, in_size = _layout([x for c in ins for x in c])
        out_offsets, out_size = _layout([x for c in outs for x in c])
        body, i, o = [], 0, 0
        for (entry, _, _), cin, cout in zip(calls, ins, outs):
            body.append(_c_call(entry, cin, cout,
                                in_offsets[i:i + len(cin)],
                                out_offsets[o:o + len(cout)]))
            i, o = i + len(cin), o + len(cout)
        main = f"""#include <stdio.h>
#include "model.h"
static unsigned char in[{in_size}] __attribute__((aligned(64)));
static unsigned char out[{out_size}] __attribute__((aligned(64)));
int main(int argc, char **argv) {{
  FILE *f = fopen(argv[1], "rb");
  if (!f || fread(in, 1, sizeof in, f) != sizeof in) return 2;
  fclose(f);
{chr(10).join(body)}
  fwrite(out, 1, sizeof out, stdout);
  return 0;
}}
"""
        with open(os.path.join(work, "main.c"), "w") as f:
            f.write(main)
        exe = os.path.join(work, "main")
        subprocess.run([*cc, "-O1", "-I", work, os.path.join(work, "main.c"),
                        os.path.join(work, "model.o"), "-o", exe, "-lm",
                        "-lpthread", *flags], check=True)
        blob = bytearray(in_size)
        for array, off in zip([a for _, inputs, _ in calls for a in inputs],
                              in_offsets):
            data = np.ascontiguousarray(array).tobytes()
            blob[off:off + len(data)] = data
        with open(os.path.join(work, "in.bin"), "wb") as f:
            f.write(blob)
        out = subprocess.run([*runner, exe, os.path.join(work, "in.bin")],
                             check=True, capture_output=True).stdout
        results, o = [], 0
        for cout in outs:
            results.append([np.frombuffer(out, dtype, int(np.prod(shape)),
                                          out_offsets[o + j]).reshape(shape)
                            for j, (shape, dtype) in enumerate(cout)])
            o += len(cout)
        return results


def compile_and_run(mlir, entry, x, n, target, cc, runner=(), mattr=None,
                    mcpu=None, args=()):
    """Compiles `entry` (a 2-D f32 -> 2-D f32 function) with mc-compile for
    `target`, links it into a C program with `cc` and exactly the flags
    `mc-compile --print-link-flags` prints, runs it on `x` (through `runner`,
    e.g. qemu) and returns the B x n result."""
    calls = [(entry, [x.astype(np.float32)], [((x.shape[0], n), np.float32)])]
    return compile_and_call(mlir, calls, target, cc, runner, mattr,
                            mcpu=mcpu, args=args)[0][0]


def run_aarch64(mlir, inputs, outputs, mattr=None, llvm=False):
    """`@f` of `mlir` cross-compiled for aarch64-linux-gnu with `mattr`,
    linked with aarch64-linux-gnu-gcc -static and run under qemu-aarch64 on
    `inputs`: its `outputs` ((shape, dtype)s), the object's disassembly
    (llvm-objdump -d) and, with `llvm`, mc-compile's LLVM IR of it."""
    with tempfile.TemporaryDirectory() as tmp:
        results = compile_and_call(
            mlir, [("f", inputs, outputs)], "aarch64-linux-gnu",
            ["aarch64-linux-gnu-gcc", "-static"], ["qemu-aarch64"], mattr,
            workdir=tmp)[0]
        asm = subprocess.run(
            ["/usr/lib/llvm-22/bin/llvm-objdump", "-d",
             os.path.join(tmp, "model.o")],
            check=True, capture_output=True, text=True).stdout
        if not llvm:
            return results, asm
        ll = subprocess.run(
            ["mc-compile", os.path.join(tmp, "model.mlir"),
             "--target=aarch64-linux-gnu",
             *([f"--mattr={mattr}"] if mattr else []), "--emit=llvm", "-o",
             "/dev/stdout"], check=True, capture_output=True, text=True).stdout
        return results, asm, ll


def codebook_ir(q, table, storage, granularity, m, init=False, tail=None,
                name="f"):
    """`@name(%x: M x K[, %c]) -> [c +] x . decode(assemble(q, table))`
    with a `#mc.codebook<{storage}{granularity}>` weight; granularity is "",
    ", axis = 1" or ", block = [G, b]". `tail` replaces the return."""
    k, n = q.shape
    xt, yt = mlir_type([m, k], "f32"), mlir_type([m, n], "f32")
    bits = int(storage.lstrip("ui"))
    qt, tt = mlir_type([k, n], f"i{bits}"), mlir_type(table.shape, "f32")
    ct = f"!mc.compressed<{k}x{n}xf32, #mc.codebook<{storage}{granularity}>>"
    if init:
        args, acc = f"%x: {xt}, %c: {yt}", ""
    else:
        args, acc = f"%x: {xt}", f"""  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : {yt}
  %c = linalg.fill ins(%z : f32) outs(%e : {yt}) -> {yt}
"""
    # i1 attributes are bit-packed: spell them out.
    indices = dense_hex(q.astype(np.int8)) if bits > 1 else "dense<" + str(
        q.astype(bool).tolist()).lower() + ">"
    return f"""
func.func @{name}({args}) -> {yt} {{
  %q = arith.constant {indices} : {qt}
  %t = arith.constant {dense_hex(table.astype(np.float32))} : {tt}
  %a = mc.assemble %q, %t : ({qt}, {tt}) -> {ct}
  %w = mc.decode %a : {ct} -> {mlir_type([k, n], "f32")}
{acc}  %y = linalg.matmul ins(%x, %w : {xt}, {mlir_type([k, n], "f32")}) outs(%c : {yt}) -> {yt}
""" + (tail or f"  return %y : {yt}\n") + "}"


def decode_codebook(q, table, granularity):
    """numpy decode of K x N indices `q` with `table` for a granularity
    spelled as in codebook_ir."""
    k, n = q.shape
    if granularity == "":
        return table[q]
    if granularity == ", axis = 1":
        return table[np.arange(n)[None, :], q]
    g, b = [int(v) for v in granularity.split("[")[1].rstrip("]").split(",")]
    ki, ni = np.indices((k, n))
    return table[ki // g, ni // b, q]


def codebook_table_shape(granularity, k, n, entries):
    """The shape of the tables of K x N indices with `entries` each."""
    if granularity == "":
        return (entries,)
    if granularity == ", axis = 1":
        return (n, entries)
    g, b = [int(v) for v in granularity.split("[")[1].rstrip("]").split(",")]
    return (k // g, n // b, entries)


def random_codebook(rng, storage, granularity, m, k, n, exact=True):
    """Indices, tables and M x K activations for codebook_ir: with `exact`,
    integers in [-8, 8], so every sum of products is exact in f32."""
    entries = 1 << int(storage.lstrip("ui"))
    q = rng.integers(0, entries, (k, n))
    shape = codebook_table_shape(granularity, k, n, entries)
    if exact:
        table = rng.integers(-8, 9, shape).astype(np.float32)
        x = rng.integers(-8, 9, (m, k)).astype(np.float32)
    else:
        table = rng.standard_normal(shape).astype(np.float32)
        x = rng.standard_normal((m, k)).astype(np.float32)
    return q, table, x
