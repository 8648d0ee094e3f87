//! How the page plays a figure's work (`page::playback`), driven natively with clocks the test
//! controls: a link's replay grants exactly its units, a frame's budget at a time, and pauses
//! there; pausing stops all work; Step works until what the figure shows changes, or for 100 ms
//! at most; the speed readout starts anew whenever the figure does (a loaded run included);
//! a paced figure gets its pace times the time elapsed; the runs of a sweep taken from workers
//! end as the sweep's own, and a link replays them on the page's thread; a run held by a worker
//! (the edge-of-stability figure) shows, report after report, exactly what the page's thread
//! computes, Step and a worker taking over included; and every figure plays the same held as a
//! trait object (as the page holds it) as held by its own type.
//!
//! Most checks use `Counter`, a figure that only counts the units it is given and logs every
//! call, so that the units granted are seen one by one; the replay is also checked end to end
//! on the edge-of-stability figure.

use std::cell::Cell;

use plotters::coord::Shift;
use plotters::prelude::*;
use sgd_stability::figures::edge_of_stability::EdgeOfStability;
use sgd_stability::figures::quadratic_1d::Quadratic1d;
use sgd_stability::figures::sharpness_vs_lr::SharpnessVsLr;
use sgd_stability::figures::{visit, Activity, Figure, FigureVisitor, Panel, Play, Table, Tone, Verdict, ALL_IDS};
use sgd_stability::kit::params::{ParamSpec, ParamValues};
use sgd_stability::kit::plot::{DrawResult, Theme};
use sgd_stability::math::rng::{seeded, uniform};
use sgd_stability::page::playback::{
    Ask, Clock, Held, Playback, Start, Worked, MAX_PACED_GAP_MS, STEP_TIME_MS, UNITS_PER_CALL,
};
use sgd_stability::page::run_file::RunFile;

/// A clock that moves on by `tick` milliseconds each time it is read.
struct TickingClock {
    now: Cell<f64>,
    tick: f64,
}

impl TickingClock {
    fn new(tick: f64) -> Self {
        Self { now: Cell::new(0.0), tick }
    }
}

impl Clock for TickingClock {
    fn now_ms(&self) -> f64 {
        let now = self.now.get();
        self.now.set(now + self.tick);
        now
    }
}

/// A figure with `TOTAL` units of work that only counts them: what it shows (its one table)
/// changes every `SHOWN_EVERY` units, and it is paced at `PACE` units per second (0: as fast
/// as the budget allows). It logs the units of every call to `step`.
struct Counter<const TOTAL: usize, const SHOWN_EVERY: usize, const PACE: usize> {
    params: ParamValues,
    done: usize,
    grants: Vec<usize>,
}

impl<const TOTAL: usize, const SHOWN_EVERY: usize, const PACE: usize> Counter<TOTAL, SHOWN_EVERY, PACE> {
    fn granted(&self) -> usize {
        self.grants.iter().sum()
    }
}

impl<const TOTAL: usize, const SHOWN_EVERY: usize, const PACE: usize> Figure for Counter<TOTAL, SHOWN_EVERY, PACE> {
    const ID: &'static str = "counter";
    const TITLE: &'static str = "Counts its work";
    const PARAMS: &'static [ParamSpec] = &[];
    const PANELS: &'static [Panel] = &[];
    const PACE: Option<f64> = if PACE == 0 { None } else { Some(PACE as f64) };

    fn new(params: ParamValues) -> Self {
        Self { params, done: 0, grants: Vec::new() }
    }

    fn params(&self) -> &ParamValues {
        &self.params
    }

    fn step(&mut self, units: usize) -> Activity {
        self.grants.push(units);
        self.done = self.done.saturating_add(units).min(TOTAL);
        if self.done < TOTAL {
            Activity::Running
        } else {
            Activity::Idle
        }
    }

    fn draw<DB: DrawingBackend>(&self, _panel: usize, _area: &DrawingArea<DB, Shift>, _theme: &Theme) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        Ok(None)
    }

    fn verdict(&self) -> Verdict {
        Verdict { text: "counting".to_string(), tone: Tone::Neutral }
    }

    fn tables(&self) -> Vec<Table> {
        let shown = self.done / SHOWN_EVERY * SHOWN_EVERY;
        vec![Table { name: "count", columns: vec!["shown"], rows: vec![vec![shown as f64]] }]
    }
}

