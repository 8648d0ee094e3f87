//! The page's claims about what a reader will see, each checked on the exact setting it names.
//!
//! Every sentence of a caption, a verdict, a note or a walkthrough step that says what a figure
//! shows at its defaults or at a preset ("within a thousand steps", "the sharpness settles at
//! the new 2/η", "try B = 1, η = 0.6") has a test here, named after the sentence, with the
//! sentence quoted in its doc comment. Where a claim and its figure disagree, the claim or the
//! setting is fixed, never the test. Reading this file tells which sentences of the page are
//! backed by a test; sentences that state a theorem are backed by the property tests of their
//! own topic files instead.
//!
//! The figures run here on the build's own instruction set (`on_baseline`), whatever the
//! processor offers at run time: the page's wasm has no fused multiply-add, and its different
//! rounding moves a step count or a crossing of a run at the edge of stability (the command
//! line computes its figure files the same way).

// ============================================================================================
// Part I: interpolation, rescaling and the quadratics
// ============================================================================================

mod part_one {
    use sgd_stability::figures::interpolation::Interpolation;
    use sgd_stability::figures::quadratic_1d::Quadratic1d;
    use sgd_stability::figures::quadratic_nd::QuadraticNd;
    use sgd_stability::figures::rescaling::Rescaling;
    use sgd_stability::figures::{Figure, Table};
    use sgd_stability::kit::params::{Input, ParamValues};
    use sgd_stability::math::kernels::on_baseline;

    /// Figure `F` at its defaults changed by `settings` (as a step's `data-settings` gives
    /// them), with all its work done.
    pub fn finished<F: Figure>(settings: &[(&str, &str)]) -> F {
        let params = ParamValues::defaults(F::PARAMS)
            .with_changes::<F>(settings.iter().map(|&(k, v)| (k, Input::Text(v))))
            .expect("the setting is valid");
        on_baseline(|| {
            let mut figure = F::new(params);
            figure.finish();
            figure
        })
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

mod linear_stability_claims {
    use sgd_stability::figures::linear_stability::{self, LinearStability};
    use sgd_stability::figures::proof_mean_dynamics::{self, ProofMeanDynamics};
    use sgd_stability::figures::shared::linear_dynamics::{Dynamics, Start};
    use sgd_stability::figures::{Figure, Table, Tone};
    use sgd_stability::kit::params::ParamValues;
    use sgd_stability::math::kernels::on_baseline;

    /// `F` at its defaults with `values` on top, run to the end.
    fn finished<F: Figure>(values: &[(&str, f64)]) -> F {
        let mut params = ParamValues::defaults(F::PARAMS);
        for (key, value) in values {
            params.set(key, *value).unwrap();
        }
        F::validate(&params).unwrap();
        on_baseline(|| {
            let mut figure = F::new(params);
            figure.finish();
            figure
        })
    }

    /// The values of a preset of `linear-stability`, by its label.
    fn preset(label: &str) -> &'static [(&'static str, f64)] {
        LinearStability::PRESETS.iter().find(|p| p.label == label).unwrap_or_else(|| panic!("no preset {label}")).values
    }

    /// The dynamics `linear-stability` shows at `values`, its runs finished.
    fn dynamics(values: &[(&str, f64)]) -> Dynamics {
        let mut params = ParamValues::defaults(LinearStability::PARAMS);
        for (key, value) in values {
            params.set(key, *value).unwrap();
        }
        let problem = linear_stability::Settings::read(&params).problem();
        let mut d = Dynamics::new(&problem, Start::TopEigenvector).unwrap();
        on_baseline(|| d.advance(usize::MAX / 4));
        d
    }

    /// Column `name` of table `table` of a figure's tables.
    fn column(tables: &[Table], table: &str, name: &str) -> Vec<f64> {
        let t = tables.iter().find(|t| t.name == table).unwrap();
        let c = t.columns.iter().position(|c| *c == name).unwrap();
        t.rows.iter().map(|r| r[c]).collect()
    }

    /// "At the defaults, B = 2 and η = 0.79, Wu et al.'s criterion fails and θ* is mean-square
    /// stable all the same." The walkthrough's Theorem 1 step quotes 1.06 and ρ(T) = 0.94.
    #[test]
    fn at_the_defaults_wu_fails_and_theta_star_is_mean_square_stable() {
        let d = dynamics(&[]);
        assert_eq!((d.batch, d.eta), (2, 0.79));
        assert!(d.wu_value > 1.0 && d.radius < 1.0, "Wu {} ρ {}", d.wu_value, d.radius);
        assert!((d.wu_value - 1.06).abs() < 0.005 && (d.radius - 0.94).abs() < 0.005);
        let verdict = finished::<LinearStability>(&[]).verdict();
        assert_eq!(verdict.tone, Tone::Good);
        assert!(
            verdict.text.contains("not met") && verdict.text.contains("sufficient, not necessary"),
            "{}",
            verdict.text
        );
    }

    /// "The presets show this again at B = 1" (the preset "Wu fails, yet stable").
    #[test]
    fn wu_fails_yet_stable_at_batch_one() {
        let d = dynamics(preset("Wu fails, yet stable"));
        assert_eq!(d.batch, 1);
        assert!(d.wu_value > 1.0 && d.radius < 1.0, "Wu {} ρ {}", d.wu_value, d.radius);
    }

    /// The note on rare runs: "at B = 2 and η = 0.9, ρ(T) ≈ 1.05, and after 150 steps the exact
    /// E‖θ_t − θ*‖² has grown past 100 while half the runs are within 0.01 of θ*", "an average
    /// over R runs lags far behind it"; the walkthrough: "most runs converge".
    #[test]
    fn rare_runs_carry_a_growing_mean_square_while_most_runs_converge() {
        let values = preset("rare runs");
        let d = dynamics(values);
        assert_eq!((d.batch, d.eta), (2, 0.9));
        assert!((d.radius - 1.05).abs() < 0.005, "ρ = {}", d.radius);
        let t = d.last_step();
        assert_eq!(t, 150, "the runs are not stopped");
        let exact = d.exact_mean_square(t).unwrap();
        let simulated = d.simulated_at(t).mean_square_norm;
        assert!(exact > 100.0, "exact E‖e‖² = {exact}");
        assert!(d.simulated_at(t).median_norm < 0.01, "median {}", d.simulated_at(t).median_norm);
        assert!(simulated < exact / 100.0, "runs {simulated} vs exact {exact}");
        let verdict = finished::<LinearStability>(values).verdict().text;
        assert!(verdict.contains("Half the runs are within") && verdict.contains("rare runs"), "{verdict}");
    }

    /// "a step size, η = 1.2, at which gradient descent is stable while SGD with B = 2 is not
    /// mean-square stable, and where the median run moves away too"; the walkthrough quotes
    /// ρ(T) = 1.6.
    #[test]
    fn gd_stable_sgd_unstable_and_the_median_run_moves_away() {
        let values = preset("GD-stable, SGD-unstable");
        let d = dynamics(values);
        assert_eq!((d.batch, d.eta), (2, 1.2));
        assert!(d.radius > 1.0 && d.problem.sharpness() <= 2.0 / d.eta);
        assert!((d.radius - 1.6).abs() < 0.005, "the walkthrough quotes ρ(T) = 1.6: {}", d.radius);
        let median = d.simulated_at(d.last_step()).median_norm;
        assert!(median > 10.0 * d.simulated_at(0).median_norm, "median run at {median}");
        let verdict = finished::<LinearStability>(values).verdict();
        assert_eq!(verdict.tone, Tone::Bad);
        assert!(verdict.text.contains("not mean-square stable") && verdict.text.contains("median run has moved away"));
        assert!(!verdict.text.contains("converge"), "mean-square instability is not divergence: {}", verdict.text);
    }

