//! Clips read from real files (folders of frames, GIFs and APNGs encoded here) and written back.

use std::fs;
use std::path::{Path, PathBuf};

use nst::image::{Rgb, RgbImage, Rgba, RgbaImage};
use nst::io::{Clip, ClipKind, FrameRate, frame_name, write_apng, write_gif};

fn solid(width: u32, height: u32, color: [u8; 3]) -> RgbImage {
    RgbImage::from_pixel(width, height, Rgb(color))
}

const COLORS: [[u8; 3]; 3] = [[200, 30, 30], [30, 200, 30], [30, 30, 200]];

fn frames(width: u32, height: u32) -> Vec<RgbImage> {
    COLORS.iter().map(|&c| solid(width, height, c)).collect()
}

fn message(result: Result<Clip, nst::Error>) -> String {
    match result {
        Ok(clip) => panic!("expected an error, got {clip:?}"),
        Err(error) => error.to_string(),
    }
}

fn close(a: &RgbImage, b: &RgbImage, tolerance: u8) -> bool {
    a.dimensions() == b.dimensions()
        && a.as_raw()
            .iter()
            .zip(b.as_raw())
            .all(|(x, y)| x.abs_diff(*y) <= tolerance)
}

fn read_all(clip: Clip) -> Vec<RgbImage> {
    clip.collect::<Result<_, _>>().expect("every frame decodes")
}

/// A GIF of `frames`, each shown for `delay` centiseconds, encoded by the `gif` crate.
fn gif_bytes(frames: &[RgbImage], delay: u16) -> Vec<u8> {
    let (width, height) = frames[0].dimensions();
    let mut bytes = Vec::new();
    {
        let mut encoder = gif::Encoder::new(&mut bytes, width as u16, height as u16, &[]).unwrap();
        for frame in frames {
            let mut gif_frame = gif::Frame::from_rgb(width as u16, height as u16, frame.as_raw());
            gif_frame.delay = delay;
            encoder.write_frame(&gif_frame).unwrap();
        }
    }
    bytes
}

/// An APNG of RGBA `frames`, each shown for `numerator / denominator` seconds.
fn apng_bytes(frames: &[RgbaImage], numerator: u16, denominator: u16) -> Vec<u8> {
    let (width, height) = frames[0].dimensions();
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, width, height);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_animated(frames.len() as u32, 0).unwrap();
    encoder.set_frame_delay(numerator, denominator).unwrap();
    let mut writer = encoder.write_header().unwrap();
    for frame in frames {
        writer.write_image_data(frame.as_raw()).unwrap();
    }
    writer.finish().unwrap();
    bytes
}

fn files_in(folder: &Path) -> Vec<PathBuf> {
    let mut files: Vec<_> = fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    files
}

#[test]
fn a_folder_is_read_in_name_order_ignoring_other_files() {
    let dir = tempfile::tempdir().unwrap();
    let [red, green, blue] = [0, 1, 2].map(|i| solid(8, 6, COLORS[i]));
    red.save(dir.path().join(frame_name(1))).unwrap();
    blue.save(dir.path().join("frame-000003.PNG")).unwrap();
    green.save(dir.path().join(frame_name(2))).unwrap();
    fs::write(dir.path().join("notes.txt"), "not a frame").unwrap();
    fs::write(dir.path().join(".hidden.png"), "not a frame").unwrap();
    fs::create_dir(dir.path().join("sub.png")).unwrap();

    let clip = Clip::open(dir.path()).unwrap();
    assert_eq!(clip.kind(), ClipKind::Folder);
    assert_eq!(clip.size(), (8, 6));
    assert_eq!(clip.len(), Some(3));
    assert_eq!(clip.frame_rate(), None);
    assert_eq!(read_all(clip), [red, green, blue]);
}

