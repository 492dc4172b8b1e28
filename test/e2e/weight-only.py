# The weight-only kernels of --mc-cpu-kernels (f32 activations times
# mc.decode of a constant #mc.uniform weight with scales per group along K,
# per channel or per tensor) agree with numpy's float64 result and with the
# reference lowering within float rounding (1e-5 of the result's norm), and
# equal both exactly when every sum is exact (small integer activations,
# power-of-two scales). Covered: int4 and int8, signed and unsigned with
# zero points, i2/i3/i5 (nibble and byte paths), groups 32/64/128, per
# channel and per tensor, M = 1, 3, 8, 17, N with partial panels, 1 and 2
# threads, isa generic and the host's, a fused bias + ReLU consumer, and a
# dense_resource payload.
# RUN: %python %s | FileCheck %s
# CHECK: rounding: ok
# CHECK: exact: ok
# CHECK: epilogue: ok
import numpy as np

from mctest import (check_close_configs, make_weight, weight_only_ir,
                    with_bias_relu)

rng = np.random.default_rng(0)
host = "host" if "avx512_vnni" in open("/proc/cpuinfo").read() else None
configs = [(isa, t) for isa in ["generic"] + ([host] if host else [])
           for t in (1, 2)]


def check(m, k, n, storage, group, zero_point=False, exact=False,
          resource=False, epilogue=False):
    if exact:
        # Small integers times powers of two: every sum is exact in f32.
        scale_fn = lambda sh: 2.0 ** rng.integers(-3, 2, sh)
        x = rng.integers(-8, 9, (m, k)).astype(np.float32)
    else:
        scale_fn = lambda sh: rng.uniform(0.01, 0.1, sh)
        x = rng.standard_normal((m, k)).astype(np.float32)
    q, s, zp, gran, deq = make_weight(rng, k, n, storage, group, zero_point,
                                      scale_fn)
    ir = weight_only_ir(q, s, zp, storage, gran, m, resource)
    want = x.astype(np.float64) @ deq
    if epilogue:
        bias = rng.standard_normal(n).astype(np.float32)
        ir = with_bias_relu(ir, m, bias)
        want = np.maximum(want + bias, 0)
    check_close_configs(ir, [x], want, configs, exact,
                        (m, k, n, storage, group, zero_point))


for m, k, n, storage, group, zp in [
        (1, 256, 64, "i4", 32, False),
        (3, 256, 50, "i4", 64, False),
        (8, 384, 40, "i4", 128, False),
        (17, 128, 33, "i4", 32, False),
        (1, 128, 100, "ui4", 32, True),
        (8, 256, 20, "ui4", 64, True),
        (3, 128, 48, "i4", 32, True),
        (1, 256, 70, "i8", 32, False),
        (8, 256, 36, "i8", 128, False),
        (17, 192, 16, "ui8", 64, True),
        (3, 64, 24, "i8", 64, True),
        (3, 96, 20, "i2", 32, False),
        (1, 96, 20, "i3", 32, True),
        (3, 64, 18, "i5", 32, False),
        (1, 200, 30, "i4", "channel", False),
        (3, 13, 21, "ui8", "channel", True),
        (8, 72, 17, "i4", "tensor", False)]:
    check(m, k, n, storage, group, zp)
check(5, 64, 40, "i8", 32, resource=True)
print("rounding: ok")

for m, k, n, storage, group, zp in [
        (1, 256, 48, "i4", 32, False), (3, 128, 40, "ui4", 64, True),
        (8, 256, 20, "i8", 128, False), (17, 64, 33, "ui8", 32, True),
        (1, 40, 17, "i4", "channel", False)]:
    check(m, k, n, storage, group, zp, exact=True)
print("exact: ok")

check(8, 128, 40, "i4", 32, epilogue=True)
check(1, 128, 24, "ui8", 64, zero_point=True, epilogue=True)
print("epilogue: ok")
