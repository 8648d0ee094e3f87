//! The walkthrough and its presentation layout: the page shows one of the steps written in its
//! `<template id="walkthrough">` at a time (see `page::walkthrough`), the statement above the
//! step's live figure, which stays in its section of the page (the rest of the page is hidden by
//! the stylesheet through the body's classes `mode-walk` and `mode-present`).
//!
//! Entering a step puts its figure in the step's state through the URL fragment, so the
//! figure's own validation applies, and writes the step into the query (`?walk=7`, see
//! `page::page_mode`). A link with a fragment for the step's figure keeps that state.
//!
//! A step names the panels its claim is about (its evidence, `data-panels`): the walkthrough
//! shows those, sized so that the statement, the current line of a proof, the evidence and the
//! figure's verdict share the first screen (formulas too wide for it are set smaller), and
//! hides the others behind the bar's *All panels* button (key P). In the presentation layout
//! the plots draw their text and lines larger (`presentation_zoom`).
//!
//! Keys: ArrowRight / PageDown go to the next step, ArrowLeft / PageUp to the previous one,
//! P shows or hides the other panels, Escape leaves the presentation layout. The walkthrough takes these keys before anything
//! else on the page, except while the focus is in a text box, a slider or a drop-down, which
//! use the arrow keys themselves. A proof's walkthrough steps are its lines: its own
//! Previous / Next buttons and its arrow keys up and down move the same line, and the
//! walkthrough follows the figure to the step of that line.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlAnchorElement, HtmlButtonElement, HtmlElement, HtmlTemplateElement, KeyboardEvent};

use super::dom;
use super::url::{self, full_page_href, keep_href_current, this_page};
use crate::page::page_mode::PageMode;
use crate::page::url_state;
use crate::page::walkthrough::{
    evidence_height, evidence_layout, presentation_zoom, proof_line_in, state_of, step_showing_line, Step,
    FULL_ZOOM_PANEL,
};

/// The body's class in the presentation layout.
const PRESENT_CLASS: &str = "mode-present";

/// How many times their usual size the plots draw their text and lines now on a canvas of CSS
/// size `size`.
pub fn plot_zoom((width, height): (i32, i32)) -> f64 {
    let present = dom::document().body().is_some_and(|body| body.class_list().contains(PRESENT_CLASS));
    if present {
        presentation_zoom(width as f64, height as f64)
    } else {
        1.0
    }
}

/// A step of the walkthrough and the page's item that declares it (its content is the
/// statement, rendered at build time).
pub struct PageStep {
    pub(super) step: Step,
    pub(super) item: Element,
}

/// The steps of the page's `<template id="walkthrough">`, in order; none when the page has no
/// such template. A step whose attributes cannot be read is an error naming it.
pub fn page_steps() -> Result<Vec<PageStep>, JsValue> {
    let Some(template) = dom::document().get_element_by_id("walkthrough") else { return Ok(Vec::new()) };
    let template: HtmlTemplateElement =
        template.dyn_into().map_err(|_| JsValue::from_str("the element #walkthrough is not a <template>"))?;
    let items = template.content().query_selector_all("li")?;
    (0..items.length())
        .filter_map(|i| items.item(i).and_then(|node| node.dyn_into::<Element>().ok()))
        .enumerate()
        .map(|(i, item)| {
            let step = Step::from_attributes(|name| item.get_attribute(name))
                .map_err(|e| JsValue::from_str(&format!("walkthrough step {}: {e}", i + 1)))?;
            Ok(PageStep { step, item })
        })
        .collect()
}

/// The walkthrough's elements and where it is. It lives as long as the page: its listeners
/// hold it.
pub struct Walkthrough {
    /// The steps, as the page declares them.
    steps: Vec<PageStep>,
    /// The current step, counting from 0.
    index: Cell<usize>,
    /// Whether the presentation layout is on.
    present: Cell<bool>,
    /// Whether the reader asked for all the figure's panels, not only the step's evidence.
    all_panels: Cell<bool>,
    /// The text "Step 7 of 43".
    count: Element,
    /// A `<progress>` bar.
    progress: Element,
    previous: HtmlButtonElement,
    next: HtmlButtonElement,
    present_button: HtmlButtonElement,
    /// Shows or hides the panels that are not the step's evidence.
    panels_button: HtmlButtonElement,
    /// The statement and, after a link that named no step, why the walkthrough opened at step
    /// 1. Moved into the section of the current figure.
    step_box: Element,
    notice: Element,
    statement: Element,
    /// Makes every figure take its state from the URL again.
    apply_url: Box<dyn Fn()>,
    /// Makes every figure draw again (the plots' zoom changed).
    redraw: Box<dyn Fn()>,
    /// Lays the step out again when its figure changes size (mounted, a longer verdict).
    observer: RefCell<Option<web_sys::ResizeObserver>>,
}

