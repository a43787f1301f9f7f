use burn::tensor::Tensor;

use crate::Error;
use crate::host::read_as;
use crate::quantiles::{SortedRows, matched_distance, sorted_rows};

/// The histogram loss of Risser et al. ("Stable and Controllable Neural Texture Synthesis and
/// Style Transfer Using Histogram Losses", 2017): per channel, the activation is
/// histogram-matched to the style's channel (exactly: each value takes the style's quantile
/// at its rank), and the loss is the mean squared distance to that match, a constant.
///
/// It equals [`SlicedLoss`](crate::SlicedLoss) along the channel axes.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use nst_losses::HistogramLoss;
///
/// let device = Device::flex();
/// let style = Tensor::<4>::from_floats([[[[0.0, 1.0, 2.0, 3.0]]]], &device);
/// let image = Tensor::<4>::from_floats([[[[3.0, 5.0, 1.0, 7.0]]]], &device);
/// let loss = HistogramLoss::new(style).unwrap();
/// assert_eq!(loss.forward(image).unwrap().into_scalar::<f32>(), 7.5);
/// ```
#[derive(Debug, Clone)]
pub struct HistogramLoss {
    /// Each channel's style values, ascending, `[C][M]` (the activations' own `f32`s).
    sorted: Vec<f32>,
    pixels: usize,
}

impl HistogramLoss {
    /// A loss towards the channels' histograms of `style`, a `[1, C, H, W]` activation of any
    /// size.
    pub fn new(style: Tensor<4>) -> Result<Self, Error> {
        let [_, c, h, w] = style.dims();
        let values = read_as::<f32, 2>(style.detach().reshape([c, h * w]), "style's activations")?;
        Ok(Self {
            sorted: sorted_rows(values, h * w),
            pixels: h * w,
        })
    }

    /// The loss of the whole `[1, C, H, W]` activation `x`, as a one-element tensor.
    pub fn forward(&self, x: Tensor<4>) -> Result<Tensor<1>, Error> {
        let [_, c, h, w] = x.dims();
        matched_distance(
            x.reshape([c, h * w]),
            SortedRows::F32(&self.sorted, self.pixels),
        )
    }
}
