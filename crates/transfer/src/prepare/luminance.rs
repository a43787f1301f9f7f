//! Keeping the content's colors (Gatys et al. 2016, "Preserving Color in Neural Artistic
//! Style Transfer"): luminance-only transfer, and color matching of the style image.

use image::{Rgb, RgbImage};

type Mat3 = [[f64; 3]; 3];

/// RGB → YIQ (FCC NTSC).
const TO_YIQ: Mat3 = [
    [0.299, 0.587, 0.114],
    [0.595_716, -0.274_453, -0.321_263],
    [0.211_456, -0.522_591, 0.311_135],
];

fn apply(m: &Mat3, v: [f64; 3]) -> [f64; 3] {
    std::array::from_fn(|i| (0..3).map(|j| m[i][j] * v[j]).sum())
}

fn multiply(a: &Mat3, b: &Mat3) -> Mat3 {
    std::array::from_fn(|i| std::array::from_fn(|j| (0..3).map(|k| a[i][k] * b[k][j]).sum()))
}

fn inverse(m: &Mat3) -> Mat3 {
    let cofactor = |r: usize, c: usize| {
        let (r0, r1) = ((r + 1) % 3, (r + 2) % 3);
        let (c0, c1) = ((c + 1) % 3, (c + 2) % 3);
        m[r0][c0] * m[r1][c1] - m[r0][c1] * m[r1][c0]
    };
    let det: f64 = (0..3).map(|c| m[0][c] * cofactor(0, c)).sum();
    std::array::from_fn(|i| std::array::from_fn(|j| cofactor(j, i) / det))
}

/// The lower Cholesky factor of a symmetric positive-definite matrix.
fn cholesky(m: &Mat3) -> Mat3 {
    let mut l = [[0.0; 3]; 3];
    for i in 0..3 {
        for j in 0..=i {
            let sum: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            l[i][j] = if i == j {
                (m[i][i] - sum).max(1e-12).sqrt()
            } else {
                (m[i][j] - sum) / l[j][j]
            };
        }
    }
    l
}

fn to_rgb8(v: [f64; 3]) -> Rgb<u8> {
    Rgb(v.map(|c| c.round().clamp(0.0, 255.0) as u8))
}

fn pixels(image: &RgbImage) -> impl Iterator<Item = [f64; 3]> + '_ {
    image.pixels().map(|p| p.0.map(f64::from))
}

/// Mean and covariance of an image's pixels.
fn moments(image: &RgbImage) -> ([f64; 3], Mat3) {
    let n = f64::from(image.width()) * f64::from(image.height());
    let mut mean = [0.0; 3];
    for p in pixels(image) {
        (0..3).for_each(|c| mean[c] += p[c] / n);
    }
    let mut cov = [[0.0; 3]; 3];
    for p in pixels(image) {
        for i in 0..3 {
            for j in 0..3 {
                cov[i][j] += (p[i] - mean[i]) * (p[j] - mean[j]) / n;
            }
        }
    }
    (mean, cov)
}

/// `image` recolored so that its color mean and covariance equal `reference`'s (up to
/// rounding and clipping to 0–255).
pub fn match_colors(image: &RgbImage, reference: &RgbImage) -> RgbImage {
    // A small ridge keeps flat (or grey) images factorisable.
    let ridge = |mut cov: Mat3| {
        (0..3).for_each(|i| cov[i][i] += 1e-3);
        cov
    };
    let (mu_s, cov_s) = moments(image);
    let (mu_c, cov_c) = moments(reference);
    let a = multiply(&cholesky(&ridge(cov_c)), &inverse(&cholesky(&ridge(cov_s))));
    let mut out = image.clone();
    for p in out.pixels_mut() {
        let centred: [f64; 3] = std::array::from_fn(|c| f64::from(p[c]) - mu_s[c]);
        let moved = apply(&a, centred);
        *p = to_rgb8(std::array::from_fn(|c| moved[c] + mu_c[c]));
    }
    out
}

