//! Playing a figure's work on the page: Play and Pause, Step, the speed readout, the pace of
//! figures meant to be watched, and a link that replays a paused run (`<id>.at=N`, see
//! `url_state`). The browser only calls in: the time comes from a [`Clock`] it passes, so
//! that the tests drive all of it natively with a clock of their own.
//!
//! Every unit of work goes through one place, which counts it, so that how far a run has got
//! is the sum of the units granted; `Figure::step`'s contract (units sliced any way do the
//! same work) then makes a replay of that many units show the state the reader paused on.
//! Every way of starting a figure again (new settings, Replay, Defaults, a preset, a loaded
//! run, a link) goes through [`Playback::reset`], which sets every field.

use crate::figures::{Activity, Figure, FigureState, Play};
use crate::kit::params::ParamValues;
use crate::math::numbers::{Numbers, Reader};
use crate::page::url_state::{MAX_PROGRESS, PROGRESS_KEY};

/// A clock in milliseconds from any fixed origin (the page's is `performance.now()`).
pub trait Clock {
    fn now_ms(&self) -> f64;
}

/// Work units per call when a figure runs as fast as the frame's budget allows.
pub const UNITS_PER_CALL: usize = 16;

/// The longest a click on Step may work, in milliseconds, so that a click never freezes the
/// page.
pub const STEP_TIME_MS: f64 = 100.0;

/// The longest time between two frames that a paced figure makes up for, in milliseconds: a
/// page that was in the background does not jump ahead when it comes back.
pub const MAX_PACED_GAP_MS: f64 = 250.0;

/// How a figure starts again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    /// New settings: a paced figure (whose animation only reveals finished work) shows its
    /// result at once; any other plays its work.
    Settings,
    /// Replay or a preset: the work plays from its start, paced or not.
    Animate,
    /// A run loaded from a file: it plays on from where it was saved, and a link cannot carry
    /// it (links hold settings, not runs).
    LoadedRun,
}

/// What a frame did, for the view to follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame {
    /// Whether what the figure shows may have changed (it was given work).
    pub redraw: bool,
    /// Whether the run paused by itself in this frame: its work is done, or it reached the
    /// units a link asked for. The play button and the link change with it.
    pub paused: bool,
}

/// A figure and the state of its playing. The page holds any figure (`F` a trait object, see
/// `figures::any`); the tests hold figures of their own.
pub struct Playback<F: ?Sized> {
    figure: Box<F>,
    playing: bool,
    /// Whether the figure has no work left (its last `step` said so).
    finished: bool,
    /// Whether a link can replay the run: not for a run loaded from a file.
    replayable: bool,
    /// The units a link asked to replay, while the figure fast-forwards to them.
    restore_to: Option<usize>,
    /// Work units granted since the figure started: how far its run has got.
    units_done: usize,
    /// Fractional units owed to a paced figure.
    owed: f64,
    /// Units per second of an unpaced figure while it plays (smoothed over frames); 0 until
    /// measured.
    rate: f64,
    /// When the last frame that played ran (the frame's own time).
    last_frame: Option<f64>,
}

impl<F: FigureState + ?Sized> Playback<F> {
    /// Playback of `figure`, started as `start` says.
    pub fn new(figure: impl Into<Box<F>>, start: Start) -> Self {
        let mut figure = figure.into();
        let playing = match start {
            Start::Settings => figure.kind().pace.is_none(),
            Start::Animate | Start::LoadedRun => true,
        };
        if !playing {
            figure.finish();
        }
        Self {
            figure,
            playing,
            finished: !playing,
            replayable: start != Start::LoadedRun,
            restore_to: None,
            units_done: 0,
            owed: 0.0,
            rate: 0.0,
            last_frame: None,
        }
    }

    /// Replaces the figure by `figure`, started as `start` says, forgetting everything about
    /// the run before (its units, its speed, a link being restored).
    pub fn reset(&mut self, figure: impl Into<Box<F>>, start: Start) {
        *self = Self::new(figure, start);
    }

