//! Figure parameters: each has a range and a default, and every value, whatever its source
//! (slider, typed number, URL, saved run, command line), goes through the one validation path
//! [`ParamValues::with_changes`]: each value alone, then the figure's rules for combinations.

use super::format;
use std::fmt;

use crate::figures::Figure;

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
    /// A list of (x, y) points placed by the reader, each coordinate in [min, max]. The value
    /// is how many there are (the default 0: none), the points themselves are held by
    /// [`ParamValues`], and their text is `x:y,x:y,…`. A figure has at most one such parameter.
    Points,
}

/// Points a [`Scale::Points`] parameter may hold at most.
pub const MAX_POINTS: usize = 200;

/// Text of a point list longer than this is refused before parsing: [`MAX_POINTS`] points
/// written to full precision fit.
const MAX_POINTS_TEXT_LEN: usize = MAX_POINTS * 50;

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
    /// Parses and validates a typed or URL-borne value (for a point list, its count: the
    /// points themselves go through [`ParamSpec::parse_points`]).
    pub fn parse(&self, text: &str) -> Result<f64, ParamError> {
        if self.scale == Scale::Points {
            return self.parse_points(text).map(|points| points.len() as f64);
        }
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

    /// Parses a point list `x:y,x:y,…` (spaces allowed; empty for none) and validates it.
    pub fn parse_points(&self, text: &str) -> Result<Vec<(f64, f64)>, ParamError> {
        let text = text.trim();
        if text.len() > MAX_POINTS_TEXT_LEN {
            return Err(self.error(format!("is too long ({} characters)", text.len())));
        }
        if text.is_empty() {
            return Ok(Vec::new());
        }
        let points = text
            .split(',')
            .enumerate()
            .map(|(i, item)| {
                let coordinate = |c: Option<&str>| c.map(str::trim).and_then(|c| c.parse::<f64>().ok());
                let mut parts = item.split(':');
                match (coordinate(parts.next()), coordinate(parts.next()), parts.next()) {
                    (Some(x), Some(y), None) => Ok((x, y)),
                    _ => Err(self.error(format!(
                        "must be points written x:y and separated by commas (point {} is \u{201c}{}\u{201d})",
                        i + 1,
                        item.trim().chars().take(24).collect::<String>()
                    ))),
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.check_points(&points)?;
        Ok(points)
    }

    /// Validates a point list from any source: at most [`MAX_POINTS`], every coordinate finite
    /// and in range.
    pub fn check_points(&self, points: &[(f64, f64)]) -> Result<(), ParamError> {
        if points.len() > MAX_POINTS {
            return Err(self.error(format!("may hold at most {MAX_POINTS} points (got {})", points.len())));
        }
        for (i, &(x, y)) in points.iter().enumerate() {
            if !(x.is_finite() && y.is_finite()) {
                return Err(self.error(format!("point {} is not finite", i + 1)));
            }
            if [x, y].iter().any(|c| *c < self.min || *c > self.max) {
                return Err(self.error(format!(
                    "point {} ({}, {}) must have coordinates between {} and {}",
                    i + 1,
                    format::exact(x),
                    format::exact(y),
                    format::exact(self.min),
                    format::exact(self.max)
                )));
            }
        }
        Ok(())
    }

    /// Validates a number from any source: finite, in range, whole where it must be. A point
    /// list takes the number 0 only (no points); its points are set as a list.
    pub fn check(&self, value: f64) -> Result<f64, ParamError> {
        if self.scale == Scale::Points {
            return if value == 0.0 {
                Ok(0.0)
            } else {
                Err(self.error("is a list of points x:y, not a number".to_string()))
            };
        }
        if value.is_nan() {
            return Err(self.error("is not a number (NaN)".to_string()));
        }
        if value.is_infinite() {
            return Err(self.error("must be finite".to_string()));
        }
        let whole = matches!(self.scale, Scale::Integer | Scale::Choice(_));
        if whole && value.fract() != 0.0 {
            return Err(self.error(format!("must be a whole number (got {})", format::exact(value))));
        }
        if value < self.min || value > self.max {
            return Err(self.error(format!(
                "must be between {} and {} (got {})",
                format::exact(self.min),
                format::exact(self.max),
                format::exact(value)
            )));
        }
        Ok(value)
    }

    /// The text of a value for URLs and files: the option's name for choices, else the
    /// shortest round-tripping number.
    pub fn format(&self, value: f64) -> String {
        match self.scale {
            Scale::Choice(options) => {
                options.get(value as usize).map_or_else(|| format::exact(value), |o| o.to_string())
            }
            _ => format::exact(value),
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
            Scale::Points => 0.0,
        };
        u.clamp(0.0, 1.0)
    }

    /// The value at slider position `u` in [0, 1], rounded to four significant digits: readable,
    /// and finer than one slider step of a log scale over four decades.
    pub fn from_unit(&self, u: f64) -> f64 {
        let u = u.clamp(0.0, 1.0);
        match self.scale {
            Scale::Log => format::round_sig((self.min.ln() + u * (self.max.ln() - self.min.ln())).exp(), 4)
                .clamp(self.min, self.max),
            Scale::Linear => format::round_sig(self.min + u * (self.max - self.min), 4).clamp(self.min, self.max),
            Scale::Integer | Scale::Choice(_) => (self.min + u * (self.max - self.min)).round(),
            Scale::Points => 0.0,
        }
    }
}

/// A new value for a parameter, as its source gives it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Input<'a> {
    /// Text typed in a box or carried by a link, a saved run or the command line.
    Text(&'a str),
    /// A number from a slider, a drag or a preset.
    Number(f64),
    /// The points of a point-list parameter, placed on a panel.
    Points(&'a [(f64, f64)]),
}

/// The current values of a figure's parameters, in the order of its spec list, and the points
/// of its point-list parameter, if it has one.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamValues {
    specs: &'static [ParamSpec],
    values: Vec<f64>,
    points: Vec<(f64, f64)>,
}

impl ParamValues {
    /// Every parameter at its default.
    pub fn defaults(specs: &'static [ParamSpec]) -> Self {
        Self { specs, values: specs.iter().map(|s| s.default).collect(), points: Vec::new() }
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

    /// The index of `key`, or the error for an unknown key.
    fn position(&self, key: &str) -> Result<usize, ParamError> {
        self.specs.iter().position(|s| s.key == key).ok_or_else(|| ParamError {
            key: key.to_string(),
            message: format!("unknown parameter \u{201c}{key}\u{201d}"),
        })
    }

    /// Sets `key` after validation; on error nothing changes. (A point list takes 0 only,
    /// which removes its points.)
    pub fn set(&mut self, key: &str, value: f64) -> Result<(), ParamError> {
        let i = self.position(key)?;
        self.values[i] = self.specs[i].check(value)?;
        if self.specs[i].scale == Scale::Points {
            self.points.clear();
        }
        Ok(())
    }

    /// Parses `text` for `key` and sets it; on error nothing changes.
    pub fn set_text(&mut self, key: &str, text: &str) -> Result<(), ParamError> {
        let spec = &self.specs[self.position(key)?];
        if spec.scale == Scale::Points {
            let points = spec.parse_points(text)?;
            return self.set_points(key, points);
        }
        let value = spec.parse(text)?;
        self.set(key, value)
    }

    /// The points of the point-list parameter `key` (empty for none or another kind of key).
    pub fn points(&self, key: &str) -> &[(f64, f64)] {
        match self.spec(key) {
            Some(spec) if spec.scale == Scale::Points => &self.points,
            _ => &[],
        }
    }

    /// Sets the points of the point-list parameter `key` after validation; on error nothing
    /// changes.
    pub fn set_points(&mut self, key: &str, points: Vec<(f64, f64)>) -> Result<(), ParamError> {
        let i = self.position(key)?;
        let spec = &self.specs[i];
        if spec.scale != Scale::Points {
            return Err(spec.error("is a number, not a list of points".to_string()));
        }
        spec.check_points(&points)?;
        self.values[i] = points.len() as f64;
        self.points = points;
        Ok(())
    }

    /// The one validation path for changes from any source (a slider, a typed number, a link,
    /// a saved run, the command line): each change is checked on its own ([`ParamSpec::check`],
    /// [`ParamSpec::parse`], [`ParamSpec::check_points`]), then the result as a whole by figure
    /// `F`'s own rules ([`Figure::validate`]). The rules see all the changes at once, so the
    /// order of several settings does not matter. Returns the new values; on a refusal `self`
    /// is untouched and the error names the parameter.
    pub fn with_changes<'a, F: Figure>(
        &self,
        changes: impl IntoIterator<Item = (&'a str, Input<'a>)>,
    ) -> Result<Self, ParamError> {
        self.with_changes_checked(F::validate, changes)
    }

    /// [`ParamValues::with_changes`] for a figure type known only at run time, by its
    /// `validate` ([`crate::figures::FigureKind::validate`]).
    pub fn with_changes_checked<'a>(
        &self,
        validate: fn(&ParamValues) -> Result<(), ParamError>,
        changes: impl IntoIterator<Item = (&'a str, Input<'a>)>,
    ) -> Result<Self, ParamError> {
        let mut next = self.clone();
        for (key, input) in changes {
            match input {
                Input::Text(text) => next.set_text(key, text),
                Input::Number(value) => next.set(key, value),
                Input::Points(points) => next.set_points(key, points.to_vec()),
            }?;
        }
        validate(&next)?;
        Ok(next)
    }

    /// The text of `spec`'s value for URLs and files ([`ParamSpec::format`], or the point
    /// list as `x:y,x:y,…`).
    pub fn text(&self, spec: &ParamSpec) -> String {
        match spec.scale {
            Scale::Points => self
                .points
                .iter()
                .map(|&(x, y)| format!("{}:{}", format::exact(x), format::exact(y)))
                .collect::<Vec<_>>()
                .join(","),
            _ => spec.format(self.get(spec.key)),
        }
    }

    /// (key, value) pairs of the parameters that differ from their defaults.
    pub fn non_defaults(&self) -> impl Iterator<Item = (&'static str, f64)> + '_ {
        self.specs.iter().zip(&self.values).filter(|(s, &v)| v != s.default).map(|(s, &v)| (s.key, v))
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'static ParamSpec, f64)> + '_ {
        self.specs.iter().zip(self.values.iter().copied())
    }
}

/// A field of a figure's typed settings, read from the validated [`ParamValues`] by its key (see
/// [`figure_params!`](crate::figure_params)).
pub trait ParamField: Sized {
    fn read(values: &ParamValues, key: &str) -> Self;
}

impl ParamField for f64 {
    fn read(values: &ParamValues, key: &str) -> Self {
        values.get(key)
    }
}

impl ParamField for usize {
    fn read(values: &ParamValues, key: &str) -> Self {
        values.get(key) as usize
    }
}

impl ParamField for u64 {
    fn read(values: &ParamValues, key: &str) -> Self {
        values.get(key) as u64
    }
}

/// The points of a point-list parameter.
impl ParamField for Vec<(f64, f64)> {
    fn read(values: &ParamValues, key: &str) -> Self {
        values.points(key).to_vec()
    }
}

/// Declares the options of a choice parameter as an enum, in the order of the control, with
/// the name each option has in controls, links and files.
///
/// ```
/// sgd_stability::choices! {
///     /// Which labels the network fits.
///     pub enum Labels { Target = "target", Random = "random" }
/// }
/// assert_eq!(Labels::Random.name(), "random");
/// assert_eq!(Labels::NAMES, ["target", "random"]);
/// ```
#[macro_export]
macro_rules! choices {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $label:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        $vis enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every option, in the order of the control.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];
            /// Each option's name, in the same order.
            pub const NAMES: &'static [&'static str] = &[$($label),+];

            /// The option's name in controls, links and files.
            pub const fn name(self) -> &'static str {
                Self::NAMES[self as usize]
            }

            /// The option's value as its parameter holds it (its index).
            pub const fn value(self) -> f64 {
                self as usize as f64
            }
        }

        impl $crate::kit::params::ParamField for $name {
            fn read(values: &$crate::kit::params::ParamValues, key: &str) -> Self {
                let index = values.get(key) as usize;
                // Validation keeps a choice's value among its options' indices.
                Self::ALL[index.min(Self::ALL.len() - 1)]
            }
        }
    };
}

