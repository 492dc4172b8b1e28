// ggml (llama-cpp-python's bundled build) weight-only matmul for
// bench/run.py, as a llama.cpp decode step runs it on the CPU backend:
// weights quantized by ggml's own quantizer, stored in the CPU "repack"
// buffer type where ggml has an interleaved layout for the type on this CPU
// (Q4_0, Q4_K on AVX2/AVX-512; the repack happens at upload, outside the
// timing), else in a plain CPU buffer; y = ggml_mul_mat(w, x) in a graph,
// which quantizes the f32 activations to the type's dot-product partner
// (Q8_0 / Q8_K) and runs on the backend's thread count.
#include <ggml-alloc.h>
#include <ggml-backend.h>
#include <ggml-cpu.h>
#include <ggml.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// A quantized weight, and a graph y = w . x for one M using it.
typedef struct {
  struct ggml_context *ctx;
  ggml_backend_buffer_t buf;
  struct ggml_tensor *w;
  int repacked;
} gg_weight_t;

typedef struct {
  struct ggml_context *ctx;
  ggml_backend_buffer_t buf;
  struct ggml_cgraph *gf;
  struct ggml_tensor *x, *y;
} gg_graph_t;

static ggml_backend_t backend;

// ggml's log without its info lines (one per repacked tensor).
static void log_warnings(enum ggml_log_level level, const char *text,
                         void *user) {
  (void)user;
  if (level >= GGML_LOG_LEVEL_WARN) fputs(text, stderr);
}

static void init(void) {
  if (!backend) {
    ggml_log_set(log_warnings, NULL);
    ggml_cpu_init();
    backend = ggml_backend_cpu_init();
  }
}

int gg_type(const char *name) {
  if (!strcmp(name, "q4_0")) return GGML_TYPE_Q4_0;
  if (!strcmp(name, "q4_k")) return GGML_TYPE_Q4_K;
  if (!strcmp(name, "q8_0")) return GGML_TYPE_Q8_0;
  if (!strcmp(name, "f16")) return GGML_TYPE_F16;
  if (!strcmp(name, "bf16")) return GGML_TYPE_BF16;
  return -1;
}

void gg_set_threads(int n) {
  init();
  ggml_backend_cpu_set_n_threads(backend, n);
}

// Bytes of an N x K weight in `type` (scales included).
size_t gg_bytes(int type, int64_t k, int64_t n) {
  return ggml_row_size(type, k) * n;
}

// The CPU backend's repack buffer type, or NULL.
static ggml_backend_buffer_type_t repack_buft(void) {
  ggml_backend_dev_t dev = ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU);
  ggml_backend_dev_get_extra_bufts_t get = ggml_backend_reg_get_proc_address(
      ggml_backend_dev_backend_reg(dev), "ggml_backend_dev_get_extra_bufts");
  for (ggml_backend_buffer_type_t *b = get ? get(dev) : NULL; b && *b; b++)
    if (!strcmp(ggml_backend_buft_name(*b), "CPU_REPACK")) return *b;
  return NULL;
}

// Quantizes `w` (N x K f32, row n = output channel n) with ggml's quantizer;
// if `deq` is not NULL, writes ggml's dequantization of it there (N x K).
// `repack`: 1 = use the repack buffer if ggml repacks this type here (the
// default of llama.cpp), 0 = plain CPU buffer.
void *gg_weight(int type, int64_t k, int64_t n, const float *w, float *deq,
                int repack) {
  init();
  gg_weight_t *h = calloc(1, sizeof *h);
  size_t bytes = gg_bytes(type, k, n);
  void *q = malloc(bytes);
  ggml_quantize_chunk(type, w, q, 0, n, k, NULL);
  if (deq) ggml_get_type_traits(type)->to_float(q, deq, k * n);

  struct ggml_init_params p = {ggml_tensor_overhead() * 2, NULL, true};
  h->ctx = ggml_init(p);
  h->w = ggml_new_tensor_2d(h->ctx, type, k, n);
  ggml_backend_buffer_type_t buft = repack ? repack_buft() : NULL;
  if (buft) {
    h->buf = ggml_backend_alloc_ctx_tensors_from_buft(h->ctx, buft);
    // The repack buffer gives a tensor its repacking traits in `extra`,
    // none when ggml has no repacked layout for the type on this CPU.
    if (h->w->extra) {
      h->repacked = 1;
      ggml_backend_buffer_set_usage(h->buf, GGML_BACKEND_BUFFER_USAGE_WEIGHTS);
    } else {
      ggml_backend_buffer_free(h->buf);
      h->w->buffer = NULL;
      h->w->data = NULL;
    }
  }
  if (!h->repacked)
    h->buf = ggml_backend_alloc_ctx_tensors_from_buft(
        h->ctx, ggml_backend_cpu_buffer_type());
  ggml_backend_tensor_set(h->w, q, 0, bytes);  // the repack happens here
  free(q);
  return h;
}

int gg_repacked(void *weight) { return ((gg_weight_t *)weight)->repacked; }

// The graph y = mul_mat(w, x) for M rows of activations.
void *gg_graph(void *weight, int64_t m) {
  gg_weight_t *w = weight;
  gg_graph_t *h = calloc(1, sizeof *h);
  struct ggml_init_params p = {
      ggml_tensor_overhead() * 4 + ggml_graph_overhead(), NULL, true};
  h->ctx = ggml_init(p);
  h->x = ggml_new_tensor_2d(h->ctx, GGML_TYPE_F32, w->w->ne[0], m);
  h->y = ggml_mul_mat(h->ctx, w->w, h->x);
  h->buf = ggml_backend_alloc_ctx_tensors_from_buft(
      h->ctx, ggml_backend_cpu_buffer_type());
  h->gf = ggml_new_graph(h->ctx);
  ggml_build_forward_expand(h->gf, h->y);
  return h;
}

// y (M x N) = x (M x K) . w^T
int gg_run(void *graph, const float *x, float *y) {
  gg_graph_t *h = graph;
  ggml_backend_tensor_set(h->x, x, 0, ggml_nbytes(h->x));
  if (ggml_backend_graph_compute(backend, h->gf) != GGML_STATUS_SUCCESS)
    return 1;
  ggml_backend_tensor_get(h->y, y, 0, ggml_nbytes(h->y));
  return 0;
}

void gg_free_graph(void *graph) {
  gg_graph_t *h = graph;
  ggml_backend_buffer_free(h->buf);
  ggml_free(h->ctx);
  free(h);
}

void gg_free_weight(void *weight) {
  gg_weight_t *h = weight;
  ggml_backend_buffer_free(h->buf);
  ggml_free(h->ctx);
  free(h);
}
