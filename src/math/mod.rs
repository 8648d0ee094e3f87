//! The numerics of the lecture, in f64, deterministic given a seed.
//!
//! Nothing here knows about figures, plotting, the DOM or the clock. Failure (divergence,
//! non-convergence) is a value, never a panic.

pub mod datasets;
pub mod dense;
pub mod kernels;
pub mod lanczos;
pub mod mlp;
pub mod network;
pub mod optimizer;
pub mod quadratic;
pub mod rng;
pub mod shallow_tables;
pub mod sharpness;
pub mod special;
pub mod tridiagonal;