/// Declares a figure's settings once: a struct of typed fields that the figure reads, the key of
/// each field (`KEYS`), and the table of [`ParamSpec`]s (`SPECS`) that validation, links, the
/// command line and the page's controls use. A key is written in one place only, so a renamed
/// key cannot compile in one place and panic in another.
///
/// Each field is `name: type = "key", "label", kind, default value;` where the kind is
/// `Linear(min, max)`, `Log(min, max)`, `Integer(min, max)`, `Choice` (the type is an enum
/// of [`choices!`], the default one of its options) or `Points(min, max)` (a list of points
/// placed by the reader, of type `Vec<(f64, f64)>`, with no default).
///
/// ```
/// sgd_stability::choices! {
///     pub enum Method { Gd = "GD", Sgd = "SGD" }
/// }
/// sgd_stability::figure_params! {
///     /// The settings of a figure.
///     pub struct Settings, keys SettingsKeys {
///         /// The step size.
///         eta: f64 = "eta", "step size \u{3b7}", Log(0.01, 3.0), 1.5;
///         steps: usize = "steps", "steps at most", Integer(100, 50_000), 10_000;
///         method: Method = "method", "method", Choice, Method::Gd;
///         points: Vec<(f64, f64)> = "points", "data points", Points(-2.0, 2.0);
///     }
/// }
/// use sgd_stability::kit::params::ParamValues;
/// let mut values = ParamValues::defaults(Settings::SPECS);
/// values.set_text(Settings::KEYS.method, "SGD").unwrap();
/// let settings = Settings::read(&values);
/// assert_eq!((settings.eta, settings.steps, settings.method), (1.5, 10_000, Method::Sgd));
/// assert!(settings.points.is_empty());
/// ```
#[macro_export]
macro_rules! figure_params {
    (
        $(#[$meta:meta])* $vis:vis struct $name:ident, keys $keys:ident {
            $($(#[$fmeta:meta])* $field:ident : $ty:ty = $key:literal, $label:expr, $kind:ident $(($min:expr, $max:expr))? $(, $default:expr)?;)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq)]
        $vis struct $name {
            $($(#[$fmeta])* pub $field: $ty),+
        }

        /// The key of each parameter, by field.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        $vis struct $keys {
            $(pub $field: &'static str),+
        }

        impl $name {
            /// The key of each parameter.
            pub const KEYS: $keys = $keys { $($field: $key),+ };

            /// Every parameter's spec, in the order of the fields (the order of the controls).
            pub const SPECS: &'static [$crate::kit::params::ParamSpec] = &[
                $($crate::figure_params!(@spec $ty, $key, $label, $kind $(($min, $max))? $(, $default)?)),+
            ];

            /// The settings held by `values` (validated values of these specs).
            pub fn read(values: &$crate::kit::params::ParamValues) -> Self {
                Self { $($field: <$ty as $crate::kit::params::ParamField>::read(values, $key)),+ }
            }
        }
    };
    (@spec $ty:ty, $key:literal, $label:expr, Choice, $default:expr) => {
        $crate::kit::params::ParamSpec {
            key: $key,
            label: $label,
            min: 0.0,
            max: (<$ty>::NAMES.len() - 1) as f64,
            default: <$ty>::value($default),
            scale: $crate::kit::params::Scale::Choice(<$ty>::NAMES),
        }
    };
    (@spec $ty:ty, $key:literal, $label:expr, Points($min:expr, $max:expr)) => {
        $crate::kit::params::ParamSpec {
            key: $key,
            label: $label,
            min: $min as f64,
            max: $max as f64,
            default: 0.0,
            scale: $crate::kit::params::Scale::Points,
        }
    };
    (@spec $ty:ty, $key:literal, $label:expr, $kind:ident($min:expr, $max:expr), $default:expr) => {
        $crate::kit::params::ParamSpec {
            key: $key,
            label: $label,
            min: $min as f64,
            max: $max as f64,
            default: $default as f64,
            scale: $crate::kit::params::Scale::$kind,
        }
    };
}
