//! Sharpness at every step: full-batch GD (or SGD) whose every iterate gets the top eigenvalue
//! of the loss Hessian, by Lanczos on exact Hessian-vector products.
//!
//! Two ways to measure ([`SharpnessMode`]):
//! - a fixed number of Lanczos iterations from a fixed start vector, every step (the reference
//!   workload's definition, and the way to compare implementations);
//! - warm-started (the default on the page): each step starts from the previous step's top
//!   Ritz vector and stops as soon as the top eigenvalue is accurate to a relative tolerance
//!   (see [`StopRule::Converged`]). GD moves θ little per step, so this usually takes a few
//!   Hessian-vector products instead of twenty.

use super::batch_sharpness::{BatchSharpness, BatchSharpnessMeter};
use super::datasets::Dataset;
use super::lanczos::{Restart, StopRule, TopEigenpairs};
use super::mlp::Mlp;
use super::numbers::{Numbers, Reader};
use super::shallow_tables::ShallowTables;
use super::trainer::{Batches, CurvatureModel, Observer, Outcome, Schedule, Stop, Trainer};

/// How the sharpness is measured at each step.
#[derive(Clone, Debug, PartialEq)]
pub enum SharpnessMode {
    /// `iterations` Lanczos iterations from `start`, every step.
    Fixed { iterations: usize, start: Vec<f64> },
    /// From the previous top Ritz vector until the top eigenvalue is accurate to `tolerance`
    /// (relative), in at most `max_iter` iterations.
    WarmStart { tolerance: f64, max_iter: usize, start: Vec<f64> },
}

/// The default relative accuracy of a warm-started sharpness.
pub const DEFAULT_TOLERANCE: f64 = 1e-10;

/// One measurement.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sharpness {
    /// The top Ritz value: the sharpness.
    pub value: f64,
    /// ‖Hy − μy‖ of the top Ritz pair (y, μ).
    pub residual: f64,
    /// A bound on the error of the value: min(r, r²/gap) (see [`crate::lanczos`]).
    pub error_bound: f64,
    /// Hessian-vector products spent.
    pub iterations: usize,
    /// The second and third Ritz values (NaN when not requested or not available).
    pub next: [f64; 2],
}

/// Measures sharpness step after step, reusing its workspace.
#[derive(Clone, Debug)]
pub struct SharpnessMeter {
    pairs: TopEigenpairs,
}

impl SharpnessMeter {
    /// `top` eigenvalues (1 to 3) are reported per measurement.
    pub fn new(dim: usize, mode: SharpnessMode, top: usize) -> Self {
        let (start, rule, restart) = match mode {
            SharpnessMode::Fixed { iterations, start } => (start, StopRule::Iterations(iterations), Restart::Fixed),
            SharpnessMode::WarmStart { tolerance, max_iter, start } => {
                (start, StopRule::Converged { tolerance, max_iter }, Restart::Warm)
            }
        };
        assert_eq!(start.len(), dim, "the start vector has the wrong dimension");
        Self { pairs: TopEigenpairs::new(start, rule, restart, top.clamp(1, 3)) }
    }

    /// The sharpness of `model` at its last evaluation (with curvature). None when Lanczos
    /// fails (non-finite values: the run has diverged).
    pub fn measure<M: CurvatureModel>(&mut self, model: &mut M) -> Option<Sharpness> {
        let ritz = self.pairs.measure(|v, out| model.hessian_vec(v, out))?;
        let at = |i: usize| ritz.values.get(i).copied().unwrap_or(f64::NAN);
        Some(Sharpness {
            value: at(0),
            residual: ritz.residuals[0],
            error_bound: ritz.error_bounds[0],
            iterations: ritz.iterations,
            next: [at(1), at(2)],
        })
    }
}

/// What was recorded at one step t (θ_t is the iterate after t updates).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepRecord {
    pub step: usize,
    /// The step size that takes θ_t to θ_{t+1}.
    pub eta: f64,
    /// The full-batch training loss L(θ_t).
    pub loss: f64,
    pub sharpness: Sharpness,
    /// SGD's batch sharpness at θ_t, when the run measures it.
    pub batch_sharpness: Option<BatchSharpness>,
}

impl StepRecord {
    /// How many numbers [`StepRecord::write`] writes.
    pub const NUMBERS: usize = 13;

    /// Writes the record as [`StepRecord::NUMBERS`] numbers (a missing batch sharpness as a 0
    /// flag and zeros).
    pub fn write(&self, out: &mut Numbers) {
        let s = &self.sharpness;
        out.count(self.step);
        out.values(&[self.eta, self.loss, s.value, s.residual, s.error_bound]);
        out.count(s.iterations);
        out.values(&s.next);
        match self.batch_sharpness {
            Some(b) => {
                out.count(1);
                out.values(&[b.mean, b.standard_error]);
                out.count(b.batches);
            }
            None => out.values(&[0.0; 4]),
        }
    }

