//! Configuration defaults, validation and serialisation.

use nst_transfer::{Init, Layer, MultiScale, Optimizer, Preset, StyleTransferConfig, Weighting};

#[test]
fn defaults_are_the_fast_preset() {
    let cfg = StyleTransferConfig::default();
    assert_eq!(cfg.content_layers, [Layer::parse("conv3_1").unwrap()]);
    assert_eq!(cfg.style_layers.len(), 13);
    assert_eq!(
        (cfg.content_weight, cfg.style_weight, cfg.denoise_weight),
        (1.5, 60.0, 0.3)
    );
    assert_eq!((cfg.step_size, cfg.average, cfg.iterations), (10.0, 0.0, 8));
    assert_eq!(cfg.optimizer, Optimizer::Lbfgs);
    assert_eq!(cfg.weighting, Weighting::Initial);
    let multiscale = cfg.multiscale.clone().unwrap();
    assert_eq!(
        (multiscale.start, multiscale.iterations_per_scale),
        (128, Some(16))
    );
    assert_eq!(multiscale.sides(512), [128, 181, 256, 362, 512]);
    assert_eq!(
        cfg.init,
        Init::Noise {
            low: 128.0,
            high: 129.0
        }
    );
    assert_eq!((cfg.seed, cfg.size), (0, Some(512)));
    cfg.validate().unwrap();

    // The previous default: 100 full-size iterations of normalised descent.
    let normalized = Preset::Normalized.config();
    assert_eq!(
        (
            normalized.style_weight,
            normalized.iterations,
            normalized.multiscale.clone()
        ),
        (10.0, 100, None)
    );
    assert_eq!((normalized.step_decay, normalized.average), (0.1, 0.9));
    assert_eq!(normalized.optimizer, Optimizer::NormalizedDescent);
    assert_eq!(normalized.weighting, Weighting::Normalized);
    normalized.validate().unwrap();
}

#[test]
fn invalid_configurations_are_rejected_with_the_field_named() {
    let normalized = Preset::Normalized.config();
    let cases: [(&str, StyleTransferConfig); 13] = [
        (
            "weighting",
            StyleTransferConfig {
                optimizer: Optimizer::Lbfgs,
                ..normalized.clone()
            },
        ),
        (
            "weighting",
            StyleTransferConfig {
                multiscale: Some(MultiScale::default()),
                ..normalized
            },
        ),
        (
            "average",
            StyleTransferConfig {
                average: 1.0,
                ..Default::default()
            },
        ),
        (
            "step_decay",
            StyleTransferConfig {
                step_decay: 0.0,
                ..Default::default()
            },
        ),
        (
            "style_blend",
            StyleTransferConfig {
                style_blend: Some(vec![0.0, 0.0]),
                ..Default::default()
            },
        ),
        (
            "multiscale.factor",
            StyleTransferConfig {
                multiscale: Some(MultiScale {
                    factor: 1.0,
                    ..Default::default()
                }),
                ..Default::default()
            },
        ),
        (
            "style_layers",
            StyleTransferConfig {
                style_layers: vec![],
                ..Default::default()
            },
        ),
        (
            "style_weight",
            StyleTransferConfig {
                style_weight: -1.0,
                ..Default::default()
            },
        ),
        (
            "content_weight",
            StyleTransferConfig {
                content_weight: f64::NAN,
                ..Default::default()
            },
        ),
        (
            "size",
            StyleTransferConfig {
                size: Some(0),
                ..Default::default()
            },
        ),
        (
            "step_size",
            StyleTransferConfig {
                step_size: 0.0,
                ..Default::default()
            },
        ),
        (
            "style_scale",
            StyleTransferConfig {
                style_scale: -2.0,
                ..Default::default()
            },
        ),
        (
            "style_layer_weights",
            StyleTransferConfig {
                style_layer_weights: Some(vec![1.0]),
                ..Default::default()
            },
        ),
    ];
    for (field, cfg) in cases {
        let error = cfg.validate().unwrap_err().to_string();
        assert!(error.contains(field), "{field}: {error}");
    }
    let error = StyleTransferConfig::builder()
        .style_layers_by_name("conv1_1,conv9_9")
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("conv9_9"), "{error}");
}

#[test]
fn the_config_round_trips_through_json() {
    let cfg = StyleTransferConfig::builder()
        .style_layers_by_name("conv1_1,4")
        .init(Init::Content)
        .build()
        .unwrap();
    let json = serde_json::to_string(&cfg).unwrap();
    assert!(
        json.contains(r#""style_layers":["conv1_1","conv3_1"]"#),
        "{json}"
    );
    let back: StyleTransferConfig = serde_json::from_str(&json).unwrap();
    assert_eq!(serde_json::to_string(&back).unwrap(), json);
    assert!(serde_json::from_str::<StyleTransferConfig>(r#"{"stile_weight": 1}"#).is_err());
}

#[test]
fn the_gatys_preset_is_the_paper_as_neural_style_runs_it() {
    let cfg = Preset::Gatys.config();
    let names = |layers: &[Layer]| layers.iter().map(|l| l.name()).collect::<Vec<_>>();
    assert_eq!(names(&cfg.content_layers), ["conv4_2"]);
    assert_eq!(
        names(&cfg.style_layers),
        ["conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1"]
    );
    assert!(cfg.gram_normalize);
    assert_eq!(cfg.init, Init::Content);
    assert_eq!(
        (cfg.optimizer, cfg.weighting),
        (Optimizer::Lbfgs, Weighting::Raw)
    );
    // neural-style's 5, 100 (per layer, summed over 5 layers) and 1e-3.
    assert_eq!(
        (cfg.content_weight, cfg.style_weight, cfg.denoise_weight),
        (5.0, 500.0, 1e-3)
    );
    cfg.validate().unwrap();
    // Any field can be overridden.
    let adam = Preset::Gatys
        .builder()
        .optimizer(Optimizer::Adam)
        .build()
        .unwrap();
    assert_eq!(
        (adam.optimizer, adam.style_weight),
        (Optimizer::Adam, 500.0)
    );
    assert_eq!("GATYS".parse::<Preset>().unwrap(), Preset::Gatys);
    assert!("vangogh".parse::<Preset>().is_err());
}
