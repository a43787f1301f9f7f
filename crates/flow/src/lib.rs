//! Dense optical flow between two frames, warping along it, and where it is reliable — for the
//! temporal loss of video style transfer (Ruder et al., GCPR 2016).
//!
//! - [`flow`] / [`flow_with`]: DIS (Kroeger et al., ECCV 2016): a coarse-to-fine pyramid; at
//!   each level, inverse-compositional search of overlapping patches (with spatial
//!   propagation), densification by a weighted average of the patches over each pixel, and
//!   variational refinement.
//! - [`warp`]: an image sampled along a flow (bilinear, clamped at the border).
//! - [`reliability`]: Ruder et al.'s forward–backward consistency and motion-boundary mask.
//!
//! Everything is deterministic: the same inputs give the same bits whatever the number of
//! rayon threads (the work is split by rows and patch rows, and no float sum depends on the
//! split).
//!
//! ```
//! use image::{Rgb, Rgb32FImage, RgbImage};
//! use nst_flow::{Flow, flow, reliability, warp};
//!
//! // A smooth pattern and the same pattern moved 2 pixels to the right.
//! let pattern = |x: f32, y: f32| {
//!     let value = 128.0 + 60.0 * (x * 0.3).sin() + 60.0 * (y * 0.2).cos();
//!     Rgb([value as u8; 3])
//! };
//! let previous = RgbImage::from_fn(64, 48, |x, y| pattern(x as f32, y as f32));
//! let current = RgbImage::from_fn(64, 48, |x, y| pattern(x as f32 - 2.0, y as f32));
//!
//! let w = flow(&current, &previous)?; // current → previous: about (−2, 0)
//! let back = flow(&previous, &current)?;
//! let [u, v] = w.at(32, 24);
//! assert!((u + 2.0).abs() < 0.2 && v.abs() < 0.2);
//!
//! let c = reliability(&w, &back)?; // 0 where the flow leaves the frame or is inconsistent
//! assert!(c.get_pixel(32, 24)[0] > 0.9);
//! let moved: Rgb32FImage = warp(&image::DynamicImage::ImageRgb8(previous).into_rgb32f(), &w)?;
//! assert_eq!(moved.dimensions(), (64, 48));
//! # let _ = Flow::zeros(1, 1);
//! # Ok::<(), nst_flow::Error>(())
//! ```

#![warn(missing_docs)]

mod dis;
mod error;
mod flow;
mod options;
mod plane;
mod pyramid;
mod reliability;
mod variational;
mod warp;

pub use error::Error;
pub use flow::Flow;
use image::RgbImage;
pub use options::FlowOptions;
pub use reliability::reliability;
pub use warp::{warp, warp_plane};

use crate::dis::{Level, PatchGrid, SearchSettings};
use crate::plane::Plane;
use crate::variational::{Derivatives, Refinement};

/// The flow from `from` to `to` with the default [`FlowOptions`]: pixel (x, y) of `from` is at
/// (x + u, y + v) in `to`.
pub fn flow(from: &RgbImage, to: &RgbImage) -> Result<Flow, Error> {
    flow_with(from, to, &FlowOptions::default())
}

/// The flow from `from` to `to` (same size, at least 1×1) with the given options.
///
/// The pyramid has about `log2(max side / (4 · patch size))` levels above the frame, fewer on
/// small frames (none when the short side is under twice the patch size), and the patches
/// shrink to the short side of tiny frames, so any size from 1×1 works; a 1×1 frame gives a
/// zero flow.
pub fn flow_with(from: &RgbImage, to: &RgbImage, options: &FlowOptions) -> Result<Flow, Error> {
    let (w, h) = from.dimensions();
    if (w, h) != to.dimensions() {
        return Err(Error::SizeMismatch {
            what: "flow: the two frames",
            left_width: w,
            left_height: h,
            right_width: to.width(),
            right_height: to.height(),
        });
    }
    if w == 0 || h == 0 {
        return Err(Error::TooSmall {
            what: "a frame",
            width: w,
            height: h,
        });
    }
    let patch_size = options.patch_size.max(1) as usize;
    let coarsest = pyramid::coarsest_level(w as usize, h as usize, patch_size);
    let finest = (options.finest_level as usize).min(coarsest);
    let from_levels = pyramid::pyramid(Plane::luma(from).gaussian(options.smoothing), coarsest);
    let to_levels = pyramid::pyramid(Plane::luma(to).gaussian(options.smoothing), coarsest);
    let settings = SearchSettings {
        patch_size,
        stride: options.patch_stride.max(1) as usize,
        iterations: options.search_iterations as usize,
        mean_normalize: options.mean_normalization,
        propagate: options.spatial_propagation,
    };
    let refinement = Refinement {
        alpha: options.alpha,
        gamma: options.gamma,
        delta: options.delta,
        fixed_point_iterations: options.refinement_iterations as usize,
        sor_iterations: options.sor_iterations as usize,
    };
    let search_finest = options.finest_search_level as usize;
    let top = &from_levels[coarsest];
    let mut u = Plane::zeros(top.width, top.height);
    let mut v = Plane::zeros(top.width, top.height);
    for index in (finest..=coarsest).rev() {
        let (f, t) = (&from_levels[index], &to_levels[index]);
        if index < coarsest {
            (u, v) = pyramid::upsample(&u, &v, f.width, f.height);
        }
        if index >= search_finest || index == coarsest {
            let (fdx, fdy) = f.sobel_gradients();
            let level = Level {
                from: f,
                from_dx: &fdx,
                from_dy: &fdy,
                to: t,
            };
            let grid = PatchGrid::new(f.width, f.height, settings.patch_size, settings.stride);
            let patches = dis::search_patches(&level, &grid, &u, &v, &settings);
            (u, v) = dis::densify(&level, &grid, &patches);
        }
        let mut level_refinement = refinement;
        if index == finest {
            level_refinement.fixed_point_iterations = options.finest_refinement_iterations as usize;
        }
        if level_refinement.fixed_point_iterations > 0 && level_refinement.sor_iterations > 0 {
            let (d0, d1) = (Derivatives::new(f), Derivatives::new(t));
            variational::refine(f, &d0, t, &d1, &mut u, &mut v, &level_refinement);
        }
    }
    for index in (0..finest).rev() {
        let f = &from_levels[index];
        (u, v) = pyramid::upsample(&u, &v, f.width, f.height);
    }
    Flow::new(w, h, u.data, v.data)
}
