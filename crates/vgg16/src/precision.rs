//! The floating-point format VGG-16 computes in on a device.

use burn::backend::DispatchDevice;
use burn::tensor::{DType, Device};
use serde::{Deserialize, Serialize};

use crate::{Error, UnknownName};

/// The format of VGG-16's weights and activations on the device. Gram matrices, losses and the
/// optimiser's update stay in `f32` whatever it is (an `f16` Gram matrix overflows).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// `f32` everywhere: the CPU's only format, and exact parity with it on a GPU.
    #[default]
    F32,
    /// `f16` weights and activations: half the memory traffic, and tensor cores where the
    /// device has them. GPU backends only.
    F16,
    /// `f16` where the device reports cooperative matrices (tensor cores), `f32` elsewhere.
    Auto,
}

impl Precision {
    /// Every precision, as the CLI lists them.
    pub const ALL: [Precision; 3] = [Precision::F32, Precision::F16, Precision::Auto];

    /// The name the CLI and recipes use.
    pub fn name(self) -> &'static str {
        match self {
            Precision::F32 => "f32",
            Precision::F16 => "f16",
            Precision::Auto => "auto",
        }
    }

    /// The dtype VGG-16 computes in on `device`: `auto` decided, and `f16` refused off the
    /// CubeCL backends (wgpu, CUDA), where no `f16` kernel of ours or of Burn's pays.
    pub fn resolve(self, device: &Device) -> Result<DType, Error> {
        let cube = cooperative_matrices(device);
        match (self, cube) {
            (Precision::F32, _) | (Precision::Auto, None | Some(false)) => Ok(DType::F32),
            (Precision::F16, Some(_)) | (Precision::Auto, Some(true)) => Ok(DType::F16),
            (Precision::F16, None) => Err(Error::F16OnCpu),
        }
    }
}

impl std::fmt::Display for Precision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Precision {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Precision::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                Error::from(UnknownName {
                    what: "precision",
                    name: s.to_owned(),
                    expected: "f32, f16 or auto",
                })
            })
    }
}

/// Whether `device` reports cooperative matrices (`Some(true)`): `None` off the CubeCL
/// backends.
pub fn cooperative_matrices(device: &Device) -> Option<bool> {
    match device.as_dispatch().clone().inner() {
        #[cfg(feature = "cube")]
        DispatchDevice::Cube(device) => {
            Some(!device.client().properties().features.matmul.cmma.is_empty())
        }
        _ => None,
    }
}