/// A clock for frames that must not read one: a paced figure follows the frames' own times.
struct Unread;

impl Clock for Unread {
    fn now_ms(&self) -> f64 {
        panic!("a paced figure's frame read the clock")
    }
}

/// Unpaced, with plenty of work, showing every unit.
type Unpaced = Counter<100_000, 1, 0>;
/// Paced at 12 units per second.
type Paced = Counter<100_000, 1, 12>;

/// The frame budget of the tests, in milliseconds, and the clock's tick: a frame grants
/// `BUDGET_MS / TICK_MS` slices.
const BUDGET_MS: f64 = 8.0;
const TICK_MS: f64 = 1.0;
const UNITS_PER_FRAME: usize = UNITS_PER_CALL * (BUDGET_MS / TICK_MS) as usize;

/// Runs frames 16 ms apart from `*now` until the playback pauses (at most `max_frames`); returns
/// how many frames ran.
fn play_until_paused<F: Figure>(
    playback: &mut Playback<F>,
    clock: &impl Clock,
    now: &mut f64,
    max_frames: usize,
) -> usize {
    for frames in 1..=max_frames {
        *now += 16.0;
        if playback.frame(*now, BUDGET_MS, clock).paused {
            return frames;
        }
    }
    panic!("the playback did not pause within {max_frames} frames");
}

fn has_speed(readouts: &[(String, String)]) -> bool {
    readouts.iter().any(|(label, _)| label == "speed")
}

#[test]
fn restoring_a_link_grants_exactly_its_units_a_frame_budget_at_a_time_and_pauses_there() {
    for target in [1, 15, 16, 17, 127, 128, 129, 1000, 4093] {
        let clock = TickingClock::new(TICK_MS);
        let mut playback = Playback::new(Unpaced::with_defaults(), Start::Animate);
        playback.reset_to_progress(Unpaced::with_defaults(), target).unwrap();
        assert_eq!(playback.restoring_to(), Some(target));
        let mut now = 0.0;
        let mut frames = 0;
        loop {
            let before = playback.figure().granted();
            now += 16.0;
            let frame = playback.frame(now, BUDGET_MS, &clock);
            frames += 1;
            let granted = playback.figure().granted() - before;
            assert_eq!(granted, UNITS_PER_FRAME.min(target - before), "target {target}, frame {frames}");
            assert!(frame.redraw);
            if frame.paused {
                break;
            }
            let readout = playback.readouts().into_iter().find(|(label, _)| label == "restoring the link");
            let expected = format!("{} of {target} steps done", playback.units_done());
            assert_eq!(readout.map(|(_, value)| value), Some(expected));
        }
        assert_eq!(frames, target.div_ceil(UNITS_PER_FRAME), "target {target}");
        let grants = &playback.figure().grants;
        assert!(grants.iter().all(|&units| units <= UNITS_PER_CALL), "{grants:?}");
        assert_eq!(playback.figure().granted(), target);
        assert_eq!(playback.figure().done, target);
        assert_eq!(playback.units_done(), target);
        assert_eq!(playback.play(), Play::Paused);
        assert_eq!(playback.restoring_to(), None);
        assert_eq!(playback.paused_progress(), Some(target), "the paused run's link asks for as many units");
        assert!(playback.is_at_progress(&ParamValues::defaults(Unpaced::PARAMS), target));
        assert!(!playback.readouts().iter().any(|(label, _)| label == "restoring the link"));
        // Paused there: further frames do nothing.
        assert!(!playback.frame(now + 16.0, BUDGET_MS, &clock).redraw);
        assert_eq!(playback.figure().granted(), target);
    }
}

#[test]
fn a_paced_figure_replays_a_link_at_the_budget_not_at_its_pace() {
    let clock = TickingClock::new(TICK_MS);
    let mut playback = Playback::new(Paced::with_defaults(), Start::Animate);
    playback.reset_to_progress(Paced::with_defaults(), 500).unwrap();
    let mut now = 0.0;
    let frames = play_until_paused(&mut playback, &clock, &mut now, 100);
    assert_eq!(frames, 500usize.div_ceil(UNITS_PER_FRAME));
    assert_eq!(playback.figure().granted(), 500);
    assert_eq!(playback.paused_progress(), Some(500));
}

