//! How much memory a run needs on the CPU, to refuse sizes that cannot fit before starting.
//!
//! The estimate is of the process's peak resident memory on a CPU backend. On a GPU the
//! activations live in the device's memory, which Burn 0.22 gives no way to query (no
//! allocation statistics on its backends' public API), so no GPU figure is claimed: the
//! same count of activations and image-sized tensors bounds what a GPU run allocates only
//! up to its memory pool's rounding and retention, which is not measured here.

mod terms;

use crate::StyleTransferConfig;
use crate::objective::tiling::Tiling;
use crate::prepare::pixels::fit_longest;
use terms::{BASE_BYTES, Scale, decoded_bytes, smoothing_bytes, video_bytes};

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

/// What a run's memory depends on besides its configuration: the inputs' sizes as given
/// (before resizing) and how it is evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryInputs<'a> {
    /// The content image's `(width, height)` (a clip's frame's).
    pub content: (u32, u32),
    /// Each style image's `(width, height)`.
    pub styles: &'a [(u32, u32)],
    /// The tile side (see [`StyleTransfer::with_tile`](crate::StyleTransfer::with_tile)), or
    /// `None` to evaluate images whole.
    pub tile: Option<u32>,
    /// Whether the run paints a clip's frames (which also hold the previous frame and the
    /// flow between them).
    pub video: bool,
}

impl<'a> MemoryInputs<'a> {
    /// A still image's run on `content` with `styles`, evaluated whole.
    pub fn new(content: (u32, u32), styles: &'a [(u32, u32)]) -> Self {
        Self {
            content,
            styles,
            tile: None,
            video: false,
        }
    }
}

impl StyleTransferConfig {
    /// The size a content image of `dimensions` is optimised at (the last scale's).
    pub fn working_size(&self, (width, height): (u32, u32)) -> (u32, u32) {
        match self.size {
            Some(side) => fit_longest(width, height, f64::from(side)),
            None => (width, height),
        }
    }

    /// The estimated peak memory on a CPU backend of a run on a content image of
    /// `dimensions` with one style image of the same shape, whole or in tiles of `tile` px:
    /// [`estimate_memory`](Self::estimate_memory) with those inputs.
    ///
    /// ```
    /// use nst_transfer::StyleTransferConfig;
    /// let estimate = StyleTransferConfig::default().memory_estimate((1024, 768), None);
    /// assert_eq!((estimate.width, estimate.height), (512, 384));
    /// assert!(estimate.bytes > 550 << 20 && estimate.bytes < 700 << 20);
    /// ```
    pub fn memory_estimate(&self, dimensions: (u32, u32), tile: Option<u32>) -> MemoryEstimate {
        self.estimate_memory(&MemoryInputs {
            tile,
            ..MemoryInputs::new(dimensions, &[dimensions])
        })
    }

    /// The estimated peak of the process's resident memory on a CPU backend for a run on
    /// `inputs`: the largest over the scales of what each holds at once (the targets, the
    /// target passes or an evaluation with its gradient, the image-sized tensors and the
    /// optimiser's state: see `session/memory/terms.rs`, one function per thing counted),
    /// plus the process's base and the decoded inputs. Above the measured peak by at most
    /// 50% over the grid of BENCHMARKS.md ("Memory estimates").
    ///
    /// ```
    /// use nst_transfer::{MemoryInputs, Preset};
    /// let gatys = Preset::Gatys.builder().size(Some(1024)).build().unwrap();
    /// let inputs = MemoryInputs::new((1024, 768), &[(1024, 640)]);
    /// // L-BFGS's 100 pairs alone are 1.9 GB at 1024×768.
    /// assert!(gatys.estimate_memory(&inputs).bytes > 3 << 30);
    /// ```
    pub fn estimate_memory(&self, inputs: &MemoryInputs) -> MemoryEstimate {
        let (width, height) = self.working_size(inputs.content);
        let layers = self.layers();
        let tiling = inputs.tile.map(|side| Tiling::new(side, &layers));
        let last = width.max(height);
        let sides = match &self.multiscale {
            Some(multiscale) => multiscale.sides(last),
            None => vec![last],
        };
        let count = sides.len();
        let scales = sides.into_iter().enumerate().map(|(index, side)| {
            let content = match index + 1 == count {
                true => (width, height),
                false => fit_longest(inputs.content.0, inputs.content.1, f64::from(side)),
            };
            // As `prepare::prepare` resizes them.
            let styles: Vec<(u32, u32)> = inputs
                .styles
                .iter()
                .map(|&(w, h)| {
                    let longest = match self.size {
                        Some(_) => content.0.max(content.1),
                        None => w.max(h),
                    };
                    fit_longest(w, h, f64::from(longest) * self.style_scale)
                })
                .collect();
            let iterations = match &self.multiscale {
                Some(m) if index + 1 < count => m.iterations_per_scale.unwrap_or(self.iterations),
                _ => self.iterations,
            };
            let scale = Scale {
                config: self,
                content,
                styles: &styles,
                tiling: tiling.as_ref(),
                iterations,
            };
            let video = match inputs.video {
                true => video_bytes(content),
                false => 0,
            };
            scale.peak().saturating_add(video)
        });
        // The smoothing runs after the last scale, when its tensors are gone.
        let smoothing = match self.smooth {
            true => smoothing_bytes((width, height)),
            false => 0,
        };
        let bytes = BASE_BYTES
            .saturating_add(decoded_bytes(inputs.content, inputs.styles))
            .saturating_add(scales.max().unwrap_or(0).max(smoothing));
        MemoryEstimate {
            width,
            height,
            bytes,
        }
    }

