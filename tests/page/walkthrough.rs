//! The walkthrough's steps, as the page declares them (the `<template id="walkthrough">` of
//! www/index.html, read by `page::walkthrough`), and the page's reading modes from the URL
//! query (`page::page_mode`): every step names a figure of the page and settings that the
//! figure's own validation accepts, the steps follow the page, each proof is walked line by
//! line, and no query, however malformed, panics or opens something it does not name.
//!
//! And what each step promises its reader: it names the panels that are its evidence; once its
//! figure is in the step's state, the verdict or the readouts say what the step relies on
//! (`data-shows`), a proof's verdict names the step's line, and a step whose figure is still
//! working when it opens says what to watch for; every term a statement uses is defined (a
//! `<dfn>`) at that step or before; the plots' text in the presentation layout is at least
//! 18 CSS pixels; and the figures' plain-text indices are set as subscripts.

use std::sync::OnceLock;

use crate::common::register_font;
use plotters::prelude::*;
use scraper::{ElementRef, Html, Node, Selector};
use sgd_stability::figures::{visit, Activity, Figure, FigureVisitor, ALL_IDS};
use sgd_stability::kit::notation::{self, Run};
use sgd_stability::kit::plot::Theme;
use sgd_stability::math::rng::{seeded, uniform};
use sgd_stability::page::handout::figure_in_state;
use sgd_stability::page::page_mode::{ModeError, PageMode};
use sgd_stability::page::walkthrough::{
    evidence_height, evidence_layout, presentation_zoom, proof_line_in, state_of, step_showing_line, steps_in_page,
    DeclaredStep, Step, StepState, FULL_ZOOM_PANEL, PRESENTATION_PLOT_ZOOM,
};

/// The page, as the build reads it.
const PAGE: &str = include_str!("../../www/index.html");

