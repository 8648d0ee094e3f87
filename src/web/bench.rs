//! The EOS-1 and EOS-3 benchmarks, callable from the page's JavaScript (`window.wasmBindings`),
//! so that `make bench` times exactly the code the figures run, as WebAssembly in the browser;
//! and the memory probe of `make soak`.

use wasm_bindgen::prelude::*;

use crate::math::eos1::time_eos1;
use crate::math::eos3::time_eos3;

/// The page's clock in milliseconds.
fn now() -> f64 {
    super::dom::window().performance().map_or(0.0, |p| p.now())
}

/// Runs EOS-1 in its three modes and returns the timings as JSON.
#[wasm_bindgen]
pub fn bench_eos1() -> String {
    serde_json::to_string(&time_eos1(&now)).unwrap_or_default()
}

/// Runs EOS-3 in its modes on `digits` (the site's digits.bin, which the page fetches only when
/// a figure asks for it) and returns the timings as JSON.
#[wasm_bindgen]
pub fn bench_eos3(digits: Vec<u8>) -> Result<String, JsValue> {
    crate::math::digits::provide(digits).map_err(|e| JsValue::from_str(&e))?;
    Ok(serde_json::to_string(&time_eos3(&now)).unwrap_or_default())
}

/// The size of the module's linear memory in bytes (what `memory.buffer.byteLength` reports),
/// for `make soak`, which watches it for growth while a figure trains for minutes.
#[wasm_bindgen]
pub fn wasm_memory_bytes() -> f64 {
    (core::arch::wasm32::memory_size::<0>() * 65536) as f64
}
