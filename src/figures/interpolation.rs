//! `interpolation`: overparameterized networks fit anything, in many ways.
//!
//! Three runs of GD or SGD on a wide one-hidden-layer ReLU network (k ≫ n) fitting n points,
//! side by side: three seeds of the start at one step size, or one start at three step sizes.
//! The labels are a known target sin(πx) plus noise, or random. Panels: the training loss
//! against the step (log scale), the three fitted functions over the data with the target,
//! and the test error against the target. All runs drive the training loss to about zero; the
//! functions they end at, and their test errors, differ: the lecture's question of which of
//! the many global minima training finds.
//!
//! Step sizes are given in units of 1/λ_max(θ₀), the sharpness at each run's start (which
//! grows with k for this family): below 2 the start is stable for GD.

use crate::kit::format;
use crate::kit::plot::Key;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Activity, Figure, Panel, Table, Tone, Verdict, WORK_PER_UNIT, WORK_UNIT_NAME};
use crate::kit::params::{ParamError, ParamSpec, ParamValues};
use crate::kit::plot::{self, BuildChart, DrawResult, Theme};
use crate::math::interpolation::{
    initial_theta, relu_problem, sharpness, target, training_data, Labels, RunSettings, TrainingRun, INPUT_RANGE,
};
use crate::math::network::Regression;
use crate::math::trainer::Outcome;

/// Runs side by side.
const RUNS: usize = 3;
/// The step-size factors of the runs when step sizes are compared.
const STEP_FACTORS: [f64; RUNS] = [0.25, 0.5, 1.0];
/// A run stops once its training loss is below this.
const TOLERANCE: f64 = 1e-10;
/// Test inputs (evenly spaced) for the test error.
const TEST_POINTS: usize = 201;
/// Records per run, about.
const RECORDS: usize = 400;
/// Hessian-vector products of a start's sharpness at most (its Lanczos iterations), each
/// about 10nk multiply-adds, for budgeting.
const SHARPNESS_PRODUCTS: usize = 30;
/// The most work (multiply-adds) a setting may ask of the page: tens of seconds in a browser.
const WORK_LIMIT: f64 = 2e10;

crate::choices! {
    /// What the three runs differ in.
    pub enum Compare { Seeds = "seeds", StepSizes = "step sizes" }
}

crate::choices! {
    /// Which labels the network fits.
    pub enum LabelKind { Target = "target", Random = "random" }
}

crate::choices! {
    /// Full-batch or stochastic gradient descent.
    pub enum Method { Gd = "GD", Sgd = "SGD" }
}

crate::figure_params! {
    /// The settings of the figure.
    pub struct Settings, keys SettingsKeys {
        compare: Compare = "compare", "compare", Choice, Compare::Seeds;
        labels: LabelKind = "labels", "labels", Choice, LabelKind::Target;
        noise: f64 = "noise", "label noise \u{3c3}", Linear(0.0, 1.0), 0.1;
        /// The step size in units of 1/λ_max(θ₀).
        eta: f64 = "eta", "step size \u{3b7}\u{b7}\u{3bb}max(\u{3b8}\u{2080})", Log(0.01, 3.0), 1.5;
        method: Method = "method", "method", Choice, Method::Gd;
        batch: usize = "batch", "SGD batch size B", Integer(1, 200), 4;
        k: usize = "k", "width k", Integer(2, 2000), 100;
        n: usize = "n", "samples n", Integer(2, 200), 6;
        seed: u64 = "seed", "seed", Integer(1, 999), 1;
        steps: usize = "steps", "steps at most", Integer(100, 50_000), 10_000;
    }
}

impl Settings {
    /// The batch size of the runs: n for GD, the parameter for SGD.
    fn batch_size(&self) -> usize {
        match self.method {
            Method::Gd => self.n,
            Method::Sgd => self.batch,
        }
    }
}

