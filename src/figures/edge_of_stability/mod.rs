//! `edge-of-stability`: full-batch GD (or SGD) with the sharpness, the top eigenvalue of the
//! loss Hessian, measured at every step by Lanczos on exact Hessian-vector products.
//!
//! The default shows both of Cohen et al.'s regularities in one short run: a tanh network with
//! two hidden layers of 30 units fitting T₄ starts at about a third of 2/η, sharpens
//! progressively, reaches 2/η and then hovers around it, in about three seconds in the page.
//! Presets give the reference workload
//! EOS-1 (bench/README.md), at the edge of stability from its first step, alone and with the
//! central flow beside it; the lecture's learning-rate switch η → 2η/3 (the sharpness climbs
//! to the new 2/η); a run far below 2/η; SGD with its batch sharpness; and, on the handwritten
//! digits, EOS-3 and the switch. One hidden layer on a line with tanh or ReLU runs on the fast
//! tables of [`ShallowTables`]; every other architecture on the general network, which also
//! gives the batch sharpness and the central flow (its θ layout is the lecture network's).
//!
//! A run loaded from a saved file continues from the file's step: steps, the switch and the
//! axes count from the start of training, and the figure says where it resumed.
//!
//! This module holds the settings, the run and the figure's words and tables; `draw` its
//! panels; `report` what a worker that runs the figure sends the page.

mod draw;
mod report;

use crate::kit::format;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Activity, EarlierRun, Figure, Panel, Preset, Table, Tone, Verdict};
use crate::kit::params::{ParamError, ParamSpec, ParamValues};
use crate::kit::plot::{self, DrawResult, Theme};
use crate::math::activation::Activation;
use crate::math::batch_sharpness::BatchSharpnessMeter;
use crate::math::central_flow::{CentralFlow, FlowRecord, FlowStop};
use crate::math::datasets::Dataset;
use crate::math::digits::{self, CLASSES, DIGIT_IMAGES, PIXELS};
use crate::math::eos1::{eos1, EOS1_WIDTH};
use crate::math::lanczos::fixed_start;
use crate::math::mlp::{Architecture, Mlp};
use crate::math::network::ShallowNet;
use crate::math::rng::{normal, seeded};
use crate::math::shallow_tables::ShallowTables;
use crate::math::sharpness::{AnyModel, MlpModel, SharpnessMeter, SharpnessMode, SharpnessRun, DEFAULT_TOLERANCE};
use crate::math::trainer::{Outcome, Schedule};
use crate::page::run_file::RunFile;

/// Lanczos iterations at most per warm-started measurement.
const WARM_MAX_ITER: usize = 60;
/// Batches drawn per estimate of SGD's batch sharpness.
const BATCH_SHARPNESS_DRAWS: usize = 32;

crate::choices! {
    /// The hidden units' activation, as the control lists them (see [`Units::activation`]).
    pub enum Units { Tanh = "tanh", Relu = "ReLU", Softplus = "softplus", Identity = "identity", Gelu = "GELU" }
}

impl Units {
    /// The network's activation for this option.
    pub fn activation(self) -> Activation {
        match self {
            Units::Tanh => Activation::Tanh,
            Units::Relu => Activation::Relu,
            Units::Softplus => Activation::Softplus,
            Units::Identity => Activation::Identity,
            Units::Gelu => Activation::Gelu,
        }
    }
}

crate::choices! {
    /// The data set the network fits.
    pub enum Data {
        Chebyshev = "Chebyshev",
        RandomLabels = "random labels",
        Regression2d = "2-D regression",
        Digits = "digits",
    }
}

crate::choices! {
    /// Where the initial parameters come from.
    pub enum Init { Reference = "EOS-1 reference", Seeded = "seeded" }
}

crate::choices! {
    /// How the sharpness is measured at each step.
    pub enum Mode { WarmStart = "warm start", Fixed = "20 iterations" }
}

