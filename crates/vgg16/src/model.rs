use burn::module::Module;
use burn::nn::pool::AvgPool2dConfig;
use burn::tensor::{DType, Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::conv3x3::ConvRelu;
use crate::layer::POOL_AFTER;
use crate::max_pool::max_pool2x2;
use crate::precision::Precision;
use crate::{Error, Flavour, Layer};

/// Input and output channels of VGG-16's 13 convolutions, in forward order.
pub(crate) const CHANNELS: [[usize; 2]; 13] = [
    [3, 64],
    [64, 64],
    [64, 128],
    [128, 128],
    [128, 256],
    [256, 256],
    [256, 256],
    [256, 512],
    [512, 512],
    [512, 512],
    [512, 512],
    [512, 512],
    [512, 512],
];

/// The downsampling between VGG-16's blocks: 2×2 windows, stride 2, odd sizes floored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Pooling {
    /// Max pooling, as VGG-16 was trained.
    #[default]
    Max,
    /// Average pooling, which Gatys et al. found gives smoother results.
    Avg,
}

impl std::str::FromStr for Pooling {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "max" => Ok(Pooling::Max),
            "avg" | "average" => Ok(Pooling::Avg),
            _ => Err(Error::from(crate::UnknownName {
                what: "pooling",
                name: s.to_owned(),
                expected: "max or avg",
            })),
        }
    }
}

/// VGG-16's 13 convolutions as a frozen feature extractor.
///
/// Each convolution (3×3, padding 1) is followed by a ReLU, and blocks are separated by 2×2
/// pooling. The weights never require gradients, so backpropagating through the model
/// computes the gradient of the input only.
#[derive(Module, Debug)]
pub struct Vgg16 {
    convs: Vec<ConvRelu>,
    #[module(skip)]
    pooling: Pooling,
    #[module(skip)]
    flavour: Flavour,
    #[module(skip)]
    weights_sha256: String,
    #[module(skip)]
    device: Device,
    /// What the layers compute in: `F32`, or `F16` on a GPU.
    #[module(skip)]
    dtype: DType,
}

impl Vgg16 {
    /// Builds the model from its 13 layers in forward order.
    ///
    /// The caller guarantees the shapes (see [`Vgg16::load`](crate::Vgg16::load), which
    /// checks them) and that every layer lives on `device`.
    pub(crate) fn from_layers(
        convs: Vec<ConvRelu>,
        flavour: Flavour,
        pooling: Pooling,
        weights_sha256: String,
        device: Device,
    ) -> Self {
        Self {
            convs,
            pooling,
            flavour,
            weights_sha256,
            device,
            dtype: DType::F32,
        }
        .no_grad()
    }

    /// This model computing in `precision` on its device: weights and activations cast to
    /// `f16` for [`Precision::F16`] (or `auto` on a device with cooperative matrices), the
    /// features it returns still `f32`. `f16` is refused where the device has none
    /// ([`Error::F16Unavailable`](crate::Error::F16Unavailable)).
    pub fn with_precision(mut self, precision: Precision) -> Result<Self, Error> {
        let dtype = precision.resolve(&self.device)?;
        if dtype != self.dtype {
            self.convs = self.convs.into_iter().map(|c| c.cast(dtype)).collect();
            self.dtype = dtype;
        }
        Ok(self)
    }

    /// The format the layers compute in: `f32`, or `f16` (see
    /// [`with_precision`](Self::with_precision)).
    pub fn precision(&self) -> Precision {
        match self.dtype {
            DType::F16 => Precision::F16,
            _ => Precision::F32,
        }
    }

    /// SHA-256 of the ONNX bytes the model was loaded from, in hex: what a recipe records.
    pub fn weights_sha256(&self) -> &str {
        &self.weights_sha256
    }

    /// The device the model lives on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// The preprocessing this model applies to its RGB 0–255 input.
    pub fn flavour(&self) -> Flavour {
        self.flavour
    }

    /// The pooling between blocks.
    pub fn pooling(&self) -> Pooling {
        self.pooling
    }

    /// Returns a copy of this model with another pooling kind (the weights are shared).
    pub fn with_pooling(mut self, pooling: Pooling) -> Self {
        self.pooling = pooling;
        self
    }

    /// Runs the model on `rgb`, a `[N, 3, H, W]` batch of RGB images with values in 0–255,
    /// and returns the post-ReLU activations of `layers`, in the order asked.
    ///
    /// Only the layers up to the deepest one asked for are computed. The activations are
    /// `f32` whatever the model's [`precision`](Self::precision).
    pub fn forward(&self, rgb: Tensor<4>, layers: &[Layer]) -> Vec<Tensor<4>> {
        let Some(deepest) = layers.iter().map(|layer| layer.index()).max() else {
            return Vec::new();
        };
        let mut outputs: Vec<Option<Tensor<4>>> = vec![None; deepest + 1];
        let mut x = self.flavour.apply(rgb);
        // `f16` from the preprocessed input on, the features back in `f32`. No loss scaling:
        // on the default objective the input gradient keeps a cosine of 1 − 4.3e-5 with the
        // `f32` one as it is, and 1 − 2.1e-5 scaled by 2¹⁰, but that scale overflowed `f16`'s
        // range (65,504) on a plain sum of the layers' mean squares (lavapipe, 2026-11-30).
        let half = self.dtype == DType::F16;
        if half {
            x = x.cast(DType::F16);
        }
        for (index, conv) in self.convs.iter().enumerate().take(deepest + 1) {
            x = conv.forward(x);
            if layers.iter().any(|layer| layer.index() == index) {
                outputs[index] = Some(match half {
                    true => x.clone().cast(DType::F32),
                    false => x.clone(),
                });
            }
            if index < deepest && POOL_AFTER.contains(&index) {
                x = self.pool(x);
            }
        }
        layers
            .iter()
            .filter_map(|layer| outputs[layer.index()].clone())
            .collect()
    }

    /// The smallest image side for which every pooling before the deepest of `layers` still
    /// has a full 2×2 window: 1 for block 1, 2 for block 2, … 16 for block 5.
    pub fn min_input_side(layers: &[Layer]) -> usize {
        let deepest = layers.iter().map(|layer| layer.index()).max().unwrap_or(0);
        1 << POOL_AFTER.iter().filter(|&&pool| pool < deepest).count()
    }

    /// Brings a map at the input's resolution (`[N, C, H, W]`, such as a region mask) to the
    /// resolution of `layer`'s activations, average pooling it 2×2 wherever the model pools.
    pub fn downsample_to(map: Tensor<4>, layer: Layer) -> Tensor<4> {
        let pools = layer.pools_before();
        let pool = AvgPool2dConfig::new([2, 2]).init();
        (0..pools).fold(map, |map, _| pool.forward(map))
    }

    fn pool(&self, x: Tensor<4>) -> Tensor<4> {
        match self.pooling {
            Pooling::Max => max_pool2x2(x),
            Pooling::Avg => AvgPool2dConfig::new([2, 2]).init().forward(x),
        }
    }
}

#[cfg(test)]
mod tests {
    use burn::tensor::{Device, Distribution, Tensor};

    use super::*;

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
            let image =
                Tensor::<4>::random([1, 3, h, w], Distribution::Uniform(0.0, 255.0), device);
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
}