crate::figure_panels! {
    /// The panels, in drawing order.
    pub enum Panels {
        Loss = "loss", "The training loss of the three runs against the step on a log scale, with the stopping tolerance",
        Fits = "fits", "The training points, the target function and the three fitted functions",
        Test = "test", "The test error of the three runs against the known target, against the step on a log scale",
    }
}

pub struct Interpolation {
    params: ParamValues,
    settings: Settings,
    state: Result<State, String>,
}

struct State {
    problem: Regression,
    labels: Labels,
    /// Per run: its seed, its step-size factor, λ_max(θ₀) once measured, and the run.
    runs: Vec<Slot>,
    batch: usize,
    max_steps: usize,
    /// The run that takes the next step.
    turn: usize,
    /// Multiply-adds granted by `step` and not yet spent.
    credit: usize,
}

struct Slot {
    seed: u64,
    factor: f64,
    start: Vec<f64>,
    sharpness: Option<f64>,
    run: Option<TrainingRun>,
}

impl Slot {
    fn eta(&self) -> Option<f64> {
        self.sharpness.map(|s| self.factor / s)
    }
}

impl State {
    fn has_target(&self) -> bool {
        matches!(self.labels, Labels::Target { .. })
    }

    fn runs(&self) -> impl Iterator<Item = (usize, &TrainingRun)> {
        self.runs.iter().enumerate().filter_map(|(i, s)| s.run.as_ref().map(|r| (i, r)))
    }

    /// While a run is unstarted or still training, the steps each has taken.
    fn steps_under_way(&self) -> Option<Vec<usize>> {
        let under_way = self.runs.iter().any(|s| s.run.as_ref().is_none_or(|r| r.outcome() == Outcome::Running));
        under_way.then(|| self.runs.iter().map(|s| s.run.as_ref().map_or(0, |r| r.steps())).collect())
    }

    /// The last recorded step of any run (the right end of the plots against the step).
    fn last_step(&self) -> f64 {
        self.runs().filter_map(|(_, r)| r.records().last()).map(|rec| rec.step).max().unwrap_or(0).max(1) as f64
    }

    fn label(&self, i: usize, compare_steps: bool) -> String {
        let slot = &self.runs[i];
        if compare_steps {
            format!("\u{3b7} = {}/\u{3bb}\u{2080}", format::tick(slot.factor))
        } else {
            format!("seed {}", slot.seed)
        }
    }
}

impl Interpolation {
    fn compare_steps(&self) -> bool {
        self.settings.compare == Compare::StepSizes
    }

    fn draw_loss<DB: DrawingBackend>(&self, s: &State, area: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        plot::clear(area, theme)?;
        let x_hi = s.last_step();
        let all = s.runs().flat_map(|(_, r)| r.records().iter().map(|rec| rec.loss));
        let (lo, hi) = plot::log_range(all.chain([TOLERANCE]), 1e-16);
        let mut chart =
            plot::frame(area, theme, "training loss against the step").axes(0.0..x_hi, plot::Axis::log(lo..hi))?;
        plot::mesh(&mut chart, theme, "step t", "L(\u{3b8}\u{209c})")?;
        let tol = theme.line(theme.muted(), 1.0);
        plot::dashed(
            &mut chart,
            "tolerance",
            [(0.0, TOLERANCE), (x_hi, TOLERANCE)],
            (theme.px(4.0), theme.px(4.0)),
            tol,
        )?
        .key(format!("stop at L \u{2264} {}", format::tick(TOLERANCE)), plot::swatch(theme, tol));
        for (i, run) in s.runs() {
            let style = theme.line(theme.series(i), 2.0);
            let line: Vec<(f64, f64)> = run
                .records()
                .iter()
                .filter(|r| r.loss.is_finite())
                .map(|r| (r.step as f64, r.loss.clamp(lo, hi)))
                .collect();
            let name = s.label(i, self.compare_steps());
            plot::line(&mut chart, &name, line, style)?.key(name, plot::swatch(theme, style));
        }
        plot::legend(&mut chart, theme)?;
        Ok(None)
    }