#[test]
fn a_folder_of_mixed_sizes_fails_at_the_odd_frame_naming_both_sizes() {
    let dir = tempfile::tempdir().unwrap();
    solid(8, 6, COLORS[0])
        .save(dir.path().join("a.png"))
        .unwrap();
    solid(6, 8, COLORS[1])
        .save(dir.path().join("b.png"))
        .unwrap();
    solid(8, 6, COLORS[2])
        .save(dir.path().join("c.png"))
        .unwrap();
    let mut clip = Clip::open(dir.path()).unwrap();
    assert!(clip.next().unwrap().is_ok());
    let error = clip.next().unwrap().unwrap_err().to_string();
    let b = dir.path().join("b.png");
    assert_eq!(
        error,
        format!(
            "the clip's frames differ in size: {} is 6×8 pixels, the first frame 8×6",
            b.display()
        )
    );
    assert!(clip.next().is_none(), "the clip ends after an error");
}

#[test]
fn an_empty_folder_or_one_without_images_holds_no_frames() {
    let dir = tempfile::tempdir().unwrap();
    let expected = format!(
        "{} holds no frames (a folder's frames are its .png, .jpg, .jpeg, .webp, .tif, .tiff and .bmp files)",
        dir.path().display()
    );
    assert_eq!(message(Clip::open(dir.path())), expected);
    fs::write(dir.path().join("readme.txt"), "hello").unwrap();
    assert_eq!(message(Clip::open(dir.path())), expected);
}

#[test]
fn a_corrupt_frame_is_named() {
    let dir = tempfile::tempdir().unwrap();
    solid(8, 6, COLORS[0])
        .save(dir.path().join("a.png"))
        .unwrap();
    fs::write(dir.path().join("b.png"), b"\x89PNG\r\n\x1a\nnot really").unwrap();
    let mut clip = Clip::open(dir.path()).unwrap();
    assert!(clip.next().unwrap().is_ok());
    let error = clip.next().unwrap().unwrap_err().to_string();
    assert_eq!(
        error,
        format!("cannot decode {}", dir.path().join("b.png").display())
    );

    // A corrupt first frame fails the opening.
    let first = tempfile::tempdir().unwrap();
    fs::write(first.path().join("a.png"), b"").unwrap();
    let error = message(Clip::open(first.path()));
    assert!(error.contains("a.png"), "{error}");
}

#[test]
fn still_images_and_other_files_are_not_clips() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("still.png");
    solid(8, 6, COLORS[0]).save(&png).unwrap();
    assert_eq!(
        message(Clip::open(&png)),
        format!(
            "{} is a single image, not a clip (give a folder of frames, an animated GIF or APNG, or a video)",
            png.display()
        )
    );
    let jpeg = dir.path().join("still.jpg");
    solid(8, 6, COLORS[0]).save(&jpeg).unwrap();
    assert!(matches!(Clip::open(&jpeg), Err(nst::Error::SingleImage(path)) if path == jpeg));

    let video = dir.path().join("clip.mp4");
    fs::write(&video, b"\0\0\0\x18ftypmp42 and so on").unwrap();
    assert!(matches!(Clip::open(&video), Err(nst::Error::NotAClip(path)) if path == video));
    assert_eq!(
        message(Clip::open(&video)),
        format!(
            "{} is not a folder of frames, a GIF or an APNG (reading a video needs ffmpeg)",
            video.display()
        )
    );

    let missing = dir.path().join("missing");
    assert!(matches!(Clip::open(&missing), Err(nst::Error::Read { .. })));
}

#[test]
fn a_gif_is_read_frame_by_frame_with_its_rate() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clip.gif");
    let expected = frames(10, 7);
    fs::write(&path, gif_bytes(&expected, 8)).unwrap();
    let clip = Clip::open(&path).unwrap();
    assert_eq!(clip.kind(), ClipKind::Gif);
    assert_eq!(clip.size(), (10, 7));
    assert_eq!(clip.len(), Some(3));
    assert_eq!(clip.frame_rate(), FrameRate::new(25, 2)); // 8 cs a frame
    let read = read_all(clip);
    assert_eq!(read.len(), 3);
    for (read, expected) in read.iter().zip(&expected) {
        assert!(close(read, expected, 8), "{:?}", read.get_pixel(0, 0));
    }
}

