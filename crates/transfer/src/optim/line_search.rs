//! A line search for the strong Wolfe conditions on a function of one variable, `φ(t)`,
//! the objective along a search direction: bracketing, which may lengthen the first trial
//! step, then a zoom by safeguarded cubic interpolation (Nocedal & Wright, *Numerical
//! Optimization*, algorithms 3.5 and 3.6; PyTorch's `_strong_wolfe`).

use crate::Error;

/// What the search needs at a step `t`: `φ(t)`, `φ′(t)`, and what the caller evaluated there.
#[derive(Debug, Clone)]
pub(crate) struct Sample<P> {
    pub t: f64,
    pub value: f64,
    pub slope: f64,
    pub at: P,
}

/// The strong Wolfe conditions and the search's budget.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StrongWolfe {
    /// Sufficient decrease: `φ(t) ≤ φ(0) + c1·t·φ′(0)`.
    pub c1: f64,
    /// Curvature: `|φ′(t)| ≤ c2·|φ′(0)|`.
    pub c2: f64,
    /// The most evaluations of `φ` one search makes.
    pub max_evaluations: usize,
    /// Brackets narrower than this (in `t`) are not split further.
    pub resolution: f64,
}

impl Default for StrongWolfe {
    /// `c1 = 1e-4`, `c2 = 0.9` (the usual values for quasi-Newton methods), at most 10
    /// evaluations.
    fn default() -> Self {
        Self {
            c1: 1e-4,
            c2: 0.9,
            max_evaluations: 10,
            resolution: 0.0,
        }
    }
}

/// A trial of the search: the start (`at: None`) or an evaluated step.
struct Trial<P> {
    t: f64,
    value: f64,
    slope: f64,
    at: Option<P>,
}

impl<P> From<Sample<P>> for Trial<P> {
    fn from(sample: Sample<P>) -> Self {
        Self {
            t: sample.t,
            value: sample.value,
            slope: sample.slope,
            at: Some(sample.at),
        }
    }
}

impl<P> Trial<P> {
    /// The trial without its payload.
    fn bare(self) -> Self {
        Self { at: None, ..self }
    }

    /// The evaluated step, `None` for the start.
    fn into_sample(self) -> Option<Sample<P>> {
        let Self {
            t,
            value,
            slope,
            at,
        } = self;
        at.map(|at| Sample {
            t,
            value,
            slope,
            at,
        })
    }
}

impl StrongWolfe {
    /// Searches from `φ(0) = value` with `φ′(0) = slope < 0`, first trying the step `t`,
    /// evaluating `φ` with `evaluate`.
    ///
    /// Returns the first step found that meets both conditions; when the budget runs out
    /// first, the lowest step that meets the sufficient decrease; `None` when no step tried
    /// does. While the trials keep falling steeply the step grows, up to tenfold per trial.
    pub fn search<P>(
        &self,
        value: f64,
        slope: f64,
        t: f64,
        mut evaluate: impl FnMut(f64) -> Result<Sample<P>, Error>,
    ) -> Result<Option<Sample<P>>, Error> {
        let (value0, slope0) = (value, slope);
        let decreases = |trial: &Trial<P>| trial.value <= value0 + self.c1 * trial.t * slope0;
        let flattens = |trial: &Trial<P>| trial.slope.abs() <= -self.c2 * slope0;
        let mut evaluations = 1;
        let mut previous = Trial {
            t: 0.0,
            value,
            slope,
            at: None,
        };
        let mut trial = Trial::from(evaluate(t)?);
        // Bracketing: lengthen the step until an interval must hold an acceptable one.
        let (mut low, mut high) = loop {
            if !decreases(&trial) || (previous.at.is_some() && trial.value >= previous.value) {
                break (previous, trial.bare());
            }
            if flattens(&trial) {
                return Ok(trial.into_sample());
            }
            if trial.slope >= 0.0 {
                break (trial, previous.bare());
            }
            if evaluations == self.max_evaluations {
                return Ok(trial.into_sample());
            }
            let bounds = (trial.t + 0.01 * (trial.t - previous.t), 10.0 * trial.t);
            let next = cubic_minimum(&previous, &trial, bounds);
            previous = trial;
            trial = Trial::from(evaluate(next)?);
            evaluations += 1;
        };
        // Zoom: `low` meets the sufficient decrease and is the lowest trial so far, and the
        // slope at `low` points towards `high`. Only `low` can be returned: `high` keeps no
        // payload (for L-BFGS, an image and its gradient fewer in memory).
        let mut crowded = false;
        while evaluations < self.max_evaluations {
            let (a, b) = (low.t.min(high.t), low.t.max(high.t));
            let width = b - a;
            if width <= self.resolution {
                break;
            }
            // A step within a tenth of the bracket's width of an end is taken once; the next
            // time (or at an end) it moves a tenth inside, so that the bracket shrinks.
            let mut t = cubic_minimum(&low, &high, (a, b));
            let margin = 0.1 * width;
            crowded = if (b - t).min(t - a) >= margin {
                false
            } else if crowded || t <= a || t >= b {
                t = if b - t < t - a {
                    b - margin
                } else {
                    a + margin
                };
                false
            } else {
                true
            };
            let trial = Trial::from(evaluate(t)?);
            evaluations += 1;
            if !decreases(&trial) || trial.value >= low.value {
                high = trial.bare();
            } else {
                if flattens(&trial) {
                    return Ok(trial.into_sample());
                }
                let previous = std::mem::replace(&mut low, trial);
                if low.slope * (high.t - previous.t) >= 0.0 {
                    high = previous.bare();
                }
            }
        }
        Ok(low.into_sample())
    }
}

