//===- MatmulTiles.h - shared by the tensor-core matmul kernels -*- C++ -*-===//
//
// Helpers of --mc-gpu-matmul-kernels used by both its dense (mma.sync) and
// 2:4 sparse (mma.sp) kernels.
//
//===----------------------------------------------------------------------===//

#ifndef MC_LIB_CONVERSION_GPU_MATMULTILES_H
#define MC_LIB_CONVERSION_GPU_MATMULTILES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/SymbolTable.h"

namespace mc::gpu_tiles {

inline mlir::Value cst(mlir::OpBuilder &b, mlir::Location loc, int64_t value) {
  return mlir::arith::ConstantIndexOp::create(b, loc, value);
}

/// Index math as affine.apply: upstream convert-vector-to-gpu rejects
/// transfer indices computed by arith ops (it takes them for element-wise
/// ops on matrix fragments).
inline mlir::Value apply(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::AffineExpr expr, mlir::ValueRange dims) {
  return mlir::affine::AffineApplyOp::create(
      b, loc, mlir::AffineMap::get(dims.size(), 0, expr), dims);
}

/// A cooperative linalg.copy of the rows x cols window of `src` at
/// (`row`, `col`) into the staging buffer `dst`.
void stageTile(mlir::OpBuilder &b, mlir::Location loc, mlir::Value src,
               mlir::OpFoldResult row, mlir::OpFoldResult col, int64_t rows,
               int64_t cols, mlir::Value dst);

/// An element-wise rank-2 linalg.generic whose input #0 is `acc` with the
/// identity map, the only other user of the allocated `acc` (besides
/// `matmul`, a zero `fill` and deallocs).
mlir::linalg::GenericOp getFusableEpilogue(mlir::Value acc,
                                           mlir::Operation *matmul,
                                           mlir::Operation *fill);

/// The block's part of `epilogue`, reading the accumulators from the
/// staging buffer `staged` (rows x cols at (`row`, `col`) of the output),
/// as a cooperative linalg.generic.
void emitBlockEpilogue(mlir::OpBuilder &b, mlir::Location loc,
                       mlir::linalg::GenericOp epilogue, mlir::Value staged,
                       mlir::Value row, mlir::Value col, int64_t rows,
                       int64_t cols);

/// The 2:4 sparse tensor-core kernel for `matmul` if its weight is a
/// constant, 2:4 sparse along K, of i8, f16 or bf16 and the shapes fit; false
/// (and nothing changed) otherwise.
bool buildSparseMatmulKernel(mlir::linalg::MatmulOp matmul,
                             mlir::linalg::FillOp zeroFill,
                             mlir::linalg::GenericOp epilogue,
                             mlir::SymbolTable &symbols);

/// The K `loop` of a kernel tile whose 16 x 8 accumulator tiles are
/// updated by mc.sparse_mma or bf16 vector.contract (operands read by
/// vector.transfer_read) as the same loop on the fragments of lane
/// `tid` % 32, with nvgpu.ldmatrix and nvgpu/nvvm mma ops; the tiles'
/// initial values (zero or a transfer_read) and the transfer_writes of the
/// results become the lane's loads and stores.
mlir::LogicalResult convertMmaLoopToLanes(mlir::RewriterBase &rewriter,
                                         mlir::scf::ForOp loop,
                                         mlir::Value tid);

} // namespace mc::gpu_tiles

#endif // MC_LIB_CONVERSION_GPU_MATMULTILES_H
