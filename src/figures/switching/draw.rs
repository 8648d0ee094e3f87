//! The switching figure's four panels: the minimum with its data on knots, the modes against
//! Lemma 3's threshold, the sweep over ε, and the mean distance against the step at the chosen ε.

use crate::kit::format;
use crate::kit::plot::Key;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{escape, Switching, System};
use crate::kit::plot::{self, BuildChart, DrawResult, Theme};
use crate::math::dense::SymmetricEigen;
use crate::math::switching::{mode_name, Lemma3, Sup};

/// A legend marker: a circle (a dot or a ring) in `style`, the size of the plot's.
fn circle_swatch(theme: &Theme, style: ShapeStyle) -> impl Fn((i32, i32)) -> Circle<(i32, i32), u32> {
    let (dx, r) = (theme.px(9.0) as i32, theme.px(4.5));
    move |(x, y)| Circle::new((x + dx, y), r, style)
}

/// A legend marker: the upward triangle of a lower bound.
fn triangle_swatch(theme: &Theme, colour: RGBColor) -> impl Fn((i32, i32)) -> TriangleMarker<(i32, i32), u32> {
    let (dx, r) = (theme.px(9.0) as i32, theme.px(6.0));
    move |(x, y)| TriangleMarker::new((x + dx, y), r, colour.filled())
}

/// A legend marker: a short dashed line.
fn dashed_swatch(
    theme: &Theme,
    style: ShapeStyle,
) -> impl Fn((i32, i32)) -> DashedPathElement<std::array::IntoIter<(i32, i32), 2>, u32> {
    let (len, dash, gap) = (theme.px(18.0) as i32, theme.px(5.0), theme.px(3.0));
    move |(x, y)| DashedPathElement::new([(x, y), (x + len, y)], dash, gap, style)
}

/// One start's mean distance against the step, as far as it is known.
struct MeanCurve {
    start: usize,
    points: Vec<(f64, f64)>,
    /// Whether a run was stopped at the last point (which is then a lower bound).
    stopped: bool,
}

