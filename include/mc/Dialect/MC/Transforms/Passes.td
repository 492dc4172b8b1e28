//===- Passes.td - mc transformation passes ----------------*- tablegen -*-===//

#ifndef MC_DIALECT_MC_TRANSFORMS_PASSES_TD
#define MC_DIALECT_MC_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def MCLowerReference : Pass<"mc-lower-reference", "::mlir::ModuleOp"> {
  let summary = "Lower every mc op to linalg/arith/tensor with exact numerics";
  let description = [{
    The reference meaning of mc: compressed values become their parts (plain
    tensors, also across function signatures, calls and returns), and
    encode/decode/fake_quant become `linalg.generic` ops that round to
    nearest, ties to even, and saturate to the storage range before the
    conversion to integers. The result contains no mc ops and can be finished
    by any upstream pipeline.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::tensor::TensorDialect",
    "::mlir::func::FuncDialect"
  ];
}

def MCImportQuant : Pass<"mc-import-quant"> {
  let summary = "Rewrite upstream quant.qcast/dcast on !quant.uniform into mc";
  let description = [{
    `quant.qcast` becomes `mc.encode` with constant scales and zero points,
    `quant.dcast` of its result `mc.decode`, `quant.scast` of an integer
    tensor `mc.assemble`, and a `quant.dcast` of that `mc.decode`. Per-tensor,
    per-axis and sub-channel `!quant.uniform` types are supported.
    Quantized values that flow anywhere else are reported as errors.
  }];
  let dependentDialects = ["::mc::MCDialect", "::mlir::arith::ArithDialect"];
}

def MCExportQuant : Pass<"mc-export-quant"> {
  let summary = "Rewrite mc uniform encodings with constant parameters into quant";
  let description = [{
    The inverse of `--mc-import-quant`: `mc.encode` / `mc.assemble` with
    constant scales and zero points become `quant.qcast` / `quant.scast`,
    `mc.decode` becomes `quant.dcast`, and `mc.fake_quant` a qcast/dcast
    pair. Encodings that `!quant.uniform` cannot represent (float storage,
    scales computed at run time, compressed values used by other ops) are
    reported as errors.
  }];
  let dependentDialects = ["::mlir::quant::QuantDialect",
                           "::mlir::arith::ArithDialect"];
}


