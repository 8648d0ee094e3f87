//! The contract that lets a link carry how far a run had got (`<id>.at=N`): while a figure is
//! running, `step(a)` followed by `step(b)` leaves it exactly as `step(a + b)` does. The page
//! counts the units it asked for and a link replays that many in other slices, so a figure
//! that broke it would restore a state other than the one the reader paused on.
//!
//! For every figure, at its defaults and at random valid settings: random splits (a, b), and
//! random runs of many slices such as the animation asks for, each against one call for the
//! same total. Compared exactly: the tables (NaN-aware), the verdict and how far the work has
//! got, the readouts, the saved run of a training figure and whether the figure is still
//! running.
//!
//! And the words of a paused run: a figure whose verdict follows its work says where it has
//! got, "Running: step N: …" while it plays and "Paused at step N: …" once paused, and no other
//! words of its verdict claim that it runs.

use sgd_stability::figures::function_space::FunctionSpace;
use sgd_stability::figures::linear_stability::LinearStability;
use sgd_stability::figures::sharpness_vs_lr::SharpnessVsLr;
use sgd_stability::figures::{self, Activity, Figure, FigureVisitor, Play, Table, Verdict, ALL_IDS};
use sgd_stability::kit::params::{Input, ParamSpec, ParamValues, Scale};
use sgd_stability::math::rng::{seeded, uniform, Rng};

/// Random valid settings per figure besides its defaults: near its minimum, and anywhere.
const SMALL_SETTINGS: usize = 2;
const RANDOM_SETTINGS: usize = 1;
/// Random (a, b) splits per setting.
const SPLITS: usize = 6;
/// Random runs of many slices per setting, and their largest slice (the page asks for 16 units
/// at a time).
const SLICED_RUNS: usize = 4;
const SLICE_MAX: usize = 32;
/// The splits are drawn within the units a setting needs to finish, or this many at most (a
/// few seconds for all figures).
const HORIZON_CAP: usize = 1 << 12;

/// What a figure shows and exports, for exact comparison.
#[derive(Debug)]
pub struct Snapshot {
    activity: Activity,
    tables: Vec<Table>,
    verdict: Verdict,
    progress: Option<String>,
    readouts: Vec<(String, String)>,
    run: Option<String>,
}

impl Snapshot {
    pub fn of<F: Figure>(figure: &F, activity: Activity) -> Self {
        Self {
            activity,
            tables: figure.tables(),
            verdict: figure.verdict(),
            progress: figure.progress(),
            readouts: figure.readouts(),
            run: figure.run_file().map(|run| run.to_json()),
        }
    }

    /// The first difference from `other`, if any.
    pub fn difference(&self, other: &Self) -> Option<String> {
        if self.activity != other.activity {
            return Some(format!("activity {:?} vs {:?}", self.activity, other.activity));
        }
        if self.tables.len() != other.tables.len() {
            return Some(format!("{} tables vs {}", self.tables.len(), other.tables.len()));
        }
        if let Some(difference) = self.tables.iter().zip(&other.tables).find_map(|(a, b)| table_difference(a, b)) {
            return Some(difference);
        }
        if self.verdict != other.verdict {
            return Some(format!("verdict {:?} vs {:?}", self.verdict, other.verdict));
        }
        if self.progress != other.progress {
            return Some(format!("progress {:?} vs {:?}", self.progress, other.progress));
        }
        if self.readouts != other.readouts {
            return Some(format!("readouts {:?} vs {:?}", self.readouts, other.readouts));
        }
        if self.run != other.run {
            return Some("the saved runs differ".to_string());
        }
        None
    }
}

