use anyhow::{Context, Result};
use image::RgbImage;

use super::args::ScoreArgs;
use super::stylize::{load_inputs, load_session};

/// `nst score`: prints the raw losses of an image.
pub fn score(args: ScoreArgs) -> Result<()> {
    let config = args.model.config()?;
    config.validate()?;
    let inputs = load_inputs(&args.model)?;
    let image = nst::io::load_rgb_with(&args.image, args.model.max_image_mib << 20)
        .context("scored image")?;
    let (session, _) = load_session(config, args.model.backend()?)?;
    let styles: Vec<&RgbImage> = inputs.styles.iter().collect();
    let scores = session.score_blend(&inputs.content, &styles, &image)?;
    if args.json {
        println!("{}", serde_json::to_string(&scores)?);
    } else {
        println!("content loss  {:.6e}", scores.content_loss);
        for (layer, value) in &scores.content_layers {
            println!("  {layer:<10}  {value:.6e}");
        }
        println!("style loss    {:.6e}", scores.style_loss);
        for (layer, value) in &scores.style_layers {
            println!("  {layer:<10}  {value:.6e}");
        }
        println!("denoise loss  {:.6e}", scores.denoise_loss);
    }
    Ok(())
}
