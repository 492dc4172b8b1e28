//===- MCOpenMP.c - the OpenMP entry points mc's kernels call -------------===//
//
// A small OpenMP runtime for targets without a libomp to link (AArch64 on
// this project's machines: Debian's libomp-22-dev is not co-installable
// across architectures). It implements exactly the `__kmpc_*` entry points
// that MLIR's OpenMP lowering of `scf.parallel` (`omp.parallel` +
// `omp.wsloop`, static schedule) emits, with libomp's ABI and semantics:
//
//   __kmpc_global_thread_num, __kmpc_push_num_threads, __kmpc_fork_call,
//   __kmpc_for_static_init_{4,4u,8,8u}, __kmpc_for_static_fini,
//   __kmpc_barrier.
//
// Threads: a team of persistent worker threads, started on the first
// parallel region. The default team size is OMP_NUM_THREADS if set, else
// the number of online cores. Nested regions, and regions started while
// another thread owns the team, run on the calling thread alone (team size
// 1), as libomp does with nesting disabled. Loops are split as libomp's
// default static schedule (`static_balanced`): trip / n iterations each,
// the first trip % n threads one more.
//
//===----------------------------------------------------------------------===//

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct ident ident_t;
typedef void (*microtask_t)(int32_t *gtid, int32_t *btid, ...);

enum { kMaxArgs = 8, kMaxThreads = 256 };
/// libomp's schedule kinds (kmp_sched_type).
enum { kStaticChunked = 33, kStatic = 34 };

/// The calling thread's place in the current team.
static __thread int32_t threadId;    // 0 for the thread that forked
static __thread int32_t teamSize = 1;
static __thread int inParallel;
/// Threads of the next region on this thread (__kmpc_push_num_threads).
static __thread int32_t requested;

static struct {
  pthread_mutex_t mutex;
  pthread_cond_t start, done;
  /// Workers started (ids 1..started); the team of a region is a prefix.
  int32_t started, size;
  /// Incremented for every region; a worker runs each region once.
  uint64_t region;
  int32_t remaining;
  microtask_t task;
  int32_t argc;
  void *args[kMaxArgs];
} pool = {.mutex = PTHREAD_MUTEX_INITIALIZER,
          .start = PTHREAD_COND_INITIALIZER,
          .done = PTHREAD_COND_INITIALIZER};
/// Held by the thread that owns the team for the whole region.
static pthread_mutex_t owner = PTHREAD_MUTEX_INITIALIZER;

static struct {
  pthread_mutex_t mutex;
  pthread_cond_t cond;
  int32_t waiting;
  uint64_t generation;
} barrier = {.mutex = PTHREAD_MUTEX_INITIALIZER,
             .cond = PTHREAD_COND_INITIALIZER};

static void fatal(const char *message) {
  fprintf(stderr, "mc OpenMP runtime: %s\n", message);
  abort();
}

static int32_t defaultThreads(void) {
  const char *env = getenv("OMP_NUM_THREADS");
  long n = env ? strtol(env, NULL, 10) : 0;
  if (n <= 0)
    n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n > kMaxThreads ? kMaxThreads : (int32_t)n;
}

