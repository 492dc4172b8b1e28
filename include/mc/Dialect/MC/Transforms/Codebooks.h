//===- Codebooks.h - codebook tables for weight quantization ----*- C++ -*-===//
//
// The tables `--mc-quantize` builds for `#mc.codebook` weights: k-means
// centroids, power-of-two (log2) levels, and binary {+a, -a}. Each function
// fills the 2^N entries of one group's table (the weights sharing a table),
// as doubles already rounded to the table's element type by `round`.
//
//===----------------------------------------------------------------------===//

#ifndef MC_DIALECT_MC_TRANSFORMS_CODEBOOKS_H
#define MC_DIALECT_MC_TRANSFORMS_CODEBOOKS_H

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"

#include <optional>
#include <vector>

namespace mc {

/// The values of a tensor grouped by the table (scale index) they share,
/// each group in row-major order.
class GroupedValues {
public:
  GroupedValues(llvm::ArrayRef<float> values, llvm::ArrayRef<int64_t> shape,
                std::optional<int64_t> axis, llvm::ArrayRef<int64_t> block);
  int64_t size() const { return offsets.size() - 1; }
  llvm::ArrayRef<float> operator[](int64_t group) const {
    return llvm::ArrayRef(values).slice(offsets[group],
                                        offsets[group + 1] - offsets[group]);
  }

private:
  std::vector<float> values;
  std::vector<int64_t> offsets; // group g is [offsets[g], offsets[g + 1])
};

/// Rounds a table entry to the table's element type (and back to double).
using RoundFn = llvm::function_ref<double(double)>;

/// k-means (Lloyd) centroids of the finite values of `group`, ascending.
/// Seeds: k-means++ over the sorted values with std::mt19937_64 seeded 0
/// (uniform draws u = (next() >> 11) * 2^-53; the first seed is value
/// floor(u * n), each next one is the first value whose running sum of
/// squared distances to the nearest seed exceeds u * total; once every
/// value is a seed, the rest repeat the last one; if rounding leaves the
/// running sum short, the last value with a positive distance). Then Lloyd
/// iterations
/// until the table stops changing, at most 100: each value joins its
/// nearest entry exactly as the codebook encoder decides (in f32, or f64
/// if `f64`), each entry becomes the rounded mean (in double) of its values
/// or keeps its value if it has none, and the table is sorted.
void buildKMeansTable(llvm::ArrayRef<float> group,
                      llvm::MutableArrayRef<double> table, RoundFn round,
                      bool f64);

/// Power-of-two levels of scale s = max|w| (1 for an all-zero group):
/// entry 2c + sign is (sign ? -1 : 1) * s * 2^-c for c < L = 2^(N-1) - 1,
/// and entries 2L, 2L + 1 are +0 and -0. Ordered by decreasing magnitude,
/// the encoder's ties (to the lower index) go to the larger magnitude.
void buildLog2Table(llvm::ArrayRef<float> group,
                    llvm::MutableArrayRef<double> table, RoundFn round);

/// {+a, -a} with a = the mean |w| of the finite values (summed in double in
/// row-major order, divided, then rounded; 0 if there are none): the index
/// is the sign bit.
void buildBinaryTable(llvm::ArrayRef<float> group,
                      llvm::MutableArrayRef<double> table, RoundFn round);

} // namespace mc

#endif // MC_DIALECT_MC_TRANSFORMS_CODEBOOKS_H
