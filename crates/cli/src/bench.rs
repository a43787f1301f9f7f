use anyhow::Result;
use nst::Backend;
use nst::bench::{CpuPeak, Measurement, Repeats, measure};

use crate::args::BenchArgs;
use crate::args::weights_source;
use crate::session::{fetch_default_weights, open_backend};

/// `nst bench`: times iterations on each backend and size and prints a Markdown table.
pub fn bench(args: BenchArgs) -> Result<()> {
    let config = args.config()?;
    let backends = args.backends()?;
    let weights = weights_source(args.weights.clone());
    fetch_default_weights(&weights)?;
    let repeats = Repeats {
        warmup: args.warmup,
        samples: args.samples,
    };
    let layers: Vec<_> = config.layers().iter().map(|l| l.name()).collect();
    println!(
        "nst {} bench: layers {}, {} warm-up + {} timed iterations, median shown",
        env!("CARGO_PKG_VERSION"),
        layers.join(","),
        repeats.warmup,
        repeats.samples
    );
    if backends
        .iter()
        .any(|b| matches!(b, Backend::Cpu | Backend::Auto))
    {
        match CpuPeak::detect() {
            Some(peak) => println!("CPU peak, estimated: {peak}"),
            None => println!("CPU peak: unknown (no clock in /proc/cpuinfo)"),
        }
    }
    println!("{}", Measurement::TABLE_HEADER);
    for backend in backends {
        let selected = open_backend(backend)?;
        let sizes = (args.sizes.as_slice(), args.tile);
        for &loss in &args.style_loss {
            let config = config.to_builder().style_loss(loss).build()?;
            measure(
                &selected,
                &config,
                &weights,
                sizes,
                repeats,
                |m| match args.style_loss.len() {
                    1 => println!("{m}"),
                    _ => println!("{}", m.labelled(&format!("{} style loss", loss.name()))),
                },
            )?;
        }
    }
    Ok(())
}
