//! A batch's plan: its items, sorted and dealt into shards, written into the batch's folder
//! with its own hash.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::item::{Item, item_id};
use crate::recipe::Input;
use crate::{Error, StyleTransferConfig};

/// The plan's header in the batch's folder: its shard count, configurations, settings and
/// hash. Its items are in [`ITEMS_FILE`], one JSON object a line.
pub const PLAN_FILE: &str = "plan.json";

/// The plan's items in the batch's folder, one JSON object a line.
const ITEMS_FILE: &str = "plan.jsonl";

/// The hidden folder of a batch's folder where its tasks keep checkpoints, failures and stats.
pub const STATE_DIR: &str = ".nst-batch";

/// Outputs of plans with more items than this are fanned out into 256 subfolders named by
/// the first two hex digits of their item's id (shared file systems slow down with tens of
/// thousands of files in one folder).
pub const FAN_OUT_ABOVE: usize = 1000;

/// The plan format this version writes and reads.
const FORMAT: u32 = 1;

/// A batch, frozen: its items sorted by id and dealt into shards.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The number of shards its items are dealt into (by [`Shard`](super::Shard)'s rule).
    pub shards: usize,
    /// The configurations its items name, each once.
    pub configs: Vec<StyleTransferConfig>,
    /// Settings of the program that runs it (how often to checkpoint, the backend…), kept as
    /// given: the library does not read them.
    pub settings: serde_json::Value,
    /// The items, sorted by id; an item's `position` is its index here.
    pub items: Vec<Item>,
    hash: String,
}

/// What a plan is made from: an item before it has an id and a place.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The photo.
    pub content: Input,
    /// The style images, in blend order.
    pub styles: Vec<Input>,
    /// An index into the plan's configurations.
    pub config: usize,
    /// The output's file name (fanned out into a subfolder in large plans).
    pub name: PathBuf,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    format: u32,
    shards: usize,
    items: usize,
    configs: Vec<StyleTransferConfig>,
    settings: serde_json::Value,
    sha256: String,
}

impl Plan {
    /// A plan of `entries` in `shards` shards, or [`Error::PlanRefused`] listing every pair of
    /// entries that would write one output, and any entry naming a configuration that is not
    /// in `configs`.
    pub fn new(
        entries: Vec<Entry>,
        configs: Vec<StyleTransferConfig>,
        shards: usize,
        settings: serde_json::Value,
    ) -> Result<Self, Error> {
        let mut problems = Vec::new();
        if shards == 0 {
            problems.push("the shard count must be at least 1".to_owned());
        }
        let mut outputs: HashMap<&Path, &Entry> = HashMap::new();
        for entry in &entries {
            if entry.config >= configs.len() {
                problems.push(format!(
                    "{}: no configuration {}",
                    entry.name.display(),
                    entry.config
                ));
            }
            if let Some(first) = outputs.insert(&entry.name, entry) {
                problems.push(format!(
                    "{}: two items write it ({} and {})",
                    entry.name.display(),
                    shown(&first.content),
                    shown(&entry.content)
                ));
            }
        }
        if !problems.is_empty() {
            return Err(Error::PlanRefused(problems));
        }
        let fan_out = entries.len() > FAN_OUT_ABOVE;
        let mut items: Vec<Item> = entries
            .into_iter()
            .map(|entry| {
                let id = item_id(
                    &entry.content,
                    &entry.styles,
                    &configs[entry.config],
                    &entry.name,
                );
                let output = match fan_out {
                    true => Path::new(&id[..2]).join(&entry.name),
                    false => entry.name,
                };
                Item {
                    id,
                    position: 0,
                    shard: 0,
                    output,
                    content: entry.content,
                    styles: entry.styles,
                    config: entry.config,
                }
            })
            .collect();
        items.sort_by(|a, b| a.id.cmp(&b.id).then_with(|| a.output.cmp(&b.output)));
        for (position, item) in items.iter_mut().enumerate() {
            item.position = position;
            item.shard = position % shards;
        }
        let mut plan = Self {
            shards,
            configs,
            settings,
            items,
            hash: String::new(),
        };
        plan.hash = plan.encode()?.2;
        Ok(plan)
    }

