//! `edge-of-stability`: full-batch GD (or SGD) with the sharpness, the top eigenvalue of the
//! loss Hessian, measured at every step by Lanczos on exact Hessian-vector products.
//!
//! The default shows both of Cohen et al.'s regularities in one short run: a tanh network with
//! two hidden layers of 30 units fitting T₄ starts at about a third of 2/η, sharpens
//! progressively, reaches 2/η and then hovers around it, in about three seconds in the page. Presets give the reference workload
//! EOS-1 (bench/README.md), at the edge of stability from its first step; the lecture's
//! learning-rate switch η → 2η/3 (the sharpness climbs to the new 2/η); and a run far below
//! 2/η. One hidden layer on a line with tanh or ReLU runs on the fast tables of
//! [`ShallowTables`]; every other architecture on the general network.
//!
//! A run loaded from a saved file continues from the file's step: steps, the switch and the
//! axes count from the start of training, and the figure says where it resumed.

use crate::kit::format;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Activity, Figure, Panel, Preset, Table, Tone, Verdict};
use crate::kit::params::{ParamError, ParamSpec, ParamValues, Scale};
use crate::kit::plot::{self, DrawResult, Theme};
use crate::math::datasets::Dataset;
use crate::math::eos1::{eos1, EOS1_WIDTH};
use crate::math::mlp::{Activation, Architecture, Mlp};
use crate::math::network::{Activation as ShallowActivation, ShallowNet};
use crate::math::rng::{normal, seeded};
use crate::math::shallow_tables::ShallowTables;
use crate::math::sharpness::{
    AnyModel, MlpModel, Schedule, SharpnessMeter, SharpnessMode, SharpnessRun, StepRecord, DEFAULT_TOLERANCE,
};
use crate::math::trainer::Outcome;
use crate::page::run_file::RunFile;

/// Lanczos iterations at most per warm-started measurement.
const WARM_MAX_ITER: usize = 60;
/// Points drawn per series at most.
const DRAWN_POINTS: usize = 1600;

const DATA_SETS: &[&str] = &["Chebyshev", "random labels", "2-D regression"];
const INITS: &[&str] = &["EOS-1 reference", "seeded"];
const MODES: &[&str] = &["warm start", "20 iterations"];

pub struct EdgeOfStability {
    params: ParamValues,
    run: SharpnessRun<AnyModel>,
    data: Dataset,
    /// What network runs, in words (and whether the reference parameters were used).
    description: String,
}

/// The reference parameters fit exactly one shape: one hidden layer of 100 tanh units on T₄ at
/// 20 points.
fn is_eos1_shape(p: &ParamValues) -> bool {
    p.get_usize("depth") == 1
        && p.get_usize("width") == EOS1_WIDTH
        && p.get_usize("activation") == 0
        && p.get_usize("data") == 0
        && p.get_usize("degree") == 4
        && p.get_usize("points") == 20
}

fn dataset(p: &ParamValues) -> Dataset {
    let (n, seed) = (p.get_usize("points"), p.get("seed") as u64);
    let made = match p.get_usize("data") {
        0 => Dataset::chebyshev(p.get_usize("degree"), n),
        1 => Dataset::random_labels(n, 1, seed),
        _ => Dataset::regression_2d(n, seed),
    };
    made.expect("the parameter ranges are inside the data sets' ranges")
}

