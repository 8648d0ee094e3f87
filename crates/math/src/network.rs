//! The lecture's network: f(x) = Σᵢ w2ᵢ σ(w1ᵢ x + b1ᵢ) + b2 on the real line, trained with the
//! square loss L(θ) = (1/2n) Σⱼ (f(xⱼ) − yⱼ)².
//!
//! Parameters are laid out exactly as in the lecture, θ = [w1 (k), b1 (k), w2 (k), b2], so
//! θ ∈ R^{3k+1}. Gradients and Hessian-vector products are analytic and exact; finite
//! differences appear only in the tests.
//!
//! The activations are [`crate::activation`]'s (for ReLU, σ'(0) = 0: a point exactly on
//! a knot counts as inactive).

use nalgebra::DMatrix;

use super::activation::Activation;
use super::kernels::{Baseline, Isa};

/// The architecture: k hidden neurons and the activation. Parameters live apart, in a θ slice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShallowNet {
    pub width: usize,
    pub activation: Activation,
}

/// The training set {(xⱼ, yⱼ)}.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Data {
    pub x: Vec<f64>,
    pub y: Vec<f64>,
}

impl Data {
    pub fn len(&self) -> usize {
        self.x.len()
    }

    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }
}

/// Views of θ by role.
pub struct Layout<'a> {
    pub w1: &'a [f64],
    pub b1: &'a [f64],
    pub w2: &'a [f64],
    pub b2: f64,
}

impl ShallowNet {
    pub fn new(width: usize, activation: Activation) -> Self {
        Self { width, activation }
    }

    /// 3k + 1.
    pub fn num_params(&self) -> usize {
        3 * self.width + 1
    }

    pub fn layout<'a>(&self, theta: &'a [f64]) -> Layout<'a> {
        let k = self.width;
        assert_eq!(theta.len(), 3 * k + 1, "θ has the wrong length for this network");
        Layout { w1: &theta[..k], b1: &theta[k..2 * k], w2: &theta[2 * k..3 * k], b2: theta[3 * k] }
    }

    /// f(x).
    pub fn eval(&self, theta: &[f64], x: f64) -> f64 {
        let p = self.layout(theta);
        let mut f = p.b2;
        for i in 0..self.width {
            f += p.w2[i] * self.activation.eval(p.w1[i] * x + p.b1[i]).0;
        }
        f
    }

    /// ∇θ f(x) into `out` (length 3k + 1): [x w2ᵢσ'(zᵢ)], [w2ᵢσ'(zᵢ)], [σ(zᵢ)], 1.
    pub fn param_gradient(&self, theta: &[f64], x: f64, out: &mut [f64]) {
        let k = self.width;
        let p = self.layout(theta);
        for i in 0..k {
            let (s, ds, _) = self.activation.eval(p.w1[i] * x + p.b1[i]);
            out[i] = x * p.w2[i] * ds;
            out[k + i] = p.w2[i] * ds;
            out[2 * k + i] = s;
        }
        out[3 * k] = 1.0;
    }

    /// Adds `scale` · ∇²θ f(x) v to `out`. Neurons couple only within themselves: with
    /// uᵢ = x v_w1ᵢ + v_b1ᵢ, the w1ᵢ row is x(w2ᵢσ''uᵢ + σ'v_w2ᵢ), the b1ᵢ row w2ᵢσ''uᵢ + σ'v_w2ᵢ,
    /// the w2ᵢ row σ'uᵢ, and b2 has none.
    fn add_param_hessian_vec(&self, theta: &[f64], x: f64, v: &[f64], scale: f64, out: &mut [f64]) {
        let k = self.width;
        let p = self.layout(theta);
        for i in 0..k {
            let (_, ds, dds) = self.activation.eval(p.w1[i] * x + p.b1[i]);
            let u = x * v[i] + v[k + i];
            let inner = p.w2[i] * dds * u + ds * v[2 * k + i];
            out[i] += scale * x * inner;
            out[k + i] += scale * inner;
            out[2 * k + i] += scale * ds * u;
        }
    }
}

/// The square loss of a network on a data set, as a function of θ.
#[derive(Clone, Debug)]
pub struct Regression {
    pub net: ShallowNet,
    pub data: Data,
}

impl Regression {
    pub fn new(net: ShallowNet, data: Data) -> Self {
        assert_eq!(data.x.len(), data.y.len(), "x and y differ in length");
        Self { net, data }
    }

    pub fn num_params(&self) -> usize {
        self.net.num_params()
    }

