//! The training loop every run of a network goes through: a step-size schedule, batches (the
//! full set, or B samples drawn from a seeded generator), the stop rule (a step cap, a loss
//! tolerance), divergence, and the hook through which a run records what it needs.
//!
//! A [`Trainer`] holds θ_t and its gradient; the model (the loss) is passed to each call, so
//! that one set of tables can serve several runs in turn. The loop is, from θ_t:
//! 1. evaluate L(θ_t) and ∇L(θ_t) over the whole set (preparing Hessian-vector products when
//!    the run's [`Observer`] records step t);
//! 2. decide: divergence first ([`Divergence`]), then what the observer says (it sees every
//!    evaluated step, and may end the run), then the tolerance and the step cap;
//! 3. if the run goes on, step: θ_{t+1} = θ_t − η_t g_t, with g_t the full gradient or that of
//!    step t's batch.
//!
//! A budget of `units` in [`Trainer::advance`] is that many evaluations: the starting point's
//! (when not yet evaluated), then updates each followed by the evaluation of the new iterate.

use super::network::Regression;
use super::numbers::{Numbers, Reader};
use super::rng::{sample_without_replacement, seeded, stream, Rng};
use super::shallow_tables::ShallowTables;

/// A run has diverged once its training loss exceeds this many times max(initial loss, 1), or
/// stops being finite.
pub const DIVERGENCE_LOSS_GROWTH: f64 = 1e10;

/// The divergence rule of every run: the loss must stay finite and at most
/// [`DIVERGENCE_LOSS_GROWTH`] · max(L(θ₀), 1).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Divergence {
    limit: f64,
}

impl Divergence {
    /// The rule for a run that started at loss `initial_loss`.
    pub fn from_initial_loss(initial_loss: f64) -> Self {
        Self { limit: DIVERGENCE_LOSS_GROWTH * initial_loss.max(1.0) }
    }

    pub fn has_diverged(&self, loss: f64) -> bool {
        !(loss.is_finite() && loss <= self.limit)
    }

    /// The loss a diverged run reports: past overflow it can come out as ∞ − ∞, shown as ∞.
    pub fn reported(loss: f64) -> f64 {
        if loss.is_nan() {
            f64::INFINITY
        } else {
            loss
        }
    }
}

/// Where a training run stands, or how it ended.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Outcome {
    Running,
    /// The run met its goal at this step: the loss fell below the tolerance (for runs that
    /// also ask for it, at a minimum stable for the step size).
    Interpolated {
        step: usize,
    },
    /// The step cap came first.
    Capped,
    /// The loss blew up (or stopped being a number) at this step.
    Diverged {
        step: usize,
        loss: f64,
    },
}

impl Outcome {
    /// Writes the outcome as three numbers: its kind (0 running, 1 interpolated, 2 capped,
    /// 3 diverged), its step and its loss (0 where the kind has none).
    pub fn write(&self, out: &mut Numbers) {
        let (kind, step, loss) = match *self {
            Outcome::Running => (0, 0, 0.0),
            Outcome::Interpolated { step } => (1, step, 0.0),
            Outcome::Capped => (2, 0, 0.0),
            Outcome::Diverged { step, loss } => (3, step, loss),
        };
        out.count(kind);
        out.count(step);
        out.value(loss);
    }

    /// The outcome [`Outcome::write`] wrote; None for numbers it cannot have written.
    pub fn read(numbers: &mut Reader<'_>) -> Option<Self> {
        let (kind, step, loss) = (numbers.count()?, numbers.count()?, numbers.value()?);
        match kind {
            0 => Some(Outcome::Running),
            1 => Some(Outcome::Interpolated { step }),
            2 => Some(Outcome::Capped),
            3 => Some(Outcome::Diverged { step, loss }),
            _ => None,
        }
    }
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

/// Which samples each step's gradient is over. A batch is B distinct samples drawn uniformly
/// (Theorem 1.1's sampling); B is clamped to 1..=n, and B = n is full-batch GD.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Batches {
    /// One generator from `seed` draws the batches one after the other.
    Drawn { size: usize, seed: u64 },
    /// Step t's batch comes from stream t of `seed`, out of the samples in their starting
    /// order: it depends only on the seed and t, so a run resumed at step t continues bit for
    /// bit.
    PerStep { size: usize, seed: u64 },
}

