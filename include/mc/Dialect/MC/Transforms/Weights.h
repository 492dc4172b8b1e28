//===- Weights.h - finding the weights of upstream layers -------*- C++ -*-===//
//
// The compression passes work on "layers": a linalg contraction or
// convolution whose weight operand is a constant (`arith.constant` with
// `dense` or `dense_resource`, or a constant `ml_program.global`), possibly
// through tensor.expand_shape / collapse_shape / extract_slice and
// linalg.transpose. Each layer's weight is presented as a matrix
// [batch..., K, N] or [batch..., N, K] (K: the reduction dimensions
// collapsed, N: the output channel), and a compressed replacement is written
// back as a new value of the operand's type.
//
//===----------------------------------------------------------------------===//

#ifndef MC_DIALECT_MC_TRANSFORMS_WEIGHTS_H
#define MC_DIALECT_MC_TRANSFORMS_WEIGHTS_H

#include "mc/Dialect/MC/IR/MC.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/IR/PatternMatch.h"

#include <string>
#include <vector>

namespace mc {

/// A layer and its weight, evaluated at compile time (a weight that is
/// already compressed with constant parts is decoded).
struct Layer {
  std::string name; // `mc.layer` of the op, else "<kind>_<n>"
  std::string kind; // e.g. "matmul", "conv_2d_nhwc_hwcf"
  mlir::linalg::LinalgOp op;
  unsigned operandIndex;
  /// The weight operand's type, and its values in that layout (row-major).
  mlir::RankedTensorType weightType;
  std::vector<float> values;
  /// Weight operand dims -> matrix dims, and the matrix shape:
  /// [batch..., K, N] if !channelsFirst, [batch..., N, K] otherwise.
  llvm::SmallVector<mlir::ReassociationIndices> reassociation;
  llvm::SmallVector<int64_t> matrixShape;
  bool channelsFirst = false;
  int64_t numBatch = 0, K = 0, N = 0;
  /// Multiply-adds of the op times two.
  int64_t flops = 0;
  /// Set if the weight is already compressed (decoded from this op).
  AssembleOp source;

  int64_t numParams() const { return weightType.getNumElements(); }
  /// Matrix dim of K and of N.
  unsigned kDim() const { return numBatch + (channelsFirst ? 1 : 0); }
  unsigned nDim() const { return numBatch + (channelsFirst ? 0 : 1); }
  /// The element of batch b, reduction index k, channel n (all flattened).
  int64_t index(int64_t b, int64_t k, int64_t n) const {
    return b * K * N + (channelsFirst ? n * K + k : k * N + n);
  }
  mlir::RankedTensorType getMatrixType() const {
    return mlir::RankedTensorType::get(matrixShape,
                                       weightType.getElementType());
  }
};

/// The mc.assemble a weight is decoded from (possibly expanded back to the
/// operand shape), or null. Passes that compress further start from it.
AssembleOp getCompressedSource(mlir::Value weight);

/// Which layers a pass touches (`layers=REGEX`, `min-params=N`).
struct LayerFilter {
  std::string regex;
  int64_t minParams = 0;
  /// Whether to return layers whose weight is already compressed; otherwise
  /// they are skipped with a remark.
  bool allowCompressed = false;
  /// Leave `values` empty: passes that handle one layer at a time load and
  /// release them with loadValues/releaseValues, so that only one layer's
  /// float copy is alive at a time.
  bool lazy = false;
  /// Also signless integer weights of at most 16 bits (exact in float), for
  /// passes whose result keeps the integer type (pruning); others see float
  /// weights only.
  bool allowInteger = false;
};

/// Two times the multiply-adds of `op`, 0 if a loop range is dynamic.
int64_t getFlops(mlir::linalg::LinalgOp op);

/// Evaluates the layer's weight into `values` (if not already there).
void loadValues(Layer &layer);
/// Frees `values`.
void releaseValues(Layer &layer);

/// Finds the layers in `module`, in walk order. Layers whose weight cannot be
/// evaluated or laid out as a matrix are skipped with a remark on the op.
/// Fails (with an error) only if `filter.regex` is not a valid regex.
mlir::FailureOr<std::vector<Layer>>
collectLayers(mlir::ModuleOp module, const LayerFilter &filter);

/// A constant of `type` (float elements) holding `values`, rounded to
/// nearest even where the element type is narrower than f32.
mlir::DenseElementsAttr getFloatAttr(mlir::RankedTensorType type,
                                     llvm::ArrayRef<float> values);

/// A constant tensor of the matrix type holding `values`.
mlir::DenseElementsAttr getMatrixAttr(const Layer &layer,
                                      llvm::ArrayRef<float> values);

/// Makes the layer's op use `matrix` (a value of the matrix shape) as its
/// weight, reshaping it back to the operand layout. Builds before the op.
void replaceWeight(mlir::OpBuilder &b, const Layer &layer, mlir::Value matrix);

/// Erases the producers of `value` a rewrite left unused: the old weight
/// constant and the view ops in between.
void eraseDeadProducers(mlir::Value value);

/// Records on the layer's op what its compression costs: the dense
/// parameter count and FLOPs before the first pass touched it, and the
/// accumulated signal and noise energies (noise energies of successive
/// passes add; exact when their errors have disjoint support, as prune then
/// quantize has). Read by --mc-compression-report.
void recordCompression(const Layer &layer, llvm::ArrayRef<float> newValues,
                       mlir::Operation *newOp = nullptr);

/// Whether `--mc-quantize=activations=dynamic|static` can quantize the
/// layer's activations: a plain `linalg.matmul` on tensors of f32
/// activations of static shape (M x K) times the layer's K x N weight.
bool canQuantizeActivations(const Layer &layer);

/// Whether activations=static can: those layers, and `linalg.conv_2d_nhwc_
/// hwcf` / `conv_2d_nchw_fchw` on tensors of static f32 input and output
/// with the layer's filter. `--mc-observe-activations` observes these.
bool canQuantizeActivationsStatically(const Layer &layer);

/// Whether an operand of `op` is a statically empty shaped value (a zero
/// dimension): no compression pass or kernel has anything to do there.
bool hasEmptyOperand(mlir::Operation *op);

/// Checks the `mc.compression` record of `op`, if any (written by the
/// passes, but the IR may come from anywhere): integers dense_params,
/// dense_bytes, dense_flops (and extra_bytes if present), floats signal
/// and noise. Emits an error on `op` if it is malformed.
mlir::LogicalResult verifyCompressionRecord(mlir::Operation *op);

/// Replaces `decode` of an N:M value assembled from constants by the dense
/// constant (exact). The 2:4 kernels (x86 int8, GPU mma.sp) take dense
/// constant weights that are N:M along K and pack them in their own layout.
/// With `integerOnly`, only integer kept values are folded (the weights of
/// integer matmuls: the dense constant is what the kernel packs anyway).
mlir::LogicalResult foldConstantNMDecode(mlir::RewriterBase &rewriter,
                                         DecodeOp decode, bool integerOnly);

/// Erases `assemble` if it has no uses, and then its dead part producers.
void eraseDeadAssemble(mlir::RewriterBase &rewriter, AssembleOp assemble);

} // namespace mc

#endif // MC_DIALECT_MC_TRANSFORMS_WEIGHTS_H
