//! The least-squares problem of `linear-stability` and `proof-mean-dynamics`, its mean-square
//! operator and SGD's runs on it, built from the settings both figures have ([`ProblemSettings`]):
//! the same settings build the same problem and the same runs in both. With the words both
//! figures use for what the runs show.

use nalgebra::DVector;

use crate::kit::format;
use crate::kit::params::ParamError;
use crate::math::least_squares::{LeastSquares, ProblemSpec};
use crate::math::linear_stability::{
    wu_criterion, wu_threshold, MeanSquareOperator, MomentEstimate, RunSpec, TopEigen, Trajectories, DIVERGENCE_GROWTH,
};

/// The range of the step size η in both figures (the stability map spans it).
pub const ETA_RANGE: (f64, f64) = (0.02, 5.0);

crate::choices! {
    /// Whether the labels are exactly linear in the inputs (the per-sample gradients vanish at
    /// θ*) or carry noise.
    pub enum Labels { Exact = "exact", Noisy = "noisy" }
}

/// The settings that build the problem and its runs: the parameters the two figures share.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ProblemSettings {
    pub dim: usize,
    pub samples: usize,
    pub batch: usize,
    pub eta: f64,
    pub labels: Labels,
    pub seed: u64,
    pub runs: usize,
    pub horizon: usize,
}

/// The setting to change when the others leave no problem to build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Culprit {
    Samples,
    Batch,
}

/// A combination of settings that no problem fits: which setting to change, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Conflict {
    pub culprit: Culprit,
    pub message: String,
}

impl Conflict {
    /// The refusal beside the control of the setting to change, named by its key.
    pub fn refusal(self, samples_key: &str, batch_key: &str) -> ParamError {
        let key = match self.culprit {
            Culprit::Samples => samples_key,
            Culprit::Batch => batch_key,
        };
        ParamError { key: key.to_string(), message: self.message }
    }
}

impl ProblemSettings {
    /// The combinations that no problem fits: fewer samples than dimensions (H singular), or a
    /// batch larger than the data.
    pub fn check(&self) -> Result<(), Conflict> {
        let (d, n, batch) = (self.dim, self.samples, self.batch);
        if n < d {
            return Err(Conflict {
                culprit: Culprit::Samples,
                message: format!(
                    "n = {n} samples cannot pin down \u{3b8} in d = {d} dimensions (H would be singular): choose n \u{2265} d"
                ),
            });
        }
        if batch > n {
            return Err(Conflict {
                culprit: Culprit::Batch,
                message: format!(
                    "the batch size B = {batch} is larger than the number of samples n = {n}: choose B \u{2264} n"
                ),
            });
        }
        Ok(())
    }

    /// The problem these settings draw.
    pub fn spec(&self) -> ProblemSpec {
        ProblemSpec { dim: self.dim, samples: self.samples, noisy: self.labels == Labels::Noisy, seed: self.seed }
    }
}

/// A run whose median distance to θ* fell below this share of its start is said to have come
/// close to θ* (the verdict's "half the runs end within …").
const TYPICAL_RUN_CONVERGED: f64 = 1e-2;

/// Where the runs start; θ₀ − θ* is a unit vector either way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    /// The unit top eigenvector q₁ of H: the direction in which gradient descent is least stable.
    TopEigenvector,
    /// (q₁ + … + q_d)/√d, every eigen-direction of H in equal parts: a start with nothing special
    /// about it.
    EveryEigenvector,
}

impl Start {
    /// θ₀ − θ* in the eigenbasis q₁, …, q_d of H (eigenvalues descending).
    fn coordinates(self, dim: usize) -> DVector<f64> {
        match self {
            Start::TopEigenvector => DVector::from_fn(dim, |i, _| if i == 0 { 1.0 } else { 0.0 }),
            Start::EveryEigenvector => DVector::from_element(dim, 1.0 / (dim as f64).sqrt()),
        }
    }
}

/// The problem, its mean-square operator and the runs for one setting of the shared
/// parameters: what `linear-stability` and `proof-mean-dynamics` both show.
pub struct Dynamics {
    pub spec: ProblemSpec,
    pub problem: LeastSquares,
    pub operator: MeanSquareOperator,
    pub eta: f64,
    pub batch: usize,
    pub runs: usize,
    /// θ₀ − θ*, of norm 1.
    pub start: DVector<f64>,
    pub trajectories: Trajectories,
    /// ρ(T) at (η, B).
    pub radius: f64,
    /// The largest stable η at B of the exact test and of Wu's criterion.
    pub exact_threshold: f64,
    pub wu_threshold: f64,
    /// λ_max((I − ηH)² + η²Σ_B).
    pub wu_value: f64,
    /// tr S_∞, the second moment SGD settles at when stable (0 with exact labels).
    pub floor: Option<f64>,
}

impl Dynamics {
    /// The dynamics for `settings` from `start`, or the reason why the settings contradict each
    /// other.
    pub fn new(settings: &ProblemSettings, start: Start) -> Result<Self, String> {
        settings.check().map_err(|conflict| conflict.message)?;
        let (eta, batch, runs) = (settings.eta, settings.batch, settings.runs);
        let spec = settings.spec();
        let problem = LeastSquares::random(&spec).ok_or("This draw of the samples is degenerate: try another seed.")?;
        let operator = MeanSquareOperator::new(&problem).ok_or("The mean-square operator could not be decomposed.")?;
        let mut eigen = TopEigen::new(operator.coords().len());
        let radius = operator.spectral_radius(eta, batch, &mut eigen);
        let run = RunSpec { eta, batch, runs, horizon: settings.horizon, seed: spec.seed.wrapping_add(1) };
        let coordinates = start.coordinates(settings.dim);
        let trajectories = Trajectories::new(&problem, &operator, &coordinates, &run);
        let start = &problem.hessian_eigen().vectors * coordinates;
        let floor = (radius < 1.0)
            .then(|| operator.stationary_second_moment(&problem, eta, batch))
            .flatten()
            .map(|s| s.trace());
        Ok(Self {
            exact_threshold: operator.threshold(batch, &mut eigen),
            wu_threshold: wu_threshold(&problem, batch),
            wu_value: wu_criterion(&problem, eta, batch),
            spec,
            eta,
            batch,
            runs,
            start,
            radius,
            trajectories,
            floor,
            operator,
            problem,
        })
    }

