//! One item of a batch: a photo, its styles and configuration, and the output they make.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::recipe::{Input, Recipe};
use crate::{Precision, StyleTransferConfig};

/// One item of a [`Plan`](super::Plan): what to paint and where, as frozen at plan time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// A stable name: [`item_id`] of the inputs' hashes, the configuration and the output.
    pub id: String,
    /// Its place in the plan (items are sorted by id).
    pub position: usize,
    /// The shard it belongs to with the plan's shard count.
    pub shard: usize,
    /// The output PNG, relative to the plan's folder.
    pub output: PathBuf,
    /// The photo, with the SHA-256 it had at plan time.
    pub content: Input,
    /// The style images, in blend order, with their SHA-256 at plan time.
    pub styles: Vec<Input>,
    /// Its configuration: an index into [`Plan::configs`](super::Plan::configs).
    pub config: usize,
}

impl Item {
    /// Whether the output in `dir` is this item's, finished: a PNG whose recipe names the same
    /// inputs (by hash) and `config`, and did not stop early. `config` is the item's; an
    /// `auto` precision matches the precision the run resolved it to.
    pub fn is_done(&self, config: &StyleTransferConfig, dir: &Path) -> bool {
        Recipe::read(&dir.join(&self.output)).is_ok_and(|recipe| self.made(config, &recipe))
    }

    /// Whether `recipe` is that of this item with `config`, run to its end.
    pub fn made(&self, config: &StyleTransferConfig, recipe: &Recipe) -> bool {
        let same_styles = recipe.styles.len() == self.styles.len()
            && (recipe.styles.iter().zip(&self.styles))
                .all(|(ran, planned)| ran.sha256 == planned.sha256);
        recipe.stopped_after.is_none()
            && recipe.video.is_none()
            && recipe.content.sha256 == self.content.sha256
            && same_styles
            && same_config(config, &recipe.config)
    }
}

/// `planned` equals `ran`, an `auto` precision standing for the one that ran.
fn same_config(planned: &StyleTransferConfig, ran: &StyleTransferConfig) -> bool {
    if planned.precision() != Precision::Auto {
        return planned == ran;
    }
    let resolved = planned.to_builder().precision(ran.precision()).build();
    resolved.is_ok_and(|planned| planned == *ran)
}

/// The id of an item: 16 hex digits of the SHA-256 of its inputs' hashes, its configuration
/// and its output's name. The same item has the same id on any machine, wherever its files are.
pub fn item_id(
    content: &Input,
    styles: &[Input],
    config: &StyleTransferConfig,
    output: &Path,
) -> String {
    let styles: Vec<&str> = styles.iter().map(|s| s.sha256.as_str()).collect();
    let key = serde_json::json!([content.sha256, styles, config, output]);
    crate::recipe::sha256(key.to_string().as_bytes())[..16].to_owned()
}
