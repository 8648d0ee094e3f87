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

use crate::kit::format;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{Activity, Figure, Grab, Panel, Preset, Table, Tone, Verdict};
use crate::kit::params::{ParamError, ParamSpec, ParamValues, Scale};
use crate::kit::plot::PlotMap;
use crate::kit::plot::{self, DrawResult, Theme};
use crate::math::distribution::{Distribution, Empirical};
use crate::math::function_space::{
    balanced_init, conflicting_duplicate, g, gauss_newton_top, hessian_top_dense, knots, residual_part_norm,
    sample_data, weighted_curvature, Knot, Target, WeightCurves, DENSE_GRAM_MAX,
};
use crate::math::interpolation_run::{AfterSharp, InterpolationRun, Outcome, RunSettings};
use crate::math::network::{Activation, Data, Regression, ShallowNet};
use crate::math::rng::seeded;
use crate::math::sharpness::Schedule;

/// The input laws, in the order of the `law` parameter's options.
pub const LAW_NAMES: &[&str] = &["uniform", "gaussian", "laplace"];

/// The targets, in the order of the `target` parameter's options.
pub const TARGET_NAMES: &[&str] = &["abs", "sine", "square", "random"];

pub const LAW: ParamSpec = ParamSpec {
    key: "law",
    label: "law of the inputs",
    min: 0.0,
    max: 2.0,
    default: 0.0,
    scale: Scale::Choice(LAW_NAMES),
};

pub const TARGET: ParamSpec = ParamSpec {
    key: "target",
    label: "target (abs = |x|, sine = sin \u{3c0}x)",
    min: 0.0,
    max: 3.0,
    default: 0.0,
    scale: Scale::Choice(TARGET_NAMES),
};

/// The law of option `index`: uniform on [−1, 1], or a Gaussian or Laplace law of the same
/// standard deviation 1/√3, so the three spread their data alike.
pub fn law(index: usize) -> Distribution {
    let sd = 1.0 / 3f64.sqrt();
    match index {
        1 => Distribution::Gaussian { mean: 0.0, sd },
        2 => Distribution::Laplace { location: 0.0, scale: sd / 2f64.sqrt() },
        _ => Distribution::Uniform { lo: -1.0, hi: 1.0 },
    }
}

/// The target of option `index`.
pub fn target(index: usize) -> Target {
    match index {
        1 => Target::Sine,
        2 => Target::Square,
        3 => Target::RandomLabels,
        _ => Target::Abs,
    }
}

/// Data points placed by the reader: dragging a sampled point turns the sample into placed
/// points, a click on the data panel adds one, a double click removes one.
const POINTS: ParamSpec = ParamSpec {
    key: "points",
    label: "data placed by hand (x:y, \u{2026}; empty: sampled)",
    min: -10.0,
    max: 10.0,
    default: 0.0,
    scale: Scale::Points,
};

/// A pointer this close to a data point grabs it, as a share of the panel's x and y spans.
const PICK_RADIUS: (f64, f64) = (0.03, 0.05);

/// The two experiments of the figure, in the order of the `mode` parameter's options.
const MODES: &[&str] = &["switch", "sweep"];

/// Records per run at most (the record stride is chosen from the step cap).
const RECORDS_PER_RUN: usize = 400;
/// The dense Hessian is decomposed as a cross-check only up to this many parameters (3k + 1):
/// Jacobi costs O(p³) per sweep, too much for one animation frame beyond it.
const DENSE_HESSIAN_MAX_PARAMS: usize = 121;
/// Neuron evaluations (k · n per step) a setting may ask for at most: about ten seconds of
/// training in a browser.
const MAX_WORK: f64 = 1e9;
/// Points per drawn curve of f.
const CURVE_POINTS: usize = 400;
/// Cells of Φ drawn at most; past this many, the panel shows every few neurons.
const PHI_CELLS: usize = 24_000;

/// A legend swatch for a dashed or dotted series: `dashes` dashes across the usual length.
pub(crate) fn broken_swatch(
    theme: &Theme,
    style: ShapeStyle,
    dashes: u32,
) -> impl Fn((i32, i32)) -> DashedPathElement<std::vec::IntoIter<(i32, i32)>, u32> {
    let len = theme.px(18.0);
    let dash = len / (2 * dashes - 1);
    move |(x, y)| DashedPathElement::new(vec![(x, y), (x + len as i32, y)], dash, dash, style)
}

/// One training run and the step size(s) it uses.
struct Run {
    run: InterpolationRun,
    /// The label of its step size in legends.
    label: String,
}

/// What a point of the corollary panel is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PointKind {
    /// An interpolant at a minimum stable for its η (filled dot): the corollary applies.
    Stable,
    /// Loss below the tolerance at λ_max > 2/η (cross): too sharp for η, outside the corollary.
    Sharp,
    /// The last iterate of a run that did not interpolate (hollow dot): not a minimum.
    NotInterpolated,
}

/// One point (η, ∫|f''|g) of the corollary panel.
struct CorollaryPoint {
    eta: f64,
    value: f64,
    kind: PointKind,
    /// Its series colour.
    color: usize,
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
        self.params.get_usize("mode") == 0
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
        !self.params.points(POINTS.key).is_empty()
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

