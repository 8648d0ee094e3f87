//! Rescaling ReLU neurons (`math::rescaling`): the function is unchanged (the theorem the page
//! shows), the gradient and the Hessian transform exactly as D⁻¹∇L and D⁻¹∇²L D⁻¹, and the
//! sharpness profile's Lanczos values agree with dense decompositions of the exact Hessian.

use nalgebra::DMatrix;
use sgd_stability::math::activation::Activation;
use sgd_stability::math::dense::SymmetricEigen;
use sgd_stability::math::interpolation::{initial_theta, relu_problem, training_data, Labels};
use sgd_stability::math::network::{Data, Regression, ShallowNet};
use sgd_stability::math::rescaling::{active_count, max_output_change, rescale, Scope, Sharp, SharpnessProfile};
use sgd_stability::math::rng::{normal, seeded, uniform, Rng};

fn random_relu_problem(rng: &mut Rng, k: usize, n: usize) -> (Regression, Vec<f64>) {
    let net = ShallowNet::new(k, Activation::Relu);
    let theta: Vec<f64> = (0..net.num_params()).map(|_| normal(rng)).collect();
    let x = (0..n).map(|_| uniform(rng, -2.0, 2.0)).collect();
    let y = (0..n).map(|_| normal(rng)).collect();
    (Regression::new(net, Data { x, y }), theta)
}

/// The diagonal of D for a rescaling: α on the neurons' w1 and b1, 1/α on their w2.
fn scaling_diagonal(k: usize, scope: Scope, alpha: f64) -> Vec<f64> {
    let ones = vec![1.0; 3 * k + 1];
    rescale(&ShallowNet::new(k, Activation::Relu), &ones, scope, alpha)
}

/// f is unchanged to 1e-12 relative, at many inputs, for 2,000 random networks, neurons,
/// factors α ∈ [10⁻², 10²] and both scopes.
#[test]
fn rescaling_leaves_the_function_unchanged() {
    let mut rng = seeded(1);
    for case in 0..2000 {
        let k = 1 + case % 17;
        let net = ShallowNet::new(k, Activation::Relu);
        let theta: Vec<f64> = (0..net.num_params()).map(|_| 3.0 * normal(&mut rng)).collect();
        let alpha = 10f64.powf(uniform(&mut rng, -2.0, 2.0));
        let scope = if case % 3 == 0 { Scope::All } else { Scope::Neuron(case % k) };
        let rescaled = rescale(&net, &theta, scope, alpha);
        assert_ne!(rescaled, theta, "the parameters must move");
        let xs: Vec<f64> = (0..50).map(|_| uniform(&mut rng, -5.0, 5.0)).collect();
        let scale = xs.iter().map(|&x| net.eval(&theta, x).abs()).fold(1.0, f64::max);
        let change = max_output_change(&net, &theta, &rescaled, &xs);
        assert!(change <= 1e-12 * scale, "case {case}: |Δf| = {change} (scale {scale}, α = {alpha})");
    }
}

/// ∇L(Dθ) = D⁻¹∇L(θ) and ∇²L(Dθ) = D⁻¹∇²L(θ)D⁻¹, entry by entry on the dense exact Hessian.
#[test]
fn gradient_and_hessian_transform_exactly() {
    let mut rng = seeded(2);
    for case in 0..60 {
        let (problem, theta) = random_relu_problem(&mut rng, 2 + case % 6, 3 + case % 5);
        let k = problem.net.width;
        let alpha = [0.01, 0.3, 2.0, 75.0][case % 4];
        let scope = if case % 2 == 0 { Scope::All } else { Scope::Neuron(case % k) };
        let d = scaling_diagonal(k, scope, alpha);
        let moved = rescale(&problem.net, &theta, scope, alpha);
        let (g, g_moved) = (problem.gradient(&theta), problem.gradient(&moved));
        for i in 0..g.len() {
            let expected = g[i] / d[i];
            assert!((g_moved[i] - expected).abs() <= 1e-10 * (1.0 + expected.abs()), "case {case}: ∇ entry {i}");
        }
        let h = problem.hessian_parts(&theta).full();
        let h_moved = problem.hessian_parts(&moved).full();
        let expected = DMatrix::from_fn(h.nrows(), h.ncols(), |i, j| h[(i, j)] / (d[i] * d[j]));
        let scale = expected.amax().max(1.0);
        assert!((h_moved - expected).amax() <= 1e-10 * scale, "case {case}: ∇² differs");
    }
}

