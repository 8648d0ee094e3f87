//! The non-differentiable minimum, its switching system and Lemma 3: the construction is exact
//! (points exactly on knots, zero gradients in every mode), the mode gradients and Hessians
//! match finite differences of the mode losses, the modes reproduce the true loss near θ*, and
//! Lemma 3 holds over random settings: whenever λ_lower > 2/η + δ + γ/ε, one step from
//! θ* ± εq already leaves the ε-ball in expectation (computed exactly over all batches). The
//! radius ε_flip at which another activation first changes is exact: inside it the network's
//! loss is a mode loss, just past it not; and the paired runs of the local model and of the
//! network use the same batches and say when a run was stopped.

use nalgebra::DVector;
use sgd_stability::math::dense::SymmetricEigen;
use sgd_stability::math::network::Regression;
use sgd_stability::math::rng::{normal, seeded, stream, uniform};
use sgd_stability::math::switching::{
    add_paired_run, all_batches, BatchSampler, Distances, KinkMinimum, Lemma3, Ssds, Sup, DIM,
};

const SETTINGS: [(usize, f64); 5] = [(1, 0.0), (1, 0.2), (2, 0.0), (2, 0.1), (2, 0.45)];

/// The knot points sit exactly on their knots in floating point, θ* is in the all-inactive
/// mode (σ'(0) = 0), and θ* is stationary in every mode with PSD mode Hessians.
#[test]
fn the_minimum_is_exact() {
    for (kinks, noise) in SETTINGS {
        let ssds = Ssds::new(KinkMinimum::new(kinks, noise));
        let m = &ssds.minimum;
        let p = m.net.layout(&m.theta_star);
        assert_eq!(m.on_knot.len(), kinks);
        for &(j, i) in &m.on_knot {
            assert_eq!(p.w1[i] * m.data.x[j] + p.b1[i], 0.0, "point {j} is not exactly on the knot of neuron {i}");
            assert_eq!(m.residuals[j], 0.0, "a knot point must be fitted exactly");
        }
        assert_eq!(m.mode_of(&m.theta_star), 0);
        assert_eq!(ssds.mode_count(), 1 << kinks);
        for mode in 0..ssds.mode_count() {
            assert!(
                ssds.gradients_full[mode].norm() < 1e-15,
                "mode {mode}: ∇ψ_m(θ*) = {}",
                ssds.gradients_full[mode].norm()
            );
            let eig = SymmetricEigen::new(&ssds.hessians[mode]).unwrap();
            assert!(*eig.values.last().unwrap() > -1e-12, "mode {mode}: H_m is not PSD");
        }
        // The true loss at θ* is ½ mean r².
        let problem = Regression::new(m.net, m.data.clone());
        let loss = m.residuals.iter().map(|r| r * r).sum::<f64>() / 20.0;
        assert!((problem.loss(&m.theta_star) - loss).abs() < 1e-15);
    }
}

/// ∇ψ_m and ∇²ψ_m at θ* against central finite differences of ψ_m, a smooth function.
#[test]
fn mode_derivatives_match_finite_differences() {
    for (kinks, noise) in SETTINGS {
        let ssds = Ssds::new(KinkMinimum::new(kinks, noise));
        let m = &ssds.minimum;
        let h = 1e-4;
        for mode in 0..ssds.mode_count() {
            let psi = |theta: &[f64]| m.mode_loss(theta, mode);
            let grad = |theta: &[f64]| -> Vec<f64> {
                (0..DIM)
                    .map(|a| {
                        let (mut up, mut down) = (theta.to_vec(), theta.to_vec());
                        up[a] += h;
                        down[a] -= h;
                        (psi(&up) - psi(&down)) / (2.0 * h)
                    })
                    .collect()
            };
            let g0 = grad(&m.theta_star);
            for a in 0..DIM {
                assert!((g0[a] - ssds.gradients_full[mode][a]).abs() < 1e-8, "mode {mode}: gradient entry {a}");
                let (mut up, mut down) = (m.theta_star.clone(), m.theta_star.clone());
                up[a] += h;
                down[a] -= h;
                let (gu, gd) = (grad(&up), grad(&down));
                for b in 0..DIM {
                    let fd = (gu[b] - gd[b]) / (2.0 * h);
                    let exact = ssds.hessians[mode][(b, a)];
                    assert!(
                        (fd - exact).abs() < 1e-6 * (1.0 + exact.abs()),
                        "mode {mode}: H[{b}][{a}] = {exact}, FD {fd}"
                    );
                }
            }
        }
    }
}

