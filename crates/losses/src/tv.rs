use burn::tensor::Tensor;

/// Total variation (the "denoise" loss): the sum of the absolute differences between
/// vertically and horizontally neighbouring pixels, over all channels.
///
/// Apply it to the image in its 0–255 range, before any preprocessing.
#[derive(Debug, Clone, Copy, Default)]
pub struct TvLoss;

impl TvLoss {
    /// `Σ|x[i+1, j] − x[i, j]| + Σ|x[i, j+1] − x[i, j]|` over a `[N, C, H, W]` image, as a
    /// one-element tensor.
    pub fn forward(&self, image: Tensor<4>) -> Tensor<1> {
        let [_, _, h, w] = image.dims();
        let mut total = image.zeros_like().sum();
        if h > 1 {
            let down = image.clone().narrow(2, 1, h - 1) - image.clone().narrow(2, 0, h - 1);
            total = total + down.abs().sum();
        }
        if w > 1 {
            let right = image.clone().narrow(3, 1, w - 1) - image.narrow(3, 0, w - 1);
            total = total + right.abs().sum();
        }
        total
    }
}
