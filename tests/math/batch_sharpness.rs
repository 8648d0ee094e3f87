//! The batch sharpness E_B[gᵀH_B g/‖g‖²] of `math::batch_sharpness`: at full batch it is the
//! Rayleigh quotient of the Hessian along the gradient (so at most λ_max), over singletons it is
//! the exact average over samples within its standard error, and it is reproducible.

use sgd_stability::math::activation::Activation;
use sgd_stability::math::batch_sharpness::BatchSharpnessMeter;
use sgd_stability::math::datasets::Dataset;
use sgd_stability::math::dense::{matrix_of, SymmetricEigen};
use sgd_stability::math::mlp::{Architecture, Mlp};
use sgd_stability::math::rng::{normal, seeded, uniform, Rng};

fn random_problem(rng: &mut Rng, points: usize) -> (Mlp, Dataset, Vec<f64>) {
    let arch = Architecture { input_dim: 2, hidden: vec![5, 3], activation: Activation::Tanh, output_dim: 2 };
    let mlp = Mlp::new(arch).unwrap();
    let x = (0..2 * points).map(|_| uniform(rng, -1.0, 1.0)).collect();
    let y = (0..2 * points).map(|_| normal(rng)).collect();
    let theta = (0..mlp.num_params()).map(|_| normal(rng)).collect();
    (mlp, Dataset::new(2, 2, x, y).unwrap(), theta)
}

/// gᵀH_B g/‖g‖² of one batch, by the dense Hessian of that batch's loss.
fn dense_quotient(mlp: &mut Mlp, data: &Dataset, theta: &[f64], batch: &[usize]) -> (f64, f64, f64) {
    let p = mlp.num_params();
    let mut g = vec![0.0; p];
    mlp.loss_and_gradient(theta, data, Some(batch), &mut g);
    let hessian = matrix_of(p, |v, out| mlp.hessian_vec(theta, data, Some(batch), v, out));
    let g = nalgebra::DVector::from_vec(g);
    let quotient = (g.transpose() * &hessian * &g)[(0, 0)] / g.norm_squared();
    let values = SymmetricEigen::new(&hessian).unwrap().values;
    (quotient, values[0], values[values.len() - 1])
}

/// At full batch every draw is the whole set: the estimate is the dense Rayleigh quotient of
/// ∇²L along ∇L, with no spread, and lies within the Hessian's spectrum.
#[test]
fn at_full_batch_it_is_the_rayleigh_quotient_along_the_gradient() {
    let mut rng = seeded(1);
    for case in 0..20 {
        let (mut mlp, data, theta) = random_problem(&mut rng, 6);
        let all: Vec<usize> = (0..6).collect();
        let (quotient, top, bottom) = dense_quotient(&mut mlp, &data, &theta, &all);
        let mut meter = BatchSharpnessMeter::new(mlp, data, 6, 8, case);
        let estimate = meter.measure(&theta, 0).unwrap();
        assert!(
            (estimate.mean - quotient).abs() <= 1e-10 * quotient.abs().max(1.0),
            "case {case}: {estimate:?} vs {quotient}"
        );
        assert!(estimate.standard_error <= 1e-10 * quotient.abs().max(1.0));
        assert_eq!(estimate.batches, 8);
        assert!(
            bottom - 1e-9 <= estimate.mean && estimate.mean <= top + 1e-9,
            "case {case}: outside [{bottom}, {top}]"
        );
    }
}

/// Over batches of one sample the estimate is a Monte Carlo mean of the n per-sample quotients:
/// it falls within four standard errors of their exact average, and each quotient is at most
/// its own batch's λ_max (so the batch sharpness is at most the mean of the batch λ_max).
#[test]
fn over_single_samples_it_estimates_the_exact_average() {
    let mut rng = seeded(2);
    for case in 0..10 {
        let (mut mlp, data, theta) = random_problem(&mut rng, 4);
        let singles: Vec<(f64, f64, f64)> = (0..4).map(|j| dense_quotient(&mut mlp, &data, &theta, &[j])).collect();
        let exact = singles.iter().map(|q| q.0).sum::<f64>() / 4.0;
        let mean_top = singles.iter().map(|q| q.1).sum::<f64>() / 4.0;
        assert!(exact <= mean_top + 1e-9);
        let mut meter = BatchSharpnessMeter::new(mlp, data, 1, 400, 10 + case);
        let estimate = meter.measure(&theta, 3).unwrap();
        assert!(estimate.standard_error > 0.0, "case {case}: singletons differ, so the estimate has spread");
        assert!(
            (estimate.mean - exact).abs() <= 4.0 * estimate.standard_error,
            "case {case}: {estimate:?} vs exact {exact}"
        );
    }
}

/// The same θ, seed and round give the same bits; another round draws other batches.
#[test]
fn estimates_are_reproducible_and_rounds_are_independent() {
    let (mlp, data, theta) = random_problem(&mut seeded(3), 20);
    let mut meter = BatchSharpnessMeter::new(mlp.clone(), data.clone(), 5, 16, 7);
    let first = meter.measure(&theta, 4).unwrap();
    let again = BatchSharpnessMeter::new(mlp, data, 5, 16, 7).measure(&theta, 4).unwrap();
    assert_eq!(first, again);
    assert_ne!(first, meter.measure(&theta, 5).unwrap());
    assert_eq!(first, meter.measure(&theta, 4).unwrap());
}
