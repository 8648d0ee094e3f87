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

// ============================================================================================
// The edge of stability and sharpness versus learning rate
// ============================================================================================

// ============================================================================================
// Non-differentiable minima: switching systems and Lemma 3
// ============================================================================================

// ============================================================================================
// Function space, Lemma 4 and the corollary
// ============================================================================================

/// The claims of the sections on function space, Lemma 4 and the corollary, each on the setting
/// it names. (The corollary section's counts over 240 and 60 trained networks are asserted by
/// the tests that measure them, in tests/corollary.rs.)
mod function_space_and_lemma4 {
    use sgd_stability::figures::function_space::FunctionSpace;
    use sgd_stability::figures::params::ParamValues;
    use sgd_stability::figures::proof_lemma4::ProofLemma4;
    use sgd_stability::figures::{Figure, Table};

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
        let mut fig = F::new(p);
        fig.finish();
        fig
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
        use sgd_stability::figures::function_space::{LAW_NAMES, TARGET_NAMES};
        let defaults = ParamValues::defaults(FunctionSpace::PARAMS);
        assert_eq!(LAW_NAMES[defaults.get_usize("law")], "uniform");
        assert_eq!(TARGET_NAMES[defaults.get_usize("target")], "abs");
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
