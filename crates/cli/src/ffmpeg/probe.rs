//! What `ffprobe` tells of a video: its size (after rotation), frame rate and frame count.

use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};
use nst::io::FrameRate;

use super::{Tools, error_line, operand, spawn_error};

/// What ffprobe tells of a video's first video stream.
#[derive(Debug, PartialEq)]
pub(super) struct Probe {
    pub(super) size: (u32, u32),
    pub(super) rate: Option<FrameRate>,
    pub(super) frames: Option<usize>,
}

#[derive(serde::Deserialize)]
struct ProbeOutput {
    #[serde(default)]
    streams: Vec<ProbeStream>,
}

#[derive(serde::Deserialize)]
struct ProbeStream {
    width: Option<u32>,
    height: Option<u32>,
    r_frame_rate: Option<String>,
    nb_frames: Option<String>,
    #[serde(default)]
    side_data_list: Vec<SideData>,
    #[serde(default)]
    tags: Tags,
}

#[derive(serde::Deserialize)]
struct SideData {
    rotation: Option<i64>,
}

#[derive(serde::Deserialize, Default)]
struct Tags {
    rotate: Option<String>,
}

pub(super) fn probe(tools: Tools<'_>, path: &Path) -> Result<Probe> {
    let output = Command::new(tools.ffprobe)
        .args(["-v", "error", "-select_streams", "v:0", "-show_entries"])
        .arg("stream=width,height,r_frame_rate,nb_frames:stream_side_data=rotation:stream_tags=rotate")
        .args(["-of", "json"])
        .arg(operand(path).as_os_str())
        .stdin(Stdio::null())
        .output()
        .map_err(|e| spawn_error(e, tools.ffprobe, "reading", path))?;
    let shown = path.display();
    if !output.status.success() {
        let message = String::from_utf8_lossy(&output.stderr);
        bail!(
            "cannot read the video {shown}: {}",
            error_line(&message, &operand(path), "ffprobe failed")
        );
    }
    let parsed: ProbeOutput = serde_json::from_slice(&output.stdout)
        .with_context(|| format!("cannot read the video {shown}: ffprobe's output is not JSON"))?;
    let Some(stream) = parsed.streams.into_iter().next() else {
        bail!("cannot read the video {shown}: it has no video stream");
    };
    let (Some(width @ 1..), Some(height @ 1..)) = (stream.width, stream.height) else {
        bail!("cannot read the video {shown}: ffprobe gives no size for its video stream");
    };
    let rotation = stream
        .side_data_list
        .iter()
        .find_map(|data| data.rotation)
        .or_else(|| {
            stream
                .tags
                .rotate
                .as_deref()
                .and_then(|r| r.trim().parse().ok())
        })
        .unwrap_or(0);
    let size = match rotation.rem_euclid(180) {
        90 => (height, width),
        _ => (width, height),
    };
    Ok(Probe {
        size,
        rate: stream.r_frame_rate.and_then(|rate| rate.parse().ok()),
        frames: stream.nb_frames.and_then(|n| n.parse().ok()),
    })
}
