//! `proof-lemma4`: the proof of Lemma 4, one line at a time, with the numbers of the current
//! network.
//!
//! The network is a small ReLU net on n data points: its hidden layer is random (knots spread
//! over the data), and its output layer either fitted exactly by least squares (so θ
//! interpolates, and the Hessian equals ΦΦᵀ/n) or random as well (so it does not, and the
//! chain's first step can fail). At line ℓ the figure shows the step from line ℓ − 1 to line ℓ,
//! the one that line ℓ's reason explains. Panels: a ladder of every line's value with what each
//! step loses, the current line and the one before it highlighted; the step into the current
//! line (the spectra behind lines 1–3, each neuron's term in both lines from line 4 on); the
//! network's function with its data and knots; and the corollary for this f over every step
//! size η.

use crate::kit::format;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::function_space::{broken_swatch, law, target, LAW, TARGET};
use super::{Activity, Figure, Panel, Table, Tone, Verdict};
use crate::kit::params::{ParamSpec, ParamValues, Scale};
use crate::kit::plot::{self, DrawResult, Theme};
use crate::math::dense::SymmetricEigen;
use crate::math::function_space::{
    conflicting_duplicate, fit_output_layer, knots_among, sample_data, Lemma4Chain, CHAIN_LINES,
};
use crate::math::network::{Activation, Regression, ShallowNet};
use crate::math::rng::seeded;

/// What each line of the chain is, in words, for the verdict (the page's list has the TeX).
const LINE_NAMES: [&str; CHAIN_LINES] = [
    "\u{3bb}_max(\u{2207}\u{b2}L)",
    "max over unit u of (1/n)\u{2016}\u{3a6}u\u{2016}\u{b2}",
    "(1/n\u{b2})\u{2016}\u{3a6}1\u{2016}\u{b2}",
    "the expansion over neurons",
    "the expansion with w2\u{1d62}\u{b2} factored out",
    "the AM\u{2013}GM step",
    "the rewrite with P(X \u{2208} C\u{1d62}) and conditional means",
    "the step with \u{3c4}\u{1d62}",
    "1 + 2\u{3a3}|w1\u{1d62}w2\u{1d62}| min(g\u{207a}(\u{3c4}\u{1d62}), g\u{207b}(\u{3c4}\u{1d62}))",
    "1 + 2\u{222b}|f''| g",
];

/// Why line ℓ follows from line ℓ − 1 (index ℓ − 1; line 1 starts the chain), for the verdict.
const STEP_REASONS: [&str; CHAIN_LINES] = [
    "the top eigenvalue of a symmetric matrix is its largest Rayleigh quotient v\u{1d40}\u{2207}\u{b2}L v over unit vectors v",
    "equal when \u{3b8} interpolates: then \u{2207}\u{b2}L = \u{3a6}\u{3a6}\u{1d40}/n, whose top eigenvalue is that of \u{3a6}\u{1d40}\u{3a6}/n",
    "the maximum over unit vectors u is at least its value at u = (1, \u{2026}, 1)/\u{221a}n",
    "an identity: \u{3a6}(1, \u{2026}, 1) = \u{3a3}\u{2c7c} \u{2207}\u{3b8}f(x\u{2c7c}), squared block by block (its b2 entry n gives the 1)",
    "an identity: each neuron's output weight w2\u{1d62} taken out of the first two sums",
    "a\u{b2} + b\u{b2} \u{2265} 2ab (AM\u{2013}GM), equal only for neurons whose two terms are equal",
    "an identity: \u{3c3}(z) = z on the active set C\u{1d62}, and each sum divided by n\u{1d62}",
    "w1\u{1d62}X + b1\u{1d62} = w1\u{1d62}(X \u{2212} \u{3c4}\u{1d62}): an identity for every neuron with w1\u{1d62} \u{2260} 0 (one with w1\u{1d62} = 0 loses its term)",
    "C\u{1d62} is one side of the knot, so each term is g\u{207a}(\u{3c4}\u{1d62}) or g\u{207b}(\u{3c4}\u{1d62}) times 2|w1\u{1d62}w2\u{1d62}|: at least the smaller",
    "knots outside [x_min, x_max] count 0 (g = 0 there), and coinciding knots merge into one jump |\u{3a3}|w1\u{1d62}|w2\u{1d62}|| \u{2264} \u{3a3}|w1\u{1d62}w2\u{1d62}| (triangle inequality): merging can only lower the sum",
];

