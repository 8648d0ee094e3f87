//! `function-space`: what SGD's stability says about the function a ReLU network learns.
//!
//! The default is the experiment of Mulayoff et al.'s first figure: GD trains the lecture's
//! ReLU network (k well above n, a clean target, a balanced random start) to interpolation at
//! a small step size η₁; at the switch step η rises to η₂, past 2/λ_max of the minimum found.
//! That minimum is then unstable: the loss spikes, GD leaves it and settles in a flatter one.
//! The sweep trains the same data from the same start at several constant step sizes and
//! overlays the results; runs that do not interpolate are reported as such (the corollary
//! speaks only of interpolants).
//!
//! A run counts as interpolated only at a minimum stable for its η (λ_max ≤ 2/η), so on those
//! runs the corollary ∫|f''|g ≤ 1/η − 1/2 checks Lemma 4 (1 + 2∫|f''|g ≤ λ_max), not Theorem
//! 1.1. The figure therefore also shows, apart, every run's first point below the tolerance at
//! λ_max > 2/η, and says what GD did there. Across step sizes the corollary only lowers the
//! ceiling 1/η − 1/2; where ∫|f''|g rises with η between the sweep's interpolants, the verdict
//! says so.
//!
//! Panels: the data with the learned functions; the knots of f as stems (the mass of f'');
//! the weight functions g⁻, g⁺, g of the sample and g of the population law; the loss; the
//! sharpness with 2/η and Lemma 4's bound; ∫|f''|g against η with the corollary's bound; and Φ
//! at the current θ with λ_max(ΦΦᵀ/n) beside λ_max(∇²L). The laws of the inputs and the
//! targets are shared with `proof-lemma4`.
//!
//! The module holds the runs and their work; `settings` the parameters, presets and validation,
//! `draw` the panels, `verdict` the verdict and readouts in words, `tables` the CSV tables.

mod draw;
mod settings;
mod tables;
mod verdict;

pub use settings::{Experiment, Panels, Settings, SettingsKeys};

use crate::kit::format;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Activity, Figure, Grab, Panel, Preset, Table, Verdict};
use crate::kit::params::{ParamError, ParamSpec, ParamValues};
use crate::kit::plot::{self, DrawResult, Theme};
use crate::math::activation::Activation;
use crate::math::distribution::Empirical;
use crate::math::function_space::{
    balanced_init, conflicting_duplicate, g, gauss_newton_top, hessian_top_dense, residual_part_norm, sample_data,
    Target, WeightCurves,
};
use crate::math::interpolation_run::{InterpolationRun, RunSettings};
use crate::math::network::{Data, Regression, ShallowNet};
use crate::math::rng::seeded;
use crate::math::trainer::Outcome;
use crate::math::trainer::Schedule;
use settings::{KEYS, PRESETS};

/// A pointer this close to a data point grabs it, as a share of the panel's x and y spans.
const PICK_RADIUS: (f64, f64) = (0.03, 0.05);

/// Records per run at most (the record stride is chosen from the step cap).
const RECORDS_PER_RUN: usize = 400;
/// The dense Hessian is decomposed as a cross-check only up to this many parameters (3k + 1):
/// Jacobi costs O(p³) per sweep, too much for one animation frame beyond it.
const DENSE_HESSIAN_MAX_PARAMS: usize = 121;
/// Points per drawn curve of f.
const CURVE_POINTS: usize = 400;
/// Cells of Φ drawn at most; past this many, the panel shows every few neurons.
const PHI_CELLS: usize = 24_000;

/// One training run and the step size(s) it uses.
struct Run {
    run: InterpolationRun,
    /// The label of its step size in legends.
    label: String,
}

/// The numbers of a finished run's last θ.
#[derive(Clone, Copy, Debug)]
struct Analysis {
    /// λ_max(ΦΦᵀ/n), dense on the Gram matrix or Lanczos (see `gauss_newton_top`).
    gauss_newton: f64,
    /// λ_max(∇²L) of the dense Hessian, when small enough to decompose.
    dense_hessian: Option<f64>,
    /// ‖(1/n)Σ rⱼ∇²f(xⱼ)‖₂.
    residual_part: f64,
}

