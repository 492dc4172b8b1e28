// RUN: mc-opt %s --mc-prune="mode=nm" --mc-quantize="bits=4 granularity=group group-size=2" | FileCheck %s --check-prefix=NM
// RUN: mc-opt %s --mc-prune="mode=nm" --mc-quantize="bits=1" | FileCheck %s --check-prefix=NMBIN
// RUN: mc-opt %s --mc-quantize --mc-quantize 2>&1 | FileCheck %s --check-prefix=TWICE
// RUN: mc-opt %s --mc-quantize="activations=dynamic" | FileCheck %s --check-prefix=DYN
// RUN: not mc-opt %s --mc-quantize="activations=dynamic bits=4" 2>&1 | FileCheck %s --check-prefix=DYNBITS
// RUN: mc-opt %s --mc-quantize="activations=dynamic bits=4 granularity=group group-size=4" | FileCheck %s --check-prefix=DYNGROUP
// RUN: mc-opt %s --mc-prune="mode=nm" --mc-quantize="activations=dynamic" | FileCheck %s --check-prefixes=NMDYN,NMDYNC
// RUN: mc-opt %s --mc-prune="mode=nm" --mc-quantize="activations=dynamic granularity=tensor" | FileCheck %s --check-prefixes=NMDYN,NMDYNT
// RUN: mc-opt %s --mc-prune="mode=nm" --mc-quantize="activations=dynamic" --mc-compression-report -o /dev/null 2>&1 | FileCheck %s --check-prefix=NMDYNREP

// A 2:4 weight keeps its indices; its 4 kept values per column are quantized
// in groups of 2 and nested in the N:M encoding.
// NM: %[[I:.*]] = arith.constant dense<{{.*}}> : tensor<4x2xi2>
// NM: %[[Q:.*]] = arith.constant dense<{{.*}}> : tensor<4x2xi4>
// NM: %[[S:.*]] = arith.constant dense<{{.*}}> : tensor<2x2xf32>
// NM: mc.assemble %[[I]], %[[Q]], %[[S]] : (tensor<4x2xi2>, tensor<4x2xi4>, tensor<2x2xf32>) -> !mc.compressed<8x2xf32, #mc.nm<2:4, axis = 0, values = #mc.uniform<i4, block = [2, 1], narrow>>>
// NM-NOT: tensor<8x2xf32> = arith.constant

// Codebooks nest the same way: binary per channel over the kept values
// [0.9, -0.7, 0.6, 0.8] and [0.4, -0.8, 0.5, -0.9], a = 0.75 and 0.65.
// NMBIN: %[[I:.*]] = arith.constant dense<{{\[}}[1, 1], [-2, -1], [0, 1], [-1, -2]]> : tensor<4x2xi2>
// NMBIN: %[[Q:.*]] = arith.constant dense<{{\[}}[false, false], [true, true], [false, false], [false, true]]> : tensor<4x2xi1>
// NMBIN: %[[T:.*]] = arith.constant dense<{{\[}}[7.500000e-01, -7.500000e-01], [6.500000e-01, -6.500000e-01]]> : tensor<2x2xf32>
// NMBIN: mc.assemble %[[I]], %[[Q]], %[[T]] : (tensor<4x2xi2>, tensor<4x2xi1>, tensor<2x2xf32>) -> !mc.compressed<8x2xf32, #mc.nm<2:4, axis = 0, values = #mc.codebook<ui1, axis = 1>>>

// TWICE: remark: mc: layer 'fc' skipped: its weight is already quantized
// TWICE-COUNT-1: mc.assemble

// The activations are quantized per row at run time; the weight is an int8
// payload used by an i8 x i8 -> i32 matmul; the epilogue rescales in f32.
// DYN: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// DYN: math.absf
// DYN: arith.maximumf
// DYN: arith.divf
// DYN: %[[C:.*]] = mc.encode %{{.*}}, %{{.*}} : (tensor<3x8xf32>, tensor<3xf32>) -> !mc.compressed<3x8xf32, #mc.uniform<i8, axis = 0, narrow>>
// DYN: %[[P:.*]]:2 = mc.disassemble %[[C]]
// DYN: linalg.matmul {{.*}}mc.layer = "fc"{{.*}} ins(%[[P]]#0, %{{.*}} : tensor<3x8xi8>, tensor<8x2xi8>) outs(%{{.*}} : tensor<3x2xi32>)
// DYN: arith.sitofp %{{.*}} : i32 to f32
// DYN: arith.mulf
// DYN: arith.mulf
// DYN: arith.addf

// DYNBITS: error: mc-quantize: activations=dynamic needs symmetric int8 weights with granularity=tensor or channel, or symmetric int8/int4 weights with granularity=group (one integer dot product per group)

