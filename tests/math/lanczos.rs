//! Lanczos (`math::lanczos`) against the dense symmetric eigen-solver.
//!
//! The sharpness the page shows is the top Ritz value of the exact Hessian-vector product, so
//! every Lanczos answer here is cross-checked with `dense::SymmetricEigen` on the same operator:
//! random networks (tanh and ReLU, p = 3k + 1 up to 61) and random symmetric matrices with
//! spread, repeated and clustered spectra, plus the degenerate starts.

use nalgebra::{DMatrix, DVector};
use sgd_stability::math::activation::Activation;
use sgd_stability::math::dense::{matrix_of, SymmetricEigen};
use sgd_stability::math::kernels::{Baseline, Isa};
use sgd_stability::math::lanczos::{Lanczos, Ritz};
use sgd_stability::math::network::{Data, Regression, ShallowNet};
use sgd_stability::math::rng::{normal, seeded, uniform, Rng};

fn random_vec(rng: &mut Rng, len: usize) -> Vec<f64> {
    (0..len).map(|_| normal(rng)).collect()
}

fn norm(v: &[f64]) -> f64 {
    Baseline::dot(v, v).sqrt()
}

/// A random network problem with its θ: inputs on [−2, 2], random targets.
fn random_problem(rng: &mut Rng, activation: Activation, k: usize, n: usize) -> (Regression, Vec<f64>) {
    let net = ShallowNet::new(k, activation);
    let theta = random_vec(rng, net.num_params());
    let x = (0..n).map(|_| uniform(rng, -2.0, 2.0)).collect();
    let y = random_vec(rng, n);
    (Regression::new(net, Data { x, y }), theta)
}

/// A random orthogonal matrix: the Q of the QR decomposition of a Gaussian matrix.
fn random_orthogonal(rng: &mut Rng, d: usize) -> DMatrix<f64> {
    DMatrix::from_fn(d, d, |_, _| normal(rng)).qr().q()
}

/// Q diag(λ) Qᵀ, symmetrized.
fn with_spectrum(q: &DMatrix<f64>, values: &[f64]) -> DMatrix<f64> {
    let a = q * DMatrix::from_diagonal(&DVector::from_column_slice(values)) * q.transpose();
    (&a + a.transpose()) * 0.5
}

fn apply_dense(a: &DMatrix<f64>) -> impl FnMut(&[f64], &mut [f64]) + '_ {
    move |v, out| {
        let r = a * DVector::from_column_slice(v);
        out.copy_from_slice(r.as_slice());
    }
}

fn spectral_radius(eig: &SymmetricEigen) -> f64 {
    eig.values.iter().fold(0.0f64, |m, v| m.max(v.abs()))
}

/// Checks what `Ritz` promises of every pair, whatever the operator: values in descending
/// order, unit vectors, and a `residuals` entry equal to the true ‖Ay − θy‖ (to 1e-8‖A‖).
/// Also the residual theorem of symmetric matrices: some eigenvalue lies within ‖Ay − θy‖ of θ.
fn check_ritz_pairs(ritz: &Ritz, a: &DMatrix<f64>, eig: &SymmetricEigen) {
    let a_norm = spectral_radius(eig).max(1e-300);
    assert!(ritz.values.windows(2).all(|w| w[0] >= w[1]), "Ritz values not descending: {:?}", ritz.values);
    assert_eq!(ritz.values.len(), ritz.vectors.len());
    assert_eq!(ritz.values.len(), ritz.residuals.len());
    for ((&theta, y), &reported) in ritz.values.iter().zip(&ritz.vectors).zip(&ritz.residuals) {
        assert!((norm(y) - 1.0).abs() <= 1e-10, "Ritz vector of norm {}", norm(y));
        let ay = a * DVector::from_column_slice(y);
        let true_res = (ay - DVector::from_column_slice(y) * theta).norm();
        assert!(
            (true_res - reported).abs() <= 1e-8 * a_norm,
            "reported residual {reported:e} but ‖Ay − θy‖ = {true_res:e} (‖A‖ = {a_norm:e})"
        );
        let gap = eig.values.iter().map(|l| (l - theta).abs()).fold(f64::INFINITY, f64::min);
        assert!(
            gap <= true_res + 1e-10 * a_norm,
            "θ = {theta} is {gap:e} from every eigenvalue, residual {true_res:e}"
        );
    }
}

