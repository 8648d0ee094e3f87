//! The browser glue, and the only code that touches web-sys: start-up, the DOM of each
//! figure (canvases, controls, verdict), the figure state in the URL, and one animation loop.

pub mod bench;
pub mod canvas;
pub mod controls;
pub mod dom;
pub mod export;
pub mod figure_view;
pub mod url;

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::figures::{self, Figure, FigureVisitor, ALL_IDS};
use figure_view::{FigureView, Live};

/// Share of a 60 Hz frame that figures may spend computing, so the page stays responsive.
pub const FRAME_BUDGET_MS: f64 = 8.0;

/// Mounts every figure whose container is on the page and starts the animation loop.
#[wasm_bindgen(start)]
pub fn start() -> Result<(), JsValue> {
    std::panic::set_hook(Box::new(report_panic));
    let document = dom::document();
    let mut views: Vec<Rc<dyn Live>> = Vec::new();
    for id in ALL_IDS {
        if let Some(container) = document.get_element_by_id(id) {
            match figures::visit(id, Mount { container: container.clone() }) {
                Some(Ok(view)) => views.push(view),
                Some(Err(e)) => dom::show_failure(&container, &format!("{e:?}")),
                None => {}
            }
        }
    }
    if let Some(loading) = document.get_element_by_id("loading") {
        loading.remove();
    }
    if views.is_empty() {
        return Ok(());
    }
    url::on_hash_change({
        let views = views.clone();
        move || views.iter().for_each(|v| v.apply_url())
    })?;
    dom::on_window_event("resize", {
        let views = views.clone();
        move || views.iter().for_each(|v| v.invalidate())
    })?;
    run_animation(views);
    Ok(())
}

/// Mounts a figure type in its container.
struct Mount {
    container: web_sys::Element,
}

impl FigureVisitor for Mount {
    type Output = Result<Rc<dyn Live>, JsValue>;

    fn visit<F: Figure + 'static>(self) -> Self::Output {
        let view: Rc<dyn Live> = FigureView::<F>::mount(&self.container)?;
        Ok(view)
    }
}

/// One requestAnimationFrame loop for all figures: each gets a slice of the frame budget.
fn run_animation(views: Vec<Rc<dyn Live>>) {
    type Callback = Closure<dyn FnMut(f64)>;
    let callback: Rc<RefCell<Option<Callback>>> = Rc::new(RefCell::new(None));
    let again = callback.clone();
    *callback.borrow_mut() = Some(Closure::new(move |now: f64| {
        let budget = FRAME_BUDGET_MS / views.len() as f64;
        for view in &views {
            view.frame(now, budget);
        }
        if let Some(cb) = again.borrow().as_ref() {
            request_frame(cb);
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

/// Logs a panic with its message and shows it in place of the loading line, so that a failure
/// is never a silently dead page.
fn report_panic(info: &std::panic::PanicHookInfo<'_>) {
    let message = format!("The figures stopped with an internal error: {info}");
    web_sys::console::error_1(&JsValue::from_str(&message));
    let document = dom::document();
    if let Some(body) = document.body() {
        if let Ok(banner) = dom::element("p", "fig-error") {
            banner.set_text_content(Some(&message));
            banner.set_attribute("role", "alert").ok();
            let _ = body.prepend_with_node_1(&banner);
        }
    }
}