    /// Replaces the figure by `figure` (just built from a link's settings) and fast-forwards
    /// it by the link's `units` of work, a frame's budget at a time, pausing there. A figure
    /// that shows its result at once has no run to replay: it plays from its start, and the
    /// message says why the units were not applied.
    pub fn reset_to_progress(&mut self, figure: impl Into<Box<F>>, units: usize) -> Result<(), String> {
        self.reset(figure, Start::Animate);
        if self.grant(0) == Activity::Idle {
            return Err(format!(
                "\u{201c}{PROGRESS_KEY}={units}\u{201d} asks to replay a run, but this figure shows its result at once"
            ));
        }
        self.restore_to = Some(units);
        Ok(())
    }

    pub fn figure(&self) -> &F {
        &self.figure
    }

    /// The figure, to change what it shows without restarting it.
    pub fn figure_mut(&mut self) -> &mut F {
        &mut self.figure
    }

    pub fn play(&self) -> Play {
        if self.playing {
            Play::Playing
        } else {
            Play::Paused
        }
    }

    /// Work units granted since the figure started.
    pub fn units_done(&self) -> usize {
        self.units_done
    }

    /// The units a link asked to replay, while the figure is on its way to them.
    pub fn restoring_to(&self) -> Option<usize> {
        self.restore_to
    }

    /// How far a run the reader paused before its end had got, for the link; None while it
    /// plays, once it has finished, and when a link could not replay it.
    pub fn paused_progress(&self) -> Option<usize> {
        let paused = !self.playing && !self.finished && self.replayable;
        (paused && self.units_done <= MAX_PROGRESS).then_some(self.units_done)
    }

    /// Whether the figure has `params` and is paused at, or on its way to, `units` of work.
    pub fn is_at_progress(&self, params: &ParamValues, units: usize) -> bool {
        self.figure.params() == params && (self.restore_to == Some(units) || self.paused_progress() == Some(units))
    }

    /// Units per second of an unpaced figure while it plays, once measured.
    pub fn speed(&self) -> Option<f64> {
        (self.figure.kind().pace.is_none() && self.playing && self.rate > 0.0).then_some(self.rate)
    }

    /// The figure's readouts, then the speed while it plays and how far a link's replay has got.
    pub fn readouts(&self) -> Vec<(String, String)> {
        let mut readouts = self.figure.readouts();
        if let Some(rate) = self.speed() {
            readouts.push(("speed".to_string(), format!("{rate:.0} {} per second", self.figure.kind().unit)));
        }
        if let Some(target) = self.restore_to {
            readouts.push((
                "restoring the link".to_string(),
                format!("{} of {target} {} done", self.units_done, self.figure.kind().unit),
            ));
        }
        readouts
    }

    /// Play or Pause: pausing also ends a link's replay where it has got.
    pub fn toggle_play(&mut self) {
        self.playing = !self.playing;
        self.restore_to = None;
        self.last_frame = None;
    }

    /// Step: pauses and steps the figure to the next change of what it shows (see
    /// [`step_to_visible_change`]).
    pub fn step_to_visible_change(&mut self, clock: &impl Clock) {
        self.pause();
        let (units, activity) = step_to_visible_change(&mut *self.figure, clock);
        self.units_done = self.units_done.saturating_add(units);
        self.finished = activity == Activity::Idle;
    }

    /// Pauses, ending a link's replay where it has got.
    pub fn pause(&mut self) {
        self.playing = false;
        self.restore_to = None;
    }

    /// One animation frame at time `now_ms` (the frame's own time), working for `budget_ms` at
    /// most by `clock`. A paced figure gets its pace times the time since the last frame; any
    /// other, and a link's replay, as many units as the budget allows.
    pub fn frame(&mut self, now_ms: f64, budget_ms: f64, clock: &impl Clock) -> Frame {
        if !self.playing {
            return Frame { redraw: false, paused: false };
        }
        let (activity, worked) = match (self.figure.kind().pace, self.restore_to) {
            (Some(pace), None) => {
                let elapsed = self.last_frame.map_or(0.0, |t| (now_ms - t).clamp(0.0, MAX_PACED_GAP_MS));
                self.owed += elapsed * pace / 1000.0;
                let units = self.owed.floor();
                self.owed -= units;
                (self.grant(units as usize), units >= 1.0)
            }
            _ => (self.run_slices(now_ms, budget_ms, clock), true),
        };
        self.last_frame = Some(now_ms);
        let restored = self.restore_to.is_some_and(|target| self.units_done >= target);
        if activity == Activity::Idle || restored {
            self.playing = false;
            self.finished = activity == Activity::Idle;
            self.restore_to = None;
            return Frame { redraw: true, paused: true };
        }
        Frame { redraw: worked, paused: false }
    }

