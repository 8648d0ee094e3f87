//! The figures whose many runs are spread over the cores natively (the Monte Carlo runs of
//! `linear-stability`, `proof-mean-dynamics` and `switching`, the training runs of
//! `function-space`, the sweep of `sharpness-vs-lr`): finished on one thread and on four, they
//! show the same tables, verdict and readouts, bit for bit. (That slicing the work changes
//! nothing is `progress.rs`'s contract.)

use sgd_stability::figures::function_space::FunctionSpace;
use sgd_stability::figures::linear_stability::LinearStability;
use sgd_stability::figures::proof_mean_dynamics::ProofMeanDynamics;
use sgd_stability::figures::sharpness_vs_lr::SharpnessVsLr;
use sgd_stability::figures::switching::Switching;
use sgd_stability::figures::Figure;
use sgd_stability::kit::params::{Input, ParamValues};

use crate::progress::Snapshot;

/// `F` at `settings`, finished in a pool of `threads` threads.
fn finished_on<F: Figure>(threads: usize, settings: &[(&str, f64)]) -> Snapshot {
    let params = ParamValues::defaults(F::PARAMS)
        .with_changes::<F>(settings.iter().map(|&(key, value)| (key, Input::Number(value))))
        .expect("a valid setting");
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("a thread pool");
    pool.install(|| {
        let mut figure = F::new(params);
        figure.finish();
        let activity = figure.step(0);
        Snapshot::of(&figure, activity)
    })
}

/// The first difference between `F` finished on one thread and on four, if any.
fn difference<F: Figure>(settings: &[(&str, f64)]) -> Option<String> {
    let one = finished_on::<F>(1, settings);
    let four = finished_on::<F>(4, settings);
    four.difference(&one).map(|difference| format!("{} at {settings:?}: {difference}", F::ID))
}

#[test]
fn figures_with_many_runs_are_the_same_on_one_thread_and_on_four() {
    let differences: Vec<String> = [
        difference::<LinearStability>(&[]),
        // Runs stopped at their divergence.
        difference::<LinearStability>(&[("eta", 2.5)]),
        difference::<ProofMeanDynamics>(&[]),
        difference::<Switching>(&[("runs", 8.0), ("steps", 100.0)]),
        difference::<FunctionSpace>(&[("k", 20.0), ("n", 6.0), ("steps", 3000.0), ("switch", 1000.0)]),
        difference::<SharpnessVsLr>(&[("count", 6.0), ("width", 10.0), ("steps", 2000.0)]),
    ]
    .into_iter()
    .flatten()
    .collect();
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}
