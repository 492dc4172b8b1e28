// RUN: mc-opt %s --split-input-file --mc-cpu-kernels="isa=avx512-vnni tile-m=4 tile-n=2" --canonicalize --cse | FileCheck %s
// RUN: mc-opt %s --split-input-file --mc-cpu-kernels="isa=generic tile-m=4 tile-n=2" --canonicalize --cse | FileCheck %s --check-prefix=GENERIC
// RUN: not mc-opt %s --split-input-file --mc-cpu-kernels="isa=sse2" 2>&1 | FileCheck %s --check-prefix=BADISA
// RUN: not mc-opt %s --split-input-file --mc-cpu-kernels="isa=neon-i8mm,sve" 2>&1 | FileCheck %s --check-prefix=BADLIST
// RUN: not mc-opt %s --split-input-file --mc-cpu-kernels="isa=generic tile-n=1000000000" 2>&1 | FileCheck %s --check-prefix=BADTILE
// BADTILE: error: mc-cpu-kernels: tile-m and tile-n must be in 0..32

// BADISA: unknown isa 'sse2' (expected generic, avx2, avx-vnni, avx512-vnni, neon, neon-dotprod or neon-i8mm, optionally followed by ','-separated further ISAs of the target)
// BADLIST: unknown isa 'neon-i8mm,sve'

// Weights packed at compile time, +128 (x86: 3 ^ 0x80 = 0x83), in groups of
// tile-n vectors of 16 columns x 4 k; 96 columns are 3 groups of 32. Rows:
// -128 * sum_k a[m, k] with vpdpbusd on ones. Groups run in parallel, rows
// in register tiles of 4 plus a tail of 1; K = 6 is one full step of 4 and a
// zero-padded partial step.
// CHECK-LABEL: func.func @gemm
// CHECK-DAG: %[[ONES:.*]] = arith.constant dense<1> : vector<64xi8>
// CHECK-DAG: %[[B:.*]] = arith.constant dense<"0x83838383{{.*}}"> : tensor<3x2x128xi8>
// CHECK: %[[ROWS:.*]] = scf.for
// CHECK:   vector.transfer_read %{{.*}} : tensor<9x6xi8>, vector<64xi8>
// CHECK:   mc.dot4 %{{.*}}, %[[ONES]], %{{.*}} {lhs_unsigned} : vector<64xi8> into vector<16xi32>
// CHECK:   vector.reduction <add>
// CHECK:   arith.muli %{{.*}}, %c-128_i32
// CHECK: scf.forall (%[[G:.*]]) in (3) shared_outs(%[[OUT:.*]] = %{{.*}})
// CHECK:   tensor.extract_slice %[[OUT]][0, %{{.*}}] [9, 32] [1, 1]
// CHECK:   scf.for %{{.*}} = %c0 to %c8 step %c4
// CHECK:     tensor.extract %[[ROWS]]
// CHECK:     vector.transfer_read %[[B]][%[[G]], %c0, %c0]{{.*}}in_bounds = [true]{{.*}} : tensor<3x2x128xi8>, vector<64xi8>
// CHECK:     vector.transfer_read %[[B]][%[[G]], %c0, %c64]
// CHECK-COUNT-8: mc.dot4 {{.*}} {lhs_unsigned}
// CHECK:     vector.transfer_read %{{.*}}[%{{.*}}, %c4], %c0_i8 : tensor<9x6xi8>, vector<4xi8>
// CHECK-COUNT-8: mc.dot4 {{.*}} {lhs_unsigned}
// CHECK-COUNT-8: vector.transfer_write {{.*}} {in_bounds = [true]} : vector<16xi32>, tensor<9x32xi32>
// CHECK:   scf.forall.in_parallel
// CHECK-NEXT: tensor.parallel_insert_slice
// CHECK-NOT: linalg.matmul
// GENERIC-LABEL: func.func @gemm
// GENERIC-NOT: lhs_unsigned
// GENERIC: arith.constant dense<"0x03030303{{.*}}"> : tensor<3x2x128xi8>
// GENERIC-NOT: vector.reduction
// GENERIC: scf.forall
// GENERIC: mc.dot4 %{{.*}} : vector<64xi8> into vector<16xi32>
func.func @gemm(%a: tensor<9x6xi8>) -> tensor<9x96xi32> {
  %b = arith.constant dense<3> : tensor<6x96xi8>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<9x96xi32>
  %c = linalg.fill ins(%z : i32) outs(%e : tensor<9x96xi32>) -> tensor<9x96xi32>
  %r = linalg.matmul ins(%a, %b : tensor<9x6xi8>, tensor<6x96xi8>) outs(%c : tensor<9x96xi32>) -> tensor<9x96xi32>
  return %r : tensor<9x96xi32>
}

