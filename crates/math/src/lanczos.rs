//! Top eigenpairs of a symmetric operator by Lanczos with full reorthogonalization.
//!
//! The operator is any closure v ↦ Av (here: exact Hessian-vector products), so the Hessian is
//! never formed. Full reorthogonalization (after the three-term recurrence, a Gram–Schmidt pass
//! against every earlier basis vector, four basis vectors per sweep over memory) keeps the basis
//! orthonormal to working precision, so no spurious copies of converged eigenvalues appear. The
//! last iteration skips it, and the adaptive stopping test comes before it: the new direction
//! is then never used, and its norm β, which only scales the residuals, would change by
//! rounding squared. The workspace is allocated once and reused, with rows padded to whole SIMD
//! groups of every instruction set ([`padded`]), of which each sweeps its own whole groups
//! ([`Isa::padded`]): a run allocates nothing.
//!
//! Two ways to stop ([`StopRule`]): after a fixed number of iterations, or adaptively once the
//! requested top Ritz values are accurate to a relative tolerance. The adaptive test uses for
//! each Ritz pair (θ, y) its residual r = β_m|y_m|, which equals ‖Ay − θy‖, and the gap g to
//! the nearest other Ritz value: the eigenvalue error is at most min(r, r²/g). Unlike a test on
//! r alone, it stops as soon as θ is accurate, even while the Ritz vector still moves. When the
//! Krylov space closes early (a start vector that is already an eigenvector), the iteration
//! goes on in a fresh orthogonal direction if more pairs are asked for.

use super::kernels::{groups, groups_mut, padded, with_isa, AlignedVec, Baseline, Isa, Lanes};
use super::tridiagonal::{Tridiagonal, TridiagonalWork};

/// A relative size of the new direction below which the Krylov space is taken to be invariant
/// (exhausted): the Ritz values are then exact eigenvalues of A.
const BREAKDOWN: f64 = 1e-13;

/// A fixed start vector of `dim` entries that no figure's eigenvector is orthogonal to in
/// practice (all positive, not constant): runs that start from it are reproducible.
pub fn fixed_start(dim: usize) -> Vec<f64> {
    (0..dim).map(|i| 1.0 + ((i * 7919) % 13) as f64 / 13.0).collect()
}

/// When a Lanczos run stops.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum StopRule {
    /// Exactly this many iterations (fewer only when the Krylov space is exhausted).
    Iterations(usize),
    /// As soon as the top Ritz value is accurate to `tolerance` relative (see the module
    /// documentation), but after at most `max_iter` iterations.
    Converged { tolerance: f64, max_iter: usize },
}

impl StopRule {
    fn max_iter(&self) -> usize {
        match *self {
            StopRule::Iterations(m) => m,
            StopRule::Converged { max_iter, .. } => max_iter,
        }
    }
}

/// Reusable Lanczos workspace for operators of one dimension.
#[derive(Clone, Debug)]
pub struct Lanczos {
    dim: usize,
    /// `dim` rounded up to whole SIMD groups ([`padded`]): the distance between the stored
    /// vectors, whose padding stays zero.
    stride: usize,
    capacity: usize,
    /// Orthonormal basis vectors q₀, q₁, …, stored row after row (`stride` apart).
    basis: AlignedVec,
    w: AlignedVec,
    alpha: Vec<f64>,
    beta: Vec<f64>,
    tri_values: Vec<f64>,
    tri_vectors: Vec<f64>,
    tri_work: TridiagonalWork,
    /// Whether runs write the Ritz vectors (m·dim multiply-adds each).
    ritz_vectors: bool,
}

/// Ritz pairs, largest value first, with their residual norms ‖Ay − θy‖ (the vectors only
/// when the workspace writes them: see [`Lanczos::without_ritz_vectors`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ritz {
    pub values: Vec<f64>,
    pub vectors: Vec<Vec<f64>>,
    pub residuals: Vec<f64>,
    /// Bounds on |λ − θ| for each Ritz value θ: min(r, r²/g) with r its residual and g the
    /// distance to the nearest other Ritz value (r alone when there is none).
    pub error_bounds: Vec<f64>,
    /// Lanczos iterations (operator applications) performed.
    pub iterations: usize,
}

