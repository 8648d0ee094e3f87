//! The numerics of the lecture, in f64, deterministic given a seed.
//!
//! Nothing here knows about figures, plotting, the DOM or the clock. Failure (divergence,
//! non-convergence) is a value, never a panic.

pub mod activation;
pub mod batch_sharpness;
pub mod central_flow;
pub mod cores;
pub mod datasets;
pub mod dense;
pub mod digits;
pub mod distribution;
pub mod eos1;
pub mod eos3;
pub mod function_space;
pub mod interpolation;
pub mod interpolation_run;
pub mod kernels;
pub mod lanczos;
pub mod least_squares;
pub mod linear_stability;
pub mod lr_sweep;
pub mod mlp;
pub mod network;
pub mod numbers;
pub mod order;
pub mod quadratic;
pub mod rescaling;
pub mod rng;
pub mod shallow_tables;
pub mod sharpness;
pub mod special;
pub mod switching;
pub mod trainer;
pub mod tridiagonal;
