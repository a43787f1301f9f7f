//! Coarse to fine keeps the photo: its content loss at the final size is close to a run at
//! that size alone.

mod common;

use common::asset_image;
use nst_transfer::{MultiScale, Preset, StyleTransferConfig, Term};

/// The content loss, under the default layers, of `config`'s result on the cat after
/// *The Starry Night* at 128 px.
fn content_loss(config: StyleTransferConfig) -> f64 {
    let content = asset_image("chelsea.png");
    let style = asset_image("starry_night.jpg");
    let session = common::session(config);
    let result = session.run(&content, &style).unwrap();
    let scorer = common::session(Preset::Fast.builder().size(Some(128)).build().unwrap());
    let scores = scorer.score(&content, &[&style], &result).unwrap();
    scores.get(Term::Content).unwrap().value
}

#[test]
fn coarse_to_fine_keeps_the_content_of_a_run_at_the_final_size() {
    // The default preset: L-BFGS on the `initial` weighting, whose divisors are fixed
    // within each scale.
    let base = || Preset::Fast.builder().size(Some(128)).iterations(20);
    let single = content_loss(base().multiscale(None).build().unwrap());
    let multiscale = MultiScale {
        start: 64,
        iterations_per_scale: Some(16),
        ..MultiScale::default()
    };
    let coarse_to_fine = content_loss(base().multiscale(Some(multiscale)).build().unwrap());
    // Before the fix (the `normalized` weighting rescaled at every step and scale) the
    // coarse-to-fine content loss was 1.4–1.7× the single scale's at 256 and 512 px.
    assert!(
        coarse_to_fine <= 1.2 * single,
        "coarse to fine {coarse_to_fine:.3e} against {single:.3e}"
    );
}
