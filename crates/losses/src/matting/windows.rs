//! The photo's statistics in every 3×3 window, computed once per photo in `f64` on the host,
//! and the Laplacian's product on the host.

use rayon::prelude::*;

/// The nine offsets of a 3×3 window from its top-left pixel, row by row.
pub(super) const OFFSETS: [(usize, usize); 9] = [
    (0, 0),
    (0, 1),
    (0, 2),
    (1, 0),
    (1, 1),
    (1, 2),
    (2, 0),
    (2, 1),
    (2, 2),
];

/// What the matting Laplacian needs of a photo, per window `k` wholly inside it (a window is
/// named by its top-left pixel, so there are `(H − 2)·(W − 2)` of them), all in `f64`:
/// the photo centred on the window's mean, `Xₖⱼ = I(k + j) − μₖ` for each offset `j`, and
/// the least-squares projection `Pₖⱼ = Δₖ Xₖⱼ / 9` with `Δₖ = (Σₖ + ε/9·I₃)⁻¹` and `Σₖ` the
/// window's colour covariance, so that a window's slope of `v` is `aₖ = Σⱼ Pₖⱼ (vⱼ − v̄ₖ)`.
///
/// In nearly flat or grey windows `Δₖ` reaches `9/ε`: the uncentred `mean(IIᵀ) − μμᵀ` loses
/// all its digits there in `f32`, and so does `Δₖ` times a covariance, whose entries cancel
/// to a few units. Centring and the product `Δₖ Xₖⱼ` in `f64` leave the device only sums of
/// terms of the size of the result.
pub(super) struct WindowStats {
    /// The photo's rows.
    pub height: usize,
    /// The photo's columns.
    pub width: usize,
    /// `[9][3][(H − 2)·(W − 2)]`: offset, colour channel, window.
    pub centred: Vec<f64>,
    /// `[9][3][(H − 2)·(W − 2)]`: `Pₖⱼ` by offset, colour channel, window.
    pub projection: Vec<f64>,
    /// `[H·W]`: the Laplacian's diagonal, `Σₖ∋ᵢ (1 − (1 + Xₖᵢᵀ Δₖ Xₖᵢ)/9)`.
    pub diagonal: Vec<f64>,
}

impl WindowStats {
    /// The statistics of `photo`, `[3][H·W]` channel-major in 0–1, with regulariser `eps`;
    /// `height` and `width` are at least 3.
    pub fn new(photo: &[f64], height: usize, width: usize, eps: f64) -> Self {
        let (hk, wk) = (height - 2, width - 2);
        let windows = hk * wk;
        let pixels = height * width;
        let mut centred = vec![0.0; 9 * 3 * windows];
        let mut projection = vec![0.0; 9 * 3 * windows];
        let mut diagonal = vec![0.0; pixels];
        for y in 0..hk {
            for x in 0..wk {
                let k = y * wk + x;
                let colour = |j: usize, c: usize| {
                    let (dy, dx) = OFFSETS[j];
                    photo[c * pixels + (y + dy) * width + x + dx]
                };
                let mean: [f64; 3] =
                    std::array::from_fn(|c| (0..9).map(|j| colour(j, c)).sum::<f64>() / 9.0);
                let x_: [[f64; 3]; 9] =
                    std::array::from_fn(|j| std::array::from_fn(|c| colour(j, c) - mean[c]));
                let mut sigma = [[0.0; 3]; 3];
                for (r, row) in sigma.iter_mut().enumerate() {
                    for (c, entry) in row.iter_mut().enumerate() {
                        *entry = x_.iter().map(|v| v[r] * v[c]).sum::<f64>() / 9.0
                            + if r == c { eps / 9.0 } else { 0.0 };
                    }
                }
                let factor = cholesky(&sigma);
                for (j, v) in x_.iter().enumerate() {
                    let p = solve(&factor, v.map(|x| x / 9.0));
                    for c in 0..3 {
                        centred[(j * 3 + c) * windows + k] = v[c];
                        projection[(j * 3 + c) * windows + k] = p[c];
                    }
                    // Xⱼᵀ Δ Xⱼ = 9 Xⱼᵀ Pⱼ.
                    let quadratic = 9.0 * (0..3).map(|c| v[c] * p[c]).sum::<f64>();
                    let (dy, dx) = OFFSETS[j];
                    diagonal[(y + dy) * width + x + dx] += 1.0 - (1.0 + quadratic) / 9.0;
                }
            }
        }
        Self {
            height,
            width,
            centred,
            projection,
            diagonal,
        }
    }

