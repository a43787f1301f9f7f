//! Outputs keep their permissions: a new file gets `rw-rw-rw-` less the umask, a replaced one
//! keeps its mode, and a checkpoint (the pictures being painted) is its owner's alone.
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

mod common;

use common::weights;

/// `nst` on the embedded images at 48 px for 2 iterations, writing `out` (and `checkpoint`),
/// under `umask`.
fn paint(umask: &str, out: &Path, checkpoint: Option<&Path>) {
    let mut args = vec![
        "--backend",
        "cpu",
        "--preset",
        "normalized",
        "--size",
        "48",
        "--iterations",
        "2",
        "-o",
        out.to_str().unwrap(),
    ];
    if let Some(path) = checkpoint {
        args.extend([
            "--checkpoint",
            path.to_str().unwrap(),
            "--checkpoint-every",
            "1",
        ]);
    }
    let output = Command::new("sh")
        .arg("-c")
        .arg(format!("umask {umask} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_nst"))
        .args(&args)
        .env("NST_VGG16_ONNX", weights())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn new_outputs_follow_the_umask_and_checkpoints_are_private() {
    let dir = tempfile::tempdir().unwrap();
    let (out, checkpoint) = (dir.path().join("out.png"), dir.path().join("run.ckpt"));
    paint("022", &out, Some(&checkpoint));
    assert_eq!(mode(&out), 0o644);
    assert_eq!(mode(&checkpoint), 0o600);
    let private = dir.path().join("private.png");
    paint("077", &private, None);
    assert_eq!(mode(&private), 0o600);
}

#[test]
fn a_replaced_output_keeps_its_mode() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.png");
    paint("022", &out, None);
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o600)).unwrap();
    paint("022", &out, None);
    assert_eq!(mode(&out), 0o600, "a 0600 output stays 0600 when rewritten");
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o664)).unwrap();
    paint("077", &out, None);
    assert_eq!(mode(&out), 0o664, "whatever the umask");
}
