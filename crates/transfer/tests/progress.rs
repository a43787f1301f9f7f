//! Every optimiser makes progress from every start under every preset: the preset's objective,
//! measured on a fixed yardstick, falls by a stated factor, at no more than two evaluations
//! per iteration.

mod common;

use common::fixture_image;
use image::{Rgb, RgbImage};
use nst_transfer::{
    Control, Init, Optimizer, Preset, Scores, StyleTransfer, StyleTransferConfig, Weighting,
};

const SIZE: u32 = 64;
const ITERATIONS: usize = 24;

/// The preset's weighted objective with fixed divisors, independent of the run: each layer
/// term divided by its value on a flat image of the photo's mean color, total variation by
/// its value on the photo. Every start (noise, the photo) and every weighting is measured
/// on the same scale, so a term that starts at zero cannot hide a stalled run.
struct Yardstick {
    scorer: StyleTransfer,
    weights: Vec<f64>,
    divisors: Vec<f64>,
}

impl Yardstick {
    fn new(config: &StyleTransferConfig, content: &RgbImage, style: &RgbImage) -> Self {
        let scorer = common::session(config.clone());
        let values = |image: &RgbImage| -> Vec<f64> {
            let scores: Scores = scorer.score(content, &[style], image).unwrap();
            scores.terms.iter().map(|term| term.value).collect()
        };
        let (flat, photo) = (values(&flat(content)), values(content));
        // The photorealism term (the `photo` preset's) is never divided, as in the objective.
        let divisors = ["content", "style", "denoise", "photorealism"]
            .iter()
            .zip(flat.iter().zip(&photo))
            .map(|(name, (&flat, &photo))| match *name {
                "denoise" => photo,
                "photorealism" => 1.0,
                _ => flat,
            })
            .collect();
        let weights = vec![
            config.content_weight(),
            config.style_weight(),
            config.denoise_weight(),
            config.photorealism_weight(),
        ];
        Self {
            scorer,
            weights,
            divisors,
        }
    }

    fn measure(&self, content: &RgbImage, style: &RgbImage, image: &RgbImage) -> f64 {
        let scores = self.scorer.score(content, &[style], image).unwrap();
        assert_eq!(scores.terms.len(), self.divisors.len(), "{scores:?}");
        scores
            .terms
            .iter()
            .zip(self.weights.iter().zip(&self.divisors))
            .map(|(term, (weight, divisor))| weight * term.value / divisor)
            .sum()
    }
}

/// An image of `image`'s size and mean color.
fn flat(image: &RgbImage) -> RgbImage {
    let n = f64::from(image.width() * image.height());
    let mut mean = [0.0f64; 3];
    for pixel in image.pixels() {
        for (m, &v) in mean.iter_mut().zip(&pixel.0) {
            *m += f64::from(v) / n;
        }
    }
    RgbImage::from_pixel(
        image.width(),
        image.height(),
        Rgb(mean.map(|m| m.round() as u8)),
    )
}

/// Runs `config` on the fixtures; returns the fall of the yardstick from the start image to
/// the result, and the evaluations per iteration.
fn progress(config: StyleTransferConfig) -> (f64, f64) {
    let (content, style) = (
        fixture_image("score_content.png"),
        fixture_image("score_style.png"),
    );
    let yardstick = Yardstick::new(&config, &content, &style);
    let start = common::session(config.clone().to_builder().iterations(0).build().unwrap())
        .run(&content, &style)
        .unwrap();
    let mut evaluations = 0;
    let result = common::session(config)
        .run_with(&content, &[&style], |progress| {
            evaluations = progress.evaluations;
            Control::Continue
        })
        .unwrap();
    let fall =
        yardstick.measure(&content, &style, &start) / yardstick.measure(&content, &style, &result);
    (fall, evaluations as f64 / ITERATIONS as f64)
}

