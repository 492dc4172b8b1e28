# --mc-quantize methods that produce #mc.codebook weights, per tensor,
# channel and group:
# - kmeans: the RNG of the seeding is not reproduced here, so the result is
#   checked for what Lloyd's algorithm guarantees at convergence: each weight
#   takes its nearest entry (first on ties), each used entry is the mean of
#   its weights, at most 2^B distinct ascending entries, and a weight MSE no
#   worse than uniform round-to-nearest at the same bits;
# - log2 and binary (bits=1): tables and indices bit-identical to numpy;
# and for all: mc-run's output of the quantized model equals numpy's
# evaluation with the table-decoded weights, also for a codebook nested in
# 2:4 sparsity (prune, then quantize the kept values).
# RUN: %python %s | FileCheck %s
# CHECK: kmeans: ok
# CHECK: log2: ok
# CHECK: binary: ok
# CHECK: 2:4 + kmeans: ok
import re

import numpy as np

from mctest import dense_hex, matmul_model, mlir_type, opt, parse_constants, run

rng = np.random.default_rng(11)
K, N, M, G = 64, 48, 5, 16
w = (rng.standard_normal((K, N)) * 0.5).astype(np.float32)
w[:, 3] = 0  # an all-zero channel
w[5, :] = np.round(w[5, :] * 8) / 8  # on a grid: ties
x = rng.standard_normal((M, K)).astype(np.float32)

MODEL = matmul_model(w, M)


