//! Every compiled backend against the `flex` CPU backend, on the real weights.
//!
//! Three checks per backend, on small images so that they stay fast on a software GPU:
//! the activations of all 13 layers, every value `nst score` reports, and the input gradient
//! of one optimisation step. wgpu runs on whatever adapter the machine has; CI installs Mesa's
//! lavapipe, a software Vulkan driver, so it runs there without a GPU.

use std::path::{Path, PathBuf};

use burn::tensor::{Device, Tensor, TensorData};
use image::RgbImage;
use nst::{
    Backend, Flavour, Layer, Pooling, StyleTransfer, StyleTransferConfig, Term, Vgg16,
    WeightsSource,
};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn image(name: &str) -> RgbImage {
    image::open(fixture(name)).unwrap().to_rgb8()
}

fn weights() -> WeightsSource {
    let path = nst::weights::fetch(|_| {}).expect("the VGG-16 weights are needed for this test");
    WeightsSource::Path(path)
}

fn values<const D: usize>(t: Tensor<D>) -> Vec<f64> {
    t.try_into_vec_as::<f64>().unwrap()
}

/// Mean absolute difference over mean absolute value of `reference`.
fn relative_error(ours: &[f64], reference: &[f64]) -> f64 {
    assert_eq!(ours.len(), reference.len());
    let diff: f64 = ours.iter().zip(reference).map(|(a, b)| (a - b).abs()).sum();
    diff / reference.iter().map(|b| b.abs()).sum::<f64>()
}

fn cosine(a: &[f64], b: &[f64]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
    dot / (norm(a) * norm(b))
}

/// The 24×32 fixture image as a `[1, 3, 24, 32]` tensor.
fn fixture_input(device: &Device) -> Tensor<4> {
    let (h, w) = (24, 32);
    let rgb = std::fs::read(fixture("vgg_input.rgb")).unwrap();
    let planar: Vec<f32> = (0..3)
        .flat_map(|c| rgb.iter().skip(c).step_by(3).map(|&v| f32::from(v)))
        .collect();
    Tensor::from_data(TensorData::new(planar, [1, 3, h, w]), device)
}

fn session(device: &Device) -> StyleTransfer {
    let config = StyleTransferConfig::builder().size(None).build().unwrap();
    StyleTransfer::new(config)
        .with_weights(weights())
        .with_device(device.clone())
}

fn assert_matches_flex(backend: Backend) {
    let selected = backend.open().unwrap_or_else(|e| panic!("{e}"));
    let device = &selected.device;
    let cpu = &Device::flex();
    eprintln!("{selected}");

    // Activations of every layer. Both sides compute in f32 with their own summation orders
    // (im2col GEMM on the CPU, direct or tiled kernels on the GPU), which the issue bounds at
    // 1e-4; a wrong weight, padding or pooling is off by O(1).
    let all: Vec<Layer> = Layer::all().collect();
    let mut worst_activation = 0f64;
    let features = |device: &Device| {
        let vgg = Vgg16::load(&weights(), Flavour::Caffe, Pooling::Max, device).unwrap();
        vgg.forward(fixture_input(device), &all)
    };
    for ((layer, ours), reference) in all.iter().zip(features(device)).zip(features(cpu)) {
        assert_eq!(ours.dims(), reference.dims(), "{layer}");
        let error = relative_error(&values(ours), &values(reference));
        assert!(error < 1e-4, "{backend} {layer}: relative error {error:e}");
        worst_activation = worst_activation.max(error);
    }

    // Every value `nst score` reports, computed in f64 from each backend's f32 activations,
    // to the same 1e-4.
    let [content, style, scored] =
        ["score_content.png", "score_style.png", "score_image.png"].map(image);
    let score = |device: &Device| session(device).score(&content, &[&style], &scored).unwrap();
    let (ours, reference) = (score(device), score(cpu));
    let pairs = [
        (
            "content_loss",
            ours.get(Term::Content).unwrap().value,
            reference.get(Term::Content).unwrap().value,
        ),
        (
            "style_loss",
            ours.get(Term::Style).unwrap().value,
            reference.get(Term::Style).unwrap().value,
        ),
        (
            "denoise_loss",
            ours.get(Term::Denoise).unwrap().value,
            reference.get(Term::Denoise).unwrap().value,
        ),
    ]
    .into_iter()
    .chain(
        ours.get(Term::Content)
            .unwrap()
            .layers
            .iter()
            .zip(&reference.get(Term::Content).unwrap().layers)
            .map(|((layer, a), (_, b))| (layer.name(), *a, *b)),
    )
    .chain(
        ours.get(Term::Style)
            .unwrap()
            .layers
            .iter()
            .zip(&reference.get(Term::Style).unwrap().layers)
            .map(|((layer, a), (_, b))| (layer.name(), *a, *b)),
    );
    let mut worst_score = 0f64;
    for (name, a, b) in pairs {
        let error = (a - b).abs() / b.abs();
        assert!(
            error < 1e-4,
            "{backend} score {name}: {a} vs {b} ({error:e})"
        );
        worst_score = worst_score.max(error);
    }

    // The input gradient of one optimisation step of the default objective.
    let gradient = |device: &Device| {
        values(
            session(device)
                .gradient(&content, &[&style], &scored)
                .unwrap(),
        )
    };
    let similarity = cosine(&gradient(device), &gradient(cpu));
    assert!(
        similarity >= 0.9999,
        "{backend} gradient: cosine similarity {similarity}"
    );
    eprintln!(
        "{backend}: activations {worst_activation:.1e}, scores {worst_score:.1e}, \
         gradient cosine 1 - {:.1e}",
        1.0 - similarity
    );
}

#[cfg(feature = "wgpu")]
#[test]
fn wgpu_matches_flex() {
    use burn::cubecl::config::{CubeClRuntimeConfig, RuntimeConfig};

    // On a software adapter, CubeCL's autotuning (10 timed runs of each candidate kernel for
    // each new shape) takes most of the test's time; one run per candidate picks a kernel as
    // well for a parity check, and every candidate must be correct anyway.
    let mut config = CubeClRuntimeConfig::default();
    config.autotune.bench.min_samples = 1;
    config.autotune.bench.max_samples = 1;
    CubeClRuntimeConfig::set(config);
    assert_matches_flex(Backend::Wgpu);
}

#[cfg(feature = "ndarray")]
#[test]
fn ndarray_matches_flex() {
    assert_matches_flex(Backend::Ndarray);
}

#[cfg(feature = "cuda")]
#[test]
fn cuda_matches_flex() {
    assert_matches_flex(Backend::Cuda);
}
