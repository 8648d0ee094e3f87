//! A figure mounted in its container: canvases, controls, buttons and the verdict line, wired
//! to the figure's state. Every change of parameters, from a control, a drag or the URL, goes
//! through `ParamValues`' validation; a refused value leaves the figure as it was.
//!
//! How the figure's work plays (Play, Step, a link's replay) is `page::playback`'s; the view
//! passes it the browser's clock. When the reader pauses a run (Pause, or Step) before it has
//! finished, the URL says how far it got (`<id>.at=<units>`, see `url_state`), and a link with
//! that entry replays as many units and pauses there.
//!
//! This module mounts the figure and wires its controls and buttons; `panels` draws the panels
//! and handles the pointer on them, `text` shows the verdict and readouts, `export_buttons`
//! wires the exports.

mod earlier_runs;
mod export_buttons;
mod panels;
mod text;

use std::cell::{Cell, Ref, RefCell};
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use web_sys::{Element, HtmlButtonElement, HtmlCanvasElement};

use super::canvas::{self, CanvasBox, PageFigure};
use super::controls::{show_all, Control, Widgets, SLIDER_STEPS};
use super::hover::Hover;
use super::workers::{Came, Tasks};
use super::{digits, dom, isolation, url};
use crate::figures::{EarlierRun, FigureKind, Grab, Play};
use crate::kit::params::{Input, ParamValues};
use crate::kit::plot::PlotMap;
use crate::kit::recording::{Reading, Readings, Rect};
use crate::page::playback::{Clock, Frame, Playback, Start};
use crate::page::url_state;
use export_buttons::ExportButtons;

/// What the animation loop and the window's events need of a mounted figure.
pub trait Live {
    /// Reads the sizes of the figure's canvases (and, while it runs, whether it is in view) for
    /// the frame that follows. The animation loop measures every figure before any of them
    /// changes the page, so that a frame reads the page's layout as the browser left it
    /// instead of making it lay the page out again after each change.
    fn measure(&self);
    /// Advances the figure within `budget_ms` and redraws it if anything changed.
    fn frame(&self, now_ms: f64, budget_ms: f64);
    /// Re-reads the figure's parameters from the URL.
    fn apply_url(&self);
    /// Forces a redraw (the canvases changed size, or the presentation layout began or ended).
    fn invalidate(&self);
}

struct State {
    playback: Playback<PageFigure>,
    /// Whether the panels, verdict and readouts are to be drawn again.
    dirty: bool,
    /// The panels still to draw in the drawing under way, in order (empty when none is): a
    /// drawing is spread over frames (see `DRAW_BUDGET_MS`), and the words come last, so that a
    /// verdict never speaks of panels not yet drawn.
    undrawn: Vec<usize>,
    maps: Vec<Option<PlotMap>>,
    /// What each panel's series drew and its plotting area, as last drawn: what pointing reads.
    readings: Vec<(Readings, Option<Rect>)>,
    /// Earlier runs kept to draw beside the current one, the most recent last.
    earlier: Vec<EarlierRun>,
    /// Whether a run that is replaced joins `earlier`.
    keep_earlier: bool,
    /// Where the pointer rests, as (panel, device pixel, the panel's canvas as measured then),
    /// while it points at a panel.
    pointer: Option<(usize, (f64, f64), CanvasBox)>,
    /// The reading shown, as (panel, point), so that an unchanged one is not shown again.
    shown: Option<(usize, Reading)>,
    /// What a drag in progress holds, with the panel's map as it was when the drag began: the
    /// map stays fixed while the drag lasts, so that a panel whose axes follow its data does
    /// not run away under the pointer.
    dragging: Option<(Grab, PlotMap)>,
    /// The figure's work at workers: its tasks, or its run held by a worker.
    tasks: Tasks,
}

