//! `proof-mean-dynamics`: the proof of Theorem 1.1 (Mulayoff et al.), eqs (9)–(19), one line
//! at a time, each evaluated on a least-squares problem built as in `linear-stability` (the same
//! settings build the same problem, through [`Dynamics`]). By default the labels are noisy, so
//! that the per-sample gradients at θ* do not vanish: the case Theorem 1.1 covers and Wu et al.'s
//! Theorem 1 does not.
//!
//! The runs advance at a reading pace, one step of all R runs per unit of work, so that the
//! reader watches t grow: the first panel draws the error dynamics up to the current t, the
//! second the runs themselves at t, and every line's numbers are taken at t.
//!
//! Up to line 7 the runs start from θ₀ − θ* = (q₁ + … + q_d)/√d, every eigen-direction of H in
//! equal parts, since the proof has not chosen θ₀ yet; from line 8 on, where the proof chooses
//! it, θ₀ − θ* = ε q₁ with ε = 1, on the unit top eigenvector q₁ of H.
//!
//! This module holds the settings, the state, the numbers and words of each line; `cloud`
//! draws the runs themselves.

mod cloud;

use crate::kit::format;
use nalgebra::DVector;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::shared::dynamics_panel::{draw_dynamics, DynamicsView, Level, RunsNorm};
use super::shared::linear_dynamics::{Dynamics, Labels, ProblemSettings, Start, ETA_RANGE};
use super::{Activity, Figure, Panel, Table, Tone, Verdict};
use crate::kit::params::{ParamError, ParamSpec, ParamValues};
use crate::kit::plot::{self, DrawResult, Theme};
use crate::math::least_squares::batch_factor;
use cloud::plane;

/// The proof's lines, in the order of the page's list `#proof-mean-dynamics-steps`: what each
/// covers.
pub const STEPS_OF_PROOF: [&str; 10] = [
    "eq. (9)",
    "eq. (10)",
    "eq. (11)",
    "eq. (12)",
    "eqs. (13), (15)",
    "eqs. (14), (16)",
    "eq. (17)",
    "the choice of \u{3b8}\u{2080}",
    "eq. (18)",
    "eq. (19)",
];

/// The line at which the proof chooses θ₀ − θ* = ε q₁.
const CHOICE_OF_START: usize = 8;

/// ‖θ₀ − θ*‖: both starts are unit vectors. From line 8 on this is ε.
const START_DISTANCE: f64 = 1.0;

crate::figure_params! {
    /// The settings of `proof-mean-dynamics`: the line of the proof, and the settings of
    /// `linear-stability` (the same keys, ranges and defaults but for η and the labels).
    pub struct Settings, keys SettingsKeys {
        line: usize = "line", "step of the proof", Integer(1, STEPS_OF_PROOF.len()), 1;
        /// At the default B = 2 and label noise, η = 0.5 keeps the noise floor √(tr S∞) ≈ 0.42
        /// inside the ball of radius ε = 1, and the slowest eigen-direction of the mean decays
        /// over tens of steps, slowly enough to watch.
        eta: f64 = "eta", "step size \u{3b7}", Log(ETA_RANGE.0, ETA_RANGE.1), 0.5;
        batch: usize = "batch", "batch size B", Integer(1, 50), 2;
        /// Label noise by default: the per-sample gradients at θ* do not vanish.
        labels: Labels = "labels", "labels", Choice, Labels::Noisy;
        dim: usize = "d", "dimension d", Integer(2, 10), 4;
        samples: usize = "n", "samples n", Integer(2, 50), 16;
        seed: u64 = "seed", "problem seed", Integer(1, 999), 5;
        runs: usize = "runs", "simulated runs R", Integer(10, 1000), 400;
        horizon: usize = "horizon", "steps T", Integer(10, 500), 150;
    }
}

impl Settings {
    /// The settings that build the problem and its runs.
    pub fn problem(&self) -> ProblemSettings {
        ProblemSettings {
            dim: self.dim,
            samples: self.samples,
            batch: self.batch,
            eta: self.eta,
            labels: self.labels,
            seed: self.seed,
            runs: self.runs,
            horizon: self.horizon,
        }
    }
}

