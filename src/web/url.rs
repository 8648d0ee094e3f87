//! The page's URL fragment holds every figure's non-default parameters (see
//! `page::url_state` for the format), its query the page's mode (`page::page_mode`). Updates
//! replace the history entry, so moving a slider does not flood the back button. Links to the
//! whole page carry the figures' current state.

use std::rc::Rc;

use wasm_bindgen::prelude::*;
use web_sys::HtmlAnchorElement;

use super::dom;

/// The current fragment, without '#'.
pub fn fragment() -> String {
    let hash = dom::window().location().hash().unwrap_or_default();
    hash.strip_prefix('#').unwrap_or(&hash).to_string()
}

/// Replaces the fragment (no new history entry, no hashchange event).
pub fn set_fragment(fragment: &str) {
    replace(&dom::window().location().search().unwrap_or_default(), fragment);
}

/// Replaces the URL's query (with its '?', or empty) and fragment (without its '#'): no new
/// history entry, no hashchange event. The one place the page rewrites its address.
pub fn replace(query: &str, fragment: &str) {
    let window = dom::window();
    let path = window.location().pathname().unwrap_or_default();
    let url = if fragment.is_empty() { format!("{path}{query}") } else { format!("{path}{query}#{fragment}") };
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&url));
    }
}

/// Calls `handler` when the reader edits the fragment (or follows a link with one).
pub fn on_hash_change(handler: impl FnMut() + 'static) -> Result<(), JsValue> {
    dom::on_window_event("hashchange", handler)
}

/// The whole page, scrolled to figure `id`, with the figures' current state: a relative link,
/// so that it stays inside the site's path on its server. It names the page's file when the
/// page was opened by it (a learning platform launches `…/index.html` and may serve no
/// directory), and the directory otherwise.
pub fn full_page_href(id: &str) -> String {
    let fragment = fragment();
    let state = fragment.split('&').filter(|entry| !entry.is_empty() && *entry != id);
    let entries: Vec<&str> = std::iter::once(id).chain(state).collect();
    format!("{}#{}", this_page(""), entries.join("&"))
}

/// This page with the query `query` (with its '?', or empty): a relative link, which names the
/// page's file when the page was opened by it and its directory otherwise (see
/// [`full_page_href`]).
pub fn this_page(query: &str) -> String {
    let path = dom::window().location().pathname().unwrap_or_default();
    let file = path.rsplit('/').next().filter(|file| !file.is_empty()).unwrap_or("./");
    format!("{file}{query}")
}

/// Sets `link`'s address now and again whenever it is about to be used, since the state it
/// carries changes as the reader works the figure.
pub fn keep_href_current(link: &HtmlAnchorElement, href: impl Fn() -> String + 'static) -> Result<(), JsValue> {
    link.set_href(&href());
    let href = Rc::new(href);
    for event in ["pointerenter", "focus", "click", "auxclick", "contextmenu"] {
        let (target, href) = (link.clone(), href.clone());
        dom::listen::<web_sys::Event>(link, event, move |_| target.set_href(&href()))?;
    }
    Ok(())
}