crate::figure_params! {
    /// The settings of `edge-of-stability`.
    pub struct Settings, keys SettingsKeys {
        eta: f64 = "eta", "step size \u{3b7}", Log(1e-4, 2.0), 0.07;
        switch: usize = "switch", "switch step (0: none)", Integer(0, 20000), 0;
        eta2: f64 = "eta2", "step size after the switch", Log(1e-4, 2.0), 0.04;
        steps: usize = "steps", "steps", Integer(10, 20000), 4000;
        batch: usize = "batch", "batch size B (0: full batch)", Integer(0, 500), 0;
        depth: usize = "depth", "hidden layers", Integer(1, 3), 2;
        width: usize = "width", "width", Integer(1, 256), 30;
        activation: Units = "activation", "activation", Choice, Units::Tanh;
        data: Data = "data", "data", Choice, Data::Chebyshev;
        degree: usize = "degree", "Chebyshev degree m", Integer(0, 20), 4;
        points: usize = "points", "points n", Integer(2, 1797), 20;
        init: Init = "init", "initial parameters", Choice, Init::Seeded;
        seed: u64 = "seed", "seed", Integer(0, 999_999), 0;
        mode: Mode = "mode", "sharpness by", Choice, Mode::WarmStart;
        top: usize = "top", "eigenvalues shown", Integer(1, 3), 1;
        every: usize = "every", "sharpness every k steps", Integer(1, 100), 1;
        flow: usize = "flow", "central flow: steps per GD step (0: off)", Integer(0, 8), 0;
    }
}

crate::figure_panels! {
    /// The panels of `edge-of-stability`.
    pub enum Panels {
        Loss = "loss", "Training loss against the step on a log scale",
        Sharpness = "sharpness", "Sharpness (top Hessian eigenvalue) against the step, with the line 2/η",
        Lanczos = "lanczos", "Relative residual of the Lanczos sharpness at every step, with the tolerance",
        Flow = "flow", "The central flow's oscillation size σ against the step, with the eigenvalues it holds at 2/η",
    }
}

pub struct EdgeOfStability {
    params: ParamValues,
    settings: Settings,
    run: SharpnessRun<AnyModel>,
    data: Dataset,
    /// What network runs, in words (and whether the reference parameters were used).
    description: String,
    /// The training accuracy on class targets, and the step of the θ it was measured at.
    accuracy: Option<(usize, f64)>,
    /// The central flow integrated beside GD from the same start, when asked for.
    flow: Option<FlowBeside>,
    /// Earlier runs, drawn faintly beside this one in the loss and sharpness panels.
    earlier: Vec<EarlierRun>,
}

/// The central flow beside the run: its records count from the run's first step, and a flow
/// that cannot go on keeps its records and says why.
struct FlowBeside {
    flow: CentralFlow,
    first_step: usize,
    stopped: Option<FlowStop>,
}

/// The reference parameters fit exactly one shape: one hidden layer of 100 tanh units on T₄ at
/// 20 points.
fn is_eos1_shape(s: &Settings) -> bool {
    s.depth == 1
        && s.width == EOS1_WIDTH
        && s.activation == Units::Tanh
        && s.data == Data::Chebyshev
        && s.degree == 4
        && s.points == 20
}

/// The most points of a generated data set (the digits have 1,797 images).
const MAX_GENERATED_POINTS: usize = 200;
/// The most (parameters × points) trained live: EOS-3 on all 1,797 digits fits.
const MAX_WORK: usize = 9_000_000;

fn dataset(s: &Settings) -> Dataset {
    let made = match s.data {
        Data::Chebyshev => Dataset::chebyshev(s.degree, s.points),
        Data::RandomLabels => Dataset::random_labels(s.points, 1, s.seed),
        Data::Regression2d => Dataset::regression_2d(s.points, s.seed),
        Data::Digits => Dataset::digits(s.points),
    };
    made.expect("validated settings are inside the data sets' ranges")
}

/// The data set's (input, output) dimensions.
fn data_dims(data: Data) -> (usize, usize) {
    match data {
        Data::Chebyshev | Data::RandomLabels => (1, 1),
        Data::Regression2d => (2, 1),
        Data::Digits => (PIXELS, CLASSES),
    }
}

