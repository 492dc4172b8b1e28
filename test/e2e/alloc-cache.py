# Compiled code allocates its intermediate tensors through mc's runtime
# (`alloc-cache=true`, lib/Runtime/MCAlloc.c), which keeps freed buffers for
# the next call. The demo MLP quantized W8A8 at 512 rows, built with
# mc-compile and linked with exactly the flags --print-link-flags prints, is
# called 40 times: after the first calls no call faults in a page. The same
# object linked with plain malloc / free in place of the runtime faults in
# its buffers on every call (glibc returns the freed heap top to the
# system), which shows what the test measures. Both give the same result
# on every call.
# RUN: %python %s | FileCheck %s
# CHECK: mc runtime: ok
# CHECK: malloc: ok
import os
import subprocess
import tempfile

import numpy as np

from mctest import demo_mlp, opt

build, weights, biases = demo_mlp()
rows, calls, warmup = 512, 40, 8
model = opt(build(weights, biases, rows), "--mc-quantize=activations=dynamic")

DRIVER = f"""#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include "model.h"
static float x[{rows}][64], first[{rows}][10], y[{rows}][10];
static long faults(void) {{
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_minflt;
}}
int main(void) {{
  for (int i = 0; i < {rows}; ++i)
    for (int j = 0; j < 64; ++j)
      x[i][j] = (float)((i * 7 + j * 3) % 17) / 16;
  mc_memref_float_2d in = {{&x[0][0], &x[0][0], 0, {{{rows}, 64}}, {{64, 1}}}};
  mc_memref_float_2d out = {{&y[0][0], &y[0][0], 0, {{{rows}, 10}}, {{10, 1}}}};
  long before = 0;
  for (int call = 0; call < {calls}; ++call) {{
    if (call == {warmup})
      before = faults();
    _mlir_ciface_mlp(&in, &out);
    if (call == 0)
      memcpy(first, y, sizeof y);
    else if (memcmp(first, y, sizeof y))
      return 1;
  }}
  printf("%.2f\\n", (double)(faults() - before) / {calls - warmup});
  return 0;
}}
"""
PLAIN = """#include <stdlib.h>
void *_mlir_memref_to_llvm_alloc(size_t size) { return malloc(size); }
void *_mlir_memref_to_llvm_aligned_alloc(size_t alignment, size_t size) {
  void *p;
  return posix_memalign(&p, alignment < sizeof p ? sizeof p : alignment, size) ? 0 : p;
}
void _mlir_memref_to_llvm_free(void *ptr) { free(ptr); }
"""

with tempfile.TemporaryDirectory() as work:
    src = os.path.join(work, "model.mlir")
    with open(src, "w") as f:
        f.write(model)
    subprocess.run(["mc-compile", src, "--target=x86_64-linux-gnu",
                    "--mcpu=host", "--num-threads=1", "--emit=obj",
                    "-o", os.path.join(work, "model.o"),
                    "--header=" + os.path.join(work, "model.h")], check=True)
    flags = subprocess.run(["mc-compile", "--print-link-flags",
                            "--target=x86_64-linux-gnu"], check=True,
                           capture_output=True, text=True).stdout.split()
    assert flags[0].endswith("/lib/libmc_runtime.a"), flags
    for name, text in (("main.c", DRIVER), ("plain.c", PLAIN)):
        with open(os.path.join(work, name), "w") as f:
            f.write(text)
    common = ["cc", "-O1", "-I", work, os.path.join(work, "main.c"),
              os.path.join(work, "model.o")]
    per_call = {}
    for label, link in (("mc runtime", flags),
                        ("malloc", [os.path.join(work, "plain.c"),
                                    *flags[1:]])):
        exe = os.path.join(work, "main")
        subprocess.run([*common, "-o", exe, *link, "-lm", "-lpthread"],
                       check=True)
        per_call[label] = float(subprocess.run(
            [exe], check=True, capture_output=True, text=True).stdout)
    print(per_call)
    # No page faults per call once the cache holds the buffers...
    assert per_call["mc runtime"] < 1, per_call
    print("mc runtime: ok")
    # ...where malloc / free fault in more than 100 pages (400 KB) per call.
    assert per_call["malloc"] > 100, per_call
    print("malloc: ok")
