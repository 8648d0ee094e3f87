//! The figures (`src/figures`, and the kit they are built with in `src/kit`), natively: every
//! figure built, run, drawn and exported at its defaults and at random settings; what the page
//! says each figure shows, checked on the settings it names; legends that cover no data; a
//! paused run that a link replays exactly; the parameters' one validation path; and every
//! figure's tables at its defaults, pinned byte for byte (`golden`). One module per topic; one
//! test crate for the layer, so that it is compiled and linked once.
//!
//! `cargo test --test figures` runs them; `cargo test --test figures legends` runs one topic.

// The browser's own tests are tests/web.rs; these need the native drawing backends.
#![cfg(not(target_arch = "wasm32"))]

#[path = "../common/mod.rs"]
mod common;

mod claims;
mod every_figure;
mod finished;
mod golden;
mod legends;
mod params;
mod part3;
mod placed_points;
mod progress;
mod proof_mean_dynamics;
mod threads;
