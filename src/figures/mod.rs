//! The figures of the page, one module per figure, named after its DOM id.
//!
//! A figure owns its parameters and its state, does its work in bounded slices (`step`), and
//! draws each of its panels through `draw`, generic over plotters' `DrawingBackend`: the same
//! code draws on a browser canvas, into the PNG and SVG files of the command line, and in
//! the tests. Figures know nothing of the DOM.

pub mod any;
pub mod edge_of_stability;
pub mod function_space;
pub mod interpolation;
pub mod linear_stability;
pub mod proof_lemma4;
pub mod proof_mean_dynamics;
pub mod quadratic_1d;
pub mod quadratic_nd;
pub mod rescaling;
pub mod shared;
pub mod sharpness_vs_lr;
pub mod switching;

use crate::kit::format;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::kit::params::{self, ParamSpec, ParamValues};
use crate::kit::plot::{DrawResult, Theme};
use crate::page::run_file;
pub use any::{AnyFigure, FigureKind, FigureState};

/// One drawing surface of a figure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Panel {
    /// Stable key, used in file names and DOM ids.
    pub key: &'static str,
    /// What the panel shows, for the canvas's accessible label.
    pub description: &'static str,
}

/// The tone of a figure's one-line verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    /// Converges, stable, holds.
    Good,
    /// Diverges, unstable, violated.
    Bad,
    /// Neither (on the boundary, still running).
    Neutral,
}

/// The figure's live summary in words, with its key numbers.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    pub text: String,
    pub tone: Tone,
}

/// Whether a figure has work left to animate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activity {
    Running,
    Idle,
}

/// Whether the page plays a figure's work or has paused it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Play {
    Playing,
    Paused,
}

/// The verdict as the page shows it: a figure whose work is under way says where it has got,
/// "Running: step 120: …" while the page plays it and "Paused at step 120: …" once the reader
/// has paused it (see [`Figure::progress`]); otherwise its verdict as it is.
pub fn shown_verdict(figure: &dyn FigureState, play: Play) -> Verdict {
    let verdict = figure.verdict();
    match figure.progress() {
        None => verdict,
        Some(at) => {
            let state = match play {
                Play::Playing => "Running:",
                Play::Paused => "Paused at",
            };
            Verdict { text: format!("{state} {at}: {}", verdict.text), ..verdict }
        }
    }
}

/// A table of numbers a figure draws, for CSV export. NaN marks a value that was not measured
/// (say, the sharpness of a run that diverged) and is written as an empty cell; a table holds
/// no infinities.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    pub name: &'static str,
    pub columns: Vec<&'static str>,
    pub rows: Vec<Vec<f64>>,
}

impl Table {
    /// CSV with a header line; numbers in their shortest round-tripping form.
    pub fn to_csv(&self) -> String {
        let mut out = self.columns.join(",");
        out.push('\n');
        for row in &self.rows {
            let cells: Vec<String> =
                row.iter().map(|v| if v.is_nan() { String::new() } else { format::exact(*v) }).collect();
            out.push_str(&cells.join(","));
            out.push('\n');
        }
        out
    }
}

/// Something done with a figure type chosen at run time by its id: mounting it on the page,
/// exporting it from the command line. [`visit`] is the one registry of figures.
pub trait FigureVisitor {
    type Output;
    fn visit<F: Figure + 'static>(self) -> Self::Output;
}

/// Declares the registry once: `ALL_IDS` and `ALL_KINDS` in page order and `visit`, from one list of figure
/// types, so that a figure is added to the page, the command line and the tests in one place.
macro_rules! registry {
    ($($figure:ty),+ $(,)?) => {
        /// The ids of all figures, in page order.
        pub const ALL_IDS: &[&str] = &[$(<$figure>::ID),+];

        /// The constants of every figure type, in page order.
        pub static ALL_KINDS: &[FigureKind] = &[$(FigureKind::of::<$figure>()),+];

        /// Calls `visitor` with the figure type whose id is `id`; None for an unknown id.
        pub fn visit<V: FigureVisitor>(id: &str, visitor: V) -> Option<V::Output> {
            $(if id == <$figure>::ID {
                return Some(visitor.visit::<$figure>());
            })+
            None
        }
    };
}

/// The constants of the figure type whose id is `id`; None for an unknown id.
pub fn kind(id: &str) -> Option<&'static FigureKind> {
    ALL_KINDS.iter().find(|kind| kind.id == id)
}

registry![
    interpolation::Interpolation,
    rescaling::Rescaling,
    quadratic_1d::Quadratic1d,
    quadratic_nd::QuadraticNd,
    linear_stability::LinearStability,
    proof_mean_dynamics::ProofMeanDynamics,
    edge_of_stability::EdgeOfStability,
    sharpness_vs_lr::SharpnessVsLr,
    switching::Switching,
    function_space::FunctionSpace,
    proof_lemma4::ProofLemma4,
];

