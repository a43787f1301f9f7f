//! The memory estimate against the peak resident memory of real runs: `nst ARGS
//! --print-memory-estimate` against the `ru_maxrss` of `nst ARGS` (the kernel's exact count
//! of the child's peak, read with `wait4`), on the CPU.
//!
//! The estimate must be at least the peak (it refuses or tiles runs that would not fit) and
//! at most 1.5 times it (beyond that it refuses runs that would fit): [`check`].
//!
//! `points_in_ci` runs a few small points; the whole grid, printed as BENCHMARKS.md's table:
//!
//! ```text
//! cargo test --release -p nst-cli --features nst/ndarray --test memory -- --ignored --nocapture
//! ```
//!
//! (the content tubingen.jpg and the styles starry_night.jpg and golden_gate.jpg from
//! `$NST_IMAGES`, by default the workspace's `../shared/images`).
#![cfg(target_os = "linux")]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

mod common;

use common::{fixture, weights};

/// The largest ratio of estimate to peak accepted: a refused run that would have fit costs
/// the user a smaller image, so the estimate may not be more than half again too large.
const MOST_OVER: f64 = 1.5;

/// One run's estimate and measured peak, in bytes.
struct Measured {
    estimate: u64,
    peak: u64,
}

impl Measured {
    fn ratio(&self) -> f64 {
        self.estimate as f64 / self.peak as f64
    }
}

/// `nst ARGS` on the CPU: its estimate, then its peak resident memory.
fn measure(args: &[String]) -> Measured {
    let base = ["--backend", "cpu"].map(String::from);
    let output = Command::new(env!("CARGO_BIN_EXE_nst"))
        .env("NST_VGG16_ONNX", weights())
        .args(&base)
        .args(args)
        .arg("--print-memory-estimate")
        .output()
        .expect("nst starts");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    // `memory estimate: W×H, N bytes (G GiB)`
    let estimate = stdout
        .split(", ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no estimate in {stdout:?}"));
    let dir = tempfile::tempdir().unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_nst"))
        .env("NST_VGG16_ONNX", weights())
        .args(&base)
        .args(args)
        .arg("-o")
        .arg(dir.path().join("out.png"))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("nst starts");
    let (status, peak) = wait_peak(child);
    assert!(status == 0, "{args:?} exited with wait status {status}");
    Measured { estimate, peak }
}

/// Reaps `child`: its wait status and its peak resident memory in bytes.
fn wait_peak(child: Child) -> (i32, u64) {
    let pid = child.id();
    let mut status = 0;
    // SAFETY: `rusage` is plain data that `wait4` fills; `pid` is our child, not yet reaped.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let reaped = unsafe { libc::wait4(pid as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(reaped, pid as libc::pid_t, "wait4 failed");
    // Linux counts `ru_maxrss` in KiB.
    (status, usage.ru_maxrss as u64 * 1024)
}

/// Measures `args` and asserts the estimate is within [peak, 1.5 × peak]; returns the row of
/// BENCHMARKS.md's table.
fn check(label: &str, args: &[String]) -> String {
    let measured = measure(args);
    let mib = |bytes: u64| bytes as f64 / f64::from(1u32 << 20);
    let row = format!(
        "| {label} | {:.0} | {:.0} | {:.2} |",
        mib(measured.estimate),
        mib(measured.peak),
        measured.ratio()
    );
    println!("{row}");
    assert!(
        measured.estimate >= measured.peak && measured.ratio() <= MOST_OVER,
        "{label}: estimate {} MiB, peak {} MiB ({args:?})",
        mib(measured.estimate),
        mib(measured.peak)
    );
    row
}

/// `words`, split on spaces.
fn args(words: &str) -> Vec<String> {
    words.split_whitespace().map(String::from).collect()
}

/// A few points on the embedded images (the cat, *Starry Night*), 1–4 iterations each: the
/// default preset, gatys with L-BFGS's pairs, two styles at style scale 2, tiles.
#[test]
fn points_in_ci() {
    let second = fixture("../../assets/retina.jpg");
    let second = second.to_str().unwrap();
    let starry = fixture("../../assets/starry_night.jpg");
    let starry = starry.to_str().unwrap();
    let points = [
        (
            "fast 256",
            args("--preset fast --size 256 --iterations 2 --iterations-per-scale 2"),
        ),
        (
            "gatys 256, history 4",
            args("--preset gatys --size 256 --iterations 4 --history 4"),
        ),
        (
            "normalized 192, 2 styles, style scale 2",
            args(&format!(
                "--preset normalized --size 192 --iterations 2 --style {starry},{second} \
                 --style-scale 2"
            )),
        ),
        (
            "gatys 320, tile 128",
            args("--preset gatys --size 320 --iterations 1 --tile 128"),
        ),
    ];
    for (label, args) in points {
        check(label, &args);
    }
}