/// The walkthrough's steps as the page declares them, in order.
fn page_steps() -> Vec<DeclaredStep> {
    steps_in_page(PAGE).unwrap_or_else(|e| panic!("{e}"))
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
        // Lines 1, 2, …, count in order, none left out; a line may take more than one step (a
        // statement and its assumptions; a conclusion drawn from the finished proof).
        let mut distinct = shown.clone();
        distinct.dedup();
        assert_eq!(distinct, (1..=count).collect::<Vec<_>>(), "{id}: {shown:?}");
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
    for (i, DeclaredStep { statement, .. }) in page_steps().iter().enumerate() {
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
    let alphabet: Vec<char> = "embdwalkprsnthou=&?%.-0123456789 \u{e9}\u{3b7}".chars().collect();
    for _ in 0..20_000 {
        let len = uniform(&mut rng, 0.0, 40.0) as usize;
        let query: String = (0..len)
            .map(|_| alphabet[(uniform(&mut rng, 0.0, alphabet.len() as f64) as usize).min(alphabet.len() - 1)])
            .collect();
        match PageMode::parse(&query, n) {
            Ok(PageMode::Walk { index, .. }) => assert!(index < n, "{query}"),
            Ok(PageMode::Embed(id)) => assert!(ALL_IDS.contains(&id), "{query}"),
            Ok(PageMode::Handout(index)) => assert!(index.is_none_or(|index| index < n), "{query}"),
            Ok(PageMode::Page) => {}
            Err(e) => assert!(!e.to_string().is_empty()),
        }
    }
}

// --------------------------------------------------------------------- the step's evidence

#[test]
fn every_step_names_its_evidence_panels() {
    for (i, step) in steps().iter().enumerate() {
        assert!(
            !step.panels.is_empty(),
            "step {} ({}) names no panels as its evidence (data-panels)",
            i + 1,
            step.figure
        );
        let state = state_of(step).unwrap_or_else(|e| panic!("step {}: {e}", i + 1));
        assert_eq!(state.evidence.len(), step.panels.len(), "step {}", i + 1);
    }
    let named =
        |panels: &str| state_of(&step_from(&[("data-figure", "quadratic-1d"), ("data-panels", panels)]).unwrap());
    assert_eq!(named("  contraction\titerates ").unwrap().evidence, ["iterates", "contraction"], "the figure's order");
    assert_eq!(named("").unwrap().evidence, ["iterates", "cobweb", "contraction"], "none named: all");
    let unknown = named("iterates spiral").unwrap_err();
    assert!(
        unknown.contains("\u{201c}spiral\u{201d}") && unknown.contains("iterates, cobweb, contraction"),
        "{unknown}"
    );
    assert!(named("cobweb cobweb").unwrap_err().contains("twice"));
}

#[test]
fn the_evidence_fills_its_box_and_keeps_its_shape() {
    // One panel on a presentation screen: as tall as the room, at most twice as wide.
    let one = evidence_layout(1, 1248.0, 340.0, 12.0);
    assert_eq!((one.columns, one.width, one.height), (1, 680.0, 340.0));
    // Three panels on a wide, short box: one row; on a taller box, two rows of larger panels.
    assert_eq!(evidence_layout(3, 1248.0, 300.0, 12.0).columns, 3);
    let two_rows = evidence_layout(3, 960.0, 450.0, 12.0);
    assert_eq!(two_rows.columns, 2);
    // What the panels take when the height sets no limit: a phone's one panel at 4:3, two
    // panels of a wide screen one above the other.
    assert_eq!(evidence_height(1, 344.0, 12.0), 258.0);
    assert_eq!(evidence_height(2, 1248.0, 12.0), 2.0 * 936.0 + 12.0);
    let mut rng = seeded(7);
    for _ in 0..5_000 {
        let count = 1 + uniform(&mut rng, 0.0, 6.0) as usize;
        let (width, height, gap) =
            (uniform(&mut rng, 100.0, 2000.0), uniform(&mut rng, 100.0, 1200.0), uniform(&mut rng, 0.0, 24.0));
        let layout = evidence_layout(count, width, height, gap);
        let rows = count.div_ceil(layout.columns);
        let tolerance = 1e-9 * (width + height);
        assert!((1..=count).contains(&layout.columns));
        assert!(layout.columns as f64 * layout.width + (layout.columns - 1) as f64 * gap <= width + tolerance);
        assert!(rows as f64 * layout.height + (rows - 1) as f64 * gap <= height + tolerance);
        assert!(layout.width <= 2.0 * layout.height + tolerance, "wider than 2:1: {layout:?}");
        assert!(layout.height <= 0.75 * layout.width + tolerance, "taller than 4:3: {layout:?}");
        // No other number of columns gives larger panels.
        for columns in 1..=count {
            let rows = count.div_ceil(columns);
            let cell = (
                (width - gap * (columns - 1) as f64) / columns as f64,
                (height - gap * (rows - 1) as f64) / rows as f64,
            );
            let h = cell.1.min(0.75 * cell.0).max(0.0);
            let w = cell.0.min(2.0 * h).max(0.0);
            assert!(
                w * h <= layout.width * layout.height * (1.0 + 1e-12) + 1e-9,
                "{columns} columns fit better than {layout:?}"
            );
        }
    }
}

// ------------------------------------------------------------- each step in its state

/// What a step's figure says: its verdict and readouts as the page shows them (indices set as
/// subscripts, so without the underscore), the readouts as "label: value".
fn said<F: Figure>(figure: &F) -> Vec<String> {
    let mut texts = vec![notation::plain(&figure.verdict().text)];
    texts.extend(figure.readouts().iter().map(|(label, value)| notation::plain(&format!("{label}: {value}"))));
    texts
}

/// A step's figure, built from the step's URL fragment as the page builds it, when the step
/// opens and once it is in the step's state (at `data-at`, or where its run ends).
struct Evaluated {
    /// Whether the figure still has work when the step opens (and the step does not pause it).
    runs_on: bool,
    said_at_start: Vec<String>,
    said: Vec<String>,
    /// The smallest and largest text in any of its panels drawn in the presentation layout,
    /// CSS pixels.
    presentation_text: (f64, f64),
}

struct Evaluate<'a>(&'a Step, &'a StepState);

impl FigureVisitor for Evaluate<'_> {
    type Output = Evaluated;
    fn visit<F: Figure + 'static>(self) -> Evaluated {
        let (step, state) = (self.0, self.1);
        let mut opened = figure_in_state::<F>(&Step { at: Some(0), ..step.clone() }, state)
            .unwrap_or_else(|e| panic!("{}: the page refuses its own step's link: {e}", F::ID));
        let runs_on = opened.step(0) == Activity::Running && step.at.is_none();
        let said_at_start = said(&opened);
        let figure = figure_in_state::<F>(step, state).expect("the same link");
        let sizes: Vec<f64> = (0..F::PANELS.len()).flat_map(|panel| presentation_text_sizes(&figure, panel)).collect();
        let presentation_text =
            (sizes.iter().copied().fold(f64::INFINITY, f64::min), sizes.iter().copied().fold(0.0, f64::max));
        Evaluated { runs_on, said_at_start, said: said(&figure), presentation_text }
    }
}