// -----

// Columns past the last full group (84 = 2 x 32 + 20): one more group of 2 vectors, the last
// partial (20 = 16 + 4 columns), outside the parallel loop.
// CHECK-LABEL: func.func @tail_columns
// CHECK: scf.forall (%{{.*}}) in (2)
// CHECK: tensor.extract_slice %{{.*}}[0, 64] [4, 20] [1, 1]
// CHECK: vector.transfer_write %{{.*}}[%{{.*}}, %c0] {in_bounds = [true]} : vector<16xi32>, tensor<4x20xi32>
// CHECK: vector.transfer_write %{{.*}}[%{{.*}}, %c16] : vector<16xi32>, tensor<4x20xi32>
// CHECK: tensor.insert_slice %{{.*}}[0, 64] [4, 20] [1, 1]
func.func @tail_columns(%a: tensor<4x8xi8>) -> tensor<4x84xi32> {
  %b = arith.constant dense<1> : tensor<8x84xi8>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<4x84xi32>
  %c = linalg.fill ins(%z : i32) outs(%e : tensor<4x84xi32>) -> tensor<4x84xi32>
  %r = linalg.matmul ins(%a, %b : tensor<4x8xi8>, tensor<8x84xi8>) outs(%c : tensor<4x84xi32>) -> tensor<4x84xi32>
  return %r : tensor<4x84xi32>
}

// -----

