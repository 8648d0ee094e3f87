//! Fully connected networks with one to three hidden layers and c ≥ 1 outputs, trained with the
//! square loss L(θ) = (1/2n) Σⱼ ‖f(xⱼ) − yⱼ‖², with exact gradients, exact Hessian-vector
//! products and the exact gradient of the curvature along a direction, ∇³L(θ)[u, u, ·].
//!
//! The network maps x ∈ R^d by a₀ = x, z_l = W_l a_{l−1} + b_l, a_l = σ(z_l) for each hidden
//! layer l, and f(x) = W_out a_L + b_out ∈ R^c. θ holds the layers in order, each as its
//! weight matrix (rows = output units, row-major: entry (o, i) at offset o·fan_in + i) followed
//! by its bias vector, the output layer last. With one hidden layer and d = 1 this is the
//! lecture's θ = [w1 (k), b1 (k), w2 (k), b2] of [`crate::network`].
//!
//! The Hessian-vector product ∇²L(θ)v is Pearlmutter's R-operator applied to backpropagation
//! (forward-over-reverse): a forward pass carries, next to each z and a, its directional
//! derivative R{z}, R{a} along v; the backward pass then carries, next to each adjoint
//! δ = ∂ℓ/∂z, its directional derivative R{δ}, and R{∂ℓ/∂W_l} = R{δ_l} a_{l−1}ᵀ + δ_l R{a_{l−1}}ᵀ.
//! This is exact (no finite differences) and costs a small multiple of a gradient: O(#params)
//! per data point. One more forward-mode level gives ∇³L[u, u, ·] = d²/dε² ∇L(θ + εu): every
//! quantity also carries its second derivative along u (R²{·}), which needs σ''' (see
//! [`Mlp::curvature_gradient`]). Every buffer is sized when the network is built, so no call
//! allocates.
//!
//! The activations are [`crate::activation`]'s.

use super::activation::Activation;
use super::datasets::{check_input_dim, check_output_dim, Dataset};
use super::kernels::{with_isa, Isa};
use super::rng::{normal, Rng};

/// The deepest network: three hidden layers.
pub const MAX_HIDDEN_LAYERS: usize = 3;
/// The widest hidden layer.
pub const MAX_WIDTH: usize = 256;

/// The shape of a network: input dimension, hidden widths (first to last), activation and
/// number of outputs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Architecture {
    pub input_dim: usize,
    pub hidden: Vec<usize>,
    pub activation: Activation,
    pub output_dim: usize,
}

impl Architecture {
    /// Err, saying what is out of range, unless the input and output dimensions are those a
    /// [`Dataset`] may have, there are 1 to 3 hidden layers and every width is 1 to 256.
    pub fn validate(&self) -> Result<(), String> {
        check_input_dim(self.input_dim)?;
        check_output_dim(self.output_dim)?;
        let depth = self.hidden.len();
        if !(1..=MAX_HIDDEN_LAYERS).contains(&depth) {
            return Err(format!("a network needs 1 to {MAX_HIDDEN_LAYERS} hidden layers, got {depth}"));
        }
        for (l, &width) in self.hidden.iter().enumerate() {
            if !(1..=MAX_WIDTH).contains(&width) {
                return Err(format!("hidden layer {} has width {width}; widths must be 1 to {MAX_WIDTH}", l + 1));
            }
        }
        Ok(())
    }

    /// Σ_l fan_out·(fan_in + 1) over the hidden layers and the output layer.
    pub fn num_params(&self) -> usize {
        self.layer_shapes().map(|(fan_in, fan_out)| fan_out * (fan_in + 1)).sum()
    }

    /// LeCun-normal initial parameters: every weight drawn from N(0, 1/fan_in), so each
    /// pre-activation starts with the mean square of its layer's inputs as its variance and
    /// neither vanishes nor saturates with depth; every bias 0. Weights are drawn in θ order.
    pub fn init(&self, rng: &mut Rng) -> Vec<f64> {
        let mut theta = Vec::with_capacity(self.num_params());
        for (fan_in, fan_out) in self.layer_shapes() {
            let scale = 1.0 / (fan_in as f64).sqrt();
            theta.extend((0..fan_in * fan_out).map(|_| scale * normal(rng)));
            theta.extend(std::iter::repeat_n(0.0, fan_out));
        }
        theta
    }

