use burn::tensor::{Tensor, TensorData};
use faer::Mat;
use rayon::prelude::*;

use crate::host::read_as;
use crate::symmetric::{sqrt, trace_sqrt_product};
use crate::{Error, gram};

/// The ridge added to both covariances, which keeps their square roots well conditioned
/// (crowsonkb's style-transfer-pytorch uses the same).
pub const W2_EPS: f64 = 1e-4;

/// Eigenvalues of `A Σ A` below this are raised to it in the gradient's `(A Σ A)^-½`. The
/// ridge bounds them below by `W2_EPS²` in exact arithmetic, but `Σ = FᵀF/N − μμᵀ` comes
/// from `f32` sums, whose cancellation on a nearly constant channel with a large mean can
/// exceed the ridge and leave an eigenvalue at about zero or below.
const EIGEN_FLOOR: f64 = W2_EPS * W2_EPS * 1e-2;

/// The squared Wasserstein-2 distance between Gaussians fitted to an activation's pixels and
/// a target's, divided by the channel count `C`:
/// `‖μ − μₛ‖² / C + tr(Σ + Σₛ − 2 (Σₛ^½ Σ Σₛ^½)^½) / C`, with
/// `Σ = FᵀF/N − μμᵀ + εI` (ε = [`W2_EPS`]).
///
/// The target's square root `Σₛ^½` is computed once. At every evaluation the covariance is
/// read back to the host, where `(Σₛ^½ Σ Σₛ^½)^½`'s trace and its gradient
/// `Σₛ^½ (Σₛ^½ Σ Σₛ^½)^-½ Σₛ^½ / 2` come from one `f64` symmetric eigendecomposition (`faer`);
/// the gradient flows back into the graph through a surrogate term.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use nst_losses::W2Loss;
///
/// let device = Device::flex();
/// // One channel: the distance is (μ₁ − μ₂)² + (σ₁ − σ₂)².
/// let style = Tensor::<4>::from_floats([[[[1.0, 3.0]]]], &device); // μ 2, σ² 1 (+ε)
/// let image = Tensor::<4>::from_floats([[[[0.0, 4.0, 0.0, 4.0]]]], &device); // μ 2, σ² 4 (+ε)
/// let loss = W2Loss::new(style).unwrap().forward(image).unwrap();
/// let (s1, s2) = ((1.0f64 + 1e-4).sqrt(), (4.0f64 + 1e-4).sqrt());
/// assert!((loss.into_scalar::<f64>() - (s2 - s1).powi(2)).abs() < 1e-5);
/// ```
#[derive(Debug, Clone)]
pub struct W2Loss {
    /// The target's mean, `[1, 1, C]`.
    mean: Tensor<3>,
    /// `Σₛ^½`.
    root: Mat<f64>,
    /// `tr Σₛ`.
    trace: f64,
}

impl W2Loss {
    /// A loss towards the statistics of `style`, a `[1, C, H, W]` activation of any size.
    pub fn new(style: Tensor<4>) -> Result<Self, Error> {
        let [_, _, h, w] = style.dims();
        let [sum, second] = Self::partial(style.detach());
        let pixels = (h * w) as f64;
        Self::from_moments(sum.div_scalar(pixels), second.div_scalar(pixels))
    }

    /// A loss towards a mean `[1, 1, C]` and raw second moment `FᵀF/N` `[1, C, C]`, such as
    /// a blend of several styles' (both are linear in the pixels, unlike the covariance).
    pub fn from_moments(mean: Tensor<3>, second: Tensor<3>) -> Result<Self, Error> {
        let [_, _, channels] = mean.dims();
        let m = read_as::<f64, 3>(mean.clone(), "mean")?;
        let s = read_as::<f64, 3>(second, "second moment")?;
        let sigma = Mat::from_fn(channels, channels, |i, j| {
            s[i * channels + j] - m[i] * m[j] + if i == j { W2_EPS } else { 0.0 }
        });
        let trace = (0..channels).map(|i| sigma[(i, i)]).sum();
        Ok(Self {
            mean: mean.detach(),
            root: sqrt(sigma.as_ref())?,
            trace,
        })
    }

    /// The distance for a whole `[1, C, H, W]` activation, as a one-element tensor.
    pub fn forward(&self, x: Tensor<4>) -> Result<Tensor<1>, Error> {
        let [_, _, h, w] = x.dims();
        let [sum, second] = Self::partial(x);
        self.from_partials(sum, second, h * w)
    }

