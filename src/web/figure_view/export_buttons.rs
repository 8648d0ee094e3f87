//! The figure's export buttons: a link to its state, PNG, CSV and, for a training figure, its
//! run saved and loaded as JSON (see `web::export` for the files themselves).

use std::rc::Rc;

use wasm_bindgen::prelude::*;
use web_sys::{Element, HtmlButtonElement, HtmlInputElement};

use super::{append_button, FigureView};
use crate::page::playback::Start;
use crate::page::run_file::RunFile;
use crate::web::controls::show_all;
use crate::web::{dom, export};

/// The export row's buttons.
pub(super) struct ExportButtons {
    copy: HtmlButtonElement,
    png: HtmlButtonElement,
    csv: HtmlButtonElement,
    /// Save run, and the file picker behind the Load run label, for a figure with runs.
    runs: Option<(HtmlButtonElement, HtmlInputElement)>,
}

impl ExportButtons {
    /// Builds the buttons in `row`; the run buttons only when `runs` (a training figure).
    pub(super) fn build(row: &Element, id: &str, runs: bool) -> Result<Self, JsValue> {
        let copy = append_button(row, "Copy link")?;
        let png = append_button(row, "PNG")?;
        let csv = append_button(row, "CSV")?;
        let runs = if runs {
            let save = append_button(row, "Save run")?;
            let picker: HtmlInputElement = dom::typed("input", "visually-hidden")?;
            picker.set_type("file");
            picker.set_accept(".json,application/json");
            picker.set_id(&format!("{id}-load-run"));
            let label: web_sys::HtmlLabelElement = dom::typed("label", "fig-load")?;
            label.set_html_for(&picker.id());
            label.set_text_content(Some("Load run"));
            row.append_child(&picker)?;
            row.append_child(&label)?;
            Some((save, picker))
        } else {
            None
        };
        Ok(Self { copy, png, csv, runs })
    }
}

impl FigureView {
    pub(super) fn wire_exports(self: &Rc<Self>, buttons: ExportButtons) -> Result<(), JsValue> {
        let ExportButtons { copy, png, csv, runs } = buttons;
        let view = self.clone();
        dom::listen::<web_sys::Event>(&copy, "click", move |_| {
            let href = dom::window().location().href().unwrap_or_default();
            export::copy_to_clipboard(&href);
            view.note.set_text_content(Some(&format!("Link to this state: {href}")));
        })?;
        let view = self.clone();
        dom::listen::<web_sys::Event>(&png, "click", move |_| {
            let result = export::download_png(&*view.figure(), &view.canvases, dom::prefers_dark());
            view.report(result.map(|()| "Saved the figure as PNG (2\u{d7} resolution).".to_string()));
        })?;
        let view = self.clone();
        dom::listen::<web_sys::Event>(&csv, "click", move |_| {
            let text = export::csv_of(&*view.figure());
            let result = export::download_text(&format!("{}.csv", view.kind.id), "text/csv", &text);
            view.report(result.map(|()| "Saved the figure's series as CSV.".to_string()));
        })?;
        let Some((save, picker)) = runs else { return Ok(()) };
        let view = self.clone();
        dom::listen::<web_sys::Event>(&save, "click", move |_| {
            let run = view.figure().run_file();
            let result = match run {
                Some(run) => {
                    export::download_text(&format!("{}-run.json", view.kind.id), "application/json", &run.to_json())
                }
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
        match RunFile::parse(text).and_then(|run| self.figure().loaded(&run)) {
            Ok(mut figure) => {
                self.carry_earlier_runs(&mut *figure);
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
}
