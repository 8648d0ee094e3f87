//! The figure's panels: drawing them on their canvases, and what the pointer does on them
//! (dragging a handle or a point, reading the value nearest to it).

use std::rc::Rc;

use wasm_bindgen::prelude::*;
use web_sys::{HtmlCanvasElement, MouseEvent, PointerEvent};

use super::{FigureView, State};
use crate::figures::Grab;
use crate::kit::format;
use crate::kit::params::{Input, Scale};
use crate::kit::plot::PlotMap;
use crate::web::canvas::{self, CanvasBox};
use crate::web::hover::REACH_CSS_PX;
use crate::web::{dom, walkthrough};

impl FigureView {
    /// Draws panel `i` (of CSS size `size`), keeping what pointing and dragging need of it. A
    /// panel the walkthrough hides (size zero) is drawn when it shows again (it changes size).
    pub(super) fn draw_panel(&self, s: &mut State, i: usize, size: (i32, i32)) {
        if size.0 == 0 {
            return;
        }
        let zoom = walkthrough::plot_zoom(size);
        match canvas::draw_panel(s.playback.figure(), i, &self.canvases[i], size, dom::prefers_dark(), zoom) {
            Ok(drawn) => {
                s.maps[i] = drawn.map;
                s.readings[i] = (drawn.readings, drawn.plot);
            }
            Err(e) => web_sys::console::error_1(&JsValue::from_str(&format!(
                "{}: drawing panel {i} failed: {e}",
                self.kind.id
            ))),
        }
    }

    /// Pointer events on the canvases: a drag moves what the panel lets it grab, pointing reads
    /// values, a double click removes a placed point.
    pub(super) fn wire_pointer(self: &Rc<Self>) -> Result<(), JsValue> {
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
        let measured = CanvasBox::measure(canvas);
        self.state.borrow_mut().pointer = Some((panel, canvas::event_pixels(canvas, event), measured));
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
    pub(super) fn show_reading(&self) {
        let mut s = self.state.borrow_mut();
        let pointer = s.pointer;
        let target = pointer.and_then(|(panel, at, measured)| {
            let size = (measured.width, measured.height);
            let reach = REACH_CSS_PX * canvas::pixels_per_css_pixel(&self.canvases[panel], size);
            s.readings[panel].0.nearest(at, reach).map(|point| (panel, *point))
        });
        if target == s.shown {
            return;
        }
        if let Some((panel, _)) = s.shown {
            self.hovers[panel].hide();
        }
        s.shown = target;
        if let (Some((panel, point)), Some((.., measured))) = (target, pointer) {
            let (readings, plot) = &s.readings[panel];
            self.hovers[panel].show(&self.canvases[panel], measured, &readings.label(&point), point.pixel, *plot);
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
            let Some(spec) = self.kind.param(key) else { return };
            let v = match spec.scale {
                Scale::Integer | Scale::Choice(_) => v.round(),
                Scale::Linear | Scale::Log => format::round_sig(v, 3),
                Scale::Points => return,
            };
            self.set_param(key, Input::Number(v.clamp(spec.min, spec.max)));
        };
        let place = |key: &'static str, index: Option<usize>| {
            let Some(spec) = self.kind.param(key) else { return grab };
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
}

/// Data coordinates of a pointer event on a panel drawn with `map`.
fn pointer_data(map: &PlotMap, target: &HtmlCanvasElement, event: &MouseEvent) -> (f64, f64) {
    let (px, py) = canvas::event_pixels(target, event);
    map.to_data(px, py)
}
