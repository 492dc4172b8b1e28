"""M = 1 int4 G = 32 GEMV, mc's W4A8 dynamic-activation kernel against mc's
W4 f32-activation kernel and a one-core streaming read, interleaved in one
process (the machine is shared: each round measures all three, the ratios
are per round). Weight sets rotate so DRAM, not the cache, is measured.

    python3 bench/w4a8_gemv.py K N SETS [ROUNDS]
    python3 bench/w4a8_gemv.py 4096 14336 3 10    # 3 x 36.7 MB
    python3 bench/w4a8_gemv.py 4096 4096 12 10    # 12 x 10.5 MB

GB/s are weight bytes (int4 payload + f32 group scales) per second."""
import sys, time, os
import numpy as np
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mc_ir  # noqa: E402
# Its own cache: run.py's deletes modules of other mc-compile builds.
mc_ir.CACHE = os.path.join(mc_ir.ROOT, "bench", ".cache-w4a8")
from peers import machine  # noqa: E402

K, N, G, BITS = int(sys.argv[1]), int(sys.argv[2]), 32, 4
SETS = int(sys.argv[3])
ROUNDS = int(sys.argv[4]) if len(sys.argv) > 4 else 5
libs = []
for i in range(SETS):
    def text(i=i):
        rng = np.random.default_rng([7, i])
        w = rng.standard_normal((K, N), dtype=np.float32) * 0.02
        q, s = mc_ir.quantize_groups(w, BITS, G)
        return (mc_ir.weight_only_dynamic(q, s, BITS, 1, "wqd") +
                mc_ir.weight_only(q, s, BITS, 1, "wq"))
    t0 = time.time()
    libs.append(mc_ir.compile_module(text, 1, f"dynbench {K} {N} {G} {i}"))
    print(f"# set {i}: {time.time() - t0:.1f} s", file=sys.stderr, flush=True)

x = np.random.default_rng(1).standard_normal((1, K), dtype=np.float32)
ys = [np.zeros((1, N), np.float32) for _ in libs]
dyn = [mc_ir.Entry(l, "wqd", [x], [y]) for l, y in zip(libs, ys)]
f32 = [mc_ir.Entry(l, "wq", [x], [y]) for l, y in zip(libs, ys)]
# Both against each other: they differ only by the activation quantization.
ya, yb = dyn[0]()[0].copy(), f32[0]()[0].copy()
err = np.abs(ya - yb).max() / np.abs(yb).max()
assert err < 3e-2, f"W4A8 differs from W4 f32-act by {err:.3g}"
nbytes = K * N * BITS // 8 + K // G * N * 4  # payload + f32 scales
m = machine.load()

def rate(calls, reps=3):
    for c in calls:
        c()
    best = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for c in calls:
            c()
        best.append((time.perf_counter() - t0) / len(calls))
    ts = sorted(best)
    return nbytes / ts[0], nbytes / ts[len(ts) // 2]

res = {"read": [], "dyn": [], "f32": []}
for r in range(ROUNDS):
    res["read"].append(m.read_bw(1 << 30, 1, 3))
    res["dyn"].append(rate(dyn))
    res["f32"].append(rate(f32))
    print(f"round {r}: read {res['read'][-1]/1e9:.2f} GB/s, W4A8 dyn "
          f"best {res['dyn'][-1][0]/1e9:.2f} med {res['dyn'][-1][1]/1e9:.2f}, "
          f"W4 f32-act best {res['f32'][-1][0]/1e9:.2f} med {res['f32'][-1][1]/1e9:.2f} GB/s",
          flush=True)
rd = max(res["read"])
d = max(b for b, _ in res["dyn"])
f = max(b for b, _ in res["f32"])
med = lambda v: sorted(v)[len(v) // 2]
rdyn = med([m_ / r_ for (_, m_), r_ in zip(res["dyn"], res["read"])])
rf32 = med([m_ / r_ for (_, m_), r_ in zip(res["f32"], res["read"])])
print(f"{K}x{N} int4 G={G}, {SETS} sets x {nbytes/1e6:.1f} MB, {ROUNDS} rounds: "
      f"best read {rd/1e9:.2f} GB/s; best W4A8 dyn {d/1e9:.2f} GB/s, "
      f"best W4 f32-act {f/1e9:.2f} GB/s; median per-round ratio to the "
      f"round's read: W4A8 dyn {100*rdyn:.0f} %, W4 f32-act {100*rf32:.0f} %")
