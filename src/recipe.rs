//! The recipe of a run, embedded in the PNGs nst writes: enough to check and repeat it.
//!
//! A recipe is data: reading one opens no file but the PNG it is read from. The paths in it
//! are where the inputs came from, for a program (the `nst` command) to open and check
//! against their hashes when it reruns the recipe.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use image::RgbImage;

use crate::{Error, StyleTransferConfig, VideoConfig};

/// The PNG text chunk (iTXt) that holds the recipe, as JSON.
pub const PNG_KEY: &str = "nst:recipe";

/// The longest recipe read from a PNG, in bytes.
const MAX_RECIPE_BYTES: usize = 1 << 20;

/// Everything a run depended on.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipe {
    /// The version of nst that ran it.
    pub nst_version: String,
    /// The configuration.
    pub config: StyleTransferConfig,
    /// The content image.
    pub content: Input,
    /// The style images, in blend order.
    pub styles: Vec<Input>,
    /// The style masks, one per style image, if the run had any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub style_masks: Vec<Input>,
    /// The image the run started from, when the configuration's init is
    /// [`Init::Image`](crate::Init::Image).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init_image: Option<Input>,
    /// The weights file the model was loaded from, if it was a file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weights: Option<PathBuf>,
    /// SHA-256 of the weights.
    pub weights_sha256: String,
    /// The tile side, if the run evaluated VGG-16 in tiles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tile: Option<u32>,
    /// The device it ran on, as `--backend` names it.
    pub backend: String,
    /// For a frame of a clip (`nst video`): which frame, and how the clip's frames after the
    /// first were painted. Its `content` then names the clip and hashes this frame's pixels
    /// ([`sha256_pixels`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video: Option<VideoFrame>,
    /// The iteration the run stopped after, when it stopped before its last (Ctrl-C, a time
    /// limit, Stop on `nst serve`'s page), counted over all scales as
    /// [`Progress::iteration`](crate::Progress) counts; a rerun stops there too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped_after: Option<usize>,
}

/// Where a frame of a clip stands in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VideoFrame {
    /// The frame's index, from 0 (messages count frames from 1, as the file names do).
    pub frame: usize,
    /// How the frames after the first were painted.
    pub video: VideoConfig,
}

/// An input image: where it came from and the SHA-256 of its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Input {
    /// The file, or `None` for the embedded default image.
    pub path: Option<PathBuf>,
    /// SHA-256 of the file's (or the embedded image's) bytes, in hex; empty for an initial
    /// image in a recipe written before nst 0.2, which did not hash it.
    pub sha256: String,
}

impl Recipe {
    /// This recipe with no folder of this machine in it, for one that leaves it (`nst serve`'s
    /// results): a path under `folder` relative to it, any other (the weights' in a cache)
    /// reduced to its file name. The hashes stay, so a rerun from files laid out alike, in
    /// its working folder, still checks them; weights that are not there are taken from the
    /// cache, checked against the hash.
    pub fn with_paths_relative_to(&self, folder: &Path) -> Recipe {
        let local = |path: &Path| match path.strip_prefix(folder) {
            Ok(inside) => inside.to_owned(),
            Err(_) => path.file_name().map(PathBuf::from).unwrap_or_default(),
        };
        let input = |input: &Input| Input {
            path: input.path.as_deref().map(local),
            sha256: input.sha256.clone(),
        };
        Recipe {
            content: input(&self.content),
            styles: self.styles.iter().map(input).collect(),
            style_masks: self.style_masks.iter().map(input).collect(),
            init_image: self.init_image.as_ref().map(input),
            weights: self.weights.as_deref().map(local),
            ..self.clone()
        }
    }

    /// This recipe, for the image of a run that stopped after iteration `done` of `total`:
    /// [`stopped_after`](Self::stopped_after) is set when `done < total`.
    pub fn stopped_at(&self, done: usize, total: usize) -> Recipe {
        Recipe {
            stopped_after: (done < total).then_some(done),
            ..self.clone()
        }
    }

    /// The recipe as pretty JSON.
    pub fn to_json(&self) -> Result<String, Error> {
        serde_json::to_string_pretty(self).map_err(|source| Error::InvalidRecipe {
            where_: "of this run".into(),
            source,
        })
    }

