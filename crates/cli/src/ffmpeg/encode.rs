//! A folder of PNG frames encoded into a video by `ffmpeg`, written atomically.

use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};
use nst::io::FrameRate;

use super::{FRAME_PATTERN, TOOLS, Tools, error_line, escape_percent, operand, spawn_error};

/// Encodes the PNG frames in `folder` named by [`nst::io::frame_name`] (from 1, consecutive)
/// into the video `output` at `rate`, with ffmpeg choosing the codec by the extension (H.264
/// through libx264 for `.mp4`, `.mov`, `.m4v` and `.mkv`), in 4:2:0 color (what players
/// read; an odd width or height is padded with a black line to even). The video is written
/// to a temporary file beside `output` and renamed over it when ffmpeg succeeds, so a failed
/// encode leaves nothing.
pub fn encode_video(folder: &Path, count: usize, rate: FrameRate, output: &Path) -> Result<()> {
    encode_video_with(TOOLS, folder, count, rate, output)
}

pub(super) fn encode_video_with(
    tools: Tools<'_>,
    folder: &Path,
    count: usize,
    rate: FrameRate,
    output: &Path,
) -> Result<()> {
    let nst::io::Target::File(file) = nst::io::Target::of(output)? else {
        bail!(
            "cannot write the video {}: it is not a regular file (ffmpeg writes a file, then it is renamed)",
            output.display()
        );
    };
    let name = file
        .file_name()
        .unwrap_or(OsStr::new("video"))
        .to_string_lossy();
    let staged = tempfile::Builder::new()
        .prefix(".nst-")
        .suffix(&format!("-{name}"))
        .tempfile_in(match file.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        })
        .with_context(|| format!("cannot write {}", output.display()))?;
    let extension = file.extension().and_then(OsStr::to_str).unwrap_or_default();
    let h264 = ["mp4", "mov", "m4v", "mkv"]
        .iter()
        .any(|known| extension.eq_ignore_ascii_case(known));
    let mut command = Command::new(tools.ffmpeg);
    command
        .args(["-nostdin", "-y", "-v", "error", "-framerate"])
        .arg(rate.to_string())
        .args(["-start_number", "1", "-i"])
        // ffmpeg reads `%` in the folder's name as part of the pattern.
        .arg(escape_percent(&operand(folder)).join(FRAME_PATTERN))
        // Only this clip's frames, whatever else the folder holds.
        .args(["-frames:v", &count.to_string()]);
    if h264 {
        command.args(["-c:v", "libx264"]);
    }
    command
        .args([
            "-vf",
            "pad=ceil(iw/2)*2:ceil(ih/2)*2",
            "-pix_fmt",
            "yuv420p",
        ])
        .arg(operand(staged.path()).as_os_str());
    let result = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .output()
        .map_err(|e| spawn_error(e, tools.ffmpeg, "writing", output))?;
    if !result.status.success() {
        let message = String::from_utf8_lossy(&result.stderr);
        bail!(
            "cannot write the video {}: {}",
            output.display(),
            error_line(&message, &operand(staged.path()), "ffmpeg failed")
        );
    }
    nst::io::persist(staged, output)?;
    Ok(())
}
