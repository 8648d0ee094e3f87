//! The panels of `edge-of-stability`: the training loss, the sharpness (and the next
//! eigenvalues) against 2/η, the accuracy of each step's sharpness, and the central flow's
//! oscillation; the flow's loss, predicted average loss and sharpness join the first two.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{EdgeOfStability, Mode, Panels};
use crate::kit::plot::Key;
use crate::kit::plot::{self, BuildChart, DrawResult, Theme};
use crate::math::sharpness::{StepRecord, DEFAULT_TOLERANCE};

/// Points drawn per series at most.
const DRAWN_POINTS: usize = 1600;

impl EdgeOfStability {
    pub(super) fn draw_loss<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        plot::clear(area, theme)?;
        let records = &self.run.records;
        let (start, end) = self.step_range();
        let losses: Vec<(f64, f64)> = records.iter().map(|r| (r.step as f64, r.loss)).collect();
        let flow_losses: Vec<(f64, f64)> = self.flow_records().map(|(t, r)| (t as f64, r.loss)).collect();
        let predicted: Vec<(f64, f64)> = self.flow_records().map(|(t, r)| (t as f64, r.predicted_loss)).collect();
        let earlier = self.earlier_curves(Panels::Loss);
        let shown = losses.iter().chain(&flow_losses).chain(&predicted).chain(earlier.iter().flat_map(|c| c.1));
        let (lo, hi) = plot::log_range(shown.map(|p| p.1), 1e-12);
        let mut chart = plot::frame(area, theme, "training loss").axes(start..end, plot::Axis::log(lo..hi))?;
        plot::mesh(&mut chart, theme, "step t", "L(\u{3b8}\u{209c})")?;
        self.draw_earlier(&mut chart, theme, &earlier, (lo, hi))?;
        let style = theme.line(theme.series(0), 1.5);
        let shown = plot::thin(&losses, DRAWN_POINTS).into_iter().map(|(x, y)| (x, y.clamp(lo, hi)));
        let gd = plot::line(&mut chart, "loss", shown, style)?;
        if self.flow.is_some() {
            gd.key("GD", plot::swatch(theme, style));
            let flow_series = [
                (&predicted, theme.line(theme.series(2), 1.6), "flow: L + \u{3c3}\u{b2}/\u{3b7}"),
                (&flow_losses, theme.line(theme.series(3), 1.0), "flow: L(w)"),
            ];
            for (points, style, label) in flow_series {
                let shown = plot::thin(points, DRAWN_POINTS).into_iter().map(|(x, y)| (x, y.clamp(lo, hi)));
                plot::line(&mut chart, label, shown, style)?.key(label, plot::swatch(theme, style));
            }
        }
        self.mark_switch(&mut chart, theme, (lo, hi))?;
        if self.flow.is_some() {
            plot::legend(&mut chart, theme)?;
        }
        Ok(None)
    }

    fn mark_switch<DB: DrawingBackend>(
        &self,
        chart: &mut plot::Chart<'_, DB>,
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

    pub(super) fn draw_sharpness<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        theme: &Theme,
    ) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        plot::clear(area, theme)?;
        let records = &self.run.records;
        let (start, end) = self.step_range();
        let eta_line = self.eta_line();
        let top = self.settings.top;
        let series: Vec<Vec<(f64, f64)>> = (0..top)
            .map(|i| {
                records
                    .iter()
                    .map(|r| (r.step as f64, if i == 0 { r.sharpness.value } else { r.sharpness.next[i - 1] }))
                    .filter(|p| p.1.is_finite())
                    .collect()
            })
            .collect();
        let batch: Vec<(f64, f64)> = records
            .iter()
            .filter_map(|r| r.batch_sharpness.map(|b| (r.step as f64, b.mean)))
            .filter(|p| p.1.is_finite())
            .collect();
        let flow: Vec<(f64, f64)> = self.flow_records().map(|(t, r)| (t as f64, r.sharpness)).collect();
        let earlier = self.earlier_curves(Panels::Sharpness);
        let shown =
            || series.iter().flatten().chain(&batch).chain(&flow).chain(earlier.iter().flat_map(|c| c.1)).map(|p| p.1);
        // The axis starts at 0 (or below it), and the room above the highest line is a share of
        // the whole axis, so that 2/η is not drawn on the plot's top edge.
        let lo = shown().fold(f64::INFINITY, f64::min).min(0.0);
        let (_, hi) = plot::padded_range(shown().chain(eta_line.iter().map(|p| p.1)).chain([lo]), 0.08);
        let mut chart =
            plot::frame(area, theme, "sharpness \u{3bb}\u{2098}\u{2090}\u{2093}(\u{2207}\u{b2}L) and 2/\u{3b7}")
                .axes(start..end, lo..hi.max(lo + 1e-9))?;
        plot::mesh(&mut chart, theme, "step t", "eigenvalue")?;
        self.draw_earlier(&mut chart, theme, &earlier, (lo, hi.max(lo + 1e-9)))?;
        let threshold_style = ShapeStyle { color: theme.series(1).into(), filled: false, stroke_width: theme.px(1.5) };
        plot::line(&mut chart, "2/\u{3b7}", eta_line, threshold_style)?
            .key("2/\u{3b7}", plot::swatch(theme, threshold_style));
        let names = ["\u{3bb}\u{2081} (sharpness)", "\u{3bb}\u{2082}", "\u{3bb}\u{2083}"];
        for (i, s) in series.iter().enumerate().rev() {
            let color =
                if i == 0 { theme.series(0).into() } else { theme.series(0).mix(0.45 - 0.15 * (i as f64 - 1.0)) };
            let style = ShapeStyle { color, filled: false, stroke_width: theme.px(if i == 0 { 1.6 } else { 1.0 }) };
            plot::line(&mut chart, names[i], plot::thin(s, DRAWN_POINTS), style)?
                .key(names[i], plot::swatch(theme, style));
        }
        if !flow.is_empty() {
            let style = theme.line(theme.series(2), 1.4);
            let label = "flow: S(w)";
            plot::line(&mut chart, label, plot::thin(&flow, DRAWN_POINTS), style)?
                .key(label, plot::swatch(theme, style));
        }
        if !batch.is_empty() {
            let style = ShapeStyle { color: theme.series(2).into(), filled: false, stroke_width: theme.px(1.2) };
            let label = "batch sharpness";
            plot::line(&mut chart, label, plot::thin(&batch, DRAWN_POINTS), style)?
                .key(label, plot::swatch(theme, style));
        }
        plot::legend(&mut chart, theme)?;
        Ok(None)
    }

    pub(super) fn draw_lanczos<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        theme: &Theme,
    ) -> DrawResult<DB>
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
            .axes(start..end, plot::Axis::log(lo..hi))?;
        plot::mesh(&mut chart, theme, "step t", "relative to \u{3bc}")?;
        let residual_style = ShapeStyle { color: theme.series(2).into(), filled: false, stroke_width: theme.px(1.2) };
        let bound_style = ShapeStyle { color: theme.series(3).into(), filled: false, stroke_width: theme.px(1.2) };
        let series = [
            (&residuals, residual_style, "residual \u{2016}Hy \u{2212} \u{3bc}y\u{2016}"),
            (&bounds, bound_style, "error bound min(r, r\u{b2}/gap)"),
        ];
        for (points, style, label) in series {
            let points = plot::thin(points, DRAWN_POINTS).into_iter().map(|(x, y)| (x, y.clamp(lo, hi)));
            plot::line(&mut chart, label, points, style)?.key(label, plot::swatch(theme, style));
        }
        if self.settings.mode == Mode::WarmStart {
            let tol = ShapeStyle { color: theme.muted().into(), filled: false, stroke_width: theme.px(1.0) };
            plot::line(&mut chart, "tolerance", [(start, DEFAULT_TOLERANCE), (end, DEFAULT_TOLERANCE)], tol)?
                .key("tolerance", plot::swatch(theme, tol));
        }
        plot::legend(&mut chart, theme)?;
        Ok(None)
    }
}

