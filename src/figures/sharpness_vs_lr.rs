//! `sharpness-vs-lr`: the lecture's figure "(c) sharpness versus learning rate". The lecture's
//! ReLU network, from one θ₀, trained by full-batch GD at each step size of a log-spaced grid
//! until its loss is below a tolerance; where each run stops, its sharpness against 2/η and,
//! for the runs that converged (interpolation, which the lemma needs), Lemma 4's lower bound
//! 1 + 2∫|f''|g. Runs stopped by the step cap are drawn hollow (their sharpness is that of
//! where they stopped, not of a minimum), diverged runs as crosses without a value. The ceiling
//! 2/η falls as η grows; the sharpness the runs end at need not, and a readout says where it
//! rises.
//!
//! The default seed and range show the ceiling at work: the small step sizes end near the
//! start's sharpness, far below 2/η; from about η = 0.036 on the runs end just under the curve,
//! and larger step sizes end lower still or stop converging.
//!
//! The data: n evenly spaced points of [−1, 1] with targets y = ½T₂(x) + 0.3x, a smooth curve
//! a small network interpolates quickly. θ₀ is balanced (|w2ᵢ| = ‖(w1ᵢ, b1ᵢ)‖), see
//! [`balanced_init`].

use crate::kit::format;
use crate::kit::plot::Key;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Activity, Figure, Panel, Table, Tone, Verdict};
use crate::kit::params::{ParamError, ParamSpec, ParamValues};
use crate::kit::plot::{self, BuildChart, DrawResult, Theme};
use crate::math::activation::Activation;
use crate::math::datasets::Dataset;
use crate::math::function_space::balanced_init;
use crate::math::lr_sweep::{log_grid, LearningRateSweep, SweepResult};
use crate::math::network::ShallowNet;
use crate::math::rng::seeded;
use crate::math::trainer::Outcome;
use crate::page::run_file::RunFile;

crate::choices! {
    /// Whether Lemma 4's bound is drawn (the walkthrough shows the sweep before it states the
    /// lemma).
    pub enum Lemma4 { Shown = "shown", Hidden = "hidden" }
}

crate::figure_params! {
    /// The settings of `sharpness-vs-lr`.
    pub struct Settings, keys SettingsKeys {
        eta_min: f64 = "eta_min", "smallest \u{3b7}", Log(1e-4, 1.0), 0.01;
        eta_max: f64 = "eta_max", "largest \u{3b7}", Log(1e-4, 5.0), 0.08;
        count: usize = "count", "step sizes", Integer(2, 40), 30;
        steps: usize = "steps", "step cap per run", Integer(100, 100_000), 30_000;
        tolerance: f64 = "tolerance", "loss tolerance", Log(1e-10, 1e-2), 1e-6;
        width: usize = "width", "neurons k", Integer(2, 200), 40;
        points: usize = "points", "points n", Integer(3, 50), 8;
        scale: f64 = "scale", "initial weight scale", Log(0.1, 3.0), 1.0;
        seed: u64 = "seed", "seed", Integer(0, 999_999), 3;
        lemma4: Lemma4 = "lemma4", "Lemma 4's bound", Choice, Lemma4::Shown;
    }
}

crate::figure_panels! {
    /// The panels of `sharpness-vs-lr`.
    pub enum Panels {
        Sharpness = "sharpness", "Sharpness where each run stopped against the step size, with 2/η and Lemma 4's lower bound for the converged runs; hollow markers stopped at the step cap, crosses diverged",
        Loss = "loss", "Training loss where each run stopped against the step size, with the tolerance; hollow markers stopped at the step cap",
    }
}

pub struct SharpnessVsLr {
    params: ParamValues,
    settings: Settings,
    sweep: LearningRateSweep,
    data: Dataset,
}

/// The sweep's data set: ½T₂(x) + 0.3x at n evenly spaced points.
fn data(n: usize) -> Dataset {
    let x: Vec<f64> = (0..n).map(|j| -1.0 + 2.0 * j as f64 / (n - 1) as f64).collect();
    let y = x.iter().map(|&x| 0.5 * (2.0 * x * x - 1.0) + 0.3 * x).collect();
    Dataset::new(1, 1, x, y).expect("evenly spaced points and a polynomial are a valid data set")
}

