//! How the frames of a clip after the first are painted.

use serde::{Deserialize, Serialize};

use crate::Error;

/// How a clip's frames after the first are painted: each starts from the previous painted
/// frame warped by the optical flow, and a temporal term (Ruder et al., 2016) keeps it close
/// to that warp wherever the flow is reliable. The first frame runs the session's
/// configuration as a still image would.
///
/// ```
/// use nst_transfer::VideoConfig;
/// let video = VideoConfig { temporal_weight: 50.0, ..VideoConfig::default() };
/// assert!(video.validate().is_ok());
/// assert!(VideoConfig { frame_iterations: 0, ..video }.validate().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VideoConfig {
    /// The temporal term's weight, on the scale of the configuration's other weights (with
    /// the default `initial` weighting, relative to the term's value on the frame's photo).
    pub temporal_weight: f64,
    /// Iterations at the final size for each frame after the first.
    pub frame_iterations: usize,
    /// Frames over which the temporal term's hold on what comes into view (or out from behind
    /// a moving object) grows from nothing to full, so that it is painted over that many
    /// frames' iterations before it is held; 1 holds it from its second frame (Ruder et al.).
    pub ramp_frames: usize,
}

impl Default for VideoConfig {
    fn default() -> Self {
        Self {
            temporal_weight: DEFAULT_TEMPORAL_WEIGHT,
            frame_iterations: DEFAULT_FRAME_ITERATIONS,
            ramp_frames: DEFAULT_RAMP_FRAMES,
        }
    }
}

/// The default temporal weight (BENCHMARKS.md, "Video").
const DEFAULT_TEMPORAL_WEIGHT: f64 = 100.0;
/// The default iterations per later frame (BENCHMARKS.md, "Video").
const DEFAULT_FRAME_ITERATIONS: usize = 12;
/// The default frames over which newly visible pixels come to be held (BENCHMARKS.md,
/// "Video").
const DEFAULT_RAMP_FRAMES: usize = 4;

impl VideoConfig {
    /// Checks the fields: a finite, non-negative temporal weight, at least one iteration and
    /// at least one ramp frame.
    pub fn validate(&self) -> Result<(), Error> {
        if !(self.temporal_weight.is_finite() && self.temporal_weight >= 0.0) {
            return Err(Error::Config(format!(
                "temporal_weight must be a finite number ≥ 0, not {}",
                self.temporal_weight
            )));
        }
        if self.ramp_frames == 0 {
            return Err(Error::Config("ramp_frames must be at least 1".into()));
        }
        if self.frame_iterations == 0 {
            return Err(Error::Config("frame_iterations must be at least 1".into()));
        }
        Ok(())
    }
}
