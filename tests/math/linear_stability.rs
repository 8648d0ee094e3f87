//! Linear stability of SGD on least squares (`math::least_squares`, `math::linear_stability`):
//! every closed-form batch moment against batches enumerated one by one, the mean-square
//! operator against its d² × d² Kronecker form and against dense decompositions, the three
//! stability tests against each other (the theorems the page states) on many random problems,
//! and the exact test against long Monte Carlo runs.

use nalgebra::{DMatrix, DVector};
use sgd_stability::math::dense::SymmetricEigen;
use sgd_stability::math::least_squares::{batch_factor, LeastSquares, ProblemSpec};
use sgd_stability::math::linear_stability::{
    gd_factor, wu_criterion, wu_threshold, ExactMoments, MeanSquareOperator, MonteCarlo, RunSpec, StabilityMap,
    SymmetricCoords, TopEigen, Trajectories,
};
use sgd_stability::math::rng::{normal, seeded, uniform, Rng};

fn problem(dim: usize, samples: usize, noisy: bool, seed: u64) -> LeastSquares {
    LeastSquares::random(&ProblemSpec { dim, samples, noisy, seed }).expect("a random problem with n ≥ d")
}

/// Every subset of 0..n of size b, in lexicographic order.
fn all_batches(n: usize, b: usize) -> Vec<Vec<usize>> {
    fn extend(start: usize, n: usize, b: usize, current: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        if current.len() == b {
            out.push(current.clone());
            return;
        }
        for j in start..n {
            current.push(j);
            extend(j + 1, n, b, current, out);
            current.pop();
        }
    }
    let mut out = Vec::new();
    extend(0, n, b, &mut Vec::new(), &mut out);
    out
}

fn sample_hessian(p: &LeastSquares, j: usize) -> DMatrix<f64> {
    let x = DVector::from_column_slice(p.sample(j));
    &x * x.transpose()
}

/// Ĥ and ĝ of one batch.
fn batch_hessian_and_gradient(p: &LeastSquares, batch: &[usize]) -> (DMatrix<f64>, DVector<f64>) {
    let d = p.dim();
    let mut h = DMatrix::zeros(d, d);
    let mut g = DVector::zeros(d);
    for &j in batch {
        h += sample_hessian(p, j) / batch.len() as f64;
        g += DVector::from_column_slice(p.sample_gradient(j)) / batch.len() as f64;
    }
    (h, g)
}

fn random_symmetric(rng: &mut Rng, d: usize) -> DMatrix<f64> {
    let a = DMatrix::from_fn(d, d, |_, _| normal(rng));
    (&a + a.transpose()) * 0.5
}

fn max_abs(m: &DMatrix<f64>) -> f64 {
    m.iter().fold(0.0f64, |a, v| a.max(v.abs()))
}

/// E[Ĥ] = H, E[Ĥ²] = H² + c·Σ with c = (n − B)/(B(n − 1)) (Σ_B = c·Σ, the precise form of
/// Theorem 1's Σ), E[ĝ] = 0 and E[ĝĝᵀ] = c·G: against every batch of every size.
#[test]
fn batch_moments_match_enumerated_batches() {
    for (seed, d, n) in [(1, 2, 3), (2, 3, 5), (3, 2, 7), (4, 4, 6)] {
        for noisy in [false, true] {
            let p = problem(d, n, noisy, seed);
            let h = p.hessian();
            let scale = max_abs(h).max(1.0);
            for b in 1..=n {
                let batches = all_batches(n, b);
                let count = batches.len() as f64;
                let (mut mean_h, mut second_h) = (DMatrix::zeros(d, d), DMatrix::zeros(d, d));
                let (mut mean_g, mut second_g) = (DVector::zeros(d), DMatrix::zeros(d, d));
                for batch in &batches {
                    let (bh, bg) = batch_hessian_and_gradient(&p, batch);
                    second_h += &bh * &bh / count;
                    mean_h += bh / count;
                    second_g += &bg * bg.transpose() / count;
                    mean_g += bg / count;
                }
                let c = batch_factor(n, b);
                let sigma_b = p.batch_hessian_variance(b);
                assert!(max_abs(&(&mean_h - h)) < 1e-14 * scale, "E[Ĥ] ≠ H (n={n}, B={b})");
                assert!(
                    max_abs(&(&second_h - h * h - &sigma_b)) < 1e-13 * scale * scale,
                    "E[Ĥ²] ≠ H² + Σ_B (n={n}, B={b})"
                );
                assert!(max_abs(&(sigma_b - p.sample_hessian_variance() * c)) < 1e-15 * scale * scale);
                assert!(mean_g.amax() < 1e-13, "E[ĝ] = ∇L(θ*) must vanish: {}", mean_g.amax());
                assert!(max_abs(&(second_g - p.gradient_second_moment() * c)) < 1e-13);
            }
            assert_eq!(batch_factor(n, 1), 1.0);
            assert_eq!(batch_factor(n, n), 0.0);
            assert_eq!(p.gradient_second_moment().amax() == 0.0, !noisy, "G vanishes exactly without noise");
        }
    }
}