    /// The plan's hash: the SHA-256 of its header (without the hash) and items as written.
    pub fn hash(&self) -> &str {
        &self.hash
    }

    /// The configuration of `item`.
    pub fn config(&self, item: &Item) -> &StyleTransferConfig {
        &self.configs[item.config]
    }

    /// Writes the plan into `dir` (created if missing): the items, then the header, each
    /// atomically.
    pub fn write(&self, dir: &Path) -> Result<(), Error> {
        std::fs::create_dir_all(dir).map_err(|source| Error::Write {
            path: dir.to_owned(),
            source,
        })?;
        let (header, items, _) = self.encode()?;
        crate::io::write_atomic(&dir.join(ITEMS_FILE), |w| w.write_all(&items))?;
        crate::io::write_atomic(&dir.join(PLAN_FILE), |w| w.write_all(&header))
    }

    /// Reads the plan in `dir`, checking its hash and every item's place.
    pub fn read(dir: &Path) -> Result<Self, Error> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read(&path).map_err(|source| Error::Read { path, source })
        };
        let bad = |reason: String| Error::BadPlan {
            dir: dir.to_owned(),
            reason,
        };
        let header: Header = serde_json::from_slice(&read(PLAN_FILE)?)
            .map_err(|e| bad(format!("{PLAN_FILE}: {e}")))?;
        if header.format != FORMAT {
            return Err(bad(format!(
                "format {} (this nst reads {FORMAT})",
                header.format
            )));
        }
        let bytes = read(ITEMS_FILE)?;
        let mut items = Vec::with_capacity(header.items);
        for (number, line) in bytes
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .enumerate()
        {
            let item: Item = serde_json::from_slice(line)
                .map_err(|e| bad(format!("{ITEMS_FILE} line {}: {e}", number + 1)))?;
            if item.position != number || item.config >= header.configs.len() {
                return Err(bad(format!(
                    "{ITEMS_FILE} line {}: out of place",
                    number + 1
                )));
            }
            items.push(item);
        }
        let plan = Self {
            shards: header.shards,
            configs: header.configs,
            settings: header.settings,
            items,
            hash: header.sha256,
        };
        let (_, _, hash) = plan.encode()?;
        if plan.items.len() != header.items || hash != plan.hash || plan.shards == 0 {
            return Err(bad(
                "its files do not match its hash (edited by hand?)".to_owned()
            ));
        }
        Ok(plan)
    }

    /// The header's and the items' bytes, and the hash of both.
    fn encode(&self) -> Result<(Vec<u8>, Vec<u8>, String), Error> {
        let json = |e| Error::InvalidRecipe {
            where_: "of this plan".into(),
            source: e,
        };
        let mut items = Vec::new();
        for item in &self.items {
            serde_json::to_writer(&mut items, item).map_err(json)?;
            items.push(b'\n');
        }
        let mut header = Header {
            format: FORMAT,
            shards: self.shards,
            items: self.items.len(),
            configs: self.configs.clone(),
            settings: self.settings.clone(),
            sha256: String::new(),
        };
        let unsigned = serde_json::to_vec(&header).map_err(json)?;
        header.sha256 = crate::recipe::sha256(&[unsigned, items.clone()].concat());
        let mut bytes = serde_json::to_vec_pretty(&header).map_err(json)?;
        bytes.push(b'\n');
        Ok((bytes, items, header.sha256))
    }
}

fn shown(input: &Input) -> String {
    input.path.as_ref().map_or_else(
        || "the default photo".to_owned(),
        |p| p.display().to_string(),
    )
}

#[cfg(test)]
mod tests;
