//! The error-dynamics panel of `linear-stability` and `proof-mean-dynamics`: E‖θ_t − θ*‖² and
//! ‖E[θ_t − θ*]‖ against t, exact and from the runs, with what each figure adds
//! ([`DynamicsView`]).

use plotters::coord::Shift;
use plotters::prelude::*;

use super::linear_dynamics::Dynamics;
use crate::kit::format;
use crate::kit::plot::Key;
use crate::kit::plot::{self, BuildChart, DrawResult, Theme};
use crate::math::linear_stability::DIVERGENCE_GROWTH;

/// A third statistic of the runs' distances ‖θ_t − θ*‖ for the dynamics panel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunsNorm {
    /// Their mean, E‖θ_t − θ*‖: Definition 1's quantity and the right side of Jensen's
    /// inequality.
    Mean,
    /// Their median: where a typical run is.
    Median,
}

/// A labelled horizontal line from step `from` on.
#[derive(Clone, Debug, PartialEq)]
pub struct Level {
    pub label: String,
    pub value: f64,
    pub from: usize,
}

/// What the dynamics panel draws: E‖θ_t − θ*‖² and ‖E[θ_t − θ*]‖, each exact (a line) and from
/// the runs (dots), the one not in focus faint, with the standard error of the runs' mean when
/// the mean is in focus, and what the figure adds.
#[derive(Clone, Debug, PartialEq)]
pub struct DynamicsView {
    pub mean: bool,
    pub second_moment: bool,
    pub runs_norm: Option<RunsNorm>,
    pub level: Option<Level>,
    /// A vertical line at the step the runs have reached, while they have not finished.
    pub cursor: bool,
}

/// One quantity of the error dynamics, exact and simulated, on the dynamics panel.
struct Series {
    label: String,
    exact: Vec<(f64, f64)>,
    simulated: Vec<(f64, f64)>,
    colour: usize,
    in_focus: bool,
}

