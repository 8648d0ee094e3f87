//! `switching`: a minimum of a ReLU network that is not twice differentiable, SGD near it as
//! the switching system of Definition 2, and Lemma 3's condition, evaluated live and set
//! against simulation.
//!
//! Panels: the network at θ* with its data, the points on knots marked; the spectra of the
//! mode Hessians H_m with λ_m, λ_lower and the threshold 2/η + δ + γ/ε; the simulated
//! sup_t E‖θ_t − θ*‖ against ε with the line sup = ε (above it: not strongly stable) and the
//! range of ε where Lemma 3 guarantees instability; and E‖θ_t − θ*‖ against t at the chosen ε.
//! The simulation starts at θ* ± εq (the lemma's own start) and at random points of the
//! sphere of radius ε; every expectation is a mean over Monte Carlo runs.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::params::{ParamSpec, ParamValues, Scale};
use super::plot::{self, format_tick, DrawResult, Theme};
use super::{Activity, Figure, Panel, Table, Tone, Verdict};
use crate::math::dense::SymmetricEigen;
use crate::math::rng::{normal, seeded, Rng};
use crate::math::switching::{add_run_distances, mode_name, BatchSampler, KinkMinimum, Lemma3, Ssds, DIM};

/// The ε of the sweep: 13 values, three per decade from 1e-4 to 1.
const SWEEP_EPSILONS: usize = 13;
/// Starting points per ε: θ* + εq, θ* − εq and random points of the sphere of radius ε.
const STARTS: usize = 8;
/// A run farther than this many times ε from θ* has escaped; it counts as this far from then on.
const ESCAPE: f64 = 1e4;

/// The simulation of one ε: per start the running sums of ‖θ_t − θ*‖ over runs.
struct EpsilonRuns {
    epsilon: f64,
    starts: Vec<[f64; DIM]>,
    sums: Vec<Vec<f64>>,
    /// Runs finished per start.
    done: Vec<usize>,
}

impl EpsilonRuns {
    fn new(epsilon: f64, q: &[f64], steps: usize, rng: &mut Rng) -> Self {
        let mut starts = Vec::with_capacity(STARTS);
        for s in 0..STARTS {
            let mut start = [0.0; DIM];
            if s < 2 {
                let sign = if s == 0 { 1.0 } else { -1.0 };
                for (v, qi) in start.iter_mut().zip(q) {
                    *v = sign * epsilon * qi;
                }
            } else {
                for v in start.iter_mut() {
                    *v = normal(rng);
                }
                let norm = start.iter().map(|v| v * v).sum::<f64>().sqrt();
                for v in start.iter_mut() {
                    *v *= epsilon / norm;
                }
            }
            starts.push(start);
        }
        Self { epsilon, starts, sums: vec![vec![0.0; steps + 1]; STARTS], done: vec![0; STARTS] }
    }

    /// E‖θ_t − θ*‖ of start s so far.
    fn means(&self, s: usize) -> impl Iterator<Item = f64> + '_ {
        let runs = self.done[s].max(1) as f64;
        self.sums[s].iter().map(move |v| v / runs)
    }

    /// sup over t and the starts with runs of E‖θ_t − θ*‖.
    fn worst(&self) -> Option<f64> {
        (0..STARTS).filter(|&s| self.done[s] > 0).map(|s| self.means(s).fold(0.0, f64::max)).reduce(f64::max)
    }
}

pub struct Switching {
    params: ParamValues,
    ssds: Ssds,
    lemma: Option<Lemma3>,
    eta: f64,
    epsilon: f64,
    runs: usize,
    /// The chosen ε first, then the sweep.
    sims: Vec<EpsilonRuns>,
    /// The next (simulation, start) to run.
    cursor: (usize, usize),
    sampler: BatchSampler,
}

impl Switching {
    fn finished(&self) -> bool {
        self.cursor.0 >= self.sims.len()
    }

    fn kinks(&self) -> usize {
        self.ssds.minimum.on_knot.len()
    }

