//! The motion from a clip's previous frame to the next: the previous painted frame warped to
//! the next one, and where that warp can be trusted.

use image::{ImageBuffer, Luma, Rgb32FImage, RgbImage};
use nst_flow::{Border, flow, reliability, warp_with};

use crate::Error;
use crate::prepare::pixels::to_float;

/// The previous painted frame warped to the frame being painted, and Ruder et al.'s
/// reliability weights of that warp (0 at occlusions, motion boundaries and where the motion
/// leaves the frame).
pub(crate) struct Motion {
    pub warped: Rgb32FImage,
    pub weights: ImageBuffer<Luma<f32>, Vec<f32>>,
}

impl Motion {
    /// The motion from `previous` (a working frame) to `frame` (the next one), applied to
    /// `painted`, the result painted for `previous`: the flow from `frame` back to
    /// `previous` pulls each pixel from where it was, and the flow the other way checks it.
    pub fn between(
        previous: &RgbImage,
        frame: &RgbImage,
        painted: &RgbImage,
    ) -> Result<Self, Error> {
        let backward = flow(frame, previous)?;
        let forward = flow(previous, frame)?;
        Ok(Self {
            weights: reliability(&backward, &forward)?,
            // Mirrored at the border: newly visible strips start from painted texture (the
            // temporal term does not hold them: their weight is 0).
            warped: warp_with(&to_float(painted), &backward, Border::Reflect)?,
        })
    }
}
