//! The walkthrough's steps, as the page declares them (the `<template id="walkthrough">` of
//! www/index.html, read by `figures::walkthrough`), and the page's reading modes from the URL
//! query (`figures::page_mode`): every step names a figure of the page and settings that the
//! figure's own validation accepts, the steps follow the page, each proof is walked line by
//! line, and no query, however malformed, panics or opens something it does not name.

#![cfg(not(target_arch = "wasm32"))]

use scraper::{Html, Selector};
use sgd_stability::figures::page_mode::{ModeError, PageMode};
use sgd_stability::figures::walkthrough::{proof_line_in, state_of, step_showing_line, Step, StepState};
use sgd_stability::figures::{visit, Figure, FigureVisitor, ALL_IDS};
use sgd_stability::math::rng::{seeded, uniform};

/// The page, as the build reads it.
const PAGE: &str = include_str!("../www/index.html");

/// A step of the page and its statement (the item's inner HTML, TeX not yet rendered).
struct PageStep {
    step: Step,
    statement: String,
}

/// The walkthrough's steps as the page declares them, in order.
fn page_steps() -> Vec<PageStep> {
    let page = Html::parse_document(PAGE);
    let template = Selector::parse("template#walkthrough").unwrap();
    assert_eq!(page.select(&template).count(), 1, "the page has no single <template id=\"walkthrough\">");
    // html5ever keeps a template's content outside the template element, so the items are
    // found by their required attribute.
    let items = Selector::parse("li[data-figure]").unwrap();
    page.select(&items)
        .enumerate()
        .map(|(i, item)| PageStep {
            step: Step::from_attributes(|name| item.value().attr(name).map(str::to_string))
                .unwrap_or_else(|e| panic!("walkthrough step {}: {e}", i + 1)),
            statement: item.inner_html(),
        })
        .collect()
}

fn steps() -> Vec<Step> {
    page_steps().into_iter().map(|s| s.step).collect()
}

fn states() -> Vec<StepState> {
    steps()
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
    let steps = steps();
    assert!(steps.len() >= 20, "a walkthrough of {} steps is too short for the lecture", steps.len());
    for (i, step) in steps.iter().enumerate() {
        assert!(ALL_IDS.contains(&step.figure.as_str()), "step {}: no figure {}", i + 1, step.figure);
        let state = state_of(step).unwrap_or_else(|e| panic!("step {}: {e}", i + 1));
        // The fragment holds the step's figure only, and holds what makes the step differ from
        // the defaults.
        for entry in state.fragment.split('&').filter(|e| !e.is_empty()) {
            assert!(entry.starts_with(&format!("{}.", step.figure)), "step {}: foreign entry {entry}", i + 1);
        }
        if step.preset.is_none() && step.settings.is_empty() && step.at.is_none() {
            assert_eq!(state.fragment, "", "step {}: defaults should need no fragment", i + 1);
        }
    }
}

/// A step read from attributes given as (name, value) pairs.
fn step_from(attributes: &[(&str, &str)]) -> Result<Step, String> {
    Step::from_attributes(|name| attributes.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_string()))
}

#[test]
fn a_step_reads_its_attributes_and_says_what_it_cannot_read() {
    let step = step_from(&[
        ("data-figure", " edge-of-stability "),
        ("data-preset", "Learning-rate switch"),
        ("data-settings", " eta=0.08 ; steps = 3000;;"),
        ("data-at", "2500"),
    ])
    .unwrap();
    assert_eq!(step.figure, "edge-of-stability");
    assert_eq!(step.preset.as_deref(), Some("Learning-rate switch"));
    assert_eq!(step.settings, [("eta".to_string(), "0.08".to_string()), ("steps".to_string(), "3000".to_string())]);
    assert_eq!(step.at, Some(2500));
    let state = state_of(&step).unwrap();
    assert!(state.fragment.ends_with("edge-of-stability.at=2500"), "{}", state.fragment);

    assert!(step_from(&[]).unwrap_err().contains("data-figure"));
    assert!(step_from(&[("data-figure", "  ")]).unwrap_err().contains("data-figure"));
    let malformed = step_from(&[("data-figure", "quadratic-1d"), ("data-settings", "eta")]).unwrap_err();
    assert!(malformed.contains("\u{201c}eta\u{201d}"), "{malformed}");
    assert!(step_from(&[("data-figure", "quadratic-1d"), ("data-settings", "=1")]).is_err());
    for at in ["-1", "1.5", "x", "", "10000001", "99999999999999999999999"] {
        let refused = step_from(&[("data-figure", "edge-of-stability"), ("data-at", at)]).unwrap_err();
        assert!(refused.contains("data-at"), "{at}: {refused}");
    }
}

