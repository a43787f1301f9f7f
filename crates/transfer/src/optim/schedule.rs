//! How a step size changes over a run.

/// A step size that falls geometrically from `initial` at the first iteration to
/// `initial · decay` at the last (and stays there).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Schedule {
    initial: f64,
    ratio: f64,
    iterations: usize,
}

impl Schedule {
    /// The schedule of a run of `iterations` steps.
    pub fn new(initial: f64, decay: f64, iterations: usize) -> Self {
        let ratio = match iterations {
            0 | 1 => 1.0,
            n => decay.powf(1.0 / (n - 1) as f64),
        };
        Self {
            initial,
            ratio,
            iterations,
        }
    }

    /// The step size at `iteration` (from 1).
    pub fn at(&self, iteration: usize) -> f64 {
        let steps = iteration.clamp(1, self.iterations.max(1)) - 1;
        self.initial * self.ratio.powf(steps as f64)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn falls_from_the_first_step_to_the_decayed_last() {
        let schedule = Schedule::new(10.0, 0.1, 3);
        assert_eq!(schedule.at(1), 10.0);
        assert!((schedule.at(3) - 1.0).abs() < 1e-12);
    }

    proptest! {
        /// Any decay, any length, any iteration (even past the end): finite, positive and
        /// between the first and the last step.
        #[test]
        fn stays_between_its_ends(
            decay in 1e-9f64..10.0,
            iterations in 0usize..10_000,
            at in 0usize..20_000,
        ) {
            let step = Schedule::new(10.0, decay, iterations).at(at);
            prop_assert!(step.is_finite() && step > 0.0);
            let (low, high) = if decay < 1.0 { (10.0 * decay, 10.0) } else { (10.0, 10.0 * decay) };
            prop_assert!(step >= low * (1.0 - 1e-9) && step <= high * (1.0 + 1e-9));
        }
    }
}
