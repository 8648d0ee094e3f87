//! The activations σ of hidden units, with their first two derivatives (the Hessians need σ''),
//! shared by the lecture's one-hidden-layer network and the general networks, so that both
//! compute the same numbers.
//!
//! For ReLU, σ'(0) = 0: a unit exactly at its knot counts as inactive, as in the lecture's
//! activation pattern (the strict inequality w1ᵢx + b1ᵢ > 0), and σ'' = 0.

use super::special::tanh_with_derivatives;

/// The activation σ of every hidden unit (the output unit is linear).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    Tanh,
    Relu,
    Softplus,
    Identity,
}

impl Activation {
    /// Every activation, in the order of [`Activation::NAMES`] (the order of a UI list).
    pub const ALL: [Activation; 4] = [Activation::Tanh, Activation::Relu, Activation::Softplus, Activation::Identity];
    /// The names of [`Activation::ALL`], as a choice list shows them.
    pub const NAMES: [&'static str; 4] = ["tanh", "ReLU", "softplus", "identity"];

    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    /// The activation called `name` (any letter case).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::NAMES.iter().position(|n| n.eq_ignore_ascii_case(name)).map(|i| Self::ALL[i])
    }

    /// σ(z), σ'(z) and σ''(z).
    #[inline]
    pub fn eval(self, z: f64) -> (f64, f64, f64) {
        match self {
            Activation::Tanh => tanh_with_derivatives(z),
            Activation::Relu => relu(z),
            Activation::Softplus => softplus(z),
            Activation::Identity => (z, 1.0, 0.0),
        }
    }

    /// A layer at once: `values` holds z on entry and σ(z) on exit; σ'(z) and σ''(z) go to
    /// `slopes` and `curvatures`. The activation is chosen once, outside the loop, so the loop
    /// body is straight-line code the compiler can vectorize.
    pub(super) fn apply(self, values: &mut [f64], slopes: &mut [f64], curvatures: &mut [f64]) {
        match self {
            Activation::Tanh => map_units(values, slopes, curvatures, tanh_with_derivatives),
            Activation::Relu => map_units(values, slopes, curvatures, relu),
            Activation::Softplus => map_units(values, slopes, curvatures, softplus),
            Activation::Identity => {
                slopes.fill(1.0);
                curvatures.fill(0.0);
            }
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
