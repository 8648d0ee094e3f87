//! The walkthrough: the lecture read in order, one claim at a time, each shown with its live
//! figure in the state that makes the claim visible.
//!
//! The steps are data: a statement, the figure that shows it, and the figure's settings,
//! given as a link would give them and checked by the figure's own validation (a test checks
//! every step). The two proof figures get one step per line of their proof, with the proof's
//! stepper set to that line. Statements are plain text with Unicode symbols, because the page
//! renders its TeX when it is built and the walkthrough sets its text at run time.

use super::params::ParamValues;
use super::{url_state, visit, Figure, FigureVisitor};

/// One claim of the lecture and the figure that shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    /// The claim, in plain text.
    pub statement: &'static str,
    /// The id of the figure that shows it.
    pub figure: &'static str,
    /// A preset of the figure to start from (by its label), instead of the defaults.
    pub preset: Option<&'static str>,
    /// Parameter values on top of the defaults or the preset, as (key, text) the way a link
    /// writes them. For a proof figure, its stepper's line.
    pub settings: &'static [(&'static str, &'static str)],
}

impl Step {
    const fn new(figure: &'static str, statement: &'static str) -> Self {
        Self { statement, figure, preset: None, settings: &[] }
    }

    const fn with(self, settings: &'static [(&'static str, &'static str)]) -> Self {
        Self { settings, ..self }
    }

    const fn preset(self, label: &'static str) -> Self {
        Self { preset: Some(label), ..self }
    }
}

const INTERPOLATION: &str = "interpolation";
const RESCALING: &str = "rescaling";
const QUADRATIC_1D: &str = "quadratic-1d";
const QUADRATIC_ND: &str = "quadratic-nd";
const LINEAR_STABILITY: &str = "linear-stability";
const PROOF_MEAN_DYNAMICS: &str = "proof-mean-dynamics";
const EDGE_OF_STABILITY: &str = "edge-of-stability";
const SHARPNESS_VS_LR: &str = "sharpness-vs-lr";
const SWITCHING: &str = "switching";
const FUNCTION_SPACE: &str = "function-space";
const PROOF_LEMMA4: &str = "proof-lemma4";

