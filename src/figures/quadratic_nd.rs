//! `quadratic-nd`: GD on f(x) = ½xᵀAx + bᵀx + c in two dimensions, eqs (5)–(7).
//!
//! A = Q diag(a₁, a₂) Qᵀ with Q the rotation by the chosen angle, and b = −Ax* with the
//! minimizer x* at the origin. Panels: contours of f with the GD path and the eigen-directions;
//! |qᵢᵀ(x_t − x*)| per eigen-direction on a log scale with the closed form |1 − ηaᵢ|ᵗ|qᵢᵀ(x₀ − x*)|;
//! and the contraction factors 1 − ηaᵢ against a, where the markers can be dragged.

use crate::kit::format;
use crate::kit::plot::Key;
use nalgebra::DVector;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{Activity, Figure, Grab, Panel, Table, Tone, Verdict};
use crate::kit::params::{ParamSpec, ParamValues};
use crate::kit::plot::{self, BuildChart, DrawResult, Theme};
use crate::math::quadratic::{rotation_2d, Fate, QuadraticNd as Quadratic};

/// Iterates farther than this many times the starting distance from x* leave the contour plot.
const VIEW_GROWTH: f64 = 6.0;

crate::figure_params! {
    /// The settings of `quadratic-nd`.
    pub struct Settings, keys SettingsKeys {
        a1: f64 = "a1", "eigenvalue a\u{2081}", Log(0.05, 10.0), 3.0;
        a2: f64 = "a2", "eigenvalue a\u{2082}", Log(0.05, 10.0), 0.4;
        angle: f64 = "angle", "rotation of q\u{2081} (degrees)", Linear(-90.0, 90.0), 30.0;
        eta: f64 = "eta", "step size \u{3b7}", Log(0.01, 5.0), 0.6;
        x0: f64 = "x0", "start x\u{2080},\u{2081}", Linear(-5.0, 5.0), -2.0;
        y0: f64 = "y0", "start x\u{2080},\u{2082}", Linear(-5.0, 5.0), 1.5;
        steps: usize = "steps", "steps T", Integer(1, 300), 40;
    }
}

crate::figure_panels! {
    /// The panels of `quadratic-nd`.
    pub enum Panels {
        Contours = "contours", "Contour lines of f with the GD path from x_0 and the two eigen-directions of A",
        Projections = "projections", "The distance to the minimum along each eigenvector, |q_i^T (x_t − x*)|, against t on a log scale, with the closed form",
        Contraction = "contraction", "The contraction factors 1 − η a_i against a with the threshold 2/η; drag the markers to change the eigenvalues",
    }
}

pub struct QuadraticNd {
    params: ParamValues,
    settings: Settings,
    f: Quadratic,
    iterates: Vec<DVector<f64>>,
    fate: Fate,
    shown: usize,
}

impl QuadraticNd {
    fn x_star(&self) -> DVector<f64> {
        self.f.minimizer()
    }

    /// |qᵢᵀ(x_t − x*)| for every revealed iterate, per eigen-direction i.
    fn projections(&self, upto: usize) -> [Vec<f64>; 2] {
        let x_star = self.x_star();
        let mut out = [Vec::new(), Vec::new()];
        for x in &self.iterates[..=upto] {
            let p = self.f.projections(&(x - &x_star));
            out[0].push(p[0].abs());
            out[1].push(p[1].abs());
        }
        out
    }

    /// Iterates inside the contour view.
    fn visible_len(&self) -> usize {
        let x_star = self.x_star();
        let limit = VIEW_GROWTH * (&self.iterates[0] - &x_star).norm().max(1e-9);
        self.iterates.iter().position(|x| (x - &x_star).norm() > limit).unwrap_or(self.iterates.len())
    }

