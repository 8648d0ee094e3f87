//! A figure mounted in its container: canvases, controls, buttons and the verdict line, wired
//! to the figure's state. Every change of parameters, from a control, a drag or the URL, goes
//! through `ParamValues`' validation; a refused value leaves the figure as it was.
//!
//! The view counts the work units it asks of a running figure. When the reader pauses a run
//! (Pause, or Step) before it has finished, the URL says how far it got (`<id>.at=<units>`,
//! see `url_state`), and a link with that entry replays as many units, in slices within the
//! frame budget, and pauses there. `Figure::step`'s contract makes the replay exact.

use crate::kit::format;
use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlButtonElement, HtmlCanvasElement, HtmlInputElement, MouseEvent, PointerEvent};

use super::controls::{show_all, Control, Widgets, SLIDER_STEPS};
use super::hover::{Hover, REACH_CSS_PX};
use super::{canvas, dom, export, url, walkthrough};
use crate::figures::{self, Activity, Figure, Grab, Play, Tone};
use crate::kit::notation;
use crate::kit::params::{Input, ParamValues, Scale};
use crate::kit::plot::PlotMap;
use crate::kit::recording::{Reading, Readings, Rect};
use crate::page::run_file::RunFile;
use crate::page::url_state::{self, MAX_PROGRESS, PROGRESS_KEY};

/// What the animation loop and the window's events need of a mounted figure.
pub trait Live {
    /// Advances the figure within `budget_ms` and redraws it if anything changed.
    fn frame(&self, now_ms: f64, budget_ms: f64);
    /// Re-reads the figure's parameters from the URL.
    fn apply_url(&self);
    /// Forces a redraw (the canvases changed size, or the presentation layout began or ended).
    fn invalidate(&self);
}

/// Work units per call when a figure runs as fast as the budget allows.
const UNITS_PER_CALL: usize = 16;

struct State<F> {
    figure: F,
    playing: bool,
    dirty: bool,
    last_frame: Option<f64>,
    /// Fractional work units owed to a paced animation.
    owed: f64,
    maps: Vec<Option<PlotMap>>,
    /// What each panel's series drew and its plotting area, as last drawn: what pointing reads.
    readings: Vec<(Readings, Option<Rect>)>,
    /// Where the pointer rests, as (panel, device pixel), while it points at a panel.
    pointer: Option<(usize, (f64, f64))>,
    /// The reading shown, as (panel, point), so that an unchanged one is not shown again.
    shown: Option<(usize, Reading)>,
    /// What a drag in progress holds, with the panel's map as it was when the drag began: the
    /// map stays fixed while the drag lasts, so that a panel whose axes follow its data does
    /// not run away under the pointer.
    dragging: Option<(Grab, PlotMap)>,
    /// Work units per second of an unpaced figure while it runs (smoothed over frames).
    rate: f64,
    /// Work units asked of the figure since it started: how far its run has got.
    units_done: usize,
    /// Whether the figure has no work left (its last `step` said so).
    finished: bool,
    /// Whether a link can replay the run: not for a run loaded from a file, which links do not
    /// carry.
    replayable: bool,
    /// The units a link asked to replay, while the figure fast-forwards to them.
    restore_to: Option<usize>,
}

impl<F> State<F> {
    /// How far a run the reader paused before its end had got, for the link; None while it
    /// plays, once it has finished, and when a link could not replay it.
    fn paused_progress(&self) -> Option<usize> {
        let paused = !self.playing && !self.finished && self.replayable;
        (paused && self.units_done <= MAX_PROGRESS).then_some(self.units_done)
    }
}

pub struct FigureView<F: Figure> {
    state: RefCell<State<F>>,
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
    /// The CSS sizes of the canvases when the figure was last drawn: a figure whose canvases
    /// changed size (say, shown again by the walkthrough) is drawn again.
    drawn_sizes: RefCell<Vec<(i32, i32)>>,
}

