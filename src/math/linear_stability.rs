//! Linear stability of SGD at a minimum: Definition 1, Theorem 1 (Wu et al.) and Theorem 1.1
//! (Mulayoff et al.), exactly, on the least-squares problem of [`super::least_squares`].
//!
//! With e_t = θ_t − θ*, the batch Hessian Ĥ_t and the batch gradient ĝ_t at θ*, SGD reads
//!   e_{t+1} = (I − ηĤ_t) e_t − η ĝ_t,
//! which is Definition 1's linearized system (and, for least squares, SGD itself). Batches are
//! independent across steps, so the mean μ_t = E[e_t] and the second moment S_t = E[e_t e_tᵀ]
//! obey closed recursions:
//!   μ_{t+1} = (I − ηH) μ_t                                          (E[Ĥ] = H, E[ĝ] = ∇L(θ*) = 0)
//!   S_{t+1} = T(S_t) + η²c [C(μ_t) + C(μ_t)ᵀ + G],   T(M) = E[(I − ηĤ) M (I − ηĤ)],
//! with c the batch factor, C(μ) = (1/n)Σⱼ Hⱼμgⱼᵀ and G = (1/n)Σⱼ gⱼgⱼᵀ (both zero with exact
//! labels). E‖e_t‖² = tr S_t, so mean-square stability is a property of the linear map T.
//!
//! **The exact test.** By the batch identity, E[ĤMĤ] = HMH + c·(1/n)Σⱼ (Hⱼ − H)M(Hⱼ − H), so
//!   T(M) = M − η(HM + MH) + η²[(1 − c)·HMH + c·(1/n)Σⱼ HⱼMHⱼ].
//! T maps symmetric matrices to symmetric matrices and positive semi-definite ones to positive
//! semi-definite ones. In its d² × d² (Kronecker) form it is E[(I − ηĤ) ⊗ (I − ηĤ)], a
//! symmetric matrix because every I − ηĤ is; restricted to symmetric M with the orthonormal
//! basis {Eᵢᵢ, (Eᵢⱼ + Eⱼᵢ)/√2} (d(d + 1)/2 coordinates, [`SymmetricCoords`]) it stays
//! symmetric. Because T is positive, its spectral radius ρ(T) is itself an eigenvalue with a
//! positive semi-definite eigenvector (Perron–Frobenius for cones), hence a symmetric one: so
//! ρ(T) is the largest eigenvalue of the d(d + 1)/2-dimensional symmetric matrix, and that is
//! what is computed (Lanczos, cross-checked against dense decompositions of both forms and
//! against batches enumerated one by one in the tests).
//!
//! **The three tests compared.** For η > 0:
//! - exact: ρ(T) ≤ 1 ⇔ η·Q ≼ L with L(M) = HM + MH and Q the η² part above, so the largest
//!   stable η is 1/λ_max(L^{−1/2} Q L^{−1/2}) ([`MeanSquareOperator::threshold`]);
//! - Wu et al.: λ_max(T(I)) ≤ 1 with T(I) = (I − ηH)² + η²Σ_B. If T(P) = ρP with P ≽ 0 scaled
//!   to λ_max(P) = 1, then ρP = T(P) ≼ T(I), and at P's top eigenvector ρ ≤ λ_max(T(I)): Wu's
//!   criterion is sufficient, and in general not necessary (equality for d = 1);
//! - GD: T − T₀ is a positive map for T₀(M) = (I − ηH)M(I − ηH), so ρ(T) ≥ ρ(T₀) =
//!   max(1 − ηλᵢ)², and mean-square stability forces λ_max(H) ≤ 2/η (the conclusion of
//!   Theorem 1.1, which draws it from the weaker stability of Definition 1).

use nalgebra::{DMatrix, DVector};

use super::dense::SymmetricEigen;
use super::kernels::dot;
use super::lanczos::{Restart, StopRule, TopEigenpairs};
use super::least_squares::{batch_factor, LeastSquares};
use super::rng::{sample_without_replacement, seeded, Rng};

/// Relative accuracy of the thresholds' top eigenvalues.
const THRESHOLD_TOLERANCE: f64 = 1e-12;