/// Multiply-adds of work per unit of `step`, for the figures that budget their work rather
/// than count steps (many runs at once, a map of cells): a unit is tens of microseconds in the
/// browser, so that a frame's budget is spent in many small pieces.
pub const WORK_PER_UNIT: usize = 25_000;

/// What such a unit is, for the speed readout.
pub const WORK_UNIT_NAME: &str = "slices of 25,000 multiply-adds";

/// A named set of parameter values a reader can pick in one click (the rest at defaults).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Preset {
    pub label: &'static str,
    pub values: &'static [(&'static str, f64)],
}

/// The most earlier runs a figure keeps to compare with.
pub const EARLIER_RUNS: usize = 5;

/// An earlier run of a figure, kept to draw faintly under later ones.
#[derive(Clone, Debug, PartialEq)]
pub struct EarlierRun {
    /// The settings it ran with: a later run labels it by those that differ from its own.
    pub params: ParamValues,
    /// Its curve in each panel, in that panel's data coordinates (empty where it has none).
    pub curves: Vec<Vec<(f64, f64)>>,
}

impl EarlierRun {
    /// The settings of this run that differ from `current`, as "label = value" (or "same
    /// settings").
    pub fn label(&self, current: &ParamValues) -> String {
        let differences: Vec<String> = self
            .params
            .iter()
            .filter(|(spec, _)| self.params.text(spec) != current.text(spec))
            .map(|(spec, _)| format!("{} = {}", spec.label, self.params.text(spec)))
            .collect();
        if differences.is_empty() {
            "same settings".to_string()
        } else {
            differences.join(", ")
        }
    }
}

