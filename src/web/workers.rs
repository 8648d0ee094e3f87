//! Workers for the figures' heavy work, so that the page's own thread only draws. Each worker
//! is a second instance of the page's WebAssembly module in a dedicated Web Worker
//! (www/worker.js); the page starts one per core. Two kinds of work go to them:
//! - a figure whose work is independent tasks (the runs of a sweep, `Figure::open_tasks`) has
//!   them computed on every core at once;
//! - a figure whose work is one long run (`Figure::RUNS_IN_WORKER`) has it held by one worker,
//!   which works on it in slices of about [`SLICE_MS`] as the page asks ([`Ask`]) and reports
//!   what each slice added; the page's copy of the figure follows the reports
//!   (`Figure::follow`) and never trains.
//!
//! Nothing is shared: work goes out as the figure's run file, its results come back as numbers,
//! so the page needs no special headers from its host.
//!
//! Only the loader (www/load.js) may name the worker's script under the page's Trusted Types
//! policy, so it hands over the function that starts a worker ([`set_worker_spawner`]). Without
//! it, or when no worker starts, a figure computes on the page's thread as before and says so.
//! A worker whose work panics stops that figure, as a panic on the page's thread does; a worker
//! that stops answering is replaced and its work given again (a held run is replayed there up
//! to where the page stands).

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{ErrorEvent, Event, MessageEvent, Worker};

use crate::figures::{Figure, FigureVisitor};
use crate::page::playback::{Ask, Clock, Held, Worked};
use crate::page::run_file::RunFile;

/// The most workers the page starts, whatever the machine's core count.
const MAX_WORKERS: usize = 8;

/// How long a task may run before its worker counts as having stopped answering (ms). A
/// sweep's longest run (100,000 steps of a 200-unit network) takes a few seconds.
const ANSWER_WITHIN_MS: f64 = 120_000.0;

/// How long a worker works on a held run before it reports (ms): the page shows a run's
/// progress that often.
const SLICE_MS: f64 = 40.0;

/// Asks a held run may have under way: the worker has the next at hand when it finishes one.
const ASKS_AHEAD: usize = 2;

thread_local! {
    /// The loader's function that starts a worker.
    static SPAWN: RefCell<Option<js_sys::Function>> = const { RefCell::new(None) };
    /// The workers, once a figure has asked for them.
    static POOL: RefCell<Option<Pool>> = const { RefCell::new(None) };
    /// How many workers to start: the core count unless the benchmark says otherwise.
    static WANTED: Cell<Option<usize>> = const { Cell::new(None) };
    /// How long a task may run (ms); the end-to-end test shortens it.
    static PATIENCE_MS: Cell<f64> = const { Cell::new(ANSWER_WITHIN_MS) };
    /// The figure whose next work given out is told to do something else instead ("stall" or
    /// "panic", see www/worker.js), for the end-to-end test.
    static NEXT_TROUBLE: RefCell<Option<(String, &'static str)>> = const { RefCell::new(None) };
    /// Job numbers, unique on the page.
    static JOBS: Cell<u64> = const { Cell::new(0) };
    /// In a worker: the message of the panic that ended the last task.
    static PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
    /// In a worker: the runs it holds, one per figure, with their job.
    static HELD: RefCell<Vec<(u64, Box<dyn HeldRun>)>> = const { RefCell::new(Vec::new()) };
}

/// Called by the loader with the function that starts a worker (and tells it where the
/// module is).
#[wasm_bindgen]
pub fn set_worker_spawner(spawn: js_sys::Function) {
    SPAWN.set(Some(spawn));
}

/// Makes the next work of figure `figure` given to a worker stop answering (`"stall"`) or panic
/// (`"panic"`), and a worker count as not answering after `patience_ms`, so that the end-to-end
/// test can check how the page copes. Nothing on the page calls it.
#[wasm_bindgen]
pub fn trouble_worker_for_test(figure: &str, what: &str, patience_ms: f64) -> Result<(), JsValue> {
    let trouble = ["stall", "panic"]
        .into_iter()
        .find(|&known| known == what)
        .ok_or_else(|| JsValue::from_str("the trouble is \"stall\" or \"panic\""))?;
    NEXT_TROUBLE.set(Some((figure.to_string(), trouble)));
    PATIENCE_MS.set(patience_ms.max(1.0));
    Ok(())
}

/// The trouble asked for figure `owner`'s next work, taken (see [`trouble_worker_for_test`]).
fn take_trouble(owner: &str) -> Option<&'static str> {
    NEXT_TROUBLE.with_borrow_mut(|next| match next {
        Some((figure, trouble)) if figure == owner => {
            let trouble = *trouble;
            *next = None;
            Some(trouble)
        }
        _ => None,
    })
}

