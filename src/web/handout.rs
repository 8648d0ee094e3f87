//! The handout in the browser (`?handout`, `?handout=k`; see `page::handout`): the page becomes
//! one sheet per step, the statement copied from the walkthrough's item (its formulas rendered
//! at build time), the evidence panels drawn on canvases in the step's state in the light
//! theme whatever the reader's colour scheme, the verdict and the link that opens the step
//! live. No controls: the figures are drawn, not mounted.
//!
//! Putting a figure in its step's state can take a second (a training run), so the sheets are
//! drawn one step per task of the event loop, the status line saying how far it has got; once
//! all are drawn, the body's `data-handout` is `ready` and the Print button prints.

use std::cell::Cell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlAnchorElement, HtmlButtonElement, HtmlCanvasElement};

use super::canvas;
use super::dom;
use super::modes::{refusal, replace_page};
use super::url::this_page;
use super::walkthrough::PageStep;
use crate::figures::{self, visit, Figure, FigureVisitor};
use crate::kit::plot::Theme;
use crate::page::handout::{figure_in_state, sheet_panels, sheet_verdict, step_link};
use crate::page::page_mode::PageMode;
use crate::page::walkthrough::{state_of, Step, StepState};

/// Device pixels per CSS pixel of the handout's canvases, whatever the screen's: about 300
/// dots per inch on paper.
const PRINT_RATIO: f64 = 3.0;

/// One step's sheet: the step, its state (or why it has none) and where its drawing goes.
struct Sheet {
    index: usize,
    step: Step,
    state: Result<StepState, String>,
    canvases: Vec<HtmlCanvasElement>,
    verdict: Element,
}

/// Lays the page out as the handout of `which` of `steps` (all when None) and starts drawing
/// the sheets.
pub fn start(steps: Vec<PageStep>, which: Option<usize>) -> Result<(), JsValue> {
    let count = steps.len();
    let chosen: Vec<usize> = which.map_or_else(|| (0..count).collect(), |index| vec![index]);
    let bar = dom::element("header", "handout-bar")?;
    let title = dom::element("h1", "")?;
    title.set_text_content(Some("SGD: A Stability Perspective \u{2014} the walkthrough to print"));
    let status = dom::element("p", "handout-status")?;
    status.set_attribute("role", "status")?;
    let print: HtmlButtonElement = dom::typed("button", "handout-print")?;
    print.set_type("button");
    print.set_text_content(Some("Print"));
    print.set_disabled(true);
    dom::listen::<web_sys::Event>(&print, "click", |_| {
        if let Err(e) = dom::window().print() {
            web_sys::console::error_2(&"the page could not be printed:".into(), &e);
        }
    })?;
    let back: HtmlAnchorElement = dom::typed("a", "")?;
    back.set_text_content(Some("Back to the walkthrough"));
    back.set_href(&this_page(&PageMode::Walk { index: which.unwrap_or(0), present: false }.query()));
    for part in [&title, &status, print.as_ref(), back.as_ref()] {
        bar.append_child(part)?;
    }

    let page = page_address();
    let mut parts = vec![bar];
    let mut sheets = Vec::new();
    for index in chosen {
        let (article, sheet) = sheet(&steps[index], index, count, &page)?;
        parts.push(article);
        sheets.push(sheet);
    }
    replace_page(&parts.iter().collect::<Vec<_>>(), HANDOUT_CLASS)?;
    dom::document().set_title("SGD: A Stability Perspective \u{2014} the walkthrough to print");
    draw_from(Rc::new(Drawing { sheets, status, print, failed: Default::default() }), 0);
    Ok(())
}

/// The page's address without query or fragment, for the steps' links (whole, since paper
/// has no page to be relative to).
fn page_address() -> String {
    let href = dom::window().location().href().unwrap_or_default();
    href.split(['?', '#']).next().unwrap_or_default().to_string()
}

/// The sheet of step `index` of `count`, its canvases still blank; a step the page declares
/// wrongly (which the native tests catch) says so in its sheet.
fn sheet(page_step: &PageStep, index: usize, count: usize, page: &str) -> Result<(Element, Sheet), JsValue> {
    let step = &page_step.step;
    let article = dom::element("article", "handout-step")?;
    article.set_id(&format!("step-{}", index + 1));
    let heading = dom::element("h2", "")?;
    heading.set_text_content(Some(&format!("Step {} of {count} ", index + 1)));
    let title = dom::element("span", "handout-figure")?;
    title.set_text_content(figures::kind(&step.figure).map(|kind| kind.title));
    heading.append_child(&title)?;
    let statement = copy_of(&page_step.item, "handout-statement")?;
    let panels = dom::element("div", "handout-panels")?;
    let verdict = dom::element("p", "handout-verdict")?;
    let link = dom::element("p", "handout-link")?;
    let mut canvases = Vec::new();
    let mut parts = vec![heading, statement];
    let state = state_of(step);
    match &state {
        Ok(state) => {
            // A proof's step brings the proof's line, as the walkthrough shows it.
            let line = state.proof_line.map(|(line, _)| format!("#{}-steps > li:nth-child({line})", step.figure));
            if let Some(item) = line.map(|selector| dom::document().query_selector(&selector)).transpose()?.flatten() {
                parts.push(copy_of(&item, "handout-proof-line")?);
            }
            let layout = sheet_panels(state.evidence.len());
            if let Some(style) = panels.dyn_ref::<web_sys::HtmlElement>().map(|p| p.style()) {
                style.set_property("--handout-columns", &layout.columns.to_string())?;
            }
            for key in &state.evidence {
                let canvas: HtmlCanvasElement = dom::typed("canvas", "")?;
                canvas.set_width((layout.width * PRINT_RATIO) as u32);
                canvas.set_height((layout.height * PRINT_RATIO) as u32);
                canvas.style().set_property("width", &format!("{}px", layout.width))?;
                canvas.style().set_property("height", &format!("{}px", layout.height))?;
                canvas.set_attribute("data-panel", key)?;
                canvas.set_attribute("role", "img")?;
                panels.append_child(&canvas)?;
                canvases.push(canvas);
            }
            link.set_text_content(Some("Open it live: "));
            let href = step_link(page, index, state);
            let anchor: HtmlAnchorElement = dom::typed("a", "")?;
            anchor.set_href(&href);
            anchor.set_text_content(Some(&href));
            link.append_child(&anchor)?;
        }
        Err(e) => verdict.set_text_content(Some(&format!("This step cannot be shown: {e}"))),
    }
    parts.extend([panels, verdict.clone(), link]);
    for part in &parts {
        article.append_child(part)?;
    }
    Ok((article, Sheet { index, step: step.clone(), state, canvases, verdict }))
}

