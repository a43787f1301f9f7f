//! `cargo bench`: one optimisation iteration at longest side 256, 512 and 1024 on every
//! backend this machine can run, as a Markdown table of medians.
//!
//! By default it times the CPU (`flex`) and any hardware GPU (CUDA, then wgpu). Choose with
//! environment variables, e.g. `NST_BENCH_BACKENDS=cpu,wgpu,ndarray NST_BENCH_SIZES=256
//! cargo bench`; `ndarray` and software wgpu adapters (lavapipe) are slow, so they run only
//! when named. `NST_BENCH_SAMPLES` and `NST_BENCH_WARMUP` set the repeats.
//! `NST_BENCH_STYLE_LOSSES=gram,w2,sliced` times each style loss in turn (default `gram`), so
//! their ratios come from one run. `nst bench` does the same from the installed binary.

use std::process::ExitCode;
use std::str::FromStr;

use nst::bench::{Measurement, Repeats, measure};
use nst::{Backend, Preset, StyleLoss, WeightsSource};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("bench: error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn list<T: FromStr>(name: &str, default: &str) -> Result<Vec<T>, String> {
    let value = std::env::var(name).unwrap_or_else(|_| default.to_owned());
    value
        .split(',')
        .map(|item| {
            item.trim()
                .parse()
                .map_err(|_| format!("{name}: cannot parse `{item}`"))
        })
        .collect()
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let named = std::env::var_os("NST_BENCH_BACKENDS").is_some();
    let backends: Vec<Backend> = list("NST_BENCH_BACKENDS", "cpu,auto")?;
    let sides: Vec<u32> = list("NST_BENCH_SIZES", "256,512,1024")?;
    let defaults = Repeats::default();
    let repeats = Repeats {
        warmup: list("NST_BENCH_WARMUP", &defaults.warmup.to_string())?[0],
        samples: list("NST_BENCH_SAMPLES", &defaults.samples.to_string())?[0],
    };
    let losses: Vec<StyleLoss> = list("NST_BENCH_STYLE_LOSSES", "gram")?;
    // One normalised-descent iteration: one forward and one backward pass.
    let config = Preset::Normalized.config();
    let weights = WeightsSource::Path(nst::weights::fetch(|_| {})?);

    println!("{}", Measurement::TABLE_HEADER);
    let mut done = Vec::new();
    for backend in backends {
        let selected = match backend.open() {
            Ok(selected) => selected,
            Err(error) if !named => {
                eprintln!("bench: skipping {backend}: {error}");
                continue;
            }
            Err(error) => return Err(error.into()),
        };
        // `auto` falls back to the CPU, which the default list already timed.
        if done.contains(&selected.backend) {
            continue;
        }
        done.push(selected.backend);
        for &loss in &losses {
            let config = config.to_builder().style_loss(loss).build()?;
            measure(
                &selected,
                &config,
                &weights,
                (&sides, None),
                repeats,
                |m| match losses.len() {
                    1 => println!("{m}"),
                    _ => println!("{}", m.labelled(&format!("{} style loss", loss.name()))),
                },
            )?;
        }
    }
    Ok(())
}