impl Batches {
    /// Full-batch GD.
    pub fn full() -> Self {
        Batches::Drawn { size: usize::MAX, seed: 0 }
    }
}

/// The batch of each step, in a reused buffer.
#[derive(Clone, Debug)]
pub struct BatchSampler {
    rule: Batches,
    rng: Rng,
    pool: Vec<usize>,
    batch: Vec<usize>,
}

impl BatchSampler {
    /// Batches out of `samples` training samples.
    pub fn new(rule: Batches, samples: usize) -> Self {
        let (Batches::Drawn { size, seed } | Batches::PerStep { size, seed }) = rule;
        let size = size.clamp(1, samples.max(1));
        Self { rule, rng: seeded(seed), pool: (0..samples).collect(), batch: (0..size).collect() }
    }

    pub fn batch_size(&self) -> usize {
        self.batch.len()
    }

    /// Whether every step uses the whole set.
    pub fn is_full(&self) -> bool {
        self.batch.len() == self.pool.len()
    }

    /// The last batch drawn (all samples for full-batch GD).
    pub fn batch(&self) -> &[usize] {
        &self.batch
    }

    /// Step t's batch; None for full-batch GD.
    pub fn draw(&mut self, step: usize) -> Option<&[usize]> {
        if self.is_full() {
            return None;
        }
        match self.rule {
            Batches::Drawn { .. } => sample_without_replacement(&mut self.rng, &mut self.pool, &mut self.batch),
            Batches::PerStep { seed, .. } => {
                for (i, slot) in self.pool.iter_mut().enumerate() {
                    *slot = i;
                }
                sample_without_replacement(&mut stream(seed, step as u64), &mut self.pool, &mut self.batch);
            }
        }
        Some(&self.batch)
    }
}

/// A loss whose gradient and exact Hessian-vector products are available at the θ of the last
/// evaluation: the lecture's network through its fast tables, or a general network.
pub trait CurvatureModel {
    /// Whether [`Self::batch_gradient`] may be taken at any θ, not only at the last evaluated
    /// one: a run on such a model may evaluate the whole set only every few steps (see
    /// [`Trainer::evaluating_every`]).
    const BATCH_GRADIENT_AT_ANY_THETA: bool = false;

    fn num_params(&self) -> usize;
    /// L(θ) over the whole data set; writes ∇L(θ) into `grad`. With `curvature`, prepares
    /// [`Self::hessian_vec`] at this θ.
    fn evaluate(&mut self, theta: &[f64], grad: &mut [f64], curvature: bool) -> f64;
    /// The gradient over the samples of `batch` at `theta`, which must be the θ of the last
    /// evaluation unless [`Self::BATCH_GRADIENT_AT_ANY_THETA`].
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
        ShallowTables::num_samples(self)
    }
}

/// The lecture's network on its plain code path, which takes a batch's gradient at any θ in
/// O(Bk): the runs that evaluate the whole set only at their records (see
/// [`Trainer::evaluating_every`]).
#[derive(Clone, Debug)]
pub struct PlainRegression {
    problem: Regression,
    /// Every sample's index, the full batch.
    all: Vec<usize>,
    scratch: Vec<f64>,
    /// The θ of the last evaluation that prepared Hessian-vector products.
    curvature_at: Vec<f64>,
}

impl PlainRegression {
    pub fn new(problem: Regression) -> Self {
        let (n, p) = (problem.data.len(), problem.num_params());
        Self { problem, all: (0..n).collect(), scratch: vec![0.0; p], curvature_at: Vec::new() }
    }

    pub fn problem(&self) -> &Regression {
        &self.problem
    }
}

impl CurvatureModel for PlainRegression {
    const BATCH_GRADIENT_AT_ANY_THETA: bool = true;

    fn num_params(&self) -> usize {
        self.problem.num_params()
    }

    fn evaluate(&mut self, theta: &[f64], grad: &mut [f64], curvature: bool) -> f64 {
        self.problem.batch_gradient(theta, &self.all, grad, &mut self.scratch);
        if curvature {
            self.curvature_at = theta.to_vec();
        }
        self.problem.loss(theta)
    }

