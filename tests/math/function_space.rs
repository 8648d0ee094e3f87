//! Function space and Lemma 4: the weight g of the uniform, Gaussian and Laplace laws against
//! numeric integration and against large samples; the empirical g against brute force; the
//! knots and f'' of ReLU networks against finite differences; and every step of Lemma 4's
//! chain over 12,000 random networks and data sets.

use sgd_stability::math::activation::Activation;
use sgd_stability::math::distribution::{erfc, standard_normal_cdf, Distribution, Empirical, Tails};
use sgd_stability::math::function_space::{
    conflicting_duplicate, g, g_minus, g_plus, gauss_newton_top, hessian_top_dense, knots, lemma4_lower_bound,
    residual_part_norm, weighted_curvature, Lemma4Chain, WeightCurves, CHAIN_LINES,
};
use sgd_stability::math::network::{Data, Regression, ShallowNet};
use sgd_stability::math::rng::{normal, seeded, uniform, Rng};

const LAWS: [Distribution; 3] = [
    Distribution::Uniform { lo: -1.0, hi: 1.5 },
    Distribution::Gaussian { mean: 0.3, sd: 0.7 },
    Distribution::Laplace { location: -0.2, scale: 0.5 },
];

/// ∫ₐᵇ f by composite 8-point Gauss–Legendre on `panels` equal panels: exact for polynomials of
/// degree 15 on each panel, so smooth integrands converge fast.
fn integrate(f: impl Fn(f64) -> f64, a: f64, b: f64, panels: usize) -> f64 {
    const NODES: [f64; 4] =
        [0.183_434_642_495_649_8, 0.525_532_409_916_329, 0.796_666_477_413_626_7, 0.960_289_856_497_536_3];
    const WEIGHTS: [f64; 4] =
        [0.362_683_783_378_362, 0.313_706_645_877_887_3, 0.222_381_034_453_374_5, 0.101_228_536_290_376_3];
    let h = (b - a) / panels as f64;
    let mut sum = 0.0;
    for p in 0..panels {
        let mid = a + (p as f64 + 0.5) * h;
        for (x, w) in NODES.iter().zip(WEIGHTS) {
            sum += w * (f(mid - 0.5 * h * x) + f(mid + 0.5 * h * x));
        }
    }
    sum * 0.5 * h
}

/// ∫ f over (−∞, x) for a law's density, split at the law's kinks, from far enough left that
/// the rest is below 1e-300 relative.
fn integrate_below(law: &Distribution, f: impl Fn(f64) -> f64, x: f64) -> f64 {
    let (far, kinks): (f64, Vec<f64>) = match *law {
        Distribution::Uniform { lo, hi } => (lo, vec![hi]),
        Distribution::Gaussian { mean, sd } => (x.min(mean) - 40.0 * sd, vec![]),
        Distribution::Laplace { location, scale } => (x.min(location) - 720.0 * scale, vec![location]),
    };
    if x <= far {
        return 0.0;
    }
    let mut cuts = vec![far];
    cuts.extend(kinks.into_iter().filter(|&k| k > far && k < x));
    cuts.push(x);
    cuts.windows(2).map(|w| integrate(&f, w[0], w[1], 4000)).sum()
}

#[test]
fn erfc_matches_reference_values() {
    // Values of the correctly rounded erfc.
    let reference = [
        (0.1, 0.8875370839817152),
        (0.5, 0.4795001221869535),
        (0.75, 0.28884436634648486),
        (1.0, 0.15729920705028513),
        (1.25, 0.07709987174354177),
        (2.0, 0.004677734981047265),
        (3.0, 2.2090496998585438e-05),
        (5.0, 1.5374597944280351e-12),
        (10.0, 2.088487583762545e-45),
        (20.0, 5.3958656116079005e-176),
        (26.0, 5.663192408856143e-296),
    ];
    for (x, want) in reference {
        let got = erfc(x);
        assert!((got - want).abs() <= 4e-15 * want, "erfc({x}) = {got:e}, want {want:e}");
        assert!((erfc(-x) - (2.0 - want)).abs() <= 4e-16 * 2.0, "erfc(−{x})");
    }
    assert_eq!(erfc(0.0), 1.0);
    assert_eq!(erfc(40.0), 0.0);
    assert!((standard_normal_cdf(-8.0) - 6.220960574271785e-16).abs() < 1e-29);
}

