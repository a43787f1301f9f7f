//! `nst video` as a user meets it: a clip's frames and animation, a killed clip resumed to
//! the same bytes, and one-line errors for clips that cannot be painted.

use std::path::{Path, PathBuf};
use std::process::Command;

use nst::image::{self, RgbImage};
use nst::io::{FrameRate, frame_name};

mod common;

use common::{assert_error_line, assert_one_line_error, nst};

/// `count` frames of a camera panning over the cat by (3, 1) pixels per frame.
fn pan(count: u32, (w, h): (u32, u32)) -> Vec<RgbImage> {
    let photo = image::open(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/chelsea.png"))
        .unwrap()
        .to_rgb8();
    (0..count)
        .map(|t| image::imageops::crop_imm(&photo, 150 + 3 * t, 90 + t, w, h).to_image())
        .collect()
}

/// The frames as a folder of PNGs.
fn folder(dir: &Path, frames: &[RgbImage]) -> PathBuf {
    let folder = dir.join("frames");
    std::fs::create_dir_all(&folder).unwrap();
    for (t, frame) in frames.iter().enumerate() {
        frame.save(folder.join(format!("in-{t:03}.png"))).unwrap();
    }
    folder
}

/// A short, small clip: one scale for the first frame, few iterations for the others.
const SMALL: &[&str] = &[
    "video",
    "--backend",
    "cpu",
    "--size",
    "64",
    "--multiscale",
    "false",
    "--iterations",
    "6",
    "--frame-iterations",
    "6",
];

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn a_gif_becomes_one_png_per_frame_with_its_recipe_and_an_animation() {
    let dir = tempfile::tempdir().unwrap();
    let gif = dir.path().join("clip.gif");
    let frames = pan(3, (64, 48));
    nst::io::write_gif(
        frames.iter().cloned().map(Ok),
        FrameRate::new(10, 1).unwrap(),
        &gif,
    )
    .unwrap();
    let out = dir.path().join("out");
    let animation = dir.path().join("out.png");
    let mut args = SMALL.to_vec();
    args.extend([
        "--content",
        s(&gif),
        "-o",
        s(&out),
        "--animation",
        s(&animation),
    ]);
    let output = nst(&args);
    assert!(output.status.success(), "{output:?}");

    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, (1..=3).map(frame_name).collect::<Vec<_>>());
    for (t, name) in names.iter().enumerate() {
        let recipe = nst::recipe::Recipe::read(&out.join(name)).unwrap();
        let video = recipe.video.expect("a frame's recipe says where it stands");
        assert_eq!(video.frame, t);
        assert_eq!(recipe.content.path.as_deref(), Some(gif.as_path()));
    }
    let clip = nst::io::Clip::open(&animation).unwrap();
    assert_eq!(clip.frame_rate(), FrameRate::new(10, 1));
    let painted: Vec<RgbImage> = clip.map(Result::unwrap).collect();
    assert_eq!(painted.len(), 3);
    assert_eq!(
        painted[2],
        nst::io::load_rgb(&out.join(frame_name(3))).unwrap(),
        "the APNG holds the frames' pixels"
    );

    // A frame cannot be rerun alone.
    let rerun = nst(&[
        "recipe",
        s(&out.join(&names[1])),
        "--rerun",
        s(&dir.path().join("x.png")),
    ]);
    assert_one_line_error(&rerun, "is frame 2 of a clip");
}

