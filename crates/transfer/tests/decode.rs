//! Image decoding: JPEG pixels as libjpeg-turbo (Pillow) gives them, and clear errors.

mod common;

use std::path::Path;

use common::fixture;
use serde_json::Value;
use sha2::{Digest, Sha256};

#[test]
fn jpeg_pixels_match_pillow_bit_for_bit() {
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("jpeg_pillow.json")).unwrap())
            .unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(expected["file"].as_str().unwrap());
    let image = nst_transfer::load_rgb(&path).unwrap();
    assert_eq!(
        u64::from(image.width()),
        expected["width"].as_u64().unwrap()
    );
    assert_eq!(
        u64::from(image.height()),
        expected["height"].as_u64().unwrap()
    );
    let digest: String = Sha256::digest(image.as_raw())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(digest, expected["rgb_sha256"].as_str().unwrap());
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
        let message = nst_transfer::load_rgb(&path).unwrap_err().to_string();
        assert!(message.contains(name), "{message}");
        assert!(!message.contains('\n'), "{message}");
    }
    let message = nst_transfer::load_rgb(&dir.path().join("absent.jpg"))
        .unwrap_err()
        .to_string();
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
    let message = nst_transfer::decode_rgb(&jpeg).unwrap_err().to_string();
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
        let image = nst_transfer::load_rgb(&odd(&name)).unwrap_or_else(|e| panic!("{name}: {e}"));
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
        if case["lossy"].as_bool().unwrap() {
            // CMYK JPEGs go through another decoder than Pillow's libjpeg-turbo: its IDCT and
            // color conversion round differently.
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
        let message = nst_transfer::load_rgb(&odd(name))
            .expect_err(name)
            .to_string();
        assert!(message.contains(name), "{message}");
        assert!(!message.contains('\n'), "{message}");
    }
    let truncated = nst_transfer::load_rgb(&odd("truncated.jpg"))
        .unwrap_err()
        .to_string();
    assert!(truncated.contains("truncated"), "{truncated}");
}

#[test]
fn the_memory_limit_is_applied_from_the_header_and_can_be_raised() {
    // rgb16.png is 24×16 pixels of 16-bit RGB: 2304 bytes decoded.
    let path = odd("rgb16.png");
    let message = nst_transfer::load_rgb_with(&path, 2000)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("too large") && message.contains("24×16"),
        "{message}"
    );
    assert!(nst_transfer::load_rgb_with(&path, 2304).is_ok());
    // The JPEG path has the same limit: 24×16×3 = 1152 bytes.
    let jpeg = odd("exif_rotated.jpg");
    assert!(nst_transfer::load_rgb_with(&jpeg, 1000).is_err());
    assert!(nst_transfer::load_rgb_with(&jpeg, 1152).is_ok());
}

#[test]
fn a_jpeg_the_fuzzer_found_gives_a_one_line_error() {
    // Found by the decode_image fuzz target: the image crate's JPEG error for this file (an
    // Adobe CMYK header, then too few bytes) spans two lines.
    let message = nst_transfer::load_rgb(&odd("fuzz_jpeg_multiline_error.jpg"))
        .unwrap_err()
        .to_string();
    assert!(message.contains("Not enough bytes"), "{message}");
    assert!(!message.contains('\n'), "{message:?}");
}

#[test]
fn a_png_whose_palette_is_not_whole_entries_is_refused() {
    // Found by the decode_image fuzz target: a 49-byte PLTE chunk made the png crate (0.18.1)
    // panic with an out-of-range slice.
    let message = nst_transfer::load_rgb(&odd("fuzz_png_short_palette.png"))
        .unwrap_err()
        .to_string();
    assert!(message.contains("palette has 49 bytes"), "{message}");
}
