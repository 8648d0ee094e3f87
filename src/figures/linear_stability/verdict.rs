//! The words of `linear-stability`: its verdict (the exact test, Wu's criterion and the GD
//! condition at the current (η, B), and what the runs show) and its readouts.

use super::State;
use crate::figures::{Tone, Verdict};
use crate::kit::format;
use crate::math::dense::SymmetricEigen;

impl State {
    pub(super) fn verdict(&self) -> Verdict {
        let d = &self.dynamics;
        let mut text = format!("B = {}, \u{3b7} = {}: {}.", d.batch, format::tick(d.eta), d.exact_words());
        let wu_met = d.wu_value <= 1.0;
        let gd_met = d.problem.sharpness() <= 2.0 / d.eta;
        text.push_str(&format!(
            " Wu's criterion {} {} 1 ({}); \u{3bb}max(H) = {} {} 2/\u{3b7} = {} ({}).",
            format::number(d.wu_value),
            if wu_met { "\u{2264}" } else { ">" },
            if wu_met { "met" } else { "not met" },
            format::number(d.problem.sharpness()),
            if gd_met { "\u{2264}" } else { ">" },
            format::number(2.0 / d.eta),
            if gd_met { "met" } else { "not met" },
        ));
        if d.radius <= 1.0 && !wu_met {
            text.push_str(" Wu's criterion is sufficient, not necessary.");
        }
        if d.radius > 1.0 && gd_met {
            text.push_str(&format!(
                " \u{3bb}max \u{2264} 2/\u{3b7} is necessary, not sufficient: gradient descent is stable at this \u{3b7}, SGD with B = {} is not mean-square stable.",
                d.batch
            ));
        }
        if d.trajectories.is_complete() {
            text.push_str(&d.run_summary());
        }
        if let Some(floor) = d.floor.filter(|f| *f > 0.0) {
            text.push_str(&format!(
                " With label noise the gradients at \u{3b8}* do not vanish: E\u{2016}\u{3b8}\u{209c} \u{2212} \u{3b8}*\u{2016}\u{b2} tends to tr S\u{221e} = {}, not to 0.",
                format::number(floor)
            ));
        }
        let tone = if d.radius < 1.0 {
            Tone::Good
        } else if d.radius > 1.0 {
            Tone::Bad
        } else {
            Tone::Neutral
        };
        Verdict { text, tone }
    }
    pub(super) fn readouts(&self) -> Vec<(String, String)> {
        let d = &self.dynamics;
        let sigma_b = d.problem.batch_hessian_variance(d.batch);
        let sigma_top = SymmetricEigen::new(&sigma_b).map_or(f64::NAN, |e| e.values[0]);
        let t = d.last_step();
        let mut out = vec![
            ("\u{3bb}max(H)".to_string(), format::number(d.problem.sharpness())),
            ("\u{3bb}max(\u{3a3}_B)".to_string(), format::number(sigma_top)),
            ("exact \u{3c1}(T)".to_string(), format::number(d.radius)),
            ("Wu \u{3bb}max((I\u{2212}\u{3b7}H)\u{b2}+\u{3b7}\u{b2}\u{3a3}_B)".to_string(), format::number(d.wu_value)),
            (
                format!("largest stable \u{3b7} at B = {}: exact / Wu / GD", d.batch),
                format!(
                    "{} / {} / {}",
                    format::number(d.exact_threshold),
                    format::number(d.wu_threshold),
                    format::number(2.0 / d.problem.sharpness())
                ),
            ),
            (
                format!("median \u{2016}\u{3b8}\u{209c} \u{2212} \u{3b8}*\u{2016} of the runs, t = {t}"),
                format::number(d.simulated_at(t).median_norm),
            ),
        ];
        if let Some(floor) = d.floor.filter(|f| *f > 0.0) {
            out.push(("noise floor tr S\u{221e}".to_string(), format::number(floor)));
        }
        if !self.map.is_complete() {
            out.push(("stability map".to_string(), format!("{:.0}% computed", 100.0 * self.map.progress())));
        }
        out
    }
}