/// Every step evaluated once, for the tests that read it (training runs take seconds).
fn evaluated() -> &'static [Evaluated] {
    static EVALUATED: OnceLock<Vec<Evaluated>> = OnceLock::new();
    EVALUATED.get_or_init(|| {
        steps()
            .iter()
            .zip(states())
            .map(|(step, state)| visit(&step.figure, Evaluate(step, &state)).expect("a figure of the page"))
            .collect()
    })
}

/// Whether `texts` say `phrase`, ignoring case.
fn says(texts: &[String], phrase: &str) -> bool {
    let phrase = phrase.to_lowercase();
    texts.iter().any(|text| text.to_lowercase().contains(&phrase))
}

#[test]
fn every_step_shows_what_its_statement_relies_on() {
    let mut unsaid = Vec::new();
    for (i, (step, evaluated)) in steps().iter().zip(evaluated()).enumerate() {
        assert!(
            !step.shows.is_empty(),
            "step {} ({}) names nothing its figure must show (data-shows)",
            i + 1,
            step.figure
        );
        for phrase in step.shows.iter().filter(|phrase| !says(&evaluated.said, phrase)) {
            unsaid.push(format!(
                "step {} ({}): the figure does not say \u{201c}{phrase}\u{201d} in the step's state; it says:\n{}",
                i + 1,
                step.figure,
                evaluated.said.join("\n")
            ));
        }
    }
    assert!(unsaid.is_empty(), "{}", unsaid.join("\n\n"));
}

#[test]
fn a_step_whose_figure_is_still_working_says_what_to_watch_for() {
    let watch = Selector::parse(".watch").unwrap();
    for (i, ((step, page_step), evaluated)) in steps().iter().zip(page_steps()).zip(evaluated()).enumerate() {
        let shown_at_once = step.shows.iter().all(|phrase| says(&evaluated.said_at_start, phrase));
        if evaluated.runs_on && !shown_at_once {
            let statement = Html::parse_fragment(&page_step.statement);
            assert!(
                statement.select(&watch).next().is_some(),
                "step {} ({}): its figure is still working when the step opens, and says what the step relies on only later; \
                 pause it where the statement holds (data-at) or mark what to watch for (<span class=\"watch\">)",
                i + 1,
                step.figure
            );
        }
    }
}

/// A proof figure's verdict opens on the line it shows: its first clause (up to the first
/// colon) ends on that line, as in "Line k of n: …" or, for the step into line k,
/// "Line k − 1 ≥ line k: …".
#[test]
fn a_proof_step_and_its_figure_agree_on_the_line() {
    for (i, ((step, state), evaluated)) in steps().iter().zip(states()).zip(evaluated()).enumerate() {
        let Some((line, _)) = state.proof_line else { continue };
        let verdict = &evaluated.said[0];
        let clause = verdict.split(':').next().unwrap_or_default().to_lowercase();
        let named: Option<usize> = clause
            .match_indices("line ")
            .filter_map(|(at, word)| {
                clause[at + word.len()..].split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
            })
            .last();
        assert_eq!(
            named,
            Some(line),
            "step {} shows line {line} of {}, its verdict says: {verdict}",
            i + 1,
            step.figure
        );
    }
}

