//! Synthetic frame pairs with exactly known flow, made from the committed photos.

#![allow(dead_code)]

use image::{Rgb, Rgb32FImage, RgbImage};

/// A pair of frames and the true flow from the first to the second, with the pixels where it
/// is checkable (visible in both frames and inside the second).
pub struct Pair {
    pub from: RgbImage,
    pub to: RgbImage,
    pub u: Vec<f32>,
    pub v: Vec<f32>,
    pub valid: Vec<bool>,
}

/// A committed photo as floats.
pub fn photo(name: &str) -> Rgb32FImage {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/").to_owned() + name;
    image::open(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .into_rgb32f()
}

/// Bilinear sample with clamped coordinates, in 0–1.
pub fn sample(image: &Rgb32FImage, x: f64, y: f64) -> [f64; 3] {
    let (w, h) = (image.width() as f64, image.height() as f64);
    let x = x.clamp(0.0, w - 1.0);
    let y = y.clamp(0.0, h - 1.0);
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let (x0, y0) = (x0 as u32, y0 as u32);
    let x1 = (x0 + 1).min(image.width() - 1);
    let y1 = (y0 + 1).min(image.height() - 1);
    let p = |xx: u32, yy: u32, c: usize| f64::from(image.get_pixel(xx, yy)[c]);
    std::array::from_fn(|c| {
        let top = p(x0, y0, c) * (1.0 - fx) + p(x1, y0, c) * fx;
        let bottom = p(x0, y1, c) * (1.0 - fx) + p(x1, y1, c) * fx;
        top * (1.0 - fy) + bottom * fy
    })
}

fn to_u8(c: [f64; 3]) -> Rgb<u8> {
    Rgb(c.map(|x| (x * 255.0).round().clamp(0.0, 255.0) as u8))
}

/// Frames of `w × h` where the first shows the photo from `(ox, oy)` and the second the
/// photo under `map`, a function from the first frame's pixel to where it is in the second
/// (`inverse` maps back).
pub fn transformed(
    photo: &Rgb32FImage,
    w: u32,
    h: u32,
    (ox, oy): (f64, f64),
    map: impl Fn(f64, f64) -> (f64, f64),
    inverse: impl Fn(f64, f64) -> (f64, f64),
) -> Pair {
    let from = RgbImage::from_fn(w, h, |x, y| {
        to_u8(sample(photo, ox + f64::from(x), oy + f64::from(y)))
    });
    let to = RgbImage::from_fn(w, h, |x, y| {
        let (sx, sy) = inverse(f64::from(x), f64::from(y));
        to_u8(sample(photo, ox + sx, oy + sy))
    });
    let n = (w * h) as usize;
    let (mut u, mut v, mut valid) = (vec![0.0; n], vec![0.0; n], vec![false; n]);
    for y in 0..h {
        for x in 0..w {
            let k = (y * w + x) as usize;
            let (tx, ty) = map(f64::from(x), f64::from(y));
            u[k] = (tx - f64::from(x)) as f32;
            v[k] = (ty - f64::from(y)) as f32;
            valid[k] = tx >= 0.0 && tx <= f64::from(w - 1) && ty >= 0.0 && ty <= f64::from(h - 1);
        }
    }
    Pair {
        from,
        to,
        u,
        v,
        valid,
    }
}

/// A sub-pixel translation by `(dx, dy)`.
pub fn translation(photo: &Rgb32FImage, w: u32, h: u32, dx: f64, dy: f64) -> Pair {
    transformed(
        photo,
        w,
        h,
        (20.0, 20.0),
        |x, y| (x + dx, y + dy),
        |x, y| (x - dx, y - dy),
    )
}

/// A zoom by `s` and rotation by `angle` (radians) about the frame's centre.
pub fn similarity(photo: &Rgb32FImage, w: u32, h: u32, s: f64, angle: f64) -> Pair {
    let (cx, cy) = (f64::from(w - 1) / 2.0, f64::from(h - 1) / 2.0);
    let (c, si) = (angle.cos(), angle.sin());
    transformed(
        photo,
        w,
        h,
        (20.0, 20.0),
        move |x, y| {
            let (px, py) = (x - cx, y - cy);
            (cx + s * (c * px - si * py), cy + s * (si * px + c * py))
        },
        move |x, y| {
            let (px, py) = ((x - cx) / s, (y - cy) / s);
            (cx + c * px + si * py, cy - si * px + c * py)
        },
    )
}

/// A still background (from `background`) with a `side × side` square cut from `object`
/// moving from `(x0, y0)` by `(dx, dy)`; the background it uncovers or covers is not checkable.
#[allow(clippy::too_many_arguments)]
pub fn moving_object(
    background: &Rgb32FImage,
    object: &Rgb32FImage,
    w: u32,
    h: u32,
    (x0, y0): (f64, f64),
    side: f64,
    (dx, dy): (f64, f64),
) -> Pair {
    let inside =
        |x: f64, y: f64, ax: f64, ay: f64| x >= ax && x < ax + side && y >= ay && y < ay + side;
    let frame = |ax: f64, ay: f64| {
        RgbImage::from_fn(w, h, |x, y| {
            let (x, y) = (f64::from(x), f64::from(y));
            if inside(x, y, ax, ay) {
                to_u8(sample(object, 40.0 + x - ax, 40.0 + y - ay))
            } else {
                to_u8(sample(background, 10.0 + x, 10.0 + y))
            }
        })
    };
    let from = frame(x0, y0);
    let to = frame(x0 + dx, y0 + dy);
    let n = (w * h) as usize;
    let (mut u, mut v, mut valid) = (vec![0.0; n], vec![0.0; n], vec![false; n]);
    for y in 0..h {
        for x in 0..w {
            let k = (y * w + x) as usize;
            let (xf, yf) = (f64::from(x), f64::from(y));
            if inside(xf, yf, x0, y0) {
                u[k] = dx as f32;
                v[k] = dy as f32;
                valid[k] = true;
            } else {
                valid[k] = !inside(xf, yf, x0 + dx, y0 + dy);
            }
        }
    }
    Pair {
        from,
        to,
        u,
        v,
        valid,
    }
}

/// The average endpoint error of `flow` against the pair's truth over its checkable pixels.
pub fn epe(pair: &Pair, flow: &nst_flow::Flow) -> f64 {
    let (mut sum, mut count) = (0.0f64, 0usize);
    for k in 0..pair.u.len() {
        if pair.valid[k] {
            let du = f64::from(flow.u()[k] - pair.u[k]);
            let dv = f64::from(flow.v()[k] - pair.v[k]);
            sum += (du * du + dv * dv).sqrt();
            count += 1;
        }
    }
    sum / count as f64
}
