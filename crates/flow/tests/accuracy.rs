//! Endpoint errors on synthetic 256×160 pairs with exactly known flow, made from the committed
//! photos. The bounds are about twice the errors measured with the default options (given
//! beside each), to catch regressions without depending on the last bit.

mod common;

use common::{epe, moving_object, photo, similarity, translation};
use nst_flow::flow;

fn check(name: &str, pair: &common::Pair, bound: f64) {
    let f = flow(&pair.from, &pair.to).expect("same-size frames");
    let e = epe(pair, &f);
    println!("{name}: EPE {e:.4} (bound {bound})");
    assert!(e <= bound, "{name}: EPE {e} > {bound}");
}

#[test]
fn sub_pixel_translation() {
    let p = photo("chelsea.png");
    // Measured 0.0661.
    check("translation", &translation(&p, 256, 160, 3.3, -1.7), 0.12);
}

#[test]
fn zoom() {
    let p = photo("hubble_deep_field.jpg");
    // Measured 0.0525.
    check("zoom", &similarity(&p, 256, 160, 1.05, 0.0), 0.10);
}

#[test]
fn rotation() {
    let p = photo("chelsea.png");
    check(
        "rotation",
        &similarity(&p, 256, 160, 1.0, 3f64.to_radians()),
        0.18, // measured 0.0979
    );
}

#[test]
fn moving_object_over_still_background() {
    let (b, o) = (photo("chelsea.png"), photo("hubble_deep_field.jpg"));
    check(
        "moving object",
        &moving_object(&b, &o, 256, 160, (60.0, 40.0), 64.0, (6.0, 3.0)),
        0.14, // measured 0.0742
    );
}

#[test]
fn large_translation_through_the_pyramid() {
    let p = photo("hubble_deep_field.jpg");
    // Measured 0.0846.
    check(
        "large translation",
        &translation(&p, 256, 160, -11.6, 6.35),
        0.16,
    );
}
