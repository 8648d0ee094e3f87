//! The vector kernels of the hot loops, over groups of [`LANES`] f64 values ([`Lanes`]),
//! compiled for an instruction set ([`Isa`]) that the processor is asked for at run time.
//!
//! A group is explicit SIMD: a `wide::f64x4` (one AVX register, two SSE2 registers, or two
//! wasm simd128 registers), or in builds for AVX-512 processors one 512-bit register through
//! the intrinsics. Arrays left to the compiler's auto-vectorizer do worse: in loops with several
//! sums it pairs the wrong elements (and shuffles every product before adding it), and it
//! splits arrays of eight into 128-bit pieces. Sums keep independent partial sums per lane: a
//! single accumulator would chain every addition on the previous one, and the compiler may not
//! reassociate floating-point sums by itself.
//!
//! An ordinary x86-64 build may only assume SSE2, which leaves most of a current processor
//! unused. So the hot code is generic over [`Isa`] and entered through [`with_isa!`], which
//! runs it compiled for AVX2 and FMA ([`Avx2Fma`]) when the processor has them and for the
//! build's own target ([`Baseline`]) otherwise. In wasm, and in builds that already target
//! AVX2 and FMA, there is only [`Baseline`].

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

/// An instruction set that the kernels are compiled for: the group type and its operations,
/// the scalar multiply-add, and the kernels whose partial sums depend on the register count.
///
/// Code generic over it is meant to be instantiated by [`with_isa!`] only, which hands it
/// [`Avx2Fma`] only after seeing that the processor has those instructions.
pub trait Isa: Copy + 'static {
    /// [`LANES`] values in registers.
    type Group: Copy + Add<Output = Self::Group> + Mul<Output = Self::Group>;
    const ZERO: Self::Group;
    fn splat(v: f64) -> Self::Group;
    fn load(lanes: [f64; LANES]) -> Self::Group;
    fn store(g: Self::Group, chunk: &mut [f64]);
    /// a·b + c, lane by lane, fused where the instruction set has FMA.
    fn fused(a: Self::Group, b: Self::Group, c: Self::Group) -> Self::Group;
    fn sum(g: Self::Group) -> f64;

    /// a·b + c, fused where the instruction set has FMA (the software `f64::mul_add` elsewhere
    /// would be a call).
    fn mul_add(a: f64, b: f64, c: f64) -> f64;

    /// Σ aᵢbᵢ.
    fn dot(a: &[f64], b: &[f64]) -> f64;

    /// The four dot products ⟨qₖ, w⟩, reading w once (lengths multiples of [`LANES`]).
    fn dot4(q: [&[f64]; 4], w: &[f64]) -> [f64; 4];

    /// w ← w − Σₖ cₖpₖ, then the four dot products ⟨qₖ, w⟩ with the result, in one sweep over
    /// w (see [`subtract4_dot4`]).
    fn subtract4_dot4(p: [&[f64]; 4], c: [f64; 4], q: [&[f64]; 4], w: &mut [f64]) -> [f64; 4];

    /// y ← y + αx.
    #[inline(always)]
    fn axpy(alpha: f64, x: &[f64], y: &mut [f64]) {
        axpy::<Self>(alpha, x, y);
    }

    /// w ← w − Σₖ cₖqₖ over four vectors, reading and writing w once (lengths multiples of
    /// [`LANES`]).
    #[inline(always)]
    fn subtract4(q: [&[f64]; 4], c: [f64; 4], w: &mut [f64]) {
        subtract4::<Self>(q, c, w);
    }
}

/// What the build targets: SSE2 in an ordinary x86-64 build, simd128 in wasm, and AVX2, FMA or
/// AVX-512 in builds for processors that have them.
#[derive(Clone, Copy, Debug)]
pub struct Baseline;

