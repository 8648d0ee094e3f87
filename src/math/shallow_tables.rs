//! The lecture's one-hidden-layer network, fast: per-step tables shared by the gradient and by
//! every Hessian-vector product at the same θ.
//!
//! One forward pass at θ fills, for every data point j and neuron i with zⱼᵢ = w1ᵢxⱼ + b1ᵢ, the
//! tables σ(zⱼᵢ), σ'(zⱼᵢ), Dⱼᵢ = w2ᵢσ'(zⱼᵢ) and Eⱼᵢ = w2ᵢσ''(zⱼᵢ) (rows by data point, so the
//! inner loops run over neurons and vectorize). With them the Hessian of
//! L = (1/2n)Σⱼ rⱼ² splits into
//! - the Gauss–Newton part JᵀJ/n, applied as two passes over the tables: (Jv)ⱼ is three dot
//!   products per row, and Jᵀ(Jv/n) three fused axpys per row;
//! - the residual part (1/n)Σⱼ rⱼ∇²f(xⱼ), which couples only the three parameters
//!   (w1ᵢ, b1ᵢ, w2ᵢ) of each neuron: k symmetric 3 × 3 blocks with five distinct entries,
//!   summed once per θ.
//!
//! So a Hessian-vector product costs about 6nk multiply-adds and allocates nothing. The plain
//! implementation in [`super::network`] is the reference it is tested against.

use super::kernels::{dot, f64x4, load4, quads, store4};
use super::network::{Activation, Data, ShallowNet};
use super::special::tanh_with_derivatives;

/// σ, σ', σ'' of an activation, as a type so that each activation gets its own compiled
/// (branch-free, vectorized) loops.
trait Sigma {
    fn eval(z: f64) -> (f64, f64, f64);
}

struct TanhSigma;
struct ReluSigma;

impl Sigma for TanhSigma {
    #[inline(always)]
    fn eval(z: f64) -> (f64, f64, f64) {
        tanh_with_derivatives(z)
    }
}

impl Sigma for ReluSigma {
    #[inline(always)]
    fn eval(z: f64) -> (f64, f64, f64) {
        (z.max(0.0), if z > 0.0 { 1.0 } else { 0.0 }, 0.0)
    }
}

/// Tables of the network on one data set, for the θ last passed to [`ShallowTables::evaluate`].
#[derive(Clone, Debug)]
pub struct ShallowTables {
    net: ShallowNet,
    x: Vec<f64>,
    y: Vec<f64>,
    /// σ(zⱼᵢ), row j.
    sigma: Vec<f64>,
    /// σ'(zⱼᵢ).
    dsigma: Vec<f64>,
    /// w2ᵢσ'(zⱼᵢ): the rows of J's w1 and b1 blocks, up to the factor xⱼ.
    d_out: Vec<f64>,
    /// w2ᵢσ''(zⱼᵢ).
    e_out: Vec<f64>,
    residual: Vec<f64>,
    /// The five distinct entries of each neuron's 3 × 3 residual-Hessian block.
    block_ww: Vec<f64>,
    block_wb: Vec<f64>,
    block_bb: Vec<f64>,
    block_wa: Vec<f64>,
    block_ba: Vec<f64>,
    jv: Vec<f64>,
}

impl ShallowTables {
    pub fn new(net: ShallowNet, data: &Data) -> Self {
        let (n, k) = (data.len(), net.width);
        Self {
            net,
            x: data.x.clone(),
            y: data.y.clone(),
            sigma: vec![0.0; n * k],
            dsigma: vec![0.0; n * k],
            d_out: vec![0.0; n * k],
            e_out: vec![0.0; n * k],
            residual: vec![0.0; n],
            block_ww: vec![0.0; k],
            block_wb: vec![0.0; k],
            block_bb: vec![0.0; k],
            block_wa: vec![0.0; k],
            block_ba: vec![0.0; k],
            jv: vec![0.0; n],
        }
    }

    pub fn net(&self) -> ShallowNet {
        self.net
    }

    pub fn num_params(&self) -> usize {
        self.net.num_params()
    }

    pub fn num_samples(&self) -> usize {
        self.x.len()
    }

    /// The forward pass at θ: fills the tables, writes ∇L(θ) into `grad`, and returns L(θ).
    /// With `curvature`, also sums the residual-Hessian blocks that [`Self::hessian_vec`] needs.
    pub fn evaluate(&mut self, theta: &[f64], grad: &mut [f64], curvature: bool) -> f64 {
        match self.net.activation {
            Activation::Tanh => self.evaluate_with::<TanhSigma>(theta, grad, curvature),
            Activation::Relu => self.evaluate_with::<ReluSigma>(theta, grad, curvature),
        }
    }