/// Runs Lanczos on a network's Hessian and returns its answer with the dense Hessian and its
/// eigen-decomposition.
fn lanczos_on_network(
    problem: &Regression,
    theta: &[f64],
    max_iter: usize,
    k: usize,
    rng: &mut Rng,
) -> (Ritz, DMatrix<f64>, SymmetricEigen) {
    let p = problem.num_params();
    let dense = problem.hessian_parts(theta).full();
    let eig = SymmetricEigen::new(&dense).expect("dense eigen-decomposition");
    let start = random_vec(rng, p);
    let mut scratch = vec![0.0; p];
    let mut lanczos = Lanczos::new(p, max_iter);
    let ritz = lanczos
        .top(k, &start, |v, out| problem.hessian_vec(theta, v, out, &mut scratch))
        .expect("Lanczos on a finite Hessian");
    (ritz, dense, eig)
}

/// Full Lanczos (max_iter = p) spans the whole space, so the top eigenvalue, and the top 3,
/// must be the dense ones to 1e-8 relative, on tanh and ReLU networks of every width up to 20.
#[test]
fn full_lanczos_on_network_hessians_matches_dense() {
    let mut rng = seeded(2718);
    let mut cases = 0;
    for activation in [Activation::Tanh, Activation::Relu] {
        for k in [3, 5, 8, 12, 16, 20] {
            for n in [4, 10, 25] {
                let (problem, theta) = random_problem(&mut rng, activation, k, n);
                let p = problem.num_params();
                let (ritz, dense, eig) = lanczos_on_network(&problem, &theta, p, 3, &mut rng);
                let radius = spectral_radius(&eig);
                assert!(ritz.iterations <= p);
                assert_eq!(ritz.values.len(), 3.min(ritz.iterations));
                let rel = (ritz.values[0] - eig.values[0]).abs() / eig.values[0].abs().max(1e-300);
                assert!(
                    rel <= 1e-8,
                    "{activation:?} k={k} n={n}: Lanczos {} vs dense {} (rel {rel:e})",
                    ritz.values[0],
                    eig.values[0]
                );
                // The next Ritz values are the next *distinct* eigenvalues (the Krylov space
                // holds one vector per eigenspace), so compare with the distinct dense ones.
                let mut distinct: Vec<f64> = Vec::new();
                for &v in &eig.values {
                    if distinct.last().is_none_or(|&l| l - v > 1e-9 * radius) {
                        distinct.push(v);
                    }
                }
                for (i, &value) in ritz.values.iter().enumerate() {
                    assert!(
                        (value - distinct[i]).abs() <= 1e-8 * radius,
                        "{activation:?} k={k} n={n}: Ritz value {i} = {value} vs dense {} (all: {:?})",
                        distinct[i],
                        &eig.values[..4.min(p)]
                    );
                }
                check_ritz_pairs(&ritz, &dense, &eig);
                cases += 1;
            }
        }
    }
    assert_eq!(cases, 36);
}

/// The page runs Lanczos with a small budget: 20 iterations on p = 61 must already give the
/// top eigenvalue to 1e-6 relative on random tanh and ReLU networks (all 24 cases here; in
/// fact they reach 3e-15, the top eigenvalue of these Hessians being well separated).
#[test]
fn twenty_iterations_find_the_top_eigenvalue_of_a_network_hessian() {
    let mut rng = seeded(161);
    for activation in [Activation::Tanh, Activation::Relu] {
        for case in 0..12 {
            let n = [8, 15, 30][case % 3];
            let (problem, theta) = random_problem(&mut rng, activation, 20, n);
            assert_eq!(problem.num_params(), 61);
            let (ritz, dense, eig) = lanczos_on_network(&problem, &theta, 20, 1, &mut rng);
            assert_eq!(ritz.iterations, 20);
            check_ritz_pairs(&ritz, &dense, &eig);
            // A Ritz value is a Rayleigh quotient: never above the top eigenvalue.
            assert!(ritz.values[0] <= eig.values[0] * (1.0 + 1e-12) + 1e-12);
            let rel = (ritz.values[0] - eig.values[0]).abs() / eig.values[0].abs();
            assert!(rel <= 1e-6, "{activation:?} case {case} (n = {n}): relative error {rel:e}");
        }
    }
}

