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

use super::datasets::Dataset;
use super::lanczos::{Lanczos, Ritz, StopRule};
use super::mlp::Mlp;
use super::rng::{sample_without_replacement, stream};
use super::shallow_tables::ShallowTables;

/// A loss whose gradient and exact Hessian-vector products are available at the θ of the last
/// evaluation.
pub trait CurvatureModel {
    fn num_params(&self) -> usize;
    /// L(θ) over the whole data set; writes ∇L(θ) into `grad`. With `curvature`, prepares
    /// [`Self::hessian_vec`] at this θ.
    fn evaluate(&mut self, theta: &[f64], grad: &mut [f64], curvature: bool) -> f64;
    /// The gradient over the samples of `batch`, at the θ of the last evaluation.
    fn batch_gradient(&mut self, theta: &[f64], batch: &[usize], grad: &mut [f64]);
    /// ∇²L(θ)v at the θ of the last evaluation with `curvature`.
    fn hessian_vec(&mut self, v: &[f64], out: &mut [f64]);
    /// The number of training samples.
    fn num_samples(&self) -> usize;
}

impl CurvatureModel for ShallowTables {
    fn num_params(&self) -> usize {
        ShallowTables::num_params(self)
    }

    fn evaluate(&mut self, theta: &[f64], grad: &mut [f64], curvature: bool) -> f64 {
        ShallowTables::evaluate(self, theta, grad, curvature)
    }

    fn batch_gradient(&mut self, _theta: &[f64], batch: &[usize], grad: &mut [f64]) {
        ShallowTables::batch_gradient(self, batch, grad)
    }

    fn hessian_vec(&mut self, v: &[f64], out: &mut [f64]) {
        ShallowTables::hessian_vec(self, v, out)
    }

    fn num_samples(&self) -> usize {
        self.num_samples()
    }
}

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
    /// A bound on the error of the value: min(r, r²/gap) (see [`crate::math::lanczos`]).
    pub error_bound: f64,
    /// Hessian-vector products spent.
    pub iterations: usize,
    /// The second and third Ritz values (NaN when not requested or not available).
    pub next: [f64; 2],
}

/// Measures sharpness step after step, reusing its workspace.
#[derive(Clone, Debug)]
pub struct SharpnessMeter {
    mode: SharpnessMode,
    lanczos: Lanczos,
    ritz: Ritz,
    /// The start vector of the next measurement (warm start: the last top Ritz vector).
    start: Vec<f64>,
    /// How many top eigenvalues to report (1 to 3).
    top: usize,
}

impl SharpnessMeter {
    /// `top` eigenvalues (1 to 3) are reported per measurement.
    pub fn new(dim: usize, mode: SharpnessMode, top: usize) -> Self {
        // Only a warm start needs the top Ritz vector.
        let (lanczos, start) = match &mode {
            SharpnessMode::Fixed { iterations, start } => {
                (Lanczos::new(dim, *iterations).without_ritz_vectors(), start.clone())
            }
            SharpnessMode::WarmStart { max_iter, start, .. } => (Lanczos::new(dim, *max_iter), start.clone()),
        };
        assert_eq!(start.len(), dim, "the start vector has the wrong dimension");
        Self { mode, lanczos, ritz: Ritz::default(), start, top: top.clamp(1, 3) }
    }

