//! SGD's error moments on least squares: exactly, by the closed recursions of the mean and the
//! second moment, and by simulated runs (means, mean squares and medians over R runs), both
//! followed step by step in [`Trajectories`].

use nalgebra::{DMatrix, DVector};

use super::{MeanSquareOperator, SymmetricCoords, DIVERGENCE_GROWTH};
use crate::cores;
use crate::kernels::{Baseline, Isa};
use crate::least_squares::{batch_factor, LeastSquares};
use crate::rng::{sample_without_replacement, stream, Rng};

/// E\[e_t\] and E\[e_t e_tᵀ\] of SGD, exactly, step after step (see the module documentation).
#[derive(Clone, Debug)]
pub struct ExactMoments {
    /// The mean μ_t.
    pub mean: DVector<f64>,
    /// The second moment S_t.
    pub second: DMatrix<f64>,
    eta: f64,
    batch: usize,
    step_matrix: DMatrix<f64>,
    operator: DMatrix<f64>,
}

impl ExactMoments {
    /// The moments at t = 0 of runs that all start at e₀.
    pub fn new(
        problem: &LeastSquares,
        operator: &MeanSquareOperator,
        eta: f64,
        batch: usize,
        e0: &DVector<f64>,
    ) -> Self {
        let d = problem.dim();
        Self {
            mean: e0.clone(),
            second: e0 * e0.transpose(),
            eta,
            batch,
            step_matrix: DMatrix::identity(d, d) - problem.hessian() * eta,
            operator: operator.matrix(eta, batch),
        }
    }

    /// E‖e_t‖² = tr S_t.
    pub fn mean_square_norm(&self) -> f64 {
        self.second.trace()
    }

    /// Moves from t to t + 1.
    pub fn advance(&mut self, problem: &LeastSquares, coords: &SymmetricCoords) {
        let n = problem.len();
        let c = batch_factor(n, self.batch);
        let d = problem.dim();
        // C(μ) = (1/n)Σⱼ xⱼ(xⱼᵀμ)gⱼᵀ, and G.
        let mut source = DMatrix::zeros(d, d);
        if c > 0.0 {
            for j in 0..n {
                let x = DVector::from_column_slice(problem.sample(j));
                let g = DVector::from_column_slice(problem.sample_gradient(j));
                let along = Baseline::dot(problem.sample(j), self.mean.as_slice());
                source.ger(along / n as f64, &x, &g, 1.0);
                source.ger(along / n as f64, &g, &x, 1.0);
                source.ger(1.0 / n as f64, &g, &g, 1.0);
            }
        }
        let next = &self.operator * coords.coords(&self.second) + coords.coords(&source) * (self.eta * self.eta * c);
        self.second = coords.matrix(next.as_slice());
        self.mean = &self.step_matrix * &self.mean;
    }
}

/// Monte Carlo estimates of the moments of e_t at one step t.
#[derive(Clone, Debug, PartialEq)]
pub struct MomentEstimate {
    /// The mean over runs of ‖e_t‖².
    pub mean_square_norm: f64,
    /// The mean over runs of ‖e_t‖.
    pub mean_norm: f64,
    /// The median over runs of ‖e_t‖: where a typical run is, which the means need not tell
    /// when rare runs carry them.
    pub median_norm: f64,
    /// The mean over runs of e_t.
    pub mean: Vec<f64>,
}

/// R independent runs of SGD's error dynamics e_{t+1} = (I − ηĤ_t)e_t − ηĝ_t from a common
/// e₀, advanced together; each run draws its batches from its own stream of the seed (stream r
/// for run r), so what a run does depends on nothing but r: the runs are spread over the cores
/// natively, and any slicing of the work, any number of threads and the page give the same
/// numbers.
#[derive(Clone, Debug)]
pub struct MonteCarlo {
    eta: f64,
    dim: usize,
    runs: Vec<Run>,
    history: Vec<MomentEstimate>,
    diverged_at: Option<usize>,
    limit: f64,
    /// ‖e_t‖ of every run, for the median.
    norms: Vec<f64>,
}