impl Walkthrough {
    /// Builds the walkthrough's bar and statement, opens step `index` and wires the keys.
    pub fn start(
        steps: Vec<PageStep>,
        index: usize,
        present: bool,
        notice: Option<String>,
        apply_url: impl Fn() + 'static,
        redraw: impl Fn() + 'static,
    ) -> Result<(), JsValue> {
        let document = dom::document();
        let body = document.body().ok_or_else(|| JsValue::from_str("the page has no body"))?;
        body.class_list().add_1("mode-walk")?;

        let bar = dom::element("nav", "walk-bar")?;
        bar.set_attribute("aria-label", "Walkthrough")?;
        let button = |label: &str, class: &str| -> Result<HtmlButtonElement, JsValue> {
            let b: HtmlButtonElement = dom::typed("button", class)?;
            b.set_type("button");
            b.set_text_content(Some(label));
            Ok(b)
        };
        let previous = button("\u{2190} Previous", "walk-previous")?;
        let next = button("Next \u{2192}", "walk-next")?;
        let position = dom::element("div", "walk-position")?;
        let count = dom::element("span", "walk-count")?;
        let progress = dom::element("progress", "walk-progress")?;
        progress.set_attribute("max", &steps.len().to_string())?;
        progress.set_attribute("aria-label", "Progress through the walkthrough")?;
        position.append_child(&count)?;
        position.append_child(&progress)?;
        let present_button = button("Present", "walk-present")?;
        let panels_button = button("All panels", "walk-panels")?;
        panels_button.set_attribute("aria-keyshortcuts", "P")?;
        let leave: HtmlAnchorElement = dom::typed("a", "walk-leave")?;
        leave.set_text_content(Some("Full page"));
        // Every step laid out for paper (`super::handout`), where its own button prints.
        let print: HtmlAnchorElement = dom::typed("a", "walk-print")?;
        print.set_text_content(Some("Print"));
        print.set_title("The whole walkthrough laid out for paper, one step per sheet");
        print.set_href(&this_page(&PageMode::Handout(None).query()));
        let parts = [
            previous.as_ref(),
            &position,
            next.as_ref(),
            panels_button.as_ref(),
            present_button.as_ref(),
            print.as_ref(),
            leave.as_ref(),
        ];
        for part in parts {
            bar.append_child(part)?;
        }
        body.prepend_with_node_1(&bar)?;
        // The page's heading is hidden with its header; a screen reader still finds one.
        let heading = dom::element("h1", "visually-hidden")?;
        heading.set_text_content(Some("SGD: A Stability Perspective, as a walkthrough"));
        let main = document.get_element_by_id("main").ok_or_else(|| JsValue::from_str("the page has no main part"))?;
        main.prepend_with_node_1(&heading)?;

        let step_box = dom::element("div", "walk-step")?;
        let notice_line = dom::element("p", "walk-notice")?;
        notice_line.set_attribute("role", "status")?;
        notice_line.set_text_content(notice.as_deref());
        let statement = dom::element("div", "walk-statement")?;
        statement.set_attribute("aria-live", "polite")?;
        step_box.append_child(&notice_line)?;
        step_box.append_child(&statement)?;

        let walk = Rc::new(Self {
            steps,
            index: Cell::new(index),
            present: Cell::new(false),
            all_panels: Cell::new(false),
            count,
            progress,
            previous,
            next,
            present_button,
            panels_button,
            step_box,
            notice: notice_line,
            statement,
            apply_url: Box::new(apply_url),
            redraw: Box::new(redraw),
            observer: RefCell::new(None),
        });
        keep_href_current(&leave, {
            let walk = walk.clone();
            move || full_page_href(&walk.current().figure)
        })?;
        walk.wire()?;
        walk.set_present(present)?;
        walk.open(index, Opening::First)?;
        Ok(())
    }

    /// The step shown.
    fn current(&self) -> &Step {
        &self.steps[self.index.get()].step
    }

