//! The options of `nst video`.

use std::path::PathBuf;

use anyhow::Result;
use nst::VideoConfig;
use nst::io::FrameRate;

use nst_options::TransferArgs;

/// Options of `nst video`: the run's options (the first frame runs them as a still image
/// would), how the later frames are painted, and where the frames go.
#[derive(Debug, clap::Args)]
pub struct VideoArgs {
    #[command(flatten)]
    pub transfer: TransferArgs,
    /// The folder the painted frames go to (created if missing), one PNG per input frame
    /// with its recipe: frame-000001.png, frame-000002.png, …
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,
    /// Weight of the temporal term, which keeps each frame close to the previous painted
    /// frame warped by the optical flow where the flow is reliable [100].
    #[arg(long, value_name = "W")]
    pub temporal_weight: Option<f64>,
    /// Iterations at the final size for each frame after the first, which starts from the
    /// previous painted frame warped to it [12].
    #[arg(long, value_name = "N")]
    pub frame_iterations: Option<usize>,
    /// Frames over which the temporal term's hold on newly visible parts grows to full, so
    /// that they are painted over that many frames first (1: held from their second frame)
    /// [4].
    #[arg(long, value_name = "N")]
    pub ramp_frames: Option<usize>,
    /// Also write the painted clip as an animation at the input's frame rate: a GIF
    /// (`.gif`), an APNG (`.png`, `.apng`) or, through the ffmpeg command, a video (any
    /// other extension, e.g. `.mp4`).
    #[arg(long, value_name = "FILE")]
    pub animation: Option<PathBuf>,
    /// The frame rate of --animation, in frames per second, as `25` or `30000/1001`
    /// (default: the input's; a folder of frames has none).
    #[arg(long, value_name = "FPS")]
    pub frame_rate: Option<FrameRate>,
}

impl VideoArgs {
    /// How the frames after the first are painted.
    pub fn video(&self) -> Result<VideoConfig> {
        let defaults = VideoConfig::default();
        let video = VideoConfig {
            temporal_weight: self.temporal_weight.unwrap_or(defaults.temporal_weight),
            frame_iterations: self.frame_iterations.unwrap_or(defaults.frame_iterations),
            ramp_frames: self.ramp_frames.unwrap_or(defaults.ramp_frames),
        };
        video.validate()?;
        Ok(video)
    }
}