// The element-wise consumer is applied to the register tile before the
// store: the kernel writes f32 straight into the consumer's output, reading
// the per-row scale once per row and the per-column scale as a vector.
// CHECK-LABEL: func.func @epilogue
// CHECK-NOT: linalg.generic
// CHECK: scf.forall
// CHECK: mc.dot4
// CHECK: %[[ROW:.*]] = tensor.extract %{{.*}} : tensor<4xf32>
// CHECK: %[[COL:.*]] = vector.transfer_read %{{.*}} : tensor<64xf32>, vector<16xf32>
// CHECK: %[[F:.*]] = arith.sitofp %{{.*}} : vector<16xi32> to vector<16xf32>
// CHECK: %[[R:.*]] = vector.broadcast %[[ROW]] : f32 to vector<16xf32>
// CHECK: %[[M1:.*]] = arith.mulf %[[F]], %[[R]] : vector<16xf32>
// CHECK: arith.mulf %[[M1]], %[[COL]] : vector<16xf32>
// CHECK: vector.transfer_write {{.*}} : vector<16xf32>, tensor<4x32xf32>
#mn = affine_map<(d0, d1) -> (d0, d1)>
#m = affine_map<(d0, d1) -> (d0)>
#n = affine_map<(d0, d1) -> (d1)>
func.func @epilogue(%a: tensor<4x8xi8>, %rs: tensor<4xf32>, %cs: tensor<64xf32>) -> tensor<4x64xf32> {
  %b = arith.constant dense<1> : tensor<8x64xi8>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<4x64xi32>
  %c = linalg.fill ins(%z : i32) outs(%e : tensor<4x64xi32>) -> tensor<4x64xi32>
  %r = linalg.matmul ins(%a, %b : tensor<4x8xi8>, tensor<8x64xi8>) outs(%c : tensor<4x64xi32>) -> tensor<4x64xi32>
  %o = tensor.empty() : tensor<4x64xf32>
  %y = linalg.generic {indexing_maps = [#mn, #m, #n, #mn], iterator_types = ["parallel", "parallel"]}
      ins(%r, %rs, %cs : tensor<4x64xi32>, tensor<4xf32>, tensor<64xf32>) outs(%o : tensor<4x64xf32>) {
  ^bb0(%in: i32, %s0: f32, %s1: f32, %out: f32):
    %f = arith.sitofp %in : i32 to f32
    %m1 = arith.mulf %f, %s0 : f32
    %m2 = arith.mulf %m1, %s1 : f32
    linalg.yield %m2 : f32
  } -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

// Not for the int8 kernel: a weight only known at run time, f32 operands
// (the f32 kernel's), unsigned extension, transposed operand maps.
// CHECK-LABEL: func.func @unsupported
// CHECK-NOT: mc.dot4
// CHECK-COUNT-3: linalg.matmul
// CHECK-NOT: mc.dot4
func.func @unsupported(%a: tensor<4x8xi8>, %b: tensor<8x16xi8>, %c: tensor<4x16xi32>,
                       %x: tensor<4x8xf32>, %w: tensor<8x16xf32>, %y: tensor<4x16xf32>,
                       %bt: tensor<16x8xi8>)
    -> (tensor<4x16xi32>, tensor<4x16xf32>, tensor<4x16xi32>, tensor<4x16xi32>) {
  %k = arith.constant dense<1> : tensor<8x16xi8>
  %r0 = linalg.matmul ins(%a, %b : tensor<4x8xi8>, tensor<8x16xi8>) outs(%c : tensor<4x16xi32>) -> tensor<4x16xi32>
  %r1 = linalg.matmul ins(%x, %w : tensor<4x8xf32>, tensor<8x16xf32>) outs(%y : tensor<4x16xf32>) -> tensor<4x16xf32>
  %r2 = linalg.matmul {cast = #linalg.type_fn<cast_unsigned>} ins(%a, %k : tensor<4x8xi8>, tensor<8x16xi8>) outs(%c : tensor<4x16xi32>) -> tensor<4x16xi32>
  %kt = arith.constant dense<1> : tensor<16x8xi8>
  %r3 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%a, %kt : tensor<4x8xi8>, tensor<16x8xi8>) outs(%c : tensor<4x16xi32>) -> tensor<4x16xi32>
  return %r0, %r1, %r2, %r3 : tensor<4x16xi32>, tensor<4x16xf32>, tensor<4x16xi32>, tensor<4x16xi32>
}

// -----

// Convolutions: the filter becomes the (kh, kw, c) x F weight at compile
// time, the input windows an im2col copy; the GEMM kernel does the rest.
// CHECK-LABEL: func.func @conv_nhwc
// CHECK: %[[P:.*]] = linalg.generic {{.*}} ins(%arg0 : tensor<1x6x6x8xi8>) outs(%{{.*}} : tensor<1x4x4x3x3x8xi8>)
// CHECK: tensor.collapse_shape %[[P]] {{\[}}[0, 1, 2], [3, 4, 5]] : tensor<1x4x4x3x3x8xi8> into tensor<16x72xi8>
// CHECK: mc.dot4
// CHECK: tensor.expand_shape %{{.*}} output_shape [1, 4, 4, 32] : tensor<16x32xi32> into tensor<1x4x4x32xi32>
// CHECK-NOT: linalg.conv
func.func @conv_nhwc(%x: tensor<1x6x6x8xi8>) -> tensor<1x4x4x32xi32> {
  %w = arith.constant dense<1> : tensor<3x3x8x32xi8>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x4x4x32xi32>
  %c = linalg.fill ins(%z : i32) outs(%e : tensor<1x4x4x32xi32>) -> tensor<1x4x4x32xi32>
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x6x6x8xi8>, tensor<3x3x8x32xi8>) outs(%c : tensor<1x4x4x32xi32>) -> tensor<1x4x4x32xi32>
  return %r : tensor<1x4x4x32xi32>
}

// -----

// NCHW: windows ordered (c, kh, kw); the pixel-major result is transposed
// back to NFHW.
// CHECK-LABEL: func.func @conv_nchw
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<1x4x4x8x3x3xi8>)
// CHECK: mc.dot4
// CHECK: linalg.transpose ins(%{{.*}} : tensor<1x4x4x32xi32>) outs(%{{.*}} : tensor<1x32x4x4xi32>) permutation = [0, 3, 1, 2]
func.func @conv_nchw(%x: tensor<1x8x6x6xi8>) -> tensor<1x32x4x4xi32> {
  %w = arith.constant dense<1> : tensor<32x8x3x3xi8>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x32x4x4xi32>
  %c = linalg.fill ins(%z : i32) outs(%e : tensor<1x32x4x4xi32>) -> tensor<1x32x4x4xi32>
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x8x6x6xi8>, tensor<32x8x3x3xi8>) outs(%c : tensor<1x32x4x4xi32>) -> tensor<1x32x4x4xi32>
  return %r : tensor<1x32x4x4xi32>
}

