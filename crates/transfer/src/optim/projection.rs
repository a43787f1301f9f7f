//! The box the pixels live in, 0–255: a search direction that stays inside it, and the
//! projected path `x(t) = clamp(x + t·d, 0, 255)` a line search walks.

use burn::tensor::Tensor;

use super::line_search::Sample;
use super::step::{Evaluate, dot};
use crate::Error;
use crate::objective::{Point, read_back};

const LOWEST: f64 = 0.0;
const HIGHEST: f64 = 255.0;

/// `direction` without the components that push a pixel of `image` already at a bound
/// outwards: along what is left, the path moves every pixel that `direction` moves.
pub(crate) fn inward(image: &Tensor<4>, direction: Tensor<4>) -> Tensor<4> {
    let at_lowest = image.clone().lower_equal_elem(LOWEST);
    let at_highest = image.clone().greater_equal_elem(HIGHEST);
    let outward = at_lowest
        .bool_and(direction.clone().lower_elem(0.0))
        .bool_or(at_highest.bool_and(direction.clone().greater_elem(0.0)));
    direction.mask_fill(outward, 0.0)
}

/// The path `x(t) = clamp(x + t·d, 0, 255)` from a point along a direction.
pub(crate) struct ProjectedPath<'a> {
    start: &'a Point,
    direction: &'a Tensor<4>,
}

impl<'a> ProjectedPath<'a> {
    /// The path from `start` along `direction`.
    pub fn new(start: &'a Point, direction: &'a Tensor<4>) -> Self {
        Self { start, direction }
    }

    /// `x + t·d`, before the projection.
    fn unclamped(&self, t: f64) -> Tensor<4> {
        self.start.image.clone() + self.direction.clone().mul_scalar(t)
    }

    /// `x(t)`.
    pub fn image(&self, t: f64) -> Tensor<4> {
        self.unclamped(t).clamp(LOWEST, HIGHEST)
    }

    /// `dx/dt` at `t`: `d` on the pixels inside the box at `t`, 0 on those clamped.
    pub fn velocity(&self, t: f64) -> Tensor<4> {
        let unclamped = self.unclamped(t);
        let inside = unclamped
            .clone()
            .greater_elem(LOWEST)
            .bool_and(unclamped.lower_elem(HIGHEST));
        self.direction.clone().mask_fill(inside.bool_not(), 0.0)
    }

    /// The objective at `x(t)` and its derivative along the path, `g(x(t))·dx/dt`: one
    /// evaluation and one more value read back.
    pub fn sample(&self, t: f64, evaluate: &mut Evaluate<'_>) -> Result<Sample<Point>, Error> {
        let point = evaluate(self.image(t))?;
        // `read_back` returns exactly one value per tensor sent.
        let slope = read_back([dot(&point.gradient, &self.velocity(t))])?[0];
        Ok(Sample {
            t,
            value: point.losses.total,
            slope,
            at: point,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::line_search::StrongWolfe;
    use crate::optim::testing::{evaluator, quadratic, rosenbrock, tensor, values};

    #[test]
    fn only_the_components_pushing_a_pixel_at_a_bound_outwards_are_dropped() {
        let image = tensor(&[0.0, 0.0, 255.0, 255.0, 100.0, 100.0]);
        let direction = tensor(&[-1.0, 1.0, 1.0, -1.0, -1.0, 1.0]);
        let inward = inward(&image, direction);
        assert_eq!(values(&inward), [0.0, 1.0, 0.0, -1.0, -1.0, 1.0]);
    }

    #[test]
    fn the_path_stops_the_pixels_it_clamps() {
        let mut evaluate = evaluator(quadratic(&[1.0; 3], &[0.0; 3]));
        let start = evaluate(tensor(&[10.0, 200.0, 100.0])).unwrap();
        let direction = tensor(&[-1.0, 1.0, 1.0]);
        let path = ProjectedPath::new(&start, &direction);
        assert_eq!(values(&path.image(50.0)), [0.0, 250.0, 150.0]);
        assert_eq!(values(&path.velocity(50.0)), [0.0, 1.0, 1.0]);
        assert_eq!(values(&path.velocity(100.0)), [0.0, 0.0, 1.0]);
    }

    #[test]
    fn the_slope_is_the_derivative_of_the_objective_along_the_path() {
        let mut evaluate = evaluator(quadratic(&[1.0, 2.0, 3.0], &[-20.0, 240.0, 300.0]));
        let start = evaluate(tensor(&[5.0, 100.0, 250.0])).unwrap();
        let direction = tensor(&[-1.0, 1.0, 0.5]);
        let path = ProjectedPath::new(&start, &direction);
        // At t = 20 the first pixel sits clamped at 0 and the third at 255.
        let (t, h) = (20.0, 0.5);
        let sample = path.sample(t, &mut evaluate).unwrap();
        let mut value = |t| path.sample(t, &mut evaluate).unwrap().value;
        let difference = (value(t + h) - value(t - h)) / (2.0 * h);
        assert_eq!(values(&sample.at.image), [0.0, 120.0, 255.0]);
        // Only the second pixel moves: d(½·2·(x − 240)²)/dt = 2·(120 − 240)·1.
        assert!((sample.slope - -240.0).abs() < 1e-3, "{}", sample.slope);
        assert!((sample.slope - difference).abs() < 1e-2, "{difference}");
    }

    #[test]
    fn the_search_meets_the_strong_wolfe_conditions_on_a_projected_valley() {
        let mut evaluate = evaluator(rosenbrock);
        // Some pixels start at a bound, and the steepest descent pushes the last one out.
        for start in [[30.0, 0.0, 120.0, 255.0], [160.0, 250.0, 60.0, 10.0]] {
            let start = evaluate(tensor(&start)).unwrap();
            let direction = inward(&start.image, start.gradient.clone().neg());
            let largest = f64::from(
                values(&direction)
                    .iter()
                    .fold(0.0f32, |m, v| m.max(v.abs())),
            );
            let slope = read_back([dot(&start.gradient, &direction)]).unwrap()[0];
            let path = ProjectedPath::new(&start, &direction);
            let wolfe = StrongWolfe::default();
            // A first step of a tenth of a level: far too short.
            let t = 0.1 / largest;
            let found = wolfe
                .search(start.losses.total, slope, t, |t| {
                    path.sample(t, &mut evaluate)
                })
                .unwrap()
                .expect("a step that decreases");
            assert!(found.t >= 10.0 * t, "t = {} from {t}", found.t);
            let decrease = start.losses.total + wolfe.c1 * found.t * slope;
            assert!(found.value <= decrease, "{} > {decrease}", found.value);
            assert!(
                found.slope.abs() <= wolfe.c2 * slope.abs(),
                "{} against {slope}",
                found.slope
            );
            let moved = values(&found.at.image);
            assert!(moved.iter().all(|v| (0.0..=255.0).contains(v)), "{moved:?}");
        }
    }
}
