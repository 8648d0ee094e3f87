//! The function-space figure's verdict and readouts in words: what θ was at the switch and what
//! GD did, each sweep run's outcome, and the corollary's chain with its numbers.

use crate::kit::format;

use super::FunctionSpace;
use crate::figures::{Tone, Verdict};
use crate::math::function_space::{weighted_curvature, DENSE_GRAM_MAX};
use crate::math::interpolation_run::{AfterSharp, InterpolationRun};
use crate::math::trainer::Outcome;

impl FunctionSpace {
    /// What GD did after a sharp interpolant, in words.
    fn after_sharp_words(after: AfterSharp) -> String {
        match after {
            AfterSharp::Undecided => "so far the loss has stayed below the tolerance".to_string(),
            AfterSharp::Left { step, peak_loss, outcome } => {
                let then = match outcome {
                    Outcome::Interpolated { step } => format!(", and interpolated again at step {step}, stably"),
                    Outcome::Capped => ", and did not interpolate again within the step cap".to_string(),
                    _ => String::new(),
                };
                format!(
                    "GD left it: the loss was back above the tolerance at step {step} and peaked at {}{then}",
                    format::tick(peak_loss)
                )
            }
            AfterSharp::Drifted { step } => format!(
                "GD stayed below the tolerance, and by step {step} the sharpness had fallen to 2/\u{3b7} or below"
            ),
            AfterSharp::Stayed => {
                "GD stayed: at the step cap the loss was still below the tolerance and the sharpness above 2/\u{3b7}"
                    .to_string()
            }
            AfterSharp::Diverged { step } => format!("GD left it and diverged at step {step}"),
        }
    }

    /// The corollary's chain at a run's last θ, with its numbers: 1 + 2∫|f''|g ≤ λ_max ≤ 2/η,
    /// so ∫|f''|g ≤ 1/η − 1/2. Each relation is the measured one.
    fn chain_words(&self, run: &InterpolationRun) -> String {
        let Some(last) = run.records().last() else { return String::new() };
        let eta = last.eta;
        let bound = 1.0 + 2.0 * last.curvature;
        let relation = |a: f64, b: f64| if a <= b { "\u{2264}" } else { ">" };
        format!(
            "1 + 2\u{222b}|f''|g = {} {} \u{3bb}_max = {} {} 2/\u{3b7} = {}, so \u{222b}|f''|g = {} {} 1/\u{3b7} \u{2212} 1/2 = {}",
            format::tick(bound),
            relation(bound, last.sharpness),
            format::tick(last.sharpness),
            relation(last.sharpness, 2.0 / eta),
            format::tick(2.0 / eta),
            format::tick(last.curvature),
            relation(last.curvature, 1.0 / eta - 0.5),
            format::tick(1.0 / eta - 0.5)
        )
    }

    /// The verdict of the switch experiment: what θ was at the switch, what GD did, and the
    /// corollary's chain at the end.
    fn switch_verdict(&self) -> (String, Tone) {
        let run = &self.runs[0].run;
        let schedule = run.settings().schedule;
        let outcome = run.outcome();
        let tolerance = self.settings.tol;
        let (eta1, eta2) = (format::tick(schedule.eta), format::tick(schedule.eta_after));
        let Some(at_switch) = run.records().iter().find(|r| r.step == schedule.switch_at) else {
            let text = format!("GD at \u{3b7}\u{2081} = {eta1}, {}.", Self::outcome_words(outcome, run));
            let tone = if matches!(outcome, Outcome::Running) { Tone::Neutral } else { Tone::Bad };
            return (text, tone);
        };
        let limit = 2.0 / at_switch.sharpness;
        let state = if at_switch.loss >= tolerance {
            format!(
                "At the switch (step {}) \u{3b8} was not an interpolant (loss {} \u{2265} {}), so there was no minimum to leave; \u{3b7} became {eta2}.",
                schedule.switch_at,
                format::tick(at_switch.loss),
                format::tick(tolerance)
            )
        } else if at_switch.sharpness > 2.0 / schedule.eta_after {
            format!(
                "At the switch (step {}) \u{3b8} interpolated (loss {}) at \u{3bb}_max = {}, above 2/\u{3b7}\u{2082} = {}: a minimum too sharp for \u{3b7}\u{2082} = {eta2}, which is above 2/\u{3bb}_max = {}.",
                schedule.switch_at,
                format::tick(at_switch.loss),
                format::tick(at_switch.sharpness),
                format::tick(2.0 / schedule.eta_after),
                format::tick(limit)
            )
        } else {
            format!(
                "At the switch (step {}) \u{3b8} interpolated (loss {}) at \u{3bb}_max = {} \u{2264} 2/\u{3b7}\u{2082} = {}: \u{3b7}\u{2082} = {eta2} is below 2/\u{3bb}_max = {}, so that minimum is stable for \u{3b7}\u{2082} too.",
                schedule.switch_at,
                format::tick(at_switch.loss),
                format::tick(at_switch.sharpness),
                format::tick(2.0 / schedule.eta_after),
                format::tick(limit)
            )
        };
        let next = match run.after_sharp() {
            Some(after) if run.sharp_interpolant().is_some_and(|s| s.record.step == schedule.switch_at) => {
                Self::after_sharp_words(after)
            }
            _ => match outcome {
                Outcome::Interpolated { step } if step == schedule.switch_at => {
                    "GD has no reason to move, and the run ends there: nothing happens".to_string()
                }
                _ => Self::outcome_words(outcome, run),
            },
        };
        let before =
            weighted_curvature(&self.problem.net, run.theta_at_switch().unwrap_or(run.theta()), &self.problem.data.x);
        let mut text = format!("{state} Then {next}.");
        let tone = match outcome {
            Outcome::Running => Tone::Neutral,
            Outcome::Interpolated { step } => {
                let after = run.records().last().map_or(before, |r| r.curvature);
                let then = if step == schedule.switch_at {
                    String::new()
                } else {
                    format!(" (at the switch \u{222b}|f''|g was {})", format::tick(before))
                };
                text.push_str(&format!(" At step {step}: {}{then}.", self.chain_words(run)));
                if after < before || step == schedule.switch_at {
                    Tone::Good
                } else {
                    Tone::Neutral
                }
            }
            _ => Tone::Bad,
        };
        (text, tone)
    }

