//! GD on quadratics, eqs (1)–(7) of the lecture, and the stability theorem they lead to:
//! GD with step η converges on f(x) = ½xᵀAx + bᵀx + c exactly when every eigenvalue of A is
//! below 2/η.
//!
//! The iterates of `math::quadratic` are checked against the closed forms, the eigen-direction
//! recursion (7) against the iterates, and the theorem as a property over 1,200 random
//! quadratics, in both directions.

use nalgebra::{DMatrix, DVector};
use sgd_stability::math::quadratic::{gd_iterates_1d, rotation_2d, Fate, Quadratic1d, QuadraticNd, DIVERGENCE_GROWTH};
use sgd_stability::math::rng::{normal, seeded, uniform, Rng};

/// A random orthogonal matrix: the Q of the QR decomposition of a Gaussian matrix.
fn random_orthogonal(rng: &mut Rng, d: usize) -> DMatrix<f64> {
    DMatrix::from_fn(d, d, |_, _| normal(rng)).qr().q()
}

fn random_vector(rng: &mut Rng, d: usize) -> DVector<f64> {
    DVector::from_fn(d, |_, _| normal(rng))
}

/// Log-uniform on [lo, hi].
fn log_uniform(rng: &mut Rng, lo: f64, hi: f64) -> f64 {
    uniform(rng, lo.ln(), hi.ln()).exp()
}

/// A random SPD matrix Q diag(a) Qᵀ with the given spectrum, symmetrized.
fn spd(q: &DMatrix<f64>, spectrum: &[f64]) -> DMatrix<f64> {
    let a = q * DMatrix::from_diagonal(&DVector::from_column_slice(spectrum)) * q.transpose();
    (&a + a.transpose()) * 0.5
}

/// Eq (4): the GD iterates are x* + (1 − ηa)ᵗ(x₀ − x*), for converging and diverging steps
/// alike, as long as the numbers stay moderate (|x| ≤ 1e6 here).
#[test]
fn gd_1d_matches_the_closed_form() {
    let mut rng = seeded(11);
    let mut compared = 0;
    for _ in 0..2000 {
        let f = Quadratic1d {
            a: log_uniform(&mut rng, 0.01, 100.0),
            b: uniform(&mut rng, -10.0, 10.0),
            c: normal(&mut rng),
        };
        let eta = uniform(&mut rng, 0.0, 2.6) / f.a;
        let x0 = uniform(&mut rng, -10.0, 10.0);
        let (xs, fate) = gd_iterates_1d(&f, x0, eta, 200);
        assert_eq!(xs[0], x0);
        match fate {
            Fate::Completed => assert_eq!(xs.len(), 201),
            Fate::Diverged { step } => assert_eq!(xs.len(), step + 1),
        }
        let x_star = f.minimizer();
        assert!(f.derivative(x_star).abs() <= 1e-12 * (f.b.abs() + 1.0), "x* is not stationary");
        for (t, &x) in xs.iter().enumerate() {
            if x.abs() > 1e6 {
                break;
            }
            let closed = f.closed_form(x0, eta, t);
            let scale = closed.abs().max(x0.abs()).max(x_star.abs()).max(1e-300);
            assert!(
                (x - closed).abs() <= 1e-10 * scale,
                "a={} b={} η={eta} x0={x0} t={t}: GD {x} vs closed form {closed}",
                f.a,
                f.b
            );
            compared += 1;
        }
    }
    assert!(compared > 100_000, "only {compared} iterates compared");
}

/// The 1-D theorem: |1 − ηa| < 1 (a < 2/η) converges to x*, |1 − ηa| > 1 diverges and is
/// reported as `Fate::Diverged` at the step the distance passes 10⁸ times its start.
#[test]
fn gd_1d_converges_exactly_below_two_over_eta() {
    let mut rng = seeded(12);
    let (mut stable, mut unstable) = (0, 0);
    for case in 0..2000 {
        let f = Quadratic1d { a: log_uniform(&mut rng, 0.05, 20.0), b: uniform(&mut rng, -5.0, 5.0), c: 0.0 };
        let s = if case % 2 == 0 { uniform(&mut rng, 0.02, 1.98) } else { uniform(&mut rng, 2.02, 4.0) };
        let eta = s / f.a;
        let x_star = f.minimizer();
        let x0 = x_star + uniform(&mut rng, 0.5, 3.0) * if normal(&mut rng) < 0.0 { -1.0 } else { 1.0 };
        let (xs, fate) = gd_iterates_1d(&f, x0, eta, 2000);
        if f.a < 2.0 / eta {
            stable += 1;
            assert_eq!(fate, Fate::Completed);
            let last = *xs.last().unwrap();
            assert!((last - x_star).abs() <= 1e-6 * (x0 - x_star).abs(), "a={} η={eta}: ended at {last}", f.a);
        } else {
            unstable += 1;
            let Fate::Diverged { step } = fate else { panic!("a={} > 2/η={} but GD completed", f.a, 2.0 / eta) };
            let limit = DIVERGENCE_GROWTH * (x0 - x_star).abs().max(1.0);
            assert!((xs[step] - x_star).abs() > limit);
            assert!(xs[..step].iter().all(|x| (x - x_star).abs() <= limit), "reported late");
        }
    }
    assert!(stable >= 300 && unstable >= 300, "{stable} stable, {unstable} unstable");
}

