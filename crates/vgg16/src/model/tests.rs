use burn::tensor::{Device, Distribution, Tensor};

use super::*;
use crate::layer::CHANNELS;

fn random_vgg(device: &Device) -> Vgg16 {
    let convs = CHANNELS
        .iter()
        .map(|&[input, output]| {
            let normal = Distribution::Normal(0.0, 0.05);
            ConvRelu::new(
                Tensor::random([output, input, 3, 3], normal, device),
                Tensor::random([output], normal, device),
            )
        })
        .collect();
    Vgg16::from_layers(
        convs,
        Flavour::Caffe,
        Pooling::Max,
        String::new(),
        device.clone(),
    )
}

#[test]
fn weights_are_frozen_and_only_the_input_gets_a_gradient() {
    let device = Device::flex().autodiff();
    let vgg = random_vgg(&device);
    let input = Tensor::<4>::full([1, 3, 8, 8], 100.0, &device).require_grad();
    let layers = [Layer::parse("conv2_1").unwrap()];
    let grads = vgg.forward(input.clone(), &layers)[0]
        .clone()
        .sum()
        .backward();
    assert!(input.grad(&grads).is_some());
    for conv in &vgg.convs {
        assert!(conv.is_frozen(&grads));
    }
}

/// Norm-relative difference `‖a − b‖ / ‖b‖` and cosine of two tensors, in `f64`.
fn compare(a: Tensor<4>, b: Tensor<4>) -> (f64, f64) {
    let values = |t: Tensor<4>| {
        t.into_data()
            .convert::<f64>()
            .try_into_vec::<f64>()
            .unwrap()
    };
    let (a, b) = (values(a), values(b));
    let dot = |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(x, y)| x * y).sum::<f64>();
    let diff: Vec<f64> = a.iter().zip(&b).map(|(x, y)| x - y).collect();
    let error = (dot(&diff, &diff) / dot(&b, &b)).sqrt();
    (error, dot(&a, &b) / (dot(&a, &a) * dot(&b, &b)).sqrt())
}

/// Our layers (Winograd F(4×4) in blocks 1–3, F(2×2) in blocks 4–5) against Burn's
/// `conv2d` on the real weights: every layer's activations within 1e-5 (norm-relative;
/// the errors compound through the 13 layers), and the input gradient of a loss that
/// reaches every layer with a cosine of at least 1 − 1e-6. The gradient is piecewise
/// (ReLU masks, each window's maximum), so where an activation sits within rounding of a
/// kink the two sides may route a little gradient differently: at 97×130 one such choice
/// moves 1.4e-3 of the gradient's norm (cosine 1 − 9.3e-7), where 37×23 and 64×48 agree
/// to 2e-6. Needs the real weights (from the cache, or fetched with pip).
#[test]
fn our_layers_match_burns_convolutions_on_the_real_weights() {
    let sizes = [[37, 23], [64, 48], [97, 130]];
    let ours = assert_layers_match_burns(&Device::flex().autodiff(), &sizes);
    assert!(matches!(ours.convs[12], ConvRelu::Winograd(_)));
}

/// Our CubeCL layers against Burn's `conv2d` on wgpu's default adapter (lavapipe in CI),
/// to the same bounds: the kernels differ (Burn autotunes among its convolutions, ours
/// run the implicit GEMM, or the direct kernel where that cannot run) and sum in other
/// orders. The workspace's build compiles SPIR-V on Vulkan; `cargo test -p nst-vgg16
/// --features wgpu` builds wgpu without it and checks the WGSL kernels.
#[cfg(feature = "wgpu")]
#[test]
fn our_cube_layers_match_burns_convolutions_on_the_real_weights() {
    let device = wgpu();
    // Smaller than the CPU's sizes: on lavapipe each new shape costs compiling and tuning.
    let ours = assert_layers_match_burns(&device.autodiff(), &[[37, 23], [32, 24], [48, 40]]);
    assert!(matches!(ours.convs[12], ConvRelu::Cube(_)));
}

/// An `f16` model against the `f32` one on wgpu's default adapter: storing weights and
/// activations in `f16` (11 significant bits: 4.9e-4 per rounding at most, about half that
/// on average) keeps every layer within 1e-3 (norm-relative) and its gradient's direction,
/// since the layers compute and accumulate in `f32` (or on cooperative matrices, which
/// accumulate in `f32`). The gradient, stored in `f16` between layers, measured 2.0e-2
/// (cosine 1 − 2.0e-4) on lavapipe.
#[cfg(feature = "wgpu")]
#[test]
fn f16_layers_match_f32_within_rounding() {
    let device = wgpu().autodiff();
    let path = crate::weights::fetch(|_| {}).expect("the VGG-16 weights are needed");
    let source = crate::weights::WeightsSource::Path(path);
    let full = Vgg16::load(&source, Flavour::Caffe, Pooling::Max, &device).unwrap();
    let half = full.clone().with_precision(Precision::F16).unwrap();
    assert_eq!(half.precision(), Precision::F16);
    burn::tensor::Device::seed(&device, 7);
    let image = Tensor::<4>::random([1, 3, 37, 50], Distribution::Uniform(0.0, 255.0), &device);
    let layers: Vec<Layer> = Layer::all().collect();
    let run = |vgg: &Vgg16| {
        let image = image.clone().require_grad();
        let features = vgg.forward(image.clone(), &layers);
        let loss = features
            .iter()
            .map(|f| f.clone().powi_scalar(2).mean())
            .reduce(|a, b| a + b)
            .unwrap();
        (features, image.grad(&loss.backward()).unwrap())
    };
    let ((half, half_grad), (full, full_grad)) = (run(&half), run(&full));
    for (layer, (half, full)) in layers.iter().zip(half.into_iter().zip(full)) {
        assert_eq!(half.dtype(), burn::tensor::DType::F32, "{layer}");
        let (error, _) = compare(half.inner(), full.inner());
        assert!(error < 1e-3, "{layer}: {error:e}");
    }
    let (error, cosine) = compare(half_grad, full_grad);
    eprintln!(
        "f16 input gradient: error {error:.2e}, cosine 1 − {:.2e}",
        1.0 - cosine
    );
    assert!(cosine > 0.999, "f16 gradient cosine {cosine}");
}

