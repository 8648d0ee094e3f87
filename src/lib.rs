//! "SGD: A Stability Perspective", an explorable.
//!
//! Three layers, data flowing one way:
//! - [`math`]: the numerics of the lecture (quadratics, the one-hidden-layer network, exact
//!   Hessian-vector products, Lanczos, GD and SGD). No plotting, no clock, no web.
//! - [`figures`]: one module per figure of the page: its parameters, its state, a bounded
//!   `step`, and a `draw` generic over plotters' `DrawingBackend`, so the same code draws on
//!   a browser canvas and into PNG/SVG files.
//! - `web` (wasm32 only): the DOM, controls, URL state, canvases and the animation loop.

pub mod bench;
pub mod figures;
pub mod math;

#[cfg(target_arch = "wasm32")]
pub mod web;