/// A random d-dimensional test quadratic: SPD A with a random positive spectrum, random b.
struct RandomQuadratic {
    f: QuadraticNd,
    a: DMatrix<f64>,
    b: DVector<f64>,
    spectrum: Vec<f64>,
}

fn random_quadratic(rng: &mut Rng, d: usize) -> RandomQuadratic {
    let q = random_orthogonal(rng, d);
    let spectrum: Vec<f64> = (0..d).map(|_| log_uniform(rng, 0.1, 10.0)).collect();
    let a = spd(&q, &spectrum);
    let b = random_vector(rng, d);
    let f = QuadraticNd::new(a.clone(), b.clone(), normal(rng)).expect("an SPD matrix is accepted");
    RandomQuadratic { f, a, b, spectrum }
}

/// max ‖Aqᵢ − aᵢqᵢ‖ over the eigenpairs `QuadraticNd` computed (for the failure messages).
fn eigenvector_error(f: &QuadraticNd) -> f64 {
    let q = f.eigenvectors();
    (0..f.dim()).map(|i| (f.matrix() * q.column(i) - q.column(i) * f.eigenvalues()[i]).norm()).fold(0.0, f64::max)
}

/// The building blocks of the d-dimensional closed form: the dense eigenvalues are the spectrum
/// A was built from, and the minimizer solves Ax* = −b.
#[test]
fn quadratic_nd_eigenvalues_and_minimizer() {
    let mut rng = seeded(21);
    for case in 0..3000 {
        let d = 1 + case % 6;
        let r = random_quadratic(&mut rng, d);
        let mut spectrum = r.spectrum.clone();
        spectrum.sort_by(|x, y| y.total_cmp(x));
        for (got, want) in r.f.eigenvalues().iter().zip(&spectrum) {
            assert!((got - want).abs() <= 1e-12 * spectrum[0], "{:?} vs {spectrum:?}", r.f.eigenvalues());
        }
        assert_eq!(r.f.dim(), d);
        assert_eq!(r.f.matrix(), &r.a);
        let x_star = r.f.minimizer();
        let residual = (&r.a * &x_star + &r.b).norm();
        assert!(
            residual <= 1e-10 * r.b.norm(),
            "case {case} (d = {d}): ‖Ax* + b‖ = {residual:e}; eigenvector error {:e}",
            eigenvector_error(&r.f)
        );
    }
}

/// GD in d dimensions against the closed form x* + Q diag((1 − ηaᵢ)ᵗ) Qᵀ(x₀ − x*), for steps
/// on both sides of 2/η_max.
#[test]
fn gd_nd_matches_the_closed_form() {
    let mut rng = seeded(22);
    for case in 0..3000 {
        let d = 1 + case % 6;
        let r = random_quadratic(&mut rng, d);
        let a_max = r.f.eigenvalues()[0];
        let eta = uniform(&mut rng, 0.05, 2.4) / a_max;
        let x0 = random_vector(&mut rng, d) * 3.0;
        let (xs, _) = r.f.gd_iterates(&x0, eta, 120);
        let x_star = r.f.minimizer();
        for (t, x) in xs.iter().enumerate() {
            if x.norm() > 1e6 {
                break;
            }
            let closed = r.f.closed_form(&x0, eta, t);
            let scale = closed.norm().max(x0.norm()).max(x_star.norm());
            let err = (x - &closed).norm();
            assert!(
                err <= 1e-9 * scale,
                "case {case} (d = {d}), η·a_max = {}, t = {t}: error {err:e}; eigenvector error {:e}",
                eta * a_max,
                eigenvector_error(&r.f)
            );
        }
    }
}