    fn draw_minimum<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        plot::clear(area, theme)?;
        let m = &self.ssds.minimum;
        let (x_lo, x_hi) = plot::padded_range(m.data.x.iter().copied(), 0.08);
        let curve: Vec<(f64, f64)> = (0..=300)
            .map(|s| x_lo + (x_hi - x_lo) * s as f64 / 300.0)
            .map(|x| (x, m.net.eval(&m.theta_star, x)))
            .collect();
        let (y_lo, y_hi) = plot::padded_range(curve.iter().map(|p| p.1).chain(m.data.y.iter().copied()), 0.12);
        let mut chart = plot::frame(area, theme, "the minimum \u{3b8}*, data on knots")
            .build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)?;
        plot::mesh(&mut chart, theme, "x", "f(x; \u{3b8}*)")?;
        let p = m.net.layout(&m.theta_star);
        let knot_style = theme.line(theme.muted(), 1.0);
        for i in 0..m.net.width {
            let tau = -p.b1[i] / p.w1[i];
            chart.draw_series(std::iter::once(PathElement::new(vec![(tau, y_lo), (tau, y_hi)], knot_style)))?;
        }
        let f_style = theme.line(theme.series(0), 2.0);
        plot::line(&mut chart, "f at \u{3b8}*", curve, f_style)?
            .label("f at \u{3b8}*")
            .legend(plot::swatch(theme, f_style));
        let residual_style = theme.line(theme.series(1), 1.2);
        chart.draw_series(
            m.data
                .x
                .iter()
                .zip(&m.data.y)
                .map(|(&x, &y)| PathElement::new(vec![(x, y), (x, m.net.eval(&m.theta_star, x))], residual_style)),
        )?;
        let dot = theme.foreground();
        let data = m.data.x.iter().zip(&m.data.y).map(|(&x, &y)| (x, y));
        plot::markers(&mut chart, "data", data, |p| Circle::new(p, theme.px(3.5), dot.filled()))?
            .label("data (segments: residuals)")
            .legend(plot::dot_swatch(theme, dot));
        let ring = theme.series(1);
        let on_knot = m.on_knot.iter().map(|&(j, _)| (m.data.x[j], m.data.y[j]));
        plot::markers(&mut chart, "data point on a knot", on_knot, |p| {
            Circle::new(p, theme.px(8.0), theme.line(ring, 2.0))
        })?
        .label("on a knot (w1x + b1 = 0)")
        .legend(move |(x, y)| Circle::new((x + 9, y), 5, ShapeStyle::from(ring).stroke_width(2)));
        plot::legend(&mut chart, theme)?;
        Ok(None)
    }

    fn draw_modes<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        theme: &Theme,
        lemma: &Lemma3,
    ) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        plot::clear(area, theme)?;
        let modes = self.ssds.mode_count();
        let spectra: Vec<Vec<f64>> =
            self.ssds.hessians.iter().map(|h| SymmetricEigen::new(h).map_or_else(Vec::new, |e| e.values)).collect();
        let threshold = 2.0 / self.eta + lemma.delta + lemma.gamma / self.epsilon;
        let top = spectra.iter().flatten().copied().chain([threshold, 2.0 / self.eta]).fold(0.0f64, f64::max);
        // The upper part of the plot is left free for the legend.
        let y_hi = top.min(4.0 * lemma.lambda_lower.max(1.0)) * 1.9;
        let mut chart =
            plot::frame(area, theme, "Lemma 3: \u{3bb}_lower against 2/\u{3b7} + \u{3b4} + \u{3b3}/\u{3b5}")
                .build_cartesian_2d(-0.5..(modes as f64 - 0.5), 0.0..y_hi)?;
        let kinks = self.kinks();
        plot::custom_mesh(("mode m", "eigenvalue"), || {
            chart
                .configure_mesh()
                .x_desc("mode m (knot points: + active, \u{2212} inactive)")
                .y_desc("eigenvalue")
                .x_labels(modes)
                .y_labels(6)
                .label_style(theme.text(11.0))
                .axis_desc_style(theme.text(12.0))
                .axis_style(theme.line(theme.muted(), 1.0))
                .bold_line_style(theme.line(theme.grid(), 1.0))
                .light_line_style(theme.line(theme.background(), 0.0))
                .disable_x_mesh()
                .x_label_formatter(&|v| {
                    let m = v.round();
                    if (v - m).abs() < 1e-9 && m >= 0.0 {
                        mode_name(m as usize, kinks)
                    } else {
                        String::new()
                    }
                })
                .y_label_formatter(&|v| format_tick(*v))
                .draw()
        })?;
        let eig = theme.line(theme.series(0), 1.5);
        for (m, values) in spectra.iter().enumerate() {
            let x = m as f64;
            let shown = values.iter().filter(|v| **v <= y_hi).map(|&v| (x, v));
            plot::markers(&mut chart, &format!("eigenvalue of H at mode {m}"), shown, |(x, v)| {
                PathElement::new(vec![(x - 0.3, v), (x + 0.3, v)], eig)
            })?;
        }
        let lambda_color = theme.series(2);
        let lambdas = lemma.lambdas.iter().enumerate().map(|(m, &l)| (m as f64, l.min(y_hi)));
        plot::markers(&mut chart, "\u{3bb}_m = q\u{1d40}H_m q", lambdas, |p| {
            Circle::new(p, theme.px(5.0), lambda_color.filled())
        })?
        .label("\u{3bb}_m = q\u{1d40}H_m q")
        .legend(plot::dot_swatch(theme, lambda_color));
        let level = |chart: &mut ChartContext<'_, DB, _>,
                     value: f64,
                     style: ShapeStyle,
                     label: String|
         -> Result<(), plot::DrawError<DB>> {
            let line = [(-0.5, value.min(y_hi)), (modes as f64 - 0.5, value.min(y_hi))];
            plot::line(chart, &label, line, style)?.label(label).legend(plot::swatch(theme, style));
            Ok(())
        };
        level(
            &mut chart,
            lemma.lambda_lower,
            theme.line(theme.series(2), 1.5),
            format!("\u{3bb}_lower = {}", format_tick(lemma.lambda_lower)),
        )?;
        level(
            &mut chart,
            2.0 / self.eta,
            theme.line(theme.muted(), 1.2),
            format!("2/\u{3b7} = {}", format_tick(2.0 / self.eta)),
        )?;
        let holds = lemma.margin(self.eta, self.epsilon) > 0.0;
        let color = if holds { theme.series(1) } else { theme.foreground() };
        level(
            &mut chart,
            threshold,
            theme.line(color, 2.5),
            format!(
                "2/\u{3b7} + \u{3b4} + \u{3b3}/\u{3b5} = {}{}",
                format_tick(threshold),
                if threshold > y_hi { " (off the plot)" } else { "" }
            ),
        )?;
        plot::legend(&mut chart, theme)?;
        Ok(None)
    }

    fn draw_sweep<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        theme: &Theme,
        lemma: &Lemma3,
    ) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        plot::clear(area, theme)?;
        let (e_lo, e_hi) = (1e-4f64.min(self.epsilon) / 1.5, 1.5);
        let points: Vec<(f64, f64)> = self.sims.iter().filter_map(|s| s.worst().map(|w| (s.epsilon, w))).collect();
        let (y_lo, y_hi) = plot::log_range(points.iter().map(|p| p.1).chain([e_lo, e_hi]), 1e-9);
        // Half as many decades again above the data, for the legend.
        let y_hi = y_hi * (y_hi / y_lo).sqrt();
        let mut chart = plot::frame(
            area,
            theme,
            "the SSDS: sup\u{209c} E\u{2016}\u{3b8}\u{209c} \u{2212} \u{3b8}*\u{2016} from the \u{3b5}-ball",
        )
        .build_cartesian_2d((e_lo..e_hi).log_scale(), (y_lo..y_hi).log_scale())?;
        plot::mesh(&mut chart, theme, "\u{3b5}", "sup\u{209c} E\u{2016}\u{3b8}\u{209c} \u{2212} \u{3b8}*\u{2016}")?;
        if let Some(floor) = lemma.epsilon_floor(self.eta).filter(|&f| f < e_hi) {
            plot::shade(
                &mut chart,
                std::iter::once(Rectangle::new(
                    [(floor.max(e_lo), y_lo), (e_hi, y_hi)],
                    theme.unstable_fill().filled(),
                )),
            )?
            .label("Lemma 3: not strongly stable")
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 16, y + 5)], theme.unstable_fill().filled()));
        }
        let diagonal = theme.line(theme.foreground(), 1.5);
        plot::line(&mut chart, "sup = \u{3b5}", [(e_lo, e_lo), (e_hi, e_hi)], diagonal)?
            .label("sup = \u{3b5}")
            .legend(plot::swatch(theme, diagonal));
        let chosen = theme.line(theme.muted(), 1.2);
        plot::line(&mut chart, "chosen \u{3b5}", [(self.epsilon, y_lo), (self.epsilon, y_hi)], chosen)?;
        let (out, inside) = (theme.series(1), theme.series(2));
        let leaving = points.iter().filter(|p| p.1 > p.0).map(|&(e, w)| (e, w.min(y_hi)));
        plot::markers(&mut chart, "simulated: leaves the ball", leaving, |p| {
            Circle::new(p, theme.px(4.5), out.filled())
        })?
        .label("simulated: leaves the ball")
        .legend(plot::dot_swatch(theme, out));
        let staying = points.iter().filter(|p| p.1 <= p.0).map(|&(e, w)| (e, w.max(y_lo)));
        plot::markers(&mut chart, "simulated: stays in the ball", staying, |p| {
            Circle::new(p, theme.px(4.5), inside.filled())
        })?
        .label("simulated: stays in it")
        .legend(plot::dot_swatch(theme, inside));
        plot::legend(&mut chart, theme)?;
        Ok(None)
    }

    fn draw_trajectories<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        plot::clear(area, theme)?;
        let sim = &self.sims[0];
        let steps = sim.sums[0].len() - 1;
        let curves: Vec<Vec<(f64, f64)>> = (0..STARTS)
            .filter(|&s| sim.done[s] > 0)
            .map(|s| sim.means(s).enumerate().map(|(t, v)| (t as f64, v)).collect())
            .collect();
        let (lo, hi) = plot::log_range(curves.iter().flatten().map(|p| p.1).chain([self.epsilon]), 1e-9);
        // The legend goes on the side of ε the curves leave free: below it when they grow,
        // above it when they shrink, with as many decades there as on the curves' side.
        let grows = curves.iter().filter_map(|c| c.last()).any(|&(_, v)| v > self.epsilon);
        let (lo, hi) = if grows {
            (lo.min(self.epsilon * self.epsilon / hi), hi)
        } else {
            (lo, hi.max(self.epsilon * self.epsilon / lo))
        };
        let mut chart = plot::frame(
            area,
            theme,
            &format!("E\u{2016}\u{3b8}\u{209c} \u{2212} \u{3b8}*\u{2016} at \u{3b5} = {}", format_tick(self.epsilon)),
        )
        .build_cartesian_2d(0.0..steps.max(1) as f64, (lo..hi).log_scale())?;
        plot::mesh(&mut chart, theme, "step t", "E\u{2016}\u{3b8}\u{209c} \u{2212} \u{3b8}*\u{2016}")?;
        let eps_style = theme.line(theme.foreground(), 1.5);
        plot::line(&mut chart, "\u{3b5}", [(0.0, self.epsilon), (steps as f64, self.epsilon)], eps_style)?
            .label("\u{3b5}")
            .legend(plot::swatch(theme, eps_style));
        for (s, curve) in curves.iter().enumerate() {
            let style = if s < 2 { theme.line(theme.series(s), 2.0) } else { theme.line(theme.muted().mix(0.7), 1.0) };
            let name = match s {
                0 => "from \u{3b8}* + \u{3b5}q".to_string(),
                1 => "from \u{3b8}* \u{2212} \u{3b5}q".to_string(),
                _ => format!("from random start {}", s - 1),
            };
            let series = plot::line(&mut chart, &name, curve.iter().map(|&(t, v)| (t, v.max(lo))), style)?;
            match s {
                0 => series.label("from \u{3b8}* + \u{3b5}q").legend(plot::swatch(theme, style)),
                1 => series.label("from \u{3b8}* \u{2212} \u{3b5}q").legend(plot::swatch(theme, style)),
                2 => series.label("from random starts").legend(plot::swatch(theme, style)),
                _ => series,
            };
        }
        if !self.finished() && self.cursor.0 == 0 {
            let style = theme.text(11.0).pos(Pos::new(HPos::Right, VPos::Bottom));
            chart.draw_series(std::iter::once(Text::new("so far\u{2026}", (steps as f64, lo), style)))?;
        }
        plot::legend(&mut chart, theme)?;
        Ok(None)
    }
}