/// Random symmetric matrices with spread spectra, both signs: full Lanczos recovers the top
/// eigenvalues to 1e-8 relative, cross-checked with the dense solver and with the spectrum the
/// matrix was built from.
#[test]
fn full_lanczos_on_random_symmetric_matrices_matches_dense() {
    let mut rng = seeded(4);
    for d in 1..=40 {
        let q = random_orthogonal(&mut rng, d);
        let mut values: Vec<f64> = (0..d).map(|_| normal(&mut rng) * 3.0).collect();
        let a = with_spectrum(&q, &values);
        values.sort_by(|x, y| y.total_cmp(x));
        let eig = SymmetricEigen::new(&a).unwrap();
        let radius = spectral_radius(&eig);
        for (dense, built) in eig.values.iter().zip(&values) {
            assert!((dense - built).abs() <= 1e-12 * radius, "d={d}: dense {:?} vs built {values:?}", eig.values);
        }
        let start = random_vec(&mut rng, d);
        let ritz = Lanczos::new(d, d).top(3, &start, apply_dense(&a)).unwrap();
        assert_eq!(ritz.values.len(), 3.min(d));
        for (i, &v) in ritz.values.iter().enumerate() {
            assert!((v - eig.values[i]).abs() <= 1e-8 * radius, "d={d}: {:?} vs {:?}", ritz.values, eig.values);
        }
        for y in &ritz.vectors {
            assert!((norm(y) - 1.0).abs() <= 1e-10);
        }
    }
}

/// The reported `residuals` are what a caller uses to judge convergence: they must be the true
/// ‖Ay − θy‖ of the returned pairs (to 1e-8‖A‖), on random symmetric matrices.
#[test]
fn reported_residuals_are_the_true_residuals_on_random_matrices() {
    let mut rng = seeded(4);
    for d in 1..=40 {
        let q = random_orthogonal(&mut rng, d);
        let values: Vec<f64> = (0..d).map(|_| normal(&mut rng) * 3.0).collect();
        let a = with_spectrum(&q, &values);
        let eig = SymmetricEigen::new(&a).unwrap();
        let start = random_vec(&mut rng, d);
        let ritz = Lanczos::new(d, d).top(3, &start, apply_dense(&a)).unwrap();
        check_ritz_pairs(&ritz, &a, &eig);
    }
}

/// The dense solver is the reference of every eigen-check, and its vectors feed Lanczos's Ritz
/// vectors and `QuadraticNd`'s eigen-directions: each column must be an eigenvector of its
/// value, ‖Av − λv‖ ≤ 1e-10‖A‖, and the columns orthonormal.
#[test]
fn dense_eigenvectors_are_eigenvectors() {
    #[rustfmt::skip]
    let a = DMatrix::from_row_slice(3, 3, &[
        1.8005041442354943, -1.0934929189039253, -1.813486071062914,
        -1.0934929189039253, 1.3315391535653105, -2.243657862843407,
        -1.813486071062914, -2.243657862843407, -1.0368510178952102,
    ]);
    let mut matrices = vec![a];
    let mut rng = seeded(4);
    for case in 0..3000 {
        let d = 2 + case % 12;
        let q = random_orthogonal(&mut rng, d);
        let values: Vec<f64> = (0..d).map(|_| normal(&mut rng) * 3.0).collect();
        matrices.push(with_spectrum(&q, &values));
    }
    let mut bad = Vec::new();
    for (case, a) in matrices.iter().enumerate() {
        let d = a.nrows();
        let eig = SymmetricEigen::new(a).unwrap();
        let radius = spectral_radius(&eig);
        let orth = (eig.vectors.transpose() * &eig.vectors - DMatrix::<f64>::identity(d, d)).amax();
        assert!(orth <= 1e-12, "case {case}: columns not orthonormal ({orth:e})");
        let worst = (0..d)
            .map(|i| {
                let v = eig.vectors.column(i).into_owned();
                (a * &v - &v * eig.values[i]).norm()
            })
            .fold(0.0, f64::max);
        if worst > 1e-10 * radius {
            bad.push((case, d, worst / radius));
        }
    }
    assert!(
        bad.is_empty(),
        "{} of {} matrices have an eigenvector off by > 1e-10‖A‖: {:?}",
        bad.len(),
        matrices.len(),
        &bad[..bad.len().min(8)]
    );
}

