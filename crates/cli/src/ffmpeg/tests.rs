use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Result;
use nst::image::RgbImage;
use nst::io::FrameRate;

use super::decode::open_video_with;
use super::encode::encode_video_with;
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
