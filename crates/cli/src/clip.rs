//! Clips for `nst video`: reading any clip (a folder of frames, a GIF or an APNG through
//! `nst::io::Clip`, anything else through ffmpeg) and writing the painted frames' animation.

use std::ffi::OsStr;
use std::path::Path;

use anyhow::Result;
use nst::image::RgbImage;
use nst::io::{Clip, FrameRate, frame_name};

use crate::ffmpeg::{self, Video};

/// An opened clip: its frames, decoded one at a time, and what is known of it.
pub struct ClipInput {
    /// The frames, in order; the iterator ends after an error.
    pub frames: Box<dyn Iterator<Item = Result<RgbImage>>>,
    /// Every frame's width and height (a frame of another size is an error).
    pub size: (u32, u32),
    /// The frame rate, if the clip has one (a folder has none; a GIF's or APNG's is its
    /// first frame's delay).
    pub rate: Option<FrameRate>,
    /// The number of frames, if known before reading them (a video's may not be).
    pub len: Option<usize>,
}

/// Opens a folder of frames, a GIF or an APNG with `nst::io::Clip`, and any other file as a
/// video with ffmpeg (a missing ffmpeg is a one-line error). A still image is refused.
pub fn open_clip(path: &Path) -> Result<ClipInput> {
    match Clip::open(path) {
        Ok(clip) => Ok(ClipInput {
            size: clip.size(),
            rate: clip.frame_rate(),
            len: clip.len(),
            frames: Box::new(clip.map(|frame| frame.map_err(anyhow::Error::from))),
        }),
        Err(nst::Error::NotAClip(_)) => {
            let video: Video = ffmpeg::open_video(path)?;
            Ok(ClipInput {
                size: video.size(),
                rate: video.frame_rate(),
                len: video.len(),
                frames: Box::new(video),
            })
        }
        Err(error) => Err(error.into()),
    }
}

/// Writes the animation of the `count` frames in `folder` (named by
/// [`nst::io::frame_name`], from 1) to `output` at `rate`: a GIF for `.gif`, an APNG for
/// `.png` and `.apng`, else a video through ffmpeg. Frames are read one at a time; the
/// output is replaced atomically.
pub fn write_clip(folder: &Path, count: usize, rate: FrameRate, output: &Path) -> Result<()> {
    let frames = (1..=count).map(|n| nst::io::load_rgb(&folder.join(frame_name(n))));
    let extension = output
        .extension()
        .and_then(OsStr::to_str)
        .unwrap_or_default()
        .to_ascii_lowercase();
    match extension.as_str() {
        "gif" => nst::io::write_gif(frames, rate, output)?,
        "png" | "apng" => nst::io::write_apng(frames, count, rate, output)?,
        _ => ffmpeg::encode_video(folder, count, rate, output)?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_written_as_gif_apng_and_video_open_as_clips() {
        let dir = tempfile::tempdir().unwrap();
        let frames = dir.path().join("frames");
        std::fs::create_dir(&frames).unwrap();
        for n in 1..=3u8 {
            let frame = RgbImage::from_pixel(16, 12, nst::image::Rgb([80 * n, 40, 200]));
            nst::io::save(&frame, &frames.join(frame_name(n.into()))).unwrap();
        }
        let rate = FrameRate::new(5, 1).unwrap();
        for name in ["out.gif", "out.png", "out.mp4"] {
            let output = dir.path().join(name);
            write_clip(&frames, 3, rate, &output).unwrap();
            let clip = open_clip(&output).unwrap();
            assert_eq!((clip.size, clip.rate), ((16, 12), Some(rate)), "{name}");
            assert_eq!(clip.frames.count(), 3, "{name}");
        }
        let folder = open_clip(&frames).unwrap();
        assert_eq!(
            (folder.size, folder.rate, folder.len),
            ((16, 12), None, Some(3))
        );

        let still = frames.join(frame_name(1));
        let error = format!("{:#}", open_clip(&still).err().unwrap());
        assert!(error.contains("is a single image, not a clip"), "{error}");
    }
}