/// The modes are faithful: for small random θ − θ*, the true loss of the network equals ψ_m(θ)
/// for the mode m of θ; and batch gradients and Hessians average to the full ones.
#[test]
fn modes_reproduce_the_loss_near_the_minimum() {
    let mut rng = seeded(8);
    for (kinks, noise) in SETTINGS {
        let ssds = Ssds::new(KinkMinimum::new(kinks, noise));
        let m = &ssds.minimum;
        let problem = Regression::new(m.net, m.data.clone());
        let mut seen = vec![false; ssds.mode_count()];
        for _ in 0..400 {
            let theta: Vec<f64> = m.theta_star.iter().map(|t| t + 0.01 * normal(&mut rng)).collect();
            let mode = m.mode_of(&theta);
            seen[mode] = true;
            let (true_loss, mode_loss) = (problem.loss(&theta), m.mode_loss(&theta, mode));
            assert!(
                (true_loss - mode_loss).abs() < 1e-14 * (1.0 + true_loss),
                "mode {mode}: {true_loss} vs {mode_loss}"
            );
        }
        assert!(seen.iter().all(|&s| s), "every mode is reached near θ*");
        let n = m.data.len();
        for mode in 0..ssds.mode_count() {
            let (mut g_sum, mut h_sum) = (DVector::zeros(DIM), nalgebra::DMatrix::zeros(DIM, DIM));
            for j in 0..n {
                let mut g = [0.0; DIM];
                ssds.batch_gradient(&[j], mode, &mut g);
                g_sum += DVector::from_column_slice(&g) / n as f64;
                for c in 0..DIM {
                    let mut e = [0.0; DIM];
                    e[c] = 1.0;
                    let mut col = [0.0; DIM];
                    ssds.batch_hessian_vec(&[j], mode, &e, &mut col);
                    for r in 0..DIM {
                        h_sum[(r, c)] += col[r] / n as f64;
                    }
                }
            }
            assert!((g_sum - &ssds.gradients_full[mode]).norm() < 1e-14);
            assert!((h_sum - &ssds.hessians[mode]).norm() < 1e-12);
        }
    }
}

#[test]
fn all_batches_enumerates_every_subset_once() {
    let binomial = |n: usize, k: usize| (0..k).fold(1usize, |acc, i| acc * (n - i) / (i + 1));
    for n in 1..=10 {
        for b in 1..=n {
            let batches = all_batches(n, b);
            assert_eq!(batches.len(), binomial(n, b), "n = {n}, B = {b}");
            let mut sorted = batches.clone();
            sorted.sort();
            sorted.dedup();
            assert_eq!(sorted.len(), batches.len());
            assert!(batches.iter().all(|s| s.len() == b && s.windows(2).all(|w| w[0] < w[1]) && s[b - 1] < n));
        }
    }
    assert!(all_batches(3, 4).is_empty());
}

/// Lemma 3's quantities are what they claim: ‖H_m q − λ_m q‖ ≤ δ in every mode, λ_lower is the
/// smallest λ_m, q is a unit vector, and γ is E|qᵀĝ_m| maximized over modes (by brute force).
#[test]
fn lemma3_quantities_match_their_definitions() {
    for (kinks, noise) in SETTINGS {
        let ssds = Ssds::new(KinkMinimum::new(kinks, noise));
        for b in [1, 3, 10] {
            let lemma = Lemma3::choose(&ssds, b).unwrap();
            let q = DVector::from_column_slice(&lemma.q);
            assert!((q.norm() - 1.0).abs() < 1e-12);
            let mut gamma = 0.0f64;
            for (mode, h) in ssds.hessians.iter().enumerate() {
                assert!((h * &q - &q * lemma.lambdas[mode]).norm() <= lemma.delta + 1e-14);
                let batches = all_batches(10, b);
                let mean = batches
                    .iter()
                    .map(|batch| {
                        let mut g = [0.0; DIM];
                        ssds.batch_gradient(batch, mode, &mut g);
                        DVector::from_column_slice(&g).dot(&q).abs()
                    })
                    .sum::<f64>()
                    / batches.len() as f64;
                gamma = gamma.max(mean);
            }
            let gamma = if gamma < 1e-12 { 0.0 } else { gamma };
            assert!((gamma - lemma.gamma).abs() < 1e-14, "γ = {}, brute force {gamma}", lemma.gamma);
            assert_eq!(lemma.lambda_lower, lemma.lambdas.iter().copied().fold(f64::INFINITY, f64::min));
            if noise == 0.0 || b == 10 {
                assert_eq!(lemma.gamma, 0.0, "no gradient noise at an interpolating minimum or with full batches");
            }
        }
    }
}