/// Each pixel's YIQ coordinates.
pub fn yiq(image: &RgbImage) -> Vec<[f64; 3]> {
    pixels(image).map(|p| apply(&TO_YIQ, p)).collect()
}

/// The luma of `image` as a grey RGB image, its mean and spread moved to `(mean, std)` when
/// given.
pub fn luminance(image: &RgbImage, target: Option<(f64, f64)>) -> RgbImage {
    let luma: Vec<f64> = yiq(image).into_iter().map(|[y, _, _]| y).collect();
    let (mean, std) = mean_std(&luma);
    let map = |y: f64| match target {
        Some((to_mean, to_std)) => (y - mean) / std.max(1e-6) * to_std + to_mean,
        None => y,
    };
    let mut out = RgbImage::new(image.width(), image.height());
    for (p, &y) in out.pixels_mut().zip(&luma) {
        let v = map(y);
        *p = to_rgb8([v, v, v]);
    }
    out
}

/// The mean and population standard deviation of an image's luma.
pub fn luma_mean_std(image: &RgbImage) -> (f64, f64) {
    let luma: Vec<f64> = yiq(image).into_iter().map(|[y, _, _]| y).collect();
    mean_std(&luma)
}

fn mean_std(values: &[f64]) -> (f64, f64) {
    let n = values.len().max(1) as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    (mean, var.sqrt())
}

/// The luma of `result` with the I and Q chroma of `content` (same size).
pub fn recombine(result: &RgbImage, content: &RgbImage) -> RgbImage {
    let from_yiq = inverse(&TO_YIQ);
    let mut out = RgbImage::new(result.width(), result.height());
    for ((p, r), c) in out.pixels_mut().zip(yiq(result)).zip(yiq(content)) {
        *p = to_rgb8(apply(&from_yiq, [r[0], c[1], c[2]]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gradient_image(tint: [u8; 3]) -> RgbImage {
        RgbImage::from_fn(40, 30, |x, y| {
            Rgb([
                (x * 5) as u8 / 2 + tint[0] / 2,
                (y * 7) as u8 / 2 + tint[1] / 2,
                ((x + y) * 3) as u8 / 2 + tint[2] / 2,
            ])
        })
    }

    #[test]
    fn yiq_inverts() {
        let back = multiply(&inverse(&TO_YIQ), &TO_YIQ);
        for (i, row) in back.iter().enumerate() {
            for (j, v) in row.iter().enumerate() {
                assert!((v - f64::from(u8::from(i == j))).abs() < 1e-12);
            }
        }
        // Grey has no chroma.
        let [_, i, q] = apply(&TO_YIQ, [90.0, 90.0, 90.0]);
        assert!(i.abs() < 1e-4 && q.abs() < 1e-4, "{i} {q}");
    }

    #[test]
    fn matched_colors_have_the_reference_moments() {
        let style = gradient_image([200, 40, 10]);
        let content = gradient_image([10, 90, 220]);
        let (mu, cov) = moments(&match_colors(&style, &content));
        let (mu_c, cov_c) = moments(&content);
        for c in 0..3 {
            // Rounding to 8 bits moves a mean by < 0.5 and a covariance by about 1/12.
            assert!((mu[c] - mu_c[c]).abs() < 0.5, "{mu:?} {mu_c:?}");
            for d in 0..3 {
                assert!((cov[c][d] - cov_c[c][d]).abs() < 1.0, "{cov:?} {cov_c:?}");
            }
        }
    }

    #[test]
    fn recombining_keeps_the_content_chroma() {
        let content = gradient_image([10, 90, 220]);
        let grey = luminance(&gradient_image([200, 40, 10]), None);
        let out = recombine(&grey, &content);
        for ((a, b), g) in yiq(&out).iter().zip(yiq(&content)).zip(yiq(&grey)) {
            assert!((a[1] - b[1]).abs() < 1.0 && (a[2] - b[2]).abs() < 1.0);
            assert!((a[0] - g[0]).abs() < 1.0);
        }
    }
}
