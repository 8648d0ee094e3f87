//! `rescaling`: flatness depends on the parameterization (Dinh et al.).
//!
//! A small ReLU network is first trained by GD to (near) interpolation of n samples of the
//! target sin(πx); then one neuron (or every neuron) is rescaled, (w1ᵢ, b1ᵢ, w2ᵢ) ↦
//! (αw1ᵢ, αb1ᵢ, w2ᵢ/α), for α on a log grid over [10⁻², 10²], and λ_max of the Hessian is
//! computed at every rescaled point by Lanczos on exact Hessian-vector products. Panels: f
//! before and after the rescaling at the chosen α (the same curve); λ_max against α with its
//! minimum marked; the neuron's weights against α, whose product w1ᵢw2ᵢ (what f'' sees) stays
//! put. GD runs with η = 1/λ_max(θ₀), safely below the stability limit 2/λ_max.

use crate::kit::format;
use crate::kit::plot::Key;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Activity, Figure, Grab, Panel, Table, Tone, Verdict, WORK_PER_UNIT, WORK_UNIT_NAME};
use crate::kit::params::{ParamError, ParamSpec, ParamValues};
use crate::kit::plot::{self, BuildChart, DrawResult, Theme};
use crate::math::interpolation::{
    initial_theta, relu_problem, sharpness, training_data, Labels, RunSettings, TrainingRun, INPUT_RANGE,
};
use crate::math::network::Regression;
use crate::math::rescaling::{active_count, max_output_change, rescale, Scope, Sharp, SharpnessProfile};
use crate::math::trainer::Outcome;

/// The range of α the profile spans.
const ALPHA_RANGE: (f64, f64) = (1e-2, 1e2);
/// Points of the profile (log-spaced; α = 1 is one of them).
const PROFILE_POINTS: usize = 81;
/// GD stops once the training loss is below this.
const TOLERANCE: f64 = 1e-12;

crate::choices! {
    /// Which neurons are rescaled.
    pub enum Rescaled { OneNeuron = "one neuron", AllNeurons = "all neurons" }
}

crate::figure_params! {
    /// The settings of the figure.
    pub struct Settings, keys SettingsKeys {
        alpha: f64 = "alpha", "rescaling factor \u{3b1}", Log(0.01, 100.0), 10.0;
        scope: Rescaled = "scope", "rescale", Choice, Rescaled::OneNeuron;
        /// The rescaled neuron, counted from 1.
        neuron: usize = "neuron", "neuron i", Integer(1, 40), 1;
        k: usize = "k", "width k", Integer(2, 40), 12;
        n: usize = "n", "samples n", Integer(2, 20), 6;
        seed: u64 = "seed", "seed", Integer(1, 999), 1;
        steps: usize = "steps", "GD steps at most", Integer(100, 50_000), 20_000;
    }
}

crate::figure_panels! {
    /// The panels, in drawing order.
    pub enum Panels {
        Function = "function", "The data, the trained network's function and the function after rescaling (the same curve), and the rescaled neuron's contribution",
        Sharpness = "sharpness", "The top Hessian eigenvalue against the rescaling factor α on log axes, with its minimum and the current α marked; drag to set α",
        Weights = "weights", "The rescaled neuron's weights |w1|, |b1|, |w2| and the product |w1 w2| against α on log axes",
    }
}

pub struct Rescaling {
    params: ParamValues,
    state: Result<State, String>,
}

struct State {
    problem: Regression,
    scope: Scope,
    /// The neuron drawn and tabulated (the rescaled one, or neuron i when all are rescaled).
    neuron: usize,
    alpha: f64,
    eta: f64,
    run: TrainingRun,
    profile: SharpnessProfile,
    /// Multiply-adds granted by `step` and not yet spent.
    credit: usize,
}

impl State {
    fn trained(&self) -> bool {
        self.run.outcome() != Outcome::Running
    }

    fn rescaled(&self) -> Vec<f64> {
        rescale(&self.problem.net, self.run.theta(), self.scope, self.alpha)
    }

