//! `switching`: a minimum of a ReLU network that is not twice differentiable, SGD near it as
//! the switching system of Definition 2, and Lemma 3's condition, evaluated live and set
//! against simulation.
//!
//! Panels: the network at θ* with its data, the points on knots marked, and the point whose
//! activation flips first away from θ*; the mode Hessians' top eigenvalues with λ_m, λ_lower,
//! 2/η and the threshold 2/η + δ + γ/ε taken apart, on an axis zoomed to tell them apart; the
//! simulated sup_t E‖θ_t − θ*‖ against ε with the line sup = ε (above it: not strongly
//! stable), the range of ε where Lemma 3 applies and the radius ε_flip beyond which the ball
//! leaves A; and E‖θ_t − θ*‖ against t at the chosen ε. Two systems run from every start on the
//! same batches: the local model (the SSDS, other activations frozen) and SGD on the ReLU
//! network itself. The starts are θ* ± εq (the lemma's own) and random points of the sphere of
//! radius ε; every expectation is a mean over Monte Carlo runs, and a run that passes 10⁴ε is
//! stopped, so what is drawn after that is a lower bound, marked as such.
//!
//! The module holds the settings, the simulation's state and its work; `draw` the panels,
//! `verdict` the verdict and readouts in words, `tables` the CSV tables.

mod draw;
mod tables;
mod verdict;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Activity, Figure, Panel, Table, Verdict};
use crate::kit::params::{ParamSpec, ParamValues};
use crate::kit::plot::{self, DrawResult, Theme};
use crate::math::cores;
use crate::math::network::Regression;
use crate::math::rng::{normal, seeded, stream, Rng};
use crate::math::switching::{add_paired_run, BatchSampler, Distances, Flip, KinkMinimum, Lemma3, Ssds, Sup, DIM};

/// The ε of the sweep: 13 values, three per decade from 1e-4 to 1.
const SWEEP_EPSILONS: usize = 13;
/// Starting points per ε: θ* + εq, θ* − εq and random points of the sphere of radius ε.
const STARTS: usize = 8;
/// Runs made at once, spread over the cores natively: enough for many cores, few enough that
/// their distances (two series of T + 1 numbers each) stay small before they are added up.
const RUNS_AT_ONCE: usize = 256;
/// A run farther than this many times ε from θ*, and farther than [`ESCAPE_MIN`], is stopped:
/// it has left the ball for good.
const ESCAPE: f64 = 1e4;
/// The least distance at which a run is stopped: far beyond the scale of θ* (‖θ*‖ ≈ 2.3), so
/// that a network run which settles elsewhere is measured, not stopped.
const ESCAPE_MIN: f64 = 100.0;

crate::figure_params! {
    /// The settings of the figure.
    pub struct Settings, keys SettingsKeys {
        eta: f64 = "eta", "step size \u{3b7}", Log(0.05, 2.0), 0.75;
        /// The radius ε of the ball the starts lie on.
        eps: f64 = "eps", "radius \u{3b5}", Log(1e-4, 1.0), 0.2;
        batch: usize = "batch", "batch size B (10: GD)", Integer(1, 10), 5;
        noise: f64 = "noise", "residual size at \u{3b8}* (0: interpolation)", Linear(0.0, 0.5), 0.05;
        kinks: usize = "kinks", "data points on knots", Integer(1, 2), 2;
        runs: usize = "runs", "Monte Carlo runs per start", Integer(4, 256), 64;
        steps: usize = "steps", "steps T per run", Integer(10, 1000), 300;
        seed: u64 = "seed", "random seed", Integer(0, 999), 1;
    }
}

crate::figure_panels! {
    /// The panels, in drawing order.
    pub enum Panels {
        Minimum = "minimum", "The network at the minimum θ* with its data and residuals; the data points that sit exactly on a knot are ringed, and so is the point whose activation changes first when θ moves away from θ*",
        Modes = "modes", "For every mode (activation pattern of the knot points) the top eigenvalues of its Hessian H_m and λ_m = qᵀH_m q, with λ_lower, 2/η and Lemma 3's threshold 2/η + δ + γ/ε as horizontal lines on an axis zoomed to them, and the threshold's three terms stacked in the last column",
        Sweep = "sweep", "The simulated sup over t of E‖θ_t − θ*‖ against ε on log scales, for the local model and for the ReLU network, with the line sup = ε, the range of ε where Lemma 3 applies shaded, and the radius ε_flip beyond which another activation flips",
        Trajectories = "trajectories", "E‖θ_t − θ*‖ against the step t at the chosen ε, from θ* ± εq and from random points at distance ε, for the local model (solid) and the ReLU network (dashed)",
    }
}

