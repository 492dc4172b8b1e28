# The 2:4 sparse i8 x i8 -> i32 GEMM kernel of --mc-cpu-kernels
# (isa=avx512-vnni) equals numpy's integer matmul and the reference lowering
# bit for bit: one and two threads, shapes with every kind of tail (rows
# below the register tile, partial column vectors and groups, K not a
# multiple of 4, 8 or 64), groups with 0, 1 or 2 nonzeros, extreme values,
# a non-zero accumulator and a fused requantization epilogue; an int8 model
# pruned by --mc-prune="mode=nm" takes the kernel. `--isa=generic`
# (the dense kernel there) runs the same IR. When A exceeds 512 KB (or with
# `block-m`), blocks of rows run in parallel, as in the dense kernel.
# mc.byte_shuffle's two lowerings
# (vpshufb, compares and selects) equal a numpy model of pshufb.
# RUN: %python %s | FileCheck %s
# CHECK: dispatch: ok
# CHECK: gemm: ok
# CHECK: epilogue: ok
# CHECK: row blocks: ok
# CHECK: byte_shuffle: ok
import numpy as np

from mctest import dense_hex, opt, requant_gemm_ir, run

rng = np.random.default_rng(0)
host_isa = "avx512-vnni" if "avx512_vnni" in open("/proc/cpuinfo").read() \
    else None
isas = ["generic"] + (["host"] if host_isa else [])


def sparse_2_4(k, n, low=-128, high=128, keep=2):
    """K x N int8 with at most `keep` nonzeros in every aligned 4 along K."""
    b = rng.integers(low, high, (k, n), dtype=np.int8)
    for k0 in range(0, k, 4):
        group = b[k0:k0 + 4]
        order = np.argsort(rng.random(group.shape), axis=0)
        np.put_along_axis(group, order[keep:], 0, axis=0)
    return b


def gemm_ir(b, m, init=False):
    k, n = b.shape
    at, bt, ct = f"tensor<{m}x{k}xi8>", f"tensor<{k}x{n}xi8>", \
        f"tensor<{m}x{n}xi32>"
    if init:
        args, acc = f"%a: {at}, %c: {ct}", ""
    else:
        args, acc = f"%a: {at}", f"""%z = arith.constant 0 : i32
  %e = tensor.empty() : {ct}
  %c = linalg.fill ins(%z : i32) outs(%e : {ct}) -> {ct}"""
    return f"""
func.func @g({args}) -> {ct} {{
  %b = arith.constant {dense_hex(b)} : {bt}
  {acc}
  %r = linalg.matmul ins(%a, %b : {at}, {bt}) outs(%c : {ct}) -> {ct}
  return %r : {ct}
}}"""


def uses_sparse_kernel(ir):
    out = opt(ir, "--mc-cpu-kernels=isa=avx512-vnni")
    return "mc.byte_shuffle" in out and "linalg.matmul" not in out


# Dispatch: 2:4 along K (also sparser, and all zero) takes the sparse
# kernel; 3 nonzeros in one aligned group of 4 does not.
b = sparse_2_4(12, 20)
assert uses_sparse_kernel(gemm_ir(b, 3))
assert uses_sparse_kernel(gemm_ir(sparse_2_4(12, 20, keep=1), 3))
assert uses_sparse_kernel(gemm_ir(np.zeros((9, 5), np.int8), 3))
dense = b.copy()
dense[4:7, 13] = 1
assert not uses_sparse_kernel(gemm_ir(dense, 3))
# Past K the group is zero-padded: K = 10 ends with a group of 2.
tail = sparse_2_4(10, 4)
tail[8:10, 1] = 5
assert uses_sparse_kernel(gemm_ir(tail, 2))
# A dense int8 model pruned 2:4 by mc itself keeps dense i8 weights.
pruned = opt(gemm_ir(rng.integers(-128, 128, (16, 20), dtype=np.int8), 3),
             "--mc-prune=mode=nm n=2 m=4")
assert "mc.assemble" not in pruned and uses_sparse_kernel(pruned)
print("dispatch: ok")


def check(m, k, n, low=-128, high=128, keep=2, init=False):
    a = rng.integers(low, high, (m, k), dtype=np.int8)
    b = sparse_2_4(k, n, low, high, keep)
    want = a.astype(np.int64) @ b.astype(np.int64)
    inputs = [a]
    if init:
        c = rng.integers(-2**31, 2**31, (m, n), dtype=np.int64)
        want += c
        inputs.append(c.astype(np.int32))
    want = want.astype(np.uint64).astype(np.uint32).view(np.int32)
    ir = gemm_ir(b, m, init=init)
    assert uses_sparse_kernel(ir)
    (ref,) = run(ir, "g", inputs, 1, ["--reference"])
    assert (ref == want).all(), (m, k, n)
    for isa in isas:
        for threads in (1, 2):
            (got,) = run(ir, "g", inputs, 1,
                         [f"--isa={isa}", f"--num-threads={threads}"])
            assert got.dtype == np.int32 and (got == want).all(), \
                (m, k, n, isa, threads, np.argwhere(got != want)[:5])


