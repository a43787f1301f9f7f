//! The options of a style transfer run as `nst` and its page name them, and what both do
//! with them before a run starts: the configuration they describe (`--iterations 200`, a
//! preset underneath), the input images they name (read within a size limit, hashed for the
//! recipe), and the run fitted to the machine's memory. `nst` parses them from its command
//! line; `nst-serve` parses a page's options with the same parser, so both read an option
//! alike and refuse it with the same message.
//!
//! ```
//! use clap::Parser;
//! use nst_options::TransferArgs;
//!
//! #[derive(Parser)]
//! struct Run {
//!     #[command(flatten)]
//!     transfer: TransferArgs,
//! }
//!
//! let run = Run::try_parse_from(["nst", "--preset", "gatys", "--iterations", "50"])?;
//! let config = run.transfer.config()?;
//! assert_eq!(config.iterations(), 50);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

mod finite;
mod inputs;
mod memory;
mod model;
mod one_line;
mod transfer;

pub use finite::last_finite;
pub use inputs::{Inputs, load_images, load_inputs};
pub use memory::{available_memory, fit_memory, fit_memory_for};
pub use model::{ModelArgs, style_layers, weights_source};
pub use one_line::one_line;
pub use transfer::TransferArgs;
