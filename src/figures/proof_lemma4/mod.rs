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
//!
//! The module holds the settings, the network and its evaluation, and the table of the chain's
//! lines; `draw` the panels, `verdict` the verdict and readouts in words, `tables` the CSV
//! tables.

mod draw;
mod tables;
mod verdict;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::shared::function_laws::{InputLaw, TargetFunction, LAW_LABEL, TARGET_LABEL};
use super::{Activity, Figure, Panel, Table, Verdict};
use crate::kit::params::{ParamSpec, ParamValues};
use crate::kit::plot::{self, DrawResult, Theme};
use crate::math::activation::Activation;
use crate::math::dense::SymmetricEigen;
use crate::math::function_space::{
    fit_output_layer, knots_among, residual_part_norm, sample_data, Lemma4Chain, CHAIN_LINES,
};
use crate::math::network::{Regression, ShallowNet};
use crate::math::rng::seeded;

/// One line of Lemma 4's chain as the figure words it.
pub struct ChainLine {
    /// The line's key: the page's list `#proof-lemma4-steps` gives each of its items the key of
    /// the line it writes in TeX (`data-line`), in the same order.
    pub key: &'static str,
    /// What the line is, in words, for the readouts.
    pub name: &'static str,
    /// Why it follows from the line before (line 1: why it starts the chain), for the verdict.
    pub reason: &'static str,
    /// Whether it is reached by an identity, so that its gap to the line before is rounding.
    pub identity: bool,
}

/// The chain's lines, in order: the one table the figure's words about its lines come from.
pub const LINES: [ChainLine; CHAIN_LINES] = [
    ChainLine {
        key: "rayleigh",
        name: "\u{3bb}_max(\u{2207}\u{b2}L)",
        reason: "the top eigenvalue of a symmetric matrix is its largest Rayleigh quotient v\u{1d40}\u{2207}\u{b2}L v over unit vectors v",
        identity: false,
    },
    ChainLine {
        key: "interpolation",
        name: "max over unit u of (1/n)\u{2016}\u{3a6}u\u{2016}\u{b2}",
        reason: "equal when \u{3b8} interpolates: then \u{2207}\u{b2}L = \u{3a6}\u{3a6}\u{1d40}/n, whose top eigenvalue is that of \u{3a6}\u{1d40}\u{3a6}/n",
        identity: false,
    },
    ChainLine {
        key: "unit-vector",
        name: "(1/n\u{b2})\u{2016}\u{3a6}1\u{2016}\u{b2}",
        reason: "the maximum over unit vectors u is at least its value at u = (1, \u{2026}, 1)/\u{221a}n",
        identity: false,
    },
    ChainLine {
        key: "expansion",
        name: "the expansion over neurons",
        reason: "an identity: \u{3a6}(1, \u{2026}, 1) = \u{3a3}\u{2c7c} \u{2207}\u{3b8}f(x\u{2c7c}), squared block by block (its b2 entry n gives the 1)",
        identity: true,
    },
    ChainLine {
        key: "output-weights",
        name: "the expansion with w2\u{1d62}\u{b2} factored out",
        reason: "an identity: each neuron's output weight w2\u{1d62} taken out of the first two sums",
        identity: true,
    },
    ChainLine {
        key: "am-gm",
        name: "the AM\u{2013}GM step",
        reason: "a\u{b2} + b\u{b2} \u{2265} 2ab (AM\u{2013}GM), equal only for neurons whose two terms are equal",
        identity: false,
    },
    ChainLine {
        key: "active-sets",
        name: "the rewrite with P(X \u{2208} C\u{1d62}) and conditional means",
        reason: "an identity: \u{3c3}(z) = z on the active set C\u{1d62}, and each sum divided by n\u{1d62}",
        identity: true,
    },
    ChainLine {
        key: "knots",
        name: "the step with \u{3c4}\u{1d62}",
        reason: "w1\u{1d62}X + b1\u{1d62} = w1\u{1d62}(X \u{2212} \u{3c4}\u{1d62}): an identity for every neuron with w1\u{1d62} \u{2260} 0 (one with w1\u{1d62} = 0 loses its term)",
        identity: false,
    },
    ChainLine {
        key: "smaller-side",
        name: "1 + 2\u{3a3}|w1\u{1d62}w2\u{1d62}| min(g\u{207a}(\u{3c4}\u{1d62}), g\u{207b}(\u{3c4}\u{1d62}))",
        reason: "C\u{1d62} is one side of the knot, so each term is g\u{207a}(\u{3c4}\u{1d62}) or g\u{207b}(\u{3c4}\u{1d62}) times 2|w1\u{1d62}w2\u{1d62}|: at least the smaller",
        identity: false,
    },
    ChainLine {
        key: "integral",
        name: "1 + 2\u{222b}|f''| g",
        reason: "knots outside [x_min, x_max] count 0 (g = 0 there), and coinciding knots merge into one jump |\u{3a3}|w1\u{1d62}|w2\u{1d62}|| \u{2264} \u{3a3}|w1\u{1d62}w2\u{1d62}| (triangle inequality): merging can only lower the sum",
        identity: false,
    },
];

