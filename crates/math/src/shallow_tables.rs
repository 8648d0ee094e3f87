//! The lecture's one-hidden-layer network, fast: per-step tables shared by the gradient and by
//! every Hessian-vector product at the same θ.
//!
//! One forward pass at θ fills, for every data point j and neuron i with zⱼᵢ = w1ᵢxⱼ + b1ᵢ, the
//! tables σ(zⱼᵢ) and Dⱼᵢ = w2ᵢσ'(zⱼᵢ) (a row per data point, so the inner loops run over
//! neurons and vectorize; rows padded to whole SIMD groups with neurons of zero weight, which
//! add nothing anywhere; rows stored in blocks, see [`RowBlocks`]). With them the Hessian of
//! L = (1/2n)Σⱼ rⱼ² splits into
//! - the Gauss–Newton part JᵀJ/n: row j of J is (xⱼDⱼ, Dⱼ, σⱼ, 1), so (Jv)ⱼ is a dot product
//!   with row j and Jᵀ(Jv/n) a sum of rows;
//! - the residual part (1/n)Σⱼ rⱼ∇²f(xⱼ), which couples only the three parameters
//!   (w1ᵢ, b1ᵢ, w2ᵢ) of each neuron: k symmetric 3 × 3 blocks with five distinct entries,
//!   summed once per θ in the forward pass.
//!
//! So a Hessian-vector product costs 6nk multiply-adds (the least a product with J and one with
//! Jᵀ can cost) and allocates nothing. The plain implementation in [`super::network`] is the
//! reference it is tested against.

use super::activation::{self, Activation};
use super::kernels::{groups, groups_mut, padded, with_isa, AlignedVec, Isa, Lanes, MAX_LANES};
use super::network::{Data, ShallowNet};
use super::special::tanh_with_derivatives;

/// σ, σ', σ'' of an activation, as a type so that each activation gets its own compiled
/// (branch-free, vectorized) loops.
trait Sigma {
    fn eval<I: Isa>(z: f64) -> (f64, f64, f64);
}

struct TanhSigma;
struct ReluSigma;
struct SoftplusSigma;
struct IdentitySigma;
struct GeluSigma;

impl Sigma for TanhSigma {
    #[inline(always)]
    fn eval<I: Isa>(z: f64) -> (f64, f64, f64) {
        tanh_with_derivatives::<I>(z)
    }
}

impl Sigma for ReluSigma {
    #[inline(always)]
    fn eval<I: Isa>(z: f64) -> (f64, f64, f64) {
        activation::relu(z)
    }
}

impl Sigma for GeluSigma {
    #[inline(always)]
    fn eval<I: Isa>(z: f64) -> (f64, f64, f64) {
        activation::gelu(z)
    }
}
impl Sigma for SoftplusSigma {
    #[inline(always)]
    fn eval<I: Isa>(z: f64) -> (f64, f64, f64) {
        activation::softplus(z)
    }
}

impl Sigma for IdentitySigma {
    #[inline(always)]
    fn eval<I: Isa>(z: f64) -> (f64, f64, f64) {
        (z, 1.0, 0.0)
    }
}

/// P per-neuron vectors, each padded to the table stride with zeros, in one aligned buffer,
/// taken apart by destructuring (`let [w, b, a] = v.parts();`).
#[derive(Clone, Debug)]
struct Padded<const P: usize> {
    data: AlignedVec,
    stride: usize,
}

impl<const P: usize> Padded<P> {
    fn zeros(stride: usize) -> Self {
        Self { data: AlignedVec::zeros(P * stride), stride }
    }

    fn parts(&self) -> [&[f64]; P] {
        let mut rest: &[f64] = &self.data;
        std::array::from_fn(|_| {
            let (part, tail) = rest.split_at(self.stride);
            rest = tail;
            part
        })
    }

    fn parts_mut(&mut self) -> [&mut [f64]; P] {
        let stride = self.stride;
        let mut rest: &mut [f64] = &mut self.data;
        std::array::from_fn(|_| {
            let (part, tail) = std::mem::take(&mut rest).split_at_mut(stride);
            rest = tail;
            part
        })
    }
}

/// The three neuron blocks of a parameter vector laid out [w1, b1, w2, b2]: w1, b1, w2.
type NeuronBlocks = Padded<3>;

impl NeuronBlocks {
    /// Copies the three neuron blocks of a parameter vector in.
    fn load(&mut self, k: usize, theta: &[f64]) {
        for (i, part) in self.parts_mut().into_iter().enumerate() {
            part[..k].copy_from_slice(&theta[i * k..(i + 1) * k]);
        }
    }