#[test]
fn a_link_past_the_end_of_the_work_finishes_it_and_keeps_no_progress() {
    let clock = TickingClock::new(TICK_MS);
    let mut playback = Playback::new(Counter::<300, 1, 0>::with_defaults(), Start::Animate);
    playback.reset_to_progress(Counter::with_defaults(), 1000).unwrap();
    let mut now = 0.0;
    play_until_paused(&mut playback, &clock, &mut now, 100);
    assert_eq!(playback.figure().done, 300);
    assert_eq!(playback.play(), Play::Paused);
    assert_eq!(playback.paused_progress(), None, "a finished run needs no progress in its link");
}

#[test]
fn a_figure_with_no_run_refuses_a_link_progress_and_plays_from_its_start() {
    let mut playback = Playback::new(Counter::<0, 1, 0>::with_defaults(), Start::Animate);
    let refused = playback.reset_to_progress(Counter::with_defaults(), 5).unwrap_err();
    assert!(refused.contains("at=5") && refused.contains("shows its result at once"), "{refused}");
    assert_eq!(playback.restoring_to(), None);
    assert_eq!(playback.play(), Play::Playing);
    assert_eq!(playback.units_done(), 0);
}

#[test]
fn a_link_replays_the_state_the_reader_paused_on() {
    let clock = TickingClock::new(TICK_MS);
    let mut now = 0.0;
    // The reader plays the edge-of-stability figure for a few frames and pauses.
    let mut watched = Playback::new(EdgeOfStability::with_defaults(), Start::Animate);
    for _ in 0..3 {
        now += 16.0;
        assert!(!watched.frame(now, BUDGET_MS, &clock).paused);
    }
    watched.toggle_play();
    watched.step_to_visible_change(&TickingClock::new(0.0));
    let at = watched.paused_progress().expect("a paused run has a progress to link");
    assert!(at > 3 * UNITS_PER_FRAME);
    // A link with its settings and `at` replays as far, in slices of its own.
    let mut linked = Playback::new(EdgeOfStability::with_defaults(), Start::Animate);
    linked.reset_to_progress(EdgeOfStability::with_defaults(), at).unwrap();
    let fine = TickingClock::new(0.25 * TICK_MS);
    play_until_paused(&mut linked, &fine, &mut now, 100);
    assert_eq!(linked.paused_progress(), Some(at));
    let (a, b) = (watched.figure(), linked.figure());
    assert_eq!(a.tables(), b.tables());
    assert_eq!(a.verdict(), b.verdict());
    assert_eq!(a.progress(), b.progress());
    assert_eq!(watched.readouts(), linked.readouts());
    assert!(linked.is_at_progress(watched.figure().params(), at));
}

#[test]
fn pausing_stops_all_work_and_playing_again_resumes_it() {
    let clock = TickingClock::new(TICK_MS);
    let mut playback = Playback::new(Unpaced::with_defaults(), Start::Animate);
    let mut now = 0.0;
    for _ in 0..4 {
        now += 16.0;
        playback.frame(now, BUDGET_MS, &clock);
    }
    playback.toggle_play();
    assert_eq!(playback.play(), Play::Paused);
    let granted = playback.figure().granted();
    assert_eq!(granted, 4 * UNITS_PER_FRAME);
    for _ in 0..10 {
        now += 16.0;
        let frame = playback.frame(now, BUDGET_MS, &clock);
        assert!(!frame.redraw && !frame.paused);
    }
    assert_eq!(playback.figure().granted(), granted, "a paused figure is given no work");
    assert_eq!(playback.paused_progress(), Some(granted));

    // Pausing during a link's replay ends the replay where it got.
    playback.reset_to_progress(Unpaced::with_defaults(), 1000).unwrap();
    now += 16.0;
    playback.frame(now, BUDGET_MS, &clock);
    playback.toggle_play();
    assert_eq!(playback.restoring_to(), None);
    assert_eq!(playback.paused_progress(), Some(UNITS_PER_FRAME));
    now += 16.0;
    playback.frame(now, BUDGET_MS, &clock);
    assert_eq!(playback.figure().granted(), UNITS_PER_FRAME);
    playback.toggle_play();
    now += 16.0;
    assert!(playback.frame(now, BUDGET_MS, &clock).redraw);
    assert_eq!(playback.figure().granted(), 2 * UNITS_PER_FRAME, "playing again goes on past the link's units");
}

