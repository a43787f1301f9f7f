//! `warp` and `reliability` against the float64 NumPy reference
//! (`reference/make_flow_fixture.py` writes `tests/fixtures/flow_expected.json`).

use image::{ImageBuffer, Rgb32FImage};
use nst_flow::{Flow, reliability, warp};
use serde_json::Value;

fn fixture() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/flow_expected.json"
    );
    let text = std::fs::read_to_string(path).expect("the fixture");
    serde_json::from_str(&text).expect("JSON")
}

fn floats(value: &Value, key: &str) -> Vec<f64> {
    value[key]
        .as_array()
        .expect(key)
        .iter()
        .map(|x| x.as_f64().expect("a number"))
        .collect()
}

fn flow(value: &Value, u: &str, v: &str) -> Flow {
    let (w, h) = (
        value["width"].as_u64().expect("width") as u32,
        value["height"].as_u64().expect("height") as u32,
    );
    let f32s = |key| floats(value, key).into_iter().map(|x| x as f32).collect();
    Flow::new(w, h, f32s(u), f32s(v)).expect("lengths")
}

#[test]
fn warp_matches_the_reference() {
    let value = fixture();
    let forward = flow(&value, "u", "v");
    let image: Vec<f32> = floats(&value, "image")
        .into_iter()
        .map(|x| x as f32)
        .collect();
    let image: Rgb32FImage =
        ImageBuffer::from_raw(forward.width(), forward.height(), image).expect("size");
    let out = warp(&image, &forward).expect("same size");
    let want = floats(&value, "warped");
    let worst = largest_difference(out.as_raw(), &want);
    assert!(worst < 1e-5, "largest difference {worst}");
}

#[test]
fn reliability_matches_the_reference() {
    let value = fixture();
    let forward = flow(&value, "u", "v");
    let inverse = flow(&value, "inverse_u", "inverse_v");
    let c = reliability(&forward, &inverse).expect("same size");
    let want = floats(&value, "reliability");
    let worst = largest_difference(c.as_raw(), &want);
    assert!(worst < 1e-5, "largest difference {worst}");
    // The fixture has every class: reliable, unreliable and in between.
    assert!(want.contains(&1.0) && want.contains(&0.0));
    assert!(want.iter().any(|&x| x > 0.05 && x < 0.95));
}

/// The largest absolute difference between our values and the reference's.
fn largest_difference(ours: &[f32], reference: &[f64]) -> f64 {
    assert_eq!(ours.len(), reference.len());
    ours.iter()
        .zip(reference)
        .map(|(&a, b)| (f64::from(a) - b).abs())
        .fold(0.0, f64::max)
}
