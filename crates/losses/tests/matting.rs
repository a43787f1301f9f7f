//! The matrix-free matting Laplacian against the sparse matrix that Luan et al.'s
//! `getLaplacian1` builds (SciPy, float64: `reference/make_matting_fixture.py`), and its
//! algebra: `L·1 = 0`, symmetry, the energy's gradient, and the smoothing's solve.

use burn::tensor::{DType, Device, Distribution, Tensor, TensorData};
use nst_losses::{MATTING_EPS, MattingLaplacian, Smoothing};
use serde_json::Value;

fn fixture() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/matting_expected.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn floats(value: &Value) -> Vec<f64> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect()
}

fn values<const D: usize>(t: Tensor<D>) -> Vec<f64> {
    t.into_data()
        .convert::<f64>()
        .try_into_vec::<f64>()
        .unwrap()
}

/// A case's photo (`[1, 3, H, W]` in 0–1) and `v`, in `dtype`.
fn inputs(case: &Value, dtype: DType, device: &Device) -> (Tensor<4>, Tensor<4>) {
    let (h, w) = (
        case["height"].as_u64().unwrap() as usize,
        case["width"].as_u64().unwrap() as usize,
    );
    // photo_u8 is row-major with the colours interleaved; the tensor is channels first.
    let interleaved = floats(&case["photo_u8"]);
    let photo: Vec<f64> = (0..3 * h * w)
        .map(|i| interleaved[(i % (h * w)) * 3 + i / (h * w)] / 255.0)
        .collect();
    let tensor = |values: Vec<f64>| {
        Tensor::<4>::from_data(TensorData::new(values, [1, 3, h, w]), (device, dtype))
    };
    (tensor(photo), tensor(floats(&case["v"])))
}

/// `‖a − b‖ / ‖b‖`, or `‖a − b‖` when `b` is zero.
fn relative(a: &[f64], b: &[f64]) -> f64 {
    let norm = |x: &mut dyn Iterator<Item = f64>| x.map(|v| v * v).sum::<f64>().sqrt();
    let difference = norm(&mut a.iter().zip(b).map(|(x, y)| x - y));
    let scale = norm(&mut b.iter().copied());
    if scale == 0.0 {
        difference
    } else {
        difference / scale
    }
}

/// Each case's product, energy and diagonal against the sparse float64 matrix, within
/// `bound` (relative).
fn check_against_the_reference(dtype: DType, bound: f64) {
    let device = Device::flex();
    let fixture = fixture();
    let eps = fixture["eps"].as_f64().unwrap();
    assert_eq!(eps, MATTING_EPS);
    for case in fixture["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let (photo, v) = inputs(case, dtype, &device);
        let laplacian = MattingLaplacian::new(photo, eps).unwrap();
        let lv = values(laplacian.apply(v.clone()).unwrap());
        let error = relative(&lv, &floats(&case["lv"]));
        eprintln!("{dtype:?} {name}: L·v off by {error:.1e}");
        assert!(error <= bound, "{name}: L·v off by {error:e} (relative)");
        let energy = values(laplacian.energy(v))[0];
        let expected = case["energy"].as_f64().unwrap();
        let error = relative(&[energy], &[expected]);
        assert!(error <= bound, "{name}: vᵀLv {energy} against {expected}");
        let diagonal = values(laplacian.diagonal());
        let error = relative(&diagonal, &floats(&case["diagonal"]));
        assert!(error <= bound, "{name}: the diagonal off by {error:e}");
    }
}

#[test]
fn the_product_is_the_sparse_float64_matrix_in_f64() {
    // The reference is exact (rationals, rounded once). Ours sums in another order and
    // solves each window's 3×3 system by Cholesky, whose rounding is a nearby matrix's: measured
    // ≤ 4.4·10⁻¹⁵ (the nearly flat case); an explicit inverse was off by 6·10⁻⁴ on the grey one.
    check_against_the_reference(DType::F64, 1e-12);
}

#[test]
fn the_product_is_the_sparse_float64_matrix_within_f32s_bound() {
    // The statistics are f64 and the product f32 (unit roundoff 6·10⁻⁸): a pixel sums 9
    // residuals rₖⱼ = (vⱼ − v̄ₖ) − aₖᵀXₖⱼ of about 20 roundings each, and they cancel about
    // 10-fold where v is fitted well (the real photo's crop, v = photo + noise): 6·10⁻⁸ · 10 ·
    // √(9·20) ≈ 10⁻⁵. Measured ≤ 8.4·10⁻⁷ (that crop), 9·10⁻⁸ on the flat, grey and random
    // cases.
    check_against_the_reference(DType::F32, 1e-5);
}

#[test]
fn constants_are_in_the_null_space_and_the_product_is_symmetric() {
    let device = Device::flex();
    let random =
        |h, w| Tensor::<4>::random([1, 3, h, w], Distribution::Default, &device).cast(DType::F64);
    let laplacian = MattingLaplacian::new(random(13, 17), MATTING_EPS).unwrap();
    let ones = Tensor::<4>::ones([1, 3, 13, 17], &device).cast(DType::F64);
    let null = values(laplacian.apply(ones.clone()).unwrap());
    assert!(null.iter().all(|v| v.abs() < 1e-9), "L·1 = {null:?}");
    assert!(values(laplacian.diagonal().sum())[0] > 0.0);
    let (u, v) = (random(13, 17), random(13, 17));
    let dot = |a: Tensor<4>, b: Tensor<4>| values((a * b).sum())[0];
    let ulv = dot(u.clone(), laplacian.apply(v.clone()).unwrap());
    let vlu = dot(v.clone(), laplacian.apply(u).unwrap());
    assert!((ulv - vlu).abs() <= 1e-10 * ulv.abs(), "{ulv} vs {vlu}");
    let energy = values(laplacian.energy(v.clone()))[0];
    let vlv = dot(v.clone(), laplacian.apply(v).unwrap());
    assert!((energy - vlv).abs() <= 1e-10 * vlv, "{energy} vs {vlv}");
}