/// The lines reached by an identity: their gap to the line before is rounding.
const IDENTITY_LINES: [usize; 3] = [4, 5, 7];

/// A step counts as exact when the lines differ by less than this, relatively.
const ROUNDING: f64 = 1e-10;

pub const LINE: ParamSpec =
    ParamSpec { key: "line", label: "line of the proof", min: 1.0, max: 10.0, default: 1.0, scale: Scale::Integer };

/// Dense spectra and the chain of one network.
struct Evaluation {
    chain: Lemma4Chain,
    /// Eigenvalues of ∇²L and of ΦΦᵀ/n (its nonzero ones, from the n × n Gram matrix), largest
    /// first.
    hessian_spectrum: Vec<f64>,
    gauss_newton_spectrum: Vec<f64>,
    max_residual: f64,
    residual_part_norm: f64,
}

pub struct ProofLemma4 {
    params: ParamValues,
    problem: Regression,
    theta: Vec<f64>,
    interpolating: bool,
    evaluation: Result<Evaluation, String>,
}

impl ProofLemma4 {
    fn line(&self) -> usize {
        self.params.get_usize("line")
    }

    fn evaluate(problem: &Regression, theta: &[f64]) -> Result<Evaluation, String> {
        let parts = problem.hessian_parts(theta);
        let hessian = SymmetricEigen::new(&parts.full()).ok_or("the Hessian is not finite")?;
        let phi = problem.phi(theta);
        let gram = phi.transpose() * &phi / problem.data.len() as f64;
        let gauss_newton = SymmetricEigen::new(&gram).ok_or("\u{3a6} is not finite")?;
        let chain = Lemma4Chain::evaluate(problem, theta, hessian.values[0], gauss_newton.values[0])?;
        let max_residual = problem.residuals(theta).iter().fold(0.0f64, |m, r| m.max(r.abs()));
        Ok(Evaluation {
            chain,
            hessian_spectrum: hessian.values,
            gauss_newton_spectrum: gauss_newton.values,
            max_residual,
            residual_part_norm: crate::math::function_space::residual_part_norm(problem, theta),
        })
    }

    /// Neurons in the order of their knots (neurons with w1 = 0 last).
    fn neuron_order(&self) -> Vec<usize> {
        let net = &self.problem.net;
        let p = net.layout(&self.theta);
        let mut order: Vec<usize> = (0..net.width).collect();
        let key = |i: usize| if p.w1[i] == 0.0 { f64::INFINITY } else { -p.b1[i] / p.w1[i] };
        order.sort_by(|&a, &b| key(a).total_cmp(&key(b)));
        order
    }

    /// The term of neuron i in line ℓ (3 ≤ ℓ ≤ 10); line 10's terms belong to knots and are
    /// given to the first neuron of each knot.
    fn neuron_term(e: &Evaluation, line: usize, i: usize) -> f64 {
        match line {
            3..=9 => e.chain.neuron_terms[i][line - 3],
            _ => e.chain.knots.iter().find(|k| k.neurons[0] == i).map_or(0.0, |k| 2.0 * k.jump.abs() * k.weight),
        }
    }

    /// Whether θ interpolates to rounding, so that the Hessian is ΦΦᵀ/n and θ is a minimum.
    fn at_minimum(e: &Evaluation) -> bool {
        e.residual_part_norm <= ROUNDING * e.chain.lines[0].abs().max(1.0)
    }

