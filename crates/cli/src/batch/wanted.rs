//! What a batch is asked to paint, before its files are checked: every photo with every
//! style from folders, or the lines of a manifest.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use nst::StyleTransferConfig;
use serde::Deserialize;

use crate::args::Pairs;

/// What one item is made of, before its files are checked.
pub(super) struct Wanted {
    pub content: PathBuf,
    pub styles: Vec<PathBuf>,
    pub blend: Option<Vec<f64>>,
    /// The whole configuration, when it is not the options' (an item planned again).
    pub config: Option<StyleTransferConfig>,
    pub name: Option<PathBuf>,
}

/// A line of a manifest.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestLine {
    content: PathBuf,
    styles: Vec<PathBuf>,
    #[serde(default)]
    style_blend: Option<Vec<f64>>,
    #[serde(default)]
    output: Option<PathBuf>,
}

/// Every photo with every style (`--pairs cross`), or in order (`zip`).
pub(super) fn from_folders(
    transfer: &crate::args::TransferArgs,
    pairs: Pairs,
    problems: &mut Vec<String>,
) -> Result<Vec<Wanted>> {
    let Some(content) = &transfer.model.content else {
        bail!("--content: name the photos (a folder or a file), or give --manifest");
    };
    let photos = images_in(std::slice::from_ref(content), problems);
    let styles = match transfer.model.style.as_slice() {
        [] => bail!("--style: name the styles (folders or files), or give --manifest"),
        styles => images_in(styles, problems),
    };
    let item = |content: &PathBuf, style: &PathBuf| Wanted {
        content: content.clone(),
        styles: vec![style.clone()],
        blend: None,
        config: None,
        name: None,
    };
    Ok(match pairs {
        Pairs::Cross => photos
            .iter()
            .flat_map(|photo| styles.iter().map(move |style| item(photo, style)))
            .collect(),
        Pairs::Zip => {
            if photos.len() != styles.len() {
                problems.push(format!(
                    "--pairs zip: {} photos but {} styles; zip pairs them one to one",
                    photos.len(),
                    styles.len()
                ));
            }
            photos
                .iter()
                .zip(&styles)
                .map(|(p, s)| item(p, s))
                .collect()
        }
    })
}

/// The image files named: files as they are, folders' files with an image extension, sorted.
fn images_in(paths: &[PathBuf], problems: &mut Vec<String>) -> Vec<PathBuf> {
    const EXTENSIONS: [&str; 8] = ["png", "jpg", "jpeg", "webp", "tif", "tiff", "bmp", "gif"];
    let mut found = Vec::new();
    for path in paths {
        if !path.is_dir() {
            found.push(path.clone());
            continue;
        }
        let listed = std::fs::read_dir(path).and_then(|entries| {
            entries
                .map(|entry| entry.map(|e| e.path()))
                .collect::<std::io::Result<Vec<_>>>()
        });
        let mut files: Vec<PathBuf> = match listed {
            Ok(files) => files,
            Err(error) => {
                problems.push(format!("{}: cannot list it: {error}", path.display()));
                continue;
            }
        };
        files.retain(|file| {
            let ext = file
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or_default();
            file.is_file() && EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str())
        });
        if files.is_empty() {
            problems.push(format!("{}: a folder with no images", path.display()));
        }
        files.sort();
        found.extend(files);
    }
    found
}

/// The items of a manifest; a line that cannot be read is a problem of its own.
pub(super) fn from_manifest(manifest: &Path, problems: &mut Vec<String>) -> Result<Vec<Wanted>> {
    let text = std::fs::read_to_string(manifest)
        .with_context(|| format!("--manifest: cannot read {}", manifest.display()))?;
    let base = manifest.parent().unwrap_or(Path::new("."));
    let mut wanted = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<ManifestLine>(line) {
            Ok(item) if item.styles.is_empty() => {
                problems.push(format!(
                    "{} line {}: no styles",
                    manifest.display(),
                    number + 1
                ));
            }
            Ok(item) => wanted.push(Wanted {
                content: base.join(item.content),
                styles: item.styles.into_iter().map(|s| base.join(s)).collect(),
                blend: item.style_blend,
                config: None,
                name: item.output,
            }),
            Err(error) => problems.push(format!(
                "{} line {}: {error}",
                manifest.display(),
                number + 1
            )),
        }
    }
    Ok(wanted)
}