    /// Which ends of the profile blow up, and why, in words (see [`Sharp::of`]).
    fn ends(&self) -> String {
        let (net, theta, xs) = (&self.problem.net, self.run.theta(), &self.problem.data.x);
        let sharp = Sharp::of(net, theta, self.scope, xs);
        // The small end blows up only when the large one does (both need an active neuron).
        let grows = match (sharp.small_alpha, sharp.large_alpha) {
            (true, _) => "\u{3bb}max grows without bound both as \u{3b1} \u{2192} 0 and as \u{3b1} \u{2192} \u{221e}",
            (false, true) => "\u{3bb}max grows without bound as \u{3b1} \u{2192} \u{221e} only",
            (false, false) => "rescaling leaves the Hessian, and \u{3bb}max, unchanged",
        };
        let n = xs.len();
        let why = match self.scope {
            Scope::Neuron(i) => {
                let (active, w2) = (active_count(net, theta, i, xs), theta[2 * net.width + i]);
                match (active, w2 == 0.0) {
                    (0, _) => format!("Neuron {} is active on no data point", i + 1),
                    (a, true) => format!("Neuron {} is active on {a} of {n} data points, with output weight 0", i + 1),
                    (a, false) => format!(
                        "Neuron {} is active on {a} of {n} data points, with output weight w2 = {}",
                        i + 1,
                        format::number(w2)
                    ),
                }
            }
            Scope::All => {
                let active: Vec<usize> = (0..net.width).filter(|&i| active_count(net, theta, i, xs) > 0).collect();
                let weighted = active.iter().filter(|&&i| theta[2 * net.width + i] != 0.0).count();
                format!(
                    "{} of the {} neurons are active on the data, {weighted} of them with a nonzero output weight",
                    active.len(),
                    net.width
                )
            }
        };
        format!("{why}: {grows}.")
    }

    /// (w1ᵢ, b1ᵢ, w2ᵢ) of the drawn neuron in θ.
    fn neuron_weights(&self, theta: &[f64]) -> (f64, f64, f64) {
        let (k, i) = (self.problem.net.width, self.neuron);
        (theta[i], theta[k + i], theta[2 * k + i])
    }
}

