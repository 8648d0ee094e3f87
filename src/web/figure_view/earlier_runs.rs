//! Earlier runs kept beside the current one: a Keep runs toggle (off by default) and a Clear
//! runs button, for a figure whose runs are compared ([`Figure::COMPARES_RUNS`]). While the
//! toggle is on, a run replaced by new settings, a preset or a loaded run file joins the earlier
//! runs (at most [`EARLIER_RUNS`], the oldest dropped first), which the figure draws faintly
//! and labels by the settings that differ from its own.
//!
//! [`Figure::COMPARES_RUNS`]: crate::figures::Figure::COMPARES_RUNS

use std::rc::Rc;

use wasm_bindgen::prelude::*;
use web_sys::{Element, HtmlButtonElement};

use super::{append_button, FigureView};
use crate::figures::EARLIER_RUNS;
use crate::web::canvas::PageFigure;
use crate::web::dom;

/// The Keep runs toggle and the Clear runs button.
pub(super) struct EarlierRunButtons {
    keep: HtmlButtonElement,
    clear: HtmlButtonElement,
}

/// Builds the two buttons at the end of `row`.
pub(super) fn build(row: &Element) -> Result<EarlierRunButtons, JsValue> {
    let keep = append_button(row, "Keep runs")?;
    keep.set_attribute("aria-pressed", "false")?;
    keep.set_title("When a setting, preset or loaded run replaces the current run, keep it, drawn faintly");
    let clear = append_button(row, "Clear runs")?;
    clear.set_disabled(true);
    Ok(EarlierRunButtons { keep, clear })
}

impl FigureView {
    pub(super) fn wire_earlier_runs(self: &Rc<Self>, buttons: EarlierRunButtons) -> Result<(), JsValue> {
        let EarlierRunButtons { keep, clear } = buttons;
        let view = self.clone();
        let toggle = keep.clone();
        dom::listen::<web_sys::Event>(&keep, "click", move |_| {
            let mut s = view.state.borrow_mut();
            s.keep_earlier = !s.keep_earlier;
            let on = s.keep_earlier;
            drop(s);
            let _ = toggle.set_attribute("aria-pressed", if on { "true" } else { "false" });
            let text = if on {
                "Runs are kept: change a setting and the current run stays, drawn faintly."
            } else {
                "Runs are no longer kept; the ones kept stay until Clear runs."
            };
            view.note.set_text_content(Some(text));
        })?;
        let view = self.clone();
        let clear_button = clear.clone();
        dom::listen::<web_sys::Event>(&clear, "click", move |_| {
            let mut s = view.state.borrow_mut();
            s.earlier.clear();
            s.playback.figure_mut().show_earlier_runs(Vec::new());
            s.dirty = true;
            clear_button.set_disabled(true);
            drop(s);
            view.note.set_text_content(Some("Cleared the earlier runs."));
        })?;
        self.clear_button.replace(Some(clear));
        Ok(())
    }

    /// Before `figure` replaces the current one: keeps the current run when runs are kept, and
    /// hands the earlier runs to `figure`.
    pub(super) fn carry_earlier_runs(&self, figure: &mut PageFigure) {
        let mut s = self.state.borrow_mut();
        if s.keep_earlier {
            if let Some(run) = s.playback.figure().earlier_run() {
                s.earlier.push(run);
                if s.earlier.len() > EARLIER_RUNS {
                    s.earlier.remove(0);
                }
            }
        }
        figure.show_earlier_runs(s.earlier.clone());
        let none = s.earlier.is_empty();
        drop(s);
        if let Some(clear) = self.clear_button.borrow().as_ref() {
            clear.set_disabled(none);
        }
    }
}
