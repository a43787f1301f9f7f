//! Helpers shared by the CLI's test binaries.
// Each test binary uses a subset of these helpers.
#![allow(dead_code)]

pub mod server;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A file in the workspace's `tests/fixtures`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(name)
}

/// The real VGG-16 weights (fetched into the cache on first use).
pub fn weights() -> PathBuf {
    nst::weights::fetch(|_| {}).expect("the VGG-16 weights are needed")
}

/// Runs `nst ARGS` with the real weights.
pub fn nst(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nst"))
        .env("NST_VGG16_ONNX", weights())
        .args(args)
        .output()
        .unwrap()
}

/// Asserts a failure with exactly one line on stderr containing `needle`, and returns it.
pub fn assert_one_line_error(output: &Output, needle: &str) -> String {
    assert!(!output.status.success(), "expected a failure");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(stderr.trim_end().lines().count(), 1, "stderr: {stderr}");
    assert!(stderr.starts_with("nst: error: "), "{stderr}");
    assert!(stderr.contains(needle), "expected {needle:?} in {stderr}");
    stderr
}

/// Asserts a failure whose stderr is one `nst: error:` line containing `needle`, after at most
/// the lines that name the device and announce a download; returns the error line.
pub fn assert_error_line(output: &Output, needle: &str) -> String {
    assert!(!output.status.success(), "expected a failure");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| !l.starts_with("nst: running on") && !l.starts_with("nst: downloading"))
        .collect();
    assert_eq!(lines.len(), 1, "stderr: {stderr}");
    assert!(lines[0].starts_with("nst: error: "), "{stderr}");
    assert!(lines[0].contains(needle), "expected {needle:?} in {stderr}");
    lines[0].to_owned()
}