#[test]
fn step_works_until_the_figure_shows_a_change() {
    // A clock that stands still: only a change of what the figure shows stops Step.
    let frozen = TickingClock::new(0.0);
    let mut playback = Playback::new(Counter::<100, 7, 0>::with_defaults(), Start::Animate);
    playback.step_to_visible_change(&frozen);
    assert_eq!(playback.play(), Play::Paused);
    assert_eq!(playback.figure().grants, vec![1; 7], "one unit at a time, until the 7th shows");
    assert_eq!(playback.paused_progress(), Some(7));
    playback.step_to_visible_change(&frozen);
    assert_eq!(playback.units_done(), 14);
    // Up to the end of the work: the last Step finishes it.
    for _ in 0..20 {
        playback.step_to_visible_change(&frozen);
    }
    assert_eq!(playback.figure().done, 100);
    assert_eq!(playback.units_done(), playback.figure().granted());
    assert_eq!(playback.paused_progress(), None, "a finished run needs no progress in its link");
}

#[test]
fn step_stops_at_its_time_limit_when_nothing_shows() {
    // Each reading of the clock is 30 ms later: the 4th unit ends past the limit.
    let tick = 30.0;
    let clock = TickingClock::new(tick);
    let mut playback = Playback::new(Counter::<100_000, 1000, 0>::with_defaults(), Start::Animate);
    playback.step_to_visible_change(&clock);
    let units = (STEP_TIME_MS / tick).ceil() as usize;
    assert_eq!(units, 4);
    assert_eq!(playback.figure().grants, vec![1; units]);
    assert_eq!(playback.paused_progress(), Some(units));
}

#[test]
fn step_during_a_replay_ends_the_replay() {
    let frozen = TickingClock::new(0.0);
    let mut playback = Playback::new(Unpaced::with_defaults(), Start::Animate);
    playback.reset_to_progress(Unpaced::with_defaults(), 1000).unwrap();
    playback.step_to_visible_change(&frozen);
    assert_eq!(playback.restoring_to(), None);
    assert_eq!(playback.play(), Play::Paused);
    assert_eq!(playback.paused_progress(), Some(1));
}

#[test]
fn the_speed_readout_starts_anew_with_every_reset() {
    let clock = TickingClock::new(TICK_MS);
    let mut playback = Playback::new(Unpaced::with_defaults(), Start::Animate);
    let mut now = 0.0;
    let measure = |playback: &mut Playback<Unpaced>, now: &mut f64| {
        // The first frame after a start has no earlier frame to measure against.
        *now += 16.0;
        playback.frame(*now, BUDGET_MS, &clock);
        assert_eq!(playback.speed(), None);
        *now += 16.0;
        playback.frame(*now, BUDGET_MS, &clock);
        let speed = playback.speed().expect("a playing figure measures its speed");
        assert!((speed - UNITS_PER_FRAME as f64 * 1000.0 / 16.0).abs() < 1e-9, "{speed}");
        let readouts = playback.readouts();
        let shown = readouts.iter().find(|(label, _)| label == "speed").map(|(_, value)| value.as_str());
        assert_eq!(shown, Some("8000 steps per second"));
    };
    measure(&mut playback, &mut now);
    type Reset = fn(&mut Playback<Unpaced>);
    let resets: [(&str, Reset); 4] = [
        ("new settings", |p| p.reset(Unpaced::with_defaults(), Start::Settings)),
        ("Replay or a preset", |p| p.reset(Unpaced::with_defaults(), Start::Animate)),
        ("a loaded run", |p| p.reset(Unpaced::with_defaults(), Start::LoadedRun)),
        ("a link", |p| p.reset_to_progress(Unpaced::with_defaults(), 100_000).unwrap()),
    ];
    for (what, reset) in resets {
        reset(&mut playback);
        assert_eq!(playback.speed(), None, "after {what}");
        assert!(!has_speed(&playback.readouts()), "after {what}");
        assert_eq!(playback.units_done(), 0, "after {what}");
        measure(&mut playback, &mut now);
    }
    // A paused figure shows no speed.
    playback.toggle_play();
    assert!(!has_speed(&playback.readouts()));
}

