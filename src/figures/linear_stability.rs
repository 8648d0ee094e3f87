//! `linear-stability`: Definition 1 and Theorem 1 (Wu et al.) on least squares, with the exact
//! mean-square test beside Wu's criterion, the GD condition and simulated runs.
//!
//! Panels: the three tests against η at the current batch size (each is "≤ 1"); the error
//! dynamics E‖θ_t − θ*‖², ‖E[θ_t − θ*]‖ and the median run against t, exact and simulated; and
//! the stability map over (η, B), coloured by the exact test, with the boundaries of the three
//! tests. A click on the map or a drag on the first panel sets η (and B).
//!
//! The problem and the runs are shared with `proof-mean-dynamics` through [`Dynamics`]: the
//! same settings build the same problem and the same runs in both figures.

use crate::kit::format;
use std::cell::RefCell;

use nalgebra::DVector;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Activity, Figure, Grab, Panel, Preset, Table, Tone, Verdict, WORK_PER_UNIT, WORK_UNIT_NAME};
use crate::kit::params::{ParamError, ParamSpec, ParamValues, Scale};
use crate::kit::plot::{self, DrawResult, Theme};
use crate::math::dense::SymmetricEigen;
use crate::math::least_squares::{LeastSquares, ProblemSpec};
use crate::math::linear_stability::{
    gd_factor, wu_criterion, wu_threshold, MeanSquareOperator, MomentEstimate, RunSpec, StabilityMap, TopEigen,
    Trajectories, DIVERGENCE_GROWTH,
};

pub const DIM: ParamSpec =
    ParamSpec { key: "d", label: "dimension d", min: 2.0, max: 10.0, default: 4.0, scale: Scale::Integer };
pub const SAMPLES: ParamSpec =
    ParamSpec { key: "n", label: "samples n", min: 2.0, max: 50.0, default: 16.0, scale: Scale::Integer };
pub const BATCH: ParamSpec =
    ParamSpec { key: "batch", label: "batch size B", min: 1.0, max: 50.0, default: 2.0, scale: Scale::Integer };
/// The default sits between Wu's threshold and the exact one at the default B: the first view
/// shows Wu's criterion failing at a stable minimum.
pub const ETA: ParamSpec =
    ParamSpec { key: "eta", label: "step size \u{3b7}", min: 0.02, max: 5.0, default: 0.79, scale: Scale::Log };
pub const LABELS: ParamSpec = ParamSpec {
    key: "labels",
    label: "labels",
    min: 0.0,
    max: 1.0,
    default: 0.0,
    scale: Scale::Choice(&["exact", "noisy"]),
};
pub const SEED: ParamSpec =
    ParamSpec { key: "seed", label: "problem seed", min: 1.0, max: 999.0, default: 5.0, scale: Scale::Integer };
pub const RUNS: ParamSpec =
    ParamSpec { key: "runs", label: "simulated runs R", min: 10.0, max: 1000.0, default: 400.0, scale: Scale::Integer };
pub const HORIZON: ParamSpec =
    ParamSpec { key: "horizon", label: "steps T", min: 10.0, max: 500.0, default: 150.0, scale: Scale::Integer };

