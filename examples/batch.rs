//! Paints every photo of a folder after one painting, several at once on one shared session:
//! the model is loaded once and the session is used by reference from rayon's threads.
//!
//! ```sh
//! cargo run --release --example batch -- PHOTOS_DIR PAINTING OUT_DIR
//! ```
//!
//! The weights come from the standard cache (`nst` fetches them there on first use, or call
//! `nst::weights::fetch` with the `fetch` feature).

use std::error::Error;
use std::path::{Path, PathBuf};

use nst::{StyleTransfer, StyleTransferConfig};
use rayon::prelude::*;

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [photos, painting, out] = args.as_slice() else {
        return Err("usage: batch PHOTOS_DIR PAINTING OUT_DIR".into());
    };
    let style = nst::io::load_rgb(painting)?;
    let config = StyleTransferConfig::builder().size(Some(256)).build()?;
    let session = StyleTransfer::new(config);
    session.model()?; // load the weights once, and fail before any work if they are missing
    std::fs::create_dir_all(out)?;
    images_in(photos)?
        .par_iter()
        .try_for_each(|photo| -> Result<(), nst::Error> {
            let content = nst::io::load_rgb(photo)?;
            let result = session.run(&content, &style)?;
            let name = photo.file_stem().unwrap_or(photo.as_os_str());
            let target = out.join(name).with_extension("png");
            nst::io::save(&result, &target)?;
            println!("{} -> {}", photo.display(), target.display());
            Ok(())
        })?;
    Ok(())
}

/// The files of `folder` whose extension names an image format, sorted.
fn images_in(folder: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut images = Vec::new();
    for entry in std::fs::read_dir(folder)? {
        let path = entry?.path();
        if image::ImageFormat::from_path(&path).is_ok() {
            images.push(path);
        }
    }
    images.sort();
    Ok(images)
}
