// RUN: mc-opt %s -mc-export-quant -split-input-file -verify-diagnostics

func.func @float_storage(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'mc.encode' op cannot export #mc.float<f16>: !quant.uniform has no equivalent}}
  %c = mc.encode %x : (tensor<4xf32>) -> !mc.compressed<4xf32, #mc.float<f16>>
  %d = mc.decode %c : !mc.compressed<4xf32, #mc.float<f16>> -> tensor<4xf32>
  return %d : tensor<4xf32>
}

// -----

func.func @runtime_scale(%x: tensor<4xf32>, %s: tensor<f32>) -> tensor<4xf32> {
  // expected-error @+1 {{'mc.fake_quant' op cannot export: scales are not constants, and !quant.uniform needs them in the type}}
  %y = mc.fake_quant #mc.uniform<i8> %x, %s : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func private @use(!mc.compressed<4xf32, #mc.uniform<i8>>)
func.func @other_user(%x: tensor<4xf32>) {
  %s = arith.constant dense<0.5> : tensor<f32>
  %c = mc.encode %x, %s : (tensor<4xf32>, tensor<f32>) -> !mc.compressed<4xf32, #mc.uniform<i8>>
  // expected-error @+1 {{'func.call' op uses a compressed value that --mc-export-quant cannot express with quant casts}}
  call @use(%c) : (!mc.compressed<4xf32, #mc.uniform<i8>>) -> ()
  return
}

// -----

func.func @codebook(%x: tensor<8xf32>, %t: tensor<2xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{'mc.fake_quant' op cannot export #mc.codebook<ui1>: !quant.uniform has no equivalent}}
  %y = mc.fake_quant #mc.codebook<ui1> %x, %t : (tensor<8xf32>, tensor<2xf32>) -> tensor<8xf32>
  return %y : tensor<8xf32>
}