impl EdgeOfStability {
    /// The run for `params` on `data`, from the `saved` parameters when given (else from the initialization
    /// the parameters ask for).
    fn start(params: ParamValues, data: Dataset, saved: Option<(Vec<f64>, usize)>) -> Result<Self, String> {
        let depth = params.get_usize("depth");
        let width = params.get_usize("width");
        let activation = Activation::ALL[params.get_usize("activation")];
        let shallow_activation = match activation {
            Activation::Tanh => Some(ShallowActivation::Tanh),
            Activation::Relu => Some(ShallowActivation::Relu),
            _ => None,
        };
        let reference = params.get_usize("init") == 0 && is_eos1_shape(&params);
        let mut rng = seeded(params.get("seed") as u64);
        let layers = match depth {
            1 => "one hidden layer".to_string(),
            2 => "two hidden layers".to_string(),
            3 => "three hidden layers".to_string(),
            d => format!("{d} hidden layers"),
        };
        let (model, theta, mut description) = match (depth, data.to_shallow_data(), shallow_activation) {
            (1, Some(shallow), Some(act)) => {
                let net = ShallowNet::new(width, act);
                // w1, b1 ~ N(0, 1), w2 ~ N(0, 1/k), b2 = 0: the reference workload's scheme.
                let theta = if reference {
                    eos1().theta0
                } else {
                    let k = width as f64;
                    let mut t: Vec<f64> = (0..2 * width).map(|_| normal(&mut rng)).collect();
                    t.extend((0..width).map(|_| normal(&mut rng) / k.sqrt()));
                    t.push(0.0);
                    t
                };
                (
                    AnyModel::Shallow(ShallowTables::new(net, &shallow)),
                    theta,
                    format!("{layers} of {width} {} units", activation.name()),
                )
            }
            _ => {
                let arch = Architecture { input_dim: data.input_dim, hidden: vec![width; depth], activation };
                let theta = arch.init(&mut rng);
                let mlp = Mlp::new(arch).expect("the parameter ranges give a valid architecture");
                (
                    AnyModel::General(MlpModel::new(mlp, data.clone())),
                    theta,
                    format!("{layers} of {width} {} units", activation.name()),
                )
            }
        };
        let (theta, first_step) = match saved {
            Some((given, _)) if given.len() != theta.len() => {
                return Err(format!(
                    "the saved parameters have {} entries, this network has {}",
                    given.len(),
                    theta.len()
                ));
            }
            Some(given) => given,
            None => (theta, 0),
        };
        let p = theta.len();
        description.push_str(&format!(", {p} parameters, {} points", data.len()));
        if params.get_usize("init") == 0 {
            description.push_str(if reference {
                ", EOS-1 reference parameters"
            } else {
                "; the EOS-1 parameters need its exact shape, so these are seeded"
            });
        }
        // A fixed, reproducible start vector (the reference one when it fits).
        let start: Vec<f64> =
            if reference { eos1().v0 } else { (0..p).map(|i| 1.0 + ((i * 7919) % 13) as f64 / 13.0).collect() };
        let mode = match params.get_usize("mode") {
            0 => SharpnessMode::WarmStart { tolerance: DEFAULT_TOLERANCE, max_iter: WARM_MAX_ITER, start },
            _ => SharpnessMode::Fixed { iterations: 20, start },
        };
        let meter = SharpnessMeter::new(p, mode, params.get_usize("top"));
        let switch = params.get_usize("switch");
        let schedule = Schedule {
            eta: params.get("eta"),
            switch_at: if switch == 0 { usize::MAX } else { switch },
            eta_after: params.get("eta2"),
        };
        let batch = match params.get_usize("batch") {
            0 => data.len(),
            b => b,
        };
        let run = SharpnessRun::new(
            model,
            theta,
            schedule,
            meter,
            params.get_usize("steps"),
            batch,
            params.get("seed") as u64,
        )
        .resumed_at(first_step);
        Ok(Self { params, run, data, description })
    }

    /// The steps the run covers, from where it began (0, or a saved run's step) to its end.
    fn step_range(&self) -> (f64, f64) {
        (self.run.first_step() as f64, self.run.last_step() as f64)
    }

    /// The switch step, when it falls inside the run.
    fn switch_inside(&self) -> Option<usize> {
        let at = self.run.schedule().switch_at;
        (self.run.first_step() < at && at < self.run.last_step()).then_some(at)
    }

    fn eta_line(&self) -> Vec<(f64, f64)> {
        let s = *self.run.schedule();
        let (start, end) = self.step_range();
        let threshold = |eta: f64| 2.0 / eta;
        match self.switch_inside() {
            Some(at) => {
                let at = at as f64;
                vec![
                    (start, threshold(s.eta)),
                    (at, threshold(s.eta)),
                    (at, threshold(s.eta_after)),
                    (end, threshold(s.eta_after)),
                ]
            }
            None => {
                let eta = s.at(self.run.first_step());
                vec![(start, threshold(eta)), (end, threshold(eta))]
            }
        }
    }

    /// The first step of each stretch of constant η (before and after the switch) at which the
    /// sharpness reached 2/η, with that η; None for a stretch where it has not (yet).
    fn first_at_threshold(&self) -> Vec<(f64, Option<usize>)> {
        let s = *self.run.schedule();
        let stretches = match self.switch_inside() {
            Some(at) => vec![(s.eta, 0..at), (s.eta_after, at..usize::MAX)],
            None => vec![(s.at(self.run.first_step()), 0..usize::MAX)],
        };
        stretches
            .into_iter()
            .map(|(eta, steps)| {
                let found = self.run.records.iter().find(|r| steps.contains(&r.step) && r.sharpness.value * eta >= 2.0);
                (eta, found.map(|r| r.step))
            })
            .collect()
    }

