//! The page's URL fragment holds every figure's non-default parameters (see
//! `page::url_state` for the format). Updates replace the history entry, so moving a slider
//! does not flood the back button.

use wasm_bindgen::prelude::*;

use super::dom;

/// The current fragment, without '#'.
pub fn fragment() -> String {
    let hash = dom::window().location().hash().unwrap_or_default();
    hash.strip_prefix('#').unwrap_or(&hash).to_string()
}

/// Replaces the fragment (no new history entry, no hashchange event).
pub fn set_fragment(fragment: &str) {
    let window = dom::window();
    let location = window.location();
    let base = format!("{}{}", location.pathname().unwrap_or_default(), location.search().unwrap_or_default());
    let url = if fragment.is_empty() { base } else { format!("{base}#{fragment}") };
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&url));
    }
}

/// Calls `handler` when the reader edits the fragment (or follows a link with one).
pub fn on_hash_change(handler: impl FnMut() + 'static) -> Result<(), JsValue> {
    dom::on_window_event("hashchange", handler)
}