    /// The figure's tasks to hand to workers now: its open tasks while it plays, none while it
    /// is paused or replays a link (a replay counts units, which the page's own thread does).
    pub fn open_tasks(&self) -> std::ops::Range<usize> {
        if self.playing && self.restore_to.is_none() {
            self.figure.open_tasks()
        } else {
            0..0
        }
    }

    /// Takes task `index`'s result, made by a worker at `now_ms`, counted as the units of work it
    /// stands for (so that a link still replays the run), with the speed measured over the
    /// results taken; pauses as [`Playback::frame`] does once no work is left.
    pub fn accept_task(&mut self, index: usize, result: &[f64], now_ms: f64) -> Result<Frame, String> {
        let units = self.figure.accept_task(index, result)?;
        self.units_done = self.units_done.saturating_add(units);
        self.count_speed(units, now_ms);
        self.last_frame = Some(now_ms);
        if self.figure.step(0) == Activity::Idle {
            self.playing = false;
            self.finished = true;
            return Ok(Frame { redraw: true, paused: true });
        }
        Ok(Frame { redraw: true, paused: false })
    }

    /// While the page plays a figure whose run a worker holds (see [`Held`]): the units in all
    /// that the worker may go on to (a link's, or no limit). None while it is paused.
    pub fn worker_limit(&self) -> Option<usize> {
        self.playing.then(|| self.restore_to.unwrap_or(usize::MAX))
    }

    /// Takes what a worker that holds this figure's run did for one ask, at `now_ms`: its
    /// report, so that the figure shows what the worker computed, and its units. An answer
    /// without a report (the worker still replays) changes nothing. Pauses as
    /// [`Playback::frame`] does once no work is left or a link's units are reached. A report
    /// that comes after the reader paused (it was under way) is taken too, so that the link says
    /// where the run stands; the frame then says it is paused.
    pub fn follow(&mut self, worked: &Worked, now_ms: f64) -> Result<Frame, String> {
        let Some(report) = &worked.report else { return Ok(Frame { redraw: false, paused: !self.playing }) };
        self.figure.follow(report)?;
        let (units, idle) = (worked.units, worked.idle);
        self.units_done = self.units_done.saturating_add(units);
        self.finished |= idle;
        if self.playing {
            self.count_speed(units, now_ms);
            self.last_frame = Some(now_ms);
            if idle || self.restore_to.is_some_and(|target| self.units_done >= target) {
                self.pause();
            }
        }
        Ok(Frame { redraw: true, paused: !self.playing })
    }

    /// Steps the figure for the frame's budget (see [`work_within`]), up to a link's units, and
    /// measures the speed.
    fn run_slices(&mut self, now_ms: f64, budget_ms: f64, clock: &impl Clock) -> Activity {
        let most = self.restore_to.map_or(usize::MAX, |target| target.saturating_sub(self.units_done));
        let (units, activity) = work_within(&mut *self.figure, most, UNITS_PER_CALL, budget_ms, clock);
        self.units_done = self.units_done.saturating_add(units);
        self.count_speed(units, now_ms);
        activity
    }

    /// Folds `units` done between the last frame (or result) and `now_ms` into the smoothed
    /// speed.
    fn count_speed(&mut self, units: usize, now_ms: f64) {
        if let Some(last) = self.last_frame {
            let rate = units as f64 * 1000.0 / (now_ms - last).max(1.0);
            self.rate = if self.rate == 0.0 { rate } else { 0.8 * self.rate + 0.2 * rate };
        }
    }

    /// Gives the figure `units` of work and counts them.
    fn grant(&mut self, units: usize) -> Activity {
        self.units_done = self.units_done.saturating_add(units);
        self.figure.step(units)
    }
}

/// What the page asks of a worker that holds a figure's run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Ask {
    /// Work for about `budget_ms`, up to `to` units in all.
    Run { to: usize, budget_ms: f64 },
    /// Step to the next change of what the figure shows (the Step button).
    Step,
}

/// What a worker did for one [`Ask`]: the units it gave the figure for the page, whether the
/// figure's work is done, and what the run added (None while it replays units the page has).
#[derive(Clone, Debug, PartialEq)]
pub struct Worked {
    pub units: usize,
    pub idle: bool,
    pub report: Option<Vec<f64>>,
}

