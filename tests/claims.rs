//! The page's claims about what a reader will see, each checked on the exact setting it names.
//!
//! Every sentence of a caption, a verdict, a note or a walkthrough step that says what a figure
//! shows at its defaults or at a preset ("within a thousand steps", "the sharpness settles at
//! the new 2/η", "try B = 1, η = 0.6") has a test here, named after the sentence, with the
//! sentence quoted in its doc comment. Where a claim and its figure disagree, the claim or the
//! setting is fixed, never the test. Reading this file tells which sentences of the page are
//! backed by a test; sentences that state a theorem are backed by the property tests of their
//! own topic files instead.

#![cfg(not(target_arch = "wasm32"))]

// ============================================================================================
// Part I: interpolation, rescaling and the quadratics
// ============================================================================================

mod part_one {
    use sgd_stability::figures::interpolation::Interpolation;
    use sgd_stability::figures::params::{Input, ParamValues};
    use sgd_stability::figures::quadratic_1d::Quadratic1d;
    use sgd_stability::figures::quadratic_nd::QuadraticNd;
    use sgd_stability::figures::rescaling::Rescaling;
    use sgd_stability::figures::{Figure, Table};

    /// Figure `F` at its defaults changed by `settings` (as a step's `data-settings` gives
    /// them), with all its work done.
    pub fn finished<F: Figure>(settings: &[(&str, &str)]) -> F {
        let params = ParamValues::defaults(F::PARAMS)
            .with_changes::<F>(settings.iter().map(|&(k, v)| (k, Input::Text(v))))
            .expect("the setting is valid");
        let mut figure = F::new(params);
        figure.finish();
        figure
    }

