//! The page's readings, chosen by the URL's query (see `page::page_mode`): the whole page,
//! one figure alone for an iframe, the walkthrough (`super::walkthrough`) and its handout to
//! print (`super::handout`).
//!
//! [`prepare`] reshapes the page before the figures are found and mounted (an embedded figure
//! is the only one left on its page, so it is the only one that runs); [`start`] wires what
//! needs the running figures.
//!
//! Links back to the whole page carry the figure's id before its state, as in
//! `#quadratic-1d&quadratic-1d.eta=2`: the page scrolls to that element once the figures are
//! mounted (the fragment as a whole names no element, so the browser would not).

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlAnchorElement};

use super::dom;
use super::handout;
use super::url::{self, full_page_href, keep_href_current};
use super::walkthrough::{page_steps, PageStep, Walkthrough};
use crate::figures::{self, ALL_IDS};
use crate::page::page_mode::{ModeError, PageMode};

/// What [`prepare`] found, for [`start`] to continue.
pub enum Prepared {
    Page,
    Embed,
    Walk {
        steps: Vec<PageStep>,
        index: usize,
        present: bool,
        notice: Option<String>,
    },
    /// The handout, which draws its figures itself (`super::handout`), or its refusal.
    Handout,
}

/// Reads the query and reshapes the page for it. Runs before the figures are looked for.
pub fn prepare() -> Result<Prepared, JsValue> {
    let query = dom::window().location().search().unwrap_or_default();
    // A step the page declares wrongly (which the native tests catch) breaks the walkthrough
    // and its handout only, not the rest of the page.
    let steps = page_steps();
    let mode = PageMode::parse(&query, steps.as_ref().map_or(0, Vec::len));
    let steps = || match steps {
        Ok(steps) if steps.is_empty() => Err(JsValue::from_str("the page declares no walkthrough steps")),
        steps => steps,
    };
    match mode {
        Ok(PageMode::Page) => Ok(Prepared::Page),
        Ok(PageMode::Embed(id)) => {
            embed(id)?;
            Ok(Prepared::Embed)
        }
        Err(error @ ModeError::UnknownFigure(_)) => {
            embed_failure(&error.to_string())?;
            Ok(Prepared::Embed)
        }
        Ok(PageMode::Walk { index, present }) => Ok(Prepared::Walk { steps: steps()?, index, present, notice: None }),
        Err(error @ ModeError::UnknownStep { .. }) => {
            Ok(Prepared::Walk { steps: steps()?, index: 0, present: false, notice: Some(error.to_string()) })
        }
        Ok(PageMode::Handout(which)) => {
            handout::start(steps()?, which)?;
            Ok(Prepared::Handout)
        }
        Err(error @ ModeError::UnknownHandoutStep { .. }) => {
            handout::refuse(&error.to_string())?;
            Ok(Prepared::Handout)
        }
    }
}

/// Wires the reading once the figures' animation loop runs; `apply_url` makes every figure
/// take its state from the URL again, `redraw` makes every figure draw again.
pub fn start(prepared: Prepared, apply_url: impl Fn() + 'static, redraw: impl Fn() + 'static) -> Result<(), JsValue> {
    match prepared {
        Prepared::Page => scroll_to_named_element(),
        Prepared::Embed => report_height_to_host(),
        Prepared::Walk { steps, index, present, notice } => {
            Walkthrough::start(steps, index, present, notice, apply_url, redraw)
        }
        Prepared::Handout => Ok(()),
    }
}

/// The page becomes figure `id` alone: its title, the current line of its proof if it steps
/// through one, the figure, and a link to the whole page.
fn embed(id: &'static str) -> Result<(), JsValue> {
    let document = dom::document();
    let figure = document
        .get_element_by_id(id)
        .ok_or_else(|| JsValue::from_str(&format!("the page has no container for the figure {id}")))?;
    let title_text = figures::kind(id).map_or(id, |kind| kind.title);
    let title = dom::element("h1", "embed-title")?;
    title.set_text_content(Some(title_text));
    let link: HtmlAnchorElement = dom::typed("a", "")?;
    link.set_text_content(Some("Open in the full explorable"));
    // In a new tab: the iframe is too small for the page, and the course page should stay.
    link.set_target("_blank");
    link.set_rel("noopener");
    keep_href_current(&link, move || full_page_href(id))?;
    let footer = dom::element("p", "embed-full")?;
    footer.append_child(&link)?;
    match document.get_element_by_id(&format!("{id}-steps")) {
        Some(proof) => replace_page(&[&title, &proof, &figure, &footer], EMBED_CLASS)?,
        None => replace_page(&[&title, &figure, &footer], EMBED_CLASS)?,
    }
    document.set_title(&format!("{title_text} \u{2014} SGD: A Stability Perspective"));
    Ok(())
}

