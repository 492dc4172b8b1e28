// Drives lib/Runtime/MCAlloc.c directly: reuse, fit, alignment, eviction,
// escaping blocks and two threads at once.
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *_mlir_memref_to_llvm_alloc(size_t size);
void *_mlir_memref_to_llvm_aligned_alloc(size_t alignment, size_t size);
void _mlir_memref_to_llvm_free(void *ptr);
#define alloc _mlir_memref_to_llvm_alloc
#define aligned _mlir_memref_to_llvm_aligned_alloc
#define release _mlir_memref_to_llvm_free

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      printf("FAILED line %d: %s\n", __LINE__, #cond);                         \
      return 1;                                                                \
    }                                                                          \
  } while (0)

static void *worker(void *arg) {
  unsigned seed = (unsigned)(uintptr_t)arg;
  for (int i = 0; i < 20000; ++i) {
    size_t size = 1024 + rand_r(&seed) % 200000;
    unsigned char *p = alloc(size);
    if (!p)
      return (void *)1;
    memset(p, (int)seed & 0xff, size);
    for (size_t j = 0; j < size; j += 4096)
      if (p[j] != (unsigned char)(seed & 0xff))
        return (void *)1;
    release(p);
  }
  return NULL;
}

int main(void) {
  // A freed block serves the next request of the same size...
  void *p = alloc(100000);
  release(p);
  CHECK(alloc(100000) == p);
  // ...and of a size it fits without wasting more than half, not a smaller.
  release(p);
  void *small = alloc(40000);
  CHECK(small != p);
  CHECK(alloc(60000) == p);
  release(small);
  // Blocks that escape the generated code are plain malloc blocks.
  free(p);
  printf("reuse: ok\n");

  // Alignment: a cached block is only handed out at a multiple of it.
  for (size_t align = 16; align <= 4096; align *= 2) {
    void *q = aligned(align, 5000);
    CHECK(q && (uintptr_t)q % align == 0);
    release(q);
    void *r = aligned(4096, 5000);
    CHECK(r && (uintptr_t)r % 4096 == 0);
    release(r);
  }
  printf("alignment: ok\n");

  // 40 blocks freed: the 32 most recent are kept, and handed out again.
  void *blocks[40], *again[32];
  for (int i = 0; i < 40; ++i)
    blocks[i] = alloc(10000);
  for (int i = 0; i < 40; ++i)
    release(blocks[i]);
  for (int i = 0; i < 32; ++i) {
    again[i] = alloc(10000);
    int found = 0;
    for (int j = 8; j < 40; ++j)
      found |= again[i] == blocks[j];
    CHECK(found);
  }
  for (int i = 0; i < 32; ++i)
    release(again[i]);
  // Small blocks and NULL go straight to free.
  release(alloc(100));
  release(NULL);
  printf("eviction: ok\n");

  pthread_t threads[2];
  for (int t = 0; t < 2; ++t)
    CHECK(pthread_create(&threads[t], NULL, worker,
                         (void *)(uintptr_t)(t + 1)) == 0);
  for (int t = 0; t < 2; ++t) {
    void *result;
    CHECK(pthread_join(threads[t], &result) == 0 && result == NULL);
  }
  printf("threads: ok\n");
  return 0;
}