    fn draw_ladder<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        theme: &Theme,
        e: &Evaluation,
    ) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        plot::clear(area, theme)?;
        let lines = e.chain.lines;
        let (lo, hi) = lines.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        let (x_lo, x_hi) = (lo / 1.4, hi * 7.0);
        let current = self.line();
        let caption = if current == 1 {
            "every line of the chain; line 1 highlighted".to_string()
        } else {
            format!("every line of the chain; the step from line {} to line {current}", current - 1)
        };
        let mut chart = plot::frame(area, theme, &caption)
            .y_label_area_size(theme.px(62.0))
            .build_cartesian_2d((x_lo..x_hi).log_scale(), 0.3..(CHAIN_LINES as f64 + 0.7))?;
        plot::custom_mesh(("value", ""), || {
            plot::house_mesh(&mut chart, theme)
                .x_desc("value (log scale)")
                .x_labels(6)
                .y_labels(CHAIN_LINES)
                .disable_y_mesh()
                .x_label_formatter(&|v| format::tick(*v))
                .y_label_formatter(&|v| {
                    let line = CHAIN_LINES as f64 + 1.0 - v.round();
                    if (1.0..=CHAIN_LINES as f64).contains(&line) && (v - v.round()).abs() < 1e-9 {
                        format!("line {line}")
                    } else {
                        String::new()
                    }
                })
                .draw()
        })?;
        for (index, &value) in lines.iter().enumerate() {
            let line = index + 1;
            let y = (CHAIN_LINES + 1 - line) as f64;
            // The current line in full colour, the line it follows from half way, the rest pale.
            let fill = if line == current {
                theme.series(1).filled()
            } else if line + 1 == current {
                theme.series(1).mix(0.5).filled()
            } else {
                theme.series(0).mix(0.45).filled()
            };
            plot::markers(&mut chart, &format!("line {line}"), [(value, y)], |(value, y)| {
                Rectangle::new([(x_lo, y - 0.32), (value, y + 0.32)], fill)
            })?;
            let label = match index.checked_sub(1).map(|previous| lines[previous] - value) {
                None => format::tick(value),
                Some(gap) if gap.abs() <= ROUNDING * value.abs().max(1.0) => {
                    format!("{}   (= line {})", format::tick(value), line - 1)
                }
                Some(gap) if gap < 0.0 => {
                    format!("{}   (above line {} by {}!)", format::tick(value), line - 1, format::tick(-gap))
                }
                Some(gap) => format!("{}   (\u{2212}{})", format::tick(value), format::tick(gap)),
            };
            let style = theme.text(11.0).pos(Pos::new(HPos::Left, VPos::Center));
            chart.draw_series(std::iter::once(
                EmptyElement::at((value, y)) + Text::new(label, (theme.px(5.0) as i32, 0), style),
            ))?;
        }
        Ok(None)
    }

    /// The step into the current line: the spectra behind lines 1 to 3, each neuron's term in
    /// the line before and the current one from line 4 on.
    fn draw_step<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        theme: &Theme,
        e: &Evaluation,
    ) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        plot::clear(area, theme)?;
        let line = self.line();
        if line <= 3 {
            return self.draw_spectra(area, theme, e);
        }
        let order = self.neuron_order();
        let previous = line - 1;
        let before: Vec<f64> = order.iter().map(|&i| Self::neuron_term(e, previous, i)).collect();
        let after: Vec<f64> = order.iter().map(|&i| Self::neuron_term(e, line, i)).collect();
        let top = before.iter().chain(&after).fold(0.0f64, |m, &v| m.max(v)).max(1e-12) * 1.2;
        let k = order.len() as f64;
        let caption = if line < CHAIN_LINES {
            format!("line {previous} \u{2192} {line}: each neuron's term")
        } else {
            "line 9 \u{2192} 10: each neuron's term, each knot's 2|jump|\u{b7}g(\u{3c4})".to_string()
        };
        let mut chart = plot::frame(area, theme, &caption).build_cartesian_2d(-0.6..(k - 0.4), 0.0..top)?;
        plot::mesh(&mut chart, theme, "neurons in the order of their knots \u{3c4}\u{1d62}", "term")?;
        let pale = theme.series(0).mix(0.35).filled();
        let bars = before.iter().enumerate().map(|(r, &v)| (r as f64, v));
        plot::markers(&mut chart, &format!("line {previous}"), bars, |(r, v)| {
            Rectangle::new([(r - 0.38, 0.0), (r, v)], pale)
        })?
        .label(format!("line {previous}"))
        .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], pale));
        let solid = theme.series(1).filled();
        let label =
            if line < CHAIN_LINES { format!("line {line}") } else { "line 10 (at a knot's first neuron)".into() };
        let bars = after.iter().enumerate().map(|(r, &v)| (r as f64, v));
        plot::markers(&mut chart, &label, bars, |(r, v)| Rectangle::new([(r, 0.0), (r + 0.38, v)], solid))?
            .label(label.clone())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], solid));
        plot::legend(&mut chart, theme)?;
        Ok(None)
    }

    /// Lines 1 to 3: the spectrum of ∇²L (line 1), beside that of ΦΦᵀ/n (line 2), and the
    /// spectrum of ΦΦᵀ/n with the Rayleigh quotient at u = (1, …, 1)/√n (line 3), which its top
    /// eigenvalue must exceed.
    fn draw_spectra<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        theme: &Theme,
        e: &Evaluation,
    ) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        let line = self.line();
        let shown =
            |s: &[f64]| s.iter().copied().filter(|&v| v > 1e-9 * s[0].abs().max(1.0)).take(12).collect::<Vec<_>>();
        let (h, gn) = (shown(&e.hessian_spectrum), shown(&e.gauss_newton_spectrum));
        let hessian = ("\u{2207}\u{b2}L", &h, theme.series(0));
        let gauss_newton = ("\u{3a6}\u{3a6}\u{1d40}/n", &gn, theme.series(2));
        let (caption, columns) = match line {
            1 => ("line 1: the eigenvalues of \u{2207}\u{b2}L", vec![hessian]),
            2 => ("line 1 \u{2192} 2: \u{2207}\u{b2}L and \u{3a6}\u{3a6}\u{1d40}/n", vec![hessian, gauss_newton]),
            _ => ("line 2 \u{2192} 3: \u{3a6}\u{3a6}\u{1d40}/n and u = (1, \u{2026}, 1)/\u{221a}n", vec![gauss_newton]),
        };
        let line3 = (line == 3).then_some(e.chain.lines[2]);
        let values = columns.iter().flat_map(|c| c.1.iter().copied()).chain(line3);
        let (lo, hi) = plot::log_range(values, 1e-6);
        let width = 1.5 * columns.len() as f64;
        let mut chart = plot::frame(area, theme, caption).build_cartesian_2d(0.0..width, (lo..hi).log_scale())?;
        plot::custom_mesh(("", "eigenvalue"), || {
            plot::house_mesh(&mut chart, theme)
                .y_desc("eigenvalue (log scale)")
                .x_labels(3)
                .y_labels(6)
                .disable_x_mesh()
                .x_label_formatter(&|_| String::new())
                .y_label_formatter(&|v| format::tick(*v))
                .draw()
        })?;
        if let Some(line3) = line3 {
            let dash = theme.line(theme.series(1), 1.5);
            plot::line(
                &mut chart,
                "line 3: u\u{1d40}(\u{3a6}\u{3a6}\u{1d40}/n)u",
                [(0.0, line3), (width, line3)],
                dash,
            )?;
            let right = theme.text(11.0).pos(Pos::new(HPos::Right, VPos::Top));
            chart.draw_series(std::iter::once(
                EmptyElement::at((width, line3))
                    + Text::new(
                        format!("line 3 = {}", format::tick(line3)),
                        (-(theme.px(4.0) as i32), theme.px(4.0) as i32),
                        right,
                    ),
            ))?;
        }
        for (column, (name, values, color)) in columns.into_iter().enumerate() {
            let x = 0.75 + 1.5 * column as f64;
            let below = theme.text(12.0).pos(Pos::new(HPos::Center, VPos::Top));
            let top = values.first().map_or("\u{2013}".to_string(), |&v| format::tick(v));
            let line_height = theme.px(15.0) as i32;
            chart.draw_series(std::iter::once(
                EmptyElement::at((x, lo))
                    + Text::new(name.to_string(), (0, theme.px(6.0) as i32), below.clone())
                    + Text::new(format!("\u{3bb}_max {top}"), (0, theme.px(6.0) as i32 + line_height), below),
            ))?;
            plot::markers(&mut chart, &format!("eigenvalue of {name}"), values.iter().map(|&v| (x, v)), |(x, v)| {
                PathElement::new(
                    vec![(x - 0.3, v), (x + 0.3, v)],
                    theme.line(color, if v == values[0] { 3.0 } else { 1.2 }),
                )
            })?;
        }
        Ok(None)
    }

    fn draw_net<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        plot::clear(area, theme)?;
        let data = &self.problem.data;
        let (x_lo, x_hi) = plot::padded_range(data.x.iter().copied(), 0.12);
        let curve: Vec<(f64, f64)> = (0..=300)
            .map(|s| x_lo + (x_hi - x_lo) * s as f64 / 300.0)
            .map(|x| (x, self.problem.net.eval(&self.theta, x)))
            .collect();
        let (y_lo, y_hi) = plot::padded_range(curve.iter().map(|p| p.1).chain(data.y.iter().copied()), 0.1);
        let mut chart = plot::frame(area, theme, "the network f, its data and its knots")
            .build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)?;
        plot::mesh(&mut chart, theme, "x", "f(x)")?;
        if let Ok(e) = &self.evaluation {
            let knot_style = ShapeStyle { color: theme.muted().mix(0.5), filled: false, stroke_width: theme.px(1.0) };
            chart.draw_series(
                e.chain
                    .knots
                    .iter()
                    .filter(|k| (x_lo..=x_hi).contains(&k.position))
                    .map(|k| PathElement::new(vec![(k.position, y_lo), (k.position, y_hi)], knot_style)),
            )?;
        }
        let f_style = theme.line(theme.series(0), 2.0);
        plot::line(&mut chart, "f", curve, f_style)?.label("f").legend(plot::swatch(theme, f_style));
        let dot = theme.series(1);
        let points = data.x.iter().zip(&data.y).map(|(&x, &y)| (x, y));
        plot::markers(&mut chart, "data", points, |p| Circle::new(p, theme.px(4.0), dot.filled()))?
            .label("data")
            .legend(plot::dot_swatch(theme, dot));
        plot::legend(&mut chart, theme)?;
        Ok(None)
    }

    /// The corollary for this network's f, over every step size: the curve 1/η − 1/2, f's
    /// ∫|f''|g, the step size 2/λ_max(θ) up to which this θ is linearly stable for GD, and
    /// 2/(1 + 2∫|f''|g), beyond which no implementation of f is (Lemma 4 with Theorem 1.1).
    fn draw_corollary<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        theme: &Theme,
        e: &Evaluation,
    ) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        plot::clear(area, theme)?;
        let corollary = Corollary::of(e);
        let bound = |eta: f64| 1.0 / eta - 0.5;
        let smallest =
            corollary.theta_stable_up_to.unwrap_or(corollary.f_accessible_up_to).min(corollary.f_accessible_up_to);
        let (x_lo, x_hi) = (smallest / 4.0, (3.0 * corollary.f_accessible_up_to).min(1.8));
        let y_hi = 2.0 * bound(x_lo);
        let y_lo = (corollary.curvature.min(bound(x_hi)) / 4.0).max(y_hi * 1e-7);
        let mut chart =
            plot::frame(area, theme, "the corollary for this f: \u{222b}|f''|g \u{2264} 1/\u{3b7} \u{2212} 1/2")
                .build_cartesian_2d((x_lo..x_hi).log_scale(), (y_lo..y_hi).log_scale())?;
        plot::mesh(&mut chart, theme, "step size \u{3b7}", "\u{222b}|f''| g")?;
        let curve: Vec<(f64, f64)> = (0..=200)
            .map(|s| (x_lo.ln() + (x_hi.ln() - x_lo.ln()) * s as f64 / 200.0).exp())
            .map(|eta| (eta, bound(eta).clamp(y_lo, y_hi)))
            .collect();
        let mut above = curve.clone();
        above.extend([(x_hi, y_hi), (x_lo, y_hi)]);
        plot::shade(&mut chart, std::iter::once(Polygon::new(above, theme.unstable_fill().filled())))?;
        let line = theme.line(theme.foreground(), 2.0);
        plot::line(&mut chart, "corollary's ceiling 1/\u{3b7} \u{2212} 1/2", curve, line)?
            .label("1/\u{3b7} \u{2212} 1/2")
            .legend(plot::swatch(theme, line));
        // f's ∫|f''|g as a horizontal line in three pieces: where this θ is linearly stable, where
        // it is too sharp but a flatter implementation of f is not ruled out, and where none is.
        let c = corollary.curvature.max(y_lo);
        let eta_f = corollary.f_accessible_up_to;
        let eta_theta = corollary.theta_stable_up_to.unwrap_or(x_lo).clamp(x_lo, eta_f);
        let marks = theme.line(theme.muted(), 1.0);
        for eta in corollary.theta_stable_up_to.map(|_| eta_theta).into_iter().chain([eta_f]) {
            chart.draw_series(DashedLineSeries::new(
                [(eta, y_lo), (eta, y_hi)],
                theme.px(4.0),
                theme.px(4.0),
                marks,
            ))?;
        }
        if let Some(eta) = corollary.theta_stable_up_to {
            let stable = theme.line(theme.series(2), 3.0);
            plot::line(&mut chart, "\u{222b}|f''|g, \u{3b8} stable", [(x_lo, c), (eta_theta, c)], stable)?
                .label(format!("\u{3b8} stable: \u{3b7} \u{2264} 2/\u{3bb}_max = {}", format::tick(eta)))
                .legend(plot::swatch(theme, stable));
        }
        let open = theme.line(theme.series(0), 2.0);
        let dash = (theme.px(7.0), theme.px(4.0));
        plot::dashed(&mut chart, "\u{222b}|f''|g, \u{3b8} too sharp", [(eta_theta, c), (eta_f, c)], dash, open)?
            .label(if corollary.theta_stable_up_to.is_some() {
                "\u{3b8} too sharp, f not ruled out".to_string()
            } else {
                format!("f (\u{3b8} no minimum): {}", format::tick(corollary.curvature))
            })
            .legend(broken_swatch(theme, open, 2));
        let closed = theme.line(theme.series(1), 2.0);
        let dots = (theme.px(2.0), theme.px(3.0));
        plot::dashed(&mut chart, "\u{222b}|f''|g, f not accessible", [(eta_f, c), (x_hi, c)], dots, closed)?
            .label(format!("f not accessible: \u{3b7} > {}", format::tick(eta_f)))
            .legend(broken_swatch(theme, closed, 4));
        plot::legend(&mut chart, theme)?;
        Ok(None)
    }
}