/// The operator T(M) = E[(I − ηĤ)M(I − ηĤ)] in symmetric coordinates, against the average over
/// every batch; its Kronecker form E[(I − ηĤ) ⊗ (I − ηĤ)] is symmetric and has the same
/// spectral radius; and that radius is the largest eigenvalue (Perron), which Lanczos finds.
#[test]
fn mean_square_operator_matches_enumerated_batches() {
    let mut rng = seeded(11);
    let mut eigen_cache: Vec<(usize, TopEigen)> = Vec::new();
    for (seed, d, n) in [(5, 2, 4), (6, 3, 5), (7, 3, 7), (8, 4, 6), (9, 2, 2)] {
        let p = problem(d, n, false, seed);
        let op = MeanSquareOperator::new(&p).unwrap();
        let coords = SymmetricCoords::new(d);
        assert_eq!(coords.len(), d * (d + 1) / 2);
        let eigen = match eigen_cache.iter_mut().find(|(m, _)| *m == coords.len()) {
            Some((_, e)) => e,
            None => {
                eigen_cache.push((coords.len(), TopEigen::new(coords.len())));
                &mut eigen_cache.last_mut().unwrap().1
            }
        };
        for b in 1..=n {
            for _ in 0..4 {
                let eta = uniform(&mut rng, 0.05, 3.0);
                let batches = all_batches(n, b);
                let mut kron = DMatrix::zeros(d * d, d * d);
                let m = random_symmetric(&mut rng, d);
                let mut tm = DMatrix::zeros(d, d);
                for batch in &batches {
                    let (bh, _) = batch_hessian_and_gradient(&p, batch);
                    let a = DMatrix::identity(d, d) - bh * eta;
                    tm += &a * &m * &a / batches.len() as f64;
                    kron += a.kronecker(&a) / batches.len() as f64;
                }
                let t = op.matrix(eta, b);
                let image = coords.matrix((&t * coords.coords(&m)).as_slice());
                assert!(max_abs(&(image - &tm)) < 1e-12 * max_abs(&tm).max(1.0), "T(M) (n={n}, B={b}, η={eta})");
                assert!(max_abs(&(&t - t.transpose())) < 1e-14 * max_abs(&t), "T is symmetric in these coordinates");
                assert!(max_abs(&(&kron - kron.transpose())) < 1e-14 * max_abs(&kron), "Kronecker form is symmetric");

                let dense_sym = SymmetricEigen::new(&t).unwrap();
                let dense_kron = SymmetricEigen::new(&kron).unwrap();
                let rho_kron = dense_kron.values[0].abs().max(dense_kron.values.last().unwrap().abs());
                let rho_sym = dense_sym.values[0].abs().max(dense_sym.values.last().unwrap().abs());
                assert!((rho_kron - rho_sym).abs() < 1e-12 * rho_kron, "ρ on symmetric M = ρ on all M");
                assert!((rho_sym - dense_sym.values[0]).abs() < 1e-12 * rho_sym, "ρ is the largest eigenvalue");
                let lanczos = op.spectral_radius(eta, b, eigen);
                assert!((lanczos - rho_sym).abs() < 1e-10 * rho_sym, "Lanczos {lanczos} vs dense {rho_sym}");
                // T(I) = (I − ηH)² + η²Σ_B: Wu's matrix.
                let wu = wu_criterion(&p, eta, b);
                let t_of_identity = coords.matrix((&t * coords.coords(&DMatrix::identity(d, d))).as_slice());
                let wu_dense = SymmetricEigen::new(&t_of_identity).unwrap().values[0];
                assert!((wu - wu_dense).abs() < 1e-12 * wu.max(1.0));
            }
        }
    }
}