    /// The floating-point operations of one exact Hessian-vector product over `samples` points,
    /// counting those of the weight matrices (a multiply-add as two), which are nearly all of
    /// them: per weight and point, 2 in the forward pass, 4 in the tangent pass (V·a_in and
    /// W·R{a_in}), 4 for its row of the product and, below the first layer, 6 for the inputs'
    /// adjoints and their tangents.
    pub fn hessian_vec_flops(&self, samples: usize) -> f64 {
        let per_point: usize = self
            .layer_shapes()
            .enumerate()
            .map(|(l, (fan_in, fan_out))| fan_in * fan_out * if l == 0 { 10 } else { 16 })
            .sum();
        (per_point * samples) as f64
    }

    /// (fan_in, fan_out) of every layer, the output layer (fan_out c) last.
    fn layer_shapes(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        let fan_ins = std::iter::once(self.input_dim).chain(self.hidden.iter().copied());
        fan_ins.zip(self.hidden.iter().copied().chain(std::iter::once(self.output_dim)))
    }
}

/// Where one layer lives: its parameters in θ (and in any direction v) and its units in the
/// per-unit buffers of the workspace.
#[derive(Clone, Copy, Debug)]
struct Layer {
    /// σ of the layer's units: the architecture's for hidden layers, identity for the output.
    activation: Activation,
    fan_in: usize,
    fan_out: usize,
    /// Offset in θ of W (fan_out × fan_in, row-major); its biases follow at `biases`.
    weights: usize,
    biases: usize,
    /// Offset of the layer's inputs in the unit buffers; its outputs follow at `outputs`.
    inputs: usize,
    outputs: usize,
}

impl Layer {
    fn weights<'a>(&self, theta: &'a [f64]) -> &'a [f64] {
        &theta[self.weights..self.biases]
    }

    fn biases<'a>(&self, theta: &'a [f64]) -> &'a [f64] {
        &theta[self.biases..self.biases + self.fan_out]
    }

    /// The first layer's inputs are the data, whose adjoints nobody needs.
    fn is_first(&self) -> bool {
        self.inputs == 0
    }
}

/// Per-unit buffers, one entry per unit of every layer: the d inputs, the hidden units, and
/// the c outputs last. Sized once; every pass overwrites what it reads later.
#[derive(Clone, Debug)]
struct Workspace {
    /// z, the pre-activation (σ''' of some activations needs it).
    pre: Vec<f64>,
    /// a = σ(z) (the inputs: x).
    value: Vec<f64>,
    /// σ'(z).
    slope: Vec<f64>,
    /// σ''(z).
    curvature: Vec<f64>,
    /// R{z}, the derivative of z along v.
    tangent_pre: Vec<f64>,
    /// R{a} = σ'(z) R{z} (zero at the inputs: the data do not depend on θ).
    tangent: Vec<f64>,
    /// ∂ℓ/∂a during the backward pass, turned into δ = ∂ℓ/∂z in place.
    adjoint: Vec<f64>,
    /// R{∂ℓ/∂a}, turned into R{δ} in place.
    tangent_adjoint: Vec<f64>,
    /// R²{z}, R²{a} and R²{∂ℓ/∂a} (then R²{δ}): second derivatives along the direction.
    second_pre: Vec<f64>,
    second: Vec<f64>,
    second_adjoint: Vec<f64>,
}

impl Workspace {
    fn new(units: usize) -> Self {
        let zeros = vec![0.0; units];
        Self {
            pre: zeros.clone(),
            value: zeros.clone(),
            slope: zeros.clone(),
            curvature: zeros.clone(),
            tangent_pre: zeros.clone(),
            tangent: zeros.clone(),
            adjoint: zeros.clone(),
            tangent_adjoint: zeros.clone(),
            second_pre: zeros.clone(),
            second: zeros.clone(),
            second_adjoint: zeros,
        }
    }
}

