//! The central flow (`math::central_flow`): its semidefinite complementarity solver against the
//! KKT conditions over random cases, and against the closed form for one eigenvalue; the mixed
//! third derivatives by polarization against central differences of Hessian-vector products;
//! the flow below the edge against gradient flow; the flow at the edge holding the sharpness at
//! 2/η; the flow's prediction of GD's average loss on EOS-1; and refused input.

use nalgebra::DMatrix;
use sgd_stability::math::activation::Activation;
use sgd_stability::math::central_flow::{
    compare_with_gd, entries, entry_position, solve_edge, unpack, CentralFlow, FlowStop, MAX_ENTRIES,
};
use sgd_stability::math::datasets::Dataset;
use sgd_stability::math::dense::SymmetricEigen;
use sgd_stability::math::eos1::eos1;
use sgd_stability::math::mlp::{Architecture, Mlp};
use sgd_stability::math::rng::{normal, seeded, Rng};
use sgd_stability::math::trainer::Schedule;

/// EOS-1's network: 100 tanh units on the line, θ laid out as the lecture's.
fn eos1_problem() -> (Mlp, Dataset, Vec<f64>, Vec<f64>) {
    let init = eos1();
    let arch = Architecture { input_dim: 1, hidden: vec![100], activation: Activation::Tanh, output_dim: 1 };
    let data = Dataset::new(1, 1, init.data.x, init.data.y).expect("EOS-1's data are valid");
    (Mlp::new(arch).expect("EOS-1's network is valid"), data, init.theta0, init.v0)
}

fn symmetric(k: usize, entries: &[f64; 9]) -> DMatrix<f64> {
    DMatrix::from_fn(k, k, |i, j| entries[i * k + j])
}

fn smallest_eigenvalue(k: usize, m: &[f64; 9]) -> f64 {
    *SymmetricEigen::new(&symmetric(k, m)).expect("finite").values.last().expect("k ≥ 1")
}

fn frobenius(m: &[f64]) -> f64 {
    m.iter().map(|v| v * v).sum::<f64>().sqrt()
}

/// 𝒢 = the Gram matrix of `count` random vectors of dimension entries(k) (rank-deficient when
/// count < entries(k)), scaled by 10^[−3, 3].
fn random_gram(rng: &mut Rng, k: usize, count: usize) -> Vec<f64> {
    let n = entries(k);
    let scale = 10f64.powf(3.0 * (2.0 * rng_unit(rng) - 1.0));
    let vectors: Vec<f64> = (0..count * n).map(|_| normal(rng)).collect();
    let mut gram = vec![0.0; n * n];
    for p in 0..n {
        for q in 0..n {
            gram[p * n + q] = scale * (0..count).map(|c| vectors[c * n + p] * vectors[c * n + q]).sum::<f64>();
        }
    }
    gram
}

fn rng_unit(rng: &mut Rng) -> f64 {
    sgd_stability::math::rng::uniform(rng, 0.0, 1.0)
}

/// svec of a random symmetric matrix.
fn random_svec(rng: &mut Rng, k: usize) -> [f64; MAX_ENTRIES] {
    let mut v = [0.0; MAX_ENTRIES];
    for x in v.iter_mut().take(entries(k)) {
        *x = normal(rng);
    }
    v
}

fn times(n: usize, gram: &[f64], x: &[f64]) -> [f64; MAX_ENTRIES] {
    let mut out = [0.0; MAX_ENTRIES];
    for p in 0..n {
        out[p] = (0..n).map(|q| gram[p * n + q] * x[q]).sum();
    }
    out
}