/// The first difference between two tables, if any; numbers must be equal bit for bit, or
/// both NaN.
fn table_difference(a: &Table, b: &Table) -> Option<String> {
    let same = |x: f64, y: f64| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan());
    if a.name != b.name || a.columns != b.columns || a.rows.len() != b.rows.len() {
        return Some(format!("table {} has {} rows vs {} rows", a.name, a.rows.len(), b.rows.len()));
    }
    a.rows.iter().zip(&b.rows).enumerate().find_map(|(i, (ra, rb))| {
        let equal = ra.len() == rb.len() && ra.iter().zip(rb).all(|(&x, &y)| same(x, y));
        (!equal).then(|| format!("table {} row {i}: {ra:?} vs {rb:?}", a.name))
    })
}

/// Runs `work` in a thread of its own: a figure may keep a cache per thread (`linear-stability`
/// keeps its last finished map), and each figure here must start as on a fresh page.
fn on_fresh_thread<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| scope.spawn(work).join().expect("the figure panicked"))
}

/// The figure for `params` after one `step` call per slice.
fn stepped<F: Figure>(params: &ParamValues, slices: &[usize]) -> Snapshot {
    on_fresh_thread(|| {
        let mut figure = F::new(params.clone());
        let mut activity = Activity::Running;
        for &units in slices {
            activity = figure.step(units);
        }
        Snapshot::of(&figure, activity)
    })
}

/// The units `params` needs to finish, or [`HORIZON_CAP`] if more, found by steps of growing
/// size (an overestimate by at most one step).
fn horizon<F: Figure>(params: &ParamValues) -> usize {
    on_fresh_thread(|| {
        let mut figure = F::new(params.clone());
        let mut done = 0;
        let mut slice = 1;
        while done < HORIZON_CAP {
            let activity = figure.step(slice);
            done += slice;
            if activity == Activity::Idle {
                break;
            }
            slice = (slice * 2).min(HORIZON_CAP - done).max(1);
        }
        done
    })
}

/// A whole number from 0 to `up_to`, uniformly.
fn draw(rng: &mut Rng, up_to: usize) -> usize {
    (uniform(rng, 0.0, up_to as f64 + 1.0) as usize).min(up_to)
}

/// A value of `spec` between `lo` and `hi`: log-uniform on a log scale and for whole numbers
/// above 0 (so that small ones come up), else uniform; whole where it must be.
fn value_between(rng: &mut Rng, spec: &ParamSpec, lo: f64, hi: f64) -> f64 {
    let value = match spec.scale {
        Scale::Log => uniform(rng, lo.ln(), hi.ln()).exp(),
        Scale::Integer if lo > 0.0 => uniform(rng, lo.ln(), hi.ln()).exp().round(),
        Scale::Integer | Scale::Choice(_) => uniform(rng, lo, hi).round(),
        _ => uniform(rng, lo, hi),
    };
    value.clamp(spec.min, spec.max)
}

/// The figure's defaults and random valid settings: [`SMALL_SETTINGS`] with every number
/// between its minimum and its default (small networks, short runs: every phase of the work
/// comes within the horizon), and [`RANDOM_SETTINGS`] with each parameter anywhere in its
/// range with probability 1/2. Choices are drawn with probability 1/2.
fn settings<F: Figure>(rng: &mut Rng) -> Vec<(String, ParamValues)> {
    let defaults = ParamValues::defaults(F::PARAMS);
    let mut out = vec![("defaults".to_string(), defaults.clone())];
    while out.len() < 1 + SMALL_SETTINGS + RANDOM_SETTINGS {
        let small = out.len() <= SMALL_SETTINGS;
        let mut changes: Vec<(&str, Input)> = Vec::new();
        for spec in F::PARAMS.iter().filter(|spec| spec.scale != Scale::Points) {
            let choice = matches!(spec.scale, Scale::Choice(_));
            if (choice || !small) && uniform(rng, 0.0, 1.0) < 0.5 {
                continue;
            }
            let hi = if small && !choice { spec.default } else { spec.max };
            changes.push((spec.key, Input::Number(value_between(rng, spec, spec.min, hi))));
        }
        if let Ok(params) = defaults.with_changes::<F>(changes) {
            let text: Vec<String> = params.non_defaults().map(|(key, value)| format!("{key}={value}")).collect();
            let kind = if small { "small" } else { "random" };
            out.push((format!("{kind} settings {}", text.join(" ")), params));
        }
    }
    out
}

