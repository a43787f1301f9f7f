//! Properties over random small inputs: no panics, finite flows, reliability in [0, 1].

use image::{Rgb32FImage, RgbImage};
use nst_flow::{Flow, flow, reliability, warp};
use proptest::prelude::*;

fn frame(w: u32, h: u32, bytes: &[u8]) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        let k = 3 * (y * w + x) as usize;
        image::Rgb([
            bytes[k % bytes.len()],
            bytes[(k + 1) % bytes.len()],
            bytes[(k + 2) % bytes.len()],
        ])
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn flow_of_random_small_frames_is_finite(
        w in 1u32..24,
        h in 1u32..24,
        a in proptest::collection::vec(any::<u8>(), 1..64),
        b in proptest::collection::vec(any::<u8>(), 1..64),
    ) {
        let f = flow(&frame(w, h, &a), &frame(w, h, &b)).expect("same size");
        prop_assert_eq!((f.width(), f.height()), (w, h));
        prop_assert!(f.u().iter().chain(f.v()).all(|x| x.is_finite()));
    }

    #[test]
    fn reliability_is_in_unit_interval_and_warp_keeps_the_range(
        w in 1u32..16,
        h in 1u32..16,
        values in proptest::collection::vec(-40.0f32..40.0, 4..64),
    ) {
        let n = (w * h) as usize;
        let pick = |offset: usize| (0..n).map(|k| values[(k + offset) % values.len()]).collect::<Vec<_>>();
        let forward = Flow::new(w, h, pick(0), pick(1)).expect("lengths");
        let inverse = Flow::new(w, h, pick(2), pick(3)).expect("lengths");
        let c = reliability(&forward, &inverse).expect("same size");
        prop_assert!(c.as_raw().iter().all(|x| (0.0..=1.0).contains(x)));
        let image = Rgb32FImage::from_fn(w, h, |x, y| image::Rgb([x as f32, y as f32, 1.0]));
        let out = warp(&image, &forward).expect("same size");
        prop_assert!(out.pixels().all(|p| p[0] >= 0.0 && p[0] <= (w - 1) as f32 && p[1] >= 0.0 && p[1] <= (h - 1) as f32 && p[2] == 1.0));
    }
}
