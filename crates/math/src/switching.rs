//! Non-differentiable minima: SGD near a ReLU network's minimum with a data point exactly on a
//! knot, as the stochastic switching dynamical system (SSDS) of Definition 2, and Lemma 3's
//! condition for it not to be strongly stable.
//!
//! **The minimum.** A two-neuron ReLU network on ten points, built so that everything is exact
//! in floating point: neuron 1 has its knot at 0.5 (w1 = 1, b1 = −0.5) and neuron 2 at −1
//! (w1 = −1, b1 = −1), and the points 0.5 and (optionally) −1 sit on those knots, where
//! w1x + b1 is exactly 0. The targets are f(x; θ*) minus residuals r that vanish on the knot
//! points and are orthogonal, on each neuron's active set, to 1 and to x (and sum to 0). Then
//! every mode's gradient and the residual part of every mode's Hessian vanish at θ*: θ* is a
//! minimum (with loss ½ mean r² > 0 when r ≠ 0), and single samples still pull on it, which is
//! what makes γ positive for SGD.
//!
//! **Modes.** Near θ* the only activations that can change are those of the knot points: a mode
//! m ∈ 𝓜 is one activation pattern of them (bit b of m set: knot point b active), S_m the set
//! of θ with that pattern, and ψ_m the loss with those activations held fixed, a smooth function
//! that equals L on S_m. With σ'(0) = 0, θ* itself lies in the mode with every knot point
//! inactive; it is on the boundary of all of them. (The slides call this set 𝓘, the letter
//! they also give the activation pattern of the function-space part; here it is 𝓜.)
//!
//! **The local model.** "Near" has a size: every other (point, neuron) pair keeps its activation
//! only within [`KinkMinimum::first_flip`] of θ*. The SSDS here freezes those activations
//! everywhere, so it is the network's SSDS only inside that ball, where A = ∪_{m ∈ 𝓜} S_m
//! contains B_ε(θ*). [`add_paired_run`] therefore runs SGD on the network itself beside it,
//! on the same batches from the same start.
//!
//! **SSDS.** θ_{t+1} = θ_t − η(ĝ_m + Ĥ_m(θ_t − θ*)) with m the mode of θ_t and ĝ_m, Ĥ_m the
//! batch gradient and Hessian of ψ_m at θ*. **Lemma 3.** For a unit q with ‖H_m q − λ_m q‖ ≤ δ
//! in every mode (H_m = ∇²ψ_m(θ*)), λ_lower = min λ_m and γ = max_m E|qᵀĝ_m|: if
//! λ_lower > 2/η + δ + γ/ε and B_ε(θ*) ⊂ A, then θ* is not strongly stable (some start in the
//! ε-ball has sup_t E‖θ_t − θ*‖ > ε). It says nothing otherwise. Since λ_lower is the minimum
//! over the modes, the condition asks every mode to be sharp along the same direction q.

use nalgebra::{DMatrix, DVector};

use super::dense::SymmetricEigen;
use super::network::{Data, Regression, ShallowNet};
use super::rng::{sample_without_replacement, Rng};

/// Hidden neurons of the network.
pub const WIDTH: usize = 2;
/// Parameters 3k + 1.
pub const DIM: usize = 3 * WIDTH + 1;

/// Where the first activation other than the knot points' changes, moving away from θ*.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Flip {
    /// The distance from θ*.
    pub radius: f64,
    /// The data point whose activation changes.
    pub point: usize,
    /// The neuron it changes for.
    pub neuron: usize,
}

/// The minimum with a data point on a knot.
#[derive(Clone, Debug)]
pub struct KinkMinimum {
    pub net: ShallowNet,
    pub theta_star: Vec<f64>,
    pub data: Data,
    /// rⱼ = f(xⱼ; θ*) − yⱼ.
    pub residuals: Vec<f64>,
    /// (data point, neuron) of every point that sits on a knot.
    pub on_knot: Vec<(usize, usize)>,
}