/// The closed-form tails of the three laws against numeric integration of their densities:
/// P(X < x), x − E[X | X < x] (relative 1e-11) and the same for the upper tail, at points from
/// the far left tail to the far right one (probabilities down to 1e-150).
#[test]
fn population_tails_match_numeric_integration() {
    for law in LAWS {
        let (centre, spread) = match law {
            Distribution::Uniform { lo, hi } => (0.5 * (lo + hi), 0.5 * (hi - lo)),
            Distribution::Gaussian { mean, sd } => (mean, sd),
            Distribution::Laplace { location, scale } => (location, scale),
        };
        let reach = match law {
            Distribution::Uniform { .. } => 1.3,
            Distribution::Gaussian { .. } => 25.0,
            Distribution::Laplace { .. } => 340.0,
        };
        for i in 0..=80 {
            let x = centre + spread * reach * (i as f64 / 40.0 - 1.0);
            let p = integrate_below(&law, |t| law.density(t), x);
            let gap = integrate_below(&law, |t| (x - t) * law.density(t), x);
            let lower = law.lower_tail(x);
            let what = format!("{law:?} at x = {x}");
            if p < 1e-300 {
                assert!(lower.probability < 1e-290, "{what}: P = {}", lower.probability);
                continue;
            }
            assert!(
                (lower.probability - p).abs() <= 1e-11 * p,
                "{what}: P(X < x) = {}, numeric {p}",
                lower.probability
            );
            let distance = gap / p;
            assert!(
                (lower.distance - distance).abs() <= 1e-10 * distance,
                "{what}: x − E[X|X<x] = {}, numeric {distance}",
                lower.distance
            );
            assert!((lower.mean - (x - distance)).abs() <= 1e-10 * (1.0 + x.abs()), "{what}: E[X|X<x]");
            // The upper tail, by reflecting the integrand: ∫ₓ^∞ f = ∫ over t < −x of f(−t).
            let mirror = |t: f64| law.density(2.0 * centre - t);
            let xm = 2.0 * centre - x;
            let q = integrate_below(&law, mirror, xm);
            if q < 1e-300 {
                continue;
            }
            let upper = law.upper_tail(x);
            let up_gap = integrate_below(&law, |t| (xm - t) * mirror(t), xm) / q;
            assert!((upper.probability - q).abs() <= 1e-11 * q, "{what}: P(X > x)");
            assert!((upper.distance - up_gap).abs() <= 1e-10 * up_gap, "{what}: E[X|X>x] − x");
            assert!(((upper.mean - x) - up_gap).abs() <= 1e-10 * (1.0 + x.abs()), "{what}: E[X|X>x]");
            // g⁻ and g⁺ from the integrals.
            let g_lower = p * p * distance * (1.0 + (x - distance).powi(2)).sqrt();
            assert!((g_minus(&law, x) - g_lower).abs() <= 1e-10 * g_lower, "{what}: g⁻");
            let g_upper = q * q * up_gap * (1.0 + (x + up_gap).powi(2)).sqrt();
            assert!((g_plus(&law, x) - g_upper).abs() <= 1e-10 * g_upper, "{what}: g⁺");
        }
    }
}

