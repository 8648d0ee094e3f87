//! Overparameterized 1-D ReLU networks of the lecture's family fitting n points: the task (a
//! known target plus noise, or random labels), the starting point, and training runs side by
//! side that record the training loss and the test error against the target.
//!
//! **The start.** Neurons come in mirrored pairs (w1ᵢ, b1ᵢ, w2ᵢ) and (w1ᵢ, b1ᵢ, −w2ᵢ), so f ≡ 0
//! at the start whatever the width, with w1ᵢ, w2ᵢ standard normal and the knot −b1ᵢ/w1ᵢ uniform
//! on the input interval, so that every neuron is active on part of the data. Both layers then
//! contribute to the tangent kernel, whose conditioning (and so the speed of GD to zero loss)
//! is far better than with a small output layer, where the smooth random-feature kernel of the
//! first layer dominates. The price is a sharpness λ_max(θ₀) that grows with the width k, which
//! is why step sizes are given in units of 1/λ_max(θ₀).
//!
//! **The data.** Inputs are evenly spaced on [−1, 1]: random inputs put some pairs very close,
//! and fitting independent labels at nearby points is what makes GD slow.

use super::activation::Activation;
use super::network::{Data, Regression, ShallowNet};
use super::rescaling::{hessian_top, sharpness_by};
use super::rng::{normal, seeded, uniform};
use super::trainer::{Batches, Observer, Outcome, PlainRegression, Schedule, Stop, Trainer};

/// The input interval.
pub const INPUT_RANGE: (f64, f64) = (-1.0, 1.0);

/// The known target, f*(x) = sin(πx).
pub fn target(x: f64) -> f64 {
    (std::f64::consts::PI * x).sin()
}

/// What the labels are.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Labels {
    /// f*(xⱼ) plus Gaussian noise of this standard deviation.
    Target { noise: f64 },
    /// Independent standard normal labels: nothing to learn, everything to memorize.
    Random,
}

/// n evenly spaced inputs on [−1, 1] with their labels; the noise and the random labels are
/// drawn from `seed`.
pub fn training_data(samples: usize, labels: Labels, seed: u64) -> Data {
    let (lo, hi) = INPUT_RANGE;
    let x: Vec<f64> = (0..samples)
        .map(|j| if samples == 1 { 0.0 } else { lo + (hi - lo) * j as f64 / (samples - 1) as f64 })
        .collect();
    let mut rng = seeded(seed);
    let y = x
        .iter()
        .map(|&x| match labels {
            Labels::Target { noise } => target(x) + noise * normal(&mut rng),
            Labels::Random => normal(&mut rng),
        })
        .collect();
    Data { x, y }
}

/// The starting θ of a width-k ReLU network (see the module documentation); b2 = 0. The
/// mirrored neurons of a pair sit next to each other, so that f sums to exactly 0 pair by pair;
/// the unpaired last neuron of an odd width starts with w2 = 0.
pub fn initial_theta(width: usize, seed: u64) -> Vec<f64> {
    let mut rng = seeded(seed);
    let k = width;
    let mut theta = vec![0.0; 3 * k + 1];
    for first in (0..k).step_by(2) {
        let (w1, knot) = (normal(&mut rng), uniform(&mut rng, INPUT_RANGE.0, INPUT_RANGE.1));
        let w2 = if first + 1 < k { normal(&mut rng) } else { 0.0 };
        for (j, sign) in [(first, 1.0), (first + 1, -1.0)] {
            if j < k {
                theta[j] = w1;
                theta[k + j] = -w1 * knot;
                theta[2 * k + j] = sign * w2;
            }
        }
    }
    theta
}

/// The regression problem of a width-k ReLU network on `data`.
pub fn relu_problem(width: usize, data: Data) -> Regression {
    Regression::new(ShallowNet::new(width, Activation::Relu), data)
}

/// Lanczos iterations and relative accuracy of [`sharpness`]: it sets the scale of the step
/// sizes, for which three digits are plenty, and must stay cheap for wide networks.
const SHARPNESS_MAX_ITER: usize = 30;
const SHARPNESS_TOLERANCE: f64 = 1e-6;

/// λ_max(∇²L(θ)) by Lanczos on exact Hessian-vector products, from a fixed start.
pub fn sharpness(problem: &Regression, theta: &[f64]) -> f64 {
    let p = problem.num_params();
    let mut meter = hessian_top(p, SHARPNESS_MAX_ITER, SHARPNESS_TOLERANCE);
    sharpness_by(&mut meter, problem, theta, &mut vec![0.0; p])
}

/// One recorded point of a run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Record {
    pub step: usize,
    /// The full training loss L(θ_t).
    pub loss: f64,
    /// The mean squared distance to the target on the test grid; NaN without a test grid.
    pub test_error: f64,
}