/// The KKT conditions of the edge problem at `sigma`: Σ ⪰ 0, Y = 𝒢Σ + B ⪰ 0, ⟨Σ, Y⟩ = 0, each
/// relative to the sizes of Σ and Y (and B, when Σ = 0). Returns the three violations.
fn kkt_violations(k: usize, gram: &[f64], linear: &[f64], sigma: &[f64; MAX_ENTRIES]) -> [f64; 3] {
    let n = entries(k);
    let mut y = times(n, gram, sigma);
    for p in 0..n {
        y[p] += linear[p];
    }
    let (s, ym) = (unpack(k, sigma), unpack(k, &y));
    // Σ's natural size is ‖B‖ over 𝒢's scale (its largest diagonal entry), even when Σ = 0.
    let gram_scale = (0..n).map(|p| gram[p * n + p]).fold(0.0, f64::max);
    let sigma_size = frobenius(&sigma[..n]).max(frobenius(&linear[..n]) / gram_scale);
    // Y = 𝒢Σ + B is formed from terms as large as 𝒢's scale times ‖Σ‖, which may cancel.
    let y_size = frobenius(&y[..n]).max(frobenius(&linear[..n])).max(gram_scale * frobenius(&sigma[..n]));
    let complementarity: f64 = sigma[..n].iter().zip(&y[..n]).map(|(a, b)| a * b).sum();
    [
        (-smallest_eigenvalue(k, &s) / sigma_size).max(0.0),
        (-smallest_eigenvalue(k, &ym) / y_size).max(0.0),
        complementarity.abs() / (sigma_size * y_size),
    ]
}

/// A measured bound: the worst violation over the cases below is 7e-13 (complementarity, for a
/// nearly singular 𝒢).
const KKT_TOLERANCE: f64 = 1e-10;

#[test]
fn the_edge_solver_meets_the_kkt_conditions() {
    let mut rng = seeded(17);
    let mut worst = [0.0f64; 3];
    for k in 1..=3 {
        let n = entries(k);
        for case in 0..300 {
            // Full rank (any B is solvable) in most cases; rank-deficient 𝒢 with a B built to be
            // solvable in the rest.
            let count = if case % 3 == 2 { (n - 1).max(1) } else { n + case % 3 };
            let gram = random_gram(&mut rng, k, count);
            let linear = if case % 3 == 2 {
                complementary_problem(&mut rng, k, &gram).1
            } else {
                let mut b = random_svec(&mut rng, k);
                let scale = 10f64.powf(4.0 * (2.0 * rng_unit(&mut rng) - 1.0));
                b.iter_mut().for_each(|v| *v *= scale);
                b
            };
            let sigma = solve_edge(k, &gram, &linear).unwrap_or_else(|| panic!("k = {k}, case {case}: no solution"));
            let violations = kkt_violations(k, &gram, &linear, &sigma);
            for (w, v) in worst.iter_mut().zip(violations) {
                *w = w.max(v);
            }
            assert!(violations.iter().all(|&v| v <= KKT_TOLERANCE), "k = {k}, case {case}: violations {violations:?}");
        }
    }
    eprintln!("worst KKT violations (Σ ⪰ 0, Y ⪰ 0, ⟨Σ, Y⟩): {worst:?}");
}

/// A problem with a known solution: Σ* and Y* positive semidefinite with orthogonal ranges
/// (a random rotation split between them), and B = Y* − 𝒢Σ*. Returns (svec Σ*, B).
fn complementary_problem(rng: &mut Rng, k: usize, gram: &[f64]) -> ([f64; MAX_ENTRIES], [f64; MAX_ENTRIES]) {
    let n = entries(k);
    let random = DMatrix::from_fn(k, k, |_, _| normal(rng));
    let q = random.qr().q();
    let rank = (rng_unit(rng) * (k + 1) as f64) as usize % (k + 1);
    let mut sigma = DMatrix::zeros(k, k);
    let mut y = DMatrix::zeros(k, k);
    for c in 0..k {
        let column = q.column(c);
        let weight = 0.5 + rng_unit(rng);
        if c < rank {
            sigma += weight * column * column.transpose();
        } else {
            y += weight * column * column.transpose();
        }
    }
    let svec = |m: &DMatrix<f64>| {
        let mut v = [0.0; MAX_ENTRIES];
        for (p, x) in v.iter_mut().enumerate().take(n) {
            let (a, b) = entry_position(k, p);
            *x = if a == b { m[(a, b)] } else { std::f64::consts::SQRT_2 * m[(a, b)] };
        }
        v
    };
    let (sigma, y) = (svec(&sigma), svec(&y));
    let g_sigma = times(n, gram, &sigma);
    let mut linear = [0.0; MAX_ENTRIES];
    for p in 0..n {
        linear[p] = y[p] - g_sigma[p];
    }
    (sigma, linear)
}

