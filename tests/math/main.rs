//! The numerics (`crates/math`), natively: every derivative against finite differences, every
//! eigenvalue routine against a dense decomposition, closed forms against iterates, and the
//! lecture's theorems as properties over many random cases. One module per topic; one test
//! crate for the layer, so that it is compiled and linked once.
//!
//! `cargo test --test math` runs them; `cargo test --test math lanczos` runs one topic.

mod batch_sharpness;
mod central_flow;
mod corollary;
mod datasets;
mod eos1;
mod function_space;
mod interpolation;
mod lanczos;
mod linear_stability;
// The sweep on every core is the command line's (there are no threads in the page).
#[cfg(not(target_arch = "wasm32"))]
mod lr_sweep;
mod mlp;
mod network_derivatives;
mod optimizer;
mod quadratic;
mod rescaling;
mod switching;