    fn wire(self: &Rc<Self>) -> Result<(), JsValue> {
        let walk = self.clone();
        dom::listen::<web_sys::Event>(&self.previous, "click", move |_| walk.step_by(-1))?;
        let walk = self.clone();
        dom::listen::<web_sys::Event>(&self.next, "click", move |_| walk.step_by(1))?;
        let walk = self.clone();
        dom::listen::<web_sys::Event>(&self.present_button, "click", move |_| {
            walk.report(walk.set_present(!walk.present.get()));
        })?;
        let walk = self.clone();
        dom::listen::<web_sys::Event>(&self.panels_button, "click", move |_| walk.toggle_panels())?;
        let walk = self.clone();
        dom::on_window_event("resize", move || walk.report(walk.lay_out()))?;
        let walk = self.clone();
        let resized = Closure::<dyn FnMut()>::new(move || walk.report(walk.lay_out()));
        *self.observer.borrow_mut() = Some(web_sys::ResizeObserver::new(resized.as_ref().unchecked_ref())?);
        resized.forget(); // page-lifetime callback
                          // Keys first, in the capture phase, so that a focused figure does not also act on them.
        let walk = self.clone();
        let keys = Closure::<dyn FnMut(KeyboardEvent)>::new(move |event: KeyboardEvent| walk.key(&event));
        dom::window().add_event_listener_with_callback_and_bool("keydown", keys.as_ref().unchecked_ref(), true)?;
        keys.forget(); // page-lifetime listener
                       // After a figure has handled an event (bubbling ends at the window), see whether a proof
                       // figure moved its line.
        for event in ["click", "keydown", "change", "input"] {
            let walk = self.clone();
            dom::on_window_event(event, move || walk.follow_proof_line())?;
        }
        Ok(())
    }

    fn key(&self, event: &KeyboardEvent) {
        if event.alt_key() || event.ctrl_key() || event.meta_key() || event.shift_key() || dom::typing_in(event) {
            return;
        }
        match event.key().as_str() {
            "ArrowRight" | "PageDown" => self.step_by(1),
            "ArrowLeft" | "PageUp" => self.step_by(-1),
            "Escape" if self.present.get() => self.report(self.set_present(false)),
            "p" if !self.panels_button.hidden() => self.toggle_panels(),
            _ => return,
        }
        event.prevent_default();
        event.stop_propagation();
    }

    /// Goes `delta` steps forward or back, within the walkthrough.
    fn step_by(&self, delta: isize) {
        let target = self.index.get().saturating_add_signed(delta).min(self.steps.len() - 1);
        if target != self.index.get() {
            self.notice.set_text_content(None);
            self.report(self.open(target, Opening::Move));
        }
    }

    /// Puts step `index`'s figure in the step's state (unless the page was opened with a
    /// state for it) and shows the step.
    fn open(&self, index: usize, opening: Opening) -> Result<(), JsValue> {
        let step = &self.steps[index].step;
        let fragment = url::fragment();
        let linked_state = !url_state::entries_for(&fragment, &step.figure).is_empty();
        let fragment = if opening == Opening::First && linked_state {
            fragment
        } else {
            state_of(step).map_err(|e| JsValue::from_str(&format!("step {}: {e}", index + 1)))?.fragment
        };
        url::replace(&PageMode::Walk { index, present: self.present.get() }.query(), &fragment);
        if opening == Opening::Move {
            (self.apply_url)();
        }
        self.show(index)
    }

    /// Shows step `index`'s statement, position and figure, leaving the figure as it is.
    fn show(&self, index: usize) -> Result<(), JsValue> {
        let PageStep { step, item } = &self.steps[index];
        let document = dom::document();
        let figure = document
            .get_element_by_id(&step.figure)
            .ok_or_else(|| JsValue::from_str(&format!("the page has no figure {}", step.figure)))?;
        let section = figure.closest("section")?.unwrap_or_else(|| figure.clone());
        if let Some(previous) = document.query_selector(".walk-current")? {
            previous.class_list().remove_1("walk-current")?;
        }
        section.class_list().add_1("walk-current")?;
        match section.query_selector(":scope > h2")? {
            Some(heading) => heading.after_with_node_1(&self.step_box)?,
            None => section.prepend_with_node_1(&self.step_box)?,
        }
        // The statement is the page's own markup (its formulas rendered at build time), copied.
        self.statement.set_text_content(None);
        dom::append_copies(&self.statement, item)?;
        self.count.set_text_content(Some(&format!("Step {} of {}", index + 1, self.steps.len())));
        self.progress.set_attribute("value", &(index + 1).to_string())?;
        self.previous.set_disabled(index == 0);
        self.next.set_disabled(index + 1 == self.steps.len());
        self.index.set(index);
        self.all_panels.set(false);
        if let Some(observer) = self.observer.borrow().as_ref() {
            observer.disconnect();
            observer.observe(&figure);
        }
        self.lay_out()?;
        dom::window().scroll_to_with_x_and_y(0.0, 0.0);
        Ok(())
    }