pub struct FigureView {
    /// The figure type's constants (its id, parameters, panels).
    kind: &'static FigureKind,
    state: RefCell<State>,
    canvases: Vec<HtmlCanvasElement>,
    /// Over each canvas, the crosshair and label of the value pointed at.
    hovers: Vec<Hover>,
    controls: Vec<Control>,
    verdict: Element,
    readouts: Element,
    play: HtmlButtonElement,
    /// The list of a stepper figure's steps, `#<id>-steps`, when the page has one.
    steps: Option<Element>,
    /// A line for what the export buttons did (or why they could not).
    note: Element,
    /// The CSS sizes of the canvases, as measured at the start of this frame (none before the
    /// first).
    sizes: RefCell<Vec<(i32, i32)>>,
    /// Whether a panel of the figure was in the window's view at the start of this frame (read
    /// only while it runs).
    in_view: Cell<bool>,
    /// The CSS sizes of the canvases in the previous frame: a figure whose canvases changed
    /// size (say, shown again by the walkthrough) is drawn again.
    drawn_sizes: RefCell<Vec<(i32, i32)>>,
    /// When the figure was last drawn (the animation frame's time, ms).
    drawn_at: Cell<f64>,
    /// The Clear runs button, for a figure whose runs are compared.
    clear_button: RefCell<Option<HtmlButtonElement>>,
    /// Settings that wait for data being fetched (see `waits_for_data`): the link says them.
    waiting: RefCell<Option<ParamValues>>,
}

/// How long a frame may spend drawing a running figure's panels (ms) before it leaves the rest
/// to the next frames: a figure of six panels drawn in one go made the page's task of that
/// frame too long for the page to answer the reader smoothly (see the e2e test of the digits).
const DRAW_BUDGET_MS: f64 = 6.0;

/// How often a running figure out of the window's view is drawn (ms): its work goes on at full
/// pace, but drawing every panel of every figure on every frame would take most of each frame
/// from the work (a whole page opened at once then takes minutes to settle). It is drawn as
/// soon as it comes into view, and at once whenever it is paused (its run ended, or the reader
/// paused it or acts on it).
const OUT_OF_VIEW_DRAW_MS: f64 = 1000.0;

impl FigureView {
    /// Builds the DOM of `figure` (at its defaults) inside `container` and wires its events.
    pub fn mount(container: &Element, figure: Box<PageFigure>) -> Result<Rc<Self>, JsValue> {
        let kind = figure.kind();
        container.set_text_content(None);
        let panels = dom::element("div", "fig-panels")?;
        let mut canvases = Vec::new();
        let mut hovers = Vec::new();
        for panel in kind.panels {
            let holder = dom::element("div", "fig-panel")?;
            let canvas: HtmlCanvasElement = dom::typed("canvas", "")?;
            canvas.set_id(&format!("{}-{}", kind.id, panel.key));
            canvas.set_attribute("role", "img")?;
            canvas.set_attribute("aria-label", panel.description)?;
            holder.append_child(&canvas)?;
            hovers.push(Hover::build(&holder)?);
            panels.append_child(&holder)?;
            canvases.push(canvas);
        }
        let verdict = dom::element("p", "fig-verdict")?;
        verdict.set_attribute("role", "status")?;
        verdict.set_attribute("aria-live", "polite")?;
        let readouts = dom::element("dl", "fig-readouts")?;
        let buttons = dom::element("div", "fig-buttons")?;
        let make_button = |label: &str| append_button(&buttons, label);
        let play = make_button("Pause")?;
        play.set_class_name("fig-play");
        let step = make_button("Step")?;
        let replay = make_button("Replay")?;
        let defaults = make_button("Defaults")?;
        let presets = kind.presets.iter().map(|p| make_button(p.label)).collect::<Result<Vec<_>, _>>()?;
        let stepper = match kind.stepper {
            Some(_) => Some((make_button("Previous")?, make_button("Next")?)),
            None => None,
        };
        let controls_box = dom::element("div", "fig-controls")?;
        let controls = kind
            .params
            .iter()
            .map(|spec| Control::build(kind.id, spec, &controls_box))
            .collect::<Result<Vec<_>, _>>()?;
        let exports = dom::element("div", "fig-buttons fig-exports")?;
        let export_buttons = ExportButtons::build(&exports, kind.id, figure.run_file().is_some())?;
        let earlier_buttons = if kind.compares_runs { Some(earlier_runs::build(&exports)?) } else { None };
        let note = dom::element("p", "fig-note")?;
        note.set_attribute("aria-live", "polite")?;
        container.append_child(&panels)?;
        container.append_child(&verdict)?;
        container.append_child(&readouts)?;
        container.append_child(&buttons)?;
        container.append_child(&controls_box)?;
        container.append_child(&exports)?;
        container.append_child(&note)?;

        let view = Rc::new(Self {
            kind,
            state: RefCell::new(State {
                playback: Playback::new(figure, Start::Animate),
                dirty: true,
                undrawn: Vec::new(),
                maps: vec![None; kind.panels.len()],
                readings: vec![(Readings::default(), None); kind.panels.len()],
                earlier: Vec::new(),
                keep_earlier: false,
                pointer: None,
                shown: None,
                dragging: None,
                tasks: Tasks::default(),
            }),
            canvases,
            hovers,
            controls,
            verdict,
            readouts,
            play,
            steps: dom::document().get_element_by_id(&format!("{}-steps", kind.id)),
            note,
            sizes: RefCell::new(Vec::new()),
            in_view: Cell::new(false),
            drawn_sizes: RefCell::new(Vec::new()),
            drawn_at: Cell::new(f64::NEG_INFINITY),
            clear_button: RefCell::new(None),
            waiting: RefCell::new(None),
        });
        view.apply_url();
        view.wire(&step, &replay, &defaults)?;
        view.wire_presets(&presets)?;
        view.wire_exports(export_buttons)?;
        if let Some(buttons) = earlier_buttons {
            view.wire_earlier_runs(buttons)?;
        }
        if let Some((previous, next)) = &stepper {
            view.wire_stepper(container, previous, next)?;
        }
        Ok(view)
    }

