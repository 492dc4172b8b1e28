// Debian's stock mlir-opt loads mc as one dialect-and-pass plugin. Passes of
// a plugin are registered after mlir-opt parses its flags, so they are named
// in --pass-pipeline.
// RUN: %mlir_opt %s --load-dialect-plugin=%mc_plugin --load-pass-plugin=%mc_plugin \
// RUN:   --pass-pipeline="builtin.module(mc-import-quant, mc-lower-reference)" | FileCheck %s
// RUN: %mlir_opt %s --load-dialect-plugin=%mc_plugin --load-pass-plugin=%mc_plugin \
// RUN:   --pass-pipeline="builtin.module(mc-import-quant)" | FileCheck %s --check-prefix=IMPORT
// RUN: %mlir_opt %S/Inputs/mc-ops.mlir --load-dialect-plugin=%mc_plugin | FileCheck %s --check-prefix=DIALECT

// Unlike upstream's --lower-quant-ops, the result rounds (math.roundeven) and
// clamps before converting.
// CHECK-LABEL: func @qdq
// CHECK: linalg.generic
// CHECK: arith.divf
// CHECK: math.roundeven
// CHECK: arith.maxnumf
// CHECK: arith.minnumf
// CHECK: arith.fptosi
// CHECK: linalg.generic
// CHECK: arith.subi
// CHECK: arith.mulf
// CHECK-NOT: quant.
// CHECK-NOT: mc.

// IMPORT: mc.encode {{.*}} -> !mc.compressed<4xf32, #mc.uniform<i8, zero_point>>
// IMPORT: mc.decode

// DIALECT: mc.fake_quant #mc.uniform<i4, axis = 0, narrow>
func.func @qdq(%x: tensor<4xf32>) -> tensor<4xf32> {
  %q = quant.qcast %x : tensor<4xf32> to tensor<4x!quant.uniform<i8:f32, 0.5:-3>>
  %d = quant.dcast %q : tensor<4x!quant.uniform<i8:f32, 0.5:-3>> to tensor<4xf32>
  return %d : tensor<4xf32>
}