    fn batch_gradient(&mut self, theta: &[f64], batch: &[usize], grad: &mut [f64]) {
        self.problem.batch_gradient(theta, batch, grad, &mut self.scratch);
    }

    fn hessian_vec(&mut self, v: &[f64], out: &mut [f64]) {
        self.problem.hessian_vec(&self.curvature_at, v, out, &mut self.scratch);
    }

    fn num_samples(&self) -> usize {
        self.problem.data.len()
    }
}

/// What a run records along the way; it sees every evaluated iterate.
pub trait Observer<M> {
    /// Whether the evaluation of step t must prepare Hessian-vector products.
    fn curvature_at(&self, _step: usize) -> bool {
        false
    }

    /// Called after the evaluation of step t (at [`Trainer::step`], loss [`Trainer::loss`]),
    /// once the divergence rule has spoken ([`Trainer::outcome`]). An outcome returned ends a
    /// run that was still running.
    fn observe(&mut self, _model: &mut M, _trainer: &Trainer) -> Option<Outcome> {
        None
    }
}

/// A run that records nothing.
impl<M> Observer<M> for () {}

/// When a run stops, besides divergence.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stop {
    /// The step at which the run stops when nothing else stopped it first.
    pub max_steps: usize,
    /// The run has converged once the training loss is below this (checked at every step).
    pub tolerance: Option<f64>,
}

/// θ_t of one run and the loop that moves it (see the module documentation).
#[derive(Clone, Debug)]
pub struct Trainer {
    theta: Vec<f64>,
    grad: Vec<f64>,
    schedule: Schedule,
    batches: BatchSampler,
    stop: Stop,
    step: usize,
    /// L(θ_t), once θ_t is evaluated.
    loss: Option<f64>,
    divergence: Option<Divergence>,
    outcome: Outcome,
    /// The whole set is evaluated at the steps that are multiples of this (see
    /// [`Trainer::evaluating_every`]); 1: at every step.
    evaluate_every: usize,
}

impl Trainer {
    /// A run from θ (at step 0) on a set of `samples` samples.
    pub fn new(theta: Vec<f64>, samples: usize, schedule: Schedule, batches: Batches, stop: Stop) -> Self {
        let grad = vec![0.0; theta.len()];
        Self {
            theta,
            grad,
            schedule,
            batches: BatchSampler::new(batches, samples),
            stop,
            step: 0,
            loss: None,
            divergence: None,
            outcome: Outcome::Running,
            evaluate_every: 1,
        }
    }

    /// The same run evaluating the whole set (the loss, the stop rule, divergence, the
    /// observer) only at the steps that are multiples of `every`, at the step cap and, for
    /// full-batch GD, at every step; between, SGD steps from batch gradients alone, O(B) each
    /// instead of O(n). Divergence is then seen at the next evaluation. It applies to models
    /// whose batch gradient can be taken at any θ ([`CurvatureModel::BATCH_GRADIENT_AT_ANY_THETA`]);
    /// on the others every step is evaluated.
    pub fn evaluating_every(self, every: usize) -> Self {
        Self { evaluate_every: every.max(1), ..self }
    }

    /// Whether θ at the current step is to be evaluated.
    fn due<M: CurvatureModel>(&self) -> bool {
        !M::BATCH_GRADIENT_AT_ANY_THETA
            || self.batches.is_full()
            || self.step.is_multiple_of(self.evaluate_every)
            || self.step >= self.stop.max_steps
    }

    /// The same run with θ counted as the result of `step` updates already (a resumed run):
    /// the schedule and the batches read steps from there, and the cap counts this run's
    /// updates.
    pub fn resumed_at(self, step: usize) -> Self {
        let stop = Stop { max_steps: self.stop.max_steps.saturating_add(step), ..self.stop };
        Self { step, stop, ..self }
    }

    pub fn theta(&self) -> &[f64] {
        &self.theta
    }

    /// The number of updates that produced θ, counted from the start of training.
    pub fn step(&self) -> usize {
        self.step
    }

    /// L(θ_t) at the last evaluation (NaN before the first).
    pub fn loss(&self) -> f64 {
        self.loss.unwrap_or(f64::NAN)
    }

    pub fn outcome(&self) -> Outcome {
        self.outcome
    }

    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    pub fn stop(&self) -> &Stop {
        &self.stop
    }