impl Rescaling {
    fn draw_function<DB: DrawingBackend>(
        &self,
        s: &State,
        area: &DrawingArea<DB, Shift>,
        theme: &Theme,
    ) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        plot::clear(area, theme)?;
        let net = &s.problem.net;
        let (lo, hi) = INPUT_RANGE;
        let grid: Vec<f64> = (0..=300).map(|i| lo + (hi - lo) * i as f64 / 300.0).collect();
        let theta = s.run.theta();
        let rescaled = s.rescaled();
        let before: Vec<(f64, f64)> = grid.iter().map(|&x| (x, net.eval(theta, x))).collect();
        let after: Vec<(f64, f64)> = grid.iter().map(|&x| (x, net.eval(&rescaled, x))).collect();
        let part = |t: &[f64], x: f64| {
            let (w1, b1, w2) = s.neuron_weights(t);
            w2 * (w1 * x + b1).max(0.0)
        };
        let contribution: Vec<(f64, f64)> = grid.iter().map(|&x| (x, part(theta, x))).collect();
        let data = &s.problem.data;
        let values = before.iter().chain(&contribution).map(|p| p.1).chain(data.y.iter().copied());
        let (y_lo, y_hi) = plot::padded_range(values, 0.1);
        // Headroom above the curves for the legend.
        let y_hi = y_hi + 0.8 * (y_hi - y_lo);
        let caption = if s.trained() {
            format!("f before and after rescaling by \u{3b1} = {}", format::tick(s.alpha))
        } else {
            format!("f at GD step {}", s.run.steps())
        };
        let mut chart = plot::frame(area, theme, &caption).axes(lo..hi, y_lo..y_hi)?;
        plot::mesh(&mut chart, theme, "x", "f(x)")?;
        let neuron_style = ShapeStyle { color: theme.series(2).mix(0.8), filled: false, stroke_width: theme.px(1.5) };
        let neuron = format!("neuron {}", s.neuron + 1);
        plot::line(&mut chart, &neuron, contribution, neuron_style)?.key(&neuron, plot::swatch(theme, neuron_style));
        let before_style = theme.line(theme.series(0), 4.0);
        plot::line(&mut chart, "f, trained", before, before_style)?
            .key("f, trained", plot::swatch(theme, before_style));
        if s.trained() {
            let after_style = theme.line(theme.series(1), 1.5);
            plot::dashed(&mut chart, "f, rescaled", after, (theme.px(6.0), theme.px(4.0)), after_style)?
                .key("f, rescaled", plot::swatch(theme, after_style));
        }
        let points = data.x.iter().zip(&data.y).map(|(&x, &y)| (x, y));
        plot::markers(&mut chart, "data", points, |p| Circle::new(p, theme.px(4.0), theme.foreground().filled()))?
            .key("data", plot::dot_swatch(theme, theme.foreground()));
        plot::legend(&mut chart, theme)?;
        Ok(None)
    }

    fn draw_profile<DB: DrawingBackend>(
        &self,
        s: &State,
        area: &DrawingArea<DB, Shift>,
        theme: &Theme,
    ) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        plot::clear(area, theme)?;
        let profile = &s.profile;
        let points: Vec<(f64, f64)> =
            profile.alphas.iter().zip(&profile.values).filter(|(_, v)| v.is_finite()).map(|(&a, &v)| (a, v)).collect();
        let (lo, hi) = plot::log_range(points.iter().map(|p| p.1), 1e-12);
        let (x_lo, x_hi) = ALPHA_RANGE;
        let what = match s.scope {
            Scope::Neuron(i) => format!("neuron {}", i + 1),
            Scope::All => "all neurons".to_string(),
        };
        let caption = format!("\u{3bb}max(\u{2207}\u{b2}L) after rescaling {what} by \u{3b1}");
        let mut chart =
            plot::frame(area, theme, &caption).axes(plot::Axis::log(x_lo..x_hi), plot::Axis::log(lo..hi))?;
        plot::mesh(&mut chart, theme, "rescaling factor \u{3b1}", "\u{3bb}max")?;
        let style = theme.line(theme.series(0), 2.0);
        plot::line(&mut chart, "\u{3bb}max at \u{3b8}(\u{3b1})", points, style)?
            .key("\u{3bb}max at \u{3b8}(\u{3b1})", plot::swatch(theme, style));
        if let Some((alpha, value)) = profile.minimum().filter(|_| profile.is_complete()) {
            let colour = theme.series(2);
            plot::markers(&mut chart, "minimum of \u{3bb}max", [(alpha, value)], |p| {
                Circle::new(p, theme.px(6.0), colour.filled())
            })?
            .key(
                format!("min {} at \u{3b1} = {}", format::number(value), format::tick(alpha)),
                plot::dot_swatch(theme, colour),
            );
        }
        let now = theme.line(theme.series(1), 1.5);
        plot::line(&mut chart, "current \u{3b1}", [(s.alpha, lo), (s.alpha, hi)], now)?
            .key(format!("\u{3b1} = {}", format::tick(s.alpha)), plot::swatch(theme, now));
        let trained = theme.line(theme.muted(), 1.0);
        plot::dashed(&mut chart, "trained", [(1.0, lo), (1.0, hi)], (theme.px(3.0), theme.px(3.0)), trained)?
            .key("trained (\u{3b1} = 1)", plot::swatch(theme, trained));
        plot::legend(&mut chart, theme)?;
        Ok(Some(plot::PlotMap::of(&chart)))
    }

    fn draw_weights<DB: DrawingBackend>(
        &self,
        s: &State,
        area: &DrawingArea<DB, Shift>,
        theme: &Theme,
    ) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        plot::clear(area, theme)?;
        let (x_lo, x_hi) = ALPHA_RANGE;
        let (w1, b1, w2) = s.neuron_weights(s.run.theta());
        let alphas: Vec<f64> =
            (0..=40).map(|i| (x_lo.ln() + (x_hi.ln() - x_lo.ln()) * i as f64 / 40.0).exp()).collect();
        let series: [(&str, f64, f64); 4] = [
            ("|w1\u{1d62}|", w1.abs(), 1.0),
            ("|b1\u{1d62}|", b1.abs(), 1.0),
            ("|w2\u{1d62}|", w2.abs(), -1.0),
            ("|w1\u{1d62} w2\u{1d62}| (unchanged)", (w1 * w2).abs(), 0.0),
        ];
        let all = series.iter().flat_map(|&(_, v, p)| [v * x_lo.powf(p), v * x_hi.powf(p)]);
        let (lo, hi) = plot::log_range(all, 1e-12);
        // Three decades of room below the lines for the legend.
        let lo = lo / 1e3;
        let caption = format!("the weights of neuron {} against \u{3b1}", s.neuron + 1);
        let mut chart =
            plot::frame(area, theme, &caption).axes(plot::Axis::log(x_lo..x_hi), plot::Axis::log(lo..hi))?;
        plot::mesh(&mut chart, theme, "rescaling factor \u{3b1}", "size")?;
        for (i, &(label, value, power)) in series.iter().enumerate() {
            if value <= 0.0 {
                continue;
            }
            let style = theme.line(theme.series(i), if power == 0.0 { 3.0 } else { 2.0 });
            plot::line(&mut chart, label, alphas.iter().map(|&a| (a, value * a.powf(power))), style)?
                .key(label, plot::swatch(theme, style));
        }
        let now = theme.line(theme.foreground(), 1.0);
        plot::line(&mut chart, "current \u{3b1}", [(s.alpha, lo), (s.alpha, hi)], now)?;
        plot::legend(&mut chart, theme)?;
        Ok(None)
    }
}

