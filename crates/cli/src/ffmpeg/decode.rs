//! A video's frames, decoded by an `ffmpeg` process and read from its pipe.

use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::thread::JoinHandle;

use anyhow::{Context, Result, bail};
use nst::image::RgbImage;
use nst::io::FrameRate;

use super::probe::probe;
use super::{TOOLS, Tools, error_line, error_text, operand, spawn_error};

/// A video's frames, decoded by an `ffmpeg` process and read from its output one frame at a
/// time (ffmpeg applies the video's rotation, and outputs frames at its constant frame rate,
/// repeating or dropping frames of a variable-rate video). The process is killed when the
/// video is dropped. After an error the iterator ends.
pub struct Video {
    path: PathBuf,
    size: (u32, u32),
    rate: Option<FrameRate>,
    len: Option<usize>,
    pub(super) child: Child,
    stdout: BufReader<ChildStdout>,
    stderr: Option<JoinHandle<String>>,
    read: usize,
    done: bool,
}

impl Video {
    /// The width and height of every frame.
    pub fn size(&self) -> (u32, u32) {
        self.size
    }

    /// The video stream's frame rate (ffprobe's `r_frame_rate`), if it has one.
    pub fn frame_rate(&self) -> Option<FrameRate> {
        self.rate
    }

    /// The number of frames the container declares (ffprobe's `nb_frames`), if it does.
    pub fn len(&self) -> Option<usize> {
        self.len
    }
}

/// Opens a video with `ffprobe` (its size and frame rate) and starts `ffmpeg` decoding it.
/// Fails with one line: the missing command, or ffprobe's or ffmpeg's first error line.
pub fn open_video(path: &Path) -> Result<Video> {
    open_video_with(TOOLS, path)
}

pub(super) fn open_video_with(tools: Tools<'_>, path: &Path) -> Result<Video> {
    let probe = probe(tools, path)?;
    let frame_bytes = u64::from(probe.size.0) * u64::from(probe.size.1) * 3;
    if frame_bytes > nst::io::MAX_DECODED_BYTES {
        bail!(
            "cannot read the video {}: its {}×{} frames are larger than the {} MiB limit",
            path.display(),
            probe.size.0,
            probe.size.1,
            nst::io::MAX_DECODED_BYTES >> 20
        );
    }
    let mut command = Command::new(tools.ffmpeg);
    command
        .args(["-nostdin", "-v", "error", "-i"])
        .arg(operand(path).as_os_str())
        .args(["-map", "0:v:0", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]);
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| spawn_error(e, tools.ffmpeg, "reading", path))?;
    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        let _ = child.kill();
        let _ = child.wait();
        bail!(
            "cannot read the video {}: ffmpeg has no pipes",
            path.display()
        );
    };
    let stderr = std::thread::spawn(move || error_text(stderr));
    Ok(Video {
        path: path.to_owned(),
        size: probe.size,
        rate: probe.rate,
        len: probe.frames,
        child,
        stdout: BufReader::with_capacity(1 << 20, stdout),
        stderr: Some(stderr),
        read: 0,
        done: false,
    })
}

impl Iterator for Video {
    type Item = Result<RgbImage>;

    fn next(&mut self) -> Option<Result<RgbImage>> {
        if self.done {
            return None;
        }
        let frame = self.read_frame().transpose();
        self.done = !matches!(frame, Some(Ok(_)));
        frame
    }
}

impl Video {
    /// Reads the next frame's bytes, or `None` once ffmpeg has ended well.
    fn read_frame(&mut self) -> Result<Option<RgbImage>> {
        let (width, height) = self.size;
        let mut bytes = vec![0; width as usize * height as usize * 3];
        let filled = fill(&mut self.stdout, &mut bytes)
            .with_context(|| format!("cannot read the video {}", self.path.display()))?;
        if filled == bytes.len() {
            self.read += 1;
            return Ok(RgbImage::from_raw(width, height, bytes));
        }
        let status = self.child.wait();
        let message = self
            .stderr
            .take()
            .and_then(|t| t.join().ok())
            .unwrap_or_default();
        let path = self.path.display();
        match status {
            Ok(status) if !status.success() => {
                bail!(
                    "cannot read the video {path}: {}",
                    error_line(&message, &self.path, "ffmpeg failed")
                )
            }
            Err(e) => bail!("cannot read the video {path}: {e}"),
            Ok(_) if filled > 0 => bail!(
                "cannot read the video {path}: ffmpeg's output ends in the middle of frame {}",
                self.read + 1
            ),
            Ok(_) if self.read == 0 => bail!("cannot read the video {path}: it has no frames"),
            Ok(_) => Ok(None),
        }
    }
}

impl Drop for Video {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads until `buffer` is full or the stream ends; returns the bytes read.
fn fill(reader: &mut impl Read, buffer: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match reader.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}
