//! How much work and memory the model's convolutions take at a given image size: the counts
//! behind `nst bench`'s columns and the memory estimates.

use crate::conv3x3::Algorithm;
use crate::layer::CHANNELS;
use crate::layer::POOL_AFTER;
use crate::{Layer, Vgg16};

impl Vgg16 {
    /// Floating-point operations of the convolutions that [`forward`](Self::forward) runs for
    /// `layers` on one `height`×`width` image: `2·H·W·Cin·Cout·9` per convolution (a multiply
    /// and an add per weight and output pixel), biases, ReLUs and pooling not counted.
    ///
    /// The input gradient costs the same again, so one optimisation step is about twice this.
    ///
    /// ```
    /// use nst_vgg16::{Layer, Vgg16};
    ///
    /// // The published figure for VGG-16's convolutions at 224×224: 15.35 G multiply-adds.
    /// let deepest = Layer::parse("conv5_3").unwrap();
    /// assert_eq!(Vgg16::conv_flops(224, 224, &[deepest]), 2 * 15_346_630_656);
    /// ```
    pub fn conv_flops(height: usize, width: usize, layers: &[Layer]) -> u64 {
        conv_shapes(height, width, layers)
            .map(|s| {
                s.h.saturating_mul(s.w)
                    .saturating_mul(2 * s.cin * s.cout * 9)
            })
            .fold(0, u64::saturating_add)
    }

    /// The number of values the convolutions that [`forward`](Self::forward) runs for `layers`
    /// output on one `height`×`width` image: what one forward pass holds for its backward pass,
    /// per copy.
    ///
    /// ```
    /// use nst_vgg16::{Layer, Vgg16};
    /// // conv1_1 and conv1_2: 64 channels each at full size.
    /// assert_eq!(Vgg16::activation_values(4, 4, &[Layer::parse("conv1_2").unwrap()]), 2 * 64 * 16);
    /// ```
    pub fn activation_values(height: usize, width: usize, layers: &[Layer]) -> u64 {
        conv_shapes(height, width, layers)
            .map(|s| s.h.saturating_mul(s.w).saturating_mul(s.cout))
            .fold(0, u64::saturating_add)
    }

    /// Multiply-adds that our CPU layers perform for `layers` on one `height`×`width` image,
    /// forward pass only: the Winograd products, `N²·tiles·Cin·Cout` per convolution (N = 6
    /// for F(4×4, 3×3), 4 for F(2×2, 3×3); a partial tile at the edge counts whole). The input
    /// gradient performs as many again. The transforms, bias, ReLU and pooling are not
    /// counted: they are additions and memory traffic.
    ///
    /// ```
    /// use nst_vgg16::{Layer, Vgg16};
    /// // conv1_1 at 8×8: four 4×4 tiles of 6² elements, 3 × 64 kernels.
    /// let conv1_1 = [Layer::parse("conv1_1").unwrap()];
    /// assert_eq!(Vgg16::cpu_multiply_adds(8, 8, &conv1_1), 4 * 36 * 3 * 64);
    /// ```
    pub fn cpu_multiply_adds(height: usize, width: usize, layers: &[Layer]) -> u64 {
        conv_shapes(height, width, layers)
            .map(|s| {
                let (elements, outputs) = match Algorithm::for_kernels((s.cin * s.cout) as usize) {
                    Algorithm::F4x4 => (36, 4),
                    Algorithm::F2x2 => (16, 2),
                };
                let tiles = s.h.div_ceil(outputs) * s.w.div_ceil(outputs);
                tiles
                    .saturating_mul(elements)
                    .saturating_mul(s.cin * s.cout)
            })
            .fold(0, u64::saturating_add)
    }
}

/// One convolution's output size and channels.
struct ConvShape {
    h: u64,
    w: u64,
    cin: u64,
    cout: u64,
}

/// The output size and channels of each convolution up to the deepest of
/// `layers`, on a `height`×`width` input.
fn conv_shapes(height: usize, width: usize, layers: &[Layer]) -> impl Iterator<Item = ConvShape> {
    let deepest = layers
        .iter()
        .map(|layer| layer.index() + 1)
        .max()
        .unwrap_or(0);
    let mut size = (height as u64, width as u64);
    CHANNELS
        .iter()
        .enumerate()
        .take(deepest)
        .map(move |(index, [cin, cout])| {
            let (h, w) = size;
            if POOL_AFTER.contains(&index) {
                size = (h / 2, w / 2);
            }
            ConvShape {
                h,
                w,
                cin: *cin as u64,
                cout: *cout as u64,
            }
        })
}