    /// Advances the runs by as many steps as `credit` multiply-adds pay for (no more than
    /// remain) and returns the credit left. Slicing the credit differently does the same steps.
    pub fn advance(&mut self, credit: usize) -> usize {
        let cost = Trajectories::step_cost(&self.problem, self.runs, self.batch);
        let before = self.trajectories.simulated().steps();
        self.trajectories.advance(&self.problem, credit / cost);
        credit - (self.trajectories.simulated().steps() - before) * cost
    }

    /// The step the simulated runs have reached.
    pub fn last_step(&self) -> usize {
        self.trajectories.simulated().steps()
    }

    /// The runs' estimates at step t (at most [`Dynamics::last_step`]).
    pub fn simulated_at(&self, t: usize) -> &MomentEstimate {
        &self.trajectories.simulated().history()[t]
    }

    /// ‖E[θ_t − θ*]‖ = ‖(I − ηH)ᵗ(θ₀ − θ*)‖, where it was followed.
    pub fn exact_mean_norm(&self, t: usize) -> Option<f64> {
        self.trajectories.exact_means().get(t).map(|m| norm(m))
    }

    /// E‖θ_t − θ*‖², where it was followed.
    pub fn exact_mean_square(&self, t: usize) -> Option<f64> {
        self.trajectories.exact_mean_squares().get(t).copied()
    }

    /// The standard error √(E‖θ_t − θ*‖²/R) of a mean over the R runs, where the exact second
    /// moment was followed: the runs cannot resolve a mean below it.
    pub fn standard_error(&self, t: usize) -> Option<f64> {
        self.exact_mean_square(t).map(|square| (square / self.runs as f64).sqrt())
    }

    /// The mean-square verdict on θ* in words, with ρ.
    pub fn exact_words(&self) -> String {
        let rho = format::number(self.radius);
        if self.radius < 1.0 {
            format!("mean-square stable: \u{3c1}(T) = {rho} < 1")
        } else if self.radius == 1.0 {
            "on the boundary of mean-square stability: \u{3c1}(T) = 1".to_string()
        } else {
            format!("mean-square unstable: \u{3c1}(T) = {rho} > 1")
        }
    }

    /// What the runs and the exact moments show at the last step reached, in sentences: where
    /// they were stopped, E‖θ_t − θ*‖² exact and simulated, the median run, and why the
    /// simulated second moment can lag far behind the exact one.
    pub fn run_summary(&self) -> String {
        let traj = &self.trajectories;
        let t = self.last_step();
        let sim = self.simulated_at(t);
        let cap = format::tick(DIVERGENCE_GROWTH);
        let mut text = match traj.simulated().diverged_at() {
            Some(step) => format!(
                " The runs were stopped at t = {step}, where their E\u{2016}\u{3b8}\u{209c} \u{2212} \u{3b8}*\u{2016}\u{b2} passed {cap} times its start."
            ),
            None => {
                let simulated = format::number(sim.mean_square_norm);
                let runs = self.runs;
                match (self.exact_mean_square(t), traj.exact_stopped_at()) {
                    (Some(square), _) => format!(
                        " After {t} steps E\u{2016}\u{3b8}\u{209c} \u{2212} \u{3b8}*\u{2016}\u{b2} = {} exactly, {simulated} over {runs} runs.",
                        format::number(square)
                    ),
                    (None, stop) => format!(
                        " After {t} steps E\u{2016}\u{3b8}\u{209c} \u{2212} \u{3b8}*\u{2016}\u{b2} = {simulated} over {runs} runs; the exact value passed {cap} times its start at t = {}.",
                        stop.unwrap_or(t)
                    ),
                }
            }
        };
        let start = self.simulated_at(0).median_norm;
        if sim.median_norm <= TYPICAL_RUN_CONVERGED * start {
            text.push_str(&format!(" Half the runs are within {} of \u{3b8}*.", format::number(sim.median_norm)));
        } else if sim.median_norm > start {
            text.push_str(&format!(
                " The median run has moved away from \u{3b8}*: \u{2016}\u{3b8}\u{209c} \u{2212} \u{3b8}*\u{2016} = {}.",
                format::number(sim.median_norm)
            ));
        }
        if self.rare_runs_carry_the_mean_square() {
            text.push_str(
                " The runs\u{2019} E\u{2016}\u{b7}\u{2016}\u{b2} lags far behind the exact one: rare runs, which few of the R runs contain, carry it.",
            );
        }
        text
    }

    /// Whether, at the last step both reached, the exact E‖θ_t − θ*‖² is over a hundred times
    /// the runs' estimate: a mean square carried by rare runs.
    pub fn rare_runs_carry_the_mean_square(&self) -> bool {
        let t = self.last_step().min(self.trajectories.exact_mean_squares().len() - 1);
        self.exact_mean_square(t).is_some_and(|exact| exact > 100.0 * self.simulated_at(t).mean_square_norm)
    }
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}
