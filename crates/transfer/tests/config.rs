//! Configuration defaults, validation and serialisation.

use nst_transfer::{
    Init, Layer, MultiScale, Optimizer, Preset, StyleTransferConfig, StyleTransferConfigBuilder,
    Weighting,
};

#[test]
fn defaults_are_the_fast_preset() {
    let cfg = StyleTransferConfig::default();
    assert_eq!(cfg.content_layers(), [Layer::parse("conv3_1").unwrap()]);
    assert_eq!(cfg.style_layers().len(), 13);
    assert_eq!(
        (
            cfg.content_weight(),
            cfg.style_weight(),
            cfg.denoise_weight()
        ),
        (1.5, 60.0, 0.3)
    );
    assert_eq!(
        (cfg.step_size(), cfg.average(), cfg.iterations()),
        (10.0, 0.0, 8)
    );
    assert_eq!(cfg.optimizer(), Optimizer::Lbfgs);
    assert_eq!(cfg.weighting(), Weighting::Initial);
    let multiscale = cfg.multiscale().unwrap();
    assert_eq!(
        (multiscale.start, multiscale.iterations_per_scale),
        (128, Some(16))
    );
    assert_eq!(multiscale.sides(512), [128, 181, 256, 362, 512]);
    assert_eq!(
        *cfg.init(),
        Init::Noise {
            low: 128.0,
            high: 129.0
        }
    );
    assert_eq!((cfg.seed(), cfg.size()), (0, Some(512)));

    // The previous default: 100 full-size iterations of normalised descent.
    let normalized = Preset::Normalized.config();
    assert_eq!(
        (
            normalized.style_weight(),
            normalized.iterations(),
            normalized.multiscale()
        ),
        (10.0, 100, None)
    );
    assert_eq!((normalized.step_decay(), normalized.average()), (0.1, 0.9));
    assert_eq!(normalized.optimizer(), Optimizer::NormalizedDescent);
    assert_eq!(normalized.weighting(), Weighting::Normalized);
}

#[test]
fn invalid_configurations_are_rejected_with_the_field_named() {
    let normalized = Preset::Normalized.config();
    let cases: [(&str, StyleTransferConfigBuilder); 13] = [
        (
            "weighting",
            normalized.clone().to_builder().optimizer(Optimizer::Lbfgs),
        ),
        (
            "weighting",
            normalized
                .to_builder()
                .multiscale(Some(MultiScale::default())),
        ),
        (
            "average",
            StyleTransferConfig::default().to_builder().average(1.0),
        ),
        (
            "step_decay",
            StyleTransferConfig::default().to_builder().step_decay(0.0),
        ),
        (
            "style_blend",
            StyleTransferConfig::default()
                .to_builder()
                .style_blend(Some(vec![0.0, 0.0])),
        ),
        (
            "multiscale.factor",
            StyleTransferConfig::default()
                .to_builder()
                .multiscale(Some(MultiScale {
                    factor: 1.0,
                    ..Default::default()
                })),
        ),
        (
            "style_layers",
            StyleTransferConfig::default()
                .to_builder()
                .style_layers(vec![]),
        ),
        (
            "style_weight",
            StyleTransferConfig::default()
                .to_builder()
                .style_weight(-1.0),
        ),
        (
            "content_weight",
            StyleTransferConfig::default()
                .to_builder()
                .content_weight(f64::NAN),
        ),
        (
            "size",
            StyleTransferConfig::default().to_builder().size(Some(0)),
        ),
        (
            "step_size",
            StyleTransferConfig::default().to_builder().step_size(0.0),
        ),
        (
            "style_scale",
            StyleTransferConfig::default()
                .to_builder()
                .style_scale(-2.0),
        ),
        (
            "style_layer_weights",
            StyleTransferConfig::default()
                .to_builder()
                .style_layer_weights(Some(vec![1.0])),
        ),
    ];
    for (field, builder) in cases {
        let error = builder.build().unwrap_err().to_string();
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
    // Deserialising validates: an invalid configuration is refused, with the field named.
    let error = serde_json::from_str::<StyleTransferConfig>(r#"{"style_weight": -1}"#).unwrap_err();
    assert!(error.to_string().contains("style_weight"), "{error}");
    // A recipe names no file: the initial image is given to the session, not read from here.
    let error =
        serde_json::from_str::<StyleTransferConfig>(r#"{"init": {"image": "/etc/passwd"}}"#);
    assert!(error.is_err());
    let image: StyleTransferConfig = serde_json::from_str(r#"{"init": "image"}"#).unwrap();
    assert_eq!(*image.init(), Init::Image);
}

#[test]
fn the_gatys_preset_is_the_paper_as_neural_style_runs_it() {
    let cfg = Preset::Gatys.config();
    let names = |layers: &[Layer]| layers.iter().map(|l| l.name()).collect::<Vec<_>>();
    assert_eq!(names(cfg.content_layers()), ["conv4_2"]);
    assert_eq!(
        names(cfg.style_layers()),
        ["conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1"]
    );
    assert!(cfg.gram_normalize());
    assert_eq!(*cfg.init(), Init::Content);
    assert_eq!(
        (cfg.optimizer(), cfg.weighting()),
        (Optimizer::Lbfgs, Weighting::Raw)
    );
    // neural-style's 5, 100 (per layer, summed over 5 layers) and 1e-3.
    assert_eq!(
        (
            cfg.content_weight(),
            cfg.style_weight(),
            cfg.denoise_weight()
        ),
        (5.0, 500.0, 1e-3)
    );
    // Any field can be overridden.
    let adam = Preset::Gatys
        .builder()
        .optimizer(Optimizer::Adam)
        .build()
        .unwrap();
    assert_eq!(
        (adam.optimizer(), adam.style_weight()),
        (Optimizer::Adam, 500.0)
    );
    assert_eq!("GATYS".parse::<Preset>().unwrap(), Preset::Gatys);
    assert!("vangogh".parse::<Preset>().is_err());
}
