//! Derivatives of the lecture's network f(x) = Σᵢ w2ᵢ σ(w1ᵢ x + b1ᵢ) + b2 and of its square loss.
//!
//! Every analytic derivative in `math::network` is checked against central finite differences
//! of the function it differentiates, and the dense Hessian against the matrix-free product,
//! on random θ and random data (k in 1..=12, n in 1..=15, both activations, several seeds).
//! ReLU is piecewise linear, so its points are drawn away from the knots (|w1ᵢx + b1ᵢ| ≥ 1e-3)
//! where the finite differences never straddle a kink.

use nalgebra::{DMatrix, DVector};
use sgd_stability::math::activation::Activation;
use sgd_stability::math::dense::matrix_of;
use sgd_stability::math::kernels::{Baseline, Isa};
use sgd_stability::math::network::{Data, Regression, ShallowNet};
use sgd_stability::math::rng::{normal, seeded, uniform, Rng};

const ACTIVATIONS: [Activation; 2] = [Activation::Relu, Activation::Tanh];
const SEEDS: [u64; 4] = [1, 17, 2024, 987_654_321];
/// Distance from a ReLU knot below which a point is redrawn.
const KNOT_MARGIN: f64 = 1e-3;

/// A random case: a network, θ and a data set, ReLU points kept away from the knots.
struct Case {
    problem: Regression,
    theta: Vec<f64>,
}

fn random_vec(rng: &mut Rng, len: usize) -> Vec<f64> {
    (0..len).map(|_| normal(rng)).collect()
}

/// True when no pre-activation w1ᵢx + b1ᵢ of any point is within `KNOT_MARGIN` of 0.
fn away_from_knots(net: &ShallowNet, theta: &[f64], xs: &[f64]) -> bool {
    let p = net.layout(theta);
    xs.iter().all(|&x| (0..net.width).all(|i| (p.w1[i] * x + p.b1[i]).abs() >= KNOT_MARGIN))
}

fn random_case(rng: &mut Rng, activation: Activation, k: usize, n: usize) -> Case {
    let net = ShallowNet::new(k, activation);
    loop {
        let theta = random_vec(rng, net.num_params());
        let x: Vec<f64> = (0..n).map(|_| uniform(rng, -2.0, 2.0)).collect();
        let y = random_vec(rng, n);
        if activation == Activation::Relu && !away_from_knots(&net, &theta, &x) {
            continue;
        }
        return Case { problem: Regression::new(net, Data { x, y }), theta };
    }
}

/// Every (activation, k, n, seed) combination the derivative tests sweep: k and n cover
/// 1..=12 and 1..=15 (paired so that each value appears), four seeds each.
fn cases() -> Vec<(Activation, Case)> {
    let mut out = Vec::new();
    for &activation in &ACTIVATIONS {
        for &seed in &SEEDS {
            let mut rng = seeded(seed ^ ((activation as u64) << 40));
            for k in 1..=12 {
                for n in [1 + (k * 7 + seed as usize) % 15, 1 + (k + 3) % 15, 15] {
                    out.push((activation, random_case(&mut rng, activation, k, n)));
                }
            }
        }
    }
    out
}

fn norm(v: &[f64]) -> f64 {
    Baseline::dot(v, v).sqrt()
}

fn diff_norm(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum::<f64>().sqrt()
}

/// The step of the central difference in coordinate i: ~1e-6 scaled to |θᵢ|.
fn step(theta_i: f64) -> f64 {
    1e-6 * (1.0 + theta_i.abs())
}

/// Central difference of a scalar function of θ along coordinate i.
fn central_coord(theta: &[f64], i: usize, f: impl Fn(&[f64]) -> f64) -> f64 {
    let h = step(theta[i]);
    let mut plus = theta.to_vec();
    let mut minus = theta.to_vec();
    plus[i] += h;
    minus[i] -= h;
    (f(&plus) - f(&minus)) / (plus[i] - minus[i])
}

/// Central difference of a vector function of θ along direction v.
fn central_dir(theta: &[f64], v: &[f64], h: f64, f: impl Fn(&[f64]) -> Vec<f64>) -> Vec<f64> {
    let plus: Vec<f64> = theta.iter().zip(v).map(|(t, d)| t + h * d).collect();
    let minus: Vec<f64> = theta.iter().zip(v).map(|(t, d)| t - h * d).collect();
    f(&plus).iter().zip(f(&minus)).map(|(a, b)| (a - b) / (2.0 * h)).collect()
}