crate::figure_panels! {
    /// The panels of `proof-mean-dynamics`.
    pub enum Panels {
        Dynamics = "dynamics", "The distance of the mean ‖E[θ_t − θ*]‖ against t up to the current step, from simulated runs and in closed form (I − ηH)^t(θ_0 − θ*), with the standard error of the runs' mean, E‖θ_t − θ*‖ for Jensen's step and ε once the proof sets it",
        Cloud = "cloud", "The simulated runs at the current step in the plane of the top and bottom eigenvectors of H, with their mean, the closed form of the mean and its path, and θ*; the kicks of single samples' gradients at θ* where the proof uses them, a circle of radius E‖θ_t − θ*‖ at Jensen's step, and the ball of radius ε once the proof sets it",
        Contraction = "contraction", "The contraction factor 1 − ηλ against λ with the eigenvalues of H marked and the threshold λ = 2/η",
    }
}

/// Steps of the runs per second while they animate: the default horizon takes five seconds.
const STEPS_PER_SECOND: f64 = 30.0;

pub struct ProofMeanDynamics {
    params: ParamValues,
    line: usize,
    dynamics: Result<Dynamics, String>,
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// A value that may not have been followed (it passed its cap), in words.
fn followed(value: Option<f64>) -> String {
    value.map_or_else(|| "followed no further (past its cap)".to_string(), format::number)
}

impl ProofMeanDynamics {
    /// The first step of the tail [t/2, t] over which a line estimates a lim sup.
    fn tail_start(t: usize) -> usize {
        t / 2
    }

    /// The largest E‖θ_s − θ*‖ of the runs over the tail [t/2, t].
    fn tail_mean_norm(d: &Dynamics, t: usize) -> f64 {
        (Self::tail_start(t)..=t).map(|s| d.simulated_at(s).mean_norm).fold(0.0, f64::max)
    }

    fn view(&self, d: &Dynamics) -> DynamicsView {
        let t = d.last_step();
        let (runs_norm, level) = match self.line {
            1..=5 => (None, None),
            6 => (Some(RunsNorm::Mean), None),
            7 => (
                Some(RunsNorm::Mean),
                Some(Level {
                    label: format!(
                        "max of E\u{2016}\u{3b8}\u{209b}\u{2212}\u{3b8}*\u{2016} for s \u{2265} {}",
                        Self::tail_start(t)
                    ),
                    value: Self::tail_mean_norm(d, t),
                    from: Self::tail_start(t),
                }),
            ),
            _ => (
                Some(RunsNorm::Mean),
                Some(Level {
                    label: "\u{3b5} = \u{2016}\u{3b8}\u{2080} \u{2212} \u{3b8}*\u{2016}".to_string(),
                    value: START_DISTANCE,
                    from: 0,
                }),
            ),
        };
        DynamicsView { mean: true, second_moment: false, runs_norm, level, cursor: true }
    }