/// THE property of Lemma 3, over 3,000 random settings (which knot points, residual size, batch
/// size, η and ε): whenever λ_lower > 2/η + δ + γ/ε, one SSDS step from θ* + εq or θ* − εq
/// already has E‖θ₁ − θ*‖ > ε, the expectation taken exactly over all batches; so
/// sup_t E‖θ_t − θ*‖ > ε and θ* is not strongly stable. Both sides of the condition occur.
#[test]
fn lemma3_one_step_escape_whenever_the_condition_holds() {
    let mut rng = seeded(33);
    let (mut holds, mut fails) = (0, 0);
    let mut scratch = [[0.0; DIM]; 2];
    for case in 0..3000 {
        let kinks = 1 + case % 2;
        let noise = if case % 5 == 0 { 0.0 } else { uniform(&mut rng, 0.0, 0.5) };
        let ssds = Ssds::new(KinkMinimum::new(kinks, noise));
        let b = 1 + (case / 2) % 10;
        let lemma = Lemma3::choose(&ssds, b).unwrap();
        let eta = uniform(&mut rng, 0.3f64.ln(), 2f64.ln()).exp();
        let epsilon = uniform(&mut rng, 1e-3f64.ln(), 1f64.ln()).exp();
        if lemma.margin(eta, epsilon) <= 0.0 {
            fails += 1;
            continue;
        }
        holds += 1;
        let batches = all_batches(10, b);
        for sign in [1.0, -1.0] {
            let start: [f64; DIM] = std::array::from_fn(|i| sign * epsilon * lemma.q[i]);
            let (mut mean_norm, mut mean_along_q) = (0.0, 0.0);
            for batch in &batches {
                let mut d = start;
                ssds.step(&mut d, batch, eta, &mut scratch);
                mean_norm += d.iter().map(|v| v * v).sum::<f64>().sqrt() / batches.len() as f64;
                mean_along_q += d.iter().zip(&lemma.q).map(|(a, b)| a * b).sum::<f64>().abs() / batches.len() as f64;
            }
            assert!(
                mean_along_q > epsilon,
                "case {case}: E|qᵀ(θ₁ − θ*)| = {mean_along_q} ≤ ε = {epsilon} although the condition holds"
            );
            assert!(mean_norm >= mean_along_q - 1e-15);
        }
    }
    assert!(holds > 300 && fails > 300, "{holds} cases with the condition, {fails} without");
}

/// With B = n the SSDS is deterministic, and one run's distances are those of the linear
/// iteration d ← d − η(H_m d) in the mode of each iterate; the network's run beside it is GD on
/// the network's loss.
#[test]
fn full_batch_runs_are_the_mode_switching_gd() {
    let ssds = Ssds::new(KinkMinimum::new(2, 0.0));
    let network = ssds.minimum.network();
    let mut sampler = BatchSampler::new(10, 10, seeded(2));
    let start: [f64; DIM] = std::array::from_fn(|i| 0.01 * (i as f64 - 3.0));
    let (mut model, mut real) = (Distances::new(50), Distances::new(50));
    add_paired_run(&ssds, &network, &start, 0.3, 1e9, &mut sampler, &mut model, &mut real);
    let mut d = DVector::from_column_slice(&start);
    let mut theta: Vec<f64> = ssds.minimum.theta_star.iter().zip(&start).map(|(a, b)| a + b).collect();
    for (t, (m, r)) in model.means().zip(real.means()).enumerate() {
        assert!((d.norm() - m).abs() < 1e-14, "step {t}");
        let real_d: f64 = theta.iter().zip(&ssds.minimum.theta_star).map(|(a, b)| (a - b).powi(2)).sum::<f64>().sqrt();
        assert!((real_d - r).abs() < 1e-14, "step {t}");
        let here: Vec<f64> = ssds.minimum.theta_star.iter().zip(d.iter()).map(|(a, b)| a + b).collect();
        let mode = ssds.minimum.mode_of(&here);
        d = &d - &ssds.hessians[mode] * &d * 0.3;
        let g = network.gradient(&theta);
        theta.iter_mut().zip(&g).for_each(|(th, gi)| *th -= 0.3 * gi);
    }
    assert_eq!((model.runs(), real.runs()), (1, 1));
    assert_eq!(model.sup(), Some(Sup::Measured(model.means().fold(0.0, f64::max))));
}