impl Lanczos {
    /// A workspace for `dim`-dimensional operators and at most `capacity` iterations (capped at
    /// `dim`: beyond it the Krylov space cannot grow).
    pub fn new(dim: usize, capacity: usize) -> Self {
        let capacity = capacity.clamp(1, dim.max(1));
        let stride = padded(dim);
        Self {
            dim,
            stride,
            capacity,
            basis: AlignedVec::zeros(capacity * stride),
            w: AlignedVec::zeros(stride),
            alpha: Vec::with_capacity(capacity),
            beta: Vec::with_capacity(capacity),
            tri_values: Vec::with_capacity(capacity),
            tri_vectors: Vec::with_capacity(capacity * capacity),
            tri_work: TridiagonalWork::default(),
            ritz_vectors: true,
        }
    }

    /// The same workspace, but its runs leave [`Ritz::vectors`] empty: for callers that need
    /// only the values, residuals and error bounds.
    pub fn without_ritz_vectors(mut self) -> Self {
        self.ritz_vectors = false;
        self
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The `k` largest Ritz pairs after the workspace's full number of iterations from `start`.
    /// None when `start` is zero or not finite, or the operator returns non-finite values.
    pub fn top(&mut self, k: usize, start: &[f64], apply: impl FnMut(&[f64], &mut [f64])) -> Option<Ritz> {
        let mut ritz = Ritz::default();
        self.run(k, start, StopRule::Iterations(self.capacity), apply, &mut ritz).then_some(ritz)
    }

    /// Runs Lanczos from `start` until `rule` says stop, and writes the `k` largest Ritz pairs
    /// into `out` (reusing its buffers). Returns false, leaving `out` empty, when `start` is
    /// zero or not finite or the operator returns non-finite values.
    pub fn run(
        &mut self,
        k: usize,
        start: &[f64],
        rule: StopRule,
        mut apply: impl FnMut(&[f64], &mut [f64]),
        out: &mut Ritz,
    ) -> bool {
        // In wasm the operator is called through a pointer, so that the loop is compiled once
        // rather than once per operator (a product costs far more than the call). Natively the
        // operator is inlined into the loop's copy for the instruction set in use.
        #[cfg(target_arch = "wasm32")]
        let mut apply = &mut apply as &mut dyn FnMut(&[f64], &mut [f64]);
        with_isa!(I => self.run_with::<I>(k, start, rule, &mut apply, out))
    }

    #[cfg_attr(target_arch = "x86_64", inline(always))]
    fn run_with<I: Isa>(
        &mut self,
        k: usize,
        start: &[f64],
        rule: StopRule,
        mut apply: impl FnMut(&[f64], &mut [f64]),
        out: &mut Ritz,
    ) -> bool {
        // The vectors' whole groups of I: what its kernels sweep.
        let (dim, stride, len) = (self.dim, self.stride, I::padded(self.dim));
        assert_eq!(start.len(), dim, "start vector has the wrong dimension");
        out.values.clear();
        out.residuals.clear();
        out.error_bounds.clear();
        out.iterations = 0;
        let norm = I::dot(start, start).sqrt();
        if !(norm.is_finite() && norm > 0.0) {
            out.vectors.clear();
            return false;
        }
        for (q, s) in self.basis[..dim].iter_mut().zip(start) {
            *q = s / norm;
        }
        self.alpha.clear();
        self.beta.clear();
        let max_iter = rule.max_iter().clamp(1, self.capacity);
        let mut m = 0;
        // The largest |α| so far: the scale of T for the breakdown test.
        let mut alpha_size = 0.0f64;
        // Whether the stopping test already left T_m's Ritz pairs in the tri_ buffers.
        let mut pairs_ready = false;
        loop {
            let (done, rest) = self.basis.split_at_mut((m + 1) * stride);
            let q = &done[m * stride..][..len];
            let w = &mut self.w[..len];
            apply(&q[..dim], &mut w[..dim]);
            let a = I::dot(q, w);
            if !a.is_finite() {
                out.vectors.clear();
                return false;
            }
            self.alpha.push(a);
            alpha_size = alpha_size.max(a.abs());
            m += 1;
            // The three-term recurrence.
            match m {
                1 => I::axpy(-a, q, w),
                _ => recurrence::<I>(w, a, q, self.beta[m - 2], &done[(m - 2) * stride..][..len]),
            }
            if m == max_iter {
                self.beta.push(I::dot(w, w).sqrt());
                break;
            }
            if let StopRule::Converged { tolerance, .. } = rule {
                let b = I::dot(w, w).sqrt();
                let t = Tridiagonal { diagonal: &self.alpha, off: &self.beta };
                if m >= k
                    && converged(&t, tolerance, k, b, &mut self.tri_values, &mut self.tri_vectors, &mut self.tri_work)
                {
                    self.beta.push(b);
                    pairs_ready = true;
                    break;
                }
            }
            // One pass of classical Gram–Schmidt against the whole basis: what the recurrence
            // leaves of earlier directions is already at rounding level, so a single pass
            // brings it to working precision.
            orthogonalize::<I>(rows(&done[..m * stride], stride, len), w);
            let mut b = I::dot(w, w).sqrt();
            if b <= BREAKDOWN * alpha_size.max(b) {
                if m >= k {
                    self.beta.push(b);
                    break;
                }
                // The Krylov space is invariant but fewer than k pairs are known: go on in a
                // fresh direction orthogonal to it (T then decouples exactly, β = 0).
                fresh_direction::<I>(rows(&done[..m * stride], stride, len), dim, m, w);
                self.beta.push(0.0);
                b = I::dot(w, w).sqrt();
            } else {
                self.beta.push(b);
            }
            let inv_b = 1.0 / b;
            for (qn, wj) in rest[..len].iter_mut().zip(w.iter()) {
                *qn = wj * inv_b;
            }
        }
        self.write_ritz::<I>(k.min(m), m, pairs_ready, out)
    }

    /// Ritz pairs from the m × m tridiagonal matrix T built so far (its eigenpairs are already
    /// in the tri_ buffers when `pairs_ready`).
    #[cfg_attr(target_arch = "x86_64", inline(always))]
    fn write_ritz<I: Isa>(&mut self, k: usize, m: usize, pairs_ready: bool, out: &mut Ritz) -> bool {
        if !pairs_ready {
            let t = Tridiagonal { diagonal: &self.alpha[..m], off: &self.beta[..m - 1] };
            if t.top_values((k + 1).min(m), &mut self.tri_values).is_none() {
                out.vectors.clear();
                return false;
            }
            t.eigenvectors(&self.tri_values[..k], &mut self.tri_vectors, &mut self.tri_work);
        }
        out.iterations = m;
        out.error_bounds.clear();
        out.vectors.resize_with(if self.ritz_vectors { k } else { 0 }, Vec::new);
        let last_beta = self.beta[m - 1];
        let len = I::padded(self.dim);
        for c in 0..k {
            let y = &self.tri_vectors[c * m..(c + 1) * m];
            if let Some(v) = out.vectors.get_mut(c) {
                // Σᵢ yᵢqᵢ, accumulated in the padded scratch vector.
                let w = &mut self.w[..len];
                w.fill(0.0);
                combine::<I>(rows(&self.basis[..m * self.stride], self.stride, len), y, w);
                v.clear();
                v.extend_from_slice(&self.w[..self.dim]);
            }
            out.values.push(self.tri_values[c]);
            out.residuals.push((last_beta * y[m - 1]).abs());
            out.error_bounds.push(error_bound(&self.tri_values, &self.tri_vectors, last_beta, m, c));
        }
        true
    }
}

/// The adaptive stopping test on the tridiagonal matrix T built so far (m × m, m ≥ k), with
/// `last_beta` the norm of the newest direction: every one of the top `k` Ritz values within
/// `tolerance` of the largest in magnitude. Leaves T's top pairs in `values` and `vectors`.
fn converged(
    t: &Tridiagonal,
    tolerance: f64,
    k: usize,
    last_beta: f64,
    values: &mut Vec<f64>,
    vectors: &mut Vec<f64>,
    work: &mut TridiagonalWork,
) -> bool {
    let m = t.diagonal.len();
    if t.top_values((k + 1).min(m), values).is_none() {
        return false;
    }
    t.eigenvectors(&values[..k], vectors, work);
    let scale = values.iter().fold(0.0f64, |s, v| s.max(v.abs()));
    (0..k).all(|i| error_bound(values, vectors, last_beta, m, i) <= tolerance * scale)
}

/// min(r, r²/g) for Ritz pair `i` of the tridiagonal matrix's `values` and `vectors` (m each).
fn error_bound(values: &[f64], vectors: &[f64], last_beta: f64, m: usize, i: usize) -> f64 {
    let residual = (last_beta * vectors[i * m + m - 1]).abs();
    let gap = values
        .iter()
        .enumerate()
        .filter(|&(j, _)| j != i)
        .map(|(_, v)| (v - values[i]).abs())
        .fold(f64::INFINITY, f64::min);
    if gap.is_finite() && gap > 0.0 {
        residual.min(residual * residual / gap)
    } else {
        residual
    }
}

/// The first `len` values of each of the vectors stored `stride` apart in `basis`.
fn rows(basis: &[f64], stride: usize, len: usize) -> impl ExactSizeIterator<Item = &[f64]> + Clone + '_ {
    basis.chunks_exact(stride).map(move |row| &row[..len])
}

