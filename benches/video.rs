//! `cargo bench --bench video`: a clip with known motion painted two ways, frame by frame as
//! still images and as a clip (`nst video`'s temporal term and warped starts), and how much
//! each flickers, as a Markdown table.
//!
//! The clip is a camera panning over a photo (`NST_VIDEO_PHOTO`, default
//! `../shared/images/tubingen.jpg`) by whole pixels, so the true motion is exact: frame t at p
//! shows what frame t − 1 showed at p + (4, 1). Flicker is the mean absolute difference
//! between each painted frame and the previous one moved by that motion, over the pixels both
//! show. `NST_VIDEO_FRAMES` (30), `NST_VIDEO_SIZE` (384, the frames' longest side) and
//! `NST_VIDEO_MODES` (`one-by-one,clip`; `clip` alone times the clip only) choose the run;
//! `NST_VIDEO_TEMPORAL_WEIGHT`, `NST_VIDEO_FRAME_ITERATIONS` and `NST_VIDEO_RAMP_FRAMES` override
//! the video defaults;
//! `NST_VIDEO_GIF=FILE` also writes both painted clips side by side as a GIF.

use std::process::ExitCode;
use std::time::Instant;

use nst::image::{RgbImage, imageops};
use nst::io::FrameRate;
use nst::{Control, StyleTransfer, StyleTransferConfig, Term, VideoConfig, WeightsSource};

const DX: u32 = 4;
const DY: u32 = 1;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("bench: error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn var<T: std::str::FromStr>(name: &str, default: T) -> Result<T, String> {
    match std::env::var(name) {
        Ok(value) => value
            .parse()
            .map_err(|_| format!("{name}: cannot parse `{value}`")),
        Err(_) => Ok(default),
    }
}

/// A pan over `photo`: `frames` windows of `side`×(3/4·`side`) pixels, each (DX, DY) further.
fn clip(photo: &RgbImage, frames: u32, side: u32) -> Vec<RgbImage> {
    let (w, h) = (side, side * 3 / 4);
    let (need_w, need_h) = (w + DX * frames, h + DY * frames);
    let scale = (f64::from(need_w) / f64::from(photo.width()))
        .max(f64::from(need_h) / f64::from(photo.height()));
    let (sw, sh) = (
        (f64::from(photo.width()) * scale).ceil() as u32,
        (f64::from(photo.height()) * scale).ceil() as u32,
    );
    let photo = imageops::resize(photo, sw, sh, imageops::FilterType::Lanczos3);
    (0..frames)
        .map(|t| imageops::crop_imm(&photo, t * DX, t * DY, w, h).to_image())
        .collect()
}

fn flicker(frames: &[RgbImage]) -> f64 {
    let (mut total, mut count) = (0.0, 0u64);
    for pair in frames.windows(2) {
        let (previous, frame) = (&pair[0], &pair[1]);
        for (x, y, pixel) in frame.enumerate_pixels() {
            let (px, py) = (x + DX, y + DY);
            if px >= frame.width() || py >= frame.height() {
                continue;
            }
            let before = previous.get_pixel(px, py);
            for c in 0..3 {
                total += f64::from(pixel[c].abs_diff(before[c]));
                count += 1;
            }
        }
    }
    total / count as f64
}

struct Painted {
    frames: Vec<RgbImage>,
    /// Seconds per frame, the first frame's apart.
    first: f64,
    later: f64,
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let photo_path = var(
        "NST_VIDEO_PHOTO",
        "../shared/images/tubingen.jpg".to_owned(),
    )?;
    let frames_count: u32 = var("NST_VIDEO_FRAMES", 30)?;
    let side: u32 = var("NST_VIDEO_SIZE", 384)?;
    let modes = var("NST_VIDEO_MODES", "one-by-one,clip".to_owned())?;
    let photo = nst::io::load_rgb(photo_path.as_ref())?;
    let style = nst::assets::style()?;
    let frames = clip(&photo, frames_count, side);
    let config = StyleTransferConfig::builder().size(Some(side)).build()?;
    let weights = WeightsSource::Path(nst::weights::fetch(|_| {})?);
    let session = StyleTransfer::new(config).with_weights(weights);
    session.model()?;
    let defaults = VideoConfig::default();
    let video = VideoConfig {
        temporal_weight: var("NST_VIDEO_TEMPORAL_WEIGHT", defaults.temporal_weight)?,
        frame_iterations: var("NST_VIDEO_FRAME_ITERATIONS", defaults.frame_iterations)?,
        ramp_frames: var("NST_VIDEO_RAMP_FRAMES", defaults.ramp_frames)?,
    };

