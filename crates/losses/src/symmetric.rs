//! Square roots of symmetric positive semi-definite matrices in `f64`, through `faer`'s
//! self-adjoint eigendecomposition.
//!
//! Everything here runs on one thread: callers run one matrix per thread, and a fixed order
//! of summation keeps the results independent of the machine's thread count (a resumed run
//! ends on the same bytes anywhere).

use faer::diag::Diag;
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::evd::{ComputeEigenvectors, self_adjoint_evd, self_adjoint_evd_scratch};
use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatRef, Par};

use crate::Error;

/// faer's default parameters.
fn default<T: Default>() -> T {
    T::default()
}

/// `a · b`, on this thread.
fn product(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> Mat<f64> {
    let mut out = Mat::zeros(a.nrows(), b.ncols());
    matmul(out.as_mut(), Accum::Replace, a, b, 1.0, Par::Seq);
    out
}

/// A symmetric matrix's eigenvalues (ascending) and eigenvectors (the columns of `vectors`).
pub(crate) struct Eigen {
    pub values: Vec<f64>,
    pub vectors: Mat<f64>,
}

/// The eigendecomposition of the symmetric `matrix` (its lower triangle is read).
pub(crate) fn eigen(matrix: MatRef<'_, f64>) -> Result<Eigen, Error> {
    let size = matrix.nrows();
    let mut vectors = Mat::zeros(size, size);
    let mut diagonal = Diag::zeros(size);
    let scratch =
        self_adjoint_evd_scratch::<f64>(size, ComputeEigenvectors::Yes, Par::Seq, default());
    self_adjoint_evd(
        matrix,
        diagonal.as_mut(),
        Some(vectors.as_mut()),
        Par::Seq,
        MemStack::new(&mut MemBuffer::new(scratch)),
        default(),
    )
    .map_err(|_| Error::Eigen { size })?;
    let values: Vec<f64> = (0..size).map(|i| diagonal[i]).collect();
    if values.iter().any(|v| !v.is_finite()) {
        return Err(Error::Eigen { size });
    }
    Ok(Eigen { values, vectors })
}

/// `V f(Λ) Vᵀ` for the eigendecomposition `V Λ Vᵀ`, with negative eigenvalues (rounding) taken
/// as zero.
pub(crate) fn apply(eigen: &Eigen, f: impl Fn(f64) -> f64) -> Mat<f64> {
    let size = eigen.values.len();
    let scaled = Mat::from_fn(size, size, |i, j| {
        eigen.vectors[(i, j)] * f(eigen.values[j].max(0.0))
    });
    product(scaled.as_ref(), eigen.vectors.transpose())
}

/// The principal square root of a symmetric positive semi-definite matrix.
pub(crate) fn sqrt(matrix: MatRef<'_, f64>) -> Result<Mat<f64>, Error> {
    Ok(apply(&eigen(matrix)?, f64::sqrt))
}

/// `tr (A Σ A)^½` and its gradient with respect to `Σ`, `½ A (A Σ A)^-½ A`, for the symmetric
/// positive definite `A` and `Σ`.
///
/// With `A Σ A = V Λ Vᵀ` and `B = A V`, the gradient is `½ B Λ^-½ Bᵀ`; eigenvalues below
/// `floor` (rounding of a singular product) are raised to it in the inverse.
pub(crate) fn trace_sqrt_product(
    root: MatRef<'_, f64>,
    sigma: MatRef<'_, f64>,
    floor: f64,
) -> Result<(f64, Mat<f64>), Error> {
    let inner = product(product(root, sigma).as_ref(), root);
    let eigen = eigen(inner.as_ref())?;
    let trace = eigen.values.iter().map(|&v| v.max(0.0).sqrt()).sum();
    let b = product(root, eigen.vectors.as_ref());
    let size = eigen.values.len();
    let scaled = Mat::from_fn(size, size, |i, j| {
        b[(i, j)] * 0.5 / eigen.values[j].max(floor).sqrt()
    });
    Ok((trace, product(scaled.as_ref(), b.transpose())))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A symmetric positive definite matrix with known eigenvalues.
    fn spd(size: usize) -> Mat<f64> {
        let a = Mat::from_fn(size, size, |i, j| ((i * 7 + j * 3) % 5) as f64 - 2.0);
        &a * a.transpose() + Mat::<f64>::identity(size, size)
    }

    #[test]
    fn the_square_root_squares_back() {
        let m = spd(6);
        let r = sqrt(m.as_ref()).unwrap();
        let back = &r * &r;
        for i in 0..6 {
            for j in 0..6 {
                assert!((back[(i, j)] - m[(i, j)]).abs() < 1e-10 * m.norm_l2());
            }
        }
    }

    #[test]
    fn the_gradient_of_the_trace_matches_finite_differences() {
        let root = sqrt(spd(5).as_ref()).unwrap();
        let sigma = spd(5) + Mat::<f64>::identity(5, 5) * 0.5;
        let (_, gradient) = trace_sqrt_product(root.as_ref(), sigma.as_ref(), 1e-12).unwrap();
        let h = 1e-6;
        for (i, j) in [(0, 0), (1, 3), (4, 2)] {
            let mut plus = sigma.clone();
            let mut minus = sigma.clone();
            // A symmetric perturbation: off the diagonal it moves both entries.
            plus[(i, j)] += h;
            minus[(i, j)] -= h;
            if i != j {
                plus[(j, i)] += h;
                minus[(j, i)] -= h;
            }
            let f = |s: &Mat<f64>| {
                trace_sqrt_product(root.as_ref(), s.as_ref(), 1e-12)
                    .unwrap()
                    .0
            };
            let numeric = (f(&plus) - f(&minus)) / (2.0 * h);
            let analytic = match i == j {
                true => gradient[(i, j)],
                false => gradient[(i, j)] + gradient[(j, i)],
            };
            assert!(
                (numeric - analytic).abs() < 1e-6 * analytic.abs().max(1e-3),
                "({i}, {j}): {numeric} vs {analytic}"
            );
        }
    }
}