    /// The sharpness of `model` at its last evaluation (with curvature). None when Lanczos
    /// fails (non-finite values: the run has diverged).
    pub fn measure<M: CurvatureModel>(&mut self, model: &mut M) -> Option<Sharpness> {
        let rule = match self.mode {
            SharpnessMode::Fixed { iterations, .. } => StopRule::Iterations(iterations),
            SharpnessMode::WarmStart { tolerance, max_iter, .. } => StopRule::Converged { tolerance, max_iter },
        };
        let ok = self.lanczos.run(self.top, &self.start, rule, |v, out| model.hessian_vec(v, out), &mut self.ritz);
        if !ok {
            return None;
        }
        if matches!(self.mode, SharpnessMode::WarmStart { .. }) {
            self.start.copy_from_slice(&self.ritz.vectors[0]);
        }
        let at = |i: usize| self.ritz.values.get(i).copied().unwrap_or(f64::NAN);
        Some(Sharpness {
            value: at(0),
            residual: self.ritz.residuals[0],
            error_bound: self.ritz.error_bounds[0],
            iterations: self.ritz.iterations,
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
}

/// A step-size schedule: η₁, switching to η₂ from step `switch_at` on (no switch: η₂ = η₁).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Schedule {
    pub eta: f64,
    pub switch_at: usize,
    pub eta_after: f64,
}

impl Schedule {
    pub fn constant(eta: f64) -> Self {
        Self { eta, switch_at: usize::MAX, eta_after: eta }
    }

    pub fn at(&self, step: usize) -> f64 {
        if step < self.switch_at {
            self.eta
        } else {
            self.eta_after
        }
    }
}

/// How [`SharpnessRun::advance`] ended.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RunState {
    Running,
    /// The requested number of steps is done.
    Finished,
    /// The loss or the sharpness stopped being finite, or the loss grew past every sensible
    /// bound, at this step.
    Diverged {
        step: usize,
        loss: f64,
    },
}

/// A training loss above this many times max(initial loss, 1) counts as divergence.
pub const DIVERGENCE_LOSS_GROWTH: f64 = 1e10;

/// GD (batch = all samples) or SGD with the sharpness measured at every iterate.
///
/// Steps are counted from the start of training: a run resumed from parameters that had
/// `first_step` updates records steps `first_step`, `first_step + 1`, …, takes its step size
/// from the schedule at those steps, and (for SGD) draws the batches of those steps. The batch
/// of step t depends only on the seed and t, so a resumed run continues bit for bit.
pub struct SharpnessRun<M: CurvatureModel> {
    pub model: M,
    pub theta: Vec<f64>,
    pub schedule: Schedule,
    pub meter: SharpnessMeter,
    pub records: Vec<StepRecord>,
    grad: Vec<f64>,
    batch_size: usize,
    seed: u64,
    pool: Vec<usize>,
    batch: Vec<usize>,
    /// How many updates the run makes.
    total_steps: usize,
    /// The step of θ when the run began.
    first_step: usize,
    /// Updates made so far.
    updates: usize,
    state: RunState,
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
        let p = model.num_params();
        let n = model.num_samples();
        assert_eq!(theta.len(), p, "θ has the wrong length");
        let batch_size = batch_size.clamp(1, n.max(1));
        Self {
            model,
            theta,
            schedule,
            meter,
            records: Vec::with_capacity(total_steps + 1),
            grad: vec![0.0; p],
            batch_size,
            seed,
            pool: (0..n).collect(),
            batch: vec![0; batch_size],
            total_steps,
            first_step: 0,
            updates: 0,
            state: RunState::Running,
        }
    }

    /// The same run continued from parameters θ that had `step` updates already: it records
    /// steps `step` to `step + total_steps`.
    pub fn resumed_at(self, step: usize) -> Self {
        Self { first_step: step, ..self }
    }

    pub fn state(&self) -> RunState {
        self.state
    }

    /// The step the run began at: 0, or where the run it resumes had stopped.
    pub fn first_step(&self) -> usize {
        self.first_step
    }

    /// The step the run ends at when nothing diverges.
    pub fn last_step(&self) -> usize {
        self.first_step + self.total_steps
    }

    /// The number of updates that produced the current θ, counted from the start of training.
    pub fn theta_step(&self) -> usize {
        self.first_step + self.updates
    }

    /// Records up to `steps` more iterates (measuring each, then updating θ).
    pub fn advance(&mut self, steps: usize) -> RunState {
        for _ in 0..steps {
            if self.state != RunState::Running {
                break;
            }
            let t = self.theta_step();
            let loss = self.model.evaluate(&self.theta, &mut self.grad, true);
            let sharpness = if loss.is_finite() { self.meter.measure(&mut self.model) } else { None };
            let limit = DIVERGENCE_LOSS_GROWTH * self.records.first().map_or(loss, |r| r.loss).max(1.0);
            let Some(sharpness) = sharpness.filter(|_| loss <= limit) else {
                self.state = RunState::Diverged { step: t, loss };
                break;
            };
            let eta = self.schedule.at(t);
            self.records.push(StepRecord { step: t, eta, loss, sharpness });
            if self.updates == self.total_steps {
                self.state = RunState::Finished;
                break;
            }
            if self.batch_size < self.pool.len() {
                // Step t's batch from stream t, out of the pool in its starting order.
                for (i, slot) in self.pool.iter_mut().enumerate() {
                    *slot = i;
                }
                sample_without_replacement(&mut stream(self.seed, t as u64), &mut self.pool, &mut self.batch);
                self.model.batch_gradient(&self.theta, &self.batch, &mut self.grad);
            }
            for (th, g) in self.theta.iter_mut().zip(&self.grad) {
                *th -= eta * g;
            }
            self.updates += 1;
        }
        self.state
    }
}

/// Plain full-batch GD without any curvature: the speed of the bare update.
pub fn gd_steps<M: CurvatureModel>(model: &mut M, theta: &mut [f64], eta: f64, steps: usize, grad: &mut [f64]) -> f64 {
    let mut loss = f64::NAN;
    for _ in 0..steps {
        loss = model.evaluate(theta, grad, false);
        for (th, g) in theta.iter_mut().zip(grad.iter()) {
            *th -= eta * g;
        }
    }
    loss
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
        self.mlp.hessian_vec(&self.theta, &self.data, v, out)
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
