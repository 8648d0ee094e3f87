//! The batch sharpness of Andreyev and Beneventano ("Edge of Stochastic Stability", 2024):
//! E_B[∇L_Bᵀ H_B ∇L_B / ‖∇L_B‖²], the curvature of each mini-batch's own loss along its own
//! gradient, averaged over batches. They find that mini-batch SGD drives this quantity, not
//! λ_max(∇²L), to 2/η.
//!
//! It is estimated by Monte Carlo over batches drawn without replacement, each from its own
//! stream of one seed, so a measurement depends only on θ, the batch size, the seed and the
//! number of batches; the standard error of the mean comes with it.

use super::datasets::Dataset;
use super::kernels::{Baseline, Isa};
use super::mlp::Mlp;
use super::rng::{sample_without_replacement, stream};

/// One estimate of the batch sharpness.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BatchSharpness {
    /// The mean of gᵀH_B g/‖g‖² over the sampled batches.
    pub mean: f64,
    /// The standard error of that mean: the sample standard deviation over √(batches).
    pub standard_error: f64,
    /// Batches whose gradient vanished carry no direction and are left out.
    pub batches: usize,
}

/// Estimates the batch sharpness of one network on one data set, reusing its buffers.
#[derive(Clone, Debug)]
pub struct BatchSharpnessMeter {
    mlp: Mlp,
    data: Dataset,
    seed: u64,
    /// The sample indices, shuffled in place by each draw.
    pool: Vec<usize>,
    /// The batches of one estimate, one after the other.
    batches: Vec<usize>,
    batch_size: usize,
    gradient: Vec<f64>,
    product: Vec<f64>,
}

impl BatchSharpnessMeter {
    /// Batches of `batch_size` samples (1 to n), `batches` of them per estimate (at least 2),
    /// drawn from streams of `seed`.
    pub fn new(mlp: Mlp, data: Dataset, batch_size: usize, batches: usize, seed: u64) -> Self {
        let p = mlp.num_params();
        let batch_size = batch_size.clamp(1, data.len());
        Self {
            pool: (0..data.len()).collect(),
            batches: vec![0; batch_size * batches.max(2)],
            batch_size,
            mlp,
            data,
            seed,
            gradient: vec![0.0; p],
            product: vec![0.0; p],
        }
    }

    /// The estimate at θ, with the batches of `round` (a measurement index: the step, say), so
    /// that estimates at different steps use independent batches. None when no batch has a
    /// non-zero gradient or a value is not finite.
    pub fn measure(&mut self, theta: &[f64], round: u64) -> Option<BatchSharpness> {
        let Self { mlp, data, seed, pool, batches, batch_size, gradient, product } = self;
        let per_round = (batches.len() / *batch_size) as u64;
        // The draws depend on the pool's order, so every estimate starts from the same one.
        pool.iter_mut().enumerate().for_each(|(i, slot)| *slot = i);
        for (b, batch) in batches.chunks_exact_mut(*batch_size).enumerate() {
            let index = round.wrapping_mul(per_round).wrapping_add(b as u64);
            sample_without_replacement(&mut stream(*seed, index), pool, batch);
        }
        let (mut count, mut mean, mut m2) = (0usize, 0.0, 0.0);
        for batch in batches.chunks_exact(*batch_size) {
            mlp.loss_and_gradient(theta, data, Some(batch), gradient);
            let squared_norm = Baseline::dot(gradient, gradient);
            if squared_norm == 0.0 {
                continue;
            }
            mlp.hessian_vec(theta, data, Some(batch), gradient, product);
            let value = Baseline::dot(gradient, product) / squared_norm;
            // Welford's running mean and sum of squared deviations.
            count += 1;
            let delta = value - mean;
            mean += delta / count as f64;
            m2 += delta * (value - mean);
        }
        if count == 0 || !mean.is_finite() || !m2.is_finite() {
            return None;
        }
        let variance = if count > 1 { m2 / (count - 1) as f64 } else { 0.0 };
        Some(BatchSharpness { mean, standard_error: (variance / count as f64).sqrt(), batches: count })
    }
}
