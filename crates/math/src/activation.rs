//! The activations σ of hidden units, with their first two derivatives (the Hessians need σ'';
//! the gradient of the sharpness needs σ''' too, [`Activation::third_derivative`]),
//! shared by the lecture's one-hidden-layer network and the general networks, so that both
//! compute the same numbers.
//!
//! For ReLU, σ'(0) = 0: a unit exactly at its knot counts as inactive, as in the lecture's
//! activation pattern (the strict inequality w1ᵢx + b1ᵢ > 0), and σ'' = 0.

use super::kernels::{Baseline, Isa};
use super::special::tanh_with_derivatives;

/// The activation σ of every hidden unit (the output unit is linear).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    Tanh,
    Relu,
    Softplus,
    Identity,
    /// z·Φ(z), with Φ the standard normal distribution function (Hendrycks and Gimpel's
    /// GELU, exactly, not its tanh approximation).
    Gelu,
}

impl Activation {
    /// Every activation, in the order of [`Activation::NAMES`] (the order of a UI list).
    pub const ALL: [Activation; 5] =
        [Activation::Tanh, Activation::Relu, Activation::Softplus, Activation::Identity, Activation::Gelu];
    /// The names of [`Activation::ALL`], as a choice list shows them.
    pub const NAMES: [&'static str; 5] = ["tanh", "ReLU", "softplus", "identity", "GELU"];

    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    /// The activation called `name` (any letter case).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::NAMES.iter().position(|n| n.eq_ignore_ascii_case(name)).map(|i| Self::ALL[i])
    }

    /// σ(z), σ'(z) and σ''(z), by the build's own instructions (the hot loops call
    /// [`Self::apply`] through [`super::kernels::with_isa!`] instead).
    #[inline]
    pub fn eval(self, z: f64) -> (f64, f64, f64) {
        match self {
            Activation::Tanh => tanh_with_derivatives::<Baseline>(z),
            Activation::Relu => relu(z),
            Activation::Softplus => softplus(z),
            Activation::Identity => (z, 1.0, 0.0),
            Activation::Gelu => gelu(z),
        }
    }

    /// σ'''(z), from the pre-activation z and the σ(z), σ'(z) a forward pass keeps (tanh and
    /// softplus need nothing else).
    #[inline]
    pub fn third_derivative(self, z: f64, value: f64, slope: f64) -> f64 {
        match self {
            // tanh' = 1 − t², tanh'' = −2t(1 − t²), tanh''' = −2(1 − t²)(1 − 3t²).
            Activation::Tanh => -2.0 * slope * (1.0 - 3.0 * value * value),
            // softplus' = s (the logistic), s' = s(1 − s), s'' = s(1 − s)(1 − 2s).
            Activation::Softplus => slope * (1.0 - slope) * (1.0 - 2.0 * slope),
            Activation::Relu | Activation::Identity => 0.0,
            // (zΦ)''' = zφ(z)(z² − 4).
            Activation::Gelu => z * standard_normal_density(z) * (z * z - 4.0),
        }
    }

    /// A layer at once: `values` holds z on entry and σ(z) on exit; σ'(z) and σ''(z) go to
    /// `slopes` and `curvatures`. The activation is chosen once, outside the loop, so the loop
    /// body is straight-line code the compiler can vectorize.
    #[inline(always)]
    pub(super) fn apply<I: Isa>(self, values: &mut [f64], slopes: &mut [f64], curvatures: &mut [f64]) {
        match self {
            Activation::Tanh => map_units(values, slopes, curvatures, tanh_with_derivatives::<I>),
            Activation::Relu => map_units(values, slopes, curvatures, relu),
            Activation::Softplus => map_units(values, slopes, curvatures, softplus),
            Activation::Identity => {
                slopes.fill(1.0);
                curvatures.fill(0.0);
            }
            Activation::Gelu => map_units(values, slopes, curvatures, gelu),
        }
    }
}

/// (z) ↦ (σ(z), σ'(z), σ''(z)) over a layer's units, in place.
#[inline(always)]
fn map_units(values: &mut [f64], slopes: &mut [f64], curvatures: &mut [f64], sigma: impl Fn(f64) -> (f64, f64, f64)) {
    for ((value, slope), curvature) in values.iter_mut().zip(slopes.iter_mut()).zip(curvatures.iter_mut()) {
        (*value, *slope, *curvature) = sigma(*value);
    }
}

/// max(z, 0) with σ'(0) = 0, by a selection rather than f64::max, which WebAssembly has no
/// instruction for.
#[inline(always)]
pub(super) fn relu(z: f64) -> (f64, f64, f64) {
    if z > 0.0 {
        (z, 1.0, 0.0)
    } else {
        (0.0, 0.0, 0.0)
    }
}

/// log(1 + e^z) = max(z, 0) + log(1 + e^{−|z|}): the exponential never overflows. With
/// e = e^{−|z|} the logistic σ' is 1/(1 + e) or e/(1 + e), and σ'' = σ'(1 − σ') = e/(1 + e)²
/// without cancellation.
#[inline(always)]
pub(super) fn softplus(z: f64) -> (f64, f64, f64) {
    let e = (-z.abs()).exp();
    let one_plus_e = 1.0 + e;
    let logistic = if z >= 0.0 { 1.0 / one_plus_e } else { e / one_plus_e };
    (z.max(0.0) + e.ln_1p(), logistic, e / (one_plus_e * one_plus_e))
}

/// z·Φ(z) with (zΦ)' = Φ + zφ and (zΦ)'' = φ(2 − z²). Φ(z) = erfc(−z/√2)/2 keeps its
/// relative accuracy far into the negative tail, where 1 + erf would cancel.
#[inline(always)]
pub(super) fn gelu(z: f64) -> (f64, f64, f64) {
    let cdf = 0.5 * libm::erfc(-z * std::f64::consts::FRAC_1_SQRT_2);
    let density = standard_normal_density(z);
    (z * cdf, cdf + z * density, density * (2.0 - z * z))
}

/// φ(z) = e^{−z²/2}/√(2π).
#[inline(always)]
fn standard_normal_density(z: f64) -> f64 {
    const FRAC_1_SQRT_2PI: f64 = 0.398_942_280_401_432_7;
    FRAC_1_SQRT_2PI * (-0.5 * z * z).exp()
}