    fn evaluate_with<S: Sigma>(&mut self, theta: &[f64], grad: &mut [f64], curvature: bool) -> f64 {
        let k = self.net.width;
        let n = self.x.len();
        let p = self.net.layout(theta);
        // Slices re-cut to length k let the compiler drop bounds checks and vectorize.
        let (w1, b1, w2, b2) = (&p.w1[..k], &p.b1[..k], &p.w2[..k], p.b2);
        let mut loss = 0.0;
        for j in 0..n {
            let xj = self.x[j];
            let row = j * k..(j + 1) * k;
            let s_row = &mut self.sigma[row.clone()][..k];
            let d_row = &mut self.d_out[row.clone()][..k];
            if curvature {
                let ds_row = &mut self.dsigma[row.clone()][..k];
                let e_row = &mut self.e_out[row][..k];
                for i in 0..k {
                    let (s, ds, dds) = S::eval(w1[i] * xj + b1[i]);
                    s_row[i] = s;
                    ds_row[i] = ds;
                    d_row[i] = w2[i] * ds;
                    e_row[i] = w2[i] * dds;
                }
            } else {
                for i in 0..k {
                    let (s, ds, _) = S::eval(w1[i] * xj + b1[i]);
                    s_row[i] = s;
                    d_row[i] = w2[i] * ds;
                }
            }
            let r = dot(w2, s_row) + b2 - self.y[j];
            self.residual[j] = r;
            loss += r * r;
        }
        let inv_n = 1.0 / n as f64;
        let (g_w1, rest) = grad.split_at_mut(k);
        let (g_b1, rest) = rest.split_at_mut(k);
        let (g_w2, g_b2) = rest.split_at_mut(k);
        g_w1.fill(0.0);
        g_b1.fill(0.0);
        g_w2.fill(0.0);
        g_b2[0] = 0.0;
        if curvature {
            for block in
                [&mut self.block_ww, &mut self.block_wb, &mut self.block_bb, &mut self.block_wa, &mut self.block_ba]
            {
                block.fill(0.0);
            }
        }
        for j in 0..n {
            let rho = self.residual[j] * inv_n;
            let xj = self.x[j];
            let row = j * k..(j + 1) * k;
            accumulate_gradient(rho, xj, &self.sigma[row.clone()], &self.d_out[row.clone()], g_w1, g_b1, g_w2);
            g_b2[0] += rho;
            if curvature {
                let (ds_row, e_row) = (&self.dsigma[row.clone()][..k], &self.e_out[row][..k]);
                let (rx, rxx) = (rho * xj, rho * xj * xj);
                let (ww, wb, bb) = (&mut self.block_ww[..k], &mut self.block_wb[..k], &mut self.block_bb[..k]);
                let (wa, ba) = (&mut self.block_wa[..k], &mut self.block_ba[..k]);
                for i in 0..k {
                    ww[i] += rxx * e_row[i];
                    wb[i] += rx * e_row[i];
                    bb[i] += rho * e_row[i];
                    wa[i] += rx * ds_row[i];
                    ba[i] += rho * ds_row[i];
                }
            }
        }
        loss * 0.5 * inv_n
    }

    /// The gradient of the loss over the samples of `batch` only, (1/B)Σ_{j∈batch} rⱼ∇f(xⱼ), at
    /// the θ of the last [`Self::evaluate`] (for SGD, which evaluates the full loss and
    /// sharpness but steps along a batch).
    pub fn batch_gradient(&self, batch: &[usize], grad: &mut [f64]) {
        let k = self.net.width;
        grad.fill(0.0);
        let scale = 1.0 / batch.len() as f64;
        let (g_w1, rest) = grad.split_at_mut(k);
        let (g_b1, rest) = rest.split_at_mut(k);
        let (g_w2, g_b2) = rest.split_at_mut(k);
        for &j in batch {
            let rho = self.residual[j] * scale;
            let row = j * k..(j + 1) * k;
            accumulate_gradient(rho, self.x[j], &self.sigma[row.clone()], &self.d_out[row], g_w1, g_b1, g_w2);
            g_b2[0] += rho;
        }
    }

