//! A job's server-sent events, as the page follows it: its place in the queue, its start,
//! its iterations' losses, the latest preview, and its end. A stream opened late first gets
//! what it missed (the progress kept: see [`ProgressLog`](super::progress::ProgressLog));
//! previews in between are skipped. A job whose last stream closed (its tab was closed) is
//! stopped unless another opens within [`UNFOLLOWED`](super::jobs::UNFOLLOWED).

use std::convert::Infallible;
use std::sync::Arc;

use axum::response::sse::Event;
use futures_util::{Stream, StreamExt, stream};
use serde_json::{Value, json};

use super::job::{Job, Outcome, Phase};
use super::jobs::Jobs;

/// The events of `job`, from the start; the stream ends after the job's last event.
pub fn events(job: Arc<Job>, jobs: Arc<Jobs>) -> impl Stream<Item = Result<Event, Infallible>> {
    let follower = Follower::new(job, jobs);
    let changes = follower.job.changes();
    let start = (follower, changes, Sent::default());
    stream::unfold(start, |(follower, mut changes, mut sent)| async move {
        loop {
            if sent.end {
                return None;
            }
            changes.mark_unchanged();
            let events = sent.news(&follower.job);
            if !events.is_empty() {
                return Some((stream::iter(events), (follower, changes, sent)));
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
struct Sent {
    phase_changes: u64,
    /// The number of the next `progress` event to send.
    progress: u64,
    preview: u64,
    end: bool,
}

impl Sent {
    /// The events since the last call.
    fn news(&mut self, job: &Job) -> Vec<Event> {
        let state = job.state();
        let mut events = Vec::new();
        let phase_changed = state.phase_changes > self.phase_changes;
        self.phase_changes = state.phase_changes;
        match &state.phase {
            Phase::Queued { place } if phase_changed => {
                events.push(event("queued", &json!({ "position": place })));
            }
            Phase::Running { iterations } if phase_changed => {
                events.push(event("started", &json!({ "iterations": iterations })));
            }
            _ => {}
        }
        for progress in state.progress.since(self.progress) {
            events.push(event("progress", progress));
        }
        self.progress = state.progress.next();
        if let Some((number, preview)) = &state.preview
            && *number > self.preview
        {
            events.push(Event::default().event("preview").data(&**preview));
            self.preview = *number;
        }
        if let Phase::Ended(outcome) = &state.phase {
            let result = state.result.as_ref();
            let url = result.map(|_| format!("api/jobs/{}/result.png", job.id));
            let end = match outcome {
                Outcome::Failed(message) => {
                    event("failed", &json!({ "error": message, "result": url }))
                }
                Outcome::Finished | Outcome::Stopped => event(
                    "done",
                    &json!({
                        "state": if *outcome == Outcome::Finished { "finished" } else { "stopped" },
                        "iteration": result.map(|r| r.iteration),
                        "iterations": result.map(|r| r.iterations),
                        "result": url,
                    }),
                ),
            };
            events.push(end);
            self.end = true;
        }
        events
    }
}

fn event(name: &str, data: &Value) -> Event {
    Event::default().event(name).data(data.to_string())
}

/// An open event stream of a job.
struct Follower {
    job: Arc<Job>,
    jobs: Arc<Jobs>,
}

impl Follower {
    fn new(job: Arc<Job>, jobs: Arc<Jobs>) -> Self {
        job.follow();
        Self { job, jobs }
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        if self.job.unfollow() && !self.job.ended() {
            self.jobs.stop_unless_followed(&self.job);
        }
    }
}