/// The yardstick's fall in 24 iterations at 64 px, as measured (seed 0), from noise and from
/// the photo. A stalled run stays at 1.0×. The `normalized` weighting divides each term by its
/// current value, so from the photo the content term, near zero, keeps most of the weight and
/// the image moves slowly by design (the recipe this project began from); its averaging of
/// the iterates also makes the image lag in a short run. L-BFGS's strong Wolfe line search
/// took `fast` from noise from 5.99× (Armijo backtracking, every early step a gradient step
/// capped at 10 levels) to 22.1×, `gatys` from noise from 5.84× to 6.45× and `normalized`
/// from 2.81× and 2.59× to 3.12× and 2.74×, at 1.08–1.29 evaluations per iteration. `photo`
/// moves least: its photorealism term holds every window to the photo's local colour models
/// (from noise, whose windows have none, the first-order optimisers barely move in 24
/// iterations: Luan et al. start from the photo for this reason) and both images are smoothed.
fn measured(preset: Preset, optimizer: Optimizer) -> (f64, f64) {
    match (preset, optimizer) {
        (Preset::Fast, Optimizer::NormalizedDescent) => (2.18, 2.23),
        (Preset::Fast, Optimizer::Adam) => (2.70, 5.17),
        (Preset::Fast, Optimizer::Lbfgs) => (22.1, 12.4),
        (Preset::Normalized, Optimizer::NormalizedDescent) => (2.02, 1.14),
        (Preset::Normalized, Optimizer::Adam) => (1.56, 1.09),
        (Preset::Normalized, Optimizer::Lbfgs) => (3.12, 2.74),
        (Preset::Gatys, Optimizer::NormalizedDescent) => (3.40, 2.14),
        (Preset::Gatys, Optimizer::Adam) => (5.13, 4.29),
        (Preset::Gatys, Optimizer::Lbfgs) => (6.45, 5.87),
        (Preset::Photo, Optimizer::NormalizedDescent) => (1.05, 1.24),
        (Preset::Photo, Optimizer::Adam) => (1.02, 1.22),
        (Preset::Photo, Optimizer::Lbfgs) => (1.44, 1.23),
    }
}

/// The least fall accepted: 70% of the measured progress beyond a stalled run's 1.0×. Other
/// noise seeds (1–4) fall within 11% of seed 0's (`fast` L-BFGS 19.8–20.7×), and another
/// CPU's rounding moves a run less than another seed does.
fn least_fall(preset: Preset, optimizer: Optimizer, init: &Init) -> f64 {
    let (noise, photo) = measured(preset, optimizer);
    let fall = if *init == Init::Content { photo } else { noise };
    1.0 + 0.7 * (fall - 1.0)
}

#[test]
fn every_optimizer_lowers_every_presets_objective_from_noise_and_from_the_photo() {
    let mut failures = Vec::new();
    for preset in Preset::ALL {
        for optimizer in [
            Optimizer::NormalizedDescent,
            Optimizer::Adam,
            Optimizer::Lbfgs,
        ] {
            for init in [Init::default(), Init::Content] {
                let mut builder = preset
                    .builder()
                    .optimizer(optimizer)
                    .init(init.clone())
                    .iterations(ITERATIONS)
                    .size(Some(SIZE))
                    .multiscale(None);
                // As the CLI does: L-BFGS needs an objective that stays fixed.
                if optimizer == Optimizer::Lbfgs && preset == Preset::Normalized {
                    builder = builder.weighting(Weighting::Initial);
                }
                let (fall, per_iteration) = progress(builder.build().unwrap());
                let least = least_fall(preset, optimizer, &init);
                let line = format!(
                    "{preset:?} {optimizer:?} from {init:?}: {fall:.2}× (at least {least:.2}×) in \
                     {per_iteration:.2} evaluations per iteration"
                );
                eprintln!("{line}");
                if fall < least || per_iteration > 2.0 {
                    failures.push(line);
                }
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