    /// "label noise, with its floor": E‖θ_t − θ*‖² ends on tr S∞ > 0, exactly and over the runs.
    #[test]
    fn label_noise_ends_on_its_floor() {
        let d = dynamics(preset("label noise"));
        let floor = d.floor.unwrap();
        assert!(d.radius < 1.0 && floor > 0.05, "floor {floor}");
        let t = d.last_step();
        assert!((d.exact_mean_square(t).unwrap() / floor - 1.0).abs() < 1e-3);
        assert!((d.simulated_at(t).mean_square_norm / floor - 1.0).abs() < 0.15);
    }

    /// "and gradient descent itself" (B = n), where all three tests agree; "the samples are
    /// scaled so that λmax(H) = 1: gradient descent is stable up to η = 2".
    #[test]
    fn gradient_descent_preset_and_the_threshold_two() {
        let d = dynamics(preset("GD (B = n)"));
        assert_eq!(d.batch, d.problem.len());
        assert!((d.problem.sharpness() - 1.0).abs() < 1e-12);
        assert!(d.radius < 1.0 && (d.exact_threshold - 2.0).abs() < 1e-9 && (d.wu_threshold - 2.0).abs() < 1e-9);
    }

    /// The proof's figure: "by default with noisy labels and η = 0.5: the per-sample gradients
    /// at θ* do not vanish"; at lines 2 to 4 "the kicks −η∇lⱼ(θ*) of single samples, which do not
    /// vanish but average to zero". Also what line 8's choice ε = 1 needs: the noise floor lies
    /// inside the ball, √(tr S∞) < 1.
    #[test]
    fn the_proof_runs_on_label_noise_whose_kicks_average_to_zero() {
        let mut params = ParamValues::defaults(ProofMeanDynamics::PARAMS);
        assert_eq!((params.get("labels"), params.get("eta")), (1.0, 0.5));
        params.set("line", 2.0).unwrap();
        let problem = proof_mean_dynamics::Settings::read(&params).problem();
        let d = Dynamics::new(&problem, Start::EveryEigenvector).unwrap();
        let n = d.problem.len();
        let per_sample = (0..n).map(|j| d.problem.sample_gradient(j).iter().map(|g| g * g).sum::<f64>().sqrt());
        assert!(per_sample.fold(f64::INFINITY, f64::min) > 1e-3, "every kick is visible");
        assert!(d.problem.mean_sample_gradient().norm() < 1e-12);
        assert!(d.floor.unwrap().sqrt() < 1.0, "floor {}", d.floor.unwrap());
    }

    /// "below it the runs' mean is noise, which is why its dots level off while the closed form
    /// falls on"; the walkthrough's line 5: "Watch the runs' mean follow the line until it sinks
    /// below √(E‖θ_t − θ*‖²/R)".
    #[test]
    fn the_runs_mean_follows_the_closed_form_then_levels_off_at_its_error() {
        let tables = finished::<ProofMeanDynamics>(&[("line", 5.0)]).tables();
        let exact = column(&tables, "mean-dynamics", "exact_mean_norm");
        let runs = column(&tables, "mean-dynamics", "sim_mean_norm");
        let error = column(&tables, "mean-dynamics", "standard_error");
        assert_eq!(exact.len(), 151);
        for t in 0..=10 {
            assert!((runs[t] - exact[t]).abs() < 4.0 * error[t], "t = {t}: {} vs {}", runs[t], exact[t]);
            assert!(exact[t] > 4.0 * error[t], "t = {t}: the mean stands clear of its error");
        }
        assert!(exact[150] < exact[100] / 5.0, "the closed form falls on");
        for t in 100..=150 {
            assert!(exact[t] < 0.1 * error[t], "t = {t}: the closed form is below the error");
            assert!(runs[t] > 0.1 * error[t] && runs[t] < 4.0 * error[t], "t = {t}: {} vs {}", runs[t], error[t]);
        }
    }

    /// The walkthrough opens lines 1 to 4, which are about one step of the mean, paused at
    /// t = 12 (`data-at="12"`): there the runs' mean stands clear of θ* and of its error, and
    /// agrees with the closed form, so the one-step relation the lines state can be seen.
    #[test]
    fn the_one_step_lines_pause_where_the_mean_is_resolved() {
        for line in 1..=4 {
            let mut params = ParamValues::defaults(ProofMeanDynamics::PARAMS);
            params.set("line", line as f64).unwrap();
            let mut figure = ProofMeanDynamics::new(params);
            on_baseline(|| figure.step(12));
            let tables = figure.tables();
            let t = column(&tables, "mean-dynamics", "t");
            assert_eq!(t.last(), Some(&12.0), "line {line}: paused at t = 12");
            let exact = column(&tables, "mean-dynamics", "exact_mean_norm")[12];
            let runs = column(&tables, "mean-dynamics", "sim_mean_norm")[12];
            let error = column(&tables, "mean-dynamics", "standard_error")[12];
            assert!(
                exact > 5.0 * error && (runs - exact).abs() < 3.0 * error,
                "line {line}: {runs} vs {exact} ± {error}"
            );
        }
    }

    /// The walkthrough's line 6: "The runs' E‖θ_t − θ*‖ levels off at about 0.4, far above their
    /// mean."
    #[test]
    fn jensen_the_mean_distance_levels_off_far_above_the_mean() {
        let tables = finished::<ProofMeanDynamics>(&[("line", 6.0)]).tables();
        let distance = column(&tables, "mean-dynamics", "sim_mean_of_norm");
        let mean = column(&tables, "mean-dynamics", "sim_mean_norm");
        for t in 75..=150 {
            assert!((distance[t] - 0.4).abs() < 0.05, "t = {t}: E‖θ_t − θ*‖ = {}", distance[t]);
            assert!(distance[t] > 10.0 * mean[t], "t = {t}");
        }
    }

    /// The walkthrough's line 9: "Here |1 − ηλmax| = 0.5", and the closed form equals
    /// |1 − ηλmax|ᵗ ε along q₁ at every t.
    #[test]
    fn along_the_top_eigenvector_the_mean_is_a_power() {
        let figure = finished::<ProofMeanDynamics>(&[("line", 9.0)]);
        assert!(figure.verdict().text.contains("|1 \u{2212} \u{3b7}\u{3bb}max| = 0.5;"), "{}", figure.verdict().text);
        for (t, closed) in column(&figure.tables(), "mean-dynamics", "exact_mean_norm").into_iter().enumerate() {
            // To rounding: ‖q₁‖ and 1 − ηλmax are exact to a few ulps.
            assert!((closed - 0.5f64.powi(t as i32)).abs() <= 1e-12 * 0.5f64.powi(t as i32), "t = {t}");
        }
    }

    /// "Raise η past 2 to see the conclusion fail": every η above 2 gives λmax > 2/η and the
    /// verdict says θ* is not stable.
    #[test]
    fn past_two_the_conclusion_fails() {
        for eta in [2.02, 2.2, 3.0, 5.0] {
            let verdict = finished::<ProofMeanDynamics>(&[("line", 10.0), ("eta", eta)]).verdict();
            assert_eq!(verdict.tone, Tone::Bad, "η = {eta}");
            assert!(verdict.text.contains("\u{3bb}max(H) = 1 > 2/\u{3b7}"), "η = {eta}: {}", verdict.text);
            assert!(verdict.text.contains("not \u{3b5}-linearly stable for any \u{3b5}"), "η = {eta}");
        }
    }