    fn draw_fits<DB: DrawingBackend>(&self, s: &State, area: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        plot::clear(area, theme)?;
        let (lo, hi) = INPUT_RANGE;
        let grid: Vec<f64> = (0..=400).map(|i| lo + (hi - lo) * i as f64 / 400.0).collect();
        let net = &s.problem.net;
        let data = &s.problem.data;
        let fits: Vec<(usize, Vec<(f64, f64)>)> =
            s.runs().map(|(i, r)| (i, grid.iter().map(|&x| (x, net.eval(r.theta(), x))).collect())).collect();
        // The view holds the data and the target; a fit that strays far leaves it.
        let (y_lo, y_hi) = plot::padded_range(data.y.iter().copied().chain([-1.0, 1.0]), 0.15);
        // Headroom above the curves for the legend.
        let y_hi = y_hi + 0.8 * (y_hi - y_lo);
        let mut chart = plot::frame(area, theme, "the fitted functions").axes(lo..hi, y_lo..y_hi)?;
        plot::mesh(&mut chart, theme, "x", "f(x)")?;
        if s.has_target() {
            let style = theme.line(theme.muted(), 1.5);
            let curve = grid.iter().map(|&x| (x, target(x)));
            plot::dashed(&mut chart, "target sin(\u{3c0}x)", curve, (theme.px(5.0), theme.px(4.0)), style)?
                .key("target sin(\u{3c0}x)", plot::swatch(theme, style));
        }
        for (i, fit) in &fits {
            let style = theme.line(theme.series(*i), 2.0);
            // Where a fit strays beyond the view it leaves the plot (pulled onto the edge, it
            // would look like a value there).
            let name = s.label(*i, self.compare_steps());
            plot::clipped_line(&mut chart, &name, fit, ((lo, hi), (y_lo, y_hi)), style)?
                .key(name, plot::swatch(theme, style));
        }
        let points = data.x.iter().zip(&data.y).map(|(&x, &y)| (x, y));
        plot::markers(&mut chart, "data", points, |p| Circle::new(p, theme.px(3.5), theme.foreground().filled()))?
            .key("data", plot::dot_swatch(theme, theme.foreground()));
        plot::legend(&mut chart, theme)?;
        Ok(None)
    }

    fn draw_test<DB: DrawingBackend>(&self, s: &State, area: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        if !s.has_target() {
            plot::message_panel(
                area,
                theme,
                "test error",
                "Random labels come from no function: there is nothing to test against. Every fit memorizes noise.",
            )?;
            return Ok(None);
        }
        plot::clear(area, theme)?;
        let x_hi = s.last_step();
        let all = s.runs().flat_map(|(_, r)| r.records().iter().map(|rec| rec.test_error));
        let (lo, hi) = plot::log_range(all, 1e-8);
        let mut chart =
            plot::frame(area, theme, "test error against the target").axes(0.0..x_hi, plot::Axis::log(lo..hi))?;
        plot::mesh(&mut chart, theme, "step t", "mean (f \u{2212} f*)\u{b2} on [\u{2212}1, 1]")?;
        for (i, run) in s.runs() {
            let style = theme.line(theme.series(i), 2.0);
            let line: Vec<(f64, f64)> = run
                .records()
                .iter()
                .filter(|r| r.test_error.is_finite())
                .map(|r| (r.step as f64, r.test_error.clamp(lo, hi)))
                .collect();
            let last = run.records().last().map_or(f64::NAN, |r| r.test_error);
            let name = s.label(i, self.compare_steps());
            plot::line(&mut chart, &name, line, style)?
                .key(format!("{name}: {}", format::number(last)), plot::swatch(theme, style));
        }
        plot::legend(&mut chart, theme)?;
        Ok(None)
    }
}

