//! Matching a distribution by ranks, on the host: each value is replaced by the target's
//! quantile at its rank (exact histogram matching), the step the sliced and histogram losses
//! share.

use burn::tensor::{Element, Tensor, TensorData};
use rayon::prelude::*;

use crate::Error;
use crate::host::read_as;

/// A float type the matching runs in: `f32`, or `f64` for reference values.
pub(crate) trait Sample: Element + radsort::Key + Copy + Send + Sync {
    fn to_f64(self) -> f64;
    fn from_f64(value: f64) -> Self;
}

impl Sample for f32 {
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    fn from_f64(value: f64) -> Self {
        value as f32
    }
}

impl Sample for f64 {
    fn to_f64(self) -> f64 {
        self
    }
    fn from_f64(value: f64) -> Self {
        value
    }
}

/// Each `len`-long row of `values`, sorted (a radix sort: the rows are long, up to a
/// layer's pixel count).
pub(crate) fn sorted_rows<T: Sample>(mut values: Vec<T>, len: usize) -> Vec<T> {
    values.par_chunks_mut(len.max(1)).for_each(radsort::sort);
    values
}

/// The linearly interpolated quantiles of the ascending `sorted` at `n` points: the `j`-th is
/// at position `(j + ½)·M/n − ½` (clamped to the ends) of its `M` values, so `n = M` gives
/// `sorted` back.
pub(crate) fn quantile(sorted: &[impl Sample], n: usize, j: usize) -> f64 {
    let m = sorted.len();
    let t = ((j as f64 + 0.5) * m as f64 / n as f64 - 0.5).clamp(0.0, (m - 1) as f64);
    let lo = t.floor() as usize;
    let hi = (lo + 1).min(m - 1);
    let f = t - lo as f64;
    sorted[lo].to_f64() * (1.0 - f) + sorted[hi].to_f64() * f
}

/// For each `n`-long row of `rows`, the row with every value replaced by the quantile at its
/// rank of the same row of `sorted` (`m`-long ascending rows): the nearest point to `rows`
/// with the target's distribution in every row.
pub(crate) fn matched<T: Sample, S: Sample>(
    rows: &[T],
    n: usize,
    sorted: &[S],
    m: usize,
) -> Vec<T> {
    let mut out = vec![T::from_f64(0.0); rows.len()];
    out.par_chunks_mut(n)
        .zip(rows.par_chunks(n))
        .zip(sorted.par_chunks(m))
        .for_each(|((out, row), target)| {
            let mut order: Vec<(T, u32)> = row.iter().zip(0u32..).map(|(&v, i)| (v, i)).collect();
            radsort::sort_by_key(&mut order, |&(value, _)| value);
            for (rank, &(_, index)) in order.iter().enumerate() {
                out[index as usize] = T::from_f64(quantile(target, n, rank));
            }
        });
    out
}

/// `mean((x − R)²)` over the `[r, n]` matrix `x`, with `R` its rows matched to the ascending
/// `m`-long rows of `sorted` (a constant: the gradient is `2(x − R)/(r·n)`, which is also the
/// gradient of the distance between the sorted rows and the quantiles).
pub(crate) fn matched_distance(x: Tensor<2>, sorted: SortedRows<'_>) -> Result<Tensor<1>, Error> {
    let [rows, n] = x.dims();
    let device = x.device();
    let dtype = x.dtype();
    let detached = x.clone().detach();
    let target = match dtype {
        burn::tensor::DType::F64 => {
            let values = read_as::<f64, 2>(detached, "activations")?;
            let matched = sorted.match_rows(&values, n);
            TensorData::new(matched, [rows, n])
        }
        _ => {
            let values = read_as::<f32, 2>(detached, "activations")?;
            let matched = sorted.match_rows(&values, n);
            TensorData::new(matched, [rows, n])
        }
    };
    let target = Tensor::<2>::from_data(target, &device).cast(dtype);
    Ok((x - target).square().mean())
}

/// The ascending rows a matrix is matched to, in the precision they were computed in.
pub(crate) enum SortedRows<'a> {
    F32(&'a [f32], usize),
    F64(&'a [f64], usize),
}

impl SortedRows<'_> {
    fn match_rows<T: Sample>(&self, rows: &[T], n: usize) -> Vec<T> {
        match *self {
            SortedRows::F32(sorted, m) => matched(rows, n, sorted, m),
            SortedRows::F64(sorted, m) => matched(rows, n, sorted, m),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_lengths_take_the_sorted_values_and_others_interpolate() {
        let sorted = [1.0f64, 2.0, 4.0, 8.0];
        let at: Vec<f64> = (0..4).map(|j| quantile(&sorted, 4, j)).collect();
        assert_eq!(at, sorted);
        // Two points of four: positions 0.5 and 2.5.
        assert_eq!(quantile(&sorted, 2, 0), 1.5);
        assert_eq!(quantile(&sorted, 2, 1), 6.0);
        // Eight points: the ends are clamped.
        assert_eq!(quantile(&sorted, 8, 0), 1.0);
        assert_eq!(quantile(&sorted, 8, 7), 8.0);
    }

    #[test]
    fn matching_keeps_the_order_and_takes_the_targets_values() {
        let rows = [3.0f32, -1.0, 2.0, 10.0, 0.0, 5.0];
        let sorted = [0.0f32, 1.0, 2.0, 7.0, 8.0, 9.0];
        assert_eq!(
            matched(&rows, 3, &sorted, 3),
            vec![2.0, 0.0, 1.0, 9.0, 7.0, 8.0]
        );
    }
}