/// Step-size columns of the stability map, spanning the range of η.
const MAP_COLUMNS: usize = 64;

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
    /// The dynamics for `params` (which hold the shared parameters) from `start`, or the reason
    /// why the parameters contradict each other.
    pub fn from_params(params: &ParamValues, start: Start) -> Result<Self, String> {
        check_problem(params).map_err(|e| e.message)?;
        let (d, n, batch) = (params.get_usize(DIM.key), params.get_usize(SAMPLES.key), params.get_usize(BATCH.key));
        let spec =
            ProblemSpec { dim: d, samples: n, noisy: params.get(LABELS.key) == 1.0, seed: params.get(SEED.key) as u64 };
        let problem = LeastSquares::random(&spec).ok_or("This draw of the samples is degenerate: try another seed.")?;
        let operator = MeanSquareOperator::new(&problem).ok_or("The mean-square operator could not be decomposed.")?;
        let eta = params.get(ETA.key);
        let mut eigen = TopEigen::new(operator.coords().len());
        let radius = operator.spectral_radius(eta, batch, &mut eigen);
        let runs = params.get_usize(RUNS.key);
        let run = RunSpec { eta, batch, runs, horizon: params.get_usize(HORIZON.key), seed: spec.seed.wrapping_add(1) };
        let coordinates = start.coordinates(d);
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

/// The combinations of the shared parameters that no problem fits, refused beside the control
/// to change: fewer samples than dimensions (H singular), or a batch larger than the data.
pub fn check_problem(params: &ParamValues) -> Result<(), ParamError> {
    let (d, n, batch) = (params.get_usize(DIM.key), params.get_usize(SAMPLES.key), params.get_usize(BATCH.key));
    if n < d {
        return Err(ParamError {
            key: SAMPLES.key.into(),
            message: format!(
                "n = {n} samples cannot pin down \u{3b8} in d = {d} dimensions (H would be singular): choose n \u{2265} d"
            ),
        });
    }
    if batch > n {
        return Err(ParamError {
            key: BATCH.key.into(),
            message: format!(
                "the batch size B = {batch} is larger than the number of samples n = {n}: choose B \u{2264} n"
            ),
        });
    }
    Ok(())
}

thread_local! {
    /// The last completed stability map and the problem it belongs to: a click on the map
    /// changes η and B only, and must not recompute a map of the same problem.
    static FINISHED_MAP: RefCell<Option<(ProblemSpec, StabilityMap)>> = const { RefCell::new(None) };
}

pub struct LinearStability {
    params: ParamValues,
    state: Result<State, String>,
}

struct State {
    dynamics: Dynamics,
    map: StabilityMap,
    /// λ_max(T(I)) (Wu) and max(1 − ηλᵢ)² (GD) at the map's step sizes, for the current B.
    wu_curve: Vec<f64>,
    gd_curve: Vec<f64>,
    /// Multiply-adds granted by `step` and not yet spent.
    credit: usize,
    /// Cells of the map paid for (computed, or taken from the cache), in the map's order.
    cells_paid: usize,
}

impl State {
    fn row(&self) -> usize {
        self.dynamics.batch - 1
    }
}

/// One test's value against η on the first panel, with the largest η it passes.
struct Curve {
    label: String,
    points: Vec<(f64, f64)>,
    colour: usize,
    threshold: f64,
}

impl LinearStability {
    fn draw_tests<DB: DrawingBackend>(&self, s: &State, area: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        plot::clear(area, theme)?;
        let dyn_ = &s.dynamics;
        let etas = &s.map.etas;
        let exact: Vec<(f64, f64)> = s.map.row(s.row()).collect();
        let (x_lo, x_hi) = (etas[0], etas[etas.len() - 1]);
        let all = exact.iter().map(|p| p.1).chain(s.wu_curve.iter().copied()).chain(s.gd_curve.iter().copied());
        let (lo, hi) = plot::log_range(all.chain([1.0]), 1e-6);
        let caption = format!("the three tests against \u{3b7} at B = {}", dyn_.batch);
        let mut chart =
            plot::frame(area, theme, &caption).build_cartesian_2d((x_lo..x_hi).log_scale(), (lo..hi).log_scale())?;
        plot::mesh(&mut chart, theme, "step size \u{3b7}", "value (stable if \u{2264} 1)")?;
        let threshold = dyn_.exact_threshold.clamp(x_lo, x_hi);
        plot::shade(
            &mut chart,
            std::iter::once(Rectangle::new([(x_lo, lo), (threshold, hi)], theme.stable_fill().filled())),
        )?;
        plot::shade(
            &mut chart,
            std::iter::once(Rectangle::new([(threshold, lo), (x_hi, hi)], theme.unstable_fill().filled())),
        )?;
        plot::line(&mut chart, "stable if \u{2264} 1", [(x_lo, 1.0), (x_hi, 1.0)], theme.line(theme.muted(), 1.0))?;
        let pair = |values: &[f64]| etas.iter().copied().zip(values.iter().copied()).collect();
        let curves = [
            Curve { label: "exact \u{3c1}(T)".into(), points: exact, colour: 0, threshold: dyn_.exact_threshold },
            Curve {
                label: "Wu: \u{3bb}max((I\u{2212}\u{3b7}H)\u{b2}+\u{3b7}\u{b2}\u{3a3}_B)".into(),
                points: pair(&s.wu_curve),
                colour: 1,
                threshold: dyn_.wu_threshold,
            },
            Curve {
                label: "GD: max(1\u{2212}\u{3b7}\u{3bb}\u{1d62})\u{b2}".into(),
                points: pair(&s.gd_curve),
                colour: 2,
                threshold: 2.0 / dyn_.problem.sharpness(),
            },
        ];
        for curve in &curves {
            let style = theme.line(theme.series(curve.colour), 2.0);
            plot::line(&mut chart, &curve.label, curve.points.iter().map(|&(x, y)| (x, y.clamp(lo, hi))), style)?
                .label(format!("{}: \u{3b7} \u{2264} {}", curve.label, format::number(curve.threshold)))
                .legend(plot::swatch(theme, style));
            if (x_lo..=x_hi).contains(&curve.threshold) && !curve.points.is_empty() {
                plot::markers(&mut chart, &format!("{} = 1", curve.label), [(curve.threshold, 1.0)], |p| {
                    Circle::new(p, theme.px(4.5), theme.series(curve.colour).filled())
                })?;
            }
        }
        let now = theme.line(theme.foreground(), 1.5);
        plot::line(&mut chart, "current \u{3b7}", [(dyn_.eta, lo), (dyn_.eta, hi)], now)?
            .label(format!("current \u{3b7} = {}", format::tick(dyn_.eta)))
            .legend(plot::swatch(theme, now));
        plot::legend(&mut chart, theme)?;
        Ok(Some(plot::PlotMap::of(&chart, (x_lo, x_hi), (lo, hi), true, true)))
    }

    fn draw_map<DB: DrawingBackend>(&self, s: &State, area: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        plot::clear(area, theme)?;
        let map = &s.map;
        let etas = &map.etas;
        let n = map.batches.len();
        let (x_lo, x_hi) = (etas[0], etas[etas.len() - 1]);
        let (y_lo, y_hi) = (0.5, n as f64 + 0.5);
        let caption = if map.is_complete() {
            "stability map: the exact test over (\u{3b7}, B)".to_string()
        } else {
            format!("stability map ({:.0}% computed)", 100.0 * map.progress())
        };
        let mut chart = plot::frame(area, theme, &caption).build_cartesian_2d((x_lo..x_hi).log_scale(), y_lo..y_hi)?;
        plot::custom_mesh(("step size \u{3b7}", "batch size B"), || {
            plot::house_mesh(&mut chart, theme)
                .x_desc("step size \u{3b7}")
                .y_desc("batch size B")
                .x_labels(6)
                .y_labels(n.min(10))
                .x_label_formatter(&|v| format::tick(*v))
                .y_label_formatter(&|v| format!("{}", v.round()))
                .draw()
        })?;
        // Cell edges: geometric midpoints between neighbouring step sizes.
        let edges: Vec<f64> = std::iter::once(x_lo)
            .chain(etas.windows(2).map(|w| (w[0] * w[1]).sqrt()))
            .chain(std::iter::once(x_hi))
            .collect();
        let cells = (0..n).flat_map(|row| (0..etas.len()).map(move |col| (row, col)));
        plot::shade(
            &mut chart,
            cells.filter_map(|(row, col)| {
                let rho = map.radius(row, col)?;
                let colour = if rho <= 1.0 { theme.series(2) } else { theme.series(1) };
                // Darker the farther ρ is from 1: a factor 4 either way is full strength.
                let strength = (rho.ln().abs() / 4f64.ln()).min(1.0);
                let b = (row + 1) as f64;
                Some(Rectangle::new(
                    [(edges[col], b - 0.5), (edges[col + 1], b + 0.5)],
                    colour.mix(0.12 + 0.6 * strength).filled(),
                ))
            }),
        )?;
        let boundary = |thresholds: &[f64]| -> Vec<(f64, f64)> {
            let mut points = Vec::new();
            for (row, &eta) in thresholds.iter().enumerate() {
                if eta.is_finite() {
                    let b = (row + 1) as f64;
                    let eta = eta.clamp(x_lo, x_hi);
                    points.push((eta, b - 0.5));
                    points.push((eta, b + 0.5));
                }
            }
            points
        };
        let exact_style = theme.line(theme.series(0), 2.5);
        plot::line(&mut chart, "exact boundary \u{3c1}(T) = 1", boundary(&map.exact_thresholds), exact_style)?
            .label("exact boundary \u{3c1}(T) = 1")
            .legend(plot::swatch(theme, exact_style));
        let wu_style = theme.line(theme.series(4), 2.0);
        let dashes = (theme.px(5.0), theme.px(4.0));
        plot::dashed(&mut chart, "Wu's criterion = 1", boundary(&map.wu_thresholds), dashes, wu_style)?
            .label("Wu's criterion = 1")
            .legend(plot::swatch(theme, wu_style));
        let gd_style = theme.line(theme.foreground(), 1.5);
        if map.gd_threshold <= x_hi {
            let line = [(map.gd_threshold, y_lo), (map.gd_threshold, y_hi)];
            plot::line(&mut chart, "\u{3b7} = 2/\u{3bb}max(H)", line, gd_style)?
                .label(format!("\u{3b7} = 2/\u{3bb}max(H) = {}", format::tick(map.gd_threshold)))
                .legend(plot::swatch(theme, gd_style));
        }
        let here = (s.dynamics.eta, s.dynamics.batch as f64);
        chart.draw_series(std::iter::once(Circle::new(here, theme.px(7.0), theme.line(theme.foreground(), 2.5))))?;
        plot::markers(&mut chart, "current (\u{3b7}, B)", [here], |p| {
            Circle::new(p, theme.px(2.5), theme.foreground().filled())
        })?;
        plot::legend(&mut chart, theme)?;
        Ok(Some(plot::PlotMap::of(&chart, (x_lo, x_hi), (y_lo, y_hi), true, false)))
    }
}

/// A third statistic of the runs' distances ‖θ_t − θ*‖ for the dynamics panel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunsNorm {
    /// Their mean, E‖θ_t − θ*‖: Definition 1's quantity and the right side of Jensen's
    /// inequality.
    Mean,
    /// Their median: where a typical run is.
    Median,
}

