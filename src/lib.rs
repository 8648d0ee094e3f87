//! "SGD: A Stability Perspective", an explorable.
//!
//! Layers, data flowing one way:
//! - [`math`]: the numerics of the lecture (quadratics, the one-hidden-layer network, exact
//!   Hessian-vector products, Lanczos, GD and SGD). No plotting, no clock, no web. A crate of
//!   its own (crates/math), so that the page's build optimizes it for speed and the rest for
//!   size.
//! - [`kit`]: what figures are made of: parameters, plot helpers, the recording backend.
//! - [`figures`]: one module per figure of the page: its parameters, its state, a bounded
//!   `step`, and a `draw` generic over plotters' `DrawingBackend`, so the same code draws on
//!   a browser canvas and into PNG/SVG files.
//! - [`page`]: what the page does around the figures without a browser: URL state, modes,
//!   walkthrough steps, run files.
//! - `web` (wasm32 only): the DOM, controls, canvases and the animation loop.

pub mod figures;
pub mod kit;
pub use sgd_stability_math as math;
pub mod page;

#[cfg(target_arch = "wasm32")]
pub mod web;
