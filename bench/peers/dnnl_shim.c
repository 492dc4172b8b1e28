// oneDNN (2.x C API) matmul for bench/run.py: int8 u8s8s32 and f32.
// The weights are reordered into the primitive's preferred layout once, in
// mm_create (outside the timing, as inference does); mm_run only executes.
// Threads: oneDNN here runs on OpenMP, so mm_set_threads sets OpenMP's count.
#include <dnnl.h>
#include <omp.h>
#include <stdint.h>
#include <stdlib.h>

typedef struct {
  dnnl_engine_t engine;
  dnnl_stream_t stream;
  dnnl_primitive_t prim;
  dnnl_memory_t src, wei, dst;
} mm_t;

#define CHECK(x) do { if ((x) != dnnl_success) return NULL; } while (0)

void mm_set_threads(int n) { omp_set_num_threads(n); }

// M x K activations times K x N weights (row-major, copied and reordered
// here) into M x N. is_int8: src u8, weights s8, dst s32; else all f32.
void *mm_create(int64_t M, int64_t N, int64_t K, int is_int8,
                const void *weights) {
  mm_t *h = calloc(1, sizeof *h);
  dnnl_data_type_t st = is_int8 ? dnnl_u8 : dnnl_f32;
  dnnl_data_type_t wt = is_int8 ? dnnl_s8 : dnnl_f32;
  dnnl_data_type_t dt = is_int8 ? dnnl_s32 : dnnl_f32;
  dnnl_dims_t ad = {M, K}, bd = {K, N}, cd = {M, N};
  dnnl_memory_desc_t a_md, b_any, b_user, c_md;
  CHECK(dnnl_engine_create(&h->engine, dnnl_cpu, 0));
  CHECK(dnnl_stream_create(&h->stream, h->engine, dnnl_stream_default_flags));
  CHECK(dnnl_memory_desc_init_by_tag(&a_md, 2, ad, st, dnnl_ab));
  CHECK(dnnl_memory_desc_init_by_tag(&b_any, 2, bd, wt, dnnl_format_tag_any));
  CHECK(dnnl_memory_desc_init_by_tag(&b_user, 2, bd, wt, dnnl_ab));
  CHECK(dnnl_memory_desc_init_by_tag(&c_md, 2, cd, dt, dnnl_ab));
  dnnl_matmul_desc_t desc;
  CHECK(dnnl_matmul_desc_init(&desc, &a_md, &b_any, NULL, &c_md));
  dnnl_primitive_desc_t pd;
  CHECK(dnnl_primitive_desc_create(&pd, &desc, NULL, h->engine, NULL));
  // The primitive's preferred weight layout (copied: pd is freed below).
  dnnl_memory_desc_t w_md =
      *dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
  CHECK(dnnl_memory_create(&h->wei, &w_md, h->engine, DNNL_MEMORY_ALLOCATE));
  CHECK(dnnl_primitive_create(&h->prim, pd));
  dnnl_primitive_desc_destroy(pd);

  // Reorder the caller's row-major weights into the preferred layout.
  dnnl_memory_t user;
  CHECK(dnnl_memory_create(&user, &b_user, h->engine, (void *)weights));
  dnnl_primitive_desc_t rpd;
  CHECK(dnnl_reorder_primitive_desc_create(&rpd, &b_user, h->engine, &w_md,
                                           h->engine, NULL));
  dnnl_primitive_t reorder;
  CHECK(dnnl_primitive_create(&reorder, rpd));
  dnnl_exec_arg_t rargs[] = {{DNNL_ARG_FROM, user}, {DNNL_ARG_TO, h->wei}};
  CHECK(dnnl_primitive_execute(reorder, h->stream, 2, rargs));
  CHECK(dnnl_stream_wait(h->stream));
  dnnl_primitive_destroy(reorder);
  dnnl_primitive_desc_destroy(rpd);
  dnnl_memory_destroy(user);

  // Activation and result memories wrap the caller's buffers (set per call).
  CHECK(dnnl_memory_create(&h->src, &a_md, h->engine, DNNL_MEMORY_NONE));
  CHECK(dnnl_memory_create(&h->dst, &c_md, h->engine, DNNL_MEMORY_NONE));
  return h;
}

int mm_run(void *handle, const void *a, void *c) {
  mm_t *h = handle;
  dnnl_memory_set_data_handle(h->src, (void *)a);
  dnnl_memory_set_data_handle(h->dst, c);
  dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, h->src},
                            {DNNL_ARG_WEIGHTS, h->wei},
                            {DNNL_ARG_DST, h->dst}};
  if (dnnl_primitive_execute(h->prim, h->stream, 3, args) != dnnl_success)
    return 1;
  return dnnl_stream_wait(h->stream) != dnnl_success;
}

void mm_destroy(void *handle) {
  mm_t *h = handle;
  dnnl_primitive_destroy(h->prim);
  dnnl_memory_destroy(h->src);
  dnnl_memory_destroy(h->wei);
  dnnl_memory_destroy(h->dst);
  dnnl_stream_destroy(h->stream);
  dnnl_engine_destroy(h->engine);
  free(h);
}
