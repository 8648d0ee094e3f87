//! The EOS-1 benchmark, callable from the page's JavaScript (`window.wasmBindings`), so that
//! `make bench` times exactly the code the figures run, as WebAssembly in the browser.

use wasm_bindgen::prelude::*;

use crate::bench::time_eos1;

/// Runs EOS-1 in its three modes and returns the timings as JSON.
#[wasm_bindgen]
pub fn bench_eos1() -> String {
    let performance = super::dom::window().performance();
    let now = move || performance.as_ref().map_or(0.0, |p| p.now());
    serde_json::to_string(&time_eos1(&now)).unwrap_or_default()
}
