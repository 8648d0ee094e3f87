//! Figure parameters: each has a range and a default, and every value, whatever its source
//! (slider, typed number, URL), goes through the one validation path [`ParamSpec::parse`].

use std::fmt;

/// How a parameter's slider maps to its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    /// Evenly spaced values.
    Linear,
    /// Evenly spaced logarithms (for step sizes and curvatures spanning decades).
    Log,
    /// Whole numbers only.
    Integer,
    /// One of named options; the value is the option's index (min 0, max count − 1), and
    /// texts may name the option.
    Choice(&'static [&'static str]),
}

/// One settable parameter of a figure.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ParamSpec {
    /// Stable key used in URLs, the command line and the DOM.
    pub key: &'static str,
    /// Label shown beside the control (plain text).
    pub label: &'static str,
    pub min: f64,
    pub max: f64,
    pub default: f64,
    pub scale: Scale,
}

/// Why a value was refused; the message names the parameter and the allowed range.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamError {
    pub key: String,
    pub message: String,
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ParamError {}

/// Texts longer than this are refused before parsing: no number needs more.
const MAX_TEXT_LEN: usize = 64;

impl ParamSpec {
    /// Parses and validates a typed or URL-borne value.
    pub fn parse(&self, text: &str) -> Result<f64, ParamError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(self.error("is empty: type a number".to_string()));
        }
        if text.len() > MAX_TEXT_LEN {
            return Err(self.error("is not a number (too long)".to_string()));
        }
        if let Scale::Choice(options) = self.scale {
            if let Some(i) = options.iter().position(|o| o.eq_ignore_ascii_case(text)) {
                return Ok(i as f64);
            }
            if text.parse::<f64>().is_err() {
                return Err(self.error(format!("must be one of {} (got \u{201c}{text}\u{201d})", options.join(", "))));
            }
        }
        let value: f64 = text.parse().map_err(|_| self.error(format!("is not a number: \u{201c}{text}\u{201d}")))?;
        self.check(value)
    }

    /// Validates a number from any source: finite, in range, whole where it must be.
    pub fn check(&self, value: f64) -> Result<f64, ParamError> {
        if value.is_nan() {
            return Err(self.error("is not a number (NaN)".to_string()));
        }
        if value.is_infinite() {
            return Err(self.error("must be finite".to_string()));
        }
        let whole = matches!(self.scale, Scale::Integer | Scale::Choice(_));
        if whole && value.fract() != 0.0 {
            return Err(self.error(format!("must be a whole number (got {})", format_value(value))));
        }
        if value < self.min || value > self.max {
            return Err(self.error(format!(
                "must be between {} and {} (got {})",
                format_value(self.min),
                format_value(self.max),
                format_value(value)
            )));
        }
        Ok(value)
    }

    /// The text of a value for URLs and files: the option's name for choices, else the
    /// shortest round-tripping number.
    pub fn format(&self, value: f64) -> String {
        match self.scale {
            Scale::Choice(options) => {
                options.get(value as usize).map_or_else(|| format_value(value), |o| o.to_string())
            }
            _ => format_value(value),
        }
    }

    fn error(&self, what: String) -> ParamError {
        ParamError { key: self.key.to_string(), message: format!("{} {what}", self.label) }
    }

    /// The slider position in [0, 1] of a value (log scale where the spec says so).
    pub fn to_unit(&self, value: f64) -> f64 {
        let u = match self.scale {
            Scale::Log => (value.ln() - self.min.ln()) / (self.max.ln() - self.min.ln()),
            Scale::Linear | Scale::Integer | Scale::Choice(_) => (value - self.min) / (self.max - self.min),
        };
        u.clamp(0.0, 1.0)
    }

    /// The value at slider position `u` in [0, 1], rounded to four significant digits: readable,
    /// and finer than one slider step of a log scale over four decades.
    pub fn from_unit(&self, u: f64) -> f64 {
        let u = u.clamp(0.0, 1.0);
        match self.scale {
            Scale::Log => {
                round_sig((self.min.ln() + u * (self.max.ln() - self.min.ln())).exp(), 4).clamp(self.min, self.max)
            }
            Scale::Linear => round_sig(self.min + u * (self.max - self.min), 4).clamp(self.min, self.max),
            Scale::Integer | Scale::Choice(_) => (self.min + u * (self.max - self.min)).round(),
        }
    }
}

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
pub fn format_value(value: f64) -> String {
    format!("{value}")
}

/// The current values of a figure's parameters, in the order of its spec list.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamValues {
    specs: &'static [ParamSpec],
    values: Vec<f64>,
}

impl ParamValues {
    /// Every parameter at its default.
    pub fn defaults(specs: &'static [ParamSpec]) -> Self {
        Self { specs, values: specs.iter().map(|s| s.default).collect() }
    }

    pub fn specs(&self) -> &'static [ParamSpec] {
        self.specs
    }

    pub fn spec(&self, key: &str) -> Option<&'static ParamSpec> {
        self.specs.iter().find(|s| s.key == key)
    }

    /// The value of `key`. Panics on an unknown key: keys are compile-time constants of the
    /// figure that asks.
    pub fn get(&self, key: &str) -> f64 {
        let i = self.specs.iter().position(|s| s.key == key).unwrap_or_else(|| panic!("unknown parameter {key}"));
        self.values[i]
    }

    /// `get` for integer parameters.
    pub fn get_usize(&self, key: &str) -> usize {
        self.get(key) as usize
    }

    /// Sets `key` after validation; on error nothing changes.
    pub fn set(&mut self, key: &str, value: f64) -> Result<(), ParamError> {
        let i = self.specs.iter().position(|s| s.key == key).ok_or_else(|| ParamError {
            key: key.to_string(),
            message: format!("unknown parameter \u{201c}{key}\u{201d}"),
        })?;
        self.values[i] = self.specs[i].check(value)?;
        Ok(())
    }

    /// Parses `text` for `key` and sets it; on error nothing changes.
    pub fn set_text(&mut self, key: &str, text: &str) -> Result<(), ParamError> {
        let spec = self.spec(key).ok_or_else(|| ParamError {
            key: key.to_string(),
            message: format!("unknown parameter \u{201c}{key}\u{201d}"),
        })?;
        let value = spec.parse(text)?;
        self.set(key, value)
    }

    /// (key, value) pairs of the parameters that differ from their defaults.
    pub fn non_defaults(&self) -> impl Iterator<Item = (&'static str, f64)> + '_ {
        self.specs.iter().zip(&self.values).filter(|(s, &v)| v != s.default).map(|(s, &v)| (s.key, v))
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'static ParamSpec, f64)> + '_ {
        self.specs.iter().zip(self.values.iter().copied())
    }
}
