//! Videos through the `ffmpeg` and `ffprobe` commands (the library starts no process): reading
//! a video's frames as 8-bit RGB, one at a time through a pipe ([`decode`], after [`probe`]),
//! and encoding a folder of PNG frames into a video ([`encode`]). This file holds what they
//! share: the programs, their operands and their error text.

mod decode;
mod encode;
mod probe;
#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

pub use decode::{Video, open_video};
pub use encode::encode_video;

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
