//! How much memory a run needs on the CPU, to refuse sizes that cannot fit before starting.

use nst_vgg16::{Layer, Vgg16};

use crate::objective::tiling::Tiling;
use crate::prepare::pixels::fit_longest;
use crate::{Optimizer, StyleTransferConfig};

/// The process's memory apart from the activations: the transformed weights (119 MB on the
/// CPU), the allocator's reserve and the libraries.
const BASE_BYTES: u64 = 200 << 20;
/// Copies of the activations alive at the peak of an iteration (the forward pass's outputs
/// kept for the backward pass, and the gradients flowing back), fitted with `BASE_BYTES` to the
/// peak RSS measured at 256×192, 512×384 and 1024×768 (247, 501 and 1 367 MiB;
/// BENCHMARKS.md): the estimates are 10% above, 1% below and 1% above.
const ACTIVATION_COPIES: f64 = 1.45;

/// Image-sized `f32` tensors alive at once besides L-BFGS's pairs when a run is tiled (the
/// iterate, its gradient, the line search's direction and its lowest and current trials, the
/// two-loop recursion's temporaries, the content and style images).
const IMAGE_COPIES: u64 = 12;

/// An estimate of a run's peak memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryEstimate {
    /// The working size of the (last scale's) image.
    pub width: u32,
    /// The working height.
    pub height: u32,
    /// The estimated peak of the process's resident memory on a CPU backend, in bytes.
    pub bytes: u64,
}

impl StyleTransferConfig {
    /// The size a content image of `dimensions` is optimised at (the last scale's).
    pub fn working_size(&self, (width, height): (u32, u32)) -> (u32, u32) {
        match self.size {
            Some(side) => fit_longest(width, height, f64::from(side)),
            None => (width, height),
        }
    }

    /// The estimated peak memory of a run on a CPU backend for a content image of
    /// `dimensions`, within about 10% of the measured peaks from 256×192 to 1024×768.
    ///
    /// ```
    /// use nst_transfer::StyleTransferConfig;
    /// let estimate = StyleTransferConfig::default().memory_estimate((1024, 768), None);
    /// assert_eq!((estimate.width, estimate.height), (512, 384));
    /// assert!(estimate.bytes > 450 << 20 && estimate.bytes < 550 << 20);
    /// ```
    ///
    /// In tiles of `tile` px (see [`StyleTransfer::with_tile`](crate::StyleTransfer::with_tile)),
    /// the activations are those of the largest tile, and the image-sized tensors (the
    /// iterate, its gradient, L-BFGS's pairs, the content layers' targets) are counted on
    /// their own.
    pub fn memory_estimate(&self, dimensions: (u32, u32), tile: Option<u32>) -> MemoryEstimate {
        let (width, height) = self.working_size(dimensions);
        let (h, w) = (height as usize, width as usize);
        let layers = self.layers();
        let evaluated = match tile {
            Some(side) => Tiling::new(side, &layers).largest_input(h, w),
            None => (h, w),
        };
        let values = Vgg16::activation_values(evaluated.0, evaluated.1, &layers);
        // Saturating: a float-to-integer cast clamps, and the sum saturates.
        let mut bytes = BASE_BYTES.saturating_add((ACTIVATION_COPIES * 4.0 * values as f64) as u64);
        if tile.is_some() {
            let pairs = match self.optimizer {
                Optimizer::Lbfgs => self.history.min(self.iterations) as u64,
                _ => 0,
            };
            let image = 4 * 3 * (h as u64) * (w as u64);
            let targets: u64 = self
                .content_layers
                .iter()
                .map(|&layer| 4 * layer_values(h, w, layer))
                .sum::<u64>();
            bytes = bytes
                .saturating_add(image.saturating_mul(IMAGE_COPIES + 2 * pairs))
                .saturating_add(targets);
        }
        MemoryEstimate {
            width,
            height,
            bytes,
        }
    }

    /// The largest tile side (a multiple of 16, at least 64) whose estimate fits in `budget`
    /// bytes for a content image of `dimensions`, if any does.
    pub fn largest_tile_within(&self, dimensions: (u32, u32), budget: u64) -> Option<u32> {
        let (width, height) = self.working_size(dimensions);
        let longest = width.max(height);
        (4..=longest.div_ceil(16))
            .rev()
            .map(|n| n * 16)
            .find(|&side| self.memory_estimate(dimensions, Some(side)).bytes <= budget)
    }

    /// The largest `size` (longest side) whose estimate, in tiles of `tile` px or whole,
    /// fits in `budget` bytes for a content image of `dimensions`, if any does.
    pub fn largest_size_within(
        &self,
        dimensions: (u32, u32),
        budget: u64,
        tile: Option<u32>,
    ) -> Option<u32> {
        let fits = |side: u32| {
            let config = StyleTransferConfig {
                size: Some(side),
                ..self.clone()
            };
            config.memory_estimate(dimensions, tile).bytes <= budget
        };
        let (mut low, mut high) = (0u32, 1 << 20);
        // Binary search for the last side that fits.
        while low < high {
            let middle = low + (high - low).div_ceil(2);
            if fits(middle) {
                low = middle;
            } else {
                high = middle - 1;
            }
        }
        (low > 0).then_some(low)
    }
}

/// The number of values of `layer`'s activation of an `height`×`width` image.
fn layer_values(height: usize, width: usize, layer: Layer) -> u64 {
    let before = Layer::from_index(layer.index().wrapping_sub(1));
    let upto = |layer: Option<Layer>| {
        layer.map_or(0, |layer| Vgg16::activation_values(height, width, &[layer]))
    };
    upto(Some(layer)) - upto(before)
}
