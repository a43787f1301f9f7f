//! Choosing the compute backend at run time.
//!
//! The library runs on any Burn [`Device`]; this module turns a user's choice
//! (`auto`, `cpu`, `ndarray`, `wgpu`, `cuda`) into one, and says which hardware it got.
//! Which backends exist is decided at build time by this crate's cargo features.

use std::fmt;

use burn::tensor::Device;

use crate::Error;

/// A backend a user can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Backend {
    /// A hardware GPU when one is found (CUDA first, then wgpu), otherwise the CPU.
    #[default]
    Auto,
    /// Burn's `flex` CPU backend: the fastest CPU path.
    Cpu,
    /// Burn's `ndarray` CPU backend (deprecated upstream; far slower backward convolutions).
    Ndarray,
    /// wgpu on the default adapter: a GPU through Vulkan (the only API tried on Linux), Metal
    /// or DX12, or a software rasteriser such as lavapipe when there is no GPU.
    Wgpu,
    /// CUDA on the first NVIDIA GPU.
    Cuda,
}

impl Backend {
    /// Every backend, in the order the CLI lists them.
    pub const ALL: [Backend; 5] = [
        Backend::Auto,
        Backend::Cpu,
        Backend::Ndarray,
        Backend::Wgpu,
        Backend::Cuda,
    ];

    /// The name the CLI uses.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Auto => "auto",
            Backend::Cpu => "cpu",
            Backend::Ndarray => "ndarray",
            Backend::Wgpu => "wgpu",
            Backend::Cuda => "cuda",
        }
    }

    /// Whether this build has the backend compiled in (`auto` and `cpu` always are).
    pub fn is_compiled(self) -> bool {
        match self {
            Backend::Auto | Backend::Cpu => true,
            Backend::Ndarray => cfg!(feature = "ndarray"),
            Backend::Wgpu => cfg!(feature = "wgpu"),
            Backend::Cuda => cfg!(feature = "cuda"),
        }
    }

    /// Opens the backend's device.
    ///
    /// GPU backends are opened eagerly, so a missing driver or adapter is an error here
    /// rather than a panic at the first tensor operation.
    pub fn open(self) -> Result<Selected, Error> {
        if !self.is_compiled() {
            return Err(Error::BackendNotCompiled(self.name()));
        }
        match self {
            Backend::Auto => Ok(auto()),
            Backend::Cpu => Ok(Selected::new(Backend::Cpu, Device::flex(), cpu_name())),
            Backend::Ndarray => ndarray(),
            Backend::Wgpu => wgpu(None),
            Backend::Cuda => cuda(),
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Backend {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Backend::ALL
            .into_iter()
            .find(|b| b.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| Error::UnknownBackend(s.to_owned()))
    }
}

/// An opened device and what it is.
#[derive(Debug, Clone)]
pub struct Selected {
    /// The backend that was opened (never [`Backend::Auto`]).
    pub backend: Backend,
    /// The device to give [`StyleTransfer::with_device`](crate::StyleTransfer::with_device).
    pub device: Device,
    /// The hardware, as the driver names it, e.g. `NVIDIA H100 80GB HBM3`.
    pub hardware: String,
    /// The GPU runtime, as CubeCL names it: `wgpu<spirv>` (Vulkan with SPIR-V kernels),
    /// `wgpu<wgsl>` or `cuda`; `None` on the CPU.
    pub runtime: Option<&'static str>,
    /// Whether the GPU has cooperative matrices for `f16` products summed in `f32` (tensor
    /// cores our layers use, the condition of `--precision auto` choosing `f16`); `None` on
    /// the CPU.
    pub cooperative_matrices: Option<bool>,
}

impl Selected {
    fn new(backend: Backend, device: Device, hardware: String) -> Self {
        let cooperative_matrices = nst_vgg16::cooperative_matrices(&device);
        Self {
            backend,
            runtime: runtime_name(&device),
            device,
            hardware,
            cooperative_matrices,
        }
    }
}

impl fmt::Display for Selected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}", self.backend, self.hardware)?;
        if let Some(runtime) = self.runtime {
            write!(f, "; {runtime}")?;
        }
        match self.cooperative_matrices {
            Some(true) => write!(f, ", cooperative matrices)"),
            Some(false) => write!(f, ", no cooperative matrices)"),
            None => write!(f, ")"),
        }
    }
}

/// The CubeCL runtime's name for `device`; `None` off the CubeCL backends.
fn runtime_name(device: &Device) -> Option<&'static str> {
    match device.as_dispatch().clone().inner() {
        #[cfg(any(feature = "wgpu", feature = "cuda"))]
        burn::backend::DispatchDevice::Cube(device) => Some(device.client().name()),
        _ => None,
    }
}