/// Partial sums per row of a group's dot products for [`Baseline`]: with a whole AVX register
/// per group, four sums are too few to hide the latency of a multiply-add, so even and odd
/// groups get their own; with SSE2 (a group is two registers, so the four sums are eight
/// already) and simd128 more would not fit in the registers.
const BASELINE_SUMS_PER_ROW: usize = if cfg!(target_feature = "avx") { 2 } else { 1 };

impl Isa for Baseline {
    type Group = group::Group;
    const ZERO: Self::Group = group::Group::ZERO;

    #[inline(always)]
    fn splat(v: f64) -> Self::Group {
        group::Group::splat(v)
    }

    #[inline(always)]
    fn load(lanes: [f64; LANES]) -> Self::Group {
        group::load(lanes)
    }

    #[inline(always)]
    fn store(g: Self::Group, chunk: &mut [f64]) {
        group::store(g, chunk);
    }

    #[inline(always)]
    fn fused(a: Self::Group, b: Self::Group, c: Self::Group) -> Self::Group {
        group::mul_add(a, b, c)
    }

    #[inline(always)]
    fn sum(g: Self::Group) -> f64 {
        group::sum(g)
    }

    #[inline(always)]
    fn mul_add(a: f64, b: f64, c: f64) -> f64 {
        if cfg!(target_feature = "fma") {
            a.mul_add(b, c)
        } else {
            a * b + c
        }
    }

    #[inline(always)]
    fn dot(a: &[f64], b: &[f64]) -> f64 {
        dot::<Self, { 2 * BASELINE_SUMS_PER_ROW }>(a, b)
    }

    #[inline(always)]
    fn dot4(q: [&[f64]; 4], w: &[f64]) -> [f64; 4] {
        dot4::<Self, BASELINE_SUMS_PER_ROW>(q, w)
    }

    #[inline(always)]
    fn subtract4_dot4(p: [&[f64]; 4], c: [f64; 4], q: [&[f64]; 4], w: &mut [f64]) -> [f64; 4] {
        subtract4_dot4::<Self, BASELINE_SUMS_PER_ROW>(p, c, q, w)
    }
}

/// AVX2 and FMA, found on the processor at run time: one 256-bit register per group, and every
/// multiply-add fused. Only in x86-64 builds that do not target them already.
#[cfg(all(target_arch = "x86_64", not(all(target_feature = "avx2", target_feature = "fma"))))]
pub(crate) use avx2_fma::Avx2Fma;

/// SAFETY, for every `unsafe` block here: [`Avx2Fma`] reaches code only through [`with_isa!`],
/// which runs that code after [`avx2_fma_in_use`] saw AVX2 and FMA on the processor (and
/// compiled for them), so every instruction used exists where it runs; loads and stores go
/// through slices of exactly four values.
#[cfg(all(target_arch = "x86_64", not(all(target_feature = "avx2", target_feature = "fma"))))]
mod avx2_fma {
    use super::{Isa, LANES};
    use std::arch::x86_64::{
        __m256d, _mm256_add_pd, _mm256_castpd256_pd128, _mm256_extractf128_pd, _mm256_fmadd_pd, _mm256_loadu_pd,
        _mm256_mul_pd, _mm256_set1_pd, _mm256_storeu_pd, _mm_add_pd, _mm_add_sd, _mm_cvtsd_f64, _mm_unpackhi_pd,
    };

    #[derive(Clone, Copy, Debug)]
    pub struct Avx2Fma;

    // A group is one 256-bit register: the tables must be padded to groups of four.
    const _: () = assert!(LANES == 4);

    #[derive(Clone, Copy)]
    pub struct Group(__m256d);

    impl std::ops::Add for Group {
        type Output = Self;
        #[inline(always)]
        fn add(self, rhs: Self) -> Self {
            Self(unsafe { _mm256_add_pd(self.0, rhs.0) })
        }
    }

    impl std::ops::Mul for Group {
        type Output = Self;
        #[inline(always)]
        fn mul(self, rhs: Self) -> Self {
            Self(unsafe { _mm256_mul_pd(self.0, rhs.0) })
        }
    }

