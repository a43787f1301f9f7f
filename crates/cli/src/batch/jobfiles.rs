//! The job files of `scripts/slurm` and `deploy/kubernetes`, filled in for a plan: the
//! committed files are the templates, so what `nst batch plan` prints cannot drift from them.

use std::path::Path;

use nst::batch::{Plan, STATE_DIR};

/// `scripts/slurm/nst-batch.sbatch`.
pub const SBATCH: &str = include_str!("../../../../scripts/slurm/nst-batch.sbatch");

/// `deploy/kubernetes/nst-batch-job.yaml`.
pub const KUBERNETES: &str = include_str!("../../../../deploy/kubernetes/nst-batch-job.yaml");

/// The `sbatch` command that submits `plan`'s shards as an array, `at_once` at a time.
pub fn sbatch_command(plan: &Plan, dir: &Path, at_once: u64) -> String {
    format!(
        "sbatch --array={} --output={} scripts/slurm/nst-batch.sbatch {} {}",
        array(plan, at_once),
        shell_word(&log_pattern(dir)),
        shell_word(&dir.display().to_string()),
        plan.hash()
    )
}

/// The sbatch file with `plan`'s array, log folder, folder and hash filled in.
pub fn sbatch(plan: &Plan, dir: &Path, at_once: u64) -> String {
    let dir_word = shell_word(&dir.display().to_string());
    fill(SBATCH, |line| match line {
        _ if line.starts_with("#SBATCH --array=") => {
            Some(format!("#SBATCH --array={}", array(plan, at_once)))
        }
        // SLURM reads #SBATCH lines without a shell: no quotes there.
        _ if line.starts_with("#SBATCH --output=") => {
            Some(format!("#SBATCH --output={}", log_pattern(dir)))
        }
        "dir=${1:-}" => Some(format!("dir=${{1:-{dir_word}}}")),
        "plan=${2:-}" => Some(format!("plan=${{2:-{}}}", plan.hash())),
        _ => None,
    })
}

/// The Indexed Job with `plan`'s shard count, folder and hash filled in.
pub fn kubernetes(plan: &Plan, dir: &Path) -> String {
    let command = serde_json::json!([
        "nst",
        "batch",
        "run",
        dir,
        "--shard",
        "auto",
        "--plan",
        plan.hash()
    ]);
    fill(KUBERNETES, |line| {
        let indent = &line[..line.len() - line.trim_start().len()];
        match line.trim_start() {
            trimmed if trimmed.starts_with("completions:") => {
                Some(format!("{indent}completions: {}", plan.shards))
            }
            trimmed if trimmed.starts_with("parallelism:") => {
                Some(format!("{indent}parallelism: {}", plan.shards.min(10)))
            }
            trimmed if trimmed.starts_with("command:") => {
                let items: Vec<String> = command
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|v| v.to_string())
                    .collect();
                Some(format!("{indent}command: [{}]", items.join(", ")))
            }
            _ => None,
        }
    })
}

/// `0-9%50`: the array of `plan`'s shards.
fn array(plan: &Plan, at_once: u64) -> String {
    format!("0-{}%{at_once}", plan.shards - 1)
}

/// Where each task's log goes: `OUTDIR/.nst-batch/logs/JOB_TASK.log`.
fn log_pattern(dir: &Path) -> String {
    format!("{}/{STATE_DIR}/logs/%A_%a.log", dir.display())
}

/// `template` with each line that `replace` answers for replaced.
fn fill(template: &str, replace: impl Fn(&str) -> Option<String>) -> String {
    let mut filled = String::with_capacity(template.len() + 256);
    for line in template.lines() {
        filled.push_str(&replace(line).unwrap_or_else(|| line.to_owned()));
        filled.push('\n');
    }
    filled
}

/// `word` quoted for a POSIX shell when it needs it.
fn shell_word(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+%:,=@".contains(c);
    match word.chars().all(plain) && !word.is_empty() {
        true => word.to_owned(),
        false => format!("'{}'", word.replace('\'', r"'\''")),
    }
}
