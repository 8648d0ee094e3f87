//! HiDPI canvases: the drawing buffer is the canvas's CSS size times devicePixelRatio, and
//! plotters draws in device pixels with text and lines scaled by the same ratio, so plots are
//! sharp on every screen.
//!
//! A canvas's size is read once a frame, before any figure changes the page, and its place
//! when the pointer moves over it ([`CanvasBox`]): drawing and the reading under the pointer
//! work from those. Reading them after a change would make the browser lay out the whole page
//! in the middle of the frame, which on this long page took a few milliseconds each time.

use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

use crate::figures::AnyFigure;
use crate::kit::plot::Theme;
use crate::kit::recording::{self, Drawn, RecordingBackend, SmallestText};

/// The backend every panel of the page is drawn with: on a canvas, recording what it draws.
pub type PageBackend = RecordingBackend<CanvasBackend>;

/// A figure as the page holds it: any figure type, drawn with [`PageBackend`].
pub type PageFigure = dyn AnyFigure<PageBackend>;

/// Device pixels per CSS pixel, at least 1.
pub fn pixel_ratio() -> f64 {
    super::dom::window().device_pixel_ratio().max(1.0)
}

/// A canvas as measured when the pointer moved over it, in CSS pixels: the size of its content
/// and where that content's top-left corner sits in the canvas's positioned parent (inside the
/// border).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CanvasBox {
    pub width: i32,
    pub height: i32,
    pub left: f64,
    pub top: f64,
}

impl CanvasBox {
    /// Reads `canvas`'s box from the page's layout.
    pub fn measure(canvas: &HtmlCanvasElement) -> Self {
        let (width, height) = css_size(canvas);
        Self {
            width,
            height,
            left: (canvas.offset_left() + canvas.client_left()) as f64,
            top: (canvas.offset_top() + canvas.client_top()) as f64,
        }
    }
}

/// The CSS size of `canvas`'s content, width and height (zero when it is not displayed).
pub fn css_size(canvas: &HtmlCanvasElement) -> (i32, i32) {
    (canvas.client_width(), canvas.client_height())
}

#[wasm_bindgen]
extern "C" {
    /// An element seen through `checkVisibility`, which web-sys does not have yet.
    #[wasm_bindgen(extends = web_sys::Element)]
    type VisibilityCheck;
    /// `Element.checkVisibility(options)`; an error where the browser lacks it.
    #[wasm_bindgen(method, catch, js_name = checkVisibility)]
    fn check_visibility(this: &VisibilityCheck, options: &js_sys::Object) -> Result<bool, JsValue>;
}

/// Whether `canvas` is displayed but the browser skips rendering it for now: it is in a section
/// far from the window (CSS `content-visibility: auto`). Its layout is then out of date, and
/// reading its size would make the browser lay that section out. False where the browser
/// cannot say.
pub fn skipped_for_now(canvas: &HtmlCanvasElement) -> bool {
    let canvas: &VisibilityCheck = canvas.unchecked_ref();
    VISIBILITY_OPTIONS.with(|(displayed, rendered)| {
        matches!((canvas.check_visibility(displayed), canvas.check_visibility(rendered)), (Ok(true), Ok(false)))
    })
}

thread_local! {
    /// The options of the two questions [`skipped_for_now`] asks every figure every frame, made
    /// once: whether an element is displayed, and whether it is also rendered.
    static VISIBILITY_OPTIONS: (js_sys::Object, js_sys::Object) = {
        let rendered = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&rendered, &"contentVisibilityAuto".into(), &true.into());
        (js_sys::Object::new(), rendered)
    };
}

/// Sets the buffer of `canvas`, of CSS size `size`, to that size × `ratio` (at least 1×1).
/// Returns whether it changed.
pub fn fit_buffer(canvas: &HtmlCanvasElement, size: (i32, i32), ratio: f64) -> bool {
    let width = ((size.0 as f64 * ratio).round() as u32).max(1);
    let height = ((size.1 as f64 * ratio).round() as u32).max(1);
    let changed = canvas.width() != width || canvas.height() != height;
    if changed {
        canvas.set_width(width);
        canvas.set_height(height);
    }
    changed
}

