//! A job: one run the page asked for, its state as the page follows it (its place in the
//! queue, its iterations' losses, the latest preview, the result), and its stop flag.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use nst::image::RgbImage;
use serde_json::Value;
use tokio::sync::watch;

use super::progress::ProgressLog;

/// Where a job is.
#[derive(Debug, Clone, PartialEq)]
pub enum Phase {
    /// Submitted, not yet placed in the queue or started.
    Submitted,
    /// Waiting; place 1 is next.
    Queued { place: usize },
    /// Optimising.
    Running { iterations: usize },
    /// Ended.
    Ended(Outcome),
}

/// How a job ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// It ran all its iterations.
    Finished,
    /// It was stopped (by the page, or because its last page closed), with or without an
    /// image so far.
    Stopped,
    /// It failed with this one-line message (and may have an image: the last finite one of a
    /// run whose loss became infinite).
    Failed(String),
}

/// An ended job's image, and that image as a PNG carrying its recipe.
pub struct JobResult {
    pub image: RgbImage,
    pub png: axum::body::Bytes,
    pub iteration: usize,
    pub iterations: usize,
}

/// What the page is told about a job; every change bumps [`Job::changes`].
pub struct JobState {
    pub phase: Phase,
    /// Bumped by every change of `phase` (a new place in the queue included).
    pub phase_changes: u64,
    /// The iterations' `progress` events, as a bounded summary.
    pub progress: ProgressLog,
    /// The latest preview: its number (from 1) and its event's data (JSON).
    pub preview: Option<(u64, Arc<str>)>,
    pub result: Option<Arc<JobResult>>,
}

/// A run the page asked for.
pub struct Job {
    pub id: u64,
    state: Mutex<JobState>,
    changes: watch::Sender<u64>,
    stop: AtomicBool,
    /// Open event streams.
    followers: AtomicUsize,
}

impl Job {
    /// A new job, not yet queued.
    pub fn new(id: u64) -> Self {
        Self {
            id,
            state: Mutex::new(JobState {
                phase: Phase::Submitted,
                phase_changes: 0,
                progress: ProgressLog::default(),
                preview: None,
                result: None,
            }),
            changes: watch::Sender::new(0),
            stop: AtomicBool::new(false),
            followers: AtomicUsize::new(0),
        }
    }

    /// The state, read.
    pub fn state(&self) -> MutexGuard<'_, JobState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Changes `state` with `change` and wakes the job's event streams.
    pub fn update(&self, change: impl FnOnce(&mut JobState)) {
        change(&mut self.state());
        self.changes.send_modify(|n| *n += 1);
    }

    /// Moves the job to `phase` (unless it already ended).
    pub fn set_phase(&self, phase: Phase) {
        self.update(|state| {
            if !matches!(state.phase, Phase::Ended(_)) && state.phase != phase {
                state.phase = phase;
                state.phase_changes += 1;
            }
        });
    }

    /// Ends the job with `outcome` and `result` (unless it already ended).
    pub fn end(&self, outcome: Outcome, result: Option<JobResult>) {
        self.update(|state| {
            if !matches!(state.phase, Phase::Ended(_)) {
                state.result = result.map(Arc::new);
                state.phase = Phase::Ended(outcome);
                state.phase_changes += 1;
            }
        });
    }

    /// Whether the job has ended.
    pub fn ended(&self) -> bool {
        matches!(self.state().phase, Phase::Ended(_))
    }

    /// A receiver that wakes at every change.
    pub fn changes(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    /// Asks a running job to stop after its current iteration.
    pub fn request_stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }

    /// Whether the job was asked to stop.
    pub fn stop_requested(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// One more event stream follows the job.
    pub fn follow(&self) {
        self.followers.fetch_add(1, Ordering::SeqCst);
    }

    /// An event stream closed; returns whether it was the last.
    pub fn unfollow(&self) -> bool {
        self.followers.fetch_sub(1, Ordering::SeqCst) == 1
    }

    /// Whether an event stream follows the job.
    pub fn followed(&self) -> bool {
        self.followers.load(Ordering::SeqCst) > 0
    }

    /// Makes `event` (a preview's data) the latest preview.
    pub fn set_preview(&self, event: &Value) {
        self.update(|state| {
            let number = state.preview.as_ref().map_or(1, |(n, _)| n + 1);
            state.preview = Some((number, event.to_string().into()));
        });
    }
}
