//! The options of a style transfer run.

use std::path::PathBuf;

use nst_options::TransferArgs;

/// Options of a style transfer run. Unset options take the preset's values.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub transfer: TransferArgs,
    /// Output image; the format follows the extension. PNGs carry the run's recipe. `-` is
    /// standard output, as a PNG (so is a pipe or device without an extension, /dev/stdout).
    #[arg(short, long, default_value = "stylized.png")]
    pub output: PathBuf,
    /// Write one JSON line per iteration (losses, elapsed time) to this file (`-`: stdout).
    #[arg(long, value_name = "FILE")]
    pub log_json: Option<PathBuf>,
    /// Stop after the iteration that passes SECONDS of optimisation (loading the model and
    /// the targets excluded) and write the image so far: runs of different settings at one
    /// time budget.
    #[arg(long, value_name = "SECONDS")]
    pub time_limit: Option<f64>,
    /// Also write the image every N iterations, as OUTPUT-NNNN.EXT.
    #[arg(long, value_name = "N")]
    pub save_every: Option<usize>,
    /// Also write content | result | style side by side to this file.
    #[arg(long, value_name = "FILE")]
    pub sheet: Option<PathBuf>,
    /// Print the estimated peak memory of the run on the CPU (`memory estimate: W×H, N
    /// bytes (G GiB)`, the last scale's size) and exit without running.
    #[arg(long)]
    pub print_memory_estimate: bool,
}
