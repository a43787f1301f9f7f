//! Videos through the `ffmpeg` and `ffprobe` commands (the library starts no process): reading
//! a video's frames as 8-bit RGB, one at a time through a pipe, and encoding a folder of PNG
//! frames into a video.

use std::borrow::Cow;
use std::ffi::OsStr;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::thread::JoinHandle;

use anyhow::{Context, Result, bail};
use nst::image::RgbImage;
use nst::io::FrameRate;

/// The ffmpeg pattern of the frame files [`nst::io::frame_name`] names, numbered from 1.
pub const FRAME_PATTERN: &str = "frame-%06d.png";

/// The programs run: `ffmpeg` and `ffprobe` from `PATH`, or others in tests.
#[derive(Debug, Clone, Copy)]
struct Tools<'a> {
    ffmpeg: &'a str,
    ffprobe: &'a str,
}

const TOOLS: Tools<'static> = Tools {
    ffmpeg: "ffmpeg",
    ffprobe: "ffprobe",
};

/// A video's frames, decoded by an `ffmpeg` process and read from its output one frame at a
/// time (ffmpeg applies the video's rotation, and outputs frames at its constant frame rate,
/// repeating or dropping frames of a variable-rate video). The process is killed when the
/// video is dropped. After an error the iterator ends.
pub struct Video {
    path: PathBuf,
    size: (u32, u32),
    rate: Option<FrameRate>,
    len: Option<usize>,
    child: Child,
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

fn open_video_with(tools: Tools<'_>, path: &Path) -> Result<Video> {
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

/// What ffprobe tells of a video's first video stream.
#[derive(Debug, PartialEq)]
struct Probe {
    size: (u32, u32),
    rate: Option<FrameRate>,
    frames: Option<usize>,
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

fn probe(tools: Tools<'_>, path: &Path) -> Result<Probe> {
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

/// Encodes the PNG frames in `folder` named by [`nst::io::frame_name`] (from 1, consecutive)
/// into the video `output` at `rate`, with ffmpeg choosing the codec by the extension (H.264
/// through libx264 for `.mp4`, `.mov`, `.m4v` and `.mkv`), in 4:2:0 color (what players
/// read; an odd width or height is padded with a black line to even). The video is written
/// to a temporary file beside `output` and renamed over it when ffmpeg succeeds, so a failed
/// encode leaves nothing.
pub fn encode_video(folder: &Path, count: usize, rate: FrameRate, output: &Path) -> Result<()> {
    encode_video_with(TOOLS, folder, count, rate, output)
}

fn encode_video_with(
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

/// `path` as an operand ffprobe and ffmpeg cannot take for an option: a relative path is
/// given from `./` (`-clip.mp4` would be read as the option `-clip.mp4`).
fn operand(path: &Path) -> Cow<'_, Path> {
    match path.is_relative() && !path.starts_with(".") {
        true => Cow::Owned(Path::new(".").join(path)),
        false => Cow::Borrowed(path),
    }
}

/// `path` with each `%` doubled, as ffmpeg's image-sequence patterns read it.
fn escape_percent(path: &Path) -> std::path::PathBuf {
    let text = path.as_os_str().to_string_lossy();
    match text.contains('%') {
        true => text.replace('%', "%%").into(),
        false => path.to_owned(),
    }
}

/// The error for a program that could not start: a missing one named with a hint.
fn spawn_error(error: io::Error, program: &str, doing: &str, path: &Path) -> anyhow::Error {
    let path = path.display();
    match (error.kind(), doing) {
        (io::ErrorKind::NotFound, "reading") => anyhow::anyhow!(
            "reading {path} needs the {program} command, which is not installed (install ffmpeg, or give a folder of frames, a GIF or an APNG)"
        ),
        (io::ErrorKind::NotFound, _) => anyhow::anyhow!(
            "writing {path} needs the {program} command, which is not installed (install ffmpeg, or write a GIF or an APNG)"
        ),
        _ => anyhow::Error::new(error).context(format!("cannot run {program} for {path}")),
    }
}

/// The line of a program's error output that tells why: ffmpeg's verdict on the file
/// (`PATH: Invalid data found when processing input`) without the `PATH: `, else its first
/// line without a `[demuxer @ 0x…] ` tag, or `fallback` if it printed nothing.
fn error_line(message: &str, path: &Path, fallback: &str) -> String {
    let prefix = format!("{}: ", path.display());
    let mut lines = message
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty());
    let verdict = lines.clone().find_map(|line| line.strip_prefix(&prefix));
    let line = verdict.or_else(|| lines.next()).unwrap_or(fallback);
    let untagged = line
        .strip_prefix('[')
        .and_then(|tagged| tagged.split_once("] "))
        .map_or(line, |(_, rest)| rest);
    untagged.to_owned()
}

/// Reads a pipe to its end (so the program never blocks on it), keeping its first 20 lines
/// that are not blank.
fn error_text(pipe: impl Read) -> String {
    let mut reader = BufReader::new(pipe);
    let (mut kept, mut lines, mut line) = (String::new(), 0, Vec::new());
    while reader.read_until(b'\n', &mut line).is_ok_and(|n| n > 0) {
        let text = String::from_utf8_lossy(&line);
        if lines < 20 && !text.trim().is_empty() {
            kept.push_str(text.trim());
            kept.push('\n');
            lines += 1;
        }
        line.clear();
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A test video made by ffmpeg's test source.
    fn test_video(folder: &Path, name: &str, size: &str, frames: usize) -> PathBuf {
        let path = folder.join(name);
        let status = Command::new("ffmpeg")
            .args(["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i"])
            .arg(format!("testsrc=size={size}:rate=10"))
            .args(["-frames:v", &frames.to_string(), "-pix_fmt", "yuv420p"])
            .arg(&path)
            .status()
            .expect("ffmpeg is installed");
        assert!(status.success());
        path
    }

    #[test]
    fn a_video_is_read_frame_by_frame() {
        let dir = tempfile::tempdir().unwrap();
        let path = test_video(dir.path(), "clip.mp4", "64x48", 5);
        let video = open_video(&path).unwrap();
        assert_eq!(video.size(), (64, 48));
        assert_eq!(video.frame_rate(), FrameRate::new(10, 1));
        assert_eq!(video.len(), Some(5));
        let frames: Vec<RgbImage> = video.collect::<Result<_>>().unwrap();
        assert_eq!(frames.len(), 5);
        assert!(frames.iter().all(|frame| frame.dimensions() == (64, 48)));
        assert_ne!(frames[0], frames[4], "testsrc moves");
    }

    #[test]
    fn dropping_a_video_early_stops_ffmpeg() {
        let dir = tempfile::tempdir().unwrap();
        let path = test_video(dir.path(), "long.mp4", "64x48", 50);
        let mut video = open_video(&path).unwrap();
        assert!(video.next().unwrap().is_ok());
        let id = video.child.id();
        drop(video);
        // Killed and waited on: the process is gone (its id no longer names our child).
        let status = std::fs::read_to_string(format!("/proc/{id}/status")).unwrap_or_default();
        assert!(!status.contains("ffmpeg"), "{status}");
    }

    #[test]
    fn an_unreadable_video_is_one_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("broken.mp4");
        std::fs::write(&path, b"this is not a video").unwrap();
        let error = format!("{:#}", open_video(&path).err().unwrap());
        assert_eq!(
            error,
            format!(
                "cannot read the video {}: Invalid data found when processing input",
                path.display()
            )
        );
        let missing = dir.path().join("missing.mp4");
        let error = format!("{:#}", open_video(&missing).err().unwrap());
        assert_eq!(
            error,
            format!(
                "cannot read the video {}: No such file or directory",
                missing.display()
            )
        );
    }

    #[test]
    fn a_missing_ffmpeg_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = test_video(dir.path(), "clip.mp4", "64x48", 2);
        let missing = "nst-test-no-such-ffprobe";
        let tools = Tools {
            ffprobe: missing,
            ..TOOLS
        };
        let error = format!("{:#}", open_video_with(tools, &path).err().unwrap());
        assert_eq!(
            error,
            format!(
                "reading {} needs the {missing} command, which is not installed (install ffmpeg, or give a folder of frames, a GIF or an APNG)",
                path.display()
            )
        );
        let tools = Tools {
            ffmpeg: "nst-test-no-such-ffmpeg",
            ..TOOLS
        };
        let error = format!("{:#}", open_video_with(tools, &path).err().unwrap());
        assert!(
            error.contains("needs the nst-test-no-such-ffmpeg command"),
            "{error}"
        );
        let rate = FrameRate::new(10, 1).unwrap();
        let output = dir.path().join("out.mp4");
        let error = format!(
            "{:#}",
            encode_video_with(tools, dir.path(), 1, rate, &output)
                .err()
                .unwrap()
        );
        assert_eq!(
            error,
            format!(
                "writing {} needs the nst-test-no-such-ffmpeg command, which is not installed (install ffmpeg, or write a GIF or an APNG)",
                output.display()
            )
        );
    }

    #[test]
    fn png_frames_encode_to_a_video_at_their_rate() {
        let dir = tempfile::tempdir().unwrap();
        // A `%` in the folder's name is not part of ffmpeg's pattern.
        let frames = dir.path().join("frames%d");
        std::fs::create_dir(&frames).unwrap();
        for n in 1..=4u8 {
            // An odd size, padded to even for 4:2:0.
            let frame = RgbImage::from_pixel(33, 21, nst::image::Rgb([60 * n, 100, 40]));
            nst::io::save(&frame, &frames.join(nst::io::frame_name(n.into()))).unwrap();
        }
        let rate: FrameRate = "30000/1001".parse().unwrap();
        let output = dir.path().join("out.mp4");
        // The first three: a fourth, left from another clip, stays out.
        encode_video(&frames, 3, rate, &output).unwrap();
        let video = open_video(&output).unwrap();
        assert_eq!((video.size(), video.frame_rate()), ((34, 22), Some(rate)));
        let read: Vec<RgbImage> = video.collect::<Result<_>>().unwrap();
        assert_eq!(read.len(), 3);
        let [r, g, b] = read[2].get_pixel(10, 10).0;
        assert!(r.abs_diff(180) < 12 && g.abs_diff(100) < 12 && b.abs_diff(40) < 12);
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "no staging file is left: {names:?}");

        // A failed encode (no frames) leaves no output.
        let empty = dir.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        let output = dir.path().join("none.mp4");
        let error = format!(
            "{:#}",
            encode_video(&empty, 1, rate, &output).err().unwrap()
        );
        assert!(
            error.starts_with(&format!("cannot write the video {}: ", output.display())),
            "{error}"
        );
        assert!(!output.exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 3);
    }

    #[test]
    fn relative_paths_that_look_like_options_are_read_and_written() {
        // A folder in the working directory (the crate's, under `cargo test`), named from it:
        // `-nst-test-…/-clip.mp4` starts with `-`, which ffprobe and ffmpeg would take for an
        // option.
        let dir = tempfile::Builder::new()
            .prefix("-nst-test-")
            .tempdir_in(".")
            .unwrap();
        let relative = Path::new(dir.path().file_name().unwrap());
        assert!(relative.to_string_lossy().starts_with('-'));
        let path = relative.join("-clip.mp4");
        test_video(dir.path(), "-clip.mp4", "64x48", 3);
        let video = open_video(&path).unwrap();
        assert_eq!((video.size(), video.len()), ((64, 48), Some(3)));
        let frames: Vec<RgbImage> = video.collect::<Result<_>>().unwrap();
        assert_eq!(frames.len(), 3);

        // Frames in a folder and an output whose relative names start with `-`.
        let folder = relative.join("-frames");
        std::fs::create_dir(&folder).unwrap();
        for (n, frame) in frames.iter().enumerate() {
            nst::io::save(frame, &folder.join(nst::io::frame_name(n + 1))).unwrap();
        }
        let output = relative.join("-out.mp4");
        let rate = FrameRate::new(10, 1).unwrap();
        encode_video(&folder, 3, rate, &output).unwrap();
        assert_eq!(open_video(&output).unwrap().count(), 3);
    }

    #[test]
    fn the_frame_pattern_matches_frame_names() {
        assert_eq!(nst::io::frame_name(1), "frame-000001.png");
        assert_eq!(
            FRAME_PATTERN.replace("%06d", "000042"),
            nst::io::frame_name(42)
        );
    }
}
