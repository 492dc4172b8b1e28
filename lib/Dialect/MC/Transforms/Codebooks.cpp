//===- Codebooks.cpp - codebook tables for weight quantization ------------===//

#include "mc/Dialect/MC/Transforms/Codebooks.h"
#include "mc/Dialect/MC/IR/Numerics.h"

#include <random>

using namespace mlir;
using namespace mc;

GroupedValues::GroupedValues(ArrayRef<float> all, ArrayRef<int64_t> shape,
                             std::optional<int64_t> axis,
                             ArrayRef<int64_t> block) {
  // A counting sort by scale index: one pass to size the groups, one to
  // fill them, so no per-element group index is stored.
  int64_t numGroups = 1;
  for (int64_t d : getScaleShape(shape, axis, block))
    numGroups *= d;
  offsets.assign(numGroups + 1, 0);
  ScaleIndexer counter(shape, axis, block);
  for (size_t i = 0; i < all.size(); ++i)
    ++offsets[counter.next() + 1];
  for (int64_t g = 0; g < numGroups; ++g)
    offsets[g + 1] += offsets[g];
  std::vector<int64_t> next(offsets.begin(), offsets.end() - 1);
  values.resize(all.size());
  ScaleIndexer indexer(shape, axis, block);
  for (float w : all)
    values[next[indexer.next()]++] = w;
}

//===----------------------------------------------------------------------===//
// k-means
//===----------------------------------------------------------------------===//

/// A double in [0, 1) from the top 53 bits of the generator's next output.
/// The C++ standard fixes mt19937_64's sequence, not the distributions'.
static double drawUniform(std::mt19937_64 &rng) {
  return double(rng() >> 11) * 0x1p-53;
}

/// k-means++ seeds of the sorted values `xs` (see buildKMeansTable).
static std::vector<double> seedPlusPlus(ArrayRef<double> xs, int64_t k) {
  std::mt19937_64 rng(0);
  int64_t n = xs.size();
  int64_t first = std::min<int64_t>(n - 1, drawUniform(rng) * n);
  std::vector<double> seeds{xs[first]};
  std::vector<double> distance(n);
  for (int64_t i = 0; i < n; ++i)
    distance[i] = (xs[i] - seeds[0]) * (xs[i] - seeds[0]);
  while (int64_t(seeds.size()) < k) {
    double total = 0;
    for (double d : distance)
      total += d;
    if (!(total > 0)) {
      seeds.push_back(seeds.back());
      continue;
    }
    double target = drawUniform(rng) * total, sum = 0;
    int64_t pick = -1, lastPositive = 0;
    for (int64_t i = 0; i < n && pick < 0; ++i) {
      sum += distance[i];
      if (distance[i] > 0)
        lastPositive = i;
      if (sum > target)
        pick = i;
    }
    double seed = xs[pick < 0 ? lastPositive : pick];
    seeds.push_back(seed);
    for (int64_t i = 0; i < n; ++i)
      distance[i] = std::min(distance[i], (xs[i] - seed) * (xs[i] - seed));
  }
  return seeds;
}

