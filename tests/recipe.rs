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
