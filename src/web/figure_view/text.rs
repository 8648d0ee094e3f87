//! The figure's words: its verdict (worded by whether it plays), its readouts and, for a
//! proof, the current line of its list of steps.

use web_sys::Element;

use super::FigureView;
use crate::figures::{self, Tone};
use crate::kit::notation;
use crate::page::playback::Playback;
use crate::web::canvas::PageFigure;
use crate::web::dom;

impl FigureView {
    /// Shows the verdict, the readouts and the current step as they are now.
    /// `more` are readouts of the page's own (where the figure's tasks run).
    pub(super) fn show_text(&self, playback: &Playback<PageFigure>, more: Vec<(String, String)>) {
        let mut readouts = playback.readouts();
        readouts.extend(more);
        self.show_readouts(&readouts);
        let figure = playback.figure();
        if let (Some(list), Some(key)) = (&self.steps, self.kind.stepper) {
            mark_step(list, figure.params().get(key) as u32);
        }
        let verdict = figures::shown_verdict(figure, playback.play());
        if self.verdict.text_content() != Some(notation::plain(&verdict.text)) {
            dom::set_math_text(&self.verdict, &verdict.text);
        }
        let class = match verdict.tone {
            Tone::Good => "fig-verdict ok",
            Tone::Bad => "fig-verdict bad",
            Tone::Neutral => "fig-verdict",
        };
        self.verdict.set_class_name(class);
    }

    /// Rewrites the readout list only when its text changes (it is read by screen readers).
    fn show_readouts(&self, readouts: &[(String, String)]) {
        let text: String = readouts.iter().map(|(l, v)| notation::plain(&format!("{l}{v}"))).collect();
        if self.readouts.text_content().unwrap_or_default() == text {
            return;
        }
        self.readouts.set_text_content(None);
        for (label, value) in readouts {
            if let (Ok(dt), Ok(dd)) = (dom::element("dt", ""), dom::element("dd", "")) {
                dom::set_math_text(&dt, label);
                dom::set_math_text(&dd, value);
                let _ = self.readouts.append_child(&dt);
                let _ = self.readouts.append_child(&dd);
            }
        }
    }
}

/// Marks item `current` (counting from 1) of a step list as the current one.
fn mark_step(list: &Element, current: u32) {
    let items = list.children();
    for i in 0..items.length() {
        if let Some(item) = items.item(i) {
            if i + 1 == current {
                let _ = item.set_attribute("aria-current", "step");
                let _ = item.class_list().add_1("current");
            } else {
                let _ = item.remove_attribute("aria-current");
                let _ = item.class_list().remove_1("current");
            }
        }
    }
}
