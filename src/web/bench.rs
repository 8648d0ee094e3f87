//! The EOS-1 benchmark, callable from the page's JavaScript (`window.wasmBindings`), so that
//! `make bench` times exactly the code the figures run, as WebAssembly in the browser; and the
//! memory probe of `make soak`.

use wasm_bindgen::prelude::*;

use crate::math::eos1::time_eos1;

/// Runs EOS-1 in its three modes and returns the timings as JSON.
#[wasm_bindgen]
pub fn bench_eos1() -> String {
    let performance = super::dom::window().performance();
    let now = move || performance.as_ref().map_or(0.0, |p| p.now());
    serde_json::to_string(&time_eos1(&now)).unwrap_or_default()
}

/// The size of the module's linear memory in bytes (what `memory.buffer.byteLength` reports),
/// for `make soak`, which watches it for growth while a figure trains for minutes.
#[wasm_bindgen]
pub fn wasm_memory_bytes() -> f64 {
    (core::arch::wasm32::memory_size::<0>() * 65536) as f64
}
