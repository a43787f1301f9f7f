use anyhow::{Context, Result};
use nst::recipe::Recipe;
use nst::{Backend, MemoryInputs, Precision, StyleTransfer, WeightsSource};
use nst_options::{Inputs, fit_memory_for, load_images};

use crate::args::RecipeArgs;
use crate::outputs::Outputs;
use crate::run::{Run, execute};
use crate::session::{load_session, say};

/// `nst recipe IMAGE [--rerun OUTPUT]`: prints the recipe, or reruns it on the CPU.
pub fn recipe(args: RecipeArgs) -> Result<()> {
    let recipe = Recipe::read(&args.image)?;
    let Some(output) = args.rerun else {
        println!("{}", recipe.to_json()?);
        return Ok(());
    };
    if let Some(video) = &recipe.video {
        anyhow::bail!(
            "{} is frame {} of a clip, painted from the frames before it: rerun the clip with \
             `nst video`",
            args.image.display(),
            video.frame + 1
        );
    }
    let outputs = Outputs::image(output);
    outputs.check()?;
    let (session, inputs) = recipe_session(&recipe, Backend::Cpu)?;
    let styles = inputs.style_sizes();
    let memory = MemoryInputs::new(inputs.content.dimensions(), &styles);
    let session = fit_memory_for(session, memory, Backend::Cpu, None, say)?;
    let rerun = inputs.recipe(&session, Backend::Cpu)?;
    let run = Run {
        stop_after: recipe.stopped_after,
        ..Default::default()
    };
    execute(&session, &inputs, &outputs, &rerun, run)
}

/// A session that reruns `recipe` on `backend`, and its inputs, checked against their
/// hashes: the recipe's weights file if it is still there (else the cache), with the same
/// hash, its tile, masks and initial image.
pub fn recipe_session(recipe: &Recipe, backend: Backend) -> Result<(StyleTransfer, Inputs)> {
    let inputs = recipe_inputs(recipe)?;
    let session = recipe_model(recipe, backend)?;
    Ok((inputs.onto(session), inputs))
}

/// A session that reruns `recipe` on `backend` with the recipe's weights (checked against
/// their hash) and tile. An `f16` run's recipe reruns in `f32` on the CPU, which says so.
pub fn recipe_model(recipe: &Recipe, backend: Backend) -> Result<StyleTransfer> {
    let weights = match &recipe.weights {
        Some(path) if path.is_file() => WeightsSource::Path(path.clone()),
        _ => WeightsSource::Cache,
    };
    let mut config = recipe.config.clone();
    if backend == Backend::Cpu && config.precision() == Precision::F16 {
        eprintln!("nst: the recipe's run computed in f16 on a GPU; the CPU computes in f32");
        config = config.to_builder().precision(Precision::F32).build()?;
    }
    let (session, _) = load_session(config, backend, weights)?;
    let actual = session.model()?.weights_sha256().to_owned();
    if actual != recipe.weights_sha256 {
        // The same error as a changed input's.
        let path = session.weights().file()?.unwrap_or_default();
        return Err(nst::Error::Changed {
            path,
            actual,
            expected: recipe.weights_sha256.clone(),
        }
        .into());
    }
    Ok(session.with_tile(recipe.tile))
}

/// The inputs `recipe` names, checked against their hashes.
pub fn recipe_inputs(recipe: &Recipe) -> Result<Inputs> {
    let sources = std::iter::once(&recipe.content)
        .chain(&recipe.styles)
        .chain(&recipe.style_masks);
    for source in sources.clone() {
        if let Some(path) = &source.path {
            nst::recipe::verify(path, &source.sha256)?;
        }
    }
    let styles: Vec<_> = recipe.styles.iter().map(|s| s.path.as_deref()).collect();
    let masks = recipe
        .style_masks
        .iter()
        .map(|mask| mask.path.as_deref().context("a style mask without a file"))
        .collect::<Result<Vec<_>>>()?;
    let mut inputs = load_images(recipe.content.path.as_deref(), &styles, &masks, u64::MAX)?;
    if let Some(init) = &recipe.init_image {
        let path = init
            .path
            .as_deref()
            .context("an initial image without a file")?;
        if !init.sha256.is_empty() {
            nst::recipe::verify(path, &init.sha256)?;
        }
        inputs = inputs.with_init_image(path, u64::MAX)?;
    }
    for (source, loaded) in sources.zip(inputs.sources()) {
        if source.path.is_none() && source.sha256 != loaded.sha256 {
            anyhow::bail!(
                "the recipe used an embedded default image that this nst ({}) does not have",
                env!("CARGO_PKG_VERSION")
            );
        }
    }
    Ok(inputs)
}
