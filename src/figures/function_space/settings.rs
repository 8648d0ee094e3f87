//! The function-space figure's settings: its parameters and panels, declared once, its presets,
//! and the rules for combinations of settings that single ranges cannot check.

use crate::kit::format;

use crate::figures::shared::function_laws::{InputLaw, TargetFunction, LAW_LABEL, TARGET_LABEL};
use crate::figures::Preset;
use crate::kit::params::{ParamError, ParamValues};

/// Neuron evaluations (k · n per step) a setting may ask for at most: about ten seconds of
/// training in a browser.
const MAX_WORK: f64 = 1e9;

crate::choices! {
    /// The figure's two experiments.
    pub enum Experiment { Switch = "switch", Sweep = "sweep" }
}

crate::figure_params! {
    /// The settings of the figure.
    pub struct Settings, keys SettingsKeys {
        mode: Experiment = "mode", "experiment", Choice, Experiment::Switch;
        eta1: f64 = "eta1", "step size \u{3b7}\u{2081}", Log(1e-4, 2.0), 0.01;
        /// The step at which the switch experiment's step size becomes η₂.
        switch: usize = "switch", "switch to \u{3b7}\u{2082} at step", Integer(0, 200_000), 8000;
        eta2: f64 = "eta2", "step size \u{3b7}\u{2082}", Log(1e-4, 2.0), 0.04;
        steps: usize = "steps", "step cap", Integer(100, 200_000), 40_000;
        runs: usize = "runs", "runs of the sweep (\u{3b7}\u{2081} to \u{3b7}\u{2082})", Integer(2, 6), 4;
        n: usize = "n", "data points n", Integer(3, 200), 10;
        k: usize = "k", "neurons k", Integer(1, 400), 200;
        law: InputLaw = "law", LAW_LABEL, Choice, InputLaw::Uniform;
        target: TargetFunction = "target", TARGET_LABEL, Choice, TargetFunction::Abs;
        /// Data points placed by the reader: dragging a sampled point turns the sample into
        /// placed points, a click on the data panel adds one, a double click removes one.
        points: Vec<(f64, f64)> = "points", "data placed by hand (x:y, \u{2026}; empty: sampled)", Points(-10.0, 10.0);
        scale: f64 = "scale", "initial weight scale", Log(0.05, 3.0), 0.6;
        batch: usize = "batch", "batch size B (B \u{2265} n: GD)", Integer(1, 200), 200;
        /// The loss below which a run at a minimum stable for its η counts as interpolated.
        tol: f64 = "tol", "interpolation tolerance on the loss", Log(1e-12, 1e-2), 1e-5;
        seed: u64 = "seed", "random seed", Integer(0, 999), 1;
    }
}

crate::figure_panels! {
    /// The panels, in drawing order.
    pub enum Panels {
        Fit = "fit", "The data points, the target and the learned function f: in the switch experiment at the switch (dashed) and now (solid); in the sweep one curve per step size",
        Knots = "knots", "The knots of f as stems: each knot's height is the jump of f' there, the mass of f'' = Σ|w1ᵢ|w2ᵢ δ(x − τᵢ)",
        Weights = "weights", "The weight functions g⁻, g⁺ and g = min(g⁻, g⁺) of the sample (step-like, jumping at the data) and g of the population law (dashed)",
        Loss = "loss", "The training loss against the step on a log scale, with the interpolation tolerance and the step size switch",
        Sharpness = "sharpness", "The sharpness λ_max of the Hessian against the step, with 2/η and Lemma 4's lower bound 1 + 2∫|f''|g, on a log scale",
        Corollary = "corollary", "∫|f''|g against the step size η on log scales, with the corollary's bound 1/η − 1/2 and the region above it shaded; filled dots are interpolants at minima stable for their η, crosses are points where the loss reached the tolerance at a sharpness above 2/η, hollow dots the last iterates of runs that did not interpolate",
        Phi = "phi", "Φ = [∇θf(x₁) … ∇θf(xₙ)] at the current θ as a colour map: one column per data point in increasing x, one row per parameter in four blocks (x·w⁽²⁾·ℐ, w⁽²⁾·ℐ, ℐ·(xw⁽¹⁾ + b⁽¹⁾) and 1), with the neurons active at some data point sorted by the side and position of their knots (the others have rows of zeros and are left out); positive entries orange, negative blue, each block scaled to its largest entry, blank where the neuron is inactive (ℐ = 0); above it λ_max(ΦΦᵀ/n) beside λ_max(∇²L) and the norm of their difference",
    }
}

/// The keys of the settings, for presets and drags.
pub(super) const KEYS: SettingsKeys = Settings::KEYS;

/// One-click settings: the sweep, SGD with small batches, other inputs and target.
pub(super) const PRESETS: &[Preset] = &[
    Preset {
        label: "Sweep of \u{3b7}",
        values: &[(KEYS.mode, Experiment::Sweep.value()), (KEYS.eta1, 0.005), (KEYS.eta2, 0.04)],
    },
    Preset {
        label: "SGD, B = 2",
        values: &[
            (KEYS.batch, 2.0),
            (KEYS.eta1, 0.005),
            (KEYS.eta2, 0.02),
            (KEYS.switch, 15_000.0),
            (KEYS.steps, 60_000.0),
        ],
    },
    Preset {
        label: "Gaussian inputs, sin \u{3c0}x",
        values: &[(KEYS.law, InputLaw::Gaussian.value()), (KEYS.target, TargetFunction::Sine.value())],
    },
];

/// The switch must come before the step cap, and a run must fit in the page's time: at most
/// [`MAX_WORK`] neuron evaluations (k · n per step, times the cap, times the runs).
/// Placed points must be at least 3, at two or more places on the x-axis.
pub(super) fn validate(p: &ParamValues) -> Result<(), ParamError> {
    let settings = Settings::read(p);
    let placed = &settings.points;
    let refuse_points = |message: String| Err(ParamError { key: KEYS.points.into(), message });
    if !placed.is_empty() && placed.len() < 3 {
        return refuse_points(format!("place at least 3 data points (there are {})", placed.len()));
    }
    if let Some(&(x, _)) = placed.first().filter(|first| placed.iter().all(|p| p.0 == first.0)) {
        return refuse_points(format!(
            "all placed points share x = {}: the weights g need data at two or more places",
            format::tick(x)
        ));
    }
    let n = if placed.is_empty() { settings.n } else { placed.len() };
    let (switch, cap) = (settings.switch, settings.steps);
    let switching = settings.mode == Experiment::Switch;
    if switching && switch >= cap {
        return Err(ParamError {
            key: KEYS.switch.into(),
            message: format!("the switch (step {switch}) must come before the step cap ({cap})"),
        });
    }
    let runs = if switching { 1 } else { settings.runs };
    let work = (settings.k * n * cap * runs) as f64;
    if work > MAX_WORK {
        return Err(ParamError {
            key: KEYS.steps.into(),
            message: format!(
                "k \u{b7} n \u{b7} step cap{} = {} is too much to train live in the page (at most {}): lower one of them",
                if switching { "" } else { " \u{b7} runs" },
                format::tick(work),
                format::tick(MAX_WORK)
            ),
        });
    }
    Ok(())
}