    /// Copies the three blocks out into a parameter vector's first 3k entries.
    fn store(&self, k: usize, theta: &mut [f64]) {
        for (i, part) in self.parts().into_iter().enumerate() {
            theta[i * k..(i + 1) * k].copy_from_slice(&part[..k]);
        }
    }
}

/// The five distinct entries of each neuron's symmetric 3 × 3 residual-Hessian block, in
/// (w1ᵢ, b1ᵢ, w2ᵢ) order (the w2–w2 entry is zero): ww, wb, bb, wa, ba.
type ResidualBlocks = Padded<5>;

/// Tables of the network on one data set, for the θ last passed to [`ShallowTables::evaluate`].
#[derive(Clone, Debug)]
pub struct ShallowTables {
    net: ShallowNet,
    x: Vec<f64>,
    y: Vec<f64>,
    /// The width rounded up to whole SIMD groups of every instruction set ([`padded`]): the
    /// length of every table row.
    stride: usize,
    /// θ's neuron blocks (w1, b1, w2), padded.
    weights: NeuronBlocks,
    /// σ(zⱼᵢ), in the block layout of [`RowBlocks`].
    sigma: AlignedVec,
    /// w2ᵢσ'(zⱼᵢ): the rows of J's w1 and b1 blocks, up to the factor xⱼ; block layout.
    d_out: AlignedVec,
    /// σ, w2σ', σ' and w2σ'' row after row (the last two are only summed into the residual
    /// blocks), as the forward pass computes them.
    rows: Padded<4>,
    residual: Vec<f64>,
    /// ρⱼ = rⱼ/n, ρⱼxⱼ and ρⱼxⱼ² of each row: its weights in the gradient and residual blocks.
    row_weights: Vec<[f64; 3]>,
    /// The gradient's neuron blocks, padded.
    gradient: NeuronBlocks,
    blocks: ResidualBlocks,
}