/// w ← w − αq − βp, the three-term recurrence, in one sweep over w (lengths multiples of
/// [`Isa::LANES`]).
#[cfg_attr(target_arch = "x86_64", inline(always))]
fn recurrence<I: Isa>(w: &mut [f64], alpha: f64, q: &[f64], beta: f64, p: &[f64]) {
    let (minus_alpha, minus_beta) = (Lanes::<I>::splat(-alpha), Lanes::<I>::splat(-beta));
    for ((wc, qc), pc) in groups_mut::<I>(w).zip(groups::<I>(q)).zip(groups::<I>(p)) {
        let both = Lanes::load(qc).mul_add(minus_alpha, Lanes::load(pc) * minus_beta);
        (Lanes::load(wc) + both).store(wc);
    }
}

/// A deterministic direction orthogonal to the `m` basis vectors, for going on after the Krylov
/// space closed.
#[cfg_attr(target_arch = "x86_64", inline(always))]
fn fresh_direction<'a, I: Isa>(
    basis: impl ExactSizeIterator<Item = &'a [f64]> + Clone,
    dim: usize,
    m: usize,
    w: &mut [f64],
) {
    for (i, wi) in w[..dim].iter_mut().enumerate() {
        *wi = (((i + 1) * (m + 3) * 2_654_435_761) % 1_000_003) as f64 / 1_000_003.0 - 0.5;
    }
    for _ in 0..2 {
        orthogonalize::<I>(basis.clone(), w);
    }
}