    /// The verdict of the sweep: every run's outcome with its numbers, its sharp interpolant if
    /// it reached one, and where ∫|f''|g rises with η between stable interpolants.
    fn sweep_verdict(&self) -> (String, Tone) {
        let mut parts = Vec::new();
        let mut stable: Vec<(f64, f64)> = Vec::new();
        for r in self.runs.iter().take(self.current + 1) {
            let run = &r.run;
            let mut words = match run.outcome() {
                Outcome::Interpolated { step } => {
                    stable.push((run.settings().schedule.eta, run.records().last().map_or(f64::NAN, |x| x.curvature)));
                    format!("interpolated at step {step}: {}", self.chain_words(run))
                }
                Outcome::Capped => format!(
                    "{}; its last iterate, not an interpolant, has \u{222b}|f''|g = {}",
                    Self::outcome_words(Outcome::Capped, run),
                    format::tick(weighted_curvature(&self.problem.net, run.theta(), &self.problem.data.x))
                ),
                outcome => Self::outcome_words(outcome, run),
            };
            if let (Some(sharp), Some(after)) = (run.sharp_interpolant(), run.after_sharp()) {
                words = format!(
                    "reached the tolerance at step {} at \u{3bb}_max = {} > 2/\u{3b7} = {} (\u{222b}|f''|g = {}), and {}; {words}",
                    sharp.record.step,
                    format::tick(sharp.record.sharpness),
                    format::tick(2.0 / sharp.record.eta),
                    format::tick(sharp.record.curvature),
                    Self::after_sharp_words(after)
                );
            }
            parts.push(format!("{}: {words}", r.label));
        }
        let rises: Vec<String> = stable
            .windows(2)
            .filter(|w| w[1].1 > w[0].1)
            .map(|w| {
                format!(
                    "from {} at \u{3b7} = {} to {} at \u{3b7} = {}",
                    format::tick(w[0].1),
                    format::tick(w[0].0),
                    format::tick(w[1].1),
                    format::tick(w[1].0)
                )
            })
            .collect();
        let mut text = format!("{}.", parts.join("; "));
        if !rises.is_empty() {
            text.push_str(&format!(
                " Between these interpolants \u{222b}|f''|g rises with \u{3b7} ({}): the corollary lowers the ceiling 1/\u{3b7} \u{2212} 1/2 as \u{3b7} grows, and does not say that \u{222b}|f''|g falls.",
                rises.join("; ")
            ));
        }
        let failed = self
            .runs
            .iter()
            .filter(|r| !matches!(r.run.outcome(), Outcome::Interpolated { .. } | Outcome::Running))
            .count();
        let tone = if !self.finished() {
            Tone::Neutral
        } else if failed == 0 {
            Tone::Good
        } else {
            Tone::Bad
        };
        (text, tone)
    }