/// Measured: 4e-6 in the worst of these cases, whose 𝒢 (a Gram matrix of random vectors) is
/// nearly singular and multiplies the solver's 1e-13 accuracy in Y by its condition number.
const RECOVERY_TOLERANCE: f64 = 1e-5;

#[test]
fn the_edge_solver_recovers_a_known_solution() {
    // With 𝒢 positive definite the solution is unique, so the solver must find the one built.
    let mut rng = seeded(5);
    let mut worst = 0.0f64;
    for k in 1..=3 {
        let n = entries(k);
        for case in 0..200 {
            let gram = random_gram(&mut rng, k, n + 2);
            let (expected, linear) = complementary_problem(&mut rng, k, &gram);
            let sigma = solve_edge(k, &gram, &linear).expect("solvable");
            let error = frobenius(&(0..n).map(|p| sigma[p] - expected[p]).collect::<Vec<_>>());
            let relative = error / frobenius(&expected[..n]).max(1.0);
            worst = worst.max(relative);
            // 𝒢's condition number amplifies the solver's stopping tolerance.
            assert!(relative <= RECOVERY_TOLERANCE, "k = {k}, case {case}: off by {relative:e}");
        }
    }
    eprintln!("worst relative error of a recovered solution: {worst:e}");
}

#[test]
fn the_edge_solver_agrees_with_the_closed_form_for_one_eigenvalue() {
    let mut rng = seeded(8);
    for case in 0..500 {
        let gram = [10f64.powf(6.0 * rng_unit(&mut rng) - 3.0)];
        let linear = [normal(&mut rng) * 10f64.powf(6.0 * rng_unit(&mut rng) - 3.0)];
        let closed_form = (-linear[0] / gram[0]).max(0.0);
        let sigma = solve_edge(1, &gram, &linear).expect("solvable")[0];
        assert!(
            (sigma - closed_form).abs() <= 1e-12 * closed_form.max(linear[0].abs() / gram[0]),
            "case {case}: {sigma} vs {closed_form}"
        );
    }
}

#[test]
fn the_edge_solver_refuses_problems_without_a_solution() {
    // 𝒢 = 0: Y = B, which has a negative eigenvalue.
    assert_eq!(solve_edge(2, &[0.0; 9], &[1.0, -1.0, 0.0]), None);
    // 𝒢 sees only the (0, 0) entry, B needs the (1, 1) entry lowered.
    let mut gram = [0.0; 9];
    gram[0] = 1.0;
    assert_eq!(solve_edge(2, &gram, &[-1.0, -1.0, 0.0]), None);
    // The same with B ⪰ 0 where 𝒢 is blind is solvable: Σ = diag(1, 0).
    let sigma = solve_edge(2, &gram, &[-1.0, 1.0, 0.0]).expect("solvable");
    assert!((sigma[0] - 1.0).abs() < 1e-10 && sigma[1].abs() < 1e-10 && sigma[2].abs() < 1e-10, "{sigma:?}");
    assert_eq!(solve_edge(1, &[1.0], &[f64::NAN]), None);
}

