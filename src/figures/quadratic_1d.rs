//! `quadratic-1d`: GD on f(x) = ½ax² + bx + c, eqs (1)–(4).
//!
//! Panels: the iterates x_t against t with the closed form (4) drawn through them; the cobweb
//! plot of the map x ↦ x − η(ax + b); and the contraction factor 1 − ηa against a with the
//! threshold a = 2/η. The iterates are revealed one step at a time at a reading pace.

use crate::kit::format;
use crate::kit::plot::Key;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Activity, Figure, Grab, Panel, Table, Tone, Verdict};
use crate::kit::params::{ParamSpec, ParamValues};
use crate::kit::plot::{self, BuildChart, DrawResult, Theme};
use crate::math::quadratic::{gd_iterates_1d, Fate, Quadratic1d as Quadratic};

/// Iterates farther than this many times the starting distance from x* leave the plots (the
/// run goes on to the divergence test of the numerics).
pub const VIEW_GROWTH: f64 = 40.0;

crate::figure_params! {
    /// The settings of `quadratic-1d`.
    pub struct Settings, keys SettingsKeys {
        a: f64 = "a", "curvature a", Log(0.05, 10.0), 1.5;
        eta: f64 = "eta", "step size \u{3b7}", Log(0.01, 5.0), 1.2;
        b: f64 = "b", "linear term b", Linear(-5.0, 5.0), -1.5;
        x0: f64 = "x0", "start x\u{2080}", Linear(-5.0, 5.0), -1.0;
        steps: usize = "steps", "steps T", Integer(1, 200), 30;
    }
}

crate::figure_panels! {
    /// The panels of `quadratic-1d`.
    pub enum Panels {
        Iterates = "iterates", "GD iterates x_t against the step t, with the closed form (4) drawn through them and the minimizer x* as a line",
        Cobweb = "cobweb", "Cobweb plot of the GD map x ↦ x − η(ax + b) against the diagonal",
        Contraction = "contraction", "The contraction factor 1 − ηa against the curvature a, with the threshold a = 2/η; drag the marker to change a",
    }
}

pub struct Quadratic1d {
    params: ParamValues,
    settings: Settings,
    f: Quadratic,
    iterates: Vec<f64>,
    fate: Fate,
    /// Iterates revealed so far (x₀ … x_{shown}).
    shown: usize,
}

impl Quadratic1d {
    /// The iterates inside the view (see [`VIEW_GROWTH`]).
    fn visible(&self) -> &[f64] {
        let x_star = self.f.minimizer();
        let limit = VIEW_GROWTH * (self.iterates[0] - x_star).abs().max(1e-9);
        let end = self.iterates.iter().position(|x| (x - x_star).abs() > limit).unwrap_or(self.iterates.len());
        &self.iterates[..end.max(1)]
    }

    fn revealed(&self) -> &[f64] {
        let v = self.visible();
        &v[..(self.shown + 1).min(v.len())]
    }

    fn draw_iterates<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        plot::clear(area, theme)?;
        let visible = self.visible();
        let x_star = self.f.minimizer();
        let t_max = (self.iterates.len() - 1).max(1) as f64;
        let (lo, hi) = plot::padded_range(visible.iter().copied().chain([x_star]), 0.08);
        let mut chart = plot::frame(area, theme, "iterates x\u{209c} against t").axes(0.0..t_max, lo..hi)?;
        plot::mesh(&mut chart, theme, "step t", "x\u{209c}")?;
        plot::line(&mut chart, "minimizer x*", [(0.0, x_star), (t_max, x_star)], theme.line(theme.muted(), 1.0))?
            .key(format!("x* = {}", format::tick(x_star)), plot::swatch(theme, theme.line(theme.muted(), 2.0)));
        let revealed = self.revealed();
        let closed: Vec<(f64, f64)> = (0..revealed.len())
            .map(|t| (t as f64, self.f.closed_form(self.iterates[0], self.settings.eta, t)))
            .collect();
        let closed_style = theme.line(theme.series(1), 1.5);
        plot::line(&mut chart, "closed form (4)", closed, closed_style)?
            .key("closed form (4)", plot::swatch(theme, closed_style));
        let dot = theme.series(0);
        plot::markers(&mut chart, "GD iterates (1)", revealed.iter().enumerate().map(|(t, &x)| (t as f64, x)), |p| {
            Circle::new(p, theme.px(3.5), dot.filled())
        })?
        .key("GD iterates (1)", plot::dot_swatch(theme, dot));
        plot::legend(&mut chart, theme)?;
        Ok(None)
    }

    fn draw_cobweb<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        plot::clear(area, theme)?;
        let x_star = self.f.minimizer();
        let (lo, hi) = plot::padded_range(self.visible().iter().copied().chain([x_star]), 0.12);
        let mut chart =
            plot::frame(area, theme, "cobweb: x\u{209c}\u{208a}\u{2081} against x\u{209c}").axes(lo..hi, lo..hi)?;
        plot::mesh(&mut chart, theme, "x\u{209c}", "x\u{209c}\u{208a}\u{2081}")?;
        plot::line(&mut chart, "diagonal", [(lo, lo), (hi, hi)], theme.line(theme.muted(), 1.0))?
            .key("x\u{209c}\u{208a}\u{2081} = x\u{209c}", plot::swatch(theme, theme.line(theme.muted(), 2.0)));
        let map_style = theme.line(theme.foreground(), 1.5);
        // The map's line is steeper than the diagonal when GD diverges: cut it at the frame.
        let map = [(lo, self.f.gd_step(lo, self.settings.eta)), (hi, self.f.gd_step(hi, self.settings.eta))];
        plot::clipped_line(&mut chart, "GD map", &map, ((lo, hi), (lo, hi)), map_style)?
            .key("x \u{21a6} x \u{2212} \u{3b7}(ax + b)", plot::swatch(theme, map_style));
        let revealed = self.revealed();
        let mut web = Vec::with_capacity(2 * revealed.len());
        web.push((revealed[0], lo.max(revealed[0].min(hi))));
        for w in revealed.windows(2) {
            web.push((w[0], w[1]));
            web.push((w[1], w[1]));
        }
        let web_style = theme.line(theme.series(0), 1.5);
        plot::line(&mut chart, "GD path", web, web_style)?.key("GD path", plot::swatch(theme, web_style));
        plot::markers(&mut chart, "fixed point x*", [(x_star, x_star)], |p| {
            Circle::new(p, theme.px(4.0), theme.series(1).filled())
        })?;
        plot::legend(&mut chart, theme)?;
        Ok(None)
    }
}

