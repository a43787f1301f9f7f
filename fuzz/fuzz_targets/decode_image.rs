//! Arbitrary bytes as an input image: decoding and preprocessing return pixels or an error,
//! never panic.
#![no_main]

use burn::tensor::{Device, Tensor, TensorData};
use libfuzzer_sys::fuzz_target;
use nst_vgg16::Flavour;

fuzz_target!(|bytes: &[u8]| {
    // A small limit keeps the fuzzer fast; the header checks are the same at any limit.
    match nst::io::decode_rgb_with(bytes, 1 << 22) {
        Ok(image) => {
            assert!(image.width() > 0 && image.height() > 0);
            let (w, h) = (image.width() as usize, image.height() as usize);
            let values: Vec<f32> = image.as_raw().iter().map(|&v| f32::from(v)).collect();
            let hwc =
                Tensor::<4>::from_data(TensorData::new(values, [1, h, w, 3]), &Device::flex());
            let rgb = hwc.permute([0, 3, 1, 2]);
            for flavour in [Flavour::Caffe, Flavour::Torch] {
                let _ = flavour.apply(rgb.clone());
            }
        }
        Err(error) => {
            let reason = error.to_string();
            assert!(!reason.is_empty() && !reason.contains('\n'), "{reason}");
        }
    }
});