/// The minimiser of the cubic through two trials' values and slopes, within `bounds`; their
/// middle when the cubic has no minimum.
fn cubic_minimum<P>(one: &Trial<P>, two: &Trial<P>, (low, high): (f64, f64)) -> f64 {
    let (first, second) = if one.t <= two.t {
        (one, two)
    } else {
        (two, one)
    };
    let (t1, f1, g1) = (first.t, first.value, first.slope);
    let (t2, f2, g2) = (second.t, second.value, second.slope);
    let d1 = g1 + g2 - 3.0 * (f1 - f2) / (t1 - t2);
    let d2 = (d1 * d1 - g1 * g2).sqrt();
    let minimum = t2 - (t2 - t1) * ((g2 + d2 - d1) / (g2 - g1 + 2.0 * d2));
    if minimum.is_finite() {
        minimum.clamp(low, high)
    } else {
        0.5 * (low + high)
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    /// Searches `f` (value and derivative) from 0 with first step `t`; returns the accepted
    /// sample and the evaluations made.
    fn search(
        f: impl Fn(f64) -> (f64, f64),
        t: f64,
        wolfe: StrongWolfe,
    ) -> (Option<Sample<()>>, usize) {
        let count = Cell::new(0);
        let (value, slope) = f(0.0);
        let found = wolfe
            .search(value, slope, t, |t| {
                count.set(count.get() + 1);
                let (value, slope) = f(t);
                Ok(Sample {
                    t,
                    value,
                    slope,
                    at: (),
                })
            })
            .unwrap();
        (found, count.get())
    }

    fn assert_strong_wolfe(f: impl Fn(f64) -> (f64, f64), sample: &Sample<()>, wolfe: StrongWolfe) {
        let (value, slope) = f(0.0);
        assert!(
            sample.value <= value + wolfe.c1 * sample.t * slope,
            "no sufficient decrease at t = {}",
            sample.t
        );
        assert!(
            sample.slope.abs() <= wolfe.c2 * slope.abs(),
            "too steep at t = {}: {} against {}",
            sample.t,
            sample.slope,
            slope
        );
    }

    /// `(t − 5)²`.
    fn quadratic(t: f64) -> (f64, f64) {
        ((t - 5.0).powi(2), 2.0 * (t - 5.0))
    }

    /// Rosenbrock's function along the line from (−1.2, 1) towards (1, 1).
    fn rosenbrock(t: f64) -> (f64, f64) {
        let (x, y) = (-1.2 + 2.2 * t, 1.0);
        let value = 100.0 * (y - x * x).powi(2) + (1.0 - x).powi(2);
        let dx = -400.0 * x * (y - x * x) - 2.0 * (1.0 - x);
        (value, 2.2 * dx)
    }

    #[test]
    fn a_too_short_first_step_is_lengthened() {
        let wolfe = StrongWolfe::default();
        let (found, evaluations) = search(quadratic, 0.01, wolfe);
        let found = found.unwrap();
        assert_strong_wolfe(quadratic, &found, wolfe);
        // The step 0.01 is far too short (φ′ is nearly φ′(0) there): the search grows it.
        assert!(found.t > 0.5, "t = {}", found.t);
        assert!(evaluations <= 4, "{evaluations} evaluations");
    }

    #[test]
    fn a_too_long_first_step_is_shortened() {
        let wolfe = StrongWolfe::default();
        let (found, evaluations) = search(quadratic, 100.0, wolfe);
        let found = found.unwrap();
        assert_strong_wolfe(quadratic, &found, wolfe);
        assert!(found.t < 10.0, "t = {}", found.t);
        // The cubic through a quadratic's two samples is the quadratic: its minimum, found at
        // once.
        assert_eq!(evaluations, 2);
        assert!((found.t - 5.0).abs() < 1e-9, "t = {}", found.t);
    }

    #[test]
    fn an_acceptable_first_step_costs_one_evaluation() {
        let wolfe = StrongWolfe::default();
        let (found, evaluations) = search(quadratic, 4.0, wolfe);
        assert_eq!(found.unwrap().t, 4.0);
        assert_eq!(evaluations, 1);
    }

    #[test]
    fn the_strong_wolfe_conditions_hold_on_rosenbrocks_valley() {
        // From the classic start the valley is narrow: most steps overshoot it.
        for t in [1e-4, 1e-3, 0.05, 0.3, 1.0, 3.0] {
            let wolfe = StrongWolfe {
                c2: 0.1,
                ..StrongWolfe::default()
            };
            let (found, evaluations) = search(rosenbrock, t, wolfe);
            let found = found.unwrap_or_else(|| panic!("nothing found from t = {t}"));
            assert_strong_wolfe(rosenbrock, &found, wolfe);
            assert!(evaluations <= wolfe.max_evaluations, "{evaluations}");
        }
    }

    #[test]
    fn the_budget_bounds_the_evaluations_and_keeps_a_decrease() {
        // A line that keeps falling faster: no step flattens it, each lengthening decreases.
        let wolfe = StrongWolfe {
            max_evaluations: 3,
            ..StrongWolfe::default()
        };
        let concave = |t: f64| (-t * t - t, -2.0 * t - 1.0);
        let (found, evaluations) = search(concave, 1.0, wolfe);
        assert_eq!(evaluations, 3);
        let found = found.unwrap();
        assert!(found.t > 5.0, "t = {}", found.t);
        assert!(found.value < -30.0, "{}", found.value);
    }

    #[test]
    fn no_decrease_on_a_rising_line_gives_nothing() {
        // A slope that lies: the function rises at once.
        let wolfe = StrongWolfe::default();
        let (found, evaluations) = search(|t: f64| (t, -1.0), 1.0, wolfe);
        assert!(found.is_none());
        assert_eq!(evaluations, wolfe.max_evaluations);
    }

    #[test]
    fn the_cubic_through_a_quadratic_finds_its_minimum() {
        let trial = |t: f64| {
            let (value, slope) = quadratic(t);
            Trial {
                t,
                value,
                slope,
                at: None::<()>,
            }
        };
        let minimum = cubic_minimum(&trial(0.0), &trial(8.0), (0.0, 8.0));
        assert!((minimum - 5.0).abs() < 1e-12, "{minimum}");
        // Outside the bounds it is clamped to them.
        assert_eq!(cubic_minimum(&trial(0.0), &trial(1.0), (1.01, 10.0)), 5.0);
        assert_eq!(cubic_minimum(&trial(0.0), &trial(1.0), (1.01, 2.0)), 2.0);
    }
}