    /// Shows the figure's other panels, or only the step's evidence again.
    fn toggle_panels(&self) {
        self.all_panels.set(!self.all_panels.get());
        self.report(self.lay_out());
    }

    /// Marks the step's evidence panels and sizes them, with the statement and its formulas,
    /// so that all of it and the verdict fit the screen; with all panels shown, they take the
    /// page's own layout. Until the figure is mounted there is nothing to lay out.
    fn lay_out(&self) -> Result<(), JsValue> {
        let step = self.current();
        let evidence = state_of(step).map(|state| state.evidence).unwrap_or_default();
        let Some(figure) = dom::document().get_element_by_id(&step.figure) else { return Ok(()) };
        let holders = figure.query_selector_all(".fig-panel")?;
        let prefix = format!("{}-", step.figure);
        for i in 0..holders.length() {
            let Some(holder) = holders.item(i).and_then(|node| node.dyn_into::<Element>().ok()) else { continue };
            let id = holder.query_selector("canvas")?.map(|canvas| canvas.id()).unwrap_or_default();
            let key = id.strip_prefix(&prefix);
            holder.class_list().toggle_with_force("walk-evidence", evidence.iter().any(|k| Some(*k) == key))?;
        }
        let total = holders.length() as usize;
        let others = total.saturating_sub(evidence.len());
        let all = self.all_panels.get() || others == 0;
        self.panels_button.set_hidden(others == 0);
        let label =
            if self.all_panels.get() { "Step\u{2019}s panels".to_string() } else { format!("All {total} panels") };
        self.panels_button.set_text_content(Some(&label));
        self.panels_button.set_attribute("aria-pressed", if self.all_panels.get() { "true" } else { "false" })?;
        self.panels_button.set_title(&format!(
            "{} the figure\u{2019}s {others} other panel{} (key P)",
            if self.all_panels.get() { "Hide" } else { "Show" },
            if others == 1 { "" } else { "s" }
        ));
        figure.class_list().toggle_with_force("walk-all-panels", all)?;
        self.fit_formulas()?;
        match figure.query_selector(".fig-panels")? {
            Some(panels) if !all => self.fit_evidence(&figure, &panels, evidence.len()),
            _ => Ok(()),
        }
    }

    /// Sets every display formula of the statement and of the current proof line that is wider
    /// than its box in a smaller size that fits (down to half its size).
    fn fit_formulas(&self) -> Result<(), JsValue> {
        let formulas = dom::document()
            .query_selector_all(".walk-statement .tex-display, .walk-current .proof-steps > li.current .tex-display")?;
        for i in 0..formulas.length() {
            let Some(formula) = formulas.item(i).and_then(|node| node.dyn_into::<HtmlElement>().ok()) else { continue };
            let style = formula.style();
            style.remove_property("font-size")?;
            // A formula narrows a little less than in proportion to its size (its number, its
            // spaces): a few rounds settle it.
            let mut scale = 1.0;
            for _ in 0..4 {
                let (room, width) = (formula.client_width() as f64, formula.scroll_width() as f64);
                if width <= room + 0.5 || room == 0.0 {
                    break;
                }
                scale = (scale * room / width * 0.99).max(0.5);
                style.set_property("font-size", &format!("{:.1}%", 100.0 * scale))?;
            }
        }
        Ok(())
    }

