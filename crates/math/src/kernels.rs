//! The vector kernels of the hot loops, over groups of f64 values ([`Lanes`]), compiled for an
//! instruction set ([`Isa`]) that the processor is asked for at run time.
//!
//! A group is explicit SIMD: four values in a `wide::f64x4` (two SSE2 or wasm simd128
//! registers, one AVX register), or one register through the x86-64 intrinsics: four values
//! with AVX2 and FMA, eight with AVX-512. Arrays left to the compiler's auto-vectorizer do
//! worse: in loops with several sums it pairs the wrong elements (and shuffles every product
//! before adding it), and it splits arrays of eight into 128-bit pieces. Sums keep independent
//! partial sums per lane: a single accumulator would chain every addition on the previous one,
//! and the compiler may not reassociate floating-point sums by itself.
//!
//! An ordinary x86-64 build may only assume SSE2, which leaves most of a current processor
//! unused. So the hot code is generic over [`Isa`] and entered through [`with_isa!`], which
//! runs it compiled for AVX-512 (`Avx512`) or else AVX2 and FMA (`Avx2Fma`) when the
//! processor has them, and for the build's own target ([`Baseline`]) otherwise. A build that
//! already targets one of them has only those above its own; in wasm there is only
//! [`Baseline`].
//!
//! The group width is the instruction set's ([`Isa::LANES`]), but tables outlive the choice
//! (it is made at every entry, and [`on_baseline`] changes it), so they are padded for every
//! instruction set the build may run ([`padded`]).

use std::cell::Cell;
use std::ops::{Add, Mul};

/// Values per group of the widest instruction set the build may run: eight on x86-64 (AVX-512,
/// found at run time or built in), four elsewhere. A whole number of groups of every other.
pub const MAX_LANES: usize = if cfg!(target_arch = "x86_64") { 8 } else { 4 };

/// `len` rounded up to whole groups of every instruction set the build may run: the stride of
/// tables that any of them may sweep (in wasm, whole groups of four, all its one instruction set
/// needs).
pub const fn padded(len: usize) -> usize {
    len.div_ceil(MAX_LANES) * MAX_LANES
}

/// An instruction set that the kernels are compiled for: the group type and its operations,
/// the scalar multiply-add, and the kernels whose partial sums depend on the register count.
///
/// Code generic over it is meant to be instantiated by [`with_isa!`] only, which hands it
/// `Avx2Fma` or `Avx512` only after seeing that the processor has those instructions.
pub trait Isa: Copy + 'static {
    /// Values per group: a divisor of [`MAX_LANES`].
    const LANES: usize;
    /// [`Self::LANES`] values in registers.
    type Group: Copy + Add<Output = Self::Group> + Mul<Output = Self::Group>;
    const ZERO: Self::Group;
    fn splat(v: f64) -> Self::Group;
    /// The values of a chunk of exactly [`Self::LANES`].
    fn load(chunk: &[f64]) -> Self::Group;
    /// Writes the lanes into a chunk of exactly [`Self::LANES`].
    fn store(g: Self::Group, chunk: &mut [f64]);
    /// a·b + c, lane by lane, fused where the instruction set has FMA.
    fn fused(a: Self::Group, b: Self::Group, c: Self::Group) -> Self::Group;
    fn sum(g: Self::Group) -> f64;

    /// a·b + c, fused where the instruction set has FMA (the software `f64::mul_add` elsewhere
    /// would be a call).
    fn mul_add(a: f64, b: f64, c: f64) -> f64;

    /// Σ aᵢbᵢ.
    fn dot(a: &[f64], b: &[f64]) -> f64;

    /// The four dot products ⟨qₖ, w⟩, reading w once (lengths multiples of [`Self::LANES`]).
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
    /// [`Self::LANES`]).
    #[inline(always)]
    fn subtract4(q: [&[f64]; 4], c: [f64; 4], w: &mut [f64]) {
        subtract4::<Self>(q, c, w);
    }

    /// `len` rounded up to whole groups of this instruction set: how much of a vector of
    /// [`padded`] length its kernels sweep. The rest is zeros, which add nothing, but
    /// [`Self::dot`] adds its last values one by one, so where it stops decides how its sum is
    /// rounded: swept this far, each instruction set rounds as with tables padded for it alone,
    /// and the build's own (whose results are pinned) as in wasm.
    #[inline(always)]
    fn padded(len: usize) -> usize {
        const { assert!(MAX_LANES.is_multiple_of(Self::LANES)) };
        len.div_ceil(Self::LANES) * Self::LANES
    }
}