// -----

// A requantizing consumer of the convolution becomes the GEMM's epilogue:
// the same body over pixels x F, operands indexed like the output collapsed
// (NCHW: transposed to pixel-major first), per-channel ones indexed by the
// column; the reshape back to NHWC (and the transpose to NCHW) follows it.
// CHECK-LABEL: func.func @conv_nhwc_requant
// CHECK: %[[RES:.*]] = tensor.collapse_shape %arg1 {{\[}}[0, 1, 2], [3]] : tensor<1x4x4x32xi32> into tensor<16x32xi32>
// CHECK-NOT: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
// CHECK: mc.dot4
// CHECK: vector.transfer_read %[[RES]]{{.*}} : tensor<16x32xi32>, vector<16xi32>
// CHECK: math.roundeven %{{.*}} : vector<16xf32>
// CHECK: arith.fptosi %{{.*}} : vector<16xf32> to vector<16xi8>
// CHECK: vector.transfer_write %{{.*}} : vector<16xi8>, tensor<16x32xi8>
// CHECK: tensor.expand_shape %{{.*}} output_shape [1, 4, 4, 32] : tensor<16x32xi8> into tensor<1x4x4x32xi8>
// CHECK-NOT: linalg.generic
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#c3 = affine_map<(d0, d1, d2, d3) -> (d3)>
#s4 = affine_map<(d0, d1, d2, d3) -> ()>
func.func @conv_nhwc_requant(%x: tensor<1x6x6x8xi8>, %res: tensor<1x4x4x32xi32>, %scale: tensor<32xf32>, %zp: tensor<f32>) -> tensor<1x4x4x32xi8> {
  %w = arith.constant dense<1> : tensor<3x3x8x32xi8>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x4x4x32xi32>
  %c = linalg.fill ins(%z : i32) outs(%e : tensor<1x4x4x32xi32>) -> tensor<1x4x4x32xi32>
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x6x6x8xi8>, tensor<3x3x8x32xi8>) outs(%c : tensor<1x4x4x32xi32>) -> tensor<1x4x4x32xi32>
  %o = tensor.empty() : tensor<1x4x4x32xi8>
  %q = linalg.generic {indexing_maps = [#id4, #id4, #c3, #s4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%r, %res, %scale, %zp : tensor<1x4x4x32xi32>, tensor<1x4x4x32xi32>, tensor<32xf32>, tensor<f32>) outs(%o : tensor<1x4x4x32xi8>) {
  ^bb0(%acc: i32, %rs: i32, %s: f32, %zv: f32, %out: i8):
    %sum = arith.addi %acc, %rs : i32
    %f = arith.sitofp %sum : i32 to f32
    %m = arith.mulf %f, %s : f32
    %rd = math.roundeven %m : f32
    %sh = arith.addf %rd, %zv : f32
    %i = arith.fptosi %sh : f32 to i8
    linalg.yield %i : i8
  } -> tensor<1x4x4x32xi8>
  return %q : tensor<1x4x4x32xi8>
}

