//! Getting a figure out of the page: its drawing as PNG at twice the screen's resolution, the
//! series it draws as CSV, a link to its exact state, and (for training figures) its run as
//! JSON, saved and loaded.

use plotters::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, BlobPropertyBag, HtmlAnchorElement, HtmlCanvasElement, HtmlInputElement, Url};

use super::canvas::{self, PageFigure};
use super::{dom, isolation};
use crate::figures::FigureState;
use crate::kit::plot::Theme;
use crate::kit::recording;

/// Offers `contents` as a file download named `name`.
pub fn download_text(name: &str, mime: &str, contents: &str) -> Result<(), JsValue> {
    let parts = js_sys::Array::of1(&JsValue::from_str(contents));
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    let blob = Blob::new_with_str_sequence_and_options(&parts, &options)?;
    let url = Url::create_object_url_with_blob(&blob)?;
    let result = click_link(name, &url);
    Url::revoke_object_url(&url)?;
    result
}

fn click_link(name: &str, href: &str) -> Result<(), JsValue> {
    let link: HtmlAnchorElement = dom::typed("a", "")?;
    link.set_href(href);
    link.set_download(name);
    link.click();
    Ok(())
}

/// The figure's tables as one CSV text (tables after the first follow a blank line and a
/// `# name` line).
pub fn csv_of(figure: &dyn FigureState) -> String {
    figure
        .tables()
        .iter()
        .enumerate()
        .map(|(i, t)| if i == 0 { t.to_csv() } else { format!("\n# {}\n{}", t.name, t.to_csv()) })
        .collect()
}

/// Draws every panel side by side at twice the panels' on-screen size and offers the PNG.
pub fn download_png(figure: &PageFigure, panels: &[HtmlCanvasElement], dark: bool) -> Result<(), JsValue> {
    const SCALE: f64 = 2.0;
    let first = panels.first().ok_or("the figure has no panels")?;
    let (w, h) =
        ((first.client_width().max(320) as f64 * SCALE) as u32, (first.client_height().max(240) as f64 * SCALE) as u32);
    let canvas: HtmlCanvasElement = dom::typed("canvas", "")?;
    canvas.set_width(w * panels.len() as u32);
    canvas.set_height(h);
    let area = canvas::recording_backend(&canvas)?.into_drawing_area();
    let theme = Theme { scale: SCALE, dark };
    for (i, part) in area.split_evenly((1, panels.len())).iter().enumerate() {
        recording::draw_panel(figure, i, part, &theme).map_err(|e| JsValue::from_str(&e.to_string()))?;
    }
    area.present().map_err(|e| JsValue::from_str(&e.to_string()))?;
    click_link(&format!("{}.png", figure.kind().id), &canvas.to_data_url()?)
}

/// Copies `text` to the clipboard where the browser allows it; the caller shows it as well.
pub fn copy_to_clipboard(text: &str) {
    let _ = dom::window().navigator().clipboard().write_text(text);
}

/// Calls `loaded` with the text of the file the reader picks in `input`. Asked for on behalf of
/// a figure, `loaded` runs as that figure too (see `isolation`), so that a panic while loading
/// stops that figure alone.
pub fn read_picked_file(input: &HtmlInputElement, loaded: impl FnOnce(String) + 'static) -> Result<(), JsValue> {
    let Some(file) = input.files().and_then(|files| files.get(0)) else { return Ok(()) };
    let reader = web_sys::FileReader::new()?;
    let source = reader.clone();
    let owner = isolation::running();
    let mut loaded = Some(loaded);
    let on_load = Closure::<dyn FnMut()>::new(move || {
        if let (Some(text), Some(done)) = (source.result().ok().and_then(|r| r.as_string()), loaded.take()) {
            isolation::run_for(owner, || done(text));
        }
    });
    reader.set_onload(Some(on_load.as_ref().unchecked_ref()));
    on_load.forget(); // lives until the read completes; one per load
    reader.read_as_text(&file)?;
    input.set_value("");
    Ok(())
}
