//! The planes a convolution reads and writes, and how a row of them is read.

/// The `h×w` planes of one convolution, read and written upside down and back to front when
/// `reversed` (which flips the kernels, for the input gradient).
#[derive(Clone, Copy)]
pub(super) struct Planes {
    pub h: usize,
    pub w: usize,
    pub reversed: bool,
}

impl Planes {
    /// Copies row `r` of a plane into `padded[1..=w]` (reversed if the plan is, zeroed where
    /// the mask is not positive), zeros elsewhere; all zeros for a row outside the plane.
    #[inline(always)]
    pub fn read_row(&self, x: &[f32], mask: Option<&[f32]>, r: usize, padded: &mut [f32]) {
        let (h, w) = (self.h, self.w);
        padded.fill(0.0);
        if r >= h {
            return;
        }
        let r = if self.reversed { h - 1 - r } else { r };
        let row = &x[r * w..][..w];
        let dst = &mut padded[1..=w];
        match mask.map(|mask| &mask[r * w..][..w]) {
            None => dst.copy_from_slice(row),
            Some(mask) => {
                for ((d, &x), &m) in dst.iter_mut().zip(row).zip(mask) {
                    *d = if m > 0.0 { x } else { 0.0 };
                }
            }
        }
        if self.reversed {
            dst.reverse();
        }
    }
}