/// Starts `count` workers from now on (the old ones stop), for the benchmark's sweep on one
/// worker and on all.
#[wasm_bindgen]
pub fn use_workers_for_bench(count: usize) {
    WANTED.set(Some(count.clamp(1, MAX_WORKERS)));
    if let Some(pool) = POOL.take() {
        pool.stop();
    }
}

/// In a worker: task `index` of figure `id`, computed on the figure its run file `run` rebuilds.
#[wasm_bindgen]
pub fn run_task(id: &str, run: &str, index: usize) -> Result<Vec<f64>, JsValue> {
    let run = RunFile::parse(run).map_err(|e| JsValue::from_str(&e))?;
    let result = crate::figures::visit(id, RunTask { run: &run, index })
        .ok_or_else(|| JsValue::from_str(&format!("no figure has the id \"{id}\"")))?;
    result.map_err(|e| JsValue::from_str(&e))
}

/// In a worker: does what the page asks of figure `id`'s run of job `job` ([`Ask`]: work up to
/// `to` units for [`SLICE_MS`], or `step` to the next visible change). The first ask of a job
/// brings the figure's run file `run` and the units `at` the page has already: the run is
/// rebuilt from it and replayed to there. Answers with the units done, whether the run is done
/// (1) or not (0), and, unless it is still replaying, the report of what it added.
#[wasm_bindgen]
pub fn work_held(
    id: &str,
    job: f64,
    run: Option<String>,
    at: usize,
    to: usize,
    step: bool,
) -> Result<Vec<f64>, JsValue> {
    let job = job as u64;
    if let Some(run) = run {
        let run = RunFile::parse(&run).map_err(|e| JsValue::from_str(&e))?;
        let held = crate::figures::visit(id, HoldRun { run: &run, at })
            .ok_or_else(|| JsValue::from_str(&format!("no figure has the id \"{id}\"")))?
            .map_err(|e| JsValue::from_str(&e))?;
        HELD.with_borrow_mut(|runs| {
            runs.retain(|(_, other)| other.id() != held.id());
            runs.push((job, held));
        });
    }
    let ask = if step { Ask::Step } else { Ask::Run { to, budget_ms: SLICE_MS } };
    let worked = HELD.with_borrow_mut(|runs| {
        let (_, held) = runs.iter_mut().find(|(j, held)| *j == job && held.id() == id)?;
        Some(held.work(ask).ok_or("the figure has failed"))
    });
    let worked = worked
        .ok_or_else(|| format!("this worker holds no run of job {job} of \"{id}\""))
        .and_then(|worked| worked.map_err(String::from))
        .map_err(|e| JsValue::from_str(&e))?;
    Ok(worked.to_numbers())
}

/// A figure's run held in a worker, whatever its figure type.
trait HeldRun {
    fn id(&self) -> &'static str;
    /// None when the figure has failed.
    fn work(&mut self, ask: Ask) -> Option<Worked>;
}

impl<F: Figure> HeldRun for Held<F> {
    fn id(&self) -> &'static str {
        F::ID
    }

    fn work(&mut self, ask: Ask) -> Option<Worked> {
        // Run as the figure, so that the test's request to fail it (fail_figure_for_test) applies.
        super::isolation::run_as(F::ID, || Held::work(self, ask, &WallClock))
    }
}

/// Builds a figure type's held run from its run file.
struct HoldRun<'a> {
    run: &'a RunFile,
    at: usize,
}

impl FigureVisitor for HoldRun<'_> {
    type Output = Result<Box<dyn HeldRun>, String>;

    fn visit<F: Figure + 'static>(self) -> Self::Output {
        if !F::RUNS_IN_WORKER {
            return Err(format!("the figure \u{201c}{}\u{201d} does not run in a worker", F::ID));
        }
        Ok(Box::new(Held::new(F::from_run(self.run)?, self.at)))
    }
}

/// A worker's clock: the wall clock (a worker has no window for `performance`).
struct WallClock;

impl Clock for WallClock {
    fn now_ms(&self) -> f64 {
        js_sys::Date::now()
    }
}