/// The Gaussian's far left tail switches from φ/Φ to a continued fraction at z = −3: both sides
/// of the switch agree.
#[test]
fn gaussian_tail_is_continuous_where_its_formula_switches() {
    let law = Distribution::Gaussian { mean: 0.0, sd: 1.0 };
    let (left, right) = (law.lower_tail(-3.0 - 1e-9), law.lower_tail(-3.0 + 1e-9));
    assert!((left.distance - right.distance).abs() < 1e-9, "{} vs {}", left.distance, right.distance);
    assert!((left.mean - right.mean).abs() < 1e-8);
}

/// The population g against the empirical g of a million draws: they agree to the sampling
/// error, over the bulk of each law.
#[test]
fn population_g_is_the_limit_of_the_empirical_g() {
    for (s, law) in LAWS.iter().enumerate() {
        let mut rng = seeded(40 + s as u64);
        let sample: Vec<f64> = (0..1_000_000).map(|_| law.sample(&mut rng)).collect();
        let empirical = Empirical::new(&sample).unwrap();
        let population_peak = (0..=200).map(|i| g(law, -3.0 + 6.0 * i as f64 / 200.0)).fold(0.0, f64::max);
        assert!(population_peak > 0.01);
        for i in 0..=40 {
            let x = match law {
                Distribution::Uniform { lo, hi } => lo + (hi - lo) * i as f64 / 40.0,
                _ => -2.0 + 4.0 * i as f64 / 40.0,
            };
            for (name, pop, emp) in [
                ("g⁻", g_minus(law, x), g_minus(&empirical, x)),
                ("g⁺", g_plus(law, x), g_plus(&empirical, x)),
                ("g", g(law, x), g(&empirical, x)),
            ] {
                let tol = 5e-3 * population_peak.max(pop);
                assert!((pop - emp).abs() <= tol, "{law:?} {name}({x}): population {pop}, sample {emp}");
            }
        }
    }
}

/// Brute-force tails of a sample: strict inequalities, a point on x counts on neither side.
fn brute_tails(xs: &[f64], x: f64) -> [(usize, f64); 2] {
    let below: Vec<f64> = xs.iter().copied().filter(|&v| v < x).collect();
    let above: Vec<f64> = xs.iter().copied().filter(|&v| v > x).collect();
    [(below.len(), below.iter().sum()), (above.len(), above.iter().sum())]
}

fn brute_weight(n: usize, (count, sum): (usize, f64), x: f64) -> f64 {
    if count == 0 {
        return 0.0;
    }
    let mean = sum / count as f64;
    (count as f64 / n as f64).powi(2) * (x - mean).abs() * (1.0 + mean * mean).sqrt()
}

/// The empirical tails and g against brute force, including samples with ties and points
/// exactly on the data; and the drawn polylines against pointwise evaluation.
#[test]
fn empirical_g_matches_brute_force_and_its_polyline() {
    let mut rng = seeded(3);
    for case in 0..300 {
        let n = 1 + case % 12;
        let mut xs: Vec<f64> = (0..n).map(|_| (uniform(&mut rng, -2.0, 2.0) * 8.0).round() / 8.0).collect();
        if case % 5 == 0 {
            xs.push(xs[0]); // a tie
        }
        let law = Empirical::new(&xs).unwrap();
        let (lo, hi) = law.support();
        let mut probes: Vec<f64> = xs.clone();
        probes.extend((0..20).map(|_| uniform(&mut rng, -2.5, 2.5)));
        for &x in &probes {
            let [below, above] = brute_tails(&xs, x);
            let (gm, gp) = (brute_weight(xs.len(), below, x), brute_weight(xs.len(), above, x));
            assert!((g_minus(&law, x) - gm).abs() <= 1e-12 * (1.0 + gm), "case {case} g⁻({x})");
            assert!((g_plus(&law, x) - gp).abs() <= 1e-12 * (1.0 + gp), "case {case} g⁺({x})");
            let want = if x < lo || x > hi { 0.0 } else { gm.min(gp) };
            assert!((g(&law, x) - want).abs() <= 1e-12 * (1.0 + want), "case {case} g({x})");
        }
        let curves = WeightCurves::of(&law);
        for &x in &probes {
            if xs.contains(&x) || x <= lo || x >= hi {
                continue; // the polyline draws the one-sided limits at data points
            }
            for (name, curve, want) in [
                ("g⁻", &curves.g_minus, g_minus(&law, x)),
                ("g⁺", &curves.g_plus, g_plus(&law, x)),
                ("g", &curves.g, g(&law, x)),
            ] {
                let seg = curve.windows(2).find(|w| w[0].0 <= x && x <= w[1].0 && w[0].0 < w[1].0).unwrap();
                let t = (x - seg[0].0) / (seg[1].0 - seg[0].0);
                let drawn = seg[0].1 + t * (seg[1].1 - seg[0].1);
                assert!(
                    (drawn - want).abs() <= 1e-10 * (1.0 + want),
                    "case {case}: drawn {name}({x}) = {drawn}, value {want}"
                );
            }
        }
    }
}