    /// "at η = 2.2, |1 − ηλmax| = 1.2, and from line 8 on the closed form of the mean leaves the
    /// ball at the first step and keeps growing"; the walkthrough's last step: "E‖θ_t − θ*‖
    /// grows faster still".
    #[test]
    fn at_eta_two_point_two_the_mean_leaves_the_ball_and_grows() {
        let tables = finished::<ProofMeanDynamics>(&[("line", 10.0), ("eta", 2.2)]).tables();
        let exact = column(&tables, "mean-dynamics", "exact_mean_norm");
        let distance = column(&tables, "mean-dynamics", "sim_mean_of_norm");
        assert!(exact[1] > 1.0, "outside the ball of radius ε = 1 at t = 1: {}", exact[1]);
        assert!(exact.windows(2).all(|w| w[1] > w[0]), "the closed form keeps growing");
        let last = distance.len() - 1;
        assert!(last >= 10, "the runs went {last} steps");
        assert!(distance[last] / distance[1] > exact[last] / exact[1], "E‖θ_t − θ*‖ grows faster");
    }

    /// "At η = 1.2 gradient descent is stable while SGD with B = 2 is not mean-square stable:
    /// the theorem's condition holds there".
    #[test]
    fn at_eta_one_point_two_the_necessary_condition_holds_without_stability() {
        let verdict = finished::<ProofMeanDynamics>(&[("line", 10.0), ("eta", 1.2)]).verdict();
        assert_eq!(verdict.tone, Tone::Neutral);
        assert!(verdict.text.contains("\u{2264} 2/\u{3b7}") && verdict.text.contains("mean-square unstable"));
        assert!(verdict.text.contains("necessary, not sufficient"), "{}", verdict.text);
    }
}

// ============================================================================================
// The edge of stability and sharpness versus learning rate
// ============================================================================================

/// Claims of `sec-edge-of-stability` and `sec-sharpness-vs-lr`: what the figures show at their
/// defaults and presets. The words are defined numerically here, once:
///
/// - the sharpness *reaches* 2/η at the first step t at which λ_max(∇²L(θ_t)) ≥ 2/η (the
///   figure's "first at 2/η" readout);
/// - it *hovers* at 2/η over a stretch of steps when at least 90% of them have a sharpness
///   within 15% of 2/η and their median is within 5% of it;
/// - a run *starts well below* 2/η when its sharpness at step 0 is below 0.7 × 2/η.
mod edge_of_stability {
    use sgd_stability::figures::edge_of_stability::EdgeOfStability;
    use sgd_stability::figures::sharpness_vs_lr::SharpnessVsLr;
    use sgd_stability::figures::{Figure, Tone};
    use sgd_stability::kit::params::ParamValues;
    use sgd_stability::math::kernels::on_baseline;

    /// One recorded step of an edge-of-stability run.
    #[derive(Clone, Copy, Debug)]
    struct Step {
        step: usize,
        eta: f64,
        loss: f64,
        /// Sharpness over 2/η at this step.
        ratio: f64,
    }

    /// Calls `look` with the finished run at the defaults or a preset and its steps (the run is
    /// shared with the other tests that look at it).
    fn edge_run<R>(preset: Option<&str>, look: impl FnOnce(&EdgeOfStability, &[Step]) -> R) -> R {
        crate::finished::look(preset, |figure: &EdgeOfStability| {
            let table = &figure.tables()[0];
            let column = |name: &str| table.columns.iter().position(|c| *c == name).unwrap();
            let (step, eta, loss, sharpness) = (column("step"), column("eta"), column("loss"), column("sharpness"));
            let steps: Vec<Step> = table
                .rows
                .iter()
                .map(|r| Step {
                    step: r[step] as usize,
                    eta: r[eta],
                    loss: r[loss],
                    ratio: r[sharpness] * r[eta] / 2.0,
                })
                .collect();
            look(figure, &steps)
        })
    }

    /// The first step of `steps` at which the sharpness is at least 2/η.
    fn reaches(steps: &[Step]) -> Option<usize> {
        steps.iter().find(|s| s.ratio >= 1.0).map(|s| s.step)
    }

    /// Whether the sharpness hovers at 2/η over `steps` (see the section's doc), with the
    /// fraction within 15% and the median ratio for the message.
    fn hovers(steps: &[Step]) -> (bool, f64, f64) {
        let mut ratios: Vec<f64> = steps.iter().map(|s| s.ratio).collect();
        ratios.sort_by(f64::total_cmp);
        let within = ratios.iter().filter(|r| (*r - 1.0).abs() <= 0.15).count() as f64 / ratios.len() as f64;
        let median = ratios[ratios.len() / 2];
        (within >= 0.9 && (median - 1.0).abs() <= 0.05, within, median)
    }

    fn readout(figure: &impl Figure, label: &str) -> String {
        figure.readouts().into_iter().find(|(l, _)| l.starts_with(label)).unwrap_or_else(|| panic!("no {label}")).1
    }

    /// "By default … η = 0.07, so 2/η ≈ 28.6. Its sharpness starts at about 8.9, a third of 2/η,
    /// grows for about 1,700 steps until it reaches 2/η, and then hovers around it for the rest of
    /// the 4,000 steps, while the loss goes on falling, though not monotonically."
    #[test]
    fn the_default_run_sharpens_progressively_then_hovers_at_two_over_eta() {
        edge_run(None, |figure, steps| {
            assert_eq!(steps.len(), 4001);
            let start = steps[0];
            assert!((2.0 / start.eta - 28.6).abs() < 0.05);
            assert!(start.ratio < 0.7, "starts at {:.3} × 2/η: not well below", start.ratio);
            assert!((start.ratio * 2.0 / start.eta - 8.9).abs() < 0.05 && (0.3..0.35).contains(&start.ratio));
            let at = reaches(steps).expect("never reaches 2/η");
            assert!((1600..=1800).contains(&at), "reaches 2/η at step {at}, not after about 1,700");
            // Growing: below 2/η until then, and higher every 500 steps on the way.
            assert!(steps[..at]
                .iter()
                .step_by(500)
                .zip(steps[500..at].iter().step_by(500))
                .all(|(a, b)| b.ratio > a.ratio));
            let (hover, within, median) = hovers(&steps[at..]);
            assert!(hover, "after step {at}: {within:.3} of the steps within 15%, median ratio {median:.3}");
            let reached = steps[at];
            let end = steps[steps.len() - 1];
            assert!(end.loss < reached.loss / 5.0, "loss {} at step {at}, {} at the end", reached.loss, end.loss);
            let rises = steps[at..].windows(2).filter(|w| w[1].loss > w[0].loss).count();
            assert!(rises > 100, "the loss rose at only {rises} steps after reaching 2/η");
            assert_eq!(readout(figure, "sharpness first at 2/"), format!("at step {at} (\u{3b7} = 0.07)"));
            let verdict = figure.verdict();
            assert!(
                verdict.text.contains(&format!("reached 2/\u{3b7} at step {at} and ends within 10% of it")),
                "{}",
                verdict.text
            );
            assert_eq!(verdict.tone, Tone::Good);
        })
    }

    /// "EOS-1 reference … starts at 2/η and stays there: its sharpness is within 3% of 2/η at
    /// every one of its 2,000 steps."
    #[test]
    fn eos1_is_at_the_edge_from_its_first_step() {
        edge_run(Some("EOS-1 reference"), |figure, steps| {
            assert_eq!(steps.len(), 2001);
            assert!(readout(figure, "network").contains("EOS-1 reference parameters"));
            assert_eq!(reaches(steps), Some(0));
            let worst = steps.iter().map(|s| (s.ratio - 1.0).abs()).fold(0.0, f64::max);
            assert!(worst <= 0.03, "the sharpness strays {worst:.4} from 2/η");
            // The reference's own numbers (tests/math/eos1.rs): 32.99 at step 2,000.
            assert!((steps[2000].ratio * 2.0 / 0.06 - 32.9905).abs() < 1e-3);
        })
    }

