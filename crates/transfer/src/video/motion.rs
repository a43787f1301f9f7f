//! The motion from a clip's previous frame to the next: the previous painted frame warped to
//! the next one, and where that warp can be trusted.

use image::{ImageBuffer, Luma, Rgb32FImage, RgbImage};
use nst_flow::{flow, reliability, warp, warp_plane};

use crate::Error;
use crate::prepare::luminance::match_colors;
use crate::prepare::pixels::to_float;

/// One value per pixel.
pub(crate) type Plane = ImageBuffer<Luma<f32>, Vec<f32>>;

/// The previous painted frame warped to the frame being painted, the temporal term's weights
/// there, and how long each pixel has been reliably in view.
pub(crate) struct Motion {
    pub warped: Rgb32FImage,
    /// Where the frame's painting starts: the warp where it is reliable, the frame's photo
    /// where it is not (what comes into view, or out from behind a moving object).
    pub start: Rgb32FImage,
    /// Ruder et al.'s reliability (0 at occlusions, motion boundaries and where the motion
    /// leaves the frame), ramped up over a pixel's first frames in view.
    pub weights: Plane,
    pub age: Plane,
}

impl Motion {
    /// The motion from `previous` (a working frame) to `frame` (the next one), applied to
    /// `painted`, the result painted for `previous`: the flow from `frame` back to
    /// `previous` pulls each pixel from where it was, and the flow the other way checks it.
    ///
    /// `age` counts, for each pixel of `previous`, the frames its content has been reliably
    /// in view; a pixel's weight is its reliability times `min(1, age / ramp)`, so that what
    /// comes into view is painted over `ramp` frames before the temporal term holds it fully.
    pub fn between(
        previous: &RgbImage,
        frame: &RgbImage,
        painted: &RgbImage,
        (age, ramp): (&Plane, usize),
    ) -> Result<Self, Error> {
        let backward = flow(frame, previous)?;
        let forward = flow(previous, frame)?;
        let reliable = reliability(&backward, &forward)?;
        let carried = warp_plane(age, &backward)?;
        let age = Plane::from_fn(reliable.width(), reliable.height(), |x, y| {
            match reliable.get_pixel(x, y)[0] >= 0.5 {
                true => Luma([carried.get_pixel(x, y)[0] + 1.0]),
                false => Luma([0.0]),
            }
        });
        let ramp = ramp.max(1) as f32;
        let weights = Plane::from_fn(reliable.width(), reliable.height(), |x, y| {
            let held = (age.get_pixel(x, y)[0] / ramp).min(1.0);
            Luma([reliable.get_pixel(x, y)[0] * held])
        });
        let warped = warp(&to_float(painted), &backward)?;
        // The photo in the painting's colors.
        let recolored = match_colors(frame, painted);
        let start = Rgb32FImage::from_fn(frame.width(), frame.height(), |x, y| {
            let c = reliable.get_pixel(x, y)[0];
            let (w, f) = (warped.get_pixel(x, y), recolored.get_pixel(x, y));
            image::Rgb(std::array::from_fn(|i| {
                c * w[i] + (1.0 - c) * f32::from(f[i])
            }))
        });
        Ok(Self {
            warped,
            start,
            weights,
            age,
        })
    }

    /// The age of every pixel of a clip's first frame: all of it counts as settled.
    pub fn settled(frame: &RgbImage, ramp: usize) -> Plane {
        Plane::from_pixel(frame.width(), frame.height(), Luma([ramp as f32]))
    }
}