/// The walkthrough, in the order of the page.
pub const STEPS: &[Step] = &[
    Step::new(
        INTERPOLATION,
        "A network much wider than its data set, trained by gradient descent, drives its training loss to zero: \
         it interpolates its training points. Here 100 neurons fit 6 points.",
    ),
    Step::new(
        INTERPOLATION,
        "It fits random labels just as readily (Zhang et al.). So a zero training loss on its own says nothing \
         about how well the network predicts new points.",
    )
    .with(&[("labels", "random")]),
    Step::new(
        INTERPOLATION,
        "Nor is the interpolating network unique: the zero-loss minima form a vast family, and different starts \
         end at different functions with different test errors. The optimiser decides which one training reaches. \
         Which minima can SGD reach, and do they generalize?",
    ),
    Step::new(
        RESCALING,
        "The traditional answer is: the flat minima. But Dinh et al. showed that flatness alone cannot carry it. \
         Multiply a ReLU neuron's input weights by α and divide its output weight by α: the function stays the \
         same, while the sharpness λ_max of the minimum changes by orders of magnitude.",
    ),
    Step::new(
        RESCALING,
        "Flatness belongs to a parameter vector, not to the function it computes. The lecture's answer is \
         therefore not that flat minima generalize, but that SGD is biased towards flat minima, and its final \
         result is about the flattest parameters that implement a function.",
    )
    .with(&[("scope", "all neurons")]),
    Step::new(
        QUADRATIC_1D,
        "Start with a parabola of curvature a. Each step of gradient descent multiplies the distance to the \
         minimum by the same factor, 1 − ηa. For 0 < ηa < 1 the iterates slide towards the minimum from one side.",
    )
    .with(&[("eta", "0.4")]),
    Step::new(
        QUADRATIC_1D,
        "For 1 < ηa < 2 the factor lies between −1 and 0: the iterates jump back and forth across the minimum, \
         with shrinking amplitude.",
    ),
    Step::new(
        QUADRATIC_1D,
        "For ηa > 2 every jump overshoots more than the one before, and the iterates diverge. With step size η, \
         gradient descent can only converge to a minimum whose curvature is below 2/η.",
    )
    .with(&[("eta", "1.4")]),
    Step::new(
        QUADRATIC_ND,
        "In d dimensions the same holds along each eigenvector q_i of the matrix A: the error's component along \
         q_i is multiplied by 1 − η a_i at every step, independently of the others.",
    ),
    Step::new(
        QUADRATIC_ND,
        "So gradient descent converges only if every eigenvalue is below 2/η, that is, if λ_max(A) < 2/η. One \
         eigenvalue above it is enough: the iterates blow up along its eigenvector, while the other direction \
         still converges.",
    )
    .with(&[("a1", "3.6")]),
    Step::new(
        QUADRATIC_ND,
        "Near a minimum θ* the training loss is such a quadratic, with A the Hessian ∇²L(θ*). Its top eigenvalue, \
         the sharpness, must be at most 2/η for gradient descent to settle there: the larger the step size, the \
         flatter the minima it can stay in.",
    )
    .with(&[("a1", "3.3")]),
    Step::new(
        LINEAR_STABILITY,
        "SGD follows the gradient of a random batch. Near a minimum it is a linear system driven by random batch \
         Hessians, and θ* is ε-linearly stable when E‖θ_t − θ*‖ stays at most ε in the long run (Definition 1).",
    ),
    Step::new(
        LINEAR_STABILITY,
        "Theorem 1 (Wu et al.): if every batch gradient vanishes at θ*, then λ_max((I − ηH)² + η²Σ) ≤ 1 \
         guarantees linear stability. The criterion is sufficient, not necessary: here it fails, and SGD is \
         stable all the same.",
    )
    .preset("Wu fails, yet stable"),
    Step::new(
        LINEAR_STABILITY,
        "Batch noise makes SGD less stable than gradient descent: at this step size gradient descent converges, \
         while SGD with batches of 2 does not. λ_max ≤ 2/η is necessary for stability, not sufficient.",
    )
    .preset("GD-stable, SGD-unstable"),
    Step::new(
        PROOF_MEAN_DYNAMICS,
        "Theorem 1.1 (Mulayoff et al.) needs no assumption on the batch gradients: if θ* is ε-linearly stable for \
         SGD or gradient descent with step size η, then λ_max(∇²L(θ*)) ≤ 2/η. The proof follows the mean of \
         θ_t − θ*. First, take the expectation of the linearized update (9).",
    )
    .with(&[("line", "1")]),
    Step::new(
        PROOF_MEAN_DYNAMICS,
        "Collect the terms in θ_t − θ*: the expectation of a sum is the sum of the expectations (10).",
    )
    .with(&[("line", "2")]),
    Step::new(
        PROOF_MEAN_DYNAMICS,
        "The batch drawn at step t is independent of θ_t, so the expectation of the product factors; and the mean \
         batch gradient at θ* is the full gradient, which is zero at a minimum (11).",
    )
    .with(&[("line", "3")]),
    Step::new(
        PROOF_MEAN_DYNAMICS,
        "A uniformly drawn batch has the full loss as its mean, so the mean batch Hessian is ∇²L(θ*) (12).",
    )
    .with(&[("line", "4")]),
    Step::new(
        PROOF_MEAN_DYNAMICS,
        "Apply this t times from θ₀: the mean of θ_t − θ* follows gradient descent on the quadratic model of L, \
         (I − η∇²L(θ*))ᵗ (θ₀ − θ*) (13).",
    )
    .with(&[("line", "5")]),
    Step::new(
        PROOF_MEAN_DYNAMICS,
        "The norm is convex, so by Jensen's inequality the norm of the mean is at most the mean of the norm, \
         E‖θ_t − θ*‖ (14).",
    )
    .with(&[("line", "6")]),
    Step::new(
        PROOF_MEAN_DYNAMICS,
        "Stability keeps E‖θ_t − θ*‖ at most ε in the long run, so the norm of the mean ends up at most ε as well \
         (17).",
    )
    .with(&[("line", "7")]),
    Step::new(
        PROOF_MEAN_DYNAMICS,
        "Choose the start: at distance ε from θ*, along the top eigenvector q₁ of the Hessian. (The slide's \
         \u{201c}= λ_max\u{201d} means this eigenvector.)",
    )
    .with(&[("line", "8")]),
    Step::new(
        PROOF_MEAN_DYNAMICS,
        "Along an eigenvector the matrix power acts as a number: |1 − ηλ_max|ᵗ ε must stay at most ε (18).",
    )
    .with(&[("line", "9")]),
    Step::new(
        PROOF_MEAN_DYNAMICS,
        "The powers of a number larger than 1 in size grow without bound. So |1 − ηλ_max| ≤ 1, that is \
         λ_max(∇²L(θ*)) ≤ 2/η (19): every stable minimum is flat enough for the step size.",
    )
    .with(&[("line", "10")]),
    Step::new(
        EDGE_OF_STABILITY,
        "Cohen et al. measured the sharpness along real runs of full-batch gradient descent. It grows while the \
         network trains (progressive sharpening) until it reaches 2/η, and then hovers there, at the edge of \
         stability, while the loss keeps falling.",
    )
    .preset("Progressive sharpening"),
    Step::new(
        EDGE_OF_STABILITY,
        "Lower the step size in the middle of the run, as the lecture does from η = 2/200 to 2/300: the threshold \
         2/η rises, and the sharpness climbs to it and settles there again.",
    )
    .preset("Learning-rate switch"),
    Step::new(
        SHARPNESS_VS_LR,
        "Over many step sizes: every run that converges ends in a minimum whose sharpness is at most 2/η. Larger \
         step sizes end in flatter minima.",
    ),
    Step::new(
        SWITCHING,
        "ReLU networks have minima where the loss is not twice differentiable: a data point on a neuron's knot. \
         There SGD is a switching system with one Hessian H_m per activation pattern, and θ* is strongly stable \
         when the iterates never leave the ε-ball on average (Definition 2).",
    ),
    Step::new(
        SWITCHING,
        "Lemma 3: if some direction q is nearly an eigenvector of every mode's Hessian, with eigenvalues above \
         2/η + δ + γ/ε, then θ* is not strongly stable. Every mode must be flat enough along a common direction.",
    ),
    Step::new(
        FUNCTION_SPACE,
        "Now the learned function. For a one-hidden-layer ReLU network on the line, at an interpolating minimum \
         the Hessian is ΦΦᵀ/n, built from the gradients of f at the data points.",
    ),
    Step::new(
        FUNCTION_SPACE,
        "Each neuron bends f at its knot, so f'' is a sum of spikes there. The weight g(x) counts a bend among \
         many data points on both sides heavily, and a bend at the edge of the data not at all.",
    )
    .preset("Gaussian inputs, sin \u{3c0}x"),
    Step::new(
        FUNCTION_SPACE,
        "Raise the step size past 2/λ_max of a sharp interpolating minimum: the minimum becomes unstable, the loss \
         spikes, and gradient descent settles in a flatter minimum whose function bends less.",
    ),
    Step::new(
        PROOF_LEMMA4,
        "Lemma 4 bounds the sharpness of every implementation of f from below by how much f bends: the smallest \
         λ_max over Ω(f) is at least 1 + 2∫|f''(x)| g(x) dx. Line 1: the top eigenvalue is the largest Rayleigh \
         quotient over unit vectors.",
    )
    .with(&[("line", "1")]),
    Step::new(
        PROOF_LEMMA4,
        "At interpolation the Hessian is ΦΦᵀ/n, whose top eigenvalue is that of ΦᵀΦ/n. This is the one line that \
         needs interpolation.",
    )
    .with(&[("line", "2")]),
    Step::new(PROOF_LEMMA4, "The maximum is at least the value at one unit vector: u = (1, …, 1)/√n.")
        .with(&[("line", "3")]),
    Step::new(
        PROOF_LEMMA4,
        "Φ(1, …, 1) is the sum of the gradients of f at the data. Square its entries block by block; the output \
         bias gives the 1.",
    )
    .with(&[("line", "4")]),
    Step::new(PROOF_LEMMA4, "Take each neuron's output weight out of the first two sums.").with(&[("line", "5")]),
    Step::new(PROOF_LEMMA4, "a² + b² ≥ 2ab (AM–GM) merges each neuron's two terms into one product.")
        .with(&[("line", "6")]),
    Step::new(
        PROOF_LEMMA4,
        "Where a neuron is active the ReLU is the identity: the sums become probabilities and conditional means \
         over the data.",
    )
    .with(&[("line", "7")]),
    Step::new(
        PROOF_LEMMA4,
        "Write the pre-activation as w(X − τ) with the neuron's knot τ, exactly so whenever its input weight is \
         not zero.",
    )
    .with(&[("line", "8")]),
    Step::new(
        PROOF_LEMMA4,
        "A neuron is active on one side of its knot, so its term is g⁺(τ) or g⁻(τ), times the size of its bend: \
         at least the smaller of the two.",
    )
    .with(&[("line", "9")]),
    Step::new(
        PROOF_LEMMA4,
        "Summing over the knots is integrating against |f''|, with knots outside the data dropped and coinciding \
         knots combined: 1 + 2∫|f''| g. It depends on f alone, so the bound holds for every θ in Ω(f).",
    )
    .with(&[("line", "10")]),
    Step::new(
        PROOF_LEMMA4,
        "The corollary: with Theorem 1.1, 1 + 2∫|f''| g ≤ λ_max ≤ 2/η at an interpolating minimum that SGD \
         converges to, so ∫|f''(x)| g(x) dx ≤ 1/η − 1/2. Stability limits how much the learned function bends \
         where the data are: the larger the step size, the smoother the function, whatever the initialization.",
    )
    .with(&[("line", "10")]),
];