/// g jumps at interior data points: with points −1, 0, 1 the left and right limits at 0 differ.
#[test]
fn empirical_g_jumps_at_interior_data_points() {
    let law = Empirical::new(&[-1.0, 0.0, 1.0]).unwrap();
    let (left, right) = (g(&law, -1e-9), g(&law, 1e-9));
    // Just left of 0: below {−1}, above {0, 1}: g⁻ = (1/3)²·1·√2, g⁺ = (2/3)²·0.5·√1.25.
    assert!((left - (1.0f64 / 9.0) * 2f64.sqrt()).abs() < 1e-8);
    assert!((right - left).abs() < 1e-8, "symmetric law: equal limits");
    let law = Empirical::new(&[-1.0, 0.0, 2.0]).unwrap();
    assert!((g(&law, -1e-9) - g(&law, 1e-9)).abs() > 0.05, "asymmetric: the limits differ");
}

fn random_theta(rng: &mut Rng, k: usize) -> Vec<f64> {
    (0..3 * k + 1).map(|_| normal(rng)).collect()
}

/// f'' is Σ |w1ᵢ|w2ᵢ δ(x − τᵢ): at each knot the slope of f jumps by the knot's `jump`
/// (finite differences on either side), and f is linear between knots.
#[test]
fn knot_jumps_are_the_jumps_of_the_slope() {
    let mut rng = seeded(11);
    for case in 0..400 {
        let k = 1 + case % 9;
        let net = ShallowNet::new(k, Activation::Relu);
        let theta = random_theta(&mut rng, k);
        let list = knots(&net, &theta, &[0.0]);
        for (i, knot) in list.iter().enumerate() {
            let gap = [
                i.checked_sub(1).map(|j| knot.position - list[j].position),
                list.get(i + 1).map(|n| n.position - knot.position),
            ]
            .into_iter()
            .flatten()
            .fold(1.0f64, f64::min);
            let h = 0.25 * gap;
            if h < 1e-6 {
                continue;
            }
            let slope = |a: f64, b: f64| (net.eval(&theta, b) - net.eval(&theta, a)) / (b - a);
            let t = knot.position;
            let jump = slope(t + 0.1 * h, t + h) - slope(t - h, t - 0.1 * h);
            assert!(
                (jump - knot.jump).abs() <= 1e-7 * (1.0 + knot.jump.abs()) / h,
                "case {case}: jump {jump} vs {}",
                knot.jump
            );
        }
    }
}

