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
    Backend, Flavour, Layer, Pooling, Precision, Scores, StyleTransfer, StyleTransferConfig, Term,
    Vgg16, WeightsSource,
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
    session_in(device, Precision::F32)
}

fn session_in(device: &Device, precision: Precision) -> StyleTransfer {
    let config = StyleTransferConfig::builder()
        .size(None)
        .precision(precision)
        .build()
        .unwrap();
    StyleTransfer::new(config)
        .with_weights(weights())
        .with_device(device.clone())
}

/// Every value `nst score` reports, `(name, ours, reference)`.
fn score_pairs(ours: &Scores, reference: &Scores) -> Vec<(String, f64, f64)> {
    let mut pairs = Vec::new();
    for term in [Term::Content, Term::Style, Term::Denoise] {
        let (a, b) = (ours.get(term).unwrap(), reference.get(term).unwrap());
        pairs.push((format!("{term:?}"), a.value, b.value));
        for ((layer, x), (_, y)) in a.layers.iter().zip(&b.layers) {
            pairs.push((format!("{term:?} {}", layer.name()), *x, *y));
        }
    }
    pairs
}

/// Opens wgpu with CubeCL's autotuning at one timed run per candidate: on a software adapter
/// its default (10 timed runs of each candidate kernel for each new shape) takes most of a
/// test's time; one run picks a kernel as well for a parity check, and every candidate must
/// be correct anyway.
#[cfg(feature = "wgpu")]
fn wgpu_quickly_tuned() -> nst::Selected {
    use std::sync::OnceLock;

    use burn::cubecl::config::{CubeClRuntimeConfig, RuntimeConfig};

    // A process opens wgpu's runtime once; the tests share it.
    static WGPU: OnceLock<nst::Selected> = OnceLock::new();
    WGPU.get_or_init(|| {
        let mut config = CubeClRuntimeConfig::default().override_from_env();
        config.autotune.bench.min_samples = 1;
        config.autotune.bench.max_samples = 1;
        CubeClRuntimeConfig::set(config);
        Backend::Wgpu.open().unwrap_or_else(|e| panic!("{e}"))
    })
    .clone()
}

fn assert_matches_flex(selected: nst::Selected) {
    let backend = selected.backend;
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
    let pairs = score_pairs(&ours, &reference);
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
    assert_matches_flex(wgpu_quickly_tuned());
}

/// `nst score --backend wgpu --precision f16` against the CPU's `f32` on the fixtures: every
/// value within 2e-2 (relative). `f16` keeps 11 significant bits (4.9e-4 per rounding); the
/// activations' errors compound over 13 layers and the Gram matrices square them. And the
/// gradient of one step, stored in `f16` between layers, points the same way as the CPU's.
#[cfg(feature = "wgpu")]
#[test]
fn wgpu_f16_scores_match_cpu_f32() {
    let selected = wgpu_quickly_tuned();
    eprintln!("{selected}");
    let [content, style, scored] =
        ["score_content.png", "score_style.png", "score_image.png"].map(image);
    let (half, cpu) = (
        session_in(&selected.device, Precision::F16),
        session_in(&Device::flex(), Precision::F32),
    );
    assert_eq!(half.model().unwrap().precision(), Precision::F16);
    let ours = half.score(&content, &[&style], &scored).unwrap();
    let reference = cpu.score(&content, &[&style], &scored).unwrap();
    let mut worst = 0f64;
    for (name, a, b) in score_pairs(&ours, &reference) {
        let error = (a - b).abs() / b.abs();
        assert!(error < 2e-2, "f16 score {name}: {a} vs {b} ({error:e})");
        worst = worst.max(error);
    }
    let gradient =
        |session: &StyleTransfer| values(session.gradient(&content, &[&style], &scored).unwrap());
    let similarity = cosine(&gradient(&half), &gradient(&cpu));
    eprintln!(
        "f16 on wgpu: worst score error {worst:.1e}, gradient cosine 1 - {:.1e}",
        1.0 - similarity
    );
    assert!(
        similarity >= 0.99,
        "f16 gradient: cosine similarity {similarity}"
    );
}

#[cfg(feature = "ndarray")]
#[test]
fn ndarray_matches_flex() {
    assert_matches_flex(Backend::Ndarray.open().unwrap());
}

#[cfg(feature = "cuda")]
#[test]
fn cuda_matches_flex() {
    assert_matches_flex(Backend::Cuda.open().unwrap_or_else(|e| panic!("{e}")));
}