static void invoke(microtask_t task, int32_t id, int32_t argc, void **a) {
  int32_t gtid = id, btid = 0;
  // The microtask is variadic in its captured pointers; MLIR passes one
  // (a struct of them), libomp's own compiler up to many.
  switch (argc) {
  case 0: task(&gtid, &btid); break;
  case 1: task(&gtid, &btid, a[0]); break;
  case 2: task(&gtid, &btid, a[0], a[1]); break;
  case 3: task(&gtid, &btid, a[0], a[1], a[2]); break;
  case 4: task(&gtid, &btid, a[0], a[1], a[2], a[3]); break;
  case 5: task(&gtid, &btid, a[0], a[1], a[2], a[3], a[4]); break;
  case 6: task(&gtid, &btid, a[0], a[1], a[2], a[3], a[4], a[5]); break;
  case 7: task(&gtid, &btid, a[0], a[1], a[2], a[3], a[4], a[5], a[6]); break;
  default:
    task(&gtid, &btid, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
  }
}

static void *worker(void *arg) {
  int32_t id = (int32_t)(intptr_t)arg;
  uint64_t seen = 0;
  threadId = id;
  inParallel = 1;
  pthread_mutex_lock(&pool.mutex);
  for (;;) {
    while (pool.region == seen)
      pthread_cond_wait(&pool.start, &pool.mutex);
    seen = pool.region;
    if (id >= pool.size)
      continue;
    microtask_t task = pool.task;
    int32_t argc = pool.argc;
    void *args[kMaxArgs];
    for (int32_t i = 0; i < argc; ++i)
      args[i] = pool.args[i];
    teamSize = pool.size;
    pthread_mutex_unlock(&pool.mutex);
    invoke(task, id, argc, args);
    pthread_mutex_lock(&pool.mutex);
    if (--pool.remaining == 0)
      pthread_cond_signal(&pool.done);
  }
  return NULL;
}

int32_t __kmpc_global_thread_num(ident_t *loc) {
  (void)loc;
  return threadId;
}

void __kmpc_push_num_threads(ident_t *loc, int32_t gtid, int32_t n) {
  (void)loc;
  (void)gtid;
  requested = n;
}

void __kmpc_fork_call(ident_t *loc, int32_t argc, microtask_t task, ...) {
  (void)loc;
  if (argc > kMaxArgs)
    fatal("a parallel region with more than 8 captured arguments");
  void *args[kMaxArgs];
  va_list list;
  va_start(list, task);
  for (int32_t i = 0; i < argc; ++i)
    args[i] = va_arg(list, void *);
  va_end(list);

  int32_t size = requested > 0 ? requested : defaultThreads();
  if (size > kMaxThreads)
    size = kMaxThreads;
  requested = 0;
  if (size == 1 || inParallel || pthread_mutex_trylock(&owner) != 0) {
    // Serialized: a team of one on this thread.
    int32_t savedId = threadId, savedSize = teamSize, savedIn = inParallel;
    threadId = 0;
    teamSize = 1;
    inParallel = 1;
    invoke(task, 0, argc, args);
    threadId = savedId;
    teamSize = savedSize;
    inParallel = savedIn;
    return;
  }

  pthread_mutex_lock(&pool.mutex);
  for (; pool.started < size - 1; ++pool.started) {
    pthread_t thread;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int failed = pthread_create(&thread, &attr, worker,
                                (void *)(intptr_t)(pool.started + 1));
    pthread_attr_destroy(&attr);
    if (failed)
      break;
  }
  if (size > pool.started + 1)
    size = pool.started + 1;
  pool.size = size;
  pool.task = task;
  pool.argc = argc;
  for (int32_t i = 0; i < argc; ++i)
    pool.args[i] = args[i];
  pool.remaining = size - 1;
  ++pool.region;
  pthread_cond_broadcast(&pool.start);
  pthread_mutex_unlock(&pool.mutex);

  threadId = 0;
  teamSize = size;
  inParallel = 1;
  invoke(task, 0, argc, args);
  teamSize = 1;
  inParallel = 0;

  pthread_mutex_lock(&pool.mutex);
  while (pool.remaining > 0)
    pthread_cond_wait(&pool.done, &pool.mutex);
  pthread_mutex_unlock(&pool.mutex);
  pthread_mutex_unlock(&owner);
}

void __kmpc_barrier(ident_t *loc, int32_t gtid) {
  (void)loc;
  (void)gtid;
  if (teamSize == 1)
    return;
  pthread_mutex_lock(&barrier.mutex);
  uint64_t generation = barrier.generation;
  if (++barrier.waiting == teamSize) {
    barrier.waiting = 0;
    ++barrier.generation;
    pthread_cond_broadcast(&barrier.cond);
  } else {
    while (generation == barrier.generation)
      pthread_cond_wait(&barrier.cond, &barrier.mutex);
  }
  pthread_mutex_unlock(&barrier.mutex);
}

void __kmpc_for_static_fini(ident_t *loc, int32_t gtid) {
  (void)loc;
  (void)gtid;
}

/// libomp's __kmp_for_static_init for the static schedules: this thread's
/// inclusive bounds [*lower, *upper] of lower..upper by `incr`, whether it
/// has the last iteration, and the stride between its chunks.
#define MC_FOR_STATIC_INIT(SUFFIX, T, UT, ST)                                  \
  void __kmpc_for_static_init_##SUFFIX(ident_t *loc, int32_t gtid,             \
                                       int32_t schedule, int32_t *last,        \
                                       T *lower, T *upper, ST *stride,         \
                                       ST incr, ST chunk) {                    \
    (void)loc;                                                                 \
    (void)gtid;                                                                \
    if (incr == 0)                                                             \
      fatal("a loop with a zero step");                                        \
    UT trip;                                                                   \
    if (incr > 0 ? *upper < *lower : *lower < *upper) {                        \
      *last = 0;                                                               \
      *stride = incr;                                                          \
      return;                                                                  \
    }                                                                          \
    if (incr == 1)                                                             \
      trip = (UT)(*upper - *lower) + 1;                                        \
    else if (incr == -1)                                                       \
      trip = (UT)(*lower - *upper) + 1;                                        \
    else if (incr > 0)                                                         \
      trip = (UT)(*upper - *lower) / (UT)incr + 1;                             \
    else                                                                       \
      trip = (UT)(*lower - *upper) / (UT)(-incr) + 1;                          \
    UT n = (UT)teamSize, id = (UT)threadId;                                    \
    if (schedule == kStaticChunked && chunk > 0) {                             \
      UT chunks = (trip + (UT)chunk - 1) / (UT)chunk;                          \
      *stride = (ST)(chunk * incr * (ST)n);                                    \
      *lower = (T)(*lower + (T)(id * (UT)chunk * (UT)incr));                   \
      *upper = (T)(*lower + (T)((UT)(chunk - 1) * (UT)incr));                  \
      *last = id == (chunks - 1) % n;                                          \
      return;                                                                  \
    }                                                                          \
    if (schedule != kStatic && schedule != kStaticChunked)                     \
      fatal("an unsupported loop schedule");                                   \
    *stride = (ST)trip;                                                        \
    if (trip < n) {                                                            \
      *last = id == trip - 1;                                                  \
      if (id < trip)                                                           \
        *upper = *lower = (T)(*lower + (T)(id * (UT)incr));                    \
      else                                                                     \
        *lower = (T)(*upper + (T)incr);                                        \
      return;                                                                  \
    }                                                                          \
    UT small = trip / n, extras = trip % n;                                    \
    *lower = (T)(*lower +                                                      \
                 (T)((id * small + (id < extras ? id : extras)) * (UT)incr));  \
    *upper = (T)(*lower + (T)((small - (id < extras ? 0 : 1)) * (UT)incr));    \
    *last = id == n - 1;                                                       \
  }

MC_FOR_STATIC_INIT(4, int32_t, uint32_t, int32_t)
MC_FOR_STATIC_INIT(4u, uint32_t, uint32_t, int32_t)
MC_FOR_STATIC_INIT(8, int64_t, uint64_t, int64_t)
MC_FOR_STATIC_INIT(8u, uint64_t, uint64_t, int64_t)
