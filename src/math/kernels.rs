//! The vector kernels of the hot loops, over groups of [`LANES`] f64 values ([`Lanes`]).
//!
//! A group is explicit SIMD: a `wide::f64x4` (one AVX register, two SSE2 registers, or two
//! wasm simd128 registers), or in builds for AVX-512 processors one 512-bit register through
//! the intrinsics. Arrays left to the compiler's auto-vectorizer do worse: in loops with several
//! sums it pairs the wrong elements (and shuffles every product before adding it), and it
//! splits arrays of eight into 128-bit pieces. Sums keep independent partial sums per lane: a
//! single accumulator would chain every addition on the previous one, and the compiler may not
//! reassociate floating-point sums by itself.

use std::ops::{Add, Mul};

/// Values per [`Lanes`] group.
pub const LANES: usize = if cfg!(all(target_arch = "x86_64", target_feature = "avx512f")) { 8 } else { 4 };

/// `len` rounded up to a whole number of [`Lanes`] groups: the stride of padded tables.
pub const fn padded(len: usize) -> usize {
    len.div_ceil(LANES) * LANES
}

/// Four lanes: `wide::f64x4`, one AVX register or two SSE2 or wasm simd128 registers.
#[cfg(not(all(target_arch = "x86_64", target_feature = "avx512f")))]
mod group {
    pub use wide::f64x4 as Group;

    #[inline(always)]
    pub fn load(lanes: [f64; 4]) -> Group {
        Group::new(lanes)
    }

    #[inline(always)]
    pub fn store(g: Group, chunk: &mut [f64]) {
        chunk.copy_from_slice(&g.to_array());
    }

    #[inline(always)]
    pub fn mul_add(a: Group, b: Group, c: Group) -> Group {
        a.mul_add(b, c)
    }

    #[inline(always)]
    pub fn sum(g: Group) -> f64 {
        g.reduce_add()
    }
}

/// Eight lanes in one AVX-512 register, through the intrinsics (no SIMD crate offers eight
/// f64 lanes, and the auto-vectorizer splits arrays of eight into 128-bit pieces). The
/// intrinsics need Rust 1.89, which only builds for AVX-512 processors ask for.
///
/// SAFETY, for every `unsafe` block here: the module is compiled only when the whole build
/// targets CPUs with AVX-512F (the `cfg` above), so every intrinsic's instruction exists
/// wherever the code runs; the one load and the one store go through slices of exactly eight
/// values.
#[cfg(all(target_arch = "x86_64", target_feature = "avx512f"))]
#[clippy::msrv = "1.89"]
mod group {
    use std::arch::x86_64::{
        __m512d, _mm512_add_pd, _mm512_fmadd_pd, _mm512_loadu_pd, _mm512_mul_pd, _mm512_reduce_add_pd, _mm512_set1_pd,
        _mm512_storeu_pd,
    };

    #[derive(Clone, Copy)]
    pub struct Group(__m512d);

    impl Group {
        // The register is 64 bytes of eight f64 lanes; any bit pattern is a valid value.
        pub const ZERO: Self = Self(unsafe { std::mem::transmute::<[f64; 8], __m512d>([0.0; 8]) });

        #[inline(always)]
        pub fn splat(v: f64) -> Self {
            Self(unsafe { _mm512_set1_pd(v) })
        }
    }

    #[inline(always)]
    pub fn load(lanes: [f64; 8]) -> Group {
        Group(unsafe { _mm512_loadu_pd(lanes.as_ptr()) })
    }

    #[inline(always)]
    pub fn store(g: Group, chunk: &mut [f64]) {
        let chunk: &mut [f64; 8] = chunk.try_into().expect("a chunk of eight values");
        unsafe { _mm512_storeu_pd(chunk.as_mut_ptr(), g.0) }
    }

    #[inline(always)]
    pub fn mul_add(a: Group, b: Group, c: Group) -> Group {
        Group(unsafe { _mm512_fmadd_pd(a.0, b.0, c.0) })
    }

    #[inline(always)]
    pub fn sum(g: Group) -> f64 {
        unsafe { _mm512_reduce_add_pd(g.0) }
    }

    macro_rules! lanewise {
        ($trait:ident, $method:ident, $intrinsic:ident) => {
            impl std::ops::$trait for Group {
                type Output = Self;
                #[inline(always)]
                fn $method(self, rhs: Self) -> Self {
                    Self(unsafe { $intrinsic(self.0, rhs.0) })
                }
            }
        };
    }
    lanewise!(Add, add, _mm512_add_pd);
    lanewise!(Mul, mul, _mm512_mul_pd);
}

use group::Group;

/// A group of [`LANES`] values, operated on lane by lane.
#[derive(Clone, Copy)]
pub struct Lanes(Group);

