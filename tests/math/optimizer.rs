//! GD and SGD on the lecture's regression problem through the one trainer
//! (`math::trainer::Trainer`, here on the plain network code, which evaluates the whole set
//! only every few steps when asked), and the batch sampler they use.
//!
//! Full-batch SGD must be GD, a seed must replay a run bit for bit (a shared link replays it)
//! however the run is sliced and however often it is evaluated, batches must be uniform samples
//! of distinct indices (the sampling of Theorem 1.1), and divergence must be a recorded result
//! that stops the run.

use sgd_stability::math::activation::Activation;
use sgd_stability::math::network::{Data, Regression, ShallowNet};
use sgd_stability::math::rng::{normal, sample_without_replacement, seeded, uniform, Rng};
use sgd_stability::math::trainer::{
    Batches, Outcome, PlainRegression, Schedule, Stop, Trainer, DIVERGENCE_LOSS_GROWTH,
};

/// SGD with batches of `batch` drawn from `seed`, at step size η, evaluated every `every` steps,
/// with no step cap, its start evaluated.
fn sgd(
    problem: &Regression,
    theta0: Vec<f64>,
    eta: f64,
    batch: usize,
    seed: u64,
    every: usize,
) -> (Trainer, PlainRegression) {
    let stop = Stop { max_steps: usize::MAX, tolerance: None };
    let batches = Batches::Drawn { size: batch, seed };
    let mut trainer =
        Trainer::new(theta0, problem.data.len(), Schedule::constant(eta), batches, stop).evaluating_every(every);
    let mut model = PlainRegression::new(problem.clone());
    trainer.start(&mut model, &mut ());
    (trainer, model)
}

fn random_problem(rng: &mut Rng, activation: Activation, k: usize, n: usize) -> (Regression, Vec<f64>) {
    let net = ShallowNet::new(k, activation);
    let theta: Vec<f64> = (0..net.num_params()).map(|_| 0.5 * normal(rng)).collect();
    let x = (0..n).map(|_| uniform(rng, -1.0, 1.0)).collect();
    let y = (0..n).map(|_| normal(rng)).collect();
    (Regression::new(net, Data { x, y }), theta)
}

/// With B = n every step uses the whole data set, so SGD is GD: θ ← θ − η∇L(θ), done here by
/// hand, step after step for 50 steps.
#[test]
fn full_batch_sgd_is_gradient_descent() {
    let mut rng = seeded(1);
    for activation in [Activation::Tanh, Activation::Relu] {
        for (k, n) in [(1, 1), (4, 7), (10, 20)] {
            let (problem, theta0) = random_problem(&mut rng, activation, k, n);
            let eta = 0.05;
            let start_loss = problem.loss(&theta0);
            let (mut sgd, mut model) = sgd(&problem, theta0.clone(), eta, n, 42, 1);
            assert_eq!(sgd.batch_size(), n);
            let mut theta = theta0;
            for step in 1..=50 {
                let g = problem.gradient(&theta);
                for (t, gi) in theta.iter_mut().zip(&g) {
                    *t -= eta * gi;
                }
                assert_eq!(sgd.advance(&mut model, &mut (), 1), Outcome::Running);
                assert_eq!(sgd.step(), step);
                let scale = theta.iter().fold(1.0f64, |m, t| m.max(t.abs()));
                for (a, b) in sgd.theta().iter().zip(&theta) {
                    assert!((a - b).abs() <= 1e-12 * scale, "{activation:?} k={k} n={n} step {step}: {a} vs {b}");
                }
            }
            assert!(problem.loss(sgd.theta()) < start_loss, "GD with a small step descends");
        }
    }
}