/// A `<div>` of class `class` that holds a copy of `element`'s content (formulas rendered at
/// build time).
fn copy_of(element: &Element, class: &str) -> Result<Element, JsValue> {
    let copy = dom::element("div", class)?;
    dom::append_copies(&copy, element)?;
    Ok(copy)
}

/// The sheets being drawn, and the bar that says how far it has got.
struct Drawing {
    sheets: Vec<Sheet>,
    status: Element,
    print: HtmlButtonElement,
    /// How many sheets could not be drawn.
    failed: Cell<usize>,
}

/// Draws sheet `next` and the ones after it, one per task, so that the status line shows.
fn draw_from(drawing: Rc<Drawing>, next: usize) {
    let total = drawing.sheets.len();
    let Some(sheet) = drawing.sheets.get(next) else {
        let failed = drawing.failed.get();
        let status = match failed {
            0 => format!("Ready to print: {total} {}, one per sheet.", if total == 1 { "step" } else { "steps" }),
            _ => format!("{failed} of {total} steps could not be drawn (see their sheets)."),
        };
        drawing.status.set_text_content(Some(&status));
        drawing.print.set_disabled(false);
        if let Some(body) = dom::document().body() {
            let _ = body.set_attribute("data-handout", if failed == 0 { "ready" } else { "failed" });
        }
        return;
    };
    drawing.status.set_text_content(Some(&format!("Drawing the figures: step {} of {total}\u{2026}", next + 1)));
    let drawn = match &sheet.state {
        Ok(state) => visit(&sheet.step.figure, Draw { sheet, state }).unwrap_or(Err("no such figure".into())),
        Err(e) => Err(e.clone()),
    };
    if let Err(e) = drawn {
        drawing.failed.set(drawing.failed.get() + 1);
        let message = format!("Step {} could not be drawn: {e}", sheet.index + 1);
        web_sys::console::error_1(&JsValue::from_str(&message));
        sheet.verdict.set_text_content(Some(&message));
    }
    // A task of its own for the next sheet, after the browser has shown this one.
    let later = Closure::once_into_js(move || draw_from(drawing, next + 1));
    let _ = dom::window().set_timeout_with_callback(later.unchecked_ref());
}

/// Puts a sheet's figure in its step's state and draws its evidence panels and verdict.
struct Draw<'a> {
    sheet: &'a Sheet,
    state: &'a StepState,
}

impl FigureVisitor for Draw<'_> {
    type Output = Result<(), String>;

    fn visit<F: Figure + 'static>(self) -> Self::Output {
        let figure = figure_in_state::<F>(&self.sheet.step, self.state)?;
        for (canvas, key) in self.sheet.canvases.iter().zip(&self.state.evidence) {
            let panel = F::PANELS.iter().position(|p| p.key == *key).ok_or("an evidence panel is not the figure's")?;
            let _ = canvas.set_attribute("aria-label", F::PANELS[panel].description);
            canvas::draw_on_buffer(&figure, panel, canvas, &Theme::light(PRINT_RATIO))?;
        }
        dom::set_math_text(&self.sheet.verdict, &sheet_verdict(&figure).text);
        Ok(())
    }
}

/// The page becomes `message`, why there is no handout, with links to the whole handout and to
/// the walkthrough: nothing is drawn.
pub fn refuse(message: &str) -> Result<(), JsValue> {
    let [title, text] = refusal("No such step to print", message)?;
    let choices = dom::element("p", "")?;
    let whole: HtmlAnchorElement = dom::typed("a", "")?;
    whole.set_text_content(Some("The handout of every step"));
    whole.set_href(&this_page(&PageMode::Handout(None).query()));
    let walk: HtmlAnchorElement = dom::typed("a", "")?;
    walk.set_text_content(Some("the walkthrough"));
    walk.set_href(&this_page(&PageMode::Walk { index: 0, present: false }.query()));
    choices.append_child(&whole)?;
    choices.append_with_str_1(", or ")?;
    choices.append_child(&walk)?;
    choices.append_with_str_1(".")?;
    replace_page(&[&title, &text, &choices], HANDOUT_CLASS)
}

/// The body's class in the handout (www/handout.css).
const HANDOUT_CLASS: &str = "mode-handout";
