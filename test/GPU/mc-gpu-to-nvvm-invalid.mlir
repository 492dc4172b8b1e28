// Chips and PTX versions the pipeline cannot serve are reported up front.
// RUN: not mc-opt %s --mc-gpu-to-nvvm="chip=sm_75" 2>&1 | FileCheck %s --check-prefix=CHIP
// CHIP: error: unsupported chip 'sm_75': expected sm_80, sm_86, sm_87, sm_89, sm_90 or sm_90a
// RUN: not mc-opt %s --mc-gpu-to-nvvm="chip=sm_90 ptx-version=7.4" 2>&1 | FileCheck %s --check-prefix=OLD
// OLD: error: PTX version 7.4 does not support sm_90 (it needs at least 7.8)
// RUN: not mc-opt %s --mc-gpu-to-nvvm="ptx-version=9.9" 2>&1 | FileCheck %s --check-prefix=NEW
// NEW: error: unsupported PTX version '9.9': expected 7.0-7.8, 8.0-8.8 or 9.0
// RUN: not mc-opt %s --mc-gpu-to-nvvm="ptx-version=eight" 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: error: invalid PTX version 'eight': expected MAJOR.MINOR, e.g. 8.0
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = arith.addf %x, %x : tensor<4xf32>
  return %y : tensor<4xf32>
}
