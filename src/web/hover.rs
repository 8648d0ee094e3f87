//! Reading values by pointing: over each canvas, a crosshair through the point drawn nearest
//! to the pointer and a label with its values (worded by `recording::Readings`). It is hidden
//! from assistive technology: keyboard and screen-reader users get the same numbers from the
//! readouts and the CSV export. It takes no pointer events, so dragging goes on underneath.

use wasm_bindgen::prelude::*;
use web_sys::{Element, HtmlCanvasElement, HtmlElement};

use super::{canvas, dom};
use crate::kit::recording::Rect;

/// How close, in CSS pixels, the pointer must come to a drawn point to read it.
pub const REACH_CSS_PX: f64 = 32.0;

/// The distance, in CSS pixels, between the point and its label.
const LABEL_GAP_CSS_PX: f64 = 10.0;

/// The crosshair and label over one canvas.
pub struct Hover {
    root: HtmlElement,
    across: HtmlElement,
    down: HtmlElement,
    label: HtmlElement,
}

impl Hover {
    /// Builds the (hidden) crosshair and label in `holder`, the canvas's positioned parent.
    pub fn build(holder: &Element) -> Result<Hover, JsValue> {
        let root: HtmlElement = dom::typed("div", "fig-hover")?;
        root.set_attribute("aria-hidden", "true")?;
        root.set_hidden(true);
        let across: HtmlElement = dom::typed("div", "fig-hover-across")?;
        let down: HtmlElement = dom::typed("div", "fig-hover-down")?;
        let label: HtmlElement = dom::typed("div", "fig-hover-label")?;
        root.append_child(&across)?;
        root.append_child(&down)?;
        root.append_child(&label)?;
        holder.append_child(&root)?;
        Ok(Hover { root, across, down, label })
    }

    /// Shows `text` at the device pixel `pixel` of `canvas`, with a crosshair through it across
    /// the plotting area `plot` (device pixels; the whole canvas when None). The label sits
    /// below and right of the point, on the other side where that leaves the canvas, and inside
    /// the canvas in any case.
    pub fn show(&self, canvas: &HtmlCanvasElement, text: &str, pixel: (i32, i32), plot: Option<Rect>) {
        let offset = (canvas.offset_left() as f64, canvas.offset_top() as f64);
        let at = |x: i32, y: i32| {
            let (cx, cy) = canvas::css_position(canvas, (x as f64, y as f64));
            (offset.0 + cx, offset.1 + cy)
        };
        let plot = plot.unwrap_or(Rect { x0: 0, y0: 0, x1: canvas.width() as i32, y1: canvas.height() as i32 });
        let (x, y) = at(pixel.0, pixel.1);
        let (left, top) = at(plot.x0, plot.y0);
        let (right, bottom) = at(plot.x1 + 1, plot.y1 + 1);
        place(&self.across, &[("left", left), ("top", y), ("width", right - left)]);
        place(&self.down, &[("left", x), ("top", top), ("height", bottom - top)]);
        if self.label.text_content().as_deref() != Some(text) {
            self.label.set_text_content(Some(text));
        }
        self.root.set_hidden(false);
        // Measured at the left edge, where the whole width is free to it.
        place(&self.label, &[("left", 0.0), ("top", 0.0)]);
        let (width, height) = (self.label.offset_width() as f64, self.label.offset_height() as f64);
        let (canvas_width, canvas_height) = (canvas.offset_width() as f64, canvas.offset_height() as f64);
        let side = |at: f64, size: f64, start: f64, room: f64| {
            let after = at + LABEL_GAP_CSS_PX;
            let wanted = if after + size <= start + room { after } else { at - LABEL_GAP_CSS_PX - size };
            wanted.min(start + room - size).max(start)
        };
        let left = side(x, width, offset.0, canvas_width);
        let top = side(y, height, offset.1, canvas_height);
        place(&self.label, &[("left", left), ("top", top)]);
    }

    pub fn hide(&self) {
        self.root.set_hidden(true);
    }
}

/// Sets CSS lengths (in pixels) of `element`'s style.
fn place(element: &HtmlElement, lengths: &[(&str, f64)]) {
    let style = element.style();
    for (property, value) in lengths {
        let _ = style.set_property(property, &format!("{value:.1}px"));
    }
}