/// The settings of a run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RunSettings {
    pub eta: f64,
    pub batch_size: usize,
    /// The training loss below which the run stops as interpolating.
    pub tolerance: f64,
    pub max_steps: usize,
    /// A record (full loss and test error, O(nk) and O(mk)) every this many steps.
    pub record_every: usize,
    pub seed: u64,
}

/// One run of GD or SGD from θ₀ on the trainer, with records: the whole set is evaluated only
/// at the records (every `record_every` steps, and at the cap), so an SGD step costs O(kB).
#[derive(Clone, Debug)]
pub struct TrainingRun {
    trainer: Trainer,
    model: PlainRegression,
    log: RunLog,
}

/// What a run records at its evaluations, and its stop rule: the tolerance is checked there.
#[derive(Clone, Debug)]
struct RunLog {
    settings: RunSettings,
    records: Vec<Record>,
    /// Test inputs and the target there; empty for random labels.
    test_x: Vec<f64>,
    test_y: Vec<f64>,
}

impl RunLog {
    /// The test error of θ: mean over the test grid of (f(x) − f*(x))².
    fn test_error(&self, net: &ShallowNet, theta: &[f64]) -> f64 {
        if self.test_x.is_empty() {
            return f64::NAN;
        }
        let sum: f64 = self.test_x.iter().zip(&self.test_y).map(|(&x, &y)| (net.eval(theta, x) - y).powi(2)).sum();
        sum / self.test_x.len() as f64
    }
}

impl Observer<PlainRegression> for RunLog {
    fn observe(&mut self, model: &mut PlainRegression, trainer: &Trainer) -> Option<Outcome> {
        let step = trainer.step();
        // Full-batch GD evaluates every step; the records keep their stride. A diverged
        // iterate is not recorded: the outcome says where the run left every sensible range.
        let off_stride = !step.is_multiple_of(self.settings.record_every) && step < self.settings.max_steps;
        if off_stride || matches!(trainer.outcome(), Outcome::Diverged { .. }) {
            return None;
        }
        let loss = trainer.loss();
        let test_error = self.test_error(&model.problem().net, trainer.theta());
        self.records.push(Record { step, loss, test_error });
        (loss <= self.settings.tolerance).then_some(Outcome::Interpolated { step })
    }
}

impl TrainingRun {
    /// A run on `problem` from θ₀. The test error against the target is measured on
    /// `test_points` evenly spaced inputs (none when 0, e.g. for random labels).
    pub fn new(problem: &Regression, theta: Vec<f64>, settings: RunSettings, test_points: usize) -> Self {
        let (lo, hi) = INPUT_RANGE;
        let test_x: Vec<f64> = match test_points {
            0 => Vec::new(),
            1 => vec![0.5 * (lo + hi)],
            m => (0..m).map(|i| lo + (hi - lo) * i as f64 / (m - 1) as f64).collect(),
        };
        let test_y = test_x.iter().map(|&x| target(x)).collect();
        let batches = Batches::Drawn { size: settings.batch_size, seed: settings.seed };
        let stop = Stop { max_steps: settings.max_steps, tolerance: None };
        let trainer = Trainer::new(theta, problem.data.len(), Schedule::constant(settings.eta), batches, stop)
            .evaluating_every(settings.record_every);
        let log = RunLog { settings, records: Vec::new(), test_x, test_y };
        let mut run = Self { trainer, model: PlainRegression::new(problem.clone()), log };
        run.trainer.start(&mut run.model, &mut run.log);
        run
    }

    pub fn theta(&self) -> &[f64] {
        self.trainer.theta()
    }

    pub fn outcome(&self) -> Outcome {
        self.trainer.outcome()
    }

    pub fn records(&self) -> &[Record] {
        &self.log.records
    }

    pub fn settings(&self) -> &RunSettings {
        &self.log.settings
    }

    pub fn steps(&self) -> usize {
        self.trainer.step()
    }

    /// Takes up to `steps` steps, recording every `record_every`. Returns where the run stands.
    pub fn advance(&mut self, steps: usize) -> Outcome {
        self.trainer.advance(&mut self.model, &mut self.log, steps)
    }

    /// The multiply-adds of one step, about, for budgeting work slices: the batch gradient
    /// (about 12 operations per sample and neuron) and the records' share (the loss and the test
    /// error, about 4 per point and neuron). The page's progress units (a link's `.at`, the
    /// walkthrough's states) are counted with this estimate, so it stays as it is.
    pub fn step_cost(problem: &Regression, settings: &RunSettings, test_points: usize) -> usize {
        let k = problem.net.width;
        let per_record = (problem.data.len() + test_points) * k * 4;
        settings.batch_size * k * 12 + 3 * k + per_record / settings.record_every.max(1)
    }
}
