//! Small DOM helpers. Text is always set as text, never parsed as HTML.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, Window};

pub fn window() -> Window {
    web_sys::window().expect("the page has a window")
}

pub fn document() -> Document {
    window().document().expect("the window has a document")
}

/// A new element with a class (empty class: none).
pub fn element(tag: &str, class: &str) -> Result<Element, JsValue> {
    let el = document().create_element(tag)?;
    if !class.is_empty() {
        el.set_class_name(class);
    }
    Ok(el)
}

/// A new element of a concrete type.
pub fn typed<T: JsCast>(tag: &str, class: &str) -> Result<T, JsValue> {
    element(tag, class)?.dyn_into::<T>().map_err(|_| JsValue::from_str("unexpected element type"))
}

/// Calls `handler` on every `event` of `target`, for the life of the page.
pub fn listen<E: wasm_bindgen::convert::FromWasmAbi + 'static>(
    target: &web_sys::EventTarget,
    event: &str,
    handler: impl FnMut(E) + 'static,
) -> Result<(), JsValue> {
    let closure = Closure::<dyn FnMut(E)>::new(handler);
    target.add_event_listener_with_callback(event, closure.as_ref().unchecked_ref())?;
    closure.forget(); // page-lifetime listener
    Ok(())
}

/// Calls `handler` on every `event` of the window.
pub fn on_window_event(event: &str, mut handler: impl FnMut() + 'static) -> Result<(), JsValue> {
    listen::<web_sys::Event>(&window(), event, move |_| handler())
}

/// Replaces a figure's content by an error box naming what failed.
pub fn show_failure(container: &Element, message: &str) {
    let id = container.id();
    web_sys::console::error_1(&JsValue::from_str(&format!("figure {id} failed: {message}")));
    if let Ok(box_) = element("p", "fig-error") {
        box_.set_text_content(Some(&format!("The figure \u{201c}{id}\u{201d} could not start: {message}")));
        box_.set_attribute("role", "alert").ok();
        container.set_text_content(None);
        let _ = container.append_child(&box_);
    }
}

/// Whether the reader's system asks for a dark colour scheme.
pub fn prefers_dark() -> bool {
    window().match_media("(prefers-color-scheme: dark)").ok().flatten().map(|m| m.matches()).unwrap_or(false)
}
