// Machine limits for bench/run.py, measured rather than assumed.
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <immintrin.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

// Core clock in Hz: a chain of dependent 64-bit adds retires one per cycle,
// so adds / seconds is the clock the core runs at under load (turbo
// included). Best of 2000 short runs (2 * 10^5 adds, ~70 us each), so that
// on a shared machine some run is not preempted.
double clock_hz(void) {
  const long iters = 25000;
  double best = 0;
  for (int r = 0; r < 2000; r++) {
    uint64_t x = 0;
    double t = now();
    for (long i = 0; i < iters; i++)
      __asm__ volatile("add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
                       "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0"
                       : "+r"(x));
    double hz = 8.0 * iters / (now() - t);
    if (hz > best) best = hz;
  }
  return best;
}

typedef struct {
  const char *p;
  size_t n;
  __m512i sum;
} slice_t;

// Reads a slice with 64-byte loads, four independent accumulators.
static void *read_slice(void *arg) {
  slice_t *s = arg;
  __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
  for (size_t i = 0; i + 256 <= s->n; i += 256) {
    a0 = _mm512_add_epi64(a0, _mm512_load_si512(s->p + i));
    a1 = _mm512_add_epi64(a1, _mm512_load_si512(s->p + i + 64));
    a2 = _mm512_add_epi64(a2, _mm512_load_si512(s->p + i + 128));
    a3 = _mm512_add_epi64(a3, _mm512_load_si512(s->p + i + 192));
  }
  s->sum = _mm512_add_epi64(_mm512_add_epi64(a0, a1), _mm512_add_epi64(a2, a3));
  return NULL;
}

// DRAM read bandwidth in bytes/s over a buffer of `bytes` (>= 1 GiB, far
// beyond the caches) read by `threads` threads, each its own contiguous
// slice; best of `reps` passes.
double read_bw(size_t bytes, int threads, int reps) {
  char *buf = aligned_alloc(4096, bytes);
  if (!buf) return 0;
  memset(buf, 1, bytes);  // touch every page before timing
  pthread_t tid[64];
  slice_t sl[64];
  size_t part = bytes / threads / 4096 * 4096;
  double best = 0;
  for (int r = 0; r < reps; r++) {
    double t = now();
    for (int i = 0; i < threads; i++) {
      sl[i] = (slice_t){buf + i * part, part, _mm512_setzero_si512()};
      pthread_create(&tid[i], NULL, read_slice, &sl[i]);
    }
    for (int i = 0; i < threads; i++) pthread_join(tid[i], NULL);
    double bw = (double)part * threads / (now() - t);
    if (bw > best) best = bw;
  }
  free(buf);
  return best;
}
