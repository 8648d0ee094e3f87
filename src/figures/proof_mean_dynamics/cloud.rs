//! The second panel of `proof-mean-dynamics`: the runs at the current step in the plane of the
//! sharpest and the flattest eigen-directions of H, with their mean, the closed form of the
//! mean and its path, and what the current line of the proof adds.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{ProofMeanDynamics, CHOICE_OF_START, START_DISTANCE};
use crate::figures::shared::linear_dynamics::Dynamics;
use crate::kit::plot::Key;
use crate::kit::plot::{self, BuildChart, DrawResult, Theme};

/// The coordinates of `e` along q₁ and q_d, the sharpest and the flattest eigen-directions of
/// H: the plane in which the mean's path, fast along q₁ and slow along q_d, is best seen.
pub(super) fn plane(d: &Dynamics, e: &[f64]) -> (f64, f64) {
    let vectors = &d.problem.hessian_eigen().vectors;
    let along = |c: usize| e.iter().enumerate().map(|(i, v)| v * vectors[(i, c)]).sum::<f64>();
    (along(0), along(vectors.ncols() - 1))
}

/// `n` in subscript digits.
fn subscript(n: usize) -> String {
    n.to_string().chars().filter_map(|c| c.to_digit(10)).filter_map(|k| char::from_u32(0x2080 + k)).collect()
}