/// Steps every run takes on its own before the estimates of those steps are made: a piece of
/// work large enough to be worth handing to another thread. Nothing but the work done past a
/// divergence, which is dropped, depends on it.
const BLOCK: usize = 32;

/// One run: its error, its stream, the scratch of its draws and the errors of the steps it has
/// taken since the last estimate.
#[derive(Clone, Debug)]
struct Run {
    error: Vec<f64>,
    rng: Rng,
    /// The sample indices, shuffled in place by each draw: the run's own, since a draw depends
    /// on the order the previous one left.
    pool: Vec<usize>,
    picked: Vec<usize>,
    direction: Vec<f64>,
    /// e_t after each of those steps, one after the other.
    trace: Vec<f64>,
}

impl Run {
    /// Takes `steps` steps of size `eta` with batches of `picked.len()`, recording each in the
    /// trace.
    fn walk(&mut self, problem: &LeastSquares, eta: f64, steps: usize) {
        let scale = eta / self.picked.len() as f64;
        self.trace.clear();
        for _ in 0..steps {
            // A full batch is every sample, as set up.
            if self.picked.len() < self.pool.len() {
                sample_without_replacement(&mut self.rng, &mut self.pool, &mut self.picked);
            }
            // The batch gradient at θ* + e: (1/B)Σ xⱼ(xⱼᵀe) + (1/B)Σ gⱼ.
            self.direction.fill(0.0);
            for &j in &self.picked {
                let x = problem.sample(j);
                let along = Baseline::dot(x, &self.error);
                for ((dir, xi), gi) in self.direction.iter_mut().zip(x).zip(problem.sample_gradient(j)) {
                    *dir += along * xi + gi;
                }
            }
            for (ei, dir) in self.error.iter_mut().zip(&self.direction) {
                *ei -= scale * dir;
            }
            self.trace.extend_from_slice(&self.error);
        }
    }

    /// e_t after step `k` of the last walk.
    fn traced(&self, k: usize) -> &[f64] {
        let dim = self.error.len();
        &self.trace[k * dim..(k + 1) * dim]
    }

    /// Sets the run back to where step `k` of the last walk left it.
    fn rewind_to(&mut self, k: usize) {
        let dim = self.error.len();
        self.error.copy_from_slice(&self.trace[k * dim..(k + 1) * dim]);
    }
}

impl MonteCarlo {
    /// `runs` runs from e₀; `batch` is clamped to 1..=n.
    pub fn new(problem: &LeastSquares, eta: f64, batch: usize, runs: usize, e0: &[f64], seed: u64) -> Self {
        let n = problem.len();
        let dim = problem.dim();
        let batch = batch.clamp(1, n.max(1));
        let runs = runs.max(1);
        let start = Baseline::dot(e0, e0);
        let runs: Vec<Run> = (0..runs)
            .map(|r| Run {
                error: e0.to_vec(),
                rng: stream(seed, r as u64),
                pool: (0..n).collect(),
                picked: (0..batch).collect(),
                direction: vec![0.0; dim],
                trace: Vec::new(),
            })
            .collect();
        let mut mc = Self {
            eta,
            dim,
            history: Vec::new(),
            diverged_at: None,
            limit: DIVERGENCE_GROWTH * start.max(f64::MIN_POSITIVE),
            norms: vec![0.0; runs.len()],
            runs,
        };
        let first = estimate(mc.runs.iter().map(|run| run.error.as_slice()), dim, &mut mc.norms);
        mc.history.push(first);
        mc
    }

    pub fn runs(&self) -> usize {
        self.runs.len()
    }

    /// The estimates at t = 0, 1, …, steps taken.
    pub fn history(&self) -> &[MomentEstimate] {
        &self.history
    }

    /// Steps taken so far.
    pub fn steps(&self) -> usize {
        self.history.len() - 1
    }