namespace {
/// Lloyd iterations over sorted finite values, with the nearest entry
/// computed in T exactly as the codebook encoder does.
template <typename T> class Lloyd {
public:
  Lloyd(ArrayRef<double> xs, RoundFn round) : xs(xs), round(round) {
    prefix.assign(1, 0.0);
    for (double x : xs)
      prefix.push_back(prefix.back() + x);
  }

  /// Iterates on `table` (sorted) until it stops changing, at most 100
  /// times.
  void run(MutableArrayRef<double> table) {
    int64_t k = table.size();
    std::vector<double> sums(k), next(k);
    std::vector<int64_t> counts(k);
    for (int iteration = 0; iteration < 100; ++iteration) {
      assign(table, sums, counts);
      for (int64_t j = 0; j < k; ++j)
        next[j] = counts[j] ? round(sums[j] / double(counts[j])) : table[j];
      llvm::sort(next);
      if (llvm::equal(next, table))
        return;
      llvm::copy(next, table.begin());
    }
  }

private:
  /// Sums and counts of the values whose nearest entry is each entry.
  void assign(ArrayRef<double> table, MutableArrayRef<double> sums,
              MutableArrayRef<int64_t> counts) const {
    std::vector<T> entries(table.begin(), table.end());
    llvm::fill(sums, 0.0);
    llvm::fill(counts, 0);
    auto nearest = [&](double x) {
      return nearestSortedEntry<T>(entries, T(x));
    };
    if (!isMonotone(entries)) {
      for (double x : xs) {
        int64_t j = nearest(x);
        sums[j] += x;
        ++counts[j];
      }
      return;
    }
    // Clusters are ranges of the sorted values: find their ends.
    int64_t begin = 0;
    for (int64_t j = 0; j < int64_t(table.size()); ++j) {
      int64_t end =
          std::partition_point(xs.begin() + begin, xs.end(),
                               [&](double x) { return nearest(x) <= j; }) -
          xs.begin();
      sums[j] = prefix[end] - prefix[begin];
      counts[j] = end - begin;
      begin = end;
    }
  }

  /// True if the nearest entry is a non-decreasing function of the value
  /// over the data: every gap between distinct entries exceeds the rounding
  /// error of any distance, so rounding cannot tie two different distances
  /// (which could send a far value to a nearer-looking lower entry).
  bool isMonotone(ArrayRef<T> entries) const {
    double lo = std::min<double>(xs.front(), entries.front());
    double hi = std::max<double>(xs.back(), entries.back());
    double threshold = 2 * std::numeric_limits<T>::epsilon() * (hi - lo) +
                       std::numeric_limits<T>::min();
    for (size_t j = 1; j < entries.size(); ++j)
      if (entries[j] != entries[j - 1] &&
          double(entries[j]) - double(entries[j - 1]) <= threshold)
        return false;
    return true;
  }

  ArrayRef<double> xs;
  RoundFn round;
  std::vector<double> prefix; // prefix[i] = xs[0] + ... + xs[i - 1]
};
} // namespace

void mc::buildKMeansTable(ArrayRef<float> group, MutableArrayRef<double> table,
                          RoundFn round, bool f64) {
  std::vector<double> xs;
  for (float w : group)
    if (std::isfinite(w))
      xs.push_back(w);
  if (xs.empty()) {
    llvm::fill(table, 0.0);
    return;
  }
  llvm::sort(xs);
  std::vector<double> seeds = seedPlusPlus(xs, table.size());
  for (auto [entry, seed] : llvm::zip(table, seeds))
    entry = round(seed);
  llvm::sort(table);
  if (f64)
    Lloyd<double>(xs, round).run(table);
  else
    Lloyd<float>(xs, round).run(table);
}

//===----------------------------------------------------------------------===//
// log2 and binary
//===----------------------------------------------------------------------===//

void mc::buildLog2Table(ArrayRef<float> group, MutableArrayRef<double> table,
                        RoundFn round) {
  float scale = 0;
  for (float w : group)
    scale = std::fmax(scale, std::fabs(w));
  if (!(scale > 0))
    scale = 1;
  int64_t levels = table.size() / 2 - 1;
  for (int64_t c = 0; c < levels; ++c) {
    double magnitude = round(std::ldexp(double(scale), -c));
    table[2 * c] = magnitude;
    table[2 * c + 1] = -magnitude;
  }
  table[2 * levels] = 0.0;
  table[2 * levels + 1] = -0.0;
}

void mc::buildBinaryTable(ArrayRef<float> group, MutableArrayRef<double> table,
                          RoundFn round) {
  double sum = 0;
  int64_t count = 0;
  for (float w : group) {
    if (!std::isfinite(w))
      continue;
    sum += std::fabs(double(w));
    ++count;
  }
  double mean = count ? round(sum / double(count)) : 0.0;
  table[0] = mean;
  table[1] = -mean;
}