    fn draw_contours<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        plot::clear(area, theme)?;
        let x_star = self.x_star();
        let shown = self.shown.min(self.visible_len().saturating_sub(1));
        let path: Vec<(f64, f64)> = self.iterates[..=shown].iter().map(|x| (x[0], x[1])).collect();
        let reach = path
            .iter()
            .map(|&(x, y)| ((x - x_star[0]).powi(2) + (y - x_star[1]).powi(2)).sqrt())
            .fold(0.0, f64::max)
            .max(0.5)
            * 1.15;
        let (cx, cy) = (x_star[0], x_star[1]);
        // Keep the data aspect ratio 1:1 by widening the x range to the panel's shape.
        let (w, h) = area.dim_in_pixel();
        let aspect = (w as f64 / h.max(1) as f64).clamp(0.5, 3.0);
        let (rx, ry) = (reach * aspect.max(1.0), reach * (1.0 / aspect).max(1.0));
        let view = ((cx - rx, cx + rx), (cy - ry, cy + ry));
        let mut chart = plot::frame(area, theme, "contours of f and the GD path")
            .axes(view.0 .0..view.0 .1, view.1 .0..view.1 .1)?;
        plot::mesh(&mut chart, theme, "x\u{2081}", "x\u{2082}")?;
        let q = self.f.eigenvectors();
        let a = self.f.eigenvalues();
        // Level sets ½(x − x*)ᵀA(x − x*) = c are ellipses with semi-axes √(2c/aᵢ) along qᵢ.
        let c_max = 0.5 * a[0].max(a[1]) * (rx * rx + ry * ry);
        for level in 1..=12 {
            let c = c_max * (level as f64 / 12.0).powi(2);
            let (s1, s2) = ((2.0 * c / a[0]).sqrt(), (2.0 * c / a[1]).sqrt());
            let ring: Vec<(f64, f64)> = (0..=120)
                .map(|k| {
                    let phi = k as f64 / 120.0 * std::f64::consts::TAU;
                    let (u, v) = (s1 * phi.cos(), s2 * phi.sin());
                    (cx + u * q[(0, 0)] + v * q[(0, 1)], cy + u * q[(1, 0)] + v * q[(1, 1)])
                })
                .collect();
            let style = ShapeStyle { color: theme.muted().mix(0.45), filled: false, stroke_width: theme.px(1.0) };
            let pieces = plot::clip_polyline(&ring, view.0, view.1);
            chart.draw_series(pieces.into_iter().map(|piece| PathElement::new(piece, style)))?;
        }
        for (i, name) in ["q\u{2081}", "q\u{2082}"].iter().enumerate() {
            let d = (q[(0, i)], q[(1, i)]);
            let len = 3.0 * reach;
            let style = ShapeStyle { color: theme.series(i * 2).mix(0.8), filled: false, stroke_width: theme.px(1.0) };
            let axis = [(cx - len * d.0, cy - len * d.1), (cx + len * d.0, cy + len * d.1)];
            let pieces = plot::clip_polyline(&axis, view.0, view.1);
            chart.draw_series(pieces.into_iter().map(|piece| PathElement::new(piece, style)))?;
            let tip = (cx + 0.8 * reach * d.0, cy + 0.8 * reach * d.1);
            // The name runs from the tip towards the middle, so that it stays in the panel.
            let side = if tip.0 > cx { HPos::Right } else { HPos::Left };
            chart.draw_series(std::iter::once(Text::new(
                format!("{name} (a = {})", format::tick(a[i])),
                tip,
                theme.text(11.0).pos(Pos::new(side, VPos::Bottom)),
            )))?;
        }
        let path_style = theme.line(theme.foreground(), 1.5);
        // Segment by segment: the path doubles back on itself when GD oscillates, and a thick
        // polyline's mitred corners there would shoot far beyond the turning points.
        chart.draw_series(path.windows(2).map(|w| PathElement::new(w.to_vec(), path_style)))?;
        plot::markers(&mut chart, "GD iterates x\u{209c}", path, |p| {
            Circle::new(p, theme.px(3.0), theme.foreground().filled())
        })?;
        plot::markers(&mut chart, "minimizer x*", [(cx, cy)], |p| {
            Cross::new(p, theme.px(5.0), theme.line(theme.series(1), 2.0))
        })?;
        Ok(None)
    }

    fn draw_projections<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        plot::clear(area, theme)?;
        let last = self.iterates.len() - 1;
        let all = self.projections(last);
        let shown = self.projections(self.shown.min(last));
        let t_max = last.max(1) as f64;
        let (lo, hi) = plot::log_range(all.iter().flatten().copied(), 1e-14);
        let mut chart = plot::frame(area, theme, "|q\u{1d62}\u{1d40}(x\u{209c} \u{2212} x*)| per eigen-direction")
            .axes(0.0..t_max, plot::Axis::log(lo..hi))?;
        plot::mesh(&mut chart, theme, "step t", "|q\u{1d62}\u{1d40}(x\u{209c} \u{2212} x*)|")?;
        let a = self.f.eigenvalues();
        for i in 0..2 {
            let color = theme.series(i * 2);
            let start = all[i][0];
            let factor = (1.0 - self.settings.eta * a[i]).abs();
            // Values below the axis (a component that is zero, or has converged past it) are
            // left out rather than drawn on the bottom edge.
            let closed: Vec<(f64, f64)> = (0..shown[i].len())
                .map(|t| (t as f64, start * factor.powi(t as i32)))
                .take_while(|p| p.1 >= lo)
                .collect();
            let closed_style = ShapeStyle { color: color.mix(0.55), filled: false, stroke_width: theme.px(1.5) };
            let direction = ["\u{2081}", "\u{2082}"][i];
            plot::line(&mut chart, &format!("closed form, direction q{direction}"), closed, closed_style)?.key(
                format!("|1 \u{2212} \u{3b7}a{direction}|\u{1d57} = {factor:.3}\u{1d57}"),
                plot::swatch(theme, closed_style),
            );
            let name = format!("q{direction}\u{1d40}(x\u{209c} \u{2212} x*), GD");
            // Values below the axis are left out: pulled onto its edge they would read as values.
            let points = shown[i].iter().enumerate().filter(|(_, &v)| v >= lo).map(|(t, &v)| (t as f64, v));
            plot::markers(&mut chart, &name, points, |p| Circle::new(p, theme.px(3.0), color.filled()))?
                .key(&name, plot::dot_swatch(theme, color));
        }
        plot::legend(&mut chart, theme)?;
        Ok(None)
    }
}