/// The corollary's numbers for one network: 1 + 2∫|f''|g ≤ min over Ω(f) of λ_max ≤ λ_max(θ) ≤
/// 2/η holds for every η up to 2/λ_max(θ), where this θ is linearly stable for GD; past
/// 2/(1 + 2∫|f''|g) no implementation of f is (f is not accessible).
struct Corollary {
    curvature: f64,
    /// 2/λ_max(θ) when θ is a minimum (interpolates), else None: θ is then no minimum at all.
    theta_stable_up_to: Option<f64>,
    f_accessible_up_to: f64,
}

impl Corollary {
    fn of(e: &Evaluation) -> Self {
        let lines = e.chain.lines;
        Self {
            curvature: (lines[CHAIN_LINES - 1] - 1.0) / 2.0,
            theta_stable_up_to: ProofLemma4::at_minimum(e).then(|| 2.0 / lines[0]),
            f_accessible_up_to: 2.0 / lines[CHAIN_LINES - 1],
        }
    }
}

impl Figure for ProofLemma4 {
    const ID: &'static str = "proof-lemma4";
    const TITLE: &'static str = "Lemma 4, line by line";
    const PARAMS: &'static [ParamSpec] = &[
        LINE,
        ParamSpec {
            key: "net",
            label: "output layer",
            min: 0.0,
            max: 1.0,
            default: 0.0,
            scale: Scale::Choice(&["interpolating", "random"]),
        },
        ParamSpec { key: "n", label: "data points n", min: 1.0, max: 40.0, default: 8.0, scale: Scale::Integer },
        ParamSpec { key: "k", label: "neurons k", min: 1.0, max: 24.0, default: 16.0, scale: Scale::Integer },
        LAW,
        TARGET,
        ParamSpec { key: "scale", label: "hidden-layer scale", min: 0.1, max: 5.0, default: 1.0, scale: Scale::Log },
        ParamSpec { key: "seed", label: "random seed", min: 0.0, max: 999.0, default: 1.0, scale: Scale::Integer },
    ];
    const PANELS: &'static [Panel] = &[
        Panel { key: "ladder", description: "Every line of the chain of inequalities evaluated on the current network, as bars on a log scale, each labelled with its value and what it loses against the line above; the current line is highlighted, and the line it follows from half as strongly" },
        Panel { key: "step", description: "The step into the current line: at line 1 the eigenvalues of the Hessian, at line 2 those of the Hessian beside those of ΦΦᵀ/n, at line 3 those of ΦΦᵀ/n with the Rayleigh quotient at u = (1, …, 1)/√n; from line 4 on each neuron's term in the line before and in the current line" },
        Panel { key: "net", description: "The network's function f with the data points and its knots as vertical lines" },
        Panel { key: "corollary", description: "The corollary for this f against the step size η, on log scales: the bound 1/η − 1/2 with the region above it shaded, and f's ∫|f''|g as a horizontal line, solid where this θ is linearly stable for gradient descent (η ≤ 2/λ_max(θ)), dashed where θ is too sharp but a flatter implementation of f is not ruled out, dotted beyond 2/(1 + 2∫|f''|g), where no implementation of f is linearly stable" },
    ];
    const PACE: Option<f64> = None;
    const STEPPER: Option<&'static str> = Some("line");

    fn new(params: ParamValues) -> Self {
        let (n, k) = (params.get_usize("n"), params.get_usize("k"));
        let mut rng = seeded(params.get("seed") as u64);
        let data = sample_data(&law(params.get_usize("law")), target(params.get_usize("target")), n, &mut rng);
        let net = ShallowNet::new(k, Activation::Relu);
        let random = knots_among(k, params.get("scale"), &data.x, &mut rng);
        let interpolating = params.get_usize("net") == 0;
        let problem = Regression::new(net, data);
        let theta = if interpolating { fit_output_layer(&net, &random, &problem.data) } else { Some(random.clone()) };
        let evaluation = match theta.as_deref() {
            Some(theta) => Self::evaluate(&problem, theta),
            None => Err("the least-squares fit of the output layer failed".to_string()),
        };
        Self { params, theta: theta.unwrap_or(random), problem, interpolating, evaluation }
    }

    fn params(&self) -> &ParamValues {
        &self.params
    }

    fn step(&mut self, _units: usize) -> Activity {
        Activity::Idle
    }

    fn draw<DB: DrawingBackend>(&self, panel: usize, area: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        match (&self.evaluation, panel) {
            (_, 2) => self.draw_net(area, theme),
            (Ok(e), 0) => self.draw_ladder(area, theme, e),
            (Ok(e), 1) => self.draw_step(area, theme, e),
            (Ok(e), _) => self.draw_corollary(area, theme, e),
            (Err(message), _) => plot::message_panel(area, theme, Self::PANELS[panel].key, message).map(|_| None),
        }
    }

    fn verdict(&self) -> Verdict {
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
                STEP_REASONS[0],
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
            (format!("{} ({fit})", STEP_REASONS[line - 1]), tone)
        };
        let exact = relation == "=" && IDENTITY_LINES.contains(&line);
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

    fn readouts(&self) -> Vec<(String, String)> {
        let Ok(e) = &self.evaluation else { return Vec::new() };
        let line = self.line();
        let entry = |l: usize| (format!("line {l}: {}", LINE_NAMES[l - 1]), format::tick(e.chain.lines[l - 1]));
        let mut out = if line == 1 { vec![entry(1)] } else { vec![entry(line - 1), entry(line)] };
        out.extend([
            ("\u{3bb}_max(\u{2207}\u{b2}L), dense".to_string(), format::tick(e.chain.lines[0])),
            ("\u{3bb}_max(\u{3a6}\u{3a6}\u{1d40}/n), dense".to_string(), format::tick(e.chain.lines[1])),
            ("max |residual|".to_string(), format::tick(e.max_residual)),
            (
                "\u{2016}residual part of \u{2207}\u{b2}L\u{2016}\u{2082}".to_string(),
                format::tick(e.residual_part_norm),
            ),
            ("output layer".to_string(), if self.interpolating { "least-squares fit".into() } else { "random".into() }),
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

    fn tables(&self) -> Vec<Table> {
        let data = &self.problem.data;
        let mut tables = vec![Table {
            name: "data",
            columns: vec!["x", "y", "f"],
            rows: data
                .x
                .iter()
                .zip(&data.y)
                .map(|(&x, &y)| vec![x, y, self.problem.net.eval(&self.theta, x)])
                .collect(),
        }];
        if let Ok(e) = &self.evaluation {
            let gaps =
                (0..CHAIN_LINES)
                    .map(|l| if l + 1 < CHAIN_LINES { e.chain.lines[l] - e.chain.lines[l + 1] } else { 0.0 });
            tables.push(Table {
                name: "lines",
                columns: vec!["line", "value", "gap_to_next"],
                rows: e
                    .chain
                    .lines
                    .iter()
                    .zip(gaps)
                    .enumerate()
                    .map(|(l, (&v, g))| vec![(l + 1) as f64, v, g])
                    .collect(),
            });
            let p = self.problem.net.layout(&self.theta);
            tables.push(Table {
                name: "neurons",
                columns: vec![
                    "neuron", "w1", "b1", "w2", "line3", "line4", "line5", "line6", "line7", "line8", "line9",
                ],
                rows: (0..self.problem.net.width)
                    .map(|i| {
                        let mut row = vec![i as f64, p.w1[i], p.b1[i], p.w2[i]];
                        row.extend(e.chain.neuron_terms[i]);
                        row
                    })
                    .collect(),
            });
        }
        tables
    }
}
