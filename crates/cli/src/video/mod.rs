//! `nst video`: paints a clip frame by frame with temporal consistency, writing one PNG per
//! frame (with its recipe) as each is finished, and optionally an animation; `nst resume`
//! continues a clip from its checkpoint.

mod paint;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use nst::image::RgbImage;
use nst::io::FrameRate;
use nst::recipe::{Input, Recipe, VideoFrame, sha256_pixels};
use nst::{MemoryInputs, VideoCheckpoint};
use nst_options::{Inputs, fit_memory_for};
use serde::{Deserialize, Serialize};

use crate::args::VideoArgs;
use crate::clip::{ClipInput, open_clip};
use crate::recipe::recipe_model;
use crate::session::{load_session, say};
use paint::paint;

/// What a clip's checkpoint notes besides the painting's state: the recipe of its frames
/// (frame 0's, which names the clip) and where the frames go.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VideoNote {
    pub recipe: Recipe,
    pub outputs: ClipOutputs,
}

/// Where a clip's frames go, its animation, and its checkpoint (paths from the root).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClipOutputs {
    pub output: PathBuf,
    pub animation: Option<PathBuf>,
    /// `--frame-rate`, as `25` or `30000/1001`.
    pub frame_rate: Option<String>,
    pub checkpoint: Option<PathBuf>,
    pub checkpoint_every: usize,
}

/// `nst video`: paints the clip and writes its frames.
pub fn video(args: VideoArgs) -> Result<()> {
    let config = args.transfer.config()?;
    let video = args.video()?;
    let model = &args.transfer.model;
    let Some(clip_path) = model.content.as_deref() else {
        bail!("nst video needs --content CLIP: a folder of frames, a GIF, an APNG or a video");
    };
    let absolute = |path: &Path| {
        std::path::absolute(path).with_context(|| format!("cannot resolve {}", path.display()))
    };
    let clip_path_absolute = absolute(clip_path)?;
    let outputs = ClipOutputs {
        output: absolute(&args.output)?,
        animation: args.animation.as_deref().map(absolute).transpose()?,
        frame_rate: args.frame_rate.map(|rate| rate.to_string()),
        checkpoint: args
            .transfer
            .checkpoint
            .as_deref()
            .map(absolute)
            .transpose()?,
        checkpoint_every: args.transfer.checkpoint_every,
    };
    if clip_path_absolute.is_dir() && outputs.output.starts_with(&clip_path_absolute) {
        bail!(
            "-o {}: the painted frames would go among the clip's own frames; give another folder",
            args.output.display()
        );
    }
    check_outputs(&outputs)?;
    let mut clip = open_clip(clip_path)?;
    animation_rate(&outputs, &clip)?;
    let first = first_frame(&mut clip, clip_path)?;
    let styles: Vec<Option<&Path>> = match model.style.as_slice() {
        [] => vec![None],
        paths => paths.iter().map(|p| Some(p.as_path())).collect(),
    };
    let masks: Vec<&Path> = model.style_mask.iter().map(PathBuf::as_path).collect();
    let source = Input {
        path: Some(clip_path_absolute),
        sha256: sha256_pixels(&first),
    };
    let max_bytes = model.max_image_mib << 20;
    let mut inputs = Inputs::with_styles(first.clone(), source, &styles, &masks, max_bytes)?;
    if let Some(path) = args.transfer.init_image() {
        inputs = inputs.with_init_image(&path, max_bytes)?;
    }
    let (session, backend) = load_session(config, model.backend()?, model.weights())?;
    let session = session.with_tile(model.tile);
    let styles = inputs.style_sizes();
    let memory = MemoryInputs {
        video: true,
        ..MemoryInputs::new(clip.size, &styles)
    };
    let session = fit_memory_for(
        session,
        memory,
        backend,
        args.transfer.max_memory_bytes(),
        say,
    )?;
    let session = inputs.onto(session);
    let mut recipe = inputs.recipe(&session, backend)?;
    recipe.video = Some(VideoFrame { frame: 0, video });
    let note = VideoNote { recipe, outputs };
    paint(&session, &inputs, first, clip, &note, None)
}