/// A step checked against its figure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepState {
    /// The URL fragment that puts the figure in the step's state.
    pub fragment: String,
    /// For a proof figure: the line shown, and how many lines the proof has.
    pub proof_line: Option<(usize, usize)>,
}

/// Applies `step`'s preset and settings to its figure's defaults through the figure's own
/// validation; the message says what was refused.
pub fn state_of(step: &Step) -> Result<StepState, String> {
    visit(step.figure, Resolve(step))
        .unwrap_or_else(|| Err(format!("there is no figure \u{201c}{}\u{201d}", step.figure)))
}

struct Resolve<'a>(&'a Step);

impl FigureVisitor for Resolve<'_> {
    type Output = Result<StepState, String>;

    fn visit<F: Figure + 'static>(self) -> Self::Output {
        let step = self.0;
        let mut values = ParamValues::defaults(F::PARAMS);
        if let Some(label) = step.preset {
            let preset = F::PRESETS
                .iter()
                .find(|p| p.label == label)
                .ok_or_else(|| format!("{} has no preset \u{201c}{label}\u{201d}", F::ID))?;
            for (key, value) in preset.values {
                values.set(key, *value).map_err(|e| e.message)?;
            }
        }
        for (key, text) in step.settings {
            values.set_text(key, text).map_err(|e| e.message)?;
        }
        F::validate(&values).map_err(|e| e.message)?;
        Ok(StepState { fragment: url_state::write("", F::ID, &values), proof_line: proof_line::<F>(&values) })
    }
}