impl EdgeOfStability {
    /// The run for `params` on `data`, from the `saved` parameters when given (else from the initialization
    /// the parameters ask for).
    fn start(params: ParamValues, data: Dataset, saved: Option<(Vec<f64>, usize)>) -> Result<Self, String> {
        let settings = Settings::read(&params);
        let (depth, width) = (settings.depth, settings.width);
        let activation = settings.activation.activation();
        // The fast tables serve the lecture's network with the activations it is studied with.
        let shallow_activation = matches!(activation, Activation::Tanh | Activation::Relu).then_some(activation);
        let reference = settings.init == Init::Reference && is_eos1_shape(&settings);
        let mut rng = seeded(settings.seed);
        let layers = match depth {
            1 => "one hidden layer".to_string(),
            2 => "two hidden layers".to_string(),
            3 => "three hidden layers".to_string(),
            d => format!("{d} hidden layers"),
        };
        // The general network of this shape; with one hidden layer on a line its θ layout is the
        // lecture network's, so it also serves the batch sharpness and the central flow there.
        let general = Architecture {
            input_dim: data.input_dim,
            hidden: vec![width; depth],
            activation,
            output_dim: data.output_dim,
        };
        let (model, theta, mut description) = match (depth, data.to_shallow_data(), shallow_activation) {
            (1, Some(shallow), Some(act)) => {
                let net = ShallowNet::new(width, act);
                // w1, b1 ~ N(0, 1), w2 ~ N(0, 1/k), b2 = 0: the reference workload's scheme.
                let theta = if reference {
                    eos1().theta0
                } else {
                    let k = width as f64;
                    let mut t: Vec<f64> = (0..2 * width).map(|_| normal(&mut rng)).collect();
                    t.extend((0..width).map(|_| normal(&mut rng) / k.sqrt()));
                    t.push(0.0);
                    t
                };
                (
                    AnyModel::Shallow(ShallowTables::new(net, &shallow)),
                    theta,
                    format!("{layers} of {width} {} units", activation.name()),
                )
            }
            _ => {
                let arch = general.clone();
                let theta = arch.init(&mut rng);
                let mlp = Mlp::new(arch).expect("the parameter ranges give a valid architecture");
                (
                    AnyModel::General(MlpModel::new(mlp, data.clone())),
                    theta,
                    format!("{layers} of {width} {} units", activation.name()),
                )
            }
        };
        let (theta, first_step) = match saved {
            Some((given, _)) if given.len() != theta.len() => {
                return Err(format!(
                    "the saved parameters have {} entries, this network has {}",
                    given.len(),
                    theta.len()
                ));
            }
            Some(given) => given,
            None => (theta, 0),
        };
        let p = theta.len();
        let outputs = match data.output_dim {
            1 => String::new(),
            c => format!(", {c} outputs"),
        };
        description.push_str(&format!("{outputs}, {p} parameters, {} points", data.len()));
        if settings.init == Init::Reference {
            description.push_str(if reference {
                ", EOS-1 reference parameters"
            } else {
                "; the EOS-1 parameters need its exact shape, so these are seeded"
            });
        }
        // A fixed, reproducible start vector (the reference one when it fits).
        let start = if reference { eos1().v0 } else { fixed_start(p) };
        let flow_start = start.clone();
        let mode = match settings.mode {
            Mode::WarmStart => {
                SharpnessMode::WarmStart { tolerance: DEFAULT_TOLERANCE, max_iter: WARM_MAX_ITER, start }
            }
            Mode::Fixed => SharpnessMode::Fixed { iterations: 20, start },
        };
        let meter = SharpnessMeter::new(p, mode, settings.top);
        let schedule = Schedule {
            eta: settings.eta,
            switch_at: if settings.switch == 0 { usize::MAX } else { settings.switch },
            eta_after: settings.eta2,
        };
        let batch = match settings.batch {
            0 => data.len(),
            b => b,
        };
        let mut run = SharpnessRun::new(model, theta, schedule, meter, settings.steps, batch, settings.seed)
            .resumed_at(first_step)
            .measuring_every(settings.every);
        if batch < data.len() {
            let mlp = Mlp::new(general.clone()).expect("the parameter ranges give a valid architecture");
            let seed = settings.seed ^ 0x5eed_ba7c;
            run = run.with_batch_sharpness(BatchSharpnessMeter::new(
                mlp,
                data.clone(),
                batch,
                BATCH_SHARPNESS_DRAWS,
                seed,
            ));
        }
        let flow = match settings.flow {
            0 => None,
            substeps => {
                let mlp = Mlp::new(general.clone()).expect("the parameter ranges give a valid architecture");
                // The flow's clock starts at the run's first step.
                let shifted = Schedule {
                    eta: schedule.at(first_step),
                    switch_at: schedule.switch_at.saturating_sub(first_step).max(1),
                    eta_after: schedule.eta_after,
                };
                let theta = run.theta().to_vec();
                let flow = CentralFlow::new(mlp, data.clone(), theta, shifted, substeps, flow_start)?;
                Some(FlowBeside { flow, first_step, stopped: None })
            }
        };
        let mut figure = Self { params, settings, run, data, description, accuracy: None, flow, earlier: Vec::new() };
        figure.measure_accuracy();
        Ok(figure)
    }