impl EdgeOfStability {
    /// σ = √tr Σ, the size of GD's oscillation the central flow infers, against the step; the
    /// flow holds the sharpness at 2/η exactly while σ > 0.
    pub(super) fn draw_flow<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        plot::clear(area, theme)?;
        let (start, end) = self.step_range();
        let sigma: Vec<(f64, f64)> = self.flow_records().map(|(t, r)| (t as f64, r.variance.sqrt())).collect();
        if sigma.is_empty() {
            let lines: &[&str] = match self.flow {
                None => &[
                    "The central flow (Cohen et al., 2025):",
                    "dw/dt = \u{2212}\u{3b7}[\u{2207}L(w) + \u{bd}\u{3c3}\u{b2}\u{2207}S(w)],",
                    "with the \u{3c3}\u{b2} \u{2265} 0 that holds the sharpness",
                    "S(w) at 2/\u{3b7}. GD's average loss is",
                    "then L(w) + \u{3c3}\u{b2}/\u{3b7}. Here it is off:",
                    "set \u{201c}central flow\u{201d} to 2 or 4 steps",
                    "per GD step, or press the preset",
                    "\u{201c}Central flow on EOS-1\u{201d}.",
                ],
                Some(_) => &["The central flow starts", "with the run."],
            };
            let (_, height) = area.dim_in_pixel();
            let line_height = theme.px(19.0) as i32;
            let top = (height as i32 - lines.len() as i32 * line_height) / 2;
            let style = theme.text(13.0).pos(Pos::new(HPos::Left, VPos::Top));
            for (i, line) in lines.iter().enumerate() {
                let at = (theme.px(14.0) as i32, top + i as i32 * line_height);
                area.draw(&Text::new(line.to_string(), at, style.clone()))?;
            }
            return Ok(None);
        }
        let (_, hi) = plot::padded_range(sigma.iter().map(|p| p.1).chain([0.0]), 0.08);
        let mut chart =
            plot::frame(area, theme, "central flow: GD's oscillation \u{3c3}").axes(start..end, 0.0..hi.max(1e-9))?;
        plot::mesh(&mut chart, theme, "step t", "\u{3c3} = \u{221a}tr \u{3a3}")?;
        let style = theme.line(theme.series(2), 1.4);
        plot::line(&mut chart, "\u{3c3}", plot::thin(&sigma, DRAWN_POINTS), style)?;
        Ok(None)
    }
}