/// The theorems the page states, on many random problems, step sizes and batch sizes:
/// Wu's criterion ≤ 1 ⇒ ρ(T) ≤ 1 (sufficient), ρ(T) ≤ 1 ⇒ λ_max(H) ≤ 2/η (Theorem 1.1), with
/// thresholds η_Wu(B) ≤ η_exact(B) ≤ 2/λ_max(H) that are exact (ρ = 1 and Wu = 1 there) and
/// non-decreasing in B; and Wu's criterion is not necessary: it fails at stable points.
#[test]
fn wu_is_sufficient_and_two_over_eta_is_necessary() {
    let mut rng = seeded(21);
    let mut wu_strictly_inside = 0;
    let mut checked = 0;
    for seed in 0..40u64 {
        let d = 2 + (seed as usize % 5);
        let n = d + (seed as usize * 7 % 9);
        let p = problem(d, n, seed % 2 == 0, 100 + seed);
        let op = MeanSquareOperator::new(&p).unwrap();
        let mut eigen = TopEigen::new(op.coords().len());
        let gd = 2.0 / p.sharpness();
        let mut previous = 0.0;
        for b in 1..=n {
            let exact = op.threshold(b, &mut eigen);
            let wu = wu_threshold(&p, b);
            assert!(wu <= exact * (1.0 + 1e-10), "η_Wu {wu} > η_exact {exact} (B={b})");
            assert!(exact <= gd * (1.0 + 1e-10), "η_exact {exact} > 2/λ_max {gd}");
            assert!(exact >= previous * (1.0 - 1e-10), "η_exact must not fall as B grows");
            previous = exact;
            let rho = op.spectral_radius(exact, b, &mut eigen);
            assert!((rho - 1.0).abs() < 1e-9, "ρ(T) at the exact threshold is {rho}");
            assert!((wu_criterion(&p, wu, b) - 1.0).abs() < 1e-9);
            if wu < exact * (1.0 - 1e-6) {
                wu_strictly_inside += 1;
                let between = (wu * exact).sqrt();
                assert!(op.spectral_radius(between, b, &mut eigen) < 1.0);
                assert!(wu_criterion(&p, between, b) > 1.0);
            }
            for _ in 0..5 {
                let eta = (uniform(&mut rng, -3.0, 1.5f64)).exp();
                let rho = op.spectral_radius(eta, b, &mut eigen);
                let wu_value = wu_criterion(&p, eta, b);
                assert!(rho <= wu_value * (1.0 + 1e-10), "ρ {rho} > Wu {wu_value}");
                assert!(rho >= gd_factor(&p, eta) * (1.0 - 1e-10), "ρ below the GD factor");
                if rho <= 1.0 {
                    assert!(p.sharpness() <= 2.0 / eta * (1.0 + 1e-10), "stable yet λ_max > 2/η");
                }
                assert_eq!(rho <= 1.0, eta <= exact, "η={eta}, B={b}: ρ={rho}, η_exact={exact}");
                checked += 1;
            }
        }
        // GD (B = n) is exactly the deterministic case: all three thresholds coincide.
        let exact_n = op.threshold(n, &mut eigen);
        assert!((exact_n - gd).abs() < 1e-9 * gd && (wu_threshold(&p, n) - gd).abs() < 1e-9 * gd);
    }
    assert!(checked >= 1000);
    assert!(wu_strictly_inside > 100, "Wu's criterion was strictly conservative only {wu_strictly_inside} times");
}

/// In one dimension Wu's criterion is exact: T is a number and T(I) = T.
#[test]
fn wu_is_exact_in_one_dimension() {
    for seed in 0..10 {
        let p = problem(1, 3 + seed as usize, true, 300 + seed);
        let op = MeanSquareOperator::new(&p).unwrap();
        let mut eigen = TopEigen::new(1);
        for b in 1..=p.len() {
            let (exact, wu) = (op.threshold(b, &mut eigen), wu_threshold(&p, b));
            assert!((exact - wu).abs() < 1e-12 * exact, "d = 1: {exact} vs {wu}");
        }
    }
}