/// The line a proof figure shows at `values`, and its number of lines.
fn proof_line<F: Figure>(values: &ParamValues) -> Option<(usize, usize)> {
    let spec = values.spec(F::STEPPER?)?;
    Some((values.get(spec.key) as usize, spec.max as usize))
}

/// The proof line that figure `figure` shows when the URL fragment is `fragment` (None for a
/// figure without a stepper).
pub fn proof_line_in(fragment: &str, figure: &str) -> Option<usize> {
    struct Line<'a>(&'a str);
    impl FigureVisitor for Line<'_> {
        type Output = Option<usize>;
        fn visit<F: Figure + 'static>(self) -> Self::Output {
            let mut values = ParamValues::defaults(F::PARAMS);
            // A refused entry leaves its default, as on the page.
            let _refused = url_state::apply(self.0, F::ID, &mut values);
            proof_line::<F>(&values).map(|(line, _)| line)
        }
    }
    visit(figure, Line(fragment)).flatten()
}

/// The first step that shows line `line` of proof figure `figure`.
pub fn step_showing_line(figure: &str, line: usize) -> Option<usize> {
    STEPS.iter().position(|step| {
        step.figure == figure && state_of(step).is_ok_and(|state| state.proof_line.is_some_and(|(l, _)| l == line))
    })
}