#[test]
fn a_loaded_run_plays_but_a_link_cannot_carry_it() {
    let clock = TickingClock::new(TICK_MS);
    let mut playback = Playback::new(Unpaced::with_defaults(), Start::LoadedRun);
    assert_eq!(playback.play(), Play::Playing);
    playback.frame(16.0, BUDGET_MS, &clock);
    playback.toggle_play();
    assert_eq!(playback.paused_progress(), None);
}

#[test]
fn new_settings_show_a_paced_figure_finished_and_play_any_other() {
    let paced = Playback::new(Paced::with_defaults(), Start::Settings);
    assert_eq!(paced.play(), Play::Paused);
    assert_eq!(paced.figure().done, 100_000, "shown finished at once");
    assert_eq!(paced.paused_progress(), None);
    let unpaced = Playback::new(Unpaced::with_defaults(), Start::Settings);
    assert_eq!(unpaced.play(), Play::Playing);
    assert_eq!(unpaced.figure().done, 0);
    let replayed = Playback::new(Paced::with_defaults(), Start::Animate);
    assert_eq!(replayed.play(), Play::Playing);
    assert_eq!(replayed.figure().done, 0);
}

#[test]
fn a_paced_figure_gets_its_pace_times_the_time_elapsed() {
    let clock = Unread;
    let mut rng = seeded(13);
    let pace = Paced::PACE.unwrap();
    let mut playback = Playback::new(Paced::with_defaults(), Start::Animate);
    let mut now = 1000.0;
    let mut elapsed = 0.0;
    playback.frame(now, BUDGET_MS, &clock);
    assert_eq!(playback.units_done(), 0, "the first frame has no time elapsed");
    for frame in 0..2000 {
        // Mostly screen frames, sometimes a page that was in the background for seconds.
        let gap = if frame % 97 == 0 { uniform(&mut rng, 300.0, 5000.0) } else { uniform(&mut rng, 0.0, 40.0) };
        now += gap;
        elapsed += gap.min(MAX_PACED_GAP_MS);
        let before = playback.units_done();
        let worked = playback.frame(now, BUDGET_MS, &clock);
        assert_eq!(worked.redraw, playback.units_done() > before, "a frame without a unit draws nothing new");
        let owed = pace * elapsed / 1000.0 - playback.units_done() as f64;
        assert!((-1e-6..1.0 + 1e-6).contains(&owed), "frame {frame}: {owed} units owed");
    }
    assert_eq!(playback.figure().granted(), playback.units_done());
    assert_eq!(playback.speed(), None, "a paced figure shows no speed");
}

#[test]
fn a_paced_figure_of_the_page_keeps_its_pace() {
    let clock = Unread;
    let mut playback = Playback::new(Quadratic1d::with_defaults(), Start::Animate);
    let pace = Quadratic1d::PACE.expect("the 1-D quadratic is paced");
    for tick in 0..=8 {
        playback.frame(250.0 * tick as f64, BUDGET_MS, &clock);
    }
    assert_eq!(playback.units_done(), (pace * 2.0) as usize, "two seconds at its pace");
}

/// A small sweep: its runs are the tasks workers compute on the page.
fn small_sweep() -> ParamValues {
    let mut params = ParamValues::defaults(SharpnessVsLr::PARAMS);
    for (key, value) in [("count", 5.0), ("steps", 1500.0), ("width", 8.0), ("points", 5.0), ("eta_max", 0.3)] {
        params.set(key, value).unwrap();
    }
    params
}

/// What a figure shows, with NaN cells comparable: its tables as CSV, verdict and progress.
fn shown<F: Figure>(figure: &F) -> (Vec<String>, Verdict, Option<String>) {
    (figure.tables().iter().map(Table::to_csv).collect(), figure.verdict(), figure.progress())
}