/// The exact recursions of E[e_t] and E[e_t e_tᵀ] (with label noise, so every term counts)
/// against the average over every sequence of batches for three steps.
#[test]
fn exact_moments_match_enumerated_batch_sequences() {
    for (seed, d, n, b) in [(31, 2, 4, 2), (32, 3, 4, 1), (33, 2, 5, 3)] {
        let p = problem(d, n, true, seed);
        let op = MeanSquareOperator::new(&p).unwrap();
        let coords = SymmetricCoords::new(d);
        let eta = 0.4;
        let e0 = DVector::from_fn(d, |i, _| 0.3 + i as f64);
        let mut exact = ExactMoments::new(&p, &op, eta, b, &e0);
        let batches = all_batches(n, b);
        let steps: Vec<(DMatrix<f64>, DVector<f64>)> =
            batches.iter().map(|batch| batch_hessian_and_gradient(&p, batch)).collect();
        // Every path of three batches, equally likely.
        let mut paths: Vec<DVector<f64>> = vec![e0.clone()];
        for _ in 0..3 {
            paths = paths.iter().flat_map(|e| steps.iter().map(move |(h, g)| e - (h * e + g) * eta)).collect();
            exact.advance(&p, &coords);
            let count = paths.len() as f64;
            let mean = paths.iter().fold(DVector::zeros(d), |acc, e| acc + e / count);
            let second = paths.iter().fold(DMatrix::zeros(d, d), |acc, e| acc + e * e.transpose() / count);
            assert!((&mean - &exact.mean).amax() < 1e-12, "mean (seed {seed})");
            assert!(max_abs(&(&second - &exact.second)) < 1e-12 * max_abs(&second), "second moment (seed {seed})");
        }
    }
}

/// The exact test against long Monte Carlo runs on random small problems: below the exact
/// threshold E‖e_t‖² falls by orders of magnitude and follows tr S_t; well above it, it grows
/// until the run is stopped. Also: the Monte Carlo mean follows (I − ηH)ᵗe₀, eq. (13).
///
/// The runs' E‖e_t‖² is compared over the first ten steps only: on one of these problems
/// (seed 10) rare runs carry it from about then on (see below), and drawn again with other
/// seeds, 400 runs miss tr S_t by 40 % somewhere in the first 25 steps more often than not, and
/// 4,000 runs in the first ten steps about once in 200 draws.
#[test]
fn monte_carlo_agrees_with_the_exact_test() {
    for seed in 0..12u64 {
        let d = 2 + seed as usize % 3;
        let n = d + 4 + seed as usize % 5;
        let p = problem(d, n, false, 500 + seed);
        let op = MeanSquareOperator::new(&p).unwrap();
        let coords = SymmetricCoords::new(d);
        let mut eigen = TopEigen::new(coords.len());
        let b = 1 + seed as usize % 3;
        let exact = op.threshold(b, &mut eigen);
        let e0 = p.top_eigenvector();
        for (factor, stable) in [(0.7, true), (2.5, false)] {
            let eta = factor * exact;
            let mut mc = MonteCarlo::new(&p, eta, b, 4000, e0.as_slice(), 900 + seed);
            let mut moments = ExactMoments::new(&p, &op, eta, b, &e0);
            let steps = 150;
            mc.advance(&p, steps);
            let last = mc.history().last().unwrap().mean_square_norm;
            if stable {
                assert!(mc.diverged_at().is_none());
                assert!(last < 1e-2, "seed {seed}: stable (ρ < 1) yet E‖e‖² = {last} after {steps} steps");
                // The mean over the first 25 steps, E‖e_t‖² over the first ten, before rare
                // runs start to carry it.
                for t in 1..=25 {
                    moments.advance(&p, &coords);
                    let estimate = &mc.history()[t];
                    let predicted = moments.mean_square_norm();
                    assert!(
                        t > 10 || (estimate.mean_square_norm / predicted - 1.0).abs() < 0.4,
                        "seed {seed} t={t}: Monte Carlo {} vs exact {predicted}",
                        estimate.mean_square_norm
                    );
                    let spread = (predicted / mc.runs() as f64).sqrt();
                    let gap = (DVector::from_column_slice(&estimate.mean) - &moments.mean).norm();
                    assert!(gap < 6.0 * spread + 1e-12, "seed {seed} t={t}: mean off by {gap} (σ ≈ {spread})");
                }
            } else {
                let grew = mc.diverged_at().is_some() || last > 1e3;
                assert!(grew, "seed {seed}: unstable (ρ > 1) yet E‖e‖² = {last} after {steps} steps");
            }
        }
    }
}

