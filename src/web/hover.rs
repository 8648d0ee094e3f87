//! Reading values by pointing: over each canvas, a crosshair through the point drawn nearest
//! to the pointer and a label with its values (worded by `recording::Readings`). It is hidden
//! from assistive technology: keyboard and screen-reader users get the same numbers from the
//! readouts and the CSV export. It takes no pointer events, so dragging goes on underneath.

use wasm_bindgen::prelude::*;
use web_sys::{Element, HtmlCanvasElement, HtmlElement};

use super::canvas::{self, CanvasBox};
use super::dom;
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

    /// Shows `text` at the device pixel `pixel` of `canvas` (measured as `measured`), with a
    /// crosshair through it across the plotting area `plot` (device pixels; the whole canvas
    /// when None). The label sits beside the point towards the canvas's middle, below and right
    /// of it in the canvas's upper left quarter, and its size is held to the room on that side:
    /// it stays inside the canvas without being measured, which would cost a layout of the page
    /// on every frame of a running figure.
    pub fn show(
        &self,
        canvas: &HtmlCanvasElement,
        measured: CanvasBox,
        text: &str,
        pixel: (i32, i32),
        plot: Option<Rect>,
    ) {
        let at = |x: i32, y: i32| canvas::css_position(canvas, measured, (x as f64, y as f64));
        let plot = plot.unwrap_or(Rect { x0: 0, y0: 0, x1: canvas.width() as i32, y1: canvas.height() as i32 });
        let (x, y) = at(pixel.0, pixel.1);
        let (left, top) = at(plot.x0, plot.y0);
        let (right, bottom) = at(plot.x1 + 1, plot.y1 + 1);
        place(&self.across, &[("left", left), ("top", y), ("width", right - left)]);
        place(&self.down, &[("left", x), ("top", top), ("height", bottom - top)]);
        if self.label.text_content().as_deref() != Some(text) {
            self.label.set_text_content(Some(text));
        }
        let across = Side::towards_middle(x, measured.left, measured.width as f64);
        let down = Side::towards_middle(y, measured.top, measured.height as f64);
        place(
            &self.label,
            &[("left", across.edge), ("top", down.edge), ("max-width", across.room), ("max-height", down.room)],
        );
        let shift = |side: &Side| if side.before { "-100%" } else { "0%" };
        let _ =
            self.label.style().set_property("transform", &format!("translate({}, {})", shift(&across), shift(&down)));
        self.root.set_hidden(false);
    }

    pub fn hide(&self) {
        self.root.set_hidden(true);
    }
}

/// Where the label goes along one axis of the canvas.
struct Side {
    /// The label's near edge (CSS pixels in the canvas's parent).
    edge: f64,
    /// The room from that edge to the canvas's side.
    room: f64,
    /// Whether the label lies before the point (left of it, or above it).
    before: bool,
}

impl Side {
    /// The side of `at` towards the middle of the span `start .. start + size`: there is at
    /// least half the span, less the gap, of room on it.
    fn towards_middle(at: f64, start: f64, size: f64) -> Self {
        if at > start + size / 2.0 {
            Self { edge: at - LABEL_GAP_CSS_PX, room: (at - LABEL_GAP_CSS_PX - start).max(0.0), before: true }
        } else {
            Self { edge: at + LABEL_GAP_CSS_PX, room: (start + size - at - LABEL_GAP_CSS_PX).max(0.0), before: false }
        }
    }
}

/// Sets CSS lengths (in pixels) of `element`'s style.
fn place(element: &HtmlElement, lengths: &[(&str, f64)]) {
    let style = element.style();
    for (property, value) in lengths {
        let _ = style.set_property(property, &format!("{value:.1}px"));
    }
}
