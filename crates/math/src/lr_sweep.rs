//! The sweep behind "sharpness versus learning rate": the same network from the same θ₀,
//! trained by full-batch GD at each step size of a grid until the loss falls below a tolerance
//! (or a step cap, or divergence), then measured: the sharpness λ_max(∇²L) of where it stopped
//! and, for the lecture's ReLU network, Lemma 4's lower bound 1 + 2∫|f''|g of the function it
//! learned. Stability says a run that converges at step size η ends with sharpness ≤ 2/η (up to
//! the tolerance), and at interpolation Lemma 4 puts the bound below that sharpness.
//!
//! Work comes in slices ([`LearningRateSweep::advance`]), so a page can run it between frames.

use super::activation::Activation;
use super::function_space::lemma4_lower_bound;
use super::lanczos::{fixed_start, Restart, StopRule, TopEigenpairs};
use super::network::{Data, ShallowNet};
use super::numbers::{Numbers, Reader};
use super::shallow_tables::ShallowTables;
use super::trainer::Outcome;
use super::trainer::{Batches, Schedule, Stop, Trainer};

/// Relative accuracy of the final sharpness.
const SHARPNESS_TOLERANCE: f64 = 1e-10;

/// One step size's result: the run [`Outcome::Interpolated`] (the loss fell below the
/// tolerance), was [`Outcome::Capped`], or diverged. `sharpness` and `lemma4_bound` are NaN for
/// a diverged run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SweepResult {
    pub eta: f64,
    pub outcome: Outcome,
    pub steps: usize,
    pub loss: f64,
    pub sharpness: f64,
    pub lemma4_bound: f64,
}

impl SweepResult {
    /// The result as numbers, to cross from a worker to the page: η, the outcome (0 running,
    /// 1 interpolated, 2 capped, 3 diverged) with its step and loss, the steps, the loss, the
    /// sharpness and Lemma 4's bound. Exact: every number is an f64 or a count below 2⁵³.
    pub fn to_numbers(&self) -> Vec<f64> {
        let mut out = Numbers::default();
        out.value(self.eta);
        self.outcome.write(&mut out);
        out.count(self.steps);
        out.values(&[self.loss, self.sharpness, self.lemma4_bound]);
        out.0
    }

    /// The result [`SweepResult::to_numbers`] made; None for numbers it cannot have made.
    pub fn from_numbers(numbers: &[f64]) -> Option<Self> {
        let mut read = Reader::new(numbers);
        let eta = read.value()?;
        let outcome = Outcome::read(&mut read)?;
        let steps = read.count()?;
        let &[loss, sharpness, lemma4_bound] = read.values(3)? else { return None };
        read.is_done().then_some(Self { eta, outcome, steps, loss, sharpness, lemma4_bound })
    }
}

pub struct LearningRateSweep {
    net: ShallowNet,
    data: Data,
    tables: ShallowTables,
    theta0: Vec<f64>,
    etas: Vec<f64>,
    max_steps: usize,
    tolerance: f64,
    /// The run in progress.
    current: Option<Trainer>,
    results: Vec<SweepResult>,
    /// The final sharpness, from the same start for every run.
    sharpness: TopEigenpairs,
}

impl LearningRateSweep {
    /// A sweep over `etas` from θ₀, each run capped at `max_steps` GD steps and stopped once
    /// the loss is below `tolerance`.
    pub fn new(
        net: ShallowNet,
        data: &Data,
        theta0: Vec<f64>,
        etas: Vec<f64>,
        max_steps: usize,
        tolerance: f64,
    ) -> Self {
        let p = net.num_params();
        assert_eq!(theta0.len(), p, "θ₀ has the wrong length");
        let start = fixed_start(p);
        let rule = StopRule::Converged { tolerance: SHARPNESS_TOLERANCE, max_iter: p };
        Self {
            net,
            data: data.clone(),
            tables: ShallowTables::new(net, data),
            theta0,
            etas,
            max_steps,
            tolerance,
            current: None,
            results: Vec::new(),
            sharpness: TopEigenpairs::new(start, rule, Restart::Fixed, 1),
        }
    }

    /// The parameters every run starts from.
    pub fn theta0(&self) -> &[f64] {
        &self.theta0
    }

    pub fn etas(&self) -> &[f64] {
        &self.etas
    }

    pub fn results(&self) -> &[SweepResult] {
        &self.results
    }

    pub fn is_done(&self) -> bool {
        self.results.len() == self.etas.len()
    }