/// w ← w − Σᵢ ⟨qᵢ, w⟩ qᵢ over the basis vectors `rows` (as long as w): classical
/// Gram–Schmidt within groups of four (dot products with the four, then their subtraction),
/// group after group. Each sweep over w subtracts one group and takes the dot products of the
/// next ([`Isa::subtract4_dot4`]): each basis vector is read once from memory, and w once per
/// group instead of twice.
#[cfg_attr(target_arch = "x86_64", inline(always))]
fn orthogonalize<'a, I: Isa>(mut rows: impl ExactSizeIterator<Item = &'a [f64]>, w: &mut [f64]) {
    let mut pending = None;
    while rows.len() >= 4 {
        let q = next_four(&mut rows);
        let c = match pending {
            None => I::dot4(q, w),
            Some((p, c)) => I::subtract4_dot4(p, c, q, w),
        };
        pending = Some((q, c));
    }
    if let Some((p, c)) = pending {
        I::subtract4(p, c, w);
    }
    for q in rows {
        let c = I::dot(q, w);
        I::axpy(-c, q, w);
    }
}

/// out ← out + Σᵢ yᵢqᵢ over the basis vectors `rows` (as long as out), four rows per sweep over
/// out.
#[cfg_attr(target_arch = "x86_64", inline(always))]
fn combine<'a, I: Isa>(mut rows: impl Iterator<Item = &'a [f64]>, y: &[f64], out: &mut [f64]) {
    let mut coefficients = y.chunks_exact(4);
    for c in coefficients.by_ref() {
        I::subtract4(next_four(&mut rows), [-c[0], -c[1], -c[2], -c[3]], out);
    }
    for (q, &c) in rows.zip(coefficients.remainder()) {
        I::axpy(c, q, out);
    }
}