/// In a worker: the message of the panic that ended the last task, if one did.
#[wasm_bindgen]
pub fn worker_panic_message() -> Option<String> {
    PANIC.take()
}

/// In a worker, the panic hook: keeps the message for [`worker_panic_message`].
pub fn record_panic(info: &std::panic::PanicHookInfo<'_>) {
    PANIC.set(Some(super::isolation::panic_message(info).to_string()));
}

/// Computes one task of a figure type rebuilt from its run file.
struct RunTask<'a> {
    run: &'a RunFile,
    index: usize,
}

impl FigureVisitor for RunTask<'_> {
    type Output = Result<Vec<f64>, String>;

    fn visit<F: Figure + 'static>(self) -> Self::Output {
        let figure = F::from_run(self.run)?;
        let work = || figure.run_task(self.index);
        // Run as the figure, so that the test's request to fail it (fail_figure_for_test) applies.
        let result = super::isolation::run_as(F::ID, work).flatten();
        result.ok_or_else(|| format!("the figure \u{201c}{}\u{201d} has no task {}", F::ID, self.index))
    }
}

/// A figure's side of its workers: which job its work belongs to, what a worker needs to do it,
/// the results that came back before the ones before them, and what to tell the reader.
#[derive(Default)]
pub struct Tasks {
    job: u64,
    /// The figure's run file, as text, once work has gone out (shared, not copied, each frame).
    input: Option<Rc<str>>,
    /// Results waiting for the results of earlier tasks, by index.
    waiting: BTreeMap<usize, Vec<f64>>,
    /// Whether the job's run went to a worker, whose reports the figure follows.
    handed: bool,
    /// Whether the figure has followed a report of the job: until then a run whose worker
    /// could not start goes on the page's thread.
    followed: bool,
    /// Whether the reader asked for a Step that has not gone out.
    step_wanted: bool,
    /// Where the work is done, for the readout; None until the figure has had work out.
    place: Option<String>,
    /// What happened to a worker on the way, for the readout.
    event: Option<String>,
}

/// What became of a figure's work at workers in a frame.
pub enum Came {
    /// Task results, in the order of their tasks, to take.
    Results(Vec<(usize, Vec<f64>)>),
    /// What the worker holding the run did for each ask, in order, to follow.
    Reports(Vec<Worked>),
    /// The work panicked in its worker, or the worker holding the run is gone: the figure
    /// stops with this message.
    Failed(String),
}

impl Tasks {
    /// Forgets the work of the run before (new settings, Replay, a loaded run): results still
    /// on their way for it are dropped when they come.
    pub fn restart(&mut self) {
        self.job = JOBS.get() + 1;
        JOBS.set(self.job);
        self.input = None;
        self.waiting.clear();
        self.handed = false;
        self.followed = false;
        self.step_wanted = false;
        self.event = None;
    }

    /// The readouts that say where the work runs; none for a figure that has had none out.
    pub fn readouts(&self) -> Vec<(String, String)> {
        let mut readouts: Vec<(String, String)> = Vec::new();
        if let Some(place) = &self.place {
            readouts.push(("computed".to_string(), place.clone()));
        }
        if let Some(event) = &self.event {
            readouts.push(("workers".to_string(), event.clone()));
        }
        readouts
    }

    /// One frame of figure `owner`'s tasks, `open` being those not yet taken: collects what the
    /// workers answered, gives out the open tasks not yet out to idle workers (with `input`, the
    /// figure's run file, made once per job) and returns the results that can be taken now, in
    /// order. None when no worker can take tasks: the figure then computes on the page's thread.
    pub fn frame(
        &mut self,
        owner: &'static str,
        open: std::ops::Range<usize>,
        input: impl FnOnce() -> Option<String>,
        now_ms: f64,
    ) -> Option<Came> {
        let answers = match with_pool(|pool| pool.collect(owner, now_ms)) {
            Ok(answers) => answers,
            Err(why) => {
                self.place = Some(format!("on the page\u{2019}s own thread: {why}"));
                return None;
            }
        };
        for answer in answers {
            match answer {
                Answer::Done { job, result, work: Work::Task(index) } if job == self.job => {
                    self.waiting.insert(index, result);
                }
                Answer::Done { .. } => {}
                Answer::Failed(message) => return Some(Came::Failed(message)),
                Answer::Restarted => self.event = Some(RESTARTED.into()),
            }
        }
        self.waiting.retain(|&index, _| index >= open.start);
        let mut ready = Vec::new();
        let mut next = open.start;
        while let Some(result) = self.waiting.remove(&next) {
            ready.push((next, result));
            next += 1;
        }
        let out = with_pool(|pool| pool.tasks_out(owner, self.job)).unwrap_or_default();
        let todo: Vec<usize> = (next..open.end).filter(|i| !self.waiting.contains_key(i) && !out.contains(i)).collect();
        if !todo.is_empty() {
            let input = self.input(input)?;
            let count = with_pool(|pool| pool.give(owner, self.job, todo.into_iter(), &input, now_ms)).unwrap_or(0);
            self.place = Some(format!("in {count} worker{}", if count == 1 { "" } else { "s" }));
        }
        Some(Came::Results(ready))
    }

