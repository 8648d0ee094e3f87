//! Small DOM helpers. Text is always set as text, never parsed as HTML.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, Window};

use super::isolation;
use crate::kit::notation::{self, Run};

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

/// Calls `handler` on every `event` of `target`, for the life of the page. A listener added
/// while a figure runs (as its controls are when it mounts) belongs to that figure: it runs as
/// that figure, and not at all once the figure has failed (see `isolation`).
pub fn listen<E: wasm_bindgen::convert::FromWasmAbi + 'static>(
    target: &web_sys::EventTarget,
    event: &str,
    handler: impl FnMut(E) + 'static,
) -> Result<(), JsValue> {
    listen_boxed(target, event, Box::new(handler))
}

/// [`listen`] past its one generic step: one copy of this per event type, not per handler.
fn listen_boxed<E: wasm_bindgen::convert::FromWasmAbi + 'static>(
    target: &web_sys::EventTarget,
    event: &str,
    mut handler: Box<dyn FnMut(E)>,
) -> Result<(), JsValue> {
    let owner = isolation::running();
    let closure = Closure::<dyn FnMut(E)>::new(move |event: E| isolation::run_for(owner, || handler(event)));
    target.add_event_listener_with_callback(event, closure.as_ref().unchecked_ref())?;
    closure.forget(); // page-lifetime listener
    Ok(())
}

/// Calls `handler` on every `event` of the window.
pub fn on_window_event(event: &str, mut handler: impl FnMut() + 'static) -> Result<(), JsValue> {
    listen::<web_sys::Event>(&window(), event, move |_| handler())
}

const DARK_SCHEME: &str = "(prefers-color-scheme: dark)";

/// Whether the reader's system asks for a dark colour scheme now.
pub fn prefers_dark() -> bool {
    window().match_media(DARK_SCHEME).ok().flatten().is_some_and(|m| m.matches())
}

/// Calls `handler` whenever the reader's colour scheme changes (the plots then redraw in it).
pub fn on_color_scheme_change(mut handler: impl FnMut() + 'static) -> Result<(), JsValue> {
    match window().match_media(DARK_SCHEME)? {
        Some(scheme) => listen::<web_sys::Event>(&scheme, "change", move |_| handler()),
        None => Ok(()),
    }
}

/// Appends to `target` a copy of each child of `source` (an element of the page or of a
/// template's content).
pub fn append_copies(target: &Element, source: &Element) -> Result<(), JsValue> {
    let children = source.child_nodes();
    for i in 0..children.length() {
        if let Some(child) = children.item(i) {
            target.append_child(&document().import_node_with_deep(&child, true)?)?;
        }
    }
    Ok(())
}

/// Sets `element`'s text to `text`, its indices as real subscripts (`kit::notation`).
pub fn set_math_text(element: &Element, text: &str) {
    element.set_text_content(None);
    for run in notation::runs(text) {
        let node: Result<web_sys::Node, JsValue> = match run {
            Run::Line(line) => Ok(document().create_text_node(&line).into()),
            Run::Subscript(index) => element_with_text("sub", &index).map(Into::into),
        };
        if let Ok(node) = node {
            let _ = element.append_child(&node);
        }
    }
}

fn element_with_text(tag: &str, text: &str) -> Result<Element, JsValue> {
    let el = element(tag, "")?;
    el.set_text_content(Some(text));
    Ok(el)
}

/// Whether a key pressed went to an element that takes typing or uses the arrow keys itself (a
/// text box, a slider, a drop-down, a text area, editable text): page-wide keys leave it alone.
pub fn typing_in(event: &web_sys::KeyboardEvent) -> bool {
    let Some(target) = event.target().and_then(|t| t.dyn_into::<Element>().ok()) else { return false };
    matches!(target.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA")
        || target.dyn_ref::<web_sys::HtmlElement>().is_some_and(|t| t.is_content_editable())
}
