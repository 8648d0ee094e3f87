//! The interpolation task and its training runs (`math::interpolation`): the start computes
//! f ≡ 0 at every width, the data are what they claim, GD and SGD drive the training loss of a
//! wide network below 1e-10 (the lecture's "nets interpolate", also with random labels), runs
//! replay their seed however they are sliced, and the step cap is reported.

use sgd_stability::math::interpolation::{
    initial_theta, relu_problem, sharpness, target, training_data, Labels, RunSettings, TrainingRun, INPUT_RANGE,
};
use sgd_stability::math::trainer::Outcome;

fn settings(eta: f64, batch_size: usize, max_steps: usize, seed: u64) -> RunSettings {
    RunSettings { eta, batch_size, tolerance: 1e-10, max_steps, record_every: 25, seed }
}

#[test]
fn the_start_computes_zero_and_spreads_its_knots() {
    for width in [1, 2, 3, 10, 101, 2000] {
        let theta = initial_theta(width, 7);
        let problem = relu_problem(width, training_data(5, Labels::Random, 1));
        for x in [-1.0, -0.3, 0.0, 0.77, 1.0, 3.0] {
            assert_eq!(problem.net.eval(&theta, x), 0.0, "width {width}: f({x}) ≠ 0 at the start");
        }
        for i in 0..width {
            let knot = -theta[width + i] / theta[i];
            assert!(
                (INPUT_RANGE.0..=INPUT_RANGE.1).contains(&(knot * (1.0 - 1e-12))),
                "knot {knot} outside the inputs"
            );
        }
    }
    assert_ne!(initial_theta(10, 1), initial_theta(10, 2));
}

#[test]
fn the_data_are_evenly_spaced_samples_of_the_target() {
    let data = training_data(9, Labels::Target { noise: 0.0 }, 3);
    for (j, (&x, &y)) in data.x.iter().zip(&data.y).enumerate() {
        assert!((x - (-1.0 + 0.25 * j as f64)).abs() < 1e-15);
        assert_eq!(y, target(x));
    }
    let noisy = training_data(9, Labels::Target { noise: 0.5 }, 3);
    assert_eq!(noisy.x, data.x);
    assert!(noisy.y.iter().zip(&data.y).any(|(a, b)| (a - b).abs() > 0.05));
    assert_ne!(training_data(9, Labels::Random, 3).y, training_data(9, Labels::Random, 4).y);
}

/// GD and SGD on a wide network interpolate target and random labels, at a step size below
/// 2/λ_max(θ₀); the test error is measured against the target.
#[test]
fn wide_networks_interpolate_with_gd_and_sgd() {
    for (labels, batch) in [(Labels::Target { noise: 0.1 }, 6), (Labels::Random, 6), (Labels::Target { noise: 0.0 }, 2)]
    {
        for seed in 1..3u64 {
            let problem = relu_problem(100, training_data(6, labels, seed));
            let theta = initial_theta(100, seed + 10);
            let eta = 1.5 / sharpness(&problem, &theta);
            let test_points = if labels == Labels::Random { 0 } else { 101 };
            let mut run = TrainingRun::new(&problem, theta, settings(eta, batch, 20_000, seed), test_points);
            while run.advance(333) == Outcome::Running {}
            let Outcome::Interpolated { step } = run.outcome() else {
                panic!("{labels:?}, B = {batch}: {:?}", run.outcome())
            };
            let last = run.records().last().unwrap();
            assert_eq!(last.step, step);
            assert!(last.loss <= 1e-10 && (problem.loss(run.theta()) - last.loss).abs() < 1e-15);
            assert_eq!(last.test_error.is_nan(), test_points == 0);
            assert!(run.records().windows(2).all(|w| w[0].step < w[1].step));
        }
    }
}

#[test]
fn runs_replay_their_seed_however_sliced() {
    let problem = relu_problem(40, training_data(6, Labels::Target { noise: 0.1 }, 2));
    let theta = initial_theta(40, 5);
    let eta = 1.0 / sharpness(&problem, &theta);
    let run = |slices: &[usize]| {
        let mut r = TrainingRun::new(&problem, theta.clone(), settings(eta, 3, 400, 9), 11);
        for &s in slices {
            r.advance(s);
        }
        (r.records().to_vec(), r.theta().to_vec())
    };
    assert_eq!(run(&[400]), run(&[1, 7, 92, 300]));
}

/// The step cap is a result; and a step far above 2/λ_max(θ₀) does not interpolate (for ReLU
/// the iterates do not blow up: the big first steps switch most neurons off for good).
#[test]
fn the_cap_and_too_large_steps_are_results() {
    let problem = relu_problem(40, training_data(6, Labels::Random, 2));
    let theta = initial_theta(40, 5);
    let lambda = sharpness(&problem, &theta);
    let mut wild = TrainingRun::new(&problem, theta.clone(), settings(10.0 / lambda, 6, 1000, 1), 0);
    wild.advance(1000);
    assert!(matches!(wild.outcome(), Outcome::Capped | Outcome::Diverged { .. }), "{:?}", wild.outcome());
    let loss = wild.records().last().unwrap().loss;
    assert!(loss.is_nan() || loss >= 1e-3, "η = 10/λ₀ should not fit");
    let mut short = TrainingRun::new(&problem, theta, settings(0.1 / lambda, 6, 50, 1), 0);
    short.advance(10_000);
    assert_eq!(short.outcome(), Outcome::Capped);
    assert_eq!(short.steps(), 50);
}
