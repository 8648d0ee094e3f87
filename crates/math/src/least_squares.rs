//! Least squares in d dimensions: the problem on which the page studies linear stability.
//!
//! n samples xⱼ ∈ Rᵈ with labels yⱼ, per-sample losses lⱼ(θ) = ½(xⱼᵀθ − yⱼ)², per-sample
//! Hessians Hⱼ = xⱼxⱼᵀ and the training loss L = (1/n)Σⱼ lⱼ with Hessian H = (1/n)Σⱼ Hⱼ. The loss
//! is exactly quadratic, so the linearized dynamics of Definition 1 are SGD itself, and every
//! expectation over batches can be written in closed form.
//!
//! θ* is the least-squares solution. With exact labels (yⱼ = xⱼᵀθ*) every per-sample gradient
//! gⱼ = ∇lⱼ(θ*) = xⱼ(xⱼᵀθ* − yⱼ) vanishes, which is Wu et al.'s assumption; with label noise
//! only their mean ∇L(θ*) does.
//!
//! Batches of B distinct samples are drawn uniformly (without replacement). For such a batch
//! j and k ≠ j are both in it with probability B(B − 1)/(n(n − 1)), so for any per-sample
//! quantities aⱼ, bⱼ with means ā, b̄,
//!   E[(1/B Σ_{j∈batch} aⱼ)(1/B Σ_{k∈batch} bₖ)] = c (1/n)Σⱼ aⱼbⱼ + (1 − c) ā b̄,
//!   c = (n − B)/(B(n − 1)),
//! the identity behind every batch moment below (c = 1/B with replacement would differ).

use nalgebra::{DMatrix, DVector};

use super::dense::SymmetricEigen;
use super::kernels::{Baseline, Isa};
use super::rng::{normal, seeded};

/// Label noise (standard deviation) of the noisy variant; labels are of order one.
pub const LABEL_NOISE: f64 = 0.5;

/// How a random problem is drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ProblemSpec {
    /// Dimension d of θ.
    pub dim: usize,
    /// Number of samples n (at least d, so that H is invertible and θ* unique).
    pub samples: usize,
    /// Whether labels carry noise (then the per-sample gradients at θ* do not vanish).
    pub noisy: bool,
    pub seed: u64,
}

/// A least-squares problem with its minimizer and the quantities the stability tests need.
#[derive(Clone, Debug)]
pub struct LeastSquares {
    dim: usize,
    /// xⱼ, row after row (n × d, row-major): the hot loops read one sample at a time.
    samples: Vec<f64>,
    labels: Vec<f64>,
    theta_star: DVector<f64>,
    /// gⱼ = xⱼ(xⱼᵀθ* − yⱼ), row after row.
    sample_gradients: Vec<f64>,
    hessian: DMatrix<f64>,
    hessian_eigen: SymmetricEigen,
}

/// The factor c = (n − B)/(B(n − 1)) of the batch moments (see the module documentation):
/// 1 for B = 1, 0 for B = n (and for n = 1).
pub fn batch_factor(n: usize, batch: usize) -> f64 {
    if n <= 1 {
        return 0.0;
    }
    (n - batch) as f64 / (batch as f64 * (n - 1) as f64)
}

