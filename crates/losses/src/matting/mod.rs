//! The matting Laplacian of Levin, Lischinski & Weiss ("A Closed-Form Solution to Natural
//! Image Matting", 2008), applied without building its matrix.

mod smooth;
mod windows;

use std::sync::Arc;

use burn::tensor::{Tensor, TensorData};

pub use smooth::{Smoothed, Smoothing};
use windows::{OFFSETS, WindowStats};

use crate::Error;
use crate::host::read_as;

/// The matting Laplacian's default regulariser, Luan et al.'s and Levin et al.'s `ε`.
pub const MATTING_EPS: f64 = 1e-7;

/// The matting Laplacian `L` of a photo (3×3 windows, only windows wholly inside it), as the
/// energy `Σ_c v_cᵀ L v_c` on any device (with autodiff) and the product `L·v` on the host,
/// without the `(H·W)²`-entry matrix.
///
/// `vᵀLv` is how far `v` is, in every window, from an affine function of the photo's
/// colours: `Σₖ min_{a,b} Σⱼ (vⱼ − aᵀIⱼ − b)² + ε‖a‖²`. Per window `k` the photo's mean `μₖ`
/// and `Δₖ = (Σₖ + ε/9·I₃)⁻¹` are computed once, in `f64` (see the crate's tests for the
/// `f32` bound); then for each channel the window's least-squares fit
/// `aₖ = Δₖ · mean((I − μₖ)(v − v̄ₖ))` (with `Δₖ` and the centred photo multiplied in `f64`)
/// and its residuals `rₖⱼ = (vⱼ − v̄ₖ) − aₖᵀ(Iⱼ − μₖ)`
/// give `(Lv)ᵢ = Σₖ∋ᵢ rₖᵢ` (He, Sun & Tang's guided-filter form) and
/// `vᵀLv = Σₖ Σⱼ rₖⱼ² + ε‖aₖ‖²`, a sum of squares, so it is never negative in any
/// precision.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use nst_losses::{MATTING_EPS, MattingLaplacian};
///
/// let device = Device::flex();
/// let photo = Tensor::<4>::random([1, 3, 6, 7], burn::tensor::Distribution::Default, &device);
/// let laplacian = MattingLaplacian::new(photo.clone(), MATTING_EPS)?;
/// // The photo's own channels are affine functions of its colours: almost no energy.
/// assert!(laplacian.energy(photo).into_scalar::<f32>() < 1e-4);
/// # Ok::<(), nst_losses::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct MattingLaplacian {
    height: usize,
    width: usize,
    eps: f64,
    /// The photo, `[3][H·W]` in 0–1, for the host's product.
    photo: Arc<[f64]>,
    /// `None` when the photo is narrower or shorter than 3 pixels: no window, `L = 0`.
    windows: Option<Windows>,
    /// `[1, 1, H, W]`: `L`'s diagonal.
    diagonal: Tensor<4>,
}

/// The photo's window statistics on the device (see [`WindowStats`]).
#[derive(Debug, Clone)]
struct Windows {
    /// Per offset, `[1, 3, H − 2, W − 2]`: the photo centred on each window's mean.
    centred: Vec<Tensor<4>>,
    /// Per offset, `[1, 3, H − 2, W − 2]`: the least-squares projection `Δₖ Xₖⱼ / 9`.
    projection: Vec<Tensor<4>>,
}

/// Each window's least-squares fit of one image's channels (batched as `[3, 1, H, W]`).
struct Fit {
    /// `[3, 1, H − 2, W − 2]`: each channel's window means.
    mean: Tensor<4>,
    /// `[3, 3, H − 2, W − 2]`: channel × colour slope.
    slope: Tensor<4>,
}

impl MattingLaplacian {
    /// The Laplacian of `photo`, a `[1, 3, H, W]` image in 0–1, with regulariser `eps`
    /// ([`MATTING_EPS`] in Luan et al.), on the photo's device and in its dtype; an error if
    /// the photo has another number of channels or cannot be read back.
    pub fn new(photo: Tensor<4>, eps: f64) -> Result<Self, Error> {
        let [_, channels, height, width] = photo.dims();
        if channels != 3 {
            return Err(Error::NotRgb { channels });
        }
        let device = photo.device();
        let dtype = photo.dtype();
        let upload = |values: Vec<f64>, shape: [usize; 4]| {
            Tensor::<4>::from_data(TensorData::new(values, shape), (&device, dtype))
        };
        let host: Arc<[f64]> = read_as::<f64, 4>(photo.clone().detach(), "photo")?.into();
        if height < 3 || width < 3 {
            let diagonal = photo.zeros_like().narrow(1, 0, 1);
            return Ok(Self {
                height,
                width,
                eps,
                photo: host,
                windows: None,
                diagonal,
            });
        }
        let stats = WindowStats::new(&host, height, width, eps);
        let (hk, wk) = (height - 2, width - 2);
        let per_window = |values: &[f64]| {
            values
                .chunks_exact(3 * hk * wk)
                .map(|chunk| upload(chunk.to_vec(), [1, 3, hk, wk]))
                .collect()
        };
        Ok(Self {
            height,
            width,
            eps,
            photo: host,
            windows: Some(Windows {
                centred: per_window(&stats.centred),
                projection: per_window(&stats.projection),
            }),
            diagonal: upload(stats.diagonal, [1, 1, height, width]),
        })
    }

