//! What a run holds at once, one function per thing counted, in bytes on a CPU backend.
//!
//! Sizes that follow from the code (an image is `[1, 3, H, W]` `f32`, L-BFGS keeps two of them
//! per pair) are counted exactly. What the allocator and Burn's autodiff keep around (copies
//! of activations, freed memory not returned to the kernel) cannot be read from the code:
//! those are `BASE_BYTES`, `ACTIVATION_COPIES` and `FORWARD_COPIES`, fitted to the peak
//! resident memory of the release `nst` on the CPU (flex backend, glibc's allocator; the
//! grid of `crates/cli/tests/memory.rs`, BENCHMARKS.md "Memory estimates") so that the
//! estimate is above every measured peak. Another allocator or backend (ndarray) may keep
//! more or less.

use nst_vgg16::{Layer, Vgg16};

use crate::objective::tiling::Tiling;
use crate::{Optimizer, StyleLoss, StyleTransferConfig};

/// The process before any image: the executable and its libraries, the VGG-16 weights as
/// loaded (59 MB of convolution weights) and what the allocator keeps of the ONNX file's
/// parsing. Fitted: the runs at 128 px peak at 252 MiB, of which the counted terms are about
/// 20 MiB.
pub(super) const BASE_BYTES: u64 = 230 << 20;

/// The peak of an evaluation with gradients, in `f32` copies of the convolution outputs (what
/// [`Vgg16::activation_values`] counts): the forward pass's outputs autodiff keeps
/// for the backward pass and the gradients flowing back, less what the backward pass frees
/// as it goes. Fitted to `nst bench`'s peaks at 512×384 and 1024×768 (502 and 1 368 MiB,
/// BENCHMARKS.md "CPU: 2 cores": 1.42 copies above a 214 MiB base) and rounded up.
pub(super) const ACTIVATION_COPIES: f64 = 1.45;

/// The peak of a forward pass without gradients (the style and content targets, the floors
/// of the `initial` weighting), in `f32` copies of the convolution outputs: each
/// layer's output is freed once the next is computed, except the asked layers' until their
/// statistics are taken, and the pass reuses memory the loading freed. Fitted to the runs
/// with `style_scale` 2, where the styles' passes are the largest (the 256-px `fast` run's
/// 512×320 style pass: 355 MiB measured).
pub(super) const FORWARD_COPIES: f64 = 0.7;

/// Image-sized `f32` tensors alive at once besides the optimiser's state: the iterate, its
/// gradient, the direction, the line search's lowest and current trials and their gradients,
/// the two-loop recursion's temporaries, the content image and the initial image.
pub(super) const IMAGE_COPIES: u64 = 12;

/// Image-sized planes (`[H, W]` `f32`) a clip's frame holds besides a still image's: the
/// previous painted frame warped to this one (3), the warp's reliability (1), the forward
/// and backward flows (2 each) and the grey frames and gradients the flow is computed from
/// (8). Counted from `video/`, not measured.
pub(super) const VIDEO_PLANES: u64 = 16;

/// Bytes per value of the buffers the sliced Wasserstein loss makes at each evaluation, per
/// compared value of the image's and the style's features at one layer: the projections on
/// the device, their copy on the host, the sorted rows and the matched gradient.
pub(super) const SLICED_BYTES_PER_VALUE: u64 = 16;

/// Bytes per value of the buffers the histogram loss makes at each evaluation, per value of
/// the image's activation at its layers: the copy on the host, the sort's indices and the
/// matched targets.
pub(super) const HISTOGRAM_BYTES_PER_VALUE: u64 = 16;

/// One scale of a run: the images' working sizes there and its iterations.
pub(super) struct Scale<'a> {
    pub config: &'a StyleTransferConfig,
    /// The content's working `(width, height)`.
    pub content: (u32, u32),
    /// Each style's working `(width, height)`.
    pub styles: &'a [(u32, u32)],
    pub tiling: Option<&'a Tiling>,
    pub iterations: usize,
}

