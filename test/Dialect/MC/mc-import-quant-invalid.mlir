// RUN: mc-opt %s -mc-import-quant -split-input-file -verify-diagnostics

func.func @returned(%x: tensor<4xf32>) -> tensor<4x!quant.uniform<i8:f32, 0.5>> {
  %q = quant.qcast %x : tensor<4xf32> to tensor<4x!quant.uniform<i8:f32, 0.5>>
  // expected-error @+1 {{'func.return' op uses a !quant.uniform value; --mc-import-quant supports only quant.dcast and quant.scast users}}
  return %q : tensor<4x!quant.uniform<i8:f32, 0.5>>
}

// -----

func.func @odd_range(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'quant.qcast' op cannot import '!quant.uniform<i8<-100:100>:f32, 5.000000e-01>': storage range [-100, 100] is neither the full nor the narrow range of its storage type}}
  %q = quant.qcast %x : tensor<4xf32> to tensor<4x!quant.uniform<i8<-100:100>:f32, 0.5>>
  %d = quant.dcast %q : tensor<4x!quant.uniform<i8<-100:100>:f32, 0.5>> to tensor<4xf32>
  return %d : tensor<4xf32>
}

// -----

func.func @wide_storage(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'quant.qcast' op cannot import '!quant.uniform<i16:f32, 5.000000e-01>': unsupported storage type 'i16': expected i1...i8 or ui1...ui8}}
  %q = quant.qcast %x : tensor<4xf32> to tensor<4x!quant.uniform<i16:f32, 0.5>>
  %d = quant.dcast %q : tensor<4x!quant.uniform<i16:f32, 0.5>> to tensor<4xf32>
  return %d : tensor<4xf32>
}

// -----

func.func @from_argument(%q: tensor<4x!quant.uniform<i8:f32, 0.5>>) -> tensor<4xf32> {
  // expected-error @+1 {{'quant.dcast' op consumes a !quant.uniform value that does not come from quant.qcast or quant.scast; cannot import it}}
  %d = quant.dcast %q : tensor<4x!quant.uniform<i8:f32, 0.5>> to tensor<4xf32>
  return %d : tensor<4xf32>
}