    fn draw_loss<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        plot::clear(area, theme)?;
        let records = &self.run.records;
        let (start, end) = self.step_range();
        let losses: Vec<(f64, f64)> = records.iter().map(|r| (r.step as f64, r.loss)).collect();
        let (lo, hi) = plot::log_range(losses.iter().map(|p| p.1), 1e-12);
        let mut chart =
            plot::frame(area, theme, "training loss").build_cartesian_2d(start..end, (lo..hi).log_scale())?;
        plot::mesh(&mut chart, theme, "step t", "L(\u{3b8}\u{209c})")?;
        let style = theme.line(theme.series(0), 1.5);
        let shown = plot::thin(&losses, DRAWN_POINTS).into_iter().map(|(x, y)| (x, y.clamp(lo, hi)));
        plot::line(&mut chart, "loss", shown, style)?;
        self.mark_switch(&mut chart, theme, (lo, hi))?;
        Ok(None)
    }

    fn mark_switch<DB: DrawingBackend, Y: Ranged<ValueType = f64>>(
        &self,
        chart: &mut ChartContext<'_, DB, Cartesian2d<plotters::coord::types::RangedCoordf64, Y>>,
        theme: &Theme,
        (lo, hi): (f64, f64),
    ) -> Result<(), plot::DrawError<DB>> {
        if let Some(at) = self.switch_inside() {
            let at = at as f64;
            let style = ShapeStyle { color: theme.muted().mix(0.8), filled: false, stroke_width: theme.px(1.0) };
            plot::line(chart, "learning-rate switch", [(at, lo), (at, hi)], style)?;
        }
        Ok(())
    }

    fn draw_sharpness<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        plot::clear(area, theme)?;
        let records = &self.run.records;
        let (start, end) = self.step_range();
        let eta_line = self.eta_line();
        let top = self.params.get_usize("top");
        let series: Vec<Vec<(f64, f64)>> = (0..top)
            .map(|i| {
                records
                    .iter()
                    .map(|r| (r.step as f64, if i == 0 { r.sharpness.value } else { r.sharpness.next[i - 1] }))
                    .filter(|p| p.1.is_finite())
                    .collect()
            })
            .collect();
        let (_, hi) =
            plot::padded_range(series.iter().flatten().map(|p| p.1).chain(eta_line.iter().map(|p| p.1)), 0.08);
        let lo = series.iter().flatten().map(|p| p.1).fold(f64::INFINITY, f64::min).min(0.0);
        let mut chart =
            plot::frame(area, theme, "sharpness \u{3bb}\u{2098}\u{2090}\u{2093}(\u{2207}\u{b2}L) and 2/\u{3b7}")
                .build_cartesian_2d(start..end, lo..hi.max(lo + 1e-9))?;
        plot::mesh(&mut chart, theme, "step t", "eigenvalue")?;
        let threshold_style = ShapeStyle { color: theme.series(1).into(), filled: false, stroke_width: theme.px(1.5) };
        plot::line(&mut chart, "2/\u{3b7}", eta_line, threshold_style)?
            .label("2/\u{3b7}")
            .legend(plot::swatch(theme, threshold_style));
        let names = ["\u{3bb}\u{2081} (sharpness)", "\u{3bb}\u{2082}", "\u{3bb}\u{2083}"];
        for (i, s) in series.iter().enumerate().rev() {
            let color =
                if i == 0 { theme.series(0).into() } else { theme.series(0).mix(0.45 - 0.15 * (i as f64 - 1.0)) };
            let style = ShapeStyle { color, filled: false, stroke_width: theme.px(if i == 0 { 1.6 } else { 1.0 }) };
            plot::line(&mut chart, names[i], plot::thin(s, DRAWN_POINTS), style)?
                .label(names[i])
                .legend(plot::swatch(theme, style));
        }
        plot::legend(&mut chart, theme)?;
        Ok(None)
    }

    fn draw_lanczos<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        plot::clear(area, theme)?;
        let records = &self.run.records;
        let (start, end) = self.step_range();
        let relative = |v: f64, r: &StepRecord| v / r.sharpness.value.abs().max(1e-300);
        let residuals: Vec<(f64, f64)> =
            records.iter().map(|r| (r.step as f64, relative(r.sharpness.residual, r))).collect();
        let bounds: Vec<(f64, f64)> =
            records.iter().map(|r| (r.step as f64, relative(r.sharpness.error_bound, r))).collect();
        let (lo, hi) = plot::log_range(residuals.iter().chain(&bounds).map(|p| p.1).chain([DEFAULT_TOLERANCE]), 1e-17);
        let mut chart = plot::frame(area, theme, "accuracy of the sharpness, per step")
            .build_cartesian_2d(start..end, (lo..hi).log_scale())?;
        plot::mesh(&mut chart, theme, "step t", "relative to \u{3bc}")?;
        let residual_style = ShapeStyle { color: theme.series(2).into(), filled: false, stroke_width: theme.px(1.2) };
        let bound_style = ShapeStyle { color: theme.series(3).into(), filled: false, stroke_width: theme.px(1.2) };
        let series = [
            (&residuals, residual_style, "residual \u{2016}Hy \u{2212} \u{3bc}y\u{2016}"),
            (&bounds, bound_style, "error bound min(r, r\u{b2}/gap)"),
        ];
        for (points, style, label) in series {
            let points = plot::thin(points, DRAWN_POINTS).into_iter().map(|(x, y)| (x, y.clamp(lo, hi)));
            plot::line(&mut chart, label, points, style)?.label(label).legend(plot::swatch(theme, style));
        }
        if self.params.get_usize("mode") == 0 {
            let tol = ShapeStyle { color: theme.muted().into(), filled: false, stroke_width: theme.px(1.0) };
            plot::line(&mut chart, "tolerance", [(start, DEFAULT_TOLERANCE), (end, DEFAULT_TOLERANCE)], tol)?
                .label("tolerance")
                .legend(plot::swatch(theme, tol));
        }
        plot::legend(&mut chart, theme)?;
        Ok(None)
    }
}

