//! Coarse-to-fine optimisation: small images first, each scale warm-started from the last.

use serde::{Deserialize, Serialize};

use crate::{Error, StyleTransferConfig};

/// The scales of a coarse-to-fine run.
///
/// ```
/// use nst_transfer::MultiScale;
/// let scales = MultiScale::default();
/// assert_eq!(scales.sides(512), [128, 181, 256, 362, 512]);
/// assert_eq!(scales.sides(100), [100]);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MultiScale {
    /// Longest side of the first scale.
    pub start: u32,
    /// Each scale's side is the previous one's times this (at least
    /// [`MIN_FACTOR`](Self::MIN_FACTOR)).
    pub factor: f64,
    /// Iterations at each scale before the last; `None` runs `iterations` at every scale.
    pub iterations_per_scale: Option<usize>,
}

impl Default for MultiScale {
    fn default() -> Self {
        Self {
            start: 128,
            factor: std::f64::consts::SQRT_2,
            iterations_per_scale: None,
        }
    }
}

impl MultiScale {
    /// The smallest growth from one scale to the next: 5%.
    pub const MIN_FACTOR: f64 = 1.05;

    /// The longest sides, from `start` growing by `factor`, ending exactly at `last`: strictly
    /// increasing, at most 64.
    pub fn sides(&self, last: u32) -> Vec<u32> {
        let mut sides: Vec<u32> = Vec::new();
        let mut side = f64::from(self.start);
        while side.round() < f64::from(last) && sides.len() < 63 {
            let rounded = side.round() as u32;
            if sides.last().is_none_or(|&previous| rounded > previous) {
                sides.push(rounded);
            }
            side *= self.factor;
        }
        sides.push(last);
        sides
    }

    pub(crate) fn validate(&self) -> Result<(), Error> {
        if self.start == 0 {
            return Err(Error::Config("multiscale.start must be ≥ 1".into()));
        }
        if !(self.factor.is_finite() && self.factor >= Self::MIN_FACTOR) {
            return Err(Error::Config(format!(
                "multiscale.factor must be ≥ {}, got {}",
                Self::MIN_FACTOR,
                self.factor
            )));
        }
        Ok(())
    }
}

impl StyleTransferConfig {
    /// The longest side of each scale of a run on a content image of `dimensions`, coarse to
    /// fine (one without [`multiscale`](Self::multiscale)).
    pub fn scale_sides(&self, (width, height): (u32, u32)) -> Vec<u32> {
        let last = self.size.unwrap_or(width.max(height));
        match &self.multiscale {
            Some(multiscale) => multiscale.sides(last),
            None => vec![last],
        }
    }

    /// The iterations of each scale of a run on a content image of `dimensions`.
    ///
    /// ```
    /// use nst_transfer::Preset;
    /// let config = Preset::Fast.config();
    /// let iterations = config.scale_iterations((1024, 768));
    /// assert_eq!(iterations.len(), 5);
    /// assert_eq!(config.total_iterations((1024, 768)), iterations.iter().sum::<usize>());
    /// ```
    pub fn scale_iterations(&self, dimensions: (u32, u32)) -> Vec<usize> {
        let scales = self.scale_sides(dimensions).len();
        (0..scales)
            .map(|index| match &self.multiscale {
                Some(m) if index + 1 < scales => m.iterations_per_scale.unwrap_or(self.iterations),
                _ => self.iterations,
            })
            .collect()
    }

    /// The iterations of a whole run (every scale's) on a content image of `dimensions`.
    pub fn total_iterations(&self, dimensions: (u32, u32)) -> usize {
        self.scale_iterations(dimensions).iter().sum()
    }
}