    /// Two partial sums per row: a group is one register, and sixteen of them leave room.
    const SUMS_PER_ROW: usize = 2;

    impl Isa for Avx2Fma {
        type Group = Group;
        // The register is 32 bytes of four f64 lanes; any bit pattern is a valid value.
        const ZERO: Group = Group(unsafe { std::mem::transmute::<[f64; 4], __m256d>([0.0; 4]) });

        #[inline(always)]
        fn splat(v: f64) -> Group {
            Group(unsafe { _mm256_set1_pd(v) })
        }

        #[inline(always)]
        fn load(lanes: [f64; LANES]) -> Group {
            Group(unsafe { _mm256_loadu_pd(lanes.as_ptr()) })
        }

        #[inline(always)]
        fn store(g: Group, chunk: &mut [f64]) {
            let chunk: &mut [f64; LANES] = chunk.try_into().expect("a chunk of four values");
            unsafe { _mm256_storeu_pd(chunk.as_mut_ptr(), g.0) }
        }

        #[inline(always)]
        fn fused(a: Group, b: Group, c: Group) -> Group {
            Group(unsafe { _mm256_fmadd_pd(a.0, b.0, c.0) })
        }

        /// (lane 0 + lane 2) + (lane 1 + lane 3).
        #[inline(always)]
        fn sum(g: Group) -> f64 {
            unsafe {
                let halves = _mm_add_pd(_mm256_castpd256_pd128(g.0), _mm256_extractf128_pd::<1>(g.0));
                _mm_cvtsd_f64(_mm_add_sd(halves, _mm_unpackhi_pd(halves, halves)))
            }
        }

        #[inline(always)]
        fn mul_add(a: f64, b: f64, c: f64) -> f64 {
            a.mul_add(b, c)
        }

        #[inline(always)]
        fn dot(a: &[f64], b: &[f64]) -> f64 {
            super::dot::<Self, { 2 * SUMS_PER_ROW }>(a, b)
        }

        #[inline(always)]
        fn dot4(q: [&[f64]; 4], w: &[f64]) -> [f64; 4] {
            super::dot4::<Self, SUMS_PER_ROW>(q, w)
        }

        #[inline(always)]
        fn subtract4_dot4(p: [&[f64]; 4], c: [f64; 4], q: [&[f64]; 4], w: &mut [f64]) -> [f64; 4] {
            super::subtract4_dot4::<Self, SUMS_PER_ROW>(p, c, q, w)
        }
    }
}

thread_local! {
    /// Set by [`on_baseline`]: this thread runs the build's own instruction set only.
    static BASELINE_ONLY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with every kernel it reaches on this thread compiled for [`Baseline`]: the same
/// arithmetic on every processor (and so the same numbers as the page's wasm where the
/// operations agree), for pinned results and for measuring what the run-time choice gains.
pub fn on_baseline<R>(f: impl FnOnce() -> R) -> R {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            BASELINE_ONLY.set(self.0);
        }
    }
    let _restore = Restore(BASELINE_ONLY.replace(true));
    f()
}

/// A thread's choice between the run-time instruction set and [`Baseline`] only, to hand on
/// with the work it gives to other threads (a thread pool's threads do not inherit it).
#[derive(Clone, Copy, Debug)]
pub struct IsaChoice {
    baseline_only: bool,
}

impl IsaChoice {
    /// This thread's choice.
    pub fn here() -> Self {
        Self { baseline_only: BASELINE_ONLY.get() }
    }

    /// Runs `f` under this choice, on whatever thread calls it.
    pub fn run<R>(self, f: impl FnOnce() -> R) -> R {
        if self.baseline_only {
            on_baseline(f)
        } else {
            f()
        }
    }
}

/// Whether [`with_isa!`] runs its code for [`Avx2Fma`] on this thread now.
#[cfg(all(target_arch = "x86_64", not(all(target_feature = "avx2", target_feature = "fma"))))]
#[inline]
pub(crate) fn avx2_fma_in_use() -> bool {
    !BASELINE_ONLY.get() && std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
}

