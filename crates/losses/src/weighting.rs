use burn::tensor::Tensor;

/// The constant added to each loss before it divides itself in [`normalized_sum`].
pub const NORMALIZATION_EPS: f64 = 1e-10;

/// `Σₖ wₖ · Lₖ / (Lₖ + ε)`, where the divisor is `Lₖ`'s current value, detached: a constant for
/// the gradient.
///
/// Each term's value is then about `wₖ` and its gradient is `wₖ ∇Lₖ / Lₖ`, so the weights act
/// on relative changes and can be chosen without regard to the layers' magnitudes.
/// Returns `None` for an empty list.
pub fn normalized_sum(terms: impl IntoIterator<Item = (f64, Tensor<1>)>) -> Option<Tensor<1>> {
    terms
        .into_iter()
        .map(|(weight, loss)| {
            let scale = loss.clone().detach().add_scalar(NORMALIZATION_EPS);
            loss.mul_scalar(weight) / scale
        })
        .reduce(|sum, term| sum + term)
}
