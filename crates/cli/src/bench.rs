use anyhow::Result;
use nst::bench::{Measurement, Repeats, measure};

use crate::args::BenchArgs;
use crate::session::{open_backend, resolve_weights};

/// `nst bench`: times iterations on each backend and size and prints a Markdown table.
pub fn bench(args: BenchArgs) -> Result<()> {
    let config = args.config()?;
    let backends = args.backends()?;
    let weights = resolve_weights(config.weights.as_deref())?;
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
    println!("{}", Measurement::TABLE_HEADER);
    for backend in backends {
        let selected = open_backend(backend)?;
        measure(&selected, &config, &weights, &args.sizes, repeats, |m| {
            println!("{m}")
        })?;
    }
    Ok(())
}