/// A seed is the whole randomness of a run: the same seed gives bit-identical θ, a different
/// seed different batches and so a different θ (for B < n); how the run is sliced and how
/// often the whole set is evaluated change nothing.
#[test]
fn same_seed_replays_the_run_and_another_seed_differs() {
    let mut rng = seeded(2);
    for activation in [Activation::Tanh, Activation::Relu] {
        let (problem, theta0) = random_problem(&mut rng, activation, 6, 12);
        for batch in [1, 3, 11] {
            let run = |seed: u64| {
                let (mut sgd, mut model) = sgd(&problem, theta0.clone(), 0.05, batch, seed, 1);
                // In uneven slices, as the page's animation does: the stream must not care.
                for steps in [1, 7, 30, 62] {
                    assert_eq!(sgd.advance(&mut model, &mut (), steps), Outcome::Running);
                }
                assert_eq!(sgd.step(), 100);
                sgd.theta().to_vec()
            };
            let bits = |v: Vec<f64>| v.into_iter().map(f64::to_bits).collect::<Vec<_>>();
            let a = run(7);
            assert_eq!(bits(a.clone()), bits(run(7)), "{activation:?} B={batch}: same seed, different θ");
            assert_ne!(bits(a.clone()), bits(run(8)), "{activation:?} B={batch}: different seeds, same θ");
            for every in [1, 9, 100] {
                let (mut one_call, mut model) = sgd(&problem, theta0.clone(), 0.05, batch, 7, every);
                one_call.advance(&mut model, &mut (), 100);
                assert_eq!(one_call.step(), 100);
                assert_eq!(
                    bits(a.clone()),
                    bits(one_call.theta().to_vec()),
                    "slicing or evaluating every {every} changed it"
                );
            }
        }
    }
}

/// The batch size is clamped to 1..=n, as documented.
#[test]
fn batch_size_is_clamped() {
    let (problem, theta) = random_problem(&mut seeded(3), Activation::Tanh, 3, 5);
    let size = |batch| sgd(&problem, theta.clone(), 0.1, batch, 1, 1).0.batch_size();
    assert_eq!((size(0), size(99), size(3)), (1, 5, 3));
}

/// The sampler of every SGD batch: B distinct indices in 0..n, each index (and each first slot)
/// drawn with frequency B/n (resp. 1/n) within 5% over many draws, with the pool reused.
#[test]
fn sample_without_replacement_is_distinct_in_range_and_uniform() {
    let mut rng = seeded(4);
    for (n, b) in [(1, 1), (2, 1), (5, 5), (10, 3), (13, 7), (40, 1), (40, 39)] {
        let mut pool: Vec<usize> = (0..n).collect();
        let mut out = vec![0; b];
        // At least 10,000 expected hits per index and per first slot, so that 5% is 5σ.
        let draws = 10_000 * n;
        let mut counts = vec![0usize; n];
        let mut first = vec![0usize; n];
        for draw in 0..draws {
            sample_without_replacement(&mut rng, &mut pool, &mut out);
            let mut seen = vec![false; n];
            for &j in &out {
                assert!(j < n, "index {j} out of 0..{n}");
                assert!(!seen[j], "index {j} drawn twice in one batch: {out:?}");
                seen[j] = true;
                counts[j] += 1;
            }
            first[out[0]] += 1;
            if draw % 97 != 0 {
                continue;
            }
            let mut sorted = pool.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, (0..n).collect::<Vec<_>>(), "the pool must stay a permutation");
        }
        let expected = (draws * b) as f64 / n as f64;
        for (j, &c) in counts.iter().enumerate() {
            assert!(
                (c as f64 - expected).abs() <= 0.05 * expected,
                "n={n} B={b}: index {j} drawn {c} times, expected {expected}"
            );
        }
        let expected_first = draws as f64 / n as f64;
        for (j, &c) in first.iter().enumerate() {
            assert!(
                (c as f64 - expected_first).abs() <= 0.05 * expected_first,
                "n={n} B={b}: index {j} first {c} times, expected {expected_first}"
            );
        }
    }
}

/// The generator's helpers: `uniform` stays in [lo, hi) with the right mean, `normal` has mean
/// 0 and variance 1, and a seed fixes the stream.
#[test]
fn rng_helpers() {
    let mut rng = seeded(5);
    let m = 200_000;
    let (mut sum, mut sq) = (0.0, 0.0);
    for _ in 0..m {
        let u = uniform(&mut rng, -2.0, 3.0);
        assert!((-2.0..3.0).contains(&u));
        let z = normal(&mut rng);
        assert!(z.is_finite());
        sum += z;
        sq += z * z;
    }
    let mean = sum / m as f64;
    let var = sq / m as f64 - mean * mean;
    assert!(mean.abs() < 0.01 && (var - 1.0).abs() < 0.01, "mean {mean}, variance {var}");
    let stream = |seed| {
        let mut r = seeded(seed);
        (0..5).map(|_| normal(&mut r).to_bits()).collect::<Vec<_>>()
    };
    assert_eq!(stream(9), stream(9));
    assert_ne!(stream(9), stream(10));
}

