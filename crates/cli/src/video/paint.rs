//! A clip painted frame by frame: each frame written with its recipe as it is finished, the
//! checkpoint kept, the progress shown, and the animation written at the end.

use std::time::Instant;

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use nst::image::RgbImage;
use nst::io::frame_name;
use nst::recipe::{VideoFrame, sha256_pixels};
use nst::{Control, FrameProgress, StyleTransfer, VideoCheckpoint};
use nst_options::Inputs;

use crate::clip::{ClipInput, write_clip};
use crate::outputs::shown;
use crate::run::{catch_interrupts, interrupted};

use super::{VideoNote, animation_rate, check_painted_from, resume_hint};

/// Paints `clip` (whose first frame, already read, is `first`) from the start or from
/// `resume`, writing each frame as it is finished, the checkpoint after each frame and every
/// `checkpoint_every` iterations, and the animation at the end.
pub(super) fn paint(
    session: &StyleTransfer,
    inputs: &Inputs,
    first: RgbImage,
    clip: ClipInput,
    note: &VideoNote,
    resume: Option<&VideoCheckpoint>,
) -> Result<()> {
    let Some(VideoFrame { video, .. }) = note.recipe.video.clone() else {
        bail!("the recipe of a clip has no video settings");
    };
    let rate = animation_rate(&note.outputs, &clip)?;
    catch_interrupts()?;
    let note_json = serde_json::to_string(note)?;
    let write_checkpoint = |checkpoint: VideoCheckpoint| -> Result<()> {
        let Some(path) = &note.outputs.checkpoint else {
            return Ok(());
        };
        let bytes = checkpoint.with_note(note_json.clone()).to_bytes()?;
        nst::io::write_private(path, |w| w.write_all(&bytes)).context("--checkpoint")
    };
    let styles = inputs.styles();
    let mut painter = match resume {
        Some(checkpoint) => session.resume_video(&styles, checkpoint)?,
        None => session.video(&styles, video)?,
    };
    let skip = painter.frames_done();
    let started = Instant::now();
    let bar = progress_bar(clip.len);
    let frames = std::iter::once(Ok(first)).chain(clip.frames);
    let mut count = 0;
    for (index, frame) in frames.enumerate() {
        let frame = frame?;
        count = index + 1;
        if index < skip {
            if index + 1 == skip {
                check_painted_from(&frame, &note.outputs.output.join(frame_name(skip)))?;
            }
            continue;
        }
        if interrupted() {
            bail!(
                "interrupted before frame {}; {index} frames are in {}{}",
                index + 1,
                note.outputs.output.display(),
                resume_hint(note)
            );
        }
        bar.set_position(index as u64);
        let mut failure = None;
        let painted = painter.paint(&frame, |progress: &FrameProgress<'_>| {
            let iteration = progress.progress.iteration;
            bar.set_message(format!("frame {}: iteration {iteration}", index + 1));
            let stopping = interrupted();
            if (stopping || iteration.is_multiple_of(note.outputs.checkpoint_every))
                && note.outputs.checkpoint.is_some()
                && failure.is_none()
            {
                failure = progress
                    .checkpoint()
                    .map_err(anyhow::Error::from)
                    .and_then(&write_checkpoint)
                    .err();
            }
            match stopping {
                true => Control::Stop,
                false => Control::Continue,
            }
        })?;
        let Some(painted) = painted else {
            bar.finish_and_clear();
            bail!(
                "interrupted during frame {}; {index} frames are in {}{}",
                index + 1,
                note.outputs.output.display(),
                resume_hint(note)
            );
        };
        let mut recipe = note.recipe.clone();
        recipe.content.sha256 = sha256_pixels(&frame);
        recipe.video = Some(VideoFrame {
            frame: index,
            video: painter.config().clone(),
        });
        let text = recipe.to_json()?;
        let path = note.outputs.output.join(frame_name(index + 1));
        nst::io::save_with_text(&painted, &path, &[(nst::recipe::PNG_KEY, text.as_str())])?;
        if let Some(error) = failure {
            bail!(
                "{error:#}; frame {} was written to {}",
                index + 1,
                path.display()
            );
        }
        write_checkpoint(painter.checkpoint()?)?;
    }
    bar.finish_and_clear();
    if count < skip {
        bail!(
            "the checkpoint has {skip} frames done but the clip has only {count}: it was \
             written for another clip"
        );
    }
    if let (Some(animation), Some(rate)) = (&note.outputs.animation, rate) {
        write_clip(&note.outputs.output, count, rate, animation).context("--animation")?;
    }
    let painted = count - skip;
    let per_frame = started.elapsed().as_secs_f64() / painted.max(1) as f64;
    eprintln!(
        "nst: wrote {count} frames to {} ({painted} painted, {per_frame:.1} s per frame){}",
        note.outputs.output.display(),
        note.outputs
            .animation
            .as_deref()
            .map_or(String::new(), |path| format!(" and {}", shown(path)))
    );
    Ok(())
}

fn progress_bar(frames: Option<usize>) -> ProgressBar {
    let bar = ProgressBar::new(frames.unwrap_or(0) as u64);
    let style =
        ProgressStyle::with_template("{bar:30} {pos}/{len} frames  {msg}  [{elapsed_precise}]")
            .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.enable_steady_tick(std::time::Duration::from_millis(500));
    bar
}
