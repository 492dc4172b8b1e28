// Every impossible option combination is one clear error and a failure.
// RUN: not mc-opt %s --mc-quantize="bits=3" 2>&1 | FileCheck %s --check-prefix=BITS
// BITS: error: mc-quantize: bits=3 is not supported: expected 8, 4 or 2 for type=int
// RUN: not mc-opt %s --mc-quantize="bits=1" 2>&1 | FileCheck %s --check-prefix=BINARY
// BINARY: error: mc-quantize: bits=1 (binary sign(w)*mean|w|) is not implemented yet
// RUN: not mc-opt %s --mc-quantize="type=fp8e4m3 bits=4" 2>&1 | FileCheck %s --check-prefix=FP8BITS
// FP8BITS: error: mc-quantize: type=fp8e4m3 stores 8 bits; bits=4 contradicts it
// RUN: not mc-opt %s --mc-quantize="type=int3" 2>&1 | FileCheck %s --check-prefix=TYPE
// TYPE: error: mc-quantize: unknown type 'int3': expected int, fp16, bf16, fp8e4m3 or fp8e5m2
// RUN: not mc-opt %s --mc-quantize="type=fp16 symmetric=false" 2>&1 | FileCheck %s --check-prefix=FPASYM
// FPASYM: error: mc-quantize: symmetric=false needs type=int: float storage has no zero point
// RUN: not mc-opt %s --mc-quantize="granularity=row" 2>&1 | FileCheck %s --check-prefix=GRAN
// GRAN: error: mc-quantize: unknown granularity 'row': expected tensor, channel or group
// RUN: not mc-opt %s --mc-quantize="granularity=group group-size=0" 2>&1 | FileCheck %s --check-prefix=GSIZE
// GSIZE: error: mc-quantize: group-size must be positive, got 0
// RUN: not mc-opt %s --mc-quantize="granularity=group group-size=3" 2>&1 | FileCheck %s --check-prefix=DIVIDE
// DIVIDE: error: mc-quantize: group-size 3 does not divide K=4 of layer 'fc'
// RUN: not mc-opt %s --mc-quantize="method=best" 2>&1 | FileCheck %s --check-prefix=METHOD
// METHOD: error: mc-quantize: unknown method 'best': expected rtn, mse, log2 or kmeans
// RUN: not mc-opt %s --mc-quantize="method=kmeans" 2>&1 | FileCheck %s --check-prefix=KMEANS
// KMEANS: error: mc-quantize: method=kmeans is not implemented yet
// RUN: not mc-opt %s --mc-quantize="activations=static" 2>&1 | FileCheck %s --check-prefix=ACT
// ACT: error: mc-quantize: unknown activations 'static': expected none or dynamic
// RUN: not mc-opt %s --mc-quantize="layers=(" 2>&1 | FileCheck %s --check-prefix=REGEX
// REGEX: error: invalid layers regex '(': parentheses not balanced
// RUN: not mc-opt %s --mc-quantize="bits=abc" 2>&1 | FileCheck %s --check-prefix=PARSE
// PARSE: for the --bits option: 'abc' value invalid for uint argument

func.func @f(%x: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %w = arith.constant dense<1.0> : tensor<4x3xf32>
  %z = arith.constant dense<0.0> : tensor<2x3xf32>
  %y = linalg.matmul {mc.layer = "fc"} ins(%x, %w : tensor<2x4xf32>, tensor<4x3xf32>) outs(%z : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}