impl Figure for Rescaling {
    const ID: &'static str = "rescaling";
    const TITLE: &'static str = "Rescaling a ReLU neuron: the same function, another sharpness";
    const PARAMS: &'static [ParamSpec] = Settings::SPECS;
    const PANELS: &'static [Panel] = Panels::PANELS;
    const PACE: Option<f64> = None;
    const UNIT: &'static str = WORK_UNIT_NAME;

    fn validate(params: &ParamValues) -> Result<(), ParamError> {
        let Settings { k, neuron, .. } = Settings::read(params);
        if neuron > k {
            return Err(ParamError {
                key: Settings::KEYS.neuron.into(),
                message: format!(
                    "neuron i = {neuron} does not exist in a network of width k = {k}: choose i \u{2264} k"
                ),
            });
        }
        Ok(())
    }

    fn new(params: ParamValues) -> Self {
        let Settings { alpha, scope, neuron, k, n, seed, steps } = Settings::read(&params);
        let state = if let Err(e) = Self::validate(&params) {
            Err(e.message)
        } else {
            let problem = relu_problem(k, training_data(n, Labels::Target { noise: 0.0 }, seed));
            let theta = initial_theta(k, seed.wrapping_add(1));
            let eta = 1.0 / sharpness(&problem, &theta);
            if !eta.is_finite() {
                Err("The sharpness at the start could not be computed.".to_string())
            } else {
                let scope = match scope {
                    Rescaled::OneNeuron => Scope::Neuron(neuron - 1),
                    Rescaled::AllNeurons => Scope::All,
                };
                let settings =
                    RunSettings { eta, batch_size: n, tolerance: TOLERANCE, max_steps: steps, record_every: 100, seed };
                let run = TrainingRun::new(&problem, theta, settings, 0);
                let profile = SharpnessProfile::new(&problem, scope, ALPHA_RANGE, PROFILE_POINTS);
                Ok(State { problem, scope, neuron: neuron - 1, alpha, eta, run, profile, credit: 0 })
            }
        };
        Self { params, state }
    }

