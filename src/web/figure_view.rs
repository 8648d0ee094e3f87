//! A figure mounted in its container: canvases, controls, buttons and the verdict line, wired
//! to the figure's state. Every change of parameters, from a control, a drag or the URL, goes
//! through `ParamValues`' validation; a refused value leaves the figure as it was.
//!
//! How the figure's work plays (Play, Step, a link's replay) is `page::playback`'s; the view
//! passes it the browser's clock. When the reader pauses a run (Pause, or Step) before it has
//! finished, the URL says how far it got (`<id>.at=<units>`, see `url_state`), and a link with
//! that entry replays as many units and pauses there.

use crate::kit::format;
use std::cell::{Ref, RefCell};
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlButtonElement, HtmlCanvasElement, HtmlInputElement, MouseEvent, PointerEvent};

use super::controls::{show_all, Control, Widgets, SLIDER_STEPS};
use super::hover::{Hover, REACH_CSS_PX};
use super::{canvas, dom, export, url, walkthrough};
use crate::figures::{self, Figure, Grab, Play, Tone};
use crate::kit::notation;
use crate::kit::params::{Input, ParamValues, Scale};
use crate::kit::plot::PlotMap;
use crate::kit::recording::{Reading, Readings, Rect};
use crate::page::playback::{Clock, Playback, Start};
use crate::page::run_file::RunFile;
use crate::page::url_state;

/// What the animation loop and the window's events need of a mounted figure.
pub trait Live {
    /// Advances the figure within `budget_ms` and redraws it if anything changed.
    fn frame(&self, now_ms: f64, budget_ms: f64);
    /// Re-reads the figure's parameters from the URL.
    fn apply_url(&self);
    /// Forces a redraw (the canvases changed size, or the presentation layout began or ended).
    fn invalidate(&self);
}

struct State<F> {
    playback: Playback<F>,
    /// Whether the panels, verdict and readouts are to be drawn again.
    dirty: bool,
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
                playback: Playback::new(figure, Start::Animate),
                dirty: true,
                maps: vec![None; F::PANELS.len()],
                readings: vec![(Readings::default(), None); F::PANELS.len()],
                pointer: None,
                shown: None,
                dragging: None,
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
            s.playback.toggle_play();
            // Redrawn, so that the readouts lose the speed of a paused run.
            s.dirty = true;
            drop(s);
            view.show_play_state();
            view.write_progress();
        })?;
        let view = self.clone();
        dom::listen::<web_sys::Event>(step, "click", move |_| {
            let mut s = view.state.borrow_mut();
            s.playback.step_to_visible_change(&PageClock::new());
            s.dirty = true;
            drop(s);
            view.show_play_state();
            view.write_progress();
        })?;
        let view = self.clone();
        dom::listen::<web_sys::Event>(replay, "click", move |_| {
            let params = view.figure().params().clone();
            view.restart(params, Start::Animate);
            view.write_progress();
        })?;
        let view = self.clone();
        dom::listen::<web_sys::Event>(defaults, "click", move |_| {
            let params = ParamValues::defaults(F::PARAMS);
            show_all(&view.controls, &params);
            view.restart(params, Start::Settings);
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
                    let mut points = view.figure().points();
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
        let grab = self.figure().grab(panel, x, y)?;
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
            let mut points = self.figure().points();
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
            let result = export::download_png(&*view.figure(), &view.canvases, dom::prefers_dark());
            view.report(result.map(|()| "Saved the figure as PNG (2\u{d7} resolution).".to_string()));
        })?;
        let view = self.clone();
        dom::listen::<web_sys::Event>(csv, "click", move |_| {
            let text = export::csv_of(&*view.figure());
            let result = export::download_text(&format!("{}.csv", F::ID), "text/csv", &text);
            view.report(result.map(|()| "Saved the figure's series as CSV.".to_string()));
        })?;
        let Some((save, picker)) = runs else { return Ok(()) };
        let view = self.clone();
        dom::listen::<web_sys::Event>(&save, "click", move |_| {
            let run = view.figure().run_file();
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
                self.start(|playback| playback.reset(figure, Start::LoadedRun));
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
        let result = self.figure().params().with_changes::<F>([(key, input)]);
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
    fn figure(&self) -> Ref<'_, F> {
        Ref::map(self.state.borrow(), |s| s.playback.figure())
    }

    /// Replaces the figure by a new one for `params`, started as `start` says.
    fn restart(&self, params: ParamValues, start: Start) {
        self.start(|playback| playback.reset(F::new(params), start));
    }

    /// Starts the figure again with `reset` (one of `Playback`'s resets) and shows it anew.
    fn start<T>(&self, reset: impl FnOnce(&mut Playback<F>) -> T) -> T {
        let mut s = self.state.borrow_mut();
        let result = reset(&mut s.playback);
        s.dirty = true;
        drop(s);
        self.show_play_state();
        result
    }

    /// Says why a link's progress entry was not applied; the rest of the link applies.
    fn refuse_progress(&self, message: &str) {
        self.note.set_text_content(Some(&format!("{message} (from the link; not applied)")));
    }

    /// Writes the settings into the URL. A restarted run has no progress to keep, so the
    /// figure's progress entry goes too (see `url_state::write`).
    fn write_url(&self) {
        let fragment = url_state::write(&url::fragment(), F::ID, self.figure().params());
        url::set_fragment(&fragment);
    }

    /// Writes how far a paused run had got into the URL, or removes it.
    fn write_progress(&self) {
        let current = url::fragment();
        let fragment = url_state::write_progress(&current, F::ID, self.state.borrow().playback.paused_progress());
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

    fn draw(&self) {
        let mut s = self.state.borrow_mut();
        let dark = dom::prefers_dark();
        for (i, canvas) in self.canvases.iter().enumerate() {
            // A panel the walkthrough hides is drawn when it shows again (it changes size).
            if canvas.client_width() == 0 {
                continue;
            }
            match canvas::draw_panel(s.playback.figure(), i, canvas, dark, walkthrough::plot_zoom(canvas)) {
                Ok(drawn) => {
                    s.maps[i] = drawn.map;
                    s.readings[i] = (drawn.readings, drawn.plot);
                }
                Err(e) => {
                    web_sys::console::error_1(&JsValue::from_str(&format!("{}: drawing panel {i} failed: {e}", F::ID)))
                }
            }
        }
        self.show_readouts(&s.playback.readouts());
        let figure = s.playback.figure();
        if let (Some(list), Some(key)) = (&self.steps, F::STEPPER) {
            mark_step(list, figure.params().get(key) as u32);
        }
        let verdict = figures::shown_verdict(figure, s.playback.play());
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
        let done = s.playback.frame(now_ms, budget_ms, &PageClock::new());
        s.dirty |= done.redraw;
        if done.paused {
            drop(s);
            self.show_play_state();
            self.write_progress();
            s = self.state.borrow_mut();
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
            params = self.figure().params().clone();
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
            Some(units) if !self.state.borrow().playback.is_at_progress(&params, units) => {
                let figure = F::new(params);
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

/// Data coordinates of a pointer event on a panel drawn with `map`.
fn pointer_data(map: &PlotMap, target: &HtmlCanvasElement, event: &MouseEvent) -> (f64, f64) {
    let (px, py) = canvas::event_pixels(target, event);
    map.to_data(px, py)
}
