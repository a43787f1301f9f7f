//! `nst`: repaint a photo in the style of a painting.

mod args;
mod batch;
mod bench;
mod checkpoints;
mod clip;
mod ffmpeg;
mod outputs;
mod recipe;
mod report;
mod resume;
mod run;
mod serve;
mod session;
mod sheet;
mod video;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    quiet_headless_vulkan();
    let args = args::Args::parse();
    let result = match args.command {
        Some(args::Command::Score(score)) => report::score(score),
        Some(args::Command::Bench(bench)) => bench::bench(bench),
        Some(args::Command::Recipe(recipe)) => recipe::recipe(recipe),
        Some(args::Command::Resume(args)) => resume::resume(args),
        Some(args::Command::Video(args)) => video::video(*args),
        Some(args::Command::Serve(args)) => serve::serve(args),
        Some(args::Command::Batch(args)) => batch::batch(args),
        None => run::stylize(args.run),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.is::<run::Interrupted>() => {
            eprintln!("nst: {error}");
            ExitCode::from(130)
        }
        Err(error) if batch::exit_code(&error).is_some() => {
            eprintln!("nst: {error}");
            ExitCode::from(batch::exit_code(&error).unwrap_or(1))
        }
        Err(error) => {
            let message = nst_options::one_line(&error);
            eprintln!("nst: error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// On a headless Linux machine (no `XDG_RUNTIME_DIR`, as on servers and in containers),
/// Mesa's Vulkan device-select layer prints an error line for every instance wgpu creates
/// while `--backend auto` looks for a GPU. It only reorders devices, so it is turned off
/// for this process (`NODEVICE_SELECT=1`) unless the user set either variable.
fn quiet_headless_vulkan() {
    if std::env::var_os("XDG_RUNTIME_DIR").is_none()
        && std::env::var_os("NODEVICE_SELECT").is_none()
    {
        // SAFETY: this runs first thing in `main`, before any thread that could read the
        // environment exists.
        unsafe { std::env::set_var("NODEVICE_SELECT", "1") };
    }
}
