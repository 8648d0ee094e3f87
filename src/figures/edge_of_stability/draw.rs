//! The panels of `edge-of-stability`: the training loss, the sharpness (and the next
//! eigenvalues) against 2/η, and the accuracy of each step's sharpness.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{EdgeOfStability, Mode};
use crate::kit::plot::{self, DrawResult, Theme};
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
        let (_, hi) = plot::padded_range(
            series.iter().flatten().chain(&batch).map(|p| p.1).chain(eta_line.iter().map(|p| p.1)),
            0.08,
        );
        let lo = series.iter().flatten().chain(&batch).map(|p| p.1).fold(f64::INFINITY, f64::min).min(0.0);
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
        if !batch.is_empty() {
            let style = ShapeStyle { color: theme.series(2).into(), filled: false, stroke_width: theme.px(1.2) };
            let label = "batch sharpness";
            plot::line(&mut chart, label, plot::thin(&batch, DRAWN_POINTS), style)?
                .label(label)
                .legend(plot::swatch(theme, style));
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
        if self.settings.mode == Mode::WarmStart {
            let tol = ShapeStyle { color: theme.muted().into(), filled: false, stroke_width: theme.px(1.0) };
            plot::line(&mut chart, "tolerance", [(start, DEFAULT_TOLERANCE), (end, DEFAULT_TOLERANCE)], tol)?
                .label("tolerance")
                .legend(plot::swatch(theme, tol));
        }
        plot::legend(&mut chart, theme)?;
        Ok(None)
    }
}