/// The size of every text of panel `panel` of `figure` drawn in the presentation layout (on a
/// panel large enough for the full zoom), in CSS pixels: drawn to SVG, which writes each
/// text's size (plotters' size over 1.24).
fn presentation_text_sizes<F: Figure>(figure: &F, panel: usize) -> Vec<f64> {
    register_font();
    let mut svg = String::new();
    {
        let area = SVGBackend::with_string(&mut svg, (640, 400)).into_drawing_area();
        figure
            .draw(panel, &area, &Theme { scale: PRESENTATION_PLOT_ZOOM, dark: false })
            .unwrap_or_else(|e| panic!("{} panel {panel}: {e:?}", F::ID));
        area.present().unwrap();
    }
    svg.split("font-size=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().and_then(|size| size.parse::<f64>().ok()).expect("a font size") * 1.24)
        .collect()
}

#[test]
fn a_presentation_panel_large_enough_takes_the_full_zoom_and_a_small_one_less() {
    let (w, h) = FULL_ZOOM_PANEL;
    assert_eq!(presentation_zoom(w, h), PRESENTATION_PLOT_ZOOM);
    assert_eq!(presentation_zoom(3.0 * w, 2.0 * h), PRESENTATION_PLOT_ZOOM);
    assert_eq!(presentation_zoom(343.0, 257.0), 1.0, "a phone's panel keeps the page's sizes");
    assert_eq!(presentation_zoom(406.0, 304.0), PRESENTATION_PLOT_ZOOM, "three panels in a row at 1280 × 720");
    let mut rng = seeded(11);
    for _ in 0..2_000 {
        let (w, h) = (uniform(&mut rng, 50.0, 1500.0), uniform(&mut rng, 50.0, 900.0));
        let zoom = presentation_zoom(w, h);
        assert!((1.0..=PRESENTATION_PLOT_ZOOM).contains(&zoom));
        assert!(presentation_zoom(w * 1.1, h * 1.1) >= zoom, "a larger panel draws smaller text");
    }
}

#[test]
fn in_the_presentation_every_plot_text_reads_from_the_back_of_a_room() {
    // Tick labels at least 16 CSS pixels, titles and legends at least 18: all text at least 18.
    for (i, (step, evaluated)) in steps().iter().zip(evaluated()).enumerate() {
        let (smallest, largest) = evaluated.presentation_text;
        assert!(smallest >= 18.0 - 1e-6, "step {} ({}): a plot text of {smallest:.2} px", i + 1, step.figure);
        assert!(
            largest >= 22.0,
            "step {} ({}): the largest plot text, a title, is {largest:.2} px",
            i + 1,
            step.figure
        );
    }
}

// ------------------------------------------------------------------ terms before their use

/// A term or symbol the lecture needs defined before a step may use it: how a statement
/// writes it, in its TeX (whitespace and thin spaces dropped) or in its words (a word or words
/// starting at a word's start, ending at a word's end unless they end in `*`, any case).
struct Term {
    key: &'static str,
    tex: &'static [&'static str],
    words: &'static [&'static str],
}

const TERMS: &[Term] = &[
    Term { key: "interpolation", tex: &[], words: &["interpolat*"] },
    Term { key: "sharpness", tex: &[r"\lambda_{\max}", r"\lambda_\max"], words: &["sharpness"] },
    Term { key: "step-size", tex: &[r"\eta"], words: &["step size"] },
    Term { key: "threshold", tex: &[r"2/\eta", r"\frac{2}{\eta}", r"\frac2\eta"], words: &[] },
    Term { key: "minimum", tex: &[r"\theta^*", r"\theta^{*}"], words: &[] },
    Term { key: "hessian", tex: &[r"\nabla^2L", r"\nabla^2\hat"], words: &["Hessian", "Hessians"] },
    Term { key: "linear-stability", tex: &[r"\varepsilon"], words: &["linearly stable", "linear stability"] },
    Term { key: "mean-square", tex: &[], words: &["mean-square", "mean square"] },
    Term { key: "rho", tex: &[r"\rho", r"\mathcal{T}"], words: &["spectral radius"] },
    Term { key: "sigma", tex: &[r"\Sigma"], words: &[] },
    Term { key: "assumption-1", tex: &[], words: &["Assumption 1", "Assumptions 1"] },
    Term { key: "assumption-2", tex: &[], words: &["Assumption 2", "Assumptions 2"] },
    Term { key: "assumption-3", tex: &[], words: &["Assumption 3", "Assumptions 3"] },
    Term { key: "assumption-4", tex: &[], words: &["Assumption 4", "and 4"] },
    Term { key: "mode-hessian", tex: &["H_m", "H_{m}"], words: &["mode", "modes"] },
    Term { key: "activation-pattern", tex: &[r"\mathcal{I}"], words: &[] },
    Term { key: "strong-stability", tex: &[], words: &["strongly stable", "strong stability"] },
    Term { key: "gamma", tex: &[r"\gamma"], words: &[] },
    Term { key: "delta", tex: &[r"\delta"], words: &[] },
    Term { key: "gradient-f", tex: &[r"\nabla_\thetaf", r"\nabla_{\theta}f"], words: &["gradients of f"] },
    Term { key: "phi", tex: &[r"\Phi"], words: &[] },
    Term { key: "knot", tex: &[r"\tau"], words: &["knot", "knots"] },
    Term { key: "f-second", tex: &["f''"], words: &[] },
    Term { key: "g-sides", tex: &["g^+", "g^-", "g^{+}", "g^{-}"], words: &[] },
    Term { key: "weight-g", tex: &["g(x)", r"|\,g", "|g"], words: &[] },
    Term { key: "omega", tex: &[r"\Omega"], words: &[] },
    Term { key: "curvature-integral", tex: &[r"\int"], words: &[] },
];