    /// Does up to `steps` GD steps of work; returns whether work remains.
    pub fn advance(&mut self, steps: usize) -> bool {
        let mut budget = steps;
        while budget > 0 && !self.is_done() {
            let eta = self.etas[self.results.len()];
            if self.current.is_none() {
                self.current = Some(self.run_for(eta));
            }
            let run = self.current.as_mut().expect("a run is in progress");
            let before = run.step();
            let outcome = run.advance(&mut self.tables, &mut (), budget);
            budget -= run.step() - before;
            if outcome != Outcome::Running {
                let run = self.current.take().expect("a run is in progress");
                let result = measure(self.net, &self.data.x, &mut self.tables, &mut self.sharpness, eta, &run);
                self.results.push(result);
            }
        }
        !self.is_done()
    }

    /// The run at step size `eta`, from θ₀.
    fn run_for(&self, eta: f64) -> Trainer {
        let stop = Stop { max_steps: self.max_steps, tolerance: Some(self.tolerance) };
        Trainer::new(self.theta0.clone(), self.data.len(), Schedule::constant(eta), Batches::full(), stop)
    }

    /// Run `index` from θ₀ to its end, measured, on tables and a meter of its own: what
    /// [`LearningRateSweep::advance`] makes of it, bit for bit (the runs are independent and
    /// every meter starts from the same vector). Another thread, or a worker of the page, can
    /// make it; [`LearningRateSweep::accept`] takes it.
    pub fn run_alone(&self, index: usize) -> SweepResult {
        self.finish_run(self.run_for(self.etas[index]), index)
    }

    /// `run` (run `index`, from θ₀ or from where it is) to its end, measured.
    fn finish_run(&self, mut run: Trainer, index: usize) -> SweepResult {
        let mut tables = ShallowTables::new(self.net, &self.data);
        let mut meter = self.sharpness.clone();
        run.advance(&mut tables, &mut (), usize::MAX);
        measure(self.net, &self.data.x, &mut tables, &mut meter, self.etas[index], &run)
    }

    /// Takes `result`, run `index` made elsewhere ([`LearningRateSweep::run_alone`]), as the
    /// next run's; the run under way here, if any, is dropped. Returns the GD steps the result
    /// stands for that this sweep had not made yet: how far [`LearningRateSweep::advance`]
    /// would have had to go.
    pub fn accept(&mut self, index: usize, result: SweepResult) -> Result<usize, String> {
        let next = self.results.len();
        if index != next || self.is_done() || result.eta != self.etas[index] {
            return Err(format!("a result for run {index} (\u{3b7} = {}) is not that of run {next}", result.eta));
        }
        let made_here = self.current.take().map_or(0, |run| run.step());
        self.results.push(result);
        Ok(result.steps.saturating_sub(made_here))
    }

    /// Runs every step size not yet run at once, spread over the machine's cores (see
    /// [`LearningRateSweep::run_alone`]): the results are those of
    /// [`LearningRateSweep::advance`], bit for bit.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn finish_on_every_core(&mut self) {
        // The run under way, if any, goes on from where it is; the others start from θ₀.
        let first = self.results.len();
        let under_way = self.current.take().map(|run| (first, run));
        let fresh =
            (first + usize::from(under_way.is_some())..self.etas.len()).map(|i| (i, self.run_for(self.etas[i])));
        let runs: Vec<(usize, Trainer)> = under_way.into_iter().chain(fresh).collect();
        let rest = super::cores::map(runs, |(index, run)| self.finish_run(run, index));
        self.results.extend(rest);
    }
}

/// The sharpness and Lemma 4's bound where `run` (at step size `eta`) stopped.
fn measure(
    net: ShallowNet,
    xs: &[f64],
    tables: &mut ShallowTables,
    meter: &mut TopEigenpairs,
    eta: f64,
    run: &Trainer,
) -> SweepResult {
    let (outcome, steps, loss, theta) = (run.outcome(), run.step(), run.loss(), run.theta());
    if matches!(outcome, Outcome::Diverged { .. }) {
        return SweepResult { eta, outcome, steps, loss, sharpness: f64::NAN, lemma4_bound: f64::NAN };
    }
    let mut grad = vec![0.0; theta.len()];
    tables.evaluate(theta, &mut grad, true);
    let sharpness = meter.largest(|v, out| tables.hessian_vec(v, out));
    let lemma4_bound = if net.activation == Activation::Relu { lemma4_lower_bound(&net, theta, xs) } else { f64::NAN };
    SweepResult { eta, outcome, steps, loss, sharpness, lemma4_bound }
}

/// `count` step sizes spaced evenly in log scale from `lo` to `hi`.
pub fn log_grid(lo: f64, hi: f64, count: usize) -> Vec<f64> {
    if count <= 1 {
        return vec![lo];
    }
    (0..count).map(|i| (lo.ln() + (hi.ln() - lo.ln()) * i as f64 / (count - 1) as f64).exp()).collect()
}