impl ShallowTables {
    pub fn new(net: ShallowNet, data: &Data) -> Self {
        let (n, stride) = (data.len(), padded(net.width));
        Self {
            net,
            x: data.x.clone(),
            y: data.y.clone(),
            stride,
            weights: NeuronBlocks::zeros(stride),
            sigma: AlignedVec::zeros(n.next_multiple_of(BLOCK_ROWS) * stride),
            d_out: AlignedVec::zeros(n.next_multiple_of(BLOCK_ROWS) * stride),
            rows: Padded::zeros(n * stride),
            residual: vec![0.0; n],
            row_weights: vec![[0.0; 3]; n],
            gradient: NeuronBlocks::zeros(stride),
            blocks: ResidualBlocks::zeros(stride),
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
        with_isa!(I => match self.net.activation {
            Activation::Tanh => self.evaluate_with::<TanhSigma, I>(theta, grad, curvature),
            Activation::Relu => self.evaluate_with::<ReluSigma, I>(theta, grad, curvature),
            Activation::Softplus => self.evaluate_with::<SoftplusSigma, I>(theta, grad, curvature),
            Activation::Identity => self.evaluate_with::<IdentitySigma, I>(theta, grad, curvature),
            Activation::Gelu => self.evaluate_with::<GeluSigma, I>(theta, grad, curvature),
        })
    }

    #[cfg_attr(target_arch = "x86_64", inline(always))]
    fn evaluate_with<S: Sigma, I: Isa>(&mut self, theta: &[f64], grad: &mut [f64], curvature: bool) -> f64 {
        let (k, n, stride) = (self.net.width, self.x.len(), self.stride);
        // The whole groups of I: what its sums run over (the rest is padding, whose neurons
        // have zero weights and whose gradient is not wanted).
        let width = I::padded(k);
        self.weights.load(k, theta);
        let b2 = theta[3 * k];
        // Cut to the row length, so that the loops below need no bounds checks.
        let [w1, b1, w2] = self.weights.parts().map(|part| &part[..stride]);
        let mut g_b2 = 0.0;
        let mut blocks = self.blocks.parts_mut();
        let inv_n = 1.0 / n as f64;
        let mut loss = 0.0;
        // The activations of every row first, then the residuals, then the gradient and the
        // residual blocks as sums over the rows: group by group, each sum in a register for all
        // the rows, where adding row after row into the blocks would read and write every sum
        // once per row.
        let rows = self.rows.parts_mut();
        let [s_all, d_all, ds_all, e_all] = rows.map(|part| &mut part[..n * stride]);
        let all_rows = s_all.chunks_exact_mut(stride).zip(d_all.chunks_exact_mut(stride));
        let all_rows = all_rows.zip(ds_all.chunks_exact_mut(stride).zip(e_all.chunks_exact_mut(stride)));
        for (&xj, ((s_row, d_row), (ds_row, e_row))) in self.x.iter().zip(all_rows) {
            if curvature {
                for i in 0..stride {
                    let (s, ds, dds) = S::eval::<I>(I::mul_add(w1[i], xj, b1[i]));
                    s_row[i] = s;
                    d_row[i] = w2[i] * ds;
                    ds_row[i] = ds;
                    e_row[i] = w2[i] * dds;
                }
            } else {
                for i in 0..stride {
                    let (s, ds, _) = S::eval::<I>(I::mul_add(w1[i], xj, b1[i]));
                    s_row[i] = s;
                    d_row[i] = w2[i] * ds;
                }
            }
        }
        // The residuals and the rows' weights, and the rows into the tables.
        let rows = self.rows.parts().map(|part| &part[..n * stride]);
        let [s_all, d_all, _, _] = rows;
        let tables = RowBlocks { stride };
        for j in 0..n {
            let xj = self.x[j];
            let row = j * stride..(j + 1) * stride;
            let (s_row, d_row) = (&s_all[row.clone()], &d_all[row]);
            let r = I::dot(&w2[..width], &s_row[..width]) + b2 - self.y[j];
            self.residual[j] = r;
            loss += r * r;
            let rho = r * inv_n;
            self.row_weights[j] = [rho, rho * xj, rho * xj * xj];
            g_b2 += rho;
            for (table, row) in [(&mut self.sigma, s_row), (&mut self.d_out, d_row)] {
                tables
                    .row_groups_mut(table, j)
                    .zip(row.chunks_exact(MAX_LANES))
                    .for_each(|(t, s)| t.copy_from_slice(s));
            }
        }
        let mut gradient = self.gradient.parts_mut();
        if curvature {
            sum_rows::<true, I>(&self.row_weights, rows, (stride, width), &mut gradient, &mut blocks);
        } else {
            sum_rows::<false, I>(&self.row_weights, rows, (stride, width), &mut gradient, &mut blocks);
        }
        self.gradient.store(k, grad);
        grad[3 * k] = g_b2;
        loss * 0.5 * inv_n
    }

    /// The gradient of the loss over the samples of `batch` only, (1/B)Σ_{j∈batch} rⱼ∇f(xⱼ), at
    /// the θ of the last [`Self::evaluate`] (for SGD, which evaluates the full loss and
    /// sharpness but steps along a batch).
    pub fn batch_gradient(&self, batch: &[usize], grad: &mut [f64]) {
        with_isa!(I => self.batch_gradient_with::<I>(batch, grad))
    }

    #[cfg_attr(target_arch = "x86_64", inline(always))]
    fn batch_gradient_with<I: Isa>(&self, batch: &[usize], grad: &mut [f64]) {
        let (k, stride) = (self.net.width, self.stride);
        grad.fill(0.0);
        let scale = 1.0 / batch.len() as f64;
        let (g_w1, rest) = grad.split_at_mut(k);
        let (g_b1, rest) = rest.split_at_mut(k);
        let (g_w2, g_b2) = rest.split_at_mut(k);
        let tables = RowBlocks { stride };
        for &j in batch {
            let rho = self.residual[j] * scale;
            let row = tables.row_groups(&self.sigma, j).zip(tables.row_groups(&self.d_out, j));
            accumulate_gradient::<I>(rho, self.x[j], row, g_w1, g_b1, g_w2);
            g_b2[0] += rho;
        }
    }

    /// ∇²L(θ)v at the θ of the last [`Self::evaluate`] with `curvature`.
    ///
    /// The residual blocks first, then the Gauss–Newton part in one sweep over the tables, a
    /// few rows per pass: the pass's entries of Jv (dot products with the rows), then the
    /// pass's rows, so weighted, added into the product. Working on several rows at once loads
    /// each group of v and of the product once for all of them, and gives independent sums. The kernels read v and write the product in place, group by group;
    /// only the last, partly used group of each neuron block (when the width does not fill
    /// whole groups) goes through zero-padded copies on the stack, which costs less than
    /// padded copies of the whole vectors.
    pub fn hessian_vec(&mut self, v: &[f64], out: &mut [f64]) {
        with_isa!(I => self.hessian_vec_with::<I>(v, out))
    }

    #[cfg_attr(target_arch = "x86_64", inline(always))]
    fn hessian_vec_with<I: Isa>(&self, v: &[f64], out: &mut [f64]) {
        let (k, stride) = (self.net.width, self.stride);
        let full = k / MAX_LANES * MAX_LANES;
        let sweep = Sweep { x: &self.x, sigma: &self.sigma, d: &self.d_out, blocks: self.blocks.parts(), stride };
        let vs: [&[f64]; 3] = std::array::from_fn(|i| &v[i * k..(i + 1) * k]);
        let v_tail =
            (full < k).then(|| vs.map(|part| std::array::from_fn(|l| part.get(full + l).copied().unwrap_or(0.0))));
        let (o_w1, rest) = out.split_at_mut(k);
        let (o_b1, rest) = rest.split_at_mut(k);
        let (o_w2, o_b2) = rest.split_at_mut(k);
        let mut outs = [o_w1, o_b1, o_w2];
        let mut out_tail = [[0.0; MAX_LANES]; 3];
        let mut bodies = outs.each_mut().map(|part| &mut part[..full]);
        let v = (v[3 * k], vs.map(|part| &part[..full]), v_tail.as_ref());
        // Rows per pass of the sweep: the more, the fewer loads and stores of v and of the
        // product per row, as long as the pass's 2·ROWS sums and 2·ROWS weights fit in the
        // registers (16 with four lanes, 32 with AVX-512; measured: two with four lanes, and
        // with AVX-512 a block of four, about as fast as five and a little faster than two or
        // eight).
        o_b2[0] = if I::LANES == 8 {
            sweep.product::<I, BLOCK_ROWS>(v, (&mut bodies, &mut out_tail))
        } else {
            sweep.product::<I, 2>(v, (&mut bodies, &mut out_tail))
        };
        if full < k {
            for (part, tail) in outs.iter_mut().zip(&out_tail) {
                for (o, t) in part[full..].iter_mut().zip(tail) {
                    *o = *t;
                }
            }
        }
    }
}

/// What a Hessian-vector product reads: the tables and the residual blocks at one θ.
struct Sweep<'a> {
    x: &'a [f64],
    sigma: &'a [f64],
    d: &'a [f64],
    blocks: [&'a [f64]; 5],
    stride: usize,
}

/// The last, partly used [`MAX_LANES`] values of each of three neuron blocks (the width not a
/// multiple of them): zero-padded copies of v's, and the product's before they are copied out.
type Tail = [[f64; MAX_LANES]; 3];

impl Sweep<'_> {
    /// The product's three neuron blocks into `outs` and `out_tail`, from v's b2 entry, its
    /// three blocks and their tail; returns the product's b2 entry. `vs` and `outs` are the
    /// blocks' whole groups of [`MAX_LANES`], `v_tail` and `out_tail` their last, partly used
    /// ones (none when the width fills whole groups). The Gauss–Newton part goes `ROWS` rows
    /// per pass.
    #[cfg_attr(target_arch = "x86_64", inline(always))]
    fn product<I: Isa, const ROWS: usize>(
        &self,
        (v_b2, vs, v_tail): (f64, [&[f64]; 3], Option<&Tail>),
        (outs, out_tail): (&mut [&mut [f64]; 3], &mut Tail),
    ) -> f64 {
        let (n, layout) = (self.x.len(), RowBlocks { stride: self.stride });
        apply_residual_blocks::<I>(self.blocks, (vs, v_tail), (outs, out_tail));
        let inv_n = 1.0 / n as f64;
        let mut sum_g = 0.0;
        const { assert!(BLOCK_ROWS.is_multiple_of(ROWS)) };
        for first in (0..n).step_by(ROWS) {
            // The padding rows of a short last pass are zero and weighted zero.
            let x = std::array::from_fn(|r| self.x.get(first + r).copied().unwrap_or(0.0));
            let weights = std::array::from_fn(|r| if first + r < n { inv_n } else { 0.0 });
            let (block, offset) = layout.place(first);
            let tables = (&self.d[block.clone()], &self.sigma[block], offset);
            sum_g += gauss_newton_rows::<I, ROWS>(x, tables, weights, (v_b2, vs, v_tail), (outs, out_tail));
        }
        sum_g
    }
}