/// ∇³L[a, b, ·] by polarization of the curvature gradient, as the flow forms it.
fn mixed_third(mlp: &mut Mlp, theta: &[f64], data: &Dataset, a: &[f64], b: &[f64]) -> Vec<f64> {
    let p = theta.len();
    let (mut taa, mut tbb, mut tsum) = (vec![0.0; p], vec![0.0; p], vec![0.0; p]);
    mlp.curvature_gradient(theta, data, a, &mut taa);
    mlp.curvature_gradient(theta, data, b, &mut tbb);
    let sum: Vec<f64> = a.iter().zip(b).map(|(x, y)| x + y).collect();
    mlp.curvature_gradient(theta, data, &sum, &mut tsum);
    (0..p).map(|i| 0.5 * (tsum[i] - taa[i] - tbb[i])).collect()
}

#[test]
fn mixed_third_derivatives_match_central_differences() {
    // d/dε aᵀ∇²L(θ + εd)b at ε = 0 is ⟨∇³L[a, b, ·], d⟩: the first-order change of (UᵀHU)_ab
    // that the flow's constraint uses.
    let mut rng = seeded(29);
    for activation in [Activation::Tanh, Activation::Softplus, Activation::Gelu] {
        let arch = Architecture { input_dim: 2, hidden: vec![4, 3], activation, output_dim: 3 };
        let mut mlp = Mlp::new(arch.clone()).expect("valid");
        let data = Dataset::new(
            2,
            3,
            (0..14).map(|_| normal(&mut rng)).collect(),
            (0..21).map(|_| normal(&mut rng)).collect(),
        )
        .expect("valid");
        let p = mlp.num_params();
        let theta: Vec<f64> = (0..p).map(|_| normal(&mut rng)).collect();
        let [a, b, d]: [Vec<f64>; 3] = std::array::from_fn(|_| (0..p).map(|_| normal(&mut rng)).collect());
        let mixed = mixed_third(&mut mlp, &theta, &data, &a, &b);
        let exact: f64 = mixed.iter().zip(&d).map(|(x, y)| x * y).sum();
        let h = 1e-4;
        let mut hb = vec![0.0; p];
        let mut bilinear = |sign: f64| {
            let moved: Vec<f64> = theta.iter().zip(&d).map(|(t, v)| t + sign * h * v).collect();
            mlp.hessian_vec(&moved, &data, None, &b, &mut hb);
            a.iter().zip(&hb).map(|(x, y)| x * y).sum::<f64>()
        };
        let difference = (bilinear(1.0) - bilinear(-1.0)) / (2.0 * h);
        assert!((difference - exact).abs() <= 1e-6 * exact.abs().max(1.0), "{activation:?}: {difference} vs {exact}");
    }
}

#[test]
fn below_the_edge_the_flow_is_gradient_flow() {
    // η = 0.01: 2/η = 200, far above EOS-1's sharpness (33.6), so σ = 0 throughout and the flow
    // must be Euler's method for gradient flow, step η/4, to the last bit.
    let (mlp, data, theta0, v0) = eos1_problem();
    let eta = 0.01;
    let mut flow =
        CentralFlow::new(mlp.clone(), data.clone(), theta0.clone(), Schedule::constant(eta), 4, v0).expect("valid");
    flow.advance(50).expect("the flow runs");
    let mut reference = mlp;
    let mut theta = theta0;
    let mut gradient = vec![0.0; theta.len()];
    for t in 0..50 {
        for substep in 0..4 {
            let loss = reference.loss_and_gradient(&theta, &data, None, &mut gradient);
            if substep == 0 {
                let record = flow.records()[t];
                assert_eq!(record.loss, loss, "step {t}");
                assert_eq!((record.variance, record.edge_count), (0.0, 0), "step {t}");
                assert_eq!(record.predicted_loss, loss);
                assert!(record.sharpness < 40.0, "step {t}: sharpness {}", record.sharpness);
            }
            for (w, g) in theta.iter_mut().zip(&gradient) {
                *w -= eta * 0.25 * g;
            }
        }
    }
    assert_eq!(flow.theta(), &theta[..]);
}