#[test]
fn a_setting_the_figure_refuses_is_reported_not_applied() {
    let bad = |settings: &str, preset: Option<&str>| {
        let mut attributes = vec![("data-figure", "quadratic-1d"), ("data-settings", settings)];
        attributes.extend(preset.map(|p| ("data-preset", p)));
        state_of(&step_from(&attributes).unwrap())
    };
    assert!(bad("eta=99", None).unwrap_err().contains("between"));
    assert!(bad("nope=1", None).unwrap_err().contains("nope"));
    assert!(bad("", Some("no such preset")).unwrap_err().contains("no such preset"));
    let unknown = step_from(&[("data-figure", "no-figure")]).unwrap();
    assert!(state_of(&unknown).unwrap_err().contains("no-figure"));
    // A combination that passes each range but not the figure's own check.
    let rescaling = step_from(&[("data-figure", "rescaling"), ("data-settings", "k=4; neuron=9")]).unwrap();
    assert!(state_of(&rescaling).is_err());
}

#[test]
fn the_steps_follow_the_page_and_visit_every_figure() {
    let steps = steps();
    let position = |id: &str| ALL_IDS.iter().position(|&known| known == id).unwrap();
    for pair in steps.windows(2) {
        assert!(
            position(&pair[0].figure) <= position(&pair[1].figure),
            "{} comes before {} on the page, not after",
            pair[1].figure,
            pair[0].figure
        );
    }
    for id in ALL_IDS {
        assert!(steps.iter().any(|s| s.figure == *id), "the walkthrough never shows {id}");
    }
}

