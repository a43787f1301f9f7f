//! The jobs a server knows, and which of them run: at most `limit` at once, and only while
//! the running jobs' memory estimates together fit the server's budget (a job alone always
//! may: it was fitted to the budget when submitted), the others waiting in order, each told
//! its place whenever it moves. A job runs while someone
//! follows it: one that nobody follows for [`UNFOLLOWED`] (its tab was closed) is stopped.

use std::collections::{BTreeMap, VecDeque};
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use super::job::{Job, JobResult, Outcome, Phase};

/// Jobs kept once ended (their results can be downloaded and continued from); the oldest
/// ended ones are forgotten beyond this.
const KEPT: usize = 32;

/// How long a job may go without an open event stream (a page reconnecting, or the time
/// between submitting and following) before it is stopped.
pub const UNFOLLOWED: Duration = Duration::from_secs(5);

/// The queue is full.
#[derive(Debug, thiserror::Error)]
#[error("{0} runs are already waiting: try again when one has finished")]
pub struct Full(pub usize);

/// No job has the id.
#[derive(Debug, thiserror::Error)]
#[error("no job has the id `{0}`")]
pub struct UnknownJob(pub String);

/// What a queued job does once it starts: the memory it is estimated to take, and its run.
pub struct Task {
    pub estimate: u64,
    pub run: Box<dyn FnOnce(&Job) -> Ended + Send>,
}

/// How a job ended, and its result if it has one.
pub type Ended = (Outcome, Option<JobResult>);

/// The jobs, and the queue of those waiting to run.
pub struct Jobs {
    limit: usize,
    max_waiting: usize,
    /// The memory the running jobs' estimates may take together, if bounded.
    budget: Option<u64>,
    lines: Mutex<Lines>,
}

#[derive(Default)]
struct Lines {
    next_id: u64,
    known: BTreeMap<u64, Arc<Job>>,
    running: usize,
    /// The running jobs' memory estimates, summed.
    held: u64,
    waiting: VecDeque<(Arc<Job>, Task)>,
}

impl Jobs {
    /// Jobs of which `limit` run at once, within `budget` bytes of estimated memory together,
    /// and at most `max_waiting` wait.
    pub fn new(limit: usize, max_waiting: usize, budget: Option<u64>) -> Arc<Self> {
        Arc::new(Self {
            limit,
            max_waiting,
            budget,
            lines: Mutex::default(),
        })
    }

    /// How many run at once.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Refuses a new job while the queue is full (before its work is prepared).
    pub fn check_room(&self) -> Result<(), Full> {
        let waiting = self.lock().waiting.len();
        match waiting < self.max_waiting {
            true => Ok(()),
            false => Err(Full(waiting)),
        }
    }

    /// Queues `task` as a new job, which starts when a place is free.
    pub fn submit(self: &Arc<Self>, task: Task) -> Result<Arc<Job>, Full> {
        let mut lines = self.lock();
        if lines.waiting.len() >= self.max_waiting {
            return Err(Full(lines.waiting.len()));
        }
        lines.next_id += 1;
        let job = Arc::new(Job::new(lines.next_id));
        lines.known.insert(job.id, Arc::clone(&job));
        lines.waiting.push_back((Arc::clone(&job), task));
        forget_old(&mut lines.known);
        self.start_waiting(&mut lines);
        Ok(job)
    }

    /// The job `id` names.
    pub fn job(&self, id: &str) -> Result<Arc<Job>, UnknownJob> {
        let job = id
            .parse::<u64>()
            .ok()
            .and_then(|n| self.lock().known.get(&n).cloned());
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

    /// Stops `job` after [`UNFOLLOWED`] unless an event stream follows it by then.
    pub fn stop_unless_followed(self: &Arc<Self>, job: &Arc<Job>) {
        let (jobs, job) = (Arc::clone(self), Arc::clone(job));
        tokio::spawn(async move {
            tokio::time::sleep(UNFOLLOWED).await;
            if !job.followed() && !job.ended() {
                jobs.stop(&job);
            }
        });
    }

    /// Starts waiting jobs in order while fewer than `limit` run and the next fits in the
    /// budget beside them, and tells the others their place.
    fn start_waiting(self: &Arc<Self>, lines: &mut Lines) {
        while lines.running < self.limit {
            let Some((_, next)) = lines.waiting.front() else {
                break;
            };
            let estimate = next.estimate;
            let fits = self
                .budget
                .is_none_or(|budget| lines.held.saturating_add(estimate) <= budget);
            if lines.running > 0 && !fits {
                break;
            }
            let Some((job, task)) = lines.waiting.pop_front() else {
                break;
            };
            lines.running += 1;
            lines.held = lines.held.saturating_add(estimate);
            let (jobs, thread_job) = (Arc::clone(self), Arc::clone(&job));
            let spawned = std::thread::Builder::new()
                .name(format!("nst-job-{}", job.id))
                .spawn(move || {
                    let job = thread_job;
                    // A panic ends this job, not the server.
                    let (outcome, result) =
                        std::panic::catch_unwind(AssertUnwindSafe(|| (task.run)(&job)))
                            .unwrap_or_else(|panic| (crashed(panic.as_ref()), None));
                    jobs.finish(&job, outcome, result, estimate);
                });
            if let Err(error) = spawned {
                lines.running -= 1;
                lines.held = lines.held.saturating_sub(estimate);
                let message = format!("cannot start the run: {error}");
                job.end(Outcome::Failed(message), None);
            }
        }
        tell_places(lines);
    }

    /// A running job ended: it says so (at once with the next one's start, so that a page
    /// that starts another run when told finds the place free), and the next may start.
    fn finish(
        self: &Arc<Self>,
        job: &Job,
        outcome: Outcome,
        result: Option<JobResult>,
        estimate: u64,
    ) {
        let mut lines = self.lock();
        lines.running -= 1;
        lines.held = lines.held.saturating_sub(estimate);
        job.end(outcome, result);
        self.start_waiting(&mut lines);
    }

    fn lock(&self) -> MutexGuard<'_, Lines> {
        self.lines.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The outcome of a run that panicked.
fn crashed(panic: &(dyn std::any::Any + Send)) -> Outcome {
    let message = nst::panic_message(panic).unwrap_or_default();
    Outcome::Failed(format!("the run crashed: {message}"))
}

/// Tells each waiting job its place (1: next).
fn tell_places(lines: &Lines) {
    for (place, (job, _)) in lines.waiting.iter().enumerate() {
        job.set_phase(Phase::Queued { place: place + 1 });
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