impl Figure for EdgeOfStability {
    const ID: &'static str = "edge-of-stability";
    const TITLE: &'static str = "GD at the edge of stability: sharpness at every step";
    const PARAMS: &'static [ParamSpec] = &[
        ParamSpec { key: "eta", label: "step size \u{3b7}", min: 1e-4, max: 2.0, default: 0.07, scale: Scale::Log },
        ParamSpec {
            key: "switch",
            label: "switch step (0: none)",
            min: 0.0,
            max: 20000.0,
            default: 0.0,
            scale: Scale::Integer,
        },
        ParamSpec {
            key: "eta2",
            label: "step size after the switch",
            min: 1e-4,
            max: 2.0,
            default: 0.04,
            scale: Scale::Log,
        },
        ParamSpec { key: "steps", label: "steps", min: 10.0, max: 20000.0, default: 4000.0, scale: Scale::Integer },
        ParamSpec {
            key: "batch",
            label: "batch size B (0: full batch)",
            min: 0.0,
            max: 500.0,
            default: 0.0,
            scale: Scale::Integer,
        },
        ParamSpec { key: "depth", label: "hidden layers", min: 1.0, max: 3.0, default: 2.0, scale: Scale::Integer },
        ParamSpec { key: "width", label: "width", min: 1.0, max: 256.0, default: 30.0, scale: Scale::Integer },
        ParamSpec {
            key: "activation",
            label: "activation",
            min: 0.0,
            max: 3.0,
            default: 0.0,
            scale: Scale::Choice(&Activation::NAMES),
        },
        ParamSpec { key: "data", label: "data", min: 0.0, max: 2.0, default: 0.0, scale: Scale::Choice(DATA_SETS) },
        ParamSpec {
            key: "degree",
            label: "Chebyshev degree m",
            min: 0.0,
            max: 20.0,
            default: 4.0,
            scale: Scale::Integer,
        },
        ParamSpec { key: "points", label: "points n", min: 2.0, max: 200.0, default: 20.0, scale: Scale::Integer },
        ParamSpec {
            key: "init",
            label: "initial parameters",
            min: 0.0,
            max: 1.0,
            default: 1.0,
            scale: Scale::Choice(INITS),
        },
        ParamSpec { key: "seed", label: "seed", min: 0.0, max: 999_999.0, default: 0.0, scale: Scale::Integer },
        ParamSpec { key: "mode", label: "sharpness by", min: 0.0, max: 1.0, default: 0.0, scale: Scale::Choice(MODES) },
        ParamSpec { key: "top", label: "eigenvalues shown", min: 1.0, max: 3.0, default: 1.0, scale: Scale::Integer },
    ];
    const PANELS: &'static [Panel] = &[
        Panel { key: "loss", description: "Training loss against the step on a log scale" },
        Panel {
            key: "sharpness",
            description: "Sharpness (top Hessian eigenvalue) against the step, with the line 2/η",
        },
        Panel {
            key: "lanczos",
            description: "Relative residual of the Lanczos sharpness at every step, with the tolerance",
        },
    ];
    const PACE: Option<f64> = None;
    const UNIT: &'static str = "GD steps, each with its sharpness,";
    const PRESETS: &'static [Preset] = &[
        Preset {
            label: "EOS-1 reference",
            values: &[("eta", 0.06), ("steps", 2000.0), ("depth", 1.0), ("width", 100.0), ("init", 0.0)],
        },
        Preset {
            label: "Learning-rate switch",
            values: &[("eta", 0.09), ("switch", 2000.0), ("eta2", 0.06), ("steps", 6000.0)],
        },
        Preset { label: "Stable run", values: &[("eta", 0.02), ("steps", 3000.0)] },
    ];

    fn validate(p: &ParamValues) -> Result<(), ParamError> {
        let (batch, points) = (p.get_usize("batch"), p.get_usize("points"));
        if batch > points {
            return Err(ParamError {
                key: "batch".into(),
                message: format!("batch size B = {batch} exceeds the {points} data points"),
            });
        }
        let params =
            p.get_usize("width") * p.get_usize("width") * (p.get_usize("depth") - 1) + 4 * p.get_usize("width");
        if params * points > 4_000_000 {
            return Err(ParamError {
                key: "width".into(),
                message: "this network and data set are too large to train live in the page".into(),
            });
        }
        Ok(())
    }

    fn new(params: ParamValues) -> Self {
        let data = dataset(&params);
        Self::start(params, data, None).expect("generated data and parameters fit the network")
    }

    fn run_file(&self) -> Option<RunFile> {
        Some(RunFile::new::<Self>(&self.params, &self.data, self.run.theta(), self.run.theta_step()))
    }

    fn from_run(run: &RunFile) -> Result<Self, String> {
        let mut params = run.params_for::<Self>()?;
        let data = run.dataset()?;
        params.set("points", data.len() as f64).map_err(|e| e.message)?;
        Self::validate(&params).map_err(|e| e.message)?;
        // The data setting decides the network's shape (and whether the EOS-1 start vector
        // fits it), so the saved data must have that setting's dimension.
        let named = dataset(&params);
        if data.input_dim != named.input_dim {
            return Err(format!(
                "the saved data are {}-dimensional, but the run's data setting \u{201c}{}\u{201d} is {}-dimensional",
                data.input_dim,
                DATA_SETS[params.get_usize("data")],
                named.input_dim
            ));
        }
        Self::start(params, data, Some((run.theta.clone(), run.step)))
    }

    fn params(&self) -> &ParamValues {
        &self.params
    }

    fn step(&mut self, units: usize) -> Activity {
        match self.run.advance(units) {
            Outcome::Running => Activity::Running,
            _ => Activity::Idle,
        }
    }

    fn draw<DB: DrawingBackend>(&self, panel: usize, area: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        match panel {
            0 => self.draw_loss(area, theme),
            1 => self.draw_sharpness(area, theme),
            _ => self.draw_lanczos(area, theme),
        }
    }

    fn verdict(&self) -> Verdict {
        let Some(last) = self.run.records.last() else {
            return match self.run.state() {
                Outcome::Diverged { .. } => {
                    Verdict { text: "The loss is not finite at the start: nothing to train.".into(), tone: Tone::Bad }
                }
                _ => Verdict { text: "nothing computed yet.".into(), tone: Tone::Neutral },
            };
        };
        let threshold = 2.0 / last.eta;
        let ratio = last.sharpness.value / threshold;
        let numbers = format!(
            "sharpness {:.4}, 2/\u{3b7} = {:.4} (ratio {:.3}), loss {:.3e}",
            last.sharpness.value, threshold, ratio, last.loss
        );
        let head = format!("step {}: {numbers}", last.step);
        match self.run.state() {
            Outcome::Diverged { step, loss } => {
                let loss = if loss.is_finite() { format!("{loss:.3e}") } else { "not finite".into() };
                Verdict { text: format!("Diverged at step {step}, loss {loss}; before that, {head}."), tone: Tone::Bad }
            }
            Outcome::Running => Verdict { text: format!("{numbers}."), tone: Tone::Neutral },
            Outcome::Capped | Outcome::Interpolated { .. } => {
                // The last stretch of constant η: since the switch, if the run switched.
                let since = if self.switch_inside().is_some() { " since the switch" } else { "" };
                let reached = self.first_at_threshold().last().and_then(|&(_, at)| at);
                let (what, tone) = match reached {
                    _ if ratio > 1.1 => ("it ends above 2/\u{3b7}".to_string(), Tone::Bad),
                    Some(at) if ratio >= 0.9 => (
                        format!("at the edge of stability: the sharpness reached 2/\u{3b7} at step {at} and ends within 10% of it"),
                        Tone::Good,
                    ),
                    Some(at) => (format!("the sharpness reached 2/\u{3b7} at step {at} and ends below it"), Tone::Good),
                    None => (format!("the sharpness stayed below 2/\u{3b7}{since}"), Tone::Good),
                };
                Verdict { text: format!("Done, {head}: {what}."), tone }
            }
        }
    }

    fn progress(&self) -> Option<String> {
        let step = self.run.records.last().map_or(0, |r| r.step);
        matches!(self.run.state(), Outcome::Running).then(|| format!("step {step}"))
    }

    fn readouts(&self) -> Vec<(String, String)> {
        let mut out = vec![("network".to_string(), self.description.clone())];
        let first_step = self.run.first_step();
        if first_step > 0 {
            out.push((
                "resumed".into(),
                format!("from a saved run at step {first_step}; this run goes on to step {}", self.run.last_step()),
            ));
        }
        if let (Some(first), Some(last)) = (self.run.records.first(), self.run.records.last()) {
            out.push((
                format!("sharpness at step {}", first.step),
                format!(
                    "{:.4} = {:.3} \u{d7} 2/\u{3b7}",
                    first.sharpness.value,
                    first.sharpness.value * first.eta / 2.0
                ),
            ));
            let done = self.run.state() != Outcome::Running;
            let reached: Vec<String> = self
                .first_at_threshold()
                .iter()
                .map(|&(eta, at)| {
                    let when = match at {
                        Some(at) => format!("at step {at}"),
                        None if done => "never".to_string(),
                        None => "not yet".to_string(),
                    };
                    format!("{when} (\u{3b7} = {})", format::tick(eta))
                })
                .collect();
            out.push(("sharpness first at 2/\u{3b7}".into(), reached.join("; ")));
            let products: usize = self.run.records.iter().map(|r| r.sharpness.iterations).sum();
            let mode = match self.params.get_usize("mode") {
                0 => format!(
                    "warm start, stop when the error bound min(r, r\u{b2}/gap) is below {DEFAULT_TOLERANCE:e} \u{d7} the largest Ritz value in size"
                ),
                _ => "20 Lanczos iterations from a fixed vector".to_string(),
            };
            out.push(("sharpness by".into(), mode));
            out.push((
                "residual \u{2016}Hy \u{2212} \u{3bc}y\u{2016} (last step)".into(),
                format!("{:.3e}", last.sharpness.residual),
            ));
            out.push((
                "Hessian-vector products per step".into(),
                format!(
                    "{} last, {:.2} on average",
                    last.sharpness.iterations,
                    products as f64 / self.run.records.len() as f64
                ),
            ));
        }
        out
    }

    fn tables(&self) -> Vec<Table> {
        let top = self.params.get_usize("top");
        let mut columns = vec!["step", "eta", "loss", "sharpness", "residual", "products"];
        columns.extend(["lambda2", "lambda3"].iter().take(top - 1));
        let rows = self
            .run
            .records
            .iter()
            .map(|r| {
                let mut row = vec![
                    r.step as f64,
                    r.eta,
                    r.loss,
                    r.sharpness.value,
                    r.sharpness.residual,
                    r.sharpness.iterations as f64,
                ];
                row.extend(r.sharpness.next.iter().take(top - 1).map(|v| if v.is_finite() { *v } else { 0.0 }));
                row
            })
            .collect();
        vec![Table { name: "steps", columns, rows }]
    }
}
