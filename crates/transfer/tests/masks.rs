//! Style masks: each style paints its own region (guided Gram matrices, Gatys et al. 2017).

mod common;

use common::{asset_image, mean_abs_difference};
use image::{GrayImage, Luma, RgbImage};
use nst_transfer::{Error, StyleMasks, StyleTransferConfig, Term};

const SIZE: u32 = 96;

fn config(iterations: usize) -> StyleTransferConfig {
    StyleTransferConfig::builder()
        .size(Some(SIZE))
        .multiscale(None)
        .iterations(iterations)
        .build()
        .unwrap()
}

/// A mask that is white where `white(x, width)` holds.
fn mask(white: impl Fn(u32, u32) -> bool) -> GrayImage {
    let (width, height) = (90, 60); // the cat's 3:2
    GrayImage::from_fn(width, height, |x, _| {
        Luma([if white(x, width) { 255 } else { 0 }])
    })
}

fn half(image: &RgbImage, left: bool) -> RgbImage {
    let (w, h) = image.dimensions();
    let x = if left { 0 } else { w / 2 };
    image::imageops::crop_imm(image, x, 0, w / 2, h).to_image()
}

fn mean_color(image: &RgbImage) -> [f64; 3] {
    let n = f64::from(image.width() * image.height());
    let mut mean = [0.0; 3];
    for pixel in image.pixels() {
        for (m, &v) in mean.iter_mut().zip(&pixel.0) {
            *m += f64::from(v) / n;
        }
    }
    mean
}

fn distance(a: [f64; 3], b: [f64; 3]) -> f64 {
    a.iter()
        .zip(&b)
        .map(|(x, y)| (x - y).powi(2))
        .sum::<f64>()
        .sqrt()
}

#[test]
fn a_mask_over_the_whole_image_changes_nothing() {
    let (content, style) = (asset_image("chelsea.png"), asset_image("starry_night.jpg"));
    let plain = common::session(config(6)).run(&content, &style).unwrap();
    let everywhere = StyleMasks::new(vec![mask(|_, _| true)]).unwrap();
    let masked = common::session(config(6))
        .with_style_masks(everywhere)
        .run(&content, &style)
        .unwrap();
    let difference = mean_abs_difference(&plain, &masked);
    assert!(difference <= 0.01, "mean difference {difference} levels");
}

#[test]
fn each_style_paints_its_own_half() {
    let content = asset_image("chelsea.png");
    // A blue painting and an orange-red photograph.
    let (blue, red) = (asset_image("starry_night.jpg"), asset_image("retina.jpg"));
    let masks = StyleMasks::new(vec![mask(|x, w| x < w / 2), mask(|x, w| x >= w / 2)]).unwrap();
    let result = common::session(config(30))
        .with_style_masks(masks)
        .run_with(&content, &[&blue, &red], |_| {
            nst_transfer::Control::Continue
        })
        .unwrap();
    let (left, right) = (half(&result, true), half(&result, false));

    let (blue_color, red_color) = (mean_color(&blue), mean_color(&red));
    let to = |half: &RgbImage| {
        let color = mean_color(half);
        (distance(color, blue_color), distance(color, red_color))
    };
    let ((left_blue, left_red), (right_blue, right_red)) = (to(&left), to(&right));
    assert!(
        left_red > 2.0 * left_blue,
        "left half: {left_blue:.1} from blue, {left_red:.1} from red"
    );
    assert!(
        right_blue > 2.0 * right_red,
        "right half: {right_blue:.1} from blue, {right_red:.1} from red"
    );

    // Gram statistics: each half's style loss against each style, unmasked, at its own size.
    // Measured: left 3.73e14 to the blue style against 7.51e15 to the red (20×), right
    // 1.65e15 to the red against 1.31e16 to the blue (8.0×).
    let scorer = common::session(StyleTransferConfig::builder().size(None).build().unwrap());
    let style_loss = |half: &RgbImage, style: &RgbImage| {
        let style = image::imageops::resize(
            style,
            half.width(),
            half.height(),
            image::imageops::FilterType::Triangle,
        );
        scorer
            .score(half, &[&style], half)
            .unwrap()
            .get(Term::Style)
            .unwrap()
            .value
    };
    let (left_blue, left_red) = (style_loss(&left, &blue), style_loss(&left, &red));
    let (right_blue, right_red) = (style_loss(&right, &blue), style_loss(&right, &red));
    assert!(
        left_red > 2.0 * left_blue,
        "left half: style loss {left_blue:.3e} to blue, {left_red:.3e} to red"
    );
    assert!(
        right_blue > 2.0 * right_red,
        "right half: style loss {right_blue:.3e} to blue, {right_red:.3e} to red"
    );
    eprintln!(
        "style losses: left {left_blue:.3e} (blue) / {left_red:.3e} (red), right {right_blue:.3e} / {right_red:.3e}"
    );
}

#[test]
fn bad_masks_are_refused_with_the_mask_named() {
    let black = StyleMasks::new(vec![mask(|_, _| true), mask(|_, _| false)]).unwrap_err();
    assert!(
        matches!(black, Error::StyleMask { number: 2, .. }),
        "{black}"
    );
    assert!(black.to_string().contains("all black"), "{black}");

    let (content, style) = (asset_image("chelsea.png"), asset_image("starry_night.jpg"));
    let two = StyleMasks::new(vec![mask(|_, _| true), mask(|_, _| true)]).unwrap();
    let error = common::session(config(1))
        .with_style_masks(two)
        .run(&content, &style)
        .unwrap_err();
    assert!(
        error.to_string().contains("2 masks for 1 style images"),
        "{error}"
    );

    // A square mask for a 3:2 photo.
    let square = StyleMasks::new(vec![GrayImage::from_pixel(50, 50, Luma([255]))]).unwrap();
    let error = common::session(config(1))
        .with_style_masks(square)
        .run(&content, &style)
        .unwrap_err();
    assert!(error.to_string().contains("aspect ratio"), "{error}");
}
