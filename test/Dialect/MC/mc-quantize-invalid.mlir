// Every impossible option combination is one clear error and a failure.
// RUN: not mc-opt %s --mc-quantize="bits=3" 2>&1 | FileCheck %s --check-prefix=BITS
// BITS: error: mc-quantize: bits=3 is not supported: expected 8, 4, 2 or 1 for type=int (1 to 8 with method=kmeans, 2 to 8 with method=log2)
// RUN: not mc-opt %s --mc-quantize="bits=9 method=kmeans" 2>&1 | FileCheck %s --check-prefix=KBITS
// KBITS: error: mc-quantize: bits=9 is not supported: expected 8, 4, 2 or 1 for type=int (1 to 8 with method=kmeans, 2 to 8 with method=log2)
// RUN: not mc-opt %s --mc-quantize="bits=1 method=mse" 2>&1 | FileCheck %s --check-prefix=BINMSE
// BINMSE: error: mc-quantize: bits=1 (binary sign(w)*mean|w|) has no clipping to search: use method=rtn, or method=kmeans for two free levels
// RUN: not mc-opt %s --mc-quantize="bits=1 symmetric=false" 2>&1 | FileCheck %s --check-prefix=BINASYM
// BINASYM: error: mc-quantize: bits=1 levels are symmetric around 0: symmetric=false is not supported
// RUN: not mc-opt %s --mc-quantize="bits=1 activations=dynamic" 2>&1 | FileCheck %s --check-prefix=BINACT
// BINACT: error: mc-quantize: activations=dynamic needs uniform int8 weights: bits=1 makes a codebook, which has no integer dot product
// RUN: not mc-opt %s --mc-quantize="activations=dynamic symmetric=false" 2>&1 | FileCheck %s --check-prefix=DYNASYM
// DYNASYM: error: mc-quantize: activations=dynamic needs symmetric int8 weights with granularity=tensor or channel, or symmetric int8/int4 weights with granularity=group (one integer dot product per group)
// RUN: not mc-opt %s --mc-quantize="activations=dynamic bits=2 granularity=group group-size=4" 2>&1 | FileCheck %s --check-prefix=DYNGBITS
// DYNGBITS: error: mc-quantize: activations=dynamic with granularity=group needs symmetric int8 or int4 weights
// RUN: not mc-opt %s --mc-quantize="activations=dynamic bits=4 symmetric=false granularity=group group-size=4" 2>&1 | FileCheck %s --check-prefix=DYNGASYM
// DYNGASYM: error: mc-quantize: activations=dynamic with granularity=group needs symmetric int8 or int4 weights
// RUN: not mc-opt %s --mc-quantize="activations=dynamic type=fp8e4m3 granularity=group group-size=4" 2>&1 | FileCheck %s --check-prefix=DYNGFLOAT
// DYNGFLOAT: error: mc-quantize: activations=dynamic with granularity=group needs symmetric int8 or int4 weights
// RUN: not mc-opt %s --mc-quantize="activations=dynamic bits=4 granularity=group group-size=2" 2>&1 | FileCheck %s --check-prefix=DYNGSIZE
// DYNGSIZE: error: mc-quantize: activations=dynamic needs a group-size that is a multiple of 4 (the integer dot products sum 4 k at a time), got 2
// RUN: not mc-opt %s --mc-quantize="method=log2 bits=1" 2>&1 | FileCheck %s --check-prefix=LOG2BITS
// LOG2BITS: error: mc-quantize: method=log2 needs bits >= 2: one bit leaves no power-of-two level besides 0
// RUN: not mc-opt %s --mc-quantize="method=log2 symmetric=false" 2>&1 | FileCheck %s --check-prefix=LOG2ASYM
// LOG2ASYM: error: mc-quantize: method=log2 levels are symmetric around 0: symmetric=false is not supported
// RUN: not mc-opt %s --mc-quantize="method=log2 type=bf16" 2>&1 | FileCheck %s --check-prefix=LOG2FLOAT
// LOG2FLOAT: error: mc-quantize: method=log2 needs type=int: its payload is integer table indices, not type=bf16
// RUN: not mc-opt %s --mc-quantize="method=kmeans type=fp8e4m3" 2>&1 | FileCheck %s --check-prefix=KFLOAT
// KFLOAT: error: mc-quantize: method=kmeans needs type=int: its payload is integer table indices, not type=fp8e4m3
// RUN: not mc-opt %s --mc-quantize="method=kmeans activations=dynamic" 2>&1 | FileCheck %s --check-prefix=KACT
// KACT: error: mc-quantize: activations=dynamic needs uniform int8 weights: method=kmeans makes a codebook, which has no integer dot product
// RUN: not mc-opt %s --mc-quantize="method=kmeans granularity=group group-size=3" 2>&1 | FileCheck %s --check-prefix=KDIVIDE
// KDIVIDE: error: mc-quantize: group-size 3 does not divide K=4 of layer 'fc'
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
// RUN: not mc-opt %s --mc-quantize="activations=float8" 2>&1 | FileCheck %s --check-prefix=ACT
// ACT: error: mc-quantize: unknown activations 'float8': expected none, dynamic or static
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