pub struct FunctionSpace {
    params: ParamValues,
    settings: Settings,
    problem: Regression,
    empirical: Empirical,
    weights: WeightCurves,
    population: Vec<(f64, f64)>,
    target: Target,
    runs: Vec<Run>,
    /// The run being trained.
    current: usize,
    /// One per finished run, in order (None for a diverged run).
    analyses: Vec<Option<Analysis>>,
    /// Why the settings cannot do what they ask (shown in the verdict).
    warnings: Vec<String>,
    /// What makes the data impossible to interpolate, if anything.
    conflict: Option<f64>,
}

impl FunctionSpace {
    fn switching(&self) -> bool {
        self.settings.mode == Experiment::Switch
    }

    /// The horizontal range of every x-axis: the data, padded.
    fn x_range(&self) -> (f64, f64) {
        plot::padded_range(self.problem.data.x.iter().copied(), 0.1)
    }

    /// The vertical range of the data panel: the data, with room above them for the legend.
    fn fit_y_range(&self) -> (f64, f64) {
        let (lo, hi) = plot::padded_range(self.problem.data.y.iter().copied(), 0.2);
        (lo, hi + (0.1 + 0.22 * self.shown_nets().len() as f64) * (hi - lo))
    }

    /// Whether the data are the reader's placed points rather than a sample.
    fn placed(&self) -> bool {
        !self.settings.points.is_empty()
    }

    fn curve(&self, theta: &[f64]) -> Vec<(f64, f64)> {
        let (lo, hi) = self.x_range();
        (0..=CURVE_POINTS)
            .map(|s| lo + (hi - lo) * s as f64 / CURVE_POINTS as f64)
            .map(|x| (x, self.problem.net.eval(theta, x)))
            .filter(|p| p.1.is_finite())
            .collect()
    }

    fn finished(&self) -> bool {
        self.analyses.len() == self.runs.len()
    }

    /// The nets the panels compare, with their legend labels: in the switch experiment θ at the
    /// switch (once reached) and θ now; in the sweep every run's θ.
    fn shown_nets(&self) -> Vec<(String, &[f64], bool)> {
        let mut out = Vec::new();
        if self.switching() {
            let run = &self.runs[0].run;
            if let Some(theta) = run.theta_at_switch() {
                out.push(("at the switch".to_string(), theta, true));
            }
            out.push(("now".to_string(), run.theta(), false));
        } else {
            for r in &self.runs[..=self.current.min(self.runs.len() - 1)] {
                out.push((r.label.clone(), r.run.theta(), !matches!(r.run.outcome(), Outcome::Interpolated { .. })));
            }
        }
        out
    }

    fn outcome_words(outcome: Outcome, run: &InterpolationRun) -> String {
        match outcome {
            Outcome::Running => "not interpolating yet".to_string(),
            Outcome::Interpolated { step } => format!("interpolated at step {step}"),
            Outcome::Capped => {
                format!("did not interpolate in {} steps (loss {})", run.step(), format::tick(run.loss()))
            }
            Outcome::Diverged { step, loss } => format!("diverged at step {step} (loss {})", format::tick(loss)),
        }
    }

    /// The analysis of the last θ of a finished run.
    fn analyse(&self, run: &InterpolationRun) -> Option<Analysis> {
        if matches!(run.outcome(), Outcome::Diverged { .. }) {
            return None;
        }
        let theta = run.theta();
        let dense_hessian = if self.problem.num_params() <= DENSE_HESSIAN_MAX_PARAMS {
            hessian_top_dense(&self.problem, theta)
        } else {
            None
        };
        Some(Analysis {
            gauss_newton: gauss_newton_top(&self.problem, theta)?,
            dense_hessian,
            residual_part: residual_part_norm(&self.problem, theta),
        })
    }