    /// Integrates the central flow up to the step GD's θ has reached.
    fn advance_flow(&mut self) {
        let theta_step = self.run.theta_step();
        let Some(beside) = self.flow.as_mut().filter(|b| b.stopped.is_none()) else { return };
        let behind = (theta_step - beside.first_step).saturating_sub(beside.flow.step());
        if let Err(stop) = beside.flow.advance(behind) {
            beside.stopped = Some(stop);
        }
    }

    /// The central flow's records as (step of training, record).
    fn flow_records(&self) -> impl Iterator<Item = (usize, &FlowRecord)> {
        self.flow.iter().flat_map(|b| b.flow.records().iter().map(move |r| (b.first_step + r.step, r)))
    }

    /// GD's mean loss against the flow's predicted mean over the flow's edge phase (from its
    /// first step with an oscillation), at the steps GD recorded; None before the edge.
    fn flow_comparison(&self) -> Option<(usize, f64, f64)> {
        let edge_start = self.flow_records().find(|(_, r)| r.variance > 0.0)?.0;
        let flow: std::collections::HashMap<usize, f64> =
            self.flow_records().filter(|&(t, _)| t >= edge_start).map(|(t, r)| (t, r.predicted_loss)).collect();
        let pairs: Vec<(f64, f64)> =
            self.run.records.iter().filter_map(|r| flow.get(&r.step).map(|&p| (r.loss, p))).collect();
        (!pairs.is_empty()).then(|| {
            let count = pairs.len() as f64;
            (edge_start, pairs.iter().map(|p| p.0).sum::<f64>() / count, pairs.iter().map(|p| p.1).sum::<f64>() / count)
        })
    }

    /// The training accuracy at the current θ, for data with class targets.
    fn measure_accuracy(&mut self) {
        let theta_step = self.run.theta_step();
        let (model, theta) = self.run.model_and_theta();
        self.accuracy = model.accuracy(theta).map(|a| (theta_step, a));
    }

    /// What GD's run shows, in words.
    fn gd_verdict(&self) -> Verdict {
        let Some(last) = self.run.records.last() else {
            return match self.run.state() {
                Outcome::Diverged { .. } => {
                    Verdict { text: "The loss is not finite at the start: nothing to train.".into(), tone: Tone::Bad }
                }
                _ => Verdict { text: "nothing computed yet.".into(), tone: Tone::Neutral },
            };
        };
        let threshold = 2.0 / last.eta;
        let ratio = last.sharpness.value / threshold;
        let numbers = format!(
            "sharpness {:.4}, 2/\u{3b7} = {:.4} (ratio {:.3}), loss {:.3e}",
            last.sharpness.value, threshold, ratio, last.loss
        );
        let head = format!("step {}: {numbers}", last.step);
        match self.run.state() {
            Outcome::Diverged { step, loss } => {
                let loss = if loss.is_finite() { format!("{loss:.3e}") } else { "not finite".into() };
                Verdict { text: format!("Diverged at step {step}, loss {loss}; before that, {head}."), tone: Tone::Bad }
            }
            Outcome::Running => Verdict { text: format!("{numbers}."), tone: Tone::Neutral },
            Outcome::Capped | Outcome::Interpolated { .. } => {
                // The last stretch of constant η: since the switch, if the run switched.
                let since = if self.switch_inside().is_some() { " since the switch" } else { "" };
                let reached = self.first_at_threshold().last().and_then(|&(_, at)| at);
                let (what, tone) = match reached {
                    _ if ratio > 1.1 => ("it ends above 2/\u{3b7}".to_string(), Tone::Bad),
                    Some(at) if ratio >= 0.9 => (
                        format!("at the edge of stability: the sharpness reached 2/\u{3b7} at step {at} and ends within 10% of it"),
                        Tone::Good,
                    ),
                    Some(at) => (format!("the sharpness reached 2/\u{3b7} at step {at} and ends below it"), Tone::Good),
                    None => (format!("the sharpness stayed below 2/\u{3b7}{since}"), Tone::Good),
                };
                Verdict { text: format!("Done, {head}: {what}."), tone }
            }
        }
    }

