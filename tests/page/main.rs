//! The page without the browser (`src/page`), natively: links (`url_state`) and saved runs
//! (`run_file`) that restore exactly what they were written from, the one validation path that
//! every value from outside goes through, both parsers fuzzed, and the walkthrough as the page
//! declares it. One module per topic; one test crate for the layer, so that it is compiled and
//! linked once.
//!
//! `cargo test --test page` runs them; `cargo test --test page walkthrough` runs one topic.

// The browser's own tests are tests/web.rs; these read the page with a native HTML parser.
#![cfg(not(target_arch = "wasm32"))]

#[path = "../common/mod.rs"]
mod common;

mod fuzz_parsers;
mod handout;
mod playback;
mod run_file;
mod url_state;
mod validation;
mod walkthrough;