/// A huge step size blows up the loss: the run must stop with `Diverged` at a step ≥ 1 (at the
/// first evaluation past the limit), keep θ finite, and refuse to go on (a second `advance`
/// returns the same status and leaves θ alone).
#[test]
fn huge_step_size_diverges_and_stops() {
    let mut rng = seeded(6);
    for activation in [Activation::Tanh, Activation::Relu] {
        for eta in [50.0, 1e3, 1e6, 1e12] {
            for batch in [1, 4, 10] {
                let (problem, theta0) = random_problem(&mut rng, activation, 8, 10);
                let initial = problem.loss(&theta0);
                let (mut sgd, mut model) = sgd(&problem, theta0, eta, batch, 3, 1);
                let status = sgd.advance(&mut model, &mut (), 10_000);
                let Outcome::Diverged { step, loss } = status else {
                    panic!("{activation:?} η={eta} B={batch}: {status:?}")
                };
                assert!((1..=10_000).contains(&step));
                assert_eq!(sgd.step(), step);
                assert!(
                    loss > DIVERGENCE_LOSS_GROWTH * initial.max(1.0),
                    "{activation:?} η={eta}: diverged with loss {loss} under the limit"
                );
                assert!(sgd.theta().iter().all(|t| t.is_finite()), "{activation:?} η={eta} B={batch}: θ not finite");
                let theta = sgd.theta().to_vec();
                let again = sgd.advance(&mut model, &mut (), 100);
                let Outcome::Diverged { step: s2, loss: l2 } = again else { panic!("ran on after divergence") };
                assert_eq!((s2, l2.to_bits()), (step, loss.to_bits()));
                assert_eq!(sgd.step(), step);
                assert_eq!(sgd.theta(), &theta[..], "θ changed after divergence");
            }
        }
    }
}

/// A small step never triggers the divergence test.
#[test]
fn small_step_size_runs_to_the_end() {
    let mut rng = seeded(7);
    for activation in [Activation::Tanh, Activation::Relu] {
        let (problem, theta0) = random_problem(&mut rng, activation, 8, 10);
        let (mut sgd, mut model) = sgd(&problem, theta0, 0.01, 2, 3, 1);
        assert_eq!(sgd.advance(&mut model, &mut (), 2000), Outcome::Running);
        assert_eq!(sgd.step(), 2000);
        assert!(sgd.theta().iter().all(|t| t.is_finite()));
    }
}

/// Divergence is a result the page shows and compares: whatever the step size, up to the
/// largest finite one, the recorded loss is a number above the limit (possibly +∞), never
/// NaN, and a second `advance` returns a status equal (`==`) to the first.
#[test]
fn extreme_step_sizes_report_a_loss_that_is_a_number() {
    let mut rng = seeded(6);
    let mut nan = Vec::new();
    for activation in [Activation::Tanh, Activation::Relu] {
        for e in (20..=308).step_by(4) {
            let eta = 10f64.powi(e);
            for batch in [1, 4, 10] {
                let (problem, theta0) = random_problem(&mut rng, activation, 8, 10);
                let limit = DIVERGENCE_LOSS_GROWTH * problem.loss(&theta0).max(1.0);
                let (mut sgd, mut model) = sgd(&problem, theta0, eta, batch, 3, 1);
                let status = sgd.advance(&mut model, &mut (), 1000);
                let Outcome::Diverged { step, loss } = status else { panic!("{activation:?} η=1e{e}: {status:?}") };
                assert_eq!(step, 1, "{activation:?} η=1e{e}: a step this large blows up at once");
                if e <= 300 {
                    assert!(
                        sgd.theta().iter().all(|t| t.is_finite()),
                        "{activation:?} η=1e{e} B={batch}: θ not finite"
                    );
                }
                if loss.is_nan() {
                    nan.push(format!("{activation:?} η=1e{e} B={batch}"));
                    continue;
                }
                assert!(loss > limit, "{activation:?} η=1e{e}: loss {loss} not above the limit {limit}");
                assert_eq!(sgd.advance(&mut model, &mut (), 10), status);
            }
        }
    }
    assert!(nan.is_empty(), "Diverged with a NaN loss in {} runs: {:?}", nan.len(), &nan[..nan.len().min(5)]);
}
