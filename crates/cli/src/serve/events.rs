//! A job's server-sent events, as the page follows it: its place in the queue, its start,
//! every iteration's losses, the latest preview, and its end. A stream opened late first
//! gets what it missed; previews in between are skipped. The job stops when its last
//! stream closes (its tab was closed).

use std::convert::Infallible;
use std::sync::Arc;

use axum::response::sse::Event;
use futures_util::{Stream, StreamExt, stream};
use serde_json::{Value, json};

use super::job::{Job, Outcome, Phase};
use super::queue::Queue;

/// The events of `job`, from the start; the stream ends after the job's last event.
pub fn events(job: Arc<Job>, queue: Arc<Queue>) -> impl Stream<Item = Result<Event, Infallible>> {
    let follower = Follower::new(job, queue);
    let changes = follower.job.changes();
    let start = (follower, changes, Cursor::default());
    stream::unfold(start, |(follower, mut changes, mut cursor)| async move {
        loop {
            if cursor.ended {
                return None;
            }
            changes.mark_unchanged();
            let events = cursor.read(&follower.job);
            if !events.is_empty() {
                return Some((stream::iter(events), (follower, changes, cursor)));
            }
            if changes.changed().await.is_err() {
                return None;
            }
        }
    })
    .flatten()
    .map(Ok)
}

/// What a stream has sent so far.
#[derive(Default)]
struct Cursor {
    phase_changes: u64,
    progress: usize,
    preview: u64,
    ended: bool,
}

impl Cursor {
    /// The events since the last read.
    fn read(&mut self, job: &Job) -> Vec<Event> {
        let state = job.state();
        let mut events = Vec::new();
        let phase_changed = state.phase_changes > self.phase_changes;
        self.phase_changes = state.phase_changes;
        match &state.phase {
            Phase::Queued { position } if phase_changed => {
                events.push(event("queued", json!({ "position": position })));
            }
            Phase::Running { iterations } if phase_changed => {
                events.push(event("started", json!({ "iterations": iterations })));
            }
            _ => {}
        }
        for progress in &state.progress[self.progress..] {
            events.push(event("progress", progress.clone()));
        }
        self.progress = state.progress.len();
        if let Some((number, preview)) = &state.preview
            && *number > self.preview
        {
            events.push(event("preview", Value::clone(preview)));
            self.preview = *number;
        }
        if let Phase::Ended(outcome) = &state.phase {
            let result = state.result.as_ref();
            let end = match outcome {
                Outcome::Failed(message) => event("failed", json!({ "error": message })),
                Outcome::Finished | Outcome::Stopped => event(
                    "done",
                    json!({
                        "state": if *outcome == Outcome::Finished { "finished" } else { "stopped" },
                        "iteration": result.map(|r| r.iteration),
                        "iterations": result.map(|r| r.iterations),
                        "result": result.map(|_| format!("/api/jobs/{}/result.png", job.id)),
                    }),
                ),
            };
            events.push(end);
            self.ended = true;
        }
        events
    }
}

fn event(name: &str, data: Value) -> Event {
    Event::default().event(name).data(data.to_string())
}

/// An open event stream of a job; when the job's last one closes before it ended, the job
/// is stopped.
struct Follower {
    job: Arc<Job>,
    queue: Arc<Queue>,
}

impl Follower {
    fn new(job: Arc<Job>, queue: Arc<Queue>) -> Self {
        job.follow();
        Self { job, queue }
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        if self.job.unfollow() && !self.job.ended() {
            self.queue.stop(&self.job);
        }
    }
}
