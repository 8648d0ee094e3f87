//! The data sets of `math::datasets`: the values they promise, reproducibility from a seed, and
//! clear refusals of out-of-range arguments.

use sgd_stability::math::datasets::{chebyshev_t, regression_2d_target, Dataset};
use sgd_stability::math::digits;

/// The inputs of a 1-D generated set: n evenly spaced points from −1 to 1, both included.
fn assert_evenly_spaced(x: &[f64]) {
    let n = x.len();
    assert_eq!((x[0], x[n - 1]), (-1.0, 1.0));
    let spacing = 2.0 / (n - 1) as f64;
    for (j, &xj) in x.iter().enumerate() {
        assert!((xj - (-1.0 + j as f64 * spacing)).abs() <= 1e-15, "x[{j}] = {xj}");
    }
}

#[test]
fn chebyshev_matches_closed_forms() {
    for n in [2, 3, 20, 101, 500] {
        let t2 = Dataset::chebyshev(2, n).unwrap();
        let t4 = Dataset::chebyshev(4, n).unwrap();
        assert_eq!((t4.input_dim, t4.len()), (1, n));
        assert_evenly_spaced(&t4.x);
        for (j, &x) in t4.x.iter().enumerate() {
            assert!((t2.y[j] - (2.0 * x * x - 1.0)).abs() <= 1e-15);
            assert!((t4.y[j] - (8.0 * x.powi(4) - 8.0 * x * x + 1.0)).abs() <= 1e-14, "T4({x}) = {}", t4.y[j]);
        }
    }
    let t0 = Dataset::chebyshev(0, 5).unwrap();
    assert!(t0.y.iter().all(|&y| y == 1.0));
    let t1 = Dataset::chebyshev(1, 5).unwrap();
    assert_eq!(t1.x, t1.y);
}

/// T_m(cos t) = cos(mt) for every degree the constructor allows, and T_m(±1) = (±1)^m.
#[test]
fn chebyshev_is_cos_of_m_arccos_for_every_degree() {
    for m in 0..=20 {
        let set = Dataset::chebyshev(m, 41).unwrap();
        for (&x, &y) in set.x.iter().zip(&set.y) {
            let expected = (m as f64 * x.acos()).cos();
            assert!((y - expected).abs() <= 1e-12, "T_{m}({x}) = {y}, cos(m·acos x) = {expected}");
        }
        assert_eq!(set.y[40], 1.0);
        assert_eq!(set.y[0], if m % 2 == 0 { 1.0 } else { -1.0 });
        assert_eq!(chebyshev_t(m, 1.0), 1.0);
    }
}

/// The evenly spaced points are NumPy's linspace(−1, 1, 20) bit for bit (a few known values),
/// so the shared benchmark's data set is `chebyshev(4, 20)`.
#[test]
fn evenly_spaced_points_match_linspace() {
    let set = Dataset::chebyshev(4, 20).unwrap();
    assert_eq!(set.x[1], -0.8947368421052632);
    assert_eq!(set.x[9], -0.052631578947368474);
    assert_eq!(set.x[10], 0.05263157894736836);
    assert_eq!(set.x[13], 0.36842105263157876);
}