    /// The numbers of the current line at the step t the runs have reached, as (label, value)
    /// pairs. Each line's numbers say only what that line says: ε first appears at line 8,
    /// where the proof sets ‖θ₀ − θ*‖ = ε.
    fn numbers(&self, d: &Dynamics) -> Vec<(String, String)> {
        let t = d.last_step();
        let sim = d.simulated_at(t);
        let sim_mean = norm(&sim.mean);
        let standard_error = followed(d.standard_error(t));
        let lambda = d.problem.sharpness();
        let factor = (1.0 - d.eta * lambda).abs();
        let runs = d.runs;
        let pair = |label: String, value: String| (label, value);
        match self.line {
            1 => vec![
                pair(format!("\u{2016}E[\u{3b8}\u{209c} \u{2212} \u{3b8}*]\u{2016} at t = {t} (mean of {runs} runs)"), format::number(sim_mean)),
                pair("its standard error \u{221a}(E\u{2016}\u{3b8}\u{209c} \u{2212} \u{3b8}*\u{2016}\u{b2}/R)".into(), standard_error),
            ],
            2 => {
                let n = d.problem.len();
                let per_sample = (0..n).map(|j| norm(d.problem.sample_gradient(j))).sum::<f64>() / n as f64;
                let batch_gradient = (batch_factor(n, d.batch) * d.problem.gradient_second_moment().trace()).sqrt();
                vec![
                    pair(
                        "\u{2016}E[\u{2207}L\u{302}\u{209c}(\u{3b8}*)]\u{2016} = \u{2016}\u{2207}L(\u{3b8}*)\u{2016}".into(),
                        format::number(d.problem.mean_sample_gradient().norm()),
                    ),
                    pair(
                        format!("\u{221a}E\u{2016}\u{2207}L\u{302}\u{209c}(\u{3b8}*)\u{2016}\u{b2}, batches of {}", d.batch),
                        format::number(batch_gradient),
                    ),
                    pair("mean \u{2016}\u{2207}l\u{2c7c}(\u{3b8}*)\u{2016} of single samples".into(), format::number(per_sample)),
                ]
            }
            3 | 4 => {
                let mut out = if t == 0 {
                    vec![pair("E[\u{3b8}\u{2081} \u{2212} \u{3b8}*] against (I \u{2212} \u{3b7}H)E[\u{3b8}\u{2080} \u{2212} \u{3b8}*]".into(), "after the first step".into())]
                } else {
                    // One step of the mean: E[e_t] against (I − ηH)E[e_{t−1}], both from the runs.
                    let previous = DVector::from_column_slice(&d.simulated_at(t - 1).mean);
                    let predicted = &previous - d.problem.hessian() * &previous * d.eta;
                    let gap = (DVector::from_column_slice(&sim.mean) - predicted).norm();
                    vec![
                        pair(
                            format!("\u{2016}E[\u{3b8}\u{209c} \u{2212} \u{3b8}*] \u{2212} (I \u{2212} \u{3b7}H)E[\u{3b8}\u{209c}\u{208b}\u{2081} \u{2212} \u{3b8}*]\u{2016} at t = {t} (runs)"),
                            format::number(gap),
                        ),
                        pair("standard error of the runs\u{2019} mean".into(), standard_error),
                    ]
                };
                if self.line == 4 {
                    let n = d.problem.len();
                    out.push(pair(
                        "P(sample j in the batch) = B/n".into(),
                        format!("{}/{n} = {}", d.batch, format::number(d.batch as f64 / n as f64)),
                    ));
                }
                out
            }
            5 => vec![
                pair(format!("\u{2016}(I \u{2212} \u{3b7}H)\u{1d57}(\u{3b8}\u{2080} \u{2212} \u{3b8}*)\u{2016} at t = {t}"), followed(d.exact_mean_norm(t))),
                pair(format!("\u{2016}E[\u{3b8}\u{209c} \u{2212} \u{3b8}*]\u{2016} (mean of {runs} runs)"), format::number(sim_mean)),
                pair("standard error of the runs\u{2019} mean".into(), standard_error),
            ],
            6 => vec![
                pair(format!("\u{2016}E[\u{3b8}\u{209c} \u{2212} \u{3b8}*]\u{2016} = \u{2016}(I \u{2212} \u{3b7}H)\u{1d57}(\u{3b8}\u{2080} \u{2212} \u{3b8}*)\u{2016} at t = {t}"), followed(d.exact_mean_norm(t))),
                pair("norm of the runs\u{2019} mean".into(), format::number(sim_mean)),
                pair("mean of the runs\u{2019} norms, E\u{2016}\u{3b8}\u{209c} \u{2212} \u{3b8}*\u{2016}".into(), format::number(sim.mean_norm)),
            ],
            7 => {
                let from = Self::tail_start(t);
                let closed = (from..=t).map(|s| d.exact_mean_norm(s)).try_fold(0.0, |m: f64, v| v.map(|v| m.max(v)));
                vec![
                    pair(format!("max of E\u{2016}\u{3b8}\u{209b} \u{2212} \u{3b8}*\u{2016} (runs) for s from {from} to {t}"), format::number(Self::tail_mean_norm(d, t))),
                    pair("max of \u{2016}(I \u{2212} \u{3b7}H)\u{02e2}(\u{3b8}\u{2080} \u{2212} \u{3b8}*)\u{2016}, same s".into(), followed(closed)),
                ]
            }
            8 => {
                let q = d.problem.top_eigenvector();
                let residual = (d.problem.hessian() * &q - &q * lambda).norm();
                vec![
                    pair("\u{3bb}max(H)".into(), format::number(lambda)),
                    pair("\u{2016}Hq\u{2081} \u{2212} \u{3bb}max q\u{2081}\u{2016}".into(), format::number(residual)),
                    pair("\u{3b5} = \u{2016}\u{3b8}\u{2080} \u{2212} \u{3b8}*\u{2016}".into(), format::number(START_DISTANCE)),
                    pair("q\u{2081}\u{1d40}(\u{3b8}\u{2080} \u{2212} \u{3b8}*)/\u{3b5}".into(), format::number(q.dot(&d.start) / START_DISTANCE)),
                ]
            }
            9 => vec![
                pair("|1 \u{2212} \u{3b7}\u{3bb}max|".into(), format::number(factor)),
                pair(format!("|1 \u{2212} \u{3b7}\u{3bb}max|\u{1d57} \u{3b5} at t = {t}"), format::number(factor.powi(t as i32) * START_DISTANCE)),
                pair("\u{2016}(I \u{2212} \u{3b7}H)\u{1d57}(\u{3b8}\u{2080} \u{2212} \u{3b8}*)\u{2016}".into(), followed(d.exact_mean_norm(t))),
            ],
            _ => vec![
                pair("\u{3bb}max(H)".into(), format::number(lambda)),
                pair("2/\u{3b7}".into(), format::number(2.0 / d.eta)),
                pair("|1 \u{2212} \u{3b7}\u{3bb}max|".into(), format::number(factor)),
                pair("exact mean-square test \u{3c1}(T)".into(), format::number(d.radius)),
            ],
        }
    }