    /// The largest tile side (a multiple of 16, at least 64) whose estimate fits in `budget`
    /// bytes for a content image of `dimensions`, if any does.
    pub fn largest_tile_within(&self, dimensions: (u32, u32), budget: u64) -> Option<u32> {
        self.largest_tile_for(&MemoryInputs::new(dimensions, &[dimensions]), budget)
    }

    /// The largest tile side (a multiple of 16, at least 64) whose estimate fits in `budget`
    /// bytes for `inputs` (whose own tile is ignored), if any does.
    pub fn largest_tile_for(&self, inputs: &MemoryInputs, budget: u64) -> Option<u32> {
        let (width, height) = self.working_size(inputs.content);
        let longest = width.max(height);
        (4..=longest.div_ceil(16))
            .rev()
            .map(|n| n * 16)
            .find(|&side| {
                let tiled = MemoryInputs {
                    tile: Some(side),
                    ..*inputs
                };
                self.estimate_memory(&tiled).bytes <= budget
            })
    }

    /// The largest `size` (longest side) whose estimate, in tiles of `tile` px or whole,
    /// fits in `budget` bytes for a content image of `dimensions`, if any does.
    pub fn largest_size_within(
        &self,
        dimensions: (u32, u32),
        budget: u64,
        tile: Option<u32>,
    ) -> Option<u32> {
        let styles = [dimensions];
        let inputs = MemoryInputs {
            tile,
            ..MemoryInputs::new(dimensions, &styles)
        };
        self.largest_size_for(&inputs, budget)
    }

    /// The largest `size` (longest side) whose estimate fits in `budget` bytes for `inputs`,
    /// if any does.
    pub fn largest_size_for(&self, inputs: &MemoryInputs, budget: u64) -> Option<u32> {
        let fits = |side: u32| {
            let config = StyleTransferConfig {
                size: Some(side),
                ..self.clone()
            };
            config.estimate_memory(inputs).bytes <= budget
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Preset;

    fn gatys(history: usize, style_scale: f64) -> StyleTransferConfig {
        Preset::Gatys
            .builder()
            .size(Some(384))
            .history(history)
            .style_scale(style_scale)
            .build()
            .unwrap()
    }

    #[test]
    fn each_lbfgs_pair_adds_its_two_images() {
        let inputs = MemoryInputs::new((1024, 768), &[(1024, 640)]);
        let eight = gatys(8, 1.0).estimate_memory(&inputs).bytes;
        let thirty = gatys(30, 1.0).estimate_memory(&inputs).bytes;
        // 384×288, three f32 channels, two images a pair.
        assert_eq!(thirty - eight, 22 * 2 * 12 * 384 * 288);
    }

    #[test]
    fn larger_and_more_styles_and_tiles_count() {
        let one = MemoryInputs::new((1024, 768), &[(1024, 640)]);
        let two = MemoryInputs::new((1024, 768), &[(1024, 640), (979, 734)]);
        let config = gatys(8, 1.0);
        let base = config.estimate_memory(&one).bytes;
        assert!(config.estimate_memory(&two).bytes > base);
        // A style pass at 768×480 outweighs the 384-px evaluation.
        assert!(gatys(8, 2.0).estimate_memory(&one).bytes > base);
        let tiled = MemoryInputs {
            tile: Some(128),
            ..one
        };
        assert!(config.estimate_memory(&tiled).bytes < base);
    }
}