/// The terms no step defines yet: the test fails when one of them gets its definition (take it
/// off this list) and when another term loses its.
const NOT_YET_DEFINED: &[&str] = &[];

/// A statement's words (its TeX left out, white space as single spaces) and its TeX sources
/// (white space and `\,` `\;` `\!` dropped), and the terms it marks as defined.
struct Reading {
    words: String,
    tex: Vec<String>,
    defines: Vec<String>,
}

fn read(statement: &str) -> Reading {
    let fragment = Html::parse_fragment(statement);
    let is_tex = |element: &ElementRef| element.value().classes().any(|class| class == "tex" || class == "tex-display");
    let mut words = String::new();
    let mut tex = Vec::new();
    for node in fragment.root_element().descendants() {
        let Node::Text(text) = node.value() else { continue };
        let in_tex = node.ancestors().filter_map(ElementRef::wrap).any(|element| is_tex(&element));
        if in_tex {
            tex.push(
                text.chars()
                    .filter(|c| !c.is_whitespace())
                    .collect::<String>()
                    .replace("\\,", "")
                    .replace("\\;", "")
                    .replace("\\!", ""),
            );
        } else {
            words.push_str(text);
            words.push(' ');
        }
    }
    let words = words.split_whitespace().collect::<Vec<_>>().join(" ");
    let dfn = Selector::parse("dfn").unwrap();
    let defines = fragment
        .select(&dfn)
        .map(|d| {
            d.value().attr("data-term").unwrap_or_else(|| panic!("a <dfn> without data-term: {}", d.html())).to_string()
        })
        .collect();
    Reading { words, tex, defines }
}

/// Whether `words` (lowercase) hold `pattern` (see [`Term`]).
fn uses_words(words: &str, pattern: &str) -> bool {
    let (pattern, prefix) = match pattern.strip_suffix('*') {
        Some(stem) => (stem.to_lowercase(), true),
        None => (pattern.to_lowercase(), false),
    };
    let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
    words.match_indices(&pattern).any(|(at, _)| {
        boundary(words[..at].chars().next_back()) && (prefix || boundary(words[at + pattern.len()..].chars().next()))
    })
}

/// Whether a TeX source holds `pattern`, a control word not running on into a longer one.
fn uses_tex(tex: &str, pattern: &str) -> bool {
    let ends_in_letter = pattern.ends_with(|c: char| c.is_ascii_alphabetic()) && pattern.starts_with('\\');
    tex.match_indices(pattern)
        .any(|(at, _)| !ends_in_letter || !tex[at + pattern.len()..].starts_with(|c: char| c.is_ascii_alphabetic()))
}

fn uses(reading: &Reading, term: &Term) -> bool {
    let words = reading.words.to_lowercase();
    term.words.iter().any(|w| uses_words(&words, w))
        || term.tex.iter().any(|t| reading.tex.iter().any(|tex| uses_tex(tex, t)))
}

