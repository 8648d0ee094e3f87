//! The EOS-1 benchmark (bench/README.md), shared by the native command line and the page: the
//! same code is timed natively and as WebAssembly. The clock is passed in, so that nothing
//! here depends on a platform.

use serde::Serialize;

use crate::activation::Activation;
use crate::network::{Data, ShallowNet};
use crate::shallow_tables::ShallowTables;
use crate::sharpness::{SharpnessMeter, SharpnessMode, SharpnessRun, DEFAULT_TOLERANCE};
use crate::trainer::gd_steps;
use crate::trainer::Schedule;

/// The reference workload's initial state.
#[derive(Clone, Debug)]
pub struct Eos1 {
    pub data: Data,
    pub theta0: Vec<f64>,
    pub v0: Vec<f64>,
}

/// EOS-1's width, step size and length.
pub const EOS1_WIDTH: usize = 100;
pub const EOS1_ETA: f64 = 0.06;
pub const EOS1_STEPS: usize = 2000;

/// The initial state as build.rs writes it from bench/eos1_init.json: x, y, theta0 and v0, each
/// as its length (u64) and its values (f64), little-endian.
const INIT: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/eos1_init.bin"));

/// The initial state, embedded from bench/eos1_init.json.
pub fn eos1() -> Eos1 {
    let mut rest = INIT;
    let mut next_array = || {
        let (length, tail) = rest.split_at(8);
        let length = u64::from_le_bytes(length.try_into().expect("eight bytes")) as usize;
        let (values, tail) = tail.split_at(8 * length);
        rest = tail;
        values.chunks_exact(8).map(|b| f64::from_le_bytes(b.try_into().expect("eight bytes"))).collect::<Vec<f64>>()
    };
    let (x, y, theta0, v0) = (next_array(), next_array(), next_array(), next_array());
    Eos1 { data: Data { x, y }, theta0, v0 }
}

/// Steps per second of the three ways to run EOS-1, and the sharpness it reaches.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Eos1Timings {
    /// GD step plus 20-iteration Lanczos sharpness from v₀, every step.
    pub sharpness_steps_per_s: f64,
    /// Plain GD.
    pub gd_steps_per_s: f64,
    /// GD step plus warm-started sharpness to 1e-10 relative (the page's default).
    pub adaptive_steps_per_s: f64,
    /// Mean Hessian-vector products per step of the warm-started mode.
    pub adaptive_products_per_step: f64,
    pub sharpness_step_0: f64,
    pub sharpness_step_2000: f64,
    pub adaptive_sharpness_step_2000: f64,
}

/// Runs the three modes once each; `now` returns milliseconds.
pub fn time_eos1(now: &dyn Fn() -> f64) -> Eos1Timings {
    let init = eos1();
    let net = ShallowNet::new(EOS1_WIDTH, Activation::Tanh);
    let p = net.num_params();
    let run = |mode: SharpnessMode| {
        let meter = SharpnessMeter::new(p, mode, 1);
        let model = ShallowTables::new(net, &init.data);
        let mut run = SharpnessRun::new(
            model,
            init.theta0.clone(),
            Schedule::constant(EOS1_ETA),
            meter,
            EOS1_STEPS,
            init.data.len(),
            0,
        );
        let start = now();
        run.advance(usize::MAX);
        let seconds = (now() - start) / 1000.0;
        (run.records.len() as f64 / seconds, run)
    };
    let (sharpness_rate, fixed) = run(SharpnessMode::Fixed { iterations: 20, start: init.v0.clone() });
    let (adaptive_rate, adaptive) =
        run(SharpnessMode::WarmStart { tolerance: DEFAULT_TOLERANCE, max_iter: 60, start: init.v0.clone() });
    let mut model = ShallowTables::new(net, &init.data);
    let mut theta = init.theta0.clone();
    let mut grad = vec![0.0; p];
    let gd_steps_count = 20 * EOS1_STEPS;
    let start = now();
    gd_steps(&mut model, &mut theta, EOS1_ETA, gd_steps_count, &mut grad);
    let gd_rate = gd_steps_count as f64 / ((now() - start) / 1000.0);
    let products: usize = adaptive.records.iter().map(|r| r.sharpness.iterations).sum();
    Eos1Timings {
        sharpness_steps_per_s: sharpness_rate,
        gd_steps_per_s: gd_rate,
        adaptive_steps_per_s: adaptive_rate,
        adaptive_products_per_step: products as f64 / adaptive.records.len() as f64,
        sharpness_step_0: fixed.records[0].sharpness.value,
        sharpness_step_2000: fixed.records[EOS1_STEPS].sharpness.value,
        adaptive_sharpness_step_2000: adaptive.records[EOS1_STEPS].sharpness.value,
    }
}
