//! Clips: frames painted with the temporal term change less from one frame to the next than
//! frames painted one by one, a clip resumed from a checkpoint ends on the uninterrupted
//! clip's bytes, and frames of another size are refused.

mod common;

use common::asset_image;
use image::RgbImage;
use nst_transfer::{
    Control, Error, Preset, StyleTransfer, StyleTransferConfig, Term, VideoCheckpoint, VideoConfig,
    VideoEvent,
};

/// The window's size, and its motion per frame: a camera panning over the photo by whole
/// pixels, so that frame t at p shows what frame t − 1 showed at p + (DX, DY).
const SIZE: (u32, u32) = (112, 80);
const DX: i64 = 3;
const DY: i64 = 1;

fn clip(frames: usize) -> Vec<RgbImage> {
    let photo = asset_image("chelsea.png");
    (0..frames as u32)
        .map(|t| {
            let (x0, y0) = (150 + t * DX as u32, 90 + t * DY as u32);
            image::imageops::crop_imm(&photo, x0, y0, SIZE.0, SIZE.1).to_image()
        })
        .collect()
}

fn config() -> StyleTransferConfig {
    Preset::Fast
        .builder()
        .size(Some(SIZE.0))
        .multiscale(None)
        .iterations(16)
        .build()
        .unwrap()
}

fn style() -> RgbImage {
    asset_image("starry_night.jpg")
}

/// The mean absolute difference between each painted frame and the one before it moved by
/// the true motion, over the pixels both frames show.
fn flicker(frames: &[RgbImage]) -> f64 {
    let (mut total, mut count) = (0.0, 0usize);
    for pair in frames.windows(2) {
        let (previous, frame) = (&pair[0], &pair[1]);
        for (x, y, pixel) in frame.enumerate_pixels() {
            let (px, py) = (i64::from(x) + DX, i64::from(y) + DY);
            if px >= i64::from(SIZE.0) || py >= i64::from(SIZE.1) {
                continue;
            }
            let before = previous.get_pixel(px as u32, py as u32);
            for c in 0..3 {
                total += f64::from(pixel[c].abs_diff(before[c]));
                count += 1;
            }
        }
    }
    total / count as f64
}

fn paint(session: &StyleTransfer, frames: &[RgbImage], video: VideoConfig) -> Vec<RgbImage> {
    let style = style();
    let mut clip = session.video(&[&style], video).unwrap();
    frames
        .iter()
        .map(|frame| clip.paint(frame, |_| Control::Continue).unwrap().unwrap())
        .collect()
}

#[test]
fn the_temporal_term_cuts_the_flicker_of_frames_painted_one_by_one() {
    let frames = clip(5);
    let session = common::session(config());
    let style = style();
    let one_by_one: Vec<RgbImage> = frames
        .iter()
        .map(|frame| session.run(frame, &style).unwrap())
        .collect();
    let painted = paint(&session, &frames, VideoConfig::default());
    let (alone, together) = (flicker(&one_by_one), flicker(&painted));
    eprintln!("flicker: one by one {alone:.2}, as a clip {together:.2}");
    assert!(
        together * 3.0 <= alone,
        "flicker {together:.2} as a clip against {alone:.2} one by one"
    );
    // The first frame is painted as a still image would be.
    assert_eq!(painted[0], one_by_one[0]);
    // And the later ones about as well as one by one: their content and style losses.
    for (t, frame) in frames.iter().enumerate().skip(1) {
        let score = |image| {
            let scores = session.score(frame, &[&style], image).unwrap();
            [Term::Content, Term::Style].map(|term| scores.get(term).unwrap().value)
        };
        let (alone, together) = (score(&one_by_one[t]), score(&painted[t]));
        eprintln!(
            "frame {t}: content {:.3}×, style {:.3}×",
            together[0] / alone[0],
            together[1] / alone[1]
        );
        for (a, b) in alone.iter().zip(together) {
            assert!(
                b <= 1.2 * a,
                "frame {t}: {together:?} as a clip, {alone:?} one by one"
            );
        }
    }
}

#[test]
fn a_resumed_clip_ends_on_the_uninterrupted_clips_bytes() {
    let frames = clip(3);
    let session = common::session(config());
    let video = VideoConfig {
        frame_iterations: 6,
        ..VideoConfig::default()
    };
    let whole = paint(&session, &frames, video.clone());
    let style = style();

    // Stopped during the second frame, with a checkpoint of its 4th iteration.
    let mut clip = session.video(&[&style], video).unwrap();
    let first = clip.paint(&frames[0], |_| Control::Continue).unwrap();
    assert_eq!(first.as_ref(), Some(&whole[0]));
    let between = clip.checkpoint().unwrap().to_bytes().unwrap();
    let mut kept = None;
    let stopped = clip
        .paint(&frames[1], |progress| {
            assert_eq!(progress.frame, 1);
            if progress.progress.iteration == 4 {
                kept = Some(progress.checkpoint().unwrap().to_bytes().unwrap());
                return Control::Stop;
            }
            Control::Continue
        })
        .unwrap();
    assert!(stopped.is_none(), "a stopped frame is not painted");

    for bytes in [kept.unwrap(), between] {
        let checkpoint = VideoCheckpoint::from_bytes(&bytes).unwrap();
        assert_eq!(checkpoint.frames_done(), 1);
        let mut resumed = session.resume_video(&[&style], &checkpoint).unwrap();
        for (frame, expected) in frames.iter().zip(&whole).skip(1) {
            let painted = resumed.paint(frame, |_| Control::Continue).unwrap();
            assert_eq!(painted.as_ref(), Some(expected));
        }
    }
}

