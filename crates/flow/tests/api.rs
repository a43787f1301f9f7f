//! Sizes, errors and determinism of `flow`.

mod common;

use image::RgbImage;
use nst_flow::{Error, Flow, FlowOptions, flow, flow_with};

#[test]
fn flow_new_checks_lengths() {
    assert!(matches!(
        Flow::new(3, 2, vec![0.0; 6], vec![0.0; 5]),
        Err(Error::BadLength { component: "v", .. })
    ));
    assert!(matches!(
        Flow::new(3, 2, vec![0.0; 7], vec![0.0; 6]),
        Err(Error::BadLength { component: "u", .. })
    ));
    let f = Flow::new(3, 2, (0..6).map(|x| x as f32).collect(), vec![1.0; 6]).expect("lengths");
    assert_eq!(f.at(2, 1), [5.0, 1.0]);
    assert_eq!((f.width(), f.height()), (3, 2));
}

#[test]
fn different_sizes_are_an_error() {
    let (a, b) = (RgbImage::new(10, 8), RgbImage::new(8, 10));
    assert!(matches!(flow(&a, &b), Err(Error::SizeMismatch { .. })));
    assert!(matches!(
        flow(&RgbImage::new(0, 3), &RgbImage::new(0, 3)),
        Err(Error::TooSmall { .. })
    ));
}

#[test]
fn any_small_size_works() {
    let p = common::photo("chelsea.png");
    for (w, h) in [
        (1, 1),
        (1, 7),
        (7, 1),
        (2, 2),
        (3, 5),
        (8, 8),
        (9, 17),
        (31, 4),
        (40, 33),
    ] {
        let pair = common::translation(&p, w, h, 0.6, 0.3);
        let f = flow(&pair.from, &pair.to).expect("same size");
        assert_eq!((f.width(), f.height()), (w, h));
        assert!(f.u().iter().chain(f.v()).all(|x| x.is_finite()), "{w}×{h}");
    }
}

#[test]
fn bit_identical_across_thread_counts() {
    let p = common::photo("hubble_deep_field.jpg");
    let pair = common::similarity(&p, 200, 120, 1.04, 0.03);
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("thread pool")
            .install(|| {
                flow_with(&pair.from, &pair.to, &FlowOptions::default()).expect("same size")
            })
    };
    let one = run(1);
    for threads in [2, 3] {
        let other = run(threads);
        let bits = |f: &Flow| {
            f.u()
                .iter()
                .chain(f.v())
                .map(|x| x.to_bits())
                .collect::<Vec<_>>()
        };
        assert_eq!(bits(&one), bits(&other), "{threads} threads");
    }
}