    /// The record [`StepRecord::write`] wrote; None for numbers it cannot have written.
    pub fn read(numbers: &mut Reader<'_>) -> Option<Self> {
        let step = numbers.count()?;
        let &[eta, loss, value, residual, error_bound] = numbers.values(5)? else { return None };
        let iterations = numbers.count()?;
        let &[next0, next1] = numbers.values(2)? else { return None };
        let (present, mean, standard_error, batches) =
            (numbers.count()?, numbers.value()?, numbers.value()?, numbers.count()?);
        let batch_sharpness = match present {
            0 => None,
            1 => Some(BatchSharpness { mean, standard_error, batches }),
            _ => return None,
        };
        let sharpness = Sharpness { value, residual, error_bound, iterations, next: [next0, next1] };
        Some(Self { step, eta, loss, sharpness, batch_sharpness })
    }
}

/// GD (batch = all samples) or SGD with the sharpness measured at every iterate (or at every
/// k-th, [`SharpnessRun::measuring_every`], for networks where a measurement costs many steps):
/// the [`Trainer`] with a record of every measured step.
///
/// Steps are counted from the start of training: a run resumed from parameters that had
/// `first_step` updates records steps `first_step`, `first_step + 1`, …, takes its step size
/// from the schedule at those steps, and (for SGD) draws the batches of those steps. The batch
/// of step t depends only on the seed and t ([`Batches::PerStep`]), so a resumed run continues
/// bit for bit.
pub struct SharpnessRun<M: CurvatureModel> {
    pub model: M,
    pub meter: SharpnessMeter,
    pub records: Vec<StepRecord>,
    trainer: Trainer,
    /// The step of θ when the run began.
    first_step: usize,
    /// Records are taken at the steps that are multiples of this (and at the last step).
    every: usize,
    /// Measures the batch sharpness at every record, for SGD.
    batch_meter: Option<BatchSharpnessMeter>,
}

/// Measures and records the evaluated iterates at every `every`-th step, counted from the start
/// of training, and at the last step; a failed measurement (non-finite values) is divergence.
struct Recorder<'a> {
    meter: &'a mut SharpnessMeter,
    batch_meter: Option<&'a mut BatchSharpnessMeter>,
    records: &'a mut Vec<StepRecord>,
    every: usize,
    last_step: usize,
}

impl<M: CurvatureModel> Observer<M> for Recorder<'_> {
    fn curvature_at(&self, step: usize) -> bool {
        step.is_multiple_of(self.every) || step == self.last_step
    }

    fn observe(&mut self, model: &mut M, trainer: &Trainer) -> Option<Outcome> {
        let step = trainer.step();
        if trainer.outcome() != Outcome::Running || !<Self as Observer<M>>::curvature_at(self, step) {
            return None;
        }
        let loss = trainer.loss();
        let Some(sharpness) = self.meter.measure(model) else {
            return Some(Outcome::Diverged { step, loss });
        };
        let batch_sharpness = self.batch_meter.as_mut().and_then(|m| m.measure(trainer.theta(), step as u64));
        self.records.push(StepRecord { step, eta: trainer.schedule().at(step), loss, sharpness, batch_sharpness });
        None
    }
}

impl<M: CurvatureModel> SharpnessRun<M> {
    /// A run of `total_steps` updates from θ₀ (records are kept for θ₀ … θ_total).
    pub fn new(
        model: M,
        theta: Vec<f64>,
        schedule: Schedule,
        meter: SharpnessMeter,
        total_steps: usize,
        batch_size: usize,
        seed: u64,
    ) -> Self {
        assert_eq!(theta.len(), model.num_params(), "θ has the wrong length");
        let batches = Batches::PerStep { size: batch_size, seed };
        let stop = Stop { max_steps: total_steps, tolerance: None };
        let trainer = Trainer::new(theta, model.num_samples(), schedule, batches, stop);
        Self {
            model,
            meter,
            records: Vec::with_capacity(total_steps + 1),
            trainer,
            first_step: 0,
            every: 1,
            batch_meter: None,
        }
    }

    /// The same run with the batch sharpness measured at every record.
    pub fn with_batch_sharpness(self, meter: BatchSharpnessMeter) -> Self {
        Self { batch_meter: Some(meter), ..self }
    }

    /// The same run with the sharpness measured and recorded only at steps that are multiples
    /// of `every` (at least 1), and at the last step.
    pub fn measuring_every(self, every: usize) -> Self {
        let every = every.max(1);
        Self { records: Vec::with_capacity(self.last_step() / every + 2), every, ..self }
    }

    /// The same run continued from parameters θ that had `step` updates already: it records
    /// steps `step` to `step + total_steps`.
    pub fn resumed_at(self, step: usize) -> Self {
        Self { trainer: self.trainer.resumed_at(step), first_step: step, ..self }
    }

    pub fn state(&self) -> Outcome {
        self.trainer.outcome()
    }

    pub fn theta(&self) -> &[f64] {
        self.trainer.theta()
    }

