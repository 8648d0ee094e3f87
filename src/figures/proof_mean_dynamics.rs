//! `proof-mean-dynamics`: the proof of Theorem 1.1 (Mulayoff et al.), eqs (9)–(19), one line
//! at a time, each evaluated on the problem of `linear-stability` (the same parameters and
//! defaults build the same problem and the same runs, through [`Dynamics`]).
//!
//! Panels: the error dynamics with the series the current line is about in focus; the
//! simulated runs at the last step in the plane of H's two top eigenvectors, with their mean
//! and the closed form (I − ηH)ᵗ(θ₀ − θ*); and the contraction factor 1 − ηλ against λ with
//! the eigenvalues of H, where the conclusion λ_max ≤ 2/η is read off. θ₀ − θ* is the unit
//! top eigenvector of H throughout (so ε = 1), the choice the proof makes at its step 8.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::linear_stability::{
    check_problem, draw_dynamics, Dynamics, Emphasis, BATCH, DIM, ETA, HORIZON, LABELS, RUNS, SAMPLES, SEED,
};
use super::params::{ParamError, ParamSpec, ParamValues, Scale};
use super::plot::{self, format_number, DrawResult, Theme};
use super::{Activity, Figure, Panel, Table, Tone, Verdict, WORK_PER_UNIT, WORK_UNIT_NAME};

/// The proof's steps, in the order of the page's list `#proof-mean-dynamics-steps`: the
/// equation numbers each covers.
const STEPS_OF_PROOF: [&str; 10] =
    ["(9)", "(10)", "(11)", "(12)", "(13), (15)", "(14), (16)", "(17)", "choice of \u{3b8}\u{2080}", "(18)", "(19)"];

pub const LINE: ParamSpec = ParamSpec {
    key: "line",
    label: "step of the proof",
    min: 1.0,
    max: STEPS_OF_PROOF.len() as f64,
    default: 1.0,
    scale: Scale::Integer,
};

pub struct ProofMeanDynamics {
    params: ParamValues,
    line: usize,
    dynamics: Result<Dynamics, String>,
    /// Multiply-adds granted by `step` and not yet spent on the runs.
    credit: usize,
}

/// ε = ‖θ₀ − θ*‖: the start is the unit top eigenvector.
const EPSILON: f64 = 1.0;

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

impl ProofMeanDynamics {
    fn emphasis(&self) -> Emphasis {
        match self.line {
            1..=5 => Emphasis { mean: true, second_moment: false, mean_norm: false, level: None },
            6 => Emphasis { mean: true, second_moment: false, mean_norm: true, level: None },
            7 => Emphasis {
                mean: true,
                second_moment: false,
                mean_norm: true,
                level: Some(("\u{3b5} = \u{2016}\u{3b8}\u{2080} \u{2212} \u{3b8}*\u{2016}", EPSILON)),
            },
            _ => Emphasis { mean: true, second_moment: false, mean_norm: false, level: Some(("\u{3b5}", EPSILON)) },
        }
    }