/// Relative accuracy of ρ(T) in the cells of a stability map: far finer than its colours,
/// and a cell's side of ρ = 1 is decided by the exact threshold of its row anyway.
const CELL_TOLERANCE: f64 = 1e-8;

/// A Monte Carlo run is stopped once the mean of ‖e_t‖² exceeds this many times its start.
pub const DIVERGENCE_GROWTH: f64 = 1e12;

/// Orthonormal coordinates of symmetric d × d matrices under the Frobenius inner product:
/// Mᵢᵢ for the diagonal and √2·Mᵢⱼ (i < j) for each pair off it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SymmetricCoords {
    dim: usize,
    pairs: Vec<(usize, usize)>,
}

impl SymmetricCoords {
    pub fn new(dim: usize) -> Self {
        let pairs = (0..dim).flat_map(|i| (i..dim).map(move |j| (i, j))).collect();
        Self { dim, pairs }
    }

    /// d(d + 1)/2.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// The coordinates of the symmetric part of `m`.
    pub fn coords(&self, m: &DMatrix<f64>) -> DVector<f64> {
        DVector::from_iterator(
            self.len(),
            self.pairs.iter().map(
                |&(i, j)| {
                    if i == j {
                        m[(i, i)]
                    } else {
                        (m[(i, j)] + m[(j, i)]) / std::f64::consts::SQRT_2
                    }
                },
            ),
        )
    }

    /// The symmetric matrix with coordinates `v`.
    pub fn matrix(&self, v: &[f64]) -> DMatrix<f64> {
        let mut m = DMatrix::zeros(self.dim, self.dim);
        for (&(i, j), &c) in self.pairs.iter().zip(v) {
            if i == j {
                m[(i, i)] = c;
            } else {
                m[(i, j)] = c / std::f64::consts::SQRT_2;
                m[(j, i)] = m[(i, j)];
            }
        }
        m
    }

    /// The matrix, in these coordinates, of a linear map of symmetric matrices.
    fn operator(&self, map: impl Fn(&DMatrix<f64>) -> DMatrix<f64>) -> DMatrix<f64> {
        let m = self.len();
        let mut out = DMatrix::zeros(m, m);
        let mut unit = vec![0.0; m];
        for k in 0..m {
            unit[k] = 1.0;
            out.set_column(k, &self.coords(&map(&self.matrix(&unit))));
            unit[k] = 0.0;
        }
        out
    }
}

/// The pieces of the mean-square operator T that do not depend on η or B, in symmetric
/// coordinates, and what follows from them.
#[derive(Clone, Debug)]
pub struct MeanSquareOperator {
    samples: usize,
    coords: SymmetricCoords,
    /// M ↦ HM + MH.
    lyapunov: DMatrix<f64>,
    /// M ↦ HMH.
    sandwich: DMatrix<f64>,
    /// M ↦ (1/n)Σⱼ HⱼMHⱼ = (1/n)Σⱼ (xⱼᵀMxⱼ) xⱼxⱼᵀ.
    sample_sandwich: DMatrix<f64>,
    /// L^{−1/2}·sandwich·L^{−1/2} and L^{−1/2}·sample_sandwich·L^{−1/2}, for the thresholds.
    sandwich_relative: DMatrix<f64>,
    sample_sandwich_relative: DMatrix<f64>,
}

impl MeanSquareOperator {
    /// None when the decomposition of L fails (H is positive definite, so L is too).
    pub fn new(problem: &LeastSquares) -> Option<Self> {
        let d = problem.dim();
        let n = problem.len();
        let coords = SymmetricCoords::new(d);
        let h = problem.hessian();
        let lyapunov = coords.operator(|m| h * m + m * h);
        let sandwich = coords.operator(|m| h * m * h);
        let sample_sandwich = coords.operator(|m| {
            let mut out = DMatrix::zeros(d, d);
            for j in 0..n {
                let x = DVector::from_column_slice(problem.sample(j));
                let weight = (x.transpose() * m * &x)[(0, 0)] / n as f64;
                out.ger(weight, &x, &x, 1.0);
            }
            out
        });
        let eig = SymmetricEigen::new(&lyapunov)?;
        let smallest = eig.values.last().copied().unwrap_or(0.0);
        if smallest.is_nan() || smallest <= 0.0 {
            return None;
        }
        let inv_sqrt = &eig.vectors
            * DMatrix::from_diagonal(&DVector::from_iterator(
                eig.values.len(),
                eig.values.iter().map(|v| v.powf(-0.5)),
            ))
            * eig.vectors.transpose();
        let relative = |m: &DMatrix<f64>| symmetrize(&inv_sqrt * m * &inv_sqrt);
        Some(Self {
            samples: n,
            sandwich_relative: relative(&sandwich),
            sample_sandwich_relative: relative(&sample_sandwich),
            coords,
            lyapunov,
            sandwich,
            sample_sandwich,
        })
    }

