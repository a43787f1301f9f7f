//! `nst score` with the Wasserstein-2, sliced Wasserstein and histogram losses against the
//! float64 NumPy reference (`reference/make_style_loss_fixture.py`).

mod common;

use common::{fixture, fixture_image};
use nst_transfer::{StyleLoss, StyleTransferConfig, StyleTransferConfigBuilder};
use serde_json::Value;

/// The reference's scores for `key`, without the configuration it records.
fn expected(key: &str) -> Value {
    let text = std::fs::read_to_string(fixture("style_losses_expected.json")).unwrap();
    let mut value = serde_json::from_str::<Value>(&text).unwrap()[key].clone();
    value.as_object_mut().unwrap().remove("config");
    value
}

/// The default configuration at native sizes with the Gatys et al. layers.
fn gatys_layers() -> StyleTransferConfigBuilder {
    StyleTransferConfig::builder()
        .size(None)
        .content_layers_by_name("conv4_2")
        .style_layers_by_name("conv1_1,conv2_1,conv3_1,conv4_1,conv5_1")
}

/// Asserts `|ours − reference| ≤ 1e-3 · |reference|` (the bound) for every reported
/// value, and returns the largest relative difference.
fn assert_close(ours: &Value, reference: &Value, path: &str) -> f64 {
    match reference {
        Value::Object(fields) => {
            assert_eq!(
                ours.as_object().unwrap().len(),
                fields.len(),
                "{path}: {ours}"
            );
            fields
                .iter()
                .map(|(key, value)| assert_close(&ours[key], value, &format!("{path}.{key}")))
                .fold(0.0, f64::max)
        }
        _ => {
            let (a, b) = (ours.as_f64().unwrap(), reference.as_f64().unwrap());
            let relative = (a - b).abs() / b.abs().max(f64::MIN_POSITIVE);
            assert!(relative <= 1e-3, "{path}: {a} vs reference {b}");
            relative
        }
    }
}

fn score(config: StyleTransferConfig, key: &str) {
    let scores = common::session(config)
        .score(
            &fixture_image("score_content.png"),
            &[&fixture_image("score_style.png")],
            &fixture_image("score_image.png"),
        )
        .unwrap();
    let ours = serde_json::to_value(&scores).unwrap();
    let worst = assert_close(&ours, &expected(key), key);
    eprintln!("{key}: largest relative difference {worst:.1e}");
}

#[test]
fn w2_with_every_layer_matches_the_reference() {
    let config = StyleTransferConfig::builder()
        .size(None)
        .style_loss(StyleLoss::W2)
        .build()
        .unwrap();
    score(config, "w2_seed_layers");
}

#[test]
fn w2_with_the_gatys_layers_matches_the_reference() {
    let config = gatys_layers().style_loss(StyleLoss::W2).build().unwrap();
    score(config, "w2_gatys_layers");
}

#[test]
fn sliced_with_the_seeds_directions_matches_the_reference() {
    let config = gatys_layers()
        .style_loss(StyleLoss::Sliced)
        .build()
        .unwrap();
    score(config, "sliced_gatys_layers");
}

#[test]
fn the_histogram_term_matches_the_reference() {
    let config = StyleTransferConfig::builder()
        .size(None)
        .histogram_weight(1.0)
        .histogram_layers_by_name("conv1_1,conv4_1")
        .build()
        .unwrap();
    score(config, "histogram");
}

#[test]
fn the_distribution_losses_refuse_what_they_cannot_do() {
    let content = fixture_image("score_content.png");
    let style = fixture_image("score_style.png");
    let sliced = gatys_layers()
        .style_loss(StyleLoss::Sliced)
        .build()
        .unwrap();
    // Tiles: sorted values do not add up over tiles.
    let error = common::session(sliced.clone())
        .with_tile(Some(32))
        .score(&content, &[&style], &content)
        .unwrap_err();
    assert!(error.to_string().contains("tiles"), "{error}");
    // Several styles: one distribution is matched.
    let error = common::session(sliced)
        .score(&content, &[&style, &content], &content)
        .unwrap_err();
    assert!(error.to_string().contains("blend"), "{error}");
    // W2 blends and tiles.
    let w2 = gatys_layers().style_loss(StyleLoss::W2).build().unwrap();
    let whole = common::session(w2.clone())
        .score(&content, &[&style], &content)
        .unwrap();
    let tiled = common::session(w2)
        .with_tile(Some(32))
        .score(&content, &[&style], &content)
        .unwrap();
    let (a, b) = (whole.terms[1].value, tiled.terms[1].value);
    assert!((a - b).abs() <= 1e-4 * a, "whole {a}, tiled {b}");
}