/// Coinciding knots add their jumps before the absolute value: |x| = relu(x) + relu(−x) bends
/// by 2, x = relu(x) − relu(−x) not at all, and relu(−2x) by 2·w2 (|w1|, not w1).
#[test]
fn coinciding_knots_are_merged() {
    let net = ShallowNet::new(2, Activation::Relu);
    let xs = [-1.0, -0.5, 0.5, 1.0];
    let abs = [1.0, -1.0, 0.0, 0.0, 1.0, 1.0, 0.0];
    let line = [1.0, -1.0, 0.0, 0.0, 1.0, -1.0, 0.0];
    let abs_knots = knots(&net, &abs, &xs);
    assert_eq!(abs_knots.len(), 1);
    assert_eq!(abs_knots[0].jump, 2.0);
    assert_eq!(abs_knots[0].neurons, vec![0, 1]);
    assert_eq!(knots(&net, &line, &xs)[0].jump, 0.0);
    assert_eq!(weighted_curvature(&net, &line, &xs), 0.0);
    // g(0) for {−1, −0.5, 0.5, 1}: both sides have P = 1/2, mean ∓0.75, distance 0.75.
    let g0 = 0.25 * 0.75 * (1.0f64 + 0.75 * 0.75).sqrt();
    assert!((weighted_curvature(&net, &abs, &xs) - 2.0 * g0).abs() < 1e-15);
    assert!((lemma4_lower_bound(&net, &abs, &xs) - (1.0 + 4.0 * g0)).abs() < 1e-15);
    let single = ShallowNet::new(1, Activation::Relu);
    let flipped = [-2.0, 0.0, 3.0, 0.0];
    assert_eq!(knots(&single, &flipped, &xs)[0].jump, 6.0);
    // Knots outside [x_min, x_max] carry no weight; a w1 = 0 neuron has no knot.
    assert_eq!(weighted_curvature(&single, &[1.0, -5.0, 3.0, 0.0], &xs), 0.0);
    assert!(knots(&single, &[0.0, 1.0, 3.0, 0.0], &xs).is_empty());
    assert!(weighted_curvature(&ShallowNet::new(1, Activation::Tanh), &flipped, &xs).is_nan());
}

/// ∫|f''| g from the knots equals Σ |jump| g(τ) with g evaluated as a function of x, whenever
/// no data point sits on a knot.
#[test]
fn weighted_curvature_is_the_sum_over_knots_of_jump_times_g() {
    let mut rng = seeded(12);
    for case in 0..500 {
        let k = 1 + case % 10;
        let n = 2 + case % 9;
        let net = ShallowNet::new(k, Activation::Relu);
        let theta = random_theta(&mut rng, k);
        let xs: Vec<f64> = (0..n).map(|_| uniform(&mut rng, -2.0, 2.0)).collect();
        let law = Empirical::new(&xs).unwrap();
        let p = net.layout(&theta);
        let direct: f64 = (0..k)
            .filter(|&i| p.w1[i] != 0.0)
            .map(|i| (p.w1[i].abs() * p.w2[i]).abs() * g(&law, -p.b1[i] / p.w1[i]))
            .sum();
        let got = weighted_curvature(&net, &theta, &xs);
        assert!((got - direct).abs() <= 1e-12 * (1.0 + direct), "case {case}: {got} vs {direct}");
    }
}

/// A random case of the chain test: network, θ and data, with the corner cases mixed in.
struct ChainCase {
    problem: Regression,
    theta: Vec<f64>,
    interpolating: bool,
}

fn chain_case(rng: &mut Rng, case: usize) -> ChainCase {
    let k = 1 + case % 8;
    let n = 1 + (case / 8) % 10;
    let net = ShallowNet::new(k, Activation::Relu);
    let mut theta = random_theta(rng, k);
    let mut xs: Vec<f64> = (0..n).map(|_| uniform(rng, -2.0, 2.0)).collect();
    // Corner cases: a knot exactly on a data point (b1 = −w1·x with w1 a power of 2), w1 = 0,
    // two neurons with one knot and opposite w1, and tied data points.
    match case % 7 {
        0 => {
            xs[0] = (xs[0] * 64.0).round() / 64.0;
            theta[0] = 2.0;
            theta[k] = -2.0 * xs[0];
        }
        1 => theta[0] = 0.0,
        2 if k >= 2 => {
            theta[1] = -theta[0];
            theta[k + 1] = -theta[k];
        }
        3 if n >= 2 => xs[1] = xs[0],
        _ => {}
    }
    let interpolating = case.is_multiple_of(2);
    let y = if interpolating {
        xs.iter().map(|&x| net.eval(&theta, x)).collect()
    } else {
        (0..n).map(|_| normal(rng)).collect()
    };
    ChainCase { problem: Regression::new(net, Data { x: xs, y }), theta, interpolating }
}