/// The grid of BENCHMARKS.md ("Memory estimates"): sizes 128–768, the three presets, L-BFGS
/// histories, style scales 1 and 2, tiles, two styles, the sliced, histogram and W2 losses,
/// Adam. `STYLE2` stands for the second style.
const GRID: [(&str, &str); 21] = [
    (
        "fast 128",
        "--preset fast --size 128 --iterations 2 --iterations-per-scale 2",
    ),
    (
        "gatys 128, history 8",
        "--preset gatys --size 128 --iterations 8 --history 8",
    ),
    (
        "fast 256",
        "--preset fast --size 256 --iterations 2 --iterations-per-scale 2",
    ),
    (
        "gatys 256, history 8",
        "--preset gatys --size 256 --iterations 8 --history 8",
    ),
    (
        "normalized 256",
        "--preset normalized --size 256 --iterations 3",
    ),
    (
        "gatys 256, style scale 2",
        "--preset gatys --size 256 --iterations 2 --style-scale 2",
    ),
    (
        "fast 256, style scale 2",
        "--preset fast --size 256 --iterations 2 --iterations-per-scale 2 --style-scale 2",
    ),
    (
        "gatys 256, 2 styles",
        "--preset gatys --size 256 --iterations 2 --style STYLE2",
    ),
    (
        "gatys 256, sliced",
        "--preset gatys --size 256 --iterations 2 --style-loss sliced",
    ),
    (
        "gatys 256, histogram",
        "--preset gatys --size 256 --iterations 2 --histogram-weight 1",
    ),
    (
        "gatys 256, adam, w2",
        "--preset gatys --size 256 --iterations 2 --optimizer adam --style-loss w2",
    ),
    (
        "fast 384",
        "--preset fast --size 384 --iterations 2 --iterations-per-scale 2",
    ),
    (
        "gatys 384, history 8",
        "--preset gatys --size 384 --iterations 8 --history 8",
    ),
    (
        "gatys 384, tile 256",
        "--preset gatys --size 384 --iterations 2 --tile 256",
    ),
    (
        "gatys 384, history 30",
        "--preset gatys --size 384 --iterations 30 --history 30",
    ),
    (
        "gatys 512, history 4",
        "--preset gatys --size 512 --iterations 4 --history 4",
    ),
    (
        "gatys 512, style scale 2",
        "--preset gatys --size 512 --iterations 2 --style-scale 2",
    ),
    (
        "gatys 512, 2 styles",
        "--preset gatys --size 512 --iterations 2 --style STYLE2",
    ),
    (
        "gatys 768",
        "--preset gatys --size 768 --iterations 2 --history 2",
    ),
    (
        "fast 512",
        "--preset fast --size 512 --iterations 2 --iterations-per-scale 1",
    ),
    (
        "gatys 768, tile 256",
        "--preset gatys --size 768 --iterations 2 --tile 256",
    ),
];

/// Every point of [`GRID`], printed as BENCHMARKS.md's table; fails at the end if any is out
/// of bounds.
#[test]
#[ignore = "the whole grid takes about 40 minutes on 2 busy cores"]
fn grid() {
    let images = std::env::var_os("NST_IMAGES").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/images"),
        PathBuf::from,
    );
    let image = |name: &str| images.join(name).to_str().unwrap().to_owned();
    let (content, starry, golden) = (
        image("tubingen.jpg"),
        image("starry_night.jpg"),
        image("golden_gate.jpg"),
    );
    let mut failures = Vec::new();
    println!("| run | estimate (MiB) | peak (MiB) | ratio |\n|---|---:|---:|---:|");
    for (label, options) in GRID {
        let styles = match options.contains("STYLE2") {
            true => format!("{starry},{golden}"),
            false => starry.clone(),
        };
        let options = options.replace("--style STYLE2", "");
        let all = args(&format!("--content {content} --style {styles} {options}"));
        if std::panic::catch_unwind(|| check(label, &all)).is_err() {
            failures.push(label);
        }
    }
    assert!(failures.is_empty(), "out of bounds: {failures:?}");
}