/// A repeated eigenvalue has a one-dimensional trace in a Krylov space: asked for one pair,
/// Lanczos must detect the exhausted space (stop after as many iterations as there are distinct
/// eigenvalues) with the top eigenvalue exact; asked for all pairs, it must go on in fresh
/// directions and recover every eigenvalue with its multiplicity.
#[test]
fn repeated_eigenvalues_exhaust_the_krylov_space() {
    let mut rng = seeded(77);
    for case in 0..30 {
        let d = 6 + case % 20;
        let distinct_values = [5.0, 2.0, -1.0, 0.5];
        let used = 2 + case % 3;
        let values: Vec<f64> = (0..d).map(|i| distinct_values[i % used]).collect();
        let q = random_orthogonal(&mut rng, d);
        let a = with_spectrum(&q, &values);
        let eig = SymmetricEigen::new(&a).unwrap();
        let start = random_vec(&mut rng, d);
        let ritz = Lanczos::new(d, d).top(1, &start, apply_dense(&a)).unwrap();
        assert_eq!(ritz.iterations, used, "case {case}: {:?}", ritz.values);
        assert!((ritz.values[0] - 5.0).abs() <= 1e-12 * 5.0, "case {case}: {:?}", ritz.values);
        assert!(ritz.residuals[0] <= 1e-11 * 5.0, "case {case}: residual at an exhausted space");
        let all = Lanczos::new(d, d).top(d, &start, apply_dense(&a)).unwrap();
        assert_eq!(all.values.len(), d, "case {case}");
        for (v, e) in all.values.iter().zip(&eig.values) {
            assert!((v - e).abs() <= 1e-10 * 5.0, "case {case}: {:?} vs {:?}", all.values, eig.values);
        }
        check_ritz_pairs(&ritz, &a, &eig);
    }
}

/// Clustered eigenvalues (gaps of 1e-6 relative at the top) are where Lanczos converges
/// slowest; with the full budget it must still resolve the top one to 1e-8 relative.
#[test]
fn clustered_eigenvalues_are_resolved_with_the_full_budget() {
    let mut rng = seeded(1234);
    for case in 0..20 {
        let d = 10 + case;
        let mut values: Vec<f64> = (0..d).map(|_| uniform(&mut rng, -1.0, 1.0)).collect();
        values[0] = 10.0;
        values[1] = 10.0 * (1.0 - 1e-6);
        values[2] = 10.0 * (1.0 - 2e-6);
        let q = random_orthogonal(&mut rng, d);
        let a = with_spectrum(&q, &values);
        let eig = SymmetricEigen::new(&a).unwrap();
        let start = random_vec(&mut rng, d);
        let ritz = Lanczos::new(d, d).top(3, &start, apply_dense(&a)).unwrap();
        assert!((ritz.values[0] - eig.values[0]).abs() <= 1e-8 * eig.values[0], "case {case}: {:?}", ritz.values);
        check_ritz_pairs(&ritz, &a, &eig);
    }
}

/// A zero, NaN or infinite start, or an operator returning NaN, is a failure value (None),
/// never a panic and never a made-up eigenvalue.
#[test]
fn degenerate_starts_and_operators_give_none() {
    let a = DMatrix::from_diagonal(&DVector::from_column_slice(&[3.0, 2.0, 1.0]));
    let mut lanczos = Lanczos::new(3, 3);
    assert_eq!(lanczos.dim(), 3);
    assert!(lanczos.top(1, &[0.0, 0.0, 0.0], apply_dense(&a)).is_none());
    assert!(lanczos.top(1, &[f64::NAN, 1.0, 0.0], apply_dense(&a)).is_none());
    assert!(lanczos.top(1, &[f64::INFINITY, 1.0, 0.0], apply_dense(&a)).is_none());
    assert!(lanczos.top(1, &[1.0, 1.0, 1.0], |_, out| out.fill(f64::NAN)).is_none());
    // The workspace is still usable after a failure.
    let ritz = lanczos.top(1, &[1.0, 1.0, 1.0], apply_dense(&a)).unwrap();
    assert!((ritz.values[0] - 3.0).abs() <= 1e-14);
}