#[test]
fn frames_of_another_size_and_foreign_checkpoints_are_refused() {
    let frames = clip(1);
    let session = common::session(config());
    let style = style();
    let mut clip = session.video(&[&style], VideoConfig::default()).unwrap();
    clip.paint(&frames[0], |_| Control::Continue).unwrap();
    let other = image::imageops::crop_imm(&frames[0], 0, 0, 100, 80).to_image();
    let error = clip.paint(&other, |_| Control::Continue).unwrap_err();
    assert!(matches!(error, Error::Image { .. }), "{error}");
    assert!(error.to_string().contains("same size"), "{error}");

    let bytes = clip.checkpoint().unwrap().to_bytes().unwrap();
    let checkpoint = VideoCheckpoint::from_bytes(&bytes).unwrap();
    let other_config = config().to_builder().style_weight(1.0).build().unwrap();
    let error = common::session(other_config)
        .resume_video(&[&style], &checkpoint)
        .unwrap_err();
    assert!(
        error.to_string().contains("another configuration"),
        "{error}"
    );
    let mut damaged = bytes.clone();
    damaged[40] ^= 1;
    assert!(VideoCheckpoint::from_bytes(&damaged).is_err());
    assert!(VideoCheckpoint::from_bytes(&bytes[..bytes.len() - 1]).is_err());
    let invalid = VideoConfig {
        temporal_weight: f64::NAN,
        ..VideoConfig::default()
    };
    assert!(session.video(&[&style], invalid).is_err());
}

#[test]
fn paint_clip_streams_frames_to_its_observer_and_stops_when_told() {
    let frames = clip(3);
    let session = common::session(config());
    let style = style();
    let video = VideoConfig {
        frame_iterations: 2,
        ..VideoConfig::default()
    };
    let mut painted = Vec::new();
    let done = session
        .paint_clip(frames.clone(), &[&style], video.clone(), |event| {
            match event {
                VideoEvent::Frame { index, image } => {
                    assert_eq!(index, painted.len());
                    painted.push(image.clone());
                    if index == 1 {
                        return Control::Stop;
                    }
                }
                VideoEvent::Iteration(progress) => assert_eq!(progress.frame, painted.len()),
            }
            Control::Continue
        })
        .unwrap();
    assert_eq!((done, painted.len()), (2, 2));
    assert_eq!(painted, paint(&session, &frames[..2], video));

    let normalized = Preset::Normalized
        .builder()
        .size(Some(SIZE.0))
        .build()
        .unwrap();
    let error = common::session(normalized)
        .video(&[&style], VideoConfig::default())
        .unwrap_err();
    assert!(error.to_string().contains("--weighting initial"), "{error}");
}

/// Coarse to fine for the first frame: a clip stopped in its last scale resumes to the same
/// bytes (that scale shares the clip's style targets).
#[test]
fn a_clip_resumed_in_the_first_frames_last_scale_ends_on_the_same_bytes() {
    let frames = clip(2);
    let config = config()
        .to_builder()
        .iterations(4)
        .multiscale(Some(nst_transfer::MultiScale {
            start: 56,
            factor: 2.0,
            iterations_per_scale: Some(3),
        }))
        .build()
        .unwrap();
    let session = common::session(config);
    let video = VideoConfig {
        frame_iterations: 3,
        ..VideoConfig::default()
    };
    let whole = paint(&session, &frames, video.clone());
    let style = style();
    let mut clip = session.video(&[&style], video).unwrap();
    let mut kept = None;
    let stopped = clip
        .paint(&frames[0], |progress| {
            if progress.progress.scale == 1 && progress.progress.iteration == 5 {
                kept = Some(progress.checkpoint().unwrap().to_bytes().unwrap());
                return Control::Stop;
            }
            Control::Continue
        })
        .unwrap();
    assert!(stopped.is_none());
    let checkpoint = VideoCheckpoint::from_bytes(&kept.unwrap()).unwrap();
    assert_eq!(checkpoint.frames_done(), 0);
    let mut resumed = session.resume_video(&[&style], &checkpoint).unwrap();
    for (frame, expected) in frames.iter().zip(&whole) {
        let painted = resumed.paint(frame, |_| Control::Continue).unwrap();
        assert_eq!(painted.as_ref(), Some(expected));
    }
}
