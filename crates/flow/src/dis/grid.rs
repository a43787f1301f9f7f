//! Where the patches of a level lie.

/// The top-left corners of overlapping square patches that cover a level.
#[derive(Debug, Clone)]
pub(crate) struct PatchGrid {
    /// The patches' side in pixels (at most the level's short side).
    pub(crate) size: usize,
    /// The left edges of the patch columns.
    pub(crate) xs: Vec<usize>,
    /// The top edges of the patch rows.
    pub(crate) ys: Vec<usize>,
}

impl PatchGrid {
    /// Patches of side `min(size, width, height)` every `stride` pixels, the last row and column
    /// moved to touch the far border so that every pixel is covered.
    pub(crate) fn new(width: usize, height: usize, size: usize, stride: usize) -> Self {
        let size = size.min(width).min(height).max(1);
        let stride = stride.max(1);
        Self {
            size,
            xs: starts(width, size, stride),
            ys: starts(height, size, stride),
        }
    }
}

fn starts(len: usize, size: usize, stride: usize) -> Vec<usize> {
    let last = len - size;
    let mut out: Vec<usize> = (0..=last).step_by(stride).collect();
    if out.last() != Some(&last) {
        out.push(last);
    }
    out
}