impl Lanes {
    pub const ZERO: Self = Self(Group::ZERO);

    #[inline(always)]
    pub fn splat(v: f64) -> Self {
        Self(Group::splat(v))
    }

    /// The values of a chunk of exactly [`LANES`] (as `chunks_exact(LANES)` yields, which lets
    /// the compiler drop every bounds check).
    #[inline(always)]
    pub fn load(chunk: &[f64]) -> Self {
        let lanes: [f64; LANES] = chunk.try_into().expect("a chunk of LANES values");
        Self(group::load(lanes))
    }

    /// Writes the lanes into a chunk of exactly [`LANES`].
    #[inline(always)]
    pub fn store(self, chunk: &mut [f64]) {
        group::store(self.0, chunk);
    }

    /// self·m + a, fused into one rounding where the build target has FMA instructions.
    #[inline(always)]
    pub fn mul_add(self, m: Self, a: Self) -> Self {
        Self(group::mul_add(self.0, m.0, a.0))
    }

    /// The sum of the lanes.
    #[inline(always)]
    pub fn sum(self) -> f64 {
        group::sum(self.0)
    }
}

/// a·b + c, fused where the build target has FMA (the software `f64::mul_add` elsewhere would
/// be a call).
#[inline(always)]
pub fn mul_add(a: f64, b: f64, c: f64) -> f64 {
    if cfg!(target_feature = "fma") {
        a.mul_add(b, c)
    } else {
        a * b + c
    }
}

macro_rules! lanewise {
    ($trait:ident, $method:ident) => {
        impl $trait for Lanes {
            type Output = Self;
            #[inline(always)]
            fn $method(self, rhs: Self) -> Self {
                Self(self.0.$method(rhs.0))
            }
        }
    };
}
lanewise!(Add, add);
lanewise!(Mul, mul);

/// A zero-initialised buffer of f64 whose first value sits on a 64-byte boundary (a cache line,
/// and the width of the widest SIMD register), so that no group load or store straddles two
/// cache lines, which costs a second access. Its length is fixed at creation.
#[derive(Debug)]
pub struct AlignedVec {
    storage: Vec<f64>,
    start: usize,
    len: usize,
}

/// Values of slack that let the start move to a 64-byte boundary.
const ALIGN_SLACK: usize = 64 / std::mem::size_of::<f64>() - 1;

impl AlignedVec {
    pub fn zeros(len: usize) -> Self {
        let storage = vec![0.0; len + ALIGN_SLACK];
        // The allocation never moves (the length is fixed), so the offset stays valid; should
        // the allocator not allow it, the buffer is merely unaligned.
        let start = storage.as_ptr().align_offset(64).min(ALIGN_SLACK);
        Self { storage, start, len }
    }
}

impl Clone for AlignedVec {
    fn clone(&self) -> Self {
        let mut copy = Self::zeros(self.len);
        copy.copy_from_slice(self);
        copy
    }
}

impl std::ops::Deref for AlignedVec {
    type Target = [f64];
    fn deref(&self) -> &[f64] {
        &self.storage[self.start..self.start + self.len]
    }
}

impl std::ops::DerefMut for AlignedVec {
    fn deref_mut(&mut self) -> &mut [f64] {
        &mut self.storage[self.start..self.start + self.len]
    }
}

/// The groups of a slice whose length is a multiple of [`LANES`].
#[inline(always)]
pub fn groups(v: &[f64]) -> std::slice::ChunksExact<'_, f64> {
    debug_assert_eq!(v.len() % LANES, 0);
    v.chunks_exact(LANES)
}

/// The groups of a mutable slice whose length is a multiple of [`LANES`].
#[inline(always)]
pub fn groups_mut(v: &mut [f64]) -> std::slice::ChunksExactMut<'_, f64> {
    debug_assert_eq!(v.len() % LANES, 0);
    v.chunks_exact_mut(LANES)
}

/// Σ aᵢbᵢ, with 2·[`SUMS_PER_ROW`] independent partial sums.
#[inline]
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    const SUMS: usize = 2 * SUMS_PER_ROW;
    let n = a.len().min(b.len());
    let split = n / (SUMS * LANES) * (SUMS * LANES);
    let mut acc = [Lanes::ZERO; SUMS];
    for (x, y) in a[..split].chunks_exact(SUMS * LANES).zip(b[..split].chunks_exact(SUMS * LANES)) {
        for (s, acc) in acc.iter_mut().enumerate() {
            *acc = Lanes::load(group(x, s)).mul_add(Lanes::load(group(y, s)), *acc);
        }
    }
    let mut sum = acc.iter().fold(Lanes::ZERO, |total, &part| total + part).sum();
    for (x, y) in a[split..n].iter().zip(&b[split..n]) {
        sum += x * y;
    }
    sum
}