/// A network of a given architecture with its workspace; parameters live apart, in θ slices.
#[derive(Clone, Debug)]
pub struct Mlp {
    arch: Architecture,
    layers: Vec<Layer>,
    num_params: usize,
    work: Workspace,
}

impl Mlp {
    /// Err (from [`Architecture::validate`]) when the architecture is out of range.
    pub fn new(arch: Architecture) -> Result<Self, String> {
        arch.validate()?;
        let mut layers = Vec::with_capacity(arch.hidden.len() + 1);
        let (mut param, mut unit) = (0, 0);
        let activations = arch.hidden.iter().map(|_| arch.activation).chain(std::iter::once(Activation::Identity));
        for ((fan_in, fan_out), activation) in arch.layer_shapes().zip(activations) {
            let biases = param + fan_out * fan_in;
            layers.push(Layer {
                activation,
                fan_in,
                fan_out,
                weights: param,
                biases,
                inputs: unit,
                outputs: unit + fan_in,
            });
            param = biases + fan_out;
            unit += fan_in;
        }
        let units = unit + arch.output_dim;
        Ok(Self { num_params: param, arch, layers, work: Workspace::new(units) })
    }

    pub fn architecture(&self) -> &Architecture {
        &self.arch
    }

    pub fn num_params(&self) -> usize {
        self.num_params
    }

    /// f(x), c values; `x` has `input_dim` entries.
    pub fn eval(&mut self, theta: &[f64], x: &[f64]) -> &[f64] {
        self.check_theta(theta);
        assert_eq!(x.len(), self.arch.input_dim, "x has the wrong dimension for this network");
        with_isa!(I => self.forward::<I>(theta, x));
        &self.work.value[self.outputs()]
    }

    /// L(θ) = (1/2n) Σⱼ ‖f(xⱼ) − yⱼ‖² over the whole data set.
    pub fn loss(&mut self, theta: &[f64], data: &Dataset) -> f64 {
        self.check_theta(theta);
        self.check_data(data);
        let sum: f64 = with_isa!(I => (0..data.len()).map(|j| self.residuals::<I>(theta, data, j, 0.0)).sum());
        sum / (2.0 * data.len() as f64)
    }

    /// The share of points whose largest output is at the position of their target's largest
    /// value: the training accuracy when targets are one-hot classes. None for one output.
    pub fn accuracy(&mut self, theta: &[f64], data: &Dataset) -> Option<f64> {
        self.check_theta(theta);
        self.check_data(data);
        if self.arch.output_dim == 1 {
            return None;
        }
        let correct = with_isa!(I => (0..data.len())
            .filter(|&j| {
                self.forward::<I>(theta, data.point(j));
                argmax(&self.work.value[self.outputs()]) == argmax(data.target(j))
            })
            .count());
        Some(correct as f64 / data.len() as f64)
    }

