//! The corollary ∫|f''| g ≤ 1/η − 1/2 on networks that GD actually trains to interpolation,
//! over random data sets, targets, widths and step sizes; the runs that do not get there, and
//! those that reach the tolerance at a minimum too sharp for their step size, are counted and
//! reported apart, not hidden. Also the training run itself: divergence is reported
//! with its step, and the step size switch of the function-space experiment happens where
//! asked.

use sgd_stability::math::activation::Activation;
use sgd_stability::math::distribution::Distribution;
use sgd_stability::math::function_space::{
    balanced_init, gauss_newton_top, lemma4_lower_bound, residual_part_norm, sample_data, weighted_curvature, Target,
};
use sgd_stability::math::interpolation_run::{AfterSharp, InterpolationRun, RunSettings};
use sgd_stability::math::network::{Data, Regression, ShallowNet};
use sgd_stability::math::rng::{seeded, uniform, Rng};
use sgd_stability::math::trainer::Outcome;
use sgd_stability::math::trainer::Schedule;

const TARGETS: [Target; 4] = [Target::Abs, Target::Sine, Target::Square, Target::RandomLabels];

/// Case `case` of the corollary tests: data from one of three laws and four targets, 3 to 8
/// points, 20 to 60 neurons, a balanced start.
fn random_case(rng: &mut Rng, case: usize) -> (Data, ShallowNet, Vec<f64>) {
    let n = 3 + case % 6;
    let k = 20 + (case * 7) % 41;
    let law = [
        Distribution::Uniform { lo: -1.0, hi: 1.0 },
        Distribution::Gaussian { mean: 0.0, sd: 0.6 },
        Distribution::Laplace { location: 0.0, scale: 0.4 },
    ][case % 3];
    let data = sample_data(&law, TARGETS[(case / 3) % 4], n, rng);
    let net = ShallowNet::new(k, Activation::Relu);
    let theta = balanced_init(k, 0.6, rng);
    (data, net, theta)
}

