//! The function-space figure's seven panels: the data and learned f, the knots, the weight
//! functions, the loss, the sharpness, the corollary and Φ.

use crate::kit::format;
use crate::kit::plot::Key;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{FunctionSpace, CURVE_POINTS, PHI_CELLS};
use crate::figures::shared::function_laws::broken_swatch;
use crate::kit::plot::{self, BuildChart, DrawResult, PlotMap, Theme};
use crate::math::function_space::{gauss_newton_top, knots, residual_part_norm, weighted_curvature, Knot, Target};
use crate::math::trainer::Outcome;

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

impl FunctionSpace {
    pub(super) fn draw_fit<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        plot::clear(area, theme)?;
        let data = &self.problem.data;
        let (x_lo, x_hi) = self.x_range();
        let nets = self.shown_nets();
        let curves: Vec<Vec<(f64, f64)>> = nets.iter().map(|(_, theta, _)| self.curve(theta)).collect();
        let (d_lo, d_hi) = self.fit_y_range();
        let mut chart = plot::frame(area, theme, "data and learned f").axes(x_lo..x_hi, d_lo..d_hi)?;
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
                    .key(legend, plot::swatch(theme, style));
            } else {
                plot::line(&mut chart, label, clipped, style)?.key(legend, plot::swatch(theme, style));
            }
        }
        let dot = theme.foreground();
        let points = data.x.iter().zip(&data.y).map(|(&x, &y)| (x, y));
        plot::markers(&mut chart, "data", points, |p| Circle::new(p, theme.px(3.5), dot.filled()))?;
        // The legend names the learned functions only: the dots are the data and the thin grey
        // line the target (the caption says so). Curves that leave the range are clipped.
        plot::legend(&mut chart, theme)?;
        Ok(Some(PlotMap::of(&chart)))
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

    pub(super) fn draw_knots<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB>
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
            .axes(x_lo..x_hi, -top..(1.3 + 0.2 * nets.len() as f64) * top)?;
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
            .key(format!("{label}: {} knots", list.len()), plot::dot_swatch(theme, color));
        }
        plot::legend(&mut chart, theme)?;
        Ok(None)
    }

    pub(super) fn draw_weights<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        theme: &Theme,
    ) -> DrawResult<DB>
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
            .axes(x_lo..x_hi, 0.0..y_hi)?;
        plot::mesh(&mut chart, theme, "x", "weight")?;
        let clip = |c: &[(f64, f64)]| c.iter().map(|&(x, y)| (x, y.min(y_hi))).collect::<Vec<_>>();
        for (name, curve, color) in
            [("g\u{207b}", &w.g_minus, theme.series(4)), ("g\u{207a}", &w.g_plus, theme.series(5))]
        {
            let style = theme.line(color, 1.2);
            plot::line(&mut chart, name, clip(curve), style)?.key(name, plot::swatch(theme, style));
        }
        let g_style = theme.line(theme.series(0), 2.5);
        plot::line(&mut chart, "g, sample", clip(&w.g), g_style)?.key("g, sample", plot::swatch(theme, g_style));
        if !self.population.is_empty() {
            let pop_style = theme.line(theme.series(1), 1.8);
            let name = format!("g, {} law", self.settings.law.name());
            plot::dashed(&mut chart, &name, clip(&self.population), (theme.px(6.0), theme.px(4.0)), pop_style)?
                .key(&name, broken_swatch(theme, pop_style, 2));
        }
        let dot = theme.foreground();
        let inputs = self.problem.data.x.iter().map(|&x| (x, 0.0));
        plot::markers(&mut chart, "data inputs", inputs, |p| Circle::new(p, theme.px(3.0), dot.filled()))?;
        plot::legend(&mut chart, theme)?;
        Ok(None)
    }

    pub(super) fn draw_loss<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        plot::clear(area, theme)?;
        let tolerance = self.settings.tol;
        let records = || self.runs.iter().flat_map(|r| r.run.records());
        let t_max = records().map(|r| r.step).max().unwrap_or(1).max(1) as f64;
        let (lo, hi) = plot::log_range(records().flat_map(|r| [r.loss, r.peak_loss]).chain([tolerance]), 1e-14);
        let hi = hi * (hi / lo).powf(0.5); // room above for the legend
        let mut chart = plot::frame(area, theme, "training loss").axes(0.0..t_max, plot::Axis::log(lo..hi))?;
        plot::mesh(&mut chart, theme, "step", "L(\u{3b8})")?;
        let tol_style = theme.line(theme.muted(), 1.2);
        let dashes = (theme.px(5.0), theme.px(4.0));
        plot::dashed(&mut chart, "tolerance", [(0.0, tolerance), (t_max, tolerance)], dashes, tol_style)?
            .key(format!("tolerance {}", format::tick(tolerance)), broken_swatch(theme, tol_style, 2));
        self.draw_switch_line(&mut chart, theme, lo, hi)?;
        for (i, r) in self.runs.iter().enumerate().take(self.current + 1) {
            let color = theme.series(if self.switching() { 0 } else { i });
            // Between two records the loss is not drawn; its largest value there is, faintly,
            // so that a spike shorter than the record stride still shows.
            let peaks = r.run.records().iter().map(|rec| (rec.step as f64, rec.peak_loss.clamp(lo, hi)));
            let faint = theme.line(color.mix(0.35), 1.0);
            let series = chart.draw_series(LineSeries::new(peaks, faint))?;
            if i == 0 {
                series.key("largest loss between records", plot::swatch(theme, faint));
            }
            let style = theme.line(color, 1.6);
            let points = r.run.records().iter().map(|rec| (rec.step as f64, rec.loss.max(lo)));
            plot::line(&mut chart, &r.label, points, style)?.key(r.label.clone(), plot::swatch(theme, style));
        }
        plot::legend(&mut chart, theme)?;
        Ok(None)
    }

    /// The switch step as a vertical line, in the switch experiment.
    fn draw_switch_line<DB: DrawingBackend>(
        &self,
        chart: &mut plot::Chart<'_, DB>,
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
            .key("\u{3b7}\u{2081} \u{2192} \u{3b7}\u{2082}", plot::swatch(theme, style));
        }
        Ok(())
    }

    pub(super) fn draw_sharpness<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        theme: &Theme,
    ) -> DrawResult<DB>
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
            .axes(0.0..t_max, plot::Axis::log(lo..hi))?;
        plot::mesh(&mut chart, theme, "step", "eigenvalue")?;
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
                series.key("\u{3bb}_max(\u{2207}\u{b2}L)", plot::swatch(theme, theme.line(legend_color(0), 2.0)));
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
                series.key("2/\u{3b7}", broken_swatch(theme, theme.line(legend_color(1), 1.4), 2));
            }
            let bound = theme.line(color(2), 1.4);
            let dots = recs.iter().map(|rec| (rec.step as f64, 1.0 + 2.0 * rec.curvature));
            let series =
                plot::dashed(&mut chart, &name("1 + 2\u{222b}|f''|g"), dots, (theme.px(2.0), theme.px(3.0)), bound)?;
            if i == 0 {
                series.key("1 + 2\u{222b}|f''|g", broken_swatch(theme, theme.line(legend_color(2), 1.4), 4));
            }
        }
        plot::legend(&mut chart, theme)?;
        Ok(None)
    }

    pub(super) fn draw_corollary<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        theme: &Theme,
    ) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        plot::clear(area, theme)?;
        let points = self.corollary_points();
        let etas = points.iter().map(|p| p.eta).chain([self.settings.eta1, self.settings.eta2]);
        let (eta_lo, eta_hi) = etas.fold((f64::INFINITY, 0.0f64), |(lo, hi), e| (lo.min(e), hi.max(e)));
        let (x_lo, x_hi) = (eta_lo / 3.0, (eta_hi * 3.0).min(1.9));
        let x_lo = x_lo.min(x_hi / 10.0);
        let bound = |eta: f64| 1.0 / eta - 0.5;
        let (y_lo, y_hi) =
            plot::log_range(points.iter().map(|p| p.value).chain([bound(x_lo), bound(x_hi).max(1e-3)]), 1e-7);
        let y_hi = y_hi * (y_hi / y_lo).powf(0.6); // room above the curve for the legend
        let mut chart = plot::frame(area, theme, "the corollary: \u{222b}|f''|g \u{2264} 1/\u{3b7} \u{2212} 1/2")
            .axes(plot::Axis::log(x_lo..x_hi), plot::Axis::log(y_lo..y_hi))?;
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
            .key("1/\u{3b7} \u{2212} 1/2", plot::swatch(theme, line));
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
            plot::markers(&mut chart, &point.label, [at], marker)?.key(point.label.clone(), move |(x, y)| {
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
        let tolerance = self.settings.tol;
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
    pub(super) fn draw_phi<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        plot::clear(area, theme)?;
        let run = &self.runs[self.focus()].run;
        let theta = run.theta();
        let (net, data) = (&self.problem.net, &self.problem.data);
        let (k, n) = (net.width, data.len());
        let phi = self.problem.phi(theta);
        let columns = crate::math::order::ascending(&data.x);
        // Neurons active to the right of their knots first, then those active to the left, each
        // by knot: the activation pattern then shows as two staircases.
        let p = net.layout(theta);
        let side = |i: usize| {
            if p.w1[i] > 0.0 {
                0
            } else if p.w1[i] < 0.0 {
                1
            } else {
                2
            }
        };
        let knot_at: Vec<f64> = (0..k).map(|i| if p.w1[i] == 0.0 { 0.0 } else { -p.b1[i] / p.w1[i] }).collect();
        let by_knot = crate::math::order::ascending(&knot_at);
        let mut neurons: Vec<usize> =
            (0..3).flat_map(|s| by_knot.iter().copied().filter(move |&i| side(i) == s)).collect();
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
        .axes(0.5..(n as f64 + 0.5), -0.35..5.0)?;
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
        // Four short lines above the blocks, narrow enough for a phone's panel (the readouts
        // carry the rest).
        let gauss_newton = format!(
            "\u{3bb}_max(\u{3a6}\u{3a6}\u{1d40}/n) = {}",
            gauss_newton.map_or("\u{2013}".to_string(), format::tick)
        );
        let (sharpness, residual) = match run.records().last() {
            Some(last) => (
                format!(
                    "\u{3bb}_max(\u{2207}\u{b2}L) = {}{}",
                    format::tick(last.sharpness),
                    if last.step == run.step() { String::new() } else { format!(" (step {})", last.step) },
                ),
                format!("residual part {}", format::tick(residual)),
            ),
            None => (String::new(), String::new()),
        };
        let rows = format!(
            "rows: {} of {k} neurons{}",
            neurons.len(),
            if stride > 1 { format!(", every {stride}th") } else { " (active)".to_string() }
        );
        let style = theme.text(11.0).pos(Pos::new(HPos::Left, VPos::Top));
        let (dx, dy, line_height) = (theme.px(4.0) as i32, theme.px(2.0) as i32, theme.px(15.0) as i32);
        chart.draw_series(std::iter::once(
            EmptyElement::at((0.5, 5.0))
                + Text::new(gauss_newton, (dx, dy), style.clone())
                + Text::new(sharpness, (dx, dy + line_height), style.clone())
                + Text::new(residual, (dx, dy + 2 * line_height), style.clone())
                + Text::new(rows, (dx, dy + 3 * line_height), style),
        ))?;
        Ok(None)
    }
}
