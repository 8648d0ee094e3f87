//! `proof-lemma4`: the proof of Lemma 4, one line at a time, with the numbers of the current
//! network.
//!
//! The network is a small ReLU net on n data points: its hidden layer is random (knots spread
//! over the data), and its output layer either fitted exactly by least squares (so θ interpolates, and the Hessian equals
//! ΦΦᵀ/n) or random as well (so it does not, and the chain's first step can fail). Panels: a
//! ladder of every line's value with the loss of each step marked and the current line
//! highlighted; the ingredients of the current line (the spectra behind lines 1–3, the terms of
//! each neuron behind lines 4–10); and the network's function with its data and knots.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::function_space::{law, target, LAW, TARGET};
use super::params::{ParamSpec, ParamValues, Scale};
use super::plot::{self, format_tick, DrawResult, Theme};
use super::{Activity, Figure, Panel, Table, Tone, Verdict};
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

/// Why line ℓ + 1 follows from line ℓ (index ℓ − 1), for the verdict.
const STEP_REASONS: [&str; CHAIN_LINES - 1] = [
    "equal when \u{3b8} interpolates (then \u{2207}\u{b2}L = \u{3a6}\u{3a6}\u{1d40}/n)",
    "the maximum is at least the value at u = 1/\u{221a}n (the all-ones direction)",
    "an identity (the b2 entry of \u{3a6}1 is n)",
    "an identity",
    "a\u{b2} + b\u{b2} \u{2265} 2ab",
    "an identity (\u{3c3}(z) = z on the active set)",
    "an identity when w1\u{1d62} \u{2260} 0",
    "the active set is one side of the knot",
    "g \u{2264} min(g\u{207a}, g\u{207b}), and merged knots only add",
];

/// Lines ℓ → ℓ + 1 that are identities (index ℓ − 1): their gap is rounding.
const IDENTITY_STEPS: [usize; 3] = [2, 3, 5];

