// RUN: mc-opt %s --mc-quantize="bits=4 granularity=group group-size=2 layers=fc1" --mc-compression-report=output=%t.json -o /dev/null 2>&1 | FileCheck %s --check-prefix=TABLE
// RUN: FileCheck %s --check-prefix=JSON < %t.json
// RUN: mc-opt %s --mc-quantize --mc-compression-report -o /dev/null 2>&1 | FileCheck %s --check-prefix=SQNR
// RUN: mc-opt %s --mc-compression-report -o /dev/null 2>&1 | FileCheck %s --check-prefix=DENSE
// RUN: mc-opt %s --mc-quantize="method=kmeans bits=2 layers=fc1" --mc-quantize="bits=1 layers=fc2" --mc-compression-report -o /dev/null 2>&1 | FileCheck %s --check-prefix=CODEBOOK
// RUN: echo "func.func @f() { return }" | mc-opt --mc-compression-report=output=%t.empty.json -o /dev/null 2>&1 | FileCheck %s --check-prefix=EMPTY
// RUN: FileCheck %s --check-prefix=EMPTYJSON < %t.empty.json
// RUN: not mc-opt %s --mc-compression-report=output=%t.missing/x.json -o /dev/null 2>&1 | FileCheck %s --check-prefix=WRITE

// fc1's int4 groups of two each hold a +-7, so the scales are 1 and the
// integers are exact: 12 weights in 6 bytes of payload plus 6 f32 scales.
// TABLE: layer {{.*}} SQNR dB
// TABLE-NEXT: fc1 matmul 4x3 12 48 30 20.00 16.7% - 48 48 exact
// TABLE-NEXT: fc2 matmul 3x2 6 24 24 32.00 0.0% - 24 24 -
// TABLE-NEXT: total 18 72 54 72 72
// TABLE-NEXT: compression 1.33x (72 -> 54 bytes), FLOPs 1.00x

// JSON: "layers": [
// JSON: "bits_per_weight": 20,
// JSON-NEXT: "bytes_after": 30,
// JSON-NEXT: "bytes_before": 48,
// JSON-NEXT: "dense_params": 12,
// JSON-NEXT: "encoding": "#mc.uniform<i4, block = [2, 1], narrow>",
// JSON-NEXT: "exact": true,
// JSON-NEXT: "flops_after": 48,
// JSON-NEXT: "flops_before": 48,
// JSON-NEXT: "kind": "matmul",
// JSON-NEXT: "name": "fc1",
// JSON-NEXT: "params": 12,
// JSON-NEXT: "rank": null,
// JSON-NEXT: "shape": "4x3",
// JSON-NEXT: "sparsity": 0.1666
// JSON-NEXT: "sqnr_db": null
// JSON: "encoding": "dense",
// JSON: "name": "fc2",
// JSON: "total": {
// JSON-NEXT: "bytes_after": 54,
// JSON-NEXT: "bytes_before": 72,

// Per-channel int8 of fc2 is not exact: its SQNR is finite.
// SQNR: fc2 matmul 3x2 6 24 14 18.67 0.0% - 24 24 {{[0-9]+\.[0-9]$}}

// DENSE: fc1 matmul 4x3 12 48 48 32.00 16.7% - 48 48 -

// Codebooks count 2-bit (1-bit) indices plus f32 tables of 4 (2) entries per
// channel. Four weights per channel of fc1 fit four k-means entries
// exactly; fc2's binary sign(w) * mean|w| per channel is not exact:
// signal 10.2425, noise 4.295.
// CODEBOOK: fc1 matmul 4x3 12 48 51 34.00 16.7% - 48 48 exact
// CODEBOOK: fc2 matmul 3x2 6 24 17 22.33 0.0% - 24 24 3.8

// EMPTY: mc-compression-report: no layers with constant weights found; nothing to compress
// EMPTYJSON: "note": "no layers with constant weights found; nothing to compress"

// WRITE: error: mc-compression-report: cannot write '{{.*}}x.json': No such file or directory

func.func @mlp(%x: tensor<2x4xf32>) -> tensor<2x2xf32> {
  %w1 = arith.constant dense<[[7.0, -7.0, 1.0], [2.0, 3.0, -7.0], [-7.0, 0.0, 7.0], [4.0, 7.0, 0.0]]> : tensor<4x3xf32>
  %z1 = arith.constant dense<0.0> : tensor<2x3xf32>
  %h = linalg.matmul {mc.layer = "fc1"} ins(%x, %w1 : tensor<2x4xf32>, tensor<4x3xf32>) outs(%z1 : tensor<2x3xf32>) -> tensor<2x3xf32>
  %w2 = arith.constant dense<[[0.3, -1.1], [0.7, 2.9], [-0.2, 0.05]]> : tensor<3x2xf32>
  %z2 = arith.constant dense<0.0> : tensor<2x2xf32>
  %y = linalg.matmul {mc.layer = "fc2"} ins(%h, %w2 : tensor<2x3xf32>, tensor<3x2xf32>) outs(%z2 : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}