/// What the build targets: SSE2 in an ordinary x86-64 build, simd128 in wasm, AVX2 and FMA in
/// builds for processors that have them. (In builds for AVX-512 processors it is `Avx512`.)
#[cfg(not(all(target_arch = "x86_64", target_feature = "avx512f")))]
#[derive(Clone, Copy, Debug)]
pub struct Baseline;

/// What the build targets: in builds for AVX-512 processors, [`Avx512`].
#[cfg(all(target_arch = "x86_64", target_feature = "avx512f"))]
pub type Baseline = Avx512;

/// Partial sums per row of a group's dot products for [`Baseline`]: with a whole AVX register
/// per group, four sums are too few to hide the latency of a multiply-add, so even and odd
/// groups get their own; with SSE2 (a group is two registers, so the four sums are eight
/// already) and simd128 more would not fit in the registers.
#[cfg(not(all(target_arch = "x86_64", target_feature = "avx512f")))]
const BASELINE_SUMS_PER_ROW: usize = if cfg!(target_feature = "avx") { 2 } else { 1 };

/// Four lanes in a `wide::f64x4`: one AVX register, or two SSE2 or wasm simd128 registers.
#[cfg(not(all(target_arch = "x86_64", target_feature = "avx512f")))]
impl Isa for Baseline {
    const LANES: usize = 4;
    type Group = wide::f64x4;
    const ZERO: Self::Group = wide::f64x4::ZERO;

    #[inline(always)]
    fn splat(v: f64) -> Self::Group {
        wide::f64x4::splat(v)
    }

    #[inline(always)]
    fn load(chunk: &[f64]) -> Self::Group {
        wide::f64x4::new(chunk.try_into().expect("a chunk of four values"))
    }

    #[inline(always)]
    fn store(g: Self::Group, chunk: &mut [f64]) {
        chunk.copy_from_slice(&g.to_array());
    }

    #[inline(always)]
    fn fused(a: Self::Group, b: Self::Group, c: Self::Group) -> Self::Group {
        a.mul_add(b, c)
    }

