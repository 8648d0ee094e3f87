//! The figures of the lecture's part III, natively: `switching`, `function-space` and
//! `proof-lemma4` at their defaults (each shows what the page says it shows), at settings where
//! things go wrong (reported in the verdict, never a panic or NaN), and at random valid
//! parameters (every panel draws, every table holds only numbers).

use sgd_stability::kit::format;

use crate::common::{random_valid, register_font};
use plotters::prelude::*;
use sgd_stability::figures::function_space::FunctionSpace;
use sgd_stability::figures::proof_lemma4::ProofLemma4;
use sgd_stability::figures::switching::Switching;
use sgd_stability::figures::{Activity, Figure, Tone};
use sgd_stability::kit::params::ParamValues;
use sgd_stability::kit::plot::Theme;
use sgd_stability::kit::recording::{self, RecordingBackend};
use sgd_stability::math::rng::seeded;

/// Draws every panel into a bitmap and checks it is not blank; checks every table.
fn exercise<F: Figure + 'static>(fig: &F, size: (u32, u32), what: &str) {
    register_font();
    assert!(!fig.verdict().text.trim().is_empty(), "{what}: empty verdict");
    for (i, panel) in F::PANELS.iter().enumerate() {
        let mut buffer = vec![0u8; (size.0 * size.1 * 3) as usize];
        {
            let area = RecordingBackend::new(BitMapBackend::with_buffer(&mut buffer, size)).into_drawing_area();
            recording::draw_panel(fig, i, &area, &Theme::light(1.0))
                .unwrap_or_else(|e| panic!("{what}, panel {}: {e:?}", panel.key));
            area.present().unwrap();
        }
        let mut colours: Vec<&[u8]> = buffer.chunks_exact(3).collect();
        colours.sort_unstable();
        colours.dedup();
        assert!(colours.len() >= 20, "{what}, panel {}: only {} colours", panel.key, colours.len());
    }
    let tables = fig.tables();
    assert!(!tables.is_empty(), "{what}: no tables");
    for table in tables {
        assert!(!table.rows.is_empty(), "{what}: table {} is empty", table.name);
        for row in &table.rows {
            assert_eq!(row.len(), table.columns.len());
            assert!(row.iter().all(|v| v.is_finite()), "{what}: table {} holds {row:?}", table.name);
        }
    }
}

fn finished<F: Figure>(settings: &[(&str, f64)]) -> F {
    let mut p = ParamValues::defaults(F::PARAMS);
    for &(key, value) in settings {
        p.set(key, value).unwrap();
    }
    let mut fig = F::new(p);
    fig.finish();
    assert_eq!(fig.step(1), Activity::Idle);
    fig
}

fn readout<F: Figure>(fig: &F, label_start: &str) -> String {
    fig.readouts().into_iter().find(|(l, _)| l.starts_with(label_start)).map(|(_, v)| v).unwrap_or_default()
}

