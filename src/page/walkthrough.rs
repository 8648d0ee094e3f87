//! The walkthrough: the lecture read in order, one claim at a time, each shown with its live
//! figure in the state that makes the claim visible.
//!
//! The steps are written in the page, `www/index.html`, as the items of its
//! `<template id="walkthrough">`, so that a lecturer reorders, cuts or adds steps by editing
//! HTML alone. Each item holds the statement (HTML with TeX, rendered at build time like the
//! rest of the page) and names, in data attributes, the figure that shows it, its state, the
//! panels that are its evidence and what the figure then says: `data-figure`, `data-preset`,
//! `data-settings`, `data-at`, `data-panels` and `data-shows` (see [`Step::from_attributes`]).
//! This module turns those attributes into [`Step`]s and checks each against its figure's own
//! validation and panels; the web layer reads the attributes from the DOM, the tests from the
//! page's file.

use super::url_state;
use crate::figures::{self, FigureKind};
use crate::kit::params::ParamValues;

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
    /// The keys of the panels the claim is about (its evidence), which the walkthrough shows
    /// first and large; empty: all of them.
    pub panels: Vec<String>,
    /// Phrases the figure's verdict or readouts show once the figure is in the step's state (at
    /// `at`, or where its run ends): what the statement relies on, for the tests to check.
    pub shows: Vec<String>,
}

impl Step {
    /// The step an item of the page's walkthrough declares, from its attributes (`attribute`
    /// gives an attribute's value by name):
    ///
    /// - `data-figure`: the figure's id (required);
    /// - `data-preset`: a preset's label;
    /// - `data-settings`: `key=value` pairs separated by `;` (spaces around them ignored);
    /// - `data-at`: a whole number of work units, at most [`url_state::MAX_PROGRESS`];
    /// - `data-panels`: panel keys separated by spaces;
    /// - `data-shows`: phrases separated by `;`.
    ///
    /// Whether the figure exists, accepts the settings and has the panels is [`state_of`]'s
    /// check.
    pub fn from_attributes(attribute: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let figure = attribute("data-figure")
            .map(|id| id.trim().to_string())
            .filter(|id| !id.is_empty())
            .ok_or("it names no figure (data-figure)")?;
        let preset = attribute("data-preset").map(|label| label.trim().to_string());
        let settings = entries(attribute("data-settings"), ";")
            .into_iter()
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
        let panels = attribute("data-panels").unwrap_or_default().split_whitespace().map(str::to_string).collect();
        let shows = entries(attribute("data-shows"), ";");
        Ok(Self { figure, preset, settings, at, panels, shows })
    }
}

/// The non-empty entries of a list attribute, trimmed.
fn entries(text: Option<String>, separator: &str) -> Vec<String> {
    let text = text.unwrap_or_default();
    text.split(separator).map(str::trim).filter(|entry| !entry.is_empty()).map(str::to_string).collect()
}

/// A step as the page declares it, read from the page's HTML natively (the browser reads its
/// own DOM): the step and its statement, the item's inner HTML with its TeX not yet rendered.
#[cfg(not(target_arch = "wasm32"))]
pub struct DeclaredStep {
    pub step: Step,
    pub statement: String,
}

/// The walkthrough's steps in `page` (the HTML of www/index.html), in order; the message names
/// the first step whose attributes cannot be read.
#[cfg(not(target_arch = "wasm32"))]
pub fn steps_in_page(page: &str) -> Result<Vec<DeclaredStep>, String> {
    use scraper::{Html, Selector};
    let page = Html::parse_document(page);
    let template = Selector::parse("template#walkthrough").map_err(|e| e.to_string())?;
    if page.select(&template).count() != 1 {
        return Err("the page has no single <template id=\"walkthrough\">".to_string());
    }
    // html5ever keeps a template's content outside the template element, so the items are
    // found by their required attribute.
    let items = Selector::parse("li[data-figure]").map_err(|e| e.to_string())?;
    page.select(&items)
        .enumerate()
        .map(|(i, item)| {
            let step = Step::from_attributes(|name| item.value().attr(name).map(str::to_string))
                .map_err(|e| format!("walkthrough step {}: {e}", i + 1))?;
            Ok(DeclaredStep { step, statement: item.inner_html() })
        })
        .collect()
}

/// A step checked against its figure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepState {
    /// The URL fragment that puts the figure in the step's state.
    pub fragment: String,
    /// For a proof figure: the line shown, and how many lines the proof has.
    pub proof_line: Option<(usize, usize)>,
    /// The keys of the step's evidence panels, in the figure's order (all its panels when the
    /// step names none).
    pub evidence: Vec<&'static str>,
}

/// Applies `step`'s preset and settings to its figure's defaults through the figure's own
/// validation, and finds its panels among the figure's; the message says what was refused.
pub fn state_of(step: &Step) -> Result<StepState, String> {
    let kind =
        figures::kind(&step.figure).ok_or_else(|| format!("there is no figure \u{201c}{}\u{201d}", step.figure))?;
    let mut values = ParamValues::defaults(kind.params);
    if let Some(label) = &step.preset {
        let preset = kind
            .presets
            .iter()
            .find(|p| p.label == label)
            .ok_or_else(|| format!("{} has no preset \u{201c}{label}\u{201d}", kind.id))?;
        for (key, value) in preset.values {
            values.set(key, *value).map_err(|e| e.message)?;
        }
    }
    for (key, text) in &step.settings {
        values.set_text(key, text).map_err(|e| e.message)?;
    }
    (kind.validate)(&values).map_err(|e| e.message)?;
    let fragment = url_state::write_progress(&url_state::write("", kind.id, &values), kind.id, step.at);
    Ok(StepState { fragment, proof_line: proof_line(kind, &values), evidence: evidence(kind, &step.panels)? })
}

