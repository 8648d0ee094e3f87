//! The handwritten digits, fetched from the page's own site the first time a figure asks for
//! them (see `math::digits`): Trunk copies data/digits/digits.bin beside the page. Settings that
//! need them wait (the figure says so); once the file has arrived, the page applies its URL to
//! every figure again, so that those settings take effect.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::dom;
use crate::math::digits;

/// The file's address, relative to the page's base (so that it works under any sub-path).
const FILE: &str = "digits.bin";

/// What the reader is told while the file is on its way.
pub const LOADING: &str = "Loading the handwritten digits (114 KiB) from this site\u{2026}";

/// Where the fetch stands.
enum Fetch {
    NotStarted,
    UnderWay,
    /// It failed for this reason; the next request tries again.
    Failed(String),
}

thread_local! {
    static FETCH: RefCell<Fetch> = const { RefCell::new(Fetch::NotStarted) };
    /// What runs once the fetch has ended, well or not: the page applies its URL again.
    static ON_END: RefCell<Option<Rc<dyn Fn()>>> = const { RefCell::new(None) };
}

/// Sets what runs once a fetch of the file has ended (the page applies its URL to every figure).
pub fn on_end(then: impl Fn() + 'static) {
    ON_END.with(|on_end| *on_end.borrow_mut() = Some(Rc::new(then)));
}

/// Starts fetching the file unless it is here or already on its way. Err with the reason when the
/// last fetch failed (the next request tries again).
pub fn request() -> Result<(), String> {
    FETCH.with(|fetch| {
        let mut fetch = fetch.borrow_mut();
        match std::mem::replace(&mut *fetch, Fetch::NotStarted) {
            Fetch::Failed(reason) => Err(reason),
            Fetch::UnderWay => {
                *fetch = Fetch::UnderWay;
                Ok(())
            }
            Fetch::NotStarted if digits::loaded() => Ok(()),
            Fetch::NotStarted => {
                *fetch = Fetch::UnderWay;
                start();
                Ok(())
            }
        }
    })
}

/// Fetches the file and hands it to the numerics; records a failure with its reason.
fn start() {
    let response = Closure::once(|response: JsValue| match response.dyn_into::<web_sys::Response>() {
        Ok(response) if response.ok() => match response.array_buffer() {
            Ok(body) => settle(&body, |buffer| digits::provide(js_sys::Uint8Array::new(&buffer).to_vec())),
            Err(error) => end(Err(reason(&error))),
        },
        Ok(response) => end(Err(format!("the site answered {} {}", response.status(), response.status_text()))),
        Err(other) => end(Err(reason(&other))),
    });
    settle_with(&dom::window().fetch_with_str(FILE), response);
}

/// Runs `then` on what `promise` resolves to, and ends the fetch with its result, or with the
/// promise's failure.
fn settle(promise: &js_sys::Promise, then: impl FnOnce(JsValue) -> Result<(), String> + 'static) {
    settle_with(promise, Closure::once(move |value: JsValue| end(then(value))));
}

/// Runs `resolved` on what `promise` resolves to; ends the fetch with the promise's failure.
/// The closures run at most once per fetch, and a fetch happens once per page (or once per
/// failure), so they are left to the page.
fn settle_with(promise: &js_sys::Promise, resolved: Closure<dyn FnMut(JsValue)>) {
    let failed = Closure::once(|error: JsValue| end(Err(reason(&error))));
    let _ = promise.then2(&resolved, &failed);
    resolved.forget();
    failed.forget();
}

/// A failure's message, in words.
fn reason(error: &JsValue) -> String {
    error
        .as_string()
        .or_else(|| js_sys::Reflect::get(error, &"message".into()).ok().and_then(|message| message.as_string()))
        .unwrap_or_else(|| "the request failed".to_string())
}

/// The fetch has ended: records how, then lets the page apply its URL again.
fn end(result: Result<(), String>) {
    FETCH.with(|fetch| {
        *fetch.borrow_mut() = match result {
            Ok(()) => Fetch::NotStarted,
            Err(reason) => Fetch::Failed(reason),
        }
    });
    if let Some(then) = ON_END.with(|on_end| on_end.borrow().clone()) {
        then();
    }
}
