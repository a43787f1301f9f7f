use burn::tensor::{Int, Tensor, TensorData};

use crate::Error;
use crate::host::read_as;
use crate::quantiles::{SortedRows, matched_distance, sorted_rows};

/// The most pixels of a layer that a run's sliced loss compares at one evaluation: larger
/// layers (VGG-16's first blocks at 512 px: 196 608 and 49 152 pixels) compare this many
/// pixels of the image and of the style, drawn anew at every evaluation
/// ([`pixel_subset`](crate::pixel_subset)). Sorting every pixel's projections there cost
/// 0.4 s of an iteration per layer on two cores.
pub const SLICED_MAX_PIXELS: usize = 16_384;

/// The sliced Wasserstein distance between an activation's pixels and a style's (Heitz et
/// al., "A Sliced Wasserstein Loss for Neural Texture Synthesis", CVPR 2021): both feature
/// sets are projected on `K` unit directions, and the loss is the mean squared difference
/// between each direction's sorted projections of the image and the style's quantiles there
/// (linearly interpolated when the pixel counts differ).
///
/// The projections are products on the device; the ranks are found on the host. The matched
/// target is a constant, so the gradient is `2(P − R)/(K·N)` through the projections `P`.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use nst_losses::SlicedLoss;
///
/// let device = Device::flex();
/// let style = Tensor::<4>::from_floats([[[[0.0, 1.0, 2.0, 3.0]]]], &device);
/// let image = Tensor::<4>::from_floats([[[[3.0, 5.0, 1.0, 7.0]]]], &device);
/// let loss = SlicedLoss::new(style);
/// let direction = Tensor::<2>::from_floats([[1.0]], &device);
/// // Sorted, the image is 1, 3, 5, 7 against 0, 1, 2, 3: (1 + 4 + 9 + 16) / 4.
/// assert_eq!(loss.forward(image, direction).unwrap().into_scalar::<f32>(), 7.5);
/// ```
#[derive(Debug, Clone)]
pub struct SlicedLoss {
    /// The style's features, `[C, M]`.
    style: Tensor<2>,
}

impl SlicedLoss {
    /// A loss towards the pixels of `style`, a `[1, C, H, W]` activation of any size.
    pub fn new(style: Tensor<4>) -> Self {
        let [_, c, h, w] = style.dims();
        Self {
            style: style.detach().reshape([c, h * w]),
        }
    }

    /// The distance of the whole `[1, C, H, W]` activation `x` along `directions`, `[K, C]`
    /// unit rows (see [`directions`](crate::directions)), as a one-element tensor.
    pub fn forward(&self, x: Tensor<4>, directions: Tensor<2>) -> Result<Tensor<1>, Error> {
        let [_, c, h, w] = x.dims();
        let directions = directions.cast(x.dtype());
        let projected = directions.clone().matmul(x.reshape([c, h * w]));
        let style = directions
            .detach()
            .matmul(self.style.clone().cast(projected.dtype()));
        let [_, m] = style.dims();
        match projected.dtype() {
            burn::tensor::DType::F64 => {
                let sorted = sorted_rows(read_as::<f64, 2>(style, "style's projections")?, m);
                matched_distance(projected, SortedRows::F64(&sorted, m))
            }
            _ => {
                let sorted = sorted_rows(read_as::<f32, 2>(style, "style's projections")?, m);
                matched_distance(projected, SortedRows::F32(&sorted, m))
            }
        }
    }

    /// The style's pixel count.
    pub fn pixels(&self) -> usize {
        self.style.dims()[1]
    }

    /// The pixels at `image` (ascending indices into the flattened grid) of the
    /// `[1, C, H, W]` activation `x`, as `[1, C, image.len(), 1]`, and this loss towards the
    /// style's pixels at `style` only: a sample to [`forward`](Self::forward).
    pub fn sample(&self, x: Tensor<4>, image: &[u32], style: &[u32]) -> (Tensor<4>, Self) {
        let [_, c, h, w] = x.dims();
        let x = x
            .reshape([c, h * w])
            .select(1, index_tensor(image, &self.style));
        let loss = Self {
            style: self
                .style
                .clone()
                .select(1, index_tensor(style, &self.style)),
        };
        (x.reshape([1, c, image.len(), 1]), loss)
    }

    /// `directions` (row-major `[k][c]`, from [`directions`](crate::directions)) as a tensor
    /// on `like`'s device.
    pub fn directions_tensor(directions: Vec<f64>, k: usize, like: &Tensor<4>) -> Tensor<2> {
        let c = directions.len() / k.max(1);
        Tensor::<2>::from_data(TensorData::new(directions, [k, c]), &like.device())
            .cast(like.dtype())
    }
}

/// `indices` as an integer tensor on `like`'s device.
fn index_tensor<const D: usize>(indices: &[u32], like: &Tensor<D>) -> Tensor<1, Int> {
    let indices: Vec<i64> = indices.iter().map(|&i| i64::from(i)).collect();
    let len = indices.len();
    Tensor::from_data(TensorData::new(indices, [len]), &like.device())
}
