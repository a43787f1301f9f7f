//! The checkpoints a run writes (`--checkpoint FILE`): its state and a note of its recipe
//! and outputs.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use nst::Progress;
use nst::io::Target;
use nst::recipe::Recipe;
use serde::{Deserialize, Serialize};

use crate::outputs::Outputs;

/// What a checkpoint's note holds besides the optimiser's state: the run's recipe and where
/// it writes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Note {
    pub recipe: Recipe,
    pub outputs: Outputs,
    pub checkpoint_every: usize,
}

/// Where and how often a run writes its checkpoint.
pub struct Checkpoints {
    pub path: PathBuf,
    pub every: usize,
    /// The note's JSON.
    pub note: String,
}

impl Checkpoints {
    /// Checkpoints of the run `recipe` writing `outputs`, to `path` every `every` iterations.
    pub fn new(path: PathBuf, every: usize, recipe: &Recipe, outputs: &Outputs) -> Result<Self> {
        let note = Note {
            recipe: recipe.clone(),
            outputs: outputs.absolute()?,
            checkpoint_every: every,
        };
        Ok(Self {
            path,
            every,
            note: serde_json::to_string(&note)?,
        })
    }

    /// Writes the checkpoint after `progress`, atomically, if one is due (every `every`
    /// iterations, or `now`).
    pub fn write(&self, progress: &Progress<'_>, now: bool) -> Result<()> {
        if !(now || progress.iteration.is_multiple_of(self.every)) {
            return Ok(());
        }
        let bytes = progress
            .checkpoint()?
            .with_note(self.note.clone())
            .to_bytes()?;
        nst::io::write_private(&self.path, |w| w.write_all(&bytes)).context("--checkpoint")
    }
}

/// Checks, before the run, that a checkpoint can be written at `path`: a new file in an
/// existing folder, or a regular file (a symlink's target). Standard output, FIFOs, sockets
/// and devices are refused: a checkpoint is rewritten every `--checkpoint-every` iterations
/// and read back whole by `nst resume`.
pub fn check(path: &Path) -> Result<()> {
    let what = match Target::of(path).context("--checkpoint")? {
        Target::File(_) => return nst::io::check_writable(path).context("--checkpoint"),
        Target::Stdout => "standard output".to_owned(),
        Target::Stream { kind, .. } => format!("a {kind}"),
    };
    bail!(
        "--checkpoint {} is {what}; a checkpoint is rewritten every --checkpoint-every \
         iterations and read back by `nst resume`, so it must be a regular file",
        path.display()
    )
}
