//! `nst resume FILE`: continues a run from its checkpoint.

use anyhow::{Context, Result};
use nst::Checkpoint;

use crate::args::ResumeArgs;
use crate::checkpoints::{Checkpoints, Note};
use crate::recipe::recipe_session;
use crate::run::execute;

/// `nst resume FILE`: continues the run that wrote the checkpoint to its end, writing the
/// outputs it would have written.
pub fn resume(args: ResumeArgs) -> Result<()> {
    let path = &args.checkpoint;
    let refuse = || format!("cannot resume from {}", path.display());
    crate::checkpoints::check(path)?; // it is rewritten as the run goes on
    let bytes = std::fs::read(path).with_context(refuse)?;
    if nst::VideoCheckpoint::is_video(&bytes) {
        return crate::video::resume(path, &bytes);
    }
    let checkpoint = Checkpoint::from_bytes(&bytes).with_context(refuse)?;
    let note: Note = serde_json::from_str(checkpoint.note())
        .map_err(|_| anyhow::anyhow!("the checkpoint holds no nst run"))
        .with_context(refuse)?;
    let outputs = note.outputs;
    outputs.check()?;
    let backend = note.recipe.backend.parse()?;
    // The same bytes need the same weights, inputs and tiles.
    let (session, inputs) = recipe_session(&note.recipe, backend)?;
    let checkpoints =
        Checkpoints::new(path.clone(), note.checkpoint_every, &note.recipe, &outputs)?;
    let run = crate::run::Run {
        checkpoints: Some(&checkpoints),
        resume: Some(&checkpoint),
        time_limit: None,
        stop_after: None,
    };
    execute(&session, &inputs, &outputs, &note.recipe, run)
}