/// Eq (7): along each eigenvector, qᵢᵀx_{t+1} = (1 − ηaᵢ) qᵢᵀx_t − η qᵢᵀb: the d-dimensional
/// problem is d independent one-dimensional ones.
#[test]
fn projections_follow_equation_7() {
    let mut rng = seeded(23);
    for case in 0..3000 {
        let d = 1 + case % 6;
        let r = random_quadratic(&mut rng, d);
        let eta = uniform(&mut rng, 0.05, 2.4) / r.f.eigenvalues()[0];
        let q = r.f.eigenvectors().clone();
        let qb = q.transpose() * &r.b;
        let x0 = random_vector(&mut rng, d);
        let (xs, _) = r.f.gd_iterates(&x0, eta, 60);
        for w in xs.windows(2) {
            let (now, next) = (r.f.projections(&w[0]), r.f.projections(&w[1]));
            let scale = w[0].norm().max(w[1].norm()).max(eta * r.b.norm());
            for i in 0..d {
                let ai = r.f.eigenvalues()[i];
                let expected = (1.0 - eta * ai) * now[i] - eta * qb[i];
                assert!(
                    (next[i] - expected).abs() <= 1e-10 * scale,
                    "case {case} (d = {d}), direction {i}: {} vs {expected}; eigenvector error {:e}",
                    next[i],
                    eigenvector_error(&r.f)
                );
            }
        }
        // The projections are the coordinates in the orthonormal eigenbasis.
        let p = DVector::from_vec(r.f.projections(&x0));
        assert!((&q * p - &x0).norm() <= 1e-12 * x0.norm());
    }
}

/// THE theorem of the quadratic section, as a property over 1,200 random quadratics in 1 to 5
/// dimensions: GD converges (‖x_T − x*‖ ≤ 1e-6‖x₀ − x*‖) exactly when every eigenvalue of A is
/// below 2/η, and diverges (`Fate::Diverged`, or a distance grown more than 10⁶-fold) when some
/// eigenvalue is above it. Eigenvalues are drawn with |1 − ηaᵢ| at least 0.02 away from 1, so
/// 3,000 steps decide every case.
#[test]
fn gd_converges_exactly_when_every_eigenvalue_is_below_two_over_eta() {
    let mut rng = seeded(2);
    let (mut converging, mut diverging) = (0, 0);
    for case in 0..1200 {
        let d = 1 + case % 5;
        let eta = log_uniform(&mut rng, 0.01, 5.0);
        let want_unstable = case % 2 == 1;
        // ηaᵢ in [0.02, 1.98] (|1 − ηaᵢ| ≤ 0.98) or [2.02, 4] (|1 − ηaᵢ| ≥ 1.02).
        let unstable_count = if want_unstable { 1 + (uniform(&mut rng, 0.0, d as f64) as usize).min(d - 1) } else { 0 };
        let mut scaled: Vec<f64> = (0..d)
            .map(|i| if i < unstable_count { uniform(&mut rng, 2.02, 4.0) } else { uniform(&mut rng, 0.02, 1.98) })
            .collect();
        // Shuffle so the unstable directions are not always the first columns of Q.
        for i in (1..d).rev() {
            let j = (uniform(&mut rng, 0.0, (i + 1) as f64) as usize).min(i);
            scaled.swap(i, j);
        }
        let spectrum: Vec<f64> = scaled.iter().map(|s| s / eta).collect();
        let q = random_orthogonal(&mut rng, d);
        let x_star = random_vector(&mut rng, d);
        let f = QuadraticNd::from_spectrum(&q, &spectrum, &x_star, 0.0).expect("SPD by construction");
        let x0 = &x_star + random_vector(&mut rng, d);
        let start = (&x0 - &x_star).norm();

        // The predicate of the theorem, on the eigenvalues the numerics compute.
        let stable = f.eigenvalues().iter().all(|&a| a < 2.0 / eta);
        assert_eq!(stable, !want_unstable, "case {case}: dense eigenvalues {:?} vs {spectrum:?}", f.eigenvalues());

        let (xs, fate) = f.gd_iterates(&x0, eta, 3000);
        let last = xs.last().unwrap();
        let distance = (last - &x_star).norm();
        if stable {
            converging += 1;
            assert_eq!(fate, Fate::Completed, "case {case}: stable but {fate:?}");
            assert!(distance <= 1e-6 * start, "case {case}: stable (η·a = {scaled:?}) but ‖x_T − x*‖ = {distance:e}");
        } else {
            diverging += 1;
            let diverged = matches!(fate, Fate::Diverged { .. }) || distance > 1e6 * start;
            assert!(diverged, "case {case}: η·a = {scaled:?} has one above 2 but ‖x_T − x*‖ = {distance:e}");
            assert!(last.iter().all(|v| v.is_finite()), "divergence must stop before overflow");
        }
    }
    assert!(converging >= 300 && diverging >= 300, "{converging} converging, {diverging} diverging cases");
}

