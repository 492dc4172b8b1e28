# The per-group dynamic-activation kernel of --mc-cpu-kernels (the form
# --mc-quantize="activations=dynamic granularity=group" leaves: int8
# activations with row scales, int4/int8 weights with group scales, exact
# i32 products per group, a += f32(P_g) * sw_g for g ascending from 0, then
# y = C + a * sx)
# equals numpy's evaluation of that definition and mc-run --reference bit
# for bit. Covered: int4 and int8, G = 4, 12, 32, 64, 96, 128, M = 1, 3, 4,
# 5, 7, 8, 9, 13, 17 (row tiles of up to 8 rows and their remainders), N
# with partial panels, an all-zero row, scales with and without an exact
# s / 16 (int4 on VNNI uses the high nibbles in place only with), 1 and 2
# threads, isa generic and the host's, a fused bias + ReLU.
# RUN: %python %s | FileCheck %s
# CHECK: exact: ok
# CHECK: epilogue: ok
import numpy as np

from mctest import matmul_model, opt, parse_constants, run, with_bias_relu

rng = np.random.default_rng(7)
host = "host" if "avx512_vnni" in open("/proc/cpuinfo").read() else None
configs = [(isa, t) for isa in ["generic"] + ([host] if host else [])
           for t in (1, 2)]


def expected(x, qw, sw, g):
    """numpy's evaluation of the definition in the pass description."""
    m, k = x.shape
    n = qw.shape[-1]
    sx = np.abs(x).max(axis=1) / np.float32(127)
    sx = np.where(sx > 0, sx, np.float32(1)).astype(np.float32)
    qx = np.clip(np.round(x / sx[:, None]), -127, 127).astype(np.int64)
    p = np.einsum("mgt,gtn->mgn", qx.reshape(m, k // g, g),
                  qw.reshape(k // g, g, n).astype(np.int64))
    a = np.zeros((m, n), np.float32)
    for gi in range(k // g):
        a = a + p[:, gi, :].astype(np.float32) * sw[gi]
    return np.float32(0) + a * sx[:, None]


def check(m, k, n, bits, g, epilogue=False, subnormal=False):
    w = (rng.standard_normal((k, n)) * 0.5).astype(np.float32)
    w[:, 0] = 0  # an all-zero column: scale 1, payload 0
    if subnormal:
        # A group whose scale is subnormal: s / 16 is not exact.
        w[:g, 1] = (rng.standard_normal(g) * 1e-39).astype(np.float32)
    x = rng.standard_normal((m, k)).astype(np.float32)
    x[m // 2] = 0  # an all-zero row: scale 1
    model = matmul_model(w, m)
    if epilogue:
        model = with_bias_relu(model, m, np.full(n, 0.25, np.float32))
    ir = opt(model, f"--mc-quantize=activations=dynamic bits={bits} "
             f"granularity=group group-size={g}",
             "--mlir-print-elementsattrs-with-hex-if-larger=1")
    consts = parse_constants(ir)
    qw = next(v for v in consts.values() if v.shape == (k // g, g, n))
    sw = next(v for v in consts.values()
              if v.shape == (k // g, n) and v.dtype == np.float32)
    want = expected(x, qw, sw, g)
    if epilogue:
        want = np.maximum(want + np.float32(0.25), np.float32(0))
    (ref,) = run(ir, "f", [x], 1, ["--reference"])
    what = (m, k, n, bits, g, subnormal)
    if subnormal:
        assert (sw / 16 * 16 != sw).any(), what
    assert (ref == want).all(), (what, np.abs(ref - want).max())
    for isa, threads in configs:
        (got,) = run(ir, "f", [x], 1, [f"--isa={isa}",
                                       f"--num-threads={threads}"])
        assert got.shape == (m, n) and (got == want).all(), \
            (what, isa, threads, np.argwhere(got != want)[:5])


for m, k, n, bits, g in [
        (1, 256, 64, 4, 32),
        (3, 256, 50, 4, 64),
        (8, 384, 40, 4, 128),
        (17, 128, 33, 4, 32),
        (4, 96, 20, 4, 12),
        (5, 128, 48, 4, 32),
        (7, 64, 70, 4, 32),
        (9, 128, 40, 4, 32),
        (13, 96, 64, 4, 12),
        (1, 256, 70, 8, 32),
        (8, 256, 36, 8, 128),
        (3, 192, 17, 8, 96),
        (17, 64, 24, 8, 4)]:
    check(m, k, n, bits, g)
for m in (4, 8):
    check(m, 128, 40, 4, 32, subnormal=True)
print("exact: ok")

check(8, 128, 40, 4, 32, epilogue=True)
print("epilogue: ok")