impl KinkMinimum {
    /// The minimum with `kinks` (1 or 2) data points on knots and residuals of size `noise`
    /// (0: an interpolating minimum).
    pub fn new(kinks: usize, noise: f64) -> Self {
        let net = ShallowNet::new(WIDTH, super::activation::Activation::Relu);
        // θ* = [w1 (2), b1 (2), w2 (2), b2]: knots at 0.5 (active to the right) and −1 (active
        // to the left). All values are dyadic, so w1·x + b1 is exactly 0 on the knots.
        let theta_star = vec![1.0, -1.0, -0.5, -1.0, 1.5, 0.75, 0.25];
        let middle = if kinks >= 2 { -1.0 } else { -0.75 };
        let x = vec![-2.5, -2.0, -1.5, middle, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0];
        // Residual shapes: (1, −2, 1) on each neuron's three active points is orthogonal to 1
        // and x there; the inactive middle points take (+1, −1) so that all of r sums to 0.
        // (The fourth point, on a knot or at −0.75 in the middle, takes 0 either way.)
        let shape = [1.0, -2.0, 1.0, 0.0, 1.0, -1.0, 0.0, 1.0, -2.0, 1.0];
        let residuals: Vec<f64> = shape.iter().map(|s| noise * s).collect();
        let y = x.iter().zip(&residuals).map(|(&x, r)| net.eval(&theta_star, x) - r).collect();
        let on_knot = if kinks >= 2 { vec![(6, 0), (3, 1)] } else { vec![(6, 0)] };
        Self { net, theta_star, data: Data { x, y }, residuals, on_knot }
    }

    /// The ReLU network itself on these data, for SGD on the real loss.
    pub fn network(&self) -> Regression {
        Regression::new(self.net, self.data.clone())
    }

    /// The nearest θ to θ* at which an activation other than the knot points' own changes:
    /// the distance from θ* to the closest hyperplane w1ᵢxⱼ + b1ᵢ = 0 over every (point j,
    /// neuron i) pair that is not a knot pair, |w1ᵢxⱼ + b1ᵢ| / √(xⱼ² + 1) (the hyperplane
    /// involves only the coordinates w1ᵢ and b1ᵢ of θ, with normal (xⱼ, 1)). Inside the open
    /// ball of this radius only the knot points switch, so the ball lies in A = ∪_{m ∈ 𝓜} S_m
    /// and the network's loss there is exactly the mode losses ψ_m; a larger ball reaches
    /// modes outside 𝓜.
    pub fn first_flip(&self) -> Flip {
        let p = self.net.layout(&self.theta_star);
        let mut nearest = Flip { radius: f64::INFINITY, point: 0, neuron: 0 };
        for (j, &x) in self.data.x.iter().enumerate() {
            for i in 0..WIDTH {
                if self.on_knot.contains(&(j, i)) {
                    continue;
                }
                let radius = (p.w1[i] * x + p.b1[i]).abs() / (x * x + 1.0).sqrt();
                if radius < nearest.radius {
                    nearest = Flip { radius, point: j, neuron: i };
                }
            }
        }
        nearest
    }

    /// The number of modes |𝓜| = 2^(knot points).
    pub fn mode_count(&self) -> usize {
        1 << self.on_knot.len()
    }

    /// The mode of θ: bit b set when knot point b is active (w1x + b1 > 0; σ'(0) = 0).
    pub fn mode_of(&self, theta: &[f64]) -> usize {
        let p = self.net.layout(theta);
        self.on_knot
            .iter()
            .enumerate()
            .filter(|&(_, &(j, i))| p.w1[i] * self.data.x[j] + p.b1[i] > 0.0)
            .fold(0, |m, (b, _)| m | (1 << b))
    }

    /// Whether neuron i counts as active for point j in mode m: knot points by the mode, all
    /// others by their activation at θ*.
    pub fn active(&self, j: usize, i: usize, mode: usize) -> bool {
        match self.on_knot.iter().position(|&(jj, ii)| jj == j && ii == i) {
            Some(b) => mode & (1 << b) != 0,
            None => {
                let p = self.net.layout(&self.theta_star);
                p.w1[i] * self.data.x[j] + p.b1[i] > 0.0
            }
        }
    }

    /// f_m(xⱼ; θ): the network with point j's activations those of mode m (a smooth function of
    /// θ equal to f on S_m near θ*).
    pub fn mode_output(&self, theta: &[f64], j: usize, mode: usize) -> f64 {
        let p = self.net.layout(theta);
        let x = self.data.x[j];
        (0..WIDTH).filter(|&i| self.active(j, i, mode)).map(|i| p.w2[i] * (p.w1[i] * x + p.b1[i])).sum::<f64>() + p.b2
    }