    /// The controls, Play, Step, Replay and Defaults, and the pointer on the panels.
    fn wire(
        self: &Rc<Self>,
        step: &HtmlButtonElement,
        replay: &HtmlButtonElement,
        defaults: &HtmlButtonElement,
    ) -> Result<(), JsValue> {
        for (index, control) in self.controls.iter().enumerate() {
            let key = control.spec.key;
            if let Widgets::Number { slider, .. } = &control.widgets {
                let view = self.clone();
                let spec = control.spec;
                let source = slider.clone();
                dom::listen::<web_sys::Event>(slider, "input", move |_| {
                    let position: f64 = source.value().parse().unwrap_or(0.0);
                    view.set_param(key, Input::Number(spec.from_unit(position / SLIDER_STEPS)));
                })?;
            }
            let view = self.clone();
            dom::listen::<web_sys::Event>(control.field(), "change", move |_| {
                view.set_param(key, Input::Text(&view.controls[index].field_text()))
            })?;
        }
        let view = self.clone();
        dom::listen::<web_sys::Event>(&self.play, "click", move |_| view.change_play(Playback::toggle_play))?;
        let view = self.clone();
        dom::listen::<web_sys::Event>(step, "click", move |_| {
            if view.kind.runs_in_worker {
                // The worker that holds the run steps it; the next frame sends the Step.
                view.change_play(Playback::pause);
                view.state.borrow_mut().tasks.want_step();
            } else {
                view.change_play(|playback| playback.step_to_visible_change(&PageClock::new()))
            }
        })?;
        let view = self.clone();
        dom::listen::<web_sys::Event>(replay, "click", move |_| {
            let params = view.figure().params().clone();
            view.restart(params, Start::Animate);
            view.write_progress();
        })?;
        let view = self.clone();
        dom::listen::<web_sys::Event>(defaults, "click", move |_| {
            let params = ParamValues::defaults(view.kind.params);
            show_all(&view.controls, &params);
            view.restart(params, Start::Settings);
            view.write_url();
        })?;
        self.wire_pointer()
    }

    fn wire_presets(self: &Rc<Self>, buttons: &[HtmlButtonElement]) -> Result<(), JsValue> {
        for (preset, button) in self.kind.presets.iter().zip(buttons) {
            let view = self.clone();
            dom::listen::<web_sys::Event>(button, "click", move |_| {
                let changes = preset.values.iter().map(|&(key, value)| (key, Input::Number(value)));
                let params =
                    match ParamValues::defaults(view.kind.params).with_changes_checked(view.kind.validate, changes) {
                        Ok(params) => params,
                        Err(e) => {
                            let message = format!("{}: preset {}: {e}", view.kind.id, preset.label);
                            web_sys::console::error_1(&JsValue::from_str(&message));
                            return;
                        }
                    };
                show_all(&view.controls, &params);
                view.restart(params, Start::Animate);
                view.write_url();
            })?;
        }
        Ok(())
    }

    /// Previous/Next buttons and the arrow keys (while the figure has focus) move a stepper.
    fn wire_stepper(
        self: &Rc<Self>,
        container: &Element,
        previous: &HtmlButtonElement,
        next: &HtmlButtonElement,
    ) -> Result<(), JsValue> {
        let Some(key) = self.kind.stepper else { return Ok(()) };
        for (button, delta) in [(previous, -1.0), (next, 1.0)] {
            let view = self.clone();
            dom::listen::<web_sys::Event>(button, "click", move |_| view.move_step(key, delta))?;
        }
        container.set_attribute("tabindex", "0")?;
        let view = self.clone();
        dom::listen::<web_sys::KeyboardEvent>(container, "keydown", move |event| {
            let delta = match event.key().as_str() {
                "ArrowLeft" | "ArrowUp" => -1.0,
                "ArrowRight" | "ArrowDown" => 1.0,
                _ => return,
            };
            if !dom::typing_in(&event) {
                event.prevent_default();
                view.move_step(key, delta);
            }
        })?;
        Ok(())
    }