impl Worked {
    /// As numbers, to cross from the worker to the page: the units, whether the work is done
    /// (1) or not (0), whether a report follows (1) or not (0), then the report.
    pub fn to_numbers(&self) -> Vec<f64> {
        let mut out = Numbers::default();
        out.count(self.units);
        out.count(usize::from(self.idle));
        out.count(usize::from(self.report.is_some()));
        out.values(self.report.as_deref().unwrap_or_default());
        out.0
    }

    /// What [`Worked::to_numbers`] made; None for numbers it cannot have made.
    pub fn from_numbers(numbers: &[f64]) -> Option<Self> {
        let mut read = Reader::new(numbers);
        let (units, idle, has_report) = (read.count()?, read.count()?, read.count()?);
        let rest = read.values(numbers.len() - 3)?.to_vec();
        let report = match (has_report, rest.is_empty()) {
            (0, true) => None,
            (1, _) => Some(rest),
            _ => return None,
        };
        (idle <= 1).then_some(Self { units, idle: idle == 1, report })
    }
}

/// A figure whose run a worker holds for the page (`Figure::RUNS_IN_WORKER`), its units counted
/// as the page counts them. One that takes over at units the page already has (its worker was
/// replaced) first replays them, reporting nothing until it stands where the page does; by the
/// figures' step contract it then stands exactly there.
pub struct Held<F> {
    figure: F,
    units: usize,
    replay_to: usize,
}

/// Units per slice in a worker: it answers within its budget whatever a unit costs.
const HELD_SLICE: usize = 1;

impl<F: Figure> Held<F> {
    /// `figure` at its start, to stand where the page's copy stands after `at` units.
    pub fn new(figure: F, at: usize) -> Self {
        Self { figure, units: 0, replay_to: at }
    }

    /// Does what `ask` says, by `clock`.
    pub fn work(&mut self, ask: Ask, clock: &impl Clock) -> Worked {
        if self.units < self.replay_to {
            let budget_ms = match ask {
                Ask::Run { budget_ms, .. } => budget_ms,
                Ask::Step => STEP_TIME_MS,
            };
            let (units, activity) =
                work_within(&mut self.figure, self.replay_to - self.units, HELD_SLICE, budget_ms, clock);
            self.units += units;
            return Worked { units: 0, idle: activity == Activity::Idle, report: None };
        }
        let mark = self.figure.run_mark();
        let (units, activity) = match ask {
            Ask::Run { to, budget_ms } => {
                work_within(&mut self.figure, to.saturating_sub(self.units), HELD_SLICE, budget_ms, clock)
            }
            Ask::Step => step_to_visible_change(&mut self.figure, clock),
        };
        self.units += units;
        Worked { units, idle: activity == Activity::Idle, report: Some(self.figure.report(&mark)) }
    }
}

/// Steps `figure` `slice` units at a time until `budget_ms` by `clock` is spent, `most` units
/// are done or its work is; returns the units given and where the figure stands.
fn work_within<F: FigureState + ?Sized>(
    figure: &mut F,
    most: usize,
    slice: usize,
    budget_ms: f64,
    clock: &impl Clock,
) -> (usize, Activity) {
    let start = clock.now_ms();
    let mut units = 0;
    loop {
        let slice = slice.min(most - units);
        if slice == 0 {
            return (units, Activity::Running);
        }
        units += slice;
        let activity = figure.step(slice);
        if activity == Activity::Idle || clock.now_ms() - start >= budget_ms {
            return (units, activity);
        }
    }
}

/// Steps `figure` one unit at a time until what it shows (its tables, verdict, progress or
/// readouts) changes, or for [`STEP_TIME_MS`] at most: a unit of the figures that budget their
/// work is a small slice that may show nothing by itself. Returns the units given and where
/// the figure stands.
fn step_to_visible_change<F: FigureState + ?Sized>(figure: &mut F, clock: &impl Clock) -> (usize, Activity) {
    let shown = |figure: &F| (figure.tables(), figure.verdict(), figure.progress(), figure.readouts());
    let before = shown(figure);
    let start = clock.now_ms();
    let mut units = 0;
    loop {
        units += 1;
        let activity = figure.step(1);
        if activity == Activity::Idle || clock.now_ms() - start >= STEP_TIME_MS || shown(figure) != before {
            return (units, activity);
        }
    }
}