/// `Fate::Diverged` is reported at the first step whose distance to x* exceeds 10⁸ times the
/// start (at least 10⁸), and never for a run that stays bounded.
#[test]
fn divergence_is_reported_at_the_first_step_past_the_limit() {
    let mut rng = seeded(24);
    for case in 0..300 {
        let d = 1 + case % 4;
        let r = random_quadratic(&mut rng, d);
        let eta = uniform(&mut rng, 2.05, 3.0) / r.f.eigenvalues()[0];
        let x0 = random_vector(&mut rng, d);
        let (xs, fate) = r.f.gd_iterates(&x0, eta, 5000);
        let x_star = r.f.minimizer();
        let limit = DIVERGENCE_GROWTH * (&x0 - &x_star).norm().max(1.0);
        let Fate::Diverged { step } = fate else { panic!("case {case}: η above 2/a_max but {fate:?}") };
        assert_eq!(xs.len(), step + 1);
        assert!((&xs[step] - &x_star).norm() > limit);
        assert!(xs[..step].iter().all(|x| (x - &x_star).norm() <= limit));
    }
}

/// Non-SPD, non-symmetric or mis-sized input is refused (None), never a panic; and
/// `rotation_2d` is the rotation the 2-D figure builds its eigenvectors from.
#[test]
fn invalid_quadratics_are_refused_and_rotation_is_orthogonal() {
    let sym = |v: &[f64]| DMatrix::from_row_slice(2, 2, v);
    let b = DVector::from_column_slice(&[1.0, 2.0]);
    assert!(QuadraticNd::new(sym(&[1.0, 0.0, 0.0, -1.0]), b.clone(), 0.0).is_none(), "indefinite");
    assert!(QuadraticNd::new(sym(&[1.0, 0.0, 0.0, 0.0]), b.clone(), 0.0).is_none(), "singular");
    assert!(QuadraticNd::new(sym(&[1.0, 0.5, 0.0, 1.0]), b.clone(), 0.0).is_none(), "asymmetric");
    assert!(QuadraticNd::new(sym(&[1.0, f64::NAN, f64::NAN, 1.0]), b.clone(), 0.0).is_none(), "NaN");
    assert!(QuadraticNd::new(DMatrix::identity(3, 3), b.clone(), 0.0).is_none(), "size mismatch");
    assert!(QuadraticNd::new(DMatrix::from_element(2, 3, 1.0), b.clone(), 0.0).is_none(), "not square");
    assert!(QuadraticNd::new(sym(&[2.0, 0.5, 0.5, 1.0]), b, 0.0).is_some());

    let mut rng = seeded(25);
    for _ in 0..100 {
        let angle = uniform(&mut rng, -10.0, 10.0);
        let r = rotation_2d(angle);
        assert!((r.transpose() * &r - DMatrix::<f64>::identity(2, 2)).amax() <= 1e-15);
        assert!((r.determinant() - 1.0).abs() <= 1e-15);
        assert!((r[(0, 0)] - angle.cos()).abs() <= 1e-15 && (r[(1, 0)] - angle.sin()).abs() <= 1e-15);
    }
}

/// 1-D value, derivative and step against their definitions; the derivative against a finite
/// difference of the value.
#[test]
fn quadratic_1d_pieces() {
    let mut rng = seeded(26);
    for _ in 0..500 {
        let f = Quadratic1d { a: log_uniform(&mut rng, 0.05, 10.0), b: normal(&mut rng), c: normal(&mut rng) };
        let x = uniform(&mut rng, -5.0, 5.0);
        let h = 1e-5;
        let fd = (f.value(x + h) - f.value(x - h)) / (2.0 * h);
        assert!((f.derivative(x) - fd).abs() <= 1e-8 * (1.0 + f.derivative(x).abs()));
        let eta = uniform(&mut rng, 0.01, 5.0);
        assert!((f.gd_step(x, eta) - (x - eta * (f.a * x + f.b))).abs() <= 1e-14 * (1.0 + x.abs()));
        assert_eq!(f.contraction(eta), 1.0 - eta * f.a);
        assert!((f.closed_form(x, eta, 0) - x).abs() <= 1e-14 * (x.abs() + f.minimizer().abs()));
    }
}
