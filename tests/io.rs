//! `nst::io`'s output rule on real files: a FIFO stays a FIFO, a symlink stays a link, a
//! regular file is replaced atomically, a device node survives (as root).

#![cfg(unix)]

use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

use nst::image::{ImageFormat, RgbImage};
use nst::io::*;

/// A FIFO made with `mkfifo`, or `None` (with the reason printed) where there is none.
fn fifo(path: &Path) -> Option<()> {
    match Command::new("mkfifo").arg(path).status() {
        Ok(status) if status.success() => Some(()),
        outcome => {
            eprintln!("skipped: mkfifo failed ({outcome:?})");
            None
        }
    }
}

/// The names in a folder, sorted (so that a stray temporary file shows).
fn names(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Runs `f` on another thread; fails the test (instead of hanging) if it takes over 10 s.
fn within_10_s<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || send.send(f()));
    receive
        .recv_timeout(Duration::from_secs(10))
        .expect("blocked for 10 s")
}

#[test]
fn a_fifo_is_written_as_a_stream_and_stays_a_fifo() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pipe");
    let Some(()) = fifo(&path) else { return };
    // Checking it opens nothing: with no reader, opening would block (or fail).
    let checked = path.clone();
    within_10_s(move || check_writable(&checked)).unwrap();
    assert_eq!(output_format(&path).unwrap(), ImageFormat::Png);
    assert!(matches!(
        Target::of(&path).unwrap(),
        Target::Stream {
            kind: StreamKind::Fifo,
            ..
        }
    ));

    let reader = path.clone();
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || send.send(fs::read(reader)));
    write_output(&path, |w| w.write_all(b"through the pipe")).unwrap();
    assert!(fs::symlink_metadata(&path).unwrap().file_type().is_fifo());
    let read = receive.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(read.unwrap(), b"through the pipe");
    assert_eq!(names(dir.path()), ["pipe"]);

    // A file that must be replaced atomically refuses it, without opening it.
    let refused = path.clone();
    let error = within_10_s(move || write_atomic(&refused, |w| w.write_all(b"x")));
    let message = error.unwrap_err().to_string();
    assert!(
        message.contains("it is a FIFO, not a regular file"),
        "{message}"
    );
    assert!(fs::symlink_metadata(&path).unwrap().file_type().is_fifo());
    assert!(staging_file(&path).is_err());
}

#[test]
fn a_symlink_stays_a_link_and_its_target_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.png");
    fs::write(&real, b"old").unwrap();
    let links = dir.path().join("links");
    fs::create_dir(&links).unwrap();
    let link = links.join("out.png");
    std::os::unix::fs::symlink("../real.png", &link).unwrap();

    check_writable(&link).unwrap();
    write_output(&link, |w| w.write_all(b"new")).unwrap();
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(fs::read_link(&link).unwrap(), Path::new("../real.png"));
    assert_eq!(fs::read(&real).unwrap(), b"new");
    assert_eq!(names(dir.path()), ["links", "real.png"]);
    assert_eq!(names(&links), ["out.png"]);

    // An image through the link, and the other public writers.
    save(&RgbImage::new(3, 2), &link).unwrap();
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(image::open(&real).unwrap().width(), 3);
    write_atomic(&link, |w| w.write_all(b"atomic")).unwrap();
    let mut staged = staging_file(&link).unwrap();
    staged.write_all(b"staged").unwrap();
    persist(staged, &link).unwrap();
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(fs::read(&real).unwrap(), b"staged");
    let mut log = open_in_place(&link).unwrap();
    log.write_all(b"line\n").unwrap();
    drop(log);
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(fs::read(&real).unwrap(), b"line\n");
    assert_eq!(names(dir.path()), ["links", "real.png"]);
}

#[test]
fn a_dangling_symlink_creates_its_target_if_its_folder_exists() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("out.png");
    std::os::unix::fs::symlink("made.png", &link).unwrap();
    write_output(&link, |w| w.write_all(b"bytes")).unwrap();
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(fs::read(dir.path().join("made.png")).unwrap(), b"bytes");

    let nowhere = dir.path().join("nowhere.png");
    std::os::unix::fs::symlink("missing/out.png", &nowhere).unwrap();
    let message = check_writable(&nowhere).unwrap_err().to_string();
    assert!(
        message.contains("nowhere.png: it is a symlink to")
            && message.contains("missing/out.png, whose folder does not exist"),
        "{message}"
    );
    assert!(!message.contains('\n'));
    assert!(write_output(&nowhere, |w| w.write_all(b"x")).is_err());
    assert_eq!(names(dir.path()), ["made.png", "nowhere.png", "out.png"]);
}

