//! The Lemma 4 figure's verdict and readouts in words: the step into the current line with its
//! numbers and its reason (from the table of lines), and the corollary's chain.

use crate::kit::format;

use super::{Corollary, OutputLayer, ProofLemma4, LINES, ROUNDING};
use crate::figures::{Tone, Verdict};
use crate::math::function_space::{conflicting_duplicate, CHAIN_LINES};

impl ProofLemma4 {
    /// The verdict at the current line: the step from the line before with both values, the
    /// relation between them and its reason.
    pub(super) fn line_verdict(&self) -> Verdict {
        let e = match &self.evaluation {
            Ok(e) => e,
            Err(message) => return Verdict { text: format!("Nothing to evaluate: {message}."), tone: Tone::Bad },
        };
        let lines = e.chain.lines;
        let line = self.line();
        let value = lines[line - 1];
        let fit = if e.max_residual == 0.0 {
            "\u{3b8} interpolates exactly".to_string()
        } else {
            format!("max |f(x\u{2c7c}) \u{2212} y\u{2c7c}| = {}", format::tick(e.max_residual))
        };
        let duplicate = conflicting_duplicate(&self.problem.data.x, &self.problem.data.y)
            .map(|x| {
                format!(
                    " Two data points share x = {} with different targets: no network interpolates them.",
                    format::tick(x)
                )
            })
            .unwrap_or_default();
        if line == 1 {
            let text = format!(
                "Line 1 = \u{3bb}_max(\u{2207}\u{b2}L) = {}: {} ({fit}). The chain ends at line 10 = 1 + 2\u{222b}|f''| g = {}.{duplicate}",
                format::tick(value),
                LINES[0].reason,
                format::tick(lines[CHAIN_LINES - 1])
            );
            return Verdict { text, tone: Tone::Good };
        }
        let before = lines[line - 2];
        let gap = before - value;
        let tolerance = ROUNDING * before.abs().max(1.0);
        let (relation, tone) = if gap.abs() <= tolerance {
            ("=".to_string(), Tone::Good)
        } else if gap > 0.0 {
            (format!("\u{2265} (gap {}, {:.2}%)", format::tick(gap), 100.0 * gap / before), Tone::Good)
        } else {
            (format!("< (by {})", format::tick(-gap)), Tone::Bad)
        };
        let (why, tone) = if line == 2 && e.residual_part_norm > tolerance {
            let why = format!(
                "this step needs interpolation, and here {fit}: the Hessian differs from \u{3a6}\u{3a6}\u{1d40}/n by its residual part (spectral norm {}), in either direction",
                format::tick(e.residual_part_norm)
            );
            (why, if tone == Tone::Bad { Tone::Bad } else { Tone::Neutral })
        } else {
            (format!("{} ({fit})", LINES[line - 1].reason), tone)
        };
        let exact = relation == "=" && LINES[line - 1].identity;
        let mut text = format!(
            "Line {} = {} {relation} line {line} = {}{}: {why}.",
            line - 1,
            format::tick(before),
            format::tick(value),
            if exact { " to rounding" } else { "" }
        );
        let mut tone = tone;
        if line == CHAIN_LINES {
            let holds = lines[0] >= value;
            text.push_str(&format!(
                " So \u{3bb}_max(\u{2207}\u{b2}L) = {} {} 1 + 2\u{222b}|f''| g = {} (ratio {:.3}): {}.",
                format::tick(lines[0]),
                if holds { "\u{2265}" } else { "<" },
                format::tick(value),
                lines[0] / value,
                if holds {
                    "Lemma 4's bound holds"
                } else {
                    "the sharpness is below the bound, which Lemma 4 allows only away from interpolation"
                }
            ));
            if !holds {
                tone = Tone::Bad;
            }
        }
        text.push_str(&duplicate);
        Verdict { text, tone }
    }

    /// The current line and the one before, the dense cross-checks and the corollary's chain.
    pub(super) fn line_readouts(&self) -> Vec<(String, String)> {
        let Ok(e) = &self.evaluation else { return Vec::new() };
        let line = self.line();
        let entry = |l: usize| (format!("line {l}: {}", LINES[l - 1].name), format::tick(e.chain.lines[l - 1]));
        let mut out = if line == 1 { vec![entry(1)] } else { vec![entry(line - 1), entry(line)] };
        out.extend([
            ("\u{3bb}_max(\u{2207}\u{b2}L), dense".to_string(), format::tick(e.chain.lines[0])),
            ("\u{3bb}_max(\u{3a6}\u{3a6}\u{1d40}/n), dense".to_string(), format::tick(e.chain.lines[1])),
            ("max |residual|".to_string(), format::tick(e.max_residual)),
            (
                "\u{2016}residual part of \u{2207}\u{b2}L\u{2016}\u{2082}".to_string(),
                format::tick(e.residual_part_norm),
            ),
            (
                "output layer".to_string(),
                match self.settings.net {
                    OutputLayer::Interpolating => "least-squares fit".into(),
                    OutputLayer::Random => "random".into(),
                },
            ),
        ]);
        let corollary = Corollary::of(e);
        let chain = match corollary.theta_stable_up_to {
            Some(eta) => format!(
                "1 + 2\u{222b}|f''|g = {} \u{2264} min over \u{3a9}(f) of \u{3bb}_max \u{2264} \u{3bb}_max(\u{3b8}) = {} \u{2264} 2/\u{3b7} for \u{3b7} \u{2264} {}",
                format::tick(e.chain.lines[CHAIN_LINES - 1]),
                format::tick(e.chain.lines[0]),
                format::tick(eta)
            ),
            None => "\u{3b8} does not interpolate, so it is no minimum and the corollary says nothing of it".to_string(),
        };
        out.extend([
            ("the corollary's chain".to_string(), chain),
            (
                "no implementation of f is linearly stable for \u{3b7} above 2/(1 + 2\u{222b}|f''|g)".to_string(),
                format::tick(corollary.f_accessible_up_to),
            ),
        ]);
        out
    }
}
