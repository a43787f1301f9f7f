//! `nst`: repaint a photo in the style of a painting.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Args::parse();
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.is::<cli::Interrupted>() => {
            eprintln!("nst: {error}");
            ExitCode::from(130)
        }
        Err(error) => {
            let message = format!("{error:#}").replace('\n', " ");
            eprintln!("nst: error: {message}");
            ExitCode::FAILURE
        }
    }
}
