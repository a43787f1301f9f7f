//! Timing optimisation iterations: the numbers behind `nst bench` and `cargo bench`.
//!
//! One iteration is what [`StyleTransfer::run`] repeats: the forward pass to the deepest layer
//! used, the losses, the input gradient, the update and the read-back of the four loss
//! values. Each size runs `warmup + samples` iterations of a real transfer on the embedded
//! images (resized to 4:3) and reports the median of the timed ones.

mod peak;

use std::fmt;

use image::RgbImage;
use image::imageops::{FilterType, resize};

use crate::{
    Backend, Control, Error, Selected, StyleLoss, StyleTransfer, StyleTransferConfig, Vgg16,
    WeightsSource,
};
pub use peak::CpuPeak;

/// How many iterations to run at each size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repeats {
    /// Untimed iterations first (kernel compilation and autotuning happen here on GPUs).
    pub warmup: usize,
    /// Timed iterations; their median is reported.
    pub samples: usize,
}

impl Default for Repeats {
    fn default() -> Self {
        Self {
            warmup: 2,
            samples: 5,
        }
    }
}

/// The timing of one iteration at one size on one device.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    /// The device, as [`Selected`] prints it.
    pub device: String,
    /// Image width in pixels.
    pub width: u32,
    /// Image height in pixels.
    pub height: u32,
    /// Wall time of the targets, in milliseconds: the photo's features and the style's
    /// statistics at this size (on a GPU, compiling and autotuning the forward pass's kernels
    /// that the kernel cache does not hold yet).
    pub targets_ms: f64,
    /// Wall time of the first iteration, in milliseconds. It makes
    /// [`first_evaluations`](Self::first_evaluations) evaluations: the starting image's, which
    /// gives the first step its gradient, and the first step's (on a GPU it also compiles the
    /// backward pass's kernels).
    pub first_ms: f64,
    /// Evaluations (forward and backward passes) in the first iteration.
    pub first_evaluations: usize,
    /// Median wall time of one iteration, in milliseconds.
    pub median_ms: f64,
    /// Convolution work of one iteration (forward plus input gradient), in GFLOP.
    pub gflop: f64,
    /// Peak memory while the iteration ran, in bytes, where it can be measured.
    pub peak_memory: Option<Memory>,
    /// Multiply-adds one iteration performs in its products, in billions, where they are
    /// known: on the CPU, untiled, the Winograd products of the convolutions (forward and
    /// input gradient, [`Vgg16::cpu_multiply_adds`]) and the Gram matrices of the style layers
    /// with their gradient ([`cpu_gram_multiply_adds`](crate::losses::cpu_gram_multiply_adds)).
    pub multiply_adds: Option<f64>,
    /// The machine's estimated peak, for [`peak_fraction`](Self::peak_fraction).
    pub cpu_peak: Option<CpuPeak>,
}

/// A memory high-water mark and what it counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Memory {
    /// Bytes.
    pub bytes: u64,
    /// What was measured: the process's resident set on CPUs, the device's memory pool on GPUs.
    pub kind: MemoryKind,
}

/// What a [`Memory`] figure counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemoryKind {
    /// Peak resident set size of the whole process (`VmHWM`), model and images included.
    ProcessRss,
    /// Bytes the device's memory pools had reserved at the end of an iteration.
    DevicePool,
}

impl Measurement {
    /// Achieved convolution throughput in GFLOP/s.
    pub fn gflop_per_s(&self) -> f64 {
        self.gflop / (self.median_ms / 1e3)
    }

    /// The fraction of the machine's peak rate that the products' multiply-adds reach at the
    /// median time: how close an iteration is to its arithmetic floor.
    pub fn peak_fraction(&self) -> Option<f64> {
        let (multiply_adds, peak) = (self.multiply_adds?, self.cpu_peak.as_ref()?);
        Some(multiply_adds * 1e9 / (self.median_ms / 1e3) / peak.multiply_adds_per_s())
    }

    /// This measurement with `label` after the device (such as the style loss timed).
    pub fn labelled(&self, label: &str) -> Self {
        Self {
            device: format!("{}, {label}", self.device),
            ..self.clone()
        }
    }

    /// The header of the Markdown table that [`Display`](fmt::Display) writes rows of.
    pub const TABLE_HEADER: &str = "| device | image | targets ms | first iteration ms | its evaluations | ms/iteration | GFLOP | GFLOP/s | peak memory | G multiply-adds | of CPU peak |\n\
         |---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|";
}

impl fmt::Display for Measurement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let memory = match self.peak_memory {
            Some(Memory { bytes, kind }) => format!(
                "{:.0} MiB {}",
                bytes as f64 / (1 << 20) as f64,
                match kind {
                    MemoryKind::ProcessRss => "RSS",
                    MemoryKind::DevicePool => "device",
                }
            ),
            None => "n/a".into(),
        };
        let optional = |value: Option<f64>, unit: &str| match value {
            Some(value) => format!("{value:.1}{unit}"),
            None => "n/a".into(),
        };
        write!(
            f,
            "| {} | {}×{} | {:.0} | {:.0} | {} | {:.1} | {:.1} | {:.1} | {} | {} | {} |",
            self.device,
            self.width,
            self.height,
            self.targets_ms,
            self.first_ms,
            self.first_evaluations,
            self.median_ms,
            self.gflop,
            self.gflop_per_s(),
            memory,
            optional(self.multiply_adds, ""),
            optional(self.peak_fraction().map(|f| 100.0 * f), "%"),
        )
    }
}

