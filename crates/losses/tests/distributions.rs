//! The distribution losses' analytic properties: Wasserstein-2 of identical statistics is
//! zero and, for one channel, `(μ₁ − μ₂)² + (σ₁ − σ₂)²`; the sliced distance along the
//! identity directions is the histogram distance; the directions are the reference's.

use burn::tensor::{DType, Device, Tensor, TensorData};
use nst_losses::{HistogramLoss, SlicedLoss, W2_EPS, W2Loss, directions};
use proptest::collection::vec;
use proptest::prelude::*;

/// A `[1, C, H, W]` tensor of `values` rounded to `f32` (the device's float type), in `f64`.
fn tensor(values: Vec<f64>, shape: [usize; 4]) -> Tensor<4> {
    Tensor::<4>::from_data(TensorData::new(values, shape), &Device::flex()).cast(DType::F64)
}

fn scalar(t: Tensor<1>) -> f64 {
    t.into_scalar::<f64>()
}

/// Mean and population variance.
fn moments(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    (mean, x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n)
}

proptest! {
    #[test]
    fn w2_of_one_channel_is_the_gaussians_distance(
        a in vec(-50.0f64..50.0, 2..40),
        b in vec(-50.0f64..50.0, 2..40),
    ) {
        // The device holds f32 values (then cast to f64): compare on those.
        let [a, b] = [a, b].map(|x| x.iter().map(|&v| f64::from(v as f32)).collect::<Vec<_>>());
        let (m1, v1) = moments(&a);
        let (m2, v2) = moments(&b);
        let expected = (m1 - m2).powi(2) + ((v1 + W2_EPS).sqrt() - (v2 + W2_EPS).sqrt()).powi(2);
        let (na, nb) = (a.len(), b.len());
        let loss = W2Loss::new(tensor(b, [1, 1, 1, nb])).unwrap();
        let value = scalar(loss.forward(tensor(a, [1, 1, 1, na])).unwrap());
        prop_assert!((value - expected).abs() <= 1e-9 * expected.max(1.0), "{value} vs {expected}");
    }

    #[test]
    fn w2_of_identical_statistics_is_zero(
        (c, values) in (1usize..6).prop_flat_map(|c| (Just(c), vec(0.0f64..10.0, c * 12))),
    ) {
        let x = tensor(values, [1, c, 3, 4]);
        let loss = W2Loss::new(x.clone()).unwrap();
        let value = scalar(loss.forward(x).unwrap());
        prop_assert!(value.abs() <= 1e-9, "{value}");
    }

    #[test]
    fn sliced_along_the_identity_is_the_histogram_distance(
        (c, image, style) in (1usize..5).prop_flat_map(|c| {
            (Just(c), vec(-5.0f64..5.0, c * 6), vec(-5.0f64..5.0, c * 10))
        }),
    ) {
        let image = tensor(image, [1, c, 2, 3]);
        let style = tensor(style, [1, c, 5, 2]);
        let identity: Vec<f64> = (0..c * c).map(|i| f64::from(u8::from(i % (c + 1) == 0))).collect();
        let identity = SlicedLoss::directions_tensor(identity, c, &image);
        let sliced = scalar(SlicedLoss::new(style.clone()).forward(image.clone(), identity).unwrap());
        let histogram = scalar(HistogramLoss::new(style).unwrap().forward(image).unwrap());
        prop_assert!((sliced - histogram).abs() <= 1e-12 * histogram.max(1.0), "{sliced} vs {histogram}");
    }
}

#[test]
fn w2_of_translated_features_is_the_squared_shift_per_channel() {
    let style: Vec<f64> = (0..2 * 8).map(|i| f64::from(i * 7 % 11)).collect();
    let shifted: Vec<f64> = style.iter().map(|v| v + 3.0).collect();
    let loss = W2Loss::new(tensor(style, [1, 2, 2, 4])).unwrap();
    let value = scalar(loss.forward(tensor(shifted, [1, 2, 2, 4])).unwrap());
    // ‖μ − μₛ‖² / C = (9 + 9) / 2; the covariances are equal.
    assert!((value - 9.0).abs() < 1e-9, "{value}");
}

#[test]
fn the_directions_are_the_references() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/style_losses_expected.json"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let fixture: serde_json::Value = serde_json::from_str(&text).unwrap();
    for case in fixture["directions"].as_array().unwrap() {
        let get = |key: &str| case[key].as_u64().unwrap();
        let d = directions(
            get("seed"),
            get("draw"),
            get("layer"),
            get("k") as usize,
            get("c") as usize,
        );
        for (ours, theirs) in d.iter().zip(case["first8"].as_array().unwrap()) {
            let theirs = theirs.as_f64().unwrap();
            // The row norms sum in another order: a few units in the last place.
            assert!((ours - theirs).abs() <= 1e-14, "{case}: {ours} vs {theirs}");
        }
    }
}
