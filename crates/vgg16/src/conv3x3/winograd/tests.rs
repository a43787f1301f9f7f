//! The kernels against a direct convolution in `f64`.

use super::*;

/// The direct convolution (correlation, padding 1) in `f64`.
fn direct(x: &[f32], weight: &[f32], [ci, co, h, w]: [usize; 4]) -> Vec<f64> {
    let mut y = vec![0.0f64; co * h * w];
    for k in 0..co {
        for r in 0..h {
            for col in 0..w {
                let mut sum = 0.0;
                for c in 0..ci {
                    for (a, b) in (0..3).flat_map(|a| (0..3).map(move |b| (a, b))) {
                        let (rr, cc) = ((r + a).wrapping_sub(1), (col + b).wrapping_sub(1));
                        if rr < h && cc < w {
                            sum += f64::from(weight[((k * ci + c) * 3 + a) * 3 + b])
                                * f64::from(x[(c * h + rr) * w + cc]);
                        }
                    }
                }
                y[(k * h + r) * w + col] = sum;
            }
        }
    }
    y
}

/// The input gradient of [`direct`] (its adjoint) in `f64`.
fn direct_adjoint(dy: &[f64], weight: &[f32], [ci, co, h, w]: [usize; 4]) -> Vec<f64> {
    let mut dx = vec![0.0f64; ci * h * w];
    for k in 0..co {
        for r in 0..h {
            for col in 0..w {
                let g = dy[(k * h + r) * w + col];
                for c in 0..ci {
                    for (a, b) in (0..3).flat_map(|a| (0..3).map(move |b| (a, b))) {
                        let (rr, cc) = ((r + a).wrapping_sub(1), (col + b).wrapping_sub(1));
                        if rr < h && cc < w {
                            dx[(c * h + rr) * w + cc] +=
                                f64::from(weight[((k * ci + c) * 3 + a) * 3 + b]) * g;
                        }
                    }
                }
            }
        }
    }
    dx
}

/// A deterministic pseudo-random sequence in [−1, 1).
fn values(len: usize, seed: u64) -> Vec<f32> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 40) as f32 / (1u64 << 23) as f32 - 1.0
        })
        .collect()
}

fn relative_error(actual: &[f32], expected: &[f64]) -> f64 {
    let diff: f64 = actual
        .iter()
        .zip(expected)
        .map(|(&a, &e)| (f64::from(a) - e).powi(2))
        .sum();
    let norm: f64 = expected.iter().map(|e| e * e).sum();
    (diff / norm).sqrt()
}

/// Both algorithms against the direct convolution in `f64`, forward and input gradient,
/// on sizes below, at and above a tile, odd sizes and odd channel counts.
///
/// The bounds are the algorithms' rounding on values in [−1, 1): a direct `f32`
/// convolution is within about 1e-7 here, F(2×2) about 4e-7 and F(4×4) 1.5e-6, whose
/// transforms multiply by up to 8 and 1/24 before the sums.
#[test]
fn forward_and_input_gradient_match_the_direct_convolution() {
    for (algorithm, bound) in [(Algorithm::F4x4, 5e-6), (Algorithm::F2x2, 2e-6)] {
        for (index, &[ci, co, h, w]) in [
            [1, 1, 1, 1],
            [3, 5, 1, 7],
            [2, 3, 9, 1],
            [3, 8, 4, 4],
            [5, 7, 13, 11],
            [16, 9, 37, 23],
            [7, 4, 8, 21],
            [64, 64, 97, 130],
        ]
        .iter()
        .enumerate()
        {
            let seed = index as u64 * 10;
            let x = values(ci * h * w, seed);
            let weight = values(co * ci * 9, seed + 1);
            let bias = values(co, seed + 2);
            let u = transform(&weight, algorithm);
            let kernels = Kernels::new(&u, algorithm, [co, ci]);

            let y = forward(&x, [1, h, w], kernels, &bias);
            let expected: Vec<f64> = direct(&x, &weight, [ci, co, h, w])
                .iter()
                .enumerate()
                .map(|(i, v)| (v + f64::from(bias[i / (h * w)])).max(0.0))
                .collect();
            let error = relative_error(&y, &expected);
            assert!(
                error < bound,
                "{algorithm:?} forward {ci}→{co} {h}×{w}: {error:e}"
            );

            let grad = values(co * h * w, seed + 3);
            let dx = input_gradient(&y, &grad, [1, h, w], kernels);
            let masked: Vec<f64> = grad
                .iter()
                .zip(&y)
                .map(|(&g, &y)| if y > 0.0 { f64::from(g) } else { 0.0 })
                .collect();
            let expected = direct_adjoint(&masked, &weight, [ci, co, h, w]);
            let error = relative_error(&dx, &expected);
            assert!(
                error < bound,
                "{algorithm:?} gradient {ci}→{co} {h}×{w}: {error:e}"
            );
        }
    }
}

#[test]
fn a_batch_is_its_images_one_by_one() {
    let (ci, co, h, w) = (3, 4, 6, 5);
    let x = values(2 * ci * h * w, 7);
    let u = transform(&values(co * ci * 9, 8), Algorithm::F4x4);
    let kernels = Kernels::new(&u, Algorithm::F4x4, [co, ci]);
    let bias = values(co, 9);
    let both = forward(&x, [2, h, w], kernels, &bias);
    let (first, second) = x.split_at(ci * h * w);
    let one_by_one = [
        forward(first, [1, h, w], kernels, &bias),
        forward(second, [1, h, w], kernels, &bias),
    ]
    .concat();
    assert_eq!(both, one_by_one);
}
