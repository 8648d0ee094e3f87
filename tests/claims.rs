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

// ============================================================================================
// Linear stability, Theorem 1 and Theorem 1.1's proof
// ============================================================================================

mod linear_stability_claims {
    use sgd_stability::figures::linear_stability::{Dynamics, LinearStability, Start};
    use sgd_stability::figures::params::ParamValues;
    use sgd_stability::figures::proof_mean_dynamics::ProofMeanDynamics;
    use sgd_stability::figures::{Figure, Table, Tone};

    /// `F` at its defaults with `values` on top, run to the end.
    fn finished<F: Figure>(values: &[(&str, f64)]) -> F {
        let mut params = ParamValues::defaults(F::PARAMS);
        for (key, value) in values {
            params.set(key, *value).unwrap();
        }
        F::validate(&params).unwrap();
        let mut figure = F::new(params);
        figure.finish();
        figure
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
        let mut d = Dynamics::from_params(&params, Start::TopEigenvector).unwrap();
        d.advance(usize::MAX / 4);
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
        let d = Dynamics::from_params(&params, Start::EveryEigenvector).unwrap();
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
            figure.step(12);
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

// ============================================================================================
// Non-differentiable minima: switching systems and Lemma 3
// ============================================================================================

// ============================================================================================
// Function space, Lemma 4 and the corollary
// ============================================================================================