impl Figure for Interpolation {
    const ID: &'static str = "interpolation";
    const TITLE: &'static str = "Wide networks interpolate, in many ways";
    const PARAMS: &'static [ParamSpec] = Settings::SPECS;
    const PANELS: &'static [Panel] = Panels::PANELS;
    const PACE: Option<f64> = None;
    const UNIT: &'static str = WORK_UNIT_NAME;

    fn validate(params: &ParamValues) -> Result<(), ParamError> {
        let settings = Settings::read(params);
        let (k, n, max_steps, batch) = (settings.k, settings.n, settings.steps, settings.batch_size());
        if batch > n {
            return Err(ParamError {
                key: Settings::KEYS.batch.into(),
                message: format!(
                    "the batch size B = {batch} is larger than the number of samples n = {n}: choose B \u{2264} n"
                ),
            });
        }
        let work = RUNS as f64 * max_steps as f64 * batch as f64 * k as f64 * 12.0;
        if work > WORK_LIMIT {
            return Err(ParamError {
                key: Settings::KEYS.k.into(),
                message: format!(
                    "{RUNS} runs \u{d7} {max_steps} steps \u{d7} B = {batch} samples \u{d7} k = {k} neurons is too much work for the page (about {} operations; at most {}): lower k, n, B or the steps",
                    format::tick(work),
                    format::tick(WORK_LIMIT)
                ),
            });
        }
        Ok(())
    }

    fn new(params: ParamValues) -> Self {
        let settings = Settings::read(&params);
        let (k, n, max_steps, batch, seed) =
            (settings.k, settings.n, settings.steps, settings.batch_size(), settings.seed);
        let state = if let Err(e) = Self::validate(&params) {
            Err(e.message)
        } else {
            let labels = match settings.labels {
                LabelKind::Target => Labels::Target { noise: settings.noise },
                LabelKind::Random => Labels::Random,
            };
            let problem = relu_problem(k, training_data(n, labels, seed));
            let runs = (0..RUNS)
                .map(|i| {
                    let (run_seed, factor) = match settings.compare {
                        Compare::StepSizes => (seed, settings.eta * STEP_FACTORS[i]),
                        Compare::Seeds => (seed + i as u64, settings.eta),
                    };
                    // The data come from `seed`; the starts from seeds offset from it.
                    Slot {
                        seed: run_seed,
                        factor,
                        start: initial_theta(k, run_seed.wrapping_add(1000)),
                        sharpness: None,
                        run: None,
                    }
                })
                .collect();
            Ok(State { problem, labels, runs, batch, max_steps, turn: 0, credit: 0 })
        };
        Self { params, settings, state }
    }

    fn params(&self) -> &ParamValues {
        &self.params
    }

    fn step(&mut self, units: usize) -> Activity {
        let Ok(s) = &mut self.state else { return Activity::Idle };
        s.credit = s.credit.saturating_add(units.saturating_mul(WORK_PER_UNIT));
        // First each run's start sharpness, then one step of each running run in turn. Each
        // piece of work is done once the credit covers its cost, so what is done depends only
        // on the units granted in all, not on how they were sliced.
        let sharpness_cost = SHARPNESS_PRODUCTS * 10 * s.problem.data.len() * s.problem.net.width;
        while let Some(slot) = s.runs.iter_mut().find(|slot| slot.sharpness.is_none()) {
            if s.credit < sharpness_cost {
                return Activity::Running;
            }
            s.credit -= sharpness_cost;
            slot.sharpness = Some(sharpness(&s.problem, &slot.start));
        }
        let test_points = if s.has_target() { TEST_POINTS } else { 0 };
        let record_every = (s.max_steps / RECORDS).max(1);
        for slot in &mut s.runs {
            if slot.run.is_none() {
                let eta = slot.eta().unwrap_or(f64::NAN);
                let settings = RunSettings {
                    eta,
                    batch_size: s.batch,
                    tolerance: TOLERANCE,
                    max_steps: s.max_steps,
                    record_every,
                    seed: slot.seed,
                };
                slot.run = Some(TrainingRun::new(&s.problem, slot.start.clone(), settings, test_points));
            }
        }
        loop {
            let running = |i: &usize| s.runs[*i].run.as_ref().is_some_and(|r| r.outcome() == Outcome::Running);
            let Some(i) = (0..RUNS).map(|k| (s.turn + k) % RUNS).find(running) else { return Activity::Idle };
            let Some(run) = s.runs[i].run.as_mut() else { return Activity::Idle };
            let cost = TrainingRun::step_cost(&s.problem, run.settings(), test_points).max(1);
            if s.credit < cost {
                return Activity::Running;
            }
            s.credit -= cost;
            run.advance(1);
            s.turn = (i + 1) % RUNS;
        }
    }

