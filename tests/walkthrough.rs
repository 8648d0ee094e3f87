//! The walkthrough's steps (`figures::walkthrough`) and the page's reading modes from the URL
//! query (`figures::page_mode`): every step names a figure of the page and settings that the
//! figure's own validation accepts, the steps follow the page, each proof is walked line by
//! line, and no query, however malformed, panics or opens something it does not name.

use sgd_stability::figures::page_mode::{ModeError, PageMode};
use sgd_stability::figures::walkthrough::{proof_line_in, state_of, step_showing_line, StepState, STEPS};
use sgd_stability::figures::{visit, Figure, FigureVisitor, ALL_IDS};
use sgd_stability::math::rng::{seeded, uniform};

fn states() -> Vec<StepState> {
    STEPS
        .iter()
        .enumerate()
        .map(|(i, step)| state_of(step).unwrap_or_else(|e| panic!("step {} ({}): {e}", i + 1, step.figure)))
        .collect()
}

/// The stepper parameter of each figure that has one.
fn stepper_of(id: &str) -> Option<&'static str> {
    struct Stepper;
    impl FigureVisitor for Stepper {
        type Output = Option<&'static str>;
        fn visit<F: Figure + 'static>(self) -> Self::Output {
            F::STEPPER
        }
    }
    visit(id, Stepper).flatten()
}

#[test]
fn every_step_names_a_figure_and_settings_its_validation_accepts() {
    assert!(STEPS.len() >= 20, "a walkthrough of {} steps is too short for the lecture", STEPS.len());
    for (i, step) in STEPS.iter().enumerate() {
        assert!(ALL_IDS.contains(&step.figure), "step {}: no figure {}", i + 1, step.figure);
        let state = state_of(step).unwrap_or_else(|e| panic!("step {}: {e}", i + 1));
        // The fragment holds the step's figure only, and holds what makes the step differ from
        // the defaults.
        for entry in state.fragment.split('&').filter(|e| !e.is_empty()) {
            assert!(entry.starts_with(&format!("{}.", step.figure)), "step {}: foreign entry {entry}", i + 1);
        }
        if step.preset.is_none() && step.settings.is_empty() {
            assert_eq!(state.fragment, "", "step {}: defaults should need no fragment", i + 1);
        }
    }
}

#[test]
fn a_setting_the_figure_refuses_is_reported_not_applied() {
    use sgd_stability::figures::walkthrough::Step;
    let bad = |settings, preset| Step { statement: "x", figure: "quadratic-1d", preset, settings };
    assert!(state_of(&bad(&[("eta", "99")], None)).unwrap_err().contains("between"));
    assert!(state_of(&bad(&[("nope", "1")], None)).unwrap_err().contains("nope"));
    assert!(state_of(&bad(&[], Some("no such preset"))).unwrap_err().contains("no such preset"));
    let unknown = Step { statement: "x", figure: "no-figure", preset: None, settings: &[] };
    assert!(state_of(&unknown).unwrap_err().contains("no-figure"));
    // A combination that passes each range but not the figure's own check.
    let rescaling =
        Step { statement: "x", figure: "rescaling", preset: None, settings: &[("k", "4"), ("neuron", "9")] };
    assert!(state_of(&rescaling).is_err());
}

#[test]
fn the_steps_follow_the_page_and_visit_every_figure() {
    let position = |id: &str| ALL_IDS.iter().position(|&known| known == id).unwrap();
    for pair in STEPS.windows(2) {
        assert!(
            position(pair[0].figure) <= position(pair[1].figure),
            "{} comes before {} on the page, not after",
            pair[1].figure,
            pair[0].figure
        );
    }
    for id in ALL_IDS {
        assert!(STEPS.iter().any(|s| s.figure == *id), "the walkthrough never shows {id}");
    }
}

#[test]
fn each_proof_is_walked_line_by_line() {
    let states = states();
    let proofs: Vec<&str> = ALL_IDS.iter().copied().filter(|id| stepper_of(id).is_some()).collect();
    assert_eq!(proofs, ["proof-mean-dynamics", "proof-lemma4"]);
    for id in proofs {
        let key = stepper_of(id).unwrap();
        let lines: Vec<(usize, usize)> = STEPS
            .iter()
            .zip(&states)
            .filter(|(step, _)| step.figure == id)
            .map(|(step, state)| {
                assert!(step.settings.iter().any(|(k, _)| *k == key), "a step of {id} does not set its line");
                state.proof_line.expect("a proof step has a line")
            })
            .collect();
        let count = lines[0].1;
        assert!(count >= 2);
        let shown: Vec<usize> = lines.iter().map(|&(line, _)| line).collect();
        // Lines 1, 2, …, count in order, each once, then possibly the last line again (a
        // conclusion drawn from the finished proof).
        assert!(shown.len() >= count, "{id}: {shown:?}");
        assert_eq!(shown[..count], (1..=count).collect::<Vec<_>>()[..], "{id}: {shown:?}");
        assert!(shown[count..].iter().all(|&l| l == count), "{id}: {shown:?}");
    }
    for (step, state) in STEPS.iter().zip(&states) {
        assert_eq!(state.proof_line.is_some(), stepper_of(step.figure).is_some(), "{}", step.figure);
    }
}

