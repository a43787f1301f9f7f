//! Property tests: validation accepts exactly the configurations a run can use, and no input
//! to a public function that needs no model (config, JSON, scales, estimates) panics.

use nst_transfer::{
    Init, Layer, MultiScale, Optimizer, PreserveColors, StyleTransferConfig,
    StyleTransferConfigBuilder, Weighting,
};
use proptest::collection::vec;
use proptest::prelude::*;

/// Mostly a value from `usual`, sometimes an awkward one.
fn sometimes_odd(usual: std::ops::Range<f64>) -> impl Strategy<Value = f64> {
    prop_oneof![
        40 => usual,
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(-1.0),
        1 => Just(0.0),
        1 => any::<f64>(),
    ]
}

fn number() -> impl Strategy<Value = f64> {
    sometimes_odd(0.0..100.0)
}

/// Up to three layers, at least `min`.
fn layers(min: usize) -> impl Strategy<Value = Vec<Layer>> {
    vec(0usize..13, min..4)
        .prop_map(|indices| indices.into_iter().filter_map(Layer::from_index).collect())
}

prop_compose! {
    fn config()(
        content_layers in layers(0),
        style_layers in prop_oneof![4 => layers(1), 1 => layers(0)],
        style_layer_weights in prop_oneof![3 => Just(None), 1 => vec(number(), 0..4).prop_map(Some)],
        weights in (number(), number(), number()),
        (step_size, step_decay, average) in (number(), number(), sometimes_odd(0.0..1.0)),
        history in 0usize..3,
        optimizer in prop_oneof![Just(Optimizer::NormalizedDescent), Just(Optimizer::Adam), Just(Optimizer::Lbfgs)],
        weighting in prop_oneof![Just(Weighting::Normalized), Just(Weighting::Initial), Just(Weighting::Raw)],
        size in proptest::option::of(0u32..5000),
        style_scale in number(),
        style_blend in prop_oneof![3 => Just(None), 1 => vec(number(), 0..3).prop_map(Some)],
        noise in prop_oneof![4 => (0f32..100.0, 150f32..255.0), 1 => (any::<f32>(), any::<f32>())],
        multiscale in proptest::option::of((0u32..600, prop_oneof![number(), 1.0f64..1.2], proptest::option::of(0usize..5))),
        preserve in prop_oneof![Just(None), Just(Some(PreserveColors::Luminance)), Just(Some(PreserveColors::Histogram))],
    ) -> StyleTransferConfigBuilder {
        StyleTransferConfig::builder()
            .content_layers(content_layers)
            .style_layers(style_layers)
            .style_layer_weights(style_layer_weights)
            .content_weight(weights.0)
            .style_weight(weights.1)
            .denoise_weight(weights.2)
            .step_size(step_size)
            .step_decay(step_decay)
            .average(average)
            .history(history)
            .optimizer(optimizer)
            .weighting(weighting)
            .size(size)
            .style_scale(style_scale)
            .style_blend(style_blend)
            .init(Init::Noise { low: noise.0, high: noise.1 })
            .multiscale(multiscale.map(|(start, factor, iterations_per_scale)| MultiScale {
                start,
                factor,
                iterations_per_scale,
            }))
            .preserve_colors(preserve)
    }
}

/// How many generated configurations were valid, so that the property is not vacuous.
static VALID: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