/// Tells the page that embeds this one how tall its content is, now and whenever that changes,
/// so that the iframe can fit it (`embed-resize.js`, next to the page, does that for the host).
/// The message holds the height and nothing else, since the host may be any site.
fn report_height_to_host() -> Result<(), JsValue> {
    let window = dom::window();
    let Some(host) = window.parent()? else { return Ok(()) };
    if JsValue::from(host.clone()) == JsValue::from(window) {
        return Ok(()); // not in a frame
    }
    let root = dom::document().document_element().ok_or_else(|| JsValue::from_str("the page has no root element"))?;
    let measured = root.clone();
    let report = Closure::<dyn FnMut()>::new(move || {
        let message = js_sys::Object::new();
        let height = measured.get_bounding_client_rect().height().ceil();
        let sent = js_sys::Reflect::set(&message, &"type".into(), &HEIGHT_MESSAGE.into())
            .and_then(|_| js_sys::Reflect::set(&message, &"height".into(), &height.into()))
            .and_then(|_| host.post_message(&message, "*"));
        if let Err(e) = sent {
            web_sys::console::warn_2(&"the embedding page could not be told the figure's height:".into(), &e);
        }
    });
    let observer = web_sys::ResizeObserver::new(report.as_ref().unchecked_ref())?;
    observer.observe(&root);
    // Both live as long as the page.
    report.forget();
    std::mem::forget(observer);
    Ok(())
}

/// The `type` of the message that carries an embedded page's height to its host.
const HEIGHT_MESSAGE: &str = "sgd-stability:height";

/// The page becomes `message` and a link to each figure alone.
fn embed_failure(message: &str) -> Result<(), JsValue> {
    let [title, text] = refusal("No figure to embed", message)?;
    title.set_class_name("embed-title");
    let list = dom::element("ul", "embed-choices")?;
    for id in ALL_IDS {
        let link: HtmlAnchorElement = dom::typed("a", "")?;
        link.set_href(&PageMode::Embed(id).query());
        link.set_text_content(Some(id));
        let item = dom::element("li", "")?;
        item.append_child(&link)?;
        list.append_child(&item)?;
    }
    replace_page(&[&title, &text, &list], EMBED_CLASS)
}

/// The body's class when the page is one figure alone, or the message of a link that names
/// none.
const EMBED_CLASS: &str = "mode-embed";

/// A heading `title` and an alert that says `message`: what a link that cannot be followed
/// shows instead of the page.
pub fn refusal(title: &str, message: &str) -> Result<[Element; 2], JsValue> {
    let heading = dom::element("h1", "")?;
    heading.set_text_content(Some(title));
    let text = dom::element("p", "fig-error")?;
    text.set_attribute("role", "alert")?;
    text.set_text_content(Some(message));
    Ok([heading, text])
}

/// Replaces the page's header, main part and footer by `parts`, in the layout of the body's
/// class `class`.
pub fn replace_page(parts: &[&Element], class: &str) -> Result<(), JsValue> {
    let document = dom::document();
    for selector in [".page-header", ".page-footer", ".skip-link"] {
        if let Some(element) = document.query_selector(selector)? {
            element.remove();
        }
    }
    let main = document.get_element_by_id("main").ok_or_else(|| JsValue::from_str("the page has no main part"))?;
    // The parts may be inside the old content (the figure is): they are kept, the rest goes.
    main.set_text_content(None);
    for part in parts {
        main.append_child(part)?;
    }
    if let Some(body) = document.body() {
        body.class_list().add_1(class)?;
    }
    Ok(())
}

/// Scrolls to the element whose id the fragment starts with, if any, once the figures above it
/// have their size (the animation loop mounts them on its first frame, which runs before this
/// callback).
fn scroll_to_named_element() -> Result<(), JsValue> {
    let fragment = url::fragment();
    let first = fragment.split('&').next().unwrap_or_default();
    if first.is_empty() || first.contains('=') {
        return Ok(());
    }
    let Some(target) = dom::document().get_element_by_id(first) else { return Ok(()) };
    let scroll = Closure::once_into_js(move || target.scroll_into_view());
    dom::window().request_animation_frame(scroll.unchecked_ref())?;
    Ok(())
}