/// The default of `function-space` is Mulayoff et al.'s experiment, and it works: at the switch
/// the network interpolates in a minimum too sharp for η₂; afterwards it interpolates again in
/// one stable for η₂, and its ∫|f''|g has dropped several-fold.
#[test]
fn function_space_default_switch_experiment_smooths_the_interpolant() {
    let fig: FunctionSpace = finished(&[]);
    let verdict = fig.verdict();
    assert_eq!(verdict.tone, Tone::Good, "{}", verdict.text);
    assert!(verdict.text.contains("too sharp for \u{3b7}\u{2082}"), "{}", verdict.text);
    assert!(verdict.text.contains("GD left it"), "{}", verdict.text);
    assert!(verdict.text.contains("interpolated again at step"), "{}", verdict.text);
    let tables = fig.tables();
    let training = tables.iter().find(|t| t.name == "training").unwrap();
    let col = |name: &str| training.columns.iter().position(|c| *c == name).unwrap();
    let (step, eta, loss, sharpness, curvature) =
        (col("step"), col("eta"), col("loss"), col("sharpness"), col("weighted_curvature"));
    let at_switch = training.rows.iter().find(|r| r[step] == 8000.0).expect("the switch is recorded");
    let last = training.rows.last().unwrap();
    assert!(
        at_switch[loss] < 1e-5 && at_switch[sharpness] > 2.0 / 0.04,
        "a sharp interpolant at the switch: {at_switch:?}"
    );
    assert!(last[loss] < 1e-5 && last[sharpness] <= 2.0 / last[eta], "a stable interpolant at the end: {last:?}");
    assert!(last[curvature] < at_switch[curvature] / 3.0, "∫|f''|g {} → {}", at_switch[curvature], last[curvature]);
    let peak = training.rows.iter().filter(|r| r[step] > 8000.0).map(|r| r[loss]).fold(0.0, f64::max);
    assert!(peak > 100.0 * at_switch[loss], "the loss spikes after the switch");
    // Lanczos on the Hessian against the dense top eigenvalue of ΦΦᵀ/n: Weyl's inequality puts
    // them within the residual part's norm of each other (the readouts carry 4 decimals).
    let number = |label: &str| readout(&fig, label).parse::<f64>().unwrap_or_else(|_| panic!("readout {label}"));
    let (lanczos, gauss_newton) =
        (number("\u{3bb}_max(\u{2207}\u{b2}L), Lanczos"), number("\u{3bb}_max(\u{3a6}\u{3a6}"));
    let residual = number("\u{2016}\u{2207}\u{b2}L");
    assert!((lanczos - gauss_newton).abs() <= residual + 1e-4, "{lanczos} vs {gauss_newton} ± {residual}");
    exercise(&fig, (640, 480), "function-space at defaults");
}

/// The sweep trains the same data at several η and reports every run; pushed to step sizes
/// where GD kills the network, the runs that did not interpolate say so (and the tone says it).
#[test]
fn function_space_sweep_reports_runs_that_do_not_interpolate() {
    let fig: FunctionSpace =
        finished(&[("mode", 1.0), ("eta1", 0.01), ("eta2", 1.5), ("runs", 3.0), ("steps", 6000.0), ("k", 60.0)]);
    let verdict = fig.verdict();
    let runs = verdict.text.split("; ").filter(|part| part.starts_with("\u{3b7} = ")).count();
    assert_eq!(runs, 3, "{}", verdict.text);
    assert!(verdict.text.contains("did not interpolate") || verdict.text.contains("diverged"), "{}", verdict.text);
    assert_eq!(verdict.tone, Tone::Bad);
    exercise(&fig, (640, 480), "function-space sweep");
}

/// The page refuses what cannot work (the switch at or past the step cap, more training than a
/// page can do live) with a message beside a control; the defaults and the presets pass.
#[test]
fn function_space_validation_refuses_impossible_settings() {
    let with = |settings: &[(&str, f64)]| {
        let mut p = ParamValues::defaults(FunctionSpace::PARAMS);
        for &(key, value) in settings {
            p.set(key, value).unwrap();
        }
        FunctionSpace::validate(&p)
    };
    assert_eq!(with(&[]), Ok(()));
    for preset in FunctionSpace::PRESETS {
        assert_eq!(with(preset.values), Ok(()), "preset {}", preset.label);
    }
    let refused = with(&[("steps", 1000.0)]).unwrap_err();
    assert_eq!(refused.key, "switch");
    assert!(refused.message.contains("must come before"), "{}", refused.message);
    assert_eq!(with(&[("mode", 1.0), ("steps", 1000.0)]), Ok(()), "the sweep has no switch");
    let refused = with(&[("k", 400.0), ("n", 200.0)]).unwrap_err();
    assert_eq!(refused.key, "steps");
}