/// With label noise the per-sample gradients at θ* do not vanish: in the stable case the
/// second moment settles on the floor tr S_∞ with S_∞ = T(S_∞) + η²c·G, not at zero, while the
/// mean still goes to zero; with exact labels the floor is zero, and with B = n (GD) too.
#[test]
fn label_noise_gives_a_floor() {
    for seed in 0..4u64 {
        let p = problem(3, 12, true, 700 + seed);
        let op = MeanSquareOperator::new(&p).unwrap();
        let coords = SymmetricCoords::new(3);
        let mut eigen = TopEigen::new(coords.len());
        let b = 2;
        let eta = 0.6 * op.threshold(b, &mut eigen);
        let floor = op.stationary_second_moment(&p, eta, b).unwrap();
        assert!(floor.trace() > 1e-4, "noise must leave a floor");
        let e0 = p.top_eigenvector();
        let mut moments = ExactMoments::new(&p, &op, eta, b, &e0);
        for _ in 0..3000 {
            moments.advance(&p, &coords);
        }
        assert!((moments.mean_square_norm() / floor.trace() - 1.0).abs() < 1e-6, "exact recursion reaches the floor");
        assert!(moments.mean.norm() < 1e-6);
        let mut mc = MonteCarlo::new(&p, eta, b, 400, e0.as_slice(), 40 + seed);
        mc.advance(&p, 600);
        let tail: f64 = mc.history()[400..].iter().map(|m| m.mean_square_norm).sum::<f64>() / 201.0;
        assert!((tail / floor.trace() - 1.0).abs() < 0.25, "Monte Carlo floor {tail} vs exact {}", floor.trace());

        let clean = problem(3, 12, false, 700 + seed);
        let op_clean = MeanSquareOperator::new(&clean).unwrap();
        assert!(op_clean.stationary_second_moment(&clean, eta, b).unwrap().amax() == 0.0);
        assert!(op.stationary_second_moment(&p, eta, 12).unwrap().amax() == 0.0, "GD has no noise");
    }
}

/// A map's cells agree with its rows' exact thresholds, its first row is the requested one, and
/// slicing the work differently gives the same map.
#[test]
fn stability_map_agrees_with_the_thresholds() {
    let p = problem(4, 10, false, 77);
    let op = MeanSquareOperator::new(&p).unwrap();
    let mut whole = StabilityMap::new(&p, (0.02, 5.0), 40, 3);
    assert!(whole.advance(&p, &op, 40));
    assert!(whole.has_thresholds(2) && !whole.has_thresholds(0), "the requested row comes first");
    while whole.advance(&p, &op, 7) {}
    assert!(whole.is_complete() && whole.progress() == 1.0);
    let mut sliced = StabilityMap::new(&p, (0.02, 5.0), 40, 3);
    while sliced.advance(&p, &op, 1000) {}
    for row in 0..10 {
        let exact = whole.exact_thresholds[row];
        assert!(whole.wu_thresholds[row] <= exact * (1.0 + 1e-10) && exact <= whole.gd_threshold * (1.0 + 1e-10));
        for col in 0..40 {
            let (eta, rho) = (whole.etas[col], whole.radius(row, col).unwrap());
            assert!((rho - sliced.radius(row, col).unwrap()).abs() < 1e-7 * rho);
            if (eta / exact - 1.0).abs() > 1e-6 {
                assert_eq!(rho <= 1.0, eta <= exact, "cell B={}, η={eta}: ρ={rho}, threshold {exact}", row + 1);
            }
        }
    }
}

/// A seed replays a Monte Carlo run exactly, however the steps are sliced; another seed differs.
#[test]
fn monte_carlo_replays_its_seed() {
    let p = problem(3, 9, true, 5);
    let e0 = p.top_eigenvector();
    let mut once = MonteCarlo::new(&p, 0.3, 2, 50, e0.as_slice(), 1);
    once.advance(&p, 30);
    let mut sliced = MonteCarlo::new(&p, 0.3, 2, 50, e0.as_slice(), 1);
    for chunk in [1, 4, 10, 15] {
        sliced.advance(&p, chunk);
    }
    assert_eq!(once.history(), sliced.history());
    let mut other = MonteCarlo::new(&p, 0.3, 2, 50, e0.as_slice(), 2);
    other.advance(&p, 30);
    assert_ne!(once.history(), other.history());
}