    #[inline(always)]
    fn sum(g: Self::Group) -> f64 {
        g.reduce_add()
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

/// AVX2 and FMA, found on the processor at run time: one 256-bit register per group. Only in
/// x86-64 builds that do not target them already.
#[cfg(all(target_arch = "x86_64", not(all(target_feature = "avx2", target_feature = "fma"))))]
pub(crate) use x86::Avx2Fma;

/// AVX-512, found on the processor at run time or built in: one 512-bit register per group.
#[cfg(target_arch = "x86_64")]
pub use x86::Avx512;

/// The instruction sets of x86-64 whose group is one register, with every multiply-add fused:
/// AVX2 and FMA (256 bits, four values) and AVX-512 (512 bits, eight). One implementation of
/// [`Isa`] over the register type; the registers differ only in their intrinsics.
///
/// SAFETY, for every `unsafe` block here: the intrinsics run only in code compiled for their
/// instructions, on a processor that has them. [`Avx512`] is [`Baseline`] in builds for
/// AVX-512 processors (which target AVX2 and FMA too, as the 256-bit half of its sum needs);
/// otherwise it, like [`Avx2Fma`], reaches code only through [`with_isa!`], which runs that code
/// compiled for AVX-512F and the AVX2 and FMA it implies (or for AVX2 and FMA) after
/// [`isa_level`] found those instructions on the processor. Loads and stores go through arrays
/// of exactly one register's values; `ZERO` is an array of zeros of a register's size, and any
/// bit pattern is a register's value.
#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::{dot, dot4, subtract4_dot4, Isa};
    use std::arch::x86_64::{
        __m256d, __m512d, _mm256_add_pd, _mm256_castpd256_pd128, _mm256_extractf128_pd, _mm256_fmadd_pd,
        _mm256_loadu_pd, _mm256_mul_pd, _mm256_set1_pd, _mm256_storeu_pd, _mm512_add_pd, _mm512_castpd512_pd256,
        _mm512_extractf64x4_pd, _mm512_fmadd_pd, _mm512_loadu_pd, _mm512_mul_pd, _mm512_set1_pd, _mm512_storeu_pd,
        _mm_add_pd, _mm_add_sd, _mm_cvtsd_f64, _mm_unpackhi_pd,
    };
    use std::marker::PhantomData;

    /// A register of f64 lanes and the instructions the kernels use on it.
    pub trait Register: Copy + 'static {
        const LANES: usize;
        const ZERO: Self;
        fn splat(v: f64) -> Self;
        fn load(chunk: &[f64]) -> Self;
        fn store(self, chunk: &mut [f64]);
        fn add(self, rhs: Self) -> Self;
        fn mul(self, rhs: Self) -> Self;
        /// self·m + a, fused.
        fn fmadd(self, m: Self, a: Self) -> Self;
        fn sum(self) -> f64;
    }

    /// [`Register`] for a register type of `$lanes` values, by its intrinsics.
    macro_rules! register {
        ($register:ident, $lanes:literal, $set1:ident, $loadu:ident, $storeu:ident, $add:ident, $mul:ident,
         $fmadd:ident, sum: |$g:ident| $sum:expr) => {
            impl Register for $register {
                const LANES: usize = $lanes;
                const ZERO: Self = unsafe { std::mem::transmute::<[f64; $lanes], $register>([0.0; $lanes]) };

                #[inline(always)]
                fn splat(v: f64) -> Self {
                    unsafe { $set1(v) }
                }

                #[inline(always)]
                fn load(chunk: &[f64]) -> Self {
                    let lanes: &[f64; $lanes] = chunk.try_into().expect("a chunk of one register's values");
                    unsafe { $loadu(lanes.as_ptr()) }
                }

                #[inline(always)]
                fn store(self, chunk: &mut [f64]) {
                    let lanes: &mut [f64; $lanes] = chunk.try_into().expect("a chunk of one register's values");
                    unsafe { $storeu(lanes.as_mut_ptr(), self) }
                }

                #[inline(always)]
                fn add(self, rhs: Self) -> Self {
                    unsafe { $add(self, rhs) }
                }

                #[inline(always)]
                fn mul(self, rhs: Self) -> Self {
                    unsafe { $mul(self, rhs) }
                }

                #[inline(always)]
                fn fmadd(self, m: Self, a: Self) -> Self {
                    unsafe { $fmadd(self, m, a) }
                }

                #[inline(always)]
                fn sum(self) -> f64 {
                    let $g = self;
                    unsafe { $sum }
                }
            }
        };
    }

    // The sum: (lane 0 + lane 2) + (lane 1 + lane 3).
    register!(
        __m256d, 4, _mm256_set1_pd, _mm256_loadu_pd, _mm256_storeu_pd, _mm256_add_pd, _mm256_mul_pd, _mm256_fmadd_pd,
        sum: |g| {
            let halves = _mm_add_pd(_mm256_castpd256_pd128(g), _mm256_extractf128_pd::<1>(g));
            _mm_cvtsd_f64(_mm_add_sd(halves, _mm_unpackhi_pd(halves, halves)))
        }
    );
    // The sum: the two 256-bit halves added, then summed as above.
    register!(
        __m512d, 8, _mm512_set1_pd, _mm512_loadu_pd, _mm512_storeu_pd, _mm512_add_pd, _mm512_mul_pd, _mm512_fmadd_pd,
        sum: |g| _mm256_add_pd(_mm512_castpd512_pd256(g), _mm512_extractf64x4_pd::<1>(g)).sum()
    );

