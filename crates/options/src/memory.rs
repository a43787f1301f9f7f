//! Refusing runs that cannot fit in memory, or tiling them, before they start.

use anyhow::Result;
use nst::{Backend, MemoryInputs, StyleTransfer};

/// Fits a run in memory before it starts: when its estimated peak exceeds `budget` (by
/// default on the CPU, what the machine has available), it is tiled, saying so in one line
/// to `tell`, or refused with the largest size that fits. GPU runs are checked only against a `budget`.
/// The style is taken to be one image of the content's shape (see [`fit_memory_for`]).
pub fn fit_memory(
    session: StyleTransfer,
    content: (u32, u32),
    backend: Backend,
    budget: Option<u64>,
    tell: impl FnOnce(&str),
) -> Result<StyleTransfer> {
    fit_memory_for(
        session,
        MemoryInputs::new(content, &[content]),
        backend,
        budget,
        tell,
    )
}

/// [`fit_memory`] for a run on `inputs` (their tile is the session's).
pub fn fit_memory_for(
    session: StyleTransfer,
    inputs: MemoryInputs,
    backend: Backend,
    budget: Option<u64>,
    tell: impl FnOnce(&str),
) -> Result<StyleTransfer> {
    let cpu = matches!(backend, Backend::Cpu | Backend::Ndarray);
    let Some(available) = budget.or_else(|| cpu.then(available_memory).flatten()) else {
        return Ok(session);
    };
    let config = session.config();
    let inputs = MemoryInputs {
        tile: session.tile(),
        ..inputs
    };
    let estimate = config.estimate_memory(&inputs);
    if estimate.bytes <= available {
        return Ok(session);
    }
    let gib = |bytes: u64| bytes as f64 / f64::from(1u32 << 30);
    let (w, h, needed) = (estimate.width, estimate.height, gib(estimate.bytes));
    let tile = match session.tile() {
        None if config.tiles() => config.largest_tile_for(&inputs, available),
        _ => None,
    };
    if let Some(tile) = tile {
        tell(&format!(
            "nst: a {w}×{h} run needs about {needed:.1} GiB at once but {:.1} GiB is \
             available: rendering in tiles of {tile} px (--tile {tile})",
            gib(available)
        ));
        return Ok(session.with_tile(Some(tile)));
    }
    // In tiles, the image-sized tensors bound the size.
    let tiles = MemoryInputs {
        tile: config.tiles().then_some(512),
        ..inputs
    };
    let largest = config.largest_size_for(&tiles, available);
    let advice = match (session.tile(), largest) {
        (Some(_), _) => "a smaller --tile may fit".to_owned(),
        (None, Some(side)) if config.tiles() => format!("--size {side} or smaller fits in tiles"),
        (None, Some(side)) => format!(
            "--size {side} or smaller fits (the sliced style loss and the histogram term are \
             not evaluated in tiles)"
        ),
        (None, None) => "no size fits".to_owned(),
    };
    let tiled = session
        .tile()
        .map_or(String::new(), |tile| format!(" in tiles of {tile} px"));
    anyhow::bail!(
        "a {w}×{h} run{tiled} needs about {needed:.1} GiB of memory but {:.1} GiB is \
         available; {advice}",
        gib(available)
    )
}

/// The memory the kernel says new allocations can take (`MemAvailable`), on Linux.
pub fn available_memory() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
