//! Property tests: on any small tensor the losses agree with an `f64` computation, are never
//! negative, and no input (NaN and infinities included) makes them panic.

use burn::tensor::{Device, Tensor, TensorData};
use nst_losses::{ContentLoss, GramLoss, TvLoss, normalized_sum};
use proptest::collection::vec;
use proptest::prelude::*;

fn tensor(values: &[f32], [c, h, w]: [usize; 3]) -> Tensor<4> {
    Tensor::from_data(
        TensorData::new(values.to_vec(), [1, c, h, w]),
        &Device::flex(),
    )
}

fn scalar(t: Tensor<1>) -> f64 {
    f64::from(t.into_data().try_into_vec::<f32>().unwrap()[0])
}

/// A shape `[C, H, W]` and two images of it with values in `range`.
fn pair(
    values: impl Strategy<Value = f32> + Clone,
) -> impl Strategy<Value = ([usize; 3], Vec<f32>, Vec<f32>)> {
    (1usize..5, 1usize..6, 1usize..6).prop_flat_map(move |(c, h, w)| {
        let n = c * h * w;
        (
            Just([c, h, w]),
            vec(values.clone(), n),
            vec(values.clone(), n),
        )
    })
}

fn gram64(x: &[f32], [c, h, w]: [usize; 3], normalize: bool) -> Vec<f64> {
    let hw = h * w;
    let mut g = vec![0.0; c * c];
    for i in 0..c {
        for j in 0..c {
            g[i * c + j] = (0..hw)
                .map(|p| f64::from(x[i * hw + p]) * f64::from(x[j * hw + p]))
                .sum::<f64>();
            if normalize {
                g[i * c + j] /= (hw * c) as f64;
            }
        }
    }
    g
}

fn close(actual: f64, expected: f64, scale: f64) -> bool {
    // f32 arithmetic: a relative error of 1e-4 of the terms' magnitude.
    (actual - expected).abs() <= 1e-4 * scale + 1e-6
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::with_cases(200) })]

    #[test]
    fn content_loss_is_the_f64_mean_squared_error((shape, a, b) in pair(-1e3f32..1e3)) {
        let loss = scalar(ContentLoss::new(tensor(&b, shape)).forward(tensor(&a, shape)));
        let squares: Vec<f64> = a.iter().zip(&b).map(|(x, y)| (f64::from(*x) - f64::from(*y)).powi(2)).collect();
        let expected = squares.iter().sum::<f64>() / squares.len() as f64;
        prop_assert!(loss >= 0.0);
        prop_assert!(close(loss, expected, squares.iter().copied().fold(0.0, f64::max)), "{loss} vs {expected}");
    }

    #[test]
    fn style_loss_is_the_f64_gram_difference((shape, a, b) in pair(-10f32..10.0), normalize: bool) {
        let loss = scalar(GramLoss::new(tensor(&b, shape), normalize).forward(tensor(&a, shape)));
        let (ga, gb) = (gram64(&a, shape, normalize), gram64(&b, shape, normalize));
        let squares: Vec<f64> = ga.iter().zip(&gb).map(|(x, y)| (x - y).powi(2)).collect();
        let expected = squares.iter().sum::<f64>() / squares.len() as f64;
        let scale = ga.iter().chain(&gb).map(|v| v.abs()).fold(0.0, f64::max).powi(2);
        prop_assert!(loss >= 0.0);
        prop_assert!(close(loss, expected, scale), "{loss} vs {expected}");
    }

    #[test]
    fn tv_loss_is_the_f64_sum_of_neighbour_differences((shape, a, _b) in pair(0f32..255.0)) {
        let [c, h, w] = shape;
        let at = |ch: usize, y: usize, x: usize| f64::from(a[(ch * h + y) * w + x]);
        let mut expected = 0.0;
        for ch in 0..c {
            for y in 0..h {
                for x in 0..w {
                    if y + 1 < h { expected += (at(ch, y + 1, x) - at(ch, y, x)).abs(); }
                    if x + 1 < w { expected += (at(ch, y, x + 1) - at(ch, y, x)).abs(); }
                }
            }
        }
        let loss = scalar(TvLoss.forward(tensor(&a, shape)));
        prop_assert!(loss >= 0.0);
        prop_assert!(close(loss, expected, expected.max(1.0)), "{loss} vs {expected}");
    }

    #[test]
    fn no_value_makes_a_loss_panic((shape, a, b) in pair(any::<f32>()), weight in any::<f64>()) {
        // NaN, infinities and subnormals go through; the results may be NaN, but nothing panics.
        let _ = scalar(ContentLoss::new(tensor(&b, shape)).forward(tensor(&a, shape)));
        let _ = scalar(GramLoss::new(tensor(&b, shape), true).forward(tensor(&a, shape)));
        let _ = scalar(TvLoss.forward(tensor(&a, shape)));
        let terms = [(weight, TvLoss.forward(tensor(&a, shape)))];
        let _ = normalized_sum(terms).map(scalar);
    }

    #[test]
    fn a_normalized_term_is_about_its_weight(loss in 1e-3f32..1e30, weight in 0.0f64..100.0) {
        let value = Tensor::<1>::from_data(TensorData::new(vec![loss], [1]), &Device::flex());
        let sum = normalized_sum([(weight, value)]).map(scalar);
        let sum = sum.unwrap_or(f64::NAN);
        prop_assert!((sum - weight).abs() <= 1e-5 * weight.max(1.0), "{sum} vs {weight}");
    }
}