// -----

// CHECK-LABEL: func.func @conv_nchw_requant
// CHECK: %[[T:.*]] = linalg.transpose ins(%arg1 : tensor<1x32x4x4xi32>) outs(%{{.*}} : tensor<1x4x4x32xi32>) permutation = [0, 2, 3, 1]
// CHECK: %[[RES:.*]] = tensor.collapse_shape %[[T]] {{\[}}[0, 1, 2], [3]] : tensor<1x4x4x32xi32> into tensor<16x32xi32>
// CHECK: mc.dot4
// CHECK: vector.transfer_read %[[RES]]{{.*}} : tensor<16x32xi32>, vector<16xi32>
// CHECK: vector.transfer_write %{{.*}} : vector<16xf32>, tensor<16x32xf32>
// CHECK: %[[E:.*]] = tensor.expand_shape %{{.*}} output_shape [1, 4, 4, 32] : tensor<16x32xf32> into tensor<1x4x4x32xf32>
// CHECK: linalg.transpose ins(%[[E]] : tensor<1x4x4x32xf32>) outs(%{{.*}} : tensor<1x32x4x4xf32>) permutation = [0, 3, 1, 2]
// CHECK-NOT: linalg.generic
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#c1 = affine_map<(d0, d1, d2, d3) -> (d1)>
func.func @conv_nchw_requant(%x: tensor<1x8x6x6xi8>, %res: tensor<1x32x4x4xi32>, %scale: tensor<32xf32>) -> tensor<1x32x4x4xf32> {
  %w = arith.constant dense<1> : tensor<32x8x3x3xi8>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x32x4x4xi32>
  %c = linalg.fill ins(%z : i32) outs(%e : tensor<1x32x4x4xi32>) -> tensor<1x32x4x4xi32>
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x8x6x6xi8>, tensor<32x8x3x3xi8>) outs(%c : tensor<1x32x4x4xi32>) -> tensor<1x32x4x4xi32>
  %o = tensor.empty() : tensor<1x32x4x4xf32>
  %y = linalg.generic {indexing_maps = [#id4, #id4, #c1, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%r, %res, %scale : tensor<1x32x4x4xi32>, tensor<1x32x4x4xi32>, tensor<32xf32>) outs(%o : tensor<1x32x4x4xf32>) {
  ^bb0(%acc: i32, %rs: i32, %s: f32, %out: f32):
    %sum = arith.addi %acc, %rs : i32
    %f = arith.sitofp %sum : i32 to f32
    %m = arith.mulf %f, %s : f32
    linalg.yield %m : f32
  } -> tensor<1x32x4x4xf32>
  return %y : tensor<1x32x4x4xf32>
}

// -----