    /// A group: one register.
    #[derive(Clone, Copy)]
    pub struct Group<R>(R);

    impl<R: Register> std::ops::Add for Group<R> {
        type Output = Self;
        #[inline(always)]
        fn add(self, rhs: Self) -> Self {
            Self(self.0.add(rhs.0))
        }
    }

    impl<R: Register> std::ops::Mul for Group<R> {
        type Output = Self;
        #[inline(always)]
        fn mul(self, rhs: Self) -> Self {
            Self(self.0.mul(rhs.0))
        }
    }

    /// The kernels with one register `R` per group.
    #[derive(Clone, Copy, Debug)]
    pub struct OneRegister<R>(PhantomData<R>);

    #[cfg(not(all(target_feature = "avx2", target_feature = "fma")))]
    pub type Avx2Fma = OneRegister<__m256d>;
    pub type Avx512 = OneRegister<__m512d>;

    /// Two partial sums per row: a group is one register, and the sixteen registers of AVX2
    /// (thirty-two with AVX-512) leave room.
    const SUMS_PER_ROW: usize = 2;

    impl<R: Register> Isa for OneRegister<R> {
        const LANES: usize = R::LANES;
        type Group = Group<R>;
        const ZERO: Group<R> = Group(R::ZERO);

        #[inline(always)]
        fn splat(v: f64) -> Group<R> {
            Group(R::splat(v))
        }

        #[inline(always)]
        fn load(chunk: &[f64]) -> Group<R> {
            Group(R::load(chunk))
        }

        #[inline(always)]
        fn store(g: Group<R>, chunk: &mut [f64]) {
            g.0.store(chunk);
        }

        #[inline(always)]
        fn fused(a: Group<R>, b: Group<R>, c: Group<R>) -> Group<R> {
            Group(a.0.fmadd(b.0, c.0))
        }

        #[inline(always)]
        fn sum(g: Group<R>) -> f64 {
            g.0.sum()
        }

        #[inline(always)]
        fn mul_add(a: f64, b: f64, c: f64) -> f64 {
            a.mul_add(b, c)
        }

        #[inline(always)]
        fn dot(a: &[f64], b: &[f64]) -> f64 {
            dot::<Self, { 2 * SUMS_PER_ROW }>(a, b)
        }

        #[inline(always)]
        fn dot4(q: [&[f64]; 4], w: &[f64]) -> [f64; 4] {
            dot4::<Self, SUMS_PER_ROW>(q, w)
        }

        #[inline(always)]
        fn subtract4_dot4(p: [&[f64]; 4], c: [f64; 4], q: [&[f64]; 4], w: &mut [f64]) -> [f64; 4] {
            subtract4_dot4::<Self, SUMS_PER_ROW>(p, c, q, w)
        }
    }
}

/// The instruction sets [`with_isa!`] chooses from, the build's own first: the processor's
/// widest, capped per thread ([`on_baseline`], [`without_avx512`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum IsaLevel {
    Baseline,
    Avx2Fma,
    Avx512,
}

thread_local! {
    /// The widest instruction set [`with_isa!`] may run on this thread.
    static CAP: Cell<IsaLevel> = const { Cell::new(IsaLevel::Avx512) };
}

/// Runs `f` with this thread's cap lowered to `cap` (never raised), and restores it after.
fn capped<R>(cap: IsaLevel, f: impl FnOnce() -> R) -> R {
    struct Restore(IsaLevel);
    impl Drop for Restore {
        fn drop(&mut self) {
            CAP.set(self.0);
        }
    }
    let _restore = Restore(CAP.replace(cap.min(CAP.get())));
    f()
}