/// The instruction set [`with_isa!`] runs on this thread, in words.
pub fn isa_in_use() -> &'static str {
    #[cfg(all(target_arch = "x86_64", not(all(target_feature = "avx2", target_feature = "fma"))))]
    if avx2_fma_in_use() {
        return "AVX2 and FMA, found at run time";
    }
    if cfg!(target_arch = "wasm32") {
        "wasm simd128"
    } else if cfg!(target_feature = "avx512f") {
        "AVX-512, built in"
    } else if cfg!(all(target_feature = "avx2", target_feature = "fma")) {
        "AVX2 and FMA, built in"
    } else if cfg!(target_arch = "x86_64") {
        "SSE2, the build's own"
    } else {
        "the build's own"
    }
}

/// Runs the call `$body` (an expression naming the instruction set `$isa` in its generic
/// arguments) compiled for [`Avx2Fma`] when the processor has it and this thread is not
/// [`on_baseline`], and for [`Baseline`] otherwise.
///
/// Everything `$body` calls with `$isa` must be inlined down to the kernels on x86-64
/// (`#[cfg_attr(target_arch = "x86_64", inline(always))]` on the larger functions): the AVX2
/// copy is one function compiled for those instructions, and a call left out of it would run
/// their group operations outside it, one call each. In wasm, with its one instruction set,
/// the larger functions stay calls: forced inline there, the wasm grew by a twentieth and one
/// measurement in the browser ran the digits' passes at about half their rate.
macro_rules! with_isa {
    ($isa:ident => $body:expr) => {{
        #[cfg(all(target_arch = "x86_64", not(all(target_feature = "avx2", target_feature = "fma"))))]
        let result = if $crate::math::kernels::avx2_fma_in_use() {
            #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
            type $isa = $crate::math::kernels::Avx2Fma;
            // SAFETY: the processor has AVX2 and FMA (just asked).
            unsafe {
                $crate::math::kernels::on_avx2_fma(
                    #[inline(always)]
                    || $body,
                )
            }
        } else {
            #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
            type $isa = $crate::math::kernels::Baseline;
            $body
        };
        #[cfg(not(all(target_arch = "x86_64", not(all(target_feature = "avx2", target_feature = "fma")))))]
        let result = {
            #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
            type $isa = $crate::math::kernels::Baseline;
            $body
        };
        result
    }};
}
pub(crate) use with_isa;

/// Runs `f` compiled for AVX2 and FMA: `f` is inlined here, and so is everything it calls with
/// `#[inline(always)]`.
///
/// # Safety
/// The processor must have AVX2 and FMA ([`avx2_fma_in_use`]).
#[cfg(all(target_arch = "x86_64", not(all(target_feature = "avx2", target_feature = "fma"))))]
#[target_feature(enable = "avx2,fma")]
pub(crate) fn on_avx2_fma<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// The arithmetic rate of the group multiply-adds on this processor, in floating-point
/// operations per second (a multiply-add counts as two, fused or not): the ceiling the hot loops
/// are measured against. Eight independent chains of multiply-adds on values held in
/// registers, nothing loaded or stored; the best of five passes.
pub fn peak_flops(now: &dyn Fn() -> f64) -> f64 {
    (0..5).map(|_| with_isa!(I => peak_pass::<I>(now))).fold(0.0, f64::max)
}

/// One pass of [`peak_flops`], about 10 ms natively. In wasm it is a call of its own: the
/// engine compiles a function for speed only after it has run a while, and a later call then
/// runs the fast copy.
#[cfg_attr(target_arch = "x86_64", inline(always))]
#[cfg_attr(not(target_arch = "x86_64"), inline(never))]
fn peak_pass<I: Isa>(now: &dyn Fn() -> f64) -> f64 {
    const CHAINS: usize = 8;
    const ROUNDS: usize = 1 << 22;
    // A contraction towards 1: the values stay finite and normal however long it runs.
    let (scale, shift) = (Lanes::<I>::splat(0.5), Lanes::<I>::splat(0.5));
    let mut chains: [Lanes<I>; CHAINS] = std::array::from_fn(|c| Lanes::splat(c as f64));
    let start = now();
    for _ in 0..ROUNDS {
        for chain in &mut chains {
            *chain = chain.mul_add(scale, shift);
        }
    }
    let seconds = (now() - start) / 1000.0;
    let mut total = Lanes::ZERO;
    for chain in chains {
        total = total + chain;
    }
    std::hint::black_box(total.sum());
    (ROUNDS * CHAINS * LANES * 2) as f64 / seconds
}