/// A result's numbers for a table row: NaN where not measured, never an infinity.
fn row(r: &SweepResult) -> Vec<f64> {
    let (code, at) = match r.outcome {
        Outcome::Interpolated { .. } => (0.0, f64::NAN),
        Outcome::Capped | Outcome::Running => (1.0, f64::NAN),
        Outcome::Diverged { step, .. } => (2.0, step as f64),
    };
    let finite = |v: f64| if v.is_finite() { v } else { f64::NAN };
    vec![r.eta, 2.0 / r.eta, code, r.steps as f64, at, finite(r.loss), finite(r.sharpness), finite(r.lemma4_bound)]
}

/// Tick marks for a log axis of step sizes (plotters marks only the powers of ten, so a range
/// within a decade would get one tick or none): the powers alone over more than three decades,
/// else 1, 2 and 5 times them, else every multiple, else the two ends.
fn eta_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let inside = |multiples: &[f64]| -> Vec<f64> {
        (lo.log10().floor() as i32..=hi.log10().ceil() as i32)
            .flat_map(|e| multiples.iter().map(move |m| m * 10f64.powi(e)))
            .filter(|t| (lo..=hi).contains(t))
            .collect()
    };
    if hi / lo > 1e3 {
        return inside(&[1.0]);
    }
    [inside(&[1.0, 2.0, 5.0]), inside(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0])]
        .into_iter()
        .find(|ticks| ticks.len() >= 2)
        .unwrap_or_else(|| vec![lo, hi])
}

/// Where the sharpness of the converged runs (in order of η) rises from one run to the next,
/// in words; None for fewer than two runs. The ceiling 2/η falls with η, the sharpness itself
/// need not.
fn sharpness_rises(converged: &[&SweepResult]) -> Option<String> {
    let pairs: Vec<(&SweepResult, &SweepResult)> = converged.windows(2).map(|w| (w[0], w[1])).collect();
    if pairs.is_empty() {
        return None;
    }
    let rises: Vec<&(&SweepResult, &SweepResult)> = pairs.iter().filter(|(a, b)| b.sharpness > a.sharpness).collect();
    let largest =
        rises.iter().max_by(|(a, b), (c, d)| (b.sharpness - a.sharpness).total_cmp(&(d.sharpness - c.sharpness)));
    Some(match largest {
        None => format!("never rises from one run to the next larger \u{3b7} ({} pairs)", pairs.len()),
        Some((a, b)) => format!(
            "not monotone: rises at {} of {} steps to the next larger \u{3b7}, most from \u{3b7} = {} to {} ({:.4} \u{2192} {:.4})",
            rises.len(),
            pairs.len(),
            format::tick(a.eta),
            format::tick(b.eta),
            a.sharpness,
            b.sharpness
        ),
    })
}

impl SharpnessVsLr {
    /// The sweep for `params` on `data` from θ₀.
    fn start(params: ParamValues, data: Dataset, theta0: Vec<f64>) -> Self {
        let settings = Settings::read(&params);
        let net = ShallowNet::new(settings.width, Activation::Relu);
        let etas = log_grid(settings.eta_min, settings.eta_max, settings.count);
        let shallow = data.to_shallow_data().expect("the sweep's data are one-dimensional");
        let sweep = LearningRateSweep::new(net, &shallow, theta0, etas, settings.steps, settings.tolerance);
        Self { params, settings, sweep, data }
    }

    fn shows_lemma4(&self) -> bool {
        self.settings.lemma4 == Lemma4::Shown
    }

