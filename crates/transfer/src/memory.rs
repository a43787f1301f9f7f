//! How much memory a run needs on the CPU, to refuse sizes that cannot fit before starting.

use nst_vgg16::Vgg16;

use crate::StyleTransferConfig;
use crate::pixels::fit_longest;

/// The process's memory apart from the activations: the transformed weights (119 MB on the
/// CPU), the allocator's reserve and the libraries.
const BASE_BYTES: u64 = 200 << 20;
/// Copies of the activations alive at the peak of an iteration (the forward pass's outputs
/// kept for the backward pass, and the gradients flowing back), fitted with `BASE_BYTES` to the
/// peak RSS measured at 256×192, 512×384 and 1024×768 (247, 501 and 1 367 MiB;
/// BENCHMARKS.md): the estimates are 10% above, 1% below and 1% above.
const ACTIVATION_COPIES: f64 = 1.45;

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
    /// let estimate = StyleTransferConfig::default().memory_estimate((1024, 768));
    /// assert_eq!((estimate.width, estimate.height), (512, 384));
    /// assert!(estimate.bytes > 450 << 20 && estimate.bytes < 550 << 20);
    /// ```
    pub fn memory_estimate(&self, dimensions: (u32, u32)) -> MemoryEstimate {
        let (width, height) = self.working_size(dimensions);
        let values = Vgg16::activation_values(height as usize, width as usize, &self.layers());
        // Saturating: a float-to-integer cast clamps, and the sum saturates.
        let bytes = BASE_BYTES.saturating_add((ACTIVATION_COPIES * 4.0 * values as f64) as u64);
        MemoryEstimate {
            width,
            height,
            bytes,
        }
    }

    /// The largest `size` (longest side) whose estimate fits in `budget` bytes for a content
    /// image of `dimensions`, if any does.
    pub fn largest_size_within(&self, dimensions: (u32, u32), budget: u64) -> Option<u32> {
        let fits = |side: u32| {
            let config = StyleTransferConfig {
                size: Some(side),
                ..self.clone()
            };
            config.memory_estimate(dimensions).bytes <= budget
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
