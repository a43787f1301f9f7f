//! A run that ended on a value that is not finite still has an image to show.

use nst::image::RgbImage;

/// A run's image, or the last finite one of a run whose loss or gradient stopped being
/// finite, with what happened (`the loss became NaN at iteration 12`).
pub fn last_finite(
    result: Result<RgbImage, nst::transfer::Error>,
) -> Result<(RgbImage, Option<String>), nst::transfer::Error> {
    match result {
        Err(nst::transfer::Error::NonFinite {
            what,
            iteration,
            value,
            last_finite: Some(last),
        }) => {
            let failure = format!("the {what} became {value} at iteration {iteration}");
            Ok((last.0, Some(failure)))
        }
        result => result.map(|image| (image, None)),
    }
}