    /// The conclusion of the theorem on the current problem, in a sentence or two.
    fn conclusion(&self, d: &Dynamics) -> String {
        let lambda = d.problem.sharpness();
        let bound = 2.0 / d.eta;
        if lambda <= bound {
            let mut text = format!(
                "Conclusion on this problem: \u{3bb}max(H) = {} \u{2264} 2/\u{3b7} = {}, as the theorem demands of a stable minimum; here \u{3b8}* is {}.",
                format::number(lambda),
                format::number(bound),
                d.exact_words()
            );
            if d.radius > 1.0 {
                text.push_str(" The condition is necessary, not sufficient.");
            }
            text
        } else {
            format!(
                "Conclusion on this problem: \u{3bb}max(H) = {} > 2/\u{3b7} = {}. Then |1 \u{2212} \u{3b7}\u{3bb}max| = {} > 1, the mean \u{2016}E[\u{3b8}\u{209c} \u{2212} \u{3b8}*]\u{2016} grows without bound, and by (14) so does E\u{2016}\u{3b8}\u{209c} \u{2212} \u{3b8}*\u{2016}: \u{3b8}* is not \u{3b5}-linearly stable for any \u{3b5}.",
                format::number(lambda),
                format::number(bound),
                format::number((1.0 - d.eta * lambda).abs())
            )
        }
    }
}

impl Figure for ProofMeanDynamics {
    const ID: &'static str = "proof-mean-dynamics";
    const TITLE: &'static str = "Theorem 1.1 step by step: the mean of SGD's linearized dynamics";
    const PARAMS: &'static [ParamSpec] = Settings::SPECS;
    const PANELS: &'static [Panel] = Panels::PANELS;
    const PACE: Option<f64> = Some(STEPS_PER_SECOND);
    const UNIT: &'static str = "steps of the simulated runs";
    const STEPPER: Option<&'static str> = Some(Settings::KEYS.line);

    fn validate(params: &ParamValues) -> Result<(), ParamError> {
        let keys = Settings::KEYS;
        Settings::read(params).problem().check().map_err(|conflict| conflict.refusal(keys.samples, keys.batch))
    }

    fn new(params: ParamValues) -> Self {
        let settings = Settings::read(&params);
        let line = settings.line;
        let start = if line < CHOICE_OF_START { Start::EveryEigenvector } else { Start::TopEigenvector };
        let dynamics = Dynamics::new(&settings.problem(), start);
        Self { params, line, dynamics }
    }

    fn params(&self) -> &ParamValues {
        &self.params
    }

    /// A unit is one step of all R runs.
    fn step(&mut self, units: usize) -> Activity {
        let Ok(d) = &mut self.dynamics else { return Activity::Idle };
        if d.trajectories.advance(&d.problem, units) {
            Activity::Running
        } else {
            Activity::Idle
        }
    }

