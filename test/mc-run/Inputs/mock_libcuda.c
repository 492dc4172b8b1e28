/* A mock CUDA driver (libcuda.so.1) for testing mc-run --device=cuda
 * without a GPU: it implements the driver entry points mc-run uses on host
 * memory, checks what a real driver would reject, and writes one trace line
 * per call to $MOCK_CUDA_TRACE (stderr if unset). Kernels do not run.
 *
 *   MOCK_CUDA_SM=80          compute capability reported (default 80)
 *   MOCK_CUDA_FAIL=init      cuInit fails (as with no kernel module)
 *   MOCK_CUDA_FAIL=nodevice  no device
 *   MOCK_CUDA_FAIL=launch    cuLaunchKernel fails (as on a faulting kernel)
 *   -DMOCK_NO_LAUNCH         build a driver without cuLaunchKernel
 *
 * Checks: module images are an NVIDIA cubin (ELF, EM_CUDA) for the
 * reported sm, or PTX; kernels exist in the image (ELF symbols / .entry);
 * every pointer parameter of a launch (from the cubin's EIATTR_KPARAM_INFO)
 * points into a live device allocation (0xdeadbeef, the allocated pointer
 * of a constant memref, is never dereferenced and allowed); copies stay
 * within allocations; results are not copied back, nor buffers freed,
 * while launches are pending on a stream that was not synchronized.
 * Allocations are filled with 0x7f bytes so copies back are visible. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int CUresult;
typedef uint64_t CUdeviceptr;

enum {
  SUCCESS = 0,
  INVALID_VALUE = 1,
  NOT_INITIALIZED = 3,
  NO_DEVICE = 100,
  INVALID_IMAGE = 200,
  NO_BINARY_FOR_GPU = 209,
  INVALID_HANDLE = 400,
  NOT_FOUND = 500,
  ILLEGAL_ADDRESS = 700,
  UNKNOWN = 999,
};

static FILE *trace_file;
static void trace(const char *fmt, ...) {
  if (!trace_file) {
    const char *path = getenv("MOCK_CUDA_TRACE");
    trace_file = path ? fopen(path, "a") : stderr;
    if (!trace_file)
      trace_file = stderr;
  }
  va_list ap;
  va_start(ap, fmt);
  vfprintf(trace_file, fmt, ap);
  va_end(ap);
  fputc('\n', trace_file);
  fflush(trace_file);
}

static int fails(const char *what) {
  const char *mode = getenv("MOCK_CUDA_FAIL");
  return mode && strcmp(mode, what) == 0;
}

static int sm(void) {
  const char *s = getenv("MOCK_CUDA_SM");
  return s ? atoi(s) : 80;
}

/* Allocations ------------------------------------------------------------ */

struct alloc {
  char *base;
  size_t size;
  int id;
  int managed;
  int live;
};
static struct alloc allocs[4096];
static int nallocs;

static struct alloc *find_alloc(uint64_t ptr, size_t size) {
  for (int i = 0; i < nallocs; ++i) {
    struct alloc *a = &allocs[i];
    if (a->live && ptr >= (uint64_t)a->base &&
        ptr + size <= (uint64_t)a->base + a->size)
      return a;
  }
  return NULL;
}

static int pending_launches; /* on streams not synchronized since */

static CUresult do_alloc(CUdeviceptr *ptr, size_t size, int managed) {
  if (!size || nallocs == 4096)
    return INVALID_VALUE;
  struct alloc *a = &allocs[nallocs];
  a->base = malloc(size);
  memset(a->base, 0x7f, size);
  a->size = size;
  a->id = ++nallocs;
  a->managed = managed;
  a->live = 1;
  *ptr = (CUdeviceptr)a->base;
  trace("%s %zu -> %s%d", managed ? "cuMemAllocManaged" : "cuMemAlloc", size,
        managed ? "managed" : "dev", a->id);
  return SUCCESS;
}

CUresult cuMemAlloc_v2(CUdeviceptr *ptr, size_t size) {
  return do_alloc(ptr, size, 0);
}