    /// "Learning-rate switch: η = 0.09, lowered at step 2,000 to 0.06, the same drop by a third
    /// as the lecture's 2/200 → 2/300, which raises the threshold by half, from 22.2 to 33.3. The
    /// sharpness reaches 2/η₁ and hovers there; after the switch it climbs to the new 2/η₂ within
    /// about 2,600 steps and hovers there to the end."
    #[test]
    fn after_the_switch_the_sharpness_climbs_to_the_new_threshold_and_hovers() {
        edge_run(Some("Learning-rate switch"), |figure, steps| {
            let (before, after) = steps.split_at(2000);
            let (eta1, eta2) = (before[0].eta, after[0].eta);
            assert_eq!((eta1, eta2), (0.09, 0.06));
            assert!((eta2 / eta1 - (2.0 / 300.0) / (2.0 / 200.0)).abs() < 1e-12, "not the lecture's drop by a third");
            assert!((2.0 / eta1 - 22.2).abs() < 0.05 && (2.0 / eta2 - 33.3).abs() < 0.05);
            assert!(before[0].ratio < 0.7, "starts at {:.3} × 2/η₁", before[0].ratio);
            let first = reaches(before).expect("never reaches 2/η₁ before the switch");
            let (hover, within, median) = hovers(&before[first..]);
            assert!(hover, "before the switch, from step {first}: {within:.3} within 15%, median {median:.3}");
            assert!(after[0].ratio < 0.75, "the switch leaves the sharpness at {:.3} × 2/η₂", after[0].ratio);
            let second = reaches(after).expect("never reaches 2/η₂ after the switch");
            assert!((2400..=2800).contains(&(second - 2000)), "reaches 2/η₂ {} steps after the switch", second - 2000);
            let (hover, within, median) = hovers(&after[second - 2000..]);
            assert!(hover, "after step {second}: {within:.3} within 15%, median {median:.3}");
            assert_eq!(
                readout(figure, "sharpness first at 2/"),
                format!("at step {first} (\u{3b7} = 0.09); at step {second} (\u{3b7} = 0.06)")
            );
        })
    }

    /// "Stable run: η = 0.02, and the sharpness never comes near 2/η = 100: it stays below a
    /// seventh of it, and the loss falls at every step."
    #[test]
    fn the_stable_run_stays_far_below_two_over_eta() {
        edge_run(Some("Stable run"), |figure, steps| {
            assert_eq!(steps[0].eta, 0.02);
            let highest = steps.iter().map(|s| s.ratio).fold(0.0, f64::max);
            assert!(highest < 1.0 / 7.0, "the sharpness reaches {highest:.3} × 2/η");
            assert!(steps.windows(2).all(|w| w[1].loss < w[0].loss), "the loss rose");
            assert!(figure.verdict().text.contains("stayed below 2/\u{3b7}"), "{}", figure.verdict().text);
        })
    }

    /// The benchmark's EOS-3 (bench/README.md) is the preset "EOS-3 digits": the same data, θ₀
    /// and sharpness at step 0, so that `make bench` times the run the page shows.
    #[test]
    fn the_benchmark_eos3_is_the_preset() {
        use sgd_stability::math::eos3::{eos3, EOS3_ETA};
        use sgd_stability::math::sharpness::{
            MlpModel, SharpnessMeter, SharpnessMode, SharpnessRun, DEFAULT_TOLERANCE,
        };
        use sgd_stability::math::trainer::Schedule;
        let mut figure = EdgeOfStability::new(crate::finished::settings::<EdgeOfStability>(Some("EOS-3 digits")));
        let saved = figure.run_file().expect("a training figure saves its run");
        let reference = eos3();
        assert_eq!(saved.theta, reference.theta0);
        assert_eq!(
            (saved.data.x.as_slice(), saved.data.y.as_slice()),
            (reference.data.x.as_slice(), reference.data.y.as_slice())
        );
        figure.step(1);
        let shown =
            figure.tables()[0].rows[0][figure.tables()[0].columns.iter().position(|c| *c == "sharpness").unwrap()];
        let p = reference.theta0.len();
        let mode = SharpnessMode::WarmStart { tolerance: DEFAULT_TOLERANCE, max_iter: 60, start: reference.v0.clone() };
        let model = MlpModel::new(reference.mlp, reference.data);
        let meter = SharpnessMeter::new(p, mode, 1);
        let mut run = SharpnessRun::new(model, reference.theta0, Schedule::constant(EOS3_ETA), meter, 1, 500, 0);
        run.advance(1);
        assert_eq!(run.records[0].sharpness.value, shown);
        assert!((shown - 23.2422184773).abs() < 1e-9, "sharpness at step 0: {shown}");
    }

    /// "Central flow on EOS-1: … GD's mean loss over the 2,000 steps, catapults included, is
    /// 0.1428, and the flow predicts 0.1349, 5.5% low. Between catapults, over every 200-step
    /// window whose largest loss is within 20% of its mean, GD's loss is within 1% of the flow's
    /// own L(w)." The flow's sharpness stays within 1% of 2/η while σ > 0.
    #[test]
    fn the_central_flow_predicts_gd_s_average_loss_on_eos1() {
        edge_run(Some("Central flow on EOS-1"), |figure, steps| {
            let tables = figure.tables();
            let flow = tables.iter().find(|t| t.name == "central-flow").expect("the flow's table");
            let column = |name: &str| flow.columns.iter().position(|c| *c == name).unwrap();
            let (loss, sharpness, variance, predicted) =
                (column("loss"), column("sharpness"), column("variance"), column("predicted_loss"));
            assert_eq!(flow.rows.len(), 2000);
            assert!(flow.rows.iter().all(|r| r[variance] == 0.0 || (r[sharpness] * 0.06 / 2.0 - 1.0).abs() < 0.01));
            assert!(flow.rows[0][variance] > 0.0, "at the edge from the start");
            let mean = |values: &mut dyn Iterator<Item = f64>| {
                let (sum, count) = values.fold((0.0, 0.0), |(s, c), v| (s + v, c + 1.0));
                sum / count
            };
            let gd = mean(&mut steps[..2000].iter().map(|s| s.loss));
            let flow_mean = mean(&mut flow.rows.iter().map(|r| r[predicted]));
            assert!((gd - 0.1428).abs() < 5e-5 && (flow_mean - 0.1349).abs() < 5e-5, "GD {gd}, flow {flow_mean}");
            assert!(((gd - flow_mean) / gd - 0.055).abs() < 0.001);
            let calm: Vec<usize> = (0..2000)
                .step_by(200)
                .filter(|&start| {
                    let window = &steps[start..start + 200];
                    let window_mean = mean(&mut window.iter().map(|s| s.loss));
                    window.iter().all(|s| s.loss <= 1.2 * window_mean)
                })
                .collect();
            assert!(calm.len() >= 4, "only {calm:?} are free of catapults");
            for start in calm {
                let gd = mean(&mut steps[start..start + 200].iter().map(|s| s.loss));
                let own = mean(&mut flow.rows[start..start + 200].iter().map(|r| r[loss]));
                assert!((own - gd).abs() <= 0.01 * gd, "window from {start}: GD {gd}, flow's L(w) {own}");
            }
            assert!(readout(figure, "flow prediction").contains("(error 5.5 %)"));
        })
    }