#[test]
fn out_of_range_arguments_are_refused_with_a_reason() {
    for (result, needle) in [
        (Dataset::chebyshev(21, 20), "degree must be 0 to 20, got 21"),
        (Dataset::chebyshev(4, 1), "number of points must be 2 to 500, got 1"),
        (Dataset::chebyshev(4, 501), "number of points must be 2 to 500, got 501"),
        (Dataset::random_labels(0, 1, 1), "number of points must be 2 to 500, got 0"),
        (Dataset::random_labels(10, 65, 1), "input dimension must be 1 to 64, got 65"),
        (Dataset::regression_2d(1000, 1), "number of points must be 2 to 500, got 1000"),
        (Dataset::new(1, 1, vec![], vec![]), "no points"),
        (Dataset::new(2, 1, vec![0.0; 5], vec![0.0; 3]), "3 targets need 6 input coordinates in dimension 2, got 5"),
        (Dataset::new(1, 1, vec![0.0, f64::NAN], vec![1.0, 2.0]), "input coordinate 1 is not a finite number"),
        (Dataset::new(1, 1, vec![0.0, 1.0], vec![1.0, f64::INFINITY]), "target value 1 is not a finite number"),
        (Dataset::new(0, 1, vec![], vec![1.0]), "input dimension must be 1 to 64, got 0"),
        (Dataset::new(1, 0, vec![0.0], vec![1.0]), "output dimension must be 1 to 10, got 0"),
        (Dataset::new(1, 11, vec![0.0], vec![1.0; 11]), "output dimension must be 1 to 10, got 11"),
        (Dataset::new(1, 3, vec![0.0, 1.0], vec![1.0; 5]), "5 target values do not split into targets of dimension 3"),
        (Dataset::new(2, 3, vec![0.0; 6], vec![1.0; 6]), "2 targets need 4 input coordinates in dimension 2, got 6"),
        (Dataset::digits(0), "the digits set has 1 to 1797 images, asked for 0"),
        (Dataset::digits(1798), "the digits set has 1 to 1797 images, asked for 1798"),
    ] {
        let message = result.expect_err("out of range");
        assert!(message.contains(needle), "{message:?} lacks {needle:?}");
    }
    assert!(Dataset::new(2, 1, vec![0.5, -0.5], vec![1.0]).is_ok());
}

#[test]
fn random_labels_are_reproducible_and_standard_normal() {
    for input_dim in [1, 2] {
        let set = Dataset::random_labels(500, input_dim, 42).unwrap();
        assert_eq!(set, Dataset::random_labels(500, input_dim, 42).unwrap());
        assert_ne!(set.y, Dataset::random_labels(500, input_dim, 43).unwrap().y);
        assert_eq!((set.len(), set.x.len()), (500, 500 * input_dim));
        let n = set.len() as f64;
        let mean = set.y.iter().sum::<f64>() / n;
        let variance = set.y.iter().map(|y| (y - mean).powi(2)).sum::<f64>() / (n - 1.0);
        // Five standard errors: the mean's is 1/√n, the variance's √(2/n).
        assert!(mean.abs() <= 5.0 / n.sqrt(), "mean {mean}");
        assert!((variance - 1.0).abs() <= 5.0 * (2.0 / n).sqrt(), "variance {variance}");
        assert!(set.x.iter().all(|x| (-1.0..=1.0).contains(x)));
    }
    assert_evenly_spaced(&Dataset::random_labels(17, 1, 3).unwrap().x);
    let plane = Dataset::random_labels(500, 2, 3).unwrap();
    // Uniform on the square: each quadrant holds about a quarter of the points.
    for (s1, s2) in [(1.0, 1.0), (1.0, -1.0), (-1.0, 1.0), (-1.0, -1.0)] {
        let count = (0..plane.len()).filter(|&j| plane.point(j)[0] * s1 > 0.0 && plane.point(j)[1] * s2 > 0.0).count();
        assert!((90..=160).contains(&count), "quadrant ({s1}, {s2}) holds {count} of 500");
    }
}

#[test]
fn regression_2d_is_its_documented_target_on_seeded_points() {
    let set = Dataset::regression_2d(100, 9).unwrap();
    assert_eq!(set, Dataset::regression_2d(100, 9).unwrap());
    assert_ne!(set.x, Dataset::regression_2d(100, 10).unwrap().x);
    assert_eq!((set.input_dim, set.len()), (2, 100));
    use std::f64::consts::PI;
    for j in 0..set.len() {
        let p = set.point(j);
        assert!(p.iter().all(|c| (-1.0..=1.0).contains(c)));
        let expected = (PI * p[0]).sin() * (PI * p[1] / 2.0).cos() + p[0] * p[1] / 2.0;
        assert_eq!(set.y[j], expected);
        assert_eq!(regression_2d_target(p[0], p[1]), expected);
    }
    // Non-trivial: the labels vary.
    let spread = set.y.iter().cloned().fold(f64::MIN, f64::max) - set.y.iter().cloned().fold(f64::MAX, f64::min);
    assert!(spread > 1.0, "labels span only {spread}");
}

