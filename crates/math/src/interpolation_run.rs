//! GD or SGD on the lecture's ReLU network until it interpolates, optionally raising the step
//! size mid-run (the experiment of Mulayoff et al.'s first figure), with the function-space
//! quantities recorded along the way.
//!
//! A run has *interpolated* once the training loss is below the tolerance **and** the minimum
//! it sits in is stable for the current step size, λ_max(∇²L) ≤ 2/η. The second condition
//! matters right after a switch to a larger η: the loss is still tiny there, but the minimum is
//! too sharp for the new step size, and GD is about to leave it (the loss spikes). Failure is a
//! result: a run that reaches its step cap first is reported as such, and one whose loss blows
//! up as diverged at its step.
//!
//! Because a run only counts as interpolated at a stable minimum, checking the corollary
//! ∫|f''|g ≤ 1/η − 1/2 on interpolated runs alone would take Theorem 1.1 (λ_max ≤ 2/η) for
//! granted. So a run also keeps the first recorded iterate that reached the tolerance with
//! λ_max > 2/η ([`SharpInterpolant`]): a minimum too sharp for the step size, which Theorem 1.1
//! says GD cannot stay in; [`InterpolationRun::after_sharp`] says what GD did there.

use super::function_space::weighted_curvature;
use super::network::{Data, ShallowNet};
use super::shallow_tables::ShallowTables;
use super::sharpness::{SharpnessMeter, SharpnessMode};
use super::trainer::Outcome;
use super::trainer::{Batches, Observer, Schedule, Stop, Trainer};

/// Relative accuracy of the sharpness measurements (warm-started Lanczos).
const SHARPNESS_TOLERANCE: f64 = 1e-7;
/// Lanczos iterations per sharpness measurement, at most.
const SHARPNESS_MAX_ITER: usize = 40;

/// One recorded iterate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Record {
    pub step: usize,
    /// The step size in force at this step.
    pub eta: f64,
    /// The full training loss L(θ_t).
    pub loss: f64,
    /// λ_max(∇²L(θ_t)), by Lanczos.
    pub sharpness: f64,
    /// ∫|f''| g for the empirical law of the inputs.
    pub curvature: f64,
    /// The largest training loss at the steps since the previous record (this one included):
    /// a spike between two records shows here.
    pub peak_loss: f64,
}

/// The first recorded iterate whose loss was below the tolerance while its sharpness was above
/// 2/η for the step size in force: an interpolant (to the tolerance) that is linearly unstable
/// for η.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SharpInterpolant {
    pub record: Record,
    /// The first step after it at which the loss was at or above the tolerance again.
    pub left_at: Option<usize>,
    /// The largest loss after it (so far).
    pub peak_loss: f64,
}

/// What GD did after reaching a [`SharpInterpolant`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AfterSharp {
    /// The run goes on, and the loss has stayed below the tolerance so far.
    Undecided,
    /// The loss rose to the tolerance again at `step` (peaking at `peak_loss`), and the run did
    /// not diverge: it went on to `outcome` (a stable interpolant, or the step cap).
    Left { step: usize, peak_loss: f64, outcome: Outcome },
    /// The loss stayed below the tolerance, and a later record found the sharpness at most 2/η:
    /// GD drifted to a stable point of the valley without the loss rising.
    Drifted { step: usize },
    /// The loss stayed below the tolerance with the sharpness above 2/η until the step cap.
    Stayed,
    /// The loss blew up at `step`.
    Diverged { step: usize },
}

/// The settings of a run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RunSettings {
    pub schedule: Schedule,
    /// Samples per step (clamped to 1..=n; n is full-batch GD).
    pub batch_size: usize,
    /// The training loss below which the network counts as interpolating.
    pub tolerance: f64,
    /// No more steps than this.
    pub max_steps: usize,
    /// A record every this many steps (and at the switch and the end).
    pub record_every: usize,
    pub seed: u64,
}

/// A training run that advances in bounded slices: the [`Trainer`] without a tolerance of its
/// own, with [`Recorder`] deciding when the run has interpolated.
#[derive(Clone, Debug)]
pub struct InterpolationRun {
    tables: ShallowTables,
    trainer: Trainer,
    recorder: Recorder,
}

/// The records of a run, its interpolation test and its first sharp interpolant.
#[derive(Clone, Debug)]
struct Recorder {
    settings: RunSettings,
    xs: Vec<f64>,
    meter: SharpnessMeter,
    records: Vec<Record>,
    /// θ just before the step size changed.
    theta_at_switch: Option<Vec<f64>>,
    sharp: Option<SharpInterpolant>,
    /// The largest loss since the last record.
    peak_since_record: f64,
}

