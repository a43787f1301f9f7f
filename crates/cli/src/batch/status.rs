//! `nst batch status`: the batch's state, merged from its files on demand.

use std::path::Path;

use anyhow::Result;
use nst::batch::Plan;
use serde::Serialize;

use super::records::{Failure, TaskStats, checkpoint_path, now};
use crate::args::StatusArgs;

/// The state of a batch.
#[derive(Debug, Default, Serialize)]
struct Status {
    plan: String,
    items: usize,
    shards: usize,
    done: usize,
    in_progress: usize,
    failed: usize,
    pending: usize,
    /// Tasks that have written stats, and those of them still running.
    tasks: usize,
    running: usize,
    /// Items painted per hour, from the first task's start to the last stats written.
    items_per_hour: Option<f64>,
    /// Mean seconds an item took in a task.
    seconds_per_item: Option<f64>,
    /// Hours left at that pace.
    hours_left: Option<f64>,
    failures: Vec<Failure>,
}

/// `nst batch status OUTDIR`.
pub fn status(args: StatusArgs) -> Result<()> {
    let status = read(&args.dir)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&status)?);
        return Ok(());
    }
    println!(
        "plan {}: {} items in {} shards",
        status.plan, status.items, status.shards
    );
    println!(
        "done {}  in progress {}  failed {}  pending {}",
        status.done, status.in_progress, status.failed, status.pending
    );
    let mut pace = format!("tasks seen {} ({} running)", status.tasks, status.running);
    if let (Some(rate), Some(seconds)) = (status.items_per_hour, status.seconds_per_item) {
        pace += &format!("; {rate:.0} items an hour, {seconds:.1} s an item in a task");
    }
    if let Some(hours) = status.hours_left {
        pace += &format!("; about {} left at this pace", duration(hours));
    }
    println!("{pace}");
    for failure in &status.failures {
        println!(
            "failed {}: {} ({})",
            failure.output.display(),
            failure.error,
            failure.task
        );
    }
    if status.failed > 0 {
        println!(
            "once the inputs are fixed: nst batch plan --retry-failed {} -o NEW_OUTDIR",
            args.dir.display()
        );
    }
    Ok(())
}

fn read(dir: &Path) -> Result<Status> {
    let plan = Plan::read(dir)?;
    let mut status = Status {
        plan: plan.hash().to_owned(),
        items: plan.items.len(),
        shards: plan.shards,
        ..Status::default()
    };
    for item in &plan.items {
        if item.is_done(plan.config(item), dir) {
            status.done += 1;
        } else if let Some(failure) = Failure::read(dir, &item.id) {
            status.failed += 1;
            status.failures.push(failure);
        } else if checkpoint_path(dir, item).is_file() {
            status.in_progress += 1;
        } else {
            status.pending += 1;
        }
    }
    let tasks = TaskStats::read_all(dir);
    status.tasks = tasks.len();
    status.running = tasks.iter().filter(|t| t.state == "running").count();
    let seconds: Vec<f64> = tasks
        .iter()
        .flat_map(|t| t.seconds.iter().copied())
        .collect();
    if !seconds.is_empty() {
        status.seconds_per_item = Some(seconds.iter().sum::<f64>() / seconds.len() as f64);
        let first = tasks.iter().map(|t| t.started).min().unwrap_or(0);
        let last = tasks
            .iter()
            .map(|t| t.updated)
            .max()
            .unwrap_or(0)
            .max(first + 1);
        let hours = (last - first) as f64 / 3600.0;
        let rate = seconds.len() as f64 / hours;
        status.items_per_hour = Some(rate);
        let left = status.pending + status.in_progress;
        if left > 0 && now() >= first {
            status.hours_left = Some(left as f64 / rate);
        }
    }
    Ok(status)
}

/// `3 h 20 min`, `12 min`, `40 s`.
fn duration(hours: f64) -> String {
    let seconds = (hours * 3600.0).round() as u64;
    match seconds {
        0..60 => format!("{seconds} s"),
        60..3600 => format!("{} min", seconds / 60),
        _ => format!("{} h {} min", seconds / 3600, seconds % 3600 / 60),
    }
}
