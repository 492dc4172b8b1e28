//===- KernelSupport.h - shared pieces of mc's CPU kernels ------*- C++ -*-===//
//
// The CPU kernels are emitted at tensor level as loops over register tiles
// of vectors (scf + vector + the target's dot-product intrinsics), so they
// bufferize and lower with the rest of the module. This header holds what
// the kernel emitters share: the ISA description and the fusion of an
// element-wise consumer into the store of a register tile.
//
//===----------------------------------------------------------------------===//

#ifndef MC_LIB_DIALECT_MC_TRANSFORMS_KERNELS_KERNELSUPPORT_H
#define MC_LIB_DIALECT_MC_TRANSFORMS_KERNELS_KERNELSUPPORT_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/PatternMatch.h"
#include <optional>

namespace mc::kernels {

/// The dot-product instructions the kernels target.
enum class Isa {
  /// Plain vector multiply-adds; LLVM picks the instructions.
  Generic,
  /// AVX2 without VNNI: s8 x s8 exactly as i16 pairs, `vpmaddwd` +
  /// `vpaddd` (`mc.dot2`, 8 x i32 lanes).
  Avx2,
  /// AVX-VNNI `{vex} vpdpbusd` on ymm (u8 x s8, 8 x i32 lanes; EVEX on
  /// AVX512-VNNI + VL).
  AvxVnni,
  /// AVX-512 VNNI `vpdpbusd` (u8 x s8, 16 x i32 lanes).
  Avx512Vnni,
  /// AArch64 `sdot` (+dotprod; s8 x s8, 4 x i32 lanes).
  NeonDot,
  /// AArch64 `smmla` (+i8mm; s8 x s8, 2 x 8 by 8 x 2 into a 2 x 2 i32 tile).
  NeonI8mm,
};

/// Whether the ISA has `vpdpbusd` (u8 x s8): the int8 kernels offset the
/// signed weights by +128 and compensate.
inline bool hasVpdpbusd(Isa isa) {
  return isa == Isa::AvxVnni || isa == Isa::Avx512Vnni;
}

struct KernelConfig {
  Isa isa = Isa::Generic;
  /// i32 lanes per vector register.
  int64_t lanes = 16;
  /// Register tile: rows x vectors of `lanes` columns.
  int64_t tileM = 4;
  int64_t tileN = 2;
  /// The target looks bytes up in a 64-byte table (AArch64 `tbl`, any
  /// Advanced SIMD), so `mc.table_lookup` is one instruction per 16 bytes.
  bool tableLookup = false;
  /// The target has AArch64 `sdot` (`neon-dotprod`, also when listed after
  /// `neon-i8mm`).
  bool sdot = false;
  /// Rows per parallel row block of the int8 and f32 GEMMs (0: chosen from
  /// the shape).
  int64_t blockM = 0;
  /// The W4A8 group kernel prefetches its weights in software only in row
  /// tiles of at least this many rows (see `setCPUTuning`; the other
  /// streaming kernels always do).
  int64_t prefetchMinRows = 0;
};

/// Sets the tuning of `config` for the LLVM CPU name `cpu` (any other name,
/// or none, keeps the generic tuning). On AMD Zen 4 the W4A8 group GEMV
/// streams its weights at 80-95 % of the DRAM read with the hardware
/// prefetcher alone and at 50-57 % with software prefetches 4 KiB ahead
/// (M = 1, 4096 x 4096 / x 14336, 14336 x 4096; 62 % against 48 % at
/// M = 4), while slower loops (8-row tiles, f32 activations) gain from them.
void setCPUTuning(KernelConfig &config, llvm::StringRef cpu);

/// Parses an `isa=` option value: the kernels' ISA, optionally followed by
/// `,`-separated further ISAs the target has (e.g. `neon-i8mm,neon-dotprod`);
/// tile sizes of 0 take the ISA's defaults (the caller bounds the others).
mlir::FailureOr<KernelConfig> getKernelConfig(llvm::StringRef isa,
                                              int64_t tileM, int64_t tileN);

/// An element-wise `linalg.generic` consuming a rank-2 contraction result,
/// applied to register tiles: the consumer's body is cloned with vector
/// types, the contraction's tile taking the place of its operand.
class Epilogue {
public:
  /// The fusable consumer of `result`: its only user, all-parallel over the
  /// same two dimensions, identity maps for `result` and its output, and
  /// other inputs indexed by (m, n), (n), (m) or nothing. Its body may hold
  /// only element-wise ops and constants.
  static std::optional<Epilogue> match(mlir::Value result);