impl LeastSquares {
    /// A random problem: xⱼ = sⱼ D zⱼ with zⱼ standard normal, D = diag(1, 1/√2, 1/√3, …) (an
    /// anisotropic H) and sⱼ log-normal (samples of unequal curvature, so that Σ matters); the
    /// samples are then scaled so that λ_max(H) = 1 exactly, which puts the step-size threshold
    /// 2/λ_max of GD at η = 2. θ* has standard normal entries. None when n < d or the draw is
    /// degenerate.
    pub fn random(spec: &ProblemSpec) -> Option<Self> {
        let (d, n) = (spec.dim, spec.samples);
        if d == 0 || n < d {
            return None;
        }
        let mut rng = seeded(spec.seed);
        let mut samples = Vec::with_capacity(n * d);
        for _ in 0..n {
            let scale = (0.6 * normal(&mut rng)).exp();
            for i in 0..d {
                samples.push(scale * normal(&mut rng) / ((i + 1) as f64).sqrt());
            }
        }
        let theta_true: Vec<f64> = (0..d).map(|_| normal(&mut rng)).collect();
        let noise: Vec<f64> = (0..n).map(|_| normal(&mut rng)).collect();
        let lambda_max = SymmetricEigen::new(&mean_outer(&samples, d))?.values[0];
        if lambda_max.is_nan() || lambda_max <= 0.0 {
            return None;
        }
        let unit = 1.0 / lambda_max.sqrt();
        samples.iter_mut().for_each(|v| *v *= unit);
        let labels = samples
            .chunks_exact(d)
            .zip(&noise)
            .map(|(x, e)| Baseline::dot(x, &theta_true) + if spec.noisy { LABEL_NOISE * e } else { 0.0 })
            .collect();
        if spec.noisy {
            Self::new(d, samples, labels)
        } else {
            // The labels were computed from θ_true by the same dot products, so every residual
            // at θ_true is exactly zero: θ* = θ_true, with no rounding from a solve.
            let hessian = hessian_of(&samples, d)?;
            Some(Self::with_minimizer(d, samples, labels, DVector::from_vec(theta_true), hessian))
        }
    }

    /// The problem with samples `samples` (n × d, row-major) and labels `labels`; θ* is the
    /// least-squares solution. None when H is singular.
    pub fn new(dim: usize, samples: Vec<f64>, labels: Vec<f64>) -> Option<Self> {
        assert_eq!(samples.len(), dim * labels.len(), "samples and labels differ in number");
        let n = labels.len() as f64;
        let (hessian, hessian_eigen) = hessian_of(&samples, dim)?;
        // θ* = H⁻¹ (1/n) Σ yⱼxⱼ, through the eigen-decomposition of H.
        let mut moment = DVector::zeros(dim);
        for (x, y) in samples.chunks_exact(dim).zip(&labels) {
            moment += DVector::from_column_slice(x) * (y / n);
        }
        let q = &hessian_eigen.vectors;
        let mut coords = q.transpose() * moment;
        for (c, lambda) in coords.iter_mut().zip(&hessian_eigen.values) {
            *c /= lambda;
        }
        let theta_star = q * coords;
        Some(Self::with_minimizer(dim, samples, labels, theta_star, (hessian, hessian_eigen)))
    }