/// The step ℓ → ℓ + 1 counts as exact when the lines differ by less than this, relatively.
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

    /// The term of neuron i in line ℓ (4 ≤ ℓ ≤ 10); line 10's terms belong to knots and are
    /// given to the first neuron of each knot.
    fn neuron_term(e: &Evaluation, line: usize, i: usize) -> f64 {
        match line {
            4..=9 => e.chain.neuron_terms[i][line - 4],
            _ => e.chain.knots.iter().find(|k| k.neurons[0] == i).map_or(0.0, |k| 2.0 * k.jump.abs() * k.weight),
        }
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
        let mut chart = plot::frame(area, theme, "every line of the chain on this network")
            .y_label_area_size(theme.px(62.0))
            .build_cartesian_2d((x_lo..x_hi).log_scale(), 0.3..(CHAIN_LINES as f64 + 0.7))?;
        plot::custom_mesh(("value", ""), || {
            chart
                .configure_mesh()
                .x_desc("value (log scale)")
                .x_labels(6)
                .y_labels(CHAIN_LINES)
                .label_style(theme.text(11.0))
                .axis_desc_style(theme.text(12.0))
                .axis_style(theme.line(theme.muted(), 1.0))
                .bold_line_style(theme.line(theme.grid(), 1.0))
                .light_line_style(theme.line(theme.background(), 0.0))
                .disable_y_mesh()
                .x_label_formatter(&|v| format_tick(*v))
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
        let current = self.line();
        for (index, &value) in lines.iter().enumerate() {
            let line = index + 1;
            let y = (CHAIN_LINES + 1 - line) as f64;
            let color = if line == current { theme.series(1) } else { theme.series(0) };
            let fill = if line == current { color.filled() } else { color.mix(0.45).filled() };
            plot::markers(&mut chart, &format!("line {line}"), [(value, y)], |(value, y)| {
                Rectangle::new([(x_lo, y - 0.32), (value, y + 0.32)], fill)
            })?;
            let label = match index.checked_sub(1).map(|previous| lines[previous] - value) {
                None => format_tick(value),
                Some(gap) if gap.abs() <= ROUNDING * value.abs().max(1.0) => {
                    format!("{}   (= line {})", format_tick(value), line - 1)
                }
                Some(gap) if gap < 0.0 => {
                    format!("{}   (above line {} by {}!)", format_tick(value), line - 1, format_tick(-gap))
                }
                Some(gap) => format!("{}   (\u{2212}{})", format_tick(value), format_tick(gap)),
            };
            let style = theme.text(11.0).pos(Pos::new(HPos::Left, VPos::Center));
            chart.draw_series(std::iter::once(
                EmptyElement::at((value, y)) + Text::new(label, (theme.px(5.0) as i32, 0), style),
            ))?;
        }
        Ok(None)
    }

    fn draw_ingredients<DB: DrawingBackend>(
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
        let next = (line + 1).min(CHAIN_LINES);
        let current: Vec<f64> = order.iter().map(|&i| Self::neuron_term(e, line, i)).collect();
        let following: Vec<f64> = order.iter().map(|&i| Self::neuron_term(e, next, i)).collect();
        let top = current.iter().chain(&following).fold(0.0f64, |m, &v| m.max(v)).max(1e-12) * 1.2;
        let k = order.len() as f64;
        let caption = if line < CHAIN_LINES {
            format!("each neuron's term in line {line} and line {next}")
        } else {
            "each knot's term 2|jump|\u{b7}g(\u{3c4}) in line 10".to_string()
        };
        let mut chart = plot::frame(area, theme, &caption).build_cartesian_2d(-0.6..(k - 0.4), 0.0..top)?;
        plot::mesh(&mut chart, theme, "neurons in the order of their knots \u{3c4}\u{1d62}", "term")?;
        let solid = theme.series(1);
        let bars = current.iter().enumerate().map(|(r, &v)| (r as f64, v));
        plot::markers(&mut chart, &format!("line {line}"), bars, |(r, v)| {
            Rectangle::new([(r - 0.38, 0.0), (r, v)], solid.filled())
        })?
        .label(format!("line {line}"))
        .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], solid.filled()));
        if line < CHAIN_LINES {
            let outline = theme.series(0);
            let style = outline.mix(0.35).filled();
            let bars = following.iter().enumerate().map(|(r, &v)| (r as f64, v));
            plot::markers(&mut chart, &format!("line {next}"), bars, |(r, v)| {
                Rectangle::new([(r, 0.0), (r + 0.38, v)], style)
            })?
            .label(format!("line {next}"))
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], style));
        }
        plot::legend(&mut chart, theme)?;
        Ok(None)
    }

    /// Lines 1–3 in one picture: the eigenvalues of ∇²L and of ΦΦᵀ/n, and the Rayleigh quotient
    /// at u = 1/√n (line 3), which the top eigenvalue of ΦΦᵀ/n must exceed.
    fn draw_spectra<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        theme: &Theme,
        e: &Evaluation,
    ) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        let shown =
            |s: &[f64]| s.iter().copied().filter(|&v| v > 1e-9 * s[0].abs().max(1.0)).take(12).collect::<Vec<_>>();
        let (h, gn) = (shown(&e.hessian_spectrum), shown(&e.gauss_newton_spectrum));
        let line3 = e.chain.lines[2];
        let (lo, hi) = plot::log_range(h.iter().chain(&gn).copied().chain([line3]), 1e-6);
        let mut chart = plot::frame(area, theme, "lines 1\u{2013}3: spectra and u = 1/\u{221a}n")
            .build_cartesian_2d(0.0..3.0, (lo..hi).log_scale())?;
        plot::custom_mesh(("", "eigenvalue"), || {
            chart
                .configure_mesh()
                .y_desc("eigenvalue (log scale)")
                .x_labels(3)
                .y_labels(6)
                .label_style(theme.text(11.0))
                .axis_desc_style(theme.text(12.0))
                .axis_style(theme.line(theme.muted(), 1.0))
                .bold_line_style(theme.line(theme.grid(), 1.0))
                .light_line_style(theme.line(theme.background(), 0.0))
                .disable_x_mesh()
                .x_label_formatter(&|_| String::new())
                .y_label_formatter(&|v| format_tick(*v))
                .draw()
        })?;
        let dash = theme.line(theme.series(1), 1.5);
        plot::line(&mut chart, "line 3: u\u{1d40}(\u{3a6}\u{3a6}\u{1d40}/n)u", [(0.0, line3), (3.0, line3)], dash)?;
        // Between the two columns, where nothing else is drawn.
        let centred = theme.text(11.0).pos(Pos::new(HPos::Center, VPos::Top));
        chart.draw_series(std::iter::once(
            EmptyElement::at((1.5, line3))
                + Text::new(format!("line 3 = {}", format_tick(line3)), (0, theme.px(4.0) as i32), centred),
        ))?;
        let columns = [("\u{2207}\u{b2}L", &h, theme.series(0)), ("\u{3a6}\u{3a6}\u{1d40}/n", &gn, theme.series(2))];
        for (column, (name, values, color)) in columns.into_iter().enumerate() {
            let x = 0.75 + 1.5 * column as f64;
            let below = theme.text(12.0).pos(Pos::new(HPos::Center, VPos::Top));
            let top = values.first().map_or("\u{2013}".to_string(), |&v| format_tick(v));
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
        Panel { key: "ladder", description: "Every line of the chain of inequalities evaluated on the current network, as bars on a log scale, each labelled with its value and what it loses against the line above; the current line is highlighted" },
        Panel { key: "ingredients", description: "The ingredients of the current line: for lines 1 to 3 the eigenvalues of the Hessian and of ΦΦᵀ/n with the Rayleigh quotient at the all-ones direction; for lines 4 to 10 each neuron's term in the current and the next line" },
        Panel { key: "net", description: "The network's function f with the data points and its knots as vertical lines" },
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
            (Ok(e), _) => self.draw_ingredients(area, theme, e),
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
            format!("max |f(x\u{2c7c}) \u{2212} y\u{2c7c}| = {}", format_tick(e.max_residual))
        };
        let duplicate = conflicting_duplicate(&self.problem.data.x, &self.problem.data.y)
            .map(|x| {
                format!(
                    " Two data points share x = {} with different targets: no network interpolates them.",
                    format_tick(x)
                )
            })
            .unwrap_or_default();
        if line == CHAIN_LINES {
            let ratio = lines[0] / lines[9];
            let holds = lines[0] >= lines[9];
            let text = format!(
                "Line 10 = 1 + 2\u{222b}|f''| g = {} against \u{3bb}_max(\u{2207}\u{b2}L) = {} (ratio {:.3}): {} ({fit}).{duplicate}",
                format_tick(lines[9]),
                format_tick(lines[0]),
                ratio,
                if holds { "Lemma 4's bound holds" } else { "the sharpness is below the bound, which Lemma 4 allows only away from interpolation" }
            );
            return Verdict { text, tone: if holds { Tone::Good } else { Tone::Bad } };
        }
        let next = lines[line];
        let gap = value - next;
        let tolerance = ROUNDING * value.abs().max(1.0);
        let (relation, tone) = if gap.abs() <= tolerance {
            ("=".to_string(), Tone::Good)
        } else if gap > 0.0 {
            (format!("\u{2265} (gap {}, {:.2}%)", format_tick(gap), 100.0 * gap / value), Tone::Good)
        } else {
            (format!("< (by {})", format_tick(-gap)), Tone::Bad)
        };
        let (why, tone) = if line == 1 && e.residual_part_norm > tolerance {
            let why = format!(
                "this step needs interpolation, and here {fit}: the Hessian differs from \u{3a6}\u{3a6}\u{1d40}/n by its residual part (spectral norm {}), in either direction",
                format_tick(e.residual_part_norm)
            );
            (why, if tone == Tone::Bad { Tone::Bad } else { Tone::Neutral })
        } else {
            (format!("{} ({fit})", STEP_REASONS[line - 1]), tone)
        };
        let identity = if IDENTITY_STEPS.contains(&(line - 1)) && tone == Tone::Good { " to rounding" } else { "" };
        Verdict {
            text: format!(
                "Line {line} = {} {relation} line {} = {}{identity}: {why}.{duplicate}",
                format_tick(value),
                line + 1,
                format_tick(next)
            ),
            tone,
        }
    }

    fn readouts(&self) -> Vec<(String, String)> {
        let Ok(e) = &self.evaluation else { return Vec::new() };
        let line = self.line();
        let mut out = vec![(format!("line {line}: {}", LINE_NAMES[line - 1]), format_tick(e.chain.lines[line - 1]))];
        if line < CHAIN_LINES {
            out.push((format!("line {}: {}", line + 1, LINE_NAMES[line]), format_tick(e.chain.lines[line])));
        }
        out.extend([
            ("\u{3bb}_max(\u{2207}\u{b2}L), dense".to_string(), format_tick(e.chain.lines[0])),
            ("\u{3bb}_max(\u{3a6}\u{3a6}\u{1d40}/n), dense".to_string(), format_tick(e.chain.lines[1])),
            ("max |residual|".to_string(), format_tick(e.max_residual)),
            ("\u{2016}residual part of \u{2207}\u{b2}L\u{2016}\u{2082}".to_string(), format_tick(e.residual_part_norm)),
            ("output layer".to_string(), if self.interpolating { "least-squares fit".into() } else { "random".into() }),
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
                columns: vec!["neuron", "w1", "b1", "w2", "line4", "line5", "line6", "line7", "line8", "line9"],
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