/// The keys of the panels `named`, in the figure's order; all of them when none is named.
fn evidence(kind: &FigureKind, named: &[String]) -> Result<Vec<&'static str>, String> {
    let keys: Vec<&'static str> = kind.panels.iter().map(|panel| panel.key).collect();
    for (i, key) in named.iter().enumerate() {
        if !keys.contains(&key.as_str()) {
            return Err(format!("{} has no panel \u{201c}{key}\u{201d}; its panels are {}", kind.id, keys.join(", ")));
        }
        if named[..i].contains(key) {
            return Err(format!("it names the panel \u{201c}{key}\u{201d} twice"));
        }
    }
    Ok(keys.into_iter().filter(|key| named.is_empty() || named.iter().any(|n| n == key)).collect())
}

/// The line a proof figure shows at `values`, and its number of lines.
fn proof_line(kind: &FigureKind, values: &ParamValues) -> Option<(usize, usize)> {
    let spec = values.spec(kind.stepper?)?;
    Some((values.get(spec.key) as usize, spec.max as usize))
}

/// The proof line that figure `figure` shows when the URL fragment is `fragment` (None for a
/// figure without a stepper).
pub fn proof_line_in(fragment: &str, figure: &str) -> Option<usize> {
    let kind = figures::kind(figure)?;
    let mut values = ParamValues::defaults(kind.params);
    // A refused entry leaves its default, as on the page.
    let _refused = url_state::apply(fragment, kind.id, &mut values);
    proof_line(kind, &values).map(|(line, _)| line)
}

/// The first of `steps` that shows line `line` of proof figure `figure`.
pub fn step_showing_line<'a>(steps: impl IntoIterator<Item = &'a Step>, figure: &str, line: usize) -> Option<usize> {
    steps.into_iter().position(|step| {
        step.figure == figure && state_of(step).is_ok_and(|state| state.proof_line.is_some_and(|(l, _)| l == line))
    })
}

/// How the walkthrough lays out a step's evidence panels: as many columns, each panel this
/// wide and this tall (CSS pixels).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EvidenceLayout {
    pub columns: usize,
    pub width: f64,
    pub height: f64,
}

/// A panel is at most twice as wide as it is tall, and at most as tall as 4:3 makes it.
const WIDEST: f64 = 2.0;
const TALLEST: f64 = 3.0 / 4.0;

/// The largest equal panels for `count` evidence panels in a box `width` × `height` with
/// `gap` between them: every number of columns is tried, the rows filled in order, and each
/// panel takes the space of its cell within [`WIDEST`] and [`TALLEST`].
pub fn evidence_layout(count: usize, width: f64, height: f64, gap: f64) -> EvidenceLayout {
    let count = count.max(1);
    let fit = |columns: usize| {
        let rows = count.div_ceil(columns);
        let cell_width = ((width - gap * (columns - 1) as f64) / columns as f64).max(0.0);
        let cell_height = ((height - gap * (rows - 1) as f64) / rows as f64).max(0.0);
        let panel_height = cell_height.min(cell_width * TALLEST);
        EvidenceLayout { columns, width: cell_width.min(panel_height * WIDEST), height: panel_height }
    };
    (1..=count).map(fit).fold(fit(count), |best, layout| {
        if layout.width * layout.height > best.width * best.height {
            layout
        } else {
            best
        }
    })
}

/// The height of `count` evidence panels laid out in a box `width` wide whose height sets no
/// limit: more room than this is of no use to them.
pub fn evidence_height(count: usize, width: f64, gap: f64) -> f64 {
    let layout = evidence_layout(count, width, f64::INFINITY, gap);
    let rows = count.max(1).div_ceil(layout.columns);
    rows as f64 * layout.height + (rows - 1) as f64 * gap
}

/// How many times their size on the page the plots' text and lines are drawn in the
/// presentation layout, to be read from the back of a room: the smallest text of the plots,
/// 11 CSS pixels, becomes 18.
pub const PRESENTATION_PLOT_ZOOM: f64 = 18.0 / 11.0;

/// The smallest panel, width and height in CSS pixels, that takes the whole of
/// [`PRESENTATION_PLOT_ZOOM`]: on a smaller one the axes' labels, the margins and the legend,
/// all zoomed, would leave the plot itself too little room. A projector's 1280 × 720 gives a
/// step's panels 406 × 304 (three in a row) to 914 × 456: all of them take the full zoom.
pub const FULL_ZOOM_PANEL: (f64, f64) = (400.0, 230.0);

/// A panel smaller than this share of [`FULL_ZOOM_PANEL`], across or down, keeps the page's
/// sizes: a phone's panel, about 343 × 257, is too small for any zoom (it would show nothing but
/// text).
const PAGE_SIZE_SHARE: f64 = 0.875;

/// The zoom of a panel `width` × `height` CSS pixels in the presentation layout: the full
/// zoom from [`FULL_ZOOM_PANEL`] up, the page's own size below [`PAGE_SIZE_SHARE`] of it, in
/// proportion between.
pub fn presentation_zoom(width: f64, height: f64) -> f64 {
    let room = (width / FULL_ZOOM_PANEL.0).min(height / FULL_ZOOM_PANEL.1);
    let share = ((room - PAGE_SIZE_SHARE) / (1.0 - PAGE_SIZE_SHARE)).clamp(0.0, 1.0);
    1.0 + (PRESENTATION_PLOT_ZOOM - 1.0) * share
}