    fn move_step(&self, key: &'static str, delta: f64) {
        let Some(spec) = self.kind.param(key) else { return };
        let current = self.figure().params().get(key);
        let target = (current + delta).clamp(spec.min, spec.max);
        if target != current {
            self.set_param(key, Input::Number(target));
        }
    }

    /// Validates and applies one parameter through the one validation path
    /// ([`ParamValues::with_changes`]); a refused value shows its message and changes nothing
    /// else.
    fn set_param(&self, key: &str, input: Input<'_>) {
        let Some(control) = self.controls.iter().find(|c| c.spec.key == key) else { return };
        let result = self.figure().params().with_changes_checked(self.kind.validate, [(key, input)]);
        match result {
            Ok(params) => {
                control.show(&params);
                self.restart(params, Start::Settings);
                self.write_url();
            }
            Err(e) => control.set_message(&e.message),
        }
    }

    /// The figure as it is now.
    fn figure(&self) -> Ref<'_, PageFigure> {
        Ref::map(self.state.borrow(), |s| s.playback.figure())
    }

    /// Play, Pause or Step: the figure is drawn again (the readouts of a paused run show no
    /// speed) and the link says where a paused run is.
    fn change_play(&self, change: impl FnOnce(&mut Playback<PageFigure>)) {
        let mut s = self.state.borrow_mut();
        change(&mut s.playback);
        s.dirty = true;
        drop(s);
        self.show_play_state();
        self.write_progress();
    }

    /// Replaces the figure by a new one for `params`, started as `start` says; or, when they
    /// need data still to be fetched, leaves it as it is until the data have arrived.
    fn restart(&self, params: ParamValues, start: Start) {
        if self.waits_for_data(&params) {
            return;
        }
        let mut figure = self.figure().remade(params);
        self.carry_earlier_runs(&mut *figure);
        self.start(|playback| playback.reset(figure, start));
    }

    /// Starts the figure again with `reset` (one of `Playback`'s resets) and shows it anew.
    fn start<T>(&self, reset: impl FnOnce(&mut Playback<PageFigure>) -> T) -> T {
        let mut s = self.state.borrow_mut();
        let result = reset(&mut s.playback);
        s.tasks.restart();
        s.dirty = true;
        drop(s);
        self.show_play_state();
        result
    }

    /// Whether `params` need data the page has not fetched yet (the digits): the fetch is then
    /// under way and the note says so (or why the last one failed). The page applies its URL
    /// again once the fetch has ended, which restarts the figure with the settings that waited.
    fn waits_for_data(&self, params: &ParamValues) -> bool {
        if !(self.kind.data_missing)(params) {
            // Settings that waited have now applied, or other settings replaced them.
            if self.waiting.take().is_some() {
                let arrived = crate::math::digits::loaded();
                self.note.set_text_content(Some(if arrived { "The handwritten digits have arrived." } else { "" }));
            }
            return false;
        }
        let text = match digits::request() {
            Ok(()) => {
                self.waiting.replace(Some(params.clone()));
                digits::LOADING.to_string()
            }
            Err(reason) => {
                // The controls and the link go back to the settings the figure has.
                self.waiting.take();
                show_all(&self.controls, self.figure().params());
                self.write_url();
                format!("The handwritten digits could not be loaded ({reason}); choose them again to try again.")
            }
        };
        self.note.set_text_content(Some(&text));
        true
    }

    /// Says why a link's progress entry was not applied; the rest of the link applies.
    fn refuse_progress(&self, message: &str) {
        self.note.set_text_content(Some(&format!("{message} (from the link; not applied)")));
    }

    /// Writes the settings into the URL (those waiting for data, while they wait). A restarted
    /// run has no progress to keep, so the figure's progress entry goes too (see
    /// `url_state::write`).
    fn write_url(&self) {
        let waiting = self.waiting.borrow();
        let figure = self.figure();
        let params = waiting.as_ref().unwrap_or_else(|| figure.params());
        let fragment = url_state::write(&url::fragment(), self.kind.id, params);
        url::set_fragment(&fragment);
    }

    /// Writes how far a paused run had got into the URL, or removes it.
    fn write_progress(&self) {
        let current = url::fragment();
        let fragment =
            url_state::write_progress(&current, self.kind.id, self.state.borrow().playback.paused_progress());
        if fragment != current {
            url::set_fragment(&fragment);
        }
    }

    fn show_play_state(&self) {
        let label = match self.state.borrow().playback.play() {
            Play::Playing => "Pause",
            Play::Paused => "Play",
        };
        self.play.set_text_content(Some(label));
    }

    /// Goes on with the drawing under way, or starts one of every displayed panel: draws panels
    /// for up to `budget_ms` (at least one), and once all are drawn, the figure's words. A
    /// change during the drawing is drawn by the next one.
    fn draw_some(&self, budget_ms: f64) {
        let sizes = self.sizes.borrow();
        let mut s = self.state.borrow_mut();
        if s.undrawn.is_empty() {
            s.undrawn = sizes.iter().enumerate().filter(|(_, size)| size.0 > 0).map(|(i, _)| i).collect();
            s.undrawn.reverse();
            s.dirty = false;
        }
        let clock = PageClock::new();
        let start = clock.now_ms();
        while let Some(panel) = s.undrawn.pop() {
            self.draw_panel(&mut s, panel, sizes[panel]);
            if clock.now_ms() - start >= budget_ms {
                break;
            }
        }
        if s.undrawn.is_empty() {
            self.show_text(&s.playback, s.tasks.readouts());
            drop(s);
            self.show_reading();
        }
    }
}