impl<F: Figure + 'static> FigureView<F> {
    /// Builds the figure's DOM inside `container` and wires its events.
    pub fn mount(container: &Element) -> Result<Rc<Self>, JsValue> {
        container.set_text_content(None);
        let panels = dom::element("div", "fig-panels")?;
        let mut canvases = Vec::new();
        let mut hovers = Vec::new();
        for panel in F::PANELS {
            let holder = dom::element("div", "fig-panel")?;
            let canvas: HtmlCanvasElement = dom::typed("canvas", "")?;
            canvas.set_id(&format!("{}-{}", F::ID, panel.key));
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
        let make_button = |label: &str| -> Result<HtmlButtonElement, JsValue> {
            let b: HtmlButtonElement = dom::typed("button", "")?;
            b.set_type("button");
            b.set_text_content(Some(label));
            buttons.append_child(&b)?;
            Ok(b)
        };
        let play = make_button("Pause")?;
        play.set_class_name("fig-play");
        let step = make_button("Step")?;
        let replay = make_button("Replay")?;
        let defaults = make_button("Defaults")?;
        let presets = F::PRESETS.iter().map(|p| make_button(p.label)).collect::<Result<Vec<_>, _>>()?;
        let stepper = match F::STEPPER {
            Some(_) => Some((make_button("Previous")?, make_button("Next")?)),
            None => None,
        };
        let controls_box = dom::element("div", "fig-controls")?;
        let controls =
            F::PARAMS.iter().map(|spec| Control::build(F::ID, spec, &controls_box)).collect::<Result<Vec<_>, _>>()?;
        let exports = dom::element("div", "fig-buttons fig-exports")?;
        let make_export = |label: &str| -> Result<HtmlButtonElement, JsValue> {
            let b: HtmlButtonElement = dom::typed("button", "")?;
            b.set_type("button");
            b.set_text_content(Some(label));
            exports.append_child(&b)?;
            Ok(b)
        };
        let export_buttons = [make_export("Copy link")?, make_export("PNG")?, make_export("CSV")?];
        let figure = F::with_defaults();
        let runs = match figure.run_file() {
            Some(_) => {
                let save = make_export("Save run")?;
                let picker: HtmlInputElement = dom::typed("input", "visually-hidden")?;
                picker.set_type("file");
                picker.set_accept(".json,application/json");
                picker.set_id(&format!("{}-load-run", F::ID));
                let label: web_sys::HtmlLabelElement = dom::typed("label", "fig-load")?;
                label.set_html_for(&picker.id());
                label.set_text_content(Some("Load run"));
                exports.append_child(&picker)?;
                exports.append_child(&label)?;
                Some((save, picker))
            }
            None => None,
        };
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
            state: RefCell::new(State {
                figure,
                playing: true,
                dirty: true,
                last_frame: None,
                owed: 0.0,
                maps: vec![None; F::PANELS.len()],
                readings: vec![(Readings::default(), None); F::PANELS.len()],
                pointer: None,
                shown: None,
                dragging: None,
                rate: 0.0,
                units_done: 0,
                finished: false,
                replayable: true,
                restore_to: None,
            }),
            canvases,
            hovers,
            controls,
            verdict,
            readouts,
            play,
            steps: dom::document().get_element_by_id(&format!("{}-steps", F::ID)),
            note,
            drawn_sizes: RefCell::new(Vec::new()),
        });
        view.apply_url();
        view.wire(&step, &replay, &defaults)?;
        view.wire_presets(&presets)?;
        view.wire_exports(&export_buttons, runs)?;
        if let Some((previous, next)) = &stepper {
            view.wire_stepper(container, previous, next)?;
        }
        Ok(view)
    }

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
        dom::listen::<web_sys::Event>(&self.play, "click", move |_| {
            let mut s = view.state.borrow_mut();
            s.playing = !s.playing;
            s.restore_to = None;
            s.last_frame = None;
            // Redrawn, so that the readouts lose the speed of a paused run.
            s.dirty = true;
            drop(s);
            view.show_play_state();
            view.write_progress();
        })?;
        let view = self.clone();
        dom::listen::<web_sys::Event>(step, "click", move |_| {
            let mut s = view.state.borrow_mut();
            s.playing = false;
            s.restore_to = None;
            step_to_visible_change(&mut s);
            s.dirty = true;
            drop(s);
            view.show_play_state();
            view.write_progress();
        })?;
        let view = self.clone();
        dom::listen::<web_sys::Event>(replay, "click", move |_| {
            let params = view.state.borrow().figure.params().clone();
            view.restart(params, true);
            view.write_progress();
        })?;
        let view = self.clone();
        dom::listen::<web_sys::Event>(defaults, "click", move |_| {
            let params = ParamValues::defaults(F::PARAMS);
            show_all(&view.controls, &params);
            view.restart(params, false);
            view.write_url();
        })?;
        for (panel, canvas) in self.canvases.iter().enumerate() {
            let view = self.clone();
            let target = canvas.clone();
            dom::listen::<PointerEvent>(canvas, "pointerdown", move |event| {
                match view.grab_at(panel, &target, &event) {
                    Some((grab, map, x, y)) => {
                        let _ = target.set_pointer_capture(event.pointer_id());
                        // The reading would hide what is dragged; it comes back on the next move.
                        view.stop_pointing();
                        // A grabbed point stays put until the pointer moves, so that a click (or
                        // the double click that removes it) does not nudge it.
                        let held = if matches!(grab, Grab::Point { .. }) { grab } else { view.drag_to(grab, x, y) };
                        view.state.borrow_mut().dragging = Some((held, map));
                    }
                    // A touch reads the value under it, as hovering does.
                    None => view.point_at(panel, &target, &event),
                }
            })?;
            let view = self.clone();
            let target = canvas.clone();
            dom::listen::<PointerEvent>(canvas, "pointermove", move |event| {
                let dragging = view.state.borrow().dragging;
                match dragging {
                    Some((grab, map)) => {
                        let (x, y) = pointer_data(&map, &target, &event);
                        let held = view.drag_to(grab, x, y);
                        view.state.borrow_mut().dragging = Some((held, map));
                    }
                    None => view.point_at(panel, &target, &event),
                }
            })?;
            let view = self.clone();
            dom::listen::<PointerEvent>(canvas, "pointerleave", move |event| {
                // A finger lifts before it leaves: its reading stays until the next touch.
                if event.pointer_type() != "touch" {
                    view.stop_pointing();
                }
            })?;
            let view = self.clone();
            let target = canvas.clone();
            dom::listen::<MouseEvent>(canvas, "dblclick", move |event| {
                if let Some((Grab::Point { key, index }, ..)) = view.grab_at(panel, &target, &event) {
                    let mut points = view.state.borrow().figure.points();
                    if index < points.len() {
                        points.remove(index);
                        view.set_param(key, Input::Points(&points));
                    }
                }
            })?;
            for end in ["pointerup", "pointercancel"] {
                let view = self.clone();
                dom::listen::<PointerEvent>(canvas, end, move |_| view.state.borrow_mut().dragging = None)?;
            }
        }
        Ok(())
    }

    /// What a pointer event on `canvas` (panel `panel`) would grab, with the panel's map and the
    /// event's data coordinates.
    fn grab_at(
        &self,
        panel: usize,
        canvas: &HtmlCanvasElement,
        event: &MouseEvent,
    ) -> Option<(Grab, PlotMap, f64, f64)> {
        let map = self.panel_map(panel)?;
        let (x, y) = pointer_data(&map, canvas, event);
        let grab = self.state.borrow().figure.grab(panel, x, y)?;
        Some((grab, map, x, y))
    }

    /// Reads the value drawn nearest to `event`'s pointer on panel `panel` (see `show_reading`).
    fn point_at(&self, panel: usize, canvas: &HtmlCanvasElement, event: &MouseEvent) {
        self.state.borrow_mut().pointer = Some((panel, canvas::event_pixels(canvas, event)));
        self.show_reading();
    }

    /// Hides the reading until the pointer moves over a panel again.
    fn stop_pointing(&self) {
        let mut s = self.state.borrow_mut();
        s.pointer = None;
        if let Some((panel, _)) = s.shown.take() {
            self.hovers[panel].hide();
        }
    }

    /// Shows the point drawn nearest to where the pointer rests, if one is within reach, with its
    /// values and a crosshair, and hides the reading otherwise. Runs on every pointer move and
    /// after every drawing (under a resting pointer the values change as the figure runs); the
    /// page changes only when the point shown does.
    fn show_reading(&self) {
        let mut s = self.state.borrow_mut();
        let target = s.pointer.and_then(|(panel, at)| {
            let reach = REACH_CSS_PX * canvas::pixels_per_css_pixel(&self.canvases[panel]);
            s.readings[panel].0.nearest(at, reach).map(|point| (panel, *point))
        });
        if target == s.shown {
            return;
        }
        if let Some((panel, _)) = s.shown {
            self.hovers[panel].hide();
        }
        s.shown = target;
        if let Some((panel, point)) = target {
            let (readings, plot) = &s.readings[panel];
            self.hovers[panel].show(&self.canvases[panel], &readings.label(&point), point.pixel, *plot);
        }
    }

    /// The pixel ↔ data map of a panel with draggable handles, as last drawn.
    fn panel_map(&self, panel: usize) -> Option<PlotMap> {
        self.state.borrow().maps.get(panel).copied().flatten()
    }

    /// Dragged parameters follow the pointer, held inside their ranges (whole numbers where
    /// they must be). Returns what the drag holds from now on (a new point, once added, is
    /// moved as a point).
    fn drag_to(&self, grab: Grab, x: f64, y: f64) -> Grab {
        let follow = |key: &'static str, v: f64| {
            let Some(spec) = F::PARAMS.iter().find(|s| s.key == key) else { return };
            let v = match spec.scale {
                Scale::Integer | Scale::Choice(_) => v.round(),
                Scale::Linear | Scale::Log => format::round_sig(v, 3),
                Scale::Points => return,
            };
            self.set_param(key, Input::Number(v.clamp(spec.min, spec.max)));
        };
        let place = |key: &'static str, index: Option<usize>| {
            let Some(spec) = F::PARAMS.iter().find(|s| s.key == key) else { return grab };
            let point =
                (format::round_sig(x, 3).clamp(spec.min, spec.max), format::round_sig(y, 3).clamp(spec.min, spec.max));
            let mut points = self.state.borrow().figure.points();
            let index = match index {
                Some(i) if i < points.len() => i,
                Some(_) => return grab,
                None => {
                    points.push(point);
                    points.len() - 1
                }
            };
            points[index] = point;
            self.set_param(key, Input::Points(&points));
            Grab::Point { key, index }
        };
        match grab {
            Grab::X(key) => follow(key, x),
            Grab::XY(kx, ky) => {
                follow(kx, x);
                follow(ky, y);
            }
            Grab::Point { key, index } => return place(key, Some(index)),
            Grab::NewPoint(key) => return place(key, None),
        }
        grab
    }

    fn wire_exports(
        self: &Rc<Self>,
        [copy, png, csv]: &[HtmlButtonElement; 3],
        runs: Option<(HtmlButtonElement, HtmlInputElement)>,
    ) -> Result<(), JsValue> {
        let view = self.clone();
        dom::listen::<web_sys::Event>(copy, "click", move |_| {
            let href = dom::window().location().href().unwrap_or_default();
            export::copy_to_clipboard(&href);
            view.note.set_text_content(Some(&format!("Link to this state: {href}")));
        })?;
        let view = self.clone();
        dom::listen::<web_sys::Event>(png, "click", move |_| {
            let result = export::download_png(&view.state.borrow().figure, &view.canvases, dom::prefers_dark());
            view.report(result.map(|()| "Saved the figure as PNG (2\u{d7} resolution).".to_string()));
        })?;
        let view = self.clone();
        dom::listen::<web_sys::Event>(csv, "click", move |_| {
            let text = export::csv_of(&view.state.borrow().figure);
            let result = export::download_text(&format!("{}.csv", F::ID), "text/csv", &text);
            view.report(result.map(|()| "Saved the figure's series as CSV.".to_string()));
        })?;
        let Some((save, picker)) = runs else { return Ok(()) };
        let view = self.clone();
        dom::listen::<web_sys::Event>(&save, "click", move |_| {
            let run = view.state.borrow().figure.run_file();
            let result = match run {
                Some(run) => export::download_text(&format!("{}-run.json", F::ID), "application/json", &run.to_json()),
                None => Err(JsValue::from_str("this figure has no run to save")),
            };
            view.report(result.map(|()| "Saved the run as JSON.".to_string()));
        })?;
        let view = self.clone();
        let source = picker.clone();
        dom::listen::<web_sys::Event>(&picker, "change", move |_| {
            let target = view.clone();
            let result = export::read_picked_file(&source, move |text| target.load_run(&text));
            view.report(result.map(|()| String::new()));
        })?;
        Ok(())
    }

    /// Starts the figure from a saved run; a document that does not fit changes nothing.
    fn load_run(&self, text: &str) {
        match RunFile::parse(text).and_then(|run| F::from_run(&run)) {
            Ok(figure) => {
                show_all(&self.controls, figure.params());
                let mut s = self.state.borrow_mut();
                s.figure = figure;
                s.playing = true;
                s.last_frame = None;
                s.dirty = true;
                s.units_done = 0;
                s.finished = false;
                s.replayable = false;
                s.restore_to = None;
                drop(s);
                self.show_play_state();
                self.write_url();
                self.note.set_text_content(Some("Loaded the run."));
            }
            Err(message) => self.note.set_text_content(Some(&format!("The run was not loaded: {message}"))),
        }
    }

    /// Shows what an export did, or why it failed.
    fn report(&self, result: Result<String, JsValue>) {
        let text = match result {
            Ok(done) => done,
            Err(e) => format!("That did not work: {}", e.as_string().unwrap_or_else(|| format!("{e:?}"))),
        };
        if !text.is_empty() {
            self.note.set_text_content(Some(&text));
        }
    }

    fn wire_presets(self: &Rc<Self>, buttons: &[HtmlButtonElement]) -> Result<(), JsValue> {
        for (preset, button) in F::PRESETS.iter().zip(buttons) {
            let view = self.clone();
            dom::listen::<web_sys::Event>(button, "click", move |_| {
                let changes = preset.values.iter().map(|&(key, value)| (key, Input::Number(value)));
                let params = match ParamValues::defaults(F::PARAMS).with_changes::<F>(changes) {
                    Ok(params) => params,
                    Err(e) => {
                        let message = format!("{}: preset {}: {e}", F::ID, preset.label);
                        web_sys::console::error_1(&JsValue::from_str(&message));
                        return;
                    }
                };
                show_all(&view.controls, &params);
                view.restart(params, true);
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
        let Some(key) = F::STEPPER else { return Ok(()) };
        for (button, delta) in [(previous, -1.0), (next, 1.0)] {
            let view = self.clone();
            dom::listen::<web_sys::Event>(button, "click", move |_| view.move_step(key, delta))?;
        }
        container.set_attribute("tabindex", "0")?;
        let view = self.clone();
        dom::listen::<web_sys::KeyboardEvent>(container, "keydown", move |event| {
            let typing = event
                .target()
                .and_then(|t| t.dyn_into::<Element>().ok())
                .is_some_and(|t| matches!(t.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA"));
            let delta = match event.key().as_str() {
                "ArrowLeft" | "ArrowUp" => -1.0,
                "ArrowRight" | "ArrowDown" => 1.0,
                _ => return,
            };
            if !typing {
                event.prevent_default();
                view.move_step(key, delta);
            }
        })?;
        Ok(())
    }

    fn move_step(&self, key: &'static str, delta: f64) {
        let Some(spec) = F::PARAMS.iter().find(|s| s.key == key) else { return };
        let current = self.state.borrow().figure.params().get(key);
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
        let result = self.state.borrow().figure.params().with_changes::<F>([(key, input)]);
        match result {
            Ok(params) => {
                control.show(&params);
                self.restart(params, false);
                self.write_url();
            }
            Err(e) => control.set_message(&e.message),
        }
    }

    /// Replaces the figure by a new one for `params`. Paced figures (whose animation only
    /// reveals finished work) show their result at once unless `animate` asks to replay it.
    fn restart(&self, params: ParamValues, animate: bool) {
        let mut figure = F::new(params);
        let playing = animate || F::PACE.is_none();
        if !playing {
            figure.finish();
        }
        let mut s = self.state.borrow_mut();
        s.figure = figure;
        s.playing = playing;
        s.owed = 0.0;
        s.rate = 0.0;
        s.last_frame = None;
        s.dirty = true;
        s.units_done = 0;
        s.finished = !playing;
        s.replayable = true;
        s.restore_to = None;
        drop(s);
        self.show_play_state();
    }

    /// Fast-forwards the figure, just restarted from a link's settings, by the link's `units`
    /// of work and pauses it there (see `frame`). A figure that has no run to replay says so.
    fn restore(&self, units: usize) {
        let mut s = self.state.borrow_mut();
        if s.figure.step(0) == Activity::Idle {
            drop(s);
            self.refuse_progress(&format!(
                "\u{201c}{PROGRESS_KEY}={units}\u{201d} asks to replay a run, but this figure shows its result at once"
            ));
            return;
        }
        s.restore_to = Some(units);
        s.playing = true;
        drop(s);
        self.show_play_state();
    }

    /// Whether the figure has `params` and is paused at, or on its way to, `units` of work.
    fn is_at_progress(&self, params: &ParamValues, units: usize) -> bool {
        let s = self.state.borrow();
        s.figure.params() == params && (s.restore_to == Some(units) || s.paused_progress() == Some(units))
    }

    /// Says why a link's progress entry was not applied; the rest of the link applies.
    fn refuse_progress(&self, message: &str) {
        self.note.set_text_content(Some(&format!("{message} (from the link; not applied)")));
    }

    /// Writes the settings into the URL. A restarted run has no progress to keep, so the
    /// figure's progress entry goes too (see `url_state::write`).
    fn write_url(&self) {
        let fragment = url_state::write(&url::fragment(), F::ID, self.state.borrow().figure.params());
        url::set_fragment(&fragment);
    }

    /// Writes how far a paused run had got into the URL, or removes it.
    fn write_progress(&self) {
        let current = url::fragment();
        let fragment = url_state::write_progress(&current, F::ID, self.state.borrow().paused_progress());
        if fragment != current {
            url::set_fragment(&fragment);
        }
    }

    fn show_play_state(&self) {
        let playing = self.state.borrow().playing;
        self.play.set_text_content(Some(if playing { "Pause" } else { "Play" }));
    }

    fn draw(&self) {
        let mut s = self.state.borrow_mut();
        let dark = dom::prefers_dark();
        for (i, canvas) in self.canvases.iter().enumerate() {
            // A panel the walkthrough hides is drawn when it shows again (it changes size).
            if canvas.client_width() == 0 {
                continue;
            }
            match canvas::draw_panel(&s.figure, i, canvas, dark, walkthrough::plot_zoom(canvas)) {
                Ok(drawn) => {
                    s.maps[i] = drawn.map;
                    s.readings[i] = (drawn.readings, drawn.plot);
                }
                Err(e) => {
                    web_sys::console::error_1(&JsValue::from_str(&format!("{}: drawing panel {i} failed: {e}", F::ID)))
                }
            }
        }
        let mut readouts = s.figure.readouts();
        if F::PACE.is_none() && s.playing && s.rate > 0.0 {
            readouts.push(("speed".to_string(), format!("{:.0} {} per second", s.rate, F::UNIT)));
        }
        if let Some(target) = s.restore_to {
            readouts.push(("restoring the link".to_string(), format!("{} of {target} {} done", s.units_done, F::UNIT)));
        }
        self.show_readouts(&readouts);
        if let (Some(list), Some(key)) = (&self.steps, F::STEPPER) {
            mark_step(list, s.figure.params().get(key) as u32);
        }
        let play = if s.playing { Play::Playing } else { Play::Paused };
        let verdict = figures::shown_verdict(&s.figure, play);
        if self.verdict.text_content() != Some(notation::plain(&verdict.text)) {
            dom::set_math_text(&self.verdict, &verdict.text);
        }
        let class = match verdict.tone {
            Tone::Good => "fig-verdict ok",
            Tone::Bad => "fig-verdict bad",
            Tone::Neutral => "fig-verdict",
        };
        self.verdict.set_class_name(class);
        s.dirty = false;
        drop(s);
        self.show_reading();
    }
}

impl<F: Figure> FigureView<F> {
    /// Rewrites the readout list only when its text changes (it is read by screen readers).
    fn show_readouts(&self, readouts: &[(String, String)]) {
        let text: String = readouts.iter().map(|(l, v)| notation::plain(&format!("{l}{v}"))).collect();
        if self.readouts.text_content().unwrap_or_default() == text {
            return;
        }
        self.readouts.set_text_content(None);
        for (label, value) in readouts {
            if let (Ok(dt), Ok(dd)) = (dom::element("dt", ""), dom::element("dd", "")) {
                dom::set_math_text(&dt, label);
                dom::set_math_text(&dd, value);
                let _ = self.readouts.append_child(&dt);
                let _ = self.readouts.append_child(&dd);
            }
        }
    }
}

/// Marks item `current` (counting from 1) of a step list as the current one.
fn mark_step(list: &Element, current: u32) {
    let items = list.children();
    for i in 0..items.length() {
        if let Some(item) = items.item(i) {
            if i + 1 == current {
                let _ = item.set_attribute("aria-current", "step");
                let _ = item.class_list().add_1("current");
            } else {
                let _ = item.remove_attribute("aria-current");
                let _ = item.class_list().remove_1("current");
            }
        }
    }
}

impl<F: Figure + 'static> Live for FigureView<F> {
    fn frame(&self, now_ms: f64, budget_ms: f64) {
        // A figure that is not displayed (the walkthrough shows one at a time) neither works
        // nor draws; it goes on where it was when it shows again.
        let sizes: Vec<(i32, i32)> = self.canvases.iter().map(|c| (c.client_width(), c.client_height())).collect();
        if sizes.iter().all(|&(width, _)| width == 0) {
            return;
        }
        let mut s = self.state.borrow_mut();
        if sizes != self.drawn_sizes.replace(sizes.clone()) {
            s.dirty = true;
        }
        if s.playing {
            let activity = match (F::PACE, s.restore_to) {
                (Some(rate), None) => {
                    let elapsed = s.last_frame.map_or(0.0, |t| (now_ms - t).clamp(0.0, 250.0));
                    s.owed += elapsed * rate / 1000.0;
                    let units = s.owed.floor();
                    s.owed -= units;
                    if units >= 1.0 {
                        s.dirty = true;
                    }
                    s.units_done = s.units_done.saturating_add(units as usize);
                    s.figure.step(units as usize)
                }
                // A link's progress is replayed as fast as the budget allows, paced or not.
                _ => run_slices(&mut s, now_ms, budget_ms),
            };
            s.last_frame = Some(now_ms);
            let restored = s.restore_to.is_some_and(|target| s.units_done >= target);
            if activity == Activity::Idle || restored {
                s.playing = false;
                s.finished = activity == Activity::Idle;
                s.restore_to = None;
                s.dirty = true;
                drop(s);
                self.show_play_state();
                self.write_progress();
                s = self.state.borrow_mut();
            }
        }
        let dirty = s.dirty;
        drop(s);
        if dirty {
            self.draw();
        }
    }

    /// A link states the whole state (what it leaves out is at its default). Entries refused
    /// on their own keep their defaults; settings that contradict each other are refused as a
    /// whole and the figure stays as it was. A link's progress entry restarts the figure from
    /// the link's settings and replays as many units; a refused one is reported and the rest of
    /// the link applies.
    fn apply_url(&self) {
        let fragment = url::fragment();
        let mut params = ParamValues::defaults(F::PARAMS);
        let mut refused = url_state::apply(&fragment, F::ID, &mut params);
        let contradictory = F::validate(&params).err();
        let settings_apply = contradictory.is_none();
        if let Some(e) = contradictory {
            params = self.state.borrow().figure.params().clone();
            refused.push(e);
        }
        show_all(&self.controls, &params);
        for error in &refused {
            match self.controls.iter().find(|c| c.spec.key == error.key) {
                Some(control) => control.set_message(&format!("{} (from the link; not applied)", error.message)),
                None => web_sys::console::warn_1(&JsValue::from_str(&format!("{}: {}", F::ID, error.message))),
            }
        }
        let progress = url_state::progress_from(&fragment, F::ID).unwrap_or_else(|e| {
            self.refuse_progress(&e.message);
            None
        });
        // Progress belongs to the link's settings: it means nothing when they were refused.
        match progress.filter(|_| settings_apply) {
            Some(units) if !self.is_at_progress(&params, units) => {
                self.restart(params, true);
                self.restore(units);
            }
            Some(_) => {}
            None if &params != self.state.borrow().figure.params() => self.restart(params, true),
            None => {}
        }
    }

    fn invalidate(&self) {
        self.state.borrow_mut().dirty = true;
    }
}

/// Steps an unpaced figure, or one that a link fast-forwards, [`UNITS_PER_CALL`] units at a time
/// until the frame's budget is spent, the work is done or the link's units are reached; counts
/// the units and measures the speed.
fn run_slices<F: Figure>(s: &mut State<F>, now_ms: f64, budget_ms: f64) -> Activity {
    let clock = dom::window().performance();
    let start = clock.as_ref().map_or(now_ms, |p| p.now());
    s.dirty = true;
    let mut units = 0;
    let activity = loop {
        let slice =
            s.restore_to.map_or(UNITS_PER_CALL, |target| UNITS_PER_CALL.min(target.saturating_sub(s.units_done)));
        if slice == 0 {
            break Activity::Running;
        }
        let a = s.figure.step(slice);
        units += slice;
        s.units_done = s.units_done.saturating_add(slice);
        let spent = clock.as_ref().map_or(budget_ms, |p| p.now() - start);
        if a == Activity::Idle || spent >= budget_ms {
            break a;
        }
    };
    if let Some(last) = s.last_frame {
        let frame_rate = units as f64 * 1000.0 / (now_ms - last).max(1.0);
        s.rate = if s.rate == 0.0 { frame_rate } else { 0.8 * s.rate + 0.2 * frame_rate };
    }
    activity
}

/// The longest a click on Step may work, in milliseconds.
const STEP_TIME_MS: f64 = 100.0;

/// Steps a paused figure one unit at a time until what it shows (its tables, verdict or
/// readouts) changes, counting the units: a unit of the figures that budget their work is a
/// small slice that may show nothing by itself. Stops after [`STEP_TIME_MS`], so that a click
/// never freezes the page.
fn step_to_visible_change<F: Figure>(s: &mut State<F>) {
    let shown = |figure: &F| (figure.tables(), figure.verdict(), figure.progress(), figure.readouts());
    let before = shown(&s.figure);
    let clock = dom::window().performance();
    let start = clock.as_ref().map_or(0.0, |p| p.now());
    loop {
        if s.figure.step(1) == Activity::Idle {
            s.finished = true;
            return;
        }
        s.units_done = s.units_done.saturating_add(1);
        let spent = clock.as_ref().map_or(STEP_TIME_MS, |p| p.now() - start);
        if spent >= STEP_TIME_MS || shown(&s.figure) != before {
            return;
        }
    }
}

/// Data coordinates of a pointer event on a panel drawn with `map`.
fn pointer_data(map: &PlotMap, target: &HtmlCanvasElement, event: &MouseEvent) -> (f64, f64) {
    let (px, py) = canvas::event_pixels(target, event);
    map.to_data(px, py)
}