    /// The steps the run covers, from where it began (0, or a saved run's step) to its end.
    fn step_range(&self) -> (f64, f64) {
        (self.run.first_step() as f64, self.run.last_step() as f64)
    }

    /// The switch step, when it falls inside the run.
    fn switch_inside(&self) -> Option<usize> {
        let at = self.run.schedule().switch_at;
        (self.run.first_step() < at && at < self.run.last_step()).then_some(at)
    }

    fn eta_line(&self) -> Vec<(f64, f64)> {
        let s = *self.run.schedule();
        let (start, end) = self.step_range();
        let threshold = |eta: f64| 2.0 / eta;
        match self.switch_inside() {
            Some(at) => {
                let at = at as f64;
                vec![
                    (start, threshold(s.eta)),
                    (at, threshold(s.eta)),
                    (at, threshold(s.eta_after)),
                    (end, threshold(s.eta_after)),
                ]
            }
            None => {
                let eta = s.at(self.run.first_step());
                vec![(start, threshold(eta)), (end, threshold(eta))]
            }
        }
    }

    /// The first step of each stretch of constant η (before and after the switch) at which the
    /// sharpness reached 2/η, with that η; None for a stretch where it has not (yet).
    fn first_at_threshold(&self) -> Vec<(f64, Option<usize>)> {
        let s = *self.run.schedule();
        let stretches = match self.switch_inside() {
            Some(at) => vec![(s.eta, 0..at), (s.eta_after, at..usize::MAX)],
            None => vec![(s.at(self.run.first_step()), 0..usize::MAX)],
        };
        stretches
            .into_iter()
            .map(|(eta, steps)| {
                let found = self.run.records.iter().find(|r| steps.contains(&r.step) && r.sharpness.value * eta >= 2.0);
                (eta, found.map(|r| r.step))
            })
            .collect()
    }
}