    fn params(&self) -> &ParamValues {
        &self.params
    }

    fn step(&mut self, units: usize) -> Activity {
        let Ok(s) = &mut self.state else { return Activity::Idle };
        s.credit = s.credit.saturating_add(units.saturating_mul(WORK_PER_UNIT));
        // Training, then the profile's points. Each step and each point is done once the
        // credit covers its cost, so what is done depends only on the units granted in all,
        // not on how they were sliced.
        if !s.trained() {
            let cost = TrainingRun::step_cost(&s.problem, s.run.settings(), 0).max(1);
            let before = s.run.steps();
            s.run.advance(s.credit / cost);
            s.credit -= (s.run.steps() - before) * cost;
            if !s.trained() {
                return Activity::Running;
            }
        }
        // A Lanczos run costs up to p Hessian-vector products of about 10nk operations each.
        let p = s.problem.num_params();
        let per_point = (p * s.problem.data.len() * s.problem.net.width * 10).max(1);
        let points = (s.credit / per_point).min(s.profile.alphas.len() - s.profile.computed());
        if points > 0 {
            s.credit -= points * per_point;
            let theta = s.run.theta().to_vec();
            s.profile.advance(&s.problem, &theta, points);
        }
        if s.profile.is_complete() {
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
        let Some(s) = plot::state_or_message(&self.state, area, theme, which.key())? else { return Ok(None) };
        match which {
            Panels::Function => self.draw_function(s, area, theme),
            Panels::Sharpness => self.draw_profile(s, area, theme),
            Panels::Weights => self.draw_weights(s, area, theme),
        }
    }

    fn progress(&self) -> Option<String> {
        let s = self.state.as_ref().ok()?;
        match s.run.outcome() {
            Outcome::Running => Some(format!("GD step {}", s.run.steps())),
            Outcome::Diverged { .. } => None,
            _ => (!s.profile.is_complete())
                .then(|| format!("{} of {PROFILE_POINTS} points of \u{3bb}max(\u{3b1})", s.profile.computed())),
        }
    }

    fn verdict(&self) -> Verdict {
        let s = match &self.state {
            Ok(s) => s,
            Err(message) => return Verdict { text: plot::refusal(message), tone: Tone::Bad },
        };
        let loss = s.run.records().last().map_or(f64::NAN, |r| r.loss);
        let training = match s.run.outcome() {
            Outcome::Running => return Verdict { text: format!("loss {}, not interpolating yet.", format::number(loss)), tone: Tone::Neutral },
            Outcome::Interpolated { step } => format!("GD (\u{3b7} = 1/\u{3bb}max(\u{3b8}\u{2080}) = {}) interpolated: L = {} after {step} steps.", format::number(s.eta), format::number(loss)),
            Outcome::Capped => format!("GD stopped at its cap of {} steps with L = {} (not yet interpolating; the Hessian then has a residual part).", s.run.steps(), format::number(loss)),
            Outcome::Diverged { step, .. } => {
                return Verdict { text: format!("GD diverged at step {step}: nothing to rescale."), tone: Tone::Bad }
            }
        };
        let change = max_output_change(&s.problem.net, s.run.theta(), &s.rescaled(), &s.problem.data.x);
        let mut text = format!(
            "{training} Rescaling by \u{3b1} = {}: max |\u{394}f| over the data = {}.",
            format::tick(s.alpha),
            format::number(change)
        );
        if s.profile.is_complete() {
            let finite = s.profile.values.iter().copied().filter(|v| v.is_finite());
            let largest = finite.fold(0.0, f64::max);
            let at_one = s.profile.values[PROFILE_POINTS / 2];
            if let Some((alpha, smallest)) = s.profile.minimum() {
                text.push_str(&format!(
                    " The same function has \u{3bb}max from {} (at \u{3b1} = {}) to {} over \u{3b1} \u{2208} [0.01, 100]; the trained \u{3b8} has {}. Sharpness is a property of the parameters, not of f.",
                    format::number(smallest),
                    format::tick(alpha),
                    format::number(largest),
                    format::number(at_one)
                ));
            }
            text.push(' ');
            text.push_str(&s.ends());
        }
        let tone = if matches!(s.run.outcome(), Outcome::Interpolated { .. }) { Tone::Good } else { Tone::Neutral };
        Verdict { text, tone }
    }

    fn readouts(&self) -> Vec<(String, String)> {
        let Ok(s) = &self.state else { return Vec::new() };
        let mut out = vec![
            ("training loss".to_string(), format::number(s.run.records().last().map_or(f64::NAN, |r| r.loss))),
            ("GD steps".to_string(), s.run.steps().to_string()),
        ];
        if s.trained() {
            let change = max_output_change(&s.problem.net, s.run.theta(), &s.rescaled(), &s.problem.data.x);
            out.push(("max |\u{394}f| over the data".to_string(), format::number(change)));
            let index = s.profile.alphas.iter().position(|&a| a >= s.alpha * (1.0 - 1e-9));
            if let Some(v) = index.map(|i| s.profile.values[i]).filter(|v| v.is_finite()) {
                out.push((
                    format!("\u{3bb}max at the grid \u{3b1} \u{2265} {}", format::tick(s.alpha)),
                    format::number(v),
                ));
            }
            if let Some((alpha, value)) = s.profile.minimum().filter(|_| s.profile.is_complete()) {
                out.push((
                    "smallest \u{3bb}max over \u{3b1}".to_string(),
                    format!("{} at \u{3b1} = {}", format::number(value), format::tick(alpha)),
                ));
            }
        }
        out
    }

    fn tables(&self) -> Vec<Table> {
        let Ok(s) = &self.state else { return Vec::new() };
        let profile = s.profile.alphas.iter().zip(&s.profile.values).map(|(&a, &v)| vec![a, v]).collect();
        let training = s.run.records().iter().map(|r| vec![r.step as f64, r.loss]).collect();
        vec![
            Table { name: "sharpness", columns: vec!["alpha", "lambda_max"], rows: profile },
            Table { name: "training", columns: vec!["step", "loss"], rows: training },
        ]
    }

    fn grab(&self, panel: usize, x: f64, _y: f64) -> Option<Grab> {
        (Panels::from_index(panel) == Some(Panels::Sharpness) && x.is_finite()).then_some(Grab::X(Settings::KEYS.alpha))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// On the defaults GD interpolates, f does not move under rescaling, and λ_max varies by
    /// orders of magnitude over α with an interior minimum.
    #[test]
    fn defaults_interpolate_and_the_sharpness_moves() {
        let mut fig = Rescaling::with_defaults();
        fig.finish();
        let s = fig.state.as_ref().unwrap();
        assert!(matches!(s.run.outcome(), Outcome::Interpolated { .. }), "{:?}", s.run.outcome());
        assert!(max_output_change(&s.problem.net, s.run.theta(), &s.rescaled(), &s.problem.data.x) < 1e-12);
        let (alpha, smallest) = s.profile.minimum().unwrap();
        let (first, last) = (s.profile.values[0], s.profile.values[PROFILE_POINTS - 1]);
        assert!(first > 10.0 * smallest && last > 10.0 * smallest, "{first} {smallest} {last}");
        assert!(alpha > ALPHA_RANGE.0 && alpha < ALPHA_RANGE.1);
        assert_eq!(fig.verdict().tone, Tone::Good);
    }

    #[test]
    fn a_neuron_beyond_the_width_is_reported() {
        let mut p = ParamValues::defaults(Rescaling::PARAMS);
        p.set(Settings::KEYS.neuron, 20.0).unwrap();
        assert_eq!(Rescaling::validate(&p).unwrap_err().key, Settings::KEYS.neuron);
        let fig = Rescaling::new(p);
        let v = fig.verdict();
        assert_eq!(v.tone, Tone::Bad);
        assert!(v.text.contains("k = 12"), "{}", v.text);
    }
}