/// The distance from θ* at which a run from the ε-ball is stopped.
fn escape(epsilon: f64) -> f64 {
    (ESCAPE * epsilon).max(ESCAPE_MIN)
}

/// The two dynamics run from every start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum System {
    /// The SSDS with every activation but the knot points' frozen at θ*.
    Model,
    /// SGD on the ReLU network itself.
    Network,
}

impl System {
    fn name(self) -> &'static str {
        match self {
            System::Model => "the local model (SSDS)",
            System::Network => "the ReLU network (SGD)",
        }
    }

    /// The system in a legend entry, where the notes under the chart say what it is.
    fn short_name(self) -> &'static str {
        match self {
            System::Model => "local model",
            System::Network => "network",
        }
    }
}

/// The simulation of one ε: per start and system, the distances summed over runs.
struct EpsilonRuns {
    epsilon: f64,
    starts: Vec<[f64; DIM]>,
    model: Vec<Distances>,
    network: Vec<Distances>,
}

impl EpsilonRuns {
    fn new(epsilon: f64, q: &[f64], steps: usize, rng: &mut Rng) -> Self {
        let mut starts = Vec::with_capacity(STARTS);
        for s in 0..STARTS {
            let mut start = [0.0; DIM];
            if s < 2 {
                let sign = if s == 0 { 1.0 } else { -1.0 };
                for (v, qi) in start.iter_mut().zip(q) {
                    *v = sign * epsilon * qi;
                }
            } else {
                for v in start.iter_mut() {
                    *v = normal(rng);
                }
                let norm = start.iter().map(|v| v * v).sum::<f64>().sqrt();
                for v in start.iter_mut() {
                    *v *= epsilon / norm;
                }
            }
            starts.push(start);
        }
        Self {
            epsilon,
            starts,
            model: vec![Distances::new(steps); STARTS],
            network: vec![Distances::new(steps); STARTS],
        }
    }

    fn distances(&self, system: System) -> &[Distances] {
        match system {
            System::Model => &self.model,
            System::Network => &self.network,
        }
    }

    /// sup over t and the starts run so far of E‖θ_t − θ*‖: a lower bound as soon as one
    /// start's is.
    fn sup(&self, system: System) -> Option<Sup> {
        let sups: Vec<Sup> = self.distances(system).iter().filter_map(Distances::sup).collect();
        let largest = sups.iter().map(|s| s.value()).reduce(f64::max)?;
        Some(if sups.iter().any(|s| matches!(s, Sup::AtLeast(_))) {
            Sup::AtLeast(largest)
        } else {
            Sup::Measured(largest)
        })
    }
}

/// Whether a sup leaves the ε-ball.
fn leaves(sup: Sup, epsilon: f64) -> bool {
    sup.value() > epsilon
}

pub struct Switching {
    params: ParamValues,
    ssds: Ssds,
    /// The ReLU network on the same data, for SGD on the real loss.
    network: Regression,
    flip: Flip,
    lemma: Option<Lemma3>,
    settings: Settings,
    /// The chosen ε first, then the sweep.
    sims: Vec<EpsilonRuns>,
    /// The runs made so far. Runs are numbered in the order they are made: by simulation,
    /// then start, then repetition.
    runs_done: usize,
    /// The batch size B, clamped to the data set.
    batch: usize,
}

impl Switching {
    /// The runs of T steps from one start, of both systems on the same batches, that the
    /// figure makes in all: the units of its work.
    pub fn total_runs(&self) -> usize {
        self.sims.len() * STARTS * self.settings.runs
    }

    fn finished(&self) -> bool {
        self.runs_done >= self.total_runs()
    }

    /// Whether every run at the chosen ε, the first simulation, is made.
    fn chosen_finished(&self) -> bool {
        self.runs_done >= STARTS * self.settings.runs
    }

    fn kinks(&self) -> usize {
        self.ssds.minimum.on_knot.len()
    }

    /// Whether the ε-ball lies in A, the union of the regions of the modes in 𝓜.
    fn ball_in_a(&self) -> bool {
        self.settings.eps <= self.flip.radius
    }