/// Continues the clip whose checkpoint is `bytes` (read from `path`).
pub fn resume(path: &Path, bytes: &[u8]) -> Result<()> {
    let refuse = || format!("cannot resume from {}", path.display());
    let checkpoint = VideoCheckpoint::from_bytes(bytes).with_context(refuse)?;
    let note: VideoNote = serde_json::from_str(checkpoint.note())
        .map_err(|_| anyhow::anyhow!("the checkpoint holds no nst clip"))
        .with_context(refuse)?;
    check_outputs(&note.outputs)?;
    let recipe = &note.recipe;
    let clip_path = recipe
        .content
        .path
        .as_deref()
        .context("the checkpoint's recipe names no clip")?;
    let mut clip = open_clip(clip_path)?;
    let first = first_frame(&mut clip, clip_path)?;
    let actual = sha256_pixels(&first);
    if actual != recipe.content.sha256 {
        return Err(nst::Error::Changed {
            path: clip_path.to_owned(),
            actual,
            expected: recipe.content.sha256.clone(),
        }
        .into());
    }
    for source in recipe.styles.iter().chain(&recipe.style_masks) {
        if let Some(path) = &source.path {
            nst::recipe::verify(path, &source.sha256)?;
        }
    }
    let styles: Vec<Option<&Path>> = recipe.styles.iter().map(|s| s.path.as_deref()).collect();
    let masks = recipe
        .style_masks
        .iter()
        .map(|mask| mask.path.as_deref().context("a style mask without a file"))
        .collect::<Result<Vec<_>>>()?;
    let mut inputs = Inputs::with_styles(
        first.clone(),
        recipe.content.clone(),
        &styles,
        &masks,
        u64::MAX,
    )?;
    if let Some(init) = &recipe.init_image {
        let path = init
            .path
            .as_deref()
            .context("an initial image without a file")?;
        nst::recipe::verify(path, &init.sha256)?;
        inputs = inputs.with_init_image(path, u64::MAX)?;
    }
    let session = inputs.onto(recipe_model(recipe, recipe.backend.parse()?)?);
    let mut note = note;
    note.outputs.checkpoint = Some(std::path::absolute(path)?);
    paint(&session, &inputs, first, clip, &note, Some(&checkpoint))
}

/// Refuses, before any work, outputs that cannot be written: the frames' folder, the
/// animation (and its frame rate) and the checkpoint.
fn check_outputs(outputs: &ClipOutputs) -> Result<()> {
    let dir = &outputs.output;
    if dir.exists() && !dir.is_dir() {
        bail!(
            "-o {}: not a folder; nst video writes one PNG per frame into a folder",
            dir.display()
        );
    }
    std::fs::create_dir_all(dir)
        .with_context(|| format!("-o {}: cannot create the folder", dir.display()))?;
    if let Some(animation) = &outputs.animation {
        nst::io::check_writable(animation).context("--animation")?;
    }
    if let Some(rate) = &outputs.frame_rate {
        rate.parse::<FrameRate>()?;
    }
    if let Some(path) = &outputs.checkpoint {
        crate::checkpoints::check(path)?;
    }
    Ok(())
}

/// The animation's frame rate: `--frame-rate`, else the clip's; an animation of a clip
/// without one (a folder of frames) is refused.
fn animation_rate(outputs: &ClipOutputs, clip: &ClipInput) -> Result<Option<FrameRate>> {
    let rate = match &outputs.frame_rate {
        Some(rate) => Some(rate.parse::<FrameRate>()?),
        None => clip.rate,
    };
    if let (Some(animation), None) = (&outputs.animation, rate) {
        bail!(
            "--animation {}: the clip has no frame rate (a folder of frames): give --frame-rate",
            animation.display()
        );
    }
    Ok(rate)
}

/// The clip's first frame: a clip without frames is refused.
fn first_frame(clip: &mut ClipInput, path: &Path) -> Result<RgbImage> {
    match clip.frames.next() {
        Some(frame) => frame,
        None => bail!("{} holds no frames", path.display()),
    }
}

/// `; nst resume FILE continues it`, when the clip keeps a checkpoint.
fn resume_hint(note: &VideoNote) -> String {
    note.outputs
        .checkpoint
        .as_ref()
        .map_or(String::new(), |path| {
            format!("; `nst resume {}` continues it", path.display())
        })
}

/// Checks, on resuming, that the last finished frame written to `painted` was painted from
/// `frame`: a clip changed since is refused.
fn check_painted_from(frame: &RgbImage, painted: &Path) -> Result<()> {
    let recipe = Recipe::read(painted)?;
    let actual = sha256_pixels(frame);
    if recipe.content.sha256 != actual {
        let clip = recipe.content.path.unwrap_or_default();
        return Err(nst::Error::Changed {
            path: clip,
            actual,
            expected: recipe.content.sha256,
        }
        .into());
    }
    Ok(())
}