/// The largest relative distance of the flow's sharpness from 2/η over the steps at which it
/// oscillates, measured on EOS-1 at η = 0.06: about 3e-4 (the second-order terms of one Euler
/// step; the first-order terms are held exactly). The bound leaves room for other platforms.
const EDGE_HOLD_TOLERANCE: f64 = 2e-3;

#[test]
fn at_the_edge_the_flow_holds_the_sharpness_at_two_over_eta() {
    let (mlp, data, theta0, v0) = eos1_problem();
    let eta = 0.06;
    let mut flow = CentralFlow::new(mlp, data, theta0, Schedule::constant(eta), 4, v0).expect("valid");
    flow.advance(300).expect("the flow runs");
    let records = flow.records();
    // EOS-1 starts above 2/η: the first flow step brings S down onto it.
    assert!(records[0].sharpness > 2.0 / eta && records[0].variance > 0.0);
    let at_edge: Vec<_> = records[1..].iter().filter(|r| r.variance > 0.0).collect();
    // The flow leaves the edge where gradient flow lowers S by itself (about a third of these
    // steps).
    assert!(at_edge.len() > 150, "only {} of 300 steps at the edge", at_edge.len());
    let worst = at_edge.iter().map(|r| (r.sharpness * eta / 2.0 - 1.0).abs()).fold(0.0, f64::max);
    eprintln!("largest |S·η/2 − 1| while σ² > 0: {worst:.2e}");
    assert!(worst <= EDGE_HOLD_TOLERANCE, "the sharpness left 2/η by {worst:e} (relative)");
    for r in records {
        assert!(
            r.sharpness <= 2.0 / eta * (1.0 + EDGE_HOLD_TOLERANCE) || r.step == 0,
            "step {}: {}",
            r.step,
            r.sharpness
        );
        assert_eq!(r.predicted_loss, r.loss + r.variance / eta);
    }
}

/// GD's mean loss over the edge phase of EOS-1 (η = 0.06, 2,000 steps, spikes included) against
/// the flow's prediction: measured 5.5 % here (0.1349 against 0.1428), the same with 2 and with
/// 4 flow steps per GD step, so the gap is the flow's, not its discretization's.
const EOS1_PREDICTION_TOLERANCE: f64 = 0.07;

#[test]
fn on_eos1_the_flow_predicts_gds_mean_loss() {
    let (mlp, data, theta0, v0) = eos1_problem();
    let comparison =
        compare_with_gd(mlp, data, theta0, Schedule::constant(0.06), 4, v0, 2000).expect("both runs go through");
    eprintln!(
        "EOS-1 η = 0.06: edge from step {}, mean GD loss {:.4}, predicted {:.4}, flow's L {:.4}, error {:.2} %",
        comparison.edge_start,
        comparison.mean_gd_loss,
        comparison.mean_predicted,
        comparison.mean_flow_loss,
        100.0 * comparison.relative_error
    );
    assert!(comparison.edge_start <= 1);
    assert!(comparison.relative_error <= EOS1_PREDICTION_TOLERANCE, "error {}", comparison.relative_error);
    // Without the oscillation's variance the flow's own loss underestimates GD's average.
    assert!(comparison.mean_flow_loss < comparison.mean_gd_loss);
    // Between spikes GD's loss is the flow's own L(w), and the spikes carry the excess over it
    // that the variance term predicts: measured 0.1 % and 0.2 % over the two quiet 400-step
    // windows after the first (which holds GD's transient from its start above 2/η).
    let quiet: Vec<_> = comparison.windows(400).into_iter().filter(|w| w.start >= 400 && w.peak_ratio < 2.0).collect();
    assert!(!quiet.is_empty());
    for w in quiet {
        assert!(w.flow_loss_error() <= 0.02, "window from {}: {:?}", w.start, w);
    }
}