    fn draw<DB: DrawingBackend>(&self, panel: usize, area: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        let Some(which) = Panels::from_index(panel) else { return plot::no_such_panel(area, theme, Self::ID, panel) };
        let Some(d) = plot::state_or_message(&self.dynamics, area, theme, which.key())? else { return Ok(None) };
        match which {
            Panels::Dynamics => draw_dynamics(d, area, theme, &self.view(d)),
            Panels::Cloud => self.draw_cloud(d, area, theme),
            Panels::Contraction => {
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
        let text = format!(
            "Line {} of {}, {}: {}. {}",
            self.line,
            STEPS_OF_PROOF.len(),
            STEPS_OF_PROOF[self.line - 1],
            numbers.join("; "),
            self.conclusion(d)
        );
        let tone = if d.problem.sharpness() > 2.0 / d.eta {
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
            Ok(d) => {
                let mut out = self.numbers(d);
                if let Some(t) = d.trajectories.simulated().diverged_at() {
                    out.push((
                        "runs stopped".to_string(),
                        format!("at t = {t}: E\u{2016}\u{3b8}\u{209c} \u{2212} \u{3b8}*\u{2016}\u{b2} passed {} times its start", format::tick(crate::math::linear_stability::DIVERGENCE_GROWTH)),
                    ));
                }
                out
            }
            Err(_) => Vec::new(),
        }
    }

    fn tables(&self) -> Vec<Table> {
        let Ok(d) = &self.dynamics else { return Vec::new() };
        let rows = (0..=d.last_step())
            .map(|t| {
                let s = d.simulated_at(t);
                let or_nan = |v: Option<f64>| v.unwrap_or(f64::NAN);
                vec![
                    t as f64,
                    or_nan(d.exact_mean_norm(t)),
                    norm(&s.mean),
                    or_nan(d.standard_error(t)),
                    s.mean_norm,
                    or_nan(d.exact_mean_square(t)),
                    s.mean_square_norm,
                ]
            })
            .collect();
        let sim = d.trajectories.simulated();
        let runs = (0..sim.runs())
            .map(|r| {
                let e = DVector::from_column_slice(sim.error(r));
                let (along_top, along_bottom) = plane(d, e.as_slice());
                vec![r as f64, along_top, along_bottom]
            })
            .collect();
        vec![
            Table {
                name: "mean-dynamics",
                columns: vec![
                    "t",
                    "exact_mean_norm",
                    "sim_mean_norm",
                    "standard_error",
                    "sim_mean_of_norm",
                    "exact_mean_square",
                    "sim_mean_square",
                ],
                rows,
            },
            Table { name: "runs-now", columns: vec!["run", "q1", "qd"], rows: runs },
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at_line(line: usize) -> ProofMeanDynamics {
        let mut p = ParamValues::defaults(ProofMeanDynamics::PARAMS);
        p.set(Settings::KEYS.line, line as f64).unwrap();
        let mut fig = ProofMeanDynamics::new(p);
        fig.finish();
        fig
    }

    /// Every line has numbers and names its equations; the closed form is the mean of the
    /// runs' dynamics started where the line says (a generic start before line 8, ε q₁ from it
    /// on, where it equals |1 − ηλ_max|ᵗ ε, eq. (18)); and Jensen's step (14) holds for the
    /// runs exactly, at every t.
    #[test]
    fn every_line_has_its_numbers_and_they_check_out() {
        for line in 1..=STEPS_OF_PROOF.len() {
            let fig = at_line(line);
            let d = fig.dynamics.as_ref().unwrap();
            assert!(!fig.numbers(d).is_empty());
            assert!(fig.verdict().text.contains(STEPS_OF_PROOF[line - 1]));
            let q = d.problem.top_eigenvector();
            let on_top = (q.dot(&d.start).abs() - 1.0).abs() < 1e-12;
            assert_eq!(on_top, line >= CHOICE_OF_START, "line {line}: the start is chosen at line 8");
            for t in 0..=d.last_step() {
                let s = d.simulated_at(t);
                assert!(norm(&s.mean) <= s.mean_norm * (1.0 + 1e-12), "Jensen (14) at t = {t}");
                if on_top {
                    let closed = d.exact_mean_norm(t).unwrap();
                    let power = (1.0 - d.eta * d.problem.sharpness()).abs().powi(t as i32) * START_DISTANCE;
                    // Up to rounding in the other eigen-directions.
                    assert!((closed - power).abs() <= 1e-12, "(18) at t = {t}: {closed} vs {power}");
                }
            }
        }
    }

    /// ε is named only from line 8 on, where the proof sets ‖θ₀ − θ*‖ = ε.
    #[test]
    fn epsilon_appears_where_the_proof_sets_it() {
        for line in 1..=STEPS_OF_PROOF.len() {
            let fig = at_line(line);
            let d = fig.dynamics.as_ref().unwrap();
            let labels: String = fig.numbers(d).into_iter().map(|(l, _)| l).collect();
            let level = fig.view(d).level.map(|l| l.label).unwrap_or_default();
            let names_epsilon = labels.contains('\u{3b5}') || level.contains('\u{3b5}');
            assert_eq!(names_epsilon, line >= CHOICE_OF_START, "line {line}: {labels} / {level}");
        }
    }
}
