//! Image decoding: JPEG pixels against Pillow's (libjpeg-turbo), every common layout, and
//! clear errors that keep their cause.

use std::error::Error as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The error and its causes, as the command line prints them.
fn chain(error: &nst::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message = format!("{message}: {cause}");
        source = cause.source();
    }
    message
}

/// The `image` crate's JPEG decoder against Pillow's (libjpeg-turbo's) pixels on crops of the
/// two JPEG assets (reference/make_jpeg_fixture.py): 4:2:0 chroma (The Starry Night) and
/// 4:4:4 (the Hubble Deep Field). The decoders' IDCT and chroma upsampling round
/// differently; the bounds are the measured worst and mean differences, rounded up (README,
/// "Images").
/// Worst and mean differences allowed for a 4:2:0 and a 4:4:4 JPEG. Measured on an AMD EPYC
/// (AVX2 paths of the decoder): worst 4 and mean 0.37 levels (4:2:0, where chroma upsampling
/// adds to the IDCT's rounding), worst 3 and mean 0.013 (4:4:4); the bounds leave room for the
/// decoder's other SIMD paths. A wrong color conversion or a lost EXIF/ICC step is off by tens.
const WORST_420: u8 = 6;
const MEAN_420: f64 = 0.5;
const WORST_444: u8 = 5;
const MEAN_444: f64 = 0.05;

#[test]
fn jpeg_pixels_are_within_a_few_levels_of_pillows() {
    // (asset, Pillow's crop, the crop's corner in the asset, bounds)
    for (asset, crop, (x, y), worst_allowed, mean_allowed) in [
        (
            "starry_night.jpg",
            "starry_night_384_192.png",
            (384, 192),
            WORST_420,
            MEAN_420,
        ),
        (
            "hubble_deep_field.jpg",
            "hubble_deep_field_320_304.png",
            (320, 304),
            WORST_444,
            MEAN_444,
        ),
    ] {
        let ours = nst::io::load_rgb(
            &Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("assets")
                .join(asset),
        )
        .unwrap();
        let pillow = image::open(fixture("jpeg_pillow").join(crop))
            .unwrap()
            .to_rgb8();
        let ours = image::imageops::crop_imm(&ours, x, y, 256, 256).to_image();
        let differences: Vec<u8> = ours
            .as_raw()
            .iter()
            .zip(pillow.as_raw())
            .map(|(a, b)| a.abs_diff(*b))
            .collect();
        let worst = differences.iter().copied().max().unwrap();
        let mean =
            differences.iter().map(|&d| f64::from(d)).sum::<f64>() / differences.len() as f64;
        println!("{asset}: worst {worst}, mean {mean:.4} levels from Pillow");
        assert!(worst <= worst_allowed, "{asset}: worst difference {worst}");
        assert!(mean <= mean_allowed, "{asset}: mean difference {mean}");
    }
}

#[test]
fn undecodable_files_name_the_file_and_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[u8]); 3] = [
        ("text.png", b"hello, not an image"),
        (
            "broken.jpg",
            &[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F'],
        ),
        ("empty.png", b""),
    ];
    for (name, bytes) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let message = chain(&nst::io::load_rgb(&path).unwrap_err());
        assert!(message.contains(name), "{message}");
        assert!(!message.contains('\n'), "{message}");
    }
    let message = chain(&nst::io::load_rgb(&dir.path().join("absent.jpg")).unwrap_err());
    assert!(message.contains("absent.jpg"), "{message}");
}

#[test]
fn a_jpeg_whose_header_claims_a_huge_size_is_refused_before_decoding() {
    // A valid 8×8 JPEG whose frame header (SOF0) is patched to claim 60000×60000 pixels:
    // 10 GiB decoded, which must be refused from the header alone.
    let mut jpeg = Vec::new();
    image::RgbImage::new(8, 8)
        .write_to(
            &mut std::io::Cursor::new(&mut jpeg),
            image::ImageFormat::Jpeg,
        )
        .unwrap();
    let sof = jpeg.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    jpeg[sof + 5..sof + 9].copy_from_slice(&[0xEA, 0x60, 0xEA, 0x60]);
    let message = chain(&nst::io::decode_rgb(&jpeg).unwrap_err());
    assert!(message.contains("too large"), "{message}");
    assert!(message.contains("60000×60000"), "{message}");
}

fn odd(name: &str) -> std::path::PathBuf {
    fixture("odd").join(name)
}

fn manifest() -> Value {
    serde_json::from_str(&std::fs::read_to_string(odd("manifest.json")).unwrap()).unwrap()
}