/// y ← y + αx.
#[inline]
pub fn axpy(alpha: f64, x: &[f64], y: &mut [f64]) {
    let n = x.len().min(y.len());
    let split = n / LANES * LANES;
    let a = Lanes::splat(alpha);
    for (xc, yc) in groups(&x[..split]).zip(groups_mut(&mut y[..split])) {
        a.mul_add(Lanes::load(xc), Lanes::load(yc)).store(yc);
    }
    for (xi, yi) in x[split..n].iter().zip(&mut y[split..n]) {
        *yi += alpha * xi;
    }
}

/// Partial sums per row in [`dot4`]: with a whole AVX register per group, four sums are too few
/// to hide the latency of a multiply-add, so even and odd groups get their own; with SSE2
/// (a group is two registers, so the four sums are eight already) and simd128 more would not
/// fit in the registers.
const SUMS_PER_ROW: usize = if cfg!(target_feature = "avx") { 2 } else { 1 };

/// The four dot products ⟨qₖ, w⟩, reading w once (lengths multiples of [`LANES`]).
#[inline]
pub fn dot4(q: [&[f64]; 4], w: &[f64]) -> [f64; 4] {
    let mut acc = [[Lanes::ZERO; 4]; SUMS_PER_ROW];
    let steps = steps(w).zip(steps(q[0])).zip(steps(q[1])).zip(steps(q[2])).zip(steps(q[3]));
    for ((((wc, q0), q1), q2), q3) in steps {
        for (s, acc) in acc.iter_mut().enumerate() {
            let rows = [q0, q1, q2, q3].map(|row| group(row, s));
            accumulate4(acc, Lanes::load(group(wc, s)), rows);
        }
    }
    let tail = w.len() / STEP * STEP;
    if tail < w.len() {
        accumulate4(&mut acc[0], Lanes::load(&w[tail..]), q.map(|row| &row[tail..]));
    }
    sum_partials(acc)
}

/// w ← w − Σₖ cₖpₖ, then the four dot products ⟨qₖ, w⟩ with the result, in one sweep over w:
/// one group of Gram–Schmidt's subtractions and the next group's dot products. Each group of w
/// is final before it enters the dot products, so the result is that of [`subtract4`] followed
/// by [`dot4`]; but w is read and written once instead of twice, and the subtractions (from
/// vectors just read, still in the nearest cache) overlap the loads of the four new vectors.
#[inline]
pub fn subtract4_dot4(p: [&[f64]; 4], c: [f64; 4], q: [&[f64]; 4], w: &mut [f64]) -> [f64; 4] {
    let minus_c = c.map(|v| Lanes::splat(-v));
    let mut acc = [[Lanes::ZERO; 4]; SUMS_PER_ROW];
    let tail = w.len() / STEP * STEP;
    let olds = steps(p[0]).zip(steps(p[1])).zip(steps(p[2])).zip(steps(p[3]));
    let news = steps(q[0]).zip(steps(q[1])).zip(steps(q[2])).zip(steps(q[3]));
    for (wc, ((((p0, p1), p2), p3), (((q0, q1), q2), q3))) in w.chunks_exact_mut(STEP).zip(olds.zip(news)) {
        for (s, acc) in acc.iter_mut().enumerate() {
            let at = s * LANES..(s + 1) * LANES;
            let wv = subtract_group(Lanes::load(&wc[at.clone()]), minus_c, [p0, p1, p2, p3].map(|row| group(row, s)));
            wv.store(&mut wc[at]);
            accumulate4(acc, wv, [q0, q1, q2, q3].map(|row| group(row, s)));
        }
    }
    if tail < w.len() {
        let wv = subtract_group(Lanes::load(&w[tail..]), minus_c, p.map(|row| &row[tail..]));
        wv.store(&mut w[tail..]);
        accumulate4(&mut acc[0], wv, q.map(|row| &row[tail..]));
    }
    sum_partials(acc)
}

/// w ← w − Σₖ cₖqₖ over four vectors, reading and writing w once (lengths multiples of
/// [`LANES`]).
#[inline]
pub fn subtract4(q: [&[f64]; 4], c: [f64; 4], w: &mut [f64]) {
    let minus_c = c.map(|v| Lanes::splat(-v));
    let quads = groups_mut(w).zip(groups(q[0])).zip(groups(q[1])).zip(groups(q[2])).zip(groups(q[3]));
    for ((((wc, q0), q1), q2), q3) in quads {
        subtract_group(Lanes::load(wc), minus_c, [q0, q1, q2, q3]).store(wc);
    }
}