impl ProofMeanDynamics {
    pub(super) fn draw_cloud<DB: DrawingBackend>(
        &self,
        d: &Dynamics,
        area: &DrawingArea<DB, Shift>,
        theme: &Theme,
    ) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        plot::clear(area, theme)?;
        let sim = d.trajectories.simulated();
        let t = d.last_step();
        let project = |e: &[f64]| plane(d, e);
        let points: Vec<(f64, f64)> = (0..sim.runs()).map(|r| project(sim.error(r))).collect();
        let mean = project(&d.simulated_at(t).mean);
        let closed = d.trajectories.exact_means().get(t).map(|m| project(m));
        // The path of the closed form up to t: gradient descent on the quadratic model.
        let path: Vec<(f64, f64)> = d.trajectories.exact_means().iter().take(t + 1).map(|m| project(m)).collect();
        let kicks = if (2..=4).contains(&self.line) { self.kicks(d, &project) } else { Vec::new() };
        // A circle around θ*: E‖θ_t − θ*‖ for Jensen's lines, the ball of radius ε once chosen.
        let circle = match self.line {
            6 | 7 => Some((
                "circle of radius E\u{2016}\u{3b8}\u{209c} \u{2212} \u{3b8}*\u{2016}",
                d.simulated_at(t).mean_norm,
            )),
            l if l >= CHOICE_OF_START => {
                Some(("ball \u{2016}\u{3b8} \u{2212} \u{3b8}*\u{2016} \u{2264} \u{3b5}", START_DISTANCE))
            }
            _ => None,
        };
        // The view holds 95% of the runs, the means, the circle and the kicks; a few far runs
        // may fall outside.
        let mut radii: Vec<f64> = points.iter().map(|p| p.0.hypot(p.1)).filter(|r| r.is_finite()).collect();
        crate::math::order::sort_values(&mut radii);
        let bulk = radii.get(radii.len() * 95 / 100).copied().unwrap_or(1.0);
        let reach = [mean, closed.unwrap_or((0.0, 0.0))]
            .iter()
            .map(|p| p.0.hypot(p.1))
            .chain(kicks.iter().map(|p| p.0.hypot(p.1)))
            .chain(circle.map(|c| c.1))
            .filter(|r| r.is_finite())
            .fold(bulk, f64::max)
            .max(1e-12)
            * 1.2;
        // Equal scales on both axes, so that circles look round: the plotting area is the panel
        // less the frame's margins, caption and label areas (see `plot::frame`), and the y range
        // runs from −1.7 ry to ry to leave room below the runs for the legend.
        let (w, h) = area.dim_in_pixel();
        let width = w.saturating_sub(theme.px(10.0 + 16.0 + 54.0)).max(1) as f64;
        let height = h.saturating_sub(theme.px(10.0 + 10.0 + 38.0 + 22.0)).max(1) as f64;
        let per_pixel = (2.0 * reach / width).max(2.7 * reach / height);
        let (rx, ry) = (per_pixel * width / 2.0, per_pixel * height / 2.7);
        let caption =
            format!("the {} runs at t = {t}, along q\u{2081} and q{}", sim.runs(), subscript(d.problem.dim()));
        let y_lo = -1.7 * ry;
        let mut chart = plot::frame(area, theme, &caption).axes(-rx..rx, y_lo..ry)?;
        plot::mesh(
            &mut chart,
            theme,
            "q\u{2081}\u{1d40}(\u{3b8}\u{209c} \u{2212} \u{3b8}*)",
            &format!("q{}\u{1d40}(\u{3b8}\u{209c} \u{2212} \u{3b8}*)", subscript(d.problem.dim())),
        )?;
        let inside = |p: &(f64, f64)| p.0.abs() <= rx && p.1.abs() <= ry;
        let run_colour = theme.muted();
        let shown = points.iter().copied().filter(inside);
        plot::markers(&mut chart, "runs", shown, |p| Circle::new(p, theme.px(2.0), run_colour.mix(0.5).filled()))?
            .key("runs", plot::dot_swatch(theme, run_colour));
        if let Some((label, radius)) = circle {
            let style = theme.line(theme.series(3), 1.5);
            let ring = (0..=96).map(|k| {
                let a = k as f64 * std::f64::consts::TAU / 96.0;
                (radius * a.cos(), radius * a.sin())
            });
            chart.draw_series(LineSeries::new(ring, style))?.key(label, plot::swatch(theme, style));
        }
        if !kicks.is_empty() {
            let style = theme.line(theme.series(2), 1.5);
            chart.draw_series(kicks.iter().map(|&k| PathElement::new(vec![(0.0, 0.0), k], style)))?.key(
                "\u{2212}\u{3b7}\u{2207}l\u{2c7c}(\u{3b8}*), one per sample; their mean is 0",
                plot::swatch(theme, style),
            );
        }
        let origin = theme.line(theme.foreground(), 2.0);
        plot::markers(&mut chart, "\u{3b8}*", [(0.0, 0.0)], |p| Cross::new(p, theme.px(6.0), origin))?
            .key("\u{3b8}*", move |(x, y)| Cross::new((x + 9, y), 5, origin));
        if self.line >= CHOICE_OF_START {
            let start = project(d.start.as_slice());
            let style = theme.line(theme.foreground(), 1.5);
            plot::markers(&mut chart, "start \u{3b8}\u{2080}", [start], |p| {
                TriangleMarker::new(p, theme.px(6.0), style)
            })?
            .key("\u{3b8}\u{2080} = \u{3b8}* + \u{3b5}q\u{2081}", move |(x, y)| {
                TriangleMarker::new((x + 9, y), 5, style)
            });
        }
        let path_style = theme.line(theme.series(1).mix(0.7), 1.5);
        plot::line(&mut chart, "path of the exact mean", path.iter().copied(), path_style)?.key(
            "(I \u{2212} \u{3b7}H)\u{2e2}(\u{3b8}\u{2080} \u{2212} \u{3b8}*), s = 0 to t",
            plot::swatch(theme, path_style),
        );
        if let Some(closed) = closed {
            let closed_style = theme.line(theme.series(1), 2.5);
            plot::markers(&mut chart, "closed form of the mean", [closed], |p| {
                Circle::new(p, theme.px(9.0), closed_style)
            })?
            .key("(I \u{2212} \u{3b7}H)\u{1d57}(\u{3b8}\u{2080} \u{2212} \u{3b8}*)", move |(x, y)| {
                Circle::new((x + 9, y), 5, closed_style)
            });
        }
        plot::markers(&mut chart, "mean of the runs", [mean], |p| {
            Circle::new(p, theme.px(4.5), theme.series(0).filled())
        })?
        .key("mean of the runs", plot::dot_swatch(theme, theme.series(0)));
        let outside = points.len() - points.iter().filter(|p| inside(p)).count();
        if outside > 0 {
            let (px, py) = chart.plotting_area().get_pixel_range();
            plot::note(
                area,
                theme,
                &if outside == 1 {
                    "1 run lies outside the view".to_string()
                } else {
                    format!("{outside} runs lie outside the view")
                },
                (px.start + theme.px(6.0) as i32, py.start + theme.px(4.0) as i32),
            )?;
        }
        // After the note, so that the legend is placed clear of it.
        plot::legend(&mut chart, theme)?;
        Ok(None)
    }

    /// The kicks −ηgⱼ = −η∇lⱼ(θ*) of single samples, projected like the runs; none when every
    /// gⱼ vanishes (exact labels).
    fn kicks(&self, d: &Dynamics, project: &impl Fn(&[f64]) -> (f64, f64)) -> Vec<(f64, f64)> {
        (0..d.problem.len())
            .map(|j| {
                let (a, b) = project(d.problem.sample_gradient(j));
                (-d.eta * a, -d.eta * b)
            })
            .filter(|k| k.0 != 0.0 || k.1 != 0.0)
            .collect()
    }
}