#[test]
fn every_common_layout_reads_as_pillow_sees_it() {
    // Grey, grey+alpha, RGBA, palette, 16-bit grey and RGB, WebP, TIFF, BMP, CMYK JPEG, and
    // EXIF-rotated JPEG and PNG; the expected images are Pillow's (reference/make_odd_images.py):
    // oriented, composited on white, 16-bit values rounded to 8.
    let readable = manifest()["readable"].as_object().unwrap().clone();
    assert_eq!(readable.len(), 12);
    for (name, case) in readable {
        let image = nst::io::load_rgb(&odd(&name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let expected = image::open(odd(case["expected"].as_str().unwrap()))
            .unwrap()
            .to_rgb8();
        assert_eq!(image.dimensions(), expected.dimensions(), "{name}");
        let differences: Vec<u8> = image
            .as_raw()
            .iter()
            .zip(expected.as_raw())
            .map(|(a, b)| a.abs_diff(*b))
            .collect();
        let worst = differences.iter().copied().max().unwrap_or(0);
        // JPEGs go through the `image` crate's decoder, not Pillow's libjpeg-turbo: its IDCT,
        // chroma upsampling and (CMYK) color conversion round differently.
        if case["lossy"].as_bool().unwrap() || name.ends_with(".jpg") {
            let mean =
                differences.iter().map(|&d| f64::from(d)).sum::<f64>() / differences.len() as f64;
            assert!(
                mean < 2.0 && worst <= 12,
                "{name}: mean {mean}, worst {worst}"
            );
        } else {
            // Compositing on white rounds once; Pillow's alpha_composite may round the other way.
            assert!(worst <= 1, "{name}: worst difference {worst}");
        }
    }
}

#[test]
fn broken_files_are_refused_with_one_line_naming_them() {
    let broken = manifest()["broken"].as_array().unwrap().clone();
    assert_eq!(broken.len(), 6);
    for name in broken {
        let name = name.as_str().unwrap();
        let message = chain(&nst::io::load_rgb(&odd(name)).expect_err(name));
        assert!(message.contains(name), "{message}");
        assert!(!message.contains('\n'), "{message}");
    }
    let truncated = chain(&nst::io::load_rgb(&odd("truncated.jpg")).unwrap_err());
    assert!(truncated.contains("truncated"), "{truncated}");
}

#[test]
fn the_memory_limit_is_applied_from_the_header_and_can_be_raised() {
    // rgb16.png is 24×16 pixels of 16-bit RGB: 2304 bytes decoded.
    let path = odd("rgb16.png");
    let message = chain(&nst::io::load_rgb_with(&path, 2000).unwrap_err());
    assert!(
        message.contains("too large") && message.contains("24×16"),
        "{message}"
    );
    assert!(nst::io::load_rgb_with(&path, 2304).is_ok());
    // The JPEG path has the same limit: 24×16×3 = 1152 bytes.
    let jpeg = odd("exif_rotated.jpg");
    assert!(nst::io::load_rgb_with(&jpeg, 1000).is_err());
    assert!(nst::io::load_rgb_with(&jpeg, 1152).is_ok());
}

#[test]
fn a_jpeg_the_fuzzer_found_keeps_the_decoders_message() {
    // Found by the decode_image fuzz target: the image crate's JPEG error for this file (an
    // Adobe CMYK header, then too few bytes) spans two lines.
    // The library keeps the decoder's error as the cause, as it is; the command line prints
    // the chain on one line (crates/cli/tests).
    let error = nst::io::load_rgb(&odd("fuzz_jpeg_multiline_error.jpg")).unwrap_err();
    assert!(chain(&error).contains("Not enough bytes"), "{error:?}");
    assert!(!error.to_string().contains('\n'), "{error:?}");
}

#[test]
fn a_png_whose_palette_is_not_whole_entries_is_refused() {
    // Found by the decode_image fuzz target: a 49-byte PLTE chunk made the png crate (0.18.1)
    // panic with an out-of-range slice.
    let message = chain(&nst::io::load_rgb(&odd("fuzz_png_short_palette.png")).unwrap_err());
    assert!(message.contains("palette has 49 bytes"), "{message}");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { failure_persistence: None, ..proptest::prelude::ProptestConfig::with_cases(2000) })]

    /// Any bytes decode to a non-empty image or an error whose message is one line.
    #[test]
    fn any_bytes_decode_or_fail_with_a_reason(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2048), jpeg: bool) {
        let mut bytes = bytes;
        if jpeg {
            bytes.splice(0..0, [0xFF, 0xD8, 0xFF, 0xE0]);
        }
        match nst::io::decode_rgb(&bytes) {
            Ok(image) => proptest::prop_assert!(image.width() > 0 && image.height() > 0),
            Err(error) => {
                let reason = error.to_string();
                proptest::prop_assert!(!reason.is_empty() && !reason.contains('\n'));
            }
        }
    }
}