def MCQuantize : Pass<"mc-quantize", "::mlir::ModuleOp"> {
  let summary = "Quantize the weights of linalg contractions and convolutions";
  let description = [{
    Replaces each selected layer's constant weight by
    `mc.decode(mc.assemble(payload, scales[, zero points]))`, with the
    payload computed by mc's exact encoder (round half to even, saturate).
    The weight is seen as a matrix with K (the reduction dims) and N (the
    output channel): `granularity=channel` has one scale per N,
    `granularity=group` one per `group-size` consecutive weights along K
    within a channel.

    Integer (`type=int`, `bits=8|4|2`): symmetric scales are
    `max|w| / (2^(bits-1) - 1)` with narrow storage (bits=2 is ternary);
    asymmetric ones are `(hi - lo) / (2^bits - 1)` over `lo = min(min w, 0)`,
    `hi = max(max w, 0)` (zero stays exact, so pruned zeros survive) with
    unsigned storage and zero point `clamp(roundeven(-lo / s), 0, 2^bits-1)`.
    `method=mse` scales `max|w|` (or `lo`, `hi`) by the clipping ratio
    `1 - i/40`, i = 0..19, with the smallest squared error per scale (the
    first one on ties). Scales are computed in f32; an all-zero group gets
    scale 1. Float (`type=fp16|bf16` unscaled; `fp8e4m3|fp8e5m2` with scales
    `max|w| / largest finite`).

    Codebooks (`#mc.codebook<uiB>`, one table of 2^B entries in the weight's
    type per tensor, channel or group; indices by the codebook encoder, i.e.
    the nearest entry, first on ties, unless said otherwise):
    `method=kmeans` (bits 1..8) builds the table by k-means: k-means++ seeds
    with std::mt19937_64 seeded 0 per group, Lloyd iterations in double
    until the table stops changing (at most 100), empty clusters keep their
    centroid, entries ascending. `method=log2` (bits 2..8) has levels
    `+-s * 2^-c`, c = 0..2^(B-1)-2, and 0, with s = max|w|, stored at index
    `2c + sign` (0 at the top), so ties go to the larger magnitude.
    `bits=1` (method=rtn) is binary: `{+a, -a}` with a = mean|w|, index =
    sign bit (sign(0) = +1).

    `activations=dynamic` also quantizes the activations x (M x K, f32) of
    plain `linalg.matmul` layers at run time: per row a symmetric int8 scale
    `sx[m] = max_k |x[m, k]| / 127` (1 for an all-zero row) and
    `qx = mc.encode` (narrow, round half to even). Weights must be
    symmetric: int8 per tensor or channel, giving an i8 x i8 -> i32
    `linalg.matmul` and `y = C + (f32(acc) * sx[m]) * sw[n]` (a weight
    pruned N:M along K stays N:M: the matmul's weight is `mc.decode` of the
    positions and the int8 kept values as `#mc.nm` with i8 as expressed
    type); or int8/int4 per group (G a multiple of 4; dense weights only,
    since groups of N:M kept values are not groups of K), giving a `linalg.generic` contraction of
    qx expanded to M x (K/G) x G with the payload, kept in its storage type
    as a (K/G) x G x N constant (sign-extended in the body), into exact i32
    group products P[m, g, n], then a `linalg.generic` reducing over g:
    `a_0 = 0`, `a_{g+1} = a_g + f32(P[m, g, n]) * sw[g, n]` for g
    ascending, and an element-wise one `y = C[m, n] + a[m, n] * sx[m]`,
    each operation rounded to f32 (no FMA). The contraction carries the
    layer's name and statistics.

    `activations=static` (post-training static quantization) builds the
    same IR with one constant scale per layer instead of the run-time row
    scales: `sx[m] = c / 127` (f32; 1 if c = 0) with c = max(|min|, |max|)
    of the layer's entry in `calibration=FILE[,FILE...]`, the JSON that
    `mc-run --calibrate=FILE` writes (`{"layers": {"<layer>": {"min": ..,
    "max": ..}}}`, see `--mc-observe-activations`); with several files
    (calibration runs on several batches) the widest range. Activations
    outside the calibrated range saturate to +-127. With
    `activation-symmetric=false` (tensor or channel weights, not N:M) the
    activations take the full int8 range with a zero point, by the weights'
    asymmetric rule on [min(lo, 0), max(hi, 0)]: `sx = (hi - lo) / 255`,
    `zx = clamp(roundeven(-lo / sx), 0, 255) - 128`, `qx = mc.encode` with
    that zero point, and the epilogue subtracts the constant zero-point
    term `zx * sum_k qw[k, n]` (i32) before the conversion: `y = C +
    (f32(acc - zx * sum_k qw[k, n]) * sx) * sw[n]`. Every layer it
    quantizes must have an entry. It also takes `linalg.conv_2d_nhwc_hwcf`
    and `conv_2d_nchw_fchw` layers of static f32 tensors with symmetric
    int8 filters per tensor or output channel: x is encoded with the one
    scale (per tensor), the convolution of the same kind runs on the int8
    filter (in its own layout) into i32, and `y = C + (f32(acc) * sx) *
    sw[f]`.
  }];
  let options = [
    Option<"bits", "bits", "unsigned", /*default=*/"0",
           "Bits per weight: 8, 4, 2 or 1 (binary) for type=int (default 8), "
           "1..8 with method=kmeans, 2..8 with method=log2; must match the "
           "storage width for float types">,
    Option<"type", "type", "std::string", /*default=*/"\"int\"",
           "int | fp16 | bf16 | fp8e4m3 | fp8e5m2">,
    Option<"symmetric", "symmetric", "bool", /*default=*/"true",
           "Symmetric (no zero point) or asymmetric integer quantization">,
    Option<"granularity", "granularity", "std::string",
           /*default=*/"\"channel\"", "tensor | channel | group">,
    Option<"groupSize", "group-size", "int64_t", /*default=*/"128",
           "Weights per group along K (granularity=group)">,
    Option<"method", "method", "std::string", /*default=*/"\"rtn\"",
           "rtn | mse | log2 | kmeans (log2 and kmeans need type=int)">,
    Option<"activations", "activations", "std::string",
           /*default=*/"\"none\"",
           "none | dynamic (int8 activations with per-row scales computed "
           "at run time for plain linalg.matmul layers; integer products "
           "accumulate in i32 and are rescaled in f32, see above) | static "
           "(the same with calibrated constant scales)">,
    Option<"activationSymmetric", "activation-symmetric", "bool",
           /*default=*/"true",
           "activations=static: symmetric int8 activations (narrow, one "
           "scale), or asymmetric ones (a zero point; tensor or channel "
           "weights only)">,
    ListOption<"calibration", "calibration", "std::string",
               "activations=static: the JSON files of activation ranges "
               "that `mc-run --calibrate=FILE` writes (several: the widest "
               "range of each layer)">,
    Option<"layers", "layers", "std::string", /*default=*/"\"\"",
           "Regex over layer names (`mc.layer` or generated)">,
    Option<"minParams", "min-params", "int64_t", /*default=*/"0",
           "Skip layers with fewer weights">,
  ];
  let dependentDialects = ["::mc::MCDialect", "::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect"];
}