    fn draw_fit<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        plot::clear(area, theme)?;
        let data = &self.problem.data;
        let (x_lo, x_hi) = self.x_range();
        let nets = self.shown_nets();
        let curves: Vec<Vec<(f64, f64)>> = nets.iter().map(|(_, theta, _)| self.curve(theta)).collect();
        let (d_lo, d_hi) = self.fit_y_range();
        let mut chart = plot::frame(area, theme, "data and learned f").build_cartesian_2d(x_lo..x_hi, d_lo..d_hi)?;
        plot::mesh(&mut chart, theme, "x", "f(x)")?;
        // Placed points follow no target, so none is drawn for them.
        if self.target != Target::RandomLabels && !self.placed() {
            let style = theme.line(theme.muted().mix(0.7), 1.0);
            let target = self.target;
            let curve = (0..=CURVE_POINTS)
                .map(|s| x_lo + (x_hi - x_lo) * s as f64 / CURVE_POINTS as f64)
                .map(|x| (x, target.value(x).unwrap_or(0.0)));
            plot::line(&mut chart, "target", curve, style)?;
        }
        let count = nets.len();
        for (i, ((label, theta, dashed), curve)) in nets.iter().zip(&curves).enumerate() {
            let color = self.net_color(theme, i, count);
            let style = theme.line(color, if *dashed { 1.5 } else { 2.2 });
            let clipped = curve.iter().map(|&(x, y)| (x, y.clamp(d_lo, d_hi)));
            let curvature = weighted_curvature(&self.problem.net, theta, &data.x);
            // In the sweep a dashed curve is a run that has not interpolated (yet, or at all).
            let unfinished = *dashed && !self.switching();
            let legend = format!(
                "{label}: \u{222b}|f''|g = {}{}",
                format::tick(curvature),
                if unfinished { " (not an interpolant)" } else { "" }
            );
            if *dashed {
                plot::dashed(&mut chart, label, clipped, (theme.px(6.0), theme.px(4.0)), style)?
                    .label(legend)
                    .legend(plot::swatch(theme, style));
            } else {
                plot::line(&mut chart, label, clipped, style)?.label(legend).legend(plot::swatch(theme, style));
            }
        }
        let dot = theme.foreground();
        let points = data.x.iter().zip(&data.y).map(|(&x, &y)| (x, y));
        plot::markers(&mut chart, "data", points, |p| Circle::new(p, theme.px(3.5), dot.filled()))?;
        // The legend names the learned functions only: the dots are the data and the thin grey
        // line the target (the caption says so). Curves that leave the range are clipped.
        plot::legend(&mut chart, theme)?;
        Ok(Some(PlotMap::of(&chart, (x_lo, x_hi), (d_lo, d_hi), false, false)))
    }

    /// The colour of net `i` of `count`: in the switch experiment the net at the switch is the
    /// second series colour and the current one the first.
    fn net_color(&self, theme: &Theme, i: usize, count: usize) -> RGBColor {
        if self.switching() {
            theme.series(if i + 1 == count { 0 } else { 1 })
        } else {
            theme.series(i)
        }
    }

    fn draw_knots<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        plot::clear(area, theme)?;
        let (x_lo, x_hi) = self.x_range();
        let nets = self.shown_nets();
        let xs = &self.problem.data.x;
        let all: Vec<Vec<Knot>> = nets
            .iter()
            .map(|(_, theta, _)| {
                knots(&self.problem.net, theta, xs)
                    .into_iter()
                    .filter(|k| (x_lo..=x_hi).contains(&k.position))
                    .collect()
            })
            .collect();
        let top = all.iter().flatten().fold(0.0f64, |m, k| m.max(k.jump.abs())).max(1e-9) * 1.15;
        // Room above the stems for the legend.
        let mut chart = plot::frame(area, theme, "knots \u{3c4}\u{1d62}: the jumps of f'")
            .build_cartesian_2d(x_lo..x_hi, -top..(1.3 + 0.2 * nets.len() as f64) * top)?;
        plot::mesh(&mut chart, theme, "x", "jump of f' (\u{3a3} |w1\u{1d62}|w2\u{1d62})")?;
        plot::line(&mut chart, "zero", [(x_lo, 0.0), (x_hi, 0.0)], theme.line(theme.muted(), 1.0))?;
        let count = nets.len();
        for (i, ((label, _, _), list)) in nets.iter().zip(&all).enumerate() {
            let color = self.net_color(theme, i, count);
            let width = if i + 1 == count { 2.0 } else { 1.2 };
            let stem = theme.line(color, width);
            chart.draw_series(
                list.iter().map(|k| PathElement::new(vec![(k.position, 0.0), (k.position, k.jump)], stem)),
            )?;
            let tops = list.iter().map(|k| (k.position, k.jump));
            plot::markers(&mut chart, &format!("{label}: knots"), tops, |p| {
                Circle::new(p, theme.px(2.5), color.filled())
            })?
            .label(format!("{label}: {} knots", list.len()))
            .legend(plot::dot_swatch(theme, color));
        }
        plot::legend(&mut chart, theme)?;
        Ok(None)
    }

    fn draw_weights<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        plot::clear(area, theme)?;
        let (x_lo, x_hi) = self.x_range();
        let w = &self.weights;
        let top = w.g.iter().chain(&self.population).fold(0.0f64, |m, p| m.max(p.1)).max(1e-6);
        // g⁻ and g⁺ grow far above g: the plot is scaled to g and they are clipped.
        let y_hi = top * 1.6;
        let mut chart = plot::frame(area, theme, "weights g\u{207b}, g\u{207a}, g = min(g\u{207b}, g\u{207a})")
            .build_cartesian_2d(x_lo..x_hi, 0.0..y_hi)?;
        plot::mesh(&mut chart, theme, "x", "weight")?;
        let clip = |c: &[(f64, f64)]| c.iter().map(|&(x, y)| (x, y.min(y_hi))).collect::<Vec<_>>();
        for (name, curve, color) in
            [("g\u{207b}", &w.g_minus, theme.series(4)), ("g\u{207a}", &w.g_plus, theme.series(5))]
        {
            let style = theme.line(color, 1.2);
            plot::line(&mut chart, name, clip(curve), style)?.label(name).legend(plot::swatch(theme, style));
        }
        let g_style = theme.line(theme.series(0), 2.5);
        plot::line(&mut chart, "g, sample", clip(&w.g), g_style)?
            .label("g, sample")
            .legend(plot::swatch(theme, g_style));
        if !self.population.is_empty() {
            let pop_style = theme.line(theme.series(1), 1.8);
            let name = format!("g, {} law", LAW_NAMES[self.params.get_usize("law")]);
            plot::dashed(&mut chart, &name, clip(&self.population), (theme.px(6.0), theme.px(4.0)), pop_style)?
                .label(&name)
                .legend(broken_swatch(theme, pop_style, 2));
        }
        let dot = theme.foreground();
        let inputs = self.problem.data.x.iter().map(|&x| (x, 0.0));
        plot::markers(&mut chart, "data inputs", inputs, |p| Circle::new(p, theme.px(3.0), dot.filled()))?;
        plot::legend(&mut chart, theme)?;
        Ok(None)
    }

    fn draw_loss<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        plot::clear(area, theme)?;
        let tolerance = self.params.get("tol");
        let records = || self.runs.iter().flat_map(|r| r.run.records());
        let t_max = records().map(|r| r.step).max().unwrap_or(1).max(1) as f64;
        let (lo, hi) = plot::log_range(records().flat_map(|r| [r.loss, r.peak_loss]).chain([tolerance]), 1e-14);
        let hi = hi * (hi / lo).powf(0.5); // room above for the legend
        let mut chart =
            plot::frame(area, theme, "training loss").build_cartesian_2d(0.0..t_max, (lo..hi).log_scale())?;
        plot::mesh(&mut chart, theme, "step", "L(\u{3b8})")?;
        let tol_style = theme.line(theme.muted(), 1.2);
        let dashes = (theme.px(5.0), theme.px(4.0));
        plot::dashed(&mut chart, "tolerance", [(0.0, tolerance), (t_max, tolerance)], dashes, tol_style)?
            .label(format!("tolerance {}", format::tick(tolerance)))
            .legend(broken_swatch(theme, tol_style, 2));
        self.draw_switch_line(&mut chart, theme, lo, hi)?;
        for (i, r) in self.runs.iter().enumerate().take(self.current + 1) {
            let color = theme.series(if self.switching() { 0 } else { i });
            // Between two records the loss is not drawn; its largest value there is, faintly,
            // so that a spike shorter than the record stride still shows.
            let peaks = r.run.records().iter().map(|rec| (rec.step as f64, rec.peak_loss.clamp(lo, hi)));
            let faint = theme.line(color.mix(0.35), 1.0);
            let series = chart.draw_series(LineSeries::new(peaks, faint))?;
            if i == 0 {
                series.label("largest loss between records").legend(plot::swatch(theme, faint));
            }
            let style = theme.line(color, 1.6);
            let points = r.run.records().iter().map(|rec| (rec.step as f64, rec.loss.max(lo)));
            plot::line(&mut chart, &r.label, points, style)?.label(r.label.clone()).legend(plot::swatch(theme, style));
        }
        plot::legend(&mut chart, theme)?;
        Ok(None)
    }

    /// The switch step as a vertical line, in the switch experiment.
    fn draw_switch_line<DB: DrawingBackend, Y: Ranged<ValueType = f64>>(
        &self,
        chart: &mut ChartContext<'_, DB, Cartesian2d<RangedCoordf64, Y>>,
        theme: &Theme,
        lo: f64,
        hi: f64,
    ) -> Result<(), plot::DrawError<DB>>
    where
        DB::ErrorType: 'static,
    {
        let switch = self.runs[0].run.settings().schedule.switch_at;
        if self.switching() && switch <= self.runs[0].run.step() {
            let style = theme.line(theme.muted(), 1.2);
            plot::line(
                chart,
                "switch \u{3b7}\u{2081} \u{2192} \u{3b7}\u{2082}",
                [(switch as f64, lo), (switch as f64, hi)],
                style,
            )?
            .label("\u{3b7}\u{2081} \u{2192} \u{3b7}\u{2082}")
            .legend(plot::swatch(theme, style));
        }
        Ok(())
    }

    fn draw_sharpness<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        plot::clear(area, theme)?;
        let records = || self.runs.iter().take(self.current + 1).flat_map(|r| r.run.records());
        let t_max = records().map(|r| r.step).max().unwrap_or(1).max(1) as f64;
        let values = records().flat_map(|r| [r.sharpness, 2.0 / r.eta, 1.0 + 2.0 * r.curvature]);
        let (lo, hi) = plot::log_range(values, 1e-6);
        let hi = hi * (hi / lo).powf(0.7); // room above for the legend
        let mut chart = plot::frame(area, theme, "sharpness against 2/\u{3b7} and Lemma 4")
            .build_cartesian_2d(0.0..t_max, (lo..hi).log_scale())?;
        plot::mesh(&mut chart, theme, "step", "eigenvalue scale")?;
        self.draw_switch_line(&mut chart, theme, lo, hi)?;
        // One colour per run; the line style tells the three quantities apart (in the legend,
        // of the first run, in the foreground colour when there are several runs).
        let switching = self.switching();
        for (i, r) in self.runs.iter().enumerate().take(self.current + 1) {
            let recs = r.run.records();
            let color = |quantity: usize| if switching { theme.series([0, 3, 2][quantity]) } else { theme.series(i) };
            let legend_color = |quantity: usize| if switching { color(quantity) } else { theme.foreground() };
            let sharp = theme.line(color(0), 2.0);
            let name = |quantity: &str| format!("{quantity}, {}", r.label);
            let sharpness = recs.iter().map(|rec| (rec.step as f64, rec.sharpness.max(lo)));
            let series = plot::line(&mut chart, &name("\u{3bb}_max(\u{2207}\u{b2}L)"), sharpness, sharp)?;
            if i == 0 {
                series
                    .label("\u{3bb}_max(\u{2207}\u{b2}L)")
                    .legend(plot::swatch(theme, theme.line(legend_color(0), 2.0)));
            }
            // 2/η as a step function of t.
            let mut steps: Vec<(f64, f64)> = Vec::with_capacity(2 * recs.len());
            for rec in recs {
                if let Some(&(_, last)) = steps.last() {
                    steps.push((rec.step as f64, last));
                }
                steps.push((rec.step as f64, 2.0 / rec.eta));
            }
            let threshold = theme.line(color(1), 1.4);
            let series =
                plot::dashed(&mut chart, &name("2/\u{3b7}"), steps, (theme.px(7.0), theme.px(4.0)), threshold)?;
            if i == 0 {
                series.label("2/\u{3b7}").legend(broken_swatch(theme, theme.line(legend_color(1), 1.4), 2));
            }
            let bound = theme.line(color(2), 1.4);
            let dots = recs.iter().map(|rec| (rec.step as f64, 1.0 + 2.0 * rec.curvature));
            let series =
                plot::dashed(&mut chart, &name("1 + 2\u{222b}|f''|g"), dots, (theme.px(2.0), theme.px(3.0)), bound)?;
            if i == 0 {
                series.label("1 + 2\u{222b}|f''|g").legend(broken_swatch(theme, theme.line(legend_color(2), 1.4), 4));
            }
        }
        plot::legend(&mut chart, theme)?;
        Ok(None)
    }

    fn draw_corollary<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        plot::clear(area, theme)?;
        let points = self.corollary_points();
        let etas = points.iter().map(|p| p.eta).chain([self.params.get("eta1"), self.params.get("eta2")]);
        let (eta_lo, eta_hi) = etas.fold((f64::INFINITY, 0.0f64), |(lo, hi), e| (lo.min(e), hi.max(e)));
        let (x_lo, x_hi) = (eta_lo / 3.0, (eta_hi * 3.0).min(1.9));
        let x_lo = x_lo.min(x_hi / 10.0);
        let bound = |eta: f64| 1.0 / eta - 0.5;
        let (y_lo, y_hi) =
            plot::log_range(points.iter().map(|p| p.value).chain([bound(x_lo), bound(x_hi).max(1e-3)]), 1e-7);
        let y_hi = y_hi * (y_hi / y_lo).powf(0.6); // room above the curve for the legend
        let mut chart = plot::frame(area, theme, "the corollary: \u{222b}|f''|g \u{2264} 1/\u{3b7} \u{2212} 1/2")
            .build_cartesian_2d((x_lo..x_hi).log_scale(), (y_lo..y_hi).log_scale())?;
        plot::mesh(&mut chart, theme, "step size \u{3b7}", "\u{222b}|f''| g")?;
        let curve: Vec<(f64, f64)> = (0..=200)
            .map(|s| (x_lo.ln() + (x_hi.ln() - x_lo.ln()) * s as f64 / 200.0).exp())
            .map(|eta| (eta, bound(eta).clamp(y_lo, y_hi)))
            .collect();
        let mut above = curve.clone();
        above.push((x_hi, y_hi));
        above.push((x_lo, y_hi));
        plot::shade(&mut chart, std::iter::once(Polygon::new(above, theme.unstable_fill().filled())))?;
        let line = theme.line(theme.foreground(), 2.0);
        plot::line(&mut chart, "1/\u{3b7} \u{2212} 1/2", curve, line)?
            .label("1/\u{3b7} \u{2212} 1/2")
            .legend(plot::swatch(theme, line));
        let r = theme.px(5.0);
        for point in &points {
            let (color, at) = (theme.series(point.color), (point.eta, point.value.max(y_lo)));
            let style = match point.kind {
                PointKind::Stable => color.filled(),
                PointKind::Sharp => theme.line(color, 2.5),
                PointKind::NotInterpolated => theme.line(color, 2.0),
            };
            let kind = point.kind;
            let marker = move |at: (f64, f64)| -> DynElement<'_, DB, (f64, f64)> {
                match kind {
                    PointKind::Sharp => Cross::new(at, r + 1, style).into_dyn(),
                    _ => Circle::new(at, r, style).into_dyn(),
                }
            };
            plot::markers(&mut chart, &point.label, [at], marker)?.label(point.label.clone()).legend(move |(x, y)| {
                let at = (x + 8, y);
                match kind {
                    PointKind::Sharp => Cross::new(at, 5, style).into_dyn(),
                    _ => Circle::new(at, 4, style).into_dyn(),
                }
            });
        }
        plot::legend(&mut chart, theme)?;
        Ok(None)
    }

    /// The points of the corollary panel: in the switch experiment the net at the switch (at
    /// η₁) and now (at η₂); in the sweep each run's last net. Besides, every run's first sharp
    /// interpolant (loss below the tolerance at λ_max > 2/η), where the corollary's premise
    /// fails. Diverged runs have no function to speak of and are left out.
    fn corollary_points(&self) -> Vec<CorollaryPoint> {
        let xs = &self.problem.data.x;
        let net = &self.problem.net;
        let tolerance = self.params.get("tol");
        let switching = self.switching();
        let mut out = Vec::new();
        for (i, r) in self.runs.iter().enumerate().take(self.current + 1) {
            let run = &r.run;
            let schedule = run.settings().schedule;
            // In the switch experiment the net at the switch is the second colour, now the first.
            let (color, color_at_switch) = if switching { (0, 1) } else { (i, i) };
            let prefix = if switching { String::new() } else { format!("{}, ", r.label) };
            if let Some(theta) = run.theta_at_switch().filter(|_| switching) {
                // θ at the switch, as a minimum of the run at η₁ (the record before the switch
                // uses η₁; the switch's own record already uses η₂).
                let at_switch = run.records().iter().rev().find(|rec| rec.step == schedule.switch_at);
                let stable = at_switch.is_some_and(|rec| rec.loss < tolerance && rec.sharpness <= 2.0 / schedule.eta);
                let value = weighted_curvature(net, theta, xs);
                out.push(CorollaryPoint {
                    eta: schedule.eta,
                    value,
                    kind: if stable { PointKind::Stable } else { PointKind::NotInterpolated },
                    color: color_at_switch,
                    label: format!("at the switch, \u{3b7}\u{2081}: {}", format::tick(value)),
                });
            }
            if let Some(sharp) = run.sharp_interpolant() {
                let rec = sharp.record;
                out.push(CorollaryPoint {
                    eta: rec.eta,
                    value: rec.curvature,
                    kind: PointKind::Sharp,
                    color: if switching && rec.step == schedule.switch_at { color_at_switch } else { color },
                    label: if switching && rec.step == schedule.switch_at {
                        format!("at the switch, \u{3b7}\u{2082} (too sharp): {}", format::tick(rec.curvature))
                    } else {
                        format!("{prefix}too sharp for \u{3b7}: {}", format::tick(rec.curvature))
                    },
                });
            }
            if matches!(run.outcome(), Outcome::Diverged { .. }) {
                continue;
            }
            let value = weighted_curvature(net, run.theta(), xs);
            let interpolated = matches!(run.outcome(), Outcome::Interpolated { .. });
            let name = if switching { "now".to_string() } else { r.label.clone() };
            out.push(CorollaryPoint {
                eta: schedule.at(run.step()),
                value,
                kind: if interpolated { PointKind::Stable } else { PointKind::NotInterpolated },
                color,
                label: format!(
                    "{name}: {}{}",
                    format::tick(value),
                    if interpolated { "" } else { " (last iterate, not an interpolant)" }
                ),
            });
        }
        out
    }

    /// Φ at the current θ, block by block, with λ_max(ΦΦᵀ/n) beside λ_max(∇²L): at
    /// interpolation the Hessian is ΦΦᵀ/n, and the zero pattern of the first three blocks is the
    /// activation pattern ℐ.
    fn draw_phi<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        plot::clear(area, theme)?;
        let run = &self.runs[self.focus()].run;
        let theta = run.theta();
        let (net, data) = (&self.problem.net, &self.problem.data);
        let (k, n) = (net.width, data.len());
        let phi = self.problem.phi(theta);
        let mut columns: Vec<usize> = (0..n).collect();
        columns.sort_by(|&a, &b| data.x[a].total_cmp(&data.x[b]));
        // Neurons active to the right of their knots first, then those active to the left, each
        // by knot: the activation pattern then shows as two staircases.
        let p = net.layout(theta);
        let mut neurons: Vec<usize> = (0..k).collect();
        let side = |i: usize| {
            if p.w1[i] > 0.0 {
                0
            } else if p.w1[i] < 0.0 {
                1
            } else {
                2
            }
        };
        let knot = |i: usize| if p.w1[i] == 0.0 { 0.0 } else { -p.b1[i] / p.w1[i] };
        neurons.sort_by(|&a, &b| side(a).cmp(&side(b)).then(knot(a).total_cmp(&knot(b))));
        // A neuron inactive at every data point has rows of zeros: it is counted, not drawn.
        neurons.retain(|&i| data.x.iter().any(|&x| p.w1[i] * x + p.b1[i] > 0.0));
        // At most PHI_CELLS cells in all: beyond, every stride-th neuron.
        let stride = (3 * neurons.len() * n).div_ceil(PHI_CELLS).max(1);
        let shown: Vec<usize> = neurons.iter().copied().step_by(stride).collect();
        let gauss_newton = gauss_newton_top(&self.problem, theta);
        let residual = residual_part_norm(&self.problem, theta);
        let mut chart = plot::frame(
            area,
            theme,
            "\u{3a6} = [\u{2207}\u{3b8}f(x\u{2081}) \u{2026} \u{2207}\u{3b8}f(x\u{2099})] at \u{3b8} now",
        )
        .y_label_area_size(theme.px(104.0))
        .build_cartesian_2d(0.5..(n as f64 + 0.5), -0.35..4.6)?;
        let sorted_x: Vec<f64> = columns.iter().map(|&j| data.x[j]).collect();
        let x_label = |v: &f64| {
            let j = v.round();
            if (v - j).abs() < 1e-9 && j >= 1.0 && j <= n as f64 {
                format!("{:.2}", sorted_x[j as usize - 1])
            } else {
                String::new()
            }
        };
        let y_label = |v: &f64| {
            let names = [
                "1",
                "\u{2110}\u{b7}(xw\u{207d}\u{b9}\u{207e} + b\u{207d}\u{b9}\u{207e})",
                "w\u{207d}\u{b2}\u{207e}\u{b7}\u{2110}",
                "x\u{b7}w\u{207d}\u{b2}\u{207e}\u{b7}\u{2110}",
            ];
            let b = v.round();
            if (v - b).abs() < 1e-9 && (0.0..=3.0).contains(&b) {
                names[b as usize].to_string()
            } else {
                String::new()
            }
        };
        chart
            .configure_mesh()
            .x_desc("data points x\u{2c7c}, one column each")
            .x_labels(n.min(5))
            .y_labels(6)
            .label_style(theme.text(11.0))
            .axis_desc_style(theme.text(12.0))
            .axis_style(theme.line(theme.muted(), 1.0))
            .disable_mesh()
            .x_label_formatter(&x_label)
            .y_label_formatter(&y_label)
            .draw()?;
        // Blocks from the top: ∇_{w1} f (rows 0..k), ∇_{b1} f (k..2k), ∇_{w2} f (2k..3k), ∂f/∂b2.
        for (block, centre) in [(0usize, 3.0), (1, 2.0), (2, 1.0)] {
            let rows: Vec<usize> = shown.iter().map(|&i| block * k + i).collect();
            let scale = rows.iter().map(|&r| phi.row(r).amax()).fold(0.0f64, f64::max);
            let height = 0.84 / rows.len().max(1) as f64;
            let top = centre + 0.42;
            let (phi, columns) = (&phi, &columns);
            let cells = rows.iter().enumerate().flat_map(|(r, &row)| {
                columns.iter().enumerate().filter_map(move |(c, &j)| {
                    let v = phi[(row, j)];
                    (v != 0.0 && scale > 0.0).then(|| {
                        let color = theme.series(if v > 0.0 { 1 } else { 0 }).mix(0.25 + 0.75 * (v / scale).abs());
                        let (x0, y1) = (c as f64 + 0.5, top - r as f64 * height);
                        Rectangle::new([(x0, y1 - height), (x0 + 1.0, y1)], color.filled())
                    })
                })
            });
            chart.draw_series(cells)?;
        }
        let one = theme.series(1).filled();
        chart.draw_series(std::iter::once(Rectangle::new([(0.5, -0.1), (n as f64 + 0.5, 0.1)], one)))?;
        // The block boundaries.
        let rule = theme.line(theme.muted(), 1.0);
        for y in [0.5, 1.5, 2.5] {
            chart.draw_series(LineSeries::new([(0.5, y), (n as f64 + 0.5, y)], rule))?;
        }
        // Three short lines above the blocks (the readouts carry the rest).
        let gauss_newton = format!(
            "\u{3bb}_max(\u{3a6}\u{3a6}\u{1d40}/n) = {}",
            gauss_newton.map_or("\u{2013}".to_string(), format::tick)
        );
        let sharpness = match run.records().last() {
            Some(last) => format!(
                "\u{3bb}_max(\u{2207}\u{b2}L) = {}{}, residual part {}",
                format::tick(last.sharpness),
                if last.step == run.step() { String::new() } else { format!(" (step {})", last.step) },
                format::tick(residual)
            ),
            None => String::new(),
        };
        let rows = format!(
            "rows: the {} of {k} neurons active on the data{}",
            neurons.len(),
            if stride > 1 { format!(", every {stride}th") } else { String::new() }
        );
        let style = theme.text(11.0).pos(Pos::new(HPos::Left, VPos::Top));
        let (dx, dy, line_height) = (theme.px(4.0) as i32, theme.px(2.0) as i32, theme.px(15.0) as i32);
        chart.draw_series(std::iter::once(
            EmptyElement::at((0.5, 4.6))
                + Text::new(gauss_newton, (dx, dy), style.clone())
                + Text::new(sharpness, (dx, dy + line_height), style.clone())
                + Text::new(rows, (dx, dy + 2 * line_height), style),
        ))?;
        Ok(None)
    }

    /// What GD did after a sharp interpolant, in words.
    fn after_sharp_words(after: AfterSharp) -> String {
        match after {
            AfterSharp::Undecided => "so far the loss has stayed below the tolerance".to_string(),
            AfterSharp::Left { step, peak_loss, outcome } => {
                let then = match outcome {
                    Outcome::Interpolated { step } => format!(", and interpolated again at step {step}, stably"),
                    Outcome::Capped => ", and did not interpolate again within the step cap".to_string(),
                    _ => String::new(),
                };
                format!(
                    "GD left it: the loss was back above the tolerance at step {step} and peaked at {}{then}",
                    format::tick(peak_loss)
                )
            }
            AfterSharp::Drifted { step } => format!(
                "GD stayed below the tolerance, and by step {step} the sharpness had fallen to 2/\u{3b7} or below"
            ),
            AfterSharp::Stayed => {
                "GD stayed: at the step cap the loss was still below the tolerance and the sharpness above 2/\u{3b7}"
                    .to_string()
            }
            AfterSharp::Diverged { step } => format!("GD left it and diverged at step {step}"),
        }
    }

    /// The corollary's chain at a run's last θ, with its numbers: 1 + 2∫|f''|g ≤ λ_max ≤ 2/η,
    /// so ∫|f''|g ≤ 1/η − 1/2. Each relation is the measured one.
    fn chain_words(&self, run: &InterpolationRun) -> String {
        let Some(last) = run.records().last() else { return String::new() };
        let eta = last.eta;
        let bound = 1.0 + 2.0 * last.curvature;
        let relation = |a: f64, b: f64| if a <= b { "\u{2264}" } else { ">" };
        format!(
            "1 + 2\u{222b}|f''|g = {} {} \u{3bb}_max = {} {} 2/\u{3b7} = {}, so \u{222b}|f''|g = {} {} 1/\u{3b7} \u{2212} 1/2 = {}",
            format::tick(bound),
            relation(bound, last.sharpness),
            format::tick(last.sharpness),
            relation(last.sharpness, 2.0 / eta),
            format::tick(2.0 / eta),
            format::tick(last.curvature),
            relation(last.curvature, 1.0 / eta - 0.5),
            format::tick(1.0 / eta - 0.5)
        )
    }

    /// The verdict of the switch experiment: what θ was at the switch, what GD did, and the
    /// corollary's chain at the end.
    fn switch_verdict(&self) -> (String, Tone) {
        let run = &self.runs[0].run;
        let schedule = run.settings().schedule;
        let outcome = run.outcome();
        let tolerance = self.params.get("tol");
        let (eta1, eta2) = (format::tick(schedule.eta), format::tick(schedule.eta_after));
        let Some(at_switch) = run.records().iter().find(|r| r.step == schedule.switch_at) else {
            let text = format!("GD at \u{3b7}\u{2081} = {eta1}, {}.", Self::outcome_words(outcome, run));
            let tone = if matches!(outcome, Outcome::Running) { Tone::Neutral } else { Tone::Bad };
            return (text, tone);
        };
        let limit = 2.0 / at_switch.sharpness;
        let state = if at_switch.loss >= tolerance {
            format!(
                "At the switch (step {}) \u{3b8} was not an interpolant (loss {} \u{2265} {}), so there was no minimum to leave; \u{3b7} became {eta2}.",
                schedule.switch_at,
                format::tick(at_switch.loss),
                format::tick(tolerance)
            )
        } else if at_switch.sharpness > 2.0 / schedule.eta_after {
            format!(
                "At the switch (step {}) \u{3b8} interpolated (loss {}) at \u{3bb}_max = {}, above 2/\u{3b7}\u{2082} = {}: a minimum too sharp for \u{3b7}\u{2082} = {eta2}, which is above 2/\u{3bb}_max = {}.",
                schedule.switch_at,
                format::tick(at_switch.loss),
                format::tick(at_switch.sharpness),
                format::tick(2.0 / schedule.eta_after),
                format::tick(limit)
            )
        } else {
            format!(
                "At the switch (step {}) \u{3b8} interpolated (loss {}) at \u{3bb}_max = {} \u{2264} 2/\u{3b7}\u{2082} = {}: \u{3b7}\u{2082} = {eta2} is below 2/\u{3bb}_max = {}, so that minimum is stable for \u{3b7}\u{2082} too.",
                schedule.switch_at,
                format::tick(at_switch.loss),
                format::tick(at_switch.sharpness),
                format::tick(2.0 / schedule.eta_after),
                format::tick(limit)
            )
        };
        let next = match run.after_sharp() {
            Some(after) if run.sharp_interpolant().is_some_and(|s| s.record.step == schedule.switch_at) => {
                Self::after_sharp_words(after)
            }
            _ => match outcome {
                Outcome::Interpolated { step } if step == schedule.switch_at => {
                    "GD has no reason to move, and the run ends there: nothing happens".to_string()
                }
                _ => Self::outcome_words(outcome, run),
            },
        };
        let before =
            weighted_curvature(&self.problem.net, run.theta_at_switch().unwrap_or(run.theta()), &self.problem.data.x);
        let mut text = format!("{state} Then {next}.");
        let tone = match outcome {
            Outcome::Running => Tone::Neutral,
            Outcome::Interpolated { step } => {
                let after = run.records().last().map_or(before, |r| r.curvature);
                let then = if step == schedule.switch_at {
                    String::new()
                } else {
                    format!(" (at the switch \u{222b}|f''|g was {})", format::tick(before))
                };
                text.push_str(&format!(" At step {step}: {}{then}.", self.chain_words(run)));
                if after < before || step == schedule.switch_at {
                    Tone::Good
                } else {
                    Tone::Neutral
                }
            }
            _ => Tone::Bad,
        };
        (text, tone)
    }

    /// The verdict of the sweep: every run's outcome with its numbers, its sharp interpolant if
    /// it reached one, and where ∫|f''|g rises with η between stable interpolants.
    fn sweep_verdict(&self) -> (String, Tone) {
        let mut parts = Vec::new();
        let mut stable: Vec<(f64, f64)> = Vec::new();
        for r in self.runs.iter().take(self.current + 1) {
            let run = &r.run;
            let mut words = match run.outcome() {
                Outcome::Interpolated { step } => {
                    stable.push((run.settings().schedule.eta, run.records().last().map_or(f64::NAN, |x| x.curvature)));
                    format!("interpolated at step {step}: {}", self.chain_words(run))
                }
                Outcome::Capped => format!(
                    "{}; its last iterate, not an interpolant, has \u{222b}|f''|g = {}",
                    Self::outcome_words(Outcome::Capped, run),
                    format::tick(weighted_curvature(&self.problem.net, run.theta(), &self.problem.data.x))
                ),
                outcome => Self::outcome_words(outcome, run),
            };
            if let (Some(sharp), Some(after)) = (run.sharp_interpolant(), run.after_sharp()) {
                words = format!(
                    "reached the tolerance at step {} at \u{3bb}_max = {} > 2/\u{3b7} = {} (\u{222b}|f''|g = {}), and {}; {words}",
                    sharp.record.step,
                    format::tick(sharp.record.sharpness),
                    format::tick(2.0 / sharp.record.eta),
                    format::tick(sharp.record.curvature),
                    Self::after_sharp_words(after)
                );
            }
            parts.push(format!("{}: {words}", r.label));
        }
        let rises: Vec<String> = stable
            .windows(2)
            .filter(|w| w[1].1 > w[0].1)
            .map(|w| {
                format!(
                    "from {} at \u{3b7} = {} to {} at \u{3b7} = {}",
                    format::tick(w[0].1),
                    format::tick(w[0].0),
                    format::tick(w[1].1),
                    format::tick(w[1].0)
                )
            })
            .collect();
        let mut text = format!("{}.", parts.join("; "));
        if !rises.is_empty() {
            text.push_str(&format!(
                " Between these interpolants \u{222b}|f''|g rises with \u{3b7} ({}): the corollary lowers the ceiling 1/\u{3b7} \u{2212} 1/2 as \u{3b7} grows, and does not say that \u{222b}|f''|g falls.",
                rises.join("; ")
            ));
        }
        let failed = self
            .runs
            .iter()
            .filter(|r| !matches!(r.run.outcome(), Outcome::Interpolated { .. } | Outcome::Running))
            .count();
        let tone = if !self.finished() {
            Tone::Neutral
        } else if failed == 0 {
            Tone::Good
        } else {
            Tone::Bad
        };
        (text, tone)
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
    const PARAMS: &'static [ParamSpec] = &[
        ParamSpec { key: "mode", label: "experiment", min: 0.0, max: 1.0, default: 0.0, scale: Scale::Choice(MODES) },
        ParamSpec {
            key: "eta1",
            label: "step size \u{3b7}\u{2081}",
            min: 1e-4,
            max: 2.0,
            default: 0.01,
            scale: Scale::Log,
        },
        ParamSpec {
            key: "switch",
            label: "switch to \u{3b7}\u{2082} at step",
            min: 0.0,
            max: 200_000.0,
            default: 8000.0,
            scale: Scale::Integer,
        },
        ParamSpec {
            key: "eta2",
            label: "step size \u{3b7}\u{2082}",
            min: 1e-4,
            max: 2.0,
            default: 0.04,
            scale: Scale::Log,
        },
        ParamSpec {
            key: "steps",
            label: "step cap",
            min: 100.0,
            max: 200_000.0,
            default: 40_000.0,
            scale: Scale::Integer,
        },
        ParamSpec {
            key: "runs",
            label: "runs of the sweep (\u{3b7}\u{2081} to \u{3b7}\u{2082})",
            min: 2.0,
            max: 6.0,
            default: 4.0,
            scale: Scale::Integer,
        },
        ParamSpec { key: "n", label: "data points n", min: 3.0, max: 200.0, default: 10.0, scale: Scale::Integer },
        ParamSpec { key: "k", label: "neurons k", min: 1.0, max: 400.0, default: 200.0, scale: Scale::Integer },
        LAW,
        TARGET,
        POINTS,
        ParamSpec { key: "scale", label: "initial weight scale", min: 0.05, max: 3.0, default: 0.6, scale: Scale::Log },
        ParamSpec {
            key: "batch",
            label: "batch size B (B \u{2265} n: GD)",
            min: 1.0,
            max: 200.0,
            default: 200.0,
            scale: Scale::Integer,
        },
        ParamSpec {
            key: "tol",
            label: "interpolation tolerance on the loss",
            min: 1e-12,
            max: 1e-2,
            default: 1e-5,
            scale: Scale::Log,
        },
        ParamSpec { key: "seed", label: "random seed", min: 0.0, max: 999.0, default: 1.0, scale: Scale::Integer },
    ];
    const PANELS: &'static [Panel] = &[
        Panel { key: "fit", description: "The data points, the target and the learned function f: in the switch experiment at the switch (dashed) and now (solid); in the sweep one curve per step size" },
        Panel { key: "knots", description: "The knots of f as stems: each knot's height is the jump of f' there, the mass of f'' = Σ|w1ᵢ|w2ᵢ δ(x − τᵢ)" },
        Panel { key: "weights", description: "The weight functions g⁻, g⁺ and g = min(g⁻, g⁺) of the sample (step-like, jumping at the data) and g of the population law (dashed)" },
        Panel { key: "loss", description: "The training loss against the step on a log scale, with the interpolation tolerance and the step size switch" },
        Panel { key: "sharpness", description: "The sharpness λ_max of the Hessian against the step, with 2/η and Lemma 4's lower bound 1 + 2∫|f''|g, on a log scale" },
        Panel { key: "corollary", description: "∫|f''|g against the step size η on log scales, with the corollary's bound 1/η − 1/2 and the region above it shaded; filled dots are interpolants at minima stable for their η, crosses are points where the loss reached the tolerance at a sharpness above 2/η, hollow dots the last iterates of runs that did not interpolate" },
        Panel { key: "phi", description: "Φ = [∇θf(x₁) … ∇θf(xₙ)] at the current θ as a colour map: one column per data point in increasing x, one row per parameter in four blocks (x·w⁽²⁾·ℐ, w⁽²⁾·ℐ, ℐ·(xw⁽¹⁾ + b⁽¹⁾) and 1), with the neurons active at some data point sorted by the side and position of their knots (the others have rows of zeros and are left out); positive entries orange, negative blue, each block scaled to its largest entry, blank where the neuron is inactive (ℐ = 0); above it λ_max(ΦΦᵀ/n) beside λ_max(∇²L) and the norm of their difference" },
    ];
    const PACE: Option<f64> = None;
    const PRESETS: &'static [Preset] = &[
        Preset { label: "Sweep of \u{3b7}", values: &[("mode", 1.0), ("eta1", 0.005), ("eta2", 0.04)] },
        Preset {
            label: "SGD, B = 2",
            values: &[("batch", 2.0), ("eta1", 0.005), ("eta2", 0.02), ("switch", 15_000.0), ("steps", 60_000.0)],
        },
        Preset { label: "Gaussian inputs, sin \u{3c0}x", values: &[("law", 1.0), ("target", 1.0)] },
    ];

    /// The switch must come before the step cap, and a run must fit in the page's time: at most
    /// [`MAX_WORK`] neuron evaluations (k · n per step, times the cap, times the runs).
    /// Placed points must be at least 3, at two or more places on the x-axis.
    fn validate(p: &ParamValues) -> Result<(), ParamError> {
        let placed = p.points(POINTS.key);
        let refuse_points = |message: String| Err(ParamError { key: POINTS.key.into(), message });
        if !placed.is_empty() && placed.len() < 3 {
            return refuse_points(format!("place at least 3 data points (there are {})", placed.len()));
        }
        if let Some(&(x, _)) = placed.first().filter(|first| placed.iter().all(|p| p.0 == first.0)) {
            return refuse_points(format!(
                "all placed points share x = {}: the weights g need data at two or more places",
                format::tick(x)
            ));
        }
        let n = if placed.is_empty() { p.get_usize("n") } else { placed.len() };
        let (switch, cap) = (p.get_usize("switch"), p.get_usize("steps"));
        let switching = p.get_usize("mode") == 0;
        if switching && switch >= cap {
            return Err(ParamError {
                key: "switch".into(),
                message: format!("the switch (step {switch}) must come before the step cap ({cap})"),
            });
        }
        let runs = if switching { 1 } else { p.get_usize("runs") };
        let work = (p.get_usize("k") * n * cap * runs) as f64;
        if work > MAX_WORK {
            return Err(ParamError {
                key: "steps".into(),
                message: format!(
                    "k \u{b7} n \u{b7} step cap{} = {} is too much to train live in the page (at most {}): lower one of them",
                    if switching { "" } else { " \u{b7} runs" },
                    format::tick(work),
                    format::tick(MAX_WORK)
                ),
            });
        }
        Ok(())
    }

    fn new(params: ParamValues) -> Self {
        let k = params.get_usize("k");
        let law = law(params.get_usize("law"));
        let target = target(params.get_usize("target"));
        let mut rng = seeded(params.get("seed") as u64);
        // The sample is drawn even when points are placed, so that the start θ₀ stays the
        // same when the reader turns the sample into placed points.
        let sampled = sample_data(&law, target, params.get_usize("n"), &mut rng);
        let placed = params.points(POINTS.key);
        let data = if placed.is_empty() {
            sampled
        } else {
            Data { x: placed.iter().map(|p| p.0).collect(), y: placed.iter().map(|p| p.1).collect() }
        };
        let n = data.len();
        let net = ShallowNet::new(k, Activation::Relu);
        let theta = balanced_init(k, params.get("scale"), &mut rng);
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
        let (eta1, eta2, cap) = (params.get("eta1"), params.get("eta2"), params.get_usize("steps"));
        let switching = params.get_usize("mode") == 0;
        let settings = |schedule: Schedule| RunSettings {
            schedule,
            batch_size: params.get_usize("batch"),
            tolerance: params.get("tol"),
            max_steps: cap,
            record_every: (cap / RECORDS_PER_RUN).max(10),
            seed: params.get("seed") as u64,
        };
        let runs: Vec<Run> = if switching {
            let schedule = Schedule { eta: eta1, switch_at: params.get_usize("switch"), eta_after: eta2 };
            let label = format!("\u{3b7} = {} \u{2192} {}", format::tick(eta1), format::tick(eta2));
            vec![Run { run: InterpolationRun::new(net, &data, theta.clone(), settings(schedule)), label }]
        } else {
            let count = params.get_usize("runs");
            (0..count)
                .map(|i| {
                    let eta = eta1 * (eta2 / eta1).powf(i as f64 / (count - 1) as f64);
                    let run = InterpolationRun::new(net, &data, theta.clone(), settings(Schedule::constant(eta)));
                    Run { run, label: format!("\u{3b7} = {}", format::tick(eta)) }
                })
                .collect()
        };
        let mut warnings = Vec::new();
        if switching && params.get_usize("switch") >= cap {
            warnings.push(format!(
                "the switch (step {}) is past the step cap ({cap}): \u{3b7} never changes",
                params.get_usize("switch")
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

    fn draw<DB: DrawingBackend>(&self, panel: usize, area: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        match panel {
            0 => self.draw_fit(area, theme),
            1 => self.draw_knots(area, theme),
            2 => self.draw_weights(area, theme),
            3 => self.draw_loss(area, theme),
            4 => self.draw_sharpness(area, theme),
            5 => self.draw_corollary(area, theme),
            _ => self.draw_phi(area, theme),
        }
    }

    fn verdict(&self) -> Verdict {
        let mut notes: Vec<String> = self.warnings.clone();
        if let Some(x) = self.conflict {
            notes.insert(
                0,
                format!(
                    "two data points share x = {} with different targets, so no function interpolates them",
                    format::tick(x)
                ),
            );
        }
        let notes = if notes.is_empty() { String::new() } else { format!(" Note: {}.", notes.join("; ")) };
        let (text, tone) = if self.switching() { self.switch_verdict() } else { self.sweep_verdict() };
        let tone = if self.conflict.is_some() && tone == Tone::Good { Tone::Neutral } else { tone };
        Verdict { text: format!("{text}{notes}"), tone }
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
        let focus = self.focus();
        let run = &self.runs[focus].run;
        let net = &self.problem.net;
        let eta = run.settings().schedule.at(run.step());
        let curvature = weighted_curvature(net, run.theta(), &self.problem.data.x);
        let mut out = vec![
            ("run".to_string(), self.runs[focus].label.clone()),
            ("step".to_string(), format!("{} of at most {}", run.step(), run.settings().max_steps)),
            ("training loss".to_string(), format::tick(run.loss())),
            ("\u{222b}|f''| g".to_string(), format::tick(curvature)),
            ("corollary's bound 1/\u{3b7} \u{2212} 1/2".to_string(), format::tick(1.0 / eta - 0.5)),
            ("Lemma 4: 1 + 2\u{222b}|f''| g".to_string(), format::tick(1.0 + 2.0 * curvature)),
            ("2/\u{3b7}".to_string(), format::tick(2.0 / eta)),
        ];
        if let Some(last) = run.records().last() {
            out.push((
                format!("\u{3bb}_max(\u{2207}\u{b2}L), Lanczos (step {})", last.step),
                format::tick(last.sharpness),
            ));
            if matches!(run.outcome(), Outcome::Interpolated { .. }) {
                // Lemma 4 bounds the flattest implementation of f from below; θ is one of them.
                out.push((
                    "min over \u{3a9}(f) of \u{3bb}_max: between Lemma 4's bound and this \u{3b8}'s".to_string(),
                    format!("[{}, {}]", format::tick(1.0 + 2.0 * last.curvature), format::tick(last.sharpness)),
                ));
            }
        }
        if let Some(sharp) = run.sharp_interpolant() {
            out.push((
                "first record below the tolerance at \u{3bb}_max > 2/\u{3b7}".to_string(),
                format!(
                    "step {}: \u{3bb}_max = {} > 2/\u{3b7} = {}",
                    sharp.record.step,
                    format::tick(sharp.record.sharpness),
                    format::tick(2.0 / sharp.record.eta)
                ),
            ));
        }
        if let Some(Some(a)) = self.analyses.get(focus) {
            // Past DENSE_HESSIAN_MAX_PARAMS the dense check is Weyl's bracket around the
            // (dense) top eigenvalue of ΦΦᵀ/n: ∇²L differs from it by the residual part.
            let dense = match a.dense_hessian {
                Some(value) => format::tick(value),
                None => format!(
                    "in [{}, {}] (\u{3bb}_max(\u{3a6}\u{3a6}\u{1d40}/n) \u{b1} residual part)",
                    format::tick(a.gauss_newton - a.residual_part),
                    format::tick(a.gauss_newton + a.residual_part)
                ),
            };
            out.push(("\u{3bb}_max(\u{2207}\u{b2}L), dense".to_string(), dense));
            let how = if self.problem.data.len() <= DENSE_GRAM_MAX { "dense" } else { "Lanczos" };
            out.push((format!("\u{3bb}_max(\u{3a6}\u{3a6}\u{1d40}/n), {how}"), format::tick(a.gauss_newton)));
            out.push((
                "\u{2016}\u{2207}\u{b2}L \u{2212} \u{3a6}\u{3a6}\u{1d40}/n\u{2016}\u{2082} (residual part)".to_string(),
                format::tick(a.residual_part),
            ));
        }
        let b = run.settings().batch_size;
        let n = self.problem.data.len();
        out.push((
            "data".to_string(),
            if self.placed() {
                format!("{n} points placed by hand")
            } else {
                format!("{n} points from the {} law", LAW_NAMES[self.params.get_usize("law")])
            },
        ));
        out.push((
            "batch".to_string(),
            if b >= n { format!("all {n} points (GD)") } else { format!("B = {b} of {n} (SGD)") },
        ));
        out
    }

    fn tables(&self) -> Vec<Table> {
        let data = &self.problem.data;
        let focus = &self.runs[self.focus()].run;
        let switch_theta = focus.theta_at_switch();
        let mut tables = vec![Table {
            name: "data",
            columns: vec!["x", "y", "f_now", "f_at_switch"],
            rows: data
                .x
                .iter()
                .zip(&data.y)
                .map(|(&x, &y)| {
                    let now = self.problem.net.eval(focus.theta(), x);
                    vec![x, y, now, switch_theta.map_or(now, |t| self.problem.net.eval(t, x))]
                })
                .collect(),
        }];
        let records: Vec<Vec<f64>> = self
            .runs
            .iter()
            .enumerate()
            .flat_map(|(i, r)| {
                r.run.records().iter().map(move |rec| {
                    vec![i as f64, rec.step as f64, rec.eta, rec.loss, rec.peak_loss, rec.sharpness, rec.curvature]
                })
            })
            .filter(|row| row.iter().all(|v| v.is_finite()))
            .collect();
        if !records.is_empty() {
            tables.push(Table {
                name: "training",
                columns: vec!["run", "step", "eta", "loss", "peak_loss", "sharpness", "weighted_curvature"],
                rows: records,
            });
        }
        let knot_rows: Vec<Vec<f64>> = knots(&self.problem.net, focus.theta(), &data.x)
            .iter()
            .map(|k| vec![k.position, k.jump, k.weight])
            .filter(|r| r.iter().all(|v| v.is_finite()))
            .collect();
        if !knot_rows.is_empty() {
            tables.push(Table { name: "knots", columns: vec!["tau", "jump", "g_at_tau"], rows: knot_rows });
        }
        tables.push(Table {
            name: "weights",
            columns: vec!["x", "g_sample", "g_population"],
            rows: self.population.iter().map(|&(x, pop)| vec![x, g(&self.empirical, x), pop]).collect(),
        });
        tables
    }

    /// On the data panel: a point near the pointer is grabbed, elsewhere a new point is placed.
    fn grab(&self, panel: usize, x: f64, y: f64) -> Option<Grab> {
        if panel != 0 {
            return None;
        }
        let (x_lo, x_hi) = self.x_range();
        let (y_lo, y_hi) = self.fit_y_range();
        let (rx, ry) = (PICK_RADIUS.0 * (x_hi - x_lo), PICK_RADIUS.1 * (y_hi - y_lo));
        let distance = |&(px, py): &(f64, f64)| ((px - x) / rx).hypot((py - y) / ry);
        let nearest = self.points().iter().map(distance).enumerate().min_by(|a, b| a.1.total_cmp(&b.1));
        Some(match nearest {
            Some((index, d)) if d <= 1.0 => Grab::Point { key: POINTS.key, index },
            _ => Grab::NewPoint(POINTS.key),
        })
    }

    fn points(&self) -> Vec<(f64, f64)> {
        let data = &self.problem.data;
        data.x.iter().copied().zip(data.y.iter().copied()).collect()
    }
}