    pub fn table<'a>(tables: &'a [Table], name: &str) -> &'a Table {
        tables.iter().find(|t| t.name == name).unwrap_or_else(|| panic!("no table {name}"))
    }

    /// The last (step, loss, test error) of each of the interpolation figure's three runs.
    fn ends(figure: &Interpolation) -> Vec<[f64; 3]> {
        let tables = figure.tables();
        ["run1", "run2", "run3"]
            .iter()
            .map(|name| {
                let last = table(&tables, name).rows.last().expect("a run has records");
                [last[0], last[1], last[2]]
            })
            .collect()
    }

    /// "All three runs push the training loss below 10⁻¹⁰ within a thousand steps, and they
    /// end at visibly different functions between the data points, with different test errors"
    /// (caption, defaults; walkthrough steps 1 and 3: "Here 100 neurons fit 6 points").
    #[test]
    fn all_three_runs_fit_within_a_thousand_steps_and_end_at_different_functions() {
        let figure: Interpolation = finished(&[]);
        assert_eq!((figure.params().get_usize("k"), figure.params().get_usize("n")), (100, 6));
        let ends = ends(&figure);
        for [step, loss, _] in &ends {
            assert!(*loss < 1e-10 && *step <= 1000.0, "a run ends at step {step} with loss {loss}");
        }
        let errors: Vec<f64> = ends.iter().map(|e| e[2]).collect();
        let spread = errors.iter().copied().fold(f64::MIN, f64::max) - errors.iter().copied().fold(f64::MAX, f64::min);
        assert!(spread > 0.1 * errors[0].abs(), "test errors {errors:?} are not visibly different");
        // Visibly different functions: some pair of fits differs by a tenth somewhere.
        let fits = table(&figure.tables(), "fits").rows.clone();
        let gap = fits
            .iter()
            .map(|r| (r[2] - r[3]).abs().max((r[3] - r[4]).abs()).max((r[2] - r[4]).abs()))
            .fold(0.0, f64::max);
        assert!(gap > 0.1, "the fits differ by at most {gap}");
    }

    /// "Switch the labels to random: the runs still fit every point" (caption; walkthrough
    /// step 2, labels=random).
    #[test]
    fn random_labels_are_fitted_as_well() {
        let figure: Interpolation = finished(&[("labels", "random")]);
        for [step, loss, _] in ends(&figure) {
            assert!(loss < 1e-10, "a run with random labels ends at step {step} with loss {loss}");
        }
    }

    /// "Compare step sizes instead of seeds: in this regime, where every step size is stable at
    /// the start, the step size changes how fast the loss falls far more than where it ends"
    /// (caption): all three runs end below 10⁻¹⁰, after step counts at least twice apart.
    #[test]
    fn step_sizes_change_how_fast_not_where() {
        let figure: Interpolation = finished(&[("compare", "step sizes")]);
        let ends = ends(&figure);
        let steps: Vec<f64> = ends.iter().map(|e| e[0]).collect();
        for [step, loss, _] in &ends {
            assert!(*loss < 1e-10, "a run ends at step {step} with loss {loss}");
        }
        let (fast, slow) = steps.iter().fold((f64::MAX, 0.0f64), |(lo, hi), &s| (lo.min(s), hi.max(s)));
        assert!(slow >= 2.0 * fast, "steps {steps:?}");
    }

    /// The rescaling figure's max |Δf| over the data and its sharpness profile (finite values).
    fn rescaling_numbers(figure: &Rescaling) -> (f64, Vec<f64>) {
        let change = figure
            .readouts()
            .iter()
            .find(|(label, _)| label.starts_with("max |\u{394}f|"))
            .map(|(_, v)| v.parse::<f64>().expect("a number"))
            .expect("the readout of max |Δf|");
        let profile =
            table(&figure.tables(), "sharpness").rows.iter().map(|r| r[1]).filter(|v| v.is_finite()).collect();
        (change, profile)
    }

    /// "The readouts give the largest change of f over the data, at the level of rounding,
    /// about 10⁻¹⁶, while the sharpness spans orders of magnitude" (caption, defaults: one
    /// neuron; walkthrough step 4 "changes by orders of magnitude", and step 5 with every
    /// neuron rescaled). Orders of magnitude: the largest λ_max over the grid is at least 100
    /// times the smallest.
    #[test]
    fn rescaling_keeps_f_to_rounding_while_the_sharpness_spans_orders_of_magnitude() {
        for scope in ["one neuron", "all neurons"] {
            let figure: Rescaling = finished(&[("scope", scope)]);
            let (change, profile) = rescaling_numbers(&figure);
            assert!(change < 1e-14, "{scope}: max |Δf| = {change}");
            let (lo, hi) = profile.iter().fold((f64::MAX, 0.0f64), |(lo, hi), &v| (lo.min(v), hi.max(v)));
            assert!(profile.len() > 10 && hi >= 100.0 * lo, "{scope}: λ_max from {lo} to {hi}");
            let verdict = figure.verdict().text;
            assert!(
                verdict.contains("both as \u{3b1} \u{2192} 0 and as \u{3b1} \u{2192} \u{221e}"),
                "{scope}: {verdict}"
            );
        }
    }

    /// The 1-D quadratic's iterates at a step setting: x_t − x* for t = 0..T.
    fn errors_1d(figure: &Quadratic1d) -> Vec<f64> {
        let p = figure.params();
        let x_star = -p.get("b") / p.get("a");
        table(&figure.tables(), "iterates").rows.iter().map(|r| r[1] - x_star).collect()
    }

    /// Walkthrough steps 6–8 on the 1-D quadratic: at η = 0.4 "0 < ηa < 1: the iterates slide
    /// towards the minimum from one side"; at the defaults "1 < ηa < 2: [they] jump back and
    /// forth across the minimum, with shrinking amplitude"; at η = 1.4 "ηa > 2: every jump
    /// overshoots more than the one before, and the iterates diverge".
    #[test]
    fn the_quadratic_steps_show_their_cases() {
        let slide: Quadratic1d = finished(&[("eta", "0.4")]);
        let a = slide.params().get("a");
        assert!((0.0..1.0).contains(&(0.4 * a)));
        let e = errors_1d(&slide);
        assert!(e.iter().all(|v| v.signum() == e[0].signum() && *v != 0.0), "{e:?}");
        assert!(e.windows(2).all(|w| w[1].abs() < w[0].abs()));

        let swing: Quadratic1d = finished(&[]);
        let eta_a = swing.params().get("eta") * swing.params().get("a");
        assert!(eta_a > 1.0 && eta_a < 2.0, "ηa = {eta_a}");
        let e = errors_1d(&swing);
        assert!(e.windows(2).all(|w| w[1] * w[0] < 0.0 && w[1].abs() < w[0].abs()), "{e:?}");

        let diverge: Quadratic1d = finished(&[("eta", "1.4")]);
        assert!(1.4 * diverge.params().get("a") > 2.0);
        let e = errors_1d(&diverge);
        assert!(e.windows(2).all(|w| w[1] * w[0] < 0.0 && w[1].abs() > w[0].abs()), "{e:?}");
    }

    /// |q_iᵀ(x_T − x*)| against |q_iᵀ(x_0 − x*)| for i = 1, 2, from the n-D figure's table.
    fn components_nd(figure: &QuadraticNd) -> [(f64, f64); 2] {
        let tables = figure.tables();
        let rows = &table(&tables, "iterates").rows;
        let (first, last) = (&rows[0], rows.last().unwrap());
        [(first[3].abs(), last[3].abs()), (first[4].abs(), last[4].abs())]
    }

    /// Walkthrough steps 9–11 on the n-D quadratic: at the defaults both eigenvalues are below
    /// 2/η and both components converge; at a₁ = 3.6 "the iterates blow up along its
    /// eigenvector, while the other direction still converges"; at a₁ = 3.3 the sharpness is
    /// at most 2/η, and GD converges.
    #[test]
    fn the_quadratic_nd_steps_show_their_cases() {
        let below: QuadraticNd = finished(&[]);
        let two_over_eta = 2.0 / below.params().get("eta");
        assert!(below.params().get("a1") < two_over_eta && below.params().get("a2") < two_over_eta);
        for (start, end) in components_nd(&below) {
            assert!(end < 1e-3 * start, "{start} → {end}");
        }

        let above: QuadraticNd = finished(&[("a1", "3.6")]);
        assert!(3.6 > two_over_eta);
        let [(s1, e1), (s2, e2)] = components_nd(&above);
        assert!(e1 > 10.0 * s1, "along q₁: {s1} → {e1}");
        assert!(e2 < 1e-3 * s2, "along q₂: {s2} → {e2}");

        let settles: QuadraticNd = finished(&[("a1", "3.3")]);
        assert!(3.3 <= two_over_eta);
        for (start, end) in components_nd(&settles) {
            assert!(end < start, "{start} → {end}");
        }
    }
}