#[test]
fn the_energys_gradient_is_twice_the_product_and_its_finite_differences() {
    let device = Device::flex().autodiff();
    let fixture = fixture();
    for case in fixture["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let (photo, v) = inputs(case, DType::F64, &device);
        let laplacian = MattingLaplacian::new(photo, MATTING_EPS).unwrap();
        let tracked = v.clone().require_grad();
        let grads = laplacian.energy(tracked.clone()).backward();
        let gradient = values(tracked.grad(&grads).unwrap());
        let twice: Vec<f64> = values(laplacian.apply(v.clone()).unwrap())
            .iter()
            .map(|x| 2.0 * x)
            .collect();
        let error = relative(&gradient, &twice);
        assert!(error <= 1e-10, "{name}: ∇(vᵀLv) against 2Lv: {error:e}");
        // Central differences of a quadratic are exact up to rounding.
        let base = values(v.clone());
        let energy_at = |values: Vec<f64>| {
            let shape = v.dims();
            let t = Tensor::<4>::from_data(TensorData::new(values, shape), (&device, DType::F64));
            self::values(laplacian.energy(t))[0]
        };
        let step = 1e-4;
        for index in [0, base.len() / 2, base.len() - 1] {
            let mut plus = base.clone();
            plus[index] += step;
            let mut minus = base.clone();
            minus[index] -= step;
            let difference = (energy_at(plus) - energy_at(minus)) / (2.0 * step);
            let scale = gradient[index].abs().max(1.0);
            assert!(
                (difference - gradient[index]).abs() <= 1e-6 * scale,
                "{name}[{index}]: {difference} vs {}",
                gradient[index]
            );
        }
    }
}

#[test]
fn the_smoothing_solves_its_system_and_keeps_the_means() {
    let device = Device::flex();
    let (h, w) = (9, 11);
    let n = h * w;
    let photo = Tensor::<4>::random([1, 3, h, w], Distribution::Default, &device).cast(DType::F64);
    let laplacian = MattingLaplacian::new(photo, MATTING_EPS).unwrap();
    let stylised =
        Tensor::<4>::random([1, 3, h, w], Distribution::Default, &device).cast(DType::F64);
    let smoothing = Smoothing {
        tolerance: 1e-12,
        max_iterations: 10_000,
        ..Smoothing::default()
    };
    let smoothed = laplacian.smooth(stylised.clone(), &smoothing).unwrap();
    assert!(smoothed.relative_residual <= 1e-12);
    let ours = values(smoothed.image);
    // The same system solved directly: L's columns from the product, then elimination.
    let y = values(stylised.clone());
    let mu = smoothing.strength;
    let mut columns = vec![vec![0.0; n]; n];
    for (j, column) in columns.iter_mut().enumerate() {
        let mut unit = vec![0.0; 3 * n];
        unit[j] = 1.0;
        let t = Tensor::<4>::from_data(TensorData::new(unit, [1, 3, h, w]), (&device, DType::F64));
        column.copy_from_slice(&values(laplacian.apply(t).unwrap())[..n]);
    }
    for c in 0..3 {
        let mut a: Vec<Vec<f64>> = (0..n)
            .map(|i| {
                (0..n)
                    .map(|j| columns[j][i] + if i == j { mu } else { 0.0 })
                    .collect()
            })
            .collect();
        let mut b: Vec<f64> = y[c * n..(c + 1) * n].iter().map(|v| mu * v).collect();
        let direct = solve(&mut a, &mut b);
        let error = relative(&ours[c * n..(c + 1) * n], &direct);
        assert!(error <= 1e-8, "channel {c}: {error:e}");
        let mean = |x: &[f64]| x.iter().sum::<f64>() / n as f64;
        let shift = mean(&ours[c * n..(c + 1) * n]) - mean(&y[c * n..(c + 1) * n]);
        assert!(shift.abs() <= 1e-10, "channel {c}'s mean moved by {shift}");
    }
    // Smoothing lowers the energy.
    let before = values(laplacian.energy(stylised))[0];
    let smoothed =
        Tensor::<4>::from_data(TensorData::new(ours, [1, 3, h, w]), (&device, DType::F64));
    let after = values(laplacian.energy(smoothed))[0];
    assert!(after < before / 10.0, "{before} → {after}");
}

/// `x` with `a·x = b`, by Gaussian elimination with partial pivoting (`a` is small and
/// symmetric positive definite).
fn solve(a: &mut [Vec<f64>], b: &mut [f64]) -> Vec<f64> {
    let n = b.len();
    for k in 0..n {
        let pivot = (k..n)
            .max_by(|&i, &j| a[i][k].abs().total_cmp(&a[j][k].abs()))
            .unwrap();
        a.swap(k, pivot);
        b.swap(k, pivot);
        for i in k + 1..n {
            let (upper, lower) = a.split_at_mut(i);
            let (pivot, row) = (&upper[k], &mut lower[0]);
            let factor = row[k] / pivot[k];
            for (x, p) in row[k..].iter_mut().zip(&pivot[k..]) {
                *x -= factor * p;
            }
            b[i] -= factor * b[k];
        }
    }
    let mut x = vec![0.0; n];
    for k in (0..n).rev() {
        let rest: f64 = (k + 1..n).map(|j| a[k][j] * x[j]).sum();
        x[k] = (b[k] - rest) / a[k][k];
    }
    x
}
