# Threads on AArch64: int8 GEMMs (+dotprod sdot kernels; column panels split
# unevenly over the threads) are cross-compiled with mc-compile
# --num-threads=2, 3 and the default (all cores at run time, here with
# OMP_NUM_THREADS=5), linked with exactly the flags --print-link-flags names
# (mc's own OpenMP runtime, lib/aarch64-linux-gnu/libmc_runtime.a) and run under
# qemu-aarch64. Results equal numpy bit for bit; the objects call the
# runtime (__kmpc_fork_call, and __kmpc_push_num_threads only with an
# explicit count). Then 3 host threads call a 2-thread GEMM 200 times each
# at once (one owns the worker team, the others run alone), every result
# exact.
# RUN: %python %s | FileCheck %s
# CHECK: flags: ok
# CHECK: threads=2: ok
# CHECK: threads=3: ok
# CHECK: threads=default: ok
# CHECK: concurrent callers: ok
import os
import subprocess
import tempfile

import numpy as np

from mctest import compile_and_call, dense_hex

rng = np.random.default_rng(7)
funcs, calls, wants = [], [], []
for m, k, n in [(1, 64, 200), (13, 67, 50), (24, 256, 97), (5, 9, 7)]:
    name = f"g{len(funcs)}"
    a = rng.integers(-128, 128, (m, k), dtype=np.int8)
    b = rng.integers(-128, 128, (k, n), dtype=np.int8)
    at, bt, ct = (f"tensor<{m}x{k}xi8>", f"tensor<{k}x{n}xi8>",
                  f"tensor<{m}x{n}xi32>")
    funcs.append(f"""
func.func @{name}(%a: {at}) -> {ct} {{
  %b = arith.constant {dense_hex(b)} : {bt}
  %z = arith.constant 0 : i32
  %e = tensor.empty() : {ct}
  %c = linalg.fill ins(%z : i32) outs(%e : {ct}) -> {ct}
  %r = linalg.matmul ins(%a, %b : {at}, {bt}) outs(%c : {ct}) -> {ct}
  return %r : {ct}
}}""")
    calls.append((name, [a], [((m, n), np.int32)]))
    wants.append((a.astype(np.int64) @ b.astype(np.int64)).astype(np.int32))
module = "\n".join(funcs)

flags = subprocess.run(["mc-compile", "--print-link-flags",
                        "--target=aarch64-linux-gnu"], check=True,
                       capture_output=True, text=True).stdout.split()
assert flags[0].endswith("/lib/aarch64-linux-gnu/libmc_runtime.a") and \
    os.path.exists(flags[0]), flags
print("flags: ok")

nm = "/usr/lib/llvm-22/bin/llvm-nm"
for label, args, runner in [
        ("2", ["--num-threads=2"], ["qemu-aarch64"]),
        ("3", ["--num-threads=3"], ["qemu-aarch64"]),
        ("default", [], ["env", "OMP_NUM_THREADS=5", "qemu-aarch64"])]:
    with tempfile.TemporaryDirectory() as tmp:
        got = compile_and_call(module, calls, "aarch64-linux-gnu",
                               ["aarch64-linux-gnu-gcc", "-static"], runner,
                               "+dotprod", workdir=tmp, args=args)
        symbols = subprocess.run([nm, "-u", os.path.join(tmp, "model.o")],
                                 check=True, capture_output=True,
                                 text=True).stdout
    assert "__kmpc_fork_call" in symbols, label
    assert ("__kmpc_push_num_threads" in symbols) == (label != "default")
    for (entry, _, _), (result,), want in zip(calls, got, wants):
        assert (result == want).all(), (label, entry)
    print(f"threads={label}: ok")

# Concurrent callers of g2 (24 x 256 x 97).
entry, (a,), _ = calls[2]
main = r"""#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include "model.h"
static int8_t a[%(m)d * %(k)d];
static int32_t want[%(m)d * %(n)d];
static void *call(void *unused) {
  int32_t out[%(m)d * %(n)d];
  for (int r = 0; r < 200; ++r) {
    memset(out, 0, sizeof out);
    mc_memref_int8_t_2d x = {a, a, 0, {%(m)d, %(k)d}, {%(k)d, 1}};
    mc_memref_int32_t_2d y = {out, out, 0, {%(m)d, %(n)d}, {%(n)d, 1}};
    _mlir_ciface_%(entry)s(&x, &y);
    if (memcmp(out, want, sizeof out))
      return (void *)1;
  }
  return NULL;
}
int main(int argc, char **argv) {
  FILE *f = fopen(argv[1], "rb");
  if (!f || fread(a, 1, sizeof a, f) != sizeof a ||
      fread(want, 1, sizeof want, f) != sizeof want)
    return 2;
  pthread_t threads[3];
  for (int i = 0; i < 3; ++i)
    pthread_create(&threads[i], NULL, call, NULL);
  int bad = 0;
  for (int i = 0; i < 3; ++i) {
    void *result;
    pthread_join(threads[i], &result);
    bad |= result != NULL;
  }
  puts(bad ? "mismatch" : "same");
  return bad;
}
""" % {"m": a.shape[0], "k": a.shape[1], "n": wants[2].shape[1],
       "entry": entry}
with tempfile.TemporaryDirectory() as tmp:
    src = os.path.join(tmp, "model.mlir")
    with open(src, "w") as f:
        f.write(funcs[2])
    subprocess.run(["mc-compile", src, "--target=aarch64-linux-gnu",
                    "--mattr=+dotprod", "--num-threads=2", "--emit=obj",
                    "-o", os.path.join(tmp, "model.o"),
                    "--header=" + os.path.join(tmp, "model.h")], check=True)
    with open(os.path.join(tmp, "main.c"), "w") as f:
        f.write(main)
    exe = os.path.join(tmp, "main")
    subprocess.run(["aarch64-linux-gnu-gcc", "-static", "-O1", "-I", tmp,
                    os.path.join(tmp, "main.c"), os.path.join(tmp, "model.o"),
                    "-o", exe, *flags], check=True)
    with open(os.path.join(tmp, "in.bin"), "wb") as f:
        f.write(a.tobytes() + wants[2].tobytes())
    out = subprocess.run(["qemu-aarch64", exe, os.path.join(tmp, "in.bin")],
                         capture_output=True, text=True)
assert out.returncode == 0 and out.stdout == "same\n", out
print("concurrent callers: ok")