    pub fn coords(&self) -> &SymmetricCoords {
        &self.coords
    }

    /// The matrix of T for step size η and batch size B, written into `out` (m × m).
    pub fn matrix_into(&self, eta: f64, batch: usize, out: &mut DMatrix<f64>) {
        let c = batch_factor(self.samples, batch);
        let m = self.coords.len();
        if out.shape() != (m, m) {
            *out = DMatrix::zeros(m, m);
        }
        let (a, b) = (eta * eta * (1.0 - c), eta * eta * c);
        for (((o, l), k), s) in
            out.iter_mut().zip(self.lyapunov.iter()).zip(self.sandwich.iter()).zip(self.sample_sandwich.iter())
        {
            *o = -eta * l + a * k + b * s;
        }
        for i in 0..m {
            out[(i, i)] += 1.0;
        }
    }

    /// The matrix of T (m × m, symmetric).
    pub fn matrix(&self, eta: f64, batch: usize) -> DMatrix<f64> {
        let mut out = DMatrix::zeros(0, 0);
        self.matrix_into(eta, batch, &mut out);
        out
    }

    /// The largest η for which ρ(T) ≤ 1 at batch size B: 1/λ_max(L^{−1/2} Q_B L^{−1/2}) with
    /// Q_B = (1 − c)·HMH + c·(1/n)ΣⱼHⱼMHⱼ.
    pub fn threshold(&self, batch: usize, eigen: &mut TopEigen) -> f64 {
        let c = batch_factor(self.samples, batch);
        let q = &self.sandwich_relative * (1.0 - c) + &self.sample_sandwich_relative * c;
        1.0 / eigen.largest(&q, THRESHOLD_TOLERANCE)
    }

    /// ρ(T), the largest eigenvalue of T's matrix (see the module documentation).
    pub fn spectral_radius(&self, eta: f64, batch: usize, eigen: &mut TopEigen) -> f64 {
        eigen.largest(&self.matrix(eta, batch), THRESHOLD_TOLERANCE)
    }

    /// The stationary second moment S_∞ = (I − T)⁻¹(η²c·G) that E[e_t e_tᵀ] approaches when
    /// ρ(T) < 1: the noise floor of SGD with label noise (zero with exact labels). None when
    /// I − T is singular.
    pub fn stationary_second_moment(&self, problem: &LeastSquares, eta: f64, batch: usize) -> Option<DMatrix<f64>> {
        let t = self.matrix(eta, batch);
        let m = self.coords.len();
        let system = DMatrix::identity(m, m) - t;
        let source =
            self.coords.coords(&problem.gradient_second_moment()) * (eta * eta * batch_factor(problem.len(), batch));
        let s = system.lu().solve(&source)?;
        Some(self.coords.matrix(s.as_slice()))
    }
}

fn symmetrize(m: DMatrix<f64>) -> DMatrix<f64> {
    (&m + m.transpose()) * 0.5
}

/// The largest eigenvalue of small symmetric matrices, by Lanczos run to convergence and
/// started from the previous answer's eigenvector (neighbouring matrices of a sweep have nearly
/// the same one). The workspace is reused across calls.
#[derive(Clone, Debug)]
pub struct TopEigen {
    pairs: TopEigenpairs,
}

