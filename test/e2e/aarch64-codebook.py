# AArch64 codebook kernels for real: f32 x #mc.codebook weights (ui1, ui2,
# i3, ui4; a table per tensor, per column and per block) are cross-compiled
# with mc-compile for AArch64 without features (isa=neon), with +dotprod
# and with +i8mm, linked with aarch64-linux-gnu-gcc and run under
# qemu-aarch64 with the default threads (all cores). The look-ups are
# `tbl` (mc.table_lookup: 16 f32 entries as 64 bytes, four table
# registers), which llvm-objdump shows in every build. With small-integer
# tables and activations every sum is exact, so the results equal numpy and
# the x86 host's (mc-run, vpermd) bit for bit; a k-means model with random
# data equals the x86 result within float rounding.
# mc.table_lookup and mc.byte_shuffle themselves, on every index 0..255,
# equal numpy under qemu (tbl) and on x86 (plain vectors / pshufb).
# RUN: %python %s | FileCheck %s
# CHECK: ops: ok
# CHECK: neon: ok
# CHECK: dotprod: ok
# CHECK: i8mm: ok
import os
import subprocess
import tempfile

import numpy as np

from mctest import (codebook_ir, compile_and_call, decode_codebook,
                    matmul_model, opt, random_codebook, run)

rng = np.random.default_rng(44)
cc = ["aarch64-linux-gnu-gcc", "-static"]
objdump = "/usr/lib/llvm-22/bin/llvm-objdump"


def mnemonics(obj):
    asm = subprocess.run([objdump, "-d", obj], check=True,
                         capture_output=True, text=True).stdout
    return [line.split("\t")[1] for line in asm.splitlines()
            if line.count("\t") >= 2]


# The ops: every index byte against tables of 16..64 bytes.
indices = np.arange(256, dtype=np.uint8).view(np.int8)
ops, op_calls, op_wants = [], [], []
for size in (16, 32, 48, 64):
    table = rng.integers(-128, 128, size, dtype=np.int8)
    ops.append(f"""
func.func @lookup{size}(%t: tensor<{size}xi8>, %i: tensor<256xi8>) -> tensor<256xi8> {{
  %c0 = arith.constant 0 : index
  %p = arith.constant 0 : i8
  %tv = vector.transfer_read %t[%c0], %p : tensor<{size}xi8>, vector<{size}xi8>
  %iv = vector.transfer_read %i[%c0], %p : tensor<256xi8>, vector<256xi8>
  %r = mc.table_lookup %tv, %iv : vector<{size}xi8>, vector<256xi8>
  %e = tensor.empty() : tensor<256xi8>
  %w = vector.transfer_write %r, %e[%c0] : vector<256xi8>, tensor<256xi8>
  return %w : tensor<256xi8>
}}""")
    op_calls.append((f"lookup{size}", [table, indices], [((256,), np.int8)]))
    op_wants.append(np.where(indices.view(np.uint8) < size,
                             table[np.minimum(indices.view(np.uint8),
                                              size - 1)], 0).astype(np.int8))
table = rng.integers(-128, 128, 64, dtype=np.int8)
body = []
for r in range(4):
    prev = "%e" if r == 0 else f"%w{r - 1}"
    body.append(f"""  %o{r} = arith.constant {64 * r} : index
  %i{r} = vector.transfer_read %i[%o{r}], %p : tensor<256xi8>, vector<64xi8>
  %s{r} = mc.byte_shuffle %tv, %i{r} : vector<64xi8>
  %w{r} = vector.transfer_write %s{r}, {prev}[%o{r}] : vector<64xi8>, tensor<256xi8>""")
ops.append("""
func.func @shuffle(%t: tensor<64xi8>, %i: tensor<256xi8>) -> tensor<256xi8> {
  %c0 = arith.constant 0 : index
  %p = arith.constant 0 : i8
  %tv = vector.transfer_read %t[%c0], %p : tensor<64xi8>, vector<64xi8>
  %e = tensor.empty() : tensor<256xi8>
""" + "\n".join(body) + """
  return %w3 : tensor<256xi8>
}""")
op_calls.append(("shuffle", [table, indices], [((256,), np.int8)]))
lane = np.arange(256) % 64 // 16 * 16
op_wants.append(np.where(indices < 0, 0,
                         table[lane + (indices & 15)]).astype(np.int8))
