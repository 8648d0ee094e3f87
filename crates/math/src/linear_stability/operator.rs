//! The mean-square operator T in orthonormal coordinates of symmetric matrices, its spectral
//! radius and threshold, and the two other tests: Wu et al.'s criterion and the GD factor.

use nalgebra::{DMatrix, DVector};

use crate::dense::SymmetricEigen;
use crate::lanczos::{Restart, StopRule, TopEigenpairs};
use crate::least_squares::{batch_factor, LeastSquares};

/// Relative accuracy of the thresholds' top eigenvalues.
const THRESHOLD_TOLERANCE: f64 = 1e-12;

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

/// The largest η that meets Wu et al.'s criterion at batch size B: with E\[Ĥ²\] = H² + Σ_B the
/// criterion is η·E\[Ĥ²\] ≼ 2H, so η ≤ 2/λ_max(H^{−1/2} E\[Ĥ²\] H^{−1/2}).
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