/// Checks the contract for one figure; returns how many comparisons passed, or the first one
/// that failed.
struct Additive {
    seed: u64,
}

impl FigureVisitor for Additive {
    type Output = Result<usize, String>;

    fn visit<F: Figure + 'static>(self) -> Self::Output {
        let mut rng = seeded(self.seed);
        let mut compared = 0;
        for (name, params) in settings::<F>(&mut rng) {
            let horizon = horizon::<F>(&params);
            let check = |slices: Vec<usize>| {
                let total = slices.iter().sum();
                let whole = stepped::<F>(&params, &[total]);
                let sliced = stepped::<F>(&params, &slices);
                match sliced.difference(&whole) {
                    Some(difference) => {
                        Err(format!("at {name}: step{slices:?} differs from step({total}): {difference}"))
                    }
                    None => Ok(()),
                }
            };
            for _ in 0..SPLITS {
                let a = draw(&mut rng, horizon);
                let b = draw(&mut rng, horizon - a + 1);
                check(vec![a, b])?;
                compared += 1;
            }
            for _ in 0..SLICED_RUNS {
                let end = draw(&mut rng, horizon);
                let mut slices = Vec::new();
                let mut total = 0;
                loop {
                    let slice = draw(&mut rng, SLICE_MAX).min(end - total);
                    slices.push(slice);
                    total += slice;
                    if total == end {
                        break;
                    }
                }
                check(slices)?;
                compared += 1;
            }
        }
        Ok(compared)
    }
}

/// THE contract of `Figure::step`, for every figure of the page.
#[test]
fn steps_add_up_for_every_figure() {
    let broken: Vec<String> = ALL_IDS
        .iter()
        .enumerate()
        .filter_map(|(i, id)| match figures::visit(id, Additive { seed: 100 + i as u64 }) {
            Some(Ok(_)) => None,
            Some(Err(failure)) => Some(format!("{id} {failure}")),
            None => Some(format!("{id} is not a figure")),
        })
        .collect();
    assert!(broken.is_empty(), "steps do not add up:\n{}", broken.join("\n"));
}

/// `linear-stability`'s runs get exactly as far for the same units whether or not another
/// figure was finished on the same thread first: nothing carries over between figures, or a
/// link to a paused run opened on a fresh page would show other steps.
#[test]
fn linear_stability_runs_get_as_far_after_another_figure() {
    let params = ParamValues::defaults(LinearStability::PARAMS)
        .with_changes::<LinearStability>([("eta", Input::Number(0.79))])
        .expect("a valid step size");
    let mut partial = 0;
    for units in [0, 10, 20, 30, 40, 60, 80, 120, 200] {
        let fresh = stepped::<LinearStability>(&params, &[units]);
        let cached = on_fresh_thread(|| {
            LinearStability::with_defaults().finish();
            let mut figure = LinearStability::new(params.clone());
            let activity = figure.step(units);
            Snapshot::of(&figure, activity)
        });
        let (runs, cached_runs) = (&fresh.tables[0], &cached.tables[0]);
        assert_eq!(runs.name, "dynamics");
        assert_eq!(table_difference(runs, cached_runs), None, "after {units} units");
        assert_eq!(fresh.verdict, cached.verdict, "after {units} units");
        let horizon = params.get_usize("horizon");
        partial += usize::from((2..=horizon).contains(&runs.rows.len()));
    }
    assert!(partial >= 2, "the units chosen must stop the runs part-way");
}

/// Words that say a figure is at work; a verdict must leave them to the page, which knows
/// whether it plays the figure or has paused it.
const AT_WORK: [&str; 6] = ["running", "training,", "training (", "computing", "starting", "sweep running"];

/// Each figure at its defaults, part-way through its work and at its end.
struct PausedWords;

