//===- MCMemrefCopy.c - MLIR's memrefCopy for targets without it ----------===//
//
// `--finalize-memref-to-llvm` lowers a memref.copy whose operands are not
// both contiguous (e.g. into the interior of a tensor.pad's buffer) to a
// call of `memrefCopy`, which MLIR's c_runner_utils defines. Debian ships
// that library for the host only, so mc's AArch64 runtime has this one,
// with the same ABI: the element size and two unranked descriptors, each
// {rank, pointer to the ranked descriptor {allocated, aligned, offset,
// sizes[rank], strides[rank]}}. Overlapping operands are not supported
// (neither are they upstream).
//
//===----------------------------------------------------------------------===//

#include <stdint.h>
#include <string.h>

typedef struct {
  int64_t rank;
  void *descriptor;
} UnrankedMemRef;

typedef struct {
  char *allocated;
  char *aligned;
  int64_t offset;
  int64_t shape[]; // sizes[rank], then strides[rank]
} RankedMemRef;

void memrefCopy(int64_t elemSize, UnrankedMemRef *srcArg,
                UnrankedMemRef *dstArg) {
  int64_t rank = srcArg->rank;
  const RankedMemRef *src = srcArg->descriptor;
  const RankedMemRef *dst = dstArg->descriptor;
  const char *srcBase = src->aligned + src->offset * elemSize;
  char *dstBase = dst->aligned + dst->offset * elemSize;
  if (rank == 0) {
    memcpy(dstBase, srcBase, elemSize);
    return;
  }
  const int64_t *sizes = src->shape;
  const int64_t *srcStrides = src->shape + rank;
  const int64_t *dstStrides = dst->shape + rank;
  for (int64_t d = 0; d < rank; ++d)
    if (sizes[d] == 0)
      return;
  // The innermost dimension is one memcpy when both are unit-stride.
  int64_t last = rank - 1, inner = sizes[last];
  int contiguous = srcStrides[last] == 1 && dstStrides[last] == 1;
  int64_t index[rank];
  memset(index, 0, sizeof index);
  for (;;) {
    int64_t s = 0, t = 0;
    for (int64_t d = 0; d < last; ++d) {
      s += index[d] * srcStrides[d];
      t += index[d] * dstStrides[d];
    }
    if (contiguous) {
      memcpy(dstBase + t * elemSize, srcBase + s * elemSize,
             inner * elemSize);
    } else {
      for (int64_t i = 0; i < inner; ++i)
        memcpy(dstBase + (t + i * dstStrides[last]) * elemSize,
               srcBase + (s + i * srcStrides[last]) * elemSize, elemSize);
    }
    // The next index of the outer dimensions, last fastest.
    int64_t d = last - 1;
    while (d >= 0 && ++index[d] == sizes[d])
      index[d--] = 0;
    if (d < 0)
      return;
  }
}