    /// The step at which the mean of ‖e_t‖² passed [`DIVERGENCE_GROWTH`] times its start, or
    /// stopped being finite; no steps are taken after it.
    pub fn diverged_at(&self) -> Option<usize> {
        self.diverged_at
    }

    /// e_t of run r.
    pub fn error(&self, run: usize) -> &[f64] {
        &self.runs[run].error
    }

    /// Takes up to `steps` steps (none after divergence). Returns whether it can go on.
    pub fn advance(&mut self, problem: &LeastSquares, steps: usize) -> bool {
        let mut left = steps;
        while left > 0 && self.diverged_at.is_none() {
            let block = left.min(BLOCK);
            let eta = self.eta;
            cores::for_each(&mut self.runs, |run| run.walk(problem, eta, block));
            for k in 0..block {
                let next = estimate(self.runs.iter().map(|run| run.traced(k)), self.dim, &mut self.norms);
                let diverged = next.mean_square_norm.is_nan() || next.mean_square_norm > self.limit;
                self.history.push(next);
                if diverged {
                    // The runs end where the estimates do; the steps they took past it are dropped.
                    self.diverged_at = Some(self.steps());
                    self.runs.iter_mut().for_each(|run| run.rewind_to(k));
                    break;
                }
            }
            left -= block;
        }
        self.diverged_at.is_none()
    }
}

/// The estimates from the errors of all runs at one step, in the order of the runs; `norms`
/// (one per run) is scratch for the median.
fn estimate<'a>(errors: impl Iterator<Item = &'a [f64]>, dim: usize, norms: &mut [f64]) -> MomentEstimate {
    let runs = norms.len() as f64;
    let mut estimate = MomentEstimate { mean_square_norm: 0.0, mean_norm: 0.0, median_norm: 0.0, mean: vec![0.0; dim] };
    for (e, norm) in errors.zip(norms.iter_mut()) {
        let sq = Baseline::dot(e, e);
        *norm = sq.sqrt();
        estimate.mean_square_norm += sq / runs;
        estimate.mean_norm += *norm / runs;
        for (m, v) in estimate.mean.iter_mut().zip(e) {
            *m += v / runs;
        }
    }
    estimate.median_norm = median(norms);
    estimate
}

/// The median of `values` (the mean of the middle two for an even count; NaN sorts last), which
/// it sorts.
fn median(values: &mut [f64]) -> f64 {
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    crate::order::sort_values(values);
    if n % 2 == 1 {
        values[n / 2]
    } else {
        0.5 * (values[n / 2 - 1] + values[n / 2])
    }
}

/// What to run: step size, batch size, number of runs R, steps, and the seed of the batches.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RunSpec {
    pub eta: f64,
    pub batch: usize,
    pub runs: usize,
    pub horizon: usize,
    pub seed: u64,
}

/// The error dynamics for one (problem, η, B) as both stability figures show them: the exact
/// moments, computed in full at once (a few d⁴ operations per step), and R simulated runs from
/// the same e₀, advanced in slices. Each exact sequence is followed up to the horizon or until
/// its square passes [`DIVERGENCE_GROWTH`] times its start, as the runs are.
#[derive(Clone, Debug)]
pub struct Trajectories {
    /// E\[e_t\] = (I − ηH)ᵗe₀ for t = 0, 1, ….
    exact_means: Vec<Vec<f64>>,
    /// E‖e_t‖² = tr S_t for t = 0, 1, ….
    exact_mean_squares: Vec<f64>,
    /// The steps at which ‖E\[e_t\]‖² and E‖e_t‖² passed their cap, if they did.
    exact_mean_stopped_at: Option<usize>,
    exact_stopped_at: Option<usize>,
    simulated: MonteCarlo,
    horizon: usize,
}