def groups_of(granularity):
    """Group (table) id of each element of the K x N matrix."""
    k, n = np.indices((K, N))
    return {"tensor": np.zeros((K, N), np.int64), "channel": n,
            "group": (k // G) * N + n}[granularity]


def table_shape(granularity, bits):
    return {"tensor": (), "channel": (N,), "group": (K // G, N)}[granularity] \
        + (1 << bits,)


def quantize(options, bits, granularity):
    """Runs --mc-quantize; returns (indices, tables [groups, 2^bits],
    decoded weights, the quantized module)."""
    out = opt(MODEL, f"--mc-quantize={options}",
              "--mlir-print-elementsattrs-with-hex-if-larger=1")
    consts = parse_constants(out)
    names = re.search(r"mc\.assemble ([^:]*):", out).group(1).split(", ")
    q, table = (consts[n.strip()] for n in names)
    assert f"#mc.codebook<ui{bits}" in out, out
    assert table.shape == table_shape(granularity, bits), (options, table.shape)
    q = q.astype(np.int64) & ((1 << bits) - 1)
    tables = table.reshape(-1, 1 << bits)
    return q, tables, tables[groups_of(granularity), q], out


def nearest(tables, gid):
    """The encoder's choice: first entry with the smallest f32 |w - t|."""
    return np.argmin(np.abs(w[..., None] - tables[gid]), axis=-1)


def check_model(out, dq, what):
    (y,) = run(out, "f", [x], 1)
    want = x.astype(np.float64) @ dq.astype(np.float64)
    err = np.abs(y - want).max() / np.abs(want).max()
    assert err <= 1e-5, (what, err)


def rtn_mse(bits, gid):
    """MSE of symmetric round-to-nearest (narrow range) at the same bits;
    for bits=1, the binary sign(w) * mean|w|."""
    ng = gid.max() + 1
    if bits == 1:
        a = np.bincount(gid.ravel(), np.abs(w).ravel(), ng) / np.bincount(
            gid.ravel(), minlength=ng)
        return np.mean((w - np.where(w < 0, -a[gid], a[gid])) ** 2)
    maxabs = np.zeros(ng, np.float32)
    np.maximum.at(maxabs, gid.ravel(), np.abs(w).ravel())
    s = maxabs / np.float32(2 ** (bits - 1) - 1)
    s = np.where(s > 0, s, 1)[gid]
    qmax = 2 ** (bits - 1) - 1
    return np.mean((w - np.clip(np.round(w / s), -qmax, qmax) * s) ** 2)


for granularity in ("tensor", "channel", "group"):
    gid = groups_of(granularity)
    for bits in (1, 2, 3, 4, 8):
        what = f"kmeans bits={bits} granularity={granularity}"
        q, tables, dq, out = quantize(
            f"method=kmeans bits={bits} granularity={granularity} "
            f"group-size={G}", bits, granularity)
        assert (np.diff(tables, axis=1) >= 0).all(), (what, "not ascending")
        assert max(len(np.unique(t)) for t in tables) <= 1 << bits, what
        assert (q == nearest(tables, gid)).all(), (what, "not nearest")
        for g in range(tables.shape[0]):
            for j in np.unique(q[gid == g]):
                members = w[(gid == g) & (q == j)].astype(np.float64)
                mean, entry = members.mean(), tables[g, j]
                assert abs(entry - mean) <= 1e-6 * max(abs(mean), 1e-30), (
                    what, g, j, entry, mean)
        mse = np.mean((w.astype(np.float64) - dq) ** 2)
        if bits in (1, 2, 4):
            assert mse <= rtn_mse(bits, gid), (what, mse, rtn_mse(bits, gid))
        if bits == 8 and granularity == "group":
            # 16 weights per table of 256 entries: every weight is exact.
            assert mse == 0, (what, mse)
        check_model(out, dq, what)
# The seeding RNG is fixed: the same input gives the same tables.
options = f"--mc-quantize=method=kmeans bits=4 granularity=group group-size={G}"
assert opt(MODEL, options) == opt(MODEL, options)
print("kmeans: ok")


def log2_reference(bits, gid):
    """Tables and indices of method=log2: levels +-s * 2^-c, c < L =
    2^(bits-1) - 1, at index 2c + sign, then +0 and -0; s = max|w| (1 for
    an all-zero group); the nearest level in f32, ties to the lower index."""
    ng = gid.max() + 1
    s = np.zeros(ng, np.float32)
    np.maximum.at(s, gid.ravel(), np.abs(w).ravel())
    s = np.where(s > 0, s, np.float32(1))
    levels = (1 << (bits - 1)) - 1
    tables = np.zeros((ng, 1 << bits), np.float32)
    for c in range(levels):
        m = np.ldexp(s.astype(np.float64), -c).astype(np.float32)
        tables[:, 2 * c], tables[:, 2 * c + 1] = m, -m
    tables[:, -1] = -0.0
    return tables, nearest(tables, gid)


for granularity in ("tensor", "channel", "group"):
    gid = groups_of(granularity)
    for bits in (2, 3, 4, 8):
        what = f"log2 bits={bits} granularity={granularity}"
        q, tables, dq, out = quantize(
            f"method=log2 bits={bits} granularity={granularity} "
            f"group-size={G}", bits, granularity)
        want_tables, want_q = log2_reference(bits, gid)
        assert (tables.view(np.uint32) == want_tables.view(np.uint32)).all(), \
            what
        assert (q == want_q).all(), what
        check_model(out, dq, what)

# Ties go to the larger magnitude on both signs, also next to 0 (bits=4, s =
# 1): 0.75 is halfway between 1 and 1/2, 3/128 between 1/32 and 1/64, 1/128
# between the smallest level 1/64 and 0.
tw = np.array([[1.0, 0.75, -0.75, 3 / 128, 1 / 128, -1 / 128, 0.0, 1 / 512,
                -0.3]], np.float32).T
tie_model = matmul_model(tw, 1)
out = opt(tie_model, "--mc-quantize=method=log2 bits=4",
          "--mlir-print-elementsattrs-with-hex-if-larger=1")
consts = parse_constants(out)
names = re.search(r"mc\.assemble ([^:]*):", out).group(1).split(", ")
q, table = (consts[n.strip()] for n in names)
q = q.astype(np.int64).ravel() & 15
assert q.tolist() == [0, 0, 1, 10, 12, 13, 14, 14, 5], q.tolist()
assert table.reshape(-1)[q].tolist() == [1, 1, -1, 1 / 32, 1 / 64, -1 / 64,
                                         0, 0, -0.25]
print("log2: ok")

for granularity in ("tensor", "channel", "group"):
    gid = groups_of(granularity)
    what = f"binary granularity={granularity}"
    q, tables, dq, out = quantize(
        f"bits=1 granularity={granularity} group-size={G}", 1, granularity)
    # a = mean|w| summed in double in row-major order, then rounded.
    ng = gid.max() + 1
    a = np.array([np.cumsum(np.abs(w[gid == g]).astype(np.float64))[-1] /
                  np.count_nonzero(gid == g) for g in range(ng)]
                 ).astype(np.float32)
    assert (tables.view(np.uint32) ==
            np.stack([a, -a], axis=1).view(np.uint32)).all(), what
    assert (q == (w < 0)).all(), what  # sign(0) = +1
    check_model(out, dq, what)
print("binary: ok")

# 2:4 along K, then k-means over groups of 8 kept values: the codebook
# encodes the kept values, nested in #mc.nm.
out = opt(MODEL, "--mc-prune=mode=nm n=2 m=4",
          "--mc-quantize=method=kmeans bits=3 granularity=group group-size=8",
          "--mlir-print-elementsattrs-with-hex-if-larger=1")
assert "#mc.nm<2:4, axis = 0, values = #mc.codebook<ui3, block = [8, 1]>>" \
    in out, out
consts = parse_constants(out)
names = re.search(r"mc\.assemble ([^:]*):", out).group(1).split(", ")
pos, q, table = (consts[n.strip()] for n in names)
pos, q = pos.astype(np.int64) & 3, q.astype(np.int64) & 7
kk, n = np.indices(q.shape)  # K/2 x N kept values
kept_gid = (kk // 8) * N + n
tables = table.reshape(-1, 8)
kept = tables[kept_gid, q]
# Each kept value's original weight: row (kk // 2) * 4 + position.
orig = w[(kk // 2) * 4 + pos, n]
assert (q == np.argmin(np.abs(orig[..., None] - tables[kept_gid]), -1)).all()
dq = np.zeros_like(w)
dq[(kk // 2) * 4 + pos, n] = kept
check_model(out, dq, "2:4 + kmeans")
print("2:4 + kmeans: ok")
