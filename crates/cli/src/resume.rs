//! Checkpoints of a run (`--checkpoint FILE`) and `nst resume FILE`, which continues one.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use nst::recipe::Recipe;
use nst::{Checkpoint, Progress};
use serde::{Deserialize, Serialize};

use crate::args::ResumeArgs;
use crate::outputs::Outputs;
use crate::recipe::recipe_inputs;
use crate::run::execute;
use crate::session::load_session;

/// What a checkpoint's note holds besides the optimiser's state: the run's recipe and where
/// it writes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Note {
    pub recipe: Recipe,
    pub output: PathBuf,
    pub sheet: Option<PathBuf>,
    pub log_json: Option<PathBuf>,
    pub save_every: Option<usize>,
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
            output: absolute(&outputs.output)?,
            sheet: outputs.sheet.as_deref().map(absolute).transpose()?,
            log_json: outputs.log_json.as_deref().map(absolute).transpose()?,
            save_every: outputs.save_every,
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
        nst::io::write_atomic(&self.path, |w| {
            w.write_all(&bytes).map_err(|e| e.to_string())
        })
        .with_context(|| format!("--checkpoint {}", self.path.display()))
    }
}

/// `nst resume FILE`: continues the run that wrote the checkpoint to its end, writing the
/// outputs it would have written.
pub fn resume(args: ResumeArgs) -> Result<()> {
    let path = &args.checkpoint;
    let refuse = || format!("cannot resume from {}", path.display());
    let bytes = std::fs::read(path).with_context(refuse)?;
    let checkpoint = Checkpoint::from_bytes(&bytes).with_context(refuse)?;
    let note: Note = serde_json::from_str(checkpoint.note())
        .map_err(|_| anyhow::anyhow!("the checkpoint holds no nst run"))
        .with_context(refuse)?;
    let outputs = Outputs {
        output: note.output.clone(),
        sheet: note.sheet.clone(),
        log_json: note.log_json.clone(),
        save_every: note.save_every,
    };
    outputs.check()?;
    let inputs = recipe_inputs(&note.recipe)?;
    let backend = note.recipe.backend.parse()?;
    let (session, _) = load_session(note.recipe.config.clone(), backend)?;
    let session = inputs.masked(session);
    let checkpoints =
        Checkpoints::new(path.clone(), note.checkpoint_every, &note.recipe, &outputs)?;
    let run = crate::run::Run {
        checkpoints: Some(&checkpoints),
        resume: Some(&checkpoint),
    };
    execute(&session, &inputs, &outputs, &note.recipe, run)
}

/// `path` from the root, so that `nst resume` finds it from any directory.
fn absolute(path: &Path) -> Result<PathBuf> {
    std::path::absolute(path).with_context(|| format!("cannot resolve {}", path.display()))
}
