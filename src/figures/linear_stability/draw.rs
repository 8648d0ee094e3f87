//! The panels of `linear-stability` of its own: the three tests against η at the current B, and
//! the stability map over (η, B). (The error dynamics are drawn by
//! [`crate::figures::shared::dynamics_panel`].)

use plotters::coord::Shift;
use plotters::prelude::*;

use super::State;
use crate::kit::format;
use crate::kit::plot::Key;
use crate::kit::plot::{self, BuildChart, DrawResult, Theme};

/// One test's value against η on the first panel, with the largest η it passes.
struct Curve {
    label: String,
    points: Vec<(f64, f64)>,
    colour: usize,
    threshold: f64,
}

impl State {
    pub(super) fn draw_tests<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        plot::clear(area, theme)?;
        let dyn_ = &self.dynamics;
        let etas = &self.map.etas;
        let exact: Vec<(f64, f64)> = self.map.row(self.row()).collect();
        let (x_lo, x_hi) = (etas[0], etas[etas.len() - 1]);
        let all = exact.iter().map(|p| p.1).chain(self.wu_curve.iter().copied()).chain(self.gd_curve.iter().copied());
        let (lo, hi) = plot::log_range(all.chain([1.0]), 1e-6);
        let caption = format!("the three tests against \u{3b7} at B = {}", dyn_.batch);
        let mut chart =
            plot::frame(area, theme, &caption).axes(plot::Axis::log(x_lo..x_hi), plot::Axis::log(lo..hi))?;
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
                points: pair(&self.wu_curve),
                colour: 1,
                threshold: dyn_.wu_threshold,
            },
            Curve {
                label: "GD: max(1\u{2212}\u{3b7}\u{3bb}\u{1d62})\u{b2}".into(),
                points: pair(&self.gd_curve),
                colour: 2,
                threshold: 2.0 / dyn_.problem.sharpness(),
            },
        ];
        for curve in &curves {
            let style = theme.line(theme.series(curve.colour), 2.0);
            plot::line(&mut chart, &curve.label, curve.points.iter().map(|&(x, y)| (x, y.clamp(lo, hi))), style)?.key(
                format!("{}: \u{3b7} \u{2264} {}", curve.label, format::number(curve.threshold)),
                plot::swatch(theme, style),
            );
            if (x_lo..=x_hi).contains(&curve.threshold) && !curve.points.is_empty() {
                plot::markers(&mut chart, &format!("{} = 1", curve.label), [(curve.threshold, 1.0)], |p| {
                    Circle::new(p, theme.px(4.5), theme.series(curve.colour).filled())
                })?;
            }
        }
        let now = theme.line(theme.foreground(), 1.5);
        plot::line(&mut chart, "current \u{3b7}", [(dyn_.eta, lo), (dyn_.eta, hi)], now)?
            .key(format!("current \u{3b7} = {}", format::tick(dyn_.eta)), plot::swatch(theme, now));
        plot::legend(&mut chart, theme)?;
        Ok(Some(plot::PlotMap::of(&chart)))
    }

    pub(super) fn draw_map<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        plot::clear(area, theme)?;
        let map = &self.map;
        let etas = &map.etas;
        let n = map.batches.len();
        let (x_lo, x_hi) = (etas[0], etas[etas.len() - 1]);
        let (y_lo, y_hi) = (0.5, n as f64 + 0.5);
        let caption = if map.is_complete() {
            "stability map: the exact test over (\u{3b7}, B)".to_string()
        } else {
            format!("stability map ({:.0}% computed)", 100.0 * map.progress())
        };
        let mut chart = plot::frame(area, theme, &caption).axes(plot::Axis::log(x_lo..x_hi), y_lo..y_hi)?;
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
            .key("exact boundary \u{3c1}(T) = 1", plot::swatch(theme, exact_style));
        let wu_style = theme.line(theme.series(4), 2.0);
        let dashes = (theme.px(5.0), theme.px(4.0));
        plot::dashed(&mut chart, "Wu's criterion = 1", boundary(&map.wu_thresholds), dashes, wu_style)?
            .key("Wu's criterion = 1", plot::swatch(theme, wu_style));
        let gd_style = theme.line(theme.foreground(), 1.5);
        if map.gd_threshold <= x_hi {
            let line = [(map.gd_threshold, y_lo), (map.gd_threshold, y_hi)];
            plot::line(&mut chart, "\u{3b7} = 2/\u{3bb}max(H)", line, gd_style)?.key(
                format!("\u{3b7} = 2/\u{3bb}max(H) = {}", format::tick(map.gd_threshold)),
                plot::swatch(theme, gd_style),
            );
        }
        let here = (self.dynamics.eta, self.dynamics.batch as f64);
        chart.draw_series(std::iter::once(Circle::new(here, theme.px(7.0), theme.line(theme.foreground(), 2.5))))?;
        plot::markers(&mut chart, "current (\u{3b7}, B)", [here], |p| {
            Circle::new(p, theme.px(2.5), theme.foreground().filled())
        })?;
        plot::legend(&mut chart, theme)?;
        Ok(Some(plot::PlotMap::of(&chart)))
    }
}
