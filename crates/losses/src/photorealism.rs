use burn::tensor::Tensor;

use crate::{Error, MattingLaplacian};

/// The photorealism term of Luan et al. ("Deep Photo Style Transfer", 2017): how far the
/// image is, in every 3×3 window, from an affine function of the photo's colours,
/// `(1/P) Σ_c V_cᵀ L V_c` with `L` the photo's [`MattingLaplacian`], `V` the image in 0–1 and
/// `P` the photo's pixel count.
///
/// Dividing by the pixels makes one weight mean the same at every scale of a coarse-to-fine
/// run (the sum grows about 4× per octave) and makes the value the local-affine residual per
/// pixel that BENCHMARKS.md reports.
///
/// ```
/// use burn::tensor::{Device, Distribution, Tensor};
/// use nst_losses::{MATTING_EPS, PhotorealismLoss};
///
/// let device = Device::flex();
/// let photo = Tensor::<4>::random([1, 3, 8, 8], Distribution::Uniform(0.0, 255.0), &device);
/// let loss = PhotorealismLoss::new(photo.clone(), MATTING_EPS)?;
/// let noise = Tensor::<4>::random([1, 3, 8, 8], Distribution::Uniform(0.0, 255.0), &device);
/// let (photo, noise) = (loss.forward(photo), loss.forward(noise));
/// assert!(photo.into_scalar::<f32>() < 1e-5 && noise.into_scalar::<f32>() > 0.1);
/// # Ok::<(), nst_losses::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct PhotorealismLoss {
    laplacian: MattingLaplacian,
}

impl PhotorealismLoss {
    /// The term for `photo`, a `[1, 3, H, W]` image in 0–255, with the Laplacian's regulariser
    /// `eps` ([`MATTING_EPS`](crate::MATTING_EPS)).
    pub fn new(photo: Tensor<4>, eps: f64) -> Result<Self, Error> {
        let laplacian = MattingLaplacian::new(photo.div_scalar(255.0), eps)?;
        Ok(Self { laplacian })
    }

    /// The photo's Laplacian.
    pub fn laplacian(&self) -> &MattingLaplacian {
        &self.laplacian
    }

    /// `(1/P) Σ_c V_cᵀ L V_c` for `image`, `[1, 3, H, W]` in 0–255 at the photo's size, as a
    /// one-element tensor in `image`'s dtype.
    pub fn forward(&self, image: Tensor<4>) -> Tensor<1> {
        let [height, width] = self.laplacian.dims();
        let pixels = (height * width).max(1) as f64;
        self.laplacian
            .energy(image.div_scalar(255.0))
            .div_scalar(pixels)
    }
}