impl Figure for Switching {
    const ID: &'static str = "switching";
    const TITLE: &'static str = "A minimum on a kink: the switching system and Lemma 3";
    const PARAMS: &'static [ParamSpec] = &[
        ParamSpec { key: "eta", label: "step size \u{3b7}", min: 0.05, max: 2.0, default: 0.75, scale: Scale::Log },
        ParamSpec { key: "eps", label: "radius \u{3b5}", min: 1e-4, max: 1.0, default: 0.5, scale: Scale::Log },
        ParamSpec {
            key: "batch",
            label: "batch size B (10: GD)",
            min: 1.0,
            max: 10.0,
            default: 5.0,
            scale: Scale::Integer,
        },
        ParamSpec {
            key: "noise",
            label: "residual size at \u{3b8}* (0: interpolation)",
            min: 0.0,
            max: 0.5,
            default: 0.1,
            scale: Scale::Linear,
        },
        ParamSpec {
            key: "kinks",
            label: "data points on knots",
            min: 1.0,
            max: 2.0,
            default: 2.0,
            scale: Scale::Integer,
        },
        ParamSpec {
            key: "runs",
            label: "Monte Carlo runs per start",
            min: 4.0,
            max: 256.0,
            default: 64.0,
            scale: Scale::Integer,
        },
        ParamSpec {
            key: "steps",
            label: "steps T per run",
            min: 10.0,
            max: 1000.0,
            default: 300.0,
            scale: Scale::Integer,
        },
        ParamSpec { key: "seed", label: "random seed", min: 0.0, max: 999.0, default: 1.0, scale: Scale::Integer },
    ];
    const PANELS: &'static [Panel] = &[
        Panel { key: "minimum", description: "The network at the minimum θ* with its data and residuals; the data points that sit exactly on a knot are ringed" },
        Panel { key: "modes", description: "For every mode (activation pattern of the knot points) the eigenvalues of its Hessian H_m and λ_m = qᵀH_m q, with λ_lower, 2/η and Lemma 3's threshold 2/η + δ + γ/ε as horizontal lines" },
        Panel { key: "sweep", description: "The simulated sup over t of E‖θ_t − θ*‖ against ε on log scales, with the line sup = ε and the range of ε where Lemma 3 guarantees instability shaded" },
        Panel { key: "trajectories", description: "E‖θ_t − θ*‖ against the step t at the chosen ε, from θ* ± εq and from random points at distance ε" },
    ];
    const PACE: Option<f64> = None;
    const UNIT: &'static str = "simulated runs";

    fn new(params: ParamValues) -> Self {
        let minimum = KinkMinimum::new(params.get_usize("kinks"), params.get("noise"));
        let ssds = Ssds::new(minimum);
        let n = ssds.minimum.data.len();
        let b = params.get_usize("batch").clamp(1, n);
        let lemma = Lemma3::choose(&ssds, b);
        let (eta, epsilon) = (params.get("eta"), params.get("eps"));
        let steps = params.get_usize("steps");
        let mut rng = seeded(params.get("seed") as u64);
        let q = lemma.as_ref().map_or_else(|| vec![0.0; DIM], |l| l.q.clone());
        let mut sims = vec![EpsilonRuns::new(epsilon, &q, steps, &mut rng)];
        for i in 0..SWEEP_EPSILONS {
            let e = 10f64.powf(-4.0 + 4.0 * i as f64 / (SWEEP_EPSILONS - 1) as f64);
            sims.push(EpsilonRuns::new(e, &q, steps, &mut rng));
        }
        Self {
            runs: params.get_usize("runs"),
            params,
            ssds,
            lemma,
            eta,
            epsilon,
            sims,
            cursor: (0, 0),
            sampler: BatchSampler::new(n, b, rng),
        }
    }

    fn params(&self) -> &ParamValues {
        &self.params
    }

    /// One unit is one run of T steps from one start.
    fn step(&mut self, units: usize) -> Activity {
        for _ in 0..units {
            if self.finished() {
                break;
            }
            let (e, s) = self.cursor;
            let sim = &mut self.sims[e];
            let escape = ESCAPE * sim.epsilon;
            add_run_distances(&self.ssds, &sim.starts[s], self.eta, escape, &mut self.sampler, &mut sim.sums[s]);
            sim.done[s] += 1;
            if sim.done[s] >= self.runs {
                self.cursor = if s + 1 < STARTS { (e, s + 1) } else { (e + 1, 0) };
            }
        }
        if self.finished() {
            Activity::Idle
        } else {
            Activity::Running
        }
    }

    fn draw<DB: DrawingBackend>(&self, panel: usize, area: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        match (panel, &self.lemma) {
            (0, _) => self.draw_minimum(area, theme),
            (3, _) => self.draw_trajectories(area, theme),
            (1, Some(lemma)) => self.draw_modes(area, theme, lemma),
            (_, Some(lemma)) => self.draw_sweep(area, theme, lemma),
            (_, None) => {
                plot::message_panel(area, theme, Self::PANELS[panel].key, "the mode Hessians could not be decomposed")
                    .map(|_| None)
            }
        }
    }

    fn verdict(&self) -> Verdict {
        let Some(lemma) = &self.lemma else {
            return Verdict { text: "The mode Hessians could not be decomposed.".into(), tone: Tone::Bad };
        };
        let threshold = 2.0 / self.eta + lemma.delta + lemma.gamma / self.epsilon;
        let holds = lemma.margin(self.eta, self.epsilon) > 0.0;
        let condition = format!(
            "\u{3bb}_lower = {} {} 2/\u{3b7} + \u{3b4} + \u{3b3}/\u{3b5} = {} + {} + {} = {}",
            format_tick(lemma.lambda_lower),
            if holds { ">" } else { "\u{2264}" },
            format_tick(2.0 / self.eta),
            format_tick(lemma.delta),
            format_tick(lemma.gamma / self.epsilon),
            format_tick(threshold)
        );
        let lemma_says = if holds {
            "so Lemma 3 says \u{3b8}* is not strongly stable".to_string()
        } else {
            "so Lemma 3 says nothing here".to_string()
        };
        let sim = &self.sims[0];
        let simulated = match sim.worst() {
            None => "the simulation has not started".to_string(),
            Some(w) => {
                let partial = if self.cursor.0 == 0 { " so far" } else { "" };
                let escaped = if w > sim.epsilon {
                    "escapes the \u{3b5}-ball: not strongly stable"
                } else {
                    "stays within \u{3b5} from these starts"
                };
                format!("simulated{partial}: sup\u{209c} E\u{2016}\u{3b8}\u{209c} \u{2212} \u{3b8}*\u{2016} = {} ({escaped})", format_tick(w))
            }
        };
        let escaped = sim.worst().is_some_and(|w| w > sim.epsilon);
        let tone = match (holds, escaped, self.cursor.0 > 0) {
            (_, _, false) => Tone::Neutral,
            (true, true, _) => Tone::Good,
            (true, false, _) => Tone::Bad,
            (false, _, _) => Tone::Neutral,
        };
        let requested = self.params.get_usize("batch");
        let used = self.sampler.batch_size();
        let clamp = if requested > used { format!(" (B clamped to n = {used})") } else { String::new() };
        Verdict {
            text: format!(
                "At \u{3b7} = {}, \u{3b5} = {}{clamp}: {condition}, {lemma_says}; {simulated}.",
                format_tick(self.eta),
                format_tick(self.epsilon)
            ),
            tone,
        }
    }

    fn readouts(&self) -> Vec<(String, String)> {
        let Some(lemma) = &self.lemma else { return Vec::new() };
        let kinks = self.kinks();
        let mut out = vec![(
            "modes I".to_string(),
            (0..self.ssds.mode_count()).map(|m| mode_name(m, kinks)).collect::<Vec<_>>().join(", "),
        )];
        for (m, l) in lemma.lambdas.iter().enumerate() {
            out.push((format!("\u{3bb}_m, mode {}", mode_name(m, kinks)), format_tick(*l)));
        }
        out.extend([
            ("q".to_string(), lemma.source.clone()),
            ("\u{3b4} = max\u{2098} \u{2016}H_m q \u{2212} \u{3bb}_m q\u{2016}".to_string(), format_tick(lemma.delta)),
            ("\u{3bb}_lower".to_string(), format_tick(lemma.lambda_lower)),
            ("\u{3b3} = max\u{2098} E|q\u{1d40}\u{11d}_m|".to_string(), format_tick(lemma.gamma)),
            (
                "margin \u{3bb}_lower \u{2212} 2/\u{3b7} \u{2212} \u{3b4} \u{2212} \u{3b3}/\u{3b5}".to_string(),
                format_tick(lemma.margin(self.eta, self.epsilon)),
            ),
            (
                "Lemma 3 applies for \u{3b5} >".to_string(),
                match lemma.epsilon_floor(self.eta) {
                    None => "no \u{3b5} (\u{3bb}_lower \u{2264} 2/\u{3b7} + \u{3b4})".to_string(),
                    Some(0.0) => "0: every \u{3b5} (\u{3b3} = 0)".to_string(),
                    Some(e) => format_tick(e),
                },
            ),
            (
                "loss at \u{3b8}*".to_string(),
                format_tick(
                    self.ssds.minimum.residuals.iter().map(|r| r * r).sum::<f64>()
                        / (2.0 * self.ssds.minimum.data.len() as f64),
                ),
            ),
        ]);
        out
    }

    fn tables(&self) -> Vec<Table> {
        let m = &self.ssds.minimum;
        let mut tables = vec![Table {
            name: "data",
            columns: vec!["x", "y", "residual", "on_knot"],
            rows: (0..m.data.len())
                .map(|j| {
                    vec![
                        m.data.x[j],
                        m.data.y[j],
                        m.residuals[j],
                        if m.on_knot.iter().any(|&(jj, _)| jj == j) { 1.0 } else { 0.0 },
                    ]
                })
                .collect(),
        }];
        let rows: Vec<Vec<f64>> = self.sims.iter().filter_map(|s| s.worst().map(|w| vec![s.epsilon, w])).collect();
        if !rows.is_empty() {
            tables.push(Table { name: "sweep", columns: vec!["epsilon", "sup_mean_distance"], rows });
        }
        if let Some(lemma) = &self.lemma {
            tables.push(Table {
                name: "modes",
                columns: vec!["mode", "lambda_m", "delta", "gamma"],
                rows: lemma
                    .lambdas
                    .iter()
                    .enumerate()
                    .map(|(i, &l)| vec![i as f64, l, lemma.delta, lemma.gamma])
                    .collect(),
            });
        }
        tables
    }
}