    fn draw<DB: DrawingBackend>(&self, panel: usize, area: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        let Some(which) = Panels::from_index(panel) else { return plot::no_such_panel(area, theme, Self::ID, panel) };
        let Some(s) = plot::state_or_message(&self.state, area, theme, which.key())? else { return Ok(None) };
        match which {
            Panels::Loss => self.draw_loss(s, area, theme),
            Panels::Fits => self.draw_fits(s, area, theme),
            Panels::Test => self.draw_test(s, area, theme),
        }
    }

    fn progress(&self) -> Option<String> {
        let steps: Vec<String> = self.state.as_ref().ok()?.steps_under_way()?.iter().map(|t| t.to_string()).collect();
        Some(match steps.split_last()? {
            (last, []) => format!("step {last}"),
            (last, rest) => format!("steps {} and {last}", rest.join(", ")),
        })
    }

    fn verdict(&self) -> Verdict {
        let s = match &self.state {
            Ok(s) => s,
            Err(message) => return Verdict { text: plot::refusal(message), tone: Tone::Bad },
        };
        let n = s.problem.data.len();
        let method = if s.batch == n { "GD".to_string() } else { format!("SGD (B = {})", s.batch) };
        let runs: Vec<(usize, &TrainingRun)> = s.runs().collect();
        if s.steps_under_way().is_some() {
            let text = format!("{method} on k = {} neurons, n = {n} points.", s.problem.net.width);
            return Verdict { text, tone: Tone::Neutral };
        }
        let compare_steps = self.compare_steps();
        let parts: Vec<String> = runs
            .iter()
            .map(|(i, r)| {
                let name = s.label(*i, compare_steps);
                let loss = r.records().last().map_or(f64::NAN, |rec| rec.loss);
                match r.outcome() {
                    Outcome::Interpolated { step } => {
                        format!("{name}: L \u{2264} {} at step {step}", format::tick(TOLERANCE))
                    }
                    Outcome::Capped => {
                        format!("{name}: L = {} at the cap of {} steps", format::number(loss), s.max_steps)
                    }
                    Outcome::Diverged { step, .. } => format!("{name}: diverged at step {step}"),
                    Outcome::Running => name,
                }
            })
            .collect();
        let all_fit = runs.iter().all(|(_, r)| matches!(r.outcome(), Outcome::Interpolated { .. }));
        let mut text = format!("{method}, k = {} neurons, n = {n} points. {}.", s.problem.net.width, parts.join("; "));
        if s.has_target() {
            let errors: Vec<String> = runs
                .iter()
                .map(|(_, r)| format::number(r.records().last().map_or(f64::NAN, |rec| rec.test_error)))
                .collect();
            text.push_str(&format!(" Test errors against sin(\u{3c0}x): {}.", errors.join(", ")));
            if all_fit {
                text.push_str(" The same (near) zero training loss, different functions, different test errors.");
            }
        } else if all_fit {
            text.push_str(" Random labels are fitted as well: zero training error says nothing about generalization.");
        }
        let diverged = runs.iter().any(|(_, r)| matches!(r.outcome(), Outcome::Diverged { .. }));
        let tone = if diverged {
            Tone::Bad
        } else if all_fit {
            Tone::Good
        } else {
            Tone::Neutral
        };
        Verdict { text, tone }
    }

