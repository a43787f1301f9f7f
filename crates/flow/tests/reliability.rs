//! Ruder et al.'s reliability on flows with known occlusions.

use nst_flow::{Error, Flow, reliability};

fn constant(w: u32, h: u32, u: f32, v: f32) -> Flow {
    let n = (w * h) as usize;
    Flow::new(w, h, vec![u; n], vec![v; n]).expect("lengths")
}

#[test]
fn consistent_translation_is_reliable_inside_and_zero_outside() {
    // Every pixel moves 5 to the right; the way back moves 5 to the left.
    let c =
        reliability(&constant(40, 30, 5.0, 0.0), &constant(40, 30, -5.0, 0.0)).expect("same size");
    for y in 0..30 {
        for x in 0..40 {
            let value = c.get_pixel(x, y)[0];
            if x + 5 >= 39 {
                // p + w is at or past the last column: no bilinear neighbourhood inside.
                assert!(value < 0.5, "({x}, {y}) = {value}");
                if x + 5 >= 41 {
                    assert_eq!(value, 0.0, "({x}, {y})");
                }
            } else if x + 5 <= 36 && y + 4 <= 29 {
                // The last row has no bilinear neighbourhood below it either: zero, smoothed
                // two rows up.
                assert_eq!(value, 1.0, "({x}, {y})");
            }
        }
    }
}

#[test]
fn failed_round_trip_is_zero() {
    // The inverse disagrees (it says zero motion) on the left half.
    let (w, h) = (40u32, 30u32);
    let forward = constant(w, h, 2.0, 1.0);
    let n = (w * h) as usize;
    let (mut iu, mut iv) = (vec![-2.0f32; n], vec![-1.0f32; n]);
    for y in 0..h {
        for x in 0..w / 2 {
            iu[(y * w + x) as usize] = 0.0;
            iv[(y * w + x) as usize] = 0.0;
        }
    }
    let c = reliability(&forward, &Flow::new(w, h, iu, iv).expect("lengths")).expect("same size");
    // p + w lands in the disagreeing half for x + 2 ≤ 19: zero there (and nearby, by the
    // smoothing of the negative value).
    for y in 0..h - 5 {
        for x in 0..16 {
            assert_eq!(c.get_pixel(x, y)[0], 0.0, "({x}, {y})");
        }
        for x in 22..35 {
            assert_eq!(c.get_pixel(x, y)[0], 1.0, "({x}, {y})");
        }
    }
}

#[test]
fn motion_boundary_is_zero() {
    // Left half still, right half moving 3 pixels down: a boundary at x = 19.5.
    let (w, h) = (40u32, 30u32);
    let n = (w * h) as usize;
    let v: Vec<f32> = (0..n)
        .map(|k| if k as u32 % w >= w / 2 { 3.0 } else { 0.0 })
        .collect();
    let back: Vec<f32> = v.iter().map(|x| -x).collect();
    let c = reliability(
        &Flow::new(w, h, vec![0.0; n], v).expect("lengths"),
        &Flow::new(w, h, vec![0.0; n], back).expect("lengths"),
    )
    .expect("same size");
    for y in 5..20 {
        assert!(
            c.get_pixel(19, y)[0] < 0.5 && c.get_pixel(20, y)[0] < 0.5,
            "row {y}"
        );
        assert_eq!(c.get_pixel(5, y)[0], 1.0);
        assert_eq!(c.get_pixel(35, y)[0], 1.0);
    }
}

#[test]
fn size_mismatch_is_an_error() {
    assert!(matches!(
        reliability(&Flow::zeros(4, 4), &Flow::zeros(4, 5)),
        Err(Error::SizeMismatch { .. })
    ));
}