/// Draws the error dynamics of `dynamics` up to the runs' last step as `view` says, with the
/// noise floor when there is one. A series followed no further (its square passed
/// [`DIVERGENCE_GROWTH`] times its start) ends in a cross; notes under the chart say what the
/// crosses are and why the runs' estimates can part from the exact lines.
pub fn draw_dynamics<DB: DrawingBackend>(
    dynamics: &Dynamics,
    area: &DrawingArea<DB, Shift>,
    theme: &Theme,
    view: &DynamicsView,
) -> DrawResult<DB>
where
    DB::ErrorType: 'static,
{
    plot::clear(area, theme)?;
    let traj = &dynamics.trajectories;
    let simulated = traj.simulated().history();
    let horizon = traj.horizon().max(1) as f64;
    let indexed = |values: &mut dyn Iterator<Item = f64>| -> Vec<(f64, f64)> {
        values.enumerate().map(|(t, v)| (t as f64, v)).collect()
    };
    let exact_mean = indexed(&mut traj.exact_means().iter().map(|m| norm(m)));
    let exact_square = indexed(&mut traj.exact_mean_squares().iter().copied());
    let sim_mean = indexed(&mut simulated.iter().map(|s| norm(&s.mean)));
    let sim_square = indexed(&mut simulated.iter().map(|s| s.mean_square_norm));
    let mut series = vec![
        Series {
            label: "E\u{2016}\u{3b8}\u{209c}\u{2212}\u{3b8}*\u{2016}\u{b2}".into(),
            exact: exact_square,
            simulated: sim_square,
            colour: 1,
            in_focus: view.second_moment,
        },
        Series {
            label: "\u{2016}E[\u{3b8}\u{209c}\u{2212}\u{3b8}*]\u{2016}".into(),
            exact: exact_mean,
            simulated: sim_mean,
            colour: 0,
            in_focus: view.mean,
        },
    ];
    if let Some(kind) = view.runs_norm {
        let (label, values): (&str, Vec<f64>) = match kind {
            RunsNorm::Mean => {
                ("E\u{2016}\u{3b8}\u{209c}\u{2212}\u{3b8}*\u{2016}", simulated.iter().map(|s| s.mean_norm).collect())
            }
            RunsNorm::Median => (
                "median \u{2016}\u{3b8}\u{209c}\u{2212}\u{3b8}*\u{2016}",
                simulated.iter().map(|s| s.median_norm).collect(),
            ),
        };
        series.push(Series {
            label: label.into(),
            exact: Vec::new(),
            simulated: indexed(&mut values.into_iter()),
            colour: 3,
            in_focus: true,
        });
    }
    let runs = dynamics.runs as f64;
    let error: Vec<(f64, f64)> =
        if view.mean { series[0].exact.iter().map(|&(t, v)| (t, (v / runs).sqrt())).collect() } else { Vec::new() };
    // The noise floor of E‖θ_t − θ*‖² is drawn when that series is in focus.
    let floor = dynamics.floor.filter(|f| *f > 0.0 && view.second_moment);
    // The axis spans what is in focus; a faint series may leave it.
    let in_focus = series.iter().filter(|s| s.in_focus).flat_map(|s| s.exact.iter().chain(&s.simulated));
    let levels = floor.into_iter().chain(view.level.as_ref().map(|l| l.value));
    let (lo, hi) = plot::log_range(in_focus.chain(&error).map(|p| p.1).chain(levels), 1e-16);
    let on_axis = |v: f64| (lo..=hi).contains(&v);

    // Most telling first: a small panel shows only the first few.
    let mut notes = vec!["Lines: exact; dots: the R runs.".to_string()];
    if dynamics.rare_runs_carry_the_mean_square() {
        notes.push("Rare runs carry E\u{2016}\u{b7}\u{2016}\u{b2}: the runs\u{2019} is far below.".to_string());
    }
    if view.mean && mean_is_below_its_error(dynamics) {
        notes.push("Below \u{221a}(E\u{2016}\u{b7}\u{2016}\u{b2}/R) the runs\u{2019} mean is noise.".to_string());
    }
    let stopped = [traj.exact_stopped_at(), traj.exact_mean_stopped_at(), traj.simulated().diverged_at()];
    if stopped.iter().any(Option::is_some) {
        notes.push(format!("\u{d7}: followed no further (past {}\u{d7} its start).", format::tick(DIVERGENCE_GROWTH)));
    }
    let chart_area = plot::with_notes(area, theme, &notes)?;
    let mut chart = plot::frame(&chart_area, theme, "the error \u{3b8}\u{209c} \u{2212} \u{3b8}* against t")
        .axes(0.0..horizon, plot::Axis::log(lo..hi))?;
    plot::mesh(&mut chart, theme, "step t", "size of \u{3b8}\u{209c} \u{2212} \u{3b8}*")?;
    // Dots every few steps, at most about 80 per series.
    let every = (simulated.len() / 80).max(1);
    for line in &series {
        let colour = theme.series(line.colour);
        let alpha = if line.in_focus { 1.0 } else { 0.3 };
        let style = ShapeStyle { color: colour.mix(alpha), filled: false, stroke_width: theme.px(2.0) };
        // A curve that leaves the axis ends there (a log axis has no zero to clamp to).
        let shown = line.exact.iter().take_while(|p| on_axis(p.1)).copied();
        let exact = plot::line(&mut chart, &format!("{}, exact", line.label), shown, style)?;
        // One legend entry per quantity: the line is exact, the dots are the runs.
        if !line.exact.is_empty() {
            exact.key(line.label.clone(), plot::swatch(theme, style));
        }
        // The last point is always drawn: it is where the runs are now.
        let last = line.simulated.len().saturating_sub(1);
        let dots = line
            .simulated
            .iter()
            .enumerate()
            .filter(|&(t, p)| (t % every == 0 || t == last) && p.1 <= hi)
            .map(|(_, &(t, v))| (t, v.max(lo)));
        let simulated = plot::markers(&mut chart, &format!("{}, runs", line.label), dots, |p| {
            Circle::new(p, theme.px(2.5), colour.mix(alpha).filled())
        })?;
        if line.exact.is_empty() {
            simulated.key(format!("{}, runs", line.label), plot::dot_swatch(theme, colour));
        }
    }
    // Crosses where a series was followed no further.
    let cross = |points: &[(f64, f64)], at: Option<usize>, colour: usize| {
        at.and_then(|t| points.get(t).copied())
            .filter(|p| on_axis(p.1))
            .map(|p| Cross::new(p, theme.px(6.0), theme.line(theme.series(colour), 2.0)))
    };
    let crosses = [
        cross(&series[0].exact, traj.exact_stopped_at(), 1),
        cross(&series[0].simulated, traj.simulated().diverged_at(), 1),
        cross(&series[1].exact, traj.exact_mean_stopped_at(), 0),
    ];
    chart.draw_series(crosses.into_iter().flatten())?;
    if !error.is_empty() {
        let style = ShapeStyle { color: theme.series(0).mix(0.6), filled: false, stroke_width: theme.px(1.0) };
        let shown = error.iter().map(|&(t, v)| (t, v.max(lo)));
        plot::dashed(&mut chart, "standard error of the mean", shown, (theme.px(2.0), theme.px(3.0)), style)?
            .key("\u{221a}(E\u{2016}\u{b7}\u{2016}\u{b2}/R)", plot::swatch(theme, style));
    }
    if let Some(floor) = floor {
        let style = theme.line(theme.series(2), 1.5);
        plot::dashed(
            &mut chart,
            "floor tr S\u{221e}",
            [(0.0, floor), (horizon, floor)],
            (theme.px(6.0), theme.px(4.0)),
            style,
        )?
        .key(format!("floor tr S\u{221e} = {}", format::number(floor)), plot::swatch(theme, style));
    }
    if let Some(level) = &view.level {
        let style = theme.line(theme.foreground(), 1.5);
        let span = [(level.from as f64, level.value), (horizon, level.value)];
        plot::dashed(&mut chart, &level.label, span, (theme.px(3.0), theme.px(3.0)), style)?
            .key(level.label.clone(), plot::swatch(theme, style));
    }
    let now = dynamics.last_step();
    if view.cursor && !traj.is_complete() {
        let style = theme.line(theme.muted(), 1.0);
        chart.draw_series(LineSeries::new([(now as f64, lo), (now as f64, hi)], style))?;
        // Labelled at the foot of the line, clear of the levels drawn near the top.
        chart.draw_series(std::iter::once(
            EmptyElement::at((now as f64, lo))
                + Text::new(format!("t = {now}"), (theme.px(4.0) as i32, -(theme.px(16.0) as i32)), theme.text(11.0)),
        ))?;
    }
    plot::legend(&mut chart, theme)?;
    Ok(None)
}

/// Whether the exact mean has fallen far below the standard error of the runs' mean at some
/// step reached: there the dots of ‖E[θ_t − θ*]‖ are noise and part from the line.
fn mean_is_below_its_error(dynamics: &Dynamics) -> bool {
    (0..=dynamics.last_step()).any(|t| match (dynamics.exact_mean_norm(t), dynamics.standard_error(t)) {
        (Some(mean), Some(error)) => mean < 0.1 * error,
        _ => false,
    })
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}