/// A group of [`LANES`] values of instruction set `I`, operated on lane by lane.
#[derive(Clone, Copy)]
pub struct Lanes<I: Isa>(I::Group);

impl<I: Isa> Lanes<I> {
    pub const ZERO: Self = Self(I::ZERO);

    #[inline(always)]
    pub fn splat(v: f64) -> Self {
        Self(I::splat(v))
    }

    /// The values of a chunk of exactly [`LANES`] (as `chunks_exact(LANES)` yields, which lets
    /// the compiler drop every bounds check).
    #[inline(always)]
    pub fn load(chunk: &[f64]) -> Self {
        let lanes: [f64; LANES] = chunk.try_into().expect("a chunk of LANES values");
        Self(I::load(lanes))
    }

    /// Writes the lanes into a chunk of exactly [`LANES`].
    #[inline(always)]
    pub fn store(self, chunk: &mut [f64]) {
        I::store(self.0, chunk);
    }

    /// self·m + a, fused into one rounding where the instruction set has FMA.
    #[inline(always)]
    pub fn mul_add(self, m: Self, a: Self) -> Self {
        Self(I::fused(self.0, m.0, a.0))
    }

    /// The sum of the lanes.
    #[inline(always)]
    pub fn sum(self) -> f64 {
        I::sum(self.0)
    }
}

impl<I: Isa> Add for Lanes<I> {
    type Output = Self;
    #[inline(always)]
    fn add(self, rhs: Self) -> Self {
        Self(self.0 + rhs.0)
    }
}

impl<I: Isa> Mul for Lanes<I> {
    type Output = Self;
    #[inline(always)]
    fn mul(self, rhs: Self) -> Self {
        Self(self.0 * rhs.0)
    }
}

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

/// Σ aᵢbᵢ, with `SUMS` independent partial sums ([`Isa::dot`]).
#[inline(always)]
fn dot<I: Isa, const SUMS: usize>(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let split = n / (SUMS * LANES) * (SUMS * LANES);
    let mut acc = [Lanes::<I>::ZERO; SUMS];
    for (x, y) in a[..split].chunks_exact(SUMS * LANES).zip(b[..split].chunks_exact(SUMS * LANES)) {
        for (s, acc) in acc.iter_mut().enumerate() {
            *acc = Lanes::load(group(x, s)).mul_add(Lanes::load(group(y, s)), *acc);
        }
    }
    let mut total = Lanes::ZERO;
    for part in acc {
        total = total + part;
    }
    let mut sum = total.sum();
    for (x, y) in a[split..n].iter().zip(&b[split..n]) {
        sum += x * y;
    }
    sum
}

/// y ← y + αx ([`Isa::axpy`]).
#[inline(always)]
fn axpy<I: Isa>(alpha: f64, x: &[f64], y: &mut [f64]) {
    let n = x.len().min(y.len());
    let split = n / LANES * LANES;
    let a = Lanes::<I>::splat(alpha);
    for (xc, yc) in groups(&x[..split]).zip(groups_mut(&mut y[..split])) {
        a.mul_add(Lanes::load(xc), Lanes::load(yc)).store(yc);
    }
    for (xi, yi) in x[split..n].iter().zip(&mut y[split..n]) {
        *yi += alpha * xi;
    }
}