/// Values per step of [`dot4`] and [`subtract4_dot4`]: one group per partial sum of a row.
const STEP: usize = SUMS_PER_ROW * LANES;

/// Group `s` of a step.
#[inline(always)]
fn group(step: &[f64], s: usize) -> &[f64] {
    &step[s * LANES..(s + 1) * LANES]
}

/// The whole steps of a vector.
#[inline(always)]
fn steps(v: &[f64]) -> std::slice::ChunksExact<'_, f64> {
    v.chunks_exact(STEP)
}

/// acc[k] += q[k]·w, lane by lane, for one group.
#[inline(always)]
fn accumulate4(acc: &mut [Lanes; 4], w: Lanes, q: [&[f64]; 4]) {
    for (a, chunk) in acc.iter_mut().zip(q) {
        *a = Lanes::load(chunk).mul_add(w, *a);
    }
}

/// w + Σₖ minus_c[k]·q[k] for one group, as two chains of two so that the four multiply-adds
/// do not all wait on one another.
#[inline(always)]
fn subtract_group(w: Lanes, minus_c: [Lanes; 4], q: [&[f64]; 4]) -> Lanes {
    let [q0, q1, q2, q3] = q.map(Lanes::load);
    let near = q0.mul_add(minus_c[0], w);
    let far = q2.mul_add(minus_c[2], q3 * minus_c[3]);
    q1.mul_add(minus_c[1], near) + far
}

/// The four totals of per-place partial sums.
#[inline(always)]
fn sum_partials(acc: [[Lanes; 4]; SUMS_PER_ROW]) -> [f64; 4] {
    let totals = acc.iter().fold([Lanes::ZERO; 4], |total, part| std::array::from_fn(|r| total[r] + part[r]));
    totals.map(Lanes::sum)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernels_agree_with_plain_loops() {
        for n in [0, 1, 2, 3, 7, 8, 9, 16, 31, 301] {
            let a: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin()).collect();
            let b: Vec<f64> = (0..n).map(|i| (i as f64 * 0.11).cos()).collect();
            let plain: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            assert!((dot(&a, &b) - plain).abs() <= 1e-13 * (1.0 + plain.abs()));
            let mut y = b.clone();
            axpy(0.5, &a, &mut y);
            for i in 0..n {
                assert!((y[i] - (b[i] + 0.5 * a[i])).abs() <= 1e-15);
            }
            // The four-vector kernels on zero-padded copies.
            let pad = |v: &[f64]| {
                let mut p = v.to_vec();
                p.resize(padded(n), 0.0);
                p
            };
            let q: Vec<Vec<f64>> =
                (0..4).map(|k| pad(&(0..n).map(|i| ((i + k) as f64 * 0.23).sin()).collect::<Vec<_>>())).collect();
            let qs = [&q[0][..], &q[1][..], &q[2][..], &q[3][..]];
            let d = dot4(qs, &pad(&b));
            let mut w = pad(&b);
            subtract4(qs, d, &mut w);
            // The fused sweep: the same subtraction, then the dot products with its result.
            let mut fused = pad(&b);
            let after = subtract4_dot4(qs, d, [qs[1], qs[3], qs[0], qs[2]], &mut fused);
            assert_eq!(fused, w);
            let expected_after = dot4([qs[1], qs[3], qs[0], qs[2]], &w);
            for (x, y) in after.iter().zip(expected_after) {
                assert!((x - y).abs() <= 1e-15);
            }
            let mut expected = b.clone();
            for k in 0..4 {
                let plain: f64 = q[k].iter().zip(&b).map(|(x, y)| x * y).sum();
                assert!((d[k] - plain).abs() <= 1e-13 * (1.0 + plain.abs()));
                axpy(-d[k], &q[k], &mut expected);
            }
            for (x, y) in w.iter().zip(&expected) {
                assert!((x - y).abs() <= 1e-13);
            }
            assert!(w[n..].iter().all(|&v| v == 0.0));
        }
    }

    #[test]
    fn lanes_sum_and_fused_multiply_add() {
        let values: [f64; LANES] = std::array::from_fn(|l| (l + 1) as f64);
        let v = Lanes::load(&values);
        assert_eq!(v.sum(), (LANES * (LANES + 1) / 2) as f64);
        let mut out = [0.0; LANES];
        (v.mul_add(Lanes::splat(2.0), Lanes::splat(1.0)) + v * Lanes::splat(-0.5) + Lanes::ZERO).store(&mut out);
        assert_eq!(out, values.map(|x| 1.5 * x + 1.0));
        assert_eq!(padded(0), 0);
        assert_eq!(padded(1), LANES);
        assert_eq!(padded(LANES), LANES);
    }
}