impl EdgeOfStability {
    /// The earlier runs' curves in `panel`, each with its label (the settings that differ).
    fn earlier_curves(&self, panel: Panels) -> Vec<(String, &[(f64, f64)])> {
        self.earlier
            .iter()
            .enumerate()
            .filter_map(|(i, run)| {
                let curve = run.curves.get(panel as usize)?;
                (!curve.is_empty()).then(|| (format!("earlier run {}: {}", i + 1, run.label(&self.params)), &curve[..]))
            })
            .collect()
    }

    /// Earlier runs as faint lines under this run's, clamped to the axes; pointing at one reads
    /// its label.
    fn draw_earlier<DB: DrawingBackend>(
        &self,
        chart: &mut plot::Chart<'_, DB>,
        theme: &Theme,
        earlier: &[(String, &[(f64, f64)])],
        (lo, hi): (f64, f64),
    ) -> Result<(), plot::DrawError<DB>> {
        let (start, end) = self.step_range();
        for (label, curve) in earlier {
            let style = ShapeStyle { color: theme.muted().mix(0.45), filled: false, stroke_width: theme.px(1.0) };
            let points = plot::thin(curve, DRAWN_POINTS)
                .into_iter()
                .filter(|p| (start..=end).contains(&p.0) && p.1.is_finite())
                .map(|(x, y)| (x, y.clamp(lo, hi)));
            plot::line(chart, label, points, style)?;
        }
        Ok(())
    }
}
