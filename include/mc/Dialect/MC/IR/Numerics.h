//===- Numerics.h - exact scalar numerics of mc encodings -------*- C++ -*-===//
//
// The compile-time twin of the reference lowering: constant folding must give
// bit-identical results to the code `--mc-lower-reference` generates.
//
//===----------------------------------------------------------------------===//

#ifndef MC_DIALECT_MC_IR_NUMERICS_H
#define MC_DIALECT_MC_IR_NUMERICS_H

#include "mc/Dialect/MC/IR/MC.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/APFloat.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace mc {

/// The float type encode/decode arithmetic runs in: f64 for f64 expressed
/// types, f32 otherwise (f16/bf16 inputs are widened exactly).
mlir::FloatType getComputeType(mlir::Type expressedType);

/// q = clamp(isnan(r) ? zp : r, qmin, qmax) with r = roundeven(x / s) + zp,
/// all in the compute type. `x` and `scale` are in the compute semantics.
int64_t quantizeUniform(UniformEncodingAttr enc, const llvm::APFloat &x,
                        const llvm::APFloat &scale, int64_t zeroPoint);

/// The f32 fast path of quantizeUniform: the same IEEE operations in native
/// arithmetic (nearbyint rounds half to even in the default rounding mode),
/// so the result is identical.
inline int32_t quantizeUniformF32(float x, float scale, float zeroPoint,
                                  bool hasZeroPoint, float qmin, float qmax) {
  float r = std::nearbyint(x / scale);
  if (hasZeroPoint)
    r += zeroPoint;
  if (std::isnan(r))
    r = zeroPoint;
  return static_cast<int32_t>(std::fmin(std::fmax(r, qmin), qmax));
}

/// q = (storage) clamp(x / s, -maxFinite, maxFinite), rounding to nearest
/// even; NaN stays NaN. `scale` is null for unscaled encodings.
llvm::APFloat quantizeFloat(FloatEncodingAttr enc, const llvm::APFloat &x,
                            const llvm::APFloat *scale);

/// What the codebook encoder minimizes (with the entry index as the tie
/// break, smallest first): |x - entry| computed in T; for x = +inf, -entry,
/// and for x = -inf, entry, so infinities saturate to the largest or
/// smallest entry. NaN keys never compare smaller: NaN gives index 0.
template <typename T> T codebookKey(T x, T entry) {
  if (std::isinf(x))
    return x > 0 ? -entry : entry;
  return std::fabs(x - entry);
}

/// The codebook encoder: the first j with the smallest codebookKey(x, t_j).
/// The lowering computes the same minimum of (key, j) pairs.
template <typename T> int64_t nearestEntry(llvm::ArrayRef<T> table, T x) {
  T best = std::numeric_limits<T>::infinity();
  int64_t index = 0;
  for (auto [j, entry] : llvm::enumerate(table)) {
    T key = codebookKey(x, entry);
    if (key < best) {
      best = key;
      index = j;
    }
  }
  return index;
}

/// nearestEntry for a table sorted ascending, in O(log size). Rounding is
/// monotonic, so the keys fall up to the insertion point of x and rise after
/// it: the answer is the right neighbour if its key is strictly smaller,
/// else the first entry of the run of equal keys ending at the left one.
template <typename T> int64_t nearestSortedEntry(llvm::ArrayRef<T> table, T x) {
  if (std::isnan(x) || table.empty())
    return 0;
  int64_t right =
      x == std::numeric_limits<T>::infinity()
          ? table.size()
          : std::lower_bound(table.begin(), table.end(), x) - table.begin();
  if (right == 0)
    return 0;
  int64_t left = right - 1;
  T key = codebookKey(x, table[left]);
  if (right < int64_t(table.size()) && codebookKey(x, table[right]) < key)
    return right;
  while (left > 0 && codebookKey(x, table[left - 1]) == key)
    --left;
  return left;
}

/// Computes the payload of `mc.encode` for constant operands. Returns null if
/// the encoding is not one this function knows.
mlir::DenseElementsAttr
encodeConstant(CompressedType type, mlir::DenseElementsAttr input,
               llvm::ArrayRef<mlir::DenseElementsAttr> params);

/// encodeConstant for values given as floats, for types whose encode
/// arithmetic is f32 (expressed f32, f16 or bf16; the values exact in float).
mlir::DenseElementsAttr
encodeValues(CompressedType type, llvm::ArrayRef<float> values,
             llvm::ArrayRef<mlir::DenseElementsAttr> params);

/// Decodes constant parts exactly as the reference lowering does, into
/// float (widened from the compute type). Empty if the encoding is unknown.
std::vector<float> decodeConstant(CompressedType type,
                                  llvm::ArrayRef<mlir::DenseElementsAttr> parts);

/// decodeConstant as an attribute of the decoded type (exact: values are
/// rounded to the expressed type; integer N:M kept values are scattered as
/// they are). Null if the encoding is unknown.
mlir::DenseElementsAttr
decodeConstantAttr(CompressedType type,
                   llvm::ArrayRef<mlir::DenseElementsAttr> parts);

/// For constant parts of an N:M tensor whose kept values are `#mc.uniform`
/// (2..8 bits) with scale groups that cover whole groups of M: the same
/// tensor as a dense `#mc.uniform` (the returned type; scales and zero
/// points unchanged, dropped elements stored as their zero point) and its
/// parts in `dense`. It decodes to the same values bit for bit. Null if
/// the encoding does not qualify.
CompressedType
densifyNMUniform(CompressedType type,
                 llvm::ArrayRef<mlir::DenseElementsAttr> parts,
                 llvm::SmallVectorImpl<mlir::DenseElementsAttr> &dense);

/// Maps each flat element index of a tensor of `shape` to the flat index of
/// its scale under the given granularity.
class ScaleIndexer {
public:
  ScaleIndexer(llvm::ArrayRef<int64_t> shape, std::optional<int64_t> axis,
               llvm::ArrayRef<int64_t> block);
  /// Scale index of the current element; then advances to the next one.
  int64_t next();

private:
  llvm::SmallVector<int64_t> shape, index, divisor, scaleStrides;
};

} // namespace mc

#endif // MC_DIALECT_MC_IR_NUMERICS_H