/// Runs `f` with every kernel it reaches on this thread compiled for [`Baseline`]: the same
/// arithmetic on every processor (and so the same numbers as the page's wasm where the
/// operations agree), for pinned results and for measuring what the run-time choice gains.
pub fn on_baseline<R>(f: impl FnOnce() -> R) -> R {
    capped(IsaLevel::Baseline, f)
}

/// Runs `f` with the kernels it reaches on this thread compiled for AVX2 and FMA at most: on an
/// AVX-512 processor, to test those kernels and to measure what AVX-512 gains. (A build for
/// AVX-512 processors has no other, and runs its own.)
pub fn without_avx512<R>(f: impl FnOnce() -> R) -> R {
    capped(IsaLevel::Avx2Fma, f)
}

/// A thread's cap on the run-time instruction set ([`on_baseline`], [`without_avx512`]), to
/// hand on with the work it gives to other threads (a thread pool's threads do not inherit it).
#[derive(Clone, Copy, Debug)]
pub struct IsaChoice {
    cap: IsaLevel,
}

impl IsaChoice {
    /// This thread's choice.
    pub fn here() -> Self {
        Self { cap: CAP.get() }
    }

    /// Runs `f` under this choice, on whatever thread calls it.
    pub fn run<R>(self, f: impl FnOnce() -> R) -> R {
        capped(self.cap, f)
    }
}

/// The instruction set [`with_isa!`] runs on this thread now: the widest the processor has of
/// those the build picks at run time, within the thread's cap ([`IsaLevel::Baseline`] for the
/// build's own, also where it already has the one found).
#[inline]
pub(crate) fn isa_level() -> IsaLevel {
    found_on_processor().min(CAP.get())
}

/// The widest of the instruction sets the build picks at run time that the processor has
/// (the standard library asks it once and keeps the answer).
#[inline]
fn found_on_processor() -> IsaLevel {
    #[cfg(all(target_arch = "x86_64", not(target_feature = "avx512f")))]
    {
        use std::arch::is_x86_feature_detected as has;
        let avx2_fma = has!("avx2") && has!("fma");
        if avx2_fma && has!("avx512f") {
            return IsaLevel::Avx512;
        }
        #[cfg(not(all(target_feature = "avx2", target_feature = "fma")))]
        if avx2_fma {
            return IsaLevel::Avx2Fma;
        }
    }
    IsaLevel::Baseline
}

/// The instruction set [`with_isa!`] runs on this thread, in words.
pub fn isa_in_use() -> &'static str {
    match isa_level() {
        #[cfg(all(target_arch = "x86_64", not(target_feature = "avx512f")))]
        IsaLevel::Avx512 => "AVX-512, found at run time",
        #[cfg(all(target_arch = "x86_64", not(all(target_feature = "avx2", target_feature = "fma"))))]
        IsaLevel::Avx2Fma => "AVX2 and FMA, found at run time",
        _ => {
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
    }
}