/// THE property of Lemma 4, step by step, over 12,000 random networks and data sets: every line
/// of the chain is at least the next (the equalities hold to rounding), from line 2 on for any
/// θ (they are about ΦΦᵀ/n), and from line 1 when θ interpolates (the Hessian is then ΦΦᵀ/n).
/// Away from interpolation the first step can fail; the test finds such a case.
#[test]
fn every_step_of_lemma4_holds_on_random_networks() {
    const EQUAL_STEPS: [usize; 3] = [3, 4, 6]; // line ℓ → ℓ + 1 is an equality
    let mut rng = seeded(2021);
    let mut strict = [0usize; CHAIN_LINES];
    let mut hessian_below_bound = 0;
    for case in 0..12_000 {
        let c = chain_case(&mut rng, case);
        let gn = gauss_newton_top(&c.problem, &c.theta).unwrap();
        let h = hessian_top_dense(&c.problem, &c.theta).unwrap();
        let chain = Lemma4Chain::evaluate(&c.problem, &c.theta, h, gn).unwrap();
        let lines = chain.lines;
        let first = if c.interpolating { 0 } else { 1 };
        for l in first..CHAIN_LINES - 1 {
            let tol = 1e-12 * lines[l].abs().max(1.0);
            let what = format!(
                "case {case} (k = {}, n = {}): line {} = {} vs line {} = {}",
                c.problem.net.width,
                c.problem.data.len(),
                l + 1,
                lines[l],
                l + 2,
                lines[l + 1]
            );
            // Line 7 → 8 is an equality when no neuron has w1 = 0.
            let all_w1_nonzero = c.theta[..c.problem.net.width].iter().all(|&w| w != 0.0);
            if EQUAL_STEPS.contains(&(l + 1)) || l == 0 || (l + 1 == 7 && all_w1_nonzero) {
                assert!((lines[l] - lines[l + 1]).abs() <= tol, "{what}: must be equal");
            } else {
                assert!(lines[l] >= lines[l + 1] - tol, "{what}");
                if lines[l] > lines[l + 1] + tol {
                    strict[l] += 1;
                }
            }
        }
        assert_eq!(lines[9], lemma4_lower_bound(&c.problem.net, &c.theta, &c.problem.data.x));
        // Line 3 neuron by neuron (read off Φ𝟏) adds up to line 3, and matches line 4's terms.
        let line3: f64 = 1.0 + chain.neuron_terms.iter().map(|t| t[0]).sum::<f64>();
        assert!((line3 - lines[2]).abs() <= 1e-12 * lines[2].max(1.0), "case {case}: {line3} vs {}", lines[2]);
        for t in &chain.neuron_terms {
            assert!((t[0] - t[1]).abs() <= 1e-12 * lines[2].max(1.0), "case {case}: line 3 vs 4 terms {t:?}");
        }
        if !c.interpolating && h < lines[9] {
            hessian_below_bound += 1;
        }
    }
    // Each inequality is strict somewhere, so the test could catch a wrong line.
    for l in [1, 4, 7, 8] {
        assert!(strict[l] > 100, "line {} ≥ line {} was strict only {} times", l + 1, l + 2, strict[l]);
    }
    assert!(hessian_below_bound > 0, "away from interpolation the Hessian should sometimes fall below the bound");
}