impl Scale<'_> {
    /// The peak of this scale, besides the base and the decoded inputs: the targets, and then
    /// the larger of the target passes and the optimisation.
    pub fn peak(&self) -> u64 {
        let held = self
            .content_targets()
            .saturating_add(self.style_targets())
            .saturating_add(self.style_images())
            .saturating_add(self.photorealism());
        let setup = self.target_passes();
        let optimise = self
            .images()
            .saturating_add(self.optimizer_state())
            .saturating_add(self.evaluation());
        held.saturating_add(setup.max(optimise))
    }

    /// One `[1, 3, H, W]` `f32` image at the content's working size.
    pub fn image(&self) -> u64 {
        image_bytes(self.content)
    }

    /// The image-sized tensors of [`IMAGE_COPIES`].
    fn images(&self) -> u64 {
        self.image().saturating_mul(IMAGE_COPIES)
    }

    /// The photorealism term, when weighted: the photo's window statistics (54 maps of the
    /// windows, 18 images: `nst_losses::MattingLaplacian`), its `f64` copy on the host (2)
    /// and an evaluation's fits, residuals and their gradients (about 24 images).
    fn photorealism(&self) -> u64 {
        match self.config.photorealism_weight > 0.0 {
            true => self.image().saturating_mul(44),
            false => 0,
        }
    }

    /// L-BFGS's curvature pairs (`s` and `y`, two images each, `min(history, iterations)` of
    /// them at the end of the scale: `optim/lbfgs.rs`); Adam's two moments
    /// (`optim/adam.rs`); the running average of the iterates, when the config averages.
    fn optimizer_state(&self) -> u64 {
        let config = self.config;
        let images = match config.optimizer {
            Optimizer::Lbfgs => (config.history.min(self.iterations) as u64).saturating_mul(2),
            Optimizer::Adam => 2,
            Optimizer::NormalizedDescent => 0,
        }
        .saturating_add(u64::from(config.average > 0.0));
        self.image().saturating_mul(images)
    }

    /// The content term's targets: the content image's activations at the content layers,
    /// kept whole even in tiles (`objective/content.rs`).
    fn content_targets(&self) -> u64 {
        self.content_activations(&self.config.content_layers)
            .saturating_mul(4)
    }

    /// The number of values of the content-sized image's activations at `layers`.
    fn content_activations(&self, layers: &[Layer]) -> u64 {
        let (w, h) = self.content;
        layers
            .iter()
            .map(|&layer| layer_values(h as usize, w as usize, layer))
            .fold(0, u64::saturating_add)
    }

    /// The style terms' targets: a `C×C` matrix per style layer for each style and their
    /// blend (Gram, `objective/style.rs`), and W2's covariances and their square roots
    /// (`objective/w2.rs`); the sliced loss keeps the style's activations at the style
    /// layers (`objective/sliced.rs`), the histogram term each channel's sorted values at its
    /// layers (`nst_losses::HistogramLoss`).
    fn style_targets(&self) -> u64 {
        let config = self.config;
        let squares: u64 = config
            .style_layers
            .iter()
            .map(|&layer| channels(layer).pow(2))
            .sum();
        let per_layer = |layers: &[Layer]| -> u64 {
            let largest = self.styles.iter().map(|&(w, h)| {
                layers
                    .iter()
                    .map(|&layer| layer_values(h as usize, w as usize, layer))
                    .fold(0, u64::saturating_add)
            });
            largest.max().unwrap_or(0)
        };
        let styles = self.styles.len() as u64;
        let values = match config.style_loss {
            StyleLoss::Gram => (styles + 1) * squares,
            StyleLoss::W2 => (styles + 2) * squares,
            StyleLoss::Sliced => per_layer(&config.style_layers),
        };
        let histogram = match config.histogram_weight > 0.0 {
            true => per_layer(&config.histogram_layers),
            false => 0,
        };
        values.saturating_add(histogram).saturating_mul(4)
    }

    /// The style images as tensors at their working sizes.
    fn style_images(&self) -> u64 {
        self.styles
            .iter()
            .map(|&size| image_bytes(size))
            .fold(0, u64::saturating_add)
    }

    /// The largest forward pass without gradients that computes the targets: one style's (or
    /// the content's) activations up to the deepest layer, whole or in its largest tile
    /// (`objective/targets.rs`), times [`FORWARD_COPIES`].
    fn target_passes(&self) -> u64 {
        let layers = self.config.layers();
        let largest = std::iter::once(self.content)
            .chain(self.styles.iter().copied())
            .map(|size| activations(self.evaluated(size), &layers))
            .max()
            .unwrap_or(0);
        (FORWARD_COPIES * 4.0 * largest as f64) as u64
    }

    /// An evaluation of the objective and its gradient: the activations of the whole image or
    /// of its largest tile times [`ACTIVATION_COPIES`], and the sliced and histogram losses'
    /// buffers.
    fn evaluation(&self) -> u64 {
        let layers = self.config.layers();
        let values = activations(self.evaluated(self.content), &layers);
        let activations = (ACTIVATION_COPIES * 4.0 * values as f64) as u64;
        activations
            .saturating_add(self.sliced_buffers())
            .saturating_add(self.histogram_buffers())
    }

    /// The sliced loss's buffers at its largest layer: the image's and the style's values it
    /// compares (each at most [`nst_losses::SLICED_MAX_PIXELS`] pixels a channel).
    fn sliced_buffers(&self) -> u64 {
        if self.config.style_loss != StyleLoss::Sliced {
            return 0;
        }
        let compared = |(w, h): (u32, u32), layer: Layer| {
            let values = layer_values(h as usize, w as usize, layer);
            let pixels = values / channels(layer);
            channels(layer).saturating_mul(pixels.min(nst_losses::SLICED_MAX_PIXELS as u64))
        };
        let style = self.styles.first().copied().unwrap_or(self.content);
        let largest = self
            .config
            .style_layers
            .iter()
            .map(|&layer| compared(self.content, layer).saturating_add(compared(style, layer)));
        SLICED_BYTES_PER_VALUE.saturating_mul(largest.max().unwrap_or(0))
    }

    /// The histogram loss's buffers: the image's activations at its layers.
    fn histogram_buffers(&self) -> u64 {
        if self.config.histogram_weight == 0.0 {
            return 0;
        }
        HISTOGRAM_BYTES_PER_VALUE
            .saturating_mul(self.content_activations(&self.config.histogram_layers))
    }

    /// The `(height, width)` a pass over an image of `(width, height)` evaluates: its largest
    /// tile, or all of it.
    fn evaluated(&self, (w, h): (u32, u32)) -> (usize, usize) {
        let (h, w) = (h as usize, w as usize);
        match self.tiling {
            Some(tiling) => tiling.largest_input(h, w),
            None => (h, w),
        }
    }
}