    /// `[1, 1, H, W]`: the Laplacian's diagonal (for preconditioning).
    pub fn diagonal(&self) -> Tensor<4> {
        self.diagonal.clone()
    }

    /// The photo's `[height, width]`.
    pub fn dims(&self) -> [usize; 2] {
        [self.height, self.width]
    }

    /// `Σ_c v_cᵀ L v_c` for `v`, a `[1, 3, H, W]` image in 0–1, as a one-element tensor in
    /// `v`'s dtype. Its gradient, through autodiff, is `2·L·v`: the fits are taken as
    /// constants, which is exact since they minimise the energy (the envelope theorem).
    pub fn energy(&self, v: Tensor<4>) -> Tensor<1> {
        let v = v.swap_dims(0, 1);
        let Some(windows) = &self.windows else {
            return v.sum().mul_scalar(0.0);
        };
        let fit = windows.fit(v.clone().detach());
        let mut energy = fit.slope.clone().square().sum().mul_scalar(self.eps);
        for (j, &offset) in OFFSETS.iter().enumerate() {
            let residual = shift(v.clone(), offset) - windows.prediction(&fit, j);
            energy = energy + residual.square().sum();
        }
        energy
    }

    /// `L·v` for `v`, a `[1, 3, H, W]` image (each channel multiplied by `L`), computed on
    /// the host in `f64` and returned on `v`'s device in its dtype; an error if `v` cannot be
    /// read back.
    pub fn apply(&self, v: Tensor<4>) -> Result<Tensor<4>, Error> {
        let (device, dtype, shape) = (v.device(), v.dtype(), v.dims());
        let host = read_as::<f64, 4>(v, "image")?;
        let mut out = vec![0.0; host.len()];
        apply_channels(self.host_stats().as_ref(), &host, &mut out);
        Ok(Tensor::from_data(
            TensorData::new(out, shape),
            (&device, dtype),
        ))
    }

    /// The photo's window statistics on the host (recomputed: only the product needs them),
    /// `None` without windows.
    fn host_stats(&self) -> Option<WindowStats> {
        self.windows
            .as_ref()
            .map(|_| WindowStats::new(&self.photo, self.height, self.width, self.eps))
    }
}

impl Windows {
    /// Each window's least-squares slope and mean of `v` (`[3, 1, H, W]`, channels first).
    fn fit(&self, v: Tensor<4>) -> Fit {
        let dtype = v.dtype();
        let shifted: Vec<Tensor<4>> = OFFSETS.iter().map(|&o| shift(v.clone(), o)).collect();
        let mean = sum(shifted.iter().cloned()).div_scalar(9.0);
        // Σⱼ Pⱼ (vⱼ − v̄): centring v too keeps the sum free of cancellation.
        let slope = sum(shifted
            .into_iter()
            .zip(&self.projection)
            .map(|(s, p)| (s - mean.clone()) * p.clone().cast(dtype)));
        Fit { mean, slope }
    }

    /// `v̄ₖ + aₖᵀ(I(k + j) − μₖ)`: the fit's value at offset `j` of each window.
    fn prediction(&self, fit: &Fit, j: usize) -> Tensor<4> {
        let dtype = fit.mean.dtype();
        let along = (fit.slope.clone() * self.centred[j].clone().cast(dtype)).sum_dim(1);
        fit.mean.clone() + along
    }
}

/// The `(H − 2)×(W − 2)` part of `v` that starts at `(dy, dx)`: the pixel at offset
/// `(dy, dx)` of every window.
fn shift(v: Tensor<4>, (dy, dx): (usize, usize)) -> Tensor<4> {
    let [_, _, h, w] = v.dims();
    v.narrow(2, dy, h - 2).narrow(3, dx, w - 2)
}

/// The sum of non-empty `tensors`.
fn sum(tensors: impl IntoIterator<Item = Tensor<4>>) -> Tensor<4> {
    tensors
        .into_iter()
        .reduce(|a, b| a + b)
        .expect("a window has nine offsets and three colours")
}

/// `out = L·v` for `v`, `[C][H·W]` on the host; zero without windows.
fn apply_channels(stats: Option<&WindowStats>, v: &[f64], out: &mut [f64]) {
    match stats {
        Some(stats) => stats.apply(v, out),
        None => out.fill(0.0),
    }
}
