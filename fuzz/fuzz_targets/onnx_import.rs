//! Arbitrary bytes as a weights file: the import returns a model or an error, never panics.
#![no_main]

use std::io::Write;

use burn::tensor::Device;
use libfuzzer_sys::fuzz_target;
use nst_vgg16::{Flavour, Pooling, Vgg16};

fuzz_target!(|bytes: &[u8]| {
    let mut file = tempfile::NamedTempFile::new().expect("a temporary file");
    file.write_all(bytes).expect("written");
    let _ = Vgg16::from_onnx(file.path(), Flavour::Caffe, Pooling::Max, &Device::flex());
});