    /// The simulation and the start of run number `run`.
    fn locate(&self, run: usize) -> (usize, usize) {
        let start = run / self.settings.runs;
        (start / STARTS, start % STARTS)
    }

    /// Run number `run` on its own, of both systems on the same batches: their distances. Its
    /// batches come from stream 1 + `run` of the seed (stream 0 drew the starts), so it is the
    /// same run whichever thread makes it, and whenever.
    fn paired_run(&self, run: usize) -> (Distances, Distances) {
        let (e, s) = self.locate(run);
        let sim = &self.sims[e];
        let n = self.ssds.minimum.data.len();
        let mut sampler = BatchSampler::new(n, self.batch, stream(self.settings.seed, 1 + run as u64));
        let (mut model, mut network) = (Distances::new(self.settings.steps), Distances::new(self.settings.steps));
        add_paired_run(
            &self.ssds,
            &self.network,
            &sim.starts[s],
            self.settings.eta,
            escape(sim.epsilon),
            &mut sampler,
            &mut model,
            &mut network,
        );
        (model, network)
    }
}

impl Figure for Switching {
    const ID: &'static str = "switching";
    const TITLE: &'static str = "A minimum on a kink: the switching system and Lemma 3";
    const PARAMS: &'static [ParamSpec] = Settings::SPECS;
    const PANELS: &'static [Panel] = Panels::PANELS;
    const PACE: Option<f64> = None;
    const UNIT: &'static str = "simulated runs";

    fn new(params: ParamValues) -> Self {
        let settings = Settings::read(&params);
        let minimum = KinkMinimum::new(settings.kinks, settings.noise);
        let (network, flip) = (minimum.network(), minimum.first_flip());
        let ssds = Ssds::new(minimum);
        let n = ssds.minimum.data.len();
        let b = settings.batch.clamp(1, n);
        let lemma = Lemma3::choose(&ssds, b);
        let steps = settings.steps;
        let mut rng = seeded(settings.seed);
        let q = lemma.as_ref().map_or_else(|| vec![0.0; DIM], |l| l.q.clone());
        let mut sims = vec![EpsilonRuns::new(settings.eps, &q, steps, &mut rng)];
        for i in 0..SWEEP_EPSILONS {
            let e = 10f64.powf(-4.0 + 4.0 * i as f64 / (SWEEP_EPSILONS - 1) as f64);
            sims.push(EpsilonRuns::new(e, &q, steps, &mut rng));
        }
        Self { params, ssds, network, flip, lemma, settings, sims, runs_done: 0, batch: b }
    }

    fn params(&self) -> &ParamValues {
        &self.params
    }

    /// One unit is one run of T steps from one start, of both systems on the same batches.
    /// The runs are made apart (on every core natively) and added up in their order.
    fn step(&mut self, units: usize) -> Activity {
        let mut left = units;
        while left > 0 && !self.finished() {
            let next = self.runs_done..self.total_runs().min(self.runs_done + left.min(RUNS_AT_ONCE));
            let made = cores::map(next.clone().collect(), |run| self.paired_run(run));
            for (run, (model, network)) in next.zip(made) {
                let (e, s) = self.locate(run);
                self.sims[e].model[s].add(&model);
                self.sims[e].network[s].add(&network);
                self.runs_done += 1;
                left -= 1;
            }
        }
        if self.finished() {
            Activity::Idle
        } else {
            Activity::Running
        }
    }

    fn draw<DB: DrawingBackend>(&self, panel: usize, area: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        let Some(which) = Panels::from_index(panel) else { return plot::no_such_panel(area, theme, Self::ID, panel) };
        match (which, &self.lemma) {
            (Panels::Minimum, _) => self.draw_minimum(area, theme),
            (Panels::Trajectories, _) => self.draw_trajectories(area, theme),
            (Panels::Modes, Some(lemma)) => self.draw_modes(area, theme, lemma),
            (Panels::Sweep, Some(lemma)) => self.draw_sweep(area, theme, lemma),
            (Panels::Modes | Panels::Sweep, None) => {
                plot::message_panel(area, theme, which.key(), "the mode Hessians could not be decomposed").map(|_| None)
            }
        }
    }

    fn verdict(&self) -> Verdict {
        self.lemma_verdict()
    }

    fn readouts(&self) -> Vec<(String, String)> {
        self.lemma_readouts()
    }

    fn tables(&self) -> Vec<Table> {
        self.csv_tables()
    }
}