impl Trajectories {
    /// The runs of `spec` from e₀ = Σᵢ cᵢqᵢ, given by its coordinates c = `start` in the
    /// eigenbasis q₁, …, q_d of H (batch size clamped to 1..=n). The exact mean is computed in
    /// that basis, E\[e_t\] = Σᵢ (1 − ηλᵢ)ᵗ cᵢqᵢ, so that a start on one eigenvector stays on it
    /// exactly; a product of matrices would mix in the rounding of the other directions, which
    /// can decay more slowly.
    pub fn new(problem: &LeastSquares, operator: &MeanSquareOperator, start: &DVector<f64>, spec: &RunSpec) -> Self {
        let batch = spec.batch.clamp(1, problem.len().max(1));
        let coords = operator.coords();
        let eigen = problem.hessian_eigen();
        let e0 = &eigen.vectors * start;
        let mut moments = ExactMoments::new(problem, operator, spec.eta, batch, &e0);
        let limit = DIVERGENCE_GROWTH * moments.mean_square_norm().max(f64::MIN_POSITIVE);
        // False for NaN and infinity too.
        let within = |square: f64| square <= limit;
        let factors = DVector::from_iterator(start.len(), eigen.values.iter().map(|l| 1.0 - spec.eta * l));
        let mut along = start.clone();
        let mut exact_means = vec![e0.as_slice().to_vec()];
        let mut exact_mean_squares = vec![moments.mean_square_norm()];
        let (mut exact_mean_stopped_at, mut exact_stopped_at) = (None, None);
        for t in 1..=spec.horizon {
            if exact_stopped_at.is_none() {
                moments.advance(problem, coords);
                exact_mean_squares.push(moments.mean_square_norm());
                if !within(moments.mean_square_norm()) {
                    exact_stopped_at = Some(t);
                }
            }
            if exact_mean_stopped_at.is_none() {
                along.component_mul_assign(&factors);
                let mean = &eigen.vectors * &along;
                if !within(mean.norm_squared()) {
                    exact_mean_stopped_at = Some(t);
                }
                exact_means.push(mean.as_slice().to_vec());
            } else if exact_stopped_at.is_some() {
                break;
            }
        }
        let simulated = MonteCarlo::new(problem, spec.eta, batch, spec.runs, e0.as_slice(), spec.seed);
        Self {
            exact_means,
            exact_mean_squares,
            exact_mean_stopped_at,
            exact_stopped_at,
            simulated,
            horizon: spec.horizon,
        }
    }

    /// E\[e_t\] = (I − ηH)ᵗe₀ at t = 0, 1, …: up to the horizon, or up to the step at which
    /// ‖E\[e_t\]‖² passed [`DIVERGENCE_GROWTH`] times its start.
    pub fn exact_means(&self) -> &[Vec<f64>] {
        &self.exact_means
    }

    /// E‖e_t‖² = tr S_t at t = 0, 1, …: up to the horizon, or up to the step at which it passed
    /// [`DIVERGENCE_GROWTH`] times its start (or stopped being finite).
    pub fn exact_mean_squares(&self) -> &[f64] {
        &self.exact_mean_squares
    }

    /// The step at which ‖E\[e_t\]‖² passed its cap and was followed no further.
    pub fn exact_mean_stopped_at(&self) -> Option<usize> {
        self.exact_mean_stopped_at
    }

    /// The step at which E‖e_t‖² passed its cap and was followed no further.
    pub fn exact_stopped_at(&self) -> Option<usize> {
        self.exact_stopped_at
    }

    pub fn simulated(&self) -> &MonteCarlo {
        &self.simulated
    }

    pub fn horizon(&self) -> usize {
        self.horizon
    }

    pub fn is_complete(&self) -> bool {
        self.simulated.diverged_at().is_some() || self.simulated.steps() >= self.horizon
    }

    /// Advances the runs by up to `steps` steps. Returns whether steps remain.
    pub fn advance(&mut self, problem: &LeastSquares, steps: usize) -> bool {
        let steps = steps.min(self.horizon.saturating_sub(self.simulated.steps()));
        self.simulated.advance(problem, steps);
        !self.is_complete()
    }

    /// The multiply-adds of one step of the runs, for budgeting work slices.
    pub fn step_cost(problem: &LeastSquares, runs: usize, batch: usize) -> usize {
        runs * batch * 2 * problem.dim() + 1
    }
}
