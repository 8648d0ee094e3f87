//! The learning-rate sweep: run on every core, it gives the results of the sweep run in
//! slices on one, bit for bit.

use sgd_stability::math::activation::Activation;
use sgd_stability::math::interpolation::{initial_theta, training_data, Labels};
use sgd_stability::math::lr_sweep::{log_grid, LearningRateSweep};
use sgd_stability::math::network::ShallowNet;
use sgd_stability::math::trainer::Outcome;

#[test]
fn every_core_gives_the_one_core_results_bit_for_bit() {
    for (activation, width, slices, tolerance) in [(Activation::Relu, 12, 37, 1e-3), (Activation::Tanh, 9, 1000, 3e-3)]
    {
        let data = training_data(8, Labels::Target { noise: 0.1 }, 4);
        let net = ShallowNet::new(width, activation);
        let theta0 = initial_theta(width, 2);
        // Small to divergent step sizes: runs that converge, stop at the cap and diverge.
        let etas = log_grid(0.01, 3.0, 9);
        let sweep = || LearningRateSweep::new(net, &data, theta0.clone(), etas.clone(), 3000, tolerance);
        let mut sliced = sweep();
        while sliced.advance(slices) {}
        let mut parallel = sweep();
        // Part of the sweep in slices first, as a page would leave it, then the rest at once.
        parallel.advance(2 * slices);
        parallel.finish_on_every_core();
        assert!(parallel.is_done());
        let bits = |r: &sgd_stability::math::lr_sweep::SweepResult| {
            (r.eta.to_bits(), r.steps, r.loss.to_bits(), r.sharpness.to_bits(), r.lemma4_bound.to_bits())
        };
        for (a, b) in sliced.results().iter().zip(parallel.results()) {
            assert_eq!(bits(a), bits(b), "{activation:?}: {a:?} against {b:?}");
            assert_eq!(a.outcome, b.outcome);
        }
        assert_eq!(sliced.results().len(), etas.len());
        let outcomes = sliced.results().iter().map(|r| std::mem::discriminant(&r.outcome)).collect::<Vec<_>>();
        assert!(
            outcomes.contains(&std::mem::discriminant(&Outcome::Interpolated { step: 0 })),
            "{activation:?}: no run converged: {:?}",
            sliced.results()
        );
    }
}
