//! The Gram matrix's gradient, which our `flex` operation computes as one product
//! `(dG + dGᵀ)·F`, against central finite differences and against Burn's own `matmul` path.

use burn::tensor::{DType, Device, Distribution, Tensor};
use nst_losses::gram;

/// `L(F) = Σᵣₛ W[r][s] · gram(F)[r][s]` for a `W` that is not symmetric, so that `dG = W` is
/// not either and both terms of `(dG + dGᵀ)·F` matter.
fn loss(features: Tensor<4>, weights: Tensor<3>, normalize: bool) -> Tensor<1> {
    (gram(features, normalize) * weights).sum()
}

fn values<const D: usize>(t: Tensor<D>) -> Vec<f64> {
    t.into_data()
        .convert::<f64>()
        .try_into_vec::<f64>()
        .unwrap()
}

#[test]
fn gradient_matches_finite_differences_and_burns_matmul() {
    let device = Device::flex().autodiff();
    for (shape, normalize) in [([1, 3, 4, 5], false), ([2, 5, 3, 7], true)] {
        let [n, c, _, _] = shape;
        let features = Tensor::<4>::random(shape, Distribution::Uniform(-1.0, 1.0), &device);
        let weights = Tensor::<3>::random([n, c, c], Distribution::Uniform(-1.0, 1.0), &device);

        // Ours: f32 on flex.
        let x = features.clone().require_grad();
        let ours = values(
            x.grad(&loss(x.clone(), weights.clone(), normalize).backward())
                .unwrap(),
        );

        // Burn's matmul and its autodiff: f64, which our operation leaves to Burn.
        let x64 = features.clone().cast(DType::F64).require_grad();
        let burns = loss(x64.clone(), weights.clone().cast(DType::F64), normalize).backward();
        let burns = values(x64.grad(&burns).unwrap());

        // Central differences in f64 are exact for this quadratic, up to rounding.
        let f = values(features.clone());
        let w = values(weights.clone());
        let [_, _, h, wd] = shape;
        let k = h * wd;
        let scale = if normalize { 1.0 / (k * c) as f64 } else { 1.0 };
        let l = |f: &[f64]| -> f64 {
            let mut total = 0.0;
            for b in 0..n {
                for r in 0..c {
                    for s in 0..c {
                        let g: f64 = (0..k)
                            .map(|p| f[(b * c + r) * k + p] * f[(b * c + s) * k + p])
                            .sum();
                        total += w[(b * c + r) * c + s] * g * scale;
                    }
                }
            }
            total
        };
        let step = 1e-3;
        for i in 0..f.len() {
            let (mut up, mut down) = (f.clone(), f.clone());
            up[i] += step;
            down[i] -= step;
            let numeric = (l(&up) - l(&down)) / (2.0 * step);
            assert!(
                (ours[i] - numeric).abs() <= 1e-5 * (1.0 + numeric.abs()),
                "{shape:?} element {i}: ours {} against finite differences {numeric}",
                ours[i]
            );
            assert!((ours[i] - burns[i]).abs() <= 1e-5 * (1.0 + burns[i].abs()));
        }
    }
}