#[test]
fn a_sweep_whose_runs_come_from_workers_ends_as_its_own_and_a_link_replays_it() {
    let params = small_sweep();
    let mut own = SharpnessVsLr::new(params.clone());
    own.finish();
    // A worker's copy: the figure as its run file, sent as text, rebuilds it.
    let mut playback = Playback::new(SharpnessVsLr::new(params.clone()), Start::Animate);
    let text = playback.figure().run_file().unwrap().to_json();
    let copy = SharpnessVsLr::from_run(&RunFile::parse(&text).unwrap()).unwrap();
    let runs = playback.open_tasks();
    assert_eq!(runs, 0..5);
    let mut now = 0.0;
    let mut paused_at = None;
    for index in runs.clone() {
        now += 40.0;
        let frame = playback.accept_task(index, &copy.run_task(index).unwrap(), now).unwrap();
        assert!(frame.redraw);
        assert_eq!(frame.paused, index == runs.end - 1, "paused after run {index}");
        if index == 1 {
            // The reader pauses after two runs: no task is open until Play, and the link holds
            // the steps of the two runs.
            let mut paused = Playback::new(SharpnessVsLr::new(params.clone()), Start::Animate);
            paused.accept_task(0, &copy.run_task(0).unwrap(), now).unwrap();
            paused.accept_task(1, &copy.run_task(1).unwrap(), now).unwrap();
            paused.toggle_play();
            assert_eq!(paused.open_tasks(), 0..0);
            paused_at = Some((paused.paused_progress().unwrap(), shown(paused.figure())));
            assert!(has_speed(&playback.readouts()), "the speed of the runs taken: {:?}", playback.readouts());
        }
    }
    assert_eq!(shown(playback.figure()), shown(&own), "the runs from workers are the sweep's own");
    assert_eq!((playback.play(), playback.paused_progress()), (Play::Paused, None));
    // A link to where the reader paused replays as many steps on the page's thread, and shows
    // the same two runs; while it replays, no task is open.
    let (at, seen) = paused_at.unwrap();
    let mut linked = Playback::new(SharpnessVsLr::new(params.clone()), Start::Animate);
    linked.reset_to_progress(SharpnessVsLr::new(params), at).unwrap();
    assert_eq!(linked.open_tasks(), 0..0);
    play_until_paused(&mut linked, &TickingClock::new(0.01), &mut now, 100_000);
    assert_eq!(linked.paused_progress(), Some(at));
    assert_eq!(shown(linked.figure()), seen);
}

#[test]
fn a_result_the_figure_refuses_changes_nothing() {
    let params = small_sweep();
    let copy = SharpnessVsLr::new(params.clone());
    let mut playback = Playback::new(SharpnessVsLr::new(params), Start::Animate);
    let before = shown(playback.figure());
    for (index, numbers) in [(1, copy.run_task(1).unwrap()), (0, vec![1.0, 2.0]), (0, copy.run_task(2).unwrap())] {
        assert!(playback.accept_task(index, &numbers, 10.0).is_err(), "run {index}: {numbers:?}");
    }
    assert_eq!(shown(playback.figure()), before);
    assert_eq!(playback.units_done(), 0);
    assert_eq!(copy.run_task(5), None, "the sweep has runs 0 to 4");
    // A figure whose work is not tasks has none.
    assert_eq!(Quadratic1d::with_defaults().open_tasks(), 0..0);
}

/// Settings of the edge-of-stability figure that cover what its reports carry: the warm and
/// the fixed sharpness, three eigenvalues, SGD's batch sharpness measured every few steps, the
/// central flow, the EOS-1 reference start, a switch, the digits with their accuracy, and the
/// other data sets.
fn held_settings() -> Vec<ParamValues> {
    let cases: &[&[(&str, f64)]] = &[
        &[("steps", 120.0)],
        &[("eta", 0.06), ("steps", 90.0), ("depth", 1.0), ("width", 100.0), ("init", 0.0), ("flow", 2.0)],
        &[("batch", 5.0), ("every", 7.0), ("steps", 150.0), ("mode", 1.0), ("top", 3.0)],
        &[("data", 3.0), ("points", 40.0), ("width", 6.0), ("activation", 4.0), ("switch", 20.0), ("steps", 50.0)],
        &[("data", 2.0), ("points", 30.0), ("depth", 1.0), ("width", 12.0), ("flow", 1.0), ("steps", 60.0)],
        &[("data", 1.0), ("points", 25.0), ("depth", 3.0), ("width", 5.0), ("activation", 1.0), ("eta", 1.5)],
    ];
    cases
        .iter()
        .map(|changes| {
            let mut params = ParamValues::defaults(EdgeOfStability::PARAMS);
            for &(key, value) in *changes {
                params.set(key, value).unwrap_or_else(|e| panic!("{key} = {value}: {e:?}"));
            }
            EdgeOfStability::validate(&params).unwrap();
            params
        })
        .collect()
}

