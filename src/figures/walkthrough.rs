//! The walkthrough: the lecture read in order, one claim at a time, each shown with its live
//! figure in the state that makes the claim visible.
//!
//! The steps are written in the page, `www/index.html`, as the items of its
//! `<template id="walkthrough">`, so that a lecturer reorders, cuts or adds steps by editing
//! HTML alone. Each item holds the statement (HTML with TeX, rendered at build time like the
//! rest of the page) and names, in data attributes, the figure that shows it and its state:
//! `data-figure`, `data-preset`, `data-settings` and `data-at` (see [`Step::from_attributes`]).
//! This module turns those attributes into [`Step`]s and checks each against its figure's own
//! validation; the web layer reads the attributes from the DOM, the tests from the page's file.

use super::params::ParamValues;
use super::{url_state, visit, Figure, FigureVisitor};

/// One claim of the lecture: the figure that shows it, and the state it shows it in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// The id of the figure.
    pub figure: String,
    /// A preset of the figure to start from (by its label), instead of the defaults.
    pub preset: Option<String>,
    /// Parameter values on top of the defaults or the preset, as (key, text) the way a link
    /// writes them. For a proof figure, its stepper's line.
    pub settings: Vec<(String, String)>,
    /// Work units to run and then pause at, as a link to a paused run does
    /// ([`url_state::PROGRESS_KEY`]): for a training figure, the step at which the statement
    /// holds. None shows the figure as it starts (running, if it has work to do).
    pub at: Option<usize>,
}

impl Step {
    /// The step an item of the page's walkthrough declares, from its attributes (`attribute`
    /// gives an attribute's value by name):
    ///
    /// - `data-figure`: the figure's id (required);
    /// - `data-preset`: a preset's label;
    /// - `data-settings`: `key=value` pairs separated by `;` (spaces around them ignored);
    /// - `data-at`: a whole number of work units, at most [`url_state::MAX_PROGRESS`].
    ///
    /// Whether the figure exists and accepts the settings is [`state_of`]'s check.
    pub fn from_attributes(attribute: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let figure = attribute("data-figure")
            .map(|id| id.trim().to_string())
            .filter(|id| !id.is_empty())
            .ok_or("it names no figure (data-figure)")?;
        let preset = attribute("data-preset").map(|label| label.trim().to_string());
        let settings = attribute("data-settings")
            .unwrap_or_default()
            .split(';')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| match entry.split_once('=') {
                Some((key, value)) if !key.trim().is_empty() => Ok((key.trim().to_string(), value.trim().to_string())),
                _ => Err(format!("its setting \u{201c}{entry}\u{201d} is not written key=value")),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let at = match attribute("data-at") {
            None => None,
            Some(text) => match text.trim().parse::<usize>() {
                Ok(units) if units <= url_state::MAX_PROGRESS => Some(units),
                _ => {
                    return Err(format!(
                        "its data-at \u{201c}{}\u{201d} is not a whole number from 0 to {}",
                        text.trim(),
                        url_state::MAX_PROGRESS
                    ))
                }
            },
        };
        Ok(Self { figure, preset, settings, at })
    }
}

/// A step checked against its figure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepState {
    /// The URL fragment that puts the figure in the step's state.
    pub fragment: String,
    /// For a proof figure: the line shown, and how many lines the proof has.
    pub proof_line: Option<(usize, usize)>,
}

/// Applies `step`'s preset and settings to its figure's defaults through the figure's own
/// validation; the message says what was refused.
pub fn state_of(step: &Step) -> Result<StepState, String> {
    visit(&step.figure, Resolve(step))
        .unwrap_or_else(|| Err(format!("there is no figure \u{201c}{}\u{201d}", step.figure)))
}

struct Resolve<'a>(&'a Step);

impl FigureVisitor for Resolve<'_> {
    type Output = Result<StepState, String>;

    fn visit<F: Figure + 'static>(self) -> Self::Output {
        let step = self.0;
        let mut values = ParamValues::defaults(F::PARAMS);
        if let Some(label) = &step.preset {
            let preset = F::PRESETS
                .iter()
                .find(|p| p.label == label)
                .ok_or_else(|| format!("{} has no preset \u{201c}{label}\u{201d}", F::ID))?;
            for (key, value) in preset.values {
                values.set(key, *value).map_err(|e| e.message)?;
            }
        }
        for (key, text) in &step.settings {
            values.set_text(key, text).map_err(|e| e.message)?;
        }
        F::validate(&values).map_err(|e| e.message)?;
        let fragment = url_state::write_progress(&url_state::write("", F::ID, &values), F::ID, step.at);
        Ok(StepState { fragment, proof_line: proof_line::<F>(&values) })
    }
}

/// The line a proof figure shows at `values`, and its number of lines.
fn proof_line<F: Figure>(values: &ParamValues) -> Option<(usize, usize)> {
    let spec = values.spec(F::STEPPER?)?;
    Some((values.get(spec.key) as usize, spec.max as usize))
}

/// The proof line that figure `figure` shows when the URL fragment is `fragment` (None for a
/// figure without a stepper).
pub fn proof_line_in(fragment: &str, figure: &str) -> Option<usize> {
    struct Line<'a>(&'a str);
    impl FigureVisitor for Line<'_> {
        type Output = Option<usize>;
        fn visit<F: Figure + 'static>(self) -> Self::Output {
            let mut values = ParamValues::defaults(F::PARAMS);
            // A refused entry leaves its default, as on the page.
            let _refused = url_state::apply(self.0, F::ID, &mut values);
            proof_line::<F>(&values).map(|(line, _)| line)
        }
    }
    visit(figure, Line(fragment)).flatten()
}

/// The first of `steps` that shows line `line` of proof figure `figure`.
pub fn step_showing_line<'a>(steps: impl IntoIterator<Item = &'a Step>, figure: &str, line: usize) -> Option<usize> {
    steps.into_iter().position(|step| {
        step.figure == figure && state_of(step).is_ok_and(|state| state.proof_line.is_some_and(|(l, _)| l == line))
    })
}