  mlir::linalg::GenericOp getOp() const { return op; }
  mlir::Value getInit() const { return op.getDpsInits()[0]; }
  mlir::Type getElementType() const;

  /// The consumer's values for rows `m`, columns `n` .. `n` + lanes of the
  /// full tensors, given the contraction's tile `acc` and the output's
  /// current tile `out` (read only if the body uses it). `inBounds` is false
  /// for a tile that may cross the last column.
  mlir::Value apply(mlir::OpBuilder &b, mlir::Location loc, mlir::Value acc,
                    llvm::function_ref<mlir::Value()> out, mlir::Value m,
                    mlir::Value n, bool inBounds) const;

private:
  explicit Epilogue(mlir::linalg::GenericOp op, unsigned accInput)
      : op(op), accInput(accInput) {}
  mutable mlir::linalg::GenericOp op;
  unsigned accInput;
};

/// Clones the ops of `body` (a `linalg.generic` body of element-wise ops
/// and constants, its arguments mapped in `mapping` to scalars or vectors
/// of `lanes`) with vector types where an operand is a vector, and returns
/// the yielded value as a vector.
mlir::Value vectorizeBody(mlir::OpBuilder &b, mlir::Location loc,
                          mlir::Block &body, mlir::IRMapping &mapping,
                          int64_t lanes);

/// Replaces `matmul`, and its fusable element-wise consumer if it has one,
/// by the value `emit(epilogue)` builds in front of the op being replaced.
/// A weight `mc.decode` left without users is erased, and its
/// `mc.assemble` and parts if they are dead then.
void replaceWithKernel(
    mlir::RewriterBase &rewriter, mlir::linalg::MatmulOp matmul,
    llvm::function_ref<mlir::Value(std::optional<Epilogue>)> emit);

/// A 1-D `vector.transfer_read` of `lanes` elements of `source` (a ranked
/// tensor) at `indices`, along the last dimension, padded with zero.
mlir::Value readVector(mlir::OpBuilder &b, mlir::Location loc,
                       mlir::Value source, mlir::ValueRange indices,
                       int64_t lanes, bool inBounds);

/// The matching `vector.transfer_write` of `value` into `dest`.
mlir::Value writeVector(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::Value value, mlir::Value dest,
                        mlir::ValueRange indices, bool inBounds);

/// The 32 bits `source[row, col ..]` (a rank-2 tensor of i8 or i16: 4 or 2
/// elements) repeated in each of `lanes` i32 lanes, as a vector of the
/// source's elements: the activation operand of `mc.dot4` / `mc.dot2` (on
/// AVX-512 an embedded `{1to16}` load, else a `vpbroadcastd`).
mlir::Value broadcastWord(mlir::OpBuilder &b, mlir::Location loc,
                          mlir::Value source, mlir::Value row,
                          mlir::Value col, int64_t lanes, bool inBounds);


/// The raw little-endian bytes of a constant tensor (`dense` or
/// `dense_resource`), `eltBytes` per element; sub-byte integers take a byte
/// each, as in MLIR's dense storage.
struct RawConstant {
  llvm::ArrayRef<char> data;
  bool splat = false;
  int64_t eltBytes = 1;

