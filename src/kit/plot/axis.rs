//! One coordinate type for every panel. To plotters each combination of linear and logarithmic
//! axes is a coordinate type of its own, with its chart, mesh and series code compiled once per
//! type; an [`Axis`] is either kind, so every chart is a [`Chart`] and that code is compiled once.

use std::ops::Range;

use plotters::coord::ranged1d::{KeyPointHint, NoDefaultFormatting, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::{format, DrawError};

/// A chart of a panel: linear or logarithmic axes, data in f64.
pub type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<Axis, Axis>>;

/// One axis of a chart: plotters' linear or logarithmic axis, which it maps, ticks and ranges
/// exactly as that axis does, or with ticks the panel chose.
pub struct Axis {
    scale: Scale,
    ticks: Option<Vec<f64>>,
}

enum Scale {
    Linear(RangedCoordf64),
    Log(LogCoord<f64>),
}

impl Axis {
    /// A logarithmic axis over `range` (positive).
    pub fn log(range: Range<f64>) -> Self {
        Self { scale: Scale::Log(LogCoord::from(range.log_scale())), ticks: None }
    }

    /// The axis with its ticks (and grid lines) at `ticks` only.
    pub fn with_ticks(self, ticks: Vec<f64>) -> Self {
        Self { ticks: Some(ticks), ..self }
    }

    /// Whether the axis is logarithmic.
    pub fn is_log(&self) -> bool {
        matches!(self.scale, Scale::Log(_))
    }
}

impl From<Range<f64>> for Axis {
    fn from(range: Range<f64>) -> Self {
        Self { scale: Scale::Linear(range.into()), ticks: None }
    }
}

impl Ranged for Axis {
    type FormatOption = NoDefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        match &self.scale {
            Scale::Linear(axis) => axis.map(value, limit),
            Scale::Log(axis) => axis.map(value, limit),
        }
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        match (&self.ticks, &self.scale) {
            // Chosen ticks are bold lines only, as plotters' `with_key_points` draws them.
            (Some(_), _) if hint.weight().allow_light_points() => Vec::new(),
            (Some(ticks), _) => ticks.clone(),
            (None, Scale::Linear(axis)) => axis.key_points(hint),
            (None, Scale::Log(axis)) => axis.key_points(hint),
        }
    }

    fn range(&self) -> Range<f64> {
        match &self.scale {
            Scale::Linear(axis) => axis.range(),
            Scale::Log(axis) => axis.range(),
        }
    }
}

/// Tick labels in the house format, unless a panel gives its own formatter.
impl ValueFormatter<f64> for Axis {
    fn format(value: &f64) -> String {
        format::tick(*value)
    }
}

/// Builds a panel's chart on `x` and `y` (a range for a linear axis, [`Axis::log`] for a
/// logarithmic one).
pub trait BuildChart<'a, DB: DrawingBackend> {
    fn axes(&mut self, x: impl Into<Axis>, y: impl Into<Axis>) -> Result<Chart<'a, DB>, DrawError<DB>>;
}

impl<'a, DB: DrawingBackend> BuildChart<'a, DB> for ChartBuilder<'a, '_, DB> {
    fn axes(&mut self, x: impl Into<Axis>, y: impl Into<Axis>) -> Result<Chart<'a, DB>, DrawError<DB>> {
        self.build_cartesian_2d(x.into(), y.into())
    }
}