#[test]
fn every_term_is_defined_at_or_before_its_first_use() {
    let readings: Vec<Reading> = page_steps().iter().map(|s| read(&s.statement)).collect();
    let mut undefined = Vec::new();
    for reading in &readings {
        for key in &reading.defines {
            assert!(TERMS.iter().any(|t| t.key == key), "a <dfn data-term=\"{key}\"> names no term of the list");
        }
    }
    for term in TERMS {
        let defined: Vec<usize> =
            (0..readings.len()).filter(|&i| readings[i].defines.iter().any(|k| k == term.key)).collect();
        assert!(
            defined.len() <= 1,
            "{} is defined at steps {:?}: once is enough",
            term.key,
            defined.iter().map(|i| i + 1).collect::<Vec<_>>()
        );
        let first_use = readings.iter().position(|r| uses(r, term));
        match (defined.first(), first_use) {
            (Some(&at), Some(used)) => {
                assert!(used >= at, "step {} uses {} before step {} defines it", used + 1, term.key, at + 1)
            }
            (Some(&at), None) => {
                assert!(uses(&readings[at], term), "step {} defines {} without writing it", at + 1, term.key)
            }
            (None, _) => undefined.push(term.key),
        }
    }
    assert_eq!(undefined, NOT_YET_DEFINED, "the terms no step defines");
}

#[test]
fn uses_of_a_term_are_found_in_words_and_in_tex() {
    let reading = read(
        r#"The <dfn data-term="sharpness">sharpness</dfn> <span class="tex">\lambda_{\max}(H) \le 2 / \eta</span> of Assumption&nbsp;1, interpolating; a model."#,
    );
    assert_eq!(reading.defines, ["sharpness"]);
    let term = |key: &str| TERMS.iter().find(|t| t.key == key).unwrap();
    for key in ["sharpness", "threshold", "step-size", "assumption-1", "interpolation"] {
        assert!(uses(&reading, term(key)), "{key} is not found");
    }
    for key in ["assumption-2", "mode-hessian", "hessian", "rho", "minimum"] {
        assert!(!uses(&reading, term(key)), "{key} is found");
    }
    assert!(!uses_tex(r"\etab", r"\eta") && uses_tex(r"\eta_2", r"\eta"));
    assert!(uses_tex(r"\Sigma_B", r"\Sigma"));
}

// ------------------------------------------------------------------------ plain-text symbols

#[test]
fn indices_in_verdicts_are_set_as_subscripts() {
    let line = |s: &str| Run::Line(s.to_string());
    let sub = |s: &str| Run::Subscript(s.to_string());
    assert_eq!(notation::runs("λ_max(H) = 1"), [line("λ"), sub("max"), line("(H) = 1")]);
    assert_eq!(notation::runs("λmax ≤ 2/η, λmaximal"), [line("λ"), sub("max"), line(" ≤ 2/η, λmaximal")]);
    assert_eq!(
        notation::runs("E‖θ_{t+1} − θ*‖, H_m q"),
        [line("E‖θ"), sub("t+1"), line(" − θ*‖, H"), sub("m"), line(" q")]
    );
    for unchanged in ["a _b", "_x", "x_", "x_{}", "x_{open", "θ₀ and θₜ", ""] {
        assert_eq!(notation::plain(unchanged), unchanged, "{unchanged}");
    }
    assert_eq!(notation::plain("λ_lower = 3"), "λlower = 3");
    // No verdict or readout of any step is left with an underscore before an index.
    for (i, evaluated) in evaluated().iter().enumerate() {
        for text in evaluated.said.iter().chain(&evaluated.said_at_start) {
            assert!(!text.contains('_'), "step {}: {text}", i + 1);
        }
    }
}

/// Lemma 4's chain is written for the reader in the page's list `#proof-lemma4-steps` (TeX), and
/// the figure words its lines from one table, `proof_lemma4::LINES`: the list's items name their
/// lines (`data-line`) in the table's order, none missing or extra, and the figure's stepper
/// runs over exactly these lines.
#[test]
fn the_lemma_4_figure_words_the_lines_of_the_pages_list() {
    use sgd_stability::figures::proof_lemma4::{ProofLemma4, LINES};
    let page = Html::parse_document(PAGE);
    let items = Selector::parse("ol#proof-lemma4-steps > li").unwrap();
    let on_page: Vec<&str> = page.select(&items).map(|item| item.value().attr("data-line").unwrap_or("")).collect();
    let in_figure: Vec<&str> = LINES.iter().map(|line| line.key).collect();
    assert_eq!(on_page, in_figure, "the page's list of Lemma 4's lines and the figure's table differ");
    let stepper = ProofLemma4::STEPPER.expect("the proof figure has a stepper");
    let spec = ProofLemma4::PARAMS.iter().find(|spec| spec.key == stepper).expect("the stepper is a parameter");
    assert_eq!((spec.min, spec.max), (1.0, LINES.len() as f64));
}
