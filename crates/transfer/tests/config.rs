//! Configuration defaults, validation and serialisation.

use nst_transfer::{Init, Layer, StyleTransferConfig};

#[test]
fn defaults_are_the_seed_recipe() {
    let cfg = StyleTransferConfig::default();
    assert_eq!(cfg.content_layers, [Layer::parse("conv3_1").unwrap()]);
    assert_eq!(cfg.style_layers.len(), 13);
    assert_eq!(
        (cfg.content_weight, cfg.style_weight, cfg.denoise_weight),
        (1.5, 10.0, 0.3)
    );
    assert_eq!(cfg.step_size, 10.0);
    assert_eq!(
        cfg.init,
        Init::Noise {
            low: 128.0,
            high: 129.0
        }
    );
    assert_eq!((cfg.seed, cfg.size), (0, Some(512)));
    cfg.validate().unwrap();
}

#[test]
fn invalid_configurations_are_rejected_with_the_field_named() {
    let cases: [(&str, StyleTransferConfig); 7] = [
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