/// A step counts as exact when the lines differ by less than this, relatively.
const ROUNDING: f64 = 1e-10;

crate::choices! {
    /// The network's output layer.
    pub enum OutputLayer { Interpolating = "interpolating", Random = "random" }
}

crate::figure_params! {
    /// The settings of the figure.
    pub struct Settings, keys SettingsKeys {
        /// The line of the proof shown, from 1.
        line: usize = "line", "line of the proof", Integer(1, CHAIN_LINES), 1;
        net: OutputLayer = "net", "output layer", Choice, OutputLayer::Interpolating;
        n: usize = "n", "data points n", Integer(1, 40), 8;
        k: usize = "k", "neurons k", Integer(1, 24), 16;
        law: InputLaw = "law", LAW_LABEL, Choice, InputLaw::Uniform;
        target: TargetFunction = "target", TARGET_LABEL, Choice, TargetFunction::Abs;
        scale: f64 = "scale", "hidden-layer scale", Log(0.1, 5.0), 1.0;
        seed: u64 = "seed", "random seed", Integer(0, 999), 1;
    }
}

crate::figure_panels! {
    /// The panels, in drawing order.
    pub enum Panels {
        Ladder = "ladder", "Every line of the chain of inequalities evaluated on the current network, as bars on a log scale, each labelled with its value and what it loses against the line above; the current line is highlighted, and the line it follows from half as strongly",
        Step = "step", "The step into the current line: at line 1 the eigenvalues of the Hessian, at line 2 those of the Hessian beside those of ΦΦᵀ/n, at line 3 those of ΦΦᵀ/n with the Rayleigh quotient at u = (1, …, 1)/√n; from line 4 on each neuron's term in the line before and in the current line",
        Net = "net", "The network's function f with the data points and its knots as vertical lines",
        Corollary = "corollary", "The corollary for this f against the step size η, on log scales: the bound 1/η − 1/2 with the region above it shaded, and f's ∫|f''|g as a horizontal line, solid where this θ is linearly stable for gradient descent (η ≤ 2/λ_max(θ)), dashed where θ is too sharp but a flatter implementation of f is not ruled out, dotted beyond 2/(1 + 2∫|f''|g), where no implementation of f is linearly stable",
    }
}

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
    settings: Settings,
    problem: Regression,
    theta: Vec<f64>,
    evaluation: Result<Evaluation, String>,
}

impl ProofLemma4 {
    fn line(&self) -> usize {
        self.settings.line
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
            residual_part_norm: residual_part_norm(problem, theta),
        })
    }

    /// Neurons in the order of their knots (neurons with w1 = 0 last).
    fn neuron_order(&self) -> Vec<usize> {
        let net = &self.problem.net;
        let p = net.layout(&self.theta);
        let keys: Vec<f64> =
            (0..net.width).map(|i| if p.w1[i] == 0.0 { f64::INFINITY } else { -p.b1[i] / p.w1[i] }).collect();
        crate::math::order::ascending(&keys)
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
    const PARAMS: &'static [ParamSpec] = Settings::SPECS;
    const PANELS: &'static [Panel] = Panels::PANELS;
    const PACE: Option<f64> = None;
    const STEPPER: Option<&'static str> = Some(Settings::KEYS.line);

    fn new(params: ParamValues) -> Self {
        let settings = Settings::read(&params);
        let (n, k) = (settings.n, settings.k);
        let mut rng = seeded(settings.seed);
        let data = sample_data(&settings.law.distribution(), settings.target.target(), n, &mut rng);
        let net = ShallowNet::new(k, Activation::Relu);
        let random = knots_among(k, settings.scale, &data.x, &mut rng);
        let problem = Regression::new(net, data);
        let theta = match settings.net {
            OutputLayer::Interpolating => fit_output_layer(&net, &random, &problem.data),
            OutputLayer::Random => Some(random.clone()),
        };
        let evaluation = match theta.as_deref() {
            Some(theta) => Self::evaluate(&problem, theta),
            None => Err("the least-squares fit of the output layer failed".to_string()),
        };
        Self { params, settings, theta: theta.unwrap_or(random), problem, evaluation }
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
        let Some(which) = Panels::from_index(panel) else { return plot::no_such_panel(area, theme, Self::ID, panel) };
        // The network is drawn whether or not its chain could be evaluated.
        if which == Panels::Net {
            return self.draw_net(area, theme);
        }
        let Some(e) = plot::state_or_message(&self.evaluation, area, theme, which.key())? else { return Ok(None) };
        match which {
            Panels::Ladder => self.draw_ladder(area, theme, e),
            Panels::Step => self.draw_step(area, theme, e),
            Panels::Net => self.draw_net(area, theme),
            Panels::Corollary => self.draw_corollary(area, theme, e),
        }
    }

    fn verdict(&self) -> Verdict {
        self.line_verdict()
    }

    fn readouts(&self) -> Vec<(String, String)> {
        self.line_readouts()
    }

    fn tables(&self) -> Vec<Table> {
        self.csv_tables()
    }
}
