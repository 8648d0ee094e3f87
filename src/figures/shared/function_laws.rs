//! What the figures on function space share: the laws of the inputs and the targets that
//! `function-space` and `proof-lemma4` sample their data from, as choices of a parameter, and
//! the legend swatch of a dashed or dotted line that both draw.

use plotters::element::DashedPathElement;
use plotters::style::ShapeStyle;

use crate::kit::plot::Theme;
use crate::math::distribution::Distribution;
use crate::math::function_space::Target;

/// The label of a `law` parameter (a [`InputLaw`]).
pub const LAW_LABEL: &str = "law of the inputs";

/// The label of a `target` parameter (a [`TargetFunction`]).
pub const TARGET_LABEL: &str = "target (abs = |x|, sine = sin \u{3c0}x)";

crate::choices! {
    /// The law the data's inputs are drawn from.
    pub enum InputLaw { Uniform = "uniform", Gaussian = "gaussian", Laplace = "laplace" }
}

impl InputLaw {
    /// Uniform on [−1, 1], or a Gaussian or Laplace law of the same standard deviation 1/√3,
    /// so that the three spread their data alike.
    pub fn distribution(self) -> Distribution {
        let sd = 1.0 / 3f64.sqrt();
        match self {
            InputLaw::Uniform => Distribution::Uniform { lo: -1.0, hi: 1.0 },
            InputLaw::Gaussian => Distribution::Gaussian { mean: 0.0, sd },
            InputLaw::Laplace => Distribution::Laplace { location: 0.0, scale: sd / 2f64.sqrt() },
        }
    }
}

crate::choices! {
    /// The function the data's labels come from.
    pub enum TargetFunction { Abs = "abs", Sine = "sine", Square = "square", Random = "random" }
}

impl TargetFunction {
    pub fn target(self) -> Target {
        match self {
            TargetFunction::Abs => Target::Abs,
            TargetFunction::Sine => Target::Sine,
            TargetFunction::Square => Target::Square,
            TargetFunction::Random => Target::RandomLabels,
        }
    }
}

/// A legend swatch for a dashed or dotted series: `dashes` dashes across the usual length.
pub fn broken_swatch(
    theme: &Theme,
    style: ShapeStyle,
    dashes: u32,
) -> impl Fn((i32, i32)) -> DashedPathElement<std::vec::IntoIter<(i32, i32)>, u32> {
    let len = theme.px(18.0);
    let dash = len / (2 * dashes - 1);
    move |(x, y)| DashedPathElement::new(vec![(x, y), (x + len as i32, y)], dash, dash, style)
}
