//! GD and SGD on the lecture's regression problem, run step by step.
//!
//! SGD draws a batch of B distinct samples uniformly at random at every step, independently
//! across steps (the sampling of Theorem 1.1); B = n is full-batch GD. Divergence is a result:
//! the run stops and records the step at which the loss left every sensible range.

use super::network::Regression;
use super::rng::{sample_without_replacement, seeded, Rng};

/// A run is declared divergent once the training loss exceeds this many times
/// max(initial loss, 1), or stops being finite.
pub const DIVERGENCE_LOSS_GROWTH: f64 = 1e10;

/// How a call to [`Sgd::run`] ended.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RunStatus {
    /// All requested steps were taken.
    Ran,
    /// The loss blew up at this step (θ is left as it was after that step).
    Diverged { step: usize, loss: f64 },
}

/// SGD (or GD when the batch is the whole set) with a fixed step size, owning its θ.
#[derive(Clone, Debug)]
pub struct Sgd {
    pub theta: Vec<f64>,
    pub eta: f64,
    batch_size: usize,
    step: usize,
    initial_loss: f64,
    diverged: Option<(usize, f64)>,
    rng: Rng,
    pool: Vec<usize>,
    batch: Vec<usize>,
    grad: Vec<f64>,
    scratch: Vec<f64>,
}

impl Sgd {
    /// `batch_size` is clamped to 1..=n.
    pub fn new(problem: &Regression, theta: Vec<f64>, eta: f64, batch_size: usize, seed: u64) -> Self {
        let n = problem.data.len();
        let p = problem.num_params();
        assert_eq!(theta.len(), p, "θ has the wrong length");
        let batch_size = batch_size.clamp(1, n.max(1));
        let initial_loss = problem.loss(&theta);
        Self {
            theta,
            eta,
            batch_size,
            step: 0,
            initial_loss,
            diverged: None,
            rng: seeded(seed),
            pool: (0..n).collect(),
            batch: vec![0; batch_size],
            grad: vec![0.0; p],
            scratch: vec![0.0; p],
        }
    }

    /// Steps taken so far.
    pub fn step_count(&self) -> usize {
        self.step
    }

    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// The step and loss at which the run diverged, if it did.
    pub fn diverged(&self) -> Option<(usize, f64)> {
        self.diverged
    }

    /// Takes up to `steps` steps; stops at divergence (and refuses to go on after it).
    pub fn run(&mut self, problem: &Regression, steps: usize) -> RunStatus {
        if let Some((step, loss)) = self.diverged {
            return RunStatus::Diverged { step, loss };
        }
        let n = problem.data.len();
        let limit = DIVERGENCE_LOSS_GROWTH * self.initial_loss.max(1.0);
        for _ in 0..steps {
            if self.batch_size == n {
                for (slot, j) in self.batch.iter_mut().zip(0..n) {
                    *slot = j;
                }
            } else {
                sample_without_replacement(&mut self.rng, &mut self.pool, &mut self.batch);
            }
            problem.batch_gradient(&self.theta, &self.batch, &mut self.grad, &mut self.scratch);
            for (t, g) in self.theta.iter_mut().zip(&self.grad) {
                *t -= self.eta * g;
            }
            self.step += 1;
            if self.theta.iter().any(|t| !t.is_finite()) {
                self.diverged = Some((self.step, f64::INFINITY));
                return RunStatus::Diverged { step: self.step, loss: f64::INFINITY };
            }
            let loss = problem.batch_loss(&self.theta, &self.batch);
            if loss.is_nan() || loss > limit {
                // Past overflow the loss can come out as ∞ − ∞: report it as infinite.
                let loss = problem.loss(&self.theta);
                let loss = if loss.is_nan() { f64::INFINITY } else { loss };
                self.diverged = Some((self.step, loss));
                return RunStatus::Diverged { step: self.step, loss };
            }
        }
        RunStatus::Ran
    }
}
