//! What the test layers share: random valid settings of any figure, running a check so that a
//! panic comes back as a message naming the input that caused it, and the font that bitmap and
//! SVG text are laid out with. Included by `tests/figures/main.rs` and `tests/page/main.rs`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Once;

use plotters::style::FontStyle;
use sgd_stability::figures::Figure;
use sgd_stability::kit::params::{ParamSpec, ParamValues, Scale};
use sgd_stability::math::rng::{uniform, Rng};

/// A uniform index in 0..n.
pub fn pick(rng: &mut Rng, n: usize) -> usize {
    (uniform(rng, 0.0, n as f64) as usize).min(n - 1)
}

/// True with probability `p`.
pub fn chance(rng: &mut Rng, p: f64) -> bool {
    uniform(rng, 0.0, 1.0) < p
}

/// A uniform draw from a spec's range (log-uniform for log scales), whole where it must be.
/// For a point list: 0, the only number it takes.
pub fn random_valid(rng: &mut Rng, spec: &ParamSpec) -> f64 {
    match spec.scale {
        Scale::Log => uniform(rng, spec.min.ln(), spec.max.ln()).exp().clamp(spec.min, spec.max),
        Scale::Linear => uniform(rng, spec.min, spec.max),
        Scale::Integer | Scale::Choice(_) => uniform(rng, spec.min, spec.max).round(),
        Scale::Points => 0.0,
    }
}

/// A few points with coordinates in the spec's range.
pub fn random_points(rng: &mut Rng, spec: &ParamSpec) -> Vec<(f64, f64)> {
    (0..pick(rng, 12)).map(|_| (uniform(rng, spec.min, spec.max), uniform(rng, spec.min, spec.max))).collect()
}

/// Values of `specs` each of which passes its own check: each parameter is random with
/// probability `share`, else at its default. Rules that combine parameters are not applied.
pub fn random_values(rng: &mut Rng, specs: &'static [ParamSpec], share: f64) -> ParamValues {
    let mut values = ParamValues::defaults(specs);
    for spec in specs {
        if !chance(rng, share) {
            continue;
        }
        let set = match spec.scale {
            Scale::Points => values.set_points(spec.key, random_points(rng, spec)),
            _ => values.set(spec.key, random_valid(rng, spec)),
        };
        set.unwrap_or_else(|e| panic!("{}: a value drawn in range was refused: {e}", spec.key));
    }
    values
}

/// A random state of figure `F` that passes all its validation (its combination rules too):
/// each parameter is random with probability `share`, else at its default. A draw the rules
/// refuse is drawn again with fewer changes, down to the defaults.
pub fn random_state<F: Figure>(rng: &mut Rng, share: f64) -> ParamValues {
    let mut share = share;
    loop {
        let values = random_values(rng, F::PARAMS, share);
        if F::validate(&values).is_ok() {
            return values;
        }
        share *= 0.7;
    }
}

/// Runs `check`; a panic inside it becomes an error that quotes `input` (escaped, and cut at
/// 2,000 characters), so that a failure names what caused it.
pub fn without_panic<T>(what: &str, input: &str, check: impl FnOnce() -> T) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(check)).map_err(|panic| {
        let message = panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied())
            .unwrap_or("(no message)");
        let shown: String = input.chars().take(2000).collect();
        format!("{what} panicked ({message}) on the input {shown:?}")
    })
}

/// Bitmap and SVG text need a font file: the project's bundled DejaVu Sans, registered once.
pub fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
        plotters::style::register_font("sans-serif", FontStyle::Normal, FONT)
            .unwrap_or_else(|_| panic!("the bundled font does not load"));
    });
}