impl TopEigen {
    pub fn new(dim: usize) -> Self {
        // A start with weight on every coordinate, so that no eigenvector is missed at first.
        let start = (0..dim).map(|i| 1.0 + 0.1 * (i as f64).sin()).collect();
        let rule = StopRule::Converged { tolerance: THRESHOLD_TOLERANCE, max_iter: dim };
        Self { pairs: TopEigenpairs::new(start, rule, Restart::WarmBlended, 1) }
    }

    /// λ_max of the symmetric matrix `m` to relative accuracy `tolerance`; NaN when `m` is not
    /// finite.
    pub fn largest(&mut self, m: &DMatrix<f64>, tolerance: f64) -> f64 {
        let max_iter = m.nrows();
        self.pairs.set_rule(StopRule::Converged { tolerance, max_iter });
        self.pairs.largest(|v, out| matvec(m, v, out))
    }
}

/// out = m·v for a square column-major matrix.
fn matvec(m: &DMatrix<f64>, v: &[f64], out: &mut [f64]) {
    out.fill(0.0);
    for (col, &vj) in m.column_iter().zip(v) {
        for (o, a) in out.iter_mut().zip(col.iter()) {
            *o += a * vj;
        }
    }
}

/// Wu et al.'s quantity λ_max((I − ηH)² + η²Σ_B), which equals λ_max(T(I)).
pub fn wu_criterion(problem: &LeastSquares, eta: f64, batch: usize) -> f64 {
    let d = problem.dim();
    let step = DMatrix::identity(d, d) - problem.hessian() * eta;
    let m = &step * &step + problem.batch_hessian_variance(batch) * (eta * eta);
    SymmetricEigen::new(&m).map_or(f64::NAN, |e| e.values[0])
}

/// The largest η that meets Wu et al.'s criterion at batch size B: with E[Ĥ²] = H² + Σ_B the
/// criterion is η·E[Ĥ²] ≼ 2H, so η ≤ 2/λ_max(H^{−1/2} E[Ĥ²] H^{−1/2}).
pub fn wu_threshold(problem: &LeastSquares, batch: usize) -> f64 {
    let eig = problem.hessian_eigen();
    let d = problem.dim();
    let inv_sqrt = &eig.vectors
        * DMatrix::from_diagonal(&DVector::from_iterator(d, eig.values.iter().map(|v| v.powf(-0.5))))
        * eig.vectors.transpose();
    let h = problem.hessian();
    let second = h * h + problem.batch_hessian_variance(batch);
    let relative = symmetrize(&inv_sqrt * second * &inv_sqrt);
    SymmetricEigen::new(&relative).map_or(f64::NAN, |e| 2.0 / e.values[0])
}

/// max over the eigenvalues λᵢ of H of (1 − ηλᵢ)²: the spectral radius of T for GD (B = n),
/// at most 1 exactly when λ_max(H) ≤ 2/η.
pub fn gd_factor(problem: &LeastSquares, eta: f64) -> f64 {
    problem.hessian_eigen().values.iter().map(|l| (1.0 - eta * l).powi(2)).fold(0.0, f64::max)
}

/// E[e_t] and E[e_t e_tᵀ] of SGD, exactly, step after step (see the module documentation).
#[derive(Clone, Debug)]
pub struct ExactMoments {
    /// The mean μ_t.
    pub mean: DVector<f64>,
    /// The second moment S_t.
    pub second: DMatrix<f64>,
    eta: f64,
    batch: usize,
    step_matrix: DMatrix<f64>,
    operator: DMatrix<f64>,
}

impl ExactMoments {
    /// The moments at t = 0 of runs that all start at e₀.
    pub fn new(
        problem: &LeastSquares,
        operator: &MeanSquareOperator,
        eta: f64,
        batch: usize,
        e0: &DVector<f64>,
    ) -> Self {
        let d = problem.dim();
        Self {
            mean: e0.clone(),
            second: e0 * e0.transpose(),
            eta,
            batch,
            step_matrix: DMatrix::identity(d, d) - problem.hessian() * eta,
            operator: operator.matrix(eta, batch),
        }
    }

    /// E‖e_t‖² = tr S_t.
    pub fn mean_square_norm(&self) -> f64 {
        self.second.trace()
    }