  const char *at(int64_t i) const {
    return data.data() + (splat ? 0 : i * eltBytes);
  }
  /// Elements 0 .. `count` of a byte constant, as signed bytes.
  llvm::SmallVector<int8_t> toInt8(int64_t count) const {
    llvm::SmallVector<int8_t> values(count);
    for (int64_t i = 0; i < count; ++i)
      values[i] = static_cast<int8_t>(*at(i));
    return values;
  }
};

/// The bytes of `value` if it is such a constant of the expected size.
std::optional<RawConstant> getRawConstant(mlir::Value value, int64_t eltBytes);

/// Whether `matmul` has default maps and static f32 activations and result
/// tensors (its weight is the caller's to check).
bool isStaticF32Matmul(mlir::linalg::MatmulOp matmul);

/// Whether `matmul` is such a matmul with a static, non-empty f32 weight.
bool hasStaticF32Weight(mlir::linalg::MatmulOp matmul);

/// The weight of a matmul with hasStaticF32Weight if it is a constant, or
/// none.
std::optional<RawConstant> getF32MatmulWeight(mlir::linalg::MatmulOp matmul);

/// Rows [`base`, `end`) of a matmul's output: those of a row block, whose
/// slice of the output starts at row `base` (see emitRowBlocks). A null
/// `base` stands for all rows, in a slice that starts at row 0.
struct RowRange {
  mlir::Value base, end;
  /// Row `row` of the output within the slice.
  mlir::Value sliceRow(mlir::OpBuilder &b, mlir::Location loc,
                       mlir::Value row) const;
};

/// Rows [`rows`) of an M-row output in register tiles of `tileM` rows (a
/// loop) and the tail tile of the last m % tileM rows (in the block that
/// holds them): `tile(dest, row, rows)` emits the tile at absolute row
/// `row` and returns the updated destination.
mlir::Value emitRowTiles(
    mlir::OpBuilder &b, mlir::Location loc, mlir::Value dest, int64_t m,
    int64_t tileM,
    llvm::function_ref<mlir::Value(mlir::Value, mlir::Value, int64_t)> tile,
    const RowRange &rows = {});

/// Rows per parallel row block of an M-row GEMM whose A has `rowBytes` per
/// row, of which a block reads `blockRowBytes` per row while the column
/// groups go past (all of the row, or one K block's part of it): blocks of
/// at most 256 rows and `blockBytes` of A, when all of A exceeds
/// `blockBytes`, and at least `minRows` (fewer would re-read the weights too
/// often); else m (parallel column groups). A positive `blockM` (the
/// `block-m` option) is taken instead, rounded up to `tileM`.
int64_t chooseBlockRows(int64_t m, int64_t rowBytes, int64_t blockRowBytes,
                        int64_t blockBytes, int64_t tileM, int64_t blockM,
                        int64_t minRows = 64);

/// Splits the rows of `dest` (static M x N) into blocks of `blockRows` that
/// run in parallel (`scf.forall`): `body(slice, rows)` gets the block's
/// slice of `dest` (rows x N, the last block may be shorter) and its rows,
/// and returns the updated slice. Returns the updated `dest`.
mlir::Value emitRowBlocks(
    mlir::OpBuilder &b, mlir::Location loc, mlir::Value dest,
    int64_t blockRows,
    llvm::function_ref<mlir::Value(mlir::Value, const RowRange &)> body);

/// The body of one column group of a kernel: gets the group's M x `width`
/// slice of the result, its first column `n0`, the group's index and
/// `width` (the group width, or less for the last group), and returns the
/// updated slice.
using ColumnGroupBody = llvm::function_ref<mlir::Value(
    mlir::Value slice, mlir::Value n0, mlir::Value group, int64_t width)>;

/// Splits the columns of `dest` (M x N, M may be dynamic) into groups of
/// `groupWidth`: the full groups run in parallel (`scf.forall`; with
/// `parallel` false, an `scf.for`), the last partial one after them.
/// Returns the updated `dest`.
mlir::Value emitColumnGroups(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::Value dest, int64_t groupWidth,
                             ColumnGroupBody body, bool parallel = true);

/// The body of one column group within a block of rows (`rows`; all rows
/// for a null `rows.base`).
using BlockedColumnGroupBody = llvm::function_ref<mlir::Value(
    mlir::Value slice, mlir::Value n0, mlir::Value group, int64_t width,
    const RowRange &rows)>;

/// The column groups of `dest` (M x N, static) in parallel when `blockRows`
/// is M; else parallel blocks of `blockRows` rows (emitRowBlocks), each
/// going through the column groups in turn.
mlir::Value emitBlockedColumnGroups(mlir::OpBuilder &b, mlir::Location loc,
                                    mlir::Value dest, int64_t blockRows,
                                    int64_t groupWidth,
                                    BlockedColumnGroupBody body);

/// Software prefetches (read, into L1) of `bytes` bytes at byte `at` +
/// `distance` of the 1-D byte `stream`, clamped to start at most at byte
/// `last`: the hardware prefetcher stops at 4 KiB pages, and without them a
/// weight stream overlaps the arithmetic on it only in part.
void prefetchAhead(mlir::OpBuilder &b, mlir::Location loc, mlir::Value stream,
                   mlir::Value at, int64_t distance, int64_t last,
                   int64_t bytes);

/// Where the register tiles of a matmul kernel start and go: from the
/// constant of a `linalg.fill` init, from the init, or from the epilogue's
/// init, and through the epilogue (if any) into the result.
class MatmulOutput {
public:
  MatmulOutput(mlir::OpBuilder &b, mlir::Location loc,
               mlir::linalg::MatmulOp matmul, std::optional<Epilogue> epi);
  /// The same for a contraction with the M x N init `init`.
  MatmulOutput(mlir::OpBuilder &b, mlir::Location loc, mlir::Value init,
               std::optional<Epilogue> epi);