/// CUDA if it opens, then a hardware wgpu adapter, then the CPU.
fn auto() -> Selected {
    if cfg!(feature = "cuda")
        && let Ok(selected) = cuda()
    {
        return selected;
    }
    if cfg!(feature = "wgpu") {
        for kind in hardware_adapters() {
            if let Ok(selected) = wgpu(Some(kind)) {
                return selected;
            }
        }
    }
    Selected::new(Backend::Cpu, Device::flex(), cpu_name())
}

/// The processor's model name, from `/proc/cpuinfo` where there is one.
fn cpu_name() -> String {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|line| line.strip_prefix("model name"))
                .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_owned());
    format!("{model}, {threads} threads")
}

#[cfg(feature = "ndarray")]
#[allow(deprecated)] // the CLI offers the deprecated backend on purpose
fn ndarray() -> Result<Selected, Error> {
    Ok(Selected::new(
        Backend::Ndarray,
        Device::ndarray(),
        cpu_name(),
    ))
}

#[cfg(not(feature = "ndarray"))]
fn ndarray() -> Result<Selected, Error> {
    Err(Error::BackendNotCompiled("ndarray"))
}

#[cfg(feature = "wgpu")]
fn hardware_adapters() -> [burn::tensor::DeviceKind; 2] {
    use burn::tensor::DeviceKind;
    [DeviceKind::DiscreteGpu(0), DeviceKind::IntegratedGpu(0)]
}

#[cfg(not(feature = "wgpu"))]
fn hardware_adapters() -> [(); 0] {
    []
}

/// wgpu on `kind`, or on wgpu's default adapter.
#[cfg(feature = "wgpu")]
fn wgpu(kind: Option<burn::tensor::DeviceKind>) -> Result<Selected, Error> {
    crate::kernel_cache::configure();
    let options = Device::wgpu_options();
    // Vulkan only on Linux: it reaches every current GPU there, and wgpu's OpenGL fallback
    // would only add an EGL probe to the adapter search.
    #[cfg(target_os = "linux")]
    let options = options.graphics_api(burn::tensor::wgpu::WgpuBackend::Vulkan);
    let options = match kind {
        Some(kind) => options.device_kind(kind),
        None => options,
    };
    let device = options.init().map_err(|e| Error::BackendUnavailable {
        backend: "wgpu",
        source: e.into(),
    })?;
    let hardware = identity_name(&device);
    Ok(Selected::new(Backend::Wgpu, device, hardware))
}

#[cfg(not(feature = "wgpu"))]
fn wgpu(_kind: Option<()>) -> Result<Selected, Error> {
    Err(Error::BackendNotCompiled("wgpu"))
}

/// The first CUDA device, opened now. A machine without the driver or a GPU is told by
/// CubeCL's probe, which does not panic; past it, the CUDA runtime panics when it cannot start
/// (on the thread that starts it, and then on this one), so this thread's panic is caught and
/// its message returned ([`crate::quiet_panic`]: the process's panic hook stays in place, and
/// a panic on another thread still reaches it).
#[cfg(feature = "cuda")]
fn cuda() -> Result<Selected, Error> {
    let unavailable = |source: nst_transfer::Cause| Error::BackendUnavailable {
        backend: "cuda",
        source,
    };
    burn::cubecl::Device::cuda(0).map_err(|e| unavailable(e.into()))?;
    crate::kernel_cache::configure();
    let device = Device::cuda(0);
    let probe = device.clone();
    match crate::quiet_panic::catch_quietly(move || identity_name(&probe)) {
        Ok(hardware) => Ok(Selected::new(Backend::Cuda, device, hardware)),
        Err(message) => Err(unavailable(
            message
                .unwrap_or_else(|| "the CUDA runtime failed to start".into())
                .into(),
        )),
    }
}

#[cfg(not(feature = "cuda"))]
fn cuda() -> Result<Selected, Error> {
    Err(Error::BackendNotCompiled("cuda"))
}

/// The name the device's driver reports, opening the device.
#[cfg(any(feature = "wgpu", feature = "cuda"))]
fn identity_name(device: &Device) -> String {
    device
        .as_dispatch()
        .identity()
        .map_or_else(|| "unknown device".into(), |id| id.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for backend in Backend::ALL {
            assert_eq!(backend.name().parse::<Backend>().ok(), Some(backend));
        }
        assert!(matches!(
            "tpu".parse::<Backend>(),
            Err(Error::UnknownBackend(_))
        ));
    }

    #[test]
    fn cpu_always_opens() {
        let selected = Backend::Cpu.open().expect("flex is always compiled");
        assert_eq!(selected.backend, Backend::Cpu);
        assert!(!selected.hardware.is_empty());
    }
}