#[test]
fn a_proof_line_in_the_url_leads_back_to_its_step() {
    for (i, (step, state)) in STEPS.iter().zip(states()).enumerate() {
        match state.proof_line {
            Some((line, _)) => {
                assert_eq!(proof_line_in(&state.fragment, step.figure), Some(line), "step {}", i + 1);
                let found = step_showing_line(step.figure, line).expect("every line has a step");
                assert_eq!(STEPS[found].figure, step.figure);
                assert!(found <= i, "step {} for line {line} comes after step {}", found + 1, i + 1);
            }
            None => assert_eq!(proof_line_in(&state.fragment, step.figure), None),
        }
    }
    // Other figures' entries and refused values do not move the line.
    assert_eq!(proof_line_in("quadratic-1d.eta=2&proof-lemma4.line=4", "proof-lemma4"), Some(4));
    assert_eq!(proof_line_in("proof-lemma4.line=99", "proof-lemma4"), Some(1));
    assert_eq!(proof_line_in("", "proof-mean-dynamics"), Some(1));
    assert_eq!(step_showing_line("proof-lemma4", 99), None);
    assert_eq!(step_showing_line("quadratic-1d", 1), None);
}

#[test]
fn statements_are_short_plain_text() {
    for (i, step) in STEPS.iter().enumerate() {
        let text = step.statement;
        assert!(text.len() > 20, "step {} says too little", i + 1);
        assert!(text.chars().count() <= 400, "step {} is not short: {} characters", i + 1, text.chars().count());
        for tex in ['\\', '$', '{', '}', '^'] {
            assert!(
                !text.contains(tex),
                "step {} holds TeX ({tex}), which the page does not render at run time",
                i + 1
            );
        }
        assert!(!text.contains("  "), "step {} has a double space", i + 1);
    }
}

#[test]
fn the_query_chooses_the_reading() {
    assert_eq!(PageMode::parse(""), Ok(PageMode::Page));
    assert_eq!(PageMode::parse("?"), Ok(PageMode::Page));
    assert_eq!(PageMode::parse("?utm_source=course&x"), Ok(PageMode::Page));
    assert_eq!(PageMode::parse("?embed=quadratic-1d"), Ok(PageMode::Embed("quadratic-1d")));
    assert_eq!(PageMode::parse("embed=proof-lemma4&walk=3"), Ok(PageMode::Embed("proof-lemma4")));
    assert_eq!(PageMode::parse("?walk=7"), Ok(PageMode::Walk { index: 6, present: false }));
    assert_eq!(PageMode::parse("?walk"), Ok(PageMode::Walk { index: 0, present: false }));
    assert_eq!(PageMode::parse("?walk="), Ok(PageMode::Walk { index: 0, present: false }));
    assert_eq!(PageMode::parse("?walk=7&present"), Ok(PageMode::Walk { index: 6, present: true }));
    assert_eq!(PageMode::parse("?present&walk=3"), Ok(PageMode::Walk { index: 2, present: true }));
    assert_eq!(PageMode::parse("?present"), Ok(PageMode::Walk { index: 0, present: true }));
    let last = STEPS.len();
    assert_eq!(PageMode::parse(&format!("?walk={last}")), Ok(PageMode::Walk { index: last - 1, present: false }));
}

#[test]
fn a_query_the_page_cannot_follow_says_why() {
    for given in ["nope", "Quadratic-1d", "quadratic-1d ", "<script>", "quadratic-1d.eta=2"] {
        let error = PageMode::parse(&format!("?embed={given}")).unwrap_err();
        assert_eq!(error, ModeError::UnknownFigure(given.to_string()));
        let message = error.to_string();
        for id in ALL_IDS {
            assert!(message.contains(id), "the message does not list {id}: {message}");
        }
    }
    assert!(PageMode::parse("?embed").unwrap_err().to_string().contains("does not say which"));
    let steps = STEPS.len().to_string();
    for given in ["0", "-1", "1.5", "abc", "1e3", &(STEPS.len() + 1).to_string(), "99999999999999999999999"] {
        let error = PageMode::parse(&format!("?walk={given}")).unwrap_err();
        assert_eq!(error, ModeError::UnknownStep(given.to_string()));
        assert!(error.to_string().contains(&steps), "{error}");
    }
    let long = "x".repeat(500);
    let message = PageMode::parse(&format!("?embed={long}")).unwrap_err().to_string();
    assert!(message.len() < 400, "a long link is quoted whole: {} bytes", message.len());
    let message = PageMode::parse(&format!("?walk=\u{e9}{long}")).unwrap_err().to_string();
    assert!(message.contains('\u{2026}'));
}

#[test]
fn a_mode_written_as_a_query_reads_back() {
    let mut modes = vec![PageMode::Page];
    modes.extend(ALL_IDS.iter().map(|&id| PageMode::Embed(id)));
    for index in 0..STEPS.len() {
        modes.push(PageMode::Walk { index, present: false });
        modes.push(PageMode::Walk { index, present: true });
    }
    for mode in modes {
        assert_eq!(PageMode::parse(&mode.query()), Ok(mode), "{}", mode.query());
    }
}

#[test]
fn random_queries_never_panic() {
    let mut rng = seeded(20_260_101);
    let alphabet: Vec<char> = "embdwalkprsnt=&?%.-0123456789 \u{e9}\u{3b7}".chars().collect();
    for _ in 0..20_000 {
        let len = uniform(&mut rng, 0.0, 40.0) as usize;
        let query: String = (0..len)
            .map(|_| alphabet[(uniform(&mut rng, 0.0, alphabet.len() as f64) as usize).min(alphabet.len() - 1)])
            .collect();
        match PageMode::parse(&query) {
            Ok(PageMode::Walk { index, .. }) => assert!(index < STEPS.len(), "{query}"),
            Ok(PageMode::Embed(id)) => assert!(ALL_IDS.contains(&id), "{query}"),
            Ok(PageMode::Page) => {}
            Err(e) => assert!(!e.to_string().is_empty()),
        }
    }
}