    /// Sizes the evidence panels to fill the screen below the statement and above the verdict;
    /// when they would have less than [`MIN_EVIDENCE_SHARE`] of the screen's height
    /// ([`MIN_PRESENTED_EVIDENCE_SHARE`] presenting on a screen wide enough for the plots'
    /// zoom), and could use more, sets the statement (presenting, also a proof's current line)
    /// smaller, down to [`MIN_STATEMENT_SCALE`], first.
    fn fit_evidence(&self, figure: &Element, panels: &Element, count: usize) -> Result<(), JsValue> {
        let window = dom::window();
        let screen = window.inner_height()?.as_f64().unwrap_or(0.0);
        let gap = window
            .get_computed_style(panels)?
            .and_then(|style| style.get_property_value("column-gap").ok())
            .and_then(|gap| gap.trim_end_matches("px").parse::<f64>().ok())
            .unwrap_or(0.0);
        // Set on the step's section, so that a proof's current line follows the statement.
        let section = figure.closest("section")?;
        let statement = section.as_ref().and_then(|s| s.dyn_ref::<HtmlElement>()).map(HtmlElement::style);
        let verdict = figure.query_selector(".fig-verdict")?;
        let width = panels.client_width() as f64;
        let zoomed = self.present.get() && width >= FULL_ZOOM_PANEL.0;
        let share = if zoomed { MIN_PRESENTED_EVIDENCE_SHARE } else { MIN_EVIDENCE_SHARE };
        let wanted = (share * screen).min(evidence_height(count, width, gap));
        let mut scale = 1.0;
        loop {
            if let Some(style) = &statement {
                style.set_property("--walk-statement-scale", &format!("{scale:.2}"))?;
            }
            // Nothing else changes height with the panels: what lies between their bottom and
            // the verdict's is the room the verdict needs.
            let panels_box = panels.get_bounding_client_rect();
            let top = panels_box.top() + window.scroll_y()?;
            let below = verdict.as_ref().map_or(0.0, |v| v.get_bounding_client_rect().bottom() - panels_box.bottom());
            let room = screen - top - below - SCREEN_MARGIN;
            if room >= wanted || scale <= MIN_STATEMENT_SCALE {
                let layout = evidence_layout(count, width, room.max(MIN_PANEL_HEIGHT), gap);
                if let Some(style) = figure.dyn_ref::<HtmlElement>().map(HtmlElement::style) {
                    style.set_property("--walk-columns", &layout.columns.to_string())?;
                    style.set_property("--walk-panel-width", &format!("{:.0}px", layout.width.floor()))?;
                    style.set_property("--walk-panel-height", &format!("{:.0}px", layout.height.floor()))?;
                }
                return Ok(());
            }
            scale -= 0.05;
        }
    }

    /// After the reader moved a proof figure's line with its own controls: shows the step of
    /// that line, so that statement and figure agree.
    fn follow_proof_line(&self) {
        let step = self.current();
        let Some(line) = proof_line_in(&url::fragment(), &step.figure) else { return };
        let current = state_of(step).ok().and_then(|state| state.proof_line).map(|(l, _)| l);
        if current == Some(line) {
            return;
        }
        if let Some(index) = step_showing_line(self.steps.iter().map(|s| &s.step), &step.figure, line) {
            self.notice.set_text_content(None);
            self.index.set(index);
            self.write_query();
            self.report(self.show(index));
        }
    }

    /// Switches the presentation layout on or off.
    fn set_present(&self, present: bool) -> Result<(), JsValue> {
        self.present.set(present);
        let body = dom::document().body().ok_or_else(|| JsValue::from_str("the page has no body"))?;
        body.class_list().toggle_with_force(PRESENT_CLASS, present)?;
        self.lay_out()?;
        (self.redraw)();
        self.present_button.set_text_content(Some(if present { "Leave presentation" } else { "Present" }));
        self.present_button.set_attribute("aria-pressed", if present { "true" } else { "false" })?;
        self.write_query();
        dom::window().scroll_to_with_x_and_y(0.0, 0.0);
        Ok(())
    }

    /// Writes the current step and layout into the URL's query, keeping the fragment.
    fn write_query(&self) {
        let mode = PageMode::Walk { index: self.index.get(), present: self.present.get() };
        url::replace(&mode.query(), &url::fragment());
    }

    /// Shows a failure in the notice line (they come from the DOM, and should not happen).
    fn report(&self, result: Result<(), JsValue>) {
        if let Err(e) = result {
            let message =
                format!("The walkthrough could not do that: {}", e.as_string().unwrap_or_else(|| format!("{e:?}")));
            web_sys::console::error_1(&JsValue::from_str(&message));
            self.notice.set_text_content(Some(&message));
        }
    }
}

/// The evidence panels get at least this share of the screen's height, as long as the
/// statement can be set smaller.
const MIN_EVIDENCE_SHARE: f64 = 0.4;

/// Presenting, the evidence gets at least this share: its plots draw their text large
/// (`presentation_zoom`), and a short panel would leave their curves a sliver.
const MIN_PRESENTED_EVIDENCE_SHARE: f64 = 0.5;

/// The smallest size of the statement, as a share of its size in the layout.
const MIN_STATEMENT_SCALE: f64 = 0.75;

/// Evidence panels are never less tall than this (CSS pixels): on a small screen the page
/// scrolls instead.
const MIN_PANEL_HEIGHT: f64 = 160.0;

/// Room left free below the verdict, at the bottom of the screen (CSS pixels).
const SCREEN_MARGIN: f64 = 8.0;

/// How a step is opened.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Opening {
    /// The page was opened at this step: a state the link gives its figure is kept, and the
    /// figures read the URL when they are mounted, on the animation loop's first frame.
    First,
    /// The reader moved to this step: its figure takes the step's state now.
    Move,
}