    /// "SGD: batch sharpness: the default network with batches of B = 10 at η = 0.07 (2/η =
    /// 28.6) for 20,000 steps. The batch sharpness starts at 8.2 and rises; from step 10,000 on
    /// it fluctuates between 17.6 and 29.2, 23.5 on average (0.82 × 2/η), while λ_max stays
    /// between 24.5 and 25.8: neither settles at 2/η." The estimates' standard errors are
    /// below 2.
    #[test]
    fn under_sgd_the_batch_sharpness_stays_below_two_over_eta_on_average() {
        edge_run(Some("SGD: batch sharpness"), |figure, _| {
            let table = &figure.tables()[0];
            let column = |name: &str| table.columns.iter().position(|c| *c == name).unwrap();
            let (step, sharpness, batch, error) =
                (column("step"), column("sharpness"), column("batch_sharpness"), column("batch_sharpness_se"));
            let rows = &table.rows;
            assert_eq!((rows.len(), rows[1][step]), (201, 100.0));
            assert!((rows[0][batch] - 8.2).abs() < 0.05, "starts at {}", rows[0][batch]);
            let late: Vec<&Vec<f64>> = rows.iter().filter(|r| r[step] >= 10000.0).collect();
            let range = |c: usize| {
                late.iter().map(|r| r[c]).fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)))
            };
            let (lo, hi) = range(batch);
            assert!((lo - 17.6).abs() < 0.05 && (hi - 29.2).abs() < 0.05, "batch sharpness {lo}..{hi}");
            let mean = late.iter().map(|r| r[batch]).sum::<f64>() / late.len() as f64;
            assert!((mean - 23.5).abs() < 0.05 && (mean * 0.07 / 2.0 - 0.82).abs() < 0.005, "mean {mean}");
            let (lo, hi) = range(sharpness);
            assert!((lo - 24.5).abs() < 0.05 && (hi - 25.8).abs() < 0.05 && hi < 2.0 / 0.07, "λ_max {lo}..{hi}");
            assert!(rows.iter().all(|r| r[error] > 0.0 && r[error] < 2.0));
            assert!(readout(figure, "batch sharpness at step 20000").contains("over 32 batches of 10"));
        })
    }

    /// "EOS-3 digits: the first 500 handwritten digits, one hidden layer of 64 tanh units (4,810
    /// parameters), η = 0.08 (2/η = 25). The sharpness starts at 23.2, dips to 21.2 within the
    /// first 50 steps, sharpens to 2/η at step 1,095 and then stays within 10% of it to step
    /// 3,000, while the loss falls from 0.094 to 0.056, though not monotonically; the network
    /// classifies over 90% of its training images correctly by then."
    #[test]
    fn eos3_on_digits_sharpens_to_two_over_eta_and_hovers() {
        edge_run(Some("EOS-3 digits"), |figure, steps| {
            assert!(readout(figure, "network").contains("4810 parameters, 500 points"));
            assert!(
                readout(figure, "data").contains("handwritten digits") && readout(figure, "data").contains("CC BY 4.0")
            );
            assert_eq!((steps.len(), steps[1].step, steps[600].step), (601, 5, 3000), "recorded every 5 steps");
            let threshold = 2.0 / steps[0].eta;
            assert_eq!(threshold, 25.0);
            assert!((steps[0].ratio * threshold - 23.2).abs() < 0.05, "starts at {}", steps[0].ratio * threshold);
            let dip = steps[..11].iter().map(|s| s.ratio).fold(f64::INFINITY, f64::min) * threshold;
            assert!((dip - 21.2).abs() < 0.05, "dips to {dip} in the first 50 steps");
            let at = reaches(steps).expect("never reaches 2/η");
            assert_eq!(at, 1095);
            assert!(steps.iter().filter(|s| s.step < at).all(|s| s.step == 0 || s.ratio < 1.0));
            let worst = steps.iter().filter(|s| s.step >= at).map(|s| (s.ratio - 1.0).abs()).fold(0.0, f64::max);
            assert!(worst < 0.1, "strays {worst:.3} from 2/η after reaching it");
            let reached = steps.iter().find(|s| s.step == at).unwrap();
            let end = steps[steps.len() - 1];
            assert!((reached.loss - 0.094).abs() < 0.0005 && (end.loss - 0.056).abs() < 0.0005);
            assert!(
                steps.windows(2).filter(|w| w[0].step >= at && w[1].loss > w[0].loss).count() > 50,
                "the loss fell monotonically"
            );
            let accuracy = readout(figure, "training accuracy at step 3000");
            let percent: f64 = accuracy.trim_end_matches(" %").parse().unwrap();
            assert!(percent > 90.0, "accuracy {accuracy}");
        })
    }

    /// "Digits: step-size switch: η = 0.1 (2/η = 20) on the same network and data. The run
    /// starts at 1.16 × 2/η, is at 2/η from step 200 on (within 15% at every recorded step),
    /// and η drops by a third to 0.0667 at step 1,000 (2/η = 30). Right after the switch the
    /// sharpness is at 0.68 × 2/η; it climbs, reaches the new 2/η at step 4,070 and stays within
    /// 5% of it to step 8,000."
    #[test]
    fn on_digits_the_sharpness_climbs_to_the_new_threshold_after_the_switch() {
        edge_run(Some("Digits: step-size switch"), |_, steps| {
            let (before, after): (Vec<Step>, Vec<Step>) = steps.iter().partition(|s| s.step < 1000);
            assert!((2.0 / before[0].eta - 20.0).abs() < 1e-12 && (2.0 / after[0].eta - 30.0).abs() < 1e-12);
            assert!((after[0].eta / before[0].eta - 2.0 / 3.0).abs() < 1e-15);
            assert!((before[0].ratio - 1.16).abs() < 0.005);
            let settled: Vec<Step> = before.iter().copied().filter(|s| s.step >= 200).collect();
            assert!(settled.iter().all(|s| (s.ratio - 1.0).abs() <= 0.15), "not at 2/η₁ from step 200");
            assert!((after[0].ratio - 0.68).abs() < 0.005, "right after the switch: {}", after[0].ratio);
            let at = reaches(&after).expect("never reaches 2/η₂");
            assert_eq!(at, 4070);
            let worst = after.iter().filter(|s| s.step >= at).map(|s| (s.ratio - 1.0).abs()).fold(0.0, f64::max);
            assert!(worst < 0.05, "strays {worst:.3} from 2/η₂ after reaching it");
            assert_eq!(after[after.len() - 1].step, 8000);
        })
    }

    /// The sweep at its defaults, finished, and its table's rows as
    /// (η, outcome code, sharpness, Lemma 4's bound).
    fn sweep(settings: &[(&str, &str)]) -> (SharpnessVsLr, Vec<(f64, u8, f64, f64)>) {
        let mut params = ParamValues::defaults(SharpnessVsLr::PARAMS);
        for (key, text) in settings {
            params.set_text(key, text).unwrap();
        }
        let mut figure = SharpnessVsLr::new(params);
        on_baseline(|| figure.finish());
        let table = &figure.tables()[0];
        let column = |name: &str| table.columns.iter().position(|c| *c == name).unwrap();
        let (eta, outcome, sharpness, bound) =
            (column("eta"), column("outcome"), column("sharpness"), column("lemma4_bound"));
        let rows = table.rows.iter().map(|r| (r[eta], r[outcome] as u8, r[sharpness], r[bound])).collect();
        (figure, rows)
    }

    const CONVERGED: u8 = 0;
    const CAPPED: u8 = 1;

    /// The sharpness of the sweep's start θ₀ (every run starts there), from its saved run.
    fn start_sharpness(figure: &SharpnessVsLr) -> f64 {
        use sgd_stability::math::activation::Activation;
        use sgd_stability::math::network::{Data, ShallowNet};
        use sgd_stability::math::shallow_tables::ShallowTables;
        use sgd_stability::math::sharpness::{SharpnessMeter, SharpnessMode};
        let run = figure.run_file().unwrap();
        let net = ShallowNet::new(40, Activation::Relu);
        let data = Data { x: run.data.x.clone(), y: run.data.y.clone() };
        let mut tables = ShallowTables::new(net, &data);
        let p = net.num_params();
        let mut grad = vec![0.0; p];
        tables.evaluate(&run.theta, &mut grad, true);
        let mode = SharpnessMode::WarmStart { tolerance: 1e-12, max_iter: p, start: vec![1.0; p] };
        SharpnessMeter::new(p, mode, 1).measure(&mut tables).unwrap().value
    }

    /// "Every run that converges ends with its sharpness on or below the ceiling 2/η", and the
    /// caption's account of the defaults: "Up to η ≈ 0.034 the runs end at about 53, within 3% of
    /// the sharpness of their start, 54, under a ceiling that does not bind them; from 0.036 to 0.042
    /// they end just under the curve, within 6% of it; larger step sizes end lower still, or stop
    /// at the step cap without converging. Between neighbouring converged runs the sharpness
    /// rises in a few places, by less than 0.2%; the readout names the largest rise." Also
    /// Lemma 4's bound under the sharpness of every converged run, and the last run told in words.
    #[test]
    fn the_default_sweep_ends_under_the_ceiling_and_pressed_against_it_from_0_036() {
        let (figure, rows) = sweep(&[]);
        assert_eq!(rows.len(), 30);
        assert!((rows[0].0 - 0.01).abs() < 1e-12 && (rows[29].0 - 0.08).abs() < 1e-12);
        let converged: Vec<_> = rows.iter().filter(|r| r.1 == CONVERGED).collect();
        for &&(eta, _, sharpness, bound) in &converged {
            assert!(sharpness * eta / 2.0 <= 1.0 + 1e-6, "η = {eta}: sharpness {sharpness} above 2/η");
            assert!(bound <= sharpness, "η = {eta}: Lemma 4's bound {bound} above the sharpness {sharpness}");
        }
        let verdict = figure.verdict();
        assert!(
            verdict.text.ends_with("every converged run ends at sharpness \u{2264} 2/\u{3b7}."),
            "{}",
            verdict.text
        );
        assert_eq!(verdict.tone, Tone::Good);
        let start = start_sharpness(&figure);
        assert!((start - 54.0).abs() < 0.5, "θ₀'s sharpness is {start}");
        for &(eta, outcome, sharpness, _) in rows.iter().filter(|r| r.0 <= 0.0345) {
            assert_eq!(outcome, CONVERGED, "η = {eta}");
            assert!((sharpness - 53.0).abs() < 0.5, "η = {eta}: {sharpness}, not about 53");
            assert!((sharpness / start - 1.0).abs() < 0.03, "η = {eta}: {sharpness} against {start} at the start");
            assert!(sharpness * eta / 2.0 < 0.9, "η = {eta}: the ceiling binds");
        }
        let pressed: Vec<_> = rows.iter().filter(|r| (0.036..=0.043).contains(&r.0)).collect();
        assert_eq!(pressed.len(), 3);
        for &&(eta, outcome, sharpness, _) in &pressed {
            assert_eq!(outcome, CONVERGED, "η = {eta}");
            assert!(sharpness * eta / 2.0 >= 0.94, "η = {eta}: {:.3} × 2/η", sharpness * eta / 2.0);
        }
        let lowest_pressed = pressed.iter().map(|r| r.2).fold(f64::INFINITY, f64::min);
        let larger: Vec<_> = rows.iter().filter(|r| r.0 > 0.043).collect();
        assert!(larger.iter().any(|r| r.1 == CAPPED), "no larger step size stops at the cap");
        for &&(eta, outcome, sharpness, _) in &larger {
            assert!(outcome == CAPPED || (outcome == CONVERGED && sharpness < lowest_pressed), "η = {eta}");
        }
        let rises: Vec<f64> = converged.windows(2).map(|w| w[1].2 / w[0].2 - 1.0).filter(|r| *r > 0.0).collect();
        assert!((1..=5).contains(&rises.len()), "{} rises", rises.len());
        assert!(rises.iter().all(|r| *r < 0.002), "{rises:?}");
        let told = readout(&figure, "sharpness of the converged runs");
        assert!(
            told.starts_with(&format!("not monotone: rises at {} of {}", rises.len(), converged.len() - 1)),
            "{told}"
        );
        assert_eq!(readout(&figure, "Lemma 4 bound"), format!("{0} of {0}", converged.len()));
        // The last run is told in words, never by a program's name for its outcome.
        assert_eq!(rows[29].1, CAPPED);
        let last = readout(&figure, "last run");
        assert!(
            last.starts_with("\u{3b7} = 0.08: stopped at the step cap of 30000 steps without converging, loss"),
            "{last}"
        );
        assert!(["NotConverged", "Converged", "Diverged", "{", "}"].iter().all(|name| !last.contains(name)), "{last}");
    }

    /// The walkthrough's steps on these two figures open on the states the tests above check:
    /// the finished default run, the finished switch, and the finished sweep without Lemma 4's
    /// bound (the lemma is stated later).
    #[test]
    fn the_walkthrough_opens_these_figures_on_the_finished_runs() {
        use scraper::{Html, Selector};
        use sgd_stability::page::walkthrough::Step;
        let page = Html::parse_document(include_str!("../../www/index.html"));
        let items = Selector::parse("li[data-figure]").unwrap();
        let steps: Vec<(Step, String)> = page
            .select(&items)
            .map(|item| {
                (Step::from_attributes(|name| item.value().attr(name).map(str::to_string)).unwrap(), item.inner_html())
            })
            .filter(|(step, _)| step.figure == "edge-of-stability" || step.figure == "sharpness-vs-lr")
            .collect();
        assert_eq!(steps.len(), 3);
        let (edge, switch, sweep_step) = (&steps[0].0, &steps[1].0, &steps[2].0);
        // A unit of work is one recorded step: θ₀ … θ_steps make a finished run (the tests above
        // check these runs to the end).
        for step in [edge, switch] {
            let params = crate::finished::settings::<EdgeOfStability>(step.preset.as_deref());
            assert!(step.settings.is_empty());
            assert_eq!(step.at, Some(params.get_usize("steps") + 1), "not opened on the finished run");
        }
        assert_eq!(edge.preset, None);
        assert!(steps[0].1.contains("after about 1,700 steps"));
        assert_eq!(switch.preset.as_deref(), Some("Learning-rate switch"));
        assert!(steps[1].1.contains("0.09 \\to 0.06") && steps[1].1.contains("step 2,000"));
        assert_eq!(sweep_step.settings, [("lemma4".to_string(), "hidden".to_string())]);
        let mut params = ParamValues::defaults(SharpnessVsLr::PARAMS);
        params.set_text("lemma4", "hidden").unwrap();
        let mut figure = SharpnessVsLr::new(params);
        on_baseline(|| figure.step(sweep_step.at.unwrap()));
        assert!(figure.verdict().text.starts_with("30 runs:"), "{}", figure.verdict().text);
        assert!(figure.readouts().iter().all(|(label, _)| !label.contains("Lemma 4")));
    }
}

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