/// ε_flip is exact. Inside the open ball of that radius every activation but the knot points'
/// is that of θ*, so the network's loss is the mode loss ψ_m of the iterate's mode (checked at
/// 2,000 random points of the ball, many near its surface); at the nearest point of the
/// flipping hyperplane, a hair past it along the same line, the flipping pair's activation
/// has changed, and further out the network's loss is none of the mode losses.
#[test]
fn the_flip_radius_bounds_where_the_modes_are_the_network() {
    let mut rng = seeded(21);
    for (kinks, noise) in SETTINGS {
        let ssds = Ssds::new(KinkMinimum::new(kinks, noise));
        let m = &ssds.minimum;
        let network = m.network();
        let flip = m.first_flip();
        let star = m.net.layout(&m.theta_star);
        let pre = |theta: &[f64], j: usize, i: usize| {
            let p = m.net.layout(theta);
            p.w1[i] * m.data.x[j] + p.b1[i]
        };
        let expected = if kinks == 2 { 0.5 / 3.25f64.sqrt() } else { 0.25 / 1.5625f64.sqrt() };
        assert!((flip.radius - expected).abs() < 1e-15, "ε_flip = {}, by hand {expected}", flip.radius);
        assert!(!m.on_knot.contains(&(flip.point, flip.neuron)));
        for case in 0..2000 {
            let direction: Vec<f64> = (0..DIM).map(|_| normal(&mut rng)).collect();
            let norm = direction.iter().map(|v| v * v).sum::<f64>().sqrt();
            let r = flip.radius * if case % 2 == 0 { 1.0 - 1e-9 } else { uniform(&mut rng, 0.0, 1.0) };
            let theta: Vec<f64> = m.theta_star.iter().zip(&direction).map(|(t, v)| t + r * v / norm).collect();
            for j in 0..m.data.len() {
                for i in 0..2 {
                    if !m.on_knot.contains(&(j, i)) {
                        let at_star = star.w1[i] * m.data.x[j] + star.b1[i];
                        assert_eq!(pre(&theta, j, i) > 0.0, at_star > 0.0, "pair ({j}, {i}) flipped inside the ball");
                    }
                }
            }
            let (loss, mode_loss) = (network.loss(&theta), m.mode_loss(&theta, m.mode_of(&theta)));
            assert!((loss - mode_loss).abs() <= 1e-13 * (1.0 + loss), "{loss} vs {mode_loss}");
        }
        // The nearest point of the hyperplane w1ᵢxⱼ + b1ᵢ = 0, pushed a hair beyond it.
        let (j, i) = (flip.point, flip.neuron);
        let (x, z) = (m.data.x[j], pre(&m.theta_star, j, i));
        let scale = z / (x * x + 1.0) * (1.0 + 1e-6);
        let mut beyond = m.theta_star.clone();
        beyond[i] -= scale * x;
        beyond[2 + i] -= scale;
        let distance = beyond.iter().zip(&m.theta_star).map(|(a, b)| (a - b).powi(2)).sum::<f64>().sqrt();
        assert!((distance / flip.radius - 1.0 - 1e-6).abs() < 1e-9);
        assert_ne!(pre(&beyond, j, i) > 0.0, z > 0.0, "the pair has not flipped");
        // Half as far again, the network's output at xⱼ has moved off every mode's.
        let further: Vec<f64> = m.theta_star.iter().zip(&beyond).map(|(s, b)| s + 1.5 * (b - s)).collect();
        let loss = network.loss(&further);
        let nearest =
            (0..ssds.mode_count()).map(|mode| (m.mode_loss(&further, mode) - loss).abs()).fold(f64::INFINITY, f64::min);
        assert!(nearest > 1e-12, "beyond ε_flip a mode loss still equals the network's ({nearest})");
    }
}

