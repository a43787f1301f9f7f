//! The recipe of a run, embedded in the PNGs nst writes: enough to check and repeat it.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{Error, StyleTransferConfig};

/// The PNG text chunk (iTXt) that holds the recipe, as JSON.
pub const PNG_KEY: &str = "nst:recipe";

/// Everything a run depended on.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipe {
    /// The version of nst that ran it.
    pub nst_version: String,
    /// The configuration (without the device).
    pub config: StyleTransferConfig,
    /// The content image.
    pub content: Input,
    /// The style images, in blend order.
    pub styles: Vec<Input>,
    /// The style masks, one per style image, if the run had any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub style_masks: Vec<Input>,
    /// SHA-256 of the weights file.
    pub weights_sha256: String,
    /// The device it ran on, as `--backend` names it.
    pub backend: String,
}

/// An input image: where it came from and the SHA-256 of its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Input {
    /// The file, or `None` for the embedded default image.
    pub path: Option<PathBuf>,
    /// SHA-256 of the file's (or the embedded image's) bytes, in hex.
    pub sha256: String,
}

impl Recipe {
    /// The recipe as pretty JSON.
    pub fn to_json(&self) -> Result<String, Error> {
        serde_json::to_string_pretty(self).map_err(|e| Error::InvalidRecipe {
            where_: "of this run".into(),
            reason: e.to_string(),
        })
    }

    /// Reads the recipe embedded in a PNG.
    pub fn read(path: &Path) -> Result<Recipe, Error> {
        let fail = |reason: String| Error::Read {
            path: path.to_owned(),
            reason,
        };
        let file = std::fs::File::open(path).map_err(|e| fail(e.to_string()))?;
        let reader = png::Decoder::new(std::io::BufReader::new(file))
            .read_info()
            .map_err(|e| fail(e.to_string()))?;
        let chunk = reader
            .info()
            .utf8_text
            .iter()
            .find(|chunk| chunk.keyword == PNG_KEY)
            .ok_or_else(|| Error::NoRecipe(path.to_owned()))?;
        let text = chunk.get_text().map_err(|e| fail(e.to_string()))?;
        serde_json::from_str(&text).map_err(|e| Error::InvalidRecipe {
            where_: format!("in {}", path.display()),
            reason: e.to_string(),
        })
    }
}

/// SHA-256 of a byte slice, in hex.
pub fn sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// SHA-256 of a file, in hex.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 1 << 20];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            return Ok(hex(&hasher.finalize()));
        }
        hasher.update(&buffer[..n]);
    }
}

/// Checks that `path` still has the hash `expected`.
pub fn verify(path: &Path, expected: &str) -> Result<(), Error> {
    let actual = sha256_file(path).map_err(|e| Error::Read {
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    if actual != expected {
        return Err(Error::Changed {
            path: path.to_owned(),
            actual,
            expected: expected.to_owned(),
        });
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
