# The weight-only kernel with f32 activations (mc.decode of a constant
# #mc.uniform weight: scales per group along K, per channel or per tensor,
# zero points) for AArch64, for real: cross-compiled with mc-compile
# without features (isa=neon, 16-lane generic vectors) and with +dotprod
# (4 lanes), linked with aarch64-linux-gnu-gcc and run under qemu-aarch64.
# With small integer activations and power-of-two scales every sum is
# exact, so each result equals numpy's and the x86 host's (mc-run) bit for
# bit; the LLVM IR holds the kernel's packed weights and llvm-objdump
# finds its `fmla`. Covered: i2, i4, ui4, i8,
# ui8; groups 32, 64, 128, per channel, per tensor; M = 1, 2, 3, 5, 8; N
# with partial panels.
# RUN: %python %s | FileCheck %s
# CHECK: neon: ok
# CHECK: dotprod: ok
import numpy as np

from mctest import make_weight, run, run_aarch64, weight_only_ir

rng = np.random.default_rng(90)

cases = []
for m, k, n, storage, group, zp in [
        (1, 256, 48, "i4", 32, False),
        (3, 128, 40, "ui4", 64, True),
        (8, 256, 20, "i8", 128, False),
        (5, 64, 33, "ui8", 32, True),
        (1, 40, 17, "i4", "channel", False),
        (3, 96, 20, "i2", 32, False),
        (2, 72, 17, "i4", "tensor", False)]:
    # Small integers times powers of two: every sum is exact in f32.
    q, s, z, gran, deq = make_weight(
        rng, k, n, storage, group, zp,
        lambda shape: 2.0 ** rng.integers(-3, 2, shape))
    x = rng.integers(-8, 9, (m, k)).astype(np.float32)
    ir = weight_only_ir(q, s, z, storage, gran, m)
    want = (x.astype(np.float64) @ deq).astype(np.float32)
    (host,) = run(ir, "f", [x], 1)
    assert (host == want).all(), ("x86", m, k, n, storage, group)
    cases.append((ir, x, want, (m, k, n, storage, group)))

for label, mattr in [("neon", None), ("dotprod", "+dotprod")]:
    for ir, x, want, what in cases:
        (got,), asm, ll = run_aarch64(ir, [x], [(want.shape, np.float32)],
                                      mattr, llvm=True)
        # The kernel's packed weights, not a decode for the f32 kernel.
        assert "@__mc_weight_only_weights" in ll, (label, what)
        assert (got.view(np.uint32) == want.view(np.uint32)).all(), \
            (label, what, np.argwhere(got != want)[:5])
        assert "\tfmla\t" in asm, (label, what)
    print(f"{label}: ok")