/// The closed-form norm of the residual part against the dense matrix's spectrum; and the
/// Lanczos-free top eigenvalue of ΦΦᵀ/n (from the Gram matrix) against the dense Hessian at
/// interpolation.
#[test]
fn residual_part_norm_and_gauss_newton_top_match_dense() {
    let mut rng = seeded(5);
    for case in 0..300 {
        let c = chain_case(&mut rng, case);
        let parts = c.problem.hessian_parts(&c.theta);
        let eig = sgd_stability::math::dense::SymmetricEigen::new(&parts.residual).unwrap();
        let dense = eig.values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let closed = residual_part_norm(&c.problem, &c.theta);
        assert!((closed - dense).abs() <= 1e-12 * (1.0 + dense), "case {case}: {closed} vs {dense}");
        let gn = sgd_stability::math::dense::SymmetricEigen::new(&parts.gauss_newton).unwrap().values[0];
        assert!((gauss_newton_top(&c.problem, &c.theta).unwrap() - gn).abs() <= 1e-11 * (1.0 + gn));
        if c.interpolating {
            assert_eq!(closed, 0.0);
        }
    }
}

#[test]
fn conflicting_duplicates_are_found() {
    assert_eq!(conflicting_duplicate(&[0.0, 1.0, 0.5], &[1.0, 2.0, 3.0]), None);
    assert_eq!(conflicting_duplicate(&[0.0, 1.0, 0.0], &[1.0, 2.0, 1.0]), None, "same target twice is fine");
    assert_eq!(conflicting_duplicate(&[0.0, 1.0, 1.0], &[1.0, 2.0, 3.0]), Some(1.0));
}

/// Past 64 points λ_max(ΦΦᵀ/n) comes from Lanczos on the Gram matrix: it agrees with the dense
/// decomposition of the same matrix.
#[test]
fn gauss_newton_top_by_lanczos_matches_dense() {
    let mut rng = seeded(70);
    for n in [65, 120, 200] {
        let net = ShallowNet::new(12, Activation::Relu);
        let theta = random_theta(&mut rng, 12);
        let x: Vec<f64> = (0..n).map(|_| uniform(&mut rng, -2.0, 2.0)).collect();
        let y = vec![0.0; n];
        let problem = Regression::new(net, Data { x, y });
        let parts = problem.hessian_parts(&theta);
        let dense = sgd_stability::math::dense::SymmetricEigen::new(&parts.gauss_newton).unwrap().values[0];
        let lanczos = gauss_newton_top(&problem, &theta).unwrap();
        assert!((lanczos - dense).abs() <= 1e-10 * dense, "n = {n}: Lanczos {lanczos}, dense {dense}");
    }
}

/// The least-squares output layer interpolates whenever the hidden features (and the constant)
/// can: with k = n + 4 neurons whose knots fill every gap between the data, always, to
/// rounding.
#[test]
fn fitted_output_layer_interpolates() {
    use sgd_stability::math::function_space::{fit_output_layer, knots_among};
    let mut rng = seeded(71);
    let mut exact = 0;
    for case in 0..200 {
        let n = 2 + case % 10;
        let k = n + 4;
        let net = ShallowNet::new(k, Activation::Relu);
        let x: Vec<f64> = (0..n).map(|_| uniform(&mut rng, -1.0, 1.0)).collect();
        let theta = knots_among(k, 1.0, &x, &mut rng);
        let y: Vec<f64> = (0..n).map(|_| normal(&mut rng)).collect();
        let data = Data { x, y };
        let fitted = fit_output_layer(&net, &theta, &data).unwrap();
        assert_eq!(&fitted[..2 * k], &theta[..2 * k], "the hidden layer is kept");
        let problem = Regression::new(net, data);
        let worst = problem.residuals(&fitted).iter().fold(0.0f64, |m, r| m.max(r.abs()));
        if worst < 1e-9 {
            exact += 1;
        }
    }
    assert_eq!(exact, 200, "only {exact} of 200 fits interpolate");
}