    /// The numbers of the current line, as (label, value) pairs. The statements about the mean,
    /// (9)–(16), are evaluated at the last step at which the runs still resolve the mean; the
    /// limit (17) at the last step reached; (18) at the last step where |1 − ηλ_max|ᵗ stays
    /// far above the rounding in the other eigen-directions of the start.
    fn numbers(&self, d: &Dynamics) -> Vec<(String, String)> {
        let traj = &d.trajectories;
        let last = d.last_step();
        let resolved = traj.resolved_step().min(last);
        // Where |1 − ηλ_max|ᵗ is still far above the rounding of the start's other components.
        let factor = (1.0 - d.eta * d.problem.sharpness()).abs();
        let above_rounding = (0..=last).take_while(|&t| factor.powi(t as i32) >= 1e-10).last().unwrap_or(0);
        let t = match self.line {
            7 => last,
            8..=9 => above_rounding,
            _ => resolved,
        };
        let sim = &traj.simulated().history()[t];
        let exact = &traj.exact()[t];
        let lambda = d.problem.sharpness();
        let sim_mean = norm(&sim.mean);
        let standard_error = (sim.mean_square_norm / d.runs as f64).sqrt();
        let pair = |label: String, value: String| (label, value);
        match self.line {
            1 => vec![
                pair(
                    format!("\u{2016}E[\u{3b8}\u{209c} \u{2212} \u{3b8}*]\u{2016} at t = {t}, over {} runs", d.runs),
                    format_number(sim_mean),
                ),
                pair("its standard error".into(), format_number(standard_error)),
            ],
            2 => {
                let mean_gradient = d.problem.mean_sample_gradient().norm();
                let per_sample = (0..d.problem.len()).map(|j| norm(d.problem.sample_gradient(j))).sum::<f64>()
                    / d.problem.len() as f64;
                vec![
                    pair(
                        "\u{2016}E[\u{2207}L\u{302}\u{209c}(\u{3b8}*)]\u{2016} = \u{2016}\u{2207}L(\u{3b8}*)\u{2016}"
                            .into(),
                        format_number(mean_gradient),
                    ),
                    pair(
                        "mean \u{2016}\u{2207}l\u{2c7c}(\u{3b8}*)\u{2016} of single samples".into(),
                        format_number(per_sample),
                    ),
                ]
            }
            3 | 4 => {
                // One step of the mean: E[e_t] against (I − ηH)E[e_{t−1}] from the same runs.
                let previous = &traj.simulated().history()[t.saturating_sub(1)].mean;
                let h = d.problem.hessian();
                let predicted: Vec<f64> = (0..previous.len())
                    .map(|i| previous[i] - d.eta * (0..previous.len()).map(|k| h[(i, k)] * previous[k]).sum::<f64>())
                    .collect();
                let gap = norm(&sim.mean.iter().zip(&predicted).map(|(a, b)| a - b).collect::<Vec<_>>());
                let mut out = vec![
                    pair(format!("\u{2016}E[\u{3b8}\u{209c} \u{2212} \u{3b8}*] \u{2212} (I \u{2212} \u{3b7}H)E[\u{3b8}\u{209c}\u{208b}\u{2081} \u{2212} \u{3b8}*]\u{2016}, t = {t}"), format_number(gap)),
                    pair("standard error of the simulated mean".into(), format_number(standard_error)),
                ];
                if self.line == 4 {
                    out.push(pair(
                        "P(sample j in the batch) = B/n".into(),
                        format!(
                            "{}/{} = {}",
                            d.batch,
                            d.problem.len(),
                            format_number(d.batch as f64 / d.problem.len() as f64)
                        ),
                    ));
                }
                out
            }
            5 => vec![
                pair(
                    format!(
                        "\u{2016}(I \u{2212} \u{3b7}H)\u{1d57}(\u{3b8}\u{2080} \u{2212} \u{3b8}*)\u{2016}, t = {t}"
                    ),
                    format_number(norm(&exact.mean)),
                ),
                pair(
                    format!("\u{2016}E[\u{3b8}\u{209c} \u{2212} \u{3b8}*]\u{2016} over {} runs", d.runs),
                    format_number(sim_mean),
                ),
                pair("standard error of the simulated mean".into(), format_number(standard_error)),
            ],
            6 => vec![
                pair(format!("\u{2016}E[\u{3b8}\u{209c} \u{2212} \u{3b8}*]\u{2016}, t = {t}"), format_number(sim_mean)),
                pair("E\u{2016}\u{3b8}\u{209c} \u{2212} \u{3b8}*\u{2016}".into(), format_number(sim.mean_norm)),
            ],
            7 => {
                let tail = t / 2..=t;
                let tail_norm = tail.clone().map(|s| traj.simulated().history()[s].mean_norm).fold(0.0, f64::max);
                let tail_closed =
                    tail.map(|s| norm(&traj.exact()[s.min(traj.exact().len() - 1)].mean)).fold(0.0, f64::max);
                vec![
                    pair("\u{3b5} = \u{2016}\u{3b8}\u{2080} \u{2212} \u{3b8}*\u{2016}".into(), format_number(EPSILON)),
                    pair(format!("max of E\u{2016}\u{3b8}\u{209b} \u{2212} \u{3b8}*\u{2016} for s in [{}, {t}]", t / 2), format_number(tail_norm)),
                    pair(format!("max of \u{2016}(I \u{2212} \u{3b7}H)\u{02e2}(\u{3b8}\u{2080} \u{2212} \u{3b8}*)\u{2016} for s in [{}, {t}]", t / 2), format_number(tail_closed)),
                ]
            }
            8 => {
                let q = d.problem.top_eigenvector();
                let residual = (d.problem.hessian() * &q - &q * lambda).norm();
                vec![
                    pair("\u{3bb}max(H)".into(), format_number(lambda)),
                    pair("\u{2016}Hq\u{2081} \u{2212} \u{3bb}max q\u{2081}\u{2016}".into(), format_number(residual)),
                    pair("\u{2016}\u{3b8}\u{2080} \u{2212} \u{3b8}*\u{2016} = \u{3b5}".into(), format_number(EPSILON)),
                ]
            }
            9 => vec![
                pair("|1 \u{2212} \u{3b7}\u{3bb}max|".into(), format_number(factor)),
                pair(format!("|1 \u{2212} \u{3b7}\u{3bb}max|\u{1d57}, t = {t}"), format_number(factor.powi(t as i32))),
                pair(
                    "\u{2016}(I \u{2212} \u{3b7}H)\u{1d57}(\u{3b8}\u{2080} \u{2212} \u{3b8}*)\u{2016}/\u{3b5}"
                        .to_string(),
                    format_number(norm(&exact.mean) / EPSILON),
                ),
            ],
            _ => vec![
                pair("\u{3bb}max(H)".into(), format_number(lambda)),
                pair("2/\u{3b7}".into(), format_number(2.0 / d.eta)),
                pair("exact mean-square test \u{3c1}(T)".into(), format_number(d.radius)),
            ],
        }
    }

