//! The switching figure's verdict and readouts in words: Lemma 3's condition with its numbers,
//! what the lemma says at the chosen η and ε, and what the simulation found.

use crate::kit::format;

use super::{escape, leaves, Switching, System};
use crate::figures::{Tone, Verdict};
use crate::math::switching::{mode_name, Sup};

/// A sup in words, for the verdict.
fn describe(sup: Sup, epsilon: f64) -> String {
    match sup {
        Sup::AtLeast(_) => format!(
            "left the ball (runs passed {} and were stopped there)",
            format::tick(escape(epsilon))
        ),
        Sup::Measured(v) if v > epsilon => format!(
            "sup\u{209c} E\u{2016}\u{3b8}\u{209c} \u{2212} \u{3b8}*\u{2016} = {} > \u{3b5}: left the ball",
            format::tick(v)
        ),
        Sup::Measured(v) => format!(
            "sup\u{209c} E\u{2016}\u{3b8}\u{209c} \u{2212} \u{3b8}*\u{2016} = {} \u{2264} \u{3b5}: stayed within \u{3b5} from these starts",
            format::tick(v)
        ),
    }
}

impl Switching {
    /// The first flip in words: which point, which neuron, how far.
    fn flip_words(&self) -> String {
        format!(
            "\u{3b5}_flip = {}, where x = {} changes side of neuron {}'s knot",
            format::tick(self.flip.radius),
            format::tick(self.ssds.minimum.data.x[self.flip.point]),
            self.flip.neuron + 1
        )
    }

    /// The verdict: Lemma 3's condition with its numbers, what the lemma then says, and what
    /// the simulation at the chosen ε found.
    pub(super) fn lemma_verdict(&self) -> Verdict {
        let Some(lemma) = &self.lemma else {
            return Verdict { text: "The mode Hessians could not be decomposed.".into(), tone: Tone::Bad };
        };
        let threshold = 2.0 / self.settings.eta + lemma.delta + lemma.gamma / self.settings.eps;
        let holds = lemma.margin(self.settings.eta, self.settings.eps) > 0.0;
        let condition = format!(
            "\u{3bb}_lower = {} {} 2/\u{3b7} + \u{3b4} + \u{3b3}/\u{3b5} = {} + {} + {} = {}",
            format::tick(lemma.lambda_lower),
            if holds { ">" } else { "\u{2264}" },
            format::tick(2.0 / self.settings.eta),
            format::tick(lemma.delta),
            format::tick(lemma.gamma / self.settings.eps),
            format::tick(threshold)
        );
        let lemma_says = match (holds, self.ball_in_a()) {
            (false, _) => "so Lemma 3 says nothing here".to_string(),
            (true, true) => format!(
                "and \u{3b5} \u{2264} {} (the \u{3b5}-ball around \u{3b8}* lies in A), so Lemma 3 says \u{3b8}* is not strongly stable",
                self.flip_words()
            ),
            (true, false) => format!(
                "but \u{3b5} > {}: the \u{3b5}-ball around \u{3b8}* leaves A, so Lemma 3 holds for the local model only",
                self.flip_words()
            ),
        };
        let sim = &self.sims[0];
        let partial = if self.chosen_finished() { "" } else { " so far" };
        let simulated = match (sim.sup(System::Model), sim.sup(System::Network)) {
            (Some(model), Some(network)) => format!(
                "simulated{partial}: {} {}; {} on the same batches and starts {}",
                System::Model.name(),
                describe(model, self.settings.eps),
                System::Network.name(),
                describe(network, self.settings.eps)
            ),
            _ => "the simulation has not started".to_string(),
        };
        let model_left = sim.sup(System::Model).is_some_and(|w| leaves(w, self.settings.eps));
        let tone = match (holds && self.ball_in_a(), model_left, self.chosen_finished()) {
            (_, _, false) => Tone::Neutral,
            (true, true, _) => Tone::Good,
            (true, false, _) => Tone::Bad,
            (false, _, _) => Tone::Neutral,
        };
        let requested = self.settings.batch;
        let used = self.batch;
        let clamp = if requested > used { format!(" (B clamped to n = {used})") } else { String::new() };
        Verdict {
            text: format!(
                "At \u{3b7} = {}, \u{3b5} = {}{clamp}: {condition}, {lemma_says}; {simulated}.",
                format::tick(self.settings.eta),
                format::tick(self.settings.eps)
            ),
            tone,
        }
    }

    /// The modes, Lemma 3's constants and where the lemma applies.
    pub(super) fn lemma_readouts(&self) -> Vec<(String, String)> {
        let Some(lemma) = &self.lemma else { return Vec::new() };
        let kinks = self.kinks();
        let mut out = vec![(
            "modes \u{1d4dc}".to_string(),
            (0..self.ssds.mode_count()).map(|m| mode_name(m, kinks)).collect::<Vec<_>>().join(", "),
        )];
        for (m, l) in lemma.lambdas.iter().enumerate() {
            out.push((format!("\u{3bb}_m, mode {}", mode_name(m, kinks)), format::tick(*l)));
        }
        out.extend([
            ("q".to_string(), lemma.source.clone()),
            ("\u{3b4} = max\u{2098} \u{2016}H_m q \u{2212} \u{3bb}_m q\u{2016}".to_string(), format::tick(lemma.delta)),
            ("\u{3bb}_lower = min\u{2098} \u{3bb}_m".to_string(), format::tick(lemma.lambda_lower)),
            ("\u{3b3} = max\u{2098} E|q\u{1d40}\u{11d}_m|".to_string(), format::tick(lemma.gamma)),
            (
                "margin \u{3bb}_lower \u{2212} 2/\u{3b7} \u{2212} \u{3b4} \u{2212} \u{3b3}/\u{3b5}".to_string(),
                format::tick(lemma.margin(self.settings.eta, self.settings.eps)),
            ),
            (
                "\u{3b5}_flip (the ball leaves A beyond it)".to_string(),
                format!(
                    "{} (x = {}, neuron {})",
                    format::tick(self.flip.radius),
                    format::tick(self.ssds.minimum.data.x[self.flip.point]),
                    self.flip.neuron + 1
                ),
            ),
            (
                "Lemma 3 applies for".to_string(),
                match lemma.epsilon_floor(self.settings.eta) {
                    None => "no \u{3b5} (\u{3bb}_lower \u{2264} 2/\u{3b7} + \u{3b4})".to_string(),
                    Some(floor) if floor >= self.flip.radius => {
                        format!("no \u{3b5} \u{2264} \u{3b5}_flip (it needs \u{3b5} > {})", format::tick(floor))
                    }
                    Some(floor) => format!(
                        "{} < \u{3b5} \u{2264} {} (the local model: every \u{3b5} > {})",
                        format::tick(floor),
                        format::tick(self.flip.radius),
                        format::tick(floor)
                    ),
                },
            ),
            (
                "loss at \u{3b8}*".to_string(),
                format::tick(
                    self.ssds.minimum.residuals.iter().map(|r| r * r).sum::<f64>()
                        / (2.0 * self.ssds.minimum.data.len() as f64),
                ),
            ),
        ]);
        out
    }
}