    pub fn schedule(&self) -> &Schedule {
        self.trainer.schedule()
    }

    /// The step the run began at: 0, or where the run it resumes had stopped.
    pub fn first_step(&self) -> usize {
        self.first_step
    }

    /// The step the run ends at when nothing diverges.
    pub fn last_step(&self) -> usize {
        self.trainer.stop().max_steps
    }

    /// The model and the current θ together, to evaluate more of the model at θ.
    pub fn model_and_theta(&mut self) -> (&mut M, &[f64]) {
        (&mut self.model, self.trainer.theta())
    }

    /// The number of updates that produced the current θ, counted from the start of training.
    pub fn theta_step(&self) -> usize {
        self.trainer.step()
    }

    /// Takes where a copy of this run, trained elsewhere (in a worker), has got: its records
    /// after those this run holds, its θ, the updates that made θ and its outcome.
    pub fn follow(&mut self, records: Vec<StepRecord>, theta: &[f64], theta_step: usize, outcome: Outcome) {
        self.records.extend(records);
        self.trainer.follow(theta, theta_step, outcome);
    }

    /// Takes up to `steps` more steps, each measuring and recording the current iterate and
    /// then updating it (see [`Trainer::advance_and_update`]).
    pub fn advance(&mut self, steps: usize) -> Outcome {
        let last_step = self.last_step();
        let mut observer = Recorder {
            meter: &mut self.meter,
            batch_meter: self.batch_meter.as_mut(),
            records: &mut self.records,
            every: self.every,
            last_step,
        };
        self.trainer.advance_and_update(&mut self.model, &mut observer, steps)
    }
}

/// A general fully connected network on a data set, as a [`CurvatureModel`]: its Hessian-vector
/// products are exact forward-over-reverse passes at the θ of the last evaluation.
pub struct MlpModel {
    mlp: Mlp,
    data: Dataset,
    theta: Vec<f64>,
}

impl MlpModel {
    pub fn new(mlp: Mlp, data: Dataset) -> Self {
        let theta = vec![0.0; mlp.num_params()];
        Self { mlp, data, theta }
    }

    /// The training accuracy at θ when the targets are classes (see [`Mlp::accuracy`]).
    pub fn accuracy(&mut self, theta: &[f64]) -> Option<f64> {
        self.mlp.accuracy(theta, &self.data)
    }
}

impl CurvatureModel for MlpModel {
    fn num_params(&self) -> usize {
        self.mlp.num_params()
    }

    fn evaluate(&mut self, theta: &[f64], grad: &mut [f64], _curvature: bool) -> f64 {
        self.theta.copy_from_slice(theta);
        self.mlp.loss_and_gradient(theta, &self.data, None, grad)
    }

    fn batch_gradient(&mut self, theta: &[f64], batch: &[usize], grad: &mut [f64]) {
        self.mlp.loss_and_gradient(theta, &self.data, Some(batch), grad);
    }

    fn hessian_vec(&mut self, v: &[f64], out: &mut [f64]) {
        self.mlp.hessian_vec(&self.theta, &self.data, None, v, out)
    }

    fn num_samples(&self) -> usize {
        self.data.len()
    }
}

/// The lecture's one-hidden-layer network on a line, through its fast tables, or any other
/// architecture through the general network.
pub enum AnyModel {
    Shallow(ShallowTables),
    General(MlpModel),
}

impl AnyModel {
    /// The training accuracy at θ when the targets are classes; None for one output.
    pub fn accuracy(&mut self, theta: &[f64]) -> Option<f64> {
        match self {
            AnyModel::Shallow(_) => None,
            AnyModel::General(m) => m.accuracy(theta),
        }
    }
}

impl CurvatureModel for AnyModel {
    fn num_params(&self) -> usize {
        match self {
            AnyModel::Shallow(m) => CurvatureModel::num_params(m),
            AnyModel::General(m) => m.num_params(),
        }
    }

    fn evaluate(&mut self, theta: &[f64], grad: &mut [f64], curvature: bool) -> f64 {
        match self {
            AnyModel::Shallow(m) => m.evaluate(theta, grad, curvature),
            AnyModel::General(m) => m.evaluate(theta, grad, curvature),
        }
    }

    fn batch_gradient(&mut self, theta: &[f64], batch: &[usize], grad: &mut [f64]) {
        match self {
            AnyModel::Shallow(m) => m.batch_gradient(theta, batch, grad),
            AnyModel::General(m) => m.batch_gradient(theta, batch, grad),
        }
    }

    fn hessian_vec(&mut self, v: &[f64], out: &mut [f64]) {
        match self {
            AnyModel::Shallow(m) => m.hessian_vec(v, out),
            AnyModel::General(m) => m.hessian_vec(v, out),
        }
    }

    fn num_samples(&self) -> usize {
        match self {
            AnyModel::Shallow(m) => m.num_samples(),
            AnyModel::General(m) => m.num_samples(),
        }
    }
}
