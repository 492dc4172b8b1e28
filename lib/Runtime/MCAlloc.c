//===- MCAlloc.c - a cache of freed buffers for generated code ------------===//
//
// The allocation functions MLIR's memref lowering calls with
// `use-generic-functions` (`_mlir_memref_to_llvm_alloc`, `..._aligned_alloc`,
// `..._free`), which mc's CPU pipeline selects with `alloc-cache=true`.
//
// Why: a compiled model allocates its intermediate tensors on every call
// and frees them at the end. With glibc, freeing them leaves free space at
// the top of the heap, which `free` returns to the kernel once it exceeds
// the trim threshold (or the blocks were mmapped in the first place), so
// the next call faults every page in again and clears it: 2x the time of a
// small model's call (the demo MLP's W8A8 recipe, 360 rows). Here freed
// blocks of 1 KiB and more are kept, up to kMaxBlocks of them and
// kMaxBytes in all (the oldest go first), and handed out again for requests
// that fit them without wasting more than half. Every block is a plain
// malloc / aligned_alloc block, so memory the generated code lets escape
// can still be released with `free`.
//
//===----------------------------------------------------------------------===//

#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { kMaxBlocks = 32, kMinBytes = 1024 };
static const size_t kMaxBytes = (size_t)512 << 20;

typedef struct {
  void *ptr;
  size_t size; // malloc_usable_size
} Block;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static Block blocks[kMaxBlocks]; // oldest first
static int numBlocks;
static size_t cachedBytes;

static void removeBlock(int i) {
  cachedBytes -= blocks[i].size;
  memmove(&blocks[i], &blocks[i + 1], (numBlocks - i - 1) * sizeof(Block));
  --numBlocks;
}

/// The smallest cached block of at least `size` bytes (and at most about
/// twice that) at a multiple of `alignment`, taken out of the cache.
static void *takeBlock(size_t size, size_t alignment) {
  if (size < kMinBytes)
    return NULL;
  void *found = NULL;
  pthread_mutex_lock(&lock);
  int best = -1;
  for (int i = 0; i < numBlocks; ++i) {
    Block b = blocks[i];
    if (b.size >= size && b.size - size <= size &&
        (uintptr_t)b.ptr % alignment == 0 &&
        (best < 0 || b.size < blocks[best].size))
      best = i;
  }
  if (best >= 0) {
    found = blocks[best].ptr;
    removeBlock(best);
  }
  pthread_mutex_unlock(&lock);
  return found;
}

void *_mlir_memref_to_llvm_alloc(size_t size) {
  void *p = takeBlock(size, 1);
  return p ? p : malloc(size);
}

void *_mlir_memref_to_llvm_aligned_alloc(size_t alignment, size_t size) {
  void *p = takeBlock(size, alignment);
  if (p)
    return p;
  // posix_memalign, unlike aligned_alloc, takes any size.
  if (alignment < sizeof(void *))
    alignment = sizeof(void *);
  return posix_memalign(&p, alignment, size) ? NULL : p;
}

void _mlir_memref_to_llvm_free(void *ptr) {
  if (!ptr)
    return;
  size_t size = malloc_usable_size(ptr);
  if (size < kMinBytes || size > kMaxBytes) {
    free(ptr);
    return;
  }
  void *evicted[kMaxBlocks];
  int numEvicted = 0;
  pthread_mutex_lock(&lock);
  while (numBlocks == kMaxBlocks || cachedBytes + size > kMaxBytes) {
    evicted[numEvicted++] = blocks[0].ptr;
    removeBlock(0);
  }
  blocks[numBlocks++] = (Block){ptr, size};
  cachedBytes += size;
  pthread_mutex_unlock(&lock);
  for (int i = 0; i < numEvicted; ++i)
    free(evicted[i]);
}