#[test]
fn a_fair_share_of_generated_configurations_is_valid() {
    validation_accepts_only_usable_configurations();
    let valid = VALID.load(std::sync::atomic::Ordering::Relaxed);
    assert!(valid >= 200, "only {valid} of 2000 were valid");
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::with_cases(2000) })]

    #[test]
    fn validation_accepts_only_usable_configurations(builder in config()) {
        let cfg = match builder.build() {
            Ok(cfg) => cfg,
            Err(error) => {
                // Invalid: the error names a field, in one line.
                let message = error.to_string();
                prop_assert!(message.starts_with("invalid configuration: ") && !message.contains('\n'));
                return Ok(());
            }
        };
        VALID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let usable = |w: f64| w.is_finite() && w >= 0.0;
        prop_assert!(!cfg.style_layers().is_empty());
        prop_assert!(usable(cfg.content_weight()) && usable(cfg.style_weight()) && usable(cfg.denoise_weight()));
        prop_assert!(cfg.content_weight() + cfg.style_weight() + cfg.denoise_weight() > 0.0);
        prop_assert!(cfg.content_weight() == 0.0 || !cfg.content_layers().is_empty());
        prop_assert!(cfg.step_size().is_finite() && cfg.step_size() > 0.0);
        prop_assert!(cfg.step_decay().is_finite() && cfg.step_decay() > 0.0);
        prop_assert!((0.0..1.0).contains(&cfg.average()));
        prop_assert!(cfg.style_scale().is_finite() && cfg.style_scale() > 0.0);
        prop_assert!(cfg.size() != Some(0));
        if cfg.optimizer() == Optimizer::Lbfgs {
            prop_assert!(cfg.history() > 0 && cfg.weighting() != Weighting::Normalized);
        }
        if let Some(w) = &cfg.style_layer_weights() {
            prop_assert!(w.len() == cfg.style_layers().len() && w.iter().all(|&v| usable(v)));
        }
        if let Some(blend) = &cfg.style_blend() {
            prop_assert!(blend.iter().all(|&v| usable(v)) && blend.iter().sum::<f64>() > 0.0);
        }
        if let Init::Noise { low, high } = cfg.init() {
            prop_assert!(low.is_finite() && high.is_finite() && low < high);
        }
        if let Some(multiscale) = &cfg.multiscale() {
            prop_assert!(multiscale.start > 0 && multiscale.factor >= 1.05);
            // The scales grow and end at the size.
            let last = cfg.size().unwrap_or(4000);
            let sides = multiscale.sides(last);
            prop_assert_eq!(sides.last().copied(), Some(last));
            prop_assert!(sides.windows(2).all(|w| w[0] < w[1]), "{:?}", sides);
            prop_assert!(sides.len() <= 64);
        }
        // A valid config survives JSON.
        let json = serde_json::to_string(&cfg).unwrap();
        let back: StyleTransferConfig = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(serde_json::to_string(&back).unwrap(), json);
    }

    #[test]
    fn any_json_is_parsed_or_refused_without_panicking(json in ".{0,200}") {
        // Deserialising validates: whatever parses is a configuration a run can use.
        if let Ok(cfg) = serde_json::from_str::<StyleTransferConfig>(&json) {
            prop_assert!(!cfg.style_layers().is_empty());
        }
    }

    #[test]
    fn json_fields_with_odd_values_are_refused_or_validated(
        key in prop_oneof![Just("size"), Just("iterations"), Just("style_weight"), Just("average"), Just("multiscale"), Just("style_layers"), Just("init")],
        value in prop_oneof![Just("null".to_owned()), Just("-1".to_owned()), Just("1e400".to_owned()), Just("\"conv9_9\"".to_owned()), Just("[]".to_owned()), Just("{}".to_owned()), any::<i64>().prop_map(|v| v.to_string())],
    ) {
        let json = format!("{{\"{key}\": {value}}}");
        // Deserialising validates: whatever parses is a configuration a run can use.
        if let Ok(cfg) = serde_json::from_str::<StyleTransferConfig>(&json) {
            prop_assert!(!cfg.style_layers().is_empty());
        }
    }

    #[test]
    fn estimates_never_panic(
        width in 1u32..200_000, height in 1u32..200_000, size in proptest::option::of(1u32..u32::MAX),
        budget in any::<u64>(),
    ) {
        let cfg = StyleTransferConfig::builder().size(size).build().unwrap();
        let estimate = cfg.memory_estimate((width, height), None);
        prop_assert!(estimate.bytes > 0);
        if let Some(side) = cfg.largest_size_within((width, height), budget, None) {
            let fitted = cfg.to_builder().size(Some(side)).build().unwrap();
            prop_assert!(fitted.memory_estimate((width, height), None).bytes <= budget);
        }
    }
}