    /// The verdict: the experiment's in words, with notes on what the settings cannot do.
    pub(super) fn verdict_text(&self) -> Verdict {
        let mut notes: Vec<String> = self.warnings.clone();
        if let Some(x) = self.conflict {
            notes.insert(
                0,
                format!(
                    "two data points share x = {} with different targets, so no function interpolates them",
                    format::tick(x)
                ),
            );
        }
        let notes = if notes.is_empty() { String::new() } else { format!(" Note: {}.", notes.join("; ")) };
        let (text, tone) = if self.switching() { self.switch_verdict() } else { self.sweep_verdict() };
        let tone = if self.conflict.is_some() && tone == Tone::Good { Tone::Neutral } else { tone };
        Verdict { text: format!("{text}{notes}"), tone }
    }

    /// The numbers of the run in focus, its dense cross-checks and the data and batch.
    pub(super) fn readout_pairs(&self) -> Vec<(String, String)> {
        let focus = self.focus();
        let run = &self.runs[focus].run;
        let net = &self.problem.net;
        let eta = run.settings().schedule.at(run.step());
        let curvature = weighted_curvature(net, run.theta(), &self.problem.data.x);
        let mut out = vec![
            ("run".to_string(), self.runs[focus].label.clone()),
            ("step".to_string(), format!("{} of at most {}", run.step(), run.settings().max_steps)),
            ("training loss".to_string(), format::tick(run.loss())),
            ("\u{222b}|f''| g".to_string(), format::tick(curvature)),
            ("corollary's bound 1/\u{3b7} \u{2212} 1/2".to_string(), format::tick(1.0 / eta - 0.5)),
            ("Lemma 4: 1 + 2\u{222b}|f''| g".to_string(), format::tick(1.0 + 2.0 * curvature)),
            ("2/\u{3b7}".to_string(), format::tick(2.0 / eta)),
        ];
        if let Some(last) = run.records().last() {
            out.push((
                format!("\u{3bb}_max(\u{2207}\u{b2}L), Lanczos (step {})", last.step),
                format::tick(last.sharpness),
            ));
            if matches!(run.outcome(), Outcome::Interpolated { .. }) {
                // Lemma 4 bounds the flattest implementation of f from below; θ is one of them.
                out.push((
                    "min over \u{3a9}(f) of \u{3bb}_max: between Lemma 4's bound and this \u{3b8}'s".to_string(),
                    format!("[{}, {}]", format::tick(1.0 + 2.0 * last.curvature), format::tick(last.sharpness)),
                ));
            }
        }
        if let Some(sharp) = run.sharp_interpolant() {
            out.push((
                "first record below the tolerance at \u{3bb}_max > 2/\u{3b7}".to_string(),
                format!(
                    "step {}: \u{3bb}_max = {} > 2/\u{3b7} = {}",
                    sharp.record.step,
                    format::tick(sharp.record.sharpness),
                    format::tick(2.0 / sharp.record.eta)
                ),
            ));
        }
        if let Some(Some(a)) = self.analyses.get(focus) {
            // Past DENSE_HESSIAN_MAX_PARAMS the dense check is Weyl's bracket around the
            // (dense) top eigenvalue of ΦΦᵀ/n: ∇²L differs from it by the residual part.
            let dense = match a.dense_hessian {
                Some(value) => format::tick(value),
                None => format!(
                    "in [{}, {}] (\u{3bb}_max(\u{3a6}\u{3a6}\u{1d40}/n) \u{b1} residual part)",
                    format::tick(a.gauss_newton - a.residual_part),
                    format::tick(a.gauss_newton + a.residual_part)
                ),
            };
            out.push(("\u{3bb}_max(\u{2207}\u{b2}L), dense".to_string(), dense));
            let how = if self.problem.data.len() <= DENSE_GRAM_MAX { "dense" } else { "Lanczos" };
            out.push((format!("\u{3bb}_max(\u{3a6}\u{3a6}\u{1d40}/n), {how}"), format::tick(a.gauss_newton)));
            out.push((
                "\u{2016}\u{2207}\u{b2}L \u{2212} \u{3a6}\u{3a6}\u{1d40}/n\u{2016}\u{2082} (residual part)".to_string(),
                format::tick(a.residual_part),
            ));
        }
        let b = run.settings().batch_size;
        let n = self.problem.data.len();
        out.push((
            "data".to_string(),
            if self.placed() {
                format!("{n} points placed by hand")
            } else {
                format!("{n} points from the {} law", self.settings.law.name())
            },
        ));
        out.push((
            "batch".to_string(),
            if b >= n { format!("all {n} points (GD)") } else { format!("B = {b} of {n} (SGD)") },
        ));
        out
    }
}
