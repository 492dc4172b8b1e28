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
# threads, isa generic, the host's and avx2 (int4 there: vpmaddubsw on the
# nibbles, mc.dot4's small_lhs), a fused bias + ReLU.
# RUN: %python %s | FileCheck %s
# CHECK: exact: ok
# CHECK: epilogue: ok
import numpy as np

from mctest import dynamic_group_model, host_isas, run

rng = np.random.default_rng(7)
host = "host" if "avx512_vnni" in open("/proc/cpuinfo").read() else None
configs = [(isa, t) for isa in ["generic"] + ([host] if host else [])
           for t in (1, 2)] + [("avx2", 1)] * ("avx2" in host_isas())


def check(m, k, n, bits, g, epilogue=False, subnormal=False):
    w = (rng.standard_normal((k, n)) * 0.5).astype(np.float32)
    w[:, 0] = 0  # an all-zero column: scale 1, payload 0
    if subnormal:
        # A group whose scale is subnormal: s / 16 is not exact.
        w[:g, 1] = (rng.standard_normal(g) * 1e-39).astype(np.float32)
    x = rng.standard_normal((m, k)).astype(np.float32)
    x[m // 2] = 0  # an all-zero row: scale 1
    bias = np.full(n, 0.25, np.float32) if epilogue else None
    ir, want, sw = dynamic_group_model(w, x, bits, g, bias)
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