/// Inside the ball the network's SGD step is the SSDS step up to second order: for
/// d = s·u with ‖u‖ = 1 and s shrinking tenfold, the difference of the two updates shrinks a
/// hundredfold (the network's gradient is a polynomial of degree 3 in θ within a mode).
#[test]
fn inside_the_ball_the_network_step_is_the_ssds_step_to_second_order() {
    let mut rng = seeded(5);
    for (kinks, noise) in SETTINGS {
        let ssds = Ssds::new(KinkMinimum::new(kinks, noise));
        let m = &ssds.minimum;
        let network = m.network();
        for case in 0..50 {
            let u: Vec<f64> = (0..DIM).map(|_| normal(&mut rng)).collect();
            let norm = u.iter().map(|v| v * v).sum::<f64>().sqrt();
            let batch: Vec<usize> = (0..10).filter(|j| (case + j) % 3 != 0).collect();
            let gap = |s: f64| {
                let d: [f64; DIM] = std::array::from_fn(|i| s * u[i] / norm);
                let mut model = d;
                ssds.step(&mut model, &batch, 1.0, &mut [[0.0; DIM]; 2]);
                let theta: Vec<f64> = m.theta_star.iter().zip(&d).map(|(a, b)| a + b).collect();
                let (mut g, mut scratch) = (vec![0.0; DIM], vec![0.0; DIM]);
                network.batch_gradient(&theta, &batch, &mut g, &mut scratch);
                (0..DIM).map(|i| (d[i] - g[i] - model[i]).powi(2)).sum::<f64>().sqrt()
            };
            let (coarse, fine) = (gap(0.02), gap(0.002));
            assert!(fine <= 0.011 * coarse + 1e-15, "{kinks} kinks, case {case}: {coarse} then {fine}");
        }
    }
}

/// A run that passes its escape distance is stopped: from its stop on it counts at that
/// distance, `first_stop` says where, and the sup is marked as a lower bound. The network and
/// the model see the same batches: with one start and one seed, replacing the network's run by
/// another start changes nothing in the model's sums.
#[test]
fn stopped_runs_are_lower_bounds_and_batches_are_shared() {
    let ssds = Ssds::new(KinkMinimum::new(2, 0.1));
    let network = ssds.minimum.network();
    let lemma = Lemma3::choose(&ssds, 5).unwrap();
    let start: [f64; DIM] = std::array::from_fn(|i| 0.2 * lemma.q[i]);
    let run = |escape: f64| {
        let mut sampler = BatchSampler::new(10, 5, seeded(4));
        let (mut model, mut real) = (Distances::new(200), Distances::new(200));
        for _ in 0..3 {
            add_paired_run(&ssds, &network, &start, 0.75, escape, &mut sampler, &mut model, &mut real);
        }
        (model, real)
    };
    let (model, _) = run(50.0);
    let stop = model.first_stop().expect("at η = 0.75 the local model leaves any ball");
    let means: Vec<f64> = model.means().collect();
    assert!(means[stop] <= 50.0 + 1e-12 && means[..stop].iter().all(|&v| v <= 50.0));
    assert_eq!(*means.last().unwrap(), 50.0, "all three runs end stopped, counted at 50");
    assert!(matches!(model.sup(), Some(Sup::AtLeast(v)) if v == 50.0));
    // The same batches, whatever the escape distance: before any stop the sums agree.
    let (wide, _) = run(1e300);
    assert!(wide.first_stop().is_none());
    let wide_means: Vec<f64> = wide.means().collect();
    assert_eq!(&wide_means[..stop], &means[..stop]);
    assert!(matches!(wide.sup(), Some(Sup::Measured(v)) if v > 1e6));
    assert_eq!(Distances::new(10).sup(), None);
}

/// Runs made apart, each into sums of its own, and added in order give the sums of the same
/// runs made one after the other, bit for bit, with the first stop among them: so the runs can
/// be made on any thread.
#[test]
fn runs_made_apart_add_up_to_the_runs_made_in_turn() {
    let ssds = Ssds::new(KinkMinimum::new(2, 0.1));
    let network = ssds.minimum.network();
    let lemma = Lemma3::choose(&ssds, 5).unwrap();
    let (mut model, mut real) = (Distances::new(120), Distances::new(120));
    let (mut model_apart, mut real_apart) = (Distances::new(120), Distances::new(120));
    for run in 0..6u64 {
        // Starts at distances 0.02 to 0.12 along q: the farther ones are stopped at 5.
        let start: [f64; DIM] = std::array::from_fn(|i| 0.02 * (run + 1) as f64 * lemma.q[i]);
        let sampler = || BatchSampler::new(10, 5, stream(9, run));
        add_paired_run(&ssds, &network, &start, 0.75, 5.0, &mut sampler(), &mut model, &mut real);
        let (mut one_model, mut one_real) = (Distances::new(120), Distances::new(120));
        add_paired_run(&ssds, &network, &start, 0.75, 5.0, &mut sampler(), &mut one_model, &mut one_real);
        model_apart.add(&one_model);
        real_apart.add(&one_real);
    }
    assert!(model.first_stop().is_some(), "some run of the local model is stopped");
    assert_eq!(model_apart, model);
    assert_eq!(real_apart, real);
}