// ============================================================================================
// Function space, Lemma 4 and the corollary
// ============================================================================================

/// The claims of the sections on function space, Lemma 4 and the corollary, each on the setting
/// it names. (The corollary section's counts over 240 and 60 trained networks are asserted by
/// the tests that measure them, in tests/math/corollary.rs.)
mod function_space_and_lemma4 {
    use sgd_stability::figures::function_space::FunctionSpace;
    use sgd_stability::figures::proof_lemma4::ProofLemma4;
    use sgd_stability::figures::{Figure, Table};
    use sgd_stability::kit::params::ParamValues;
    use sgd_stability::math::kernels::on_baseline;

    fn finished<F: Figure>(preset: Option<&str>, settings: &[(&str, f64)]) -> F {
        let mut p = ParamValues::defaults(F::PARAMS);
        if let Some(label) = preset {
            let preset = F::PRESETS.iter().find(|p| p.label == label).expect("the preset exists");
            for &(key, value) in preset.values {
                p.set(key, value).unwrap();
            }
        }
        for &(key, value) in settings {
            p.set(key, value).unwrap();
        }
        F::validate(&p).expect("the setting is valid");
        on_baseline(|| {
            let mut fig = F::new(p);
            fig.finish();
            fig
        })
    }

    fn table<F: Figure>(fig: &F, name: &str) -> Table {
        fig.tables().into_iter().find(|t| t.name == name).unwrap_or_else(|| panic!("no table {name}"))
    }

