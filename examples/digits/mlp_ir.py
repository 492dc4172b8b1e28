"""Writes the demo MLP as MLIR (linalg on tensors), with each weight matrix
either plain f32 or quantized by a recipe through mc.encode/mc.decode.

Until the compression passes exist, this is where quantization parameters
are chosen (min-max, symmetric); mc folds the encode of the constant weights
at compile time, so only the compressed payload remains in the program."""
import numpy as np

# name -> (encoding template, scale shape fn, scale fn). K x N weights: axis 1
# is the output channel, blocks run along K.
RECIPES = {
    "f32": None,
    "int8 per-channel": ("#mc.uniform<i8, axis = 1, narrow>", 8,
                         lambda w: np.abs(w).max(axis=0) / 127),
    "int4 group-32": ("#mc.uniform<i4, block = [32, 1], narrow>", 4,
                      lambda w: np.abs(w.reshape(-1, 32, w.shape[1]))
                      .max(axis=1) / 7),
    "fp8 e4m3 per-channel": ("#mc.float<f8E4M3FN, axis = 1>", 8,
                             lambda w: np.abs(w).max(axis=0) / 448),
}


def dense(array):
    """An exact `dense<"0x...">` literal of a C-contiguous array."""
    return 'dense<"0x' + np.ascontiguousarray(array).tobytes().hex().upper() + '">'


def ttype(shape, elt="f32"):
    return "tensor<" + "".join(f"{d}x" for d in shape) + elt + ">"


def scales_for(recipe, w):
    """The float32 scales a recipe uses for weight `w` (all positive)."""
    s = RECIPES[recipe][2](w).astype(np.float32)
    return np.maximum(s, np.float32(1e-12))


def weight_bytes(recipe, weights):
    """Bytes of all weight matrices and scales (biases excluded)."""
    total = 0
    for w in weights:
        if RECIPES[recipe] is None:
            total += w.size * 4
        else:
            total += w.size * RECIPES[recipe][1] / 8 + scales_for(recipe, w).size * 4
    return total


def build(weights, biases, batch, recipe):
    """MLIR text of `@mlp(%x: tensor<batch x 64 x f32>) -> logits`."""
    lines = []
    value = "%x"
    for i, (w, b) in enumerate(zip(weights, biases)):
        k, n = w.shape
        wt, bt, ot = ttype(w.shape), ttype(b.shape), ttype((batch, n))
        lines.append(f"  %w{i}f = arith.constant {dense(w)} : {wt}")
        if RECIPES[recipe] is None:
            wv = f"%w{i}f"
        else:
            enc = RECIPES[recipe][0]
            s = scales_for(recipe, w)
            ct = f"!mc.compressed<{k}x{n}xf32, {enc}>"
            lines += [
                f"  %s{i} = arith.constant {dense(s)} : {ttype(s.shape)}",
                f"  %c{i} = mc.encode %w{i}f, %s{i} : ({wt}, {ttype(s.shape)}) -> {ct}",
                f"  %w{i} = mc.decode %c{i} : {ct} -> {wt}",
            ]
            wv = f"%w{i}"
        relu = i + 1 < len(weights)
        body = ("%r = arith.addf %m, %bb : f32\n"
                + ("      %y = arith.maximumf %r, %zero : f32\n"
                   "      linalg.yield %y : f32" if relu else
                   "      linalg.yield %r : f32"))
        lines += [
            f"  %b{i} = arith.constant {dense(b)} : {bt}",
            f"  %e{i} = tensor.empty() : {ot}",
            f"  %f{i} = linalg.fill ins(%zero : f32) outs(%e{i} : {ot}) -> {ot}",
            f"  %m{i} = linalg.matmul ins({value}, {wv} : {ttype((batch, k))}, {wt}) "
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