/// What a pointer drag on a panel moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grab {
    /// This parameter follows the pointer's x coordinate.
    X(&'static str),
    /// These two parameters follow the pointer's x and y coordinates.
    XY(&'static str, &'static str),
    /// Point `index` of the figure's data (see [`Figure::points`]) follows the pointer; the
    /// data become the points of the point-list parameter `key`.
    Point { key: &'static str, index: usize },
    /// A new point is added to the point-list parameter `key` where the pointer went down,
    /// and then follows it.
    NewPoint(&'static str),
}

/// What every figure provides. `Sized` figures are mounted generically by the web layer and the
/// command line; `Send`, so that a finished run can be handed to another thread (the tests share
/// their long runs between threads).
pub trait Figure: Sized + Send {
    /// The figure id: its DOM container, URL prefix, command-line subcommand and test name.
    const ID: &'static str;
    /// Its title, for captions and the command line.
    const TITLE: &'static str;
    /// Its settable parameters, with ranges and defaults.
    const PARAMS: &'static [ParamSpec];
    /// Its panels, in drawing order.
    const PANELS: &'static [Panel];
    /// How many steps of work per second to animate, when the work is meant to be watched at a
    /// reading pace; `None` runs as fast as the frame budget allows.
    const PACE: Option<f64>;
    /// What one unit of `step`'s work is, for the page's speed readout (plural).
    const UNIT: &'static str = "steps";
    /// One-click settings shown as buttons.
    const PRESETS: &'static [Preset] = &[];
    /// For a step-by-step figure (a proof), the integer parameter that is the current step:
    /// the page gives it Previous/Next buttons and arrow keys, and marks the matching item of
    /// the list `#<id>-steps` as current.
    const STEPPER: Option<&'static str> = None;
    /// Whether earlier runs can be kept and drawn beside later ones ([`Figure::earlier_run`]).
    const COMPARES_RUNS: bool = false;

    /// Whether the page hands this figure's work, one long run, to a worker that holds a copy
    /// of the figure (rebuilt from its run file) and reports what each slice of work added
    /// ([`Figure::report`]), so that the page's own thread only draws.
    const RUNS_IN_WORKER: bool = false;

    /// Checks what single-parameter ranges cannot (say, a batch larger than the data set).
    /// A refused combination leaves the figure as it was, with the message beside the control
    /// being changed (for a link, beside the control the error's key names).
    fn validate(_params: &ParamValues) -> Result<(), params::ParamError> {
        Ok(())
    }

    /// Whether these parameters ask for data that the page fetches when first needed and has
    /// not fetched yet (the handwritten digits, see `math::digits`): the page then fetches them
    /// and applies the parameters once they have arrived. [`Figure::new`] is only called with
    /// parameters for which this is false.
    fn data_missing(_params: &ParamValues) -> bool {
        false
    }

    /// The figure in its starting state for these (already validated) parameters.
    fn new(params: ParamValues) -> Self;

    /// This run as an earlier one, for later runs to draw faintly beside theirs; None for a
    /// figure whose runs are not compared.
    fn earlier_run(&self) -> Option<EarlierRun> {
        None
    }

    /// Earlier runs to draw faintly beside this one, the most recent last (at most
    /// [`EARLIER_RUNS`]).
    fn show_earlier_runs(&mut self, _runs: Vec<EarlierRun>) {}

    /// The figure at its defaults.
    fn with_defaults() -> Self {
        Self::new(ParamValues::defaults(Self::PARAMS))
    }

    fn params(&self) -> &ParamValues;

    /// Does up to `units` steps of work; `Idle` once there is none left.
    ///
    /// The contract: while the figure is `Running`, `step(a)` followed by `step(b)` leaves it
    /// exactly as `step(a + b)` does (so `step(0)` only tells whether work is left). What is
    /// done depends only on the units granted in all, never on how they were sliced: a figure
    /// whose pieces of work cost more than a unit keeps the units granted and not yet spent,
    /// and the units a finished piece (a run) leaves go on to the next. The page counts the
    /// units it asks for, and a link to a paused run (`<id>.at=N`) replays N units in other
    /// slices, so the contract is what makes the link show the state the reader paused on
    /// (`tests/figures/progress.rs` checks it for every figure).
    fn step(&mut self, units: usize) -> Activity;

    /// Does all remaining work (the command line and the tests draw the finished state).
    fn finish(&mut self) {
        while self.step(usize::MAX / 2) == Activity::Running {}
    }

    /// Draws panel `panel` (an index into `PANELS`) on `area`. Returns the panel's pixel ↔ data
    /// map when it has draggable handles.
    fn draw<DB: DrawingBackend>(&self, panel: usize, area: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB>
    where
        DB::ErrorType: 'static;

    /// The live verdict in words. While work is under way it says what holds so far, and
    /// [`Figure::progress`] says how far the work has got.
    fn verdict(&self) -> Verdict;

    /// Where work under way has got, as a position ("step 120", "run 4 of 30"), for figures
    /// whose verdict follows their work: the page puts it before the verdict, worded by whether
    /// it plays the figure or has paused it (see [`shown_verdict`]). None once the work is done,
    /// and for figures whose verdict does not depend on how far their work has got.
    fn progress(&self) -> Option<String> {
        None
    }

    /// Key numbers shown under the verdict as (label, value) pairs.
    fn readouts(&self) -> Vec<(String, String)> {
        Vec::new()
    }

    /// The series the figure draws, for CSV export.
    fn tables(&self) -> Vec<Table>;

    /// A training figure's run (settings, data, current parameters) to save, if it has one.
    fn run_file(&self) -> Option<run_file::RunFile> {
        None
    }

    /// The figure started from a saved run; refused with a message when the run does not fit.
    fn from_run(_run: &run_file::RunFile) -> Result<Self, String> {
        Err(format!("the figure \u{201c}{}\u{201d} trains no network, so it has no saved runs", Self::ID))
    }

    /// For a figure whose work is a list of independent tasks (the runs of a sweep), which the
    /// page hands to workers: the tasks not yet done, in order; empty for any other figure. A
    /// task is computed on the figure as its run file rebuilds it ([`Figure::run_file`],
    /// [`Figure::from_run`]), so a figure with tasks has run files.
    fn open_tasks(&self) -> std::ops::Range<usize> {
        0..0
    }

    /// Task `index` done from its start: the numbers [`Figure::accept_task`] takes, bit for bit
    /// what [`Figure::step`] computes for it. None for an index that is not a task.
    fn run_task(&self, _index: usize) -> Option<Vec<f64>> {
        None
    }

    /// Takes the result of task `index`, the first open one, made by [`Figure::run_task`] on a
    /// copy of this figure; returns the units of work it stands for that [`Figure::step`] had not
    /// yet done here (so that the page's count of units still replays the run), or why the
    /// numbers are not that result.
    fn accept_task(&mut self, index: usize, _result: &[f64]) -> Result<usize, String> {
        Err(format!("the figure \u{201c}{}\u{201d} has no task {index}", Self::ID))
    }

    /// For a figure that runs in a worker: how much of its run the figure holds, in counts of
    /// its own (say, its records), for [`Figure::report`].
    fn run_mark(&self) -> Vec<usize> {
        Vec::new()
    }

    /// What the run has added since `mark` (a [`Figure::run_mark`] of this figure), as the
    /// numbers [`Figure::follow`] takes.
    fn report(&self, _mark: &[usize]) -> Vec<f64> {
        Vec::new()
    }

    /// On the page: takes a report made by a copy of this figure that stood where this one
    /// stands, so that this figure shows what the copy computed, bit for bit. A figure that
    /// follows a copy is not stepped itself. Err, changing nothing, for numbers that are not
    /// such a report.
    fn follow(&mut self, _report: &[f64]) -> Result<(), String> {
        Err(format!("the figure \u{201c}{}\u{201d} does not run in a worker", Self::ID))
    }

    /// What a drag starting at data point (x, y) of `panel` moves, if anything.
    fn grab(&self, _panel: usize, _x: f64, _y: f64) -> Option<Grab> {
        None
    }

    /// The data points that [`Grab::Point`] indexes: the placed points of a point-list
    /// parameter, or the sampled data, which a first drag turns into placed points.
    fn points(&self) -> Vec<(f64, f64)> {
        Vec::new()
    }
}