    pub fn batch_size(&self) -> usize {
        self.batches.batch_size()
    }

    /// Takes where a copy of this run, trained elsewhere (in a worker), has got: its θ, the
    /// updates that made it and its outcome. A run that follows another is not advanced itself.
    pub fn follow(&mut self, theta: &[f64], step: usize, outcome: Outcome) {
        self.theta.copy_from_slice(theta);
        self.step = step;
        self.outcome = outcome;
        self.loss = None;
    }

    /// Evaluates θ at its step unless it is already: the start of a run, for callers that want
    /// it recorded before any update.
    pub fn start<M: CurvatureModel, O: Observer<M>>(&mut self, model: &mut M, observer: &mut O) -> Outcome {
        if self.loss.is_none() {
            self.evaluate(model, observer);
        }
        self.outcome
    }

    /// Makes up to `units` units of work: the evaluation of the start first, if it is not yet
    /// evaluated, then per unit an update and the evaluation of the new iterate (when it is
    /// due, see [`Trainer::evaluating_every`]). Returns where the run stands.
    pub fn advance<M: CurvatureModel, O: Observer<M>>(
        &mut self,
        model: &mut M,
        observer: &mut O,
        units: usize,
    ) -> Outcome {
        let mut units = units;
        if self.loss.is_none() && units > 0 && self.due::<M>() {
            self.evaluate(model, observer);
            units -= 1;
        }
        for _ in 0..units {
            if self.outcome != Outcome::Running {
                break;
            }
            self.update(model);
            if self.due::<M>() {
                self.evaluate(model, observer);
            }
        }
        self.outcome
    }

    /// [`Trainer::advance`], then, while the run goes on, the update of the last iterate
    /// evaluated: after N units θ_0 … θ_{N−1} are evaluated and θ is θ_N, the iterate a run
    /// file saves and a resumed run starts from (the edge-of-stability figure's counting).
    pub fn advance_and_update<M: CurvatureModel, O: Observer<M>>(
        &mut self,
        model: &mut M,
        observer: &mut O,
        units: usize,
    ) -> Outcome {
        self.advance(model, observer, units);
        if self.outcome == Outcome::Running && self.loss.is_some() {
            self.update(model);
        }
        self.outcome
    }

    /// θ_{t+1} = θ_t − η_t g_t, with the gradient of step t's batch or the full one.
    fn update<M: CurvatureModel>(&mut self, model: &mut M) {
        if let Some(batch) = self.batches.draw(self.step) {
            model.batch_gradient(&self.theta, batch, &mut self.grad);
        }
        let eta = self.schedule.at(self.step);
        descend(&mut self.theta, eta, &self.grad);
        self.step += 1;
        self.loss = None;
    }

    fn evaluate<M: CurvatureModel, O: Observer<M>>(&mut self, model: &mut M, observer: &mut O) {
        let t = self.step;
        let loss = model.evaluate(&self.theta, &mut self.grad, observer.curvature_at(t));
        self.loss = Some(loss);
        let divergence = *self.divergence.get_or_insert(Divergence::from_initial_loss(loss));
        if divergence.has_diverged(loss) {
            self.outcome = Outcome::Diverged { step: t, loss: Divergence::reported(loss) };
        }
        let said = observer.observe(model, self);
        if self.outcome != Outcome::Running {
            return;
        }
        if let Some(outcome) = said {
            self.outcome = outcome;
        } else if self.stop.tolerance.is_some_and(|tolerance| loss < tolerance) {
            self.outcome = Outcome::Interpolated { step: t };
        } else if t >= self.stop.max_steps {
            self.outcome = Outcome::Capped;
        }
    }
}

/// θ ← θ − ηg: the update of every run.
pub fn descend(theta: &mut [f64], eta: f64, grad: &[f64]) {
    for (t, g) in theta.iter_mut().zip(grad) {
        *t -= eta * g;
    }
}

/// Plain full-batch GD without any curvature or bookkeeping: the speed of the bare update.
pub fn gd_steps<M: CurvatureModel>(model: &mut M, theta: &mut [f64], eta: f64, steps: usize, grad: &mut [f64]) -> f64 {
    let mut loss = f64::NAN;
    for _ in 0..steps {
        loss = model.evaluate(theta, grad, false);
        descend(theta, eta, grad);
    }
    loss
}
