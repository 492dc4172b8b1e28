// Each impossible option set is one error at the module and a failing exit.
// RUN: not mc-opt %s --mc-factorize 2>&1 | FileCheck %s --check-prefix=NONE --implicit-check-not=error
// RUN: not mc-opt %s --mc-factorize="rank=2 energy=0.9" 2>&1 | FileCheck %s --check-prefix=TWO --implicit-check-not=error
// RUN: not mc-opt %s --mc-factorize="rank=2 energy=0.9 max-rel-error=0.1" 2>&1 | FileCheck %s --check-prefix=THREE --implicit-check-not=error
// RUN: not mc-opt %s --mc-factorize=rank=0 2>&1 | FileCheck %s --check-prefix=RANK --implicit-check-not=error
// RUN: not mc-opt %s --mc-factorize=energy=0 2>&1 | FileCheck %s --check-prefix=ENERGY0 --implicit-check-not=error
// RUN: not mc-opt %s --mc-factorize=energy=1.5 2>&1 | FileCheck %s --check-prefix=ENERGY --implicit-check-not=error
// RUN: not mc-opt %s --mc-factorize=max-rel-error=-0.1 2>&1 | FileCheck %s --check-prefix=ERR --implicit-check-not=error
// RUN: not mc-opt %s --mc-factorize="rank=2 min-savings=1" 2>&1 | FileCheck %s --check-prefix=SAVE1 --implicit-check-not=error
// RUN: not mc-opt %s --mc-factorize="energy=0.5 min-savings=-0.5" 2>&1 | FileCheck %s --check-prefix=SAVE --implicit-check-not=error
// RUN: not mc-opt %s --mc-factorize="rank=2 layers=(" 2>&1 | FileCheck %s --check-prefix=REGEX --implicit-check-not=error

// NONE: error: --mc-factorize: give exactly one of 'rank', 'energy' and 'max-rel-error', got none
// TWO: error: --mc-factorize: give exactly one of 'rank', 'energy' and 'max-rel-error', got rank, energy
// THREE: error: --mc-factorize: give exactly one of 'rank', 'energy' and 'max-rel-error', got rank, energy, max-rel-error
// RANK: error: --mc-factorize: rank must be at least 1, got 0
// ENERGY0: error: --mc-factorize: energy must be in (0, 1], got 0
// ENERGY: error: --mc-factorize: energy must be in (0, 1], got 1.5
// ERR: error: --mc-factorize: max-rel-error must be non-negative, got -0.1
// SAVE1: error: --mc-factorize: min-savings must be in [0, 1), got 1
// SAVE: error: --mc-factorize: min-savings must be in [0, 1), got -0.5
// REGEX: error: invalid layers regex '(': parentheses not balanced

func.func @f(%x: tensor<2x16xf32>, %init: tensor<2x12xf32>) -> tensor<2x12xf32> {
  %w = arith.constant dense<0.5> : tensor<16x12xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x16xf32>, tensor<16x12xf32>)
         outs(%init : tensor<2x12xf32>) -> tensor<2x12xf32>
  return %y : tensor<2x12xf32>
}
