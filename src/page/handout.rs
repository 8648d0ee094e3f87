//! The handout: the walkthrough laid out for paper, one step per sheet, its statement, its
//! evidence panels drawn in the step's state (black on white), the figure's verdict and the
//! link that opens the step live. The page builds it in the browser (`?handout`) and the
//! command line writes it as one HTML file with SVG panels (`sgd-stability handout`); both lay
//! the panels out by [`sheet_panels`], so that the two print alike.

use super::page_mode::PageMode;
use super::url_state;
use super::walkthrough::{Step, StepState};
use crate::figures::{shown_verdict, Figure, Play, Verdict};
use crate::kit::params::ParamValues;

/// The width of a sheet's content in CSS pixels: 180 mm, which an A4 or a Letter page holds
/// within its margins.
pub const SHEET_WIDTH: f64 = 680.0;

/// The room between two panels, CSS pixels.
pub const PANEL_GAP: f64 = 16.0;

/// How a sheet lays out a step's evidence panels: as many columns, each panel this wide and
/// this tall (CSS pixels); the plots are drawn at this size, so their text prints at its size
/// on the page.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SheetPanels {
    pub columns: usize,
    pub width: f64,
    pub height: f64,
}

/// The layout of `count` evidence panels: one panel large, more in two columns at 4:3, so that
/// the statement, up to four panels, the verdict and the link fit one sheet.
pub fn sheet_panels(count: usize) -> SheetPanels {
    if count <= 1 {
        return SheetPanels { columns: 1, width: 560.0, height: 420.0 };
    }
    let width = ((SHEET_WIDTH - PANEL_GAP) / 2.0).floor();
    SheetPanels { columns: 2, width, height: (width * 0.75).floor() }
}

/// The link that opens step `index` (counting from 0) live in the walkthrough, with the step's
/// state: the page at `page` (its address without query or fragment), as the walkthrough
/// writes it when it opens the step.
pub fn step_link(page: &str, index: usize, state: &StepState) -> String {
    let query = PageMode::Walk { index, present: false }.query();
    if state.fragment.is_empty() {
        format!("{page}{query}")
    } else {
        format!("{page}{query}#{}", state.fragment)
    }
}

/// Step `step`'s figure in the step's state, as a link to the step shows it once its figure
/// has settled: built from the step's fragment, run to `data-at` (paused there) or to the end
/// of its work. `state` is [`super::walkthrough::state_of`]'s for the step.
pub fn figure_in_state<F: Figure>(step: &Step, state: &StepState) -> Result<F, String> {
    let mut values = ParamValues::defaults(F::PARAMS);
    let refused = url_state::apply(&state.fragment, F::ID, &mut values);
    if let Some(error) = refused.first() {
        return Err(error.message.clone());
    }
    let mut figure = F::new(values);
    match step.at {
        Some(units) => {
            figure.step(units);
        }
        None => figure.finish(),
    }
    Ok(figure)
}

/// What the sheet says under the panels: the verdict as the page shows it for a run paused
/// at the step's units (or finished).
pub fn sheet_verdict<F: Figure>(figure: &F) -> Verdict {
    shown_verdict(figure, Play::Paused)
}