/// Contradictory settings are explained in the verdict: the switch past the step cap, η₂ ≤ η₁,
/// more points than a narrow net can fit; and a diverging η₁ is a result with its step.
#[test]
fn function_space_explains_contradictory_settings() {
    let fig: FunctionSpace = finished(&[("switch", 5000.0), ("steps", 1000.0), ("k", 20.0)]);
    assert!(fig.verdict().text.contains("past the step cap"), "{}", fig.verdict().text);
    let fig: FunctionSpace = finished(&[("eta2", 0.005), ("steps", 9000.0), ("k", 20.0)]);
    assert!(fig.verdict().text.contains("\u{3b7}\u{2082} \u{2264} \u{3b7}\u{2081}"), "{}", fig.verdict().text);
    let fig: FunctionSpace = finished(&[("k", 3.0), ("steps", 2000.0)]);
    assert!(fig.verdict().text.contains("at most 4 features"), "{}", fig.verdict().text);
    let fig: FunctionSpace = finished(&[("eta1", 2.0), ("scale", 3.0), ("k", 40.0), ("steps", 3000.0)]);
    let verdict = fig.verdict();
    assert_eq!(verdict.tone, Tone::Bad, "{}", verdict.text);
    exercise(&fig, (640, 480), "function-space at η₁ = 2");
}

/// Every line of the proof at the defaults (an interpolating net): each is at least the one
/// before, and the verdict at line ℓ states the step from line ℓ − 1 to line ℓ with the right
/// relation.
#[test]
fn proof_lemma4_every_line_holds_at_the_defaults() {
    let mut previous = f64::INFINITY;
    for line in 1..=10 {
        let fig: ProofLemma4 = finished(&[("line", line as f64)]);
        let verdict = fig.verdict();
        assert_eq!(verdict.tone, Tone::Good, "line {line}: {}", verdict.text);
        let value: f64 = readout(&fig, &format!("line {line}:")).parse().unwrap();
        assert!(value <= previous * (1.0 + 1e-9), "line {line} = {value} above the line before ({previous})");
        previous = value;
        if line == 1 {
            assert!(verdict.text.starts_with("Line 1 = \u{3bb}_max"), "{}", verdict.text);
        } else {
            let start = format!("Line {} = ", line - 1);
            assert!(verdict.text.starts_with(&start), "line {line}: {}", verdict.text);
            assert!(verdict.text.contains(&format!(" line {line} = ")), "line {line}: {}", verdict.text);
        }
        if line == 2 {
            assert!(verdict.text.contains(" = line 2"), "at interpolation line 1 equals line 2: {}", verdict.text);
        }
        exercise(&fig, (640, 480), &format!("proof-lemma4 line {line}"));
    }
}

/// At line ℓ the figure explains the step into line ℓ, the one the page's line ℓ describes:
/// line 5 (output weights taken out of the sums) is an identity, line 6 is where AM–GM loses;
/// line 10's reason is that merging knots can only lower the sum.
#[test]
fn proof_lemma4_explains_the_step_into_the_current_line() {
    let at = |line: f64| finished::<ProofLemma4>(&[("line", line)]).verdict().text;
    let five = at(5.0);
    assert!(five.starts_with("Line 4 = ") && five.contains("= line 5"), "{five}");
    assert!(five.contains("an identity"), "{five}");
    assert!(!five.contains("AM\u{2013}GM"), "{five}");
    let six = at(6.0);
    assert!(six.starts_with("Line 5 = ") && six.contains("\u{2265} (gap"), "{six}");
    assert!(six.contains("AM\u{2013}GM"), "{six}");
    let ten = at(10.0);
    assert!(ten.starts_with("Line 9 = "), "{ten}");
    assert!(ten.contains("triangle inequality") && ten.contains("can only lower"), "{ten}");
    assert!(!ten.contains("only add"), "{ten}");
}