    /// ψ_m(θ) = (1/2n)Σⱼ (f_m(xⱼ; θ) − yⱼ)².
    pub fn mode_loss(&self, theta: &[f64], mode: usize) -> f64 {
        let n = self.data.len();
        (0..n).map(|j| (self.mode_output(theta, j, mode) - self.data.y[j]).powi(2)).sum::<f64>() / (2.0 * n as f64)
    }

    /// ∇θ f_m(xⱼ; θ*), the sample's row of Φ in mode m.
    fn mode_gradient(&self, j: usize, mode: usize) -> [f64; DIM] {
        let p = self.net.layout(&self.theta_star);
        let x = self.data.x[j];
        let mut g = [0.0; DIM];
        for i in 0..WIDTH {
            if self.active(j, i, mode) {
                g[i] = x * p.w2[i];
                g[WIDTH + i] = p.w2[i];
                g[2 * WIDTH + i] = p.w1[i] * x + p.b1[i];
            }
        }
        g[DIM - 1] = 1.0;
        g
    }
}

/// The SSDS of a [`KinkMinimum`]: per sample and mode the pieces of ĝ_m and Ĥ_m, so that a
/// step costs O(B·d) and allocates nothing.
#[derive(Clone, Debug)]
pub struct Ssds {
    pub minimum: KinkMinimum,
    /// gradients\[m\]\[j\] = ∇f_m(xⱼ; θ*).
    gradients: Vec<Vec<[f64; DIM]>>,
    /// active\[m\]\[j\]\[i\]: neuron i active for point j in mode m (for the residual Hessian).
    active: Vec<Vec<[bool; WIDTH]>>,
    /// H_m = ∇²ψ_m(θ*), full batch.
    pub hessians: Vec<DMatrix<f64>>,
    /// ∇ψ_m(θ*), full batch (zero by construction).
    pub gradients_full: Vec<DVector<f64>>,
}

impl Ssds {
    pub fn new(minimum: KinkMinimum) -> Self {
        let n = minimum.data.len();
        let modes = minimum.mode_count();
        let gradients: Vec<Vec<[f64; DIM]>> =
            (0..modes).map(|m| (0..n).map(|j| minimum.mode_gradient(j, m)).collect()).collect();
        let active: Vec<Vec<[bool; WIDTH]>> =
            (0..modes).map(|m| (0..n).map(|j| std::array::from_fn(|i| minimum.active(j, i, m))).collect()).collect();
        let mut ssds = Self { minimum, gradients, active, hessians: Vec::new(), gradients_full: Vec::new() };
        let all: Vec<usize> = (0..n).collect();
        for m in 0..modes {
            let hessian = DMatrix::from_fn(DIM, DIM, |_, _| 0.0);
            let mut columns = hessian;
            let mut e = [0.0; DIM];
            let mut out = [0.0; DIM];
            for c in 0..DIM {
                e[c] = 1.0;
                ssds.batch_hessian_vec(&all, m, &e, &mut out);
                columns.column_mut(c).copy_from_slice(&out);
                e[c] = 0.0;
            }
            ssds.hessians.push(columns);
            let mut g = [0.0; DIM];
            ssds.batch_gradient(&all, m, &mut g);
            ssds.gradients_full.push(DVector::from_column_slice(&g));
        }
        ssds
    }

    pub fn mode_count(&self) -> usize {
        self.gradients.len()
    }

    /// ĝ_m for `batch`: (1/B)Σ rⱼ∇f_m(xⱼ; θ*).
    pub fn batch_gradient(&self, batch: &[usize], mode: usize, out: &mut [f64; DIM]) {
        out.fill(0.0);
        let scale = 1.0 / batch.len() as f64;
        for &j in batch {
            let r = self.minimum.residuals[j] * scale;
            for (o, g) in out.iter_mut().zip(&self.gradients[mode][j]) {
                *o += r * g;
            }
        }
    }

