// Calls memrefCopy (MLIR's c_runner_utils on the host, mc's runtime on
// AArch64) on strided views and checks every result against plain index
// loops; prints a hash per case so the two implementations' outputs can be
// compared as text.
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct {
  int64_t rank;
  void *descriptor;
} UnrankedMemRef;

void memrefCopy(int64_t elemSize, UnrankedMemRef *src, UnrankedMemRef *dst);

enum { kMaxRank = 3, kBytes = 1 << 16 };
static unsigned char srcBuf[kBytes], dstBuf[kBytes], want[kBytes];

// {allocated, aligned, offset, sizes[rank], strides[rank]} as int64 words.
static void describe(int64_t *desc, void *base, int64_t offset, int rank,
                     const int64_t *sizes, const int64_t *strides) {
  memcpy(&desc[0], &base, sizeof base);
  memcpy(&desc[1], &base, sizeof base);
  desc[2] = offset;
  for (int d = 0; d < rank; ++d) {
    desc[3 + d] = sizes[d];
    desc[3 + rank + d] = strides[d];
  }
}

static int check(int id, int64_t elem, int rank, const int64_t *sizes,
                 int64_t srcOffset, const int64_t *srcStrides,
                 int64_t dstOffset, const int64_t *dstStrides) {
  for (int i = 0; i < kBytes; ++i) {
    srcBuf[i] = (unsigned char)(i * 7 + 3);
    dstBuf[i] = want[i] = 0xAB;
  }
  int64_t count = 1;
  for (int d = 0; d < rank; ++d)
    count *= sizes[d];
  for (int64_t flat = 0; flat < count; ++flat) {
    int64_t rest = flat, s = srcOffset, t = dstOffset;
    for (int d = rank - 1; d >= 0; --d) {
      s += rest % sizes[d] * srcStrides[d];
      t += rest % sizes[d] * dstStrides[d];
      rest /= sizes[d];
    }
    memcpy(want + t * elem, srcBuf + s * elem, elem);
  }
  int64_t srcDesc[3 + 2 * kMaxRank], dstDesc[3 + 2 * kMaxRank];
  describe(srcDesc, srcBuf, srcOffset, rank, sizes, srcStrides);
  describe(dstDesc, dstBuf, dstOffset, rank, sizes, dstStrides);
  UnrankedMemRef src = {rank, srcDesc}, dst = {rank, dstDesc};
  memrefCopy(elem, &src, &dst);
  uint64_t hash = 1469598103934665603ull;
  for (int i = 0; i < kBytes; ++i)
    hash = (hash ^ dstBuf[i]) * 1099511628211ull;
  int ok = memcmp(dstBuf, want, kBytes) == 0;
  printf("case %d: %s %016llx\n", id, ok ? "ok" : "WRONG",
         (unsigned long long)hash);
  return ok;
}

int main(void) {
  int ok = 1;
  int64_t none[1] = {0};
  ok &= check(0, 4, 0, none, 5, none, 9, none); // rank 0
  {
    int64_t sizes[1] = {100}, unit[1] = {1}, three[1] = {3};
    ok &= check(1, 4, 1, sizes, 7, unit, 11, unit);
    ok &= check(2, 1, 1, sizes, 0, three, 2, unit);
    ok &= check(3, 8, 1, sizes, 1, unit, 0, three);
  }
  {
    // A 2-D transpose and the interior of a padded buffer.
    int64_t sizes[2] = {13, 17}, rows[2] = {17, 1}, cols[2] = {1, 13};
    int64_t padded[2] = {21, 1};
    ok &= check(4, 4, 2, sizes, 0, rows, 0, cols);
    ok &= check(5, 1, 2, sizes, 3, rows, 2 * 21 + 2, padded);
  }
  {
    int64_t sizes[3] = {3, 5, 7}, src[3] = {80, 9, 1}, dst[3] = {1, 3, 15};
    int64_t empty[3] = {3, 0, 7}, dense[3] = {35, 7, 1};
    ok &= check(6, 2, 3, sizes, 4, src, 6, dst);
    ok &= check(7, 4, 3, sizes, 0, src, 1, dense);
    ok &= check(8, 4, 3, empty, 0, dense, 0, dense); // nothing to copy
  }
  return ok ? 0 : 1;
}
