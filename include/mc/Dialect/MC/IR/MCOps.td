//===- MCOps.td - mc operations ----------------------------*- tablegen -*-===//

#ifndef MC_DIALECT_MC_IR_MCOPS_TD
#define MC_DIALECT_MC_IR_MCOPS_TD

include "mc/Dialect/MC/IR/MCBase.td"
include "mc/Dialect/MC/IR/MCTypes.td"
include "mc/Dialect/MC/IR/MCInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

class MC_Op<string mnemonic, list<Trait> traits = []>
    : Op<MC_Dialect, mnemonic, traits>;

def MC_AnyEncoding : Attr<
    CPred<"::llvm::isa<::mc::EncodingAttrInterface>($_self)">,
    "mc encoding attribute"> {
  let storageType = "::mc::EncodingAttrInterface";
  let returnType = "::mc::EncodingAttrInterface";
  let convertFromStorage = "$_self";
}

def MC_AssembleOp : MC_Op<"assemble", [Pure]> {
  let summary = "Builds a compressed value from its parts";
  let description = [{
    The operands are the parts the encoding defines, payload first. Constant
    scales must be positive and finite; constant zero points must lie in the
    storage range.

    ```mlir
    %w = mc.assemble %q, %s : (tensor<4x8xi8>, tensor<4xf32>)
           -> !mc.compressed<4x8xf32, #mc.uniform<i8, axis = 0>>
    ```
  }];
  let arguments = (ins Variadic<AnyRankedTensor>:$parts);
  let results = (outs MC_CompressedType:$result);
  let assemblyFormat = "$parts attr-dict `:` functional-type($parts, $result)";
  let hasVerifier = 1;
}

def MC_DisassembleOp : MC_Op<"disassemble", [Pure]> {
  let summary = "Returns the parts of a compressed value";
  let arguments = (ins MC_CompressedType:$input);
  let results = (outs Variadic<AnyRankedTensor>:$parts);
  let assemblyFormat = "$input attr-dict `:` qualified(type($input)) `->` type($parts)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def MC_DecodeOp : MC_Op<"decode", [Pure]> {
  let summary = "Decodes a compressed value to a dense tensor";
  let arguments = (ins MC_CompressedType:$input);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` qualified(type($input)) `->` type($result)";
  let hasVerifier = 1;
}

def MC_EncodeOp : MC_Op<"encode", [Pure]> {
  let summary = "Encodes a dense tensor with given scales, zero points or table";
  let description = [{
    Computes the payload from `input` and the remaining parts (`params`: the
    encoding's parts after the payload). Canonicalization evaluates it at
    compile time when all operands are constants, with exactly the numerics
    of the run-time lowering.

    ```mlir
    %c = mc.encode %x, %s : (tensor<4x8xf32>, tensor<f32>)
           -> !mc.compressed<4x8xf32, #mc.uniform<i8>>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, Variadic<AnyRankedTensor>:$params);
  let results = (outs MC_CompressedType:$result);
  let assemblyFormat = [{
    $input (`,` $params^)? attr-dict `:` functional-type(operands, $result)
  }];
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
}