    /// Moves from t to t + 1.
    pub fn advance(&mut self, problem: &LeastSquares, coords: &SymmetricCoords) {
        let n = problem.len();
        let c = batch_factor(n, self.batch);
        let d = problem.dim();
        // C(μ) = (1/n)Σⱼ xⱼ(xⱼᵀμ)gⱼᵀ, and G.
        let mut source = DMatrix::zeros(d, d);
        if c > 0.0 {
            for j in 0..n {
                let x = DVector::from_column_slice(problem.sample(j));
                let g = DVector::from_column_slice(problem.sample_gradient(j));
                let along = dot(problem.sample(j), self.mean.as_slice());
                source.ger(along / n as f64, &x, &g, 1.0);
                source.ger(along / n as f64, &g, &x, 1.0);
                source.ger(1.0 / n as f64, &g, &g, 1.0);
            }
        }
        let next = &self.operator * coords.coords(&self.second) + coords.coords(&source) * (self.eta * self.eta * c);
        self.second = coords.matrix(next.as_slice());
        self.mean = &self.step_matrix * &self.mean;
    }
}

/// Monte Carlo estimates of the moments of e_t at one step t.
#[derive(Clone, Debug, PartialEq)]
pub struct MomentEstimate {
    /// The mean over runs of ‖e_t‖².
    pub mean_square_norm: f64,
    /// The mean over runs of ‖e_t‖.
    pub mean_norm: f64,
    /// The median over runs of ‖e_t‖: where a typical run is, which the means need not tell
    /// when rare runs carry them.
    pub median_norm: f64,
    /// The mean over runs of e_t.
    pub mean: Vec<f64>,
}

/// R independent runs of SGD's error dynamics e_{t+1} = (I − ηĤ_t)e_t − ηĝ_t from a common
/// e₀, advanced together one step at a time; each run draws its own batches. One seeded stream
/// serves all runs in a fixed order, so slicing the work differently replays the same numbers.
#[derive(Clone, Debug)]
pub struct MonteCarlo {
    eta: f64,
    batch: usize,
    dim: usize,
    /// e_t of every run, row after row.
    errors: Vec<f64>,
    history: Vec<MomentEstimate>,
    diverged_at: Option<usize>,
    limit: f64,
    rng: Rng,
    pool: Vec<usize>,
    picked: Vec<usize>,
    direction: Vec<f64>,
    /// ‖e_t‖ of every run, for the median.
    norms: Vec<f64>,
}

impl MonteCarlo {
    /// `runs` runs from e₀; `batch` is clamped to 1..=n.
    pub fn new(problem: &LeastSquares, eta: f64, batch: usize, runs: usize, e0: &[f64], seed: u64) -> Self {
        let n = problem.len();
        let dim = problem.dim();
        let batch = batch.clamp(1, n.max(1));
        let runs = runs.max(1);
        let errors: Vec<f64> = (0..runs).flat_map(|_| e0.iter().copied()).collect();
        let start = dot(e0, e0);
        let mut mc = Self {
            eta,
            batch,
            dim,
            errors,
            history: Vec::new(),
            diverged_at: None,
            limit: DIVERGENCE_GROWTH * start.max(f64::MIN_POSITIVE),
            rng: seeded(seed),
            pool: (0..n).collect(),
            picked: vec![0; batch],
            direction: vec![0.0; dim],
            norms: vec![0.0; runs],
        };
        mc.record();
        mc
    }

    pub fn runs(&self) -> usize {
        self.errors.len() / self.dim
    }

    /// The estimates at t = 0, 1, …, steps taken.
    pub fn history(&self) -> &[MomentEstimate] {
        &self.history
    }

    /// Steps taken so far.
    pub fn steps(&self) -> usize {
        self.history.len() - 1
    }

    /// The step at which the mean of ‖e_t‖² passed [`DIVERGENCE_GROWTH`] times its start, or
    /// stopped being finite; no steps are taken after it.
    pub fn diverged_at(&self) -> Option<usize> {
        self.diverged_at
    }

    /// e_t of run r.
    pub fn error(&self, run: usize) -> &[f64] {
        &self.errors[run * self.dim..(run + 1) * self.dim]
    }

