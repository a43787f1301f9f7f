use burn::tensor::Tensor;

/// An exponential moving average of the iterates, `a ← β·a + (1 − β)·x`, bias-corrected as in
/// Adam so that early averages are not pulled towards zero.
///
/// Averaging cancels the oscillation of a fixed-step optimiser: the average of two images that
/// a run flips between is the image between them.
#[derive(Debug)]
pub(crate) struct Average {
    decay: f64,
    sum: Option<Tensor<4>>,
    weight: f64,
}

impl Average {
    /// An average with decay `β` in `[0, 1)`; 0 keeps just the latest image.
    pub fn new(decay: f64) -> Self {
        Self {
            decay,
            sum: None,
            weight: 0.0,
        }
    }

    /// Adds an iterate.
    pub fn update(&mut self, x: &Tensor<4>) {
        if self.decay == 0.0 {
            self.sum = Some(x.clone());
            self.weight = 1.0;
            return;
        }
        let fresh = x.clone().mul_scalar(1.0 - self.decay);
        self.sum = Some(match self.sum.take() {
            Some(sum) => sum.mul_scalar(self.decay) + fresh,
            None => fresh,
        });
        self.weight = self.weight * self.decay + (1.0 - self.decay);
    }

    /// The running sum and its weight (for a checkpoint), `None` before the first update.
    pub fn parts(&self) -> Option<(Tensor<4>, f64)> {
        Some((self.sum.clone()?, self.weight))
    }

    /// An average with decay `decay` that has reached `parts`.
    pub fn from_parts(decay: f64, parts: Option<(Tensor<4>, f64)>) -> Self {
        let (sum, weight) = match parts {
            Some((sum, weight)) => (Some(sum), weight),
            None => (None, 0.0),
        };
        Self { decay, sum, weight }
    }

    /// The bias-corrected average, `None` before the first update.
    pub fn value(&self) -> Option<Tensor<4>> {
        let sum = self.sum.as_ref()?;
        Some(if self.weight == 1.0 {
            sum.clone()
        } else {
            sum.clone().div_scalar(self.weight)
        })
    }
}