    /// Ĥ_m v for `batch`: (1/B)Σ [∇f_m(∇f_mᵀv) + rⱼ∇²f_m(xⱼ)v]. With σ'' = 0, ∇²f couples w2ᵢ
    /// with w1ᵢ (by x) and b1ᵢ (by 1) for every active neuron.
    pub fn batch_hessian_vec(&self, batch: &[usize], mode: usize, v: &[f64; DIM], out: &mut [f64; DIM]) {
        out.fill(0.0);
        let scale = 1.0 / batch.len() as f64;
        for &j in batch {
            let g = &self.gradients[mode][j];
            let proj = scale * g.iter().zip(v).map(|(a, b)| a * b).sum::<f64>();
            for (o, gi) in out.iter_mut().zip(g) {
                *o += proj * gi;
            }
            let r = self.minimum.residuals[j] * scale;
            if r != 0.0 {
                let x = self.minimum.data.x[j];
                for i in 0..WIDTH {
                    if self.active[mode][j][i] {
                        out[i] += r * x * v[2 * WIDTH + i];
                        out[WIDTH + i] += r * v[2 * WIDTH + i];
                        out[2 * WIDTH + i] += r * (x * v[i] + v[WIDTH + i]);
                    }
                }
            }
        }
    }

    /// One SSDS step of the deviation d = θ − θ*: the mode is that of θ* + d. `scratch` holds
    /// two vectors.
    pub fn step(&self, d: &mut [f64; DIM], batch: &[usize], eta: f64, scratch: &mut [[f64; DIM]; 2]) {
        let mut theta = [0.0; DIM];
        for ((t, s), di) in theta.iter_mut().zip(&self.minimum.theta_star).zip(d.iter()) {
            *t = s + di;
        }
        let mode = self.minimum.mode_of(&theta);
        let [g, hd] = scratch;
        self.batch_gradient(batch, mode, g);
        self.batch_hessian_vec(batch, mode, d, hd);
        for ((di, gi), hi) in d.iter_mut().zip(g.iter()).zip(hd.iter()) {
            *di -= eta * (gi + hi);
        }
    }
}

/// Every batch of B distinct points out of n (in increasing order), for exact expectations
/// over the uniform batch distribution.
pub fn all_batches(n: usize, b: usize) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    let mut current: Vec<usize> = (0..b).collect();
    if b == 0 || b > n {
        return out;
    }
    loop {
        out.push(current.clone());
        // The rightmost index that can still move right.
        let Some(i) = (0..b).rev().find(|&i| current[i] < n - b + i) else { return out };
        current[i] += 1;
        for k in i + 1..b {
            current[k] = current[k - 1] + 1;
        }
    }
}

/// The quantities of Lemma 3 for one q.
#[derive(Clone, Debug, PartialEq)]
pub struct Lemma3 {
    pub q: Vec<f64>,
    /// λ_m = qᵀH_m q, the value that minimizes ‖H_m q − λq‖.
    pub lambdas: Vec<f64>,
    /// δ = max_m ‖H_m q − λ_m q‖.
    pub delta: f64,
    pub lambda_lower: f64,
    /// γ = max_m E|qᵀĝ_m| over uniform batches of the given size (exact).
    pub gamma: f64,
    /// Where q comes from, in words.
    pub source: String,
}

impl Lemma3 {
    /// The candidate q with the largest λ_lower − δ among the top eigenvectors of every H_m
    /// and of their mean.
    pub fn choose(ssds: &Ssds, batch_size: usize) -> Option<Self> {
        let modes = ssds.mode_count();
        let mean = ssds.hessians.iter().fold(DMatrix::zeros(DIM, DIM), |acc, h| acc + h) / modes as f64;
        let mut candidates = Vec::new();
        for (m, h) in ssds.hessians.iter().enumerate() {
            candidates.push((
                SymmetricEigen::new(h)?.vectors.column(0).iter().copied().collect::<Vec<_>>(),
                format!("top eigenvector of H in mode {}", mode_name(m, ssds.minimum.on_knot.len())),
            ));
        }
        candidates.push((
            SymmetricEigen::new(&mean)?.vectors.column(0).iter().copied().collect(),
            "top eigenvector of the mean of the H_m".to_string(),
        ));
        let batches = all_batches(ssds.minimum.data.len(), batch_size.clamp(1, ssds.minimum.data.len()));
        candidates
            .into_iter()
            .map(|(q, source)| Self::for_q(ssds, q, &batches, source))
            .max_by(|a, b| (a.lambda_lower - a.delta).total_cmp(&(b.lambda_lower - b.delta)))
    }

