//===- MCAttrs.td - mc encoding attributes -----------------*- tablegen -*-===//

#ifndef MC_DIALECT_MC_IR_MCATTRS_TD
#define MC_DIALECT_MC_IR_MCATTRS_TD

include "mc/Dialect/MC/IR/MCBase.td"
include "mc/Dialect/MC/IR/MCInterfaces.td"
include "mlir/IR/AttrTypeBase.td"

class MC_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<MC_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

// Granularity shared by the encodings that carry scales: per tensor (neither
// `axis` nor `block`), per axis, or per block (one block size per dimension).
defvar MC_GranularityParams = (ins
  OptionalParameter<"std::optional<int64_t>", "quantized axis">:$axis,
  OptionalArrayRefParameter<"int64_t", "block size per dimension">:$block
);

def MC_UniformEncodingAttr : MC_Attr<"UniformEncoding", "uniform",
    [DeclareAttrInterfaceMethods<MC_EncodingAttrInterface>]> {
  let summary = "Uniform affine integer quantization";
  let description = [{
    `value = (q - zero_point) * scale`, with `q` an integer of `storage` type:
    `iN` (signed, N in 1..8) or `uiN` (unsigned). Parts: payload
    `tensor<SHAPE x iN>` (signless; the signedness is this attribute's),
    scales `tensor<S x EXPRESSED>`, and with `zero_point`, zero points
    `tensor<S x i32>`, where S is `[]` per tensor, `[D_axis]` per axis and
    `[D_i / block_i]` per block. `narrow` drops the most negative level
    (signed: [-(2^(N-1)-1), 2^(N-1)-1]; unsigned: [1, 2^N-1]).

    ```mlir
    #mc.uniform<i8>
    #mc.uniform<ui8, axis = 1, zero_point>
    #mc.uniform<i4, block = [1, 32], narrow>
    ```
  }];
  let parameters = !con((ins "::mlir::IntegerType":$storage), MC_GranularityParams,
      (ins DefaultValuedParameter<"bool", "false">:$zeroPoint,
           DefaultValuedParameter<"bool", "false">:$narrow));
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    bool isSigned() const { return !getStorage().isUnsigned(); }
    /// The smallest and largest storage value.
    int64_t getQMin() const;
    int64_t getQMax() const;
  }];
}

def MC_FloatEncodingAttr : MC_Attr<"FloatEncoding", "float",
    [DeclareAttrInterfaceMethods<MC_EncodingAttrInterface>]> {
  let summary = "Narrow floating-point storage, optionally scaled";
  let description = [{
    `value = q * scale` with `q` of `storage` type: f16, bf16, f8E4M3FN or
    f8E5M2. Without scales (`scaled` absent, no `axis`/`block`) the only part
    is the payload `tensor<SHAPE x STORAGE>`; with scales a second part
    `tensor<S x EXPRESSED>` follows, shaped as for `#mc.uniform`. Encoding
    divides by the scale, saturates to the largest finite storage value and
    rounds to nearest even; NaN stays NaN.

    ```mlir
    #mc.float<bf16>
    #mc.float<f8E4M3FN, scaled>
    #mc.float<f8E5M2, axis = 0>
    ```
  }];
  let parameters = !con((ins "::mlir::FloatType":$storage), MC_GranularityParams,
      (ins DefaultValuedParameter<"bool", "false">:$scaled));
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// True if the encoding has a scale part.
    bool hasScales() const {
      return getScaled() || getAxis() || !getBlock().empty();
    }
  }];
}

def MC_CodebookEncodingAttr : MC_Attr<"CodebookEncoding", "codebook",
    [DeclareAttrInterfaceMethods<MC_EncodingAttrInterface>]> {
  let summary = "Look-up table (codebook) quantization";
  let description = [{
    `value = table[s, q]`: each element stores an index `q` of `storage`
    type `iN` or `uiN` (N in 1..8, always read as unsigned) into a table of
    2^N values of the expressed type, one table per tensor, per `axis` or
    per `block` (granularity as for `#mc.uniform`). Parts: indices
    `tensor<SHAPE x iN>` (signless) and the table `tensor<S x 2^N x
    EXPRESSED>`, where S is the scale shape of `#mc.uniform`. Decoding is
    exact (a look-up, no arithmetic); constant table entries must be finite.

    Encoding picks the nearest entry: the smallest `j` minimizing
    `|x' - table[s, j]|` computed in f32 (f64 for f64 tensors), where `x'`
    is `x` clamped to the largest finite magnitude of that type; NaN gives
    index 0. Tables need not be sorted or distinct.

    ```mlir
    #mc.codebook<ui4>
    #mc.codebook<ui1, axis = 1>
    #mc.codebook<i3, block = [32, 1]>
    ```
  }];
  let parameters = !con((ins "::mlir::IntegerType":$storage), MC_GranularityParams);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// 2^N, the entries of each table.
    int64_t getNumEntries() const { return int64_t(1) << getStorage().getWidth(); }
    /// The table part's shape: the scale shape of `shape` followed by 2^N.
    ::llvm::SmallVector<int64_t> getTableShape(::llvm::ArrayRef<int64_t> shape) const;
  }];
}

def MC_NMEncodingAttr : MC_Attr<"NMEncoding", "nm",
    [DeclareAttrInterfaceMethods<MC_EncodingAttrInterface>]> {
  let summary = "N:M structured sparsity";
  let description = [{
    In every group of M consecutive elements along dimension `axis` (groups
    start at multiples of M), at most N are nonzero. Only those N are stored:

    - `indices`: `tensor<SHAPE' x i8>`, the position 0..M-1 of each kept
      value within its group, strictly increasing within a group;
    - the kept values: `tensor<SHAPE' x EXPRESSED>`, or, with
      `values = #enc`, the parts of that encoding for a compressed tensor of
      shape SHAPE' (e.g. 2:4 whose kept values are int4 per group),

    Without `values`, EXPRESSED may also be a signless integer (e.g. the i8
    weight of an integer matmul); the other elements are then 0.

    where SHAPE' is SHAPE with dimension `axis` scaled by N/M. Parts are
    ordered indices first, then the values part(s). Decoding is exact: a
    dense element is the kept value whose index equals its position in its
    group, else +0. (For run-time indices that break the invariant, a
    position named twice takes the first such value; an index outside
    [0, M) names no position.) M is at most 128 so positions fit in i8.

    ```mlir
    #mc.nm<2:4, axis = 0>
    #mc.nm<2:4, axis = 1, values = #mc.uniform<i4, block = [1, 16], narrow>>
    ```
  }];
  let parameters = (ins "int64_t":$n, "int64_t":$m, "int64_t":$axis,
      OptionalParameter<"::mc::EncodingAttrInterface",
                        "encoding of the kept values">:$valueEncoding);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// SHAPE with dimension `axis` scaled by N/M: the shape of the indices
    /// and of the kept values.
    ::llvm::SmallVector<int64_t> getKeptShape(::llvm::ArrayRef<int64_t> shape) const;
    /// The compressed type of the kept values if they are encoded, else null.
    ::mc::CompressedType getValueType(::llvm::ArrayRef<int64_t> shape,
                                      ::mlir::Type expressedType) const;
  }];
}

#endif // MC_DIALECT_MC_IR_MCATTRS_TD
