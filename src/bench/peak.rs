//! An estimate of the CPU's peak rate of `f32` multiply-adds: the floor an iteration's
//! arithmetic could reach, against which `nst bench` states the fraction it does reach.

use std::fmt;

/// The peak rate of fused `f32` multiply-adds of the cores this process runs on: cores × clock
/// × multiply-adds per cycle per core.
///
/// Multiply-adds per cycle are the vector width in `f32` lanes times the FMA units: two units
/// on the x86 cores of the last decade, of 16 lanes with AVX-512 on Intel, 8 with AVX2 (and on
/// AMD's Zen 4, which runs 512-bit instructions as two 256-bit halves); NEON's 4 lanes times
/// two units on ARM. The clock is the nominal one the kernel reports (turbo can exceed it, and
/// wide vectors can lower it), so this is an estimate, good to some tens of percent.
#[derive(Debug, Clone, PartialEq)]
pub struct CpuPeak {
    /// Threads available to this process (the CPU kernels use as many as there are).
    pub cores: usize,
    /// Clock frequency in GHz.
    pub ghz: f64,
    /// `f32` multiply-adds per cycle and core.
    pub per_cycle: usize,
    /// The vector instructions counted, such as `AVX2+FMA`.
    pub isa: &'static str,
}

impl CpuPeak {
    /// This machine's peak, from `/proc/cpuinfo` (or `cpufreq`'s maximum) and the CPU features
    /// the process detects; `None` where the clock cannot be read.
    pub fn detect() -> Option<Self> {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").ok()?;
        let field = |name: &str| {
            cpuinfo.lines().find_map(|line| {
                let (key, value) = line.split_once(':')?;
                (key.trim() == name).then(|| value.trim().to_owned())
            })
        };
        let max_khz =
            std::fs::read_to_string("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq")
                .ok()
                .and_then(|khz| khz.trim().parse::<f64>().ok());
        let ghz = match max_khz {
            Some(khz) => khz / 1e6,
            None => field("cpu MHz")?.parse::<f64>().ok()? / 1e3,
        };
        let amd = field("vendor_id").is_some_and(|vendor| vendor == "AuthenticAMD");
        let (isa, per_cycle) = vector_units(amd)?;
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Some(Self {
            cores,
            ghz,
            per_cycle,
            isa,
        })
    }

    /// Multiply-adds per second.
    pub fn multiply_adds_per_s(&self) -> f64 {
        self.cores as f64 * self.ghz * 1e9 * self.per_cycle as f64
    }
}

impl fmt::Display for CpuPeak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} cores × {:.2} GHz × {} {} multiply-adds a cycle = {:.0} G multiply-adds/s",
            self.cores,
            self.ghz,
            self.per_cycle,
            self.isa,
            self.multiply_adds_per_s() / 1e9
        )
    }
}

/// The vector instructions the CPU kernels use here and their `f32` multiply-adds per cycle.
#[cfg(target_arch = "x86_64")]
fn vector_units(amd: bool) -> Option<(&'static str, usize)> {
    if std::arch::is_x86_feature_detected!("avx512f") {
        Some(if amd {
            ("AVX-512 (256-bit units)", 16)
        } else {
            ("AVX-512", 32)
        })
    } else if std::arch::is_x86_feature_detected!("avx2")
        && std::arch::is_x86_feature_detected!("fma")
    {
        Some(("AVX2+FMA", 16))
    } else {
        None
    }
}

#[cfg(target_arch = "aarch64")]
fn vector_units(_amd: bool) -> Option<(&'static str, usize)> {
    Some(("NEON", 8))
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
fn vector_units(_amd: bool) -> Option<(&'static str, usize)> {
    None
}