    fn column(table: &Table, name: &str) -> usize {
        table.columns.iter().position(|c| *c == name).unwrap_or_else(|| panic!("no column {name}"))
    }

    fn readout<F: Figure>(fig: &F, label_start: &str) -> String {
        let readouts = fig.readouts();
        readouts
            .iter()
            .find(|(l, _)| l.starts_with(label_start))
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no readout {label_start} in {readouts:?}"))
    }

    /// The rows of the training table at the switch and at the end, and the largest loss
    /// after the switch.
    fn switch_and_end(fig: &FunctionSpace, switch: f64) -> (Vec<f64>, Vec<f64>, f64) {
        let training = table(fig, "training");
        let (step, peak) = (column(&training, "step"), column(&training, "peak_loss"));
        let at_switch = training.rows.iter().find(|r| r[step] == switch).expect("the switch is recorded").clone();
        let highest = training.rows.iter().filter(|r| r[step] > switch).map(|r| r[peak]).fold(0.0, f64::max);
        (at_switch, training.rows.last().unwrap().clone(), highest)
    }

    /// Function-space caption, at the defaults: "Watch the loss spike at the switch (to about
    /// 1,500 between two records) and the sharpness fall from about 107, above 2/η₂ = 50, to
    /// about 1.5, far below it and close to Lemma 4's bound (about 1.3), while ∫|f''|g falls
    /// from 1.95 to 0.15."
    #[test]
    fn the_switch_experiment_spikes_and_lands_near_lemma_4s_bound() {
        let fig: FunctionSpace = finished(None, &[]);
        let training = table(&fig, "training");
        let (sharpness, curvature) = (column(&training, "sharpness"), column(&training, "weighted_curvature"));
        let (at_switch, end, peak) = switch_and_end(&fig, 8000.0);
        assert!((1000.0..2500.0).contains(&peak), "peak loss {peak}");
        assert!((100.0..115.0).contains(&at_switch[sharpness]), "sharpness at the switch {}", at_switch[sharpness]);
        assert!((1.4..1.6).contains(&end[sharpness]), "sharpness at the end {}", end[sharpness]);
        let bound = 1.0 + 2.0 * end[curvature];
        assert!((1.25..1.35).contains(&bound), "Lemma 4's bound at the end {bound}");
        assert!((1.9..2.0).contains(&at_switch[curvature]) && (0.145..0.155).contains(&end[curvature]));
    }

    /// Function-space caption: "Set η₂ below 2/λ_max at the switch (about 0.019) and nothing
    /// happens: that minimum is stable for η₂ as well, and the run ends at the switch."
    #[test]
    fn below_two_over_the_sharpness_at_the_switch_nothing_happens() {
        let fig: FunctionSpace = finished(None, &[]);
        let (at_switch, _, _) = switch_and_end(&fig, 8000.0);
        let limit = 2.0 / at_switch[column(&table(&fig, "training"), "sharpness")];
        assert!((0.0185..0.0195).contains(&limit), "2/λ_max at the switch = {limit}");
        let fig: FunctionSpace = finished(None, &[("eta2", 0.018)]);
        let training = table(&fig, "training");
        assert_eq!(training.rows.last().unwrap()[column(&training, "step")], 8000.0, "the run ends at the switch");
        assert!(fig.verdict().text.contains("nothing happens"), "{}", fig.verdict().text);
        assert!(!fig.verdict().text.contains("too sharp"), "{}", fig.verdict().text);
    }

    /// Function-space caption, preset "Sweep of η": "Here all four interpolate, and ∫|f''|g is
    /// lower at each larger step size (1.96, 1.95, 1.86, 0.16)."
    #[test]
    fn the_sweep_preset_interpolates_four_times_lower_at_each_larger_step() {
        let fig: FunctionSpace = finished(Some("Sweep of \u{3b7}"), &[]);
        let text = fig.verdict().text;
        assert_eq!(text.matches("interpolated at step").count(), 4, "{text}");
        assert!(!text.contains("rises with"), "{text}");
        let training = table(&fig, "training");
        let (run, curvature) = (column(&training, "run"), column(&training, "weighted_curvature"));
        let last: Vec<f64> = (0..4)
            .map(|i| training.rows.iter().rfind(|r| r[run] == i as f64).expect("every run is recorded")[curvature])
            .collect();
        let quoted = [1.96, 1.95, 1.86, 0.16];
        for (value, quoted) in last.iter().zip(quoted) {
            assert!((value - quoted).abs() < 0.005, "{last:?} against {quoted:?}");
        }
        assert!(last.windows(2).all(|w| w[1] < w[0]), "{last:?}");
    }

    /// Function-space caption: "with seed 2, ∫|f''|g rises from 4.23 at η = 0.01 to 4.29 at
    /// η = 0.02 while the sharpness falls from 117 to 71, and the run at η = 0.04 does not
    /// interpolate within the step cap; the verdict names every such rise."
    #[test]
    fn with_seed_2_the_sweep_is_not_monotone_and_the_verdict_says_so() {
        let fig: FunctionSpace = finished(Some("Sweep of \u{3b7}"), &[("seed", 2.0)]);
        let text = fig.verdict().text;
        assert!(
            text.contains("rises with \u{3b7} (from 4.2252 at \u{3b7} = 0.01 to 4.2934 at \u{3b7} = 0.02)"),
            "{text}"
        );
        assert!(text.contains("\u{3b7} = 0.04: did not interpolate in 40000 steps"), "{text}");
        let training = table(&fig, "training");
        let (run, sharpness) = (column(&training, "run"), column(&training, "sharpness"));
        let last = |i: f64| training.rows.iter().rfind(|r| r[run] == i).unwrap()[sharpness];
        assert!(
            (116.5..117.5).contains(&last(1.0)) && (70.5..71.5).contains(&last(2.0)),
            "{} {}",
            last(1.0),
            last(2.0)
        );
    }