/// The next four rows.
fn next_four<'a>(rows: &mut impl Iterator<Item = &'a [f64]>) -> [&'a [f64]; 4] {
    std::array::from_fn(|_| rows.next().unwrap_or_default())
}

/// How [`TopEigenpairs`] starts its next run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Restart {
    /// From the same start vector every time.
    Fixed,
    /// From the last top Ritz vector.
    Warm,
    /// From the last top Ritz vector, normalized, plus 10⁻³ in every coordinate, so that a
    /// direction the last operator lacked is not missed by the next one.
    WarmBlended,
}

/// The top eigenpairs of a sequence of nearby symmetric operators (the Hessians along a run,
/// the matrices of a sweep): Lanczos with its workspace reused, each run started as
/// [`Restart`] says, since nearby operators have nearly the same top eigenvector.
#[derive(Clone, Debug)]
pub struct TopEigenpairs {
    lanczos: Lanczos,
    ritz: Ritz,
    start: Vec<f64>,
    rule: StopRule,
    restart: Restart,
    count: usize,
}

impl TopEigenpairs {
    /// The top `count` pairs (at least one) of operators of `start.len()` dimensions, each run
    /// stopped by `rule`. A [`Restart::Fixed`] run writes no Ritz vectors (they are not needed).
    pub fn new(start: Vec<f64>, rule: StopRule, restart: Restart, count: usize) -> Self {
        let lanczos = Lanczos::new(start.len(), rule.max_iter());
        let lanczos = if restart == Restart::Fixed { lanczos.without_ritz_vectors() } else { lanczos };
        Self { lanczos, ritz: Ritz::default(), start, rule, restart, count: count.max(1) }
    }

    /// The same, with runs stopped by `rule` from now on (within the first rule's iterations).
    pub fn set_rule(&mut self, rule: StopRule) {
        self.rule = rule;
    }

    /// The top pairs of the operator `apply`: values, residuals ‖Ay − θy‖, error bounds,
    /// iterations, and the vectors unless the restart is fixed. None when Lanczos fails (the
    /// operator returned non-finite values); the next start is then left as it was.
    pub fn measure(&mut self, apply: impl FnMut(&[f64], &mut [f64])) -> Option<&Ritz> {
        if !self.lanczos.run(self.count, &self.start, self.rule, apply, &mut self.ritz) {
            return None;
        }
        let top = self.ritz.vectors.first();
        match (self.restart, top) {
            (Restart::Warm, Some(top)) => self.start.copy_from_slice(top),
            (Restart::WarmBlended, Some(top)) => {
                let norm = Baseline::dot(top, top).sqrt().max(f64::MIN_POSITIVE);
                for (s, v) in self.start.iter_mut().zip(top) {
                    *s = v / norm + 1e-3;
                }
            }
            _ => {}
        }
        Some(&self.ritz)
    }

    /// The top eigenvalue alone; NaN when Lanczos fails.
    pub fn largest(&mut self, apply: impl FnMut(&[f64], &mut [f64])) -> f64 {
        self.measure(apply).map_or(f64::NAN, |ritz| ritz.values[0])
    }
}