/// SIGKILL during the third frame, then `nst resume`: every frame and the animation are the
/// uninterrupted clip's bytes.
#[cfg(unix)]
#[test]
fn a_killed_clip_resumes_from_its_checkpoint_to_the_same_bytes() {
    use std::time::{Duration, Instant};

    let weights = nst::weights::fetch(|_| {}).expect("the VGG-16 weights are needed");
    let dir = tempfile::tempdir().unwrap();
    let clip = folder(dir.path(), &pan(4, (64, 48)));
    let run = |name: &str| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_nst"));
        command.env("NST_VGG16_ONNX", &weights).args(SMALL).args([
            "--content",
            s(&clip),
            "-o",
            s(&dir.path().join(name)),
            "--animation",
            s(&dir.path().join(format!("{name}.gif"))),
            "--frame-rate",
            "12.5",
            "--checkpoint",
            s(&dir.path().join(format!("{name}.ckpt"))),
            "--checkpoint-every",
            "2",
        ]);
        command
    };
    let whole = run("whole").output().unwrap();
    assert!(whole.status.success(), "{whole:?}");

    let mut child = run("out")
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let checkpoint = dir.path().join("out.ckpt");
    let start = Instant::now();
    loop {
        let written = std::fs::read(&checkpoint).ok();
        let kept = written.and_then(|b| nst::VideoCheckpoint::from_bytes(&b).ok());
        if kept.is_some_and(|c| c.frames_done() == 2 && c.current().is_some()) {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "no checkpoint in frame 3"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let out = dir.path().join("out");
    assert!(!out.join(frame_name(3)).exists(), "killed too late");

    let resumed = nst(&["resume", s(&checkpoint)]);
    assert!(resumed.status.success(), "{resumed:?}");
    for n in 1..=4 {
        let (a, b) = (
            std::fs::read(dir.path().join("whole").join(frame_name(n))).unwrap(),
            std::fs::read(out.join(frame_name(n))).unwrap(),
        );
        assert!(a == b, "frame {n}: the resumed clip wrote other bytes");
    }
    let (a, b) = (
        std::fs::read(dir.path().join("whole.gif")).unwrap(),
        std::fs::read(dir.path().join("out.gif")).unwrap(),
    );
    assert!(a == b, "the resumed clip's animation differs");
}

#[test]
fn clips_that_cannot_be_painted_are_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let run = |content: &Path, extra: &[&str]| {
        let mut args = SMALL.to_vec();
        args.extend(["--content", s(content), "-o", s(&out)]);
        args.extend(extra);
        nst(&args)
    };

    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    assert_one_line_error(&run(&empty, &[]), "holds no frames");

    let mixed = dir.path().join("mixed");
    std::fs::create_dir(&mixed).unwrap();
    let frames = pan(2, (64, 48));
    frames[0].save(mixed.join("a.png")).unwrap();
    image::imageops::crop_imm(&frames[1], 0, 0, 60, 48)
        .to_image()
        .save(mixed.join("b.png"))
        .unwrap();
    assert_error_line(&run(&mixed, &[]), "differ in size");

    let bad = dir.path().join("bad");
    std::fs::create_dir(&bad).unwrap();
    frames[0].save(bad.join("a.png")).unwrap();
    std::fs::write(bad.join("b.png"), b"not a png").unwrap();
    assert_error_line(&run(&bad, &[]), "b.png");

    let video = dir.path().join("clip.mp4");
    std::fs::write(&video, b"not a video").unwrap();
    assert_one_line_error(&run(&video, &[]), "cannot read the video");

    // Without ffmpeg on the PATH.
    let weights = nst::weights::fetch(|_| {}).expect("the VGG-16 weights are needed");
    let mut args = SMALL.to_vec();
    args.extend(["--content", s(&video), "-o", s(&out)]);
    let output = Command::new(env!("CARGO_BIN_EXE_nst"))
        .env("NST_VGG16_ONNX", weights)
        .env("PATH", dir.path().join("no-programs-here"))
        .args(&args)
        .output()
        .unwrap();
    assert_one_line_error(&output, "which is not installed (install ffmpeg");

    let folder = folder(dir.path(), &frames);
    let gif = dir.path().join("out.gif");
    let no_rate = run(&folder, &["--animation", s(&gif)]);
    assert_one_line_error(&no_rate, "give --frame-rate");
    let file = dir.path().join("file");
    std::fs::write(&file, b"").unwrap();
    let mut args = SMALL.to_vec();
    args.extend(["--content", s(&folder), "-o", s(&file)]);
    assert_one_line_error(&nst(&args), "not a folder");
    assert_one_line_error(&nst(&["video", "-o", s(&out)]), "needs --content CLIP");
    let mut args = SMALL.to_vec();
    let inside = folder.join("painted");
    args.extend(["--content", s(&folder), "-o", s(&inside)]);
    assert_one_line_error(&nst(&args), "among the clip's own frames");
}
