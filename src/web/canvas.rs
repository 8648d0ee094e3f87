//! HiDPI canvases: the drawing buffer is the canvas's CSS size times devicePixelRatio, and
//! plotters draws in device pixels with text and lines scaled by the same ratio, so plots are
//! sharp on every screen.

use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use web_sys::HtmlCanvasElement;

use crate::figures::Figure;
use crate::kit::plot::Theme;
use crate::kit::recording::{self, Drawn, RecordingBackend, SmallestText};

/// Device pixels per CSS pixel, at least 1.
pub fn pixel_ratio() -> f64 {
    super::dom::window().device_pixel_ratio().max(1.0)
}

/// Sets the canvas buffer to its CSS size × `ratio` (at least 1×1). Returns whether it changed.
pub fn fit_buffer(canvas: &HtmlCanvasElement, ratio: f64) -> bool {
    let width = ((canvas.client_width() as f64 * ratio).round() as u32).max(1);
    let height = ((canvas.client_height() as f64 * ratio).round() as u32).max(1);
    let changed = canvas.width() != width || canvas.height() != height;
    if changed {
        canvas.set_width(width);
        canvas.set_height(height);
    }
    changed
}

/// Draws panel `panel` of `figure` on `canvas`, sized for the screen, its text and lines `zoom`
/// times their usual size.
pub fn draw_panel<F: Figure>(
    figure: &F,
    panel: usize,
    canvas: &HtmlCanvasElement,
    dark: bool,
    zoom: f64,
) -> Result<Drawn, String> {
    let ratio = pixel_ratio();
    fit_buffer(canvas, ratio);
    let backend = CanvasBackend::with_canvas_object(canvas.clone()).ok_or("the canvas has no 2-D context")?;
    let area = RecordingBackend::new(backend).into_drawing_area();
    let theme = Theme { scale: ratio * zoom, dark };
    let drawn = recording::draw_panel(figure, panel, &area, &theme).map_err(|e| e.to_string())?;
    area.present().map_err(|e| e.to_string())?;
    note_text_sizes(canvas, &drawn.smallest_text, ratio);
    Ok(drawn)
}

/// Writes the smallest text of each layer, in CSS pixels, on `canvas` as
/// `data-text-px="data:… mesh:… legend:…"` (a layer without text is left out), so that a check
/// of legibility reads the sizes the drawing used rather than guessing them from pixels.
fn note_text_sizes(canvas: &HtmlCanvasElement, smallest: &SmallestText, ratio: f64) {
    let layers = [("data", smallest.data), ("mesh", smallest.mesh), ("legend", smallest.legend)];
    let sizes: Vec<String> =
        layers.iter().filter_map(|(name, size)| size.map(|px| format!("{name}:{:.1}", px / ratio))).collect();
    let _ = canvas.set_attribute("data-text-px", &sizes.join(" "));
}

/// Device pixels per CSS pixel of `canvas`'s content, across.
pub fn pixels_per_css_pixel(canvas: &HtmlCanvasElement) -> f64 {
    buffer_scale(canvas).0
}

/// Device pixels per CSS pixel of `canvas`'s content (its buffer over its size on screen).
fn buffer_scale(canvas: &HtmlCanvasElement) -> (f64, f64) {
    (
        canvas.width() as f64 / canvas.client_width().max(1) as f64,
        canvas.height() as f64 / canvas.client_height().max(1) as f64,
    )
}

/// Device-pixel coordinates of a pointer event on `canvas` (measured from its content box,
/// inside the border).
pub fn event_pixels(canvas: &HtmlCanvasElement, event: &web_sys::MouseEvent) -> (f64, f64) {
    let rect = canvas.get_bounding_client_rect();
    let (sx, sy) = buffer_scale(canvas);
    let left = rect.left() + canvas.client_left() as f64;
    let top = rect.top() + canvas.client_top() as f64;
    ((event.client_x() as f64 - left) * sx, (event.client_y() as f64 - top) * sy)
}

/// CSS-pixel coordinates, from the top-left corner of `canvas`'s border box, of the device
/// pixel `(x, y)` of its drawing.
pub fn css_position(canvas: &HtmlCanvasElement, (x, y): (f64, f64)) -> (f64, f64) {
    let (sx, sy) = buffer_scale(canvas);
    (canvas.client_left() as f64 + x / sx, canvas.client_top() as f64 + y / sy)
}
