//! Workers for the figures whose work is independent tasks (the runs of a sweep, see
//! `Figure::open_tasks`). Each worker is a second instance of the page's WebAssembly module in
//! a dedicated Web Worker (www/worker.js); the page starts one per core, so that the tasks run
//! on every core while the page's own thread only draws. Nothing is shared: a task goes out as
//! the figure's run file and the task's index, its result comes back as numbers, so the page
//! needs no special headers from its host.
//!
//! Only the loader (www/load.js) may name the worker's script under the page's Trusted Types
//! policy, so it hands over the function that starts a worker ([`set_worker_spawner`]). Without
//! it, or when no worker starts, a figure computes on the page's thread as before and says so.
//! A worker whose task panics stops that figure, as a panic on the page's thread does; a worker
//! that stops answering is replaced and its task given again.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{ErrorEvent, Event, MessageEvent, Worker};

use crate::figures::{Figure, FigureVisitor};
use crate::page::run_file::RunFile;

/// The most workers the page starts, whatever the machine's core count.
const MAX_WORKERS: usize = 8;

/// How long a task may run before its worker counts as having stopped answering (ms). A
/// sweep's longest run (100,000 steps of a 200-unit network) takes a few seconds.
const ANSWER_WITHIN_MS: f64 = 120_000.0;

