//! What a batch's tasks leave in its hidden folder besides outputs: each item's checkpoint,
//! each failed item's record, and each task's stats. Every file is written atomically; none
//! is a lock: losing one costs at most a repainted item.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use nst::batch::{Item, Plan, STATE_DIR};
use serde::{Deserialize, Serialize};

/// The checkpoint of `item` while it is being painted.
pub fn checkpoint_path(dir: &Path, item: &Item) -> PathBuf {
    dir.join(STATE_DIR)
        .join("checkpoints")
        .join(format!("{}.ckpt", item.id))
}

/// Why an item failed, kept until it is painted.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Failure {
    pub id: String,
    pub output: PathBuf,
    pub content: Option<PathBuf>,
    pub styles: Vec<Option<PathBuf>>,
    /// The error, on one line.
    pub error: String,
    /// The task that saw it (`slurm job 12_3 on node1`).
    pub task: String,
    /// When, in seconds since the Unix epoch.
    pub at: u64,
}

fn failure_path(dir: &Path, id: &str) -> PathBuf {
    dir.join(STATE_DIR)
        .join("failed")
        .join(format!("{id}.json"))
}

impl Failure {
    /// The failure of `item`, seen by `task`.
    pub fn new(item: &Item, error: &anyhow::Error, task: &str) -> Self {
        Self {
            id: item.id.clone(),
            output: item.output.clone(),
            content: item.content.path.clone(),
            styles: item.styles.iter().map(|s| s.path.clone()).collect(),
            error: nst_options::one_line(error),
            task: task.to_owned(),
            at: now(),
        }
    }

    /// Writes the record into `dir`'s hidden folder.
    pub fn write(&self, dir: &Path) -> Result<()> {
        write_json(&failure_path(dir, &self.id), self)
    }

    /// The record of item `id` in `dir`, if it failed.
    pub fn read(dir: &Path, id: &str) -> Option<Self> {
        let bytes = std::fs::read(failure_path(dir, id)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Removes the record of item `id`, if there is one.
    pub fn clear(dir: &Path, id: &str) {
        let _ = std::fs::remove_file(failure_path(dir, id));
    }
}

/// What one task did, rewritten after each item.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskStats {
    /// `I/N`.
    pub shard: String,
    /// The scheduler's name for it (`slurm job 12_3`), and its host.
    pub task: String,
    pub host: String,
    /// SLURM's restart count (0 on the first run).
    pub attempt: usize,
    /// Its items in the plan's shard.
    pub items: usize,
    pub painted: usize,
    pub skipped: usize,
    pub failed: usize,
    /// Items resumed from a checkpoint.
    pub resumed: usize,
    /// Seconds each painted item took, loading its inputs included.
    pub seconds: Vec<f64>,
    /// When it started and last wrote this, in seconds since the Unix epoch.
    pub started: u64,
    pub updated: u64,
    /// `running`, `finished`, or `stopped by SIGUSR1`.
    pub state: String,
}

impl TaskStats {
    fn path(&self, dir: &Path) -> PathBuf {
        let name = format!(
            "{}-{}-{}.json",
            self.shard.replace('/', "-of-"),
            self.started,
            std::process::id()
        );
        dir.join(STATE_DIR).join("tasks").join(name)
    }

    /// Writes the stats into `dir`'s hidden folder, stamped now.
    pub fn write(&mut self, dir: &Path) -> Result<()> {
        self.updated = now();
        write_json(&self.path(dir), self)
    }

    /// Every task's stats in `dir`, oldest first.
    pub fn read_all(dir: &Path) -> Vec<Self> {
        let Ok(entries) = std::fs::read_dir(dir.join(STATE_DIR).join("tasks")) else {
            return Vec::new();
        };
        let mut all: Vec<Self> = entries
            .filter_map(|entry| std::fs::read(entry.ok()?.path()).ok())
            .filter_map(|bytes| serde_json::from_slice(&bytes).ok())
            .collect();
        all.sort_by_key(|stats| stats.started);
        all
    }
}

/// Seconds since the Unix epoch.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// This machine's name.
pub fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|name| name.trim().to_owned())
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .unwrap_or_else(|| "unknown host".to_owned())
}

fn write_json(path: &Path, value: &impl Serialize) -> Result<()> {
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder)
            .with_context(|| format!("cannot create {}", folder.display()))?;
    }
    let bytes = serde_json::to_vec_pretty(value)?;
    nst::io::write_atomic(path, |w| w.write_all(&bytes))?;
    Ok(())
}

/// The failed items of the batch in `dir`, as items to plan again from their files as they
/// are now, under the same output names and options; and the batch's settings.
pub(super) fn failed_items(dir: &Path) -> Result<(Vec<super::wanted::Wanted>, super::Settings)> {
    let plan = Plan::read(dir)?;
    let mut wanted = Vec::new();
    for item in &plan.items {
        if Failure::read(dir, &item.id).is_none() {
            continue;
        }
        let path = |input: &nst::recipe::Input| {
            input
                .path
                .clone()
                .context("an item without a file (the embedded images)")
        };
        wanted.push(super::wanted::Wanted {
            content: path(&item.content)?,
            styles: item.styles.iter().map(path).collect::<Result<_>>()?,
            blend: None,
            config: Some(plan.config(item).clone()),
            name: Some(PathBuf::from(item.output.file_name().unwrap_or_default())),
        });
    }
    if wanted.is_empty() {
        anyhow::bail!(
            "--retry-failed: no item of the batch in {} has failed",
            dir.display()
        );
    }
    let settings = serde_json::from_value(plan.settings.clone())
        .with_context(|| format!("the plan in {} was made by another nst", dir.display()))?;
    Ok((wanted, settings))
}