impl Figure for Quadratic1d {
    const ID: &'static str = "quadratic-1d";
    const TITLE: &'static str = "GD on a one-dimensional quadratic";
    const PARAMS: &'static [ParamSpec] = Settings::SPECS;
    const PANELS: &'static [Panel] = Panels::PANELS;
    const PACE: Option<f64> = Some(12.0);

    fn new(params: ParamValues) -> Self {
        let settings = Settings::read(&params);
        let f = Quadratic { a: settings.a, b: settings.b, c: 0.0 };
        let (iterates, fate) = gd_iterates_1d(&f, settings.x0, settings.eta, settings.steps);
        Self { params, settings, f, iterates, fate, shown: 0 }
    }

    fn params(&self) -> &ParamValues {
        &self.params
    }

    fn step(&mut self, units: usize) -> Activity {
        let last = self.visible().len() - 1;
        self.shown = self.shown.saturating_add(units).min(last);
        if self.shown < last {
            Activity::Running
        } else {
            Activity::Idle
        }
    }

    fn draw<DB: DrawingBackend>(&self, panel: usize, area: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        match Panels::from_index(panel) {
            Some(Panels::Iterates) => self.draw_iterates(area, theme),
            Some(Panels::Cobweb) => self.draw_cobweb(area, theme),
            Some(Panels::Contraction) => {
                plot::draw_contraction(area, theme, self.settings.eta, &[("a", self.f.a)], 1.0)
            }
            None => plot::no_such_panel(area, theme, Self::ID, panel),
        }
    }

    fn verdict(&self) -> Verdict {
        let factor = self.f.contraction(self.settings.eta);
        let m = factor.abs();
        let head = format!(
            "|1 \u{2212} \u{3b7}a| = |1 \u{2212} {}\u{b7}{}| = {:.4}",
            format::tick(self.settings.eta),
            format::tick(self.f.a),
            m
        );
        let threshold = format!("2/\u{3b7} = {}", format::tick(2.0 / self.settings.eta));
        if m < 1.0 {
            let how = if factor < 0.0 { "oscillating" } else { "monotonically" };
            Verdict {
                text: format!(
                    "{head} < 1: converges {how} to x* = {} (a < {threshold})",
                    format::tick(self.f.minimizer())
                ),
                tone: Tone::Good,
            }
        } else if m == 1.0 {
            Verdict { text: format!("{head}: on the threshold a = {threshold}, the iterates oscillate with constant amplitude (neither converge nor diverge)"), tone: Tone::Neutral }
        } else {
            let at = match self.fate {
                Fate::Diverged { step } => {
                    format!(", |x\u{209c} \u{2212} x*| > 10\u{2078}\u{b7}|x\u{2080} \u{2212} x*| at step {step}")
                }
                Fate::Completed => String::new(),
            };
            let why = if factor < 0.0 { format!("a > {threshold}") } else { "\u{3b7} \u{2264} 0".to_string() };
            Verdict { text: format!("{head} > 1: diverges ({why}){at}"), tone: Tone::Bad }
        }
    }

    fn tables(&self) -> Vec<Table> {
        let x0 = self.iterates[0];
        let rows = self
            .iterates
            .iter()
            .enumerate()
            .map(|(t, &x)| vec![t as f64, x, self.f.closed_form(x0, self.settings.eta, t), self.f.value(x)])
            .collect();
        vec![Table { name: "iterates", columns: vec!["t", "x_t", "closed_form", "f_x_t"], rows }]
    }

    fn grab(&self, panel: usize, x: f64, _y: f64) -> Option<Grab> {
        (Panels::from_index(panel) == Some(Panels::Contraction) && x.is_finite()).then_some(Grab::X(Settings::KEYS.a))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_converge_with_oscillation() {
        let mut fig = Quadratic1d::with_defaults();
        fig.finish();
        let v = fig.verdict();
        assert_eq!(v.tone, Tone::Good);
        assert!(v.text.contains("oscillating"), "{}", v.text);
    }

    #[test]
    fn past_the_threshold_it_diverges_and_says_when() {
        let mut p = ParamValues::defaults(Quadratic1d::PARAMS);
        p.set(Settings::KEYS.eta, 1.5).unwrap(); // 2/η = 1.33 < a = 1.5
        p.set(Settings::KEYS.steps, 200.0).unwrap();
        let fig = Quadratic1d::new(p);
        assert!(matches!(fig.fate, Fate::Diverged { .. }));
        let v = fig.verdict();
        assert_eq!(v.tone, Tone::Bad);
        assert!(v.text.contains("at step"), "{}", v.text);
    }
}
