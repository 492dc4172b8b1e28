# The W4A8 / W8A8 group kernel (the form --mc-quantize="activations=dynamic
# granularity=group" leaves) for AArch64, for real: cross-compiled with
# mc-compile without features (generic kernel), with +dotprod (`sdot`, by
# element on 16 bytes of x for 4 steps, or on a broadcast word when a
# group's steps do not come in fours), with +i8mm (`smmla` on row pairs,
# when 8 divides G; else the reference lowering) and with both (`sdot` for
# a GEMV and where 8 does not divide G, else `smmla`), linked with
# aarch64-linux-gnu-gcc and run under qemu-aarch64 (all cores). Every
# result equals numpy's evaluation of the form and the x86 host's (mc-run)
# bit for bit. Covered: int4 and int8, G = 12, 32, 48, 64, 96, 128, M = 1,
# 3, 4, 5, 6, 9 (row tiles of 4 rows on NEON, half pairs, remainders),
# partial column panels, an all-zero row, a fused bias + ReLU. llvm-objdump
# shows which of `sdot` (indexed where 16 divides G) and `smmla` each
# build uses.
# RUN: %python %s | FileCheck %s
# CHECK: neon: ok
# CHECK: dotprod: ok
# CHECK: i8mm: ok
# CHECK: i8mm+dotprod: ok
import re

import numpy as np

from mctest import dynamic_group_model, run, run_aarch64

rng = np.random.default_rng(81)
indexed_sdot = re.compile(r"\tsdot\tv\d+\.4s, v\d+\.16b, v\d+\.4b\[[0-3]\]")

cases = []
for m, k, n, bits, g, bias in [
        (1, 256, 64, 4, 32, False),
        (3, 256, 50, 4, 64, False),
        (4, 96, 20, 4, 12, False),
        (5, 192, 44, 4, 48, True),
        (9, 384, 36, 4, 128, False),
        (1, 256, 70, 8, 32, False),
        (6, 192, 17, 8, 96, False),
        (3, 64, 24, 4, 32, False)]:
    w = (rng.standard_normal((k, n)) * 0.5).astype(np.float32)
    x = rng.standard_normal((m, k)).astype(np.float32)
    x[m // 2] = 0  # an all-zero row: scale 1
    ir, want, _ = dynamic_group_model(
        w, x, bits, g, np.full(n, 0.25, np.float32) if bias else None)
    (host,) = run(ir, "f", [x], 1)
    assert (host == want).all(), ("x86", m, k, n, bits, g)
    cases.append((ir, x, want, (m, k, n, bits, g)))

def expected_instructions(label, m, g):
    """Whether the build of `label` has the kernel's indexed `sdot` and
    `smmla` (LLVM may also sum x's bytes for the offset with plain `sdot`)."""
    sdot = label == "dotprod" or (label == "i8mm+dotprod" and
                                  (m == 1 or g % 8))
    smmla = label.startswith("i8mm") and not sdot and g % 8 == 0
    return sdot and g % 16 == 0, smmla


for label, mattr in [("neon", None), ("dotprod", "+dotprod"),
                     ("i8mm", "+i8mm"), ("i8mm+dotprod", "+i8mm,+dotprod")]:
    for ir, x, want, what in cases:
        (got,), asm = run_aarch64(ir, [x], [(want.shape, np.float32)], mattr)
        assert (got.view(np.uint32) == want.view(np.uint32)).all(), \
            (label, what, np.argwhere(got != want)[:5])
        assert label.endswith("dotprod") or "\tsdot\t" not in asm, label
        found = (bool(indexed_sdot.search(asm)), "\tsmmla\t" in asm)
        assert found == expected_instructions(label, what[0], what[4]), \
            (label, what, found)
    print(f"{label}: ok")