#[test]
fn the_flow_follows_a_step_size_schedule() {
    // η = 0.06 for 100 steps, then 0.05: the edge moves from 33.3 to 40, above EOS-1's
    // sharpness, so the flow leaves the edge for gradient flow, and its records use the new η.
    let (mlp, data, theta0, v0) = eos1_problem();
    let schedule = Schedule { eta: 0.06, switch_at: 100, eta_after: 0.05 };
    let mut flow = CentralFlow::new(mlp, data, theta0, schedule, 2, v0).expect("valid");
    flow.advance(60).expect("the flow runs");
    flow.advance(90).expect("the flow runs on");
    let records = flow.records();
    assert_eq!(records.len(), 150);
    assert!(records.iter().enumerate().all(|(t, r)| r.step == t));
    assert!(records[..100].iter().filter(|r| r.variance > 0.0).count() > 50);
    for r in &records[101..] {
        assert_eq!((r.variance, r.edge_count), (0.0, 0), "step {}", r.step);
        assert!(r.sharpness < 0.99 * 2.0 / 0.05, "step {}: {}", r.step, r.sharpness);
        assert_eq!(r.predicted_loss, r.loss);
    }
}

#[test]
fn bad_input_is_refused_with_a_reason() {
    let (mlp, data, theta0, v0) = eos1_problem();
    let schedule = Schedule::constant(0.06);
    let new = |theta: Vec<f64>, schedule: Schedule, substeps: usize, start: Vec<f64>| {
        CentralFlow::new(mlp.clone(), data.clone(), theta, schedule, substeps, start).map(|_| ()).unwrap_err()
    };
    assert!(new(theta0[1..].to_vec(), schedule, 4, v0.clone()).contains("parameters"));
    assert!(new(theta0.clone(), schedule, 4, vec![0.0; v0.len()]).contains("start vector"));
    assert!(new(theta0.clone(), Schedule::constant(-0.1), 4, v0.clone()).contains("step sizes"));
    assert!(new(theta0.clone(), schedule, 0, v0.clone()).contains("flow step"));
    let mut bad = theta0.clone();
    bad[3] = f64::NAN;
    assert!(new(bad, schedule, 4, v0.clone()).contains("finite"));
    let digits = Dataset::digits(10).expect("valid");
    let error = CentralFlow::new(mlp.clone(), digits, theta0.clone(), schedule, 4, v0.clone()).map(|_| ()).unwrap_err();
    assert!(error.contains("inputs"), "{error}");

    // A start so far out that the loss overflows: the flow stops with a reason, not NaN.
    let huge: Vec<f64> = theta0.iter().map(|t| t * 1e300).collect();
    let mut flow = CentralFlow::new(mlp, data, huge, schedule, 4, v0).expect("valid input");
    let stop = flow.advance(5).unwrap_err();
    assert_eq!(stop, FlowStop::NotFinite { step: 0 });
    assert!(stop.to_string().contains("not finite"));
    assert!(flow.records().is_empty());
}

/// Prints the comparison of GD with the flow over the edge phase, and over windows of `width`
/// steps: all of them, and those without a spike (GD's largest loss under twice its mean).
fn report(name: &str, comparison: &sgd_stability::math::central_flow::FlowComparison, width: usize) {
    let most_edge = comparison.flow.iter().map(|r| r.edge_count).max().unwrap_or(0);
    eprintln!(
        "{name}: sharpness at start {:.3}, edge from step {}, at most {most_edge} eigenvalues at the edge; \
         mean GD loss {:.4}, predicted {:.4} ({:.1} %), flow's L {:.4}",
        comparison.flow[0].sharpness,
        comparison.edge_start,
        comparison.mean_gd_loss,
        comparison.mean_predicted,
        100.0 * comparison.relative_error,
        comparison.mean_flow_loss,
    );
    let windows = comparison.windows(width);
    let quiet: Vec<_> = windows.iter().filter(|w| w.peak_ratio < 2.0).collect();
    let mut errors: Vec<f64> = windows.iter().map(|w| w.relative_error()).collect();
    errors.sort_by(f64::total_cmp);
    if let (Some(median), Some(p90)) = (errors.get(errors.len() / 2), errors.get(errors.len() * 9 / 10)) {
        eprintln!(
            "  {} windows of {width}: prediction error median {:.1} %, 90th percentile {:.1} %",
            errors.len(),
            100.0 * median,
            100.0 * p90
        );
    }
    for w in quiet {
        eprintln!(
            "  quiet window from {}: GD {:.4}, flow's L {:.4} ({:.1} %), predicted {:.4} ({:.1} %)",
            w.start,
            w.mean_gd_loss,
            w.mean_flow_loss,
            100.0 * w.flow_loss_error(),
            w.mean_predicted,
            100.0 * w.relative_error()
        );
    }
}

