//! Checkpoints: a run resumed from any iteration ends on the uninterrupted run's bytes, and a
//! damaged or foreign checkpoint is refused.

mod common;

use common::asset_image;
use image::RgbImage;
use nst_transfer::{
    Checkpoint, Control, Error, MultiScale, Optimizer, Preset, StyleLoss, StyleTransferConfig,
    Weighting,
};

fn inputs() -> (RgbImage, RgbImage) {
    (asset_image("chelsea.png"), asset_image("starry_night.jpg"))
}

/// The run's result, and the checkpoint written after `at`.
fn run_keeping(config: &StyleTransferConfig, at: usize) -> (RgbImage, Vec<u8>) {
    let (content, style) = inputs();
    let mut kept = None;
    let result = common::session(config.clone())
        .run_with(&content, &[&style], |progress| {
            if progress.iteration == at {
                kept = Some(progress.checkpoint().unwrap().to_bytes().unwrap());
            }
            Control::Continue
        })
        .unwrap();
    (result, kept.expect("the run reached the iteration"))
}

fn resume(config: &StyleTransferConfig, bytes: &[u8]) -> Result<RgbImage, Error> {
    let (content, style) = inputs();
    let checkpoint = Checkpoint::from_bytes(bytes)?;
    common::session(config.clone())
        .resume_with(&content, &[&style], &checkpoint, |_| Control::Continue)
}

/// Three scales of L-BFGS (the default preset), checkpoints in the first and last scale and
/// at a scale's end.
fn lbfgs() -> StyleTransferConfig {
    Preset::Fast
        .config()
        .to_builder()
        .size(Some(72))
        .iterations(4)
        .multiscale(Some(MultiScale {
            start: 36,
            factor: 1.42,
            iterations_per_scale: Some(3),
        }))
        .build()
        .unwrap()
}

#[test]
fn a_resumed_run_ends_on_the_uninterrupted_runs_bytes() {
    let adam = lbfgs()
        .to_builder()
        .optimizer(Optimizer::Adam)
        .multiscale(None)
        .build()
        .unwrap();
    let averaged = lbfgs()
        .to_builder()
        .optimizer(Optimizer::NormalizedDescent)
        .weighting(Weighting::Normalized)
        .average(0.5)
        .multiscale(None)
        .build()
        .unwrap();
    // From the photo, L-BFGS keeps curvature pairs (from a flat start, the style loss is
    // concave along the first steps and it keeps none).
    let gatys = Preset::Gatys
        .config()
        .to_builder()
        .size(Some(72))
        .iterations(6)
        .build()
        .unwrap();
    // The sliced loss draws its directions from the evaluation's number, which the
    // checkpoint keeps.
    let sliced = lbfgs()
        .to_builder()
        .style_loss(StyleLoss::Sliced)
        .histogram_weight(5.0)
        .build()
        .unwrap();
    let w2 = lbfgs()
        .to_builder()
        .style_loss(StyleLoss::W2)
        .build()
        .unwrap();
    for (name, config, at) in [
        ("sliced and histogram", sliced, 5),
        ("w2", w2, 5),
        ("lbfgs with pairs", gatys, 4),
        ("lbfgs, first scale", lbfgs(), 2),
        ("lbfgs, end of a scale", lbfgs(), 6),
        ("lbfgs, last scale", lbfgs(), 8),
        ("adam", adam, 2),
        ("normalized descent, averaged", averaged, 3),
    ] {
        let (whole, bytes) = run_keeping(&config, at);
        let resumed = resume(&config, &bytes).unwrap();
        assert!(whole == resumed, "{name}: the resumed run ends elsewhere");
    }
}

#[test]
fn damaged_foreign_and_mismatched_checkpoints_are_refused() {
    let config = lbfgs().to_builder().multiscale(None).build().unwrap();
    let (_, bytes) = run_keeping(&config, 2);
    let refused = |bytes: &[u8], config: &StyleTransferConfig| match resume(config, bytes) {
        Err(Error::Checkpoint { reason, .. }) => reason,
        other => panic!("not refused: {other:?}"),
    };
    let mut flipped = bytes.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x10;
    assert!(refused(&flipped, &config).contains("corrupt"));
    assert!(refused(&bytes[..bytes.len() - 100], &config).contains("truncated"));
    let png = std::fs::read(common::fixture("score_content.png")).unwrap();
    assert!(refused(&png, &config).contains("not an nst checkpoint"));
    let other = config
        .clone()
        .to_builder()
        .style_weight(2.0)
        .build()
        .unwrap();
    assert!(refused(&bytes, &other).contains("another configuration"));
}
