//! `nst batch`: many photos painted by the tasks of a cluster scheduler (a SLURM job array, a
//! Kubernetes Indexed Job), each task one shard of a plan frozen ahead. The plan, the shard
//! rule and "done" are the library's (`nst::batch`); this module is the scheduler's side: its
//! environment variables, its signals, its job files and the records the tasks leave.

mod jobfiles;
mod plan;
mod records;
mod run;
mod scheduler;
mod status;
mod wanted;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::args::{BatchArgs, BatchCommand};

/// How `nst batch run` ends when some items failed (bad inputs): the others are done, and a
/// rerun will not retry the failed ones. A Kubernetes `podFailurePolicy` fails the index on it.
pub const EXIT_ITEMS_FAILED: u8 = 3;

/// How `nst batch run` ends when SIGTERM or SIGUSR1 stopped it: the current item's checkpoint
/// is written, and a rerun (a requeue, a retry) continues it. BSD's EX_TEMPFAIL.
pub const EXIT_STOPPED: u8 = 75;

/// `nst batch …`.
pub fn batch(args: BatchArgs) -> anyhow::Result<()> {
    match args.command {
        BatchCommand::Plan(args) => plan::plan(*args),
        BatchCommand::Run(args) => run::run(args),
        BatchCommand::Status(args) => status::status(args),
    }
}

/// How a plan's items are run, chosen at plan time and kept in the plan
/// (`nst::batch::Plan::settings`): the options of `nst` that are not the configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// `--backend`.
    pub backend: String,
    /// `--weights`, from the root.
    pub weights: Option<PathBuf>,
    /// `--tile`.
    pub tile: Option<u32>,
    /// `--max-memory`, in bytes.
    pub max_memory: Option<u64>,
    /// `--max-image-mib`, in bytes.
    pub max_image_bytes: u64,
    /// `--checkpoint-every`.
    pub checkpoint_every: usize,
}

/// Some items of the task failed; the others are done.
#[derive(Debug, thiserror::Error)]
#[error("{failed} of {total} items failed (`nst batch status {}` lists them)", dir.display())]
pub struct ItemsFailed {
    failed: usize,
    total: usize,
    dir: PathBuf,
}

/// A signal stopped the task; the item it was painting has its checkpoint.
#[derive(Debug, thiserror::Error)]
#[error(
    "stopped by {signal}: the checkpoint of the item in progress is written; run the task again to continue it"
)]
pub struct Stopped {
    signal: &'static str,
}

/// The exit code of a failed `nst batch` command, if it is one of its own.
pub fn exit_code(error: &anyhow::Error) -> Option<u8> {
    if error.is::<ItemsFailed>() {
        Some(EXIT_ITEMS_FAILED)
    } else if error.is::<Stopped>() {
        Some(EXIT_STOPPED)
    } else {
        None
    }
}
