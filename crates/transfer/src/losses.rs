//! The losses of one image, as numbers on the host.

use serde::{Deserialize, Serialize};

/// The raw losses of one image, as plain numbers.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Losses {
    /// Each term's raw (unweighted) value, by name: `content` (the mean over the content
    /// layers of the mean squared activation difference), `style` (the weighted mean over
    /// the style layers of the mean squared Gram difference) and `denoise` (the total
    /// variation of the 0–255 image).
    pub terms: Vec<(String, f64)>,
    /// The weighted sum that is minimised.
    pub total: f64,
}

impl Losses {
    /// The value of the term called `name`.
    ///
    /// ```
    /// use nst_transfer::Losses;
    /// let losses = Losses { terms: vec![("style".into(), 2.0)], total: 1.0 };
    /// assert_eq!(losses.get("style"), Some(2.0));
    /// assert_eq!(losses.get("content"), None);
    /// ```
    pub fn get(&self, name: &str) -> Option<f64> {
        self.terms
            .iter()
            .find_map(|(term, value)| (term == name).then_some(*value))
    }
}