    /// Takes up to `steps` steps (none after divergence). Returns whether it can go on.
    pub fn advance(&mut self, problem: &LeastSquares, steps: usize) -> bool {
        let n = problem.len();
        let scale = self.eta / self.batch as f64;
        for _ in 0..steps {
            if self.diverged_at.is_some() {
                return false;
            }
            for e in self.errors.chunks_exact_mut(self.dim) {
                if self.batch == n {
                    self.picked.iter_mut().enumerate().for_each(|(i, p)| *p = i);
                } else {
                    sample_without_replacement(&mut self.rng, &mut self.pool, &mut self.picked);
                }
                // The batch gradient at θ* + e: (1/B)Σ xⱼ(xⱼᵀe) + (1/B)Σ gⱼ.
                self.direction.fill(0.0);
                for &j in &self.picked {
                    let x = problem.sample(j);
                    let along = dot(x, e);
                    for ((dir, xi), gi) in self.direction.iter_mut().zip(x).zip(problem.sample_gradient(j)) {
                        *dir += along * xi + gi;
                    }
                }
                for (ei, dir) in e.iter_mut().zip(&self.direction) {
                    *ei -= scale * dir;
                }
            }
            self.record();
            let last = &self.history[self.history.len() - 1];
            if last.mean_square_norm.is_nan() || last.mean_square_norm > self.limit {
                self.diverged_at = Some(self.steps());
                return false;
            }
        }
        true
    }

    fn record(&mut self) {
        let runs = self.runs() as f64;
        let mut estimate =
            MomentEstimate { mean_square_norm: 0.0, mean_norm: 0.0, median_norm: 0.0, mean: vec![0.0; self.dim] };
        for (e, norm) in self.errors.chunks_exact(self.dim).zip(&mut self.norms) {
            let sq = dot(e, e);
            *norm = sq.sqrt();
            estimate.mean_square_norm += sq / runs;
            estimate.mean_norm += *norm / runs;
            for (m, v) in estimate.mean.iter_mut().zip(e) {
                *m += v / runs;
            }
        }
        estimate.median_norm = median(&mut self.norms);
        self.history.push(estimate);
    }
}

/// The median of `values` (the mean of the middle two for an even count; NaN sorts last), which
/// it reorders.
fn median(values: &mut [f64]) -> f64 {
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    let (below, &mut upper, _) = values.select_nth_unstable_by(n / 2, f64::total_cmp);
    if n % 2 == 1 {
        upper
    } else {
        let lower = below.iter().copied().max_by(f64::total_cmp).unwrap_or(upper);
        0.5 * (lower + upper)
    }
}

/// The exact test over a grid of (η, B): ρ(T) per cell, with the thresholds of the exact test,
/// of Wu et al.'s criterion and of GD per batch size. Filled a row (batch size) at a time by
/// [`StabilityMap::advance`], the given batch size first.
#[derive(Clone, Debug)]
pub struct StabilityMap {
    /// Step sizes of the columns, log-spaced.
    pub etas: Vec<f64>,
    /// Batch sizes of the rows: 1, …, n.
    pub batches: Vec<usize>,
    /// ρ(T) per cell, row after row; NaN until computed.
    radius: Vec<f64>,
    /// Per row: the largest stable η of the exact test and of Wu's criterion; NaN until computed.
    pub exact_thresholds: Vec<f64>,
    pub wu_thresholds: Vec<f64>,
    /// 2/λ_max(H), the same for every batch size.
    pub gd_threshold: f64,
    /// Rows in the order they are filled, and how far filling got (in cells).
    order: Vec<usize>,
    done: usize,
    eigen: TopEigen,
    workspace: DMatrix<f64>,
}

