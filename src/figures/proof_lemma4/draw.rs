//! The Lemma 4 figure's panels: the ladder of the chain's lines, the step into the current line,
//! the network with its data and knots, and the corollary over every step size.

use crate::kit::format;
use crate::kit::plot::Key;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{Corollary, Evaluation, ProofLemma4, ROUNDING};
use crate::figures::shared::function_laws::broken_swatch;
use crate::kit::plot::{self, BuildChart, DrawResult, Theme};
use crate::math::function_space::CHAIN_LINES;

impl ProofLemma4 {
    pub(super) fn draw_ladder<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        theme: &Theme,
        e: &Evaluation,
    ) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        plot::clear(area, theme)?;
        let lines = e.chain.lines;
        let (lo, hi) = lines.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        // The right part of the axis (more than half, and at least a factor 7) holds the values
        // written after the bars, whatever the decades the bars span.
        let x_lo = lo / 1.4;
        let x_hi = hi * (hi / x_lo).powf(1.3).max(7.0);
        let current = self.line();
        let caption = if current == 1 {
            "the chain, line 1 highlighted".to_string()
        } else {
            format!("the chain, from line {} to line {current}", current - 1)
        };
        let mut chart = plot::frame(area, theme, &caption)
            .y_label_area_size(theme.px(62.0))
            .axes(plot::Axis::log(x_lo..x_hi), 0.3..(CHAIN_LINES as f64 + 0.7))?;
        // Where the rows are closer than a line of text (large type on a short panel), only the
        // two highlighted lines are named and labelled: the others' texts would run together.
        let rows = chart.plotting_area().get_pixel_range().1.len() as f64 / (CHAIN_LINES as f64 + 0.4);
        let crowded = rows < 1.2 * f64::from(theme.px(11.0));
        let labelled = |line: usize| !crowded || line == current || line + 1 == current;
        plot::custom_mesh(("value", ""), || {
            plot::house_mesh(&mut chart, theme)
                .x_desc("value (log scale)")
                .x_labels(6)
                .y_labels(CHAIN_LINES)
                .disable_y_mesh()
                .x_label_formatter(&|v| format::tick(*v))
                .y_label_formatter(&|v| {
                    let line = CHAIN_LINES as f64 + 1.0 - v.round();
                    let whole = (v - v.round()).abs() < 1e-9;
                    if (1.0..=CHAIN_LINES as f64).contains(&line) && whole && labelled(line as usize) {
                        format!("line {line}")
                    } else {
                        String::new()
                    }
                })
                .draw()
        })?;
        for (index, &value) in lines.iter().enumerate() {
            let line = index + 1;
            let y = (CHAIN_LINES + 1 - line) as f64;
            // The current line in full colour, the line it follows from half way, the rest pale.
            let fill = if line == current {
                theme.series(1).filled()
            } else if line + 1 == current {
                theme.series(1).mix(0.5).filled()
            } else {
                theme.series(0).mix(0.45).filled()
            };
            plot::markers(&mut chart, &format!("line {line}"), [(value, y)], |(value, y)| {
                Rectangle::new([(x_lo, y - 0.32), (value, y + 0.32)], fill)
            })?;
            if !labelled(line) {
                continue;
            }
            let label = match index.checked_sub(1).map(|previous| lines[previous] - value) {
                None => format::tick(value),
                Some(gap) if gap.abs() <= ROUNDING * value.abs().max(1.0) => {
                    format!("{}   (= line {})", format::tick(value), line - 1)
                }
                Some(gap) if gap < 0.0 => {
                    format!("{}   (above line {} by {}!)", format::tick(value), line - 1, format::tick(-gap))
                }
                Some(gap) => format!("{}   (\u{2212}{})", format::tick(value), format::tick(gap)),
            };
            let style = theme.text(11.0).pos(Pos::new(HPos::Left, VPos::Center));
            chart.draw_series(std::iter::once(
                EmptyElement::at((value, y)) + Text::new(label, (theme.px(5.0) as i32, 0), style),
            ))?;
        }
        Ok(None)
    }

    /// The step into the current line: the spectra behind lines 1 to 3, each neuron's term in
    /// the line before and the current one from line 4 on.
    pub(super) fn draw_step<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        theme: &Theme,
        e: &Evaluation,
    ) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        plot::clear(area, theme)?;
        let line = self.line();
        if line <= 3 {
            return self.draw_spectra(area, theme, e);
        }
        let order = self.neuron_order();
        let previous = line - 1;
        let before: Vec<f64> = order.iter().map(|&i| Self::neuron_term(e, previous, i)).collect();
        let after: Vec<f64> = order.iter().map(|&i| Self::neuron_term(e, line, i)).collect();
        let top = before.iter().chain(&after).fold(0.0f64, |m, &v| m.max(v)).max(1e-12) * 1.2;
        let k = order.len() as f64;
        let caption = if line < CHAIN_LINES {
            format!("line {previous} \u{2192} {line}: each neuron's term")
        } else {
            "line 9 \u{2192} 10: each neuron's term, each knot's 2|jump|\u{b7}g(\u{3c4})".to_string()
        };
        let mut chart = plot::frame(area, theme, &caption).axes(-0.6..(k - 0.4), 0.0..top)?;
        plot::mesh(&mut chart, theme, "neurons in the order of their knots \u{3c4}\u{1d62}", "term")?;
        let pale = theme.series(0).mix(0.35).filled();
        let bars = before.iter().enumerate().map(|(r, &v)| (r as f64, v));
        plot::markers(&mut chart, &format!("line {previous}"), bars, |(r, v)| {
            Rectangle::new([(r - 0.38, 0.0), (r, v)], pale)
        })?
        .key(format!("line {previous}"), move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], pale));
        let solid = theme.series(1).filled();
        let label =
            if line < CHAIN_LINES { format!("line {line}") } else { "line 10 (at a knot's first neuron)".into() };
        let bars = after.iter().enumerate().map(|(r, &v)| (r as f64, v));
        plot::markers(&mut chart, &label, bars, |(r, v)| Rectangle::new([(r, 0.0), (r + 0.38, v)], solid))?
            .key(label.clone(), move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], solid));
        plot::legend(&mut chart, theme)?;
        Ok(None)
    }

    /// Lines 1 to 3: the spectrum of ∇²L (line 1), beside that of ΦΦᵀ/n (line 2), and the
    /// spectrum of ΦΦᵀ/n with the Rayleigh quotient at u = (1, …, 1)/√n (line 3), which its top
    /// eigenvalue must exceed.
    fn draw_spectra<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        theme: &Theme,
        e: &Evaluation,
    ) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        let line = self.line();
        let shown =
            |s: &[f64]| s.iter().copied().filter(|&v| v > 1e-9 * s[0].abs().max(1.0)).take(12).collect::<Vec<_>>();
        let (h, gn) = (shown(&e.hessian_spectrum), shown(&e.gauss_newton_spectrum));
        let hessian = ("\u{2207}\u{b2}L", &h, theme.series(0));
        let gauss_newton = ("\u{3a6}\u{3a6}\u{1d40}/n", &gn, theme.series(2));
        let (caption, columns) = match line {
            1 => ("line 1: the eigenvalues of \u{2207}\u{b2}L", vec![hessian]),
            2 => ("line 1 \u{2192} 2: \u{2207}\u{b2}L and \u{3a6}\u{3a6}\u{1d40}/n", vec![hessian, gauss_newton]),
            _ => ("line 2 \u{2192} 3: \u{3a6}\u{3a6}\u{1d40}/n and u = (1, \u{2026}, 1)/\u{221a}n", vec![gauss_newton]),
        };
        let line3 = (line == 3).then_some(e.chain.lines[2]);
        let values = columns.iter().flat_map(|c| c.1.iter().copied()).chain(line3);
        let (lo, hi) = plot::log_range(values, 1e-6);
        let width = 1.5 * columns.len() as f64;
        let mut chart = plot::frame(area, theme, caption).axes(0.0..width, plot::Axis::log(lo..hi))?;
        plot::custom_mesh(("", "eigenvalue"), || {
            plot::house_mesh(&mut chart, theme)
                .y_desc("eigenvalue (log scale)")
                .x_labels(3)
                .y_labels(6)
                .disable_x_mesh()
                .x_label_formatter(&|_| String::new())
                .y_label_formatter(&|v| format::tick(*v))
                .draw()
        })?;
        if let Some(line3) = line3 {
            let dash = theme.line(theme.series(1), 1.5);
            plot::line(
                &mut chart,
                "line 3: u\u{1d40}(\u{3a6}\u{3a6}\u{1d40}/n)u",
                [(0.0, line3), (width, line3)],
                dash,
            )?;
            let right = theme.text(11.0).pos(Pos::new(HPos::Right, VPos::Top));
            chart.draw_series(std::iter::once(
                EmptyElement::at((width, line3))
                    + Text::new(
                        format!("line 3 = {}", format::tick(line3)),
                        (-(theme.px(4.0) as i32), theme.px(4.0) as i32),
                        right,
                    ),
            ))?;
        }
        for (column, (name, values, color)) in columns.into_iter().enumerate() {
            let x = 0.75 + 1.5 * column as f64;
            let below = theme.text(12.0).pos(Pos::new(HPos::Center, VPos::Top));
            let top = values.first().map_or("\u{2013}".to_string(), |&v| format::tick(v));
            let line_height = theme.px(15.0) as i32;
            chart.draw_series(std::iter::once(
                EmptyElement::at((x, lo))
                    + Text::new(name.to_string(), (0, theme.px(6.0) as i32), below.clone())
                    + Text::new(format!("\u{3bb}_max {top}"), (0, theme.px(6.0) as i32 + line_height), below),
            ))?;
            plot::markers(&mut chart, &format!("eigenvalue of {name}"), values.iter().map(|&v| (x, v)), |(x, v)| {
                PathElement::new(
                    vec![(x - 0.3, v), (x + 0.3, v)],
                    theme.line(color, if v == values[0] { 3.0 } else { 1.2 }),
                )
            })?;
        }
        Ok(None)
    }

    pub(super) fn draw_net<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        plot::clear(area, theme)?;
        let data = &self.problem.data;
        let (x_lo, x_hi) = plot::padded_range(data.x.iter().copied(), 0.12);
        let curve: Vec<(f64, f64)> = (0..=300)
            .map(|s| x_lo + (x_hi - x_lo) * s as f64 / 300.0)
            .map(|x| (x, self.problem.net.eval(&self.theta, x)))
            .collect();
        let (y_lo, y_hi) = plot::padded_range(curve.iter().map(|p| p.1).chain(data.y.iter().copied()), 0.1);
        let mut chart =
            plot::frame(area, theme, "the network f, its data and its knots").axes(x_lo..x_hi, y_lo..y_hi)?;
        plot::mesh(&mut chart, theme, "x", "f(x)")?;
        if let Ok(e) = &self.evaluation {
            let knot_style = ShapeStyle { color: theme.muted().mix(0.5), filled: false, stroke_width: theme.px(1.0) };
            chart.draw_series(
                e.chain
                    .knots
                    .iter()
                    .filter(|k| (x_lo..=x_hi).contains(&k.position))
                    .map(|k| PathElement::new(vec![(k.position, y_lo), (k.position, y_hi)], knot_style)),
            )?;
        }
        let f_style = theme.line(theme.series(0), 2.0);
        plot::line(&mut chart, "f", curve, f_style)?.key("f", plot::swatch(theme, f_style));
        let dot = theme.series(1);
        let points = data.x.iter().zip(&data.y).map(|(&x, &y)| (x, y));
        plot::markers(&mut chart, "data", points, |p| Circle::new(p, theme.px(4.0), dot.filled()))?
            .key("data", plot::dot_swatch(theme, dot));
        plot::legend(&mut chart, theme)?;
        Ok(None)
    }

    /// The corollary for this network's f, over every step size: the curve 1/η − 1/2, f's
    /// ∫|f''|g, the step size 2/λ_max(θ) up to which this θ is linearly stable for GD, and
    /// 2/(1 + 2∫|f''|g), beyond which no implementation of f is (Lemma 4 with Theorem 1.1).
    pub(super) fn draw_corollary<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        theme: &Theme,
        e: &Evaluation,
    ) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        plot::clear(area, theme)?;
        let corollary = Corollary::of(e);
        let bound = |eta: f64| 1.0 / eta - 0.5;
        let smallest =
            corollary.theta_stable_up_to.unwrap_or(corollary.f_accessible_up_to).min(corollary.f_accessible_up_to);
        let (x_lo, x_hi) = (smallest / 4.0, (3.0 * corollary.f_accessible_up_to).min(1.8));
        let y_hi = 2.0 * bound(x_lo);
        let y_lo = (corollary.curvature.min(bound(x_hi)) / 4.0).max(y_hi * 1e-7);
        let mut chart =
            plot::frame(area, theme, "the corollary for this f: \u{222b}|f''|g \u{2264} 1/\u{3b7} \u{2212} 1/2")
                .axes(plot::Axis::log(x_lo..x_hi), plot::Axis::log(y_lo..y_hi))?;
        plot::mesh(&mut chart, theme, "step size \u{3b7}", "\u{222b}|f''| g")?;
        let curve: Vec<(f64, f64)> = (0..=200)
            .map(|s| (x_lo.ln() + (x_hi.ln() - x_lo.ln()) * s as f64 / 200.0).exp())
            .map(|eta| (eta, bound(eta).clamp(y_lo, y_hi)))
            .collect();
        let mut above = curve.clone();
        above.extend([(x_hi, y_hi), (x_lo, y_hi)]);
        plot::shade(&mut chart, std::iter::once(Polygon::new(above, theme.unstable_fill().filled())))?;
        let line = theme.line(theme.foreground(), 2.0);
        plot::line(&mut chart, "corollary's ceiling 1/\u{3b7} \u{2212} 1/2", curve, line)?
            .key("1/\u{3b7} \u{2212} 1/2", plot::swatch(theme, line));
        // f's ∫|f''|g as a horizontal line in three pieces: where this θ is linearly stable, where
        // it is too sharp but a flatter implementation of f is not ruled out, and where none is.
        let c = corollary.curvature.max(y_lo);
        let eta_f = corollary.f_accessible_up_to;
        let eta_theta = corollary.theta_stable_up_to.unwrap_or(x_lo).clamp(x_lo, eta_f);
        let marks = theme.line(theme.muted(), 1.0);
        for eta in corollary.theta_stable_up_to.map(|_| eta_theta).into_iter().chain([eta_f]) {
            chart.draw_series(DashedLineSeries::new(
                [(eta, y_lo), (eta, y_hi)],
                theme.px(4.0),
                theme.px(4.0),
                marks,
            ))?;
        }
        if let Some(eta) = corollary.theta_stable_up_to {
            let stable = theme.line(theme.series(2), 3.0);
            plot::line(&mut chart, "\u{222b}|f''|g, \u{3b8} stable", [(x_lo, c), (eta_theta, c)], stable)?.key(
                format!("\u{3b8} stable: \u{3b7} \u{2264} 2/\u{3bb}_max = {}", format::tick(eta)),
                plot::swatch(theme, stable),
            );
        }
        let open = theme.line(theme.series(0), 2.0);
        let dash = (theme.px(7.0), theme.px(4.0));
        plot::dashed(&mut chart, "\u{222b}|f''|g, \u{3b8} too sharp", [(eta_theta, c), (eta_f, c)], dash, open)?.key(
            if corollary.theta_stable_up_to.is_some() {
                "\u{3b8} too sharp, f not ruled out".to_string()
            } else {
                format!("f (\u{3b8} no minimum): {}", format::tick(corollary.curvature))
            },
            broken_swatch(theme, open, 2),
        );
        let closed = theme.line(theme.series(1), 2.0);
        let dots = (theme.px(2.0), theme.px(3.0));
        plot::dashed(&mut chart, "\u{222b}|f''|g, f not accessible", [(eta_f, c), (x_hi, c)], dots, closed)?
            .key(format!("f not accessible: \u{3b7} > {}", format::tick(eta_f)), broken_swatch(theme, closed, 4));
        plot::legend(&mut chart, theme)?;
        Ok(None)
    }
}