    /// The sums over `x`'s pixels of `F` (`[1, 1, C]`) and of `FᵀF` (`[1, C, C]`), for `x` a
    /// part of an activation: both add up over a partition of the grid.
    pub fn partial(x: Tensor<4>) -> [Tensor<3>; 2] {
        let [n, c, _, _] = x.dims();
        let sum = x.clone().sum_dim(3).sum_dim(2).reshape([n, 1, c]);
        [sum, gram(x, false)]
    }

    /// The distance from the [`partial`](Self::partial) sums added up over the whole grid of
    /// `pixels` points.
    pub fn from_partials(
        &self,
        sum: Tensor<3>,
        second: Tensor<3>,
        pixels: usize,
    ) -> Result<Tensor<1>, Error> {
        let mut values = Self::from_partials_many(vec![(self, sum, second, pixels)])?;
        // One value per item.
        Ok(values.swap_remove(0))
    }

    /// [`from_partials`](Self::from_partials) for several losses (one per layer), whose
    /// host computations run in parallel.
    pub fn from_partials_many(
        items: Vec<(&Self, Tensor<3>, Tensor<3>, usize)>,
    ) -> Result<Vec<Tensor<1>>, Error> {
        // On the device: the means' term and the covariances, which are read back.
        let mut staged = Vec::with_capacity(items.len());
        for (loss, sum, second, pixels) in items {
            let [_, _, channels] = sum.dims();
            let n = pixels as f64;
            let dtype = sum.dtype();
            let mean = sum.div_scalar(n);
            let centred = mean.clone().swap_dims(1, 2).matmul(mean.clone());
            let sigma = second.div_scalar(n) - centred;
            let means = (mean - loss.mean.clone().cast(dtype)).square().sum();
            let host = read_as::<f64, 3>(sigma.clone().detach(), "covariance")?;
            staged.push(((&loss.root, loss.trace, host), (channels, means, sigma)));
        }
        // On the host, one layer per thread: tr(Σₛ^½ Σ Σₛ^½)^½ and the gradient by Σ.
        let (host, device): (Vec<_>, Vec<_>) = staged.into_iter().unzip();
        let host: Vec<Result<(f64, Vec<f64>), Error>> = host
            .par_iter()
            .map(|(root, trace, s)| cross(root, *trace, s))
            .collect();
        device
            .into_iter()
            .zip(host)
            .map(|((channels, means, sigma), host)| {
                let (constant, gradient) = host?;
                let gradient = Tensor::<3>::from_data(
                    TensorData::new(gradient, [1, channels, channels]),
                    &sigma.device(),
                )
                .cast(sigma.dtype());
                // Zero, with that gradient: the trace terms' value is the host's.
                let surrogate = (gradient * (sigma.clone() - sigma.detach())).sum();
                Ok((means + surrogate.add_scalar(constant)).div_scalar(channels as f64))
            })
            .collect()
    }
}

/// For the covariance `s` (row-major, without the ridge) and the target's `Σₛ^½` and `tr Σₛ`:
/// `tr Σ + tr Σₛ − 2 tr(Σₛ^½ Σ Σₛ^½)^½` and its gradient by Σ,
/// `I − Σₛ^½ (Σₛ^½ Σ Σₛ^½)^-½ Σₛ^½`, row-major.
///
/// A covariance with a non-finite entry gives a NaN value (and no gradient), which the
/// objective reports as a non-finite loss at its iteration.
fn cross(root: &Mat<f64>, target_trace: f64, s: &[f64]) -> Result<(f64, Vec<f64>), Error> {
    let channels = root.nrows();
    if s.iter().any(|v| !v.is_finite()) {
        return Ok((f64::NAN, vec![0.0; channels * channels]));
    }
    let sigma = Mat::from_fn(channels, channels, |i, j| {
        s[i * channels + j] + if i == j { W2_EPS } else { 0.0 }
    });
    let (cross, half) = trace_sqrt_product(root.as_ref(), sigma.as_ref(), EIGEN_FLOOR)?;
    let gradient = (0..channels * channels)
        .map(|k| {
            let (i, j) = (k / channels, k % channels);
            f64::from(u8::from(i == j)) - 2.0 * half[(i, j)]
        })
        .collect();
    let trace = (0..channels).map(|i| sigma[(i, i)]).sum::<f64>();
    Ok((trace + target_trace - 2.0 * cross, gradient))
}
