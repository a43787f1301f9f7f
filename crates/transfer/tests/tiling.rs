//! Tiled evaluation: the whole image's losses, gradient and run, one tile's memory.

mod common;

use burn::tensor::Tensor;
use common::asset_image;
use image::{GrayImage, Luma, RgbImage};
use nst_transfer::{StyleMasks, StyleTransfer, StyleTransferConfig};

fn config(size: u32) -> StyleTransferConfig {
    StyleTransferConfig::builder()
        .size(Some(size))
        .multiscale(None)
        .build()
        .unwrap()
}

fn values(t: Tensor<4>) -> Vec<f64> {
    t.into_data().convert::<f64>().try_to_vec::<f64>().unwrap()
}

fn cosine(a: &[f64], b: &[f64]) -> f64 {
    let dot = |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(x, y)| x * y).sum::<f64>();
    dot(a, b) / (dot(a, a) * dot(b, b)).sqrt()
}

/// The photo half-way to a flat grey: an image with both content and style losses.
fn halfway(content: &RgbImage) -> RgbImage {
    let mut image = content.clone();
    for (i, value) in image.iter_mut().enumerate() {
        *value = ((u32::from(*value) + 128 + (i as u32 * 37) % 61) / 2) as u8;
    }
    image
}

/// Losses (float64) within 1e-4 relative and gradients (float32) with a cosine of at least
/// 1 − 1e-4. The tiles add up the same sums in another order, so the difference is rounding:
/// measured here, ≤ 1e-13 relative and 1 − cosine ≤ 5e-13 (without the halo: 6e-2 relative).
fn check_tiled(session: impl Fn(Option<u32>) -> StyleTransfer, tile: u32, styles: &[&RgbImage]) {
    let content = asset_image("chelsea.png");
    let image = halfway(&content);
    let (whole, tiled) = (session(None), session(Some(tile)));
    let (a, b) = (
        whole.score(&content, styles, &image).unwrap(),
        tiled.score(&content, styles, &image).unwrap(),
    );
    for (a, b) in a.terms.iter().zip(&b.terms) {
        let relative = (a.value - b.value).abs() / a.value.abs();
        assert!(
            relative <= 1e-4,
            "{}: {} whole, {} tiled",
            a.term,
            a.value,
            b.value
        );
        for ((layer, x), (_, y)) in a.layers.iter().zip(&b.layers) {
            assert!(
                (x - y).abs() <= 1e-4 * x.abs(),
                "{layer}: {x} whole, {y} tiled"
            );
        }
    }
    let g = values(whole.gradient(&content, styles, &image).unwrap());
    let h = values(tiled.gradient(&content, styles, &image).unwrap());
    assert_eq!(g.len(), h.len());
    let cos = cosine(&g, &h);
    assert!(1.0 - cos <= 1e-4, "tile {tile}: cosine {cos}");
    let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
    let ratio = norm(&h) / norm(&g);
    assert!(
        (ratio - 1.0).abs() <= 1e-4,
        "tile {tile}: norm ratio {ratio}"
    );
}

#[test]
fn tiles_give_the_whole_images_losses_and_gradient() {
    let style = asset_image("starry_night.jpg");
    // 96×64 in tiles of 48 (the rows do not divide), 130×87 in tiles of 48 and 200×133 in
    // tiles of 64: neither side divides.
    for (size, tile) in [(96, 48), (130, 48), (200, 64)] {
        check_tiled(
            |tile| common::session(config(size)).with_tile(tile),
            tile,
            &[&style],
        );
    }
}

#[test]
fn tiles_give_the_whole_images_photorealism_term_and_gradient() {
    let style = asset_image("starry_night.jpg");
    let config = StyleTransferConfig::builder()
        .size(Some(130))
        .multiscale(None)
        .photorealism_weight(1e3)
        .build()
        .unwrap();
    let session = |tile| common::session(config.clone()).with_tile(tile);
    let scores = session(None)
        .score(
            &asset_image("chelsea.png"),
            &[&style],
            &halfway(&asset_image("chelsea.png")),
        )
        .unwrap();
    let term = scores
        .terms
        .iter()
        .find(|t| t.term == nst_transfer::Term::Photorealism);
    assert!(term.is_some_and(|t| t.value > 0.0), "{scores:?}");
    check_tiled(session, 48, &[&style]);
}

#[test]
fn tiles_give_the_whole_images_guided_losses_and_gradient() {
    let (a, b) = (asset_image("starry_night.jpg"), asset_image("retina.jpg"));
    let left = GrayImage::from_fn(90, 60, |x, _| Luma([if x < 40 { 255 } else { 0 }]));
    let right = GrayImage::from_fn(90, 60, |x, _| Luma([if x >= 40 { 255 } else { 0 }]));
    let session = |tile| {
        let masks = StyleMasks::new(vec![left.clone(), right.clone()]).unwrap();
        common::session(config(150))
            .with_tile(tile)
            .with_style_masks(masks)
    };
    check_tiled(session, 48, &[&a, &b]);
}

/// The acceptance check: 6 iterations at 256 px, whole and in tiles of 96, from one seed.
#[test]
fn a_tiled_run_paints_the_untiled_runs_image() {
    let (content, style) = (asset_image("chelsea.png"), asset_image("starry_night.jpg"));
    let run = |tile| {
        let config = config(256).to_builder().iterations(6).build().unwrap();
        common::session(config)
            .with_tile(tile)
            .run(&content, &style)
            .unwrap()
    };
    let (whole, tiled) = (run(None), run(Some(96)));
    let differences: Vec<u8> = whole
        .as_raw()
        .iter()
        .zip(tiled.as_raw())
        .map(|(a, b)| a.abs_diff(*b))
        .collect();
    let mean = differences.iter().map(|&d| f64::from(d)).sum::<f64>() / differences.len() as f64;
    let max = differences.iter().copied().max().unwrap_or(0);
    // Measured here: mean 0.001, max 1 level (without the halo: mean 1.7, max 61).
    assert!(mean <= 0.05 && max <= 3, "mean {mean}, max {max} levels");
}