for (entry, inputs, _), want, func in zip(op_calls, op_wants, ops):
    for isa in ("generic", "host"):
        (got,) = run(func, entry, inputs, 1, [f"--isa={isa}"])
        assert (got == want).all(), ("x86", entry, isa)
with tempfile.TemporaryDirectory() as tmp:
    got = compile_and_call("\n".join(ops), op_calls, "aarch64-linux-gnu", cc,
                           ["qemu-aarch64"], workdir=tmp)
    counts = mnemonics(os.path.join(tmp, "model.o")).count("tbl")
# One tbl per 16 indices (x2 when LLVM inlines a function into its C
# wrapper).
assert counts in (4 * 16 + 16, 2 * (4 * 16 + 16)), counts
for (entry, _, _), (result,), want in zip(op_calls, got, op_wants):
    assert (result == want).all(), ("aarch64", entry)
print("ops: ok")

# The kernels: exact cases (numpy and x86 bit for bit) and a k-means model.
funcs, calls, wants = [], [], []
for storage, granularity, m, k, n in [
        ("ui4", ", axis = 1", 1, 128, 16), ("ui4", ", axis = 1", 3, 300, 13),
        ("ui4", "", 5, 64, 40), ("ui4", ", block = [32, 1]", 4, 256, 12),
        ("ui4", ", block = [16, 2]", 9, 80, 10),
        ("i3", ", axis = 1", 2, 200, 9),
        ("ui2", ", axis = 1", 1, 600, 20), ("ui2", "", 2, 96, 7),
        ("ui2", ", block = [32, 1]", 2, 96, 7), ("ui1", "", 4, 1100, 5)]:
    q, table, x = random_codebook(rng, storage, granularity, m, k, n)
    name = f"c{len(funcs)}"
    funcs.append(codebook_ir(q, table, storage, granularity, m, name=name))
    calls.append((name, [x], [((m, n), np.float32)]))
    want = (x.astype(np.float64) @ decode_codebook(q, table, granularity))
    wants.append(want.astype(np.float32))
    lowered = opt(funcs[-1], "--mc-cpu-kernels=isa=neon")
    assert lowered.count("mc.table_lookup") and "mc.decode" not in lowered, \
        name
    (host,) = run(funcs[-1], name, [x], 1)
    assert (host == wants[-1]).all(), ("x86", name)

m, k, n = 3, 256, 24
w = rng.standard_normal((k, n)).astype(np.float32)
x = rng.standard_normal((m, k)).astype(np.float32)
kmeans = opt(matmul_model(w, m).replace("@f(", "@kmeans("),
             "--mc-quantize=method=kmeans bits=4 granularity=group "
             "group-size=64")
(host,) = run(kmeans, "kmeans", [x], 1)
body = kmeans.strip()
assert body.startswith("module {") and body.endswith("}")
module = "\n".join(funcs) + body[len("module {"):-1]
calls.append(("kmeans", [x], [((m, n), np.float32)]))

for label, mattr in [("neon", None), ("dotprod", "+dotprod"),
                     ("i8mm", "+i8mm")]:
    with tempfile.TemporaryDirectory() as tmp:
        got = compile_and_call(module, calls, "aarch64-linux-gnu", cc,
                               ["qemu-aarch64"], mattr, workdir=tmp)
        counts = mnemonics(os.path.join(tmp, "model.o")).count("tbl")
    assert counts >= 4 * len(calls), (label, counts)
    for (entry, _, _), (result,), want in zip(calls, got, wants):
        assert (result == want).all(), \
            (label, entry, np.argwhere(result != want)[:5])
    err = np.abs(got[-1][0] - host).max()
    assert err <= 1e-5 * max(1.0, np.abs(host).max()), (label, err)
    print(f"{label}: ok (tbl: {counts})")