impl Figure for EdgeOfStability {
    const ID: &'static str = "edge-of-stability";
    const TITLE: &'static str = "GD at the edge of stability: sharpness at every step";
    const PARAMS: &'static [ParamSpec] = Settings::SPECS;
    const PANELS: &'static [Panel] = Panels::PANELS;
    const PACE: Option<f64> = None;
    const UNIT: &'static str = "GD steps, each with its sharpness,";
    const COMPARES_RUNS: bool = true;
    const RUNS_IN_WORKER: bool = true;
    const PRESETS: &'static [Preset] = {
        let k = Settings::KEYS;
        &[
            Preset {
                label: "EOS-1 reference",
                values: &[
                    (k.eta, 0.06),
                    (k.steps, 2000.0),
                    (k.depth, 1.0),
                    (k.width, 100.0),
                    (k.init, Init::Reference.value()),
                ],
            },
            Preset {
                label: "Central flow on EOS-1",
                values: &[
                    (k.eta, 0.06),
                    (k.steps, 2000.0),
                    (k.depth, 1.0),
                    (k.width, 100.0),
                    (k.init, Init::Reference.value()),
                    (k.flow, 4.0),
                ],
            },
            Preset {
                label: "Learning-rate switch",
                values: &[(k.eta, 0.09), (k.switch, 2000.0), (k.eta2, 0.06), (k.steps, 6000.0)],
            },
            Preset { label: "Stable run", values: &[(k.eta, 0.02), (k.steps, 3000.0)] },
            Preset {
                label: "SGD: batch sharpness",
                values: &[(k.batch, 10.0), (k.eta, 0.07), (k.steps, 20000.0), (k.every, 100.0)],
            },
            Preset {
                label: "EOS-3 digits",
                values: &[
                    (k.data, Data::Digits.value()),
                    (k.points, 500.0),
                    (k.depth, 1.0),
                    (k.width, 64.0),
                    (k.eta, 0.08),
                    (k.steps, 3000.0),
                    (k.every, 5.0),
                ],
            },
            Preset {
                label: "Digits: step-size switch",
                values: &[
                    (k.data, Data::Digits.value()),
                    (k.points, 500.0),
                    (k.depth, 1.0),
                    (k.width, 64.0),
                    (k.eta, 0.1),
                    (k.switch, 1000.0),
                    (k.eta2, 0.1 * 2.0 / 3.0),
                    (k.steps, 8000.0),
                    (k.every, 10.0),
                ],
            },
        ]
    };

    fn validate(p: &ParamValues) -> Result<(), ParamError> {
        let s = Settings::read(p);
        let (batch, points) = (s.batch, s.points);
        if s.data != Data::Digits && points > MAX_GENERATED_POINTS {
            return Err(ParamError {
                key: Settings::KEYS.points.into(),
                message: format!(
                    "the {} data have at most {MAX_GENERATED_POINTS} points (the digits go to {DIGIT_IMAGES})",
                    s.data.name()
                ),
            });
        }
        if batch > points {
            return Err(ParamError {
                key: Settings::KEYS.batch.into(),
                message: format!("batch size B = {batch} exceeds the {points} data points"),
            });
        }
        if s.flow > 0 && batch != 0 && batch != points {
            return Err(ParamError {
                key: Settings::KEYS.flow.into(),
                message: "the central flow describes full-batch GD: set the batch size to 0 first".into(),
            });
        }
        let (input_dim, output_dim) = data_dims(s.data);
        let arch = Architecture { input_dim, hidden: vec![s.width; s.depth], activation: Activation::Tanh, output_dim };
        let params = arch.num_params();
        if params * points > MAX_WORK {
            return Err(ParamError {
                key: Settings::KEYS.width.into(),
                message: format!(
                    "{params} parameters \u{d7} {points} points is too much to train live in the page (at most {} million)",
                    MAX_WORK / 1_000_000
                ),
            });
        }
        Ok(())
    }

    fn new(params: ParamValues) -> Self {
        let data = dataset(&Settings::read(&params));
        Self::start(params, data, None).expect("generated data and parameters fit the network")
    }

    fn run_file(&self) -> Option<RunFile> {
        Some(RunFile::new::<Self>(&self.params, &self.data, self.run.theta(), self.run.theta_step()))
    }

    fn from_run(run: &RunFile) -> Result<Self, String> {
        let mut params = run.params_for::<Self>()?;
        let data = run.dataset()?;
        params.set(Settings::KEYS.points, data.len() as f64).map_err(|e| e.message)?;
        Self::validate(&params).map_err(|e| e.message)?;
        // The data setting decides the network's shape (and whether the EOS-1 start vector
        // fits it), so the saved data must have that setting's dimension.
        let settings = Settings::read(&params);
        let (input_dim, output_dim) = data_dims(settings.data);
        if (data.input_dim, data.output_dim) != (input_dim, output_dim) {
            return Err(format!(
                "the saved data have inputs of dimension {} and targets of dimension {}, but the run's data setting \u{201c}{}\u{201d} has {input_dim} and {output_dim}",
                data.input_dim,
                data.output_dim,
                settings.data.name(),
            ));
        }
        Self::start(params, data, Some((run.theta.clone(), run.step)))
    }

    fn data_missing(params: &ParamValues) -> bool {
        Settings::read(params).data == Data::Digits && !digits::loaded()
    }

    fn run_mark(&self) -> Vec<usize> {
        self.mark()
    }

    fn report(&self, mark: &[usize]) -> Vec<f64> {
        self.report_since(mark)
    }

    fn follow(&mut self, report: &[f64]) -> Result<(), String> {
        self.follow_report(report)
    }

    fn params(&self) -> &ParamValues {
        &self.params
    }

    fn earlier_run(&self) -> Option<EarlierRun> {
        let records = &self.run.records;
        if records.is_empty() {
            return None;
        }
        let mut curves = vec![Vec::new(); Panels::PANELS.len()];
        curves[Panels::Loss as usize] = records.iter().map(|r| (r.step as f64, r.loss)).collect();
        curves[Panels::Sharpness as usize] = records.iter().map(|r| (r.step as f64, r.sharpness.value)).collect();
        Some(EarlierRun { params: self.params.clone(), curves })
    }

    fn show_earlier_runs(&mut self, runs: Vec<EarlierRun>) {
        self.earlier = runs;
    }

    fn step(&mut self, units: usize) -> Activity {
        let outcome = self.run.advance(units);
        if self.data.output_dim > 1 {
            self.measure_accuracy();
        }
        self.advance_flow();
        match outcome {
            Outcome::Running => Activity::Running,
            _ => Activity::Idle,
        }
    }

    fn draw<DB: DrawingBackend>(&self, panel: usize, area: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        match Panels::from_index(panel) {
            Some(Panels::Loss) => self.draw_loss(area, theme),
            Some(Panels::Sharpness) => self.draw_sharpness(area, theme),
            Some(Panels::Lanczos) => self.draw_lanczos(area, theme),
            Some(Panels::Flow) => self.draw_flow(area, theme),
            None => plot::no_such_panel(area, theme, Self::ID, panel),
        }
    }

    fn verdict(&self) -> Verdict {
        let mut verdict = self.gd_verdict();
        if let Some(stop) = self.flow.as_ref().and_then(|b| b.stopped) {
            verdict.text.push_str(&format!(" The central flow stopped: {stop}."));
        }
        verdict
    }

    fn progress(&self) -> Option<String> {
        let step = self.run.records.last().map_or(0, |r| r.step);
        matches!(self.run.state(), Outcome::Running).then(|| format!("step {step}"))
    }

    fn readouts(&self) -> Vec<(String, String)> {
        let mut out = vec![("network".to_string(), self.description.clone())];
        if self.settings.data == Data::Digits {
            out.push((
                "data".into(),
                format!(
                    "the first {} of the {DIGIT_IMAGES} handwritten digits of the UCI test set (Alpaydin and Kaynak, 1998; CC BY 4.0), 8 \u{d7} 8 pixels / 16, one-hot targets",
                    self.data.len()
                ),
            ));
        }
        if let Some(beside) = &self.flow {
            let mut text = match beside.flow.records().last() {
                Some(r) => format!(
                    "{} flow steps per GD step; at step {}: L(w) {:.4e}, S(w) {:.4}, \u{3c3} {:.4}, {} eigenvalue{} at 2/\u{3b7}",
                    self.settings.flow,
                    beside.first_step + r.step,
                    r.loss,
                    r.sharpness,
                    r.variance.sqrt(),
                    r.edge_count,
                    if r.edge_count == 1 { "" } else { "s" }
                ),
                None => "not started".to_string(),
            };
            if let Some(stop) = beside.stopped {
                text.push_str(&format!("; stopped: {stop}"));
            }
            out.push(("central flow".into(), text));
            if let Some((edge_start, gd, predicted)) = self.flow_comparison() {
                out.push((
                    "flow prediction, mean over the edge phase".into(),
                    format!(
                        "GD's loss {gd:.4e} against the flow's L + \u{3c3}\u{b2}/\u{3b7} {predicted:.4e} (error {:.1} %), steps {edge_start} on",
                        100.0 * (predicted - gd).abs() / gd
                    ),
                ));
            }
        }
        if !self.earlier.is_empty() {
            let labels: Vec<String> = self
                .earlier
                .iter()
                .enumerate()
                .map(|(i, run)| format!("{}: {}", i + 1, run.label(&self.params)))
                .collect();
            out.push(("earlier runs (faint, oldest first)".into(), labels.join("; ")));
        }
        if let Some((step, accuracy)) = self.accuracy {
            out.push((format!("training accuracy at step {step}"), format!("{:.1} %", 100.0 * accuracy)));
        }
        let first_step = self.run.first_step();
        if first_step > 0 {
            out.push((
                "resumed".into(),
                format!("from a saved run at step {first_step}; this run goes on to step {}", self.run.last_step()),
            ));
        }
        if let (Some(first), Some(last)) = (self.run.records.first(), self.run.records.last()) {
            out.push((
                format!("sharpness at step {}", first.step),
                format!(
                    "{:.4} = {:.3} \u{d7} 2/\u{3b7}",
                    first.sharpness.value,
                    first.sharpness.value * first.eta / 2.0
                ),
            ));
            let done = self.run.state() != Outcome::Running;
            let reached: Vec<String> = self
                .first_at_threshold()
                .iter()
                .map(|&(eta, at)| {
                    let when = match at {
                        Some(at) => format!("at step {at}"),
                        None if done => "never".to_string(),
                        None => "not yet".to_string(),
                    };
                    format!("{when} (\u{3b7} = {})", format::tick(eta))
                })
                .collect();
            out.push(("sharpness first at 2/\u{3b7}".into(), reached.join("; ")));
            if let Some(b) = last.batch_sharpness {
                out.push((
                    format!("batch sharpness at step {}", last.step),
                    format!(
                        "{:.3} \u{b1} {:.3} = {:.3} \u{d7} 2/\u{3b7} (mean of g\u{1d40}H_B g/\u{2016}g\u{2016}\u{b2} over {} batches of {}, \u{b1} its standard error), \u{3bb}\u{2098}\u{2090}\u{2093} {:.3}",
                        b.mean,
                        b.standard_error,
                        b.mean * last.eta / 2.0,
                        b.batches,
                        self.settings.batch,
                        last.sharpness.value
                    ),
                ));
            }
            let products: usize = self.run.records.iter().map(|r| r.sharpness.iterations).sum();
            let mode = match self.settings.mode {
                Mode::WarmStart => format!(
                    "warm start, stop when the error bound min(r, r\u{b2}/gap) is below {DEFAULT_TOLERANCE:e} \u{d7} the largest Ritz value in size"
                ),
                Mode::Fixed => "20 Lanczos iterations from a fixed vector".to_string(),
            };
            out.push(("sharpness by".into(), mode));
            out.push((
                "residual \u{2016}Hy \u{2212} \u{3bc}y\u{2016} (last step)".into(),
                format!("{:.3e}", last.sharpness.residual),
            ));
            out.push((
                "Hessian-vector products per measurement".into(),
                format!(
                    "{} last, {:.2} on average",
                    last.sharpness.iterations,
                    products as f64 / self.run.records.len() as f64
                ),
            ));
        }
        out
    }

    fn tables(&self) -> Vec<Table> {
        let top = self.settings.top;
        let batch = self.run.records.first().is_some_and(|r| r.batch_sharpness.is_some());
        let mut columns = vec!["step", "eta", "loss", "sharpness", "residual", "products"];
        columns.extend(["lambda2", "lambda3"].iter().take(top - 1));
        if batch {
            columns.extend(["batch_sharpness", "batch_sharpness_se"]);
        }
        let rows = self
            .run
            .records
            .iter()
            .map(|r| {
                let mut row = vec![
                    r.step as f64,
                    r.eta,
                    r.loss,
                    r.sharpness.value,
                    r.sharpness.residual,
                    r.sharpness.iterations as f64,
                ];
                row.extend(r.sharpness.next.iter().take(top - 1).map(|v| if v.is_finite() { *v } else { 0.0 }));
                if batch {
                    // A record without an estimate (no batch had a gradient) reads as empty.
                    let b = r.batch_sharpness;
                    row.extend([b.map_or(f64::NAN, |b| b.mean), b.map_or(f64::NAN, |b| b.standard_error)]);
                }
                row
            })
            .collect();
        let mut tables = vec![Table { name: "steps", columns, rows }];
        if self.flow.is_some() {
            let rows = self
                .flow_records()
                .map(|(t, r)| vec![t as f64, r.loss, r.sharpness, r.variance, r.edge_count as f64, r.predicted_loss])
                .collect();
            let columns = vec!["step", "loss", "sharpness", "variance", "edge_eigenvalues", "predicted_loss"];
            tables.push(Table { name: "central-flow", columns, rows });
        }
        tables
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_activation_option_is_named_as_the_network_names_it() {
        for units in Units::ALL {
            assert_eq!(units.name(), units.activation().name());
        }
        assert_eq!(Units::ALL.len(), Activation::ALL.len());
    }
}
