//! The browser glue, and the only code that touches web-sys: start-up, the DOM of each
//! figure (canvases, controls, verdict), the figure state in the URL, and one animation loop.

pub mod bench;
pub mod canvas;
pub mod controls;
pub mod digits;
pub mod dom;
pub mod export;
pub mod figure_view;
pub mod handout;
pub mod hover;
pub mod isolation;
pub mod modes;
pub mod url;
pub mod walkthrough;
pub mod workers;

use std::cell::{OnceCell, RefCell};
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::figures::{self, Figure, FigureVisitor, ALL_IDS};
use figure_view::{FigureView, Live};

/// Share of a 60 Hz frame that figures may spend computing, so the page stays responsive.
pub const FRAME_BUDGET_MS: f64 = 8.0;

/// Shapes the page for its reading (`modes`: the whole page, one figure, the walkthrough),
/// finds every figure's container on it and starts the animation loop, which mounts the
/// figures on its first frame (see `Slot`).
#[wasm_bindgen(start)]
pub fn start() -> Result<(), JsValue> {
    // In a worker (see `workers`) there is no page: the module only computes tasks.
    if web_sys::window().is_none() {
        std::panic::set_hook(Box::new(workers::record_panic));
        return Ok(());
    }
    std::panic::set_hook(Box::new(isolation::report_panic));
    let mode = modes::prepare()?;
    let document = dom::document();
    let slots: Rc<[Slot]> = ALL_IDS
        .iter()
        .filter_map(|&id| Some(Slot { id, container: document.get_element_by_id(id)?, view: OnceCell::new() }))
        .collect();
    if slots.is_empty() {
        if let Some(loading) = document.get_element_by_id("loading") {
            loading.remove();
        }
        return Ok(());
    }
    let apply_url = {
        let slots = slots.clone();
        move || slots.iter().for_each(|slot| slot.run(|view| view.apply_url()))
    };
    url::on_hash_change(apply_url.clone())?;
    // Settings that waited for the digits take effect once the file has arrived.
    digits::on_end(apply_url.clone());
    // Redrawing leaves a figure not yet mounted alone: it draws when it is.
    let redraw = {
        let slots = slots.clone();
        move || slots.iter().for_each(|slot| slot.run_mounted(|view| view.invalidate()))
    };
    dom::on_window_event("resize", redraw.clone())?;
    dom::on_color_scheme_change(redraw.clone())?;
    run_animation(slots);
    modes::start(mode, apply_url, redraw)
}

/// A figure's container and, once the animation loop has mounted the figure there, its view.
/// Mounting runs the figure's first computation, so it runs as the figure (see `isolation`),
/// like everything else the figure does: a panic while mounting stops that figure alone.
struct Slot {
    id: &'static str,
    container: web_sys::Element,
    /// `None` when mounting failed with an error (shown in the container).
    view: OnceCell<Option<Rc<dyn Live>>>,
}

impl Slot {
    /// Runs `work` on the figure's view, as the figure, mounting it first if need be. Does
    /// nothing once the figure has failed.
    fn run(&self, work: impl FnOnce(&dyn Live)) {
        isolation::run_as(self.id, || {
            if let Some(view) = self.view.get_or_init(|| self.mount()) {
                work(view.as_ref());
            }
        });
    }

    /// Runs `work` on the figure's view if the figure has been mounted and has not failed.
    fn run_mounted(&self, work: impl FnOnce(&dyn Live)) {
        if let Some(Some(view)) = self.view.get() {
            isolation::run_as(self.id, || work(view.as_ref()));
        }
    }

    fn mount(&self) -> Option<Rc<dyn Live>> {
        match figures::visit(self.id, Mount { container: self.container.clone() })? {
            Ok(view) => Some(view),
            Err(e) => {
                let message = format!("The figure \u{201c}{}\u{201d} could not start: {e:?}", self.id);
                web_sys::console::error_1(&JsValue::from_str(&message));
                isolation::show_failure(&self.container, &message);
                None
            }
        }
    }
}

/// Mounts a figure type in its container.
struct Mount {
    container: web_sys::Element,
}

impl FigureVisitor for Mount {
    type Output = Result<Rc<dyn Live>, JsValue>;

    fn visit<F: Figure + 'static>(self) -> Self::Output {
        let view: Rc<dyn Live> = FigureView::mount(&self.container, Box::new(F::with_defaults()))?;
        Ok(view)
    }
}

/// One requestAnimationFrame loop for all figures: each gets a slice of the frame budget. It
/// asks for the next frame before it runs the figures, so that a figure that panics (which
/// ends the call with a trap) does not stop the loop. The loading line goes once every figure
/// has been mounted or has failed.
fn run_animation(slots: Rc<[Slot]>) {
    type Callback = Closure<dyn FnMut(f64)>;
    let callback: Rc<RefCell<Option<Callback>>> = Rc::new(RefCell::new(None));
    let again = callback.clone();
    let mut loading = dom::document().get_element_by_id("loading");
    *callback.borrow_mut() = Some(Closure::new(move |now: f64| {
        if let Some(cb) = again.borrow().as_ref() {
            request_frame(cb);
        }
        // Figures that are not displayed (the walkthrough shows one at a time) do no work, so
        // they take no share of the budget.
        let displayed = slots.iter().filter(|slot| slot.container.client_width() > 0).count();
        let budget = FRAME_BUDGET_MS / displayed.max(1) as f64;
        for slot in slots.iter() {
            slot.run_mounted(|view| view.measure());
        }
        for slot in slots.iter() {
            slot.run(|view| view.frame(now, budget));
        }
        if let Some(line) = loading.take() {
            line.remove();
        }
    }));
    let first = callback.borrow();
    if let Some(cb) = first.as_ref() {
        request_frame(cb);
    }
}

fn request_frame(callback: &Closure<dyn FnMut(f64)>) {
    // Failing to schedule a frame only stops the animation; there is nothing better to do.
    let _ = dom::window().request_animation_frame(callback.as_ref().unchecked_ref());
}