impl Switching {
    pub(super) fn draw_minimum<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        theme: &Theme,
    ) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        plot::clear(area, theme)?;
        let m = &self.ssds.minimum;
        let (x_lo, x_hi) = plot::padded_range(m.data.x.iter().copied(), 0.08);
        let curve: Vec<(f64, f64)> = (0..=300)
            .map(|s| x_lo + (x_hi - x_lo) * s as f64 / 300.0)
            .map(|x| (x, m.net.eval(&m.theta_star, x)))
            .collect();
        let (y_lo, y_hi) = plot::padded_range(curve.iter().map(|p| p.1).chain(m.data.y.iter().copied()), 0.12);
        let notes = [format!(
            "Segments: residuals; grey: knots. Next to switch: neuron {}, at \u{2016}\u{3b8} \u{2212} \u{3b8}*\u{2016} = {}.",
            self.flip.neuron + 1,
            format::tick(self.flip.radius)
        )];
        let area = &plot::with_notes(area, theme, &notes)?;
        let mut chart = plot::frame(area, theme, "the minimum \u{3b8}*, data on knots").axes(x_lo..x_hi, y_lo..y_hi)?;
        plot::mesh(&mut chart, theme, "x", "f(x; \u{3b8}*)")?;
        let p = m.net.layout(&m.theta_star);
        let knot_style = theme.line(theme.muted(), 1.0);
        for i in 0..m.net.width {
            let tau = -p.b1[i] / p.w1[i];
            chart.draw_series(std::iter::once(PathElement::new(vec![(tau, y_lo), (tau, y_hi)], knot_style)))?;
        }
        let f_style = theme.line(theme.series(0), 2.0);
        plot::line(&mut chart, "f at \u{3b8}*", curve, f_style)?.key("f at \u{3b8}*", plot::swatch(theme, f_style));
        let residual_style = theme.line(theme.series(1), 1.2);
        chart.draw_series(
            m.data
                .x
                .iter()
                .zip(&m.data.y)
                .map(|(&x, &y)| PathElement::new(vec![(x, y), (x, m.net.eval(&m.theta_star, x))], residual_style)),
        )?;
        let dot = theme.foreground();
        let data = m.data.x.iter().zip(&m.data.y).map(|(&x, &y)| (x, y));
        plot::markers(&mut chart, "data", data, |p| Circle::new(p, theme.px(3.5), dot.filled()))?
            .key("data", plot::dot_swatch(theme, dot));
        let ring = theme.series(1);
        let on_knot = m.on_knot.iter().map(|&(j, _)| (m.data.x[j], m.data.y[j]));
        plot::markers(&mut chart, "data point on a knot", on_knot, |p| {
            Circle::new(p, theme.px(8.0), theme.line(ring, 2.0))
        })?
        .key("on a knot", circle_swatch(theme, theme.line(ring, 2.0)));
        let flip_colour = theme.series(3);
        let flip_point = (m.data.x[self.flip.point], m.data.y[self.flip.point]);
        plot::markers(&mut chart, "first other point to switch", [flip_point], |p| {
            Circle::new(p, theme.px(8.0), theme.line(flip_colour, 2.0))
        })?
        .key("next to switch", circle_swatch(theme, theme.line(flip_colour, 2.0)));
        plot::legend(&mut chart, theme)?;
        Ok(None)
    }

    /// λ_m of every mode, the top eigenvalue of each H_m, λ_lower, 2/η and the threshold on an
    /// axis zoomed to them; the threshold is also drawn as a stack 2/η, + δ, + γ/ε in the last
    /// column, so that each term is seen where it is used.
    pub(super) fn draw_modes<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        theme: &Theme,
        lemma: &Lemma3,
    ) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        plot::clear(area, theme)?;
        let modes = self.ssds.mode_count();
        let spectra: Vec<Vec<f64>> =
            self.ssds.hessians.iter().map(|h| SymmetricEigen::new(h).map_or_else(Vec::new, |e| e.values)).collect();
        let two_over_eta = 2.0 / self.settings.eta;
        let noise = lemma.gamma / self.settings.eps;
        let threshold = two_over_eta + lemma.delta + noise;
        // The axis covers λ_m, the top eigenvalues, 2/η and 2/η + δ; the threshold too unless
        // γ/ε alone would squeeze the rest into a sliver, in which case it leaves the plot.
        let tops = spectra.iter().filter_map(|v| v.first().copied());
        let core: Vec<f64> =
            lemma.lambdas.iter().copied().chain(tops).chain([two_over_eta, two_over_eta + lemma.delta]).collect();
        let (core_lo, core_hi) =
            core.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
        let span = (core_hi - core_lo).max(0.05 * core_hi.abs()).max(1e-3);
        let top = if threshold <= core_hi + 2.0 * span { threshold.max(core_hi) } else { core_hi };
        let (y_lo, y_hi) = (core_lo - 0.25 * span, top + 0.25 * span + 0.6 * (top - core_lo + 0.5 * span));
        let threshold_shown = threshold <= y_hi;
        let slots = modes + 1;
        let mut chart =
            plot::frame(area, theme, "Lemma 3: \u{3bb}_lower against 2/\u{3b7} + \u{3b4} + \u{3b3}/\u{3b5}")
                .axes(-0.5..(slots as f64 - 0.5), y_lo..y_hi)?;
        let kinks = self.kinks();
        plot::custom_mesh(("mode m", "eigenvalue"), || {
            plot::house_mesh(&mut chart, theme)
                .x_desc("mode m (knot points: + active, \u{2212} inactive)")
                .y_desc("eigenvalue")
                .x_labels(slots)
                .y_labels(10)
                .disable_x_mesh()
                .x_label_formatter(&|v| {
                    let m = v.round();
                    if (v - m).abs() > 1e-9 || m < 0.0 {
                        String::new()
                    } else if (m as usize) < modes {
                        mode_name(m as usize, kinks)
                    } else {
                        "threshold".to_string()
                    }
                })
                .y_label_formatter(&|v| format::tick(*v))
                .draw()
        })?;
        let eig = theme.line(theme.series(0), 1.5);
        for (m, values) in spectra.iter().enumerate() {
            let x = m as f64;
            let shown = values.iter().filter(|v| (y_lo..=y_hi).contains(*v)).map(|&v| (x, v));
            let series = plot::markers(&mut chart, &format!("eigenvalue of H at mode {m}"), shown, |(x, v)| {
                PathElement::new(vec![(x - 0.3, v), (x + 0.3, v)], eig)
            })?;
            if m == 0 {
                series.key("eigenvalues of H_m", plot::swatch(theme, eig));
            }
        }
        let lambda_color = theme.series(2);
        let lambdas = lemma.lambdas.iter().enumerate().map(|(m, &l)| (m as f64, l));
        plot::markers(&mut chart, "\u{3bb}_m = q\u{1d40}H_m q", lambdas, |p| {
            Circle::new(p, theme.px(5.0), lambda_color.filled())
        })?
        .key("\u{3bb}_m = q\u{1d40}H_m q", plot::dot_swatch(theme, lambda_color));
        let across = [(-0.5, 0.0), (slots as f64 - 0.5, 0.0)];
        let level = |value: f64| across.map(|(x, _)| (x, value));
        let lower_style = theme.line(theme.series(2), 1.5);
        let lower = format!("\u{3bb}_lower = min\u{2098} \u{3bb}_m = {}", format::tick(lemma.lambda_lower));
        plot::line(&mut chart, &lower, level(lemma.lambda_lower), lower_style)?
            .key(lower, plot::swatch(theme, lower_style));
        let eta_style = theme.line(theme.muted(), 1.2);
        let eta_label = format!("2/\u{3b7} = {}", format::tick(two_over_eta));
        plot::line(&mut chart, &eta_label, level(two_over_eta), eta_style)?
            .key(eta_label, plot::swatch(theme, eta_style));
        let holds = lemma.margin(self.settings.eta, self.settings.eps) > 0.0;
        let threshold_style = theme.line(if holds { theme.series(1) } else { theme.foreground() }, 2.5);
        let shown_at = threshold.min(y_hi);
        chart.draw_series(LineSeries::new(level(shown_at), threshold_style))?.key(
            format!(
                "2/\u{3b7} + \u{3b4} + \u{3b3}/\u{3b5} = {}{}",
                format::tick(threshold),
                if threshold_shown { "" } else { " (above the plot)" }
            ),
            plot::swatch(theme, threshold_style),
        );
        // The stack: 2/η, then δ = max_m ‖H_m q − λ_m q‖, then γ/ε with γ = max_m E|qᵀĝ_m|.
        let x = modes as f64;
        let parts = [
            (
                two_over_eta,
                two_over_eta + lemma.delta,
                theme.series(4),
                format!("\u{3b4} = {}", format::tick(lemma.delta)),
            ),
            (
                two_over_eta + lemma.delta,
                threshold,
                theme.series(1),
                format!("\u{3b3}/\u{3b5} = {}", format::tick(noise)),
            ),
        ];
        // The labels beside the stack, from the bottom up, as (label, height of its middle):
        // 2/η under its line, each part's at the part's middle, and each at least a line above
        // the one below it, so that a thin part's label does not sit on its neighbour's.
        let plot_height = f64::from(chart.plotting_area().dim_in_pixel().1.max(1));
        let line = (y_hi - y_lo) * f64::from(theme.px(14.0)) / plot_height;
        let mut labels = Vec::new();
        if (y_lo..=y_hi).contains(&two_over_eta) {
            labels.push(("2/\u{3b7}".to_string(), two_over_eta - 0.5 * line));
        }
        for (from, to, colour, label) in parts {
            if to <= from {
                continue;
            }
            let (from, to) = (from.clamp(y_lo, y_hi), to.clamp(y_lo, y_hi));
            chart.draw_series(std::iter::once(Rectangle::new(
                [(x - 0.2, from), (x + 0.2, to)],
                colour.mix(0.6).filled(),
            )))?;
            labels.push((label, 0.5 * (from + to)));
        }
        let style = theme.text(11.0).pos(Pos::new(HPos::Right, VPos::Center));
        let mut lowest = f64::NEG_INFINITY;
        for (label, middle) in labels {
            let at = middle.max(lowest);
            lowest = at + line;
            chart.draw_series(std::iter::once(Text::new(label, (x - 0.24, at), style.clone())))?;
        }
        plot::legend(&mut chart, theme)?;
        Ok(None)
    }

    pub(super) fn draw_sweep<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        theme: &Theme,
        lemma: &Lemma3,
    ) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        plot::clear(area, theme)?;
        let (e_lo, e_hi) = (1e-4f64.min(self.settings.eps) / 1.5, 1.5);
        let sups = |system: System| -> Vec<(f64, Sup)> {
            self.sims.iter().filter_map(|s| s.sup(system).map(|w| (s.epsilon, w))).collect()
        };
        let (model, network) = (sups(System::Model), sups(System::Network));
        let values = model.iter().chain(&network).map(|p| p.1.value());
        let (y_lo, y_hi) = plot::log_range(values.chain([e_lo, e_hi]), 1e-9);
        // Half as many decades again above the data, for the legend.
        let y_hi = y_hi * (y_hi / y_lo).sqrt();
        let mut chart = plot::frame(
            area,
            theme,
            "sup\u{209c} E\u{2016}\u{3b8}\u{209c} \u{2212} \u{3b8}*\u{2016} from the \u{3b5}-ball",
        )
        .axes(plot::Axis::log(e_lo..e_hi), plot::Axis::log(y_lo..y_hi))?;
        plot::mesh(&mut chart, theme, "\u{3b5}", "sup\u{209c} E\u{2016}\u{3b8}\u{209c} \u{2212} \u{3b8}*\u{2016}")?;
        let flip = self.flip.radius;
        if let Some(floor) = lemma.epsilon_floor(self.settings.eta).filter(|&f| f < e_hi) {
            let (from, to) = (floor.max(e_lo), flip.min(e_hi));
            if from < to {
                let fill = theme.unstable_fill();
                plot::shade(&mut chart, std::iter::once(Rectangle::new([(from, y_lo), (to, y_hi)], fill.filled())))?
                    .key("Lemma 3 applies", move |(x, y)| Rectangle::new([(x, y - 5), (x + 16, y + 5)], fill.filled()));
            }
            let from = floor.max(flip).max(e_lo);
            if from < e_hi {
                let fill = theme.muted().mix(0.14);
                plot::shade(&mut chart, std::iter::once(Rectangle::new([(from, y_lo), (e_hi, y_hi)], fill.filled())))?
                    .key("for the model only", move |(x, y)| {
                        Rectangle::new([(x, y - 5), (x + 16, y + 5)], fill.filled())
                    });
            }
        }
        if flip < e_hi {
            let style = theme.line(theme.series(3), 1.5);
            let flip_line = [(flip, y_lo), (flip, y_hi)];
            plot::dashed(&mut chart, "\u{3b5}_flip", flip_line, (theme.px(5.0), theme.px(4.0)), style)?
                .key(format!("\u{3b5}_flip = {}", format::tick(flip)), dashed_swatch(theme, style));
        }
        let diagonal = theme.line(theme.foreground(), 1.5);
        plot::line(&mut chart, "sup = \u{3b5}", [(e_lo, e_lo), (e_hi, e_hi)], diagonal)?
            .key("sup = \u{3b5}", plot::swatch(theme, diagonal));
        let chosen = theme.line(theme.muted(), 1.2);
        plot::line(&mut chart, "chosen \u{3b5}", [(self.settings.eps, y_lo), (self.settings.eps, y_hi)], chosen)?;
        let size = theme.px(4.5);
        for (system, points, colour) in
            [(System::Model, &model, theme.series(0)), (System::Network, &network, theme.series(3))]
        {
            let hollow = system == System::Network;
            let measured = points.iter().filter_map(|&(e, s)| matches!(s, Sup::Measured(_)).then_some((e, s.value())));
            let style = if hollow { theme.line(colour, 2.0) } else { colour.filled() };
            plot::markers(&mut chart, &format!("{}: sup", system.name()), measured, |p| Circle::new(p, size, style))?
                .key(system.short_name(), circle_swatch(theme, style));
            let bounds = points.iter().filter_map(|&(e, s)| matches!(s, Sup::AtLeast(_)).then_some((e, s.value())));
            plot::markers(&mut chart, &format!("{}: stopped, at least", system.name()), bounds, |p| {
                TriangleMarker::new(p, theme.px(6.0), colour.mix(if hollow { 0.55 } else { 1.0 }).filled())
            })?;
        }
        let bound_colour = theme.foreground();
        chart
            .draw_series(std::iter::empty::<Circle<(f64, f64), u32>>())?
            .key("stopped: \u{2265}", triangle_swatch(theme, bound_colour));
        plot::legend(&mut chart, theme)?;
        Ok(None)
    }

    pub(super) fn draw_trajectories<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        theme: &Theme,
    ) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        plot::clear(area, theme)?;
        let sim = &self.sims[0];
        let steps = self.settings.steps;
        // Each start's mean curve, up to the first step at which one of its runs was stopped
        // (there the mean is a lower bound, and beyond it nothing is known).
        let curves = |system: System| -> Vec<MeanCurve> {
            sim.distances(system)
                .iter()
                .enumerate()
                .filter(|(_, d)| d.runs() > 0)
                .map(|(start, d)| MeanCurve {
                    start,
                    points: d
                        .means()
                        .take(d.first_stop().map_or(steps + 1, |t| t + 1))
                        .enumerate()
                        .map(|(t, v)| (t as f64, v))
                        .collect(),
                    stopped: d.first_stop().is_some(),
                })
                .collect()
        };
        let (model, network) = (curves(System::Model), curves(System::Network));
        let values = model.iter().chain(&network).flat_map(|c| c.points.iter().map(|p| p.1));
        let stopped_at = escape(self.settings.eps);
        let any_stopped = model.iter().chain(&network).any(|c| c.stopped);
        let extra = [self.settings.eps, self.flip.radius].into_iter().chain(any_stopped.then_some(stopped_at));
        let (lo, hi) = plot::log_range(values.chain(extra), 1e-9);
        // The legend goes on the side of ε the curves leave free: below it when they grow,
        // above it when they shrink, with as many decades there as on the curves' side.
        let grows = model.iter().chain(&network).filter_map(|c| c.points.last()).any(|&(_, v)| v > self.settings.eps);
        let (lo, hi) = if grows {
            (lo.min(self.settings.eps * self.settings.eps / hi), hi)
        } else {
            (lo, hi.max(self.settings.eps * self.settings.eps / lo))
        };
        let mut notes = vec!["Solid: the local model; dashed: the network.".to_string()];
        if any_stopped {
            notes.push(format!("\u{25b2}: a run passed {} and was stopped.", format::tick(stopped_at)));
        }
        let area = &plot::with_notes(area, theme, &notes)?;
        let mut chart = plot::frame(
            area,
            theme,
            &format!(
                "E\u{2016}\u{3b8}\u{209c} \u{2212} \u{3b8}*\u{2016} at \u{3b5} = {}",
                format::tick(self.settings.eps)
            ),
        )
        .axes(0.0..steps.max(1) as f64, plot::Axis::log(lo..hi))?;
        plot::mesh(&mut chart, theme, "step t", "E\u{2016}\u{3b8}\u{209c} \u{2212} \u{3b8}*\u{2016}")?;
        let t_end = steps as f64;
        let eps_style = theme.line(theme.foreground(), 1.5);
        plot::line(&mut chart, "\u{3b5}", [(0.0, self.settings.eps), (t_end, self.settings.eps)], eps_style)?
            .key("\u{3b5}", plot::swatch(theme, eps_style));
        let flip_style = theme.line(theme.series(3), 1.5);
        let flip_line = [(0.0, self.flip.radius), (t_end, self.flip.radius)];
        plot::dashed(&mut chart, "\u{3b5}_flip", flip_line, (theme.px(5.0), theme.px(4.0)), flip_style)?
            .key("\u{3b5}_flip", dashed_swatch(theme, flip_style));
        let start_style = |s: usize| {
            if s < 2 {
                theme.line(theme.series(s), 2.0)
            } else {
                theme.line(theme.muted().mix(0.7), 1.0)
            }
        };
        let start_name = |s: usize| match s {
            0 => "from \u{3b8}* + \u{3b5}q".to_string(),
            1 => "from \u{3b8}* \u{2212} \u{3b5}q".to_string(),
            _ => format!("from random start {}", s - 1),
        };
        for curve in &model {
            // A curve that falls below the axis (a run converging to θ*) ends where it leaves it.
            let points = curve.points.iter().copied().take_while(|p| p.1 >= lo);
            let name = format!("local model, {}", start_name(curve.start));
            let series = plot::line(&mut chart, &name, points, start_style(curve.start))?;
            match curve.start {
                0 => series.key("from \u{3b8}* + \u{3b5}q", plot::swatch(theme, start_style(0))),
                1 => series.key("from \u{3b8}* \u{2212} \u{3b5}q", plot::swatch(theme, start_style(1))),
                2 => series.key("from random", plot::swatch(theme, start_style(2))),
                _ => series,
            };
        }
        for curve in &network {
            let points = curve.points.iter().copied().take_while(|p| p.1 >= lo);
            let name = format!("network, {}", start_name(curve.start));
            plot::dashed(&mut chart, &name, points, (theme.px(6.0), theme.px(4.0)), start_style(curve.start))?;
        }
        let ends = model.iter().chain(&network).filter(|c| c.stopped).filter_map(|c| c.points.last().copied());
        let bound_colour = theme.foreground();
        let series = plot::markers(&mut chart, "stopped run, at least", ends, |p| {
            TriangleMarker::new(p, theme.px(6.0), bound_colour.filled())
        })?;
        if any_stopped {
            series.key("stopped", triangle_swatch(theme, bound_colour));
        }
        if !self.chosen_finished() {
            let style = theme.text(11.0).pos(Pos::new(HPos::Right, VPos::Bottom));
            chart.draw_series(std::iter::once(Text::new("so far\u{2026}", (t_end, lo), style)))?;
        }
        plot::legend(&mut chart, theme)?;
        Ok(None)
    }
}