/// With a random output layer θ does not interpolate, and the first step of the chain can fail
/// (λ_max of the Hessian below that of ΦΦᵀ/n): at line 2 the figure finds such a seed and says
/// why.
#[test]
fn proof_lemma4_first_step_fails_away_from_interpolation() {
    let found = (0..200).find_map(|seed| {
        let fig: ProofLemma4 = finished(&[("net", 1.0), ("seed", seed as f64), ("line", 2.0)]);
        (fig.verdict().tone == Tone::Bad).then_some(fig)
    });
    let fig = found.expect("some random output layer puts the Hessian below ΦΦᵀ/n");
    let verdict = fig.verdict();
    assert!(verdict.text.contains("needs interpolation"), "{}", verdict.text);
    exercise(&fig, (640, 480), "proof-lemma4 with a random output layer");
}

/// The default of `switching`: Lemma 3's condition holds at the chosen η and ε, and the
/// simulation escapes the ε-ball, as the lemma says it must.
#[test]
fn switching_defaults_lemma_and_simulation_agree() {
    let fig: Switching = finished(&[]);
    let verdict = fig.verdict();
    assert_eq!(verdict.tone, Tone::Good, "{}", verdict.text);
    assert!(verdict.text.contains("Lemma 3 says \u{3b8}* is not strongly stable"), "{}", verdict.text);
    exercise(&fig, (640, 480), "switching at defaults");
}

/// Where Lemma 3 says nothing (a smaller η), the simulation still decides: with SGD noise the
/// iterates leave small balls (sup E‖θ_t − θ*‖ stays near a noise floor) but not large ones.
#[test]
fn switching_where_the_lemma_is_silent_the_simulation_decides() {
    let fig: Switching = finished(&[("eta", 0.4)]);
    assert!(fig.verdict().text.contains("says nothing"), "{}", fig.verdict().text);
    let sweep = fig.tables().into_iter().find(|t| t.name == "sweep").unwrap();
    let escapes = |row: &Vec<f64>| row[1] > row[0];
    assert!(sweep.rows.iter().filter(|r| r[0] < 1e-3).all(escapes), "small balls are left: {:?}", sweep.rows);
    assert!(sweep.rows.iter().filter(|r| r[0] > 0.9).all(|r| !escapes(r)), "large balls are kept: {:?}", sweep.rows);
}

/// Random valid parameters (the expensive ones capped so the test stays fast): nothing panics,
/// every panel draws, tables hold only numbers; also at a phone-sized 320 × 240.
#[test]
fn random_parameters_draw_and_export() {
    fn run<F: Figure + 'static>(seed: u64, draws: usize, caps: &[(&str, f64)]) {
        let mut rng = seeded(seed);
        for draw in 0..draws {
            let mut values = ParamValues::defaults(F::PARAMS);
            for spec in F::PARAMS {
                let v = random_valid(&mut rng, spec);
                let cap = caps.iter().find(|(k, _)| *k == spec.key).map_or(f64::INFINITY, |c| c.1);
                values.set(spec.key, v.min(cap)).unwrap();
            }
            let what =
                format!("{} draw {draw} {:?}", F::ID, values.iter().map(|(s, v)| (s.key, v)).collect::<Vec<_>>());
            let mut fig = F::new(values);
            fig.step(3);
            fig.finish();
            let size = if draw % 4 == 0 { (320, 240) } else { (640, 480) };
            exercise(&fig, size, &what);
        }
    }
    run::<FunctionSpace>(1, 16, &[("steps", 1500.0), ("switch", 1200.0), ("k", 60.0), ("n", 40.0)]);
    run::<ProofLemma4>(2, 24, &[]);
    run::<Switching>(3, 16, &[("runs", 16.0), ("steps", 120.0)]);
}

/// Tick and readout numbers never show a two-digit mantissa (9.99e-16 is 1.0e-15, not 10.0e-16).
#[test]
fn format_tick_rounds_the_mantissa_into_range() {
    assert_eq!(format::tick(9.99e-16), "1.0e-15");
    assert_eq!(format::tick(-9.97e7), "-1.0e8");
    assert_eq!(format::tick(2.1e-15), "2.1e-15");
    assert_eq!(format::tick(1e-20), "1e-20");
}