/// Rows (data points) per block of the tables' layout: the rows per pass of the Hessian-vector
/// product with AVX-512, four, a multiple of the two with four lanes (see
/// [`ShallowTables::hessian_vec_with`]); two where there is no AVX-512.
const BLOCK_ROWS: usize = if cfg!(target_arch = "x86_64") { 4 } else { 2 };

/// The layout of the tables: rows in blocks of [`BLOCK_ROWS`], and within a block group by group
/// (groups of [`MAX_LANES`] values), the block's rows side by side. So a pass of the
/// Hessian-vector product over some of a block's rows reads each table in order, the rows'
/// values of a group together.
struct RowBlocks {
    /// The padded row length.
    stride: usize,
}

/// Values per group of a block of the layout.
const BLOCK_GROUP: usize = BLOCK_ROWS * MAX_LANES;

impl RowBlocks {
    /// Where row j's groups lie: its block, and where its values start in each group of the block.
    fn place(&self, j: usize) -> (std::ops::Range<usize>, usize) {
        let (block, slot) = (j / BLOCK_ROWS, j % BLOCK_ROWS);
        (block * BLOCK_ROWS * self.stride..(block + 1) * BLOCK_ROWS * self.stride, slot * MAX_LANES)
    }

    fn row_groups<'a>(&self, table: &'a [f64], j: usize) -> impl Iterator<Item = &'a [f64]> {
        let (block, offset) = self.place(j);
        table[block].chunks_exact(BLOCK_GROUP).map(move |group| &group[offset..offset + MAX_LANES])
    }

    fn row_groups_mut<'a>(&self, table: &'a mut [f64], j: usize) -> impl Iterator<Item = &'a mut [f64]> {
        let (block, offset) = self.place(j);
        table[block].chunks_exact_mut(BLOCK_GROUP).map(move |group| &mut group[offset..offset + MAX_LANES])
    }
}