def MC_FakeQuantOp : MC_Op<"fake_quant", [Pure]> {
  let summary = "Quantize-dequantize that is never folded away";
  let description = [{
    `mc.decode(mc.encode(input, params))` in one op, for quantization-aware
    training and accuracy simulation. Unlike upstream
    `quant.dcast(quant.qcast(x))`, no folder or canonicalization removes it.

    ```mlir
    %y = mc.fake_quant #mc.uniform<i8, narrow> %x, %s
           : (tensor<16xf32>, tensor<f32>) -> tensor<16xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, Variadic<AnyRankedTensor>:$params,
                       MC_AnyEncoding:$encoding);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $encoding $input (`,` $params^)? attr-dict `:`
    functional-type(operands, $result)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The compressed type the round trip goes through.
    CompressedType getCompressedType();
  }];
}


def MC_Dot4Op : MC_Op<"dot4", [Pure, AllTypesMatch<["acc", "result"]>,
                                  AllTypesMatch<["lhs", "rhs"]>]> {
  let summary = "Sums of four byte products added to i32 lanes";
  let description = [{
    `result[i] = acc[i] + sum_{t < 4} ext(lhs[4i + t]) * sext(rhs[4i + t])`
    modulo 2^32, where `ext` is zero-extension if `lhs_unsigned` is set and
    sign-extension otherwise. This is the operation of x86 `vpdpbusd`
    (u8 x s8), which MLIR 22's `x86vector` dialect lacks; unlike
    `llvm.call_intrinsic` the op is pure, so it bufferizes with the rest of
    a kernel. `--mc-lower-dot4` turns it into the instruction or into plain
    vector arithmetic.

    `small_lhs` promises that every byte of lhs is in [0, 127] (so both
    extensions agree); the result is undefined otherwise, as with `nsw` on
    arith ops. x86 without VNNI then multiplies with `vpmaddubsw`, whose
    i16 pair sums cannot saturate on such bytes (|2 * 127 * -128| < 2^15),
    and sums the pairs with `vpmaddwd` by ones, instead of widening both
    operands to i16 (int4 weights as nibbles, 0..15).

    ```mlir
    %r = mc.dot4 %acc, %lhs, %rhs {lhs_unsigned}
           : vector<64xi8> into vector<16xi32>
    ```
  }];
  let arguments = (ins VectorOfRankAndType<[1], [I32]>:$acc,
                       VectorOfRankAndType<[1], [I8]>:$lhs,
                       VectorOfRankAndType<[1], [I8]>:$rhs,
                       UnitAttr:$lhs_unsigned,
                       UnitAttr:$small_lhs);
  let results = (outs VectorOfRankAndType<[1], [I32]>:$result);
  let assemblyFormat = [{
    $acc `,` $lhs `,` $rhs attr-dict `:` type($lhs) `into` type($result)
  }];
  let hasVerifier = 1;
}

def MC_Dot2Op : MC_Op<"dot2", [Pure, AllTypesMatch<["acc", "result"]>,
                                  AllTypesMatch<["lhs", "rhs"]>]> {
  let summary = "Sums of two i16 products added to i32 lanes";
  let description = [{
    `result[i] = acc[i] + sum_{t < 2} sext(lhs[2i + t]) * sext(rhs[2i + t])`
    modulo 2^32. This is x86 `vpmaddwd` followed by `vpaddd` (the only sum
    `vpmaddwd` cannot hold, 2 * (-2^15)^2 = 2^31, wraps to -2^31 as it does
    modulo 2^32), the exact s8 x s8 dot product of CPUs without VNNI when
    the bytes are sign-extended to i16 first. Pure for the same reason as
    `mc.dot4`; `--mc-lower-dot4` turns it into the instructions or into
    plain vector arithmetic.

    ```mlir
    %r = mc.dot2 %acc, %lhs, %rhs : vector<16xi16> into vector<8xi32>
    ```
  }];
  let arguments = (ins VectorOfRankAndType<[1], [I32]>:$acc,
                       VectorOfRankAndType<[1], [I16]>:$lhs,
                       VectorOfRankAndType<[1], [I16]>:$rhs);
  let results = (outs VectorOfRankAndType<[1], [I32]>:$result);
  let assemblyFormat = [{
    $acc `,` $lhs `,` $rhs attr-dict `:` type($lhs) `into` type($result)
  }];
  let hasVerifier = 1;
}

def MC_ByteShuffleOp : MC_Op<"byte_shuffle", [Pure,
    AllTypesMatch<["table", "indices", "result"]>]> {
  let summary = "Byte look-up within each 16-byte lane";
  let description = [{
    For every byte i: `result[i] = indices[i] < 0 ? 0 :
    table[16 * (i / 16) + indices[i] % 16]` (the sign bit zeroes; bits 4..6
    are ignored). This is x86 `pshufb` (`vpshufb` on 32 and 64 bytes, which
    shuffles each 16-byte lane on its own); MLIR 22 has no vector op for a
    permutation given by a run-time vector. `--mc-lower-dot4` turns it into
    the instruction or into compares and selects that any target can run.

    ```mlir
    %r = mc.byte_shuffle %table, %indices : vector<64xi8>
    ```
  }];
  let arguments = (ins FixedVectorOfLengthAndType<[16, 32, 64], [I8]>:$table,
                       FixedVectorOfLengthAndType<[16, 32, 64], [I8]>:$indices);
  let results = (outs FixedVectorOfLengthAndType<[16, 32, 64], [I8]>:$result);
  let assemblyFormat = [{
    $table `,` $indices attr-dict `:` type($result)
  }];
}

def MC_TableLookupOp : MC_Op<"table_lookup", [Pure,
    AllTypesMatch<["indices", "result"]>]> {
  let summary = "Byte look-up in a table of 16 to 64 bytes";
  let description = [{
    For every byte i, with `j = zext(indices[i])`:
    `result[i] = j < T ? table[j] : 0`, where T (16, 32, 48 or 64) is the length of the table: indices
    are unsigned and any index past the table gives 0. This is AArch64 `tbl`
    with 1 to 4 table registers (base Advanced SIMD), which MLIR 22's
    `arm_neon` lacks. Wider entries are looked up byte by byte, e.g. the
    codebook kernel keeps 16 f32 entries as 4 planes of 16 bytes and
    interleaves the 4 results. The indices (and the result) are a multiple
    of 8 bytes. `--mc-lower-dot4` turns it into `tbl`
    (`neon`) or into exact extracts elsewhere.

    ```mlir
    %r = mc.table_lookup %table, %indices : vector<64xi8>, vector<64xi8>
    ```
  }];
  let arguments = (ins FixedVectorOfLengthAndType<[16, 32, 48, 64], [I8]>:$table,
                       FixedVectorOfRankAndType<[1], [I8]>:$indices);
  let results = (outs FixedVectorOfRankAndType<[1], [I8]>:$result);
  let assemblyFormat = [{
    $table `,` $indices attr-dict `:` type($table) `,` type($result)
  }];
  let hasVerifier = 1;
}

def MC_PermuteOp : MC_Op<"permute", [Pure,
    TypesMatchWith<"the result has an f32 per index", "indices", "result",
      "::mlir::VectorType::get(::llvm::cast<::mlir::VectorType>($_self)"
      ".getShape(), ::mlir::Float32Type::get($_self.getContext()))">]> {
  let summary = "Look-up of f32 lanes in a table of 16 or 32 lanes";
  let description = [{
    For every lane i: `result[i] = table[indices[i] mod T]`, T (16 or 32)
    the length of the table: only the low 4 or 5 bits of an index count.
    This is x86 `vpermps` (16 lanes) and `vpermi2ps` (32 lanes, two
    registers); MLIR 22 has no vector op for a permutation given by a
    run-time vector, and LLVM forms `vpermps` from dynamic extracts of one
    register but not `vpermi2ps` from two. `--mc-lower-dot4` turns it into
    the instruction (`isa=avx512-vnni`) or into exact extracts elsewhere.

    ```mlir
    %r = mc.permute %table, %indices : vector<32xf32>, vector<16xi32>
    ```
  }];
  let arguments = (ins FixedVectorOfLengthAndType<[16, 32], [F32]>:$table,
                       FixedVectorOfLengthAndType<[16], [I32]>:$indices);
  let results = (outs FixedVectorOfLengthAndType<[16], [F32]>:$result);
  let assemblyFormat = [{
    $table `,` $indices attr-dict `:` type($table) `,` type($indices)
  }];
}

def MC_SparseMmaOp : MC_Op<"sparse_mma", [Pure,
    AllTypesMatch<["acc", "result"]>,
    AllElementTypesMatch<["values", "rhs"]>]> {
  let summary = "Tile product with a 2:4 structured-sparse left operand";
  let description = [{
    The warp-level operation of a sparse tensor core (PTX `mma.sp`) on
    whole tiles: `result = acc + A * transpose(rhs)`, where `A` (R x K) is
    2:4 sparse along K and given by its kept `values` (R x K/2) and the
    positions `meta` (R x K/16, i16). `meta[r, j]` holds the positions in
    the 4-wide chunks of row r's columns [16j, 16j + 16): bits 4c..4c+1 the
    position of `values[r, 8j + 2c]` in chunk c, bits 4c+2..4c+3 that of
    `values[r, 8j + 2c + 1]` (the order of PTX's sparsity metadata). The
    two positions of a chunk differ; its other two elements are zero.
    Products and sums are those of `vector.contract` with `A`: i8 operands
    sign-extended to i32 (sums modulo 2^32), f16/bf16 extended to f32 and
    added in k order.

    `--mc-gpu-map-kernels` turns 16 x 16 values, 16 x 2 metadata and an
    8 x 32 `rhs` into `nvgpu.mma.sp.sync` (m16n8k32); `--mc-lower-dot4`
    expands the op into a decode and a `vector.contract` for any target.

    ```mlir
    %r = mc.sparse_mma %values, %meta, %rhs, %acc
           : vector<16x16xi8>, vector<16x2xi16>, vector<8x32xi8>
             into vector<16x8xi32>
    ```
  }];
  let arguments = (ins VectorOfRankAndType<[2], [I8, F16, BF16]>:$values,
                       VectorOfRankAndType<[2], [I16]>:$meta,
                       VectorOfRankAndType<[2], [I8, F16, BF16]>:$rhs,
                       VectorOfRankAndType<[2], [I32, F32]>:$acc);
  let results = (outs VectorOfRankAndType<[2], [I32, F32]>:$result);
  let assemblyFormat = [{
    $values `,` $meta `,` $rhs `,` $acc attr-dict `:` type($values) `,`
    type($meta) `,` type($rhs) `into` type($result)
  }];
  let hasVerifier = 1;
}

#endif // MC_DIALECT_MC_IR_MCOPS_TD