for m, k, n in [(1, 1, 1), (5, 9, 20), (8, 64, 48), (13, 67, 50),
                (17, 130, 100), (3, 200, 16), (24, 256, 97), (9, 6, 200),
                (8, 72, 96), (2, 4, 33)]:
    check(m, k, n)
check(11, 136, 40, keep=1)
check(16, 260, 64, low=-128, high=-127)  # every product is +16384
check(10, 70, 40, init=True)
print("gemm: ok")

# A requantization to i8 (bias, per-column scale, rounding, zero point,
# ReLU, clamp) fused into the store, equal to the reference bit for bit.
m, k, n = 11, 96, 72
a = rng.integers(-128, 128, (m, k), dtype=np.int8)
b = sparse_2_4(k, n)
bias = rng.integers(-5000, 5000, (n,), dtype=np.int32)
scale = (rng.uniform(0.5, 2, n) / 1000).astype(np.float32)
requant = requant_gemm_ir(b, bias, scale, m)
fused = opt(requant, "--mc-cpu-kernels=isa=avx512-vnni")
assert "mc.byte_shuffle" in fused and "linalg.generic" not in fused
(ref,) = run(requant, "f", [a], 1, ["--reference"])
assert len(np.unique(ref)) > 50  # the clamp does not hide the sums
for isa in isas:
    for threads in (1, 2):
        (got,) = run(requant, "f", [a], 1,
                     [f"--isa={isa}", f"--num-threads={threads}"])
        assert got.dtype == ref.dtype and (got == ref).all(), (isa, threads)
print("epilogue: ok")

# Parallel row blocks: forced on small shapes (`block-m`: blocks that end
# mid-way through a register tile, the tail tile in the last block, an
# accumulator, the requantization above), and chosen for A > 512 KB.
for m, k, n, rows, init in [(40, 100, 50, 16, False), (37, 103, 70, 8, True),
                            (21, 9, 20, 12, False)]:
    x = rng.integers(-128, 128, (m, k), dtype=np.int8)
    b = sparse_2_4(k, n)
    c = rng.integers(-2**31, 2**31, (m, n), dtype=np.int64)
    want = x.astype(np.int64) @ b.astype(np.int64) + (c if init else 0)
    want = want.astype(np.uint64).astype(np.uint32).view(np.int32)
    ir = opt(gemm_ir(b, m, init=init),
             f"--mc-cpu-kernels=isa=avx512-vnni block-m={rows}")
    assert ir.count("scf.forall (") == 1 and "mc.byte_shuffle" in ir, m
    for threads in (1, 2):
        (got,) = run(ir, "g", [x, c.astype(np.int32)] if init else [x], 1,
                     [f"--num-threads={threads}"])
        assert (got == want).all(), (m, k, n, rows, threads)
blocked = opt(requant, "--mc-cpu-kernels=isa=avx512-vnni block-m=4")
assert blocked.count("scf.forall (") == 1
(got,) = run(blocked, "f", [a], 1, ["--num-threads=2"])
assert (got == ref).all()
check(1100, 600, 100)  # A > 512 KB: 4 blocks of 224 rows and one of 204
print("row blocks: ok")

# mc.byte_shuffle on 16, 32 and 64 bytes against numpy's pshufb.
shuffle = ""
for size in (16, 32, 64):
    t = f"tensor<{size}xi8>"
    v = f"vector<{size}xi8>"
    shuffle += f"""
func.func @s{size}(%t: {t}, %i: {t}) -> {t} {{
  %c0 = arith.constant 0 : index
  %p = arith.constant 0 : i8
  %tv = vector.transfer_read %t[%c0], %p : {t}, {v}
  %iv = vector.transfer_read %i[%c0], %p : {t}, {v}
  %r = mc.byte_shuffle %tv, %iv : {v}
  %e = tensor.empty() : {t}
  %w = vector.transfer_write %r, %e[%c0] : {v}, {t}
  return %w : {t}
}}"""
for size in (16, 32, 64):
    table = rng.integers(-128, 128, size, dtype=np.int8)
    idx = rng.integers(-128, 128, size, dtype=np.int8)
    lane = np.arange(size) // 16 * 16
    want = np.where(idx < 0, 0, table[lane + (idx.view(np.uint8) & 15)])
    for isa in isas:
        (got,) = run(shuffle, f"s{size}", [table, idx], 1, [f"--isa={isa}"])
        assert (got == want).all(), (size, isa)
print("byte_shuffle: ok")
