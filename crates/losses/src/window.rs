use std::ops::Range;

use burn::tensor::Tensor;

/// A rectangle of an activation's grid, rows × columns: the part of the image one tile of a
/// tiled evaluation owns.
///
/// The losses split into statistics that add up over the windows of a partition of the grid
/// (`partial`) and a value of their sum (`from_partials`), so an image too large to evaluate
/// at once can be evaluated tile by tile with the same result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// The rows, `0..H` for the whole grid.
    pub rows: Range<usize>,
    /// The columns, `0..W` for the whole grid.
    pub cols: Range<usize>,
}

impl Window {
    /// The whole `[.., .., H, W]` grid of `t`.
    pub fn whole<const D: usize>(t: &Tensor<D>) -> Self {
        let dims = t.dims();
        Self {
            rows: 0..dims[D - 2],
            cols: 0..dims[D - 1],
        }
    }

    /// The number of grid points it covers.
    pub fn len(&self) -> usize {
        self.rows.len() * self.cols.len()
    }

    /// Whether it covers no grid point.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// This window's part of `t`, a `[N, C, H, W]` tensor over the whole grid.
    pub fn crop(&self, t: Tensor<4>) -> Tensor<4> {
        let [_, _, h, w] = t.dims();
        let t = match self.rows.len() == h {
            true => t,
            false => t.narrow(2, self.rows.start, self.rows.len()),
        };
        match self.cols.len() == w {
            true => t,
            false => t.narrow(3, self.cols.start, self.cols.len()),
        }
    }
}
