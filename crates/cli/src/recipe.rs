use anyhow::{Context, Result};
use nst::recipe::Recipe;
use nst::{Backend, StyleTransfer};

use crate::args::RecipeArgs;
use crate::inputs::{Inputs, load_images};
use crate::outputs::Outputs;
use crate::run::execute;
use crate::session::{fit_memory, load_session};

/// `nst recipe IMAGE [--rerun OUTPUT]`: prints the recipe, or reruns it on the CPU.
pub fn recipe(args: RecipeArgs) -> Result<()> {
    let recipe = Recipe::read(&args.image)?;
    let Some(output) = args.rerun else {
        println!("{}", recipe.to_json()?);
        return Ok(());
    };
    let outputs = Outputs::image(output);
    outputs.check()?;
    let inputs = recipe_inputs(&recipe)?;
    let mut config = recipe.config.clone();
    if let Some(path) = &config.weights
        && !path.is_file()
    {
        config.weights = None;
    }
    let (session, backend) = load_session(config, Backend::Cpu)?;
    let session = fit_memory(session, inputs.content.dimensions(), backend, None)?;
    let session = inputs.masked(session);
    verify_weights(&session, &recipe)?;
    let rerun = inputs.recipe(&session, backend)?;
    execute(&session, &inputs, &outputs, &rerun, Default::default())
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
    let inputs = load_images(recipe.content.path.as_deref(), &styles, &masks, u64::MAX)?;
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

/// Checks that `session`'s weights are the ones `recipe` ran with.
pub fn verify_weights(session: &StyleTransfer, recipe: &Recipe) -> Result<()> {
    let weights = session.config().weights.as_deref().context("no weights")?;
    Ok(nst::recipe::verify(weights, &recipe.weights_sha256)?)
}