#[test]
fn gif_frames_are_composited_and_transparency_is_white() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("parts.gif");
    let mut bytes = Vec::new();
    {
        let mut encoder = gif::Encoder::new(&mut bytes, 4, 3, &[]).unwrap();
        // Frame 1: red but for a transparent top-left pixel.
        let mut first = RgbaImage::from_pixel(4, 3, Rgba([255, 0, 0, 255]));
        first.put_pixel(0, 0, Rgba([0, 0, 0, 0]));
        let mut raw = first.into_raw();
        encoder
            .write_frame(&gif::Frame::from_rgba(4, 3, &mut raw))
            .unwrap();
        // Frame 2: a blue 2×1 patch at (2, 2), over frame 1.
        let mut patch = gif::Frame::from_rgb(2, 1, &[0, 0, 255, 0, 0, 255]);
        (patch.left, patch.top) = (2, 2);
        encoder.write_frame(&patch).unwrap();
    }
    fs::write(&path, bytes).unwrap();
    let clip = Clip::open(&path).unwrap();
    assert_eq!(clip.frame_rate(), None, "a zero delay is unspecified");
    let read = read_all(clip);
    let mut expected = solid(4, 3, [255, 0, 0]);
    expected.put_pixel(0, 0, Rgb([255, 255, 255]));
    assert_eq!(read[0], expected);
    expected.put_pixel(2, 2, Rgb([0, 0, 255]));
    expected.put_pixel(3, 2, Rgb([0, 0, 255]));
    assert_eq!(read[1], expected);
}

#[test]
fn a_truncated_gif_names_its_bad_frame() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.gif");
    let bytes = gif_bytes(&frames(16, 16), 10);
    fs::write(&path, &bytes[..bytes.len() - 6]).unwrap();
    let results: Vec<_> = Clip::open(&path).unwrap().collect();
    assert!(results[0].is_ok());
    let error = results.last().unwrap().as_ref().unwrap_err();
    assert!(
        matches!(error, nst::Error::ClipFrame { frame: 3, .. }),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        format!("cannot decode frame 3 of {}", path.display())
    );
}

#[test]
fn an_apng_is_read_with_its_rate_and_transparency_on_white() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clip.png");
    let mut rgba: Vec<RgbaImage> = COLORS
        .iter()
        .map(|&[r, g, b]| RgbaImage::from_pixel(5, 4, Rgba([r, g, b, 255])))
        .collect();
    rgba[1].put_pixel(4, 3, Rgba([0, 0, 0, 0]));
    fs::write(&path, apng_bytes(&rgba, 1, 25)).unwrap();
    let clip = Clip::open(&path).unwrap();
    assert_eq!(clip.kind(), ClipKind::Apng);
    assert_eq!((clip.size(), clip.len()), ((5, 4), Some(3)));
    assert_eq!(clip.frame_rate(), FrameRate::new(25, 1));
    let read = read_all(clip);
    let mut expected = frames(5, 4);
    expected[1].put_pixel(4, 3, Rgb([255, 255, 255]));
    assert_eq!(read, expected);
}

#[test]
fn written_gifs_and_apngs_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let expected = frames(9, 5);
    let rate: FrameRate = "30000/1001".parse().unwrap();

    let gif = dir.path().join("out.gif");
    write_gif(
        expected.iter().cloned().map(Ok),
        FrameRate::new(10, 1).unwrap(),
        &gif,
    )
    .unwrap();
    let clip = Clip::open(&gif).unwrap();
    assert_eq!((clip.size(), clip.len()), ((9, 5), Some(3)));
    assert_eq!(clip.frame_rate(), FrameRate::new(10, 1));
    for (read, expected) in read_all(clip).iter().zip(&expected) {
        assert!(close(read, expected, 8));
    }

    let apng = dir.path().join("out.png");
    write_apng(expected.iter().cloned().map(Ok), 3, rate, &apng).unwrap();
    let clip = Clip::open(&apng).unwrap();
    assert_eq!((clip.size(), clip.len()), ((9, 5), Some(3)));
    assert_eq!(clip.frame_rate(), Some(rate));
    assert_eq!(read_all(clip), expected);

    // A clip read streams straight into a writer.
    let copy = dir.path().join("copy.png");
    write_apng(Clip::open(&apng).unwrap(), 3, rate, &copy).unwrap();
    assert_eq!(read_all(Clip::open(&copy).unwrap()), expected);
    assert_eq!(files_in(dir.path()).len(), 3, "no staging file is left");
}

