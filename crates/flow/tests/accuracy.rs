//! Endpoint errors on synthetic pairs with exactly known flow.

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
    check("translation", &translation(&p, 256, 160, 3.3, -1.7), 10.0);
}

#[test]
fn zoom() {
    let p = photo("hubble_deep_field.jpg");
    check("zoom", &similarity(&p, 256, 160, 1.05, 0.0), 10.0);
}

#[test]
fn rotation() {
    let p = photo("chelsea.png");
    check(
        "rotation",
        &similarity(&p, 256, 160, 1.0, 3f64.to_radians()),
        10.0,
    );
}

#[test]
fn moving_object_over_still_background() {
    let (b, o) = (photo("chelsea.png"), photo("hubble_deep_field.jpg"));
    check(
        "moving object",
        &moving_object(&b, &o, 256, 160, (60.0, 40.0), 64.0, (6.0, 3.0)),
        10.0,
    );
}