/// A frame of the figure's work at workers: a figure's open tasks (see `Figure::open_tasks`)
/// or its run held by a worker (`Figure::RUNS_IN_WORKER`). What came back is taken in order:
/// task results, or the reports the figure follows. None when the figure has no work at
/// workers now (it is paused, replays a link, its work is not theirs) or no worker can take it:
/// the page's thread then works as before. An error is work that failed in its worker, or a
/// result the figure refused.
fn worker_frame(s: &mut State, now_ms: f64) -> Option<Result<Frame, String>> {
    let figure = s.playback.figure();
    let kind = figure.kind();
    let input = || figure.run_file().map(|run| run.to_json());
    let came = if kind.runs_in_worker {
        let (limit, units) = (s.playback.worker_limit(), s.playback.units_done());
        s.tasks.held_frame(kind.id, limit, units, input, now_ms)?
    } else {
        let open = s.playback.open_tasks();
        if open.is_empty() {
            return None;
        }
        s.tasks.frame(kind.id, open, input, now_ms)?
    };
    let frames: Result<Vec<Frame>, String> = match came {
        Came::Failed(message) => Err(message),
        Came::Results(results) => {
            results.into_iter().map(|(index, result)| s.playback.accept_task(index, &result, now_ms)).collect()
        }
        Came::Reports(reports) => reports.iter().map(|worked| s.playback.follow(worked, now_ms)).collect(),
    };
    let fold = |a: Frame, b: Frame| Frame { redraw: a.redraw || b.redraw, paused: a.paused || b.paused };
    Some(frames.map(|frames| frames.into_iter().fold(Frame { redraw: false, paused: false }, fold)))
}

impl Live for FigureView {
    fn measure(&self) {
        // A figure in a section the browser skips for now keeps the sizes it had and counts as
        // out of view: measuring it would make the browser lay that section out every frame.
        // One never measured is measured all the same, so that it can start.
        let measured = self.sizes.borrow().iter().any(|&(width, _)| width > 0);
        if measured && self.canvases.first().is_some_and(canvas::skipped_for_now) {
            self.in_view.set(false);
            return;
        }
        let sizes: Vec<(i32, i32)> = self.canvases.iter().map(canvas::css_size).collect();
        // Only a running figure draws less often out of view; a paused one draws at once.
        let running = self.state.borrow().playback.play() == Play::Playing;
        if running {
            let height = dom::window().inner_height().ok().and_then(|h| h.as_f64()).unwrap_or(f64::INFINITY);
            let in_view = self.canvases.iter().zip(&sizes).any(|(canvas, &(width, _))| {
                let rect = canvas.get_bounding_client_rect();
                width > 0 && rect.bottom() > 0.0 && rect.top() < height
            });
            self.in_view.set(in_view);
        }
        *self.sizes.borrow_mut() = sizes;
    }

