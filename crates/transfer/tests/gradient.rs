//! The autodiff input gradient through the real VGG-16 against central finite differences.

use burn::tensor::{Device, Tensor, TensorData};
use nst_losses::{
    ContentLoss, GramLoss, GuidedGramLoss, HistogramLoss, SlicedLoss, TvLoss, W2Loss, directions,
};
use nst_vgg16::{Flavour, Layer, Pooling, Vgg16};
use rand::{Rng, SeedableRng, rngs::StdRng};

/// A tiny image whose pixels stay well inside 0–255.
fn random_image(seed: u64, h: usize, w: usize, device: &Device) -> Tensor<4> {
    let mut rng = StdRng::seed_from_u64(seed);
    let values: Vec<f32> = (0..3 * h * w)
        .map(|_| rng.random_range(40.0..215.0))
        .collect();
    Tensor::from_data(TensorData::new(values, [1, 3, h, w]), device)
}

/// Checks `∇L · d` against `(L(x + εd) − L(x − εd)) / 2ε`.
///
/// The direction is `d = sign(∇L) ⊙ u` with `u` uniform in [0.5, 1]: every pixel moves, the
/// directional derivative is large (a random ±1 direction cancels itself out and drowns in f32
/// rounding), and a gradient with a wrong sign, scale or channel order is far off along it.
fn check(name: &str, loss: impl Fn(Tensor<4>) -> Tensor<1>, x: Tensor<4>, eps: f32) {
    let tracked = x.clone().require_grad();
    let grads = loss(tracked.clone()).backward();
    let grad = tracked.grad(&grads).expect("the image has a gradient");

    let mut rng = StdRng::seed_from_u64(99);
    let signs = grad.clone().sign().into_data().try_to_vec::<f32>().unwrap();
    let d: Vec<f32> = signs
        .iter()
        .map(|s| s * rng.random_range(0.5..1.0))
        .collect();
    let d = Tensor::<4>::from_data(TensorData::new(d, x.dims()), &grad.device());
    let analytic = (grad * d.clone()).sum().into_scalar::<f64>();

    let d = d.autodiff();
    let value = |x: Tensor<4>| loss(x).inner().into_scalar::<f64>();
    let plus = value(x.clone() + d.clone().mul_scalar(eps));
    let minus = value(x - d.mul_scalar(eps));
    let numeric = (plus - minus) / (2.0 * f64::from(eps));
    let relative = (analytic - numeric).abs() / numeric.abs();
    eprintln!("{name}: relative {relative:.1e}");
    // Measured here: 2.3e-4 (content), 3.5e-4 (style), 3.3e-4 (guided), 1.4e-4 and 1.7e-4
    // (W2 at conv1_1, conv2_1), 5.3e-4 (sliced), 4.1e-4 (histogram), 1.1e-3 (TV), from f32
    // rounding of losses of 1e2–1e11 and the rare ReLU switched by the step. A wrong sign, factor or
    // channel order is off by O(1), so 1% separates them with a wide margin.
    assert!(
        relative < 1e-2,
        "{name}: autodiff {analytic:e}, finite differences {numeric:e} (relative {relative:e})"
    );
}

#[test]
fn input_gradient_matches_finite_differences() {
    let device = Device::flex().autodiff();
    let weights = nst_vgg16::WeightsSource::Path(
        nst_vgg16::weights::fetch(|_| {}).expect("the VGG-16 weights are needed"),
    );
    // Average pooling keeps the loss smooth between ReLU switches; max pooling's argmax
    // switches would make finite differences of a 12×10 image unreliable.
    let vgg = Vgg16::load(&weights, Flavour::Caffe, Pooling::Avg, &device).unwrap();
    let x = random_image(1, 12, 10, &device);
    let other = random_image(2, 12, 10, &device);

    let conv3_1 = [Layer::parse("conv3_1").unwrap()];
    let content = ContentLoss::new(vgg.forward(other.clone(), &conv3_1).remove(0));
    check(
        "content loss at conv3_1",
        |x| content.forward(vgg.forward(x, &conv3_1).remove(0)),
        x.clone(),
        0.05,
    );

    let conv2_1 = [Layer::parse("conv2_1").unwrap()];
    let style = GramLoss::new(vgg.forward(other.clone(), &conv2_1).remove(0), false);
    check(
        "style loss at conv2_1",
        |x| style.forward(vgg.forward(x, &conv2_1).remove(0)),
        x.clone(),
        0.05,
    );

    // The guided Gram loss (style masks): a ramp from white on the left to black on the
    // right, brought to conv2_1's resolution as a run does.
    let ramp: Vec<f32> = (0..12 * 10).map(|i| 1.0 - (i % 10) as f32 / 9.0).collect();
    let mask = Tensor::<4>::from_data(TensorData::new(ramp, [1, 1, 12, 10]), &device);
    let mask = Vgg16::downsample_to(mask, conv2_1[0]);
    let guided = GuidedGramLoss::new(vec![(mask, 1.0, style.target().clone())], false);
    check(
        "guided style loss at conv2_1",
        |x| guided.forward(vgg.forward(x, &conv2_1).remove(0)),
        x.clone(),
        0.05,
    );

    // The distribution losses. W2's gradient comes from the host's f64 eigendecomposition
    // through a surrogate term; the sliced and histogram losses' from their matched targets,
    // constants that are also the gradient of the sorted values' distance.
    let conv1_1 = [Layer::parse("conv1_1").unwrap()];
    let w2 = W2Loss::new(vgg.forward(other.clone(), &conv1_1).remove(0)).unwrap();
    check(
        "w2 loss at conv1_1",
        |x| w2.forward(vgg.forward(x, &conv1_1).remove(0)).unwrap(),
        x.clone(),
        0.05,
    );
    let w2 = W2Loss::new(vgg.forward(other.clone(), &conv2_1).remove(0)).unwrap();
    check(
        "w2 loss at conv2_1",
        |x| w2.forward(vgg.forward(x, &conv2_1).remove(0)).unwrap(),
        x.clone(),
        0.05,
    );
    let sliced = SlicedLoss::new(vgg.forward(other.clone(), &conv2_1).remove(0));
    let d = directions(0, 1, conv2_1[0].index() as u64, 128, 128);
    let d = SlicedLoss::directions_tensor(d, 128, &x);
    check(
        "sliced loss at conv2_1",
        |x| {
            let f = vgg.forward(x, &conv2_1).remove(0);
            sliced.forward(f, d.clone()).unwrap()
        },
        x.clone(),
        0.05,
    );
    let histogram = HistogramLoss::new(vgg.forward(other, &conv1_1).remove(0)).unwrap();
    check(
        "histogram loss at conv1_1",
        |x| {
            histogram
                .forward(vgg.forward(x, &conv1_1).remove(0))
                .unwrap()
        },
        x.clone(),
        0.05,
    );

    // Piecewise linear: exact unless the step crosses a near-tie between neighbours, which a
    // step of 0.005 levels almost never does.
    check("total variation", |x| TvLoss.forward(x), x, 0.005);
}
