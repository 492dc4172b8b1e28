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

// Issue rates, per second, of 512-bit `vpdpbusd` (kind 0), `vpshufb` (1),
// and pairs of one of each (2), in independent chains (10 of each, more
// than latency x ports), best of 50 runs of 4 * 10^5 instructions. They
// bound any byte-gather kernel: a 2:4 int8 GEMM that picks each column's
// activation bytes with `vpshufb` issues one shuffle per sparse
// `vpdpbusd`, so it can run at most 2 * pairs / vpdpbusd times the dense
// kernel's speed. 0 without AVX-512 VNNI.
#define DP(r) "vpdpbusd %%zmm30, %%zmm31, %%zmm" #r "\n\t"
#define SH(r) "vpshufb %%zmm30, %%zmm31, %%zmm" #r "\n\t"
#define TEN(op, a) op(a##0) op(a##1) op(a##2) op(a##3) op(a##4) \
  op(a##5) op(a##6) op(a##7) op(a##8) op(a##9)
double issue_rate(int kind) {
  if (!__builtin_cpu_supports("avx512vnni") || kind < 0 || kind > 2) return 0;
  const long iters = 2000;
  double best = 0;
  for (int r = 0; r < 50; r++) {
    double t = now();
    for (long i = 0; i < iters; i++) {
      // 200 instructions per iteration of each kind; a pair counts once.
      if (kind == 0)
        for (int j = 0; j < 20; j++)
          __asm__ volatile(TEN(DP, ) ::: "xmm0", "xmm1", "xmm2", "xmm3",
                           "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9");
      else if (kind == 1)
        for (int j = 0; j < 20; j++)
          __asm__ volatile(TEN(SH, 1) ::: "xmm10", "xmm11", "xmm12", "xmm13",
                           "xmm14", "xmm15", "xmm16", "xmm17", "xmm18",
                           "xmm19");
      else
        for (int j = 0; j < 20; j++)
          __asm__ volatile(TEN(DP, ) TEN(SH, 1)
                           ::: "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5",
                           "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11",
                           "xmm12", "xmm13", "xmm14", "xmm15", "xmm16",
                           "xmm17", "xmm18", "xmm19");
    }
    double rate = 200.0 * iters / (now() - t);
    if (rate > best) best = rate;
  }
  return best;
}
