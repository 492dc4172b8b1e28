"""Writes the demo MLP as MLIR: linalg on tensors, f32 weights as constants,
each matmul named with `mc.layer`. Compression is left to mc's passes."""
import numpy as np


def dense(array):
    """An exact `dense<"0x...">` literal of a C-contiguous array."""
    return 'dense<"0x' + np.ascontiguousarray(array).tobytes().hex().upper() + '">'


def ttype(shape, elt="f32"):
    return "tensor<" + "".join(f"{d}x" for d in shape) + elt + ">"


def build(weights, biases, batch):
    """MLIR text of `@mlp(%x: tensor<batch x 64 x f32>) -> logits`."""
    lines = []
    value = "%x"
    for i, (w, b) in enumerate(zip(weights, biases)):
        k, n = w.shape
        wt, bt, ot = ttype(w.shape), ttype(b.shape), ttype((batch, n))
        relu = i + 1 < len(weights)
        body = ("%r = arith.addf %m, %bb : f32\n"
                + ("      %y = arith.maximumf %r, %zero : f32\n"
                   "      linalg.yield %y : f32" if relu else
                   "      linalg.yield %r : f32"))
        lines += [
            f"  %w{i} = arith.constant {dense(w)} : {wt}",
            f"  %b{i} = arith.constant {dense(b)} : {bt}",
            f"  %e{i} = tensor.empty() : {ot}",
            f"  %f{i} = linalg.fill ins(%zero : f32) outs(%e{i} : {ot}) -> {ot}",
            f"  %m{i} = linalg.matmul {{mc.layer = \"fc{i + 1}\"}} "
            f"ins({value}, %w{i} : {ttype((batch, k))}, {wt}) "
            f"outs(%f{i} : {ot}) -> {ot}",
            f"  %a{i} = linalg.generic {{indexing_maps = [#id, #row, #id], "
            f"iterator_types = [\"parallel\", \"parallel\"]}} "
            f"ins(%m{i}, %b{i} : {ot}, {bt}) outs(%e{i} : {ot}) {{",
            f"    ^bb0(%m: f32, %bb: f32, %o: f32):",
            f"      {body}",
            f"  }} -> {ot}",
        ]
        value = f"%a{i}"
    out = ttype((batch, weights[-1].shape[1]))
    return "\n".join([
        "#id = affine_map<(d0, d1) -> (d0, d1)>",
        "#row = affine_map<(d0, d1) -> (d1)>",
        f"func.func @mlp(%x: {ttype((batch, weights[0].shape[0]))}) -> {out} {{",
        "  %zero = arith.constant 0.0 : f32",
        *lines,
        f"  return {value} : {out}",
        "}",
    ]) + "\n"


def load_weights(path):
    data = np.load(path)
    n = len([k for k in data.files if k.startswith("w")])
    return [data[f"w{i}"] for i in range(n)], [data[f"b{i}"] for i in range(n)]
