//! How the figures write numbers: [`exact`] for links, files and CSV (the shortest text that
//! reads back to the same f64), [`number`] for verdicts and readouts (four significant digits),
//! [`tick`] for axis labels (as few digits as a tick needs), [`reading`] for the hover readout
//! (whole numbers exactly, the rest as [`number`]).

/// Rounds to `digits` significant digits.
pub fn round_sig(value: f64, digits: i32) -> f64 {
    if value == 0.0 || !value.is_finite() {
        return value;
    }
    // Scale by an exact power of ten in whichever direction keeps it ≥ 1.
    let exponent = digits - 1 - value.abs().log10().floor() as i32;
    if exponent >= 0 {
        let p = 10f64.powi(exponent);
        (value * p).round() / p
    } else {
        let p = 10f64.powi(-exponent);
        (value / p).round() * p
    }
}

/// The shortest text that parses back to exactly `value` (Rust's `Display` for f64 round-trips).
pub fn exact(value: f64) -> String {
    format!("{value}")
}

/// Tick labels: plain for ordinary magnitudes, scientific for very large or small ones.
pub fn tick(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".into()
    } else if !(1e-3..1e5).contains(&a) {
        let mut e = a.log10().floor() as i32;
        let mut m = v / 10f64.powi(e);
        // A mantissa that rounds to 10.0 (9.96…) is written as 1.0 of the next power.
        if (m.abs() * 10.0).round() >= 100.0 {
            e += 1;
            m /= 10.0;
        }
        if (m.abs() - 1.0).abs() < 1e-9 {
            format!("{}1e{e}", if v < 0.0 { "-" } else { "" })
        } else {
            format!("{m:.1}e{e}")
        }
    } else {
        let s = format!("{v:.4}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        s.to_string()
    }
}

/// A number with four significant digits, plainly or in scientific notation.
pub fn number(v: f64) -> String {
    if !v.is_finite() {
        return "\u{2014}".into();
    }
    let a = v.abs();
    if a != 0.0 && !(1e-3..1e5).contains(&a) {
        format!("{v:.3e}")
    } else {
        let s = format!("{:.4}", round_sig(v, 4));
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// A value as pointing shows it: a whole number (a step, a batch size) exactly, anything else
/// in the figures' four significant digits.
pub fn reading(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        number(v)
    }
}
