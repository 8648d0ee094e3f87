//! GD and SGD on the lecture's regression problem, run step by step.
//!
//! SGD draws a batch of B distinct samples uniformly at random at every step, independently
//! across steps (the sampling of Theorem 1.1); B = n is full-batch GD. Divergence is a result:
//! the run stops and records the step at which the loss left every sensible range.

use super::network::Regression;
use super::trainer::{descend, BatchSampler, Batches, Divergence, Outcome};

/// SGD (or GD when the batch is the whole set) with a fixed step size, owning its θ.
///
/// Unlike [`Trainer`](super::trainer::Trainer), which evaluates the full loss at every
/// iterate, a step here costs O(B): it reads the batch's loss for the divergence rule.
#[derive(Clone, Debug)]
pub struct Sgd {
    pub theta: Vec<f64>,
    pub eta: f64,
    step: usize,
    divergence: Divergence,
    outcome: Outcome,
    batches: BatchSampler,
    grad: Vec<f64>,
    scratch: Vec<f64>,
}

impl Sgd {
    /// `batch_size` is clamped to 1..=n.
    pub fn new(problem: &Regression, theta: Vec<f64>, eta: f64, batch_size: usize, seed: u64) -> Self {
        let n = problem.data.len();
        let p = problem.num_params();
        assert_eq!(theta.len(), p, "θ has the wrong length");
        let divergence = Divergence::from_initial_loss(problem.loss(&theta));
        Self {
            theta,
            eta,
            step: 0,
            divergence,
            outcome: Outcome::Running,
            batches: BatchSampler::new(Batches::Drawn { size: batch_size, seed }, n),
            grad: vec![0.0; p],
            scratch: vec![0.0; p],
        }
    }

    /// Steps taken so far.
    pub fn step_count(&self) -> usize {
        self.step
    }

    pub fn batch_size(&self) -> usize {
        self.batches.batch_size()
    }

    /// The step and loss at which the run diverged, if it did.
    pub fn diverged(&self) -> Option<(usize, f64)> {
        match self.outcome {
            Outcome::Diverged { step, loss } => Some((step, loss)),
            _ => None,
        }
    }

    /// Takes up to `steps` steps; stops at divergence (and refuses to go on after it). Returns
    /// [`Outcome::Running`] when all steps were taken.
    pub fn run(&mut self, problem: &Regression, steps: usize) -> Outcome {
        if self.outcome != Outcome::Running {
            return self.outcome;
        }
        for _ in 0..steps {
            self.batches.draw(self.step);
            let batch = self.batches.batch();
            problem.batch_gradient(&self.theta, batch, &mut self.grad, &mut self.scratch);
            descend(&mut self.theta, self.eta, &self.grad);
            self.step += 1;
            if self.theta.iter().any(|t| !t.is_finite()) {
                self.outcome = Outcome::Diverged { step: self.step, loss: f64::INFINITY };
                break;
            }
            if self.divergence.has_diverged(problem.batch_loss(&self.theta, batch)) {
                let loss = Divergence::reported(problem.loss(&self.theta));
                self.outcome = Outcome::Diverged { step: self.step, loss };
                break;
            }
        }
        self.outcome
    }
}