    fn draw_sharpness<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        plot::clear(area, theme)?;
        let etas = self.sweep.etas();
        let (e_lo, e_hi) = (etas[0] / 1.15, etas[etas.len() - 1] * 1.15);
        let results = self.sweep.results();
        let bounds =
            results.iter().filter(|r| self.shows_lemma4() && matches!(r.outcome, Outcome::Interpolated { .. }));
        let values =
            results.iter().map(|r| r.sharpness).chain(bounds.map(|r| r.lemma4_bound)).chain([2.0 / e_lo, 2.0 / e_hi]);
        let (lo, hi) = plot::log_range(values, 1e-6);
        let mut chart = plot::frame(area, theme, "sharpness where each run stopped, against \u{3b7}")
            .axes(plot::Axis::log(e_lo..e_hi).with_ticks(eta_ticks(e_lo, e_hi)), plot::Axis::log(lo..hi))?;
        plot::mesh(&mut chart, theme, "step size \u{3b7}", "eigenvalue")?;
        let curve = (0..=100).map(|i| {
            let eta = (e_lo.ln() + (e_hi.ln() - e_lo.ln()) * i as f64 / 100.0).exp();
            (eta, (2.0 / eta).clamp(lo, hi))
        });
        let curve_style = theme.line(theme.series(1), 1.5);
        plot::line(&mut chart, "2/\u{3b7}", curve, curve_style)?.key("2/\u{3b7}", plot::swatch(theme, curve_style));
        let r = theme.px(4.0);
        let (good, open, bound) = (theme.series(0), theme.series(4), theme.series(2));
        let at = |v: f64| v.clamp(lo, hi);
        let converged = || results.iter().filter(|r| matches!(r.outcome, Outcome::Interpolated { .. }));
        let shown = converged().map(|s| (s.eta, at(s.sharpness)));
        plot::markers(&mut chart, "sharpness, converged", shown, |p| Circle::new(p, r, good.filled()))?
            .key("sharpness, converged", plot::dot_swatch(theme, good));
        let capped = results
            .iter()
            .filter(|r| r.outcome == Outcome::Capped && r.sharpness.is_finite())
            .map(|s| (s.eta, at(s.sharpness)));
        plot::markers(&mut chart, "sharpness, stopped at the step cap", capped, |p| {
            Circle::new(p, r, theme.line(open, 1.5))
        })?
        .key("stopped at the step cap", move |(x, y)| {
            Circle::new((x + 9, y), 4, ShapeStyle { color: open.into(), filled: false, stroke_width: 2 })
        });
        if self.shows_lemma4() {
            let bounds = converged().filter(|r| r.lemma4_bound.is_finite()).map(|s| (s.eta, at(s.lemma4_bound)));
            plot::markers(&mut chart, "Lemma 4: 1 + 2\u{222b}|f''|g", bounds, |p| {
                TriangleMarker::new(p, r, bound.filled())
            })?
            .key("Lemma 4: 1 + 2\u{222b}|f''|g", move |(x, y)| TriangleMarker::new((x + 9, y), 4, bound.filled()));
        }
        let diverged = theme.series(1);
        // Crosses only mark where a run diverged: their height is no value, so they are not
        // read out by pointing.
        chart
            .draw_series(
                results
                    .iter()
                    .filter(|r| matches!(r.outcome, Outcome::Diverged { .. }))
                    .map(|s| Cross::new((s.eta, hi / 1.5), r, theme.line(diverged, 2.0))),
            )?
            .key("diverged (no value)", move |(x, y)| {
                Cross::new((x + 9, y), 4, ShapeStyle { color: diverged.into(), filled: false, stroke_width: 2 })
            });
        plot::legend(&mut chart, theme)?;
        Ok(None)
    }

    fn draw_loss<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        plot::clear(area, theme)?;
        let etas = self.sweep.etas();
        let (e_lo, e_hi) = (etas[0] / 1.15, etas[etas.len() - 1] * 1.15);
        let tolerance = self.settings.tolerance;
        let results = self.sweep.results();
        let losses = |ended: fn(&Outcome) -> bool| -> Vec<(f64, f64)> {
            results.iter().filter(|r| ended(&r.outcome) && r.loss.is_finite()).map(|r| (r.eta, r.loss)).collect()
        };
        let converged = losses(|o| matches!(o, Outcome::Interpolated { .. }));
        let capped = losses(|o| *o == Outcome::Capped);
        let (lo, hi) = plot::log_range(converged.iter().chain(&capped).map(|p| p.1).chain([tolerance]), 1e-12);
        let mut chart = plot::frame(area, theme, "training loss where each run stopped")
            .axes(plot::Axis::log(e_lo..e_hi).with_ticks(eta_ticks(e_lo, e_hi)), plot::Axis::log(lo..hi))?;
        plot::mesh(&mut chart, theme, "step size \u{3b7}", "loss")?;
        let tol_style = theme.line(theme.muted(), 1.0);
        plot::line(&mut chart, "tolerance", [(e_lo, tolerance), (e_hi, tolerance)], tol_style)?
            .key("tolerance", plot::swatch(theme, tol_style));
        let (color, open, r) = (theme.series(0), theme.series(4), theme.px(4.0));
        let shown = converged.iter().map(|&(e, l)| (e, l.clamp(lo, hi)));
        plot::markers(&mut chart, "final loss, converged", shown, |p| Circle::new(p, r, color.filled()))?
            .key("converged", plot::dot_swatch(theme, color));
        let shown = capped.iter().map(|&(e, l)| (e, l.clamp(lo, hi)));
        plot::markers(&mut chart, "final loss, stopped at the step cap", shown, |p| {
            Circle::new(p, r, theme.line(open, 1.5))
        })?
        .key("stopped at the step cap", move |(x, y)| {
            Circle::new((x + 9, y), 4, ShapeStyle { color: open.into(), filled: false, stroke_width: 2 })
        });
        plot::legend(&mut chart, theme)?;
        Ok(None)
    }
}

