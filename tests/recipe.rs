//! A recipe is data: reading one opens no file it names, and recipes written before nst 0.2
//! (with paths inside the configuration) still read.

use std::path::{Path, PathBuf};

use nst::recipe::Recipe;
use nst::{Init, Preset};

/// A recipe that names an existing file that is no image, a missing file and missing weights,
/// in the old form (weights, tile and initial image inside the configuration).
#[test]
fn reading_a_recipe_opens_none_of_the_files_it_names() {
    let not_an_image = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let mut config = serde_json::to_value(Preset::Gatys.config()).unwrap();
    let config_fields = config.as_object_mut().unwrap();
    config_fields.insert("weights".into(), "/nonexistent/vgg16.onnx".into());
    config_fields.insert("tile".into(), 256.into());
    config_fields.insert(
        "init".into(),
        serde_json::json!({ "image": not_an_image.to_str().unwrap() }),
    );
    let json = serde_json::json!({
        "nst_version": "0.1.0",
        "config": config,
        "content": { "path": not_an_image, "sha256": "00" },
        "styles": [{ "path": "/nonexistent/style.png", "sha256": "11" }],
        "weights_sha256": "22",
        "backend": "cpu",
    });
    let recipe = Recipe::from_json(&json.to_string()).unwrap();
    assert_eq!(recipe.content.path.as_deref(), Some(not_an_image.as_path()));
    assert_eq!(
        recipe.styles[0].path,
        Some(PathBuf::from("/nonexistent/style.png"))
    );
    assert_eq!(*recipe.config.init(), Init::Image);
    let init = recipe
        .init_image
        .expect("the initial image moved to the recipe");
    assert_eq!(init.path.as_deref(), Some(not_an_image.as_path()));
    assert_eq!(
        init.sha256, "",
        "old recipes did not hash the initial image"
    );
    assert_eq!(recipe.tile, Some(256));
    assert_eq!(
        recipe.weights,
        Some(PathBuf::from("/nonexistent/vgg16.onnx"))
    );
    assert_eq!(
        recipe.config,
        Preset::Gatys.builder().init(Init::Image).build().unwrap()
    );
}

/// A recipe's configuration is validated as it is read: one that no run could use is refused.
#[test]
fn an_invalid_configuration_in_a_recipe_is_refused() {
    let mut config = serde_json::to_value(Preset::Fast.config()).unwrap();
    config["style_weight"] = (-1.0).into();
    let json = serde_json::json!({
        "nst_version": "0.1.0",
        "config": config,
        "content": { "path": null, "sha256": "00" },
        "styles": [],
        "weights_sha256": "22",
        "backend": "cpu",
    });
    let error = Recipe::from_json(&json.to_string()).unwrap_err();
    assert!(error.to_string().contains("style_weight"), "{error}");
}

/// The gallery's PNGs were written before nst 0.2: their recipes still read.
#[test]
fn the_gallerys_old_recipes_read() {
    let gallery = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/gallery");
    for name in ["fast.png", "gatys.png", "masked.png"] {
        let recipe = Recipe::read(&gallery.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            recipe.weights.is_some(),
            "{name}: the weights' path moved out of the config"
        );
        assert_eq!(recipe.weights_sha256, nst::weights::ONNX_SHA256, "{name}");
    }
}

/// A recipe that leaves the machine names files relative to a folder, or by name alone, never
/// by the folders they sit in; it keeps every hash.
#[test]
fn a_recipe_relative_to_a_folder_reveals_no_absolute_path() {
    let json = serde_json::json!({
        "nst_version": "0.1.0",
        "config": Preset::Gatys.builder().init(Init::Image).build().unwrap(),
        "content": { "path": "/srv/nst/uploads/3f2a.png", "sha256": "00" },
        "styles": [
            { "path": "/srv/nst/uploads/styles/9c1d.jpg", "sha256": "11" },
            { "sha256": "12" },
        ],
        "style_masks": [
            { "path": "/srv/nst/uploads/m1.png", "sha256": "21" },
            { "path": "/home/someone/mask.png", "sha256": "22" },
        ],
        "init_image": { "path": "/srv/nst/uploads/result-7.png", "sha256": "33" },
        "weights": "/root/.cache/nst/vgg16.onnx",
        "weights_sha256": "44",
        "backend": "cpu",
    });
    let recipe = Recipe::from_json(&json.to_string()).unwrap();
    let local = recipe.with_paths_relative_to(Path::new("/srv/nst/uploads"));
    let path = |input: &nst::recipe::Input| input.path.clone();
    let named = |name: &str| Some(PathBuf::from(name));
    assert_eq!(path(&local.content), named("3f2a.png"));
    let styles: Vec<_> = local.styles.iter().map(path).collect();
    assert_eq!(styles, [named("styles/9c1d.jpg"), None]);
    let masks: Vec<_> = local.style_masks.iter().map(path).collect();
    assert_eq!(masks, [named("m1.png"), named("mask.png")]);
    assert_eq!(
        local.init_image.as_ref().and_then(path),
        named("result-7.png")
    );
    assert_eq!(local.weights, named("vgg16.onnx"));
    let json = local.to_json().unwrap();
    for folder in ["/srv", "/home", "/root"] {
        assert!(!json.contains(folder), "{json}");
    }
    let hashes = |r: &Recipe| {
        let inputs = [&r.content]
            .into_iter()
            .chain(&r.styles)
            .chain(&r.style_masks);
        let mut hashes: Vec<_> = inputs
            .chain(&r.init_image)
            .map(|i| i.sha256.clone())
            .collect();
        hashes.push(r.weights_sha256.clone());
        hashes
    };
    assert_eq!(hashes(&local), hashes(&recipe));
    assert_eq!(local.config, recipe.config);
}