/// ∇θ f(x) is what every other derivative is built from: each entry must match the slope of
/// `eval` along its coordinate, at every data point of every case.
#[test]
fn param_gradient_matches_finite_differences_of_eval() {
    let mut checked = 0;
    for (activation, case) in cases() {
        let net = case.problem.net;
        let p = net.num_params();
        let mut g = vec![0.0; p];
        for &x in &case.problem.data.x {
            net.param_gradient(&case.theta, x, &mut g);
            let scale = g.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            for (i, &gi) in g.iter().enumerate() {
                let fd = central_coord(&case.theta, i, |t| net.eval(t, x));
                let err = (gi - fd).abs();
                assert!(
                    err <= 1e-6 * gi.abs().max(1e-3 * scale) + 1e-12,
                    "{activation:?} k={} x={x}: ∂f/∂θ[{i}] = {gi} but finite difference {fd} (err {err:e})",
                    net.width
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 10_000, "only {checked} entries checked");
}

/// ∇L (eq 20) is what GD and SGD follow: it must be the slope of `loss`, norm-wise.
#[test]
fn gradient_matches_finite_differences_of_loss() {
    for (activation, case) in cases() {
        let g = case.problem.gradient(&case.theta);
        let fd: Vec<f64> = (0..g.len()).map(|i| central_coord(&case.theta, i, |t| case.problem.loss(t))).collect();
        let err = diff_norm(&g, &fd);
        assert!(
            err <= 1e-6 * norm(&g) + 1e-12,
            "{activation:?} k={} n={}: ‖∇L − fd‖ = {err:e}, ‖∇L‖ = {:e}",
            case.problem.net.width,
            case.problem.data.len(),
            norm(&g)
        );
    }
}

/// ∇L is the mean over the data of rⱼ ∇θ f(xⱼ), i.e. Φ r / n: eq 20 in matrix form.
#[test]
fn gradient_is_phi_times_residuals_over_n() {
    for (_, case) in cases() {
        let n = case.problem.data.len() as f64;
        let phi = case.problem.phi(&case.theta);
        let r = DVector::from_vec(case.problem.residuals(&case.theta));
        let expected = &phi * r / n;
        let g = case.problem.gradient(&case.theta);
        assert!(diff_norm(&g, expected.as_slice()) <= 1e-13 * (1.0 + expected.norm()));
    }
}

/// The exact Hessian-vector product drives Lanczos (the sharpness): it must be the directional
/// derivative of ∇L, and equal the dense Hessian applied to v.
#[test]
fn hessian_vec_matches_finite_differences_of_gradient_and_the_dense_hessian() {
    let mut rng = seeded(99);
    for (activation, case) in cases() {
        let p = case.problem.num_params();
        let mut v = random_vec(&mut rng, p);
        let nv = norm(&v);
        v.iter_mut().for_each(|x| *x /= nv);
        let mut hv = vec![0.0; p];
        let mut scratch = vec![0.0; p];
        case.problem.hessian_vec(&case.theta, &v, &mut hv, &mut scratch);

        let theta_scale = 1.0 + case.theta.iter().fold(0.0f64, |m, t| m.max(t.abs()));
        let fd = central_dir(&case.theta, &v, 1e-6 * theta_scale, |t| case.problem.gradient(t));
        let err = diff_norm(&hv, &fd);
        assert!(
            err <= 1e-6 * norm(&hv) + 1e-12,
            "{activation:?} k={} n={}: ‖Hv − fd‖ = {err:e}, ‖Hv‖ = {:e}",
            case.problem.net.width,
            case.problem.data.len(),
            norm(&hv)
        );

        let dense = case.problem.hessian_parts(&case.theta).full();
        let dense_hv = &dense * DVector::from_column_slice(&v);
        let err = diff_norm(&hv, dense_hv.as_slice());
        assert!(err <= 1e-10 * dense_hv.norm().max(1e-300), "dense Hv differs by {err:e}");
    }
}

/// The Hessian of a smooth function is symmetric; an asymmetric dense Hessian or an asymmetric
/// product uᵀ(Hv) ≠ vᵀ(Hu) means a mixed partial derivative is wrong.
#[test]
fn hessian_is_symmetric() {
    let mut rng = seeded(5);
    for (_, case) in cases() {
        let full = case.problem.hessian_parts(&case.theta).full();
        let asym = (&full - full.transpose()).amax();
        assert!(asym <= 1e-12 * full.amax().max(1e-300), "asymmetry {asym:e} of a Hessian of size {}", full.amax());

        let p = case.problem.num_params();
        let (u, v) = (random_vec(&mut rng, p), random_vec(&mut rng, p));
        let (mut hu, mut hv, mut scratch) = (vec![0.0; p], vec![0.0; p], vec![0.0; p]);
        case.problem.hessian_vec(&case.theta, &u, &mut hu, &mut scratch);
        case.problem.hessian_vec(&case.theta, &v, &mut hv, &mut scratch);
        let (a, b) = (Baseline::dot(&u, &hv), Baseline::dot(&v, &hu));
        assert!((a - b).abs() <= 1e-12 * (norm(&u) * norm(&hv)).max(1e-300));
    }
}

/// The Gauss–Newton part is ΦΦᵀ/n with Φ the matrix of the ∇θ f(xⱼ): rebuilt here from
/// `param_gradient` one outer product at a time.
#[test]
fn gauss_newton_is_phi_phi_transpose_over_n() {
    for (_, case) in cases() {
        let net = case.problem.net;
        let p = net.num_params();
        let n = case.problem.data.len();
        let mut expected = DMatrix::zeros(p, p);
        let mut g = vec![0.0; p];
        for &x in &case.problem.data.x {
            net.param_gradient(&case.theta, x, &mut g);
            let gv = DVector::from_column_slice(&g);
            expected += &gv * gv.transpose() / n as f64;
        }
        let parts = case.problem.hessian_parts(&case.theta);
        let err = (&parts.gauss_newton - &expected).amax();
        assert!(err <= 1e-12 * expected.amax().max(1e-300), "Gauss–Newton part off by {err:e}");
        let phi = case.problem.phi(&case.theta);
        assert_eq!((phi.nrows(), phi.ncols()), (p, n));
        let err = (&parts.gauss_newton - &phi * phi.transpose() / n as f64).amax();
        assert!(err <= 1e-12 * expected.amax().max(1e-300));
    }
}

/// The lecture's claim: at a global minimum (f(xⱼ) = yⱼ for all j) the Hessian is exactly
/// ΦΦᵀ/n, because every term of the residual part carries a factor rⱼ = 0.
#[test]
fn at_interpolation_the_hessian_is_the_gauss_newton_matrix() {
    for (activation, case) in cases() {
        let net = case.problem.net;
        let x = case.problem.data.x.clone();
        let y: Vec<f64> = x.iter().map(|&xj| net.eval(&case.theta, xj)).collect();
        let problem = Regression::new(net, Data { x, y });
        assert!(problem.residuals(&case.theta).iter().all(|&r| r == 0.0));
        assert!(problem.gradient(&case.theta).iter().all(|&g| g == 0.0), "∇L must vanish at a global minimum");
        let parts = problem.hessian_parts(&case.theta);
        assert!(parts.residual.amax() <= 1e-12, "{activation:?}: residual part {:e}", parts.residual.amax());
        let full = parts.full();
        let phi = problem.phi(&case.theta);
        let gn = &phi * phi.transpose() / problem.data.len() as f64;
        assert!((&full - &gn).amax() <= 1e-12 * gn.amax().max(1e-300));
        // And the matrix-free product agrees with it.
        let p = problem.num_params();
        let v: Vec<f64> = (0..p).map(|i| (i as f64 * 0.37).sin()).collect();
        let (mut hv, mut scratch) = (vec![0.0; p], vec![0.0; p]);
        problem.hessian_vec(&case.theta, &v, &mut hv, &mut scratch);
        let gn_v = &gn * DVector::from_column_slice(&v);
        assert!(diff_norm(&hv, gn_v.as_slice()) <= 1e-12 * gn_v.norm().max(1e-300));
    }
    // Away from interpolation the residual part is not zero for either activation (else the
    // check above would prove nothing): ReLU keeps the w1–w2 and b1–w2 cross terms.
    for &activation in &ACTIVATIONS {
        let case = random_case(&mut seeded(3), activation, 5, 8);
        assert!(case.problem.hessian_parts(&case.theta).residual.amax() > 1e-3, "{activation:?}");
    }
}

/// The lecture's closed formula for ReLU, ∇θ f(x) = [x w2 ⊙ I, w2 ⊙ I, I ⊙ (x w1 + b1), 1] with
/// the activation pattern Iᵢ = [w1ᵢx + b1ᵢ > 0] (strict), checked entry by entry, including
/// points exactly on a knot, which count as inactive.
#[test]
fn relu_param_gradient_is_the_lectures_formula() {
    let mut rng = seeded(31);
    let mut on_knot = 0;
    for k in 1..=12 {
        let net = ShallowNet::new(k, Activation::Relu);
        for _ in 0..20 {
            let mut theta = random_vec(&mut rng, net.num_params());
            // Put some neurons' knots at x = 0 exactly.
            for i in 0..k {
                if uniform(&mut rng, 0.0, 1.0) < 0.3 {
                    theta[k + i] = 0.0;
                }
            }
            let xs = [0.0, uniform(&mut rng, -3.0, 3.0), uniform(&mut rng, -3.0, 3.0), -1.0, 2.5];
            let mut g = vec![0.0; net.num_params()];
            for &x in &xs {
                net.param_gradient(&theta, x, &mut g);
                let (w1, b1, w2) = (&theta[..k], &theta[k..2 * k], &theta[2 * k..3 * k]);
                for i in 0..k {
                    let z = x * w1[i] + b1[i];
                    let ind = if z > 0.0 { 1.0 } else { 0.0 };
                    if z == 0.0 {
                        on_knot += 1;
                    }
                    let expected = [x * w2[i] * ind, w2[i] * ind, ind * z];
                    let got = [g[i], g[k + i], g[2 * k + i]];
                    for (e, v) in expected.iter().zip(got) {
                        assert!((e - v).abs() <= 1e-15 * e.abs(), "k={k} i={i} x={x}: {got:?} vs {expected:?}");
                    }
                }
                assert_eq!(g[3 * k], 1.0);
            }
        }
    }
    assert!(on_knot > 50, "only {on_knot} points on a knot were checked");
}

/// σ, σ' and σ'' of both activations against finite differences: the building blocks of all
/// of the above (for ReLU away from 0, and with the documented σ'(0) = 0).
#[test]
fn activation_derivatives_match_finite_differences() {
    let mut rng = seeded(8);
    for &activation in &ACTIVATIONS {
        for _ in 0..2000 {
            let z = uniform(&mut rng, -6.0, 6.0);
            if z.abs() < KNOT_MARGIN {
                continue;
            }
            let h = 1e-6;
            let (_, d, dd) = activation.eval(z);
            let fd1 = (activation.eval(z + h).0 - activation.eval(z - h).0) / (2.0 * h);
            let fd2 = (activation.eval(z + h).1 - activation.eval(z - h).1) / (2.0 * h);
            assert!((d - fd1).abs() <= 1e-8, "{activation:?} σ'({z}) = {d}, fd {fd1}");
            assert!((dd - fd2).abs() <= 1e-8, "{activation:?} σ''({z}) = {dd}, fd {fd2}");
        }
    }
    assert_eq!(Activation::Relu.eval(0.0), (0.0, 0.0, 0.0));
    assert_eq!(Activation::Tanh.eval(0.0), (0.0, 1.0, 0.0));
}

/// `dense::matrix_of` is how the tests and the code build dense Hessians: it must return the
/// matrix whose action it was given.
#[test]
fn matrix_of_recovers_a_matrix_from_its_action() {
    let mut rng = seeded(12);
    for dim in 1..=8 {
        let m = DMatrix::from_fn(dim, dim, |_, _| normal(&mut rng));
        let got = matrix_of(dim, |v, out| {
            let r = &m * DVector::from_column_slice(v);
            out.copy_from_slice(r.as_slice());
        });
        assert_eq!(got, m);
    }
}
