//! The floating-point format VGG-16 computes in on a device.

use burn::tensor::{DType, Device};
use serde::{Deserialize, Serialize};

use crate::{Error, UnknownName};

/// Whether the `f16` path has run and been checked on real hardware with tensor cores: until
/// it has, `auto` resolves to `f32` everywhere and an explicit `f16` run says it is
/// unmeasured. A GPU check flips it: `nst bench --precision f16` against `f32` and the `f16`
/// parity tests (`cargo test --release -p nst-vgg16 --features cuda -- f16`) on a GPU with
/// cooperative matrices, its speed-up and accuracy going into BENCHMARKS.md.
pub const F16_MEASURED: bool = false;

/// The format of VGG-16's weights and activations on the device. Gram matrices, losses and the
/// optimiser's update stay in `f32` whatever it is (an `f16` Gram matrix overflows).
///
/// `F32` is the default where nothing is said (a recipe written before precisions existed ran
/// in `f32`); a configuration's default is `Auto`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// `f32`: the CPU's only format. On CUDA (sm_80 and newer) Burn's `f32` convolutions and
    /// products may run as TF32, as PyTorch's do by default.
    #[default]
    F32,
    /// `f16` weights and activations: half the memory traffic, and tensor cores where the
    /// device has them. GPU backends only.
    F16,
    /// `f32` for now, everywhere ([`F16_MEASURED`]); once `f16` is measured, `f16` where the
    /// device has cooperative matrices (tensor cores) for `f16` products with `f32` sums,
    /// `f32` elsewhere.
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

    /// The dtype VGG-16 computes in on `device`: `auto` decided, and `f16` refused where the
    /// device has no `f16` (the CPU backends, a GPU without 16-bit arithmetic).
    pub fn resolve(self, device: &Device) -> Result<DType, Error> {
        decide(self, half_support(device), F16_MEASURED)
    }
}

/// The dtype `precision` computes in on a device offering `half` (`None`: the CPU), `auto`
/// choosing `f16` only where `f16_measured`.
fn decide(
    precision: Precision,
    half: Option<HalfSupport>,
    f16_measured: bool,
) -> Result<DType, Error> {
    let Some(half) = half else {
        return match precision {
            Precision::F16 => Err(Error::F16Unavailable("the CPU computes in f32")),
            _ => Ok(DType::F32),
        };
    };
    match precision {
        Precision::F32 => Ok(DType::F32),
        Precision::F16 if half.arithmetic => Ok(DType::F16),
        Precision::F16 => Err(Error::F16Unavailable("this GPU has no f16 arithmetic")),
        Precision::Auto if f16_measured && half.cooperative_matrices => Ok(DType::F16),
        Precision::Auto => Ok(DType::F32),
    }
}

/// How a run names the dtype it computes in: `f32`, or `f16` with a warning until
/// [`F16_MEASURED`].
pub fn computes_in(dtype: DType) -> &'static str {
    match dtype {
        DType::F16 if !F16_MEASURED => "f16, not yet measured on this kind of device",
        DType::F16 => "f16",
        _ => "f32",
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

/// Whether `device` has cooperative matrices (tensor cores) for `f16` products summed in
/// `f32`, the kind our layers use: `None` off the CubeCL backends.
pub fn cooperative_matrices(device: &Device) -> Option<bool> {
    half_support(device).map(|half| half.cooperative_matrices)
}

/// What a CubeCL device offers for `f16`.
#[derive(Debug, Clone, Copy)]
struct HalfSupport {
    /// `f16` arithmetic and storage.
    arithmetic: bool,
    /// Cooperative matrices with `f16` inputs and `f32` sums.
    cooperative_matrices: bool,
}

/// `None` off the CubeCL backends.
fn half_support(device: &Device) -> Option<HalfSupport> {
    match device.as_dispatch().clone().inner() {
        #[cfg(feature = "cube")]
        burn::backend::DispatchDevice::Cube(device) => {
            use burn_cubecl::cubecl::ir::{ElemType, FloatKind};

            let client = device.client();
            let properties = client.properties();
            let (f16, f32) = (
                ElemType::Float(FloatKind::F16),
                ElemType::Float(FloatKind::F32),
            );
            Some(HalfSupport {
                arithmetic: properties.supports_type(f16),
                cooperative_matrices: properties.features.matmul.cmma.iter().any(|config| {
                    config.a_type == f16 && config.b_type == f16 && config.cd_type == f32
                }),
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TENSOR_CORES: HalfSupport = HalfSupport {
        arithmetic: true,
        cooperative_matrices: true,
    };
    const NO_TENSOR_CORES: HalfSupport = HalfSupport {
        arithmetic: true,
        cooperative_matrices: false,
    };

    #[test]
    fn auto_is_f32_even_with_tensor_cores_until_f16_is_measured() {
        // Flipping `F16_MEASURED` changes this test, with BENCHMARKS.md's figure.
        for half in [Some(TENSOR_CORES), Some(NO_TENSOR_CORES), None] {
            let auto = decide(Precision::Auto, half, F16_MEASURED).ok();
            assert_eq!(auto, Some(DType::F32), "{half:?}");
        }
        assert_eq!(computes_in(DType::F32), "f32");
        assert_eq!(
            computes_in(DType::F16),
            "f16, not yet measured on this kind of device"
        );
    }

    #[test]
    fn measured_auto_takes_f16_only_on_tensor_cores_and_f16_stays_available() {
        let decided = |precision, half| decide(precision, half, true).ok();
        assert_eq!(
            decided(Precision::Auto, Some(TENSOR_CORES)),
            Some(DType::F16)
        );
        assert_eq!(
            decided(Precision::Auto, Some(NO_TENSOR_CORES)),
            Some(DType::F32)
        );
        assert_eq!(decided(Precision::Auto, None), Some(DType::F32));
        for measured in [false, true] {
            let f16 = |half| decide(Precision::F16, half, measured);
            assert_eq!(f16(Some(TENSOR_CORES)).ok(), Some(DType::F16));
            assert_eq!(f16(Some(NO_TENSOR_CORES)).ok(), Some(DType::F16));
            assert!(matches!(f16(None), Err(Error::F16Unavailable(_))));
            let no_arithmetic = HalfSupport {
                arithmetic: false,
                cooperative_matrices: false,
            };
            assert!(matches!(
                f16(Some(no_arithmetic)),
                Err(Error::F16Unavailable(_))
            ));
        }
    }
}
