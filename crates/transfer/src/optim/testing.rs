//! Cheap objectives on small tensors for the optimisers' unit tests.

use burn::tensor::{Device, Tensor, TensorData};

use crate::objective::Point;
use crate::{Error, Losses};

/// A `[1, 1, 1, n]` tensor of `values` on the CPU.
pub(crate) fn tensor(values: &[f32]) -> Tensor<4> {
    let data = TensorData::new(values.to_vec(), [1, 1, 1, values.len()]);
    Tensor::from_data(data, &Device::flex())
}

/// A tensor's values.
pub(crate) fn values(tensor: &Tensor<4>) -> Vec<f32> {
    tensor.clone().try_into_vec_as::<f32>().unwrap()
}

/// Evaluates `f` and its gradient (by autodiff) at an image, as the objective does.
pub(crate) fn evaluator(
    f: impl Fn(Tensor<4>) -> Tensor<1>,
) -> impl FnMut(Tensor<4>) -> Result<Point, Error> {
    move |image: Tensor<4>| {
        let tracked = image.autodiff().require_grad();
        let value = f(tracked.clone());
        let grads = value.backward();
        let gradient = tracked.grad(&grads).ok_or(Error::NoGradient)?;
        Ok(Point {
            image: tracked.inner(),
            losses: Losses {
                terms: Vec::new(),
                total: value.inner().into_scalar::<f64>(),
            },
            gradient,
        })
    }
}

/// `½ Σ wᵢ (xᵢ − cᵢ)²`.
pub(crate) fn quadratic(weights: &[f32], centre: &[f32]) -> impl Fn(Tensor<4>) -> Tensor<1> {
    let (weights, centre) = (tensor(weights), tensor(centre));
    move |x| {
        let offset = x - centre.clone();
        (offset.clone() * offset * weights.clone())
            .sum()
            .mul_scalar(0.5)
    }
}

/// Rosenbrock's function of `u = x / 100`, `Σ 100 (uᵢ₊₁ − uᵢ²)² + (1 − uᵢ)²`: a curved
/// valley, its minimum at `x = 100` everywhere.
pub(crate) fn rosenbrock(x: Tensor<4>) -> Tensor<1> {
    let n = x.dims()[3];
    let u = x.div_scalar(100.0);
    let (head, tail) = (u.clone().narrow(3, 0, n - 1), u.narrow(3, 1, n - 1));
    let valley = tail - head.clone() * head.clone();
    let floor = head.neg().add_scalar(1.0);
    (valley.clone() * valley).mul_scalar(100.0).sum() + (floor.clone() * floor).sum()
}
