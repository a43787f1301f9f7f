//! Arbitrary bytes as weights: the import returns a model or an error, never panics.
#![no_main]

use burn::tensor::Device;
use libfuzzer_sys::fuzz_target;
use nst_vgg16::{Flavour, Pooling, Vgg16, WeightsSource};

fuzz_target!(|bytes: &[u8]| {
    let source = WeightsSource::Bytes(bytes.to_vec().into());
    let _ = Vgg16::load(&source, Flavour::Caffe, Pooling::Max, &Device::flex());
});