    fn draw_cloud<DB: DrawingBackend>(
        &self,
        d: &Dynamics,
        area: &DrawingArea<DB, Shift>,
        theme: &Theme,
    ) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        plot::clear(area, theme)?;
        let traj = &d.trajectories;
        let sim = traj.simulated();
        // The runs where the proof's numbers are taken, once reached; until then the latest.
        let (t, errors): (usize, Vec<&[f64]>) = match sim.snapshot() {
            Some((t, all)) => (t, all.chunks_exact(d.problem.dim()).collect()),
            None => (sim.steps(), (0..sim.runs()).map(|r| sim.error(r)).collect()),
        };
        let vectors = &d.problem.hessian_eigen().vectors;
        let project = |e: &[f64]| -> (f64, f64) {
            let along = |c: usize| e.iter().enumerate().map(|(i, v)| v * vectors[(i, c)]).sum::<f64>();
            (along(0), along(1))
        };
        let points: Vec<(f64, f64)> = errors.iter().map(|e| project(e)).collect();
        let mean = project(&sim.history()[t].mean);
        let closed = project(&traj.exact()[t.min(traj.exact().len() - 1)].mean);
        // The view holds 95% of the runs, the mean and the closed form; a few far runs may
        // fall outside.
        let mut radii: Vec<f64> = points.iter().map(|p| p.0.hypot(p.1)).filter(|r| r.is_finite()).collect();
        radii.sort_by(f64::total_cmp);
        let bulk = radii.get(radii.len() * 95 / 100).copied().unwrap_or(1.0);
        let reach = bulk.max(mean.0.hypot(mean.1)).max(closed.0.hypot(closed.1)).max(1e-12) * 1.2;
        let (w, h) = area.dim_in_pixel();
        let aspect = (w as f64 / h.max(1) as f64).clamp(0.5, 3.0);
        let (rx, ry) = (reach * aspect.max(1.0), reach * (1.0 / aspect).max(1.0));
        let caption = format!("the {} runs at t = {t}, along q\u{2081} and q\u{2082}", sim.runs());
        // Room below the runs for the legend.
        let y_lo = -1.7 * ry;
        let mut chart = plot::frame(area, theme, &caption).build_cartesian_2d(-rx..rx, y_lo..ry)?;
        plot::mesh(
            &mut chart,
            theme,
            "q\u{2081}\u{1d40}(\u{3b8}\u{209c} \u{2212} \u{3b8}*)",
            "q\u{2082}\u{1d40}(\u{3b8}\u{209c} \u{2212} \u{3b8}*)",
        )?;
        let inside = |p: &(f64, f64)| p.0.abs() <= rx && p.1.abs() <= ry;
        let run_colour = theme.muted();
        let shown = points.iter().copied().filter(inside);
        plot::markers(&mut chart, "runs", shown, |p| Circle::new(p, theme.px(2.0), run_colour.mix(0.5).filled()))?
            .label("runs")
            .legend(plot::dot_swatch(theme, run_colour));
        let origin = theme.line(theme.foreground(), 2.0);
        plot::markers(&mut chart, "\u{3b8}*", [(0.0, 0.0)], |p| Cross::new(p, theme.px(6.0), origin))?
            .label("\u{3b8}*")
            .legend(move |(x, y)| Cross::new((x + 9, y), 5, origin));
        let closed_style = theme.line(theme.series(1), 2.5);
        plot::markers(&mut chart, "closed form of the mean", [closed], |p| {
            Circle::new(p, theme.px(9.0), closed_style)
        })?
        .label("(I \u{2212} \u{3b7}H)\u{1d57}(\u{3b8}\u{2080} \u{2212} \u{3b8}*)")
        .legend(move |(x, y)| Circle::new((x + 9, y), 5, closed_style));
        plot::markers(&mut chart, "mean of the runs", [mean], |p| {
            Circle::new(p, theme.px(4.5), theme.series(0).filled())
        })?
        .label("their mean")
        .legend(plot::dot_swatch(theme, theme.series(0)));
        let outside = points.len() - points.iter().filter(|p| inside(p)).count();
        if outside > 0 {
            let (_, py) = chart.plotting_area().get_pixel_range();
            let (px, _) = chart.plotting_area().get_pixel_range();
            plot::note(
                area,
                theme,
                &format!("{outside} runs lie outside the view"),
                (px.start + theme.px(6.0) as i32, py.end - theme.px(20.0) as i32),
            )?;
        }
        plot::legend(&mut chart, theme)?;
        Ok(None)
    }
}

