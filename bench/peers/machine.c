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

// DRAM read bandwidth: `threads` threads read a buffer of `bytes` (>= 1 GiB,
// far beyond the caches) chunk by chunk, each 16 MiB chunk split between
// them; a barrier starts and ends every chunk. A chunk was last read a whole
// buffer earlier, so it comes from DRAM. The rate is the best chunk's over
// `reps` passes: on a shared machine some chunk runs with no thread
// preempted. Reads use 64-byte loads with four accumulators.
#define CHUNK (16ul << 20)

typedef struct {
  const char *buf;
  size_t bytes;
  int id, threads, reps;
  pthread_barrier_t *bar;
  double best;
  __m512i sum;
} reader_t;

static void *reader(void *arg) {
  reader_t *r = arg;
  size_t part = CHUNK / r->threads;
  __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
  for (int rep = 0; rep < r->reps; rep++) {
    for (size_t c = 0; c + CHUNK <= r->bytes; c += CHUNK) {
      const char *p = r->buf + c + r->id * part;
      pthread_barrier_wait(r->bar);
      double t = now();
      for (size_t i = 0; i + 256 <= part; i += 256) {
        a0 = _mm512_add_epi64(a0, _mm512_load_si512(p + i));
        a1 = _mm512_add_epi64(a1, _mm512_load_si512(p + i + 64));
        a2 = _mm512_add_epi64(a2, _mm512_load_si512(p + i + 128));
        a3 = _mm512_add_epi64(a3, _mm512_load_si512(p + i + 192));
      }
      pthread_barrier_wait(r->bar);
      double bw = CHUNK / (now() - t);
      if (r->id == 0 && bw > r->best) r->best = bw;
    }
  }
  r->sum = _mm512_add_epi64(_mm512_add_epi64(a0, a1), _mm512_add_epi64(a2, a3));
  return NULL;
}

// Bytes/s; 0 if the buffer cannot be allocated.
double read_bw(size_t bytes, int threads, int reps) {
  char *buf = aligned_alloc(4096, bytes);
  if (!buf || threads < 1 || threads > 64) return 0;
  memset(buf, 1, bytes);  // touch every page before timing
  pthread_barrier_t bar;
  pthread_barrier_init(&bar, NULL, threads);
  pthread_t tid[64];
  reader_t r[64];
  for (int i = 0; i < threads; i++) {
    r[i] = (reader_t){buf, bytes, i, threads, reps, &bar, 0, _mm512_setzero_si512()};
    pthread_create(&tid[i], NULL, reader, &r[i]);
  }
  for (int i = 0; i < threads; i++) pthread_join(tid[i], NULL);
  pthread_barrier_destroy(&bar);
  free(buf);
  return r[0].best;
}
