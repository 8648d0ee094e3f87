//! Gradient descent on quadratics, eqs (1)–(7) of the lecture.
//!
//! In one dimension f(x) = ½ax² + bx + c with a > 0 has its minimum at x* = −b/a, and GD with
//! step η satisfies x_{t+1} − x* = (1 − ηa)(x_t − x*), so x_t = (1 − ηa)ᵗ(x₀ − x*) + x*.
//! In d dimensions the same holds along every eigenvector q of A with its eigenvalue a.

use nalgebra::{DMatrix, DVector};

use super::dense::SymmetricEigen;

/// An iterate is declared divergent once its distance to the minimum exceeds this many times
/// the starting distance: far beyond anything a plot shows, far below overflow.
pub const DIVERGENCE_GROWTH: f64 = 1e8;

/// f(x) = ½ax² + bx + c on the real line.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quadratic1d {
    pub a: f64,
    pub b: f64,
    pub c: f64,
}

impl Quadratic1d {
    pub fn value(&self, x: f64) -> f64 {
        0.5 * self.a * x * x + self.b * x + self.c
    }

    pub fn derivative(&self, x: f64) -> f64 {
        self.a * x + self.b
    }

    /// x* = −b/a (a > 0).
    pub fn minimizer(&self) -> f64 {
        -self.b / self.a
    }

    /// One GD step, eq (2): x − η(ax + b).
    pub fn gd_step(&self, x: f64, eta: f64) -> f64 {
        x - eta * self.derivative(x)
    }

    /// The factor 1 − ηa of eq (3).
    pub fn contraction(&self, eta: f64) -> f64 {
        1.0 - eta * self.a
    }

    /// The closed form (4): (1 − ηa)ᵗ(x₀ − x*) + x*.
    pub fn closed_form(&self, x0: f64, eta: f64, t: usize) -> f64 {
        let x_star = self.minimizer();
        x_star + geometric(x0 - x_star, self.contraction(eta), t)
    }
}

/// How a run of GD on a quadratic ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    /// Every requested step was taken.
    Completed,
    /// At this step the distance to the minimum exceeded [`DIVERGENCE_GROWTH`] times its start.
    Diverged { step: usize },
}

/// Runs `steps` GD steps from x₀ (eq 1), stopping early on divergence. Returns x₀, x₁, … .
pub fn gd_iterates_1d(f: &Quadratic1d, x0: f64, eta: f64, steps: usize) -> (Vec<f64>, Fate) {
    let x_star = f.minimizer();
    let limit = DIVERGENCE_GROWTH * (x0 - x_star).abs().max(1.0);
    let mut xs = Vec::with_capacity(steps + 1);
    xs.push(x0);
    let mut x = x0;
    for t in 1..=steps {
        x = f.gd_step(x, eta);
        xs.push(x);
        if beyond(x - x_star, limit) {
            return (xs, Fate::Diverged { step: t });
        }
    }
    (xs, Fate::Completed)
}

/// start · factorᵗ, exactly 0 for a zero start even when factorᵗ overflows (0·∞ would be NaN).
fn geometric(start: f64, factor: f64, t: usize) -> f64 {
    if start == 0.0 {
        0.0
    } else {
        start * factor.powi(t.min(i32::MAX as usize) as i32)
    }
}

/// Whether a distance exceeds `limit` or is not a number at all (overflowed).
fn beyond(distance: f64, limit: f64) -> bool {
    distance.is_nan() || distance.abs() > limit
}

/// f(x) = ½xᵀAx + bᵀx + c in d dimensions, A symmetric positive definite.
#[derive(Clone, Debug)]
pub struct QuadraticNd {
    a: DMatrix<f64>,
    b: DVector<f64>,
    c: f64,
    eigen: SymmetricEigen,
}