// ============================================================================================
// Linear stability, Theorem 1 and Theorem 1.1's proof
// ============================================================================================

// ============================================================================================
// The edge of stability and sharpness versus learning rate
// ============================================================================================

// ============================================================================================
// Non-differentiable minima: switching systems and Lemma 3
// ============================================================================================

mod switching_claims {
    use super::part_one::{finished, table};
    use sgd_stability::figures::switching::Switching;
    use sgd_stability::figures::Figure;

    /// The number at the start of the readout whose label starts with `label`.
    fn readout(figure: &Switching, label: &str) -> f64 {
        let (_, value) = figure.readouts().into_iter().find(|(l, _)| l.starts_with(label)).expect(label);
        value.split_whitespace().next().and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("{label}: {value}"))
    }

    /// The chosen ε's row of the sweep: (ε, model sup, model stopped, network sup, network stopped).
    fn chosen(figure: &Switching) -> [f64; 5] {
        let tables = figure.tables();
        let row = &table(&tables, "sweep").rows[0];
        [row[0], row[1], row[2], row[3], row[4]]
    }

    /// "ε_flip": the distance from θ* to the nearest hyperplane w₁ᵢxⱼ + b₁ᵢ = 0 of a neuron and
    /// a data point other than the knot's own, computed here from the figure's data table and
    /// the knots the page states (w₁ = 1, b₁ = −1/2 and w₁ = −1, b₁ = −1): 0.2774 at x = −1.5,
    /// neuron 2, with two knot points, as the readout says.
    #[test]
    fn the_flip_radius_is_the_nearest_other_hyperplane() {
        let figure: Switching = finished(&[("runs", "4"), ("steps", "10")]);
        let data = table(&figure.tables(), "data").rows.clone();
        let neurons = [(1.0, -0.5), (-1.0, -1.0)];
        let nearest = data
            .iter()
            .flat_map(|row| neurons.iter().map(move |&(w, b)| (row[0], w * row[0] + b)))
            .filter(|&(_, z)| z != 0.0)
            .map(|(x, z)| z.abs() / (x * x + 1.0).sqrt())
            .fold(f64::INFINITY, f64::min);
        let shown = readout(&figure, "\u{3b5}_flip");
        assert!((shown - nearest).abs() <= 1e-4, "readout {shown}, computed {nearest}");
        assert!((nearest - 0.2774).abs() < 1e-4, "{nearest}");
    }

    /// "At the defaults the condition holds at ε = 0.2, inside ε_flip, so Lemma 3 applies to the
    /// network itself, and the simulations agree: the local model and the network both leave
    /// the ball" (caption, defaults; walkthrough steps 28–29).
    #[test]
    fn at_the_defaults_lemma_3_applies_and_both_systems_leave_the_ball() {
        let figure: Switching = finished(&[]);
        let [epsilon, model, _, network, _] = chosen(&figure);
        let flip = readout(&figure, "\u{3b5}_flip");
        let margin = readout(&figure, "margin");
        eprintln!("{}", figure.verdict().text);
        assert_eq!(epsilon, 0.2);
        assert!(margin > 0.0, "margin {margin}");
        assert!(epsilon <= flip, "ε = {epsilon} beyond ε_flip = {flip}");
        assert!(model > epsilon && network > epsilon, "sup: model {model}, network {network}");
        assert!(figure.verdict().text.contains("Lemma 3 says \u{3b8}* is not strongly stable"));
    }
    /// "Raise ε to 0.5, beyond ε_flip: the condition still holds, but only for the local
    /// model. At small ε the two systems part: both leave the ball, but where the local model
    /// runs away, the network stays within a bounded distance" (caption). At ε = 0.5 the margin
    /// is positive and the verdict says "for the local model only"; at every ε of the sweep up
    /// to 0.01 the local model's runs were stopped, and the network's mean distance was
    /// measured (not stopped), beyond ε and below 2.
    #[test]
    fn beyond_the_flip_radius_the_lemma_holds_for_the_local_model_only() {
        let figure: Switching = finished(&[("eps", "0.5")]);
        assert!(readout(&figure, "margin") > 0.0);
        assert!(figure.verdict().text.contains("Lemma 3 holds for the local model only"), "{}", figure.verdict().text);
        let tables = figure.tables();
        let small: Vec<&Vec<f64>> = table(&tables, "sweep").rows.iter().skip(1).filter(|r| r[0] <= 0.01).collect();
        assert!(small.len() >= 4);
        let network_measured = small.iter().filter(|r| r[4] == 0.0).count();
        for r in &small {
            assert_eq!(r[2], 1.0, "the local model was not stopped at ε = {}", r[0]);
            assert!(r[3] > r[0], "the network stayed within ε = {}", r[0]);
        }
        for r in small.iter().filter(|r| r[4] == 0.0) {
            assert!(r[3] < 2.0, "the network's sup {} at ε = {}", r[3], r[0]);
        }
        assert!(network_measured * 2 > small.len(), "the network was stopped at most of the small ε");
    }

    /// "Lower η to 0.4. The lemma falls silent, because λ_lower < 2/η + δ, but […] small balls
    /// are left anyway, because the gradient noise alone carries the iterates to a distance of
    /// about 0.04 in the local model and 0.07 on the network, while at ε = 0.2 the ball is kept"
    /// (caption).
    #[test]
    fn at_a_smaller_step_the_lemma_is_silent_and_only_small_balls_are_left() {
        let figure: Switching = finished(&[("eta", "0.4")]);
        let (lower, delta) = (readout(&figure, "\u{3bb}_lower"), readout(&figure, "\u{3b4}"));
        assert!(lower < 2.0 / 0.4 + delta);
        let tables = figure.tables();
        for r in &table(&tables, "sweep").rows {
            let (epsilon, model, network) = (r[0], r[1], r[3]);
            assert!(r[2] == 0.0 && r[4] == 0.0, "a run was stopped at ε = {epsilon}");
            if epsilon <= 0.01 {
                assert!((0.03..0.05).contains(&model), "local model at ε = {epsilon}: {model}");
                assert!((0.06..0.08).contains(&network), "network at ε = {epsilon}: {network}");
            }
            if epsilon == 0.2 {
                // Kept: the sup is the start's own distance (up to rounding).
                assert!(model <= epsilon * (1.0 + 1e-9), "local model at ε = {epsilon}: {model}");
                assert!(network <= epsilon * (1.0 + 1e-9), "network at ε = {epsilon}: {network}");
            }
        }
    }

    /// "Set the batch to 10 (gradient descent, γ = 0) and try η = 0.64, between 2/λ_m of the
    /// flattest and of the sharpest mode: the lemma is silent, and the iterates leave the ball,
    /// but only by a bounded factor (about 1.2 inside ε_flip)" (caption): at every ε of the
    /// sweep up to ε_flip, sup over ε between 1.1 and 1.4 for both systems, no run stopped.
    #[test]
    fn gradient_descent_between_the_modes_leaves_by_a_bounded_factor() {
        let figure: Switching = finished(&[("batch", "10"), ("eta", "0.64")]);
        assert_eq!(readout(&figure, "\u{3b3}"), 0.0);
        assert!(readout(&figure, "margin") < 0.0);
        let lambdas: Vec<f64> = figure
            .readouts()
            .iter()
            .filter(|(l, _)| l.starts_with("\u{3bb}_m"))
            .map(|(_, v)| v.parse().unwrap())
            .collect();
        let (flat, sharp) = lambdas.iter().fold((f64::MAX, 0.0f64), |(lo, hi), &l| (lo.min(l), hi.max(l)));
        assert!(2.0 / sharp < 0.64 && 0.64 < 2.0 / flat, "2/λ from {} to {}", 2.0 / sharp, 2.0 / flat);
        let flip = readout(&figure, "\u{3b5}_flip");
        let tables = figure.tables();
        for r in table(&tables, "sweep").rows.iter().filter(|r| r[0] <= flip) {
            for (sup, stopped) in [(r[1], r[2]), (r[3], r[4])] {
                assert_eq!(stopped, 0.0);
                let factor = sup / r[0];
                assert!((1.1..1.4).contains(&factor), "ε = {}: factor {factor}", r[0]);
            }
        }
    }

    /// "Set the residual to 0 for an interpolating minimum, where no batch pulls on θ* and
    /// γ = 0" (caption): the loss at θ* and γ are zero.
    #[test]
    fn with_no_residual_no_batch_pulls() {
        let figure: Switching = finished(&[("noise", "0"), ("runs", "4"), ("steps", "10")]);
        assert_eq!(readout(&figure, "\u{3b3}"), 0.0);
        assert_eq!(readout(&figure, "loss at"), 0.0);
    }
}
