//! The two Winograd algorithms used: their transform matrices, applied element-wise to rows
//! of values so that the arithmetic vectorises.
//!
//! The matrices are Lavin & Gray's (*Fast Algorithms for Convolutional Neural Networks*,
//! 2016), for the points 0, ±1 and ∞ (F(2×2, 3×3)) and 0, ±1, ±2 and ∞ (F(4×4, 3×3)).

/// A Winograd algorithm F(M×M, 3×3): `N = M + 2` input values per tile side.
pub(crate) trait Tile<const N: usize, const M: usize>: Send + Sync {
    /// The kernel transform `G` (N×3).
    const G: [[f64; 3]; N];

    /// `Bᵀ x`: one column of an input tile.
    fn bt(x: [f32; N]) -> [f32; N];

    /// `Aᵀ x`: one column of a transformed output tile.
    fn at(x: [f32; N]) -> [f32; M];
}

/// F(4×4, 3×3): 36 multiplies for 16 outputs, 4× fewer than a direct convolution.
pub(crate) struct F4x4;

impl Tile<6, 4> for F4x4 {
    const G: [[f64; 3]; 6] = [
        [1.0 / 4.0, 0.0, 0.0],
        [-1.0 / 6.0, -1.0 / 6.0, -1.0 / 6.0],
        [-1.0 / 6.0, 1.0 / 6.0, -1.0 / 6.0],
        [1.0 / 24.0, 1.0 / 12.0, 1.0 / 6.0],
        [1.0 / 24.0, -1.0 / 12.0, 1.0 / 6.0],
        [0.0, 0.0, 1.0],
    ];

    #[inline(always)]
    fn bt([x0, x1, x2, x3, x4, x5]: [f32; 6]) -> [f32; 6] {
        [
            4.0 * x0 - 5.0 * x2 + x4,
            -4.0 * (x1 + x2) + x3 + x4,
            4.0 * (x1 - x2) - x3 + x4,
            2.0 * (x3 - x1) - x2 + x4,
            2.0 * (x1 - x3) - x2 + x4,
            4.0 * x1 - 5.0 * x3 + x5,
        ]
    }

    #[inline(always)]
    fn at([x0, x1, x2, x3, x4, x5]: [f32; 6]) -> [f32; 4] {
        let (sum12, dif12, sum34, dif34) = (x1 + x2, x1 - x2, x3 + x4, x3 - x4);
        [
            x0 + sum12 + sum34,
            dif12 + 2.0 * dif34,
            sum12 + 4.0 * sum34,
            dif12 + 8.0 * dif34 + x5,
        ]
    }
}

/// F(2×2, 3×3): 16 multiplies for 4 outputs, 2.25× fewer than a direct convolution, with
/// transformed weights 16/9 of the kernels' size (F(4×4)'s are 4×).
pub(crate) struct F2x2;

impl Tile<4, 2> for F2x2 {
    const G: [[f64; 3]; 4] = [
        [1.0, 0.0, 0.0],
        [0.5, 0.5, 0.5],
        [0.5, -0.5, 0.5],
        [0.0, 0.0, 1.0],
    ];

    #[inline(always)]
    fn bt([x0, x1, x2, x3]: [f32; 4]) -> [f32; 4] {
        [x0 - x2, x1 + x2, x2 - x1, x1 - x3]
    }

    #[inline(always)]
    fn at([x0, x1, x2, x3]: [f32; 4]) -> [f32; 2] {
        [x0 + x1 + x2, x1 - x2 - x3]
    }
}

/// Values per block of [`rows`]: a block is copied into local arrays, which the compiler
/// knows alias nothing, so it vectorises the arithmetic.
const LANES: usize = 16;

/// `dst[r][t] = f(src[0][t], …, src[S − 1][t])[r]` for every `t`, in blocks of [`LANES`].
#[inline(always)]
pub(crate) fn rows<const S: usize, const R: usize>(
    src: [&[f32]; S],
    mut dst: [&mut [f32]; R],
    f: impl Fn([f32; S]) -> [f32; R],
) {
    let n = dst[0].len();
    let block = |x: [[f32; LANES]; S]| -> [[f32; LANES]; R] {
        let mut y = [[0.0f32; LANES]; R];
        for lane in 0..LANES {
            let out = f(std::array::from_fn(|j| x[j][lane]));
            for (y, out) in y.iter_mut().zip(out) {
                y[lane] = out;
            }
        }
        y
    };
    let full = n - n % LANES;
    for t in (0..full).step_by(LANES) {
        let y = block(std::array::from_fn(|j| {
            *<&[f32; LANES]>::try_from(&src[j][t..t + LANES]).expect("a whole block")
        }));
        for (dst, y) in dst.iter_mut().zip(&y) {
            *<&mut [f32; LANES]>::try_from(&mut dst[t..t + LANES]).expect("a whole block") = *y;
        }
    }
    if full < n {
        let len = n - full;
        let mut x = [[0.0f32; LANES]; S];
        for (x, src) in x.iter_mut().zip(&src) {
            x[..len].copy_from_slice(&src[full..n]);
        }
        let y = block(x);
        for (dst, y) in dst.iter_mut().zip(&y) {
            dst[full..n].copy_from_slice(&y[..len]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The exact transforms of a tile algorithm, from its points: for F(m, 3) with finite
    /// points pᵢ, `Y = Aᵀ[(G g) ⊙ (Bᵀ d)]` must equal the correlation `Σⱼ g[j] d[i + j]` for
    /// every kernel and input. Checked on the unit vectors, which determine a bilinear map.
    fn correlates<T: Tile<N, M>, const N: usize, const M: usize>() {
        for a in 0..3 {
            for b in 0..N {
                let g: [f64; 3] = std::array::from_fn(|j| f64::from(u8::from(j == a)));
                let d: [f32; N] = std::array::from_fn(|j| f32::from(u8::from(j == b)));
                let u: [f64; N] = std::array::from_fn(|i| (0..3).map(|j| T::G[i][j] * g[j]).sum());
                let v = T::bt(d);
                let m: [f32; N] = std::array::from_fn(|i| (u[i] * f64::from(v[i])) as f32);
                let y = T::at(m);
                for (i, &y) in y.iter().enumerate() {
                    let expected = f32::from(u8::from(b == i + a));
                    assert!((y - expected).abs() < 1e-6, "a={a} b={b} i={i}: {y}");
                }
            }
        }
    }

    #[test]
    fn both_algorithms_compute_a_correlation() {
        correlates::<F4x4, 6, 4>();
        correlates::<F2x2, 4, 2>();
    }

    #[test]
    fn rows_applies_a_function_per_element_with_any_tail() {
        for n in [1, 15, 16, 17, 40] {
            let src: Vec<Vec<f32>> = (0..4)
                .map(|j| (0..n).map(|t| (t * 4 + j) as f32).collect())
                .collect();
            let mut out = vec![vec![0.0f32; n]; 2];
            let [o0, o1] = &mut out[..] else {
                unreachable!()
            };
            rows(
                std::array::from_fn(|j| &src[j][..]),
                [&mut o0[..], &mut o1[..]],
                |[a, b, c, d]| [a + b, c * d],
            );
            for t in 0..n {
                assert_eq!(out[0][t], src[0][t] + src[1][t]);
                assert_eq!(out[1][t], src[2][t] * src[3][t]);
            }
        }
    }
}