/// Runs the call `$body` (an expression naming the instruction set `$isa` in its generic
/// arguments) compiled for the instruction set of [`isa_level`]: `Avx512` or `Avx2Fma`
/// when the processor has it and this thread's cap allows it, [`Baseline`] otherwise.
///
/// Everything `$body` calls with `$isa` must be inlined down to the kernels on x86-64
/// (`#[cfg_attr(target_arch = "x86_64", inline(always))]` on the larger functions): the AVX2
/// and AVX-512 copies are each one function compiled for those instructions, and a call left
/// out of it would run their group operations outside it, one call each. In wasm, with its one
/// instruction set, the larger functions stay calls: forced inline there, the wasm grew by a
/// twentieth and one measurement in the browser ran the digits' passes at about half their
/// rate.
macro_rules! with_isa {
    ($isa:ident => $body:expr) => {{
        match $crate::kernels::isa_level() {
            #[cfg(all(target_arch = "x86_64", not(target_feature = "avx512f")))]
            $crate::kernels::IsaLevel::Avx512 => {
                $crate::kernels::with_isa!(@on $isa = Avx512, entered by on_avx512 => $body)
            }
            #[cfg(all(target_arch = "x86_64", not(all(target_feature = "avx2", target_feature = "fma"))))]
            $crate::kernels::IsaLevel::Avx2Fma => {
                $crate::kernels::with_isa!(@on $isa = Avx2Fma, entered by on_avx2_fma => $body)
            }
            _ => {
                #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
                type $isa = $crate::kernels::Baseline;
                $body
            }
        }
    }};
    // One instruction set found at run time: `$body` with `$isa` naming it, inside the function
    // compiled for it.
    (@on $isa:ident = $set:ident, entered by $enter:ident => $body:expr) => {{
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        type $isa = $crate::kernels::$set;
        // SAFETY: `isa_level` just found that the processor has the instructions `$enter` is
        // compiled for.
        unsafe {
            $crate::kernels::$enter(
                #[inline(always)]
                || $body,
            )
        }
    }};
}
pub(crate) use with_isa;

/// Runs `f` compiled for AVX2 and FMA: `f` is inlined here, and so is everything it calls with
/// `#[inline(always)]`.
///
/// # Safety
/// The processor must have AVX2 and FMA ([`isa_level`]).
#[cfg(all(target_arch = "x86_64", not(all(target_feature = "avx2", target_feature = "fma"))))]
#[target_feature(enable = "avx2,fma")]
pub(crate) fn on_avx2_fma<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// Runs `f` compiled for AVX-512F (and the AVX2 and FMA it implies), as [`on_avx2_fma`].
///
/// # Safety
/// The processor must have AVX-512F, AVX2 and FMA ([`isa_level`]).
#[cfg(all(target_arch = "x86_64", not(target_feature = "avx512f")))]
#[target_feature(enable = "avx512f")]
pub(crate) fn on_avx512<R>(f: impl FnOnce() -> R) -> R {
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
    (ROUNDS * CHAINS * I::LANES * 2) as f64 / seconds
}

/// A group of [`Isa::LANES`] values of instruction set `I`, operated on lane by lane.
#[derive(Clone, Copy)]
pub struct Lanes<I: Isa>(I::Group);

impl<I: Isa> Lanes<I> {
    pub const ZERO: Self = Self(I::ZERO);

    #[inline(always)]
    pub fn splat(v: f64) -> Self {
        Self(I::splat(v))
    }

    /// The values of a chunk of exactly [`Isa::LANES`] (as [`groups`] yields, which lets the
    /// compiler drop every bounds check).
    #[inline(always)]
    pub fn load(chunk: &[f64]) -> Self {
        Self(I::load(chunk))
    }

    /// Writes the lanes into a chunk of exactly [`Isa::LANES`].
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

    /// Each value in a group of its own. A loop: `array::map` is a function of its own, which
    /// the compiler may leave out of the one compiled for the instruction set (see
    /// [`with_isa!`]).
    #[inline(always)]
    pub fn splat_each<const N: usize>(values: [f64; N]) -> [Self; N] {
        let mut groups = [Self::ZERO; N];
        for (group, v) in groups.iter_mut().zip(values) {
            *group = Self::splat(v);
        }
        groups
    }

    /// The sum of each group's lanes, in a loop as in [`Self::splat_each`].
    #[inline(always)]
    pub fn sum_each<const N: usize>(groups: [Self; N]) -> [f64; N] {
        let mut sums = [0.0; N];
        for (sum, group) in sums.iter_mut().zip(groups) {
            *sum = group.sum();
        }
        sums
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

/// The groups of `I` of a slice whose length is a multiple of [`Isa::LANES`].
#[inline(always)]
pub fn groups<I: Isa>(v: &[f64]) -> std::slice::ChunksExact<'_, f64> {
    debug_assert_eq!(v.len() % I::LANES, 0);
    v.chunks_exact(I::LANES)
}

/// The groups of `I` of a mutable slice whose length is a multiple of [`Isa::LANES`].
#[inline(always)]
pub fn groups_mut<I: Isa>(v: &mut [f64]) -> std::slice::ChunksExactMut<'_, f64> {
    debug_assert_eq!(v.len() % I::LANES, 0);
    v.chunks_exact_mut(I::LANES)
}

