// The pipeline from tensors to host code plus one gpu.binary holding every
// kernel (PTX here, so no ptxas is needed).
// RUN: mc-opt %s --mc-gpu-to-nvvm="chip=sm_90 ptx-version=8.3 format=isa kernels=false" | FileCheck %s

// CHECK: llvm.func @scale_add(
// CHECK-COUNT-2: gpu.launch_func @[[MOD:[a-z_0-9]+]]::
// CHECK-NOT: gpu.launch_func
// CHECK: gpu.binary @[[MOD]] [#gpu.object<#nvvm.target<O = 3, chip = "sm_90", features = "+ptx83">
// CHECK-SAME: .version 8.3
// CHECK-SAME: .target sm_90
// CHECK-SAME: .entry scale_add_kernel(
// CHECK-SAME: .entry scale_add_kernel_0(
// CHECK-NOT: gpu.binary
func.func @scale_add(%x: tensor<64x32xf32>, %s: tensor<32xf32>) -> tensor<64x32xf32> {
  %e = tensor.empty() : tensor<64x32xf32>
  %b = linalg.broadcast ins(%s : tensor<32xf32>) outs(%e : tensor<64x32xf32>) dimensions = [0]
  %y = arith.mulf %x, %b : tensor<64x32xf32>
  return %y : tensor<64x32xf32>
}
