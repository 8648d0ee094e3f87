//! The reference workload EOS-1 (bench/eos1_init.json, described in bench/README.md):
//! full-batch GD on a tanh network of width 100 fitting T₄ at 20 points,
//! η = 0.06, with the sharpness (20 Lanczos iterations from a fixed start vector) after every
//! step. Independent implementations agree on the values below to better than 1e-11.

use sgd_stability::math::activation::Activation;
use sgd_stability::math::network::{Regression, ShallowNet};
use sgd_stability::math::shallow_tables::ShallowTables;
use sgd_stability::math::sharpness::{SharpnessMeter, SharpnessMode, SharpnessRun, DEFAULT_TOLERANCE};
use sgd_stability::math::trainer::Schedule;

use sgd_stability::math::eos1::{eos1, Eos1 as Init};

fn init() -> Init {
    eos1()
}

const ETA: f64 = 0.06;
/// (step, sharpness, loss) of the reference.
const REFERENCE: [(usize, f64, f64); 5] = [
    (0, 33.63383474724168, 0.2884632849282686),
    (500, 33.168463697963304, 0.1475016198792225),
    (1000, 33.67853009940402, 0.6469926318122006),
    (1500, 33.53458506406572, 0.04259602320364322),
    (2000, 32.99053626358797, 0.03313520420384748),
];

fn run(mode: SharpnessMode) -> SharpnessRun<ShallowTables> {
    let init = init();
    let data = init.data;
    let net = ShallowNet::new(100, Activation::Tanh);
    let meter = SharpnessMeter::new(net.num_params(), mode, 1);
    let mut run = SharpnessRun::new(
        ShallowTables::new(net, &data),
        init.theta0,
        Schedule::constant(ETA),
        meter,
        2000,
        data.len(),
        0,
    );
    run.advance(usize::MAX);
    run
}

fn relative(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}

/// The embedded state is the file's, bit for bit: each array read from bench/eos1_init.json here
/// equals the one the library embeds through build.rs.
#[test]
fn the_embedded_state_is_the_json_file_bit_for_bit() {
    let file: serde_json::Value =
        serde_json::from_str(include_str!("../../bench/eos1_init.json")).expect("bench/eos1_init.json is JSON");
    let array = |key: &str| -> Vec<u64> {
        file[key].as_array().expect("an array").iter().map(|v| v.as_f64().expect("a number").to_bits()).collect()
    };
    let bits = |values: &[f64]| -> Vec<u64> { values.iter().map(|v| v.to_bits()).collect() };
    let init = init();
    assert_eq!(bits(&init.data.x), array("x"));
    assert_eq!(bits(&init.data.y), array("y"));
    assert_eq!(bits(&init.theta0), array("theta0"));
    assert_eq!(bits(&init.v0), array("v0"));
    assert_eq!(init.theta0.len(), 301);
    assert_eq!(init.data.x.len(), 20);
}

#[test]
fn fixed_twenty_iterations_match_the_reference() {
    let init = init();
    let run = run(SharpnessMode::Fixed { iterations: 20, start: init.v0 });
    assert_eq!(run.records.len(), 2001);
    for (step, sharpness, loss) in REFERENCE {
        let r = &run.records[step];
        let tolerance = if step == 0 { 1e-12 } else { 1e-6 };
        assert!(
            relative(r.sharpness.value, sharpness) <= tolerance,
            "step {step}: sharpness {} vs {sharpness}",
            r.sharpness.value
        );
        assert!(relative(r.loss, loss) <= tolerance, "step {step}: loss {} vs {loss}", r.loss);
    }
    // The run sits at the edge of stability: over the last 500 steps sharpness stays within
    // [32.757, 33.917] around 2/η = 33.33.
    let tail = &run.records[1500..];
    let (lo, hi) = tail
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), r| (lo.min(r.sharpness.value), hi.max(r.sharpness.value)));
    assert!((lo - 32.757).abs() < 1e-3 && (hi - 33.917).abs() < 1e-3, "range [{lo}, {hi}]");
}

#[test]
fn warm_start_matches_the_reference_with_fewer_products() {
    let init = init();
    let run = run(SharpnessMode::WarmStart { tolerance: DEFAULT_TOLERANCE, max_iter: 60, start: init.v0 });
    for (step, sharpness, loss) in REFERENCE {
        let r = &run.records[step];
        assert!(
            relative(r.sharpness.value, sharpness) <= 1e-6,
            "step {step}: sharpness {} vs {sharpness}",
            r.sharpness.value
        );
        assert!(relative(r.loss, loss) <= 1e-6, "step {step}: loss {} vs {loss}", r.loss);
    }
    let products: usize = run.records.iter().map(|r| r.sharpness.iterations).sum();
    let mean = products as f64 / run.records.len() as f64;
    assert!(mean < 20.0, "warm start spent {mean} products per step on average");
}

/// The fast tables agree with the plain reference implementation of the network.
#[test]
fn tables_agree_with_the_plain_implementation() {
    let init = init();
    let data = init.data;
    for activation in [Activation::Tanh, Activation::Relu] {
        let net = ShallowNet::new(100, activation);
        let plain = Regression::new(net, data.clone());
        let mut tables = ShallowTables::new(net, &data);
        let p = net.num_params();
        let mut grad = vec![0.0; p];
        let loss = tables.evaluate(&init.theta0, &mut grad, true);
        assert!(relative(loss, plain.loss(&init.theta0)) < 1e-13);
        let reference = plain.gradient(&init.theta0);
        let norm = reference.iter().map(|g| g * g).sum::<f64>().sqrt();
        let diff = grad.iter().zip(&reference).map(|(a, b)| (a - b).powi(2)).sum::<f64>().sqrt();
        assert!(diff <= 1e-13 * norm, "{activation:?}: gradient differs by {diff}");
        let mut fast = vec![0.0; p];
        let mut slow = vec![0.0; p];
        let mut scratch = vec![0.0; p];
        tables.hessian_vec(&init.v0, &mut fast);
        plain.hessian_vec(&init.theta0, &init.v0, &mut slow, &mut scratch);
        let norm = slow.iter().map(|g| g * g).sum::<f64>().sqrt();
        let diff = fast.iter().zip(&slow).map(|(a, b)| (a - b).powi(2)).sum::<f64>().sqrt();
        assert!(diff <= 1e-13 * norm, "{activation:?}: Hessian-vector product differs by {diff}");
    }
}