/// Every run draws its batches from its own stream, so the runs can be made on any thread and
/// in any slices of steps: on one thread and on four, in one go and in slices that cut across
/// the steps the runs take on their own, with runs that settle and with runs stopped at their
/// divergence, the estimates and the runs are the same bit for bit.
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn monte_carlo_is_the_same_on_any_number_of_threads_in_any_slices() {
    let p = problem(3, 9, true, 5);
    let e0 = p.top_eigenvector();
    let run = |threads: usize, eta: f64, slices: &[usize]| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        let mc = pool.install(|| {
            let mut mc = MonteCarlo::new(&p, eta, 2, 300, e0.as_slice(), 7);
            for &steps in slices {
                mc.advance(&p, steps);
            }
            mc
        });
        // Debug prints every number exactly, and NaN as itself.
        let errors: Vec<&[f64]> = (0..mc.runs()).map(|r| mc.error(r)).collect();
        (format!("{:?} {:?}", mc.history(), errors), mc.diverged_at())
    };
    for (eta, diverges) in [(0.3, false), (2.6, true)] {
        let whole = run(1, eta, &[120]);
        assert_eq!(whole.1.is_some(), diverges, "η = {eta}: stopped at {:?}", whole.1);
        for (threads, slices) in [(4, &[120][..]), (4, &[1, 30, 33, 2, 54]), (1, &[8; 15]), (4, &[8; 15])] {
            assert!(run(threads, eta, slices) == whole, "η = {eta}, {threads} threads, slices {slices:?}");
        }
    }
}

/// A run is the same however many runs there are beside it: the first runs of many are the
/// runs of fewer.
#[test]
fn a_run_does_not_depend_on_the_others() {
    let p = problem(3, 9, true, 5);
    let e0 = p.top_eigenvector();
    let mut few = MonteCarlo::new(&p, 0.3, 2, 10, e0.as_slice(), 3);
    let mut many = MonteCarlo::new(&p, 0.3, 2, 200, e0.as_slice(), 3);
    few.advance(&p, 50);
    many.advance(&p, 50);
    for r in 0..10 {
        assert_eq!(few.error(r), many.error(r), "run {r}");
    }
}

/// Just above the exact threshold, E‖e_t‖² can grow like ρᵗ while almost every run converges:
/// the mean is carried by rare runs that hit the sharpest sample many times, so a sample mean
/// over R runs underestimates it. The page shows the exact E‖e_t‖² beside the Monte Carlo one
/// for this reason. Here a sample with a large ‖xⱼ‖ makes ρ ≈ 2 at B = 1.
#[test]
fn mean_square_growth_can_be_carried_by_rare_runs() {
    let p = problem(2, 7, false, 506);
    let op = MeanSquareOperator::new(&p).unwrap();
    let coords = SymmetricCoords::new(2);
    let mut eigen = TopEigen::new(coords.len());
    let eta = 1.6 * op.threshold(1, &mut eigen);
    let rho = op.spectral_radius(eta, 1, &mut eigen);
    assert!(rho > 1.5, "ρ = {rho}");
    let e0 = p.top_eigenvector();
    let mut moments = ExactMoments::new(&p, &op, eta, 1, &e0);
    for _ in 0..150 {
        moments.advance(&p, &coords);
    }
    assert!(moments.mean_square_norm() > 1e30, "exact E‖e‖² = {}", moments.mean_square_norm());
    let mut mc = MonteCarlo::new(&p, eta, 1, 400, e0.as_slice(), 906);
    mc.advance(&p, 150);
    assert!(mc.diverged_at().is_none() && mc.history()[150].mean_square_norm < 1.0);
    let converged = (0..mc.runs()).filter(|&r| mc.error(r).iter().map(|v| v * v).sum::<f64>() < 1e-3).count();
    assert!(converged as f64 > 0.9 * mc.runs() as f64, "only {converged} of {} runs converged", mc.runs());
}

/// The runs' median distance is the middle of the sorted distances ‖e_t‖ (the mean of the
/// middle two for an even number of runs), at every step recorded.
#[test]
fn the_median_run_is_the_middle_distance() {
    let p = problem(3, 9, true, 31);
    let e0 = p.top_eigenvector();
    for runs in [1, 2, 7, 50] {
        let mut mc = MonteCarlo::new(&p, 0.4, 2, runs, e0.as_slice(), 5);
        for step in 0..6 {
            let mut norms: Vec<f64> =
                (0..runs).map(|r| mc.error(r).iter().map(|v| v * v).sum::<f64>().sqrt()).collect();
            norms.sort_by(f64::total_cmp);
            let middle = if runs % 2 == 1 { norms[runs / 2] } else { 0.5 * (norms[runs / 2 - 1] + norms[runs / 2]) };
            assert_eq!(mc.history()[step].median_norm, middle, "R = {runs}, step {step}");
            mc.advance(&p, 1);
        }
    }
}