  /// The M x N tensor the kernel writes.
  mlir::Value getDest() const { return dest; }
  /// The fill constant of the init, if any.
  std::optional<mlir::Attribute> getFill() const { return fill; }

  /// The matmul's initial values of row `row`, columns `n` .. `n` + lanes,
  /// where `slice` is the column group's slice of `getDest()` and `col` is
  /// `n` within it (and `sliceRow`, if given, is `row` within it).
  mlir::Value readInit(mlir::OpBuilder &b, mlir::Location loc,
                       mlir::Value slice, mlir::Value row, mlir::Value n,
                       mlir::Value col, int64_t lanes, bool inBounds,
                       mlir::Value sliceRow = {}) const;

  /// Applies the epilogue to `value` (the matmul's result at those
  /// positions) and writes it into `slice`.
  mlir::Value store(mlir::OpBuilder &b, mlir::Location loc,
                    mlir::Value slice, mlir::Value value, mlir::Value row,
                    mlir::Value n, mlir::Value col, bool inBounds,
                    mlir::Value sliceRow = {}) const;

private:
  mlir::Value init, dest;
  /// The constants of `linalg.fill`s as the init and as the epilogue's.
  std::optional<mlir::Attribute> fill, epilogueFill;
  std::optional<Epilogue> epilogue;
};


/// A private constant `memref.global` of `value` (named after `name`, made
/// unique) in the module of `anchor`, and its `memref.get_global` at the
/// builder's insertion point. Kernels that need memory-only vector ops
/// (`vector.expandload`) read their packed weights through it.
mlir::Value getConstantGlobal(mlir::OpBuilder &b, mlir::Location loc,
                              mlir::Operation *anchor, llvm::StringRef name,
                              mlir::DenseElementsAttr value);

} // namespace mc::kernels

#endif // MC_LIB_DIALECT_MC_TRANSFORMS_KERNELS_KERNELSUPPORT_H
