use burn::tensor::Tensor;

/// The temporal loss of Ruder, Dosovitskiy & Brox ("Artistic style transfer for videos",
/// 2016): the weighted mean squared difference between the frame being painted and the
/// previous painted frame warped to it, `(1/D) Σ c·(x − w)²` over the `D = C·H·W` values,
/// where the weights `c` (one per pixel, in [0, 1]) are zero where the motion is unreliable.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use nst_losses::TemporalLoss;
///
/// let device = Device::flex();
/// let warped = Tensor::<4>::from_floats([[[[0.0, 0.0]]]], &device);
/// let weights = Tensor::<4>::from_floats([[[[1.0, 0.5]]]], &device);
/// let x = Tensor::<4>::from_floats([[[[2.0, 2.0]]]], &device);
/// let loss = TemporalLoss::new(warped, weights).forward(x);
/// assert_eq!(loss.into_scalar::<f32>(), 3.0); // (1·4 + 0.5·4) / 2
/// ```
#[derive(Debug, Clone)]
pub struct TemporalLoss {
    warped: Tensor<4>,
    weights: Tensor<4>,
}

impl TemporalLoss {
    /// The loss towards `warped`, a `[N, C, H, W]` image, with `weights` of shape
    /// `[N, 1, H, W]` (broadcast over the channels).
    pub fn new(warped: Tensor<4>, weights: Tensor<4>) -> Self {
        Self { warped, weights }
    }

    /// `(1/D) Σ c·(x − w)²` for `x` of the warped image's shape, as a one-element tensor
    /// in `x`'s dtype.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<1> {
        let count = x.dims().iter().product::<usize>().max(1) as f64;
        let dtype = x.dtype();
        let difference = x - self.warped.clone().cast(dtype);
        let weights = self.weights.clone().cast(dtype).expand(difference.dims());
        (difference.clone() * difference * weights)
            .sum()
            .div_scalar(count)
    }
}