/// The profile's λ_max (Lanczos on exact Hessian-vector products) equals the top eigenvalue of
/// the dense exact Hessian at every α, and grows at both ends for a trained network.
#[test]
fn profile_agrees_with_dense_hessians() {
    for seed in 1..4u64 {
        let problem = relu_problem(8, training_data(5, Labels::Target { noise: 0.0 }, seed));
        let theta = initial_theta(8, seed);
        for scope in [Scope::Neuron(0), Scope::Neuron(5), Scope::All] {
            let mut profile = SharpnessProfile::new(&problem, scope, (1e-4, 1e4), 9);
            let mut slices = 0;
            while profile.advance(&problem, &theta, 2) {
                slices += 1;
            }
            assert_eq!(slices, 4, "9 points in slices of 2");
            for (&alpha, &value) in profile.alphas.iter().zip(&profile.values) {
                let h = problem.hessian_parts(&rescale(&problem.net, &theta, scope, alpha)).full();
                let dense = SymmetricEigen::new(&h).unwrap().values[0];
                assert!((value - dense).abs() <= 1e-8 * dense.abs(), "α = {alpha}: Lanczos {value}, dense {dense}");
            }
            // A neuron active on some sample (and every neuron together) makes both ends sharp:
            // λ_max grows like α² and like 1/α² far enough out.
            let active = |i: usize| problem.data.x.iter().any(|&x| theta[i] * x + theta[8 + i] > 0.0);
            if matches!(scope, Scope::Neuron(i) if !active(i)) {
                continue;
            }
            let (_, smallest) = profile.minimum().unwrap();
            let ends = (profile.values[0], profile.values[8]);
            assert!(ends.0 > 5.0 * smallest && ends.1 > 5.0 * smallest, "{scope:?}: ends {ends:?}, minimum {smallest}");
        }
    }
}

/// Which ends blow up, over 300 random networks and neurons (some made inactive on the data,
/// some with a zero output weight, all at random residuals): λ_max of the dense exact Hessian
/// at α = 10⁻⁶ is over 10⁶ times that at α = 1 exactly when [`Sharp::of`] says the small end
/// blows up, and otherwise λ_max has settled (α = 10⁻⁶ and 10⁻⁸ agree); the same at 10⁶ and
/// 10⁸ for the large end. A neuron active on no data point leaves the Hessian unchanged.
#[test]
fn the_ends_blow_up_exactly_when_the_neuron_reaches_the_data() {
    let mut rng = seeded(3);
    let mut seen = [[0usize; 2]; 2];
    for case in 0..300 {
        let (problem, mut theta) = random_relu_problem(&mut rng, 2 + case % 4, 3 + case % 4);
        let k = problem.net.width;
        let i = case % k;
        match case % 4 {
            0 => theta[k + i] = -100.0, // inactive on every input in [−2, 2]
            1 => theta[2 * k + i] = 0.0,
            _ => {}
        }
        let scope = if case % 7 == 0 { Scope::All } else { Scope::Neuron(i) };
        let sharp = Sharp::of(&problem.net, &theta, scope, &problem.data.x);
        let top = |alpha: f64| {
            let h = problem.hessian_parts(&rescale(&problem.net, &theta, scope, alpha)).full();
            SymmetricEigen::new(&h).unwrap().values[0]
        };
        let base = top(1.0).abs().max(1e-3);
        for (end, blows, near, far) in [(0, sharp.small_alpha, 1e-6, 1e-8), (1, sharp.large_alpha, 1e6, 1e8)] {
            seen[end][blows as usize] += 1;
            let (a, b) = (top(near), top(far));
            if blows {
                assert!(a > 1e6 * base, "case {case}, {scope:?}, end {end}: λ_max {a} against {base} at α = 1");
            } else {
                assert!((a - b).abs() <= 1e-6 * (1.0 + a.abs()), "case {case}, {scope:?}, end {end}: {a} then {b}");
            }
        }
        if let Scope::Neuron(i) = scope {
            if active_count(&problem.net, &theta, i, &problem.data.x) == 0 {
                assert!(!sharp.small_alpha && !sharp.large_alpha);
                let h = problem.hessian_parts(&theta).full();
                let moved = problem.hessian_parts(&rescale(&problem.net, &theta, scope, 37.0)).full();
                assert!((&h - &moved).amax() <= 1e-12 * (1.0 + moved.amax()), "case {case}: the Hessian moved");
            }
        }
    }
    assert!(seen.iter().all(|end| end[0] > 20 && end[1] > 20), "both outcomes at both ends: {seen:?}");
}