/// The exact moments the figures draw: E[e_t] = (I − ηH)ᵗe₀ against matrix powers, from a start
/// given in the eigenbasis of H; a start on an eigenvector stays on it to rounding, whatever the
/// other directions do; E‖e_t‖² against the recursion; and both sequences end right after
/// their square first passes 10¹² times its start, the mean no earlier than the second moment.
#[test]
fn trajectories_follow_the_exact_moments_and_stop_at_their_caps() {
    let mut rng = seeded(77);
    let (mut means_stopped, mut squares_stopped) = (0, 0);
    for seed in 0..10u64 {
        let d = 2 + seed as usize % 4;
        let n = d + 3 + seed as usize % 4;
        let p = problem(d, n, seed % 2 == 0, 700 + seed);
        let op = MeanSquareOperator::new(&p).unwrap();
        let coords = SymmetricCoords::new(d);
        let eigen = p.hessian_eigen();
        let b = 1 + seed as usize % n;
        for eta in [0.3, 1.5, uniform(&mut rng, 2.0, 4.0)] {
            let start = DVector::from_fn(d, |_, _| normal(&mut rng));
            let spec = RunSpec { eta, batch: b, runs: 5, horizon: 200, seed };
            let traj = Trajectories::new(&p, &op, &start, &spec);
            let e0 = &eigen.vectors * &start;
            let step = DMatrix::identity(d, d) - p.hessian() * eta;
            let mut power = e0.clone();
            let mut moments = ExactMoments::new(&p, &op, eta, b, &e0);
            let cap = 1e12 * e0.norm_squared();
            for (t, mean) in traj.exact_means().iter().enumerate() {
                let scale = power.norm().max(1e-300);
                assert!(
                    (DVector::from_column_slice(mean) - &power).norm() <= 1e-9 * scale,
                    "seed {seed} η {eta} t {t}"
                );
                let before_the_end = t + 1 < traj.exact_means().len();
                assert_eq!(power.norm_squared() > cap, !before_the_end && traj.exact_mean_stopped_at() == Some(t));
                power = &step * power;
            }
            for (t, &square) in traj.exact_mean_squares().iter().enumerate() {
                assert!((square / moments.mean_square_norm() - 1.0).abs() < 1e-12, "seed {seed} η {eta} t {t}");
                moments.advance(&p, &coords);
            }
            let ends = |len: usize, stopped: Option<usize>| match stopped {
                Some(t) => t == len - 1,
                None => len == spec.horizon + 1,
            };
            assert!(ends(traj.exact_means().len(), traj.exact_mean_stopped_at()));
            assert!(ends(traj.exact_mean_squares().len(), traj.exact_stopped_at()));
            if let Some(mean_stop) = traj.exact_mean_stopped_at() {
                assert!(traj.exact_stopped_at().is_some_and(|t| t <= mean_stop));
                means_stopped += 1;
            }
            squares_stopped += traj.exact_stopped_at().is_some() as usize;
        }
        // A start on the k-th eigenvector: the mean is (1 − ηλₖ)ᵗ qₖ.
        let k = seed as usize % d;
        let start = DVector::from_fn(d, |i, _| if i == k { 1.0 } else { 0.0 });
        let spec = RunSpec { eta: 0.8, batch: b, runs: 3, horizon: 120, seed };
        let traj = Trajectories::new(&p, &op, &start, &spec);
        let factor = (1.0 - 0.8 * eigen.values[k]).abs();
        for (t, mean) in traj.exact_means().iter().enumerate() {
            let expected = factor.powi(t as i32);
            let size = mean.iter().map(|v| v * v).sum::<f64>().sqrt();
            assert!((size - expected).abs() <= 1e-12 * expected, "seed {seed} t {t}: {size} vs {expected}");
        }
    }
    assert!(
        means_stopped >= 3 && squares_stopped > means_stopped,
        "{means_stopped} / {squares_stopped}: the caps were met"
    );
}
