//! Image pyramids and moving flows between their levels.

use crate::plane::Plane;

/// The levels of a frame: `levels[0]` is the frame, each next one half the size of the previous.
pub(crate) fn pyramid(frame: Plane, coarsest: usize) -> Vec<Plane> {
    let mut levels = vec![frame];
    for _ in 0..coarsest {
        let next = levels[levels.len() - 1].half();
        levels.push(next);
    }
    levels
}

/// The index of the coarsest level for a frame and patch size: as OpenCV's DIS, about
/// `log2(max side / (4 · patch))`, and no coarser than a level whose short side holds a patch.
pub(crate) fn coarsest_level(width: usize, height: usize, patch_size: usize) -> usize {
    let patch = patch_size.max(1) as f64;
    let by_long = ((width.max(height) as f64 / (4.0 * patch)).log2() + 0.5).floor();
    let by_short = (width.min(height) as f64 / patch).log2().floor();
    by_long.min(by_short).max(0.0) as usize
}

/// The flow `(u, v)` of a coarse level brought to the next finer level of size
/// `width × height`: bilinear, displacements doubled.
pub(crate) fn upsample(
    coarse_u: &Plane,
    coarse_v: &Plane,
    width: usize,
    height: usize,
) -> (Plane, Plane) {
    let up = |c: &Plane| {
        Plane::from_fn(width, height, |x, y| {
            2.0 * c.sample((x as f32 + 0.5) * 0.5 - 0.5, (y as f32 + 0.5) * 0.5 - 0.5)
        })
    };
    (up(coarse_u), up(coarse_v))
}