    /// Reads a recipe from its JSON, validating its configuration. Recipes written before
    /// nst 0.2 kept the weights' path, the tile and the initial image's path in the
    /// configuration; they are moved to the recipe's own fields.
    pub fn from_json(json: &str) -> Result<Recipe, serde_json::Error> {
        let mut value: Value = serde_json::from_str(json)?;
        upgrade(&mut value);
        serde_json::from_value(value)
    }

    /// Reads the recipe embedded in a PNG.
    pub fn read(path: &Path) -> Result<Recipe, Error> {
        let file = std::fs::File::open(path).map_err(|source| Error::Read {
            path: path.to_owned(),
            source,
        })?;
        Recipe::from_png(std::io::BufReader::new(file), path)
    }

    /// Reads the recipe embedded in the PNG `png`, which errors call `path` (its file, or a
    /// name such as `upload.png`).
    pub fn from_png(
        png: impl std::io::BufRead + std::io::Seek,
        path: &Path,
    ) -> Result<Recipe, Error> {
        let png_error = |source| Error::Png {
            path: path.to_owned(),
            source,
        };
        let reader = png::Decoder::new(png).read_info().map_err(png_error)?;
        let mut chunk = reader
            .info()
            .utf8_text
            .iter()
            .find(|chunk| chunk.keyword == PNG_KEY)
            .ok_or_else(|| Error::NoRecipe(path.to_owned()))?
            .clone();
        // A compressed chunk could inflate to any size: a recipe is a few KiB.
        chunk
            .decompress_text_with_limit(MAX_RECIPE_BYTES)
            .map_err(png_error)?;
        let text = chunk.get_text().map_err(png_error)?;
        Recipe::from_json(&text).map_err(|source| Error::InvalidRecipe {
            where_: format!("in {}", path.display()),
            source,
        })
    }
}

/// Moves what recipes before nst 0.2 kept in the configuration to the recipe's own fields:
/// `config.weights` (a path), `config.tile`, and `config.init: {"image": PATH}`.
fn upgrade(recipe: &mut Value) {
    let Some(config) = recipe.get_mut("config").and_then(Value::as_object_mut) else {
        return;
    };
    let weights = config.remove("weights").filter(|v| !v.is_null());
    let tile = config.remove("tile").filter(|v| !v.is_null());
    let init_image = match config.get_mut("init") {
        Some(init) => match init.get("image").cloned() {
            Some(path) => {
                *init = Value::from("image");
                Some(serde_json::json!({ "path": path, "sha256": "" }))
            }
            None => None,
        },
        None => None,
    };
    let Some(recipe) = recipe.as_object_mut() else {
        return;
    };
    for (key, value) in [
        ("weights", weights),
        ("tile", tile),
        ("init_image", init_image),
    ] {
        if let Some(value) = value {
            recipe.entry(key).or_insert(value);
        }
    }
}

/// SHA-256 of a byte slice, in hex.
pub fn sha256(bytes: &[u8]) -> String {
    nst_vgg16::weights::sha256_hex(bytes)
}

/// SHA-256 of an image's decoded pixels (its width and height as little-endian `u32`s, then
/// its RGB bytes row by row), in hex: what a clip's frame is recorded by.
pub fn sha256_pixels(image: &RgbImage) -> String {
    let mut bytes = Vec::with_capacity(8 + image.as_raw().len());
    bytes.extend_from_slice(&image.width().to_le_bytes());
    bytes.extend_from_slice(&image.height().to_le_bytes());
    bytes.extend_from_slice(image.as_raw());
    sha256(&bytes)
}

/// SHA-256 of a file, in hex.
pub fn sha256_file(path: &Path) -> Result<String, Error> {
    nst_vgg16::weights::sha256_file(path).map_err(|error| match error {
        nst_vgg16::Error::Io { path, source } => Error::Read { path, source },
        other => Error::Transfer(other.into()),
    })
}

/// Checks that `path` still has the hash `expected`.
pub fn verify(path: &Path, expected: &str) -> Result<(), Error> {
    let actual = sha256_file(path)?;
    if actual != expected {
        return Err(Error::Changed {
            path: path.to_owned(),
            actual,
            expected: expected.to_owned(),
        });
    }
    Ok(())
}