/// All that a figure shows and saves: its tables, verdict and progress, readouts and run file.
type Everything = ((Vec<String>, Verdict, Option<String>), Vec<(String, String)>, Option<String>);

fn everything<F: Figure>(figure: &F) -> Everything {
    (shown(figure), figure.readouts(), figure.run_file().map(|run| run.to_json()))
}

/// A worker's copy of the figure: rebuilt from its run file, sent as text.
fn worker_copy(figure: &EdgeOfStability) -> EdgeOfStability {
    let text = figure.run_file().unwrap().to_json();
    EdgeOfStability::from_run(&RunFile::parse(&text).unwrap()).unwrap()
}

/// One ask of `held`, its answer sent as numbers and followed by `playback` at `now`.
fn ask_and_follow(held: &mut Held<EdgeOfStability>, playback: &mut Playback<EdgeOfStability>, ask: Ask, now: f64) {
    let worked = Worked::from_numbers(&held.work(ask, &TickingClock::new(1.0)).to_numbers()).unwrap();
    if worked.report.is_none() {
        assert_eq!(worked.units, 0, "a worker that replays reports no units");
    }
    playback.follow(&worked, now).unwrap();
}

/// A worker's answer of 10 units with `report`.
fn ten_units(report: &[f64]) -> Worked {
    Worked { units: 10, idle: false, report: Some(report.to_vec()) }
}

#[test]
fn a_run_held_by_a_worker_shows_what_the_page_computes_step_and_takeover_included() {
    const { assert!(EdgeOfStability::RUNS_IN_WORKER && !Quadratic1d::RUNS_IN_WORKER) };
    for params in held_settings() {
        let mut own = EdgeOfStability::new(params.clone());
        own.finish();
        let mut playback = Playback::new(EdgeOfStability::new(params.clone()), Start::Animate);
        let mut held = Held::new(worker_copy(playback.figure()), 0);
        let mut now = 0.0;
        let mut paused_at = None;
        let mut asks = 0;
        while let Some(to) = playback.worker_limit() {
            now += 16.0;
            asks += 1;
            ask_and_follow(&mut held, &mut playback, Ask::Run { to, budget_ms: 4.0 }, now);
            if asks == 3 {
                // The reader pauses and steps once: the worker steps to the next visible change.
                playback.pause();
                let before = shown(playback.figure());
                ask_and_follow(&mut held, &mut playback, Ask::Step, now);
                assert_ne!(shown(playback.figure()), before, "{params:?}: Step changed nothing");
                paused_at = playback.paused_progress().map(|at| (at, everything(playback.figure())));
                playback.toggle_play();
            }
            if asks == 5 {
                // The worker is replaced: a fresh copy replays to where the page stands, saying
                // nothing until it is there, and goes on from there.
                held = Held::new(worker_copy(&EdgeOfStability::new(params.clone())), playback.units_done());
            }
        }
        assert_eq!(everything(playback.figure()), everything(&own), "{params:?}: the reports are not the run");
        assert_eq!((playback.play(), playback.paused_progress()), (Play::Paused, None));
        // A link to where the reader paused replays as many units on the page's thread.
        let Some((at, seen)) = paused_at else { continue };
        let mut linked = Playback::new(EdgeOfStability::new(params.clone()), Start::Animate);
        linked.reset_to_progress(EdgeOfStability::new(params.clone()), at).unwrap();
        play_until_paused(&mut linked, &TickingClock::new(0.01), &mut now, 100_000);
        assert_eq!(everything(linked.figure()), seen, "{params:?}: the link shows another state");
    }
}

#[test]
fn a_link_replay_goes_to_the_worker_and_stops_at_its_units() {
    let params = held_settings().swap_remove(0);
    let mut playback = Playback::new(EdgeOfStability::new(params.clone()), Start::Animate);
    playback.reset_to_progress(EdgeOfStability::new(params.clone()), 37).unwrap();
    let mut held = Held::new(worker_copy(playback.figure()), 0);
    let mut now = 0.0;
    while let Some(to) = playback.worker_limit() {
        assert_eq!(to, 37);
        now += 16.0;
        ask_and_follow(&mut held, &mut playback, Ask::Run { to, budget_ms: 4.0 }, now);
    }
    assert_eq!(playback.paused_progress(), Some(37));
    let mut own = EdgeOfStability::new(params);
    own.step(37);
    assert_eq!(everything(playback.figure()), everything(&own));
}