#[test]
fn a_regular_file_is_replaced_atomically_keeping_its_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.bin");
    fs::write(&path, b"old contents").unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
    // A second name for the old file: written in place, it would change too.
    let old = dir.path().join("old");
    fs::hard_link(&path, &old).unwrap();
    write_output(&path, |w| w.write_all(b"new")).unwrap();
    assert_eq!(fs::read(&path).unwrap(), b"new");
    assert_eq!(fs::read(&old).unwrap(), b"old contents");
    let metadata = fs::symlink_metadata(&path).unwrap();
    assert!(metadata.file_type().is_file());
    assert_eq!(
        metadata.permissions().mode() & 0o777,
        0o600,
        "the replaced file's mode"
    );
    assert_eq!(names(dir.path()), ["old", "out.bin"]);

    // A failed write leaves the file alone and no temporary file behind.
    let failed = write_output(&path, |w| {
        w.write_all(b"partial")?;
        Err(io::Error::other("the encoder failed"))
    });
    let message = format!("{}", failed.unwrap_err());
    assert_eq!(message, format!("cannot write {}", path.display()));
    assert_eq!(fs::read(&path).unwrap(), b"new");
    assert_eq!(names(dir.path()), ["old", "out.bin"]);
}

#[test]
fn folders_and_missing_folders_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let error = check_writable(dir.path()).unwrap_err();
    assert!(
        format!("{:?}", error).contains("it is a folder"),
        "{error:?}"
    );
    assert!(check_writable(&dir.path().join("missing/out.png")).is_err());
    assert!(write_output(dir.path(), |w| w.write_all(b"x")).is_err());
    assert!(names(dir.path()).is_empty());
}

#[test]
fn a_dash_is_standard_output_and_a_png() {
    assert_eq!(Target::of(Path::new("-")).unwrap(), Target::Stdout);
    assert_eq!(output_format(Path::new("-")).unwrap(), ImageFormat::Png);
    assert!(check_writable(Path::new("-")).is_ok());
    let error = write_atomic(Path::new("-"), |w| w.write_all(b"x")).unwrap_err();
    assert!(
        error.to_string().contains("it is standard output"),
        "{error}"
    );
    // A file without an extension has no format; `./-` is a file.
    assert!(output_format(Path::new("/nonexistent/out")).is_err());
    assert!(matches!(Target::of(Path::new("./-")), Ok(Target::File(_))));
}

/// Whether this process runs as root, from `/proc/self/status`'s `Uid:` line.
fn is_root() -> bool {
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    let uid = status.lines().find_map(|l| l.strip_prefix("Uid:"));
    uid.and_then(|uid| uid.split_whitespace().next()) == Some("0")
}

#[test]
fn a_character_device_is_written_in_place_and_survives() {
    if !is_root() {
        eprintln!("skipped: not root, so mknod cannot make a device node");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let null = dir.path().join("null");
    let made = Command::new("mknod")
        .arg(&null)
        .args(["c", "1", "3"])
        .status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: mknod failed (no CAP_MKNOD in this container?)");
        return;
    }
    if let Err(e) = OpenOptions::new().write(true).open(&null) {
        eprintln!("skipped: the device node cannot be opened here ({e}: a nodev mount?)");
        return;
    }
    check_writable(&null).unwrap();
    assert_eq!(output_format(&null).unwrap(), ImageFormat::Png);
    save_with_text(&RgbImage::new(4, 4), &null, &[("nst:recipe", "{}")]).unwrap();
    write_output(&null, |w| w.write_all(b"into the void")).unwrap();
    let mut log = open_in_place(&null).unwrap();
    log.write_all(b"a line\n").unwrap();
    drop(log);
    let metadata = fs::symlink_metadata(&null).unwrap();
    assert!(metadata.file_type().is_char_device());
    assert_eq!(names(dir.path()), ["null"]);
    let message = write_atomic(&null, |w| w.write_all(b"x"))
        .unwrap_err()
        .to_string();
    assert!(message.contains("it is a character device"), "{message}");
}