/// A start vector that is an eigenvector spans an invariant space at once: asked for one pair,
/// Lanczos must stop after one iteration with that exact eigenvalue and a residual at rounding
/// level.
#[test]
fn an_eigenvector_start_stops_after_one_iteration() {
    // Exactly invariant: a diagonal matrix and a coordinate vector.
    let values = [4.0, -2.5, 1.0, 0.25, 7.0];
    let a = DMatrix::from_diagonal(&DVector::from_column_slice(&values));
    for (i, &lambda) in values.iter().enumerate() {
        let mut start = vec![0.0; 5];
        start[i] = -2.0;
        let ritz = Lanczos::new(5, 5).top(1, &start, apply_dense(&a)).unwrap();
        assert_eq!(ritz.iterations, 1);
        assert_eq!(ritz.values, vec![lambda]);
        assert_eq!(ritz.residuals, vec![0.0]);
        assert_eq!(ritz.vectors[0].iter().map(|v| v.abs()).collect::<Vec<_>>(), {
            let mut e = vec![0.0; 5];
            e[i] = 1.0;
            e
        });
    }
    // Invariant up to rounding: eigenvectors of random rotated matrices, for eigenvalues that
    // are not small next to ‖A‖.
    let mut rng = seeded(55);
    for d in 2..=30 {
        let q = random_orthogonal(&mut rng, d);
        let values: Vec<f64> =
            (0..d).map(|_| uniform(&mut rng, 0.2, 5.0) * if normal(&mut rng) < 0.0 { -1.0 } else { 1.0 }).collect();
        let a = with_spectrum(&q, &values);
        for (i, &lambda) in values.iter().enumerate() {
            let start: Vec<f64> = q.column(i).iter().copied().collect();
            let ritz = Lanczos::new(d, d).top(1, &start, apply_dense(&a)).unwrap();
            assert_eq!(ritz.iterations, 1, "d={d}, eigenvalue {lambda}: {:?}", ritz.values);
            assert!((ritz.values[0] - lambda).abs() <= 1e-13 * 5.0, "{} vs {lambda}", ritz.values[0]);
            assert!(ritz.residuals[0] <= 1e-12 * 5.0, "residual {:e}", ritz.residuals[0]);
        }
    }
}

/// The workspace is reused across calls (as the page does every frame): a second call on a
/// different operator must not see anything of the first, and a budget above the dimension is
/// capped at it.
#[test]
fn workspace_reuse_and_budget_cap() {
    let mut rng = seeded(9);
    let d = 12;
    let mut lanczos = Lanczos::new(d, 1000);
    for _ in 0..5 {
        let q = random_orthogonal(&mut rng, d);
        let values: Vec<f64> = (0..d).map(|_| normal(&mut rng)).collect();
        let a = with_spectrum(&q, &values);
        let eig = SymmetricEigen::new(&a).unwrap();
        let start = random_vec(&mut rng, d);
        let ritz = lanczos.top(2, &start, apply_dense(&a)).unwrap();
        assert!(ritz.iterations <= d);
        let fresh = Lanczos::new(d, d).top(2, &start, apply_dense(&a)).unwrap();
        assert_eq!(ritz, fresh, "a reused workspace must give the same answer as a fresh one");
        assert!((ritz.values[0] - eig.values[0]).abs() <= 1e-10 * spectral_radius(&eig));
    }
    // Dimension one: the only eigenvalue, at once.
    let ritz = Lanczos::new(1, 5).top(4, &[0.3], |v, out| out[0] = -7.5 * v[0]).unwrap();
    assert_eq!((ritz.values.clone(), ritz.iterations), (vec![-7.5], 1));
    // And a cross-check of `matrix_of` on the operator form used above.
    let a = with_spectrum(&random_orthogonal(&mut rng, 4), &[1.0, 2.0, 3.0, 4.0]);
    assert!((matrix_of(4, apply_dense(&a)) - &a).amax() <= 1e-15 * 4.0);
}

/// A workspace that skips the Ritz vectors gives the same values, residuals and error bounds,
/// and no vectors.
#[test]
fn ritz_vectors_can_be_left_out() {
    let mut rng = seeded(21);
    let d = 40;
    let a = with_spectrum(&random_orthogonal(&mut rng, d), &(0..d).map(|i| i as f64 / 3.0 - 2.0).collect::<Vec<_>>());
    let start = random_vec(&mut rng, d);
    let with = Lanczos::new(d, 15).top(2, &start, apply_dense(&a)).unwrap();
    let without = Lanczos::new(d, 15).without_ritz_vectors().top(2, &start, apply_dense(&a)).unwrap();
    assert_eq!(with.vectors.len(), 2);
    assert!(without.vectors.is_empty());
    assert_eq!(
        (&with.values, &with.residuals, &with.error_bounds, with.iterations),
        (&without.values, &without.residuals, &without.error_bounds, without.iterations)
    );
}