    /// Asks for one Step of a held run (the reader's Step button); the next
    /// [`Tasks::held_frame`] sends it, or says the page's thread is to do it.
    pub fn want_step(&mut self) {
        self.step_wanted = true;
    }

    /// Whether a Step is wanted that no worker will do, taking it: the page's thread does it.
    pub fn take_step(&mut self) -> bool {
        std::mem::take(&mut self.step_wanted)
    }

    /// One frame of figure `owner`'s run held by a worker: collects the worker's reports and asks
    /// for more work while the page plays the figure (`limit`: the units in all it may go on to,
    /// see `Playback::worker_limit`), or for a wanted Step. The run goes to a worker only from its
    /// start (`units` done 0), with `input`, the figure's run file; a worker that takes over
    /// later (the first was replaced) replays it to `units`. None while the run is not at a
    /// worker and cannot go to one: the page's thread then works as before.
    pub fn held_frame(
        &mut self,
        owner: &'static str,
        limit: Option<usize>,
        units: usize,
        input: impl FnOnce() -> Option<String>,
        now_ms: f64,
    ) -> Option<Came> {
        let wants_work = limit.is_some() || self.step_wanted;
        if !self.handed && (units > 0 || !wants_work) {
            return None;
        }
        let input = self.input(input)?;
        let answers = match with_pool(|pool| pool.collect(owner, now_ms)) {
            Ok(answers) => answers,
            Err(why) => return self.without_workers(why),
        };
        let mut reports = Vec::new();
        for answer in answers {
            match answer {
                Answer::Done { job, result, work: Work::Ask { step } } if job == self.job => {
                    let Some(worked) = Worked::from_numbers(&result) else {
                        return Some(Came::Failed("a worker answered with numbers that are not a report".into()));
                    };
                    // A Step that came while the run was still replaying is asked again.
                    self.step_wanted |= step && worked.report.is_none();
                    reports.push(worked);
                }
                Answer::Done { .. } => {}
                Answer::Failed(message) => return Some(Came::Failed(message)),
                Answer::Restarted => self.event = Some(RESTARTED.into()),
            }
        }
        self.handed = true;
        let job = self.job;
        let asked = with_pool(|pool| {
            let mut out = pool.asks_out(owner, job);
            if std::mem::take(&mut self.step_wanted) {
                pool.ask(owner, job, &input, units, Ask::Step, now_ms);
                out += 1;
            }
            if let Some(to) = limit {
                for _ in out..ASKS_AHEAD {
                    pool.ask(owner, job, &input, units, Ask::Run { to, budget_ms: SLICE_MS }, now_ms);
                }
            }
        });
        if let Err(why) = asked {
            return self.without_workers(why);
        }
        self.place = Some("in a worker".into());
        self.followed |= reports.iter().any(|worked| worked.report.is_some());
        Some(Came::Reports(reports))
    }

    /// What becomes of a held run when no worker can take work (`why`): one the figure has
    /// followed stops; any other goes on the page's thread (None).
    fn without_workers(&mut self, why: String) -> Option<Came> {
        if self.followed {
            return Some(Came::Failed(format!("the worker running this figure stopped: {why}")));
        }
        self.handed = false;
        self.place = Some(format!("on the page\u{2019}s own thread: {why}"));
        None
    }

    /// The figure's run file for this job, made once; None (with the readout saying so) when
    /// the figure has none.
    fn input(&mut self, make: impl FnOnce() -> Option<String>) -> Option<Rc<str>> {
        if self.input.is_none() {
            self.input = make().map(Rc::from);
        }
        if self.input.is_none() {
            self.place = Some("on the page\u{2019}s own thread: this run cannot be sent to a worker".into());
        }
        self.input.clone()
    }
}