    fn for_q(ssds: &Ssds, q: Vec<f64>, batches: &[Vec<usize>], source: String) -> Self {
        let qv = DVector::from_column_slice(&q);
        let mut lambdas = Vec::new();
        let mut delta = 0.0f64;
        let mut gamma = 0.0f64;
        let mut g = [0.0; DIM];
        for (m, h) in ssds.hessians.iter().enumerate() {
            let hq = h * &qv;
            let lambda = qv.dot(&hq);
            delta = delta.max((hq - &qv * lambda).norm());
            lambdas.push(lambda);
            let mean_abs = batches
                .iter()
                .map(|b| {
                    ssds.batch_gradient(b, m, &mut g);
                    g.iter().zip(&q).map(|(a, b)| a * b).sum::<f64>().abs()
                })
                .sum::<f64>()
                / batches.len() as f64;
            gamma = gamma.max(mean_abs);
        }
        let lambda_lower = lambdas.iter().copied().fold(f64::INFINITY, f64::min);
        // A full batch sees ∇ψ_m(θ*) = 0, up to the rounding of its sum: that is no noise.
        let sample_scale = (0..ssds.minimum.data.len())
            .map(|j| ssds.minimum.residuals[j].abs() * ssds.gradients[0][j].iter().map(|v| v * v).sum::<f64>().sqrt())
            .fold(0.0, f64::max);
        let gamma = if gamma <= 1e-12 * sample_scale { 0.0 } else { gamma };
        Self { q, lambdas, delta, lambda_lower, gamma, source }
    }

    /// λ_lower − 2/η − δ − γ/ε: Lemma 3's condition holds when this is positive.
    pub fn margin(&self, eta: f64, epsilon: f64) -> f64 {
        self.lambda_lower - 2.0 / eta - self.delta - self.gamma / epsilon
    }

    /// The ε above which the condition holds at this η, γ/(λ_lower − 2/η − δ) (0 when γ = 0),
    /// or None when it holds for no ε. Small balls are out of the lemma's reach: there the
    /// noise term γ/ε dominates.
    pub fn epsilon_floor(&self, eta: f64) -> Option<f64> {
        let room = self.lambda_lower - 2.0 / eta - self.delta;
        (room > 0.0).then(|| self.gamma / room)
    }
}

/// A mode in words: which knot points are active.
pub fn mode_name(mode: usize, kinks: usize) -> String {
    (0..kinks).map(|b| if mode & (1 << b) != 0 { '+' } else { '\u{2212}' }).collect()
}

/// Uniform batches of B distinct points out of n, drawn independently at every step (all n
/// points every time when B = n, full-batch GD). Allocates only when made.
#[derive(Clone, Debug)]
pub struct BatchSampler {
    rng: Rng,
    pool: Vec<usize>,
    batch: Vec<usize>,
}

impl BatchSampler {
    /// Batches of `batch_size` (clamped to 1..=n) out of `n` points.
    pub fn new(n: usize, batch_size: usize, rng: Rng) -> Self {
        let b = batch_size.clamp(1, n.max(1));
        Self { rng, pool: (0..n).collect(), batch: (0..b).collect() }
    }

    pub fn batch_size(&self) -> usize {
        self.batch.len()
    }

    /// The next batch.
    pub fn next_batch(&mut self) -> &[usize] {
        if self.batch.len() < self.pool.len() {
            sample_without_replacement(&mut self.rng, &mut self.pool, &mut self.batch);
        }
        &self.batch
    }
}

/// ‖θ_t − θ*‖ for t = 0 … T summed over runs, so that a division estimates E‖θ_t − θ*‖. A run
/// that passes its escape distance is stopped and counts as that distance from then on: past
/// the first stop the mean is only a lower bound, and [`Distances::sup`] says so.
#[derive(Clone, Debug, PartialEq)]
pub struct Distances {
    sums: Vec<f64>,
    runs: usize,
    first_stop: Option<usize>,
}

/// sup_t E‖θ_t − θ*‖ as far as the runs tell it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Sup {
    /// No run was stopped: the Monte Carlo estimate itself.
    Measured(f64),
    /// Some run passed the escape distance and was stopped: the true value is larger than this
    /// (the stopped runs counted at the escape distance).
    AtLeast(f64),
}

