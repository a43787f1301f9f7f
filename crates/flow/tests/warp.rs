//! `warp` against integer shifts and an independent bilinear computation.

mod common;

use image::Rgb32FImage;
use nst_flow::{Error, Flow, warp};

fn test_image() -> Rgb32FImage {
    let p = common::photo("chelsea.png");
    Rgb32FImage::from_fn(48, 32, |x, y| *p.get_pixel(x + 100, y + 50))
}

#[test]
fn integer_translation_is_exact() {
    let image = test_image();
    let (dx, dy) = (3i32, -2i32);
    let n = (48 * 32) as usize;
    let f = Flow::new(48, 32, vec![dx as f32; n], vec![dy as f32; n]).expect("lengths");
    let out = warp(&image, &f).expect("same size");
    for y in 0..32i32 {
        for x in 0..48i32 {
            let (sx, sy) = ((x + dx).clamp(0, 47), (y + dy).clamp(0, 31));
            let want = image.get_pixel(sx as u32, sy as u32);
            assert_eq!(out.get_pixel(x as u32, y as u32), want, "({x}, {y})");
        }
    }
}

#[test]
fn matches_independent_bilinear() {
    let image = test_image();
    let n = (48 * 32) as usize;
    let u: Vec<f32> = (0..n)
        .map(|k| ((k * 37 % 101) as f32 / 101.0 - 0.5) * 9.0)
        .collect();
    let v: Vec<f32> = (0..n)
        .map(|k| ((k * 53 % 97) as f32 / 97.0 - 0.5) * 7.0)
        .collect();
    let f = Flow::new(48, 32, u.clone(), v.clone()).expect("lengths");
    let out = warp(&image, &f).expect("same size");
    for y in 0..32u32 {
        for x in 0..48u32 {
            let k = (y * 48 + x) as usize;
            let (px, py) = (
                f64::from(x) + f64::from(u[k]),
                f64::from(y) + f64::from(v[k]),
            );
            let want = common::sample(&image, px, py);
            for (c, want) in want.iter().enumerate() {
                let got = f64::from(out.get_pixel(x, y)[c]);
                assert!(
                    (got - want).abs() < 1e-5,
                    "({x}, {y}, {c}): {got} vs {want}"
                );
            }
        }
    }
}

#[test]
fn zero_flow_is_identity() {
    let image = test_image();
    assert_eq!(
        warp(&image, &Flow::zeros(48, 32)).expect("same size"),
        image
    );
}

#[test]
fn size_mismatch_is_an_error() {
    let image = test_image();
    assert!(matches!(
        warp(&image, &Flow::zeros(47, 32)),
        Err(Error::SizeMismatch { .. })
    ));
}