/// out ← (residual blocks)·v, neuron by neuron: over the whole groups of v and out, then their
/// last, partly used groups (as [`Sweep::product`] passes them).
#[cfg_attr(target_arch = "x86_64", inline(always))]
fn apply_residual_blocks<I: Isa>(
    blocks: [&[f64]; 5],
    (v, v_tail): ([&[f64]; 3], Option<&Tail>),
    (out, out_tail): (&mut [&mut [f64]; 3], &mut Tail),
) {
    let [ww, wb, bb, wa, ba] = blocks.map(groups::<I>);
    let mut blocks = ww.zip(wb).zip(bb).zip(wa).zip(ba).map(|((((ww, wb), bb), wa), ba)| [ww, wb, bb, wa, ba]);
    apply_residual_groups::<I>(&mut blocks, v, out);
    if let Some(v_tail) = v_tail {
        apply_residual_groups::<I>(
            &mut blocks,
            v_tail.each_ref().map(|t| &t[..]),
            &mut out_tail.each_mut().map(|t| &mut t[..]),
        );
    }
}

/// out ← (residual blocks)·v over the groups of v, taking as many groups of the blocks.
#[inline(always)]
fn apply_residual_groups<'a, I: Isa>(
    blocks: &mut impl Iterator<Item = [&'a [f64]; 5]>,
    v: [&[f64]; 3],
    out: &mut [&mut [f64]; 3],
) {
    let [vw, vb, va] = v.map(groups::<I>);
    let [ow, ob, oa] = out.each_mut().map(|part| groups_mut::<I>(part));
    // The blocks last in the zip, so that it stops before taking a group more from them.
    for ((((vw, vb), va), ((ow, ob), oa)), block) in vw.zip(vb).zip(va).zip(ow.zip(ob).zip(oa)).zip(blocks) {
        let [w, b, a] = apply_residual_block::<I>(block, [Lanes::load(vw), Lanes::load(vb), Lanes::load(va)]);
        w.store(ow);
        b.store(ob);
        a.store(oa);
    }
}

/// One group of neurons' residual blocks times the same group of v's three neuron blocks.
#[inline(always)]
fn apply_residual_block<I: Isa>([ww, wb, bb, wa, ba]: [&[f64]; 5], [vw, vb, va]: [Lanes<I>; 3]) -> [Lanes<I>; 3] {
    let (ww, wb, bb) = (Lanes::load(ww), Lanes::load(wb), Lanes::load(bb));
    let (wa, ba) = (Lanes::load(wa), Lanes::load(ba));
    [ww.mul_add(vw, wb.mul_add(vb, wa * va)), wb.mul_add(vw, bb.mul_add(vb, ba * va)), wa.mul_add(vw, ba * vb)]
}