thread_local! {
    /// The loader's function that starts a worker.
    static SPAWN: RefCell<Option<js_sys::Function>> = const { RefCell::new(None) };
    /// The workers, once a figure has asked for them.
    static POOL: RefCell<Option<Pool>> = const { RefCell::new(None) };
    /// How many workers to start: the core count unless the benchmark says otherwise.
    static WANTED: Cell<Option<usize>> = const { Cell::new(None) };
    /// How long a task may run (ms); the end-to-end test shortens it.
    static PATIENCE_MS: Cell<f64> = const { Cell::new(ANSWER_WITHIN_MS) };
    /// What the next task given out is told to do instead of its work ("stall" or "panic", see
    /// www/worker.js), for the end-to-end test.
    static NEXT_TROUBLE: Cell<Option<&'static str>> = const { Cell::new(None) };
    /// Job numbers, unique on the page.
    static JOBS: Cell<u64> = const { Cell::new(0) };
    /// In a worker: the message of the panic that ended the last task.
    static PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Called by the loader with the function that starts a worker (and tells it where the
/// module is).
#[wasm_bindgen]
pub fn set_worker_spawner(spawn: js_sys::Function) {
    SPAWN.set(Some(spawn));
}

/// Makes the next task given to a worker stop answering (`"stall"`) or panic (`"panic"`), and a
/// worker count as not answering after `patience_ms`, so that the end-to-end test can check
/// how the page copes. Nothing on the page calls it.
#[wasm_bindgen]
pub fn trouble_next_worker_task_for_test(what: &str, patience_ms: f64) -> Result<(), JsValue> {
    let trouble = ["stall", "panic"]
        .into_iter()
        .find(|&known| known == what)
        .ok_or_else(|| JsValue::from_str("the trouble is \"stall\" or \"panic\""))?;
    NEXT_TROUBLE.set(Some(trouble));
    PATIENCE_MS.set(patience_ms.max(1.0));
    Ok(())
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
        .ok_or_else(|| JsValue::from_str(&format!("no figure has the id {id:?}")))?;
    result.map_err(|e| JsValue::from_str(&e))
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

/// A figure's side of its tasks: which job its tasks belong to, what a worker needs to compute
/// them, the results that came back before the ones before them, and what to tell the reader.
#[derive(Default)]
pub struct Tasks {
    job: u64,
    /// The figure's run file, as text, once a task has gone out.
    input: Option<String>,
    /// Results waiting for the results of earlier tasks, by index.
    waiting: BTreeMap<usize, Vec<f64>>,
    /// Where the tasks are computed, for the readout; None until the figure has had tasks.
    place: Option<String>,
    /// What happened to a worker on the way, for the readout.
    event: Option<String>,
}

/// What became of a figure's tasks in a frame.
pub enum Came {
    /// Results, in the order of their tasks, to take.
    Results(Vec<(usize, Vec<f64>)>),
    /// A task panicked in its worker: the figure stops with this message.
    Failed(String),
}

impl Tasks {
    /// Forgets the tasks of the run before (new settings, Replay, a loaded run): results still
    /// on their way for them are dropped when they come.
    pub fn restart(&mut self) {
        self.job = JOBS.get() + 1;
        JOBS.set(self.job);
        self.input = None;
        self.waiting.clear();
        self.event = None;
    }

    /// The readouts that say where the tasks run; none for a figure that has had no tasks.
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
        let answers = with_pool(|pool| pool.collect(owner, now_ms));
        let answers = match answers {
            Ok(answers) => answers,
            Err(why) => {
                self.place = Some(format!("on the page\u{2019}s own thread: {why}"));
                return None;
            }
        };
        for answer in answers {
            match answer {
                Answer::Done { job, index, result } if job == self.job => {
                    self.waiting.insert(index, result);
                }
                Answer::Done { .. } => {}
                Answer::Failed(message) => return Some(Came::Failed(message)),
                Answer::Restarted => {
                    self.event = Some("one stopped answering and was restarted; its task was given again".into())
                }
            }
        }
        self.waiting.retain(|&index, _| index >= open.start);
        let mut ready = Vec::new();
        let mut next = open.start;
        while let Some(result) = self.waiting.remove(&next) {
            ready.push((next, result));
            next += 1;
        }
        let out = with_pool(|pool| pool.out(owner, self.job)).unwrap_or_default();
        let mut todo = (next..open.end).filter(|i| !self.waiting.contains_key(i) && !out.contains(i)).peekable();
        if todo.peek().is_some() {
            if self.input.is_none() {
                self.input = input();
            }
            let Some(input) = &self.input else {
                self.place = Some("on the page\u{2019}s own thread: this run cannot be sent to a worker".into());
                return None;
            };
            let count = with_pool(|pool| pool.give(owner, self.job, todo, input, now_ms)).unwrap_or(0);
            self.place = Some(format!("in {count} worker{}", if count == 1 { "" } else { "s" }));
        }
        Some(Came::Results(ready))
    }
}

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
    /// Task `index` of job `job` is done.
    Done { job: u64, index: usize, result: Vec<f64> },
    /// A task panicked in its worker.
    Failed(String),
    /// The worker of one of the figure's tasks stopped answering and was replaced.
    Restarted,
}

/// A task out at a worker.
#[derive(Clone, Copy)]
struct Out {
    owner: &'static str,
    job: u64,
    index: usize,
    since_ms: f64,
}

/// One worker: its messages land in `inbox`.
struct Hand {
    worker: Worker,
    task: Option<Out>,
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
    /// The task's result.
    Result(Vec<f64>),
    /// The task failed with this message.
    Error(String),
    /// The worker could not start, or failed outside any task.
    Broken(String),
}

struct Pool {
    hands: Vec<Hand>,
    /// Why no worker can take tasks, once that is so.
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
    fn out(&self, owner: &str, job: u64) -> Vec<usize> {
        self.hands.iter().filter_map(|h| h.task).filter(|t| t.owner == owner && t.job == job).map(|t| t.index).collect()
    }

    /// Gives tasks from `todo` to idle workers; returns how many workers there are.
    fn give(
        &mut self,
        owner: &'static str,
        job: u64,
        mut todo: impl Iterator<Item = usize>,
        input: &str,
        now_ms: f64,
    ) -> usize {
        for hand in self.hands.iter_mut().filter(|h| h.task.is_none()) {
            let Some(index) = todo.next() else { break };
            if hand.post(owner, index, input, NEXT_TROUBLE.take()).is_ok() {
                hand.task = Some(Out { owner, job, index, since_ms: now_ms });
            }
        }
        self.hands.len()
    }

    /// Reads every worker's messages and returns the answers for `owner`, keeping the others'
    /// for them. A worker that failed is replaced, or dropped if it never started; one that
    /// took too long is replaced and its task given again.
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
                        // Its patience runs from now: loading the module is not the task's time.
                        hand.answered = true;
                        if let Some(task) = hand.task.as_mut() {
                            task.since_ms = now_ms;
                        }
                    }
                    Message::Result(result) => {
                        hand.answered = true;
                        if let Some(task) = hand.task.take() {
                            answers.push((task.owner, Answer::Done { job: task.job, index: task.index, result }));
                        }
                    }
                    Message::Error(message) => {
                        // Its instance may be left in any state: a fresh worker takes over.
                        if let Some(task) = hand.task.take() {
                            answers.push((task.owner, Answer::Failed(message)));
                        }
                        replace = true;
                    }
                    Message::Broken(why) if !hand.answered => never_started.push((at, why)),
                    Message::Broken(_) => replace = true,
                }
            }
            if hand.answered && hand.task.is_some_and(|t| now_ms - t.since_ms > PATIENCE_MS.get()) {
                if let Some(task) = hand.task.take() {
                    answers.push((task.owner, Answer::Restarted));
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
        Ok(Hand { worker, task: None, answered: false, inbox, _on_message: on_message, _on_error: on_error })
    }

    /// Sends task `index` of `owner`, with its run file `input`.
    fn post(&self, owner: &str, index: usize, input: &str, trouble: Option<&str>) -> Result<(), JsValue> {
        let task = js_sys::Object::new();
        js_sys::Reflect::set(&task, &"figure".into(), &owner.into())?;
        js_sys::Reflect::set(&task, &"run".into(), &input.into())?;
        js_sys::Reflect::set(&task, &"index".into(), &(index as f64).into())?;
        if let Some(trouble) = trouble {
            js_sys::Reflect::set(&task, &"trouble".into(), &trouble.into())?;
        }
        self.worker.post_message(&task)
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