// A consumer indexed by something other than the output, the channel or
// nothing (here a per-row operand of NHWC) stays a loop after the kernel.
// CHECK-LABEL: func.func @conv_consumer_not_fused
// CHECK: mc.dot4
// CHECK: tensor.expand_shape %{{.*}} output_shape [1, 4, 4, 32] : tensor<16x32xi32> into tensor<1x4x4x32xi32>
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %arg1 : tensor<1x4x4x32xi32>, tensor<4xf32>)
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#r1 = affine_map<(d0, d1, d2, d3) -> (d1)>
func.func @conv_consumer_not_fused(%x: tensor<1x6x6x8xi8>, %rows: tensor<4xf32>) -> tensor<1x4x4x32xf32> {
  %w = arith.constant dense<1> : tensor<3x3x8x32xi8>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x4x4x32xi32>
  %c = linalg.fill ins(%z : i32) outs(%e : tensor<1x4x4x32xi32>) -> tensor<1x4x4x32xi32>
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x6x6x8xi8>, tensor<3x3x8x32xi8>) outs(%c : tensor<1x4x4x32xi32>) -> tensor<1x4x4x32xi32>
  %o = tensor.empty() : tensor<1x4x4x32xf32>
  %y = linalg.generic {indexing_maps = [#id4, #r1, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%r, %rows : tensor<1x4x4x32xi32>, tensor<4xf32>) outs(%o : tensor<1x4x4x32xf32>) {
  ^bb0(%acc: i32, %s: f32, %out: f32):
    %f = arith.sitofp %acc : i32 to f32
    %m = arith.mulf %f, %s : f32
    linalg.yield %m : f32
  } -> tensor<1x4x4x32xf32>
  return %y : tensor<1x4x4x32xf32>
}

// -----

// The result as a consumer's init is not an epilogue either.
// CHECK-LABEL: func.func @conv_result_as_init
// CHECK: mc.dot4
// CHECK: %[[R:.*]] = tensor.expand_shape %{{.*}} output_shape [1, 4, 4, 32] : tensor<16x32xi32> into tensor<1x4x4x32xi32>
// CHECK: linalg.generic {{.*}} ins(%arg1 : tensor<1x4x4x32xi32>) outs(%[[R]] : tensor<1x4x4x32xi32>)
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @conv_result_as_init(%x: tensor<1x6x6x8xi8>, %b: tensor<1x4x4x32xi32>) -> tensor<1x4x4x32xi32> {
  %w = arith.constant dense<1> : tensor<3x3x8x32xi8>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x4x4x32xi32>
  %c = linalg.fill ins(%z : i32) outs(%e : tensor<1x4x4x32xi32>) -> tensor<1x4x4x32xi32>
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x6x6x8xi8>, tensor<3x3x8x32xi8>) outs(%c : tensor<1x4x4x32xi32>) -> tensor<1x4x4x32xi32>
  %y = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%b : tensor<1x4x4x32xi32>) outs(%r : tensor<1x4x4x32xi32>) {
  ^bb0(%in: i32, %out: i32):
    %s = arith.addi %in, %out : i32
    linalg.yield %s : i32
  } -> tensor<1x4x4x32xi32>
  return %y : tensor<1x4x4x32xi32>
}

// -----

// A dynamic output shape is left to the reference lowering (crashed).
// CHECK-LABEL: func.func @conv_dynamic_output
// CHECK: linalg.conv_2d_nhwc_hwcf
func.func @conv_dynamic_output(%x: tensor<1x6x6x8xi8>, %c: tensor<1x?x4x32xi32>) -> tensor<1x?x4x32xi32> {
  %w = arith.constant dense<1> : tensor<3x3x8x32xi8>
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x6x6x8xi8>, tensor<3x3x8x32xi8>) outs(%c : tensor<1x?x4x32xi32>) -> tensor<1x?x4x32xi32>
  return %r : tensor<1x?x4x32xi32>
}

// -----

// An empty operand (K = 0) is left to the reference lowering.
// CHECK-LABEL: func.func @empty_k
// CHECK: linalg.matmul
func.func @empty_k(%x: tensor<2x0xi8>) -> tensor<2x6xi32> {
  %w = arith.constant dense<3> : tensor<0x6xi8>
  %z = arith.constant dense<0> : tensor<2x6xi32>
  %y = linalg.matmul ins(%x, %w : tensor<2x0xi8>, tensor<0x6xi8>) outs(%z : tensor<2x6xi32>) -> tensor<2x6xi32>
  return %y : tensor<2x6xi32>
}