/// Draws panel `panel` of `figure` on `canvas` (of CSS size `size`), sized for the screen, its
/// text and lines `zoom` times their usual size.
pub fn draw_panel(
    figure: &PageFigure,
    panel: usize,
    canvas: &HtmlCanvasElement,
    size: (i32, i32),
    dark: bool,
    zoom: f64,
) -> Result<Drawn, String> {
    let ratio = pixel_ratio();
    fit_buffer(canvas, size, ratio);
    let drawn = draw_on_buffer(figure, panel, canvas, &Theme { scale: ratio * zoom, dark })?;
    note_text_sizes(canvas, &drawn.smallest_text, ratio);
    Ok(drawn)
}

/// Draws panel `panel` of `figure` on `canvas`'s buffer at the size it has, in `theme`.
pub fn draw_on_buffer(
    figure: &PageFigure,
    panel: usize,
    canvas: &HtmlCanvasElement,
    theme: &Theme,
) -> Result<Drawn, String> {
    let area = recording_backend(canvas)?.into_drawing_area();
    let drawn = recording::draw_panel(figure, panel, &area, theme).map_err(|e| e.to_string())?;
    area.present().map_err(|e| e.to_string())?;
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

/// The backend that draws on `canvas` and records what it drew, its texts measured off the
/// page ([`measure_text`]).
pub fn recording_backend(canvas: &HtmlCanvasElement) -> Result<RecordingBackend<CanvasBackend>, String> {
    let backend = CanvasBackend::with_canvas_object(canvas.clone()).ok_or("the canvas has no 2-D context")?;
    Ok(RecordingBackend::with_text_measure(backend, measure_text))
}

thread_local! {
    /// A canvas that is never added to the page, for measuring texts: its context measures
    /// without the page's layout (plotters' own measure adds an element to the page and reads
    /// its size, which lays out the whole page, a few milliseconds each time on this page).
    static MEASURING: Option<CanvasRenderingContext2d> = super::dom::typed::<HtmlCanvasElement>("canvas", "")
        .ok()
        .and_then(|canvas| canvas.get_context("2d").ok().flatten())
        .and_then(|context| context.dyn_into().ok());
}

/// The width and height in pixels of `text` in the CSS font `font`: its advance, and the
/// height of the font's line (ascent and descent), rounded up.
fn measure_text(text: &str, font: &str) -> (u32, u32) {
    let measured = MEASURING.with(|context| {
        let context = context.as_ref()?;
        context.set_font(font);
        let metrics = context.measure_text(text).ok()?;
        Some((metrics.width(), metrics.font_bounding_box_ascent() + metrics.font_bounding_box_descent()))
    });
    let (width, height) = measured.unwrap_or_default();
    (width.ceil().max(0.0) as u32, height.ceil().max(0.0) as u32)
}

/// Device pixels per CSS pixel of `canvas`'s content (of CSS size `size`), across.
pub fn pixels_per_css_pixel(canvas: &HtmlCanvasElement, size: (i32, i32)) -> f64 {
    buffer_scale(canvas, size).0
}

/// Device pixels per CSS pixel of `canvas`'s content (its buffer over its CSS size `size`).
fn buffer_scale(canvas: &HtmlCanvasElement, (width, height): (i32, i32)) -> (f64, f64) {
    (canvas.width() as f64 / width.max(1) as f64, canvas.height() as f64 / height.max(1) as f64)
}

/// Device-pixel coordinates of a pointer event on `canvas` (measured from its content box,
/// inside the border).
pub fn event_pixels(canvas: &HtmlCanvasElement, event: &web_sys::MouseEvent) -> (f64, f64) {
    let rect = canvas.get_bounding_client_rect();
    let (sx, sy) = buffer_scale(canvas, css_size(canvas));
    let left = rect.left() + canvas.client_left() as f64;
    let top = rect.top() + canvas.client_top() as f64;
    ((event.client_x() as f64 - left) * sx, (event.client_y() as f64 - top) * sy)
}

/// CSS-pixel coordinates, in the canvas's positioned parent, of the device pixel `(x, y)` of
/// `canvas`'s drawing (measured as `measured`).
pub fn css_position(canvas: &HtmlCanvasElement, measured: CanvasBox, (x, y): (f64, f64)) -> (f64, f64) {
    let (sx, sy) = buffer_scale(canvas, (measured.width, measured.height));
    (measured.left + x / sx, measured.top + y / sy)
}
