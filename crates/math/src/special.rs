//! A branch-free tanh with its first two derivatives, accurate to a few ulps.
//!
//! The library tanh is a call per element and dominates a plain GD step of a tanh network.
//! This one is straight-line code over f64 arithmetic and bit operations, so the compiler
//! vectorizes loops over it (SSE2/AVX natively, simd128 in wasm).
//!
//! With a = |z| and u = −2a, it computes q = e^u and e = e^u − 1 (expm1) from one range
//! reduction u = k·ln2 + r, |r| ≤ ln2/2, and a degree-11 polynomial for expm1(r). Then
//! tanh(a) = −e/(2 + e) (no cancellation for small a), sech²(a) = 4q/(1 + q)² (no cancellation
//! for large a), both from the one reciprocal 1/(1 + q), and tanh'' = −2·tanh·sech².

use super::kernels::Isa;

/// ln 2 split so that k·LN2_HI is exact for the k that occur (|k| < 2¹⁰): the high part has
/// its low 21 mantissa bits zero (the classic fdlibm constants, given by their bits).
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
/// |z| is clamped here so that 2^k stays a normal number; beyond it sech² < 1e-303.
const CLAMP: f64 = 350.0;
/// 1.5·2⁵²: adding it rounds a double to the nearest integer, found in the low bits.
const ROUND_MAGIC: f64 = 6_755_399_441_055_744.0;

/// expm1(r) for |r| ≤ ln2/2, as r·p(r) with p the degree-10 polynomial that interpolates
/// expm1(r)/r at the Chebyshev points of the interval: within 2.1e-17 relative of it, a fifth
/// of an ulp (the degree-12 Taylor polynomial needs two more terms for as much).
///
/// The polynomial is evaluated by Estrin's scheme (pairs, then pairs of pairs, with r², r⁴,
/// r⁸) rather than Horner's: four dependent steps instead of ten. In a loop over many z the
/// processor then overlaps enough elements to keep its arithmetic units busy, which a chain of
/// ten multiply-adds per element does not allow.
#[inline(always)]
fn expm1_reduced<I: Isa>(r: f64) -> f64 {
    const C: [f64; 11] = [
        1.0,
        0.5000000000000006,
        0.1666666666666667,
        0.04166666666657314,
        0.008333333333326141,
        0.0013888888932488599,
        0.00019841269874800493,
        2.4801504346997686e-5,
        2.7557255425746435e-6,
        2.7626357241447223e-7,
        2.510520637395701e-8,
    ];
    let (r2, pair) = (r * r, |i: usize| I::mul_add(C[i + 1], r, C[i]));
    let r4 = r2 * r2;
    let quad = |i: usize| I::mul_add(pair(i + 2), r2, pair(i));
    let low = I::mul_add(quad(4), r4, quad(0)); // degrees 0–7
    let high = I::mul_add(C[10], r2, pair(8)); // degrees 8–10, over r⁸
    I::mul_add(high, r4 * r4, low) * r
}

/// tanh(z), tanh'(z) = 1 − tanh², tanh''(z) = −2 tanh · tanh'.
#[inline(always)]
pub fn tanh_with_derivatives<I: Isa>(z: f64) -> (f64, f64, f64) {
    // A comparison rather than f64::min, which WebAssembly has no instruction for (it becomes
    // a call per element); NaN stays NaN.
    let a = z.abs();
    let a = if a > CLAMP { CLAMP } else { a };
    let u = -2.0 * a;
    // k = round(u / ln2), as a double and as the exponent of 2^k.
    // (Multiply-adds are fused where the target has FMA: fewer operations, and no less exact.)
    let shifted = I::mul_add(u, std::f64::consts::LOG2_E, ROUND_MAGIC);
    let k = shifted - ROUND_MAGIC;
    let r = I::mul_add(-k, LN2_LO, I::mul_add(-k, LN2_HI, u));
    let k_int = (shifted.to_bits() as i64).wrapping_sub(ROUND_MAGIC.to_bits() as i64);
    let two_k = f64::from_bits(((k_int + 1023) as u64) << 52);
    let m = expm1_reduced::<I>(r);
    // e = e^u − 1 and q = e^u; 2 + e = 1 + q, so one division serves both quotients.
    let e = I::mul_add(two_k, m, two_k - 1.0);
    let q = I::mul_add(two_k, m, two_k);
    let inv = 1.0 / (1.0 + q);
    let t = (-e * inv).copysign(z);
    let d = 4.0 * q * inv * inv;
    (t, d, -2.0 * t * d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::{on_each_isa, with_isa};

    /// Against the library tanh on a dense grid and at the edges: ≤ 4 ulps relative for tanh
    /// and sech², including tiny and large arguments.
    #[test]
    fn matches_the_library_to_a_few_ulps() {
        on_each_isa(|| with_isa!(I => matches_the_library_on::<I>()));
    }

    #[inline(always)]
    fn matches_the_library_on<I: Isa>() {
        let mut z = -400.0;
        while z <= 400.0 {
            for zz in [z, z * 1e-7, z * 1e-300] {
                let (t, d, dd) = tanh_with_derivatives::<I>(zz);
                let exact = zz.tanh();
                assert!(
                    (t - exact).abs() <= 4.0 * f64::EPSILON * exact.abs().max(f64::MIN_POSITIVE),
                    "tanh({zz}) = {t}, library {exact}"
                );
                let sech2 = 1.0 / zz.cosh().powi(2);
                if sech2 > 1e-300 {
                    assert!((d - sech2).abs() <= 8.0 * f64::EPSILON * sech2, "sech²({zz}) = {d}, library {sech2}");
                }
                assert!((dd + 2.0 * t * d).abs() <= 1e-300 + 4.0 * f64::EPSILON * (2.0 * t * d).abs());
            }
            z += 0.003_7;
        }
        assert_eq!(tanh_with_derivatives::<I>(0.0), (0.0, 1.0, -0.0));
        assert_eq!(tanh_with_derivatives::<I>(1e3).0, 1.0);
        assert_eq!(tanh_with_derivatives::<I>(-1e3).0, -1.0);
        assert!(tanh_with_derivatives::<I>(f64::INFINITY).0 == 1.0);
    }
}