impl Figure for SharpnessVsLr {
    const ID: &'static str = "sharpness-vs-lr";
    const TITLE: &'static str = "Sharpness versus learning rate";
    const PARAMS: &'static [ParamSpec] = Settings::SPECS;
    const PANELS: &'static [Panel] = Panels::PANELS;
    const PACE: Option<f64> = None;
    const UNIT: &'static str = "GD steps";

    fn validate(p: &ParamValues) -> Result<(), ParamError> {
        let settings = Settings::read(p);
        if settings.eta_min >= settings.eta_max {
            return Err(ParamError {
                key: Settings::KEYS.eta_max.into(),
                message: "the largest \u{3b7} must exceed the smallest".into(),
            });
        }
        Ok(())
    }

    fn new(params: ParamValues) -> Self {
        let settings = Settings::read(&params);
        let theta0 = balanced_init(settings.width, settings.scale, &mut seeded(settings.seed));
        let data = data(settings.points);
        Self::start(params, data, theta0)
    }

    fn run_file(&self) -> Option<RunFile> {
        Some(RunFile::new::<Self>(&self.params, &self.data, self.sweep.theta0(), 0))
    }

    fn from_run(run: &RunFile) -> Result<Self, String> {
        let mut params = run.params_for::<Self>()?;
        let data = run.dataset()?;
        if data.input_dim != 1 {
            return Err("the sweep's network takes one input: the run file's data are two-dimensional".into());
        }
        params.set(Settings::KEYS.points, data.len() as f64).map_err(|e| e.message)?;
        let expected = 3 * Settings::read(&params).width + 1;
        if run.theta.len() != expected {
            return Err(format!(
                "the saved parameters have {} entries, a network of this width has {expected}",
                run.theta.len()
            ));
        }
        Ok(Self::start(params, data, run.theta.clone()))
    }

    fn params(&self) -> &ParamValues {
        &self.params
    }

    fn step(&mut self, units: usize) -> Activity {
        // One unit is one GD step; a run's final measurement comes with its last step.
        if self.sweep.advance(units) {
            Activity::Running
        } else {
            Activity::Idle
        }
    }

    /// Natively, the runs left are spread over every core (the results are the same).
    #[cfg(not(target_arch = "wasm32"))]
    fn finish(&mut self) {
        self.sweep.finish_on_every_core();
    }

    /// Each run of the sweep is a task.
    fn open_tasks(&self) -> std::ops::Range<usize> {
        self.sweep.results().len()..self.sweep.etas().len()
    }

    fn run_task(&self, index: usize) -> Option<Vec<f64>> {
        (index < self.sweep.etas().len()).then(|| self.sweep.run_alone(index).to_numbers())
    }

