//! The controls of a figure, built from its parameter list: per parameter a label, a slider
//! (log-spaced where the parameter spans decades), a text box for exact values, and a message
//! line for refused input.

use wasm_bindgen::prelude::*;
use web_sys::{Element, HtmlInputElement, HtmlLabelElement};

use super::dom;
use crate::figures::params::{format_value, ParamSpec, ParamValues};

/// Slider positions per parameter: fine enough that a drag looks continuous.
pub const SLIDER_STEPS: f64 = 1000.0;

/// The DOM of one parameter's control.
pub struct Control {
    pub spec: &'static ParamSpec,
    pub slider: HtmlInputElement,
    pub text: HtmlInputElement,
    pub message: Element,
}

impl Control {
    /// Builds the control for `spec` of figure `figure_id` and appends it to `parent`.
    pub fn build(figure_id: &str, spec: &'static ParamSpec, parent: &Element) -> Result<Self, JsValue> {
        let id = format!("{figure_id}-{}", spec.key);
        let wrap = dom::element("div", "control")?;
        let label: HtmlLabelElement = dom::typed("label", "")?;
        label.set_html_for(&id);
        label.set_text_content(Some(spec.label));
        let row = dom::element("div", "control-row")?;
        let slider: HtmlInputElement = dom::typed("input", "")?;
        slider.set_type("range");
        slider.set_min("0");
        slider.set_max(&SLIDER_STEPS.to_string());
        slider.set_step("1");
        slider.set_id(&format!("{id}-slider"));
        slider.set_attribute("aria-label", &format!("{} (slider)", spec.label))?;
        let text: HtmlInputElement = dom::typed("input", "")?;
        text.set_type("text");
        text.set_id(&id);
        text.set_attribute("inputmode", "decimal")?;
        text.set_attribute("autocomplete", "off")?;
        text.set_attribute("spellcheck", "false")?;
        let message = dom::element("p", "msg")?;
        message.set_id(&format!("{id}-msg"));
        message.set_attribute("aria-live", "polite")?;
        text.set_attribute("aria-describedby", &message.id())?;
        row.append_child(&slider)?;
        row.append_child(&text)?;
        wrap.append_child(&label)?;
        wrap.append_child(&row)?;
        wrap.append_child(&message)?;
        parent.append_child(&wrap)?;
        Ok(Self { spec, slider, text, message })
    }

    /// Shows `value` in the slider and the text box and clears any message. A slider already
    /// at `value` is left where it is, so that a slider's own moves are never snapped back.
    pub fn show(&self, value: f64) {
        if self.slider_value() != value {
            self.slider.set_value(&(self.spec.to_unit(value) * SLIDER_STEPS).round().to_string());
        }
        self.text.set_value(&format_value(value));
        self.set_message("");
    }

    /// Shows (or, with "", clears) the message of a refused value.
    pub fn set_message(&self, message: &str) {
        self.message.set_text_content(Some(message));
        if message.is_empty() {
            let _ = self.text.remove_attribute("aria-invalid");
        } else {
            let _ = self.text.set_attribute("aria-invalid", "true");
        }
    }

    /// The value at the slider's position.
    pub fn slider_value(&self) -> f64 {
        let position: f64 = self.slider.value().parse().unwrap_or(0.0);
        self.spec.from_unit(position / SLIDER_STEPS)
    }
}

/// Shows every value of `values` in its control.
pub fn show_all(controls: &[Control], values: &ParamValues) {
    for c in controls {
        c.show(values.get(c.spec.key));
    }
}