    /// `out = L·v` for `v`, `[C][H·W]` (channels of one image, row-major). Each window's
    /// mean, slope and residuals (see [`MattingLaplacian`](super::MattingLaplacian)) are
    /// added to the pixels they belong to, window row by window row and every channel of a
    /// row in turn, so that the row's statistics are read from memory once; bands of rows run
    /// in parallel, each into its own rows (they share two), added up at the end.
    pub fn apply(&self, v: &[f64], out: &mut [f64]) {
        let (h, w) = (self.height, self.width);
        let rows = h - 2;
        let bands = (2 * rayon::current_num_threads()).clamp(1, rows);
        let per_band = rows.div_ceil(bands);
        let parts: Vec<(usize, Vec<f64>)> = (0..rows)
            .step_by(per_band)
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|first| {
                let last = (first + per_band).min(rows);
                (first, self.apply_rows(v, first..last))
            })
            .collect();
        out.fill(0.0);
        let channels = v.len() / (h * w);
        for (first, part) in parts {
            let band = part.len() / channels;
            for c in 0..channels {
                let start = c * h * w + first * w;
                out[start..start + band]
                    .iter_mut()
                    .zip(&part[c * band..(c + 1) * band])
                    .for_each(|(o, p)| *o += p);
            }
        }
    }

    /// The residuals of the windows whose top rows are `rows`, added up on the pixels they
    /// cover: `[C][(rows + 2)·W]`, from pixel row `rows.start`.
    fn apply_rows(&self, v: &[f64], rows: std::ops::Range<usize>) -> Vec<f64> {
        let (h, w, wk) = (self.height, self.width, self.width - 2);
        let windows = (h - 2) * wk;
        let channels = v.len() / (h * w);
        let band = (rows.len() + 2) * w;
        let mut out = vec![0.0; channels * band];
        let mut deviation = vec![vec![0.0; wk]; 9];
        let mut mean = vec![0.0; wk];
        let mut slope = vec![vec![0.0; wk]; 3];
        for y in rows.clone() {
            let at = |j: usize, c: usize| {
                let start = (j * 3 + c) * windows + y * wk;
                start..start + wk
            };
            for channel in 0..channels {
                let v = &v[channel * h * w..(channel + 1) * h * w];
                let out = &mut out[channel * band..(channel + 1) * band];
                mean.fill(0.0);
                for (d, &(dy, dx)) in deviation.iter_mut().zip(&OFFSETS) {
                    let start = (y + dy) * w + dx;
                    d.copy_from_slice(&v[start..start + wk]);
                    mean.iter_mut()
                        .zip(d.iter())
                        .for_each(|(m, v)| *m += v / 9.0);
                }
                for d in &mut deviation {
                    d.iter_mut().zip(&mean).for_each(|(d, m)| *d -= m);
                }
                for (c, a) in slope.iter_mut().enumerate() {
                    a.fill(0.0);
                    for (j, d) in deviation.iter().enumerate() {
                        let p = &self.projection[at(j, c)];
                        a.iter_mut()
                            .zip(p.iter().zip(d))
                            .for_each(|(a, (p, d))| *a += p * d);
                    }
                }
                for (j, d) in deviation.iter_mut().enumerate() {
                    for (c, a) in slope.iter().enumerate() {
                        let x = &self.centred[at(j, c)];
                        d.iter_mut()
                            .zip(a.iter().zip(x))
                            .for_each(|(d, (a, x))| *d -= a * x);
                    }
                    let (dy, dx) = OFFSETS[j];
                    let start = (y - rows.start + dy) * w + dx;
                    out[start..start + wk]
                        .iter_mut()
                        .zip(d.iter())
                        .for_each(|(o, r)| *o += r);
                }
            }
        }
        out
    }
}

/// The lower-triangular `L` with `L·Lᵀ = m`, for a symmetric positive definite 3×3 `m`.
///
/// Solving through the factor rather than multiplying by an explicit inverse is what keeps
/// grey and nearly flat windows exact: there `Δ`'s entries reach `9/ε` and cancel to about
/// `1/Σ` along the photo's colour axis, so an inverse's rounding (relative `κ·u ≈ 10⁻⁹`)
/// would be amplified 10⁶-fold; the factor's is that of a nearby matrix (Cholesky is
/// backward stable).
fn cholesky(m: &[[f64; 3]; 3]) -> [[f64; 3]; 3] {
    let mut l = [[0.0; 3]; 3];
    for r in 0..3 {
        for c in 0..=r {
            let dot: f64 = (0..c).map(|k| l[r][k] * l[c][k]).sum();
            l[r][c] = match r == c {
                true => (m[r][r] - dot).max(0.0).sqrt(),
                false => (m[r][c] - dot) / l[c][c],
            };
        }
    }
    l
}

/// `x` with `L·Lᵀ·x = b`, for `L` from [`cholesky`].
fn solve(l: &[[f64; 3]; 3], b: [f64; 3]) -> [f64; 3] {
    let mut y = [0.0; 3];
    for r in 0..3 {
        y[r] = (b[r] - (0..r).map(|k| l[r][k] * y[k]).sum::<f64>()) / l[r][r];
    }
    let mut x = [0.0; 3];
    for r in (0..3).rev() {
        x[r] = (y[r] - (r + 1..3).map(|k| l[k][r] * x[k]).sum::<f64>()) / l[r][r];
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_factor_solves_the_system() {
        let m = [[2.0, 0.5, 0.1], [0.5, 1.0, 0.2], [0.1, 0.2, 3.0]];
        let b = [1.0, -2.0, 0.5];
        let x = solve(&cholesky(&m), b);
        for r in 0..3 {
            let product: f64 = (0..3).map(|c| m[r][c] * x[c]).sum();
            assert!((product - b[r]).abs() < 1e-14, "row {r}: {product}");
        }
    }

    #[test]
    fn a_flat_photo_has_no_centred_colour_and_no_slope() {
        let photo = vec![0.5; 3 * 4 * 5];
        let stats = WindowStats::new(&photo, 4, 5, 1e-7);
        assert!(stats.centred.iter().all(|&v| v == 0.0));
        assert!(stats.projection.iter().all(|&v| v == 0.0));
        // Each window adds 8/9 to each of its pixels' diagonal: the centre has 6 windows.
        assert!((stats.diagonal[5 + 2] - 6.0 * 8.0 / 9.0).abs() < 1e-12);
    }
}
