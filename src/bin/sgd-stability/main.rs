//! The native command line: every figure's computation, its tables as CSV and its panels as
//! PNG and SVG, drawn by the same `draw` code as the page; the walkthrough's handout to print;
//! and the benchmark of the core.
//!
//! ```text
//! sgd-stability list
//! sgd-stability <figure-id> [--set key=value]... [--out DIR] [--scale S] [--load-run FILE] [--save-run FILE]
//! sgd-stability handout [--out DIR] [--step K] [--url URL]
//! sgd-stability bench [--out FILE]
//! ```

#[cfg(not(target_arch = "wasm32"))]
mod cli;
#[cfg(not(target_arch = "wasm32"))]
mod handout;

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    cli::main()
}

/// In the browser the library's start function runs instead; the command line is native only.
#[cfg(target_arch = "wasm32")]
fn main() {}