CUresult cuMemAllocManaged(CUdeviceptr *ptr, size_t size, unsigned flags) {
  return do_alloc(ptr, size, 1);
}

CUresult cuMemFree_v2(CUdeviceptr ptr) {
  struct alloc *a = find_alloc(ptr, 0);
  if (!a || (uint64_t)a->base != ptr) {
    trace("ERROR: cuMemFree of %#llx, not an allocation",
          (unsigned long long)ptr);
    return INVALID_VALUE;
  }
  if (pending_launches)
    trace("ERROR: cuMemFree %s%d while launches are pending",
          a->managed ? "managed" : "dev", a->id);
  trace("cuMemFree %s%d", a->managed ? "managed" : "dev", a->id);
  a->live = 0;
  free(a->base);
  return SUCCESS;
}

CUresult cuMemcpyHtoD_v2(CUdeviceptr dst, const void *src, size_t size) {
  struct alloc *a = find_alloc(dst, size);
  if (!a) {
    trace("ERROR: cuMemcpyHtoD to %#llx: not device memory",
          (unsigned long long)dst);
    return INVALID_VALUE;
  }
  trace("cuMemcpyHtoD dev%d+%llu <- %zu bytes", a->id,
        (unsigned long long)(dst - (uint64_t)a->base), size);
  memcpy((void *)dst, src, size);
  return SUCCESS;
}

CUresult cuMemcpyDtoH_v2(void *dst, CUdeviceptr src, size_t size) {
  struct alloc *a = find_alloc(src, size);
  if (!a) {
    trace("ERROR: cuMemcpyDtoH from %#llx: not device memory",
          (unsigned long long)src);
    return INVALID_VALUE;
  }
  if (pending_launches)
    trace("ERROR: cuMemcpyDtoH while launches are pending");
  trace("cuMemcpyDtoH dev%d+%llu -> %zu bytes", a->id,
        (unsigned long long)(src - (uint64_t)a->base), size);
  memcpy(dst, (void *)src, size);
  return SUCCESS;
}

CUresult cuMemcpy(CUdeviceptr dst, CUdeviceptr src, size_t size) {
  struct alloc *d = find_alloc(dst, size), *s = find_alloc(src, size);
  if (!d || !s) {
    trace("ERROR: cuMemcpy between non-device memory");
    return INVALID_VALUE;
  }
  trace("cuMemcpy dev%d <- dev%d %zu bytes", d->id, s->id, size);
  memmove((void *)dst, (void *)src, size);
  return SUCCESS;
}

static CUresult do_memset(CUdeviceptr dst, size_t bytes, const char *name) {
  if (!find_alloc(dst, bytes)) {
    trace("ERROR: %s outside device memory", name);
    return INVALID_VALUE;
  }
  trace("%s %zu bytes", name, bytes);
  return SUCCESS;
}

CUresult cuMemsetD32_v2(CUdeviceptr dst, unsigned value, size_t n) {
  CUresult r = do_memset(dst, 4 * n, "cuMemsetD32");
  for (size_t i = 0; r == SUCCESS && i < n; ++i)
    memcpy((char *)dst + 4 * i, &value, 4);
  return r;
}

CUresult cuMemsetD16_v2(CUdeviceptr dst, unsigned short value, size_t n) {
  CUresult r = do_memset(dst, 2 * n, "cuMemsetD16");
  for (size_t i = 0; r == SUCCESS && i < n; ++i)
    memcpy((char *)dst + 2 * i, &value, 2);
  return r;
}

/* Device, context, errors ----------------------------------------------- */

static int initialized;

CUresult cuInit(unsigned flags) {
  if (fails("init"))
    return UNKNOWN;
  initialized = 1;
  trace("cuInit");
  return SUCCESS;
}

CUresult cuDeviceGetCount(int *count) {
  if (!initialized)
    return NOT_INITIALIZED;
  *count = fails("nodevice") ? 0 : 1;
  return SUCCESS;
}

CUresult cuDeviceGet(int *device, int ordinal) {
  *device = ordinal;
  return ordinal == 0 ? SUCCESS : INVALID_VALUE;
}