/// A labelled horizontal line from step `from` on.
#[derive(Clone, Debug, PartialEq)]
pub struct Level {
    pub label: String,
    pub value: f64,
    pub from: usize,
}

/// What the dynamics panel draws: E‖θ_t − θ*‖² and ‖E[θ_t − θ*]‖, each exact (a line) and from
/// the runs (dots), the one not in focus faint, with the standard error of the runs' mean when
/// the mean is in focus, and what the figure adds.
#[derive(Clone, Debug, PartialEq)]
pub struct DynamicsView {
    pub mean: bool,
    pub second_moment: bool,
    pub runs_norm: Option<RunsNorm>,
    pub level: Option<Level>,
    /// A vertical line at the step the runs have reached, while they have not finished.
    pub cursor: bool,
}

/// One quantity of the error dynamics, exact and simulated, on the dynamics panel.
struct Series {
    label: String,
    exact: Vec<(f64, f64)>,
    simulated: Vec<(f64, f64)>,
    colour: usize,
    in_focus: bool,
}

/// Draws the error dynamics of `dynamics` up to the runs' last step as `view` says, with the
/// noise floor when there is one. A series followed no further (its square passed
/// [`DIVERGENCE_GROWTH`] times its start) ends in a cross; notes under the chart say what the
/// crosses are and why the runs' estimates can part from the exact lines.
pub fn draw_dynamics<DB: DrawingBackend>(
    dynamics: &Dynamics,
    area: &DrawingArea<DB, Shift>,
    theme: &Theme,
    view: &DynamicsView,
) -> DrawResult<DB>
where
    DB::ErrorType: 'static,
{
    plot::clear(area, theme)?;
    let traj = &dynamics.trajectories;
    let simulated = traj.simulated().history();
    let horizon = traj.horizon().max(1) as f64;
    let indexed = |values: &mut dyn Iterator<Item = f64>| -> Vec<(f64, f64)> {
        values.enumerate().map(|(t, v)| (t as f64, v)).collect()
    };
    let exact_mean = indexed(&mut traj.exact_means().iter().map(|m| norm(m)));
    let exact_square = indexed(&mut traj.exact_mean_squares().iter().copied());
    let sim_mean = indexed(&mut simulated.iter().map(|s| norm(&s.mean)));
    let sim_square = indexed(&mut simulated.iter().map(|s| s.mean_square_norm));
    let mut series = vec![
        Series {
            label: "E\u{2016}\u{3b8}\u{209c}\u{2212}\u{3b8}*\u{2016}\u{b2}".into(),
            exact: exact_square,
            simulated: sim_square,
            colour: 1,
            in_focus: view.second_moment,
        },
        Series {
            label: "\u{2016}E[\u{3b8}\u{209c}\u{2212}\u{3b8}*]\u{2016}".into(),
            exact: exact_mean,
            simulated: sim_mean,
            colour: 0,
            in_focus: view.mean,
        },
    ];
    if let Some(kind) = view.runs_norm {
        let (label, values): (&str, Vec<f64>) = match kind {
            RunsNorm::Mean => {
                ("E\u{2016}\u{3b8}\u{209c}\u{2212}\u{3b8}*\u{2016}", simulated.iter().map(|s| s.mean_norm).collect())
            }
            RunsNorm::Median => (
                "median \u{2016}\u{3b8}\u{209c}\u{2212}\u{3b8}*\u{2016}",
                simulated.iter().map(|s| s.median_norm).collect(),
            ),
        };
        series.push(Series {
            label: label.into(),
            exact: Vec::new(),
            simulated: indexed(&mut values.into_iter()),
            colour: 3,
            in_focus: true,
        });
    }
    let runs = dynamics.runs as f64;
    let error: Vec<(f64, f64)> =
        if view.mean { series[0].exact.iter().map(|&(t, v)| (t, (v / runs).sqrt())).collect() } else { Vec::new() };
    // The noise floor of E‖θ_t − θ*‖² is drawn when that series is in focus.
    let floor = dynamics.floor.filter(|f| *f > 0.0 && view.second_moment);
    // The axis spans what is in focus; a faint series may leave it.
    let in_focus = series.iter().filter(|s| s.in_focus).flat_map(|s| s.exact.iter().chain(&s.simulated));
    let levels = floor.into_iter().chain(view.level.as_ref().map(|l| l.value));
    let (lo, hi) = plot::log_range(in_focus.chain(&error).map(|p| p.1).chain(levels), 1e-16);
    let on_axis = |v: f64| (lo..=hi).contains(&v);

    let mut notes = Vec::new();
    let stopped = [traj.exact_stopped_at(), traj.exact_mean_stopped_at(), traj.simulated().diverged_at()];
    if stopped.iter().any(Option::is_some) {
        notes.push(format!(
            "\u{d7} marks where a series was followed no further: E\u{2016}\u{b7}\u{2016}\u{b2} past {} times its start, a distance past {} times.",
            format::tick(DIVERGENCE_GROWTH),
            format::tick(DIVERGENCE_GROWTH.sqrt())
        ));
    }
    if view.mean && mean_is_below_its_error(dynamics) {
        notes.push(
            "Below the dashed line \u{221a}(E\u{2016}\u{b7}\u{2016}\u{b2}/R), the error of an average over R runs, the runs\u{2019} mean is noise: there its dots part from the exact mean."
                .to_string(),
        );
    }
    if dynamics.rare_runs_carry_the_mean_square() {
        notes.push(
            "The runs\u{2019} E\u{2016}\u{b7}\u{2016}\u{b2} lies far below the exact one: rare runs carry it, and few of the R runs are such runs."
                .to_string(),
        );
    }
    let chart_area = plot::with_notes(area, theme, &notes)?;
    let mut chart = plot::frame(&chart_area, theme, "the error \u{3b8}\u{209c} \u{2212} \u{3b8}* against t")
        .build_cartesian_2d(0.0..horizon, (lo..hi).log_scale())?;
    plot::mesh(&mut chart, theme, "step t", "size of \u{3b8}\u{209c} \u{2212} \u{3b8}*")?;
    // Dots every few steps, at most about 80 per series.
    let every = (simulated.len() / 80).max(1);
    for line in &series {
        let colour = theme.series(line.colour);
        let alpha = if line.in_focus { 1.0 } else { 0.3 };
        let style = ShapeStyle { color: colour.mix(alpha), filled: false, stroke_width: theme.px(2.0) };
        // A curve that leaves the axis ends there (a log axis has no zero to clamp to).
        let shown = line.exact.iter().take_while(|p| on_axis(p.1)).copied();
        let exact = plot::line(&mut chart, &format!("{}, exact", line.label), shown, style)?;
        // One legend entry per quantity: the line is exact, the dots are the runs.
        if !line.exact.is_empty() {
            exact.label(format!("{} (line: exact, dots: runs)", line.label)).legend(plot::swatch(theme, style));
        }
        // The last point is always drawn: it is where the runs are now.
        let last = line.simulated.len().saturating_sub(1);
        let dots = line
            .simulated
            .iter()
            .enumerate()
            .filter(|&(t, p)| (t % every == 0 || t == last) && p.1 <= hi)
            .map(|(_, &(t, v))| (t, v.max(lo)));
        let simulated = plot::markers(&mut chart, &format!("{}, runs", line.label), dots, |p| {
            Circle::new(p, theme.px(2.5), colour.mix(alpha).filled())
        })?;
        if line.exact.is_empty() {
            simulated.label(format!("{}, runs", line.label)).legend(plot::dot_swatch(theme, colour));
        }
    }
    // Crosses where a series was followed no further.
    let cross = |points: &[(f64, f64)], at: Option<usize>, colour: usize| {
        at.and_then(|t| points.get(t).copied())
            .filter(|p| on_axis(p.1))
            .map(|p| Cross::new(p, theme.px(6.0), theme.line(theme.series(colour), 2.0)))
    };
    let crosses = [
        cross(&series[0].exact, traj.exact_stopped_at(), 1),
        cross(&series[0].simulated, traj.simulated().diverged_at(), 1),
        cross(&series[1].exact, traj.exact_mean_stopped_at(), 0),
    ];
    chart.draw_series(crosses.into_iter().flatten())?;
    if !error.is_empty() {
        let style = ShapeStyle { color: theme.series(0).mix(0.6), filled: false, stroke_width: theme.px(1.0) };
        let shown = error.iter().map(|&(t, v)| (t, v.max(lo)));
        plot::dashed(&mut chart, "standard error of the mean", shown, (theme.px(2.0), theme.px(3.0)), style)?
            .label("\u{221a}(E\u{2016}\u{b7}\u{2016}\u{b2}/R): error of the runs\u{2019} mean")
            .legend(plot::swatch(theme, style));
    }
    if let Some(floor) = floor {
        let style = theme.line(theme.series(2), 1.5);
        plot::dashed(
            &mut chart,
            "floor tr S\u{221e}",
            [(0.0, floor), (horizon, floor)],
            (theme.px(6.0), theme.px(4.0)),
            style,
        )?
        .label(format!("floor tr S\u{221e} = {}", format::number(floor)))
        .legend(plot::swatch(theme, style));
    }
    if let Some(level) = &view.level {
        let style = theme.line(theme.foreground(), 1.5);
        let span = [(level.from as f64, level.value), (horizon, level.value)];
        plot::dashed(&mut chart, &level.label, span, (theme.px(3.0), theme.px(3.0)), style)?
            .label(level.label.clone())
            .legend(plot::swatch(theme, style));
    }
    let now = dynamics.last_step();
    if view.cursor && !traj.is_complete() {
        let style = theme.line(theme.muted(), 1.0);
        chart.draw_series(LineSeries::new([(now as f64, lo), (now as f64, hi)], style))?;
        // Labelled at the foot of the line, clear of the levels drawn near the top.
        chart.draw_series(std::iter::once(
            EmptyElement::at((now as f64, lo))
                + Text::new(format!("t = {now}"), (theme.px(4.0) as i32, -(theme.px(16.0) as i32)), theme.text(11.0)),
        ))?;
    }
    plot::legend(&mut chart, theme)?;
    Ok(None)
}