/// The four dot products ⟨qₖ, w⟩ with `SUMS_PER_ROW` partial sums each ([`Isa::dot4`]).
#[inline(always)]
fn dot4<I: Isa, const SUMS_PER_ROW: usize>(q: [&[f64]; 4], w: &[f64]) -> [f64; 4] {
    let mut acc = [[Lanes::<I>::ZERO; 4]; SUMS_PER_ROW];
    let step = SUMS_PER_ROW * LANES;
    let steps = |v| steps(v, step);
    let steps = steps(w).zip(steps(q[0])).zip(steps(q[1])).zip(steps(q[2])).zip(steps(q[3]));
    for ((((wc, q0), q1), q2), q3) in steps {
        for (s, acc) in acc.iter_mut().enumerate() {
            let rows = [q0, q1, q2, q3].map(|row| group(row, s));
            accumulate4(acc, Lanes::load(group(wc, s)), rows);
        }
    }
    let tail = w.len() / step * step;
    if tail < w.len() {
        accumulate4(&mut acc[0], Lanes::load(&w[tail..]), q.map(|row| &row[tail..]));
    }
    sum_partials(acc)
}

/// w ← w − Σₖ cₖpₖ, then the four dot products ⟨qₖ, w⟩ with the result, in one sweep over w:
/// one group of Gram–Schmidt's subtractions and the next group's dot products. Each group of w
/// is final before it enters the dot products, so the result is that of [`Isa::subtract4`]
/// followed by [`Isa::dot4`]; but w is read and written once instead of twice, and the
/// subtractions (from vectors just read, still in the nearest cache) overlap the loads of the
/// four new vectors.
#[inline(always)]
fn subtract4_dot4<I: Isa, const SUMS_PER_ROW: usize>(
    p: [&[f64]; 4],
    c: [f64; 4],
    q: [&[f64]; 4],
    w: &mut [f64],
) -> [f64; 4] {
    let minus_c = c.map(|v| Lanes::<I>::splat(-v));
    let mut acc = [[Lanes::ZERO; 4]; SUMS_PER_ROW];
    let step = SUMS_PER_ROW * LANES;
    let steps = |v| steps(v, step);
    let tail = w.len() / step * step;
    let olds = steps(p[0]).zip(steps(p[1])).zip(steps(p[2])).zip(steps(p[3]));
    let news = steps(q[0]).zip(steps(q[1])).zip(steps(q[2])).zip(steps(q[3]));
    for (wc, ((((p0, p1), p2), p3), (((q0, q1), q2), q3))) in w.chunks_exact_mut(step).zip(olds.zip(news)) {
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

/// w ← w − Σₖ cₖqₖ over four vectors ([`Isa::subtract4`]).
#[inline(always)]
fn subtract4<I: Isa>(q: [&[f64]; 4], c: [f64; 4], w: &mut [f64]) {
    let minus_c = c.map(|v| Lanes::<I>::splat(-v));
    let quads = groups_mut(w).zip(groups(q[0])).zip(groups(q[1])).zip(groups(q[2])).zip(groups(q[3]));
    for ((((wc, q0), q1), q2), q3) in quads {
        subtract_group(Lanes::load(wc), minus_c, [q0, q1, q2, q3]).store(wc);
    }
}

/// Group `s` of a step.
#[inline(always)]
fn group(step: &[f64], s: usize) -> &[f64] {
    &step[s * LANES..(s + 1) * LANES]
}

/// The whole steps of `step` values of a vector.
#[inline(always)]
fn steps(v: &[f64], step: usize) -> std::slice::ChunksExact<'_, f64> {
    v.chunks_exact(step)
}

/// acc[k] += q[k]·w, lane by lane, for one group.
#[inline(always)]
fn accumulate4<I: Isa>(acc: &mut [Lanes<I>; 4], w: Lanes<I>, q: [&[f64]; 4]) {
    for (a, chunk) in acc.iter_mut().zip(q) {
        *a = Lanes::load(chunk).mul_add(w, *a);
    }
}

/// w + Σₖ minus_c[k]·q[k] for one group, as two chains of two so that the four multiply-adds
/// do not all wait on one another.
#[inline(always)]
fn subtract_group<I: Isa>(w: Lanes<I>, minus_c: [Lanes<I>; 4], q: [&[f64]; 4]) -> Lanes<I> {
    let [q0, q1, q2, q3] = q.map(Lanes::load);
    let near = q0.mul_add(minus_c[0], w);
    let far = q2.mul_add(minus_c[2], q3 * minus_c[3]);
    q1.mul_add(minus_c[1], near) + far
}

/// The four totals of per-place partial sums.
#[inline(always)]
fn sum_partials<I: Isa, const SUMS_PER_ROW: usize>(acc: [[Lanes<I>; 4]; SUMS_PER_ROW]) -> [f64; 4] {
    let totals = acc.iter().fold([Lanes::ZERO; 4], |total, part| std::array::from_fn(|r| total[r] + part[r]));
    totals.map(Lanes::sum)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both instruction sets this processor offers, each through the dispatcher as the hot code
    /// enters them.
    fn on_each_isa(check: fn()) {
        check();
        on_baseline(check);
    }

    #[test]
    fn kernels_agree_with_plain_loops() {
        on_each_isa(|| with_isa!(I => kernels_agree_with_plain_loops_on::<I>()));
    }

    #[inline(always)]
    fn kernels_agree_with_plain_loops_on<I: Isa>() {
        for n in [0, 1, 2, 3, 7, 8, 9, 16, 31, 301] {
            let a: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin()).collect();
            let b: Vec<f64> = (0..n).map(|i| (i as f64 * 0.11).cos()).collect();
            let plain: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            assert!((I::dot(&a, &b) - plain).abs() <= 1e-13 * (1.0 + plain.abs()));
            let mut y = b.clone();
            I::axpy(0.5, &a, &mut y);
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
            let d = I::dot4(qs, &pad(&b));
            let mut w = pad(&b);
            I::subtract4(qs, d, &mut w);
            // The fused sweep: the same subtraction, then the dot products with its result.
            let mut fused = pad(&b);
            let after = I::subtract4_dot4(qs, d, [qs[1], qs[3], qs[0], qs[2]], &mut fused);
            assert_eq!(fused, w);
            let expected_after = I::dot4([qs[1], qs[3], qs[0], qs[2]], &w);
            for (x, y) in after.iter().zip(expected_after) {
                assert!((x - y).abs() <= 1e-15);
            }
            let mut expected = b.clone();
            for k in 0..4 {
                let plain: f64 = q[k].iter().zip(&b).map(|(x, y)| x * y).sum();
                assert!((d[k] - plain).abs() <= 1e-13 * (1.0 + plain.abs()));
                I::axpy(-d[k], &q[k], &mut expected);
            }
            for (x, y) in w.iter().zip(&expected) {
                assert!((x - y).abs() <= 1e-13);
            }
            assert!(w[n..].iter().all(|&v| v == 0.0));
        }
    }

    #[test]
    fn lanes_sum_and_fused_multiply_add() {
        on_each_isa(|| with_isa!(I => lanes_sum_and_fused_multiply_add_on::<I>()));
    }

    #[inline(always)]
    fn lanes_sum_and_fused_multiply_add_on<I: Isa>() {
        let values: [f64; LANES] = std::array::from_fn(|l| (l + 1) as f64);
        let v = Lanes::<I>::load(&values);
        assert_eq!(v.sum(), (LANES * (LANES + 1) / 2) as f64);
        let mut out = [0.0; LANES];
        (v.mul_add(Lanes::splat(2.0), Lanes::splat(1.0)) + v * Lanes::splat(-0.5) + Lanes::ZERO).store(&mut out);
        assert_eq!(out, values.map(|x| 1.5 * x + 1.0));
        assert_eq!(padded(0), 0);
        assert_eq!(padded(1), LANES);
        assert_eq!(padded(LANES), LANES);
    }
}