impl FigureVisitor for PausedWords {
    type Output = usize;
    fn visit<F: Figure + 'static>(self) -> usize {
        let mut unfinished = 0;
        for units in [1, 40, 400] {
            let (activity, verdict, progress, playing, paused) = on_fresh_thread(|| {
                let mut figure = F::with_defaults();
                let activity = figure.step(units);
                let shown = |play| figures::shown_verdict(&figure, play);
                (activity, figure.verdict(), figure.progress(), shown(Play::Playing), shown(Play::Paused))
            });
            let what = format!("{} after {units} units", F::ID);
            let lower = verdict.text.to_lowercase();
            assert!(!AT_WORK.iter().any(|w| lower.contains(w)), "{what}: the verdict claims work: {verdict:?}");
            match progress {
                Some(at) => {
                    assert_eq!(activity, Activity::Running, "{what}: progress {at:?} once the work is done");
                    unfinished += 1;
                    assert_eq!(playing.text, format!("Running: {at}: {}", verdict.text), "{what}");
                    assert_eq!(paused.text, format!("Paused at {at}: {}", verdict.text), "{what}");
                    assert_eq!((playing.tone, paused.tone), (verdict.tone, verdict.tone), "{what}");
                    assert!(!paused.text.to_lowercase().contains("running"), "{what}: {paused:?}");
                }
                None => assert!(playing == verdict && paused == verdict, "{what}: worded without progress"),
            }
        }
        let mut figure = F::with_defaults();
        figure.finish();
        assert_eq!(figure.progress(), None, "{}: progress once finished", F::ID);
        unfinished
    }
}

/// A paused figure says so: for every figure, the verdict the page shows while it plays and
/// once it is paused, part-way through its work. The training figures are caught part-way.
#[test]
fn a_paused_figure_says_where_it_paused() {
    let mut unfinished = Vec::new();
    for id in ALL_IDS {
        if figures::visit(id, PausedWords).unwrap() > 0 {
            unfinished.push(*id);
        }
    }
    for id in ["edge-of-stability", "sharpness-vs-lr", "function-space", "interpolation", "rescaling"] {
        assert!(unfinished.contains(&id), "{id} was never caught part-way: {unfinished:?}");
    }
    let mut eos = sgd_stability::figures::edge_of_stability::EdgeOfStability::with_defaults();
    eos.step(41);
    let paused = figures::shown_verdict(&eos, Play::Paused).text;
    assert!(paused.starts_with("Paused at step 40: sharpness "), "{paused}");
}

/// The figures that finish on every core natively (the command line's exports, the tests) end
/// as stepping alone leaves them, from their start and from part-way through a run: their runs
/// are independent, and each keeps its own state.
#[test]
fn finishing_on_every_core_ends_as_stepping_does() {
    fn check<F: Figure>(changes: &[(&str, f64)], part_way: usize) {
        let changes = changes.iter().map(|&(key, value)| (key, Input::Number(value)));
        let params = ParamValues::defaults(F::PARAMS).with_changes::<F>(changes).expect("valid settings");
        let mut alone = F::new(params.clone());
        while alone.step(usize::MAX / 2) == Activity::Running {}
        let alone = Snapshot::of(&alone, Activity::Idle);
        for first in [0, part_way] {
            let mut finished = F::new(params.clone());
            assert_eq!(finished.step(first), Activity::Running, "{}: {first} units finish it", F::ID);
            finished.finish();
            let activity = finished.step(0);
            let finished = Snapshot::of(&finished, activity);
            assert_eq!(finished.difference(&alone), None, "{} after {first} units", F::ID);
        }
    }
    // Four runs of the sweep of η, the second cut part-way by the first units.
    let sweep = [("mode", 1.0), ("steps", 3000.0), ("k", 30.0), ("eta1", 0.005), ("eta2", 0.04)];
    check::<FunctionSpace>(&sweep, 4000);
    check::<SharpnessVsLr>(&[("count", 6.0), ("steps", 2000.0), ("width", 10.0)], 2500);
}
