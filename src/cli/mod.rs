//! The command line: argument definitions and the commands.

mod args;
mod bench;
mod recipe;
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
        Some(args::Command::Bench(bench)) => bench::bench(bench),
        Some(args::Command::Recipe(recipe)) => recipe::recipe(recipe),
        None => stylize::stylize(args.run),
    }
}
