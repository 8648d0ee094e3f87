//! A figure whose type is known only at run time. [`Figure`] is generic (its constants, its
//! constructors, a `draw` for every backend), so code written against it is compiled once per
//! figure; the page's view of a figure, its playback and its exports are written against these
//! object-safe traits instead and compiled once for all figures (in the page's WebAssembly that
//! code was a third of the whole). Every `Figure` is one through the blanket impls below.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Activity, EarlierRun, Figure, Grab, Panel, Preset, Table, Verdict};
use crate::kit::params::{ParamError, ParamSpec, ParamValues};
use crate::kit::plot::{DrawResult, Theme};
use crate::page::run_file::RunFile;

/// What a figure type declares as constants ([`Figure`]'s), as one value.
#[derive(Clone, Copy, Debug)]
pub struct FigureKind {
    pub id: &'static str,
    pub title: &'static str,
    pub params: &'static [ParamSpec],
    pub panels: &'static [Panel],
    pub pace: Option<f64>,
    pub unit: &'static str,
    pub presets: &'static [Preset],
    pub stepper: Option<&'static str>,
    pub compares_runs: bool,
    pub runs_in_worker: bool,
    /// [`Figure::validate`].
    pub validate: fn(&ParamValues) -> Result<(), ParamError>,
    /// [`Figure::data_missing`].
    pub data_missing: fn(&ParamValues) -> bool,
}

impl FigureKind {
    /// The constants of figure type `F`.
    pub const fn of<F: Figure>() -> Self {
        Self {
            id: F::ID,
            title: F::TITLE,
            params: F::PARAMS,
            panels: F::PANELS,
            pace: F::PACE,
            unit: F::UNIT,
            presets: F::PRESETS,
            stepper: F::STEPPER,
            compares_runs: F::COMPARES_RUNS,
            runs_in_worker: F::RUNS_IN_WORKER,
            validate: F::validate,
            data_missing: F::data_missing,
        }
    }

    /// The parameter `key`'s spec, if the figure has one.
    pub fn param(&self, key: &str) -> Option<&'static ParamSpec> {
        self.params.iter().find(|spec| spec.key == key)
    }
}

/// [`Figure`]'s methods on a figure's state (everything but drawing and making figures), each
/// as [`Figure`] documents it.
pub trait FigureState: Send {
    /// The figure type's constants.
    fn kind(&self) -> &'static FigureKind;
    fn params(&self) -> &ParamValues;
    fn step(&mut self, units: usize) -> Activity;
    fn finish(&mut self);
    fn verdict(&self) -> Verdict;
    fn progress(&self) -> Option<String>;
    fn readouts(&self) -> Vec<(String, String)>;
    fn tables(&self) -> Vec<Table>;
    fn run_file(&self) -> Option<RunFile>;
    fn earlier_run(&self) -> Option<EarlierRun>;
    fn show_earlier_runs(&mut self, runs: Vec<EarlierRun>);
    fn open_tasks(&self) -> std::ops::Range<usize>;
    fn accept_task(&mut self, index: usize, result: &[f64]) -> Result<usize, String>;
    fn follow(&mut self, report: &[f64]) -> Result<(), String>;
    fn grab(&self, panel: usize, x: f64, y: f64) -> Option<Grab>;
    fn points(&self) -> Vec<(f64, f64)>;
}

/// A figure that draws on backend `DB` and makes figures of its own type: what the page holds.
pub trait AnyFigure<DB: DrawingBackend>: FigureState
where
    DB::ErrorType: 'static,
{
    /// [`Figure::draw`].
    fn draw(&self, panel: usize, area: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB>;
    /// A figure of the same type for `params` ([`Figure::new`]).
    fn remade(&self, params: ParamValues) -> Box<dyn AnyFigure<DB>>;
    /// A figure of the same type from a saved run ([`Figure::from_run`]).
    fn loaded(&self, run: &RunFile) -> Result<Box<dyn AnyFigure<DB>>, String>;
}

/// The constants of every figure type, one static value each (a `const` in a generic function
/// is not promoted to a `'static` reference by itself).
struct KindOf<F>(std::marker::PhantomData<F>);

impl<F: Figure> KindOf<F> {
    const KIND: FigureKind = FigureKind::of::<F>();
}

impl<F: Figure> FigureState for F {
    fn kind(&self) -> &'static FigureKind {
        &KindOf::<F>::KIND
    }
    fn params(&self) -> &ParamValues {
        Figure::params(self)
    }
    fn step(&mut self, units: usize) -> Activity {
        Figure::step(self, units)
    }
    fn finish(&mut self) {
        Figure::finish(self)
    }
    fn verdict(&self) -> Verdict {
        Figure::verdict(self)
    }
    fn progress(&self) -> Option<String> {
        Figure::progress(self)
    }
    fn readouts(&self) -> Vec<(String, String)> {
        Figure::readouts(self)
    }
    fn tables(&self) -> Vec<Table> {
        Figure::tables(self)
    }
    fn run_file(&self) -> Option<RunFile> {
        Figure::run_file(self)
    }
    fn earlier_run(&self) -> Option<EarlierRun> {
        Figure::earlier_run(self)
    }
    fn show_earlier_runs(&mut self, runs: Vec<EarlierRun>) {
        Figure::show_earlier_runs(self, runs)
    }
    fn open_tasks(&self) -> std::ops::Range<usize> {
        Figure::open_tasks(self)
    }
    fn accept_task(&mut self, index: usize, result: &[f64]) -> Result<usize, String> {
        Figure::accept_task(self, index, result)
    }
    fn follow(&mut self, report: &[f64]) -> Result<(), String> {
        Figure::follow(self, report)
    }
    fn grab(&self, panel: usize, x: f64, y: f64) -> Option<Grab> {
        Figure::grab(self, panel, x, y)
    }
    fn points(&self) -> Vec<(f64, f64)> {
        Figure::points(self)
    }
}

impl<F: Figure + 'static, DB: DrawingBackend> AnyFigure<DB> for F
where
    DB::ErrorType: 'static,
{
    fn draw(&self, panel: usize, area: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB> {
        Figure::draw(self, panel, area, theme)
    }
    fn remade(&self, params: ParamValues) -> Box<dyn AnyFigure<DB>> {
        Box::new(F::new(params))
    }
    fn loaded(&self, run: &RunFile) -> Result<Box<dyn AnyFigure<DB>>, String> {
        Ok(Box::new(F::from_run(run)?))
    }
}
