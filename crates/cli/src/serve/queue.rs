//! The jobs a server knows, and which of them run: at most `limit` at once, the others
//! waiting in order, each told its place whenever it moves.

use std::collections::{BTreeMap, VecDeque};
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use anyhow::Result;

use super::job::{Job, Outcome, Phase};
use super::work::Work;

/// Jobs kept once ended (their results can be downloaded and continued from); the oldest
/// ended ones are forgotten beyond this.
const KEPT: usize = 32;

/// The queue is full.
#[derive(Debug, thiserror::Error)]
#[error("{0} runs are already waiting: try again when one has finished")]
pub struct Full(pub usize);

/// No job has the id.
#[derive(Debug, thiserror::Error)]
#[error("no job has the id `{0}`")]
pub struct UnknownJob(pub String);

/// The jobs, and the queue of those waiting to run.
pub struct Queue {
    limit: usize,
    max_waiting: usize,
    next_id: AtomicU64,
    lines: Mutex<Lines>,
}

#[derive(Default)]
struct Lines {
    jobs: BTreeMap<u64, Arc<Job>>,
    running: usize,
    waiting: VecDeque<(Arc<Job>, Work)>,
}

impl Queue {
    /// A queue that runs `limit` jobs at once and keeps at most `max_waiting` waiting.
    pub fn new(limit: usize, max_waiting: usize) -> Arc<Self> {
        Arc::new(Self {
            limit,
            max_waiting,
            next_id: AtomicU64::new(1),
            lines: Mutex::default(),
        })
    }

    /// Queues `work` as a new job, which starts when a place is free.
    pub fn submit(self: &Arc<Self>, work: Work) -> Result<Arc<Job>, Full> {
        let mut lines = self.lock();
        if lines.waiting.len() >= self.max_waiting {
            return Err(Full(lines.waiting.len()));
        }
        let job = Arc::new(Job::new(self.next_id.fetch_add(1, Ordering::Relaxed)));
        lines.jobs.insert(job.id, Arc::clone(&job));
        lines.waiting.push_back((Arc::clone(&job), work));
        forget_old(&mut lines.jobs);
        self.start_waiting(&mut lines);
        Ok(job)
    }

    /// The job `id` names.
    pub fn job(&self, id: &str) -> Result<Arc<Job>, UnknownJob> {
        let job = id
            .parse::<u64>()
            .ok()
            .and_then(|n| self.lock().jobs.get(&n).cloned());
        job.ok_or_else(|| UnknownJob(id.to_owned()))
    }

    /// Stops `job`: a waiting job leaves the queue and ends at once, a running one ends after
    /// its current iteration with its image so far.
    pub fn stop(&self, job: &Job) {
        job.request_stop();
        let mut lines = self.lock();
        if let Some(place) = lines.waiting.iter().position(|(j, _)| j.id == job.id) {
            lines.waiting.remove(place);
            job.end(Outcome::Stopped, None);
            tell_places(&lines);
        }
    }

    /// Starts waiting jobs while fewer than `limit` run, and tells the others their place.
    fn start_waiting(self: &Arc<Self>, lines: &mut Lines) {
        while lines.running < self.limit {
            let Some((job, work)) = lines.waiting.pop_front() else {
                break;
            };
            lines.running += 1;
            let queue = Arc::clone(self);
            let thread_job = Arc::clone(&job);
            let spawned = std::thread::Builder::new()
                .name(format!("nst-job-{}", job.id))
                .spawn(move || {
                    let job = thread_job;
                    // A panic ends this job, not the server.
                    let run = std::panic::catch_unwind(AssertUnwindSafe(|| work.run(&job)));
                    if let Err(panic) = run {
                        let message = panic
                            .downcast_ref::<&str>()
                            .map(|s| s.to_string())
                            .or_else(|| panic.downcast_ref::<String>().cloned())
                            .unwrap_or_default();
                        job.end(Outcome::Failed(format!("the run crashed: {message}")), None);
                    }
                    queue.finished();
                });
            if let Err(error) = spawned {
                lines.running -= 1;
                job.end(
                    Outcome::Failed(format!("cannot start the run: {error}")),
                    None,
                );
            }
        }
        tell_places(lines);
    }

    /// A running job ended: the next may start.
    fn finished(self: &Arc<Self>) {
        let mut lines = self.lock();
        lines.running -= 1;
        self.start_waiting(&mut lines);
    }

    fn lock(&self) -> MutexGuard<'_, Lines> {
        self.lines.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Tells each waiting job its place (1: next).
fn tell_places(lines: &Lines) {
    for (place, (job, _)) in lines.waiting.iter().enumerate() {
        job.set_phase(Phase::Queued {
            position: place + 1,
        });
    }
}

/// Forgets the oldest ended jobs beyond [`KEPT`].
fn forget_old(jobs: &mut BTreeMap<u64, Arc<Job>>) {
    let ended: Vec<u64> = jobs
        .iter()
        .filter(|(_, job)| job.ended())
        .map(|(&id, _)| id)
        .collect();
    for id in ended.iter().take(ended.len().saturating_sub(KEPT)) {
        jobs.remove(id);
    }
}