/// A clip's frame's extra planes ([`VIDEO_PLANES`]) at a working size of `(width, height)`.
pub(super) fn video_bytes((w, h): (u32, u32)) -> u64 {
    (VIDEO_PLANES * 4)
        .saturating_mul(u64::from(w))
        .saturating_mul(u64::from(h))
}

/// The smoothing after a run (`nst_losses::MattingLaplacian::smooth`), on the host in `f64`:
/// the photo's window statistics (55 values a pixel) and the conjugate gradients' six
/// three-channel vectors (18), 584 bytes a pixel. Tiles do not lower it.
pub(super) fn smoothing_bytes((w, h): (u32, u32)) -> u64 {
    u64::from(w)
        .saturating_mul(u64::from(h))
        .saturating_mul((55 + 18) * 8)
}

/// The decoded inputs the caller holds (8-bit RGB): the content and the styles at their
/// sizes as given.
pub(super) fn decoded_bytes(content: (u32, u32), styles: &[(u32, u32)]) -> u64 {
    std::iter::once(content)
        .chain(styles.iter().copied())
        .map(|(w, h)| {
            3u64.saturating_mul(u64::from(w))
                .saturating_mul(u64::from(h))
        })
        .fold(0, u64::saturating_add)
}

/// The convolution outputs of a pass over an image of `(height, width)` up to the deepest
/// of `layers`.
fn activations((h, w): (usize, usize), layers: &[Layer]) -> u64 {
    Vgg16::activation_values(h, w, layers)
}

/// One `[1, 3, H, W]` `f32` image of `(width, height)`.
fn image_bytes((w, h): (u32, u32)) -> u64 {
    12u64
        .saturating_mul(u64::from(w))
        .saturating_mul(u64::from(h))
}

/// The number of values of `layer`'s activation of an `height`×`width` image.
fn layer_values(height: usize, width: usize, layer: Layer) -> u64 {
    let before = layer.index().checked_sub(1).and_then(Layer::from_index);
    let upto = |layer: Option<Layer>| {
        layer.map_or(0, |layer| Vgg16::activation_values(height, width, &[layer]))
    };
    upto(Some(layer)).saturating_sub(upto(before))
}

/// `layer`'s channels.
fn channels(layer: Layer) -> u64 {
    layer.channels() as u64
}