impl QuadraticNd {
    /// None when A is not symmetric positive definite (or its eigen-decomposition fails).
    pub fn new(a: DMatrix<f64>, b: DVector<f64>, c: f64) -> Option<Self> {
        if !a.is_square() || a.nrows() != b.len() || (&a - a.transpose()).amax() > 1e-12 * a.amax() {
            return None;
        }
        let eigen = SymmetricEigen::new(&a)?;
        if eigen.values.iter().any(|&v| v <= 0.0) {
            return None;
        }
        Some(Self { a, b, c, eigen })
    }

    /// A = Q diag(eigenvalues) Qᵀ and b = −A x*, so that x* is the minimizer.
    pub fn from_spectrum(q: &DMatrix<f64>, eigenvalues: &[f64], x_star: &DVector<f64>, c: f64) -> Option<Self> {
        let a = q * DMatrix::from_diagonal(&DVector::from_column_slice(eigenvalues)) * q.transpose();
        let a = (&a + a.transpose()) * 0.5;
        let b = -(&a * x_star);
        Self::new(a, b, c)
    }

    pub fn dim(&self) -> usize {
        self.b.len()
    }

    pub fn matrix(&self) -> &DMatrix<f64> {
        &self.a
    }

    pub fn value(&self, x: &DVector<f64>) -> f64 {
        0.5 * x.dot(&(&self.a * x)) + self.b.dot(x) + self.c
    }

    /// x* = −A⁻¹b, through the eigen-decomposition.
    pub fn minimizer(&self) -> DVector<f64> {
        let q = &self.eigen.vectors;
        let mut coords = q.transpose() * &self.b;
        for (ci, &ai) in coords.iter_mut().zip(&self.eigen.values) {
            *ci /= -ai;
        }
        q * coords
    }

    /// Eigenvalues a₁ ≥ a₂ ≥ … of A.
    pub fn eigenvalues(&self) -> &[f64] {
        &self.eigen.values
    }

    /// The unit eigenvectors qᵢ of A, as columns in the order of [`Self::eigenvalues`].
    pub fn eigenvectors(&self) -> &DMatrix<f64> {
        &self.eigen.vectors
    }

    /// One GD step, eq (5): (I − ηA)x − ηb.
    pub fn gd_step(&self, x: &DVector<f64>, eta: f64) -> DVector<f64> {
        x - (&self.a * x + &self.b) * eta
    }

    /// The closed form x* + Q diag((1 − ηaᵢ)ᵗ) Qᵀ (x₀ − x*).
    pub fn closed_form(&self, x0: &DVector<f64>, eta: f64, t: usize) -> DVector<f64> {
        let x_star = self.minimizer();
        let q = &self.eigen.vectors;
        let mut coords = q.transpose() * (x0 - &x_star);
        for (ci, &ai) in coords.iter_mut().zip(&self.eigen.values) {
            *ci = geometric(*ci, 1.0 - eta * ai, t);
        }
        x_star + q * coords
    }

    /// qᵢᵀx for every eigenvector, eq (6)–(7).
    pub fn projections(&self, x: &DVector<f64>) -> Vec<f64> {
        (self.eigen.vectors.transpose() * x).iter().copied().collect()
    }

    /// Runs `steps` GD steps from x₀, stopping early on divergence. Returns x₀, x₁, … .
    pub fn gd_iterates(&self, x0: &DVector<f64>, eta: f64, steps: usize) -> (Vec<DVector<f64>>, Fate) {
        let x_star = self.minimizer();
        let limit = DIVERGENCE_GROWTH * (x0 - &x_star).norm().max(1.0);
        let mut xs = Vec::with_capacity(steps + 1);
        xs.push(x0.clone());
        for t in 1..=steps {
            let next = self.gd_step(&xs[t - 1], eta);
            let far = beyond((&next - &x_star).norm(), limit);
            xs.push(next);
            if far {
                return (xs, Fate::Diverged { step: t });
            }
        }
        (xs, Fate::Completed)
    }
}

/// The 2×2 rotation by `angle` (radians): its columns are the eigenvectors of the figure's A.
pub fn rotation_2d(angle: f64) -> DMatrix<f64> {
    let (s, c) = angle.sin_cos();
    DMatrix::from_row_slice(2, 2, &[c, -s, s, c])
}