/// Σ aᵢbᵢ, with `SUMS` independent partial sums ([`Isa::dot`]).
#[inline(always)]
fn dot<I: Isa, const SUMS: usize>(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let step = SUMS * I::LANES;
    let split = n / step * step;
    let mut acc = [Lanes::<I>::ZERO; SUMS];
    for (x, y) in a[..split].chunks_exact(step).zip(b[..split].chunks_exact(step)) {
        for (s, acc) in acc.iter_mut().enumerate() {
            *acc = Lanes::load(group::<I>(x, s)).mul_add(Lanes::load(group::<I>(y, s)), *acc);
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
    let split = n / I::LANES * I::LANES;
    let a = Lanes::<I>::splat(alpha);
    for (xc, yc) in groups::<I>(&x[..split]).zip(groups_mut::<I>(&mut y[..split])) {
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
    let step = SUMS_PER_ROW * I::LANES;
    let steps = |v| steps(v, step);
    let steps = steps(w).zip(steps(q[0])).zip(steps(q[1])).zip(steps(q[2])).zip(steps(q[3]));
    for ((((wc, q0), q1), q2), q3) in steps {
        for (s, acc) in acc.iter_mut().enumerate() {
            let rows = [q0, q1, q2, q3].map(|row| group::<I>(row, s));
            accumulate4(acc, Lanes::load(group::<I>(wc, s)), rows);
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
    let minus_c = Lanes::<I>::splat_each([-c[0], -c[1], -c[2], -c[3]]);
    let mut acc = [[Lanes::ZERO; 4]; SUMS_PER_ROW];
    let step = SUMS_PER_ROW * I::LANES;
    let steps = |v| steps(v, step);
    let tail = w.len() / step * step;
    let olds = steps(p[0]).zip(steps(p[1])).zip(steps(p[2])).zip(steps(p[3]));
    let news = steps(q[0]).zip(steps(q[1])).zip(steps(q[2])).zip(steps(q[3]));
    for (wc, ((((p0, p1), p2), p3), (((q0, q1), q2), q3))) in w.chunks_exact_mut(step).zip(olds.zip(news)) {
        for (s, acc) in acc.iter_mut().enumerate() {
            let at = s * I::LANES..(s + 1) * I::LANES;
            let wv =
                subtract_group(Lanes::load(&wc[at.clone()]), minus_c, [p0, p1, p2, p3].map(|row| group::<I>(row, s)));
            wv.store(&mut wc[at]);
            accumulate4(acc, wv, [q0, q1, q2, q3].map(|row| group::<I>(row, s)));
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
    let minus_c = Lanes::<I>::splat_each([-c[0], -c[1], -c[2], -c[3]]);
    let quads = groups_mut::<I>(w).zip(groups::<I>(q[0])).zip(groups::<I>(q[1]));
    let quads = quads.zip(groups::<I>(q[2])).zip(groups::<I>(q[3]));
    for ((((wc, q0), q1), q2), q3) in quads {
        subtract_group(Lanes::load(wc), minus_c, [q0, q1, q2, q3]).store(wc);
    }
}

/// Group `s` of `I` in a step.
#[inline(always)]
fn group<I: Isa>(step: &[f64], s: usize) -> &[f64] {
    &step[s * I::LANES..(s + 1) * I::LANES]
}

/// The whole steps of `step` values of a vector.
#[inline(always)]
fn steps(v: &[f64], step: usize) -> std::slice::ChunksExact<'_, f64> {
    v.chunks_exact(step)
}

/// acc\[k\] += q\[k\]·w, lane by lane, for one group.
#[inline(always)]
fn accumulate4<I: Isa>(acc: &mut [Lanes<I>; 4], w: Lanes<I>, q: [&[f64]; 4]) {
    for (a, chunk) in acc.iter_mut().zip(q) {
        *a = Lanes::load(chunk).mul_add(w, *a);
    }
}

/// w + Σₖ minus_c\[k\]·q\[k\] for one group, as two chains of two so that the four multiply-adds
/// do not all wait on one another.
#[inline(always)]
fn subtract_group<I: Isa>(w: Lanes<I>, minus_c: [Lanes<I>; 4], q: [&[f64]; 4]) -> Lanes<I> {
    let [q0, q1, q2, q3] = [Lanes::load(q[0]), Lanes::load(q[1]), Lanes::load(q[2]), Lanes::load(q[3])];
    let near = q0.mul_add(minus_c[0], w);
    let far = q2.mul_add(minus_c[2], q3 * minus_c[3]);
    q1.mul_add(minus_c[1], near) + far
}

/// The four totals of per-place partial sums.
#[inline(always)]
fn sum_partials<I: Isa, const SUMS_PER_ROW: usize>(acc: [[Lanes<I>; 4]; SUMS_PER_ROW]) -> [f64; 4] {
    let mut totals = [Lanes::ZERO; 4];
    for part in acc {
        for (total, part) in totals.iter_mut().zip(part) {
            *total = *total + part;
        }
    }
    Lanes::sum_each(totals)
}

/// Runs `check` on each instruction set this processor offers, each through the dispatcher as
/// the hot code enters them: the widest found, AVX2 and FMA at most, and the build's own.
#[cfg(test)]
pub(crate) fn on_each_isa(check: impl Fn()) {
    check();
    without_avx512(&check);
    on_baseline(check);
}

#[cfg(test)]
mod tests {
    use super::*;

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
            // The four-vector kernels on copies zero-padded to whole groups, as Lanczos sweeps.
            let pad = |v: &[f64]| {
                let mut p = v.to_vec();
                p.resize(I::padded(n), 0.0);
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
        let values: Vec<f64> = (1..=I::LANES).map(|l| l as f64).collect();
        let v = Lanes::<I>::load(&values);
        assert_eq!(v.sum(), (I::LANES * (I::LANES + 1) / 2) as f64);
        let mut out = vec![0.0; I::LANES];
        (v.mul_add(Lanes::splat(2.0), Lanes::splat(1.0)) + v * Lanes::splat(-0.5) + Lanes::ZERO).store(&mut out);
        assert_eq!(out, values.iter().map(|x| 1.5 * x + 1.0).collect::<Vec<_>>());
        assert_eq!([I::padded(0), I::padded(1), I::padded(I::LANES)], [0, I::LANES, I::LANES]);
        assert_eq!([padded(0), padded(1), padded(MAX_LANES)], [0, MAX_LANES, MAX_LANES]);
        assert_eq!(MAX_LANES % I::LANES, 0);
    }

    /// A cap lowers the choice, never raises it, and ends with its call; AVX-512, where the
    /// processor has it and the build does not target it, is found at run time.
    #[test]
    fn caps_lower_the_choice_for_their_call() {
        let widest = isa_level();
        assert_eq!(on_baseline(isa_level), IsaLevel::Baseline);
        assert!(without_avx512(isa_level) <= IsaLevel::Avx2Fma);
        assert_eq!(on_baseline(|| without_avx512(isa_level)), IsaLevel::Baseline);
        assert_eq!(on_baseline(|| IsaChoice::here().run(isa_level)), IsaLevel::Baseline);
        assert_eq!(isa_level(), widest);
        #[cfg(all(target_arch = "x86_64", not(target_feature = "avx512f")))]
        if std::arch::is_x86_feature_detected!("avx512f") {
            assert_eq!(isa_in_use(), "AVX-512, found at run time");
            assert_ne!(without_avx512(isa_in_use), isa_in_use());
        }
    }
}