CUresult cuDeviceGetAttribute(int *value, int attribute, int device) {
  if (attribute == 75)
    *value = sm() / 10;
  else if (attribute == 76)
    *value = sm() % 10;
  else
    return INVALID_VALUE;
  return SUCCESS;
}

CUresult cuDeviceGetName(char *name, int length, int device) {
  snprintf(name, length, "Mock GPU");
  return SUCCESS;
}

static const struct {
  CUresult code;
  const char *name, *text;
} errors[] = {
    {INVALID_VALUE, "CUDA_ERROR_INVALID_VALUE", "invalid argument"},
    {NOT_INITIALIZED, "CUDA_ERROR_NOT_INITIALIZED", "initialization error"},
    {NO_DEVICE, "CUDA_ERROR_NO_DEVICE", "no CUDA-capable device is detected"},
    {INVALID_IMAGE, "CUDA_ERROR_INVALID_IMAGE", "device kernel image is invalid"},
    {NO_BINARY_FOR_GPU, "CUDA_ERROR_NO_BINARY_FOR_GPU",
     "no kernel image is available for execution on the device"},
    {INVALID_HANDLE, "CUDA_ERROR_INVALID_HANDLE", "invalid resource handle"},
    {NOT_FOUND, "CUDA_ERROR_NOT_FOUND", "named symbol not found"},
    {ILLEGAL_ADDRESS, "CUDA_ERROR_ILLEGAL_ADDRESS",
     "an illegal memory access was encountered"},
    {UNKNOWN, "CUDA_ERROR_UNKNOWN", "unknown error"},
};

CUresult cuGetErrorName(CUresult code, const char **name) {
  for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); ++i)
    if (errors[i].code == code) {
      *name = errors[i].name;
      return SUCCESS;
    }
  *name = NULL;
  return INVALID_VALUE;
}

CUresult cuGetErrorString(CUresult code, const char **text) {
  for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); ++i)
    if (errors[i].code == code) {
      *text = errors[i].text;
      return SUCCESS;
    }
  *text = NULL;
  return INVALID_VALUE;
}

static int context;

CUresult cuDevicePrimaryCtxRetain(void **ctx, int device) {
  *ctx = &context;
  trace("cuDevicePrimaryCtxRetain");
  return SUCCESS;
}

CUresult cuDevicePrimaryCtxRelease_v2(int device) {
  trace("cuDevicePrimaryCtxRelease");
  return SUCCESS;
}

CUresult cuCtxSetCurrent(void *ctx) { return SUCCESS; }

CUresult cuCtxSynchronize(void) {
  pending_launches = 0;
  return SUCCESS;
}

/* Modules: cubin (ELF) or PTX -------------------------------------------- */

struct param {
  unsigned offset, size, pointer;
};
struct kernel {
  char name[128];
  int nparams; /* -1: unknown (PTX) */
  struct param params[64];
};
struct module {
  struct kernel kernels[64];
  int nkernels;
};

static struct kernel *add_kernel(struct module *m, const char *name,
                                 size_t length) {
  if (m->nkernels == 64 || length >= 128)
    return NULL;
  struct kernel *k = &m->kernels[m->nkernels++];
  memcpy(k->name, name, length);
  k->name[length] = 0;
  k->nparams = -1;
  return k;
}

static struct kernel *find_kernel(struct module *m, const char *name) {
  for (int i = 0; i < m->nkernels; ++i)
    if (strcmp(m->kernels[i].name, name) == 0)
      return &m->kernels[i];
  return NULL;
}

/* A little-endian ELF64 field. */
static uint64_t get(const unsigned char *p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i)
    v = v << 8 | p[i];
  return v;
}

/* Kernels (STT_FUNC symbols) and their parameters (EIATTR_KPARAM_INFO in
 * .nv.info.<kernel>: ordinal, offset, size and address space; a non-zero
 * space is a pointer). */