/// Whether the exact mean has fallen far below the standard error of the runs' mean at some
/// step reached: there the dots of ‖E[θ_t − θ*]‖ are noise and part from the line.
fn mean_is_below_its_error(dynamics: &Dynamics) -> bool {
    (0..=dynamics.last_step()).any(|t| match (dynamics.exact_mean_norm(t), dynamics.standard_error(t)) {
        (Some(mean), Some(error)) => mean < 0.1 * error,
        _ => false,
    })
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

impl Figure for LinearStability {
    const ID: &'static str = "linear-stability";
    const TITLE: &'static str = "Linear stability of SGD: the exact test, Wu's criterion and 2/\u{3b7}";
    const PARAMS: &'static [ParamSpec] = &[ETA, BATCH, LABELS, DIM, SAMPLES, SEED, RUNS, HORIZON];
    const PANELS: &'static [Panel] = &[
        Panel { key: "tests", description: "The three stability tests against the step size at the current batch size: the exact spectral radius of the mean-square operator, Wu's criterion and the GD factor, each stable when at most 1; drag to set η" },
        Panel { key: "dynamics", description: "The mean squared distance E‖θ_t − θ*‖² and the distance of the mean ‖E[θ_t − θ*]‖ against the step t on a log scale, exact (lines) and from simulated runs (dots), with the median distance of the runs" },
        Panel { key: "map", description: "Stability map over step size η and batch size B, coloured by the exact test, with the exact boundary, Wu's boundary and η = 2/λ_max(H); click to set η and B" },
    ];
    const PACE: Option<f64> = None;
    const UNIT: &'static str = WORK_UNIT_NAME;
    const PRESETS: &'static [Preset] = &[
        Preset { label: "Wu fails, yet stable", values: &[("batch", 1.0), ("eta", 0.42)] },
        Preset { label: "rare runs", values: &[("eta", 0.9)] },
        Preset { label: "GD-stable, SGD-unstable", values: &[("eta", 1.2)] },
        Preset { label: "label noise", values: &[("labels", 1.0), ("eta", 0.5)] },
        Preset { label: "GD (B = n)", values: &[("batch", 16.0), ("eta", 1.9)] },
    ];

    fn validate(params: &ParamValues) -> Result<(), ParamError> {
        check_problem(params)
    }

    fn new(params: ParamValues) -> Self {
        let state = Dynamics::from_params(&params, Start::TopEigenvector).map(|dynamics| {
            let map = FINISHED_MAP
                .with(|cache| match &*cache.borrow() {
                    Some((spec, map)) if *spec == dynamics.spec => Some(map.clone()),
                    _ => None,
                })
                .unwrap_or_else(|| {
                    StabilityMap::new(&dynamics.problem, (ETA.min, ETA.max), MAP_COLUMNS, dynamics.batch)
                });
            let wu_curve = map.etas.iter().map(|&eta| wu_criterion(&dynamics.problem, eta, dynamics.batch)).collect();
            let gd_curve = map.etas.iter().map(|&eta| gd_factor(&dynamics.problem, eta)).collect();
            State { dynamics, map, wu_curve, gd_curve, credit: 0, cells_paid: 0 }
        });
        Self { params, state }
    }

    fn params(&self) -> &ParamValues {
        &self.params
    }

    fn step(&mut self, units: usize) -> Activity {
        let Ok(s) = &mut self.state else { return Activity::Idle };
        s.credit = s.credit.saturating_add(units.saturating_mul(WORK_PER_UNIT));
        let m = s.dynamics.operator.coords().len();
        // A cell is a Lanczos run on the m × m matrix of T: about 25 products of m² each, and a
        // fixed overhead (setting up, the tridiagonal problems) measured at about 5,000.
        let cell_cost = 25 * m * m + 5_000;
        let (columns, cells) = (s.map.columns(), s.map.columns() * s.map.batches.len());
        // The current batch size's row first (the first panel needs it), then the runs, then
        // the rest of the map. Each piece of work is done once the credit covers its cost, so
        // what is done depends only on the units granted in all, not on how they were sliced.
        // The cells of a map taken from the cache are paid for as if computed, so that the
        // runs get as far for the same units whether the map was there or not.
        loop {
            if s.cells_paid >= columns && !s.dynamics.trajectories.is_complete() {
                s.credit = s.dynamics.advance(s.credit);
                if !s.dynamics.trajectories.is_complete() {
                    return Activity::Running;
                }
            } else if s.cells_paid < cells {
                if s.credit < cell_cost {
                    return Activity::Running;
                }
                s.credit -= cell_cost;
                s.cells_paid += 1;
                s.map.advance(&s.dynamics.problem, &s.dynamics.operator, 1);
            } else {
                FINISHED_MAP.with(|cache| *cache.borrow_mut() = Some((s.dynamics.spec, s.map.clone())));
                return Activity::Idle;
            }
        }
    }

    fn draw<DB: DrawingBackend>(&self, panel: usize, area: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        let s = match &self.state {
            Ok(s) => s,
            Err(message) => {
                plot::message_panel(area, theme, Self::PANELS[panel].key, message)?;
                return Ok(None);
            }
        };
        match panel {
            0 => self.draw_tests(s, area, theme),
            1 => draw_dynamics(
                &s.dynamics,
                area,
                theme,
                &DynamicsView {
                    mean: true,
                    second_moment: true,
                    runs_norm: Some(RunsNorm::Median),
                    level: None,
                    cursor: false,
                },
            ),
            _ => self.draw_map(s, area, theme),
        }
    }

    fn verdict(&self) -> Verdict {
        let s = match &self.state {
            Ok(s) => s,
            Err(message) => return Verdict { text: plot::refusal(message), tone: Tone::Bad },
        };
        let d = &s.dynamics;
        let mut text = format!("B = {}, \u{3b7} = {}: {}.", d.batch, format::tick(d.eta), d.exact_words());
        let wu_met = d.wu_value <= 1.0;
        let gd_met = d.problem.sharpness() <= 2.0 / d.eta;
        text.push_str(&format!(
            " Wu's criterion {} {} 1 ({}); \u{3bb}max(H) = {} {} 2/\u{3b7} = {} ({}).",
            format::number(d.wu_value),
            if wu_met { "\u{2264}" } else { ">" },
            if wu_met { "met" } else { "not met" },
            format::number(d.problem.sharpness()),
            if gd_met { "\u{2264}" } else { ">" },
            format::number(2.0 / d.eta),
            if gd_met { "met" } else { "not met" },
        ));
        if d.radius <= 1.0 && !wu_met {
            text.push_str(" Wu's criterion is sufficient, not necessary.");
        }
        if d.radius > 1.0 && gd_met {
            text.push_str(&format!(
                " \u{3bb}max \u{2264} 2/\u{3b7} is necessary, not sufficient: gradient descent is stable at this \u{3b7}, SGD with B = {} is not mean-square stable.",
                d.batch
            ));
        }
        if d.trajectories.is_complete() {
            text.push_str(&d.run_summary());
        }
        if let Some(floor) = d.floor.filter(|f| *f > 0.0) {
            text.push_str(&format!(
                " With label noise the gradients at \u{3b8}* do not vanish: E\u{2016}\u{3b8}\u{209c} \u{2212} \u{3b8}*\u{2016}\u{b2} tends to tr S\u{221e} = {}, not to 0.",
                format::number(floor)
            ));
        }
        let tone = if d.radius < 1.0 {
            Tone::Good
        } else if d.radius > 1.0 {
            Tone::Bad
        } else {
            Tone::Neutral
        };
        Verdict { text, tone }
    }

    fn readouts(&self) -> Vec<(String, String)> {
        let Ok(s) = &self.state else { return Vec::new() };
        let d = &s.dynamics;
        let sigma_b = d.problem.batch_hessian_variance(d.batch);
        let sigma_top = SymmetricEigen::new(&sigma_b).map_or(f64::NAN, |e| e.values[0]);
        let t = d.last_step();
        let mut out = vec![
            ("\u{3bb}max(H)".to_string(), format::number(d.problem.sharpness())),
            ("\u{3bb}max(\u{3a3}_B)".to_string(), format::number(sigma_top)),
            ("exact \u{3c1}(T)".to_string(), format::number(d.radius)),
            ("Wu \u{3bb}max((I\u{2212}\u{3b7}H)\u{b2}+\u{3b7}\u{b2}\u{3a3}_B)".to_string(), format::number(d.wu_value)),
            (
                format!("largest stable \u{3b7} at B = {}: exact / Wu / GD", d.batch),
                format!(
                    "{} / {} / {}",
                    format::number(d.exact_threshold),
                    format::number(d.wu_threshold),
                    format::number(2.0 / d.problem.sharpness())
                ),
            ),
            (
                format!("median \u{2016}\u{3b8}\u{209c} \u{2212} \u{3b8}*\u{2016} of the runs, t = {t}"),
                format::number(d.simulated_at(t).median_norm),
            ),
        ];
        if let Some(floor) = d.floor.filter(|f| *f > 0.0) {
            out.push(("noise floor tr S\u{221e}".to_string(), format::number(floor)));
        }
        if !s.map.is_complete() {
            out.push(("stability map".to_string(), format!("{:.0}% computed", 100.0 * s.map.progress())));
        }
        out
    }

    fn tables(&self) -> Vec<Table> {
        let Ok(s) = &self.state else { return Vec::new() };
        let d = &s.dynamics;
        let moments = (0..=d.last_step())
            .map(|t| {
                let m = d.simulated_at(t);
                vec![
                    t as f64,
                    d.exact_mean_norm(t).unwrap_or(f64::NAN),
                    d.exact_mean_square(t).unwrap_or(f64::NAN),
                    norm(&m.mean),
                    m.mean_square_norm,
                    m.mean_norm,
                    m.median_norm,
                ]
            })
            .collect();
        let tests = s
            .map
            .etas
            .iter()
            .enumerate()
            .map(|(c, &eta)| vec![eta, s.map.radius(s.row(), c).unwrap_or(f64::NAN), s.wu_curve[c], s.gd_curve[c]])
            .collect();
        let cells = (0..s.map.batches.len())
            .flat_map(|row| (0..s.map.columns()).map(move |c| (row, c)))
            .map(|(row, c)| vec![(row + 1) as f64, s.map.etas[c], s.map.radius(row, c).unwrap_or(f64::NAN)])
            .collect();
        let thresholds = (0..s.map.batches.len())
            .map(|row| {
                vec![(row + 1) as f64, s.map.exact_thresholds[row], s.map.wu_thresholds[row], s.map.gd_threshold]
            })
            .collect();
        vec![
            Table {
                name: "dynamics",
                columns: vec![
                    "t",
                    "exact_mean_norm",
                    "exact_mean_square",
                    "sim_mean_norm",
                    "sim_mean_square",
                    "sim_mean_of_norm",
                    "sim_median_norm",
                ],
                rows: moments,
            },
            Table { name: "tests", columns: vec!["eta", "exact_rho", "wu", "gd"], rows: tests },
            Table { name: "map", columns: vec!["batch", "eta", "rho"], rows: cells },
            Table { name: "thresholds", columns: vec!["batch", "exact_eta", "wu_eta", "gd_eta"], rows: thresholds },
        ]
    }

    fn grab(&self, panel: usize, x: f64, y: f64) -> Option<Grab> {
        if !(x.is_finite() && y.is_finite()) {
            return None;
        }
        match panel {
            0 => Some(Grab::X("eta")),
            2 => Some(Grab::XY("eta", "batch")),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(values: &[(&str, f64)]) -> ParamValues {
        let mut p = ParamValues::defaults(LinearStability::PARAMS);
        for (k, v) in values {
            p.set(k, *v).unwrap();
        }
        p
    }

    /// Where the exact second moment passed its cap before the horizon while the runs went on,
    /// the verdict gives the runs' value and says where the exact one was left.
    #[test]
    fn a_capped_exact_value_is_reported_as_such() {
        let mut fig = LinearStability::new(with(&[("eta", 0.95), ("horizon", 300.0)]));
        fig.finish();
        let Ok(s) = &fig.state else { panic!("a valid setting") };
        let traj = &s.dynamics.trajectories;
        assert!(traj.simulated().diverged_at().is_none() && traj.exact_stopped_at().is_some_and(|t| t < 300));
        let text = fig.verdict().text;
        assert!(text.contains("over 400 runs; the exact value passed 1e12 times its start at t = "), "{text}");
        let exact = column(&fig, "exact_mean_square");
        let stop = traj.exact_stopped_at().unwrap();
        assert!(exact[stop] > 1e12 && exact[stop + 1..].iter().all(|v| v.is_nan()), "not followed is not drawn");
    }

    fn column(fig: &LinearStability, name: &str) -> Vec<f64> {
        let tables = fig.tables();
        let table = &tables[0];
        let c = table.columns.iter().position(|c| *c == name).unwrap();
        table.rows.iter().map(|r| r[c]).collect()
    }

    #[test]
    fn contradictory_parameters_are_reported_not_drawn() {
        let refusal = LinearStability::validate(&with(&[("batch", 30.0)])).unwrap_err();
        assert_eq!(refusal.key, "batch");
        assert_eq!(LinearStability::validate(&with(&[("d", 8.0), ("n", 5.0)])).unwrap_err().key, "n");
        assert!(LinearStability::validate(&with(&[])).is_ok());
        let fig = LinearStability::new(with(&[("batch", 30.0)]));
        let v = fig.verdict();
        assert_eq!(v.tone, Tone::Bad);
        assert!(v.text.contains("B = 30") && v.text.contains("n = 16"), "{}", v.text);
        assert!(fig.tables().is_empty());
        let fig = LinearStability::new(with(&[("d", 8.0), ("n", 5.0), ("batch", 2.0)]));
        assert!(fig.verdict().text.contains("n \u{2265} d"));
    }
}