    /// The problem whose least-squares solution is known to be `theta_star`, with H and its
    /// eigen-decomposition.
    fn with_minimizer(
        dim: usize,
        samples: Vec<f64>,
        labels: Vec<f64>,
        theta_star: DVector<f64>,
        (hessian, hessian_eigen): (DMatrix<f64>, SymmetricEigen),
    ) -> Self {
        let mut sample_gradients = Vec::with_capacity(samples.len());
        for (x, y) in samples.chunks_exact(dim).zip(&labels) {
            let r = Baseline::dot(x, theta_star.as_slice()) - y;
            sample_gradients.extend(x.iter().map(|v| v * r));
        }
        Self { dim, samples, labels, theta_star, sample_gradients, hessian, hessian_eigen }
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The number of samples n.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// xⱼ.
    pub fn sample(&self, j: usize) -> &[f64] {
        &self.samples[j * self.dim..(j + 1) * self.dim]
    }

    /// gⱼ = ∇lⱼ(θ*).
    pub fn sample_gradient(&self, j: usize) -> &[f64] {
        &self.sample_gradients[j * self.dim..(j + 1) * self.dim]
    }

    pub fn labels(&self) -> &[f64] {
        &self.labels
    }

    pub fn theta_star(&self) -> &DVector<f64> {
        &self.theta_star
    }

    /// H = ∇²L = (1/n)Σⱼ xⱼxⱼᵀ.
    pub fn hessian(&self) -> &DMatrix<f64> {
        &self.hessian
    }

    /// The eigenvalues of H (descending) and its unit eigenvectors.
    pub fn hessian_eigen(&self) -> &SymmetricEigen {
        &self.hessian_eigen
    }

    /// λ_max(H).
    pub fn sharpness(&self) -> f64 {
        self.hessian_eigen.values[0]
    }

    /// The unit top eigenvector of H.
    pub fn top_eigenvector(&self) -> DVector<f64> {
        self.hessian_eigen.vectors.column(0).into_owned()
    }

    /// L(θ) = (1/2n)Σⱼ (xⱼᵀθ − yⱼ)².
    pub fn loss(&self, theta: &[f64]) -> f64 {
        let n = self.len() as f64;
        (0..self.len()).map(|j| (Baseline::dot(self.sample(j), theta) - self.labels[j]).powi(2)).sum::<f64>()
            / (2.0 * n)
    }

    /// ∇L(θ*) = (1/n)Σⱼ gⱼ: zero up to rounding, since θ* minimizes L.
    pub fn mean_sample_gradient(&self) -> DVector<f64> {
        let mut g = DVector::zeros(self.dim);
        for j in 0..self.len() {
            g += DVector::from_column_slice(self.sample_gradient(j));
        }
        g / self.len() as f64
    }

    /// The per-sample variance of the Hessians, Σ = (1/n)Σⱼ Hⱼ² − H² (Theorem 1's Σ, the batch
    /// size 1 case). Hⱼ² = ‖xⱼ‖² xⱼxⱼᵀ.
    pub fn sample_hessian_variance(&self) -> DMatrix<f64> {
        let d = self.dim;
        let mut second = DMatrix::zeros(d, d);
        for j in 0..self.len() {
            let x = DVector::from_column_slice(self.sample(j));
            let w = x.norm_squared() / self.len() as f64;
            second.ger(w, &x, &x, 1.0);
        }
        second - &self.hessian * &self.hessian
    }

    /// Σ_B = E\[Ĥ²\] − H² for the batch Hessian Ĥ = (1/B)Σ_{j∈batch} Hⱼ of a uniform batch of B
    /// distinct samples: c·Σ with c = (n − B)/(B(n − 1)).
    pub fn batch_hessian_variance(&self, batch: usize) -> DMatrix<f64> {
        self.sample_hessian_variance() * batch_factor(self.len(), batch)
    }

    /// G = (1/n)Σⱼ gⱼgⱼᵀ, the per-sample second moment of the gradients at θ* (zero with exact
    /// labels).
    pub fn gradient_second_moment(&self) -> DMatrix<f64> {
        let d = self.dim;
        let mut g = DMatrix::zeros(d, d);
        for j in 0..self.len() {
            let v = DVector::from_column_slice(self.sample_gradient(j));
            g.ger(1.0 / self.len() as f64, &v, &v, 1.0);
        }
        g
    }
}

/// H = (1/n)Σⱼ xⱼxⱼᵀ of row-major samples and its eigen-decomposition; None when H is
/// singular (relative to its largest eigenvalue) or the decomposition fails.
fn hessian_of(samples: &[f64], d: usize) -> Option<(DMatrix<f64>, SymmetricEigen)> {
    let hessian = mean_outer(samples, d);
    let eigen = SymmetricEigen::new(&hessian)?;
    (eigen.values[d - 1] > 1e-12 * eigen.values[0]).then_some((hessian, eigen))
}

/// (1/n)Σⱼ xⱼxⱼᵀ of row-major samples.
fn mean_outer(samples: &[f64], d: usize) -> DMatrix<f64> {
    let n = (samples.len() / d).max(1) as f64;
    let mut h = DMatrix::zeros(d, d);
    for x in samples.chunks_exact(d) {
        for a in 0..d {
            for b in 0..d {
                h[(a, b)] += x[a] * x[b] / n;
            }
        }
    }
    h
}