#[test]
fn each_proof_is_walked_line_by_line() {
    let (steps, states) = (steps(), states());
    let proofs: Vec<&str> = ALL_IDS.iter().copied().filter(|id| stepper_of(id).is_some()).collect();
    assert_eq!(proofs, ["proof-mean-dynamics", "proof-lemma4"]);
    for id in proofs {
        let key = stepper_of(id).unwrap();
        let lines: Vec<(usize, usize)> = steps
            .iter()
            .zip(&states)
            .filter(|(step, _)| step.figure == id)
            .map(|(step, state)| {
                assert!(step.settings.iter().any(|(k, _)| k == key), "a step of {id} does not set its line");
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
    for (step, state) in steps.iter().zip(&states) {
        assert_eq!(state.proof_line.is_some(), stepper_of(&step.figure).is_some(), "{}", step.figure);
    }
}

#[test]
fn a_proof_line_in_the_url_leads_back_to_its_step() {
    let steps = steps();
    for (i, (step, state)) in steps.iter().zip(states()).enumerate() {
        match state.proof_line {
            Some((line, _)) => {
                assert_eq!(proof_line_in(&state.fragment, &step.figure), Some(line), "step {}", i + 1);
                let found = step_showing_line(&steps, &step.figure, line).expect("every line has a step");
                assert_eq!(steps[found].figure, step.figure);
                assert!(found <= i, "step {} for line {line} comes after step {}", found + 1, i + 1);
            }
            None => assert_eq!(proof_line_in(&state.fragment, &step.figure), None),
        }
    }
    // Other figures' entries and refused values do not move the line.
    assert_eq!(proof_line_in("quadratic-1d.eta=2&proof-lemma4.line=4", "proof-lemma4"), Some(4));
    assert_eq!(proof_line_in("proof-lemma4.line=99", "proof-lemma4"), Some(1));
    assert_eq!(proof_line_in("", "proof-mean-dynamics"), Some(1));
    assert_eq!(step_showing_line(&steps, "proof-lemma4", 99), None);
    assert_eq!(step_showing_line(&steps, "quadratic-1d", 1), None);
}

#[test]
fn statements_are_short() {
    for (i, PageStep { statement, .. }) in page_steps().iter().enumerate() {
        // The words a reader sees, roughly: markup and TeX commands out.
        let words = Html::parse_fragment(statement).root_element().text().collect::<String>();
        assert!(words.trim().len() > 20, "step {} says too little", i + 1);
        let length = words.chars().count();
        assert!(length <= 600, "step {} is not short: {length} characters", i + 1);
        assert!(!statement.contains("  "), "step {} has a double space", i + 1);
    }
}

#[test]
fn the_query_chooses_the_reading() {
    let n = steps().len();
    let parse = |query: &str| PageMode::parse(query, n);
    assert_eq!(parse(""), Ok(PageMode::Page));
    assert_eq!(parse("?"), Ok(PageMode::Page));
    assert_eq!(parse("?utm_source=course&x"), Ok(PageMode::Page));
    assert_eq!(parse("?embed=quadratic-1d"), Ok(PageMode::Embed("quadratic-1d")));
    assert_eq!(parse("embed=proof-lemma4&walk=3"), Ok(PageMode::Embed("proof-lemma4")));
    assert_eq!(parse("?walk=7"), Ok(PageMode::Walk { index: 6, present: false }));
    assert_eq!(parse("?walk"), Ok(PageMode::Walk { index: 0, present: false }));
    assert_eq!(parse("?walk="), Ok(PageMode::Walk { index: 0, present: false }));
    assert_eq!(parse("?walk=7&present"), Ok(PageMode::Walk { index: 6, present: true }));
    assert_eq!(parse("?present&walk=3"), Ok(PageMode::Walk { index: 2, present: true }));
    assert_eq!(parse("?present"), Ok(PageMode::Walk { index: 0, present: true }));
    assert_eq!(parse(&format!("?walk={n}")), Ok(PageMode::Walk { index: n - 1, present: false }));
    // The number of steps is the page's: a step beyond it is refused.
    assert_eq!(PageMode::parse("?walk=3", 2), Err(ModeError::UnknownStep { given: "3".to_string(), steps: 2 }));
}

#[test]
fn a_query_the_page_cannot_follow_says_why() {
    let n = steps().len();
    let parse = |query: &str| PageMode::parse(query, n);
    for given in ["nope", "Quadratic-1d", "quadratic-1d ", "<script>", "quadratic-1d.eta=2"] {
        let error = parse(&format!("?embed={given}")).unwrap_err();
        assert_eq!(error, ModeError::UnknownFigure(given.to_string()));
        let message = error.to_string();
        for id in ALL_IDS {
            assert!(message.contains(id), "the message does not list {id}: {message}");
        }
    }
    assert!(parse("?embed").unwrap_err().to_string().contains("does not say which"));
    for given in ["0", "-1", "1.5", "abc", "1e3", &(n + 1).to_string(), "99999999999999999999999"] {
        let error = parse(&format!("?walk={given}")).unwrap_err();
        assert_eq!(error, ModeError::UnknownStep { given: given.to_string(), steps: n });
        assert!(error.to_string().contains(&n.to_string()), "{error}");
    }
    let long = "x".repeat(500);
    let message = parse(&format!("?embed={long}")).unwrap_err().to_string();
    assert!(message.len() < 400, "a long link is quoted whole: {} bytes", message.len());
    let message = parse(&format!("?walk=\u{e9}{long}")).unwrap_err().to_string();
    assert!(message.contains('\u{2026}'));
}

#[test]
fn a_mode_written_as_a_query_reads_back() {
    let n = steps().len();
    let mut modes = vec![PageMode::Page];
    modes.extend(ALL_IDS.iter().map(|&id| PageMode::Embed(id)));
    for index in 0..n {
        modes.push(PageMode::Walk { index, present: false });
        modes.push(PageMode::Walk { index, present: true });
    }
    for mode in modes {
        assert_eq!(PageMode::parse(&mode.query(), n), Ok(mode), "{}", mode.query());
    }
}

#[test]
fn random_queries_never_panic() {
    let n = steps().len();
    let mut rng = seeded(20_260_101);
    let alphabet: Vec<char> = "embdwalkprsnt=&?%.-0123456789 \u{e9}\u{3b7}".chars().collect();
    for _ in 0..20_000 {
        let len = uniform(&mut rng, 0.0, 40.0) as usize;
        let query: String = (0..len)
            .map(|_| alphabet[(uniform(&mut rng, 0.0, alphabet.len() as f64) as usize).min(alphabet.len() - 1)])
            .collect();
        match PageMode::parse(&query, n) {
            Ok(PageMode::Walk { index, .. }) => assert!(index < n, "{query}"),
            Ok(PageMode::Embed(id)) => assert!(ALL_IDS.contains(&id), "{query}"),
            Ok(PageMode::Page) => {}
            Err(e) => assert!(!e.to_string().is_empty()),
        }
    }
}