// Per group: the int8 activations expanded to M x K/G x G, the int4 payload
// as a K/G x G x N constant, exact i32 products per group (the layer), then
// a += f32(P) * sw over the groups from a = 0, and y = C + a * sx.
// DYNGROUP: %[[C:.*]] = mc.encode %{{.*}}, %[[SX:.*]] : (tensor<3x8xf32>, tensor<3xf32>) -> !mc.compressed<3x8xf32, #mc.uniform<i8, axis = 0, narrow>>
// DYNGROUP: %[[P:.*]]:2 = mc.disassemble %[[C]]
// DYNGROUP: %[[X3:.*]] = tensor.expand_shape %[[P]]#0 {{\[}}[0], [1, 2]] output_shape [3, 2, 4] : tensor<3x8xi8> into tensor<3x2x4xi8>
// DYNGROUP: %[[W:.*]] = arith.constant dense<{{\[\[\[1, -2\], \[7, 4\], \[-5, 3\], \[0, -7\]\], \[\[5, 2\], \[-1, 4\], \[3, -7\], \[7, 1\]\]\]}}> : tensor<2x4x2xi4>
// DYNGROUP: %[[SW:.*]] = arith.constant dense<{{.*}}> : tensor<2x2xf32>
// DYNGROUP: %[[G:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[X3]], %[[W]] : tensor<3x2x4xi8>, tensor<2x4x2xi4>) outs(%{{.*}} : tensor<3x2x2xi32>) attrs = {mc.compression = {{.*}}extra_bytes = 16 : i64{{.*}}, mc.layer = "fc"}
// DYNGROUP: arith.extsi %{{.*}} : i8 to i32
// DYNGROUP: arith.extsi %{{.*}} : i4 to i32
// DYNGROUP: arith.muli
// DYNGROUP: arith.addi
// DYNGROUP: %[[F0:.*]] = arith.constant 0.000000e+00 : f32
// DYNGROUP: %[[Z:.*]] = linalg.fill ins(%[[F0]] : f32) outs(%{{.*}} : tensor<3x2xf32>)
// DYNGROUP: %[[A:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[G]], %[[SW]] : tensor<3x2x2xi32>, tensor<2x2xf32>) outs(%[[Z]] : tensor<3x2xf32>)
// DYNGROUP: %[[F:.*]] = arith.sitofp %{{.*}} : i32 to f32
// DYNGROUP: %[[FS:.*]] = arith.mulf %[[F]], %{{.*}} : f32
// DYNGROUP: arith.addf %{{.*}}, %[[FS]] : f32
// DYNGROUP: linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]} ins(%[[A]], %[[SX]] : tensor<3x2xf32>, tensor<3xf32>) outs(%{{.*}} : tensor<3x2xf32>)
// DYNGROUP: %[[AX:.*]] = arith.mulf %{{.*}}, %{{.*}} : f32
// DYNGROUP: arith.addf %{{.*}}, %[[AX]] : f32

// W8A8 of a 2:4 weight: the i8 matmul's weight keeps the 2:4 structure,
// the kept values quantized per channel (both columns' max |w| is 0.9:
// [0.9, -0.7, 0.6, 0.8] -> [127, -99, 85, 113] and [0.4, -0.8, 0.5, -0.9]
// -> [56, -113, 71, -127]) under #mc.nm with i8 as expressed type; the
// rescale is the dense W8A8 one.
// NMDYN: %[[C:.*]] = mc.encode %{{.*}}, %[[SX:.*]] : (tensor<3x8xf32>, tensor<3xf32>) -> !mc.compressed<3x8xf32, #mc.uniform<i8, axis = 0, narrow>>
// NMDYN: %[[P:.*]]:2 = mc.disassemble %[[C]]
// NMDYN: %[[I:.*]] = arith.constant dense<{{\[}}[1, 1], [-2, -1], [0, 1], [-1, -2]]> : tensor<4x2xi2>
// NMDYN: %[[Q:.*]] = arith.constant dense<{{\[}}[127, 56], [-99, -113], [85, 71], [113, -127]]> : tensor<4x2xi8>
// NMDYN: %[[A:.*]] = mc.assemble %[[I]], %[[Q]] : (tensor<4x2xi2>, tensor<4x2xi8>) -> !mc.compressed<8x2xi8, #mc.nm<2:4, axis = 0>>
// NMDYN: %[[W:.*]] = mc.decode %[[A]] : !mc.compressed<8x2xi8, #mc.nm<2:4, axis = 0>> -> tensor<8x2xi8>
// NMDYNC: %[[SW:.*]] = arith.constant dense<0.00708661414> : tensor<2xf32>
// NMDYNT: %[[SW:.*]] = arith.constant dense<0.00708661414> : tensor<f32>
// NMDYNC: %[[ACC:.*]] = linalg.matmul {mc.compression = {{.*}}extra_bytes = 8 : i64{{.*}}, mc.layer = "fc"} ins(%[[P]]#0, %[[W]] : tensor<3x8xi8>, tensor<8x2xi8>) outs(%{{.*}} : tensor<3x2xi32>)
// NMDYNT: %[[ACC:.*]] = linalg.matmul {mc.compression = {{.*}}extra_bytes = 4 : i64{{.*}}, mc.layer = "fc"} ins(%[[P]]#0, %[[W]] : tensor<3x8xi8>, tensor<8x2xi8>) outs(%{{.*}} : tensor<3x2xi32>)
// NMDYN: linalg.generic {{.*}} ins(%[[ACC]], %[[SX]], %[[SW]] :
// NMDYN: arith.sitofp %{{.*}} : i32 to f32
// NMDYN-NOT: mc.nm<2:4, axis = 0, values

// The report counts 2-bit positions, int8 kept values and the scales:
// 2 + 8 + 8 bytes for 16 weights, as for the weight-only 2:4 + int8.
// NMDYNREP: fc matmul 8x2 16 64 18 9.00 50.0%

func.func @f(%x: tensor<3x8xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[0.1, -0.2], [0.9, 0.4], [-0.7, 0.3], [0.05, -0.8],
                             [0.6, 0.2], [-0.1, 0.5], [0.3, -0.9], [0.8, 0.1]]> : tensor<8x2xf32>
  %z = arith.constant dense<0.0> : tensor<3x2xf32>
  %y = linalg.matmul {mc.layer = "fc"} ins(%x, %w : tensor<3x8xf32>, tensor<8x2xf32>) outs(%z : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}
