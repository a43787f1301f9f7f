//! Arbitrary text as a configuration (as a recipe carries it): parsed and validated, or
//! refused, never a panic; a valid one survives a JSON round trip and gives finite estimates.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nst_transfer::StyleTransferConfig;

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    // Deserialising validates: what parses is a valid configuration.
    let Ok(config) = serde_json::from_str::<StyleTransferConfig>(text) else {
        return;
    };
    let json = serde_json::to_string(&config).expect("a valid config serialises");
    let back: StyleTransferConfig = serde_json::from_str(&json).expect("and parses back");
    assert_eq!(serde_json::to_string(&back).expect("again"), json);
    let _ = config.layers();
    let _ = config.memory_estimate((4032, 3024), None);
    let _ = config.largest_size_within((4032, 3024), 8 << 30, Some(512));
    if let Some(multiscale) = config.multiscale() {
        let sides = multiscale.sides(config.size().unwrap_or(4032));
        assert!(sides.windows(2).all(|w| w[0] < w[1]));
    }
});