/// Times iterations of `config` (its layers, weights and losses) on `selected`'s device, at a
/// 4:3 image whose longest side is each of `sides`.
///
/// `config`'s size and iteration count are replaced, and it runs at one scale, in tiles of
/// `tile` px if given. The model is loaded once from `weights` and `report` receives each
/// measurement as soon as it is taken.
pub fn measure(
    selected: &Selected,
    config: &StyleTransferConfig,
    weights: &WeightsSource,
    (sides, tile): (&[u32], Option<u32>),
    repeats: Repeats,
    mut report: impl FnMut(&Measurement),
) -> Result<Vec<Measurement>, Error> {
    let device = selected.device.clone();
    let config = config
        .to_builder()
        .size(None)
        .multiscale(None)
        .iterations(repeats.warmup + repeats.samples)
        .build()?;
    let session = StyleTransfer::new(config)
        .with_device(device.clone())
        .with_weights(weights.clone())
        .with_tile(tile);
    let precision = session.model()?.precision();
    // The products' work is known where our CPU operations run it, on whole images, with Gram
    // matrices as the style statistics.
    let on_cpu = selected.backend == Backend::Cpu
        && tile.is_none()
        && session.config().style_loss() == StyleLoss::Gram;
    let cpu_peak = on_cpu.then(CpuPeak::detect).flatten();
    let (content, style) = (crate::assets::content()?, crate::assets::style()?);
    let layers = session.config().layers();

    let mut measurements = Vec::with_capacity(sides.len());
    for &side in sides {
        let (width, height) = (side, (f64::from(side) * 0.75).round() as u32);
        let content = resize(&content, width, height, FilterType::Triangle);
        let style: RgbImage = resize(&style, width, height, FilterType::Triangle);

        device.memory_cleanup();
        let rss = PeakRss::reset();
        let mut pool = 0;
        let mut ends = Vec::with_capacity(repeats.warmup + repeats.samples);
        let mut first = None;
        session.run_with(&content, &[&style], |progress| {
            ends.push(progress.elapsed.as_secs_f64());
            first.get_or_insert((progress.targets.as_secs_f64(), progress.evaluations));
            if let Some(usage) = device.memory_pool_usage() {
                pool = pool.max(usage.bytes_reserved);
            }
            Control::Continue
        })?;
        let mut times: Vec<f64> = ends
            .windows(2)
            .skip(repeats.warmup.saturating_sub(1))
            .map(|w| (w[1] - w[0]) * 1e3)
            .collect();
        times.sort_by(f64::total_cmp);
        let peak_memory = match (rss.and_then(PeakRss::read), pool) {
            (_, bytes) if bytes > 0 => Some(Memory {
                bytes,
                kind: MemoryKind::DevicePool,
            }),
            (Some(bytes), _) => Some(Memory {
                bytes,
                kind: MemoryKind::ProcessRss,
            }),
            (None, _) => None,
        };
        let (h, w) = (height as usize, width as usize);
        let flops = Vgg16::conv_flops(h, w, &layers);
        let multiply_adds = on_cpu.then(|| {
            let grams: u64 = session
                .config()
                .style_layers()
                .iter()
                .map(|layer| {
                    let pixels = (h / layer.stride()) * (w / layer.stride());
                    crate::losses::cpu_gram_multiply_adds(layer.channels(), pixels)
                })
                .sum();
            (2 * Vgg16::cpu_multiply_adds(h, w, &layers) + grams) as f64 / 1e9
        });
        let measurement = Measurement {
            device: format!("{selected}, {precision}"),
            width,
            height,
            targets_ms: first.map_or(f64::NAN, |(targets, _)| targets * 1e3),
            first_ms: match (ends.first(), first) {
                (Some(end), Some((targets, _))) => (end - targets) * 1e3,
                _ => f64::NAN,
            },
            first_evaluations: first.map_or(0, |(_, evaluations)| evaluations),
            median_ms: times.get(times.len() / 2).copied().unwrap_or(f64::NAN),
            gflop: 2.0 * flops as f64 / 1e9,
            peak_memory,
            multiply_adds,
            cpu_peak: cpu_peak.clone(),
        };
        report(&measurement);
        measurements.push(measurement);
    }
    Ok(measurements)
}

/// The process's peak resident set size, which Linux lets a process reset.
struct PeakRss;

impl PeakRss {
    /// Resets the high-water mark (`/proc/self/clear_refs`); `None` where that is impossible.
    fn reset() -> Option<Self> {
        std::fs::write("/proc/self/clear_refs", "5")
            .ok()
            .map(|()| PeakRss)
    }

    /// `VmHWM` from `/proc/self/status`, in bytes.
    fn read(self) -> Option<u64> {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib * 1024)
    }
}