    fn accept_task(&mut self, index: usize, result: &[f64]) -> Result<usize, String> {
        let result = SweepResult::from_numbers(result).ok_or("the numbers are not a run's result")?;
        self.sweep.accept(index, result)
    }

    fn draw<DB: DrawingBackend>(&self, panel: usize, area: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        match Panels::from_index(panel) {
            Some(Panels::Sharpness) => self.draw_sharpness(area, theme),
            Some(Panels::Loss) => self.draw_loss(area, theme),
            None => plot::no_such_panel(area, theme, Self::ID, panel),
        }
    }

    fn progress(&self) -> Option<String> {
        let (done, total) = (self.sweep.results().len(), self.sweep.etas().len());
        (!self.sweep.is_done()).then(|| format!("run {} of {total}", (done + 1).min(total)))
    }

    fn verdict(&self) -> Verdict {
        let results = self.sweep.results();
        let total = self.sweep.etas().len();
        let converged: Vec<&SweepResult> =
            results.iter().filter(|r| matches!(r.outcome, Outcome::Interpolated { .. })).collect();
        let not_converged = results.iter().filter(|r| r.outcome == Outcome::Capped).count();
        let diverged = results.iter().filter(|r| matches!(r.outcome, Outcome::Diverged { .. })).count();
        let worst = converged.iter().map(|r| r.sharpness * r.eta / 2.0).fold(0.0, f64::max);
        let summary = format!(
            "{} converged (largest sharpness/(2/\u{3b7}) = {:.3}), {not_converged} stopped at the step cap of {} steps without converging, {diverged} diverged",
            converged.len(),
            worst,
            self.settings.steps
        );
        if !self.sweep.is_done() {
            return Verdict { text: format!("so far {summary}."), tone: Tone::Neutral };
        }
        let tone = if worst <= 1.0 + 1e-6 { Tone::Good } else { Tone::Bad };
        let claim = if worst <= 1.0 + 1e-6 {
            "every converged run ends at sharpness \u{2264} 2/\u{3b7}"
        } else {
            "a converged run ends above 2/\u{3b7}"
        };
        Verdict { text: format!("{total} runs: {summary}; {claim}."), tone }
    }

    fn readouts(&self) -> Vec<(String, String)> {
        let results = self.sweep.results();
        let mut out = vec![("progress".to_string(), format!("{} of {} runs", results.len(), self.sweep.etas().len()))];
        let converged: Vec<&SweepResult> =
            results.iter().filter(|r| matches!(r.outcome, Outcome::Interpolated { .. })).collect();
        if let Some(rises) = sharpness_rises(&converged) {
            out.push(("sharpness of the converged runs against \u{3b7}".into(), rises));
        }
        let bounded = converged.iter().filter(|r| r.lemma4_bound.is_finite());
        let (count, holds) =
            bounded.fold((0, 0), |(c, h), r| (c + 1, h + (r.lemma4_bound <= r.sharpness * (1.0 + 1e-9)) as usize));
        if count > 0 && self.shows_lemma4() {
            out.push(("Lemma 4 bound \u{2264} sharpness (converged runs)".into(), format!("{holds} of {count}")));
        }
        if let Some(last) = results.last() {
            let eta = format::tick(last.eta);
            let what = match last.outcome {
                Outcome::Interpolated { .. } => format!("converged after {} steps, loss {:.2e}", last.steps, last.loss),
                Outcome::Capped | Outcome::Running => {
                    format!(
                        "stopped at the step cap of {} steps without converging, loss {:.2e}",
                        last.steps, last.loss
                    )
                }
                Outcome::Diverged { step, .. } => format!("diverged at step {step}"),
            };
            out.push(("last run".into(), format!("\u{3b7} = {eta}: {what}")));
        }
        out
    }

    fn tables(&self) -> Vec<Table> {
        let rows: Vec<Vec<f64>> = self.sweep.results().iter().map(row).collect();
        let columns =
            vec!["eta", "two_over_eta", "outcome", "steps", "diverged_at", "loss", "sharpness", "lemma4_bound"];
        let rows = if rows.is_empty() { vec![vec![f64::NAN; columns.len()]] } else { rows };
        vec![Table { name: "sweep", columns, rows }]
    }
}
