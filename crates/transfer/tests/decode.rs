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
    let message = nst_transfer::decode_rgb(&jpeg).unwrap_err();
    assert!(message.contains("too large"), "{message}");
    assert!(message.contains("60000×60000"), "{message}");
}