    /// The loss (1/2B) Σ_{j∈batch} ‖rⱼ‖² over the samples of `batch` (all samples when None),
    /// and its gradient (1/B) Σ_{j∈batch} ∇θf(xⱼ)ᵀrⱼ written into `grad`. An empty batch has
    /// loss 0 and gradient 0.
    pub fn loss_and_gradient(
        &mut self,
        theta: &[f64],
        data: &Dataset,
        batch: Option<&[usize]>,
        grad: &mut [f64],
    ) -> f64 {
        self.check_theta(theta);
        self.check_data(data);
        assert_eq!(grad.len(), self.num_params, "the gradient buffer has the wrong length");
        grad.fill(0.0);
        let count = batch.map_or(data.len(), <[usize]>::len);
        if count == 0 {
            return 0.0;
        }
        let weight = 1.0 / count as f64;
        let mut sum = 0.0;
        with_isa!(I => for_each_sample(data, batch, #[inline(always)] |j| {
            sum += self.residuals::<I>(theta, data, j, weight);
            self.backward_gradient(theta, grad);
        }));
        0.5 * weight * sum
    }

    /// The exact ∇²L_B(θ)v of the loss over `batch` (all samples when None), written into
    /// `out`: (1/B) Σⱼ [Jⱼᵀ(Jⱼv) + Σₒ rⱼₒ ∇²fₒ(xⱼ)v], with Jⱼ = ∇θf(xⱼ), by one forward, one
    /// tangent and one backward pass per sample.
    pub fn hessian_vec(&mut self, theta: &[f64], data: &Dataset, batch: Option<&[usize]>, v: &[f64], out: &mut [f64]) {
        self.check_direction(theta, data, v, out);
        out.fill(0.0);
        let weight = 1.0 / batch.map_or(data.len(), <[usize]>::len).max(1) as f64;
        with_isa!(I => for_each_sample(data, batch, #[inline(always)] |j| {
            self.residuals::<I>(theta, data, j, weight);
            self.tangent_forward::<I>(theta, v);
            self.seed_tangent_adjoint(weight);
            self.backward_hessian(theta, v, out);
        }));
    }

    /// The exact ∇³L(θ)[u, u, ·] = d²/dε² ∇L(θ + εu) at ε = 0 over the whole data set, written
    /// into `out`. At a unit top eigenvector u of a simple top eigenvalue S(θ) = λ_max(∇²L(θ)),
    /// this is ∇S(θ): the eigenvector's own change does not move S to first order.
    pub fn curvature_gradient(&mut self, theta: &[f64], data: &Dataset, u: &[f64], out: &mut [f64]) {
        self.check_direction(theta, data, u, out);
        out.fill(0.0);
        let weight = 1.0 / data.len() as f64;
        with_isa!(I => for j in 0..data.len() {
            self.residuals::<I>(theta, data, j, weight);
            self.tangent_forward::<I>(theta, u);
            self.second_tangent_forward::<I>(theta, u);
            self.seed_tangent_adjoint(weight);
            self.backward_third(theta, u, out);
        });
    }

    fn check_theta(&self, theta: &[f64]) {
        assert_eq!(theta.len(), self.num_params, "θ has the wrong length for this network");
    }

    fn check_data(&self, data: &Dataset) {
        assert_eq!(data.input_dim, self.arch.input_dim, "the data set's input dimension is not the network's");
        assert_eq!(data.output_dim, self.arch.output_dim, "the data set's output dimension is not the network's");
    }

    fn check_direction(&self, theta: &[f64], data: &Dataset, v: &[f64], out: &[f64]) {
        self.check_theta(theta);
        self.check_data(data);
        assert_eq!(v.len(), self.num_params, "the direction has the wrong length");
        assert_eq!(out.len(), self.num_params, "the output buffer has the wrong length");
    }

    /// The output units' place in the unit buffers.
    fn outputs(&self) -> std::ops::Range<usize> {
        let last = self.layers.last().expect("a network has an output layer");
        last.outputs..last.outputs + last.fan_out
    }

    /// Evaluates f(xⱼ), sets each output's adjoint ∂ℓ/∂fₒ to `weight`·rⱼₒ (rⱼ = f(xⱼ) − yⱼ),
    /// and returns ‖rⱼ‖².
    #[cfg_attr(target_arch = "x86_64", inline(always))]
    fn residuals<I: Isa>(&mut self, theta: &[f64], data: &Dataset, j: usize, weight: f64) -> f64 {
        self.forward::<I>(theta, data.point(j));
        let outputs = self.outputs();
        let mut sum = 0.0;
        for (o, &y) in outputs.zip(data.target(j)) {
            let r = self.work.value[o] - y;
            self.work.adjoint[o] = weight * r;
            sum += r * r;
        }
        sum
    }

    /// After `tangent_forward` (and `second_tangent_forward`): the outputs' R{∂ℓ/∂f} =
    /// `weight`·R{f} and R²{∂ℓ/∂f} = `weight`·R²{f}.
    #[cfg_attr(target_arch = "x86_64", inline(always))]
    fn seed_tangent_adjoint(&mut self, weight: f64) {
        let outputs = self.outputs();
        let work = &mut self.work;
        for o in outputs {
            work.tangent_adjoint[o] = weight * work.tangent[o];
            work.second_adjoint[o] = weight * work.second[o];
        }
    }

    /// Evaluates f(x), storing z, a, σ'(z) and σ''(z) of every unit.
    #[cfg_attr(target_arch = "x86_64", inline(always))]
    fn forward<I: Isa>(&mut self, theta: &[f64], x: &[f64]) {
        let Self { layers, work, .. } = self;
        work.value[..x.len()].copy_from_slice(x);
        for layer in layers.iter() {
            let (below, above) = work.value.split_at_mut(layer.outputs);
            let input = &below[layer.inputs..];
            let (weights, biases) = (layer.weights(theta), layer.biases(theta));
            let output = &mut above[..layer.fan_out];
            for ((z, row), &b) in output.iter_mut().zip(weights.chunks_exact(layer.fan_in)).zip(biases) {
                *z = b + I::dot(row, input);
            }
            let units = layer.outputs..layer.outputs + layer.fan_out;
            work.pre[units.clone()].copy_from_slice(output);
            layer.activation.apply::<I>(output, &mut work.slope[units.clone()], &mut work.curvature[units]);
        }
    }

    /// After `forward`: R{z} = V a_in + W R{a_in} + c and R{a} = σ'(z)R{z} along the direction
    /// v = (V, c) of every layer.
    #[cfg_attr(target_arch = "x86_64", inline(always))]
    fn tangent_forward<I: Isa>(&mut self, theta: &[f64], v: &[f64]) {
        let Self { layers, work, .. } = self;
        for layer in layers.iter() {
            let input = &work.value[layer.inputs..layer.outputs];
            let (below, above) = work.tangent.split_at_mut(layer.outputs);
            let input_tangent = &below[layer.inputs..];
            let (v_weights, v_biases) = (layer.weights(v), layer.biases(v));
            let rows = layer.weights(theta).chunks_exact(layer.fan_in).zip(v_weights.chunks_exact(layer.fan_in));
            for (o, (row, v_row)) in rows.enumerate() {
                let unit = layer.outputs + o;
                let tangent_pre = v_biases[o] + I::dot(v_row, input) + I::dot(row, input_tangent);
                work.tangent_pre[unit] = tangent_pre;
                above[o] = work.slope[unit] * tangent_pre;
            }
        }
    }

    /// After `tangent_forward` along u = (U, c): R²{z} = 2U R{a_in} + W R²{a_in} (θ + εu is
    /// linear in ε) and R²{a} = σ''(z)R{z}² + σ'(z)R²{z}. The inputs have R{x} = R²{x} = 0.
    #[cfg_attr(target_arch = "x86_64", inline(always))]
    fn second_tangent_forward<I: Isa>(&mut self, theta: &[f64], u: &[f64]) {
        let Self { layers, work, .. } = self;
        for layer in layers.iter() {
            let input_tangent = &work.tangent[layer.inputs..layer.outputs];
            let (below, above) = work.second.split_at_mut(layer.outputs);
            let input_second = &below[layer.inputs..];
            let rows = layer.weights(theta).chunks_exact(layer.fan_in).zip(layer.weights(u).chunks_exact(layer.fan_in));
            for (o, (row, u_row)) in rows.enumerate() {
                let unit = layer.outputs + o;
                let second_pre = 2.0 * I::dot(u_row, input_tangent) + I::dot(row, input_second);
                work.second_pre[unit] = second_pre;
                let tangent_pre = work.tangent_pre[unit];
                above[o] = work.curvature[unit] * tangent_pre * tangent_pre + work.slope[unit] * second_pre;
            }
        }
    }

    /// After `residuals`: backpropagates the outputs' adjoints and adds ∇θℓ to `grad`.
    #[cfg_attr(target_arch = "x86_64", inline(always))]
    fn backward_gradient(&mut self, theta: &[f64], grad: &mut [f64]) {
        let Self { layers, work, .. } = self;
        for layer in layers.iter().rev() {
            let (below, above) = work.adjoint.split_at_mut(layer.outputs);
            let delta = &mut above[..layer.fan_out];
            for (d, &s) in delta.iter_mut().zip(&work.slope[layer.outputs..]) {
                *d *= s;
            }
            let input = &work.value[layer.inputs..layer.outputs];
            let (grad_weights, grad_biases) =
                grad[layer.weights..layer.biases + layer.fan_out].split_at_mut(layer.biases - layer.weights);
            for ((g_row, g_bias), &d) in grad_weights.chunks_exact_mut(layer.fan_in).zip(grad_biases).zip(delta.iter())
            {
                for (g, &a) in g_row.iter_mut().zip(input) {
                    *g += d * a;
                }
                *g_bias += d;
            }
            if !layer.is_first() {
                let input_adjoint = &mut below[layer.inputs..];
                input_adjoint.fill(0.0);
                for (row, &d) in layer.weights(theta).chunks_exact(layer.fan_in).zip(delta.iter()) {
                    for (g, &w) in input_adjoint.iter_mut().zip(row) {
                        *g += d * w;
                    }
                }
            }
        }
    }

    /// After `residuals`, `tangent_forward` and `seed_tangent_adjoint`: backpropagates the
    /// outputs' ∂ℓ/∂f with their derivatives R{∂ℓ/∂f} along v, and adds R{∇θℓ} = ∇²ℓ v to
    /// `out`. Per layer, with g = ∂ℓ/∂a: δ = σ'g, R{δ} = σ''R{z}g + σ'R{g}; the rows of W get
    /// R{δ}a_inᵀ + δR{a_in}ᵀ; and the inputs get g_in = Wᵀδ, R{g_in} = Vᵀδ + WᵀR{δ}.
    #[cfg_attr(target_arch = "x86_64", inline(always))]
    fn backward_hessian(&mut self, theta: &[f64], v: &[f64], out: &mut [f64]) {
        let Self { layers, work, .. } = self;
        for layer in layers.iter().rev() {
            let (below, above) = work.adjoint.split_at_mut(layer.outputs);
            let (tangent_below, tangent_above) = work.tangent_adjoint.split_at_mut(layer.outputs);
            let delta = &mut above[..layer.fan_out];
            let tangent_delta = &mut tangent_above[..layer.fan_out];
            for (o, (d, td)) in delta.iter_mut().zip(tangent_delta.iter_mut()).enumerate() {
                let unit = layer.outputs + o;
                *td = work.curvature[unit] * work.tangent_pre[unit] * *d + work.slope[unit] * *td;
                *d *= work.slope[unit];
            }

            let input = &work.value[layer.inputs..layer.outputs];
            let input_tangent = &work.tangent[layer.inputs..layer.outputs];
            let (out_weights, out_biases) =
                out[layer.weights..layer.biases + layer.fan_out].split_at_mut(layer.biases - layer.weights);
            let rows = out_weights.chunks_exact_mut(layer.fan_in).zip(out_biases);
            for ((out_row, out_bias), (&d, &td)) in rows.zip(delta.iter().zip(tangent_delta.iter())) {
                for ((h, &a), &ta) in out_row.iter_mut().zip(input).zip(input_tangent) {
                    *h += td * a + d * ta;
                }
                *out_bias += td;
            }

            if !layer.is_first() {
                let input_adjoint = &mut below[layer.inputs..];
                let input_tangent_adjoint = &mut tangent_below[layer.inputs..];
                input_adjoint.fill(0.0);
                input_tangent_adjoint.fill(0.0);
                let fan_in = layer.fan_in;
                let rows = layer.weights(theta).chunks_exact(fan_in).zip(layer.weights(v).chunks_exact(fan_in));
                for ((row, v_row), (&d, &td)) in rows.zip(delta.iter().zip(tangent_delta.iter())) {
                    for (((g, tg), &w), &vw) in
                        input_adjoint.iter_mut().zip(input_tangent_adjoint.iter_mut()).zip(row).zip(v_row)
                    {
                        *g += d * w;
                        *tg += d * vw + td * w;
                    }
                }
            }
        }
    }

    /// After `residuals`, both tangent passes along u and `seed_tangent_adjoint`: the
    /// backward pass of `backward_hessian` carried one order further, adding R²{∇θℓ} to `out`.
    /// Per unit, δ = σ'g, R{δ} = σ''R{z}g + σ'R{g} and
    /// R²{δ} = σ'''R{z}²g + σ''R²{z}g + 2σ''R{z}R{g} + σ'R²{g}; the rows of W get
    /// R²{δ}a_inᵀ + 2R{δ}R{a_in}ᵀ + δR²{a_in}ᵀ; and R²{g_in} = 2UᵀR{δ} + WᵀR²{δ}.
    #[cfg_attr(target_arch = "x86_64", inline(always))]
    fn backward_third(&mut self, theta: &[f64], u: &[f64], out: &mut [f64]) {
        let Self { layers, work, .. } = self;
        for layer in layers.iter().rev() {
            let (below, above) = work.adjoint.split_at_mut(layer.outputs);
            let (tangent_below, tangent_above) = work.tangent_adjoint.split_at_mut(layer.outputs);
            let (second_below, second_above) = work.second_adjoint.split_at_mut(layer.outputs);
            let delta = &mut above[..layer.fan_out];
            let tangent_delta = &mut tangent_above[..layer.fan_out];
            let second_delta = &mut second_above[..layer.fan_out];
            for o in 0..layer.fan_out {
                let unit = layer.outputs + o;
                let (g, tg, sg) = (delta[o], tangent_delta[o], second_delta[o]);
                let (slope, curvature) = (work.slope[unit], work.curvature[unit]);
                let third = layer.activation.third_derivative(work.pre[unit], work.value[unit], slope);
                let (tz, sz) = (work.tangent_pre[unit], work.second_pre[unit]);
                second_delta[o] = third * tz * tz * g + curvature * sz * g + 2.0 * curvature * tz * tg + slope * sg;
                tangent_delta[o] = curvature * tz * g + slope * tg;
                delta[o] = slope * g;
            }

            let input = &work.value[layer.inputs..layer.outputs];
            let input_tangent = &work.tangent[layer.inputs..layer.outputs];
            let input_second = &work.second[layer.inputs..layer.outputs];
            let (out_weights, out_biases) =
                out[layer.weights..layer.biases + layer.fan_out].split_at_mut(layer.biases - layer.weights);
            let rows = out_weights.chunks_exact_mut(layer.fan_in).zip(out_biases);
            for (o, (out_row, out_bias)) in rows.enumerate() {
                let (d, td, sd) = (delta[o], tangent_delta[o], second_delta[o]);
                for (((h, &a), &ta), &sa) in out_row.iter_mut().zip(input).zip(input_tangent).zip(input_second) {
                    *h += sd * a + 2.0 * td * ta + d * sa;
                }
                *out_bias += sd;
            }

            if !layer.is_first() {
                let input_adjoint = &mut below[layer.inputs..];
                let input_tangent_adjoint = &mut tangent_below[layer.inputs..];
                let input_second_adjoint = &mut second_below[layer.inputs..];
                input_adjoint.fill(0.0);
                input_tangent_adjoint.fill(0.0);
                input_second_adjoint.fill(0.0);
                let fan_in = layer.fan_in;
                let rows = layer.weights(theta).chunks_exact(fan_in).zip(layer.weights(u).chunks_exact(fan_in));
                for (o, (row, u_row)) in rows.enumerate() {
                    let (d, td, sd) = (delta[o], tangent_delta[o], second_delta[o]);
                    for i in 0..fan_in {
                        input_adjoint[i] += d * row[i];
                        input_tangent_adjoint[i] += d * u_row[i] + td * row[i];
                        input_second_adjoint[i] += 2.0 * td * u_row[i] + sd * row[i];
                    }
                }
            }
        }
    }
}

/// Calls `visit` with every sample of `batch`, or with every sample of `data` when None.
#[cfg_attr(target_arch = "x86_64", inline(always))]
fn for_each_sample(data: &Dataset, batch: Option<&[usize]>, mut visit: impl FnMut(usize)) {
    match batch {
        Some(batch) => {
            for &j in batch {
                visit(j);
            }
        }
        None => {
            for j in 0..data.len() {
                visit(j);
            }
        }
    }
}

/// The position of the largest value (the first of equal ones).
fn argmax(values: &[f64]) -> usize {
    values.iter().enumerate().fold(0, |best, (i, &v)| if v > values[best] { i } else { best })
}
