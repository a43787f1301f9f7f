//! The options of `nst batch`.

use std::path::PathBuf;

use nst_options::TransferArgs;

/// Options of `nst batch`.
#[derive(Debug, clap::Args)]
pub struct BatchArgs {
    #[command(subcommand)]
    pub command: BatchCommand,
}

/// What `nst batch` does.
#[derive(Debug, clap::Subcommand)]
pub enum BatchCommand {
    /// Freeze a batch: every photo with every style (or the lines of a manifest), checked,
    /// sorted and dealt into shards, written into OUTDIR with its hash.
    Plan(Box<PlanArgs>),
    /// Paint one shard's items of the plan in OUTDIR, skipping those already done: one task
    /// of a SLURM job array or a Kubernetes Indexed Job.
    Run(RunBatchArgs),
    /// What is done, in progress, failed and left of the batch in OUTDIR, and how fast it goes.
    Status(StatusArgs),
}

/// Options of `nst batch plan`.
#[derive(Debug, clap::Args)]
#[command(
    // In a batch --content and --style name the photos and styles to combine, and each item
    // keeps its checkpoint in OUTDIR.
    mut_arg("content", |a| a.help("The photos: a folder (its images, not its subfolders) or one file")),
    mut_arg("style", |a| a.help("The styles, comma-separated: folders or files; each photo is painted with each style (see --pairs)")),
    mut_arg("checkpoint", |a| a.hide(true)),
    mut_arg("checkpoint_every", |a| a.requires(clap::builder::Resettable::Reset).help("Iterations between an item's checkpoints (in OUTDIR/.nst-batch)")),
)]
pub struct PlanArgs {
    #[command(flatten)]
    pub transfer: TransferArgs,
    /// The batch's folder: the plan, the outputs, the tasks' checkpoints and records.
    #[arg(short, long, value_name = "OUTDIR")]
    pub output: PathBuf,
    /// How photos meet styles: cross (every photo with every style) or zip (the first photo
    /// with the first style, and so on).
    #[arg(long, default_value = "cross")]
    pub pairs: Pairs,
    /// A JSON-lines file instead of --content and --style: one item a line, as
    /// {"content": PATH, "styles": [PATH, ..], "style_blend": [W, ..], "output": NAME};
    /// style_blend and output are optional, relative paths are the manifest's folder's.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["content", "style", "pairs"])]
    pub manifest: Option<PathBuf>,
    /// Plan the failed items of the batch in FOLDER again, from their files as they are now
    /// (once the bad inputs are fixed), into OUTDIR.
    #[arg(long, value_name = "FOLDER", conflicts_with_all = ["content", "style", "manifest"])]
    pub retry_failed: Option<PathBuf>,
    /// Shards to deal the items into: tasks of the job array (default: one per item, at most
    /// 1000); more shards than workers even out slow and quick items.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub shards: Option<u64>,
    /// Tasks a SLURM array runs at once (its `%` throttle), in the printed commands.
    #[arg(long, value_name = "N", default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..))]
    pub at_once: u64,
    /// Print scripts/slurm/nst-batch.sbatch filled in for this plan, instead of the commands.
    #[arg(long, conflicts_with = "print_kubernetes")]
    pub print_sbatch: bool,
    /// Print deploy/kubernetes/nst-batch-job.yaml filled in for this plan.
    #[arg(long)]
    pub print_kubernetes: bool,
}

/// How `nst batch plan` pairs photos with styles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Pairs {
    /// Every photo with every style.
    Cross,
    /// The n-th photo with the n-th style.
    Zip,
}

/// Options of `nst batch run`.
#[derive(Debug, clap::Args)]
pub struct RunBatchArgs {
    /// The batch's folder, made by `nst batch plan`.
    #[arg(value_name = "OUTDIR")]
    pub dir: PathBuf,
    /// This task's shard, I/N (item k is shard k mod N's), or auto: from SLURM_ARRAY_TASK_ID
    /// (less SLURM_ARRAY_TASK_MIN) of SLURM_ARRAY_TASK_COUNT, or Kubernetes'
    /// JOB_COMPLETION_INDEX of the plan's shard count.
    #[arg(long, value_name = "I/N|auto")]
    pub shard: String,
    /// The hash `nst batch plan` printed: refuse to run if the plan has changed since.
    #[arg(long, value_name = "SHA256")]
    pub plan: Option<String>,
    /// Items painted at once, sharing one model (on a GPU; on a CPU one item takes every core).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: u16,
}

/// Options of `nst batch status`.
#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// The batch's folder.
    #[arg(value_name = "OUTDIR")]
    pub dir: PathBuf,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}