impl StabilityMap {
    /// A map with `columns` step sizes spanning `eta_range` (log-spaced) and every batch size
    /// of the problem, starting with row `first_batch`.
    pub fn new(problem: &LeastSquares, eta_range: (f64, f64), columns: usize, first_batch: usize) -> Self {
        let n = problem.len();
        let columns = columns.max(2);
        let (lo, hi) = (eta_range.0.ln(), eta_range.1.ln());
        let etas = (0..columns).map(|i| (lo + (hi - lo) * i as f64 / (columns - 1) as f64).exp()).collect();
        let batches: Vec<usize> = (1..=n).collect();
        let first = first_batch.clamp(1, n.max(1)) - 1;
        let order = std::iter::once(first).chain((0..n).filter(|&r| r != first)).collect();
        let m = SymmetricCoords::new(problem.dim()).len();
        Self {
            etas,
            radius: vec![f64::NAN; n * columns],
            exact_thresholds: vec![f64::NAN; n],
            wu_thresholds: vec![f64::NAN; n],
            gd_threshold: 2.0 / problem.sharpness(),
            batches,
            order,
            done: 0,
            eigen: TopEigen::new(m),
            workspace: DMatrix::zeros(m, m),
        }
    }

    pub fn columns(&self) -> usize {
        self.etas.len()
    }

    /// ρ(T) at row `row` (batch size row + 1) and column `col`; None until computed.
    pub fn radius(&self, row: usize, col: usize) -> Option<f64> {
        let r = self.radius[row * self.columns() + col];
        (!r.is_nan()).then_some(r)
    }

    /// The computed ρ(T) of a row, as (η, ρ) pairs.
    pub fn row(&self, row: usize) -> impl Iterator<Item = (f64, f64)> + '_ {
        (0..self.columns()).filter_map(move |c| self.radius(row, c).map(|r| (self.etas[c], r)))
    }

    pub fn is_complete(&self) -> bool {
        self.done == self.radius.len()
    }

    /// The share of cells computed.
    pub fn progress(&self) -> f64 {
        self.done as f64 / self.radius.len().max(1) as f64
    }

    /// Computes up to `cells` more cells (a row's thresholds come with its first cell).
    /// Returns whether cells remain.
    pub fn advance(&mut self, problem: &LeastSquares, operator: &MeanSquareOperator, cells: usize) -> bool {
        let columns = self.columns();
        for _ in 0..cells {
            if self.is_complete() {
                break;
            }
            let row = self.order[self.done / columns];
            let col = self.done % columns;
            let batch = self.batches[row];
            if col == 0 {
                self.exact_thresholds[row] = operator.threshold(batch, &mut self.eigen);
                self.wu_thresholds[row] = wu_threshold(problem, batch);
            }
            operator.matrix_into(self.etas[col], batch, &mut self.workspace);
            self.radius[row * columns + col] = self.eigen.largest(&self.workspace, CELL_TOLERANCE);
            self.done += 1;
        }
        !self.is_complete()
    }

    /// Whether every cell of a row is computed.
    pub fn row_is_complete(&self, row: usize) -> bool {
        let columns = self.columns();
        self.radius[row * columns..(row + 1) * columns].iter().all(|r| !r.is_nan())
    }

    /// Whether the thresholds of a row are known.
    pub fn has_thresholds(&self, row: usize) -> bool {
        !self.exact_thresholds[row].is_nan()
    }
}

/// What to run: step size, batch size, number of runs R, steps, and the seed of the batches.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RunSpec {
    pub eta: f64,
    pub batch: usize,
    pub runs: usize,
    pub horizon: usize,
    pub seed: u64,
}

/// The error dynamics for one (problem, η, B) as both stability figures show them: the exact
/// moments, computed in full at once (a few d⁴ operations per step), and R simulated runs from
/// the same e₀, advanced in slices. Each exact sequence is followed up to the horizon or until
/// its square passes [`DIVERGENCE_GROWTH`] times its start, as the runs are.
#[derive(Clone, Debug)]
pub struct Trajectories {
    /// E[e_t] = (I − ηH)ᵗe₀ for t = 0, 1, ….
    exact_means: Vec<Vec<f64>>,
    /// E‖e_t‖² = tr S_t for t = 0, 1, ….
    exact_mean_squares: Vec<f64>,
    /// The steps at which ‖E[e_t]‖² and E‖e_t‖² passed their cap, if they did.
    exact_mean_stopped_at: Option<usize>,
    exact_stopped_at: Option<usize>,
    simulated: MonteCarlo,
    horizon: usize,
}

