//! The learning-rate sweep: run on every core, it gives the results of the sweep run in
//! slices on one, bit for bit; runs made elsewhere (a worker of the page) are taken as the
//! sweep's own and counted as the steps it had not made.

use sgd_stability::math::activation::Activation;
use sgd_stability::math::interpolation::{initial_theta, training_data, Labels};
use sgd_stability::math::lr_sweep::{log_grid, LearningRateSweep, SweepResult};
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

/// A sweep of runs that converge, stop at the cap and diverge.
fn mixed_sweep() -> LearningRateSweep {
    let data = training_data(8, Labels::Target { noise: 0.1 }, 4);
    let net = ShallowNet::new(10, Activation::Relu);
    LearningRateSweep::new(net, &data, initial_theta(10, 2), log_grid(0.01, 3.0, 7), 2000, 1e-2)
}

/// Results as the bits of their numbers (NaN for what was not measured equals itself).
fn numbers(results: &[SweepResult]) -> Vec<Vec<u64>> {
    results.iter().map(|r| r.to_numbers().iter().map(|v| v.to_bits()).collect()).collect()
}

#[test]
fn results_made_elsewhere_are_the_sweeps_own_and_count_the_steps_it_had_not_made() {
    let mut sliced = mixed_sweep();
    while sliced.advance(53) {}
    // A page's sweep goes some way by itself (a run left under way), then takes the runs
    // from workers, each made on a copy of the sweep.
    let mut taking = mixed_sweep();
    let made_here = 700;
    taking.advance(made_here);
    let copy = mixed_sweep();
    let mut counted = made_here;
    while let Some(index) = (!taking.is_done()).then(|| taking.results().len()) {
        counted += taking.accept(index, copy.run_alone(index)).unwrap();
    }
    assert_eq!(numbers(sliced.results()), numbers(taking.results()));
    // The steps counted are those of the runs, so that a link's replay of as many steps shows
    // the same sweep.
    let steps: usize = sliced.results().iter().map(|r| r.steps).sum();
    assert_eq!(counted, steps);
    let mut replayed = mixed_sweep();
    replayed.advance(counted);
    assert_eq!(numbers(replayed.results()), numbers(taking.results()));
}

#[test]
fn a_result_for_another_run_is_refused_and_changes_nothing() {
    let copy = mixed_sweep();
    let mut sweep = mixed_sweep();
    assert!(sweep.accept(1, copy.run_alone(1)).is_err(), "run 1 before run 0");
    let mut wrong = copy.run_alone(0);
    wrong.eta *= 1.5;
    assert!(sweep.accept(0, wrong).is_err(), "a result at another step size");
    assert!(sweep.results().is_empty());
    assert_eq!(sweep.accept(0, copy.run_alone(0)), Ok(copy.run_alone(0).steps));
    assert_eq!(sweep.results().len(), 1);
}

#[test]
fn a_result_crosses_as_numbers_exactly_and_other_numbers_are_refused() {
    let sweep = mixed_sweep();
    let results: Vec<SweepResult> = (0..sweep.etas().len()).map(|i| sweep.run_alone(i)).collect();
    let kinds: std::collections::BTreeSet<u8> = results
        .iter()
        .map(|r| match r.outcome {
            Outcome::Interpolated { .. } => 0,
            Outcome::Capped => 1,
            Outcome::Diverged { .. } => 2,
            Outcome::Running => 3,
        })
        .collect();
    assert_eq!(kinds, [0, 1, 2].into(), "the sweep has every kind of ending: {results:?}");
    for result in &results {
        let back = SweepResult::from_numbers(&result.to_numbers()).unwrap();
        assert_eq!(numbers(&[back]), numbers(&[*result]));
        assert_eq!(back.outcome, result.outcome);
    }
    let good = results[0].to_numbers();
    let with = |at: usize, value: f64| {
        let mut numbers = good.clone();
        numbers[at] = value;
        numbers
    };
    for bad in [good[..7].to_vec(), [good.clone(), vec![0.0]].concat(), with(1, 7.0), with(4, 2.5), with(4, -1.0)] {
        assert_eq!(SweepResult::from_numbers(&bad), None, "{bad:?}");
    }
}