#[test]
fn a_report_the_figure_refuses_changes_nothing() {
    let params = held_settings().swap_remove(1);
    let mut playback = Playback::new(EdgeOfStability::new(params), Start::Animate);
    let mut held = Held::new(worker_copy(playback.figure()), 0);
    let worked = held.work(Ask::Run { to: 10, budget_ms: 100.0 }, &TickingClock::new(1.0));
    let report = worked.report.unwrap();
    let mut again = Held::new(worker_copy(playback.figure()), 0);
    let next = again.work(Ask::Run { to: 10, budget_ms: 100.0 }, &TickingClock::new(1.0)).report.unwrap();
    again.work(Ask::Run { to: 20, budget_ms: 100.0 }, &TickingClock::new(1.0));
    let later = again.work(Ask::Run { to: 30, budget_ms: 100.0 }, &TickingClock::new(1.0)).report.unwrap();
    let before = everything(playback.figure());
    let with = |at: usize, value: f64| {
        let mut numbers = report.clone();
        numbers[at] = value;
        numbers
    };
    let bad = [
        vec![],
        report[..report.len() - 1].to_vec(),
        [report.clone(), vec![0.0]].concat(),
        later,
        with(0, 1.0),
        with(1, 1e300),
        with(1, 0.5),
        with(4, -1.0),
        with(report.len() - 3, 7.0),
    ];
    for numbers in &bad {
        assert!(playback.follow(&ten_units(numbers), 16.0).is_err(), "{:?}", &numbers[..numbers.len().min(8)]);
        assert_eq!(everything(playback.figure()), before);
        assert_eq!(playback.units_done(), 0);
    }
    let bits = |numbers: &[f64]| numbers.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&report), bits(&next), "a copy's report is the same numbers");
    playback.follow(&ten_units(&report), 16.0).unwrap();
    assert!(playback.follow(&ten_units(&report), 32.0).is_err(), "the same report twice");
    // A figure that does not run in a worker follows no report.
    assert!(Quadratic1d::with_defaults().follow(&report).is_err());
}

/// The page holds its figures as trait objects (`figures::any`): every figure plays, steps and
/// reads out the same held as `dyn FigureState` as held by its own type, frame after frame.
#[test]
fn every_figure_plays_the_same_as_a_trait_object_as_by_its_type() {
    use sgd_stability::figures::FigureState;

    struct Alike;
    impl FigureVisitor for Alike {
        type Output = ();
        fn visit<F: Figure + 'static>(self) {
            let (typed_clock, object_clock) = (TickingClock::new(TICK_MS), TickingClock::new(TICK_MS));
            let mut typed = Playback::new(F::with_defaults(), Start::Animate);
            let object: Box<dyn FigureState> = Box::new(F::with_defaults());
            let mut object: Playback<dyn FigureState> = Playback::new(object, Start::Animate);
            let shown = |tables: Vec<Table>, verdict: Verdict, progress: Option<String>| {
                (tables.iter().map(Table::to_csv).collect::<Vec<_>>(), verdict, progress)
            };
            let mut now = 0.0;
            for frame in 0..6 {
                now += 16.0;
                let (a, b) = if frame < 5 {
                    (typed.frame(now, BUDGET_MS, &typed_clock), object.frame(now, BUDGET_MS, &object_clock))
                } else {
                    typed.step_to_visible_change(&typed_clock);
                    object.step_to_visible_change(&object_clock);
                    (typed.frame(now, BUDGET_MS, &typed_clock), object.frame(now, BUDGET_MS, &object_clock))
                };
                let what = format!("{} at frame {frame}", F::ID);
                assert_eq!(a, b, "{what}");
                assert_eq!((typed.units_done(), typed.play()), (object.units_done(), object.play()), "{what}");
                let typed_figure = typed.figure();
                let object_figure = object.figure();
                assert_eq!(
                    shown(Figure::tables(typed_figure), Figure::verdict(typed_figure), Figure::progress(typed_figure)),
                    shown(object_figure.tables(), object_figure.verdict(), object_figure.progress()),
                    "{what}"
                );
                assert_eq!(object_figure.kind().id, F::ID);
            }
        }
    }
    for id in ALL_IDS {
        visit(id, Alike).expect("a registered figure");
    }
}