/// What the readout says of a worker that was replaced.
const RESTARTED: &str = "one stopped answering and was restarted; its work was given again";

/// Runs `work` on the pool, starting it first if need be; the reason when there are no workers.
fn with_pool<T>(work: impl FnOnce(&mut Pool) -> T) -> Result<T, String> {
    POOL.with_borrow_mut(|pool| {
        let pool = pool.get_or_insert_with(Pool::start);
        match &pool.unusable {
            Some(why) => Err(why.clone()),
            None => Ok(work(pool)),
        }
    })
}

/// What a worker answered, as a figure collects it.
enum Answer {
    /// `work` of job `job` is done, with this result.
    Done { job: u64, work: Work, result: Vec<f64> },
    /// A task or a held run's work panicked in its worker.
    Failed(String),
    /// The worker of the figure's work stopped answering and was replaced.
    Restarted,
}

/// A piece of work sent to a worker.
#[derive(Clone, Copy)]
enum Work {
    /// Task `index` of a figure's tasks.
    Task(usize),
    /// An [`Ask`] of a held run (a Step or not).
    Ask { step: bool },
}

/// Work out at a worker.
#[derive(Clone, Copy)]
struct Out {
    owner: &'static str,
    job: u64,
    work: Work,
    /// Since when the worker works on it (ms): when it was sent, or when the work before it
    /// came back.
    since_ms: f64,
}

/// One worker: its messages land in `inbox`; it answers its work in the order it was sent.
struct Hand {
    worker: Worker,
    queue: VecDeque<Out>,
    /// The held run it has, as (figure, job).
    holds: Option<(&'static str, u64)>,
    /// Whether it has ever answered (a worker that fails before that could not start; one still
    /// loading its module is not yet timed).
    answered: bool,
    inbox: Rc<RefCell<Vec<Message>>>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(Event)>,
}

/// A message from a worker.
enum Message {
    /// Its module is loaded.
    Ready,
    /// The result of the work at the front of its queue.
    Result(Vec<f64>),
    /// That work failed with this message.
    Error(String),
    /// The worker could not start, or failed outside any work.
    Broken(String),
}

struct Pool {
    hands: Vec<Hand>,
    /// Why no worker can take work, once that is so.
    unusable: Option<String>,
    /// Answers for figures other than the one collecting, kept for them.
    kept: Vec<(&'static str, Answer)>,
}

impl Pool {
    /// One worker per core (the benchmark may ask for another count); a pool that says why
    /// there are none when they cannot start, so that nothing tries again on every frame.
    fn start() -> Pool {
        let cores = crate::web::dom::window().navigator().hardware_concurrency() as usize;
        let count = WANTED.get().unwrap_or(cores.clamp(1, MAX_WORKERS));
        let hands = match SPAWN.with_borrow(Clone::clone) {
            Some(spawn) => (0..count).map(|_| Hand::spawn(&spawn)).collect::<Result<Vec<_>, _>>(),
            None => Err("the page\u{2019}s loader offers none".into()),
        };
        match hands {
            Ok(hands) => Pool { hands, unusable: None, kept: Vec::new() },
            Err(why) => {
                Pool { hands: Vec::new(), unusable: Some(format!("no worker could start ({why})")), kept: Vec::new() }
            }
        }
    }

    /// Stops every worker.
    fn stop(self) {
        for hand in &self.hands {
            hand.worker.terminate();
        }
    }

    /// The tasks of `owner`'s job `job` out at workers.
    fn tasks_out(&self, owner: &str, job: u64) -> Vec<usize> {
        let mine = |out: &&Out| out.owner == owner && out.job == job;
        let index = |out: &Out| match out.work {
            Work::Task(index) => Some(index),
            Work::Ask { .. } => None,
        };
        self.hands.iter().flat_map(|h| h.queue.iter().filter(mine).filter_map(index)).collect()
    }

    /// The asks of `owner`'s held run of job `job` out at workers.
    fn asks_out(&self, owner: &str, job: u64) -> usize {
        let mine = |out: &&Out| out.owner == owner && out.job == job && matches!(out.work, Work::Ask { .. });
        self.hands.iter().map(|h| h.queue.iter().filter(mine).count()).sum()
    }