    fn frame(&self, now_ms: f64, budget_ms: f64) {
        // A figure that is not displayed (the walkthrough shows one at a time) neither works
        // nor draws; it goes on where it was when it shows again. One mounted in this frame
        // starts in the next, once it has been measured.
        let sizes = self.sizes.borrow().clone();
        if sizes.iter().all(|&(width, _)| width == 0) {
            return;
        }
        let mut s = self.state.borrow_mut();
        if sizes != self.drawn_sizes.replace(sizes.clone()) {
            s.dirty = true;
        }
        let done = match worker_frame(&mut s, now_ms) {
            Some(Ok(done)) => done,
            Some(Err(message)) => {
                drop(s);
                isolation::fail(self.kind.id, &message);
                return;
            }
            // A Step meant for a worker that none will do is the page thread's.
            None if s.tasks.take_step() => {
                s.playback.step_to_visible_change(&PageClock::new());
                Frame { redraw: true, paused: true }
            }
            None => s.playback.frame(now_ms, budget_ms, &PageClock::new()),
        };
        s.dirty |= done.redraw;
        if done.paused {
            drop(s);
            self.show_play_state();
            self.write_progress();
            s = self.state.borrow_mut();
        }
        let (paused, under_way) = (s.playback.play() == Play::Paused, !s.undrawn.is_empty());
        drop(s);
        // A paused figure changes only when the reader acts on it: that is drawn at once, and
        // whole in this frame, so that its words and its panels agree as soon as it stops. A
        // running one's drawing is spread over frames.
        let due = paused || now_ms - self.drawn_at.get() >= OUT_OF_VIEW_DRAW_MS || self.in_view.get();
        let budget_ms = if paused { f64::INFINITY } else { DRAW_BUDGET_MS };
        if under_way {
            self.draw_some(budget_ms);
        }
        let dirty = self.state.borrow().dirty;
        if dirty && due && (paused || !under_way) {
            self.draw_some(budget_ms);
            self.drawn_at.set(now_ms);
        }
    }

    /// A link states the whole state (what it leaves out is at its default). Entries refused
    /// on their own keep their defaults; settings that contradict each other are refused as a
    /// whole and the figure stays as it was. A link's progress entry restarts the figure from
    /// the link's settings and replays as many units; a refused one is reported and the rest of
    /// the link applies.
    fn apply_url(&self) {
        let fragment = url::fragment();
        let mut params = ParamValues::defaults(self.kind.params);
        let mut refused = url_state::apply(&fragment, self.kind.id, &mut params);
        let contradictory = (self.kind.validate)(&params).err();
        let settings_apply = contradictory.is_none();
        if let Some(e) = contradictory {
            params = self.figure().params().clone();
            refused.push(e);
        }
        show_all(&self.controls, &params);
        for error in &refused {
            match self.controls.iter().find(|c| c.spec.key == error.key) {
                Some(control) => control.set_message(&format!("{} (from the link; not applied)", error.message)),
                None => web_sys::console::warn_1(&JsValue::from_str(&format!("{}: {}", self.kind.id, error.message))),
            }
        }
        let progress = url_state::progress_from(&fragment, self.kind.id).unwrap_or_else(|e| {
            self.refuse_progress(&e.message);
            None
        });
        // Progress belongs to the link's settings: it means nothing when they were refused.
        match progress.filter(|_| settings_apply) {
            Some(_) if self.waits_for_data(&params) => {}
            Some(units) if !self.state.borrow().playback.is_at_progress(&params, units) => {
                let figure = self.figure().remade(params);
                if let Err(message) = self.start(|playback| playback.reset_to_progress(figure, units)) {
                    self.refuse_progress(&message);
                }
            }
            Some(_) => {}
            None if &params != self.figure().params() => self.restart(params, Start::Animate),
            None => {}
        }
    }

    fn invalidate(&self) {
        self.state.borrow_mut().dirty = true;
    }
}

/// The browser's clock for the playback: `performance.now()`, or the wall clock where the
/// page has no `performance`.
struct PageClock(Option<web_sys::Performance>);

impl PageClock {
    fn new() -> Self {
        Self(dom::window().performance())
    }
}

impl Clock for PageClock {
    fn now_ms(&self) -> f64 {
        self.0.as_ref().map_or_else(js_sys::Date::now, |p| p.now())
    }
}

/// A new button labelled `label` at the end of `row`.
fn append_button(row: &Element, label: &str) -> Result<HtmlButtonElement, JsValue> {
    let button: HtmlButtonElement = dom::typed("button", "")?;
    button.set_type("button");
    button.set_text_content(Some(label));
    row.append_child(&button)?;
    Ok(button)
}
