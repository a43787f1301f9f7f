//! The command line: argument definitions and the two commands.

mod args;
mod report;
mod sheet;
mod stylize;

pub use args::Args;
pub use stylize::Interrupted;

use anyhow::Result;

/// Runs the command the arguments name.
pub fn run(args: Args) -> Result<()> {
    match args.command {
        Some(args::Command::Score(score)) => report::score(score),
        None => stylize::stylize(args.run),
    }
}