/// The Gauss–Newton part of the Hessian-vector product for one pass over `ROWS` rows (data
/// points), given as their block of the D and σ tables and where their values start in each
/// group of it ([`RowBlocks::place`]): their entries gⱼ = weightⱼ·(Jv)ⱼ, then
/// out += Σⱼ gⱼ·(row j of J) over the three neuron blocks. Returns Σⱼ gⱼ, the rows' share of the
/// b2 entry. v and out come as in [`Sweep::product`].
#[inline(always)]
fn gauss_newton_rows<I: Isa, const ROWS: usize>(
    x: [f64; ROWS],
    (d, sigma, offset): (&[f64], &[f64], usize),
    weights: [f64; ROWS],
    (v_b2, v, v_tail): (f64, [&[f64]; 3], Option<&Tail>),
    (out, out_tail): (&mut [&mut [f64]; 3], &mut Tail),
) -> f64 {
    // The groups of the tables under v's whole groups, and from the one under its tail on.
    let body = v[0].len() / MAX_LANES * BLOCK_GROUP;
    let (d, d_tail) = d.split_at(body);
    let (sigma, sigma_tail) = sigma.split_at(body);
    let tails = (d_tail, sigma_tail, offset);
    // (Jv)ⱼ = Σᵢ Dⱼᵢ(xⱼv_w1ᵢ + v_b1ᵢ) + σⱼᵢv_w2ᵢ + v_b2: each group of v is loaded once for the
    // whole pass, into 2·ROWS independent sums.
    let xs = Lanes::<I>::splat_each(x);
    let mut sums = ([Lanes::ZERO; ROWS], [Lanes::ZERO; ROWS]);
    jv_groups(&xs, v, (d, sigma, offset), &mut sums);
    if let Some(v_tail) = v_tail {
        jv_groups(&xs, v_tail.each_ref().map(|t| &t[..]), tails, &mut sums);
    }
    let (mut totals, acc_s) = sums;
    for (total, s) in totals.iter_mut().zip(acc_s) {
        *total = *total + s;
    }
    let mut g = Lanes::sum_each(totals);
    for (g, weight) in g.iter_mut().zip(weights) {
        *g = (*g + v_b2) * weight;
    }
    let mut gx = g;
    for (gx, x) in gx.iter_mut().zip(x) {
        *gx *= x;
    }
    let (gs, gxs) = (Lanes::<I>::splat_each(g), Lanes::<I>::splat_each(gx));
    add_rows_groups((&gxs, &gs), out, (d, sigma, offset));
    if v_tail.is_some() {
        add_rows_groups((&gxs, &gs), &mut out_tail.each_mut().map(|t| &mut t[..]), tails);
    }
    g.iter().sum()
}

/// The pass's rows' values in one group of a block of the layout, row after row.
#[inline(always)]
fn pass_rows<const ROWS: usize>(group: &[f64], offset: usize) -> &[f64] {
    &group[offset..offset + ROWS * MAX_LANES]
}

/// The values of row r at `at` (a group of I within the [`MAX_LANES`]) in [`pass_rows`].
#[inline(always)]
fn row_lanes<I: Isa>(rows: &[f64], r: usize, at: &std::ops::Range<usize>) -> Lanes<I> {
    Lanes::load(&rows[r * MAX_LANES + at.start..r * MAX_LANES + at.end])
}

/// The pass's entries of Jv over the groups of v and as many of the tables: for each row r,
/// Dᵣ·(xᵣv_w1 + v_b1) into the first sums and σᵣ·v_w2 into the second.
#[inline(always)]
fn jv_groups<I: Isa, const ROWS: usize>(
    xs: &[Lanes<I>; ROWS],
    [vw, vb, va]: [&[f64]; 3],
    (d, sigma, offset): (&[f64], &[f64], usize),
    (acc_d, acc_s): &mut ([Lanes<I>; ROWS], [Lanes<I>; ROWS]),
) {
    let v = vw.chunks_exact(MAX_LANES).zip(vb.chunks_exact(MAX_LANES)).zip(va.chunks_exact(MAX_LANES));
    for (((vw, vb), va), (dc, sc)) in v.zip(d.chunks_exact(BLOCK_GROUP).zip(sigma.chunks_exact(BLOCK_GROUP))) {
        let (dc, sc) = (pass_rows::<ROWS>(dc, offset), pass_rows::<ROWS>(sc, offset));
        for at in (0..MAX_LANES / I::LANES).map(|h| h * I::LANES..(h + 1) * I::LANES) {
            let (vw, vb, va) =
                (Lanes::load(&vw[at.clone()]), Lanes::load(&vb[at.clone()]), Lanes::load(&va[at.clone()]));
            for r in 0..ROWS {
                acc_d[r] = row_lanes(dc, r, &at).mul_add(xs[r].mul_add(vw, vb), acc_d[r]);
                acc_s[r] = row_lanes(sc, r, &at).mul_add(va, acc_s[r]);
            }
        }
    }
}

