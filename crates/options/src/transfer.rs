//! The options of a style transfer, of a still image or of a clip.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use nst::{
    Init, Optimizer, PreserveColors, StyleTransferConfig, StyleTransferConfigBuilder, Weighting,
};

use crate::model::{ModelArgs, override_with};

/// Options of a style transfer, of a still image or of a clip. Unset options take the
/// preset's values.
#[derive(Debug, clap::Args)]
pub struct TransferArgs {
    /// The inputs, their sizes, the model and the losses.
    #[command(flatten)]
    pub model: ModelArgs,
    /// Number of iterations (at the final scale, with --multiscale) [fast: 8, normalized: 100,
    /// gatys: 300].
    #[arg(long)]
    pub iterations: Option<usize>,
    /// Optimiser: normalized-descent, adam or lbfgs [fast: lbfgs, normalized:
    /// normalized-descent, gatys: lbfgs].
    #[arg(long)]
    pub optimizer: Option<Optimizer>,
    /// Step size in pixel levels: per gradient standard deviation (normalized-descent), the
    /// learning rate (adam), the largest pixel change of a gradient step (lbfgs) [10].
    #[arg(long)]
    pub step_size: Option<f64>,
    /// The last iteration's step size as a fraction of the first (normalized-descent, adam)
    /// [fast: 1, normalized: 0.1, gatys: 1].
    #[arg(long)]
    pub step_decay: Option<f64>,
    /// Return an exponential moving average of the iterates with this decay (0: off) [fast: 0,
    /// normalized: 0.9, gatys: 0].
    #[arg(long)]
    pub average: Option<f64>,
    /// Curvature pairs L-BFGS remembers [100].
    #[arg(long)]
    pub history: Option<usize>,
    /// Weight of the content loss [fast: 1.5, normalized: 1.5, gatys: 5].
    #[arg(long)]
    pub content_weight: Option<f64>,
    /// Weight of the style loss [fast: 60, normalized: 10, gatys: 500].
    #[arg(long)]
    pub style_weight: Option<f64>,
    /// Weight of the total-variation (denoise) loss [fast: 0.3, normalized: 0.3, gatys: 0.001].
    #[arg(long)]
    pub denoise_weight: Option<f64>,
    /// Weight of the photorealism term (Luan et al.): the local-affine residual per pixel
    /// against the photo's matting Laplacian, never divided by its own value [photo: 1e4,
    /// others: 0].
    #[arg(long)]
    pub photorealism_weight: Option<f64>,
    /// Smooth the result towards the photo's local colour models (the matting Laplacian
    /// solved by conjugate gradients; Li et al. 2018) [photo: true, others: false].
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub smooth: Option<bool>,
    /// How the losses are combined: normalized (each divided by its current value), initial
    /// (by its value at the start) or raw [fast: initial, normalized: normalized, gatys: raw].
    #[arg(long)]
    pub weighting: Option<Weighting>,
    /// Starting image: noise (uniform in [128, 129)), content, style-statistics (noise with
    /// the style's color statistics) or an image file [fast: noise, normalized: noise,
    /// gatys: content].
    #[arg(long)]
    pub init: Option<String>,
    /// Seed of the initial noise and of the sliced loss's directions and pixel samples.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Keep the content's colors: luminance (transfer on luma only) or histogram (recolor
    /// the style to the content's palette first).
    #[arg(long)]
    pub preserve_colors: Option<PreserveColors>,
    /// Optimise coarse to fine: from --start-size, growing by --scale-factor, up to --size
    /// [fast: true, normalized: false, gatys: false].
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub multiscale: Option<bool>,
    /// Longest side of the first scale, with --multiscale [128].
    #[arg(long)]
    pub start_size: Option<u32>,
    /// Growth from one scale to the next, with --multiscale [1.414].
    #[arg(long)]
    pub scale_factor: Option<f64>,
    /// Iterations at each scale before the last, with --multiscale [fast: 16, others:
    /// --iterations].
    #[arg(long)]
    pub iterations_per_scale: Option<usize>,
    /// The memory a run may take, in GiB (default on the CPU: what the machine has
    /// available); a run that needs more is tiled (see --tile), or refused.
    #[arg(long, value_name = "GIB")]
    pub max_memory: Option<f64>,
    /// Keep the run's state in FILE (written atomically every --checkpoint-every iterations
    /// and on Ctrl-C): `nst resume FILE` continues it after a crash. FILE must be a regular
    /// file or a new path (a symlink to one), not a pipe or device.
    #[arg(long, value_name = "FILE")]
    pub checkpoint: Option<PathBuf>,
    /// Iterations between checkpoints.
    #[arg(long, value_name = "N", default_value_t = 10, requires = "checkpoint")]
    pub checkpoint_every: usize,
}