/// wgpu's default adapter (lavapipe in CI), with one timed run per autotune candidate
/// (Burn's side autotunes): enough to pick one, and every candidate must be correct anyway.
/// The tests share it: a process opens wgpu's runtime once.
#[cfg(feature = "wgpu")]
fn wgpu() -> Device {
    use burn::cubecl::config::{CubeClRuntimeConfig, RuntimeConfig};
    use std::sync::OnceLock;

    static WGPU: OnceLock<Device> = OnceLock::new();
    WGPU.get_or_init(|| {
        let mut config = CubeClRuntimeConfig::default().override_from_env();
        config.autotune.bench.min_samples = 1;
        config.autotune.bench.max_samples = 1;
        CubeClRuntimeConfig::set(config);
        let device = Device::wgpu_options()
            .init()
            .expect("a wgpu adapter (lavapipe in CI)");
        if let burn::backend::DispatchDevice::Cube(cube) = device.as_dispatch() {
            eprintln!("runtime {}", cube.client().name());
        }
        device
    })
    .clone()
}

/// Loads the real weights as our layers and as Burn's on `device`, checks the bounds above
/// at `sizes` and returns our model.
fn assert_layers_match_burns(device: &Device, sizes: &[[usize; 2]]) -> Vgg16 {
    let path = crate::weights::fetch(|_| {}).expect("the VGG-16 weights are needed");
    let source = crate::weights::WeightsSource::Path(path);
    let load = |layer: fn(Tensor<4>, Tensor<1>) -> ConvRelu| {
        Vgg16::load_with(&source, Flavour::Caffe, Pooling::Max, device, layer).unwrap()
    };
    let (ours, burns) = (load(ConvRelu::new), load(ConvRelu::direct));
    assert!(matches!(burns.convs[12], ConvRelu::Direct(_)));
    let layers: Vec<Layer> = Layer::all().collect();
    let (mut worst_activation, mut worst_cosine) = (0f64, 1f64);
    for (seed, [h, w]) in sizes.iter().copied().enumerate() {
        burn::tensor::Device::seed(device, seed as u64);
        let image = Tensor::<4>::random([1, 3, h, w], Distribution::Uniform(0.0, 255.0), device);
        let probes: Vec<Tensor<4>> = burns
            .forward(image.clone(), &layers)
            .iter()
            .map(|f| f.random_like(Distribution::Uniform(-1.0, 1.0)))
            .collect();
        let run = |vgg: &Vgg16| {
            let image = image.clone().require_grad();
            let features = vgg.forward(image.clone(), &layers);
            let loss = features
                .iter()
                .zip(&probes)
                .map(|(f, p)| (f.clone() * p.clone()).mean())
                .reduce(|a, b| a + b)
                .unwrap();
            let grad = image.grad(&loss.backward()).unwrap();
            (features, grad)
        };
        let ((ours, our_grad), (burns, burn_grad)) = (run(&ours), run(&burns));
        for (layer, (ours, burns)) in layers.iter().zip(ours.into_iter().zip(burns)) {
            let (error, _) = compare(ours.inner(), burns.inner());
            assert!(error < 1e-5, "{h}×{w} {layer}: {error:e}");
            worst_activation = worst_activation.max(error);
        }
        let (error, cosine) = compare(our_grad, burn_grad);
        eprintln!(
            "{h}×{w}: input gradient error {error:.2e}, cosine 1 − {:.2e}",
            1.0 - cosine
        );
        assert!(cosine >= 1.0 - 1e-6, "{h}×{w} gradient cosine {cosine}");
        worst_cosine = worst_cosine.min(cosine);
    }
    eprintln!(
        "worst activation error {worst_activation:.2e}, worst gradient cosine 1 − {:.2e}",
        1.0 - worst_cosine
    );
    ours
}

#[test]
fn min_input_side_doubles_per_pooling() {
    let side = |name| Vgg16::min_input_side(&[Layer::parse(name).unwrap()]);
    assert_eq!(side("conv1_2"), 1);
    assert_eq!(side("conv2_1"), 2);
    assert_eq!(side("conv3_1"), 4);
    assert_eq!(side("conv5_3"), 16);
}