/// THE corollary on 240 networks that GD trains, over random data sets, targets, widths and
/// step sizes, without taking Theorem 1.1 for granted.
///
/// A run counts as interpolated only when its loss is below 1e-4 at a minimum stable for its η
/// (λ_max(∇²L) ≤ 2/η), so on those runs ∫|f''|g ≤ 1/η − 1/2 is Lemma 4 plus the stopping rule:
/// what this checks there is Lemma 4 at the trained θ, 1 + 2∫|f''|g ≤ λ_max(ΦΦᵀ/n), which is
/// within the residual part's norm of λ_max(∇²L). Theorem 1.1's half is checked where it has
/// content: at the runs whose loss reached the tolerance at λ_max > 2/η (a minimum too sharp for
/// η), counted apart with what GD did there.
///
/// Measured (and asserted, since the page quotes it): 130 of 240 runs end at a stable
/// interpolant (the page says "about half"; the other 110 do not interpolate within the step
/// cap), and the largest ∫|f''|g / (1/η − 1/2) among them is 0.18. No run at a constant step
/// size ever had its loss below the tolerance at λ_max > 2/η: that takes a change of step size
/// (the next test).
#[test]
fn corollary_holds_on_the_stable_interpolants_gd_trains() {
    let mut rng = seeded(2112);
    let (mut stable, mut capped, mut diverged) = (0, 0, 0);
    let (mut sharp, mut left, mut drifted, mut stayed, mut sharp_diverged, mut sharp_within_bound) = (0, 0, 0, 0, 0, 0);
    let mut tightest = 0.0f64;
    for case in 0..240 {
        let (data, net, theta) = random_case(&mut rng, case);
        let n = data.len();
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
        let outcome = run.advance(usize::MAX / 2);
        // ‖residual part‖ ≤ (1/n)Σ|rⱼ|√(1 + xⱼ²) ≤ √(2L)·max √(1 + xⱼ²), small near interpolation.
        let reach = data.x.iter().map(|x| (1.0 + x * x).sqrt()).fold(0.0, f64::max);
        if let (Some(point), Some(after)) = (run.sharp_interpolant(), run.after_sharp()) {
            sharp += 1;
            let rec = point.record;
            assert!(rec.loss < 1e-4 && rec.sharpness > 2.0 / rec.eta, "case {case}: {rec:?}");
            // Lemma 4 at that point (Lanczos to 1e-7, the residual part bounded by the loss).
            let slack = (2.0 * rec.loss).sqrt() * reach + 1e-6 * rec.sharpness;
            assert!(1.0 + 2.0 * rec.curvature <= rec.sharpness + slack, "case {case}: Lemma 4 at {rec:?}");
            if rec.curvature <= 1.0 / rec.eta - 0.5 {
                sharp_within_bound += 1;
            }
            match after {
                AfterSharp::Left { .. } => left += 1,
                AfterSharp::Drifted { .. } => drifted += 1,
                AfterSharp::Stayed => stayed += 1,
                AfterSharp::Diverged { .. } => sharp_diverged += 1,
                AfterSharp::Undecided => unreachable!("a finished run has decided"),
            }
        }
        match outcome {
            Outcome::Interpolated { .. } => stable += 1,
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
        let last = *run.records().last().unwrap();
        assert!(last.loss < 1e-4 && last.sharpness <= 2.0 / eta, "case {case}: the stopping rule");
        let problem = Regression::new(net, data.clone());
        let curvature = weighted_curvature(&net, run.theta(), &data.x);
        assert_eq!(curvature, last.curvature);
        let residual = residual_part_norm(&problem, run.theta());
        assert!(residual <= (2.0 * run.loss()).sqrt() * reach * (1.0 + 1e-12), "case {case}: residual part {residual}");
        // Lemma 4 at the trained θ: 1 + 2∫|f''|g ≤ λ_max(ΦΦᵀ/n), which is within the residual
        // part of the sharpness (Weyl).
        let gn = gauss_newton_top(&problem, run.theta()).unwrap();
        let bound = lemma4_lower_bound(&net, run.theta(), &data.x);
        assert!(bound <= gn * (1.0 + 1e-12), "case {case}: Lemma 4: {bound} > λ_max(ΦΦᵀ/n) = {gn}");
        assert!(
            (gn - last.sharpness).abs() <= residual + 1e-6 * gn,
            "case {case}: Weyl: {gn} vs {} ± {residual}",
            last.sharpness
        );
        // Hence the corollary, up to half the residual part.
        let allowed = 1.0 / eta - 0.5;
        assert!(
            curvature <= allowed + 0.5 * residual + 1e-6 * last.sharpness,
            "case {case}: ∫|f''|g = {curvature} > 1/η − 1/2 = {allowed} (η = {eta}, residual part {residual})"
        );
        tightest = tightest.max(curvature / allowed);
    }
    println!(
        "corollary: {stable} of 240 runs end at a stable interpolant (largest ∫|f''|g / (1/η − 1/2) = {tightest:.3}); \
         {capped} did not interpolate within 20000 steps, {diverged} diverged. {sharp} reached the tolerance at \
         λ_max > 2/η ({sharp_within_bound} of them within the corollary's bound anyway): GD left {left}, drifted to \
         a stable point without leaving {drifted}, stayed {stayed}, diverged {sharp_diverged}"
    );
    // What the page says of this test: about half interpolate, the largest ratio about 0.18.
    assert!((108..=144).contains(&stable), "{stable} stable interpolants of 240: not about half");
    assert!((0.16..0.20).contains(&tightest), "largest ratio {tightest}, the page says about 0.18");
    assert!(capped + diverged > 0, "some runs are expected not to interpolate; the count above reports them");
    // At a constant step size GD never got the loss below the tolerance at a minimum too sharp
    // for it; the test below makes such minima on purpose.
    assert_eq!(sharp, 0, "left {left}, drifted {drifted}, stayed {stayed}, diverged {sharp_diverged}");
}

/// Theorem 1.1's half of the corollary, where it has content: GD trained to interpolation at a
/// small η₁ and then switched to a larger η₂ (the function-space figure's experiment) often
/// sits at the switch in a minimum with λ_max > 2/η₂. Theorem 1.1 says such a minimum is not
/// linearly stable; here GD leaves every one of them (the loss rises back above the
/// tolerance), and Lemma 4 holds at each. Whether the minimum happens to satisfy the
/// corollary's inequality as well is counted: the inequality is necessary for stability, not
/// sufficient.
///
/// Measured: of 60 runs (η₁ from 0.005 to 0.02, η₂ from 0.08 to 0.4), 21 sit at the switch in
/// a minimum too sharp for η₂; GD leaves all 21 (one of them by diverging), and all 21
/// satisfied ∫|f''|g ≤ 1/η₂ − 1/2 all the same.
#[test]
fn gd_leaves_the_minima_too_sharp_for_its_step_size() {
    let mut rng = seeded(1121);
    let (mut sharp, mut left, mut diverged, mut within_bound) = (0, 0, 0, 0);
    for case in 0..60 {
        let (data, net, theta) = random_case(&mut rng, case);
        let n = data.len();
        let eta = uniform(&mut rng, 0.005f64.ln(), 0.02f64.ln()).exp();
        let eta_after = uniform(&mut rng, 0.08f64.ln(), 0.4f64.ln()).exp();
        let settings = RunSettings {
            schedule: Schedule { eta, switch_at: 8000, eta_after },
            batch_size: n,
            tolerance: 1e-4,
            max_steps: 16_000,
            record_every: 50,
            seed: case as u64,
        };
        let mut run = InterpolationRun::new(net, &data, theta, settings);
        run.advance(usize::MAX / 2);
        let (Some(point), Some(after)) = (run.sharp_interpolant(), run.after_sharp()) else { continue };
        sharp += 1;
        let rec = point.record;
        assert!(rec.loss < 1e-4 && rec.sharpness > 2.0 / rec.eta, "case {case}: {rec:?}");
        let reach = data.x.iter().map(|x| (1.0 + x * x).sqrt()).fold(0.0, f64::max);
        let slack = (2.0 * rec.loss).sqrt() * reach + 1e-6 * rec.sharpness;
        assert!(1.0 + 2.0 * rec.curvature <= rec.sharpness + slack, "case {case}: Lemma 4 at {rec:?}");
        if rec.curvature <= 1.0 / rec.eta - 0.5 {
            within_bound += 1;
        }
        match after {
            AfterSharp::Left { step, .. } if step > rec.step => left += 1,
            AfterSharp::Diverged { step } if step > rec.step => diverged += 1,
            other => panic!("case {case}: GD did not leave a minimum too sharp for η: {other:?} after {rec:?}"),
        }
    }
    println!(
        "switch runs: {sharp} of 60 sat at a minimum too sharp for η₂; GD left {left} (and diverged in {diverged} more); \
         {within_bound} satisfied ∫|f''|g ≤ 1/η₂ − 1/2 anyway"
    );
    // What the page says of this test: about a third of the runs, GD leaves every one, and
    // every one satisfies the corollary's inequality all the same.
    assert!((15..=30).contains(&sharp), "{sharp} runs reached a minimum too sharp for η₂, the page says about a third");
    assert_eq!(within_bound, sharp, "the page says every too-sharp minimum satisfied the inequality");
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