impl Sup {
    /// The number: the estimate, or the lower bound.
    pub fn value(self) -> f64 {
        match self {
            Sup::Measured(v) | Sup::AtLeast(v) => v,
        }
    }
}

impl Distances {
    /// Sums for runs of `steps` steps (T + 1 distances each).
    pub fn new(steps: usize) -> Self {
        Self { sums: vec![0.0; steps + 1], runs: 0, first_stop: None }
    }

    /// The runs added so far.
    pub fn runs(&self) -> usize {
        self.runs
    }

    /// The first step at which some run was stopped, if any was.
    pub fn first_stop(&self) -> Option<usize> {
        self.first_stop
    }

    /// The mean distance at every step (stopped runs at their escape distance).
    pub fn means(&self) -> impl Iterator<Item = f64> + '_ {
        let runs = self.runs.max(1) as f64;
        self.sums.iter().map(move |v| v / runs)
    }

    /// Adds the runs of `other`, of the same length, to these: with one run in `other`, the
    /// same sums, bit for bit, as adding that run here (0 + d = d), so runs made apart and
    /// added in order make the sums of runs made one after the other.
    pub fn add(&mut self, other: &Distances) {
        assert_eq!(self.sums.len(), other.sums.len(), "both hold runs of the same length");
        for (sum, value) in self.sums.iter_mut().zip(&other.sums) {
            *sum += value;
        }
        self.runs += other.runs;
        self.first_stop = match (self.first_stop, other.first_stop) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }

    /// sup over t of the mean distance; None before the first run.
    pub fn sup(&self) -> Option<Sup> {
        let sup = self.means().fold(0.0, f64::max);
        match (self.runs, self.first_stop) {
            (0, _) => None,
            (_, None) => Some(Sup::Measured(sup)),
            (_, Some(_)) => Some(Sup::AtLeast(sup)),
        }
    }
}

/// One run of the local model (the SSDS of [`Ssds`]) and one of SGD on the ReLU network itself,
/// `network`, from θ* + `start`, on the same batches: the batch of step t is drawn once and used
/// by both. Each adds its distances to its sums; a run farther than `escape` from θ* (or not a
/// number) stops there. Allocates nothing.
#[allow(clippy::too_many_arguments)]
pub fn add_paired_run(
    ssds: &Ssds,
    network: &Regression,
    start: &[f64; DIM],
    eta: f64,
    escape: f64,
    sampler: &mut BatchSampler,
    model: &mut Distances,
    real: &mut Distances,
) {
    assert_eq!(model.sums.len(), real.sums.len(), "both runs have the same length");
    let theta_star = &ssds.minimum.theta_star;
    let norm = |d: &[f64; DIM]| d.iter().map(|v| v * v).sum::<f64>().sqrt();
    let mut scratch = [[0.0; DIM]; 2];
    let (mut gradient, mut per_sample) = ([0.0; DIM], [0.0; DIM]);
    let mut d = *start;
    let mut theta: [f64; DIM] = std::array::from_fn(|i| theta_star[i] + start[i]);
    let (mut model_stopped, mut real_stopped) = (false, false);
    for t in 0..model.sums.len() {
        if t > 0 {
            let batch = sampler.next_batch();
            if !model_stopped {
                ssds.step(&mut d, batch, eta, &mut scratch);
            }
            if !real_stopped {
                network.batch_gradient(&theta, batch, &mut gradient, &mut per_sample);
                for (th, g) in theta.iter_mut().zip(&gradient) {
                    *th -= eta * g;
                }
            }
        }
        let real_d: [f64; DIM] = std::array::from_fn(|i| theta[i] - theta_star[i]);
        for (stopped, sums, distance) in
            [(&mut model_stopped, &mut *model, norm(&d)), (&mut real_stopped, &mut *real, norm(&real_d))]
        {
            if !*stopped && (distance.is_nan() || distance > escape) {
                *stopped = true;
                sums.first_stop = Some(sums.first_stop.map_or(t, |s| s.min(t)));
            }
            sums.sums[t] += if *stopped { escape } else { distance };
        }
    }
    model.runs += 1;
    real.runs += 1;
}