static CUresult load_cubin(struct module *m, const unsigned char *elf) {
  if (elf[4] != 2 || elf[7] != 0x41 || get(elf + 18, 2) != 190) {
    trace("ERROR: cuModuleLoadData: an ELF but not a 64-bit CUDA cubin");
    return INVALID_IMAGE;
  }
  unsigned arch = (get(elf + 48, 4) >> 8) & 0xff;
  trace("cuModuleLoadData cubin sm_%u", arch);
  if (arch != (unsigned)sm()) {
    trace("ERROR: cubin for sm_%u on an sm_%d device", arch, sm());
    return NO_BINARY_FOR_GPU;
  }
  const unsigned char *sh = elf + get(elf + 40, 8);
  unsigned shentsize = get(elf + 58, 2), shnum = get(elf + 60, 2);
  const unsigned char *shstr = elf + get(sh + get(elf + 62, 2) * shentsize + 24, 8);
  for (unsigned i = 0; i < shnum; ++i) {
    const unsigned char *s = sh + i * shentsize;
    if (get(s + 4, 4) != 2) /* SHT_SYMTAB */
      continue;
    const unsigned char *syms = elf + get(s + 24, 8);
    const char *names = (const char *)elf +
                        get(sh + get(s + 40, 4) * shentsize + 24, 8);
    for (uint64_t j = 0; j < get(s + 32, 8) / 24; ++j)
      if ((syms[j * 24 + 4] & 0xf) == 2) { /* STT_FUNC */
        const char *name = names + get(syms + j * 24, 4);
        add_kernel(m, name, strlen(name));
      }
  }
  for (unsigned i = 0; i < shnum; ++i) {
    const unsigned char *s = sh + i * shentsize;
    const char *name = (const char *)shstr + get(s, 4);
    struct kernel *k;
    if (strncmp(name, ".nv.info.", 9) || !(k = find_kernel(m, name + 9)))
      continue;
    const unsigned char *p = elf + get(s + 24, 8), *end = p + get(s + 32, 8);
    k->nparams = 0;
    while (p < end) {
      unsigned format = p[0], attribute = p[1], size = 0;
      if (format == 4) { /* EIFMT_SVAL: u16 size, payload */
        size = get(p + 2, 2);
        if (attribute == 0x17 && size >= 12) { /* EIATTR_KPARAM_INFO */
          unsigned ordinal = get(p + 8, 2), bits = get(p + 12, 4);
          if (ordinal < 64) {
            struct param *q = &k->params[ordinal];
            q->offset = get(p + 10, 2);
            q->size = bits >> 18 & 0x3fff;
            q->pointer = (bits >> 8 & 0xf) != 0;
            if ((int)ordinal + 1 > k->nparams)
              k->nparams = ordinal + 1;
          }
        }
        p += 4 + size;
      } else {
        p += format == 3 ? 4 : 2; /* EIFMT_HVAL: u16 value; EIFMT_NVAL */
      }
    }
  }
  return SUCCESS;
}

static CUresult load_ptx(struct module *m, const char *ptx) {
  const char *target = strstr(ptx, ".target sm_");
  unsigned arch = target ? atoi(target + 11) : 0;
  trace("cuModuleLoadData PTX for sm_%u", arch);
  if (!target || arch > (unsigned)sm()) {
    trace("ERROR: PTX for sm_%u on an sm_%d device", arch, sm());
    return NO_BINARY_FOR_GPU;
  }
  for (const char *p = ptx; (p = strstr(p, ".entry ")); p += 7) {
    const char *name = p + 7, *end = strchr(name, '(');
    if (end)
      add_kernel(m, name, end - name);
  }
  return SUCCESS;
}

CUresult cuModuleLoadData(void **handle, const void *image) {
  struct module *m = calloc(1, sizeof(struct module));
  const unsigned char *bytes = image;
  CUresult r;
  if (memcmp(bytes, "\x7f" "ELF", 4) == 0)
    r = load_cubin(m, bytes);
  else if (strstr((const char *)image, ".version") &&
           strstr((const char *)image, ".entry"))
    r = load_ptx(m, image);
  else {
    trace("ERROR: cuModuleLoadData: neither a cubin nor PTX");
    r = INVALID_IMAGE;
  }
  if (r != SUCCESS) {
    free(m);
    return r;
  }
  for (int i = 0; i < m->nkernels; ++i)
    trace("  kernel %s (%d parameters)", m->kernels[i].name,
          m->kernels[i].nparams);
  *handle = m;
  return SUCCESS;
}