    let mut runs: Vec<(&str, Painted)> = Vec::new();
    if modes.contains("one-by-one") {
        let mut painted = Vec::new();
        let mut seconds = Vec::new();
        for frame in &frames {
            let start = Instant::now();
            painted.push(session.run(frame, &style)?);
            seconds.push(start.elapsed().as_secs_f64());
        }
        runs.push(("one by one", timed(painted, &seconds)));
    }
    if modes.contains("clip") {
        let mut clip = session.video(&[&style], video.clone())?;
        let mut painted = Vec::new();
        let mut seconds = Vec::new();
        for frame in &frames {
            let start = Instant::now();
            let image = clip
                .paint(frame, |_| Control::Continue)?
                .ok_or("the clip stopped")?;
            painted.push(image);
            seconds.push(start.elapsed().as_secs_f64());
        }
        runs.push(("clip", timed(painted, &seconds)));
    }

    println!(
        "{frames_count} frames of {}×{}, temporal weight {}, {} iterations per later frame, \
         ramp {} frames\n",
        frames[0].width(),
        frames[0].height(),
        video.temporal_weight,
        video.frame_iterations,
        video.ramp_frames
    );
    println!(
        "| painted | flicker | first frame | later frames | content, style vs one by one (worst) |"
    );
    println!("|---|---|---|---|---|");
    let reference = runs.iter().find(|(name, _)| *name == "one by one");
    for (name, run) in &runs {
        let worst = match (reference, *name) {
            (Some((_, alone)), "clip") => {
                let (content, style_ratio) = worst_ratios(&session, &frames, &style, alone, run)?;
                format!("{content:.3}×, {style_ratio:.3}×")
            }
            _ => "—".to_owned(),
        };
        println!(
            "| {name} | {:.2} | {:.1} s | {:.1} s/frame | {worst} |",
            flicker(&run.frames),
            run.first,
            run.later
        );
    }
    if let [(_, alone), (_, clip)] = runs.as_slice() {
        println!(
            "\nflicker one by one / as a clip: {:.1}×",
            flicker(&alone.frames) / flicker(&clip.frames)
        );
    }
    if let Ok(path) = std::env::var("NST_VIDEO_GIF") {
        let rows: Vec<RgbImage> = (0..frames.len())
            .map(|t| side_by_side(runs.iter().map(|(_, run)| &run.frames[t])))
            .collect();
        let rate = FrameRate::new(10, 1).ok_or("frame rate")?;
        nst::io::write_gif(rows.into_iter().map(Ok), rate, path.as_ref())?;
        println!("wrote {path}");
    }
    Ok(())
}

fn timed(frames: Vec<RgbImage>, seconds: &[f64]) -> Painted {
    let later = &seconds[1.min(seconds.len())..];
    Painted {
        frames,
        first: seconds.first().copied().unwrap_or(0.0),
        later: later.iter().sum::<f64>() / later.len().max(1) as f64,
    }
}

/// The largest ratios over the later frames of the clip's content and style losses to the
/// frames painted one by one.
fn worst_ratios(
    session: &StyleTransfer,
    frames: &[RgbImage],
    style: &RgbImage,
    alone: &Painted,
    clip: &Painted,
) -> Result<(f64, f64), Box<dyn std::error::Error>> {
    let mut worst = (0.0f64, 0.0f64);
    for (t, frame) in frames.iter().enumerate().skip(1) {
        let score = |image: &RgbImage| -> Result<[f64; 2], Box<dyn std::error::Error>> {
            let scores = session.score(frame, &[style], image)?;
            let value = |term| scores.get(term).map(|s| s.value).ok_or("a missing term");
            Ok([value(Term::Content)?, value(Term::Style)?])
        };
        let (a, b) = (score(&alone.frames[t])?, score(&clip.frames[t])?);
        worst = (worst.0.max(b[0] / a[0]), worst.1.max(b[1] / a[1]));
    }
    Ok(worst)
}

fn side_by_side<'a>(images: impl Iterator<Item = &'a RgbImage>) -> RgbImage {
    let images: Vec<&RgbImage> = images.collect();
    let width = images.iter().map(|i| i.width()).sum::<u32>() + 8 * (images.len() as u32 - 1);
    let height = images.iter().map(|i| i.height()).max().unwrap_or(1);
    let mut row = RgbImage::from_pixel(width, height, nst::image::Rgb([255, 255, 255]));
    let mut x = 0;
    for image in images {
        imageops::replace(&mut row, image, i64::from(x), 0);
        x += image.width() + 8;
    }
    row
}