def MCObserveActivations : Pass<"mc-observe-activations", "::mlir::ModuleOp"> {
  let summary = "Return the range of each layer's activations, for calibration";
  let description = [{
    For every layer whose activations `--mc-quantize=activations=static`
    can quantize (a plain `linalg.matmul` of f32 activations of static
    shape times a K x N weight, or a 2-D NHWC/HWCF or NCHW/FCHW
    convolution of static f32 tensors), computes the min and max of the
    activations (`arith.minimumf` / `maximumf`: a NaN makes both NaN) and
    returns them as an extra `tensor<2xf32>` result [min, max] of the
    enclosing function, in layer order. The function gets the layer names
    in the `mc.observed` array attribute. `mc-run --calibrate=FILE` runs
    this pass and writes the ranges as JSON for `--mc-quantize
    activations=static calibration=FILE`.

    Only public functions that nothing in the module calls are changed;
    layers elsewhere, or nested in a region of the function, are left alone
    with a remark.
  }];
  let options = [
    Option<"layers", "layers", "std::string", /*default=*/"\"\"",
           "Regex over layer names (`mc.layer` or generated)">,
    Option<"minParams", "min-params", "int64_t", /*default=*/"0",
           "Skip layers with fewer weights">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def MCCompressionReport : Pass<"mc-compression-report", "::mlir::ModuleOp"> {
  let summary = "Per-layer and total size, sparsity, rank, FLOPs and SQNR";
  let description = [{
    Prints a table to stderr and, with `output=FILE`, writes the same as
    JSON. Before/after figures come from the `mc.compression` attribute the
    compression passes leave on each layer (dense parameters and FLOPs before
    the first pass, accumulated signal and noise energies); uncompressed
    layers report their own size. The IR is not changed.
  }];
  let options = [
    Option<"output", "output", "std::string", /*default=*/"\"\"",
           "Write the report as JSON to this file">,
  ];
}

def MCFactorize : Pass<"mc-factorize", "::mlir::ModuleOp"> {
  let summary = "Low-rank factorization of constant weights by truncated SVD";
  let description = [{
    Every layer found by mc's layer discovery (linalg contractions and
    convolutions with a constant weight, selected by `layers` and
    `min-params`) whose weight, viewed as a matrix W of K (reduction) x N
    (output channels), factorizes profitably is rewritten from `x·W` into
    `(x·U)·V`, with U (K x r) and V (r x N) from the truncated SVD of W
    (double precision; sqrt(sigma) on both sides). The first op is the
    original op with U as its weight and r output channels (accumulating
    into zeros); the second contracts those r channels with V into the
    original output (so a bias-initialized output stays correct): a
    `linalg.matmul` / `vecmat` / `batch_matmul` for matmul-like layers, a 1x1
    `linalg.conv_2d_nhwc_hwcf` / `conv_2d_nchw_fchw` after a 2-D convolution
    (the kernel factorized as (KH*KW*C) x F), else a `linalg.generic`. The
    factors are `arith.constant`s of the weight's element type. The new ops
    are named `<layer>.u` and `<layer>.v` (`mc.layer`) and carry `mc.rank`;
    the `.u` op carries the layer's `mc.compression` record (with `rank`),
    the `.v` op a zero baseline so totals over ops stay the dense totals.
    Batched weights get one SVD per batch matrix and a common rank (the
    largest any batch matrix needs). Depthwise convolutions are skipped.

    Exactly one rank rule: `rank=R` (clamped to min(K, N)), `energy=E` (the
    smallest rank keeping fraction E of the sum of squared singular values)
    or `max-rel-error=X` (the smallest rank with ||W - W_r||_F / ||W||_F <=
    X); the rank is always at least 1. A layer is factorized only if
    r * (K + N) < K * N and r * (K + N) <= (1 - min-savings) * K * N; other
    layers are left alone with a remark.
  }];
  let options = [
    Option<"rank", "rank", "int64_t", /*default=*/"0",
           "Fixed rank (>= 1; clamped to min(K, N))">,
    Option<"energy", "energy", "double", /*default=*/"0.0",
           "Keep this fraction (0, 1] of the squared singular values">,
    Option<"maxRelError", "max-rel-error", "double", /*default=*/"0.0",
           "Smallest rank whose relative Frobenius error is at most this">,
    Option<"minSavings", "min-savings", "double", /*default=*/"0.0",
           "Factorize only if at least this fraction [0, 1) of the "
           "parameters is saved">,
    Option<"layers", "layers", "std::string", /*default=*/"\"\"",
           "Regex on layer names (mc.layer); empty = all">,
    Option<"minParams", "min-params", "int64_t", /*default=*/"0",
           "Only layers with at least this many weight parameters">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def MCPrune : Pass<"mc-prune", "::mlir::ModuleOp"> {
  let summary = "Magnitude pruning: unstructured, N:M, or whole output channels";
  let description = [{
    Prunes the constant weights of the layers `collectLayers` finds (linalg
    contractions and convolutions), selected by `layers` (a regex on the
    layer name, `mc.layer`) and `min-params`.

    - `mode=unstructured`: zeroes the k weights with the smallest |w|, where
      k is the largest integer with k / count <= `sparsity` (floor of
      sparsity * count taken in exact arithmetic on the double value, so
      0.29 of 100 weights is 29), per layer (`scope=layer`) or over all
      selected layers with one ranking (`scope=global`). Ties go by flat
      index in the weight operand's row-major layout (and for global, by
      layer order first), lowest pruned first. The weight becomes a dense
      `arith.constant`.
    - `mode=nm`: in every group of `m` consecutive weights along the
      reduction dimension K of one output channel, keeps the `n` largest
      |w| (ties: the lower position is kept). The weight becomes
      `mc.decode(mc.assemble(indices, values))` of `#mc.nm<n:m, axis = K>`.
      `m` must divide K of every selected layer.
    - `mode=channel`: removes the k output channels (same rule for k) with
      the smallest L1 or L2 norm (`criterion`; ties: lower channel first)
      of each selected layer whose result reaches other layers only through
      element-wise `linalg.generic` ops (bias add, activation), and shrinks
      those ops and the consumers' weights along their input dimension.
      Layers whose output is a function result or reaches other ops are
      skipped with a remark, so function signatures never change.

    NaN weights count as the largest magnitude. Integer weights (signless,
    at most 16 bits: already quantized models) are pruned by
    `mode=unstructured` and `mode=nm` in place, as a dense constant of
    their own type with zeros (mc's encodings express float values; the 2:4
    int8 CPU and GPU kernels take such weights); `mode=channel` takes float
    weights only. Layers with other weights (f64, wider integers) are
    skipped with a remark.
  }];
  let options = [
    Option<"mode", "mode", "std::string", /*default=*/"\"unstructured\"",
           "unstructured, nm or channel">,
    Option<"sparsity", "sparsity", "double", /*default=*/"0.0",
           "fraction of weights (unstructured) or channels (channel) to "
           "remove, in [0, 1)">,
    Option<"scope", "scope", "std::string", /*default=*/"\"layer\"",
           "layer or global (unstructured only): one threshold per layer or "
           "over all selected layers">,
    Option<"nKeep", "n", "int64_t", /*default=*/"2",
           "nm: weights kept per group">,
    Option<"mGroup", "m", "int64_t", /*default=*/"4",
           "nm: group size along K (at most 128)">,
    Option<"criterion", "criterion", "std::string", /*default=*/"\"l1\"",
           "channel: l1 or l2 norm of each output channel">,
    Option<"layers", "layers", "std::string", /*default=*/"\"\"",
           "regex matched against whole layer names (empty: all)">,
    Option<"minParams", "min-params", "int64_t", /*default=*/"0",
           "only layers with at least this many weights">,
  ];
  let dependentDialects = ["::mc::MCDialect", "::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect"];
}

def MCCPUKernels : Pass<"mc-cpu-kernels", "::mlir::ModuleOp"> {
  let summary = "Rewrite contractions into tiled CPU kernels for a target ISA";
  let description = [{
    Rewrites the contractions it recognizes, at tensor level, into tiled
    loops over register tiles built from vector ops and the target's dot
    product instructions. The result is exactly the reference result (bit
    for bit on integer paths). Contractions it does not recognize are left
    to the reference lowering.

    - `linalg.matmul` of i8 x i8 -> i32 (signed) with a constant K x N
      weight: the weight is packed at compile time into panels of `L`
      columns x 4 consecutive k (L = lanes per vector); one element-wise
      `linalg.generic` consumer (requantization: scales, bias, zero point,
      clamp, ReLU, rounding) is fused into the store of the register tile.
      `isa=avx512-vnni` (16 i32 lanes, 8 x 3 register tiles) and
      `isa=avx-vnni` (8 lanes, 6 x 2 tiles for 16 ymm registers) use
      `mc.dot4 {lhs_unsigned}` (`vpdpbusd`) with the weight offset by +128
      (u8) and a row-sum compensation (-128 * sum_k a[m, k]); `isa=avx2`
      (8 lanes, 6 x 2 tiles) packs 2 consecutive k per lane instead,
      sign-extends a to i16 once and the weight bytes as they are loaded,
      and uses `mc.dot2` (`vpmaddwd` + `vpaddd`: exact, unlike the
      saturating `vpmaddubsw`); `isa=neon-dotprod` uses `arm_neon.intr.sdot`;
      `isa=neon-i8mm` uses `arm_neon.intr.smmla` (2 x 8 times 8 x 2 into a
      2 x 2 tile) on panels of column pairs x 8 consecutive k, two rows of
      the activations per operand, rows in pairs in the register tile;
      `isa=generic` and `isa=neon` (AArch64 without dot products) use
      signed `mc.dot4` (plain vector arithmetic after `--mc-lower-dot4`).
    - `isa=avx512-vnni`, the same i8 matmul whose constant weight is 2:4
      sparse along K (at most 2 nonzeros in every aligned 4 k, as
      `--mc-prune="mode=nm n=2 m=4"` leaves it): per column and 8 k the
      kept weights fill one i32 lane, packed with a byte index per weight;
      the 8 bytes of a row of A are broadcast and `mc.byte_shuffle`
      (`vpshufb`) gathers each column's 4, so one `mc.dot4` covers 8 k. A
      is offset by +128 (u8) in a padded copy, so the compensation
      (-128 * sum_k w[k, n]) is a compile-time constant per column. Runs
      before the dense rewrite; the epilogue is fused as above.
    - f32 `linalg.matmul` whose weight is `mc.decode` of an `mc.assemble`
      of constants with `#mc.uniform<iB|uiB>` (B in 2..8, optional
      `zero_point`), scales per group of G >= 8 along K (`block = [G, b]`),
      per channel (`axis = 1`) or per tensor: a GEMV / small-M kernel for
      weights streamed from memory. The weight is packed at compile time
      into panels of `L` columns, each the sequence of its groups: `L`
      scales, `L` zero-point terms, then 8 k per step (for B <= 4 one i32
      per column of nibbles q + 8 (signed) or q; else a byte per weight),
      so every byte is read once, in order. Dequantized in registers:
      nibbles by a mask and an exact conversion to u * 2^4j against x
      pre-scaled by 2^-4j, the offset taken off once per group with
      sum_g x; bytes by an extension, the zero point subtracted in i32, a
      conversion. Summed with FMAs per group and scaled once per group:
      `y = fma(sum_g, s_g, y)`. Equal to the reference within float
      rounding (exactly when the sums are exact). Rows go in tiles of up
      to 8; the element-wise consumer is fused as above. The same for
      `#mc.float<f16|bf16|f8E4M3FN|f8E5M2>` (unscaled too): 1 or 2 bytes
      per weight, widened through f16 in registers (f8E4M3FN as its
      value / 2^8, the 2^8 in the packed scales; weights with its NaN are
      left to the reference lowering).

    - f32 `linalg.matmul` whose constant f32 weight is at least 70 % zeros
      (below that the bitmask format saves too little): per panel of 16
      columns and k, a 16-bit mask and only the nonzeros (one stream per
      panel) in private `memref.global` constants; `vector.expandload`
      (`vexpandps`) places the nonzeros in their lanes, one FMA per row
      with x[m, k] broadcast. 4 panels per parallel group are independent
      offset chains; K unrolled by 4; rows in tiles of up to 4. Zeros are
      skipped (an inf/NaN in x meets only nonzero weights); equal to the
      reference within float rounding, exactly when the sums are exact.
    - f32 `linalg.matmul` whose weight is `mc.decode` of an `mc.assemble`
      of constants with `#mc.codebook<iB|uiB>` (B in 1..4) with a table per
      tensor, per column (`axis = 1`) or per block of G x b (G a multiple
      of 16): vectorized along K so every lane uses the column's table;
      indices packed B bits (3 in 4) per i32 lane, 16 k per vector; the
      look-up is a `vector.from_elements` of dynamic `vector.extract`s,
      which LLVM makes one `vpermd` on AVX-512. For `isa=neon`,
      `neon-dotprod` and `neon-i8mm` the indices are packed per byte (16
      per register) and each table as 4 planes of 16 bytes (byte p of
      every entry): 4 `mc.table_lookup` (`tbl` with one table register)
      and two levels of `vector.interleave` (`zip1`/`zip2`) give 16
      weights. 4 columns per parallel group, rows in tiles of up to 4 (on
      NEON, where a 16-lane vector is 4 registers, 2 columns and 2 rows),
      columns reduced at the end. Equal to the reference
      within float rounding, exactly when the sums are exact.

    - The per-group form of `--mc-quantize=activations=dynamic` (a
      contraction of int8 activations, expanded to M x K/G x G, with a
      constant int4/int8 (K/G) x G x N payload into exact i32 group
      products, the `linalg.generic` adding `f32(P) * sw` over the groups
      and the one adding that times sx to C): one GEMV / small-M kernel for
      the x86 ISAs and
      `generic` (`vpdpbusd` on avx512-vnni and avx-vnni).
      The payload is packed at compile time into panels of 32 columns, per
      group 32 f32 scales then per 4 k the `mc.dot4` operands of the two
      16-column vectors (int4: one 64-byte vector, q + 8 in the low nibble
      for the first 16 columns and in the high nibble for the others; int8:
      two vectors, q + 128 on VNNI). The offset is taken off exactly by
      starting each group's i32 accumulators at -offset * sum_g qx
      (computed once per call); per group the f32 sums are updated in the
      reference's order, so the result is bit-identical. Rows go in tiles
      of up to 8; the combine's element-wise consumer is fused as above.

    - A `linalg.generic` reducing its one input along the last dimension
      with `arith.maximumf`, `minimumf` or an integer max/min after
      element-wise ops (the row abs-max of `activations=dynamic`, softmax's
      row max): per row, 4 accumulators of one register from the output's
      value, the body applied with vector types, the last partial vector
      padded with the row's first element, one `vector.reduction`. These
      combiners ignore order and repetition (maximumf / minimumf order -0
      below +0 and propagate NaN), so the result is the reference's bit for
      bit. Sums, `maxnumf` / `minnumf` and other reductions keep the
      reference loops.

    Column panels are distributed over threads with `scf.forall`
    (`num-threads` is used by the pipelines that lower it); the int8 and
    dense f32 GEMMs distribute blocks of rows instead when their activations
    are large (int8: above 512 KB, f32: above 2 MB; or with `block-m`), each
    block going through the column panels in turn.
  }];
  let options = [
    Option<"isa", "isa", "std::string", /*default=*/"\"generic\"",
           "generic, avx2, avx-vnni, avx512-vnni, neon, neon-dotprod or "
           "neon-i8mm; then optionally ','-separated further ISAs the "
           "target has, which some kernels prefer (the W4A8 group kernel "
           "takes sdot for a GEMV on neon-i8mm,neon-dotprod)">,
    Option<"tileM", "tile-m", "int64_t", /*default=*/"0",
           "rows of the register tile (0: the ISA's default)">,
    Option<"tileN", "tile-n", "int64_t", /*default=*/"0",
           "vectors of columns in the register tile (0: the ISA's default)">,
    Option<"blockM", "block-m", "int64_t", /*default=*/"0",
           "int8 and f32 GEMMs: rows per parallel row block, rounded to "
           "the register tile (0: row blocks when the activations are "
           "large, else parallel column panels)">,
    Option<"cpu", "cpu", "std::string", /*default=*/"\"\"",
           "LLVM name of the CPU the kernels are tuned for (empty: generic "
           "tuning); on znver4 and znver5 the W4A8 group kernel leaves "
           "the weight stream of row tiles of up to 4 rows to the "
           "hardware prefetcher">,
  ];
  let dependentDialects = ["::mc::MCDialect", "::mlir::arith::ArithDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::vector::VectorDialect",
                           "::mlir::arm_neon::ArmNeonDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::memref::MemRefDialect"];
}

def MCLowerDot4 : Pass<"mc-lower-dot4"> {
  let summary = "Lower mc's pure vector ops (mc.dot4, mc.dot2, "
                "mc.byte_shuffle, mc.table_lookup, mc.permute, mc.sparse_mma) "
                "to x86 or "
                "AArch64 instructions or to plain vector arithmetic";
  let description = [{
    `isa` names the x86 instructions the target has (the kernel ISAs of
    `--mc-cpu-kernels`); vectors wider than the ISA's are split into pieces
    of its width:

    | isa | `mc.dot4 {lhs_unsigned}` | signed `mc.dot4` | `mc.dot2` | `mc.byte_shuffle` |
    |---|---|---|---|---|
    | `avx512-vnni` | `vpdpbusd` up to 512 bits | i16 pairs | `vpmaddwd` + add, up to 512 | `pshufb` up to 512 |
    | `avx-vnni` | `vpdpbusd` up to 256 bits | i16 pairs | up to 256 | up to 256 |
    | `avx2` | i16 pairs | i16 pairs | up to 256 | up to 256 |
    | `generic` | plain | plain | plain | plain |

    The instructions are `llvm.call_intrinsic`s of
    `llvm.x86.avx512.vpdpbusd.{128,256,512}`,
    `llvm.x86.{sse2,avx2}.pmadd.wd` / `llvm.x86.avx512.pmaddw.d.512` and
    `llvm.x86.{ssse3,avx2,avx512}.pshuf.b*`. LLVM selects the 128- and
    256-bit `vpdpbusd` as VEX `{vex} vpdpbusd` on targets with AVX-VNNI and
    as EVEX with AVX512-VNNI + VL, so `avx-vnni` code runs on either; 512
    bits need AVX512-VNNI, and `vpshufb` / `vpmaddwd` on 512 bits
    AVX512-BW. "i16 pairs": an `mc.dot4` without `vpdpbusd` (s8 x s8, or
    no VNNI) extends its bytes to i16, takes the `mc.dot2` above of them
    with a zero accumulator (exact: the pair sums stay below 2^16) and adds
    each lane's two pair sums (even and odd lanes) to the accumulator
    (the W4A8/W8A8 per-group kernel compiled for `haswell`: 3-5x faster
    than plain arithmetic, which LLVM turns into `vpmulld` and shuffles;
    `bench/int8_isas.py --case=w4a8`). Plain (and everything below 128 bits):
    extensions to i32, a multiply and a sum of the groups of four (two)
    lanes; `mc.byte_shuffle` plain is 16 compares and selects of static
    shuffles. `mc.permute` is `vpermps` / `vpermi2ps` with `avx512-vnni`
    and an extract per lane elsewhere.
  }];
  let options = [
    Option<"isa", "isa", "std::string", /*default=*/"\"generic\"",
           "the target's instructions: generic, avx2, avx-vnni, avx512-vnni "
           "or neon (AArch64)">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::vector::VectorDialect"];
}

#endif // MC_DIALECT_MC_TRANSFORMS_PASSES_TD