/// The pass's rows of J, weighted by gᵣ (and gᵣxᵣ for the w1 block), added into the product's
/// three neuron blocks over their groups and as many of the tables.
#[inline(always)]
fn add_rows_groups<I: Isa, const ROWS: usize>(
    (gxs, gs): (&[Lanes<I>; ROWS], &[Lanes<I>; ROWS]),
    [ow, ob, oa]: &mut [&mut [f64]; 3],
    (d, sigma, offset): (&[f64], &[f64], usize),
) {
    let out = ow.chunks_exact_mut(MAX_LANES).zip(ob.chunks_exact_mut(MAX_LANES)).zip(oa.chunks_exact_mut(MAX_LANES));
    for (((ow, ob), oa), (dc, sc)) in out.zip(d.chunks_exact(BLOCK_GROUP).zip(sigma.chunks_exact(BLOCK_GROUP))) {
        let (dc, sc) = (pass_rows::<ROWS>(dc, offset), pass_rows::<ROWS>(sc, offset));
        for at in (0..MAX_LANES / I::LANES).map(|h| h * I::LANES..(h + 1) * I::LANES) {
            let (mut w, mut b, mut a) =
                (Lanes::load(&ow[at.clone()]), Lanes::load(&ob[at.clone()]), Lanes::load(&oa[at.clone()]));
            for r in 0..ROWS {
                let (dv, sv) = (row_lanes(dc, r, &at), row_lanes(sc, r, &at));
                w = gxs[r].mul_add(dv, w);
                b = gs[r].mul_add(dv, b);
                a = gs[r].mul_add(sv, a);
            }
            w.store(&mut ow[at.clone()]);
            b.store(&mut ob[at.clone()]);
            a.store(&mut oa[at]);
        }
    }
}

/// Adds ρ times one data point's gradient row to the three neuron blocks:
/// g_w1 += ρx·D, g_b1 += ρ·D, g_w2 += ρ·σ (the rows of Jᵀ, weighted). The row comes as its
/// groups of [`MAX_LANES`] (σ, D) values, covering at least the blocks' length.
#[inline(always)]
fn accumulate_gradient<'a, I: Isa>(
    rho: f64,
    x: f64,
    mut row: impl Iterator<Item = (&'a [f64], &'a [f64])>,
    g_w1: &mut [f64],
    g_b1: &mut [f64],
    g_w2: &mut [f64],
) {
    let k = g_w1.len();
    let split = k / MAX_LANES * MAX_LANES;
    let (r, rx) = (Lanes::<I>::splat(rho), Lanes::<I>::splat(rho * x));
    let [w1s, b1s, w2s] = [&mut *g_w1, &mut *g_b1, &mut *g_w2].map(|part| part[..split].chunks_exact_mut(MAX_LANES));
    for (((w1, b1), w2), (sc, dc)) in w1s.zip(b1s).zip(w2s).zip(row.by_ref()) {
        let blocks = groups_mut::<I>(w1).zip(groups_mut::<I>(b1)).zip(groups_mut::<I>(w2));
        for (((w1, b1), w2), (sc, dc)) in blocks.zip(groups::<I>(sc).zip(groups::<I>(dc))) {
            let (sv, dv) = (Lanes::load(sc), Lanes::load(dc));
            rx.mul_add(dv, Lanes::load(w1)).store(w1);
            r.mul_add(dv, Lanes::load(b1)).store(b1);
            r.mul_add(sv, Lanes::load(w2)).store(w2);
        }
    }
    // The part of the blocks in the row's last, partly used group.
    if let Some((sc, dc)) = row.next().filter(|_| split < k) {
        for (i, (s, d)) in (split..k).zip(sc.iter().zip(dc)) {
            g_w1[i] = I::mul_add(rho * x, *d, g_w1[i]);
            g_b1[i] = I::mul_add(rho, *d, g_b1[i]);
            g_w2[i] = I::mul_add(rho, *s, g_w2[i]);
        }
    }
}

