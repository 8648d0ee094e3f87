//! Panic isolation between figures. A panic in WebAssembly aborts: it cannot be caught, and the
//! call into the module ends with a trap. So every call into a figure (its mounting, each
//! animation frame, each of its events) runs through [`run_as`], which records the figure that
//! runs. The panic hook, [`report_panic`], marks that figure failed and shows the message in its
//! container; a failed figure is never called again, and the other figures keep working (the
//! animation loop asks for its next frame before it runs the figures).
//!
//! It reaches the page through web-sys alone, never through `dom` (whose listeners run through
//! this module), and never panics: it runs in the panic hook.

use std::cell::{Cell, RefCell};

use wasm_bindgen::prelude::*;
use web_sys::{Document, Element};

use crate::figures::ALL_IDS;

thread_local! {
    /// The figure whose code runs now, if any.
    static RUNNING: Cell<Option<&'static str>> = const { Cell::new(None) };
    /// Figures that panicked.
    static FAILED: RefCell<Vec<&'static str>> = const { RefCell::new(Vec::new()) };
    /// Figures asked by [`fail_figure_for_test`] to panic the next time they run.
    static TO_FAIL: RefCell<Vec<&'static str>> = const { RefCell::new(Vec::new()) };
}

/// Runs `work` on behalf of figure `id` and returns its result; returns `None` without running
/// it if that figure has failed.
pub fn run_as<T>(id: &'static str, work: impl FnOnce() -> T) -> Option<T> {
    let outer = enter(id)?;
    let result = work();
    RUNNING.set(outer);
    Some(result)
}

/// Runs `work` as figure `owner` (see [`run_as`]), or plainly when it belongs to no figure. For
/// callbacks: `owner` is what [`running`] said when the callback was set up.
pub fn run_for(owner: Option<&'static str>, work: impl FnOnce()) {
    match owner {
        Some(id) => {
            run_as(id, work);
        }
        None => work(),
    }
}

/// Marks figure `id` as running and returns the figure that ran before it; None if `id` has
/// failed. Kept out of line: [`run_as`] is generic, and this is the part that need not be.
#[inline(never)]
fn enter(id: &'static str) -> Option<Option<&'static str>> {
    if FAILED.with_borrow(|failed| failed.contains(&id)) {
        return None;
    }
    let outer = RUNNING.replace(Some(id));
    if TO_FAIL.with_borrow_mut(|to_fail| take(to_fail, id)) {
        panic!("the test asked this figure to fail (fail_figure_for_test)");
    }
    Some(outer)
}

/// The figure whose code runs now, if any.
pub fn running() -> Option<&'static str> {
    RUNNING.get()
}

/// Removes `id` from `list`; returns whether it was there.
fn take(list: &mut Vec<&'static str>, id: &str) -> bool {
    let before = list.len();
    list.retain(|&other| other != id);
    list.len() != before
}

/// What a panic says (its payload, when it is text).
pub fn panic_message<'a>(info: &'a std::panic::PanicHookInfo<'_>) -> &'a str {
    let payload = info.payload();
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("no message")
}

/// The panic hook: logs the panic with its message and place, and shows the message in place
/// of the figure that panicked (or, for a panic outside any figure, at the top of the page), so
/// that a failure is never a silently dead page.
pub fn report_panic(info: &std::panic::PanicHookInfo<'_>) {
    let what = panic_message(info);
    // The place is for developers: the console only.
    let place = info.location().map(|l| format!(" (at {}:{})", l.file(), l.line())).unwrap_or_default();
    let document = web_sys::window().and_then(|window| window.document());
    match RUNNING.take() {
        Some(id) => {
            stop(id, &format!("The figure \u{201c}{id}\u{201d} stopped with an internal error: {what}."), &place)
        }
        None => {
            let message =
                format!("An internal error occurred: {what}. If a figure stopped, reloading the page restarts it.");
            web_sys::console::error_1(&JsValue::from_str(&format!("{message}{place}")));
            let body = document.as_ref().and_then(Document::body);
            if let (Some(body), Some(banner)) = (body, document.and_then(|document| alert(&document, &message))) {
                let _ = body.prepend_with_node_1(&banner);
            }
        }
    }
}

/// Stops figure `id` as a panic in it would, for a panic in its worker (see `workers`), whose
/// message is `what`.
pub fn fail(id: &'static str, what: &str) {
    stop(id, &format!("The figure \u{201c}{id}\u{201d} stopped with an internal error in a worker: {what}."), "");
}

/// Marks figure `id` failed and shows `message` in its place; the console also gets `place`,
/// where in the code the panic happened.
fn stop(id: &'static str, message: &str, place: &str) {
    FAILED.with_borrow_mut(|failed| failed.push(id));
    web_sys::console::error_1(&JsValue::from_str(&format!("{message}{place}")));
    let document = web_sys::window().and_then(|window| window.document());
    if let Some(container) = document.and_then(|document| document.get_element_by_id(id)) {
        let advice = "The other figures keep working; reloading the page restarts this one.";
        show_failure(&container, &format!("{message} {advice}"));
    }
}

/// Replaces a figure's content by an alert box that says `message`.
pub fn show_failure(container: &Element, message: &str) {
    if let Some(message_box) = container.owner_document().and_then(|document| alert(&document, message)) {
        container.set_text_content(None);
        let _ = container.append_child(&message_box);
    }
}

/// A new alert box (`<p class="fig-error" role="alert">`) that says `message`.
fn alert(document: &Document, message: &str) -> Option<Element> {
    let alert = document.create_element("p").ok()?;
    alert.set_class_name("fig-error");
    alert.set_text_content(Some(message));
    let _ = alert.set_attribute("role", "alert");
    Some(alert)
}

/// Makes figure `id` panic the next time it runs, so that the end-to-end test can check that a
/// panic stops that figure alone. Nothing on the page calls it; it is reachable only from
/// JavaScript, as `window.wasmBindings.fail_figure_for_test(id)`.
#[wasm_bindgen]
pub fn fail_figure_for_test(id: &str) -> Result<(), JsValue> {
    let known = ALL_IDS.iter().find(|&&known| known == id).ok_or_else(|| format!("no figure has the id \"{id}\""))?;
    TO_FAIL.with_borrow_mut(|to_fail| to_fail.push(known));
    Ok(())
}