    /// The residuals rⱼ = f(xⱼ) − yⱼ.
    pub fn residuals(&self, theta: &[f64]) -> Vec<f64> {
        self.data.x.iter().zip(&self.data.y).map(|(&x, &y)| self.net.eval(theta, x) - y).collect()
    }

    /// L(θ) = (1/2n) Σⱼ rⱼ².
    pub fn loss(&self, theta: &[f64]) -> f64 {
        let n = self.data.len() as f64;
        self.residuals(theta).iter().map(|r| r * r).sum::<f64>() / (2.0 * n)
    }

    /// The loss on the samples of `batch`: (1/2B) Σ_{j∈batch} rⱼ².
    pub fn batch_loss(&self, theta: &[f64], batch: &[usize]) -> f64 {
        let b = batch.len() as f64;
        batch.iter().map(|&j| (self.net.eval(theta, self.data.x[j]) - self.data.y[j]).powi(2)).sum::<f64>() / (2.0 * b)
    }

    /// ∇L over the samples of `batch` (eq 20 with n replaced by the batch): (1/B) Σ rⱼ ∇θf(xⱼ).
    /// `scratch` has length 3k + 1.
    pub fn batch_gradient(&self, theta: &[f64], batch: &[usize], out: &mut [f64], scratch: &mut [f64]) {
        out.fill(0.0);
        let scale = 1.0 / batch.len() as f64;
        for &j in batch {
            let x = self.data.x[j];
            let r = self.net.eval(theta, x) - self.data.y[j];
            self.net.param_gradient(theta, x, scratch);
            for (o, g) in out.iter_mut().zip(scratch.iter()) {
                *o += scale * r * g;
            }
        }
    }

    /// ∇L(θ) over the whole data set.
    pub fn gradient(&self, theta: &[f64]) -> Vec<f64> {
        let all: Vec<usize> = (0..self.data.len()).collect();
        let mut out = vec![0.0; self.num_params()];
        let mut scratch = vec![0.0; self.num_params()];
        self.batch_gradient(theta, &all, &mut out, &mut scratch);
        out
    }

    /// The exact Hessian-vector product ∇²L(θ) v = (1/n) Σⱼ [∇f(xⱼ)(∇f(xⱼ)ᵀv) + rⱼ ∇²f(xⱼ) v].
    /// `scratch` has length 3k + 1.
    pub fn hessian_vec(&self, theta: &[f64], v: &[f64], out: &mut [f64], scratch: &mut [f64]) {
        out.fill(0.0);
        let inv_n = 1.0 / self.data.len() as f64;
        for (&x, &y) in self.data.x.iter().zip(&self.data.y) {
            self.net.param_gradient(theta, x, scratch);
            let r = self.net.eval(theta, x) - y;
            let proj = inv_n * Baseline::dot(scratch, v);
            for (o, g) in out.iter_mut().zip(scratch.iter()) {
                *o += proj * g;
            }
            self.net.add_param_hessian_vec(theta, x, v, inv_n * r, out);
        }
    }

    /// Φ = [∇θf(x₁) … ∇θf(xₙ)], a (3k + 1) × n matrix.
    pub fn phi(&self, theta: &[f64]) -> DMatrix<f64> {
        let p = self.num_params();
        let mut phi = DMatrix::zeros(p, self.data.len());
        let mut g = vec![0.0; p];
        for (j, &x) in self.data.x.iter().enumerate() {
            self.net.param_gradient(theta, x, &mut g);
            phi.column_mut(j).copy_from_slice(&g);
        }
        phi
    }

    /// The dense Hessian split as ∇²L = ΦΦᵀ/n + (1/n) Σⱼ rⱼ∇²f(xⱼ): the Gauss–Newton part and
    /// the residual part, which vanishes at interpolation.
    pub fn hessian_parts(&self, theta: &[f64]) -> HessianParts {
        let n = self.data.len() as f64;
        let phi = self.phi(theta);
        let gauss_newton = &phi * phi.transpose() / n;
        let p = self.num_params();
        let residuals = self.residuals(theta);
        let residual = super::dense::matrix_of(p, |v, out| {
            out.fill(0.0);
            for (&x, &r) in self.data.x.iter().zip(&residuals) {
                self.net.add_param_hessian_vec(theta, x, v, r / n, out);
            }
        });
        HessianParts { gauss_newton, residual }
    }
}

/// ∇²L = `gauss_newton` + `residual`.
#[derive(Clone, Debug)]
pub struct HessianParts {
    pub gauss_newton: DMatrix<f64>,
    pub residual: DMatrix<f64>,
}

impl HessianParts {
    pub fn full(&self) -> DMatrix<f64> {
        &self.gauss_newton + &self.residual
    }
}
