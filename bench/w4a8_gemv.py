"""Small-M int4 group GEMV (G = 32 k unless --group), mc's W4A8
dynamic-activation kernel against mc's W4 f32-activation kernel and a streaming read, interleaved in one
process (the machine is shared: each round measures all of them, the ratios
are per round). Weight sets rotate so DRAM, not the cache, is measured.

    python3 bench/w4a8_gemv.py K N SETS [ROUNDS] [--m=M] [--threads=T]
                               [--baseline=BIN] [--isa=ISA] [--group=G]
    python3 bench/w4a8_gemv.py 4096 14336 3 10    # 3 x 36.7 MB
    python3 bench/w4a8_gemv.py 4096 4096 16 10 --m=8

M rows (default 1), T threads (default 1; the read uses as many), ISA
mc-compile's --isa for every module (default: this CPU's best, e.g. avx2
to time those kernels here).
--baseline=BIN also times the W4A8 and W4 kernels that BIN/mc-compile
(another build, e.g. of main) generates, as "W4A8 base" and "W4 f32-act
base", in the same rounds, from
the IR that build's own bench/mc_ir.py (BIN/../../bench) writes, if there
is one: the two may define the group form differently.

GB/s are weight bytes (int4 payload + f32 group scales) per second."""
import sys, time, os, hashlib, importlib.util, inspect
import numpy as np
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mc_ir  # noqa: E402
# Its own cache: run.py's deletes modules of other mc-compile builds.
mc_ir.CACHE = os.path.join(mc_ir.ROOT, "bench", ".cache-w4a8")
from peers import machine  # noqa: E402

opts = dict(a[2:].split("=", 1) for a in sys.argv[1:] if a.startswith("--"))
args = [a for a in sys.argv[1:] if not a.startswith("--")]
K, N, BITS = int(args[0]), int(args[1]), 4
G = int(opts.get("group", 32))
SETS = int(args[2])
ROUNDS = int(args[3]) if len(args) > 3 else 5
M = int(opts.get("m", 1))
T = int(opts.get("threads", 1))
BASELINE = opts.get("baseline")
OWN = (mc_ir.BIN, mc_ir.CACHE)


def baseline_ir():
    """The baseline tree's bench/mc_ir.py, else ours."""
    path = os.path.join(BASELINE, "..", "..", "bench", "mc_ir.py")
    if not os.path.exists(path):
        return mc_ir
    spec = importlib.util.spec_from_file_location("mc_ir_baseline", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BASE_IR = baseline_ir() if BASELINE else mc_ir
SAME_IR = (inspect.getsource(BASE_IR.weight_only_dynamic) ==
           inspect.getsource(mc_ir.weight_only_dynamic))
BASE_KEY = hashlib.sha256(inspect.getsource(
    BASE_IR.weight_only_dynamic).encode()).hexdigest()[:12]


def compile_set(i, baseline=False):
    def text():
        rng = np.random.default_rng([7, i])
        w = rng.standard_normal((K, N), dtype=np.float32) * 0.02
        q, s = mc_ir.quantize_groups(w, BITS, G)
        if baseline:
            return (BASE_IR.weight_only_dynamic(q, s, BITS, M, "wqd") +
                    BASE_IR.weight_only(q, s, BITS, M, "wq"))
        return (mc_ir.weight_only_dynamic(q, s, BITS, M, "wqd") +
                mc_ir.weight_only(q, s, BITS, M, "wq"))
    # A build's modules go to their own cache (a cache holds one build's).
    mc_ir.BIN, mc_ir.CACHE = ((BASELINE, OWN[1] + "-baseline") if baseline
                              else OWN)
    try:
        return mc_ir.compile_module(
            text, T, f"dynbench {K} {N} {G} {i}" + (f" m{M}" if M > 1 else "")
            + (f" baseline {BASE_KEY}" if baseline else ""),
            isa=opts.get("isa"))
    finally:
        mc_ir.BIN, mc_ir.CACHE = OWN


libs, base = [], []
for i in range(SETS):
    t0 = time.time()
    libs.append(compile_set(i))
    if BASELINE:
        base.append(compile_set(i, baseline=True))
    print(f"# set {i}: {time.time() - t0:.1f} s", file=sys.stderr, flush=True)

x = np.random.default_rng(1).standard_normal((M, K), dtype=np.float32)
ys = [np.zeros((M, N), np.float32) for _ in libs]
impls = {"W4A8 dyn": [mc_ir.Entry(l, "wqd", [x], [y]) for l, y in zip(libs, ys)],
         "W4 f32-act": [mc_ir.Entry(l, "wq", [x], [y]) for l, y in zip(libs, ys)]}
if BASELINE:
    yb = [np.zeros((M, N), np.float32) for _ in base]
    impls["W4A8 base"] = [mc_ir.Entry(l, "wqd", [x], [y])
                          for l, y in zip(base, yb)]
    impls["W4 f32-act base"] = [mc_ir.Entry(l, "wq", [x], [y])
                                for l, y in zip(base, yb)]
# Both against each other: they differ only by the activation quantization.
ya, yf = impls["W4A8 dyn"][0]()[0].copy(), impls["W4 f32-act"][0]()[0].copy()
err = np.abs(ya - yf).max() / np.abs(yf).max()
assert err < 3e-2, f"W4A8 differs from W4 f32-act by {err:.3g}"
if BASELINE:
    yb0 = impls["W4A8 base"][0]()[0]
    if SAME_IR:
        assert (yb0 == ya).all(), "baseline differs"
    else:
        # Another f32 order: equal up to rounding.
        err = np.abs(yb0 - ya).max() / np.abs(ya).max()
        assert err < 1e-5, f"baseline differs by {err:.3g}"
        print(f"# baseline's IR form differs; results within {err:.2g}",
              flush=True)
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


res = {"read": [], **{k: [] for k in impls}}
for r in range(ROUNDS):
    res["read"].append(m.read_bw(1 << 30, T, 3))
    # Every other round in reverse order: the first after the read (which
    # has just freed 1 GiB) is not always the same.
    order = list(impls.items())[::-1 if r % 2 else 1]
    for name, calls in order:
        res[name].append(rate(calls))
    print(f"round {r}: read {res['read'][-1]/1e9:.2f} GB/s, " + ", ".join(
        f"{name} best {res[name][-1][0]/1e9:.2f} med {res[name][-1][1]/1e9:.2f}"
        for name in impls) + " GB/s", flush=True)
med = lambda v: sorted(v)[len(v) // 2]
ratios = {name: sorted(m_ / r_ for (_, m_), r_ in zip(res[name], res["read"]))
          for name in impls}
print(f"{K}x{N} int4 G={G}, M={M}, {T} thread(s), {SETS} sets x "
      f"{nbytes/1e6:.1f} MB, {ROUNDS} rounds: best read "
      f"{max(res['read'])/1e9:.2f} GB/s; " + ", ".join(
          f"best {name} {max(b for b, _ in res[name])/1e9:.2f} GB/s"
          for name in impls) +
      "; per-round ratio to the round's read, median (min-max): " + ", ".join(
          f"{name} {100*med(v):.0f} % ({100*v[0]:.0f}-{100*v[-1]:.0f})"
          for name, v in ratios.items()))
