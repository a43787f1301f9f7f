//! One session shared by four threads: each run paints the same bytes as it does alone.

mod common;

use common::{asset_image, fixture_image, weights};
use nst_transfer::{StyleTransfer, StyleTransferConfig, WeightsSource};

#[test]
fn four_threads_on_one_session_paint_what_four_runs_in_turn_paint() {
    let config = StyleTransferConfig::builder()
        .size(Some(64))
        .multiscale(None)
        .iterations(4)
        .build()
        .unwrap();
    let session = StyleTransfer::new(config).with_weights(WeightsSource::Path(weights()));
    let content = fixture_image("score_content.png");
    let styles = [
        fixture_image("score_style.png"),
        asset_image("starry_night.jpg"),
        asset_image("hubble_deep_field.jpg"),
        asset_image("retina.jpg"),
    ];
    let in_turn: Vec<_> = styles
        .iter()
        .map(|style| session.run(&content, style).unwrap())
        .collect();
    let at_once: Vec<_> = std::thread::scope(|scope| {
        let runs: Vec<_> = styles
            .iter()
            .map(|style| scope.spawn(|| session.run(&content, style).unwrap()))
            .collect();
        runs.into_iter().map(|run| run.join().unwrap()).collect()
    });
    for (number, (alone, shared)) in in_turn.iter().zip(&at_once).enumerate() {
        assert_eq!(alone.as_raw(), shared.as_raw(), "style {number}");
    }
    // Another style paints another picture: the comparison can tell them apart.
    assert_ne!(in_turn[0].as_raw(), in_turn[1].as_raw());
}