#[test]
fn failed_writes_leave_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let rate = FrameRate::new(12, 1).unwrap();
    let apng = dir.path().join("out.png");
    let gif = dir.path().join("out.gif");
    let three = || frames(4, 4).into_iter().map(Ok);

    let error = write_apng(three(), 2, rate, &apng).unwrap_err();
    assert!(
        format!("{error}: {}", std::error::Error::source(&error).unwrap())
            .ends_with("more frames than the 2 announced")
    );
    let error = write_apng(three(), 4, rate, &apng).unwrap_err();
    assert!(
        std::error::Error::source(&error)
            .unwrap()
            .to_string()
            .contains("fewer frames")
    );
    let error = write_gif(std::iter::empty(), rate, &gif).unwrap_err();
    assert_eq!(
        std::error::Error::source(&error).unwrap().to_string(),
        "no frames to write"
    );
    let mixed = [Ok(solid(4, 4, COLORS[0])), Ok(solid(4, 5, COLORS[1]))];
    let error = write_gif(mixed, rate, &gif).unwrap_err();
    assert_eq!(
        std::error::Error::source(&error).unwrap().to_string(),
        "the frames differ in size: 4×5 pixels after 4×4"
    );
    let failing = [
        Ok(solid(4, 4, COLORS[0])),
        Err(nst::Error::NoFrames("x".into())),
    ];
    assert!(matches!(
        write_gif(failing, rate, &gif),
        Err(nst::Error::NoFrames(_))
    ));
    assert_eq!(files_in(dir.path()), Vec::<PathBuf>::new());
}

#[test]
fn gifs_stay_clips_not_still_images() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clip.gif");
    fs::write(&path, gif_bytes(&frames(4, 4), 10)).unwrap();
    assert!(matches!(
        nst::io::load_rgb(&path),
        Err(nst::Error::Decode {
            source: nst::io::DecodeError::UnknownFormat,
            ..
        })
    ));
    assert!(matches!(
        nst::io::output_format(&path),
        Err(nst::Error::UnknownFormat(_))
    ));
}

/// An indexed APNG of two 4×3 frames whose `PLTE` chunk holds `palette` as it is.
fn indexed_apng_bytes(palette: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, 4, 3);
    encoder.set_color(png::ColorType::Indexed);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_palette(palette.to_vec());
    encoder.set_animated(2, 0).unwrap();
    let mut writer = encoder.write_header().unwrap();
    for index in [0u8, 1] {
        writer.write_image_data(&[index; 12]).unwrap();
    }
    writer.finish().unwrap();
    bytes
}

#[test]
fn an_apng_whose_palette_is_not_whole_entries_is_refused_on_opening() {
    // The still-image guard (tests/decode.rs): the png crate (0.18.1) panics on a PLTE chunk
    // of 49 bytes. An APNG is refused the same way, before any decoder reads it.
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("whole.png");
    fs::write(&whole, indexed_apng_bytes(&[10; 48])).unwrap();
    assert_eq!(read_all(Clip::open(&whole).unwrap()).len(), 2);

    let path = dir.path().join("short-palette.png");
    fs::write(&path, indexed_apng_bytes(&[10; 49])).unwrap();
    let error = Clip::open(&path).unwrap_err();
    assert!(
        matches!(
            &error,
            nst::Error::Decode {
                source: nst::io::DecodeError::PngPalette(49),
                ..
            }
        ),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(message.contains("short-palette.png"), "{message}");
}