    /// Function-space section and caption, preset "Gaussian inputs, sin πx": "the sample's g,
    /// zero at the smallest and the largest data point, with the law's (dashed), which is
    /// positive everywhere"; and the section: "a Gaussian law has no edge, and its g is
    /// positive everywhere".
    #[test]
    fn under_gaussian_inputs_the_samples_g_vanishes_at_the_edges_and_the_laws_does_not() {
        let fig: FunctionSpace = finished(Some("Gaussian inputs, sin \u{3c0}x"), &[("steps", 9000.0)]);
        let data = table(&fig, "data");
        let xs: Vec<f64> = data.rows.iter().map(|r| r[0]).collect();
        let (lo, hi) = xs.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| (a.min(x), b.max(x)));
        let weights = table(&fig, "weights");
        let (x, sample, law) = (column(&weights, "x"), column(&weights, "g_sample"), column(&weights, "g_population"));
        for row in &weights.rows {
            if row[x] <= lo || row[x] >= hi {
                assert_eq!(row[sample], 0.0, "the sample's g at {}", row[x]);
            } else {
                assert!(row[sample] > 0.0, "the sample's g inside the data at {}", row[x]);
            }
            assert!(row[law] > 0.0, "the law's g at {}", row[x]);
        }
    }

    /// Function-space section: the last panel reads "the top eigenvalue of ΦΦᵀ/n beside the
    /// sharpness λ_max(∇²L) and the norm of their difference, the residual part, which
    /// vanishes at interpolation"; at the end of the default run they agree to the residual
    /// part (walkthrough: "they agree to three decimals, 1.503").
    #[test]
    fn at_the_end_of_the_default_run_the_hessian_is_phi_phi_transpose_over_n() {
        let fig: FunctionSpace = finished(None, &[]);
        let number = |label: &str| readout(&fig, label).parse::<f64>().unwrap();
        let lanczos = number("\u{3bb}_max(\u{2207}\u{b2}L), Lanczos");
        let gauss_newton = number("\u{3bb}_max(\u{3a6}\u{3a6}\u{1d40}/n)");
        let residual = number("\u{2016}\u{2207}\u{b2}L \u{2212} \u{3a6}\u{3a6}");
        assert!(residual < 1e-3, "residual part {residual}");
        assert!((lanczos - gauss_newton).abs() <= residual + 1e-4, "{lanczos} vs {gauss_newton}");
        assert!((lanczos - 1.503).abs() < 5e-4 && (gauss_newton - 1.503).abs() < 5e-4, "{lanczos} {gauss_newton}");
    }

    /// Walkthrough, the switch step (function-space at its defaults): "Back to uniform inputs
    /// and the target |x|. Gradient descent interpolates at η₁ = 0.01; at step 8,000 the step
    /// size rises to η₂ = 0.04 … That minimum is now too sharp for the step size (the cross in
    /// the sixth panel): the loss spikes, and gradient descent leaves it and settles where
    /// λ_max ≈ 1.5 ≤ 2/η₂ = 50."
    #[test]
    fn the_switch_step_is_the_defaults_and_its_minimum_is_too_sharp_for_eta_2() {
        use sgd_stability::figures::shared::function_laws::{InputLaw, TargetFunction};
        let defaults = ParamValues::defaults(FunctionSpace::PARAMS);
        assert_eq!(InputLaw::NAMES[defaults.get_usize("law")], "uniform");
        assert_eq!(TargetFunction::NAMES[defaults.get_usize("target")], "abs");
        assert!(defaults.get("batch") >= defaults.get("n"), "full batch: gradient descent");
        let (eta1, eta2) = (defaults.get("eta1"), defaults.get("eta2"));
        assert_eq!((eta1, eta2, defaults.get("switch")), (0.01, 0.04, 8000.0));
        let fig: FunctionSpace = finished(None, &[]);
        let training = table(&fig, "training");
        let (loss, sharpness) = (column(&training, "loss"), column(&training, "sharpness"));
        let (at_switch, end, _) = switch_and_end(&fig, 8000.0);
        let tolerance = defaults.get("tol");
        assert!(at_switch[loss] < tolerance && at_switch[sharpness] <= 2.0 / eta1, "{at_switch:?}");
        assert!(at_switch[sharpness] > 2.0 / eta2, "{at_switch:?}");
        assert!(fig.verdict().text.contains("too sharp"), "{}", fig.verdict().text);
        assert!(end[loss] < tolerance && end[sharpness] <= 2.0 / eta2, "{end:?}");
    }

    /// Walkthrough, Lemma 4 at line 2: "the second panel puts the Hessian's eigenvalues beside
    /// those of ΦΦᵀ/n: at this interpolating network they agree"; at lines 4 and 5 (identities)
    /// each neuron's term is the same in both lines.
    #[test]
    fn at_the_lemma_4_defaults_line_2_is_exact_and_lines_4_and_5_are_identities() {
        let fig: ProofLemma4 = finished(None, &[("line", 2.0)]);
        let number = |label: &str| readout(&fig, label).parse::<f64>().unwrap();
        let lines = table(&fig, "lines");
        let (one, two) = (lines.rows[0][column(&lines, "value")], lines.rows[1][column(&lines, "value")]);
        let residual_part = number("\u{2016}residual part");
        assert!(residual_part <= 1e-9 * one, "the residual part of the Hessian {residual_part}");
        assert!((one - two).abs() <= 1e-9 * one, "line 1 = {one}, line 2 = {two}");
        let neurons = table(&fig, "neurons");
        let (three, four, five) = (column(&neurons, "line3"), column(&neurons, "line4"), column(&neurons, "line5"));
        for row in &neurons.rows {
            assert!((row[three] - row[four]).abs() <= 1e-9 * row[three].abs().max(1e-12), "{row:?}");
            assert!((row[four] - row[five]).abs() <= 1e-9 * row[four].abs().max(1e-12), "{row:?}");
        }
    }

    /// Lemma 4 caption: "Choose a random output layer and the Hessian is no longer ΦΦᵀ/n: at
    /// line 2, line 1 can then fall below line 2 (seed 4 shows it)".
    #[test]
    fn with_a_random_output_layer_seed_4_puts_line_1_below_line_2() {
        let fig: ProofLemma4 = finished(None, &[("net", 1.0), ("seed", 4.0), ("line", 2.0)]);
        let (one, two) = (readout(&fig, "line 1:"), readout(&fig, "line 2:"));
        assert!(one.parse::<f64>().unwrap() < two.parse::<f64>().unwrap(), "line 1 = {one}, line 2 = {two}");
        assert!(fig.verdict().text.contains("needs interpolation"), "{}", fig.verdict().text);
    }

    /// Walkthrough, Lemma 4 at line 3: "the dashed line sits just below the top eigenvalue of
    /// ΦΦᵀ/n"; at line 6: "This is where the chain loses most here".
    #[test]
    fn at_the_lemma_4_defaults_line_3_is_just_below_and_am_gm_loses_most() {
        let fig: ProofLemma4 = finished(None, &[]);
        let lines = table(&fig, "lines");
        let value: Vec<f64> = lines.rows.iter().map(|r| r[column(&lines, "value")]).collect();
        let loss = (value[1] - value[2]) / value[1];
        assert!(loss > 0.0 && loss < 0.05, "line 3 is {:.1}% below line 2", 100.0 * loss);
        let largest = (1..value.len()).max_by(|&a, &b| (value[a - 1] - value[a]).total_cmp(&(value[b - 1] - value[b])));
        assert_eq!(largest, Some(5), "the largest step is into line 6: {value:?}");
    }

    /// Corollary section, at the Lemma 4 figure's defaults: "1 + 2∫|f''|g = 1.33 and the
    /// network's sharpness is 17.0, so the chain holds with its numbers for every
    /// η ≤ 2/17.0 ≈ 0.118 … Past η = 2/1.33 ≈ 1.50 no implementation of f is".
    #[test]
    fn the_corollary_panel_at_the_lemma_4_defaults() {
        let fig: ProofLemma4 = finished(None, &[("line", 10.0)]);
        let number = |label: &str| readout(&fig, label).parse::<f64>().unwrap();
        assert!((number("line 10:") - 1.33).abs() < 0.005);
        assert!((number("\u{3bb}_max(\u{2207}\u{b2}L)") - 17.0).abs() < 0.05);
        let chain = readout(&fig, "the corollary's chain");
        assert!(chain.contains("\u{2264} 2/\u{3b7} for \u{3b7} \u{2264} 0.1178"), "{chain}");
        assert!((number("no implementation of f") - 1.50).abs() < 0.005);
    }
}