    /// The run whose numbers the readouts and the verdict give: the switch run, or in the
    /// sweep the run being trained (the last one once all are done).
    fn focus(&self) -> usize {
        self.current.min(self.runs.len() - 1)
    }
}

impl Figure for FunctionSpace {
    const ID: &'static str = "function-space";
    const TITLE: &'static str = "What stability says about the learned function";
    const PARAMS: &'static [ParamSpec] = Settings::SPECS;
    const PANELS: &'static [Panel] = Panels::PANELS;
    const PACE: Option<f64> = None;
    const PRESETS: &'static [Preset] = PRESETS;

    fn validate(p: &ParamValues) -> Result<(), ParamError> {
        settings::validate(p)
    }

    fn new(params: ParamValues) -> Self {
        let settings = Settings::read(&params);
        let k = settings.k;
        let law = settings.law.distribution();
        let target = settings.target.target();
        let mut rng = seeded(settings.seed);
        // The sample is drawn even when points are placed, so that the start θ₀ stays the
        // same when the reader turns the sample into placed points.
        let sampled = sample_data(&law, target, settings.n, &mut rng);
        let placed = &settings.points;
        let data = if placed.is_empty() {
            sampled
        } else {
            Data { x: placed.iter().map(|p| p.0).collect(), y: placed.iter().map(|p| p.1).collect() }
        };
        let n = data.len();
        let net = ShallowNet::new(k, Activation::Relu);
        let theta = balanced_init(k, settings.scale, &mut rng);
        let empirical = Empirical::new(&data.x).expect("validated inputs are finite and at least 3");
        let weights = WeightCurves::of(&empirical);
        let (lo, hi) = plot::padded_range(data.x.iter().copied(), 0.1);
        // Placed points come from no law, so there is no population g to compare with.
        let population = if placed.is_empty() {
            (0..=CURVE_POINTS)
                .map(|s| lo + (hi - lo) * s as f64 / CURVE_POINTS as f64)
                .map(|x| (x, g(&law, x)))
                .collect()
        } else {
            Vec::new()
        };
        let (eta1, eta2, cap) = (settings.eta1, settings.eta2, settings.steps);
        let switching = settings.mode == Experiment::Switch;
        let run_settings = |schedule: Schedule| RunSettings {
            schedule,
            batch_size: settings.batch,
            tolerance: settings.tol,
            max_steps: cap,
            record_every: (cap / RECORDS_PER_RUN).max(10),
            seed: settings.seed,
        };
        let runs: Vec<Run> = if switching {
            let schedule = Schedule { eta: eta1, switch_at: settings.switch, eta_after: eta2 };
            let label = format!("\u{3b7} = {} \u{2192} {}", format::tick(eta1), format::tick(eta2));
            vec![Run { run: InterpolationRun::new(net, &data, theta.clone(), run_settings(schedule)), label }]
        } else {
            let count = settings.runs;
            (0..count)
                .map(|i| {
                    let eta = eta1 * (eta2 / eta1).powf(i as f64 / (count - 1) as f64);
                    let run = InterpolationRun::new(net, &data, theta.clone(), run_settings(Schedule::constant(eta)));
                    Run { run, label: format!("\u{3b7} = {}", format::tick(eta)) }
                })
                .collect()
        };
        let mut warnings = Vec::new();
        if switching && settings.switch >= cap {
            warnings.push(format!(
                "the switch (step {}) is past the step cap ({cap}): \u{3b7} never changes",
                settings.switch
            ));
        }
        if switching && eta2 <= eta1 {
            warnings.push(
                "\u{3b7}\u{2082} \u{2264} \u{3b7}\u{2081}: a smaller step size cannot make a stable minimum unstable"
                    .to_string(),
            );
        }
        if n > k + 1 {
            warnings.push(format!(
                "{k} neurons give at most {} features for {n} points: the net may not interpolate",
                k + 1
            ));
        }
        let conflict = conflicting_duplicate(&data.x, &data.y);
        Self {
            params,
            settings,
            problem: Regression::new(net, data),
            empirical,
            weights,
            population,
            target,
            runs,
            current: 0,
            analyses: Vec::new(),
            warnings,
            conflict,
        }
    }