CUresult cuModuleUnload(void *handle) {
  if (!handle)
    return INVALID_HANDLE;
  trace("cuModuleUnload");
  free(handle);
  return SUCCESS;
}

CUresult cuModuleGetFunction(void **function, void *handle, const char *name) {
  struct kernel *k = handle ? find_kernel(handle, name) : NULL;
  if (!k) {
    trace("ERROR: cuModuleGetFunction %s: no such kernel", name);
    return NOT_FOUND;
  }
  *function = k;
  return SUCCESS;
}

/* Streams, events, launches ---------------------------------------------- */

static int nstreams, stream_pending[1024];

CUresult cuStreamCreate(void **stream, unsigned flags) {
  if (nstreams == 1023)
    return UNKNOWN;
  *stream = (void *)(intptr_t)++nstreams;
  return SUCCESS;
}

CUresult cuStreamSynchronize(void *stream) {
  intptr_t id = (intptr_t)stream;
  if (id < 1 || id > nstreams)
    return INVALID_HANDLE;
  if (stream_pending[id])
    trace("cuStreamSynchronize (%d launches)", stream_pending[id]);
  pending_launches -= stream_pending[id];
  stream_pending[id] = 0;
  return SUCCESS;
}

CUresult cuStreamDestroy_v2(void *stream) {
  intptr_t id = (intptr_t)stream;
  return id >= 1 && id <= nstreams ? SUCCESS : INVALID_HANDLE;
}

static int event_storage;
CUresult cuEventCreate(void **event, unsigned flags) {
  *event = &event_storage;
  return SUCCESS;
}
CUresult cuEventRecord(void *event, void *stream) { return SUCCESS; }
CUresult cuEventElapsedTime_v2(float *ms, void *start, void *stop) {
  *ms = 0.25f; /* every launch "takes" 0.25 ms */
  return SUCCESS;
}
CUresult cuEventDestroy_v2(void *event) { return SUCCESS; }
CUresult cuEventSynchronize(void *event) { return SUCCESS; }

CUresult cuDriverGetVersion(int *version) {
  *version = 13000;
  return SUCCESS;
}

#ifndef MOCK_NO_LAUNCH
CUresult cuLaunchKernel(void *function, unsigned gx, unsigned gy, unsigned gz,
                        unsigned bx, unsigned by, unsigned bz, unsigned smem,
                        void *stream, void **params, void **extra) {
  struct kernel *k = function;
  intptr_t id = (intptr_t)stream;
  if (!k || id < 1 || id > nstreams)
    return INVALID_HANDLE;
  if ((uint64_t)bx * by * bz > 1024 || smem > 48 * 1024) {
    trace("ERROR: launch of %s with %ux%ux%u threads, %u bytes of dynamic "
          "shared memory", k->name, bx, by, bz, smem);
    return INVALID_VALUE;
  }
  char args[1024] = "";
  size_t used = 0;
  for (int i = 0; i < k->nparams; ++i) {
    if (!k->params[i].pointer)
      continue;
    uint64_t value = 0;
    memcpy(&value, params[i], 8);
    struct alloc *a = find_alloc(value, 0);
    if (value == 0xdeadbeef) {
      used += snprintf(args + used, sizeof(args) - used, " -");
    } else if (!a) {
      trace("ERROR: %s parameter %d is %#llx, not device memory", k->name, i,
            (unsigned long long)value);
      return INVALID_VALUE;
    } else {
      used += snprintf(args + used, sizeof(args) - used, " %s%d",
                       a->managed ? "managed" : "dev", a->id);
    }
    if (used >= sizeof(args))
      used = sizeof(args) - 1;
  }
  trace("cuLaunchKernel %s grid %ux%ux%u block %ux%ux%u smem %u pointers%s",
        k->name, gx, gy, gz, bx, by, bz, smem, args);
  if (fails("launch"))
    return ILLEGAL_ADDRESS;
  ++stream_pending[id];
  ++pending_launches;
  return SUCCESS;
}
#endif
