//! The EOS-3 benchmark, the reference workload on real data (bench/README.md): the first 500
//! handwritten digits, pixels / 16, one-hot targets, one hidden layer of 64 tanh units (4,810
//! parameters), LeCun-normal weights from seed 0 and zero biases, full-batch GD at η = 0.08.
//! Its start is the edge-of-stability figure's preset "EOS-3 digits". Shared by the native
//! command line and the page, so the same code is timed natively and as WebAssembly; the clock
//! is passed in.

use serde::Serialize;

use crate::activation::Activation;
use crate::central_flow::CentralFlow;
use crate::datasets::Dataset;
use crate::digits::{CLASSES, PIXELS};
use crate::kernels::peak_flops;
use crate::lanczos::fixed_start;
use crate::mlp::{Architecture, Mlp};
use crate::rng::seeded;
use crate::sharpness::{MlpModel, SharpnessMeter, SharpnessMode, SharpnessRun, DEFAULT_TOLERANCE};
use crate::trainer::{gd_steps, CurvatureModel, Schedule};

/// EOS-3's size, width, step size and seed.
pub const EOS3_POINTS: usize = 500;
pub const EOS3_WIDTH: usize = 64;
pub const EOS3_ETA: f64 = 0.08;
pub const EOS3_SEED: u64 = 0;

/// GD steps timed with a sharpness at every step (each costs 20 or more Hessian-vector
/// products over 500 images, so a few dozen give a stable rate).
const SHARPNESS_STEPS: usize = 40;
/// Plain GD steps run before the central flow is timed: the run is at the edge by step 1,095.
const STEPS_TO_EDGE: usize = 1200;
/// GD steps of the central flow timed at the edge.
const FLOW_STEPS: usize = 8;
/// Flow steps per GD step, as the flow's measurement on EOS-3 uses.
const FLOW_SUBSTEPS: usize = 2;
/// Hessian-vector products timed on their own.
const PRODUCTS: usize = 20;

/// The reference workload's network, data and initial state.
#[derive(Clone, Debug)]
pub struct Eos3 {
    pub mlp: Mlp,
    pub data: Dataset,
    pub theta0: Vec<f64>,
    /// The Lanczos start vector.
    pub v0: Vec<f64>,
}

/// EOS-3 at its start.
pub fn eos3() -> Eos3 {
    let arch =
        Architecture { input_dim: PIXELS, hidden: vec![EOS3_WIDTH], activation: Activation::Tanh, output_dim: CLASSES };
    let theta0 = arch.init(&mut seeded(EOS3_SEED));
    let mlp = Mlp::new(arch).expect("EOS-3's architecture is valid");
    let data = Dataset::digits(EOS3_POINTS).expect("the digits set has 500 images");
    let v0 = fixed_start(theta0.len());
    Eos3 { mlp, data, theta0, v0 }
}

/// Steps per second of the ways to run EOS-3, natively or as WebAssembly.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Eos3Timings {
    /// GD step plus 20-iteration Lanczos sharpness from v₀, every step.
    pub sharpness_steps_per_s: f64,
    /// GD step plus warm-started sharpness to 1e-10 relative (the page's default).
    pub adaptive_steps_per_s: f64,
    /// Mean Hessian-vector products per step of the warm-started mode.
    pub adaptive_products_per_step: f64,
    /// Plain GD.
    pub gd_steps_per_s: f64,
    /// GD steps of central flow (2 flow steps each) per second at the edge of stability, from
    /// GD's iterate at step 1,200; GD's own step is not included.
    pub flow_steps_per_s: f64,
    /// The mean number of eigenvalues the flow held at 2/η over the timed steps.
    pub flow_edge_eigenvalues: f64,
    /// Exact Hessian-vector products over the 500 images per second.
    pub hessian_vec_per_s: f64,
    /// Their arithmetic rate, in 10⁹ floating-point operations per second
    /// ([`crate::mlp::Architecture::hessian_vec_flops`]).
    pub hessian_vec_gflops: f64,
    /// The rate of the kernels' multiply-adds in registers on the same machine
    /// ([`crate::kernels::peak_flops`]), in 10⁹ per second: the ceiling.
    pub peak_gflops: f64,
    /// The sharpness at step 0 (the figure's preset says 23.24).
    pub sharpness_step_0: f64,
}

/// Runs every mode once; `now` returns milliseconds.
pub fn time_eos3(now: &dyn Fn() -> f64) -> Eos3Timings {
    let init = eos3();
    let p = init.theta0.len();
    let rate = |count: usize, start: f64| count as f64 / ((now() - start) / 1000.0);
    let run = |mode: SharpnessMode| {
        let meter = SharpnessMeter::new(p, mode, 1);
        let model = MlpModel::new(init.mlp.clone(), init.data.clone());
        let schedule = Schedule::constant(EOS3_ETA);
        let mut run = SharpnessRun::new(model, init.theta0.clone(), schedule, meter, SHARPNESS_STEPS, EOS3_POINTS, 0);
        let start = now();
        run.advance(usize::MAX);
        (rate(run.records.len(), start), run)
    };
    let (sharpness_rate, fixed) = run(SharpnessMode::Fixed { iterations: 20, start: init.v0.clone() });
    let (adaptive_rate, adaptive) =
        run(SharpnessMode::WarmStart { tolerance: DEFAULT_TOLERANCE, max_iter: 60, start: init.v0.clone() });
    let products: usize = adaptive.records.iter().map(|r| r.sharpness.iterations).sum();

    let mut model = MlpModel::new(init.mlp.clone(), init.data.clone());
    let mut theta = init.theta0.clone();
    let mut grad = vec![0.0; p];
    let start = now();
    gd_steps(&mut model, &mut theta, EOS3_ETA, STEPS_TO_EDGE, &mut grad);
    let gd_rate = rate(STEPS_TO_EDGE, start);

    let mut flow = CentralFlow::new(
        init.mlp.clone(),
        init.data.clone(),
        theta.clone(),
        Schedule::constant(EOS3_ETA),
        FLOW_SUBSTEPS,
        init.v0.clone(),
    )
    .expect("EOS-3's flow is well posed");
    let start = now();
    let flowed = flow.advance(FLOW_STEPS).map(|()| FLOW_STEPS).unwrap_or_else(|_| flow.records().len());
    let flow_rate = rate(flowed, start);
    let edge = flow.records().iter().map(|r| r.edge_count as f64).sum::<f64>() / flowed.max(1) as f64;

    model.evaluate(&init.theta0, &mut grad, true);
    let mut out = vec![0.0; p];
    let start = now();
    for _ in 0..PRODUCTS {
        model.hessian_vec(&init.v0, &mut out);
    }
    let products_rate = rate(PRODUCTS, start);
    let product_flops = init.mlp.architecture().hessian_vec_flops(init.data.len());

    Eos3Timings {
        sharpness_steps_per_s: sharpness_rate,
        adaptive_steps_per_s: adaptive_rate,
        adaptive_products_per_step: products as f64 / adaptive.records.len() as f64,
        gd_steps_per_s: gd_rate,
        flow_steps_per_s: flow_rate,
        flow_edge_eigenvalues: edge,
        hessian_vec_per_s: products_rate,
        hessian_vec_gflops: products_rate * product_flops / 1e9,
        peak_gflops: peak_flops(now) / 1e9,
        sharpness_step_0: fixed.records[0].sharpness.value,
    }
}