    /// Gives tasks from `todo` to idle workers, those holding no run first; returns how many
    /// workers there are.
    fn give(
        &mut self,
        owner: &'static str,
        job: u64,
        mut todo: impl Iterator<Item = usize>,
        input: &str,
        now_ms: f64,
    ) -> usize {
        // Idle workers that hold no figure's state first.
        let (free, holding): (Vec<&mut Hand>, Vec<&mut Hand>) =
            self.hands.iter_mut().filter(|h| h.queue.is_empty()).partition(|h| h.holds.is_none());
        for hand in free.into_iter().chain(holding) {
            let Some(index) = todo.next() else { break };
            if hand.post_task(owner, index, input, take_trouble(owner)).is_ok() {
                hand.queue.push_back(Out { owner, job, work: Work::Task(index), since_ms: now_ms });
            }
        }
        self.hands.len()
    }

    /// Sends `ask` for `owner`'s held run of job `job` to the worker that holds it; when none
    /// does, to the one that held the figure's run before, else the least busy, with `input`
    /// (the run file) and `units` (where the page stands) for it to take the run over.
    fn ask(&mut self, owner: &'static str, job: u64, input: &str, units: usize, ask: Ask, now_ms: f64) {
        let holder = self.hands.iter().position(|h| h.holds == Some((owner, job)));
        let chosen = holder.or_else(|| {
            (0..self.hands.len()).min_by_key(|&i| {
                let hand = &self.hands[i];
                (hand.holds.is_none_or(|(o, _)| o != owner), hand.queue.len(), hand.holds.is_some())
            })
        });
        let Some(hand) = chosen.map(|i| &mut self.hands[i]) else { return };
        let takes_over = (hand.holds != Some((owner, job))).then_some(input);
        let step = ask == Ask::Step;
        if hand.post_ask(owner, job, takes_over, units, ask, take_trouble(owner)).is_ok() {
            hand.holds = Some((owner, job));
            hand.queue.push_back(Out { owner, job, work: Work::Ask { step }, since_ms: now_ms });
        }
    }

    /// Reads every worker's messages and returns the answers for `owner`, keeping the others'
    /// for them. A worker that failed is replaced, or dropped if it never started; one that
    /// took too long is replaced. Work that was out at a replaced worker is forgotten, so that
    /// its figure gives it again.
    fn collect(&mut self, owner: &'static str, now_ms: f64) -> Vec<Answer> {
        let spawn = SPAWN.with_borrow(Clone::clone);
        let mut answers: Vec<(&'static str, Answer)> = std::mem::take(&mut self.kept);
        let mut never_started = Vec::new();
        for (at, hand) in self.hands.iter_mut().enumerate() {
            let messages: Vec<Message> = hand.inbox.borrow_mut().drain(..).collect();
            let mut replace = false;
            for message in messages {
                match message {
                    Message::Ready => {
                        // Its patience runs from now: loading the module is not the work's time.
                        hand.answered = true;
                        if let Some(out) = hand.queue.front_mut() {
                            out.since_ms = now_ms;
                        }
                    }
                    Message::Result(result) => {
                        hand.answered = true;
                        if let Some(out) = hand.queue.pop_front() {
                            answers.push((out.owner, Answer::Done { job: out.job, work: out.work, result }));
                        }
                        if let Some(next) = hand.queue.front_mut() {
                            next.since_ms = now_ms;
                        }
                    }
                    Message::Error(message) => {
                        // Its instance may be left in any state: a fresh worker takes over.
                        if let Some(out) = hand.queue.pop_front() {
                            answers.push((out.owner, Answer::Failed(message)));
                        }
                        replace = true;
                    }
                    Message::Broken(why) if !hand.answered => never_started.push((at, why)),
                    Message::Broken(_) => replace = true,
                }
            }
            let patience = PATIENCE_MS.get();
            if hand.answered && hand.queue.front().is_some_and(|out| now_ms - out.since_ms > patience) {
                if let Some(out) = hand.queue.front() {
                    answers.push((out.owner, Answer::Restarted));
                }
                replace = true;
            }
            if replace {
                hand.worker.terminate();
                let fresh = spawn.as_ref().ok_or_else(|| "the loader offers no workers".to_string());
                match fresh.and_then(Hand::spawn) {
                    Ok(fresh) => *hand = fresh,
                    Err(why) => never_started.push((at, why)),
                }
            }
        }
        // A worker may say twice that it failed; it goes once.
        never_started.dedup_by_key(|(at, _)| *at);
        for &(at, _) in never_started.iter().rev() {
            let hand = self.hands.remove(at);
            hand.worker.terminate();
        }
        if self.hands.is_empty() {
            let why = never_started.pop().map_or_else(|| "no worker started".to_string(), |(_, why)| why);
            self.unusable = Some(format!("no worker could start ({why})"));
        }
        let (mine, theirs): (Vec<_>, Vec<_>) = answers.into_iter().partition(|(o, _)| *o == owner);
        self.kept = theirs;
        mine.into_iter().map(|(_, answer)| answer).collect()
    }
}

impl Hand {
    /// A new worker, its messages going to its inbox.
    fn spawn(spawn: &js_sys::Function) -> Result<Hand, String> {
        let worker: Worker = spawn
            .call0(&JsValue::NULL)
            .and_then(|w| w.dyn_into::<Worker>())
            .map_err(|e| e.as_string().or_else(|| js_error_text(&e)).unwrap_or_else(|| "refused".into()))?;
        let inbox: Rc<RefCell<Vec<Message>>> = Rc::default();
        let on_message = {
            let inbox = inbox.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                inbox.borrow_mut().push(read_message(&event.data()));
            })
        };
        let on_error = {
            let inbox = inbox.clone();
            // A script that did not load fires a plain Event, an error in the worker an ErrorEvent.
            Closure::<dyn FnMut(Event)>::new(move |event: Event| {
                event.prevent_default();
                let what = event.dyn_ref::<ErrorEvent>().map(ErrorEvent::message).unwrap_or_default();
                let why = if what.is_empty() { "its script did not load".to_string() } else { what };
                inbox.borrow_mut().push(Message::Broken(why));
            })
        };
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(Hand {
            worker,
            queue: VecDeque::new(),
            holds: None,
            answered: false,
            inbox,
            _on_message: on_message,
            _on_error: on_error,
        })
    }

