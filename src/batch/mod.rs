//! Many photos on many machines: a batch is a [`Plan`] of items frozen ahead of time, dealt
//! out to the tasks of a cluster scheduler by [`Shard`], each item done when its output
//! carries a recipe that matches its line of the plan ([`Item::is_done`]).
//!
//! Nothing here waits, locks or talks to a scheduler: whether an item is done is decided from
//! the files, so a task that is run twice, requeued or killed does only what is missing. The
//! `nst batch` command is the scheduler's side (its environment variables, signals and job
//! files).
//!
//! ```
//! use nst::batch::Shard;
//!
//! // Item k belongs to shard k mod N, whatever N is.
//! let shard: Shard = "2/3".parse()?;
//! assert!(shard.owns(5) && !shard.owns(6));
//! # Ok::<(), nst::Error>(())
//! ```

mod item;
mod plan;
mod shard;

pub use item::{Item, item_id};
pub use plan::{Entry, FAN_OUT_ABOVE, PLAN_FILE, Plan, STATE_DIR};
pub use shard::Shard;