    /// ∇²L(θ)v at the θ of the last [`Self::evaluate`] with `curvature`.
    pub fn hessian_vec(&mut self, v: &[f64], out: &mut [f64]) {
        let k = self.net.width;
        let n = self.x.len();
        let (v_w1, rest) = v.split_at(k);
        let (v_b1, rest) = rest.split_at(k);
        let (v_w2, v_b2) = rest.split_at(k);
        let v_b2 = v_b2[0];
        // Jv: three dot products per data point, reading each table row once.
        for j in 0..n {
            let row = j * k..(j + 1) * k;
            let [dw, db, sa] = dot3(&self.d_out[row.clone()], v_w1, v_b1, &self.sigma[row], v_w2);
            self.jv[j] = self.x[j] * dw + db + sa + v_b2;
        }
        // The residual blocks first (they overwrite), then Jᵀ(Jv)/n accumulated row by row.
        let (o_w1, rest) = out.split_at_mut(k);
        let (o_b1, rest) = rest.split_at_mut(k);
        let (o_w2, o_b2) = rest.split_at_mut(k);
        let (ww, wb, bb) = (&self.block_ww[..k], &self.block_wb[..k], &self.block_bb[..k]);
        let (wa, ba) = (&self.block_wa[..k], &self.block_ba[..k]);
        let (v_w1, v_b1, v_w2) = (&v_w1[..k], &v_b1[..k], &v_w2[..k]);
        let (o_w1, o_b1, o_w2) = (&mut o_w1[..k], &mut o_b1[..k], &mut o_w2[..k]);
        for i in 0..k {
            let (vw, vb, va) = (v_w1[i], v_b1[i], v_w2[i]);
            o_w1[i] = ww[i] * vw + wb[i] * vb + wa[i] * va;
            o_b1[i] = wb[i] * vw + bb[i] * vb + ba[i] * va;
            o_w2[i] = wa[i] * vw + ba[i] * vb;
        }
        let inv_n = 1.0 / n as f64;
        let mut sum_g = 0.0;
        for j in 0..n {
            let g = self.jv[j] * inv_n;
            sum_g += g;
            let row = j * k..(j + 1) * k;
            accumulate_gradient(g, self.x[j], &self.sigma[row.clone()], &self.d_out[row], o_w1, o_b1, o_w2);
        }
        o_b2[0] = sum_g;
    }
}

/// Adds ρ times one data point's gradient row to the three neuron blocks:
/// g_w1 += ρx·D, g_b1 += ρ·D, g_w2 += ρ·σ (the rows of Jᵀ, weighted).
#[inline(always)]
fn accumulate_gradient(
    rho: f64,
    x: f64,
    sigma: &[f64],
    d: &[f64],
    g_w1: &mut [f64],
    g_b1: &mut [f64],
    g_w2: &mut [f64],
) {
    let k = g_w1.len();
    let split = k / 4 * 4;
    let (r, rx) = (f64x4::splat(rho), f64x4::splat(rho * x));
    let lanes = g_w1[..split]
        .chunks_exact_mut(4)
        .zip(g_b1[..split].chunks_exact_mut(4))
        .zip(g_w2[..split].chunks_exact_mut(4))
        .zip(d[..split].chunks_exact(4))
        .zip(sigma[..split].chunks_exact(4));
    for ((((w1, b1), w2), dc), sc) in lanes {
        let (dv, sv) = (load4(dc), load4(sc));
        let (nw1, nb1, nw2) = (rx.mul_add(dv, load4(w1)), r.mul_add(dv, load4(b1)), r.mul_add(sv, load4(w2)));
        store4(w1, nw1);
        store4(b1, nb1);
        store4(w2, nw2);
    }
    for i in split..k {
        g_w1[i] += rho * x * d[i];
        g_b1[i] += rho * d[i];
        g_w2[i] += rho * sigma[i];
    }
}

/// (⟨d, a⟩, ⟨d, b⟩, ⟨s, c⟩) in one pass over the five vectors.
#[inline]
fn dot3(d: &[f64], a: &[f64], b: &[f64], s: &[f64], c: &[f64]) -> [f64; 3] {
    let k = d.len();
    let split = k / 4 * 4;
    let mut acc = [f64x4::ZERO; 3];
    let chunks = |v| quads(v, split);
    for ((((dc, ac), bc), sc), cc) in chunks(d).zip(chunks(a)).zip(chunks(b)).zip(chunks(s)).zip(chunks(c)) {
        let dv = load4(dc);
        acc[0] = dv.mul_add(load4(ac), acc[0]);
        acc[1] = dv.mul_add(load4(bc), acc[1]);
        acc[2] = load4(sc).mul_add(load4(cc), acc[2]);
    }
    let mut out = acc.map(|v| v.reduce_add());
    for i in split..k {
        out[0] += d[i] * a[i];
        out[1] += d[i] * b[i];
        out[2] += s[i] * c[i];
    }
    out
}
