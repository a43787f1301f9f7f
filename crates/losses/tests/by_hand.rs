//! Each loss against values worked out by hand on tiny tensors.

use burn::tensor::{Device, Tensor, TensorData};
use nst_losses::{ContentLoss, GramLoss, TvLoss, gram, normalized_sum};

fn device() -> Device {
    Device::flex()
}

/// A `[1, C, H, W]` tensor from channel-major values.
fn tensor(values: &[f32], shape: [usize; 4]) -> Tensor<4> {
    Tensor::from_data(TensorData::new(values.to_vec(), shape), &device())
}

fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_into_vec::<f32>().unwrap()
}

#[test]
fn gram_is_f_transpose_f() {
    // Channels c0 = [1, 2], c1 = [3, 4] over a 1×2 image, so F (as [H·W, C]) has rows
    // (1, 3) and (2, 4): FᵀF = [[1+4, 3+8], [3+8, 9+16]].
    let f = tensor(&[1.0, 2.0, 3.0, 4.0], [1, 2, 1, 2]);
    assert_eq!(values(gram(f.clone(), false)), [5.0, 11.0, 11.0, 25.0]);
    // Normalised by H·W·C = 1·2·2 = 4.
    assert_eq!(values(gram(f, true)), [1.25, 2.75, 2.75, 6.25]);
}

#[test]
fn content_loss_is_mean_squared_error() {
    let x = tensor(&[1.0, 2.0, 3.0, 4.0], [1, 1, 2, 2]);
    let target = tensor(&[1.0, 0.0, 0.0, 6.0], [1, 1, 2, 2]);
    // (0² + 2² + 3² + (−2)²) / 4 = 17 / 4
    let loss = ContentLoss::new(target).forward(x);
    assert_eq!(loss.into_scalar::<f32>(), 4.25);
}

#[test]
fn style_loss_is_mean_squared_gram_difference() {
    let x = tensor(&[1.0, 2.0, 3.0, 4.0], [1, 2, 1, 2]);
    // Style channels [0, 1] and [1, 0]: its Gram is the identity.
    let style = tensor(&[0.0, 1.0, 1.0, 0.0], [1, 2, 1, 2]);
    // gram(x) − I = [[4, 11], [11, 24]] → (16 + 121 + 121 + 576) / 4 = 208.5
    let loss = GramLoss::new(style, false).forward(x);
    assert_eq!(loss.into_scalar::<f32>(), 208.5);
}

#[test]
fn style_loss_accepts_a_style_of_another_size() {
    let x = tensor(&[1.0, 2.0, 3.0, 4.0], [1, 2, 1, 2]);
    // A 1×1 style with channels (1, 1): Gram [[1, 1], [1, 1]].
    let style = tensor(&[1.0, 1.0], [1, 2, 1, 1]);
    // gram(x) − 1 = [[4, 10], [10, 24]] → (16 + 100 + 100 + 576) / 4 = 198
    let loss = GramLoss::new(style, false).forward(x);
    assert_eq!(loss.into_scalar::<f32>(), 198.0);
}

#[test]
fn tv_loss_sums_absolute_neighbour_differences_over_channels() {
    // Channel 0 is [[1, 2, 4], [3, 7, 0]]: vertical |3−1| + |7−2| + |0−4| = 11,
    // horizontal |2−1| + |4−2| + |7−3| + |0−7| = 14. Channel 1 is [[0, 0, 0], [0, 0, 10]]:
    // vertical 10, horizontal 10.
    let image = tensor(
        &[1.0, 2.0, 4.0, 3.0, 7.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 10.0],
        [1, 2, 2, 3],
    );
    assert_eq!(TvLoss.forward(image).into_scalar::<f32>(), 45.0);
}

#[test]
fn tv_loss_of_a_single_pixel_is_zero() {
    let image = tensor(&[5.0, 6.0, 7.0], [1, 3, 1, 1]);
    assert_eq!(TvLoss.forward(image).into_scalar::<f32>(), 0.0);
}

#[test]
fn normalized_sum_is_about_the_weights_and_scales_gradients() {
    let device = device().autodiff();
    let x = Tensor::<1>::from_floats([2.0], &device).require_grad();
    let y = Tensor::<1>::from_floats([0.5], &device).require_grad();
    // L₁ = x² = 4, L₂ = y = 0.5
    let total = normalized_sum([(1.5, x.clone().square()), (10.0, y.clone())]).unwrap();
    let value = total.clone().inner().into_scalar::<f64>();
    assert!((value - 11.5).abs() < 1e-5, "{value}");
    // The divisors are constants: d/dx (1.5 x² / 4) = 1.5 · 2x / 4 = 1.5 at x = 2,
    // d/dy (10 y / 0.5) = 20.
    let grads = total.backward();
    let gx = x.grad(&grads).unwrap().into_scalar::<f32>();
    let gy = y.grad(&grads).unwrap().into_scalar::<f32>();
    assert!((gx - 1.5).abs() < 1e-5, "{gx}");
    assert!((gy - 20.0).abs() < 1e-4, "{gy}");
    assert!(normalized_sum(Vec::new()).is_none());
}

#[test]
fn guided_style_loss_weighs_each_region_by_its_mask() {
    use nst_losses::GuidedGramLoss;
    // Two channels over a 1×2 image; the left pixel is (1, 3), the right (2, 4).
    let x = tensor(&[1.0, 2.0, 3.0, 4.0], [1, 2, 1, 2]);
    let left = tensor(&[1.0, 0.0], [1, 1, 1, 2]);
    let target = Tensor::<3>::zeros([1, 2, 2], &device());
    // Only the left pixel: gram = [[1, 3], [3, 9]], divided by mean(m²) = 1/2, so
    // [[2, 6], [6, 18]]; against a zero target the mean square is (4 + 36 + 36 + 324) / 4.
    let loss = GuidedGramLoss::new(vec![(left, 0.5, target)], false).forward(x);
    assert_eq!(loss.into_scalar::<f32>(), 0.5 * 100.0);
}

#[test]
fn guided_style_loss_has_no_gradient_where_every_mask_is_zero() {
    use nst_losses::GuidedGramLoss;
    let device = Device::flex().autodiff();
    let x = Tensor::<4>::from_data(
        TensorData::new(vec![1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0], [1, 2, 1, 3]),
        &device,
    )
    .require_grad();
    let mask = Tensor::<4>::from_data(
        TensorData::new(vec![1.0f32, 0.5, 0.0], [1, 1, 1, 3]),
        &device,
    );
    let target = Tensor::<3>::from_data(
        TensorData::new(vec![1.0f32, 0.0, 0.0, 1.0], [1, 2, 2]),
        &device,
    );
    let loss = GuidedGramLoss::new(vec![(mask, 1.0, target)], false).forward(x.clone());
    let grads = loss.backward();
    let gradient = values(x.grad(&grads).unwrap());
    // Channel-major: pixels 0, 1, 2 of channel 0, then of channel 1.
    assert_eq!((gradient[2], gradient[5]), (0.0, 0.0), "{gradient:?}");
    assert!(
        gradient[0] != 0.0 && gradient[1] != 0.0 && gradient[4] != 0.0,
        "{gradient:?}"
    );
}