    fn readouts(&self) -> Vec<(String, String)> {
        let Ok(s) = &self.state else { return Vec::new() };
        let compare_steps = self.compare_steps();
        s.runs
            .iter()
            .enumerate()
            .map(|(i, slot)| {
                let mut value = match (slot.sharpness, slot.eta()) {
                    (Some(l), Some(eta)) => {
                        format!(
                            "\u{3bb}max(\u{3b8}\u{2080}) = {}, \u{3b7} = {}",
                            format::number(l),
                            format::number(eta)
                        )
                    }
                    _ => "measuring \u{3bb}max(\u{3b8}\u{2080})".to_string(),
                };
                if let Some(r) = &slot.run {
                    if let Some(rec) = r.records().last() {
                        value.push_str(&format!(", step {}, L = {}", rec.step, format::number(rec.loss)));
                        if rec.test_error.is_finite() {
                            value.push_str(&format!(", test {}", format::number(rec.test_error)));
                        }
                    }
                }
                (s.label(i, compare_steps), value)
            })
            .collect()
    }

    fn tables(&self) -> Vec<Table> {
        let Ok(s) = &self.state else { return Vec::new() };
        let names = ["run1", "run2", "run3"];
        let mut tables: Vec<Table> = s
            .runs()
            .map(|(i, r)| Table {
                name: names[i],
                columns: vec!["step", "loss", "test_error"],
                rows: r.records().iter().map(|rec| vec![rec.step as f64, rec.loss, rec.test_error]).collect(),
            })
            .collect();
        let (lo, hi) = INPUT_RANGE;
        let net = &s.problem.net;
        let runs: Vec<&TrainingRun> = s.runs().map(|(_, r)| r).collect();
        let fits = (0..=200)
            .map(|j| {
                let x = lo + (hi - lo) * j as f64 / 200.0;
                let mut row = vec![x, if s.has_target() { target(x) } else { f64::NAN }];
                row.extend(runs.iter().map(|r| net.eval(r.theta(), x)));
                row
            })
            .collect();
        let mut columns = vec!["x", "target"];
        columns.extend(names.iter().take(runs.len()));
        tables.push(Table { name: "fits", columns, rows: fits });
        tables
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// On the defaults every run interpolates and the test errors differ.
    #[test]
    fn defaults_interpolate_in_different_ways() {
        let mut fig = Interpolation::with_defaults();
        fig.finish();
        let s = fig.state.as_ref().unwrap();
        let errors: Vec<f64> = s
            .runs()
            .map(|(_, r)| {
                assert!(matches!(r.outcome(), Outcome::Interpolated { .. }), "{:?}", r.outcome());
                r.records().last().unwrap().test_error
            })
            .collect();
        assert_eq!(errors.len(), RUNS);
        let (lo, hi) = errors.iter().fold((f64::INFINITY, 0.0f64), |(a, b), &e| (a.min(e), b.max(e)));
        assert!(hi > 1.2 * lo, "test errors {errors:?} hardly differ");
        assert_eq!(fig.verdict().tone, Tone::Good);
    }

    #[test]
    fn too_much_work_and_big_batches_are_reported() {
        let keys = Settings::KEYS;
        let mut p = ParamValues::defaults(Interpolation::PARAMS);
        p.set(keys.k, 2000.0).unwrap();
        p.set(keys.n, 200.0).unwrap();
        p.set(keys.steps, 50_000.0).unwrap();
        assert_eq!(Interpolation::validate(&p).unwrap_err().key, keys.k);
        let v = Interpolation::new(p).verdict();
        assert_eq!(v.tone, Tone::Bad);
        assert!(v.text.contains("too much work"), "{}", v.text);
        let mut p = ParamValues::defaults(Interpolation::PARAMS);
        p.set(keys.method, Method::Sgd.value()).unwrap();
        p.set(keys.batch, 13.0).unwrap();
        assert!(Interpolation::new(p).verdict().text.contains("B = 13"));
    }
}