impl TransferArgs {
    /// `--max-memory` in bytes.
    pub fn max_memory_bytes(&self) -> Option<u64> {
        self.max_memory
            .map(|gib| (gib * f64::from(1u32 << 30)) as u64)
    }

    /// The image `--init PATH` names, if the run starts from a file.
    pub fn init_image(&self) -> Option<PathBuf> {
        match self.init.as_deref() {
            None | Some("noise" | "content" | "style-statistics") => None,
            Some(path) => Some(PathBuf::from(path)),
        }
    }

    /// The configuration of the run.
    pub fn config(&self) -> Result<StyleTransferConfig> {
        let preset = self.model.preset.config();
        let mut builder = self.model.builder()?;
        if let Some(init) = &self.init {
            builder = builder.init(match init.as_str() {
                "noise" => Init::default(),
                "content" => Init::Content,
                "style-statistics" => Init::StyleStatistics,
                path => {
                    if !Path::new(path).is_file() {
                        bail!(
                            "--init {path}: not noise, content, style-statistics or an existing file"
                        );
                    }
                    Init::Image
                }
            });
        }
        let optimizer = self.optimizer.unwrap_or(preset.optimizer());
        let mut multiscale = match self.multiscale {
            Some(false) => None,
            Some(true) => Some(preset.multiscale().cloned().unwrap_or_default()),
            None => preset.multiscale().cloned(),
        };
        match &mut multiscale {
            Some(multiscale) => {
                multiscale.start = self.start_size.unwrap_or(multiscale.start);
                multiscale.factor = self.scale_factor.unwrap_or(multiscale.factor);
                if let Some(n) = self.iterations_per_scale {
                    multiscale.iterations_per_scale = Some(n);
                }
            }
            None => {
                if self.start_size.is_some()
                    || self.scale_factor.is_some()
                    || self.iterations_per_scale.is_some()
                {
                    bail!(
                        "--start-size, --scale-factor and --iterations-per-scale need --multiscale"
                    );
                }
            }
        }
        // The normalized weighting changes every iteration, and across scales; L-BFGS and
        // coarse-to-fine runs need one objective.
        let weighting = match self.weighting {
            Some(weighting) => weighting,
            None if (optimizer == Optimizer::Lbfgs || multiscale.is_some())
                && preset.weighting() == Weighting::Normalized =>
            {
                Weighting::Initial
            }
            None => preset.weighting(),
        };
        builder = builder
            .optimizer(optimizer)
            .multiscale(multiscale)
            .weighting(weighting)
            .seed(self.seed);
        type B = StyleTransferConfigBuilder;
        builder = override_with(builder, self.iterations, B::iterations);
        builder = override_with(builder, self.step_size, B::step_size);
        builder = override_with(builder, self.step_decay, B::step_decay);
        builder = override_with(builder, self.average, B::average);
        builder = override_with(builder, self.history, B::history);
        builder = override_with(builder, self.content_weight, B::content_weight);
        builder = override_with(builder, self.style_weight, B::style_weight);
        builder = override_with(builder, self.denoise_weight, B::denoise_weight);
        builder = override_with(builder, self.photorealism_weight, B::photorealism_weight);
        builder = override_with(builder, self.smooth, B::smooth);
        builder = override_with(builder, self.preserve_colors.map(Some), B::preserve_colors);
        let config = builder.build()?;
        if let Some(gib) = self.max_memory
            && !(gib.is_finite() && gib > 0.0)
        {
            bail!("--max-memory must be a number of GiB above 0, got {gib}");
        }
        if self.checkpoint_every == 0 {
            bail!("--checkpoint-every must be at least 1");
        }
        Ok(config)
    }
}
