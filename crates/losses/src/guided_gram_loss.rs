use burn::tensor::Tensor;

use crate::{Window, gram, gram_from_partials};

/// The guided Gram loss of Gatys et al., "Controlling Perceptual Factors in Neural Style
/// Transfer" (2017): one style per region of the image, each region given by a mask.
///
/// For each region `r` with mask `mᵣ` (values in 0–1 at the activation's resolution), weight
/// `wᵣ` and target Gram matrix `Tᵣ`, the loss is
/// `Σᵣ wᵣ · mean((gram(F ⊙ mᵣ) / mean(mᵣ²) − Tᵣ)²)`. Dividing by the mask's mean square gives
/// a small region the same Gram scale as the whole image, so it still gets its style; a mask
/// of ones is [`GramLoss`](crate::GramLoss). Where every mask is zero the loss has no
/// gradient.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use nst_losses::{GuidedGramLoss, GramLoss, gram};
///
/// let device = Device::flex();
/// let x = Tensor::<4>::from_floats([[[[1.0, 2.0]], [[3.0, 4.0]]]], &device);
/// let style = Tensor::<4>::from_floats([[[[0.5, 1.0]], [[1.0, 0.0]]]], &device);
/// let everywhere = Tensor::<4>::ones([1, 1, 1, 2], &device);
/// let guided = GuidedGramLoss::new(vec![(everywhere, 1.0, gram(style.clone(), false))], false);
/// let plain = GramLoss::new(style, false);
/// assert_eq!(
///     guided.forward(x.clone()).into_scalar::<f32>(),
///     plain.forward(x).into_scalar::<f32>()
/// );
/// ```
#[derive(Debug, Clone)]
pub struct GuidedGramLoss {
    regions: Vec<Region>,
    normalize: bool,
}

#[derive(Debug, Clone)]
struct Region {
    /// `[1, 1, H, W]`, broadcast over the channels.
    mask: Tensor<4>,
    weight: f64,
    /// 1 / mean(mask²).
    scale: f64,
    target: Tensor<3>,
}

impl GuidedGramLoss {
    /// A loss over `(mask, weight, target Gram)` regions; `normalize` as for
    /// [`gram`](crate::gram). A region whose mask is zero everywhere is left out.
    pub fn new(regions: Vec<(Tensor<4>, f64, Tensor<3>)>, normalize: bool) -> Self {
        let regions = regions
            .into_iter()
            .filter_map(|(mask, weight, target)| {
                let mask = mask.detach();
                let mean_square: f64 = mask.clone().square().mean().into_scalar::<f64>();
                (mean_square > 0.0).then(|| Region {
                    mask,
                    weight,
                    scale: 1.0 / mean_square,
                    target: target.detach(),
                })
            })
            .collect();
        Self { regions, normalize }
    }

    /// The loss of the activation `x` (`[1, C, H, W]`, the masks' resolution), as a
    /// one-element tensor.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<1> {
        let whole = Window::whole(&x);
        let pixels = whole.len();
        let partials = self.partial(x.clone(), &whole);
        self.from_partials(partials, pixels)
            .unwrap_or_else(|| x.sum().mul_scalar(0.0))
    }

    /// The number of regions (masks that are not zero everywhere), and of
    /// [`partial`](Self::partial)'s matrices.
    pub fn region_count(&self) -> usize {
        self.regions.len()
    }

    /// Each region's unnormalised guided Gram matrix `(F ⊙ m)ᵀ (F ⊙ m)` of `x`, the
    /// activation's part at `window`: these add up over a partition of the grid.
    pub fn partial(&self, x: Tensor<4>, window: &Window) -> Vec<Tensor<3>> {
        self.regions
            .iter()
            .map(|region| {
                let mask = window.crop(region.mask.clone());
                let mask = match mask.dtype() == x.dtype() {
                    true => mask,
                    false => mask.cast(x.dtype()),
                };
                gram(x.clone() * mask, false)
            })
            .collect()
    }

    /// The loss from the [`partial`](Self::partial) Gram matrices added over the whole grid of
    /// `pixels` points; `None` when no region has a mask.
    pub fn from_partials(&self, sums: Vec<Tensor<3>>, pixels: usize) -> Option<Tensor<1>> {
        self.regions
            .iter()
            .zip(sums)
            .map(|(region, sum)| {
                (gram_from_partials(sum, pixels, self.normalize).mul_scalar(region.scale)
                    - region.target.clone())
                .square()
                .mean()
                .mul_scalar(region.weight)
            })
            .reduce(|a, b| a + b)
    }
}
