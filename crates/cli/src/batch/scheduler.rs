//! What a cluster scheduler tells a task: its shard (SLURM's or Kubernetes' variables), who
//! and which attempt it is, and the signals that stop it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result, bail};
use nst::batch::Shard;

/// The shard `--shard` names: `I/N`, or `auto` from the environment `var` reads.
pub fn shard(arg: &str, plan_shards: usize, var: impl Fn(&str) -> Option<String>) -> Result<Shard> {
    if arg != "auto" {
        return arg.parse().context("--shard");
    }
    let number = |name: &str| -> Result<Option<usize>> {
        var(name)
            .map(|value| {
                value
                    .trim()
                    .parse()
                    .with_context(|| format!("--shard auto: {name}={value} is not a number"))
            })
            .transpose()
    };
    if let Some(id) = number("SLURM_ARRAY_TASK_ID")? {
        let min = number("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
        let Some(count) = number("SLURM_ARRAY_TASK_COUNT")? else {
            bail!("--shard auto: SLURM_ARRAY_TASK_ID is set but not SLURM_ARRAY_TASK_COUNT");
        };
        if id < min {
            bail!("--shard auto: SLURM_ARRAY_TASK_ID {id} is below SLURM_ARRAY_TASK_MIN {min}");
        }
        return Shard::new(id - min, count).context("--shard auto (SLURM's array)");
    }
    if let Some(index) = number("JOB_COMPLETION_INDEX")? {
        return Shard::new(index, plan_shards).context("--shard auto (JOB_COMPLETION_INDEX)");
    }
    bail!(
        "--shard auto: neither SLURM_ARRAY_TASK_ID (a SLURM job array) nor JOB_COMPLETION_INDEX \
         (a Kubernetes Indexed Job) is set; give --shard I/N"
    )
}

/// This task as the scheduler names it: `slurm job 123_4`, `kubernetes pod nst-batch-2-x7k`,
/// or `pid 4242`; and its attempt (SLURM's restart count, from 0).
pub fn task_name() -> (String, usize) {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let attempt = var("SLURM_RESTART_COUNT")
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let name = match (
        var("SLURM_ARRAY_JOB_ID"),
        var("SLURM_ARRAY_TASK_ID"),
        var("SLURM_JOB_ID"),
    ) {
        (Some(array), Some(task), _) => format!("slurm job {array}_{task}"),
        (_, _, Some(job)) => format!("slurm job {job}"),
        _ if var("JOB_COMPLETION_INDEX").is_some() => {
            format!("kubernetes pod {}", var("HOSTNAME").unwrap_or_default())
        }
        _ => format!("pid {}", std::process::id()),
    };
    (name, attempt)
}

/// The signals that stop a task, caught: SIGTERM (a cancel, a time limit, an eviction), SIGINT
/// (Ctrl-C) and on Unix SIGUSR1 (SLURM's warning before a time limit, `--signal=B:USR1@…`).
pub struct StopSignals {
    caught: Arc<AtomicUsize>,
}

/// The signals caught, with their names.
#[cfg(unix)]
const SIGNALS: [(i32, &str); 3] = [
    (signal_hook::consts::SIGTERM, "SIGTERM"),
    (signal_hook::consts::SIGINT, "SIGINT"),
    (signal_hook::consts::SIGUSR1, "SIGUSR1"),
];
#[cfg(not(unix))]
const SIGNALS: [(i32, &str); 2] = [
    (signal_hook::consts::SIGTERM, "SIGTERM"),
    (signal_hook::consts::SIGINT, "SIGINT"),
];

impl StopSignals {
    /// Catches the signals from now on.
    pub fn catch() -> Result<Self> {
        let caught = Arc::new(AtomicUsize::new(0));
        for (signal, _) in SIGNALS {
            // The number stored is the signal's, so that the message can name it.
            signal_hook::flag::register_usize(signal, Arc::clone(&caught), signal as usize)
                .context("cannot catch the scheduler's signals")?;
        }
        Ok(Self { caught })
    }

    /// The signal caught, if any.
    pub fn caught(&self) -> Option<&'static str> {
        let number = self.caught.load(Ordering::SeqCst);
        SIGNALS
            .iter()
            .find(|(signal, _)| *signal as usize == number)
            .map(|(_, name)| *name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn explicit_shards() {
        assert_eq!(
            shard("2/5", 9, env(&[])).unwrap(),
            Shard::new(2, 5).unwrap()
        );
        assert!(shard("5/5", 9, env(&[])).is_err());
    }

    #[test]
    fn slurm_array_offset_by_its_minimum() {
        let vars = [
            ("SLURM_ARRAY_TASK_ID", "12"),
            ("SLURM_ARRAY_TASK_MIN", "10"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ];
        assert_eq!(
            shard("auto", 9, env(&vars)).unwrap(),
            Shard::new(2, 4).unwrap()
        );
        let from_zero = [
            ("SLURM_ARRAY_TASK_ID", "3"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ];
        assert_eq!(
            shard("auto", 9, env(&from_zero)).unwrap(),
            Shard::new(3, 4).unwrap()
        );
        let no_count = [("SLURM_ARRAY_TASK_ID", "3")];
        assert!(shard("auto", 9, env(&no_count)).is_err());
    }

    #[test]
    fn kubernetes_index_of_the_plans_shards() {
        let vars = [("JOB_COMPLETION_INDEX", "6")];
        assert_eq!(
            shard("auto", 9, env(&vars)).unwrap(),
            Shard::new(6, 9).unwrap()
        );
        assert!(shard("auto", 6, env(&vars)).is_err());
    }

    #[test]
    fn auto_without_a_scheduler_names_the_option() {
        let error = shard("auto", 3, env(&[])).unwrap_err().to_string();
        assert!(error.contains("--shard"), "{error}");
        let bad = [("JOB_COMPLETION_INDEX", "x")];
        assert!(shard("auto", 3, env(&bad)).is_err());
    }
}