/// The gradient's three neuron blocks, Σⱼ ρⱼ(xⱼDⱼ, Dⱼ, σⱼ) (the rows of Jᵀ, weighted), and with
/// `CURVATURE` the residual blocks, Σⱼ ρⱼ∇²f(xⱼ): ww = Σ ρx²E, wb = Σ ρxE, bb = Σ ρE,
/// wa = Σ ρxσ', ba = Σ ρσ' with E = w2σ''. From the rows of σ, D, σ' and E stored one after the
/// other (`stride` apart), over their first `width` values; group by group, each sum stays in a
/// register while it runs over the rows (in order), and is written once.
#[inline(always)]
fn sum_rows<const CURVATURE: bool, I: Isa>(
    row_weights: &[[f64; 3]],
    [s_all, d_all, ds_all, e_all]: [&[f64]; 4],
    (stride, width): (usize, usize),
    gradient: &mut [&mut [f64]; 3],
    blocks: &mut [&mut [f64]; 5],
) {
    let rows = s_all.chunks_exact(stride).zip(d_all.chunks_exact(stride));
    let rows = rows.zip(ds_all.chunks_exact(stride).zip(e_all.chunks_exact(stride))).zip(row_weights);
    for g in 0..width / I::LANES {
        let at = g * I::LANES..(g + 1) * I::LANES;
        let (mut grad, mut curv) = ([Lanes::<I>::ZERO; 3], [Lanes::<I>::ZERO; 5]);
        for (((s_row, d_row), (ds_row, e_row)), &[rho, rho_x, rho_xx]) in rows.clone() {
            let (r, rx) = (Lanes::splat(rho), Lanes::splat(rho_x));
            let (sv, dv) = (Lanes::load(&s_row[at.clone()]), Lanes::load(&d_row[at.clone()]));
            grad = [rx.mul_add(dv, grad[0]), r.mul_add(dv, grad[1]), r.mul_add(sv, grad[2])];
            if CURVATURE {
                let rxx = Lanes::splat(rho_xx);
                let (ev, dsv) = (Lanes::load(&e_row[at.clone()]), Lanes::load(&ds_row[at.clone()]));
                curv = [
                    rxx.mul_add(ev, curv[0]),
                    rx.mul_add(ev, curv[1]),
                    r.mul_add(ev, curv[2]),
                    rx.mul_add(dsv, curv[3]),
                    r.mul_add(dsv, curv[4]),
                ];
            }
        }
        for (sum, part) in grad.into_iter().zip(gradient.iter_mut()) {
            sum.store(&mut part[at.clone()]);
        }
        if CURVATURE {
            for (sum, block) in curv.into_iter().zip(blocks.iter_mut()) {
                sum.store(&mut block[at.clone()]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::Regression;
    use crate::rng::{normal, seeded};

    /// Sizes that leave the row blocks and passes short and the SIMD groups partly padded (n and
    /// k not multiples of the rows per block or pass or of the group widths, down to one point
    /// and one neuron; a last group of eight with four neurons or fewer, which groups of four
    /// partly skip), and widths that fill whole groups (products in place): loss, gradient,
    /// batch gradient and Hessian-vector products against the plain implementation, with the
    /// kernels of each instruction set this processor offers.
    #[test]
    fn awkward_sizes_agree_with_the_plain_implementation() {
        crate::kernels::on_each_isa(awkward_sizes_agree);
    }

    fn awkward_sizes_agree() {
        let mut rng = seeded(3);
        for activation in Activation::ALL {
            for (n, k) in [(1, 1), (3, 5), (7, 13), (11, 9), (6, 8), (5, 16), (12, 12), (21, 4)] {
                let net = ShallowNet::new(k, activation);
                let p = net.num_params();
                let data = Data {
                    x: (0..n).map(|_| normal(&mut rng)).collect(),
                    y: (0..n).map(|_| normal(&mut rng)).collect(),
                };
                let theta: Vec<f64> = (0..p).map(|_| normal(&mut rng)).collect();
                let v: Vec<f64> = (0..p).map(|_| normal(&mut rng)).collect();
                let plain = Regression::new(net, data.clone());
                let mut tables = ShallowTables::new(net, &data);
                let (mut grad, mut fast, mut slow, mut scratch) =
                    (vec![0.0; p], vec![0.0; p], vec![0.0; p], vec![0.0; p]);
                let close = |a: &[f64], b: &[f64]| {
                    let norm = b.iter().map(|x| x * x).sum::<f64>().sqrt();
                    a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum::<f64>().sqrt() <= 1e-13 * (1.0 + norm)
                };
                tables.evaluate(&theta, &mut grad, false);
                assert!(close(&grad, &plain.gradient(&theta)), "{activation:?} n={n} k={k}: gradient alone");
                let loss = tables.evaluate(&theta, &mut grad, true);
                assert!((loss - plain.loss(&theta)).abs() <= 1e-13 * (1.0 + loss), "{activation:?} n={n} k={k}: loss");
                assert!(close(&grad, &plain.gradient(&theta)), "{activation:?} n={n} k={k}: gradient");
                tables.hessian_vec(&v, &mut fast);
                plain.hessian_vec(&theta, &v, &mut slow, &mut scratch);
                assert!(close(&fast, &slow), "{activation:?} n={n} k={k}: Hessian-vector product");
                let batch: Vec<usize> = (0..n).rev().step_by(2).collect();
                tables.batch_gradient(&batch, &mut fast);
                plain.batch_gradient(&theta, &batch, &mut slow, &mut scratch);
                assert!(close(&fast, &slow), "{activation:?} n={n} k={k}: batch gradient");
            }
        }
    }
}