impl Figure for QuadraticNd {
    const ID: &'static str = "quadratic-nd";
    const TITLE: &'static str = "GD on a quadratic in two dimensions";
    const PARAMS: &'static [ParamSpec] = Settings::SPECS;
    const PANELS: &'static [Panel] = Panels::PANELS;
    const PACE: Option<f64> = Some(12.0);

    fn new(params: ParamValues) -> Self {
        let settings = Settings::read(&params);
        let q = rotation_2d(settings.angle.to_radians());
        let x_star = DVector::zeros(2);
        let f = Quadratic::from_spectrum(&q, &[settings.a1, settings.a2], &x_star, 0.0)
            .expect("positive eigenvalues within the parameter ranges give an SPD matrix");
        let x0 = DVector::from_column_slice(&[settings.x0, settings.y0]);
        let (iterates, fate) = f.gd_iterates(&x0, settings.eta, settings.steps);
        Self { params, settings, f, iterates, fate, shown: 0 }
    }

    fn params(&self) -> &ParamValues {
        &self.params
    }

    fn step(&mut self, units: usize) -> Activity {
        let last = self.iterates.len() - 1;
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
            Some(Panels::Contours) => self.draw_contours(area, theme),
            Some(Panels::Projections) => self.draw_projections(area, theme),
            Some(Panels::Contraction) => plot::draw_contraction(
                area,
                theme,
                self.settings.eta,
                &[("a\u{2081}", self.settings.a1), ("a\u{2082}", self.settings.a2)],
                1.0,
            ),
            None => plot::no_such_panel(area, theme, Self::ID, panel),
        }
    }

    fn verdict(&self) -> Verdict {
        let threshold = 2.0 / self.settings.eta;
        let parts: Vec<String> = ["a\u{2081}", "a\u{2082}"]
            .iter()
            .zip([self.settings.a1, self.settings.a2])
            .map(|(name, a)| {
                let m = (1.0 - self.settings.eta * a).abs();
                let what = if m < 1.0 {
                    "converges"
                } else if m == 1.0 {
                    "neither converges nor diverges"
                } else {
                    "diverges"
                };
                format!("{name} = {}: |1 \u{2212} \u{3b7}a| = {m:.3}, {what}", format::tick(a))
            })
            .collect();
        let eigenvalues = [self.settings.a1, self.settings.a2];
        let unstable = eigenvalues.iter().any(|&a| (1.0 - self.settings.eta * a).abs() > 1.0);
        let boundary = eigenvalues.iter().any(|&a| (1.0 - self.settings.eta * a).abs() == 1.0);
        let fate = match self.fate {
            Fate::Diverged { step } => format!(" GD diverged (distance > 10\u{2078}\u{b7}start) at step {step}."),
            Fate::Completed => String::new(),
        };
        let tone = if unstable {
            Tone::Bad
        } else if boundary {
            Tone::Neutral
        } else {
            Tone::Good
        };
        Verdict { text: format!("2/\u{3b7} = {}. {}.{fate}", format::tick(threshold), parts.join("; ")), tone }
    }

    fn tables(&self) -> Vec<Table> {
        let x_star = self.x_star();
        let x0 = &self.iterates[0];
        let rows = self
            .iterates
            .iter()
            .enumerate()
            .map(|(t, x)| {
                let p = self.f.projections(&(x - &x_star));
                let c = self.f.closed_form(x0, self.settings.eta, t);
                vec![t as f64, x[0], x[1], p[0], p[1], c[0], c[1], self.f.value(x)]
            })
            .collect();
        vec![Table {
            name: "iterates",
            columns: vec!["t", "x1", "x2", "q1_dev", "q2_dev", "closed_form_x1", "closed_form_x2", "f"],
            rows,
        }]
    }

    fn grab(&self, panel: usize, x: f64, _y: f64) -> Option<Grab> {
        if Panels::from_index(panel) != Some(Panels::Contraction) || !x.is_finite() {
            return None;
        }
        let (a1, a2) = (self.settings.a1, self.settings.a2);
        Some(Grab::X(if (x - a1).abs() <= (x - a2).abs() { Settings::KEYS.a1 } else { Settings::KEYS.a2 }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diverges_exactly_along_the_direction_past_the_threshold() {
        let mut p = ParamValues::defaults(QuadraticNd::PARAMS);
        p.set(Settings::KEYS.eta, 0.8).unwrap(); // 2/η = 2.5: a₁ = 3 unstable, a₂ = 0.4 stable
        p.set(Settings::KEYS.steps, 60.0).unwrap();
        let fig = QuadraticNd::new(p);
        let [q1, q2] = fig.projections(fig.iterates.len() - 1);
        assert!(q1.last().unwrap() > &(q1[0] * 100.0), "q1 component must grow");
        assert!(q2.last().unwrap() < &(q2[0] * 1e-3), "q2 component must shrink");
        assert_eq!(fig.verdict().tone, Tone::Bad);
    }
}