impl Figure for ProofMeanDynamics {
    const ID: &'static str = "proof-mean-dynamics";
    const TITLE: &'static str = "Theorem 1.1 step by step: the mean of SGD's linearized dynamics";
    const PARAMS: &'static [ParamSpec] = &[LINE, ETA, BATCH, LABELS, DIM, SAMPLES, SEED, RUNS, HORIZON];
    const PANELS: &'static [Panel] = &[
        Panel { key: "dynamics", description: "The distance of the mean ‖E[θ_t − θ*]‖ against t, from simulated runs and in closed form (I − ηH)^t(θ_0 − θ*), with E‖θ_t − θ*‖ for Jensen's step and ε for the stability assumption" },
        Panel { key: "cloud", description: "The simulated runs, at the step where the proof's numbers are taken, in the plane of the two top eigenvectors of H, with their mean, the closed form of the mean and θ*" },
        Panel { key: "contraction", description: "The contraction factor 1 − ηλ against λ with the eigenvalues of H marked and the threshold λ = 2/η" },
    ];
    const PACE: Option<f64> = None;
    const UNIT: &'static str = WORK_UNIT_NAME;
    const STEPPER: Option<&'static str> = Some("line");

    fn validate(params: &ParamValues) -> Result<(), ParamError> {
        check_problem(params)
    }

    fn new(params: ParamValues) -> Self {
        let line = params.get_usize(LINE.key);
        let dynamics = Dynamics::from_params(&params);
        Self { params, line, dynamics, credit: 0 }
    }

    fn params(&self) -> &ParamValues {
        &self.params
    }

    fn step(&mut self, units: usize) -> Activity {
        let Ok(d) = &mut self.dynamics else { return Activity::Idle };
        self.credit = d.advance(self.credit.saturating_add(units.saturating_mul(WORK_PER_UNIT)));
        if d.trajectories.is_complete() {
            Activity::Idle
        } else {
            Activity::Running
        }
    }

    fn draw<DB: DrawingBackend>(&self, panel: usize, area: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        let d = match &self.dynamics {
            Ok(d) => d,
            Err(message) => {
                plot::message_panel(area, theme, Self::PANELS[panel].key, message)?;
                return Ok(None);
            }
        };
        match panel {
            0 => draw_dynamics(d, area, theme, self.emphasis()),
            1 => self.draw_cloud(d, area, theme),
            _ => {
                let values = &d.problem.hessian_eigen().values;
                // The extreme eigenvalues of H: the top one decides, the bottom one shows the spread.
                let markers = [("\u{3bb}max", values[0]), ("\u{3bb}min", values[values.len() - 1])];
                plot::draw_contraction(area, theme, d.eta, &markers, values[0] * 1.2)?;
                Ok(None)
            }
        }
    }

    fn verdict(&self) -> Verdict {
        let d = match &self.dynamics {
            Ok(d) => d,
            Err(message) => return Verdict { text: plot::refusal(message), tone: Tone::Bad },
        };
        let numbers: Vec<String> = self.numbers(d).into_iter().map(|(l, v)| format!("{l} = {v}")).collect();
        let lambda = d.problem.sharpness();
        let holds = lambda <= 2.0 / d.eta;
        let conclusion = format!(
            "Conclusion on this problem: \u{3bb}max(H) = {} {} 2/\u{3b7} = {}, and the runs are {}.",
            format_number(lambda),
            if holds { "\u{2264}" } else { ">" },
            format_number(2.0 / d.eta),
            d.exact_words()
        );
        let text = format!(
            "Step {} of {}, eq. {}: {}. {conclusion}",
            self.line,
            STEPS_OF_PROOF.len(),
            STEPS_OF_PROOF[self.line - 1],
            numbers.join("; ")
        );
        let tone = if !holds {
            Tone::Bad
        } else if d.radius < 1.0 {
            Tone::Good
        } else {
            Tone::Neutral
        };
        Verdict { text, tone }
    }

    fn readouts(&self) -> Vec<(String, String)> {
        match &self.dynamics {
            Ok(d) => self.numbers(d),
            Err(_) => Vec::new(),
        }
    }

    fn tables(&self) -> Vec<Table> {
        let Ok(d) = &self.dynamics else { return Vec::new() };
        let traj = &d.trajectories;
        let rows = (0..=d.last_step())
            .map(|t| {
                let (e, s) = (&traj.exact()[t], &traj.simulated().history()[t]);
                let factor = (1.0 - d.eta * d.problem.sharpness()).abs().powi(t as i32) * EPSILON;
                vec![t as f64, norm(&e.mean), norm(&s.mean), s.mean_norm, factor]
            })
            .collect();
        vec![Table {
            name: "mean-dynamics",
            columns: vec!["t", "closed_form_mean_norm", "sim_mean_norm", "sim_mean_of_norm", "factor_power_times_eps"],
            rows,
        }]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every line has numbers, and the proof's key equalities hold on the default problem: the
    /// closed form equals |1 − ηλ_max|ᵗε for a start on the top eigenvector (18), and Jensen (14).
    #[test]
    fn every_line_has_its_numbers_and_they_check_out() {
        for line in 1..=STEPS_OF_PROOF.len() {
            let mut p = ParamValues::defaults(ProofMeanDynamics::PARAMS);
            p.set("line", line as f64).unwrap();
            let mut fig = ProofMeanDynamics::new(p);
            fig.finish();
            let d = fig.dynamics.as_ref().unwrap();
            assert!(!fig.numbers(d).is_empty());
            assert!(fig.verdict().text.contains(STEPS_OF_PROOF[line - 1]));
            let traj = &d.trajectories;
            for t in 0..=d.last_step() {
                let closed = norm(&traj.exact()[t].mean);
                let factor = (1.0 - d.eta * d.problem.sharpness()).abs().powi(t as i32);
                // Up to rounding in the other eigen-directions, which decay more slowly here.
                assert!((closed - factor).abs() <= 1e-14, "(18) at t = {t}: {closed} vs {factor}");
                let s = &traj.simulated().history()[t];
                assert!(norm(&s.mean) <= s.mean_norm * (1.0 + 1e-12), "Jensen (14) at t = {t}");
            }
        }
    }
}