#[test]
fn points_and_the_lecture_form() {
    let set = Dataset::new(2, 1, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], vec![7.0, 8.0, 9.0]).unwrap();
    assert_eq!((set.point(0), set.point(2)), (&[1.0, 2.0][..], &[5.0, 6.0][..]));
    assert!(!set.is_empty());
    assert!(set.to_shallow_data().is_none());
    let line = Dataset::chebyshev(3, 7).unwrap();
    let data = line.to_shallow_data().unwrap();
    assert_eq!((data.x, data.y), (line.x.clone(), line.y.clone()));
    assert_eq!(line.point(3), &[line.x[3]][..]);
}

/// The digits are the published set: 1,797 images of 64 pixels in [0, 1] (counts 0 to 16 over
/// 16), one-hot targets, the published class counts, and the first image's known pixels.
#[test]
fn digits_are_the_published_set_scaled_and_one_hot() {
    let all = Dataset::digits(1797).unwrap();
    assert_eq!((all.len(), all.input_dim, all.output_dim), (1797, 64, 10));
    assert!(all.x.iter().all(|&p| (0.0..=1.0).contains(&p) && (p * 16.0).fract() == 0.0));
    assert!(all.x.contains(&1.0), "some pixel is saturated (16)");
    let mut counts = [0usize; 10];
    for j in 0..all.len() {
        let target = all.target(j);
        assert_eq!(target.iter().filter(|&&t| t == 1.0).count(), 1, "image {j}: not one-hot");
        assert_eq!(target.iter().sum::<f64>(), 1.0);
        counts[target.iter().position(|&t| t == 1.0).unwrap()] += 1;
    }
    assert_eq!(counts, [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
    // The first image is a 0: its top row is 0 0 5 13 9 1 0 0.
    let top_row: Vec<f64> = all.point(0)[..8].iter().map(|p| p * 16.0).collect();
    assert_eq!(top_row, [0.0, 0.0, 5.0, 13.0, 9.0, 1.0, 0.0, 0.0]);
    assert_eq!(all.target(0)[0], 1.0);
    let first = Dataset::digits(500).unwrap();
    assert_eq!((first.len(), &first.x[..], &first.y[..]), (500, &all.x[..500 * 64], &all.y[..500 * 10]));
}

/// The page takes a fetched digits file only when it is the set: the file the site serves
/// passes, and one cut short, with a pixel count above 16 or a class above 9, is refused with
/// its reason (the figure then keeps its data).
#[test]
fn a_fetched_digits_file_is_checked_byte_by_byte() {
    let file = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/data/digits/digits.bin")).unwrap();
    assert_eq!(digits::check(&file), Ok(()));
    assert_eq!(
        digits::check(&file[..file.len() - 1]),
        Err("the digits file has 116804 bytes, not the 116805 of 1797 images".to_string())
    );
    assert!(digits::check(b"<!DOCTYPE html><html></html>").unwrap_err().starts_with("the digits file has 28 bytes"));
    let mut bright = file.clone();
    bright[65 * 3 + 10] = 17;
    assert_eq!(digits::check(&bright), Err("image 3 of the digits file has a pixel count above 16".to_string()));
    let mut class = file.clone();
    class[65 * 1796 + 64] = 10;
    assert_eq!(digits::check(&class), Err("image 1796 of the digits file has the class 10".to_string()));
    assert!(digits::loaded(), "the command line has the digits built in");
}
