# i8 x i8 -> i32 convolutions (NHWC/HWCF and NCHW/FCHW; strides, dilations,
# padding through tensor.pad, 1x1, a non-zero accumulator) through im2col
# and the GEMM kernel, and with a requantization consumer fused as the
# kernel's epilogue (bias and scale per channel, a residual indexed like
# the output, a scalar zero point), equal numpy bit for bit, on
# every ISA this CPU runs, with one and two threads (a filter pruned 2:4
# along K = (kh, kw, c) takes the 2:4 kernel with AVX-512); and
# cross-compiled for
# AArch64 with +dotprod (`sdot`) and +i8mm (`smmla`) under qemu-aarch64.
# RUN: %python %s | FileCheck %s
# CHECK: nhwc: ok
# CHECK: nchw: ok
# CHECK: aarch64: ok
import numpy as np

from mctest import dense_hex, host_isas, opt, run, run_aarch64

rng = np.random.default_rng(3)
isas = host_isas()


def t(shape, elt):
    return "tensor<" + "x".join(map(str, shape)) + f"x{elt}>"


def reference(x, w, stride, dilation, pad, layout):
    """Integer convolution in NHWC/HWCF, converted for NCHW/FCHW."""
    if layout == "nchw":
        x, w = x.transpose(0, 2, 3, 1), w.transpose(2, 3, 1, 0)
    x = np.pad(x.astype(np.int64), ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    kh, kw, _, f = w.shape
    n, h, wd, _ = x.shape
    oh = (h - dilation * (kh - 1) - 1) // stride + 1
    ow = (wd - dilation * (kw - 1) - 1) // stride + 1
    out = np.zeros((n, oh, ow, f), np.int64)
    for i in range(kh):
        for j in range(kw):
            patch = x[:, i * dilation:i * dilation + stride * oh:stride,
                      j * dilation:j * dilation + stride * ow:stride, :]
            out += patch @ w[i, j].astype(np.int64)
    return out.transpose(0, 3, 1, 2) if layout == "nchw" else out


def requantize(acc, bias, scale, res, zp, layout):
    """round(f32(acc + bias[f] + res) * scale[f]) + zp, ReLU, <= 127, i8."""
    shape = (1, -1, 1, 1) if layout == "nchw" else (1, 1, 1, -1)
    total = (acc + bias.reshape(shape) + res).astype(np.int32)
    y = np.round(total.astype(np.float32) * scale.reshape(shape)) + zp
    return np.clip(y, 0, 127).astype(np.int8)


def requant_ir(ys, layout, f):
    """The requantizing consumer of %r: (body, extra arguments, result)."""
    ch = "d3" if layout == "nhwc" else "d1"
    body = f"""%o = tensor.empty() : {t(ys, 'i8')}
  %q = linalg.generic {{indexing_maps = [
        affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>,
        affine_map<(d0, d1, d2, d3) -> ({ch})>,
        affine_map<(d0, d1, d2, d3) -> ({ch})>,
        affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>,
        affine_map<(d0, d1, d2, d3) -> ()>,
        affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel"]}}
      ins(%r, %bias, %scale, %res, %zp : {t(ys, 'i32')}, tensor<{f}xi32>,
          tensor<{f}xf32>, {t(ys, 'i32')}, tensor<f32>)
      outs(%o : {t(ys, 'i8')}) {{
  ^bb0(%acc: i32, %bi: i32, %s: f32, %rs: i32, %zpv: f32, %out: i8):
    %lo = arith.constant 0.0 : f32
    %hi = arith.constant 127.0 : f32
    %sum = arith.addi %acc, %bi : i32
    %sum2 = arith.addi %sum, %rs : i32
    %fl = arith.sitofp %sum2 : i32 to f32
    %scaled = arith.mulf %fl, %s : f32
    %rounded = math.roundeven %scaled : f32
    %shifted = arith.addf %rounded, %zpv : f32
    %relu = arith.maximumf %shifted, %lo : f32
    %clamped = arith.minimumf %relu, %hi : f32
    %i = arith.fptosi %clamped : f32 to i8
    linalg.yield %i : i8
  }} -> {t(ys, 'i8')}"""
    args = [f"%bias: tensor<{f}xi32>", f"%scale: tensor<{f}xf32>",
            f"%res: {t(ys, 'i32')}", "%zp: tensor<f32>"]
    return body, args, "%q", t(ys, "i8")


def prune_2_4(w):
    """HWCF `w` keeping the 2 largest magnitudes in every 4 along its
    (kh, kw, c) rows (the first on ties)."""
    flat = w.reshape(-1, w.shape[-1])
    groups = np.abs(flat.astype(np.int16)).T.reshape(flat.shape[1], -1, 4)
    keep = np.argsort(-groups, axis=2, kind="stable")[:, :, :2]
    mask = np.zeros_like(groups, bool)
    np.put_along_axis(mask, keep, True, axis=2)
    return np.where(mask.reshape(flat.shape[1], -1).T, flat,
                    0).astype(np.int8).reshape(w.shape)


def check(layout, n, c, h, f, k, stride=1, dilation=1, pad=0, init=False,
          requant=False, sparse24=False):
    xs = (n, h, h, c) if layout == "nhwc" else (n, c, h, h)
    ws = (k, k, c, f) if layout == "nhwc" else (f, c, k, k)
    x = rng.integers(-128, 128, xs, dtype=np.int8)
    w = rng.integers(-128, 128, ws, dtype=np.int8)
    if sparse24:
        w = prune_2_4(w)
    want = reference(x, w, stride, dilation, pad, layout)
    ys = want.shape
    hp = h + 2 * pad
    ps = (n, hp, hp, c) if layout == "nhwc" else (n, c, hp, hp)
    lo = [0, pad, pad, 0] if layout == "nhwc" else [0, 0, pad, pad]
    op = "conv_2d_nhwc_hwcf" if layout == "nhwc" else "conv_2d_nchw_fchw"
    args, inputs = [f"%x: {t(xs, 'i8')}"], [x]
    if init:
        c0 = rng.integers(-1000, 1000, ys, dtype=np.int32)
        want = want + c0
        args.append(f"%c: {t(ys, 'i32')}")
        inputs.append(c0)
        acc = ""
    else:
        acc = f"""%z = arith.constant 0 : i32
  %e = tensor.empty() : {t(ys, 'i32')}
  %c = linalg.fill ins(%z : i32) outs(%e : {t(ys, 'i32')}) -> {t(ys, 'i32')}"""
    consumer, result, rtype = "", "%r", t(ys, "i32")
    if requant:
        bias = rng.integers(-5000, 5000, f, dtype=np.int32)
        scale = rng.uniform(1e-4, 2e-3, f).astype(np.float32)
        res = rng.integers(-3000, 3000, ys, dtype=np.int32)
        zp = np.array(3.0, np.float32)
        want = requantize(want, bias, scale, res, zp, layout)
        consumer, extra, result, rtype = requant_ir(ys, layout, f)
        args += extra
        inputs += [bias, scale, res, zp]
    ir = f"""
func.func @f({", ".join(args)}) -> {rtype} {{
  %w = arith.constant {dense_hex(w)} : {t(ws, 'i8')}
  %zero = arith.constant 0 : i8
  %p = tensor.pad %x low{lo} high{lo} {{
  ^bb0(%a: index, %b: index, %d: index, %g: index):
    tensor.yield %zero : i8
  }} : {t(xs, 'i8')} to {t(ps, 'i8')}
  {acc}
  %r = linalg.{op} {{dilations = dense<{dilation}> : tensor<2xi64>, strides = dense<{stride}> : tensor<2xi64>}}
      ins(%p, %w : {t(ps, 'i8')}, {t(ws, 'i8')}) outs(%c : {t(ys, 'i32')}) -> {t(ys, 'i32')}
  {consumer}
  return {result} : {rtype}
}}"""
    kernels = opt(ir, "--mc-cpu-kernels=isa=avx512-vnni")
    assert ("mc.byte_shuffle" in kernels) == sparse24, (layout, sparse24)
    # No convolution left, and no 4-D consumer: it is the GEMM's epilogue.
    four_d = 'iterator_types = ["parallel", "parallel", "parallel", "parallel"]}'
    assert "linalg.conv" not in kernels and four_d not in kernels, layout
    for isa in isas:
        for threads in (1, 2):
            (got,) = run(ir, "f", inputs, 1,
                         [f"--isa={isa}", f"--num-threads={threads}"])
            assert (got == want).all(), (layout, isa, threads)
    if requant:
        (ref,) = run(ir, "f", inputs, 1, ["--reference"])
        assert (ref == want).all(), layout
    return ir, inputs, want


aarch64 = []
for layout in ("nhwc", "nchw"):
    aarch64.append(check(layout, 1, 8, 6, 16, 3))
    aarch64.append(check(layout, 2, 5, 9, 20, 3, stride=2, pad=1))
    check(layout, 1, 16, 7, 33, 1)
    aarch64.append(check(layout, 1, 3, 11, 8, 3, dilation=2, init=True))
    aarch64.append(check(layout, 2, 6, 8, 40, 3, stride=2, pad=1,
                         requant=True))
    if layout == "nhwc":
        check(layout, 1, 16, 9, 48, 3, sparse24=True, requant=True)
    print(f"{layout}: ok")

# AArch64: the same convolutions cross-compiled with +dotprod (sdot) and
# +i8mm (smmla), run under qemu-aarch64.
for mattr, instruction in [("+dotprod", "sdot"), ("+i8mm", "smmla")]:
    for ir, inputs, want in aarch64:
        dtype = np.int8 if want.dtype == np.int8 else np.int32
        (got,), asm = run_aarch64(ir, inputs, [(want.shape, dtype)], mattr)
        assert (got == want).all(), (mattr, want.shape)
        assert f"\t{instruction}\t" in asm, mattr
print("aarch64: ok")