/// The measurements on EOS-1 at two step sizes: `cargo test --release --test math
/// measure_eos1 -- --ignored --nocapture`. Measured: at η = 0.06 over 2,000 steps, GD's mean
/// loss 0.1428 against the predicted 0.1349 (5.5 %); at η = 0.055 over 6,000 steps (edge from
/// step 2,126), 0.0480 against 0.0418 (13 %); over quiet 400-step windows GD's loss is the
/// flow's L(w) to 0.1–3.6 %. About 1.4 ms per step of GD plus four flow steps.
#[test]
#[ignore = "a measurement; run it from a release build"]
fn measure_eos1() {
    for (eta, steps) in [(0.06, 2000), (0.055, 6000)] {
        let (mlp, data, theta0, v0) = eos1_problem();
        let clock = std::time::Instant::now();
        let comparison = compare_with_gd(mlp, data, theta0, Schedule::constant(eta), 4, v0, steps).expect("runs");
        let per_step = clock.elapsed().as_secs_f64() / steps as f64;
        report(&format!("EOS-1 η = {eta}, {steps} steps"), &comparison, 400);
        eprintln!("  GD + flow (4 flow steps each): {:.3} ms per step", 1e3 * per_step);
    }
}

/// EOS-3: the first 500 digits, 64 tanh units, ten outputs, full-batch GD at η = 0.08 and the
/// flow with two flow steps per GD step: `cargo test --release --test math measure_eos3 --
/// --ignored --nocapture` (EOS3_STEPS sets the length). Measured over 3,000 steps: sharpness
/// 23.24 at the start, the flow at 2/η = 25 from step 985, a second eigenvalue in the edge band
/// from step 1,490; over the edge phase GD's mean loss 0.0734 against the predicted 0.0734
/// (0.1 %), over 51-step windows 7.5 % median and 13.1 % 90th percentile; about 0.24 s per
/// step.
#[test]
#[ignore = "a heavy measurement; run it from a release build"]
fn measure_eos3() {
    let steps: usize = std::env::var("EOS3_STEPS").ok().and_then(|s| s.parse().ok()).unwrap_or(600);
    let arch = Architecture { input_dim: 64, hidden: vec![64], activation: Activation::Tanh, output_dim: 10 };
    let theta0 = arch.init(&mut seeded(0));
    let mut rng = seeded(1);
    let start: Vec<f64> = (0..theta0.len()).map(|_| normal(&mut rng)).collect();
    let data = Dataset::digits(500).expect("valid");
    let mlp = Mlp::new(arch).expect("valid");
    let clock = std::time::Instant::now();
    let comparison = compare_with_gd(mlp, data, theta0, Schedule::constant(0.08), 2, start, steps).expect("runs");
    let per_step = clock.elapsed().as_secs_f64() / steps as f64;
    report(&format!("EOS-3, {steps} steps"), &comparison, 51);
    eprintln!("  GD + flow (2 flow steps each): {:.1} ms per step", 1e3 * per_step);
    let second = comparison.flow.iter().position(|r| r.edge_count >= 2);
    eprintln!("  first step with two eigenvalues in the edge band: {second:?}");
}