impl Trajectories {
    /// The runs of `spec` from e₀ = Σᵢ cᵢqᵢ, given by its coordinates c = `start` in the
    /// eigenbasis q₁, …, q_d of H (batch size clamped to 1..=n). The exact mean is computed in
    /// that basis, E[e_t] = Σᵢ (1 − ηλᵢ)ᵗ cᵢqᵢ, so that a start on one eigenvector stays on it
    /// exactly; a product of matrices would mix in the rounding of the other directions, which
    /// can decay more slowly.
    pub fn new(problem: &LeastSquares, operator: &MeanSquareOperator, start: &DVector<f64>, spec: &RunSpec) -> Self {
        let batch = spec.batch.clamp(1, problem.len().max(1));
        let coords = operator.coords();
        let eigen = problem.hessian_eigen();
        let e0 = &eigen.vectors * start;
        let mut moments = ExactMoments::new(problem, operator, spec.eta, batch, &e0);
        let limit = DIVERGENCE_GROWTH * moments.mean_square_norm().max(f64::MIN_POSITIVE);
        // False for NaN and infinity too.
        let within = |square: f64| square <= limit;
        let factors = DVector::from_iterator(start.len(), eigen.values.iter().map(|l| 1.0 - spec.eta * l));
        let mut along = start.clone();
        let mut exact_means = vec![e0.as_slice().to_vec()];
        let mut exact_mean_squares = vec![moments.mean_square_norm()];
        let (mut exact_mean_stopped_at, mut exact_stopped_at) = (None, None);
        for t in 1..=spec.horizon {
            if exact_stopped_at.is_none() {
                moments.advance(problem, coords);
                exact_mean_squares.push(moments.mean_square_norm());
                if !within(moments.mean_square_norm()) {
                    exact_stopped_at = Some(t);
                }
            }
            if exact_mean_stopped_at.is_none() {
                along.component_mul_assign(&factors);
                let mean = &eigen.vectors * &along;
                if !within(mean.norm_squared()) {
                    exact_mean_stopped_at = Some(t);
                }
                exact_means.push(mean.as_slice().to_vec());
            } else if exact_stopped_at.is_some() {
                break;
            }
        }
        let simulated = MonteCarlo::new(problem, spec.eta, batch, spec.runs, e0.as_slice(), spec.seed);
        Self {
            exact_means,
            exact_mean_squares,
            exact_mean_stopped_at,
            exact_stopped_at,
            simulated,
            horizon: spec.horizon,
        }
    }

    /// E[e_t] = (I − ηH)ᵗe₀ at t = 0, 1, …: up to the horizon, or up to the step at which
    /// ‖E[e_t]‖² passed [`DIVERGENCE_GROWTH`] times its start.
    pub fn exact_means(&self) -> &[Vec<f64>] {
        &self.exact_means
    }

    /// E‖e_t‖² = tr S_t at t = 0, 1, …: up to the horizon, or up to the step at which it passed
    /// [`DIVERGENCE_GROWTH`] times its start (or stopped being finite).
    pub fn exact_mean_squares(&self) -> &[f64] {
        &self.exact_mean_squares
    }

    /// The step at which ‖E[e_t]‖² passed its cap and was followed no further.
    pub fn exact_mean_stopped_at(&self) -> Option<usize> {
        self.exact_mean_stopped_at
    }

    /// The step at which E‖e_t‖² passed its cap and was followed no further.
    pub fn exact_stopped_at(&self) -> Option<usize> {
        self.exact_stopped_at
    }

    pub fn simulated(&self) -> &MonteCarlo {
        &self.simulated
    }

    pub fn horizon(&self) -> usize {
        self.horizon
    }

    pub fn is_complete(&self) -> bool {
        self.simulated.diverged_at().is_some() || self.simulated.steps() >= self.horizon
    }

    /// Advances the runs by up to `steps` steps. Returns whether steps remain.
    pub fn advance(&mut self, problem: &LeastSquares, steps: usize) -> bool {
        let steps = steps.min(self.horizon.saturating_sub(self.simulated.steps()));
        self.simulated.advance(problem, steps);
        !self.is_complete()
    }

    /// The multiply-adds of one step of the runs, for budgeting work slices.
    pub fn step_cost(problem: &LeastSquares, runs: usize, batch: usize) -> usize {
        runs * batch * 2 * problem.dim() + 1
    }
}
