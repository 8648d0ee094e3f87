//! The corollary ∫|f''| g ≤ 1/η − 1/2 on networks that GD actually trains to interpolation,
//! over random data sets, targets, widths and step sizes; the runs that do not get there are
//! counted and reported, not hidden. Also the training run itself: divergence is reported
//! with its step, and the step size switch of the function-space experiment happens where
//! asked.

use sgd_stability::math::distribution::Distribution;
use sgd_stability::math::function_space::{
    balanced_init, gauss_newton_top, lemma4_lower_bound, residual_part_norm, sample_data, weighted_curvature, Target,
};
use sgd_stability::math::interpolation_run::{InterpolationRun, Outcome, RunSettings};
use sgd_stability::math::network::{Activation, Regression, ShallowNet};
use sgd_stability::math::rng::{seeded, uniform};
use sgd_stability::math::sharpness::Schedule;

const TARGETS: [Target; 4] = [Target::Abs, Target::Sine, Target::Square, Target::RandomLabels];

/// THE corollary, checked on 240 trained networks. A run counts as interpolating when its loss
/// is below 1e-4 at a minimum stable for its η (λ_max(∇²L) ≤ 2/η, which is what GD can stay
/// in). There Lemma 4 gives 1 + 2∫|f''|g ≤ λ_max(ΦΦᵀ/n) ≤ λ_max(∇²L) + ‖residual part‖ ≤
/// 2/η + ‖residual part‖, so ∫|f''|g ≤ 1/η − 1/2 up to half the (tiny) residual part, which the
/// test also bounds. The runs that do not interpolate (about half: slow convergence at small η,
/// dead ReLU units after a catapult at large η) are counted and printed; the test needs at least
/// 100 interpolating runs, or it would prove little. (Seen: 130 of 240, the largest ratio
/// ∫|f''|g / (1/η − 1/2) 0.18: the bound is far from tight on these nets.)
#[test]
fn corollary_holds_on_every_network_trained_to_interpolation() {
    let mut rng = seeded(2112);
    let (mut interpolated, mut capped, mut diverged) = (0, 0, 0);
    let mut tightest = 0.0f64;
    for case in 0..240 {
        let n = 3 + case % 6;
        let k = 20 + (case * 7) % 41;
        let law = [
            Distribution::Uniform { lo: -1.0, hi: 1.0 },
            Distribution::Gaussian { mean: 0.0, sd: 0.6 },
            Distribution::Laplace { location: 0.0, scale: 0.4 },
        ][case % 3];
        let data = sample_data(&law, TARGETS[(case / 3) % 4], n, &mut rng);
        let net = ShallowNet::new(k, Activation::Relu);
        let theta = balanced_init(k, 0.6, &mut rng);
        let eta = uniform(&mut rng, 0.005f64.ln(), 0.5f64.ln()).exp();
        let settings = RunSettings {
            schedule: Schedule::constant(eta),
            batch_size: n,
            tolerance: 1e-4,
            max_steps: 20_000,
            record_every: 50,
            seed: case as u64,
        };
        let mut run = InterpolationRun::new(net, &data, theta, settings);
        match run.advance(usize::MAX / 2) {
            Outcome::Interpolated { .. } => interpolated += 1,
            Outcome::Capped => {
                capped += 1;
                continue;
            }
            Outcome::Diverged { .. } => {
                diverged += 1;
                continue;
            }
            Outcome::Running => unreachable!("a run that advanced without a cap ends"),
        }
        let problem = Regression::new(net, data.clone());
        let curvature = weighted_curvature(&net, run.theta(), &data.x);
        let residual = residual_part_norm(&problem, run.theta());
        let allowed = 1.0 / eta - 0.5;
        // ‖residual part‖ ≤ (1/n)Σ|rⱼ|√(1 + xⱼ²) ≤ √(2L)·max √(1 + xⱼ²), small near interpolation.
        let reach = data.x.iter().map(|x| (1.0 + x * x).sqrt()).fold(0.0, f64::max);
        assert!(residual <= (2.0 * run.loss()).sqrt() * reach * (1.0 + 1e-12), "case {case}: residual part {residual}");
        assert!(
            curvature <= allowed + 0.5 * residual + 1e-9,
            "case {case}: ∫|f''|g = {curvature} > 1/η − 1/2 = {allowed} (η = {eta}, residual part {residual})"
        );
        // The chain it rests on, at this θ: 1 + 2∫|f''|g ≤ λ_max(ΦΦᵀ/n).
        let gn = gauss_newton_top(&problem, run.theta()).unwrap();
        assert!(lemma4_lower_bound(&net, run.theta(), &data.x) <= gn * (1.0 + 1e-12));
        tightest = tightest.max(curvature / allowed);
    }
    println!(
        "corollary: {interpolated} of 240 runs interpolated at a stable minimum; {capped} did not interpolate within 20000 steps, {diverged} diverged; largest ∫|f''|g / (1/η − 1/2) = {tightest:.3}"
    );
    assert!(interpolated >= 100, "only {interpolated} runs interpolated ({capped} capped, {diverged} diverged)");
    assert!(capped + diverged > 0, "some runs are expected not to interpolate; the count above reports them");
}

/// A step size far past 2/λ_max makes the loss blow up: the run says so, with the step.
#[test]
fn divergence_is_reported_with_its_step() {
    let mut rng = seeded(1);
    let data = sample_data(&Distribution::Uniform { lo: -1.0, hi: 1.0 }, Target::Sine, 8, &mut rng);
    let net = ShallowNet::new(20, Activation::Relu);
    let theta = balanced_init(20, 3.0, &mut rng);
    let settings = RunSettings {
        schedule: Schedule::constant(5.0),
        batch_size: 8,
        tolerance: 1e-6,
        max_steps: 5000,
        record_every: 10,
        seed: 0,
    };
    let mut run = InterpolationRun::new(net, &data, theta, settings);
    match run.advance(usize::MAX / 2) {
        Outcome::Diverged { step, loss } => {
            assert!(step > 0 && step < 5000);
            assert!(loss > 1e10 || loss.is_infinite());
        }
        other => panic!("expected divergence, got {other:?}"),
    }
    assert!(run.records().iter().all(|r| r.loss.is_finite() && r.sharpness.is_finite()), "records hold only numbers");
}

/// The switch happens at the requested step: θ is kept there, the records carry η₁ before and
/// η₂ from then on, and the run does not stop before the switch even when it interpolates.
#[test]
fn the_step_size_switches_where_asked() {
    let mut rng = seeded(4);
    let data = sample_data(&Distribution::Uniform { lo: -1.0, hi: 1.0 }, Target::Abs, 6, &mut rng);
    let net = ShallowNet::new(40, Activation::Relu);
    let theta = balanced_init(40, 0.6, &mut rng);
    let settings = RunSettings {
        schedule: Schedule { eta: 0.01, switch_at: 3000, eta_after: 0.02 },
        batch_size: 6,
        tolerance: 1e-3,
        max_steps: 6000,
        record_every: 50,
        seed: 0,
    };
    let mut run = InterpolationRun::new(net, &data, theta, settings);
    run.advance(2999);
    assert!(run.theta_at_switch().is_none());
    let outcome = run.advance(usize::MAX / 2);
    assert!(run.step() >= 3000, "stopped at {} before the switch ({outcome:?})", run.step());
    assert!(run.theta_at_switch().is_some());
    for r in run.records() {
        assert_eq!(r.eta, if r.step < 3000 { 0.01 } else { 0.02 }, "step {}", r.step);
    }
    assert!(run.records().iter().any(|r| r.step == 3000), "the switch step is recorded");
}