    fn params(&self) -> &ParamValues {
        &self.params
    }

    /// One unit is one training step. The steps a finished run leaves unused go on to the
    /// next run, so what is done depends only on the units granted in all, not on how they
    /// were sliced.
    fn step(&mut self, units: usize) -> Activity {
        let mut left = units;
        while !self.finished() {
            let run = &mut self.runs[self.current].run;
            let before = run.step();
            let outcome = run.advance(left);
            left -= run.step() - before;
            if outcome == Outcome::Running {
                return Activity::Running;
            }
            let analysis = self.analyse(&self.runs[self.current].run);
            self.analyses.push(analysis);
            if self.current + 1 < self.runs.len() {
                self.current += 1;
            }
        }
        Activity::Idle
    }

    /// Natively, the runs left train at once on every core (each has its own tables and
    /// recorder, so they are independent), then `step` analyses them in order: the figure ends
    /// as stepping alone leaves it.
    #[cfg(not(target_arch = "wasm32"))]
    fn finish(&mut self) {
        crate::math::cores::for_each(&mut self.runs[self.current..], |run| {
            run.run.advance(usize::MAX);
        });
        while self.step(usize::MAX / 2) == Activity::Running {}
    }

    fn draw<DB: DrawingBackend>(&self, panel: usize, area: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        let Some(which) = Panels::from_index(panel) else { return plot::no_such_panel(area, theme, Self::ID, panel) };
        match which {
            Panels::Fit => self.draw_fit(area, theme),
            Panels::Knots => self.draw_knots(area, theme),
            Panels::Weights => self.draw_weights(area, theme),
            Panels::Loss => self.draw_loss(area, theme),
            Panels::Sharpness => self.draw_sharpness(area, theme),
            Panels::Corollary => self.draw_corollary(area, theme),
            Panels::Phi => self.draw_phi(area, theme),
        }
    }

    fn verdict(&self) -> Verdict {
        self.verdict_text()
    }

    fn progress(&self) -> Option<String> {
        let run = &self.runs[self.current].run;
        match (self.finished(), self.switching()) {
            (true, _) => None,
            (false, true) => Some(format!("step {}", run.step())),
            (false, false) => Some(format!("run {} of {}, step {}", self.current + 1, self.runs.len(), run.step())),
        }
    }

    fn readouts(&self) -> Vec<(String, String)> {
        self.readout_pairs()
    }

    fn tables(&self) -> Vec<Table> {
        self.csv_tables()
    }

    /// On the data panel: a point near the pointer is grabbed, elsewhere a new point is placed.
    fn grab(&self, panel: usize, x: f64, y: f64) -> Option<Grab> {
        if Panels::from_index(panel) != Some(Panels::Fit) {
            return None;
        }
        let (x_lo, x_hi) = self.x_range();
        let (y_lo, y_hi) = self.fit_y_range();
        let (rx, ry) = (PICK_RADIUS.0 * (x_hi - x_lo), PICK_RADIUS.1 * (y_hi - y_lo));
        let distance = |&(px, py): &(f64, f64)| ((px - x) / rx).hypot((py - y) / ry);
        let nearest = self.points().iter().map(distance).enumerate().min_by(|a, b| a.1.total_cmp(&b.1));
        Some(match nearest {
            Some((index, d)) if d <= 1.0 => Grab::Point { key: KEYS.points, index },
            _ => Grab::NewPoint(KEYS.points),
        })
    }

    fn points(&self) -> Vec<(f64, f64)> {
        let data = &self.problem.data;
        data.x.iter().copied().zip(data.y.iter().copied()).collect()
    }
}
