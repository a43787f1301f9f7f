use anyhow::{Context, Result};
use nst_options::load_inputs;

use crate::args::ScoreArgs;
use crate::session::load_session;

/// `nst score`: prints the raw losses of an image.
pub fn score(args: ScoreArgs) -> Result<()> {
    let config = args.model.config()?;
    let inputs = load_inputs(&args.model)?;
    let image = nst::io::load_rgb_with(&args.image, args.model.max_image_mib << 20)
        .context("scored image")?;
    let (session, _) = load_session(config, args.model.backend()?, args.model.weights())?;
    let session = inputs.onto(session.with_tile(args.model.tile));
    let scores = session.score(&inputs.content, &inputs.styles(), &image)?;
    if args.json {
        println!("{}", serde_json::to_string(&scores)?);
    } else {
        for term in &scores.terms {
            println!("{:<13} {:.6e}", format!("{} loss", term.term), term.value);
            for (layer, value) in &term.layers {
                println!("  {layer:<10}  {value:.6e}");
            }
        }
        for (number, region) in scores.regions.iter().enumerate() {
            println!("style loss in region {} {:.6e}", number + 1, region.value);
        }
    }
    Ok(())
}