impl InterpolationRun {
    /// A run from θ₀ on `data` (a ReLU network; another activation trains but records NaN
    /// curvature).
    pub fn new(net: ShallowNet, data: &Data, theta: Vec<f64>, settings: RunSettings) -> Self {
        let p = net.num_params();
        assert_eq!(theta.len(), p, "θ has the wrong length");
        let n = data.len();
        let batch_size = settings.batch_size.clamp(1, n.max(1));
        let settings = RunSettings { batch_size, record_every: settings.record_every.max(1), ..settings };
        let start: Vec<f64> = (0..p).map(|i| 1.0 + 0.37 * ((i * 7919) % 13) as f64).collect();
        let batches = Batches::Drawn { size: batch_size, seed: settings.seed };
        let stop = Stop { max_steps: settings.max_steps, tolerance: None };
        let mut run = Self {
            tables: ShallowTables::new(net, data),
            trainer: Trainer::new(theta, n, settings.schedule, batches, stop),
            recorder: Recorder {
                settings,
                xs: data.x.clone(),
                meter: SharpnessMeter::new(
                    p,
                    SharpnessMode::WarmStart { tolerance: SHARPNESS_TOLERANCE, max_iter: SHARPNESS_MAX_ITER, start },
                    1,
                ),
                records: Vec::new(),
                theta_at_switch: None,
                sharp: None,
                peak_since_record: 0.0,
            },
        };
        run.trainer.start(&mut run.tables, &mut run.recorder);
        run
    }

    pub fn outcome(&self) -> Outcome {
        self.trainer.outcome()
    }

    pub fn theta(&self) -> &[f64] {
        self.trainer.theta()
    }

    pub fn step(&self) -> usize {
        self.trainer.step()
    }

    /// L(θ) at the current step.
    pub fn loss(&self) -> f64 {
        self.trainer.loss()
    }

    pub fn records(&self) -> &[Record] {
        &self.recorder.records
    }

    pub fn settings(&self) -> &RunSettings {
        &self.recorder.settings
    }

    /// θ as it was when the step size changed, once it has.
    pub fn theta_at_switch(&self) -> Option<&[f64]> {
        self.recorder.theta_at_switch.as_deref()
    }

    /// The first recorded interpolant that was too sharp for its step size, if any.
    pub fn sharp_interpolant(&self) -> Option<&SharpInterpolant> {
        self.recorder.sharp.as_ref()
    }

    /// What GD did after its first sharp interpolant; None when it reached none.
    pub fn after_sharp(&self) -> Option<AfterSharp> {
        let sharp = self.recorder.sharp.as_ref()?;
        Some(match (self.outcome(), sharp.left_at) {
            (Outcome::Diverged { step, .. }, _) => AfterSharp::Diverged { step },
            (outcome, Some(step)) => AfterSharp::Left { step, peak_loss: sharp.peak_loss, outcome },
            (Outcome::Interpolated { step }, None) => AfterSharp::Drifted { step },
            (Outcome::Capped, None) => AfterSharp::Stayed,
            (Outcome::Running, None) => AfterSharp::Undecided,
        })
    }

    /// Takes up to `steps` steps (each evaluates the loss and its gradient once; every
    /// `record_every` steps, at the switch and at the cap, a Lanczos run measures the
    /// sharpness); returns where the run stands.
    pub fn advance(&mut self, steps: usize) -> Outcome {
        self.trainer.advance(&mut self.tables, &mut self.recorder, steps)
    }
}

impl Observer<ShallowTables> for Recorder {
    fn curvature_at(&self, step: usize) -> bool {
        let s = &self.settings;
        step.is_multiple_of(s.record_every) || step == s.schedule.switch_at || step == s.max_steps
    }

    fn observe(&mut self, tables: &mut ShallowTables, trainer: &Trainer) -> Option<Outcome> {
        let (step, loss, theta) = (trainer.step(), trainer.loss(), trainer.theta());
        let schedule = self.settings.schedule;
        self.peak_since_record = self.peak_since_record.max(loss);
        if let Some(sharp) = self.sharp.as_mut() {
            sharp.peak_loss = sharp.peak_loss.max(loss);
            // A NaN loss has left as well.
            let below = loss < self.settings.tolerance;
            if sharp.left_at.is_none() && !below {
                sharp.left_at = Some(step);
            }
        }
        let running = trainer.outcome() == Outcome::Running;
        if step == schedule.switch_at && (running || step == 0) {
            self.theta_at_switch = Some(theta.to_vec());
        }
        if !running || !self.curvature_at(step) {
            return None;
        }
        let Some(sharpness) = self.meter.measure(tables).map(|s| s.value) else {
            return Some(Outcome::Diverged { step, loss });
        };
        let curvature = weighted_curvature(&tables.net(), theta, &self.xs);
        let peak_loss = self.peak_since_record.max(loss);
        self.peak_since_record = 0.0;
        let record = Record { step, eta: schedule.at(step), loss, sharpness, curvature, peak_loss };
        self.records.push(record);
        if step == 0 {
            return None;
        }
        // Interpolated: below the tolerance, past any switch, and stable for the step size in
        // force from here on. Below the tolerance but too sharp: kept, the first time, to see
        // what GD does there.
        let below = loss < self.settings.tolerance;
        let stable = sharpness <= 2.0 / schedule.at(step);
        let past_switch = step >= schedule.switch_at || schedule.eta == schedule.eta_after;
        if below && stable && past_switch {
            return Some(Outcome::Interpolated { step });
        }
        if below && !stable && self.sharp.is_none() {
            self.sharp = Some(SharpInterpolant { record, left_at: None, peak_loss: loss });
        }
        None
    }
}
