"""Small-M unstructured-sparse f32 GEMV: mc's sparse kernel against mc's
dense f32 kernel on the same weights before pruning, interleaved in one
process (the machine is shared: each round times all of them, the ratios
are per round). Weight sets rotate so DRAM, not the cache, is measured.

    python3 bench/sparse_gemv.py K N SETS [ROUNDS] [--m=M] [--sparsity=P]
                                 [--threads=T] [--baseline=BIN]
    python3 bench/sparse_gemv.py 4096 4096 10 5            # 90 % zeros
    python3 bench/sparse_gemv.py 4096 4096 10 5 --m=2 --baseline=../wt/build/bin

M rows (default 1), P the fraction of zeros (default 0.9), T threads
(default 1). --baseline=BIN also times the sparse kernel that
BIN/mc-compile (another build, e.g. of main) generates from the same IR,
as "sparse base", in the same rounds. Every result is first checked
against numpy. Prints per implementation the fastest call and, per round,
the mean call (ms); the speed-ups over dense are per round, median
(min-max)."""
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mc_ir  # noqa: E402
# Its own cache: run.py's deletes modules of other mc-compile builds.
mc_ir.CACHE = os.path.join(mc_ir.ROOT, "bench", ".cache-sparse")

opts = dict(a[2:].split("=", 1) for a in sys.argv[1:] if a.startswith("--"))
args = [a for a in sys.argv[1:] if not a.startswith("--")]
if len(args) < 3:
    sys.exit(__doc__)
K, N, SETS = int(args[0]), int(args[1]), int(args[2])
ROUNDS = int(args[3]) if len(args) > 3 else 5
M = int(opts.get("m", 1))
P = float(opts.get("sparsity", 0.9))
T = int(opts.get("threads", 1))
BASELINE = opts.get("baseline")
OWN = (mc_ir.BIN, mc_ir.CACHE)


def dense_weight(i):
    return np.random.default_rng([11, K, N, i]).standard_normal(
        (K, N), dtype=np.float32)


def sparse_weight(i):
    w = dense_weight(i)
    zero = np.random.default_rng([12, K, N, i]).random((K, N)) < P
    return np.where(zero, 0, w).astype(np.float32)


def module(kind, i, bin_dir=None):
    weight = dense_weight if kind == "dense" else sparse_weight
    # A build's modules go to their own cache (a cache holds one build's).
    if bin_dir:
        mc_ir.BIN, mc_ir.CACHE = bin_dir, OWN[1] + "-baseline"
    try:
        return mc_ir.compile_module(
            lambda: mc_ir.matmul_f32(weight(i), M), T,
            f"sparse_gemv {kind} {K} {N} {M} {P} {i}")
    finally:
        mc_ir.BIN, mc_ir.CACHE = OWN


x = np.random.default_rng(1).standard_normal((M, K), dtype=np.float32)
builds = {"dense": ("dense", None), "sparse": ("sparse", None)}
if BASELINE:
    builds["sparse base"] = ("sparse", BASELINE)
impls = {}
for name, (kind, bin_dir) in builds.items():
    ys = [np.zeros((M, N), np.float32) for _ in range(SETS)]
    impls[name] = [mc_ir.Entry(module(kind, i, bin_dir), "f", [x], [y])
                   for i, y in enumerate(ys)]
    print(f"# {name}: {SETS} sets compiled", file=sys.stderr, flush=True)
for name, calls in impls.items():
    w = (dense_weight if name == "dense" else sparse_weight)(0)
    want = x.astype(np.float64) @ w.astype(np.float64)
    err = np.abs(calls[0]()[0] - want).max() / np.abs(want).max()
    assert err < 1e-5, f"{name} differs from numpy by {err:.3g}"

fastest = {name: float("inf") for name in impls}
means = {name: [] for name in impls}
for r in range(ROUNDS):
    # Every other round in reverse order.
    for name in list(impls)[::-1 if r % 2 else 1]:
        calls = impls[name]
        for c in calls:
            c()
        start = time.perf_counter()
        for _ in range(3):
            for c in calls:
                t0 = time.perf_counter()
                c()
                fastest[name] = min(fastest[name], time.perf_counter() - t0)
        means[name].append((time.perf_counter() - start) / (3 * SETS))

print(f"{K}x{N} f32, {100 * P:.0f} % zeros, M={M}, {T} thread(s), {SETS} "
      f"sets, {ROUNDS} rounds")
for name in impls:
    v = sorted(means[name])
    print(f"  {name}: fastest call {1e3 * fastest[name]:.3f} ms, mean call "
          f"per round median {1e3 * v[len(v) // 2]:.3f} ms "
          f"({1e3 * v[0]:.3f}-{1e3 * v[-1]:.3f})")
for name in impls:
    if name == "dense":
        continue
    v = sorted(d / s for d, s in zip(means["dense"], means[name]))
    print(f"  dense / {name}: median {v[len(v) // 2]:.2f}x "
          f"({v[0]:.2f}-{v[-1]:.2f})")