    /// Sends task `index` of `owner`, with its run file `input`.
    fn post_task(&self, owner: &str, index: usize, input: &str, trouble: Option<&str>) -> Result<(), JsValue> {
        self.post(owner, trouble, &[("run", input.into()), ("index", (index as f64).into())])
    }

    /// Sends `ask` for `owner`'s held run of job `job`, with the run file and the units where
    /// the page stands when this worker is to take the run over.
    fn post_ask(
        &self,
        owner: &str,
        job: u64,
        takes_over: Option<&str>,
        units: usize,
        ask: Ask,
        trouble: Option<&str>,
    ) -> Result<(), JsValue> {
        let (to, step) = match ask {
            Ask::Run { to, .. } => (to, false),
            Ask::Step => (0, true),
        };
        let run = takes_over.map_or(JsValue::UNDEFINED, JsValue::from_str);
        let fields = [
            ("job", (job as f64).into()),
            ("run", run),
            ("at", units.into()),
            ("to", to.into()),
            ("step", step.into()),
        ];
        self.post(owner, trouble, &fields)
    }

    /// Posts `{figure, trouble?, ...fields}` to the worker.
    fn post(&self, owner: &str, trouble: Option<&str>, fields: &[(&str, JsValue)]) -> Result<(), JsValue> {
        let message = js_sys::Object::new();
        js_sys::Reflect::set(&message, &"figure".into(), &owner.into())?;
        for (name, value) in fields {
            js_sys::Reflect::set(&message, &(*name).into(), value)?;
        }
        if let Some(trouble) = trouble {
            js_sys::Reflect::set(&message, &"trouble".into(), &trouble.into())?;
        }
        self.worker.post_message(&message)
    }
}

/// A worker's message: `{ready}`, `{result: Float64Array}`, `{error}` or `{broken}`.
fn read_message(data: &JsValue) -> Message {
    let field = |name: &str| js_sys::Reflect::get(data, &name.into()).unwrap_or(JsValue::UNDEFINED);
    if let Some(result) = field("result").dyn_ref::<js_sys::Float64Array>() {
        return Message::Result(result.to_vec());
    }
    if let Some(error) = field("error").as_string() {
        return Message::Error(error);
    }
    if let Some(why) = field("broken").as_string() {
        return Message::Broken(why);
    }
    Message::Ready
}

/// The message of a JavaScript error, if `value` is one.
fn js_error_text(value: &JsValue) -> Option<String> {
    value.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message()))
}
