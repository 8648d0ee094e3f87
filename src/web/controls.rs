//! The controls of a figure, built from its parameter list: per numeric parameter a label, a
//! slider (log-spaced where the parameter spans decades) and a text box for exact values; per
//! choice a drop-down; per point list a text box (`x:y, x:y, …`, the keyboard's way to place
//! points that are otherwise dragged on a panel); and for each a message line for refused input.

use wasm_bindgen::prelude::*;
use web_sys::{Element, HtmlInputElement, HtmlLabelElement, HtmlOptionElement, HtmlSelectElement};

use super::dom;
use crate::kit::params::{ParamSpec, ParamValues, Scale};

/// Slider positions per parameter: fine enough that a drag looks continuous.
pub const SLIDER_STEPS: f64 = 1000.0;

/// The input elements of one control.
pub enum Widgets {
    Number { slider: HtmlInputElement, text: HtmlInputElement },
    Choice { select: HtmlSelectElement },
    Points { text: HtmlInputElement },
}

/// The DOM of one parameter's control.
pub struct Control {
    pub spec: &'static ParamSpec,
    pub widgets: Widgets,
    pub message: Element,
}

impl Control {
    /// Builds the control for `spec` of figure `figure_id` and appends it to `parent`. The
    /// element that takes typed input has the id `<figure>-<key>`.
    pub fn build(figure_id: &str, spec: &'static ParamSpec, parent: &Element) -> Result<Self, JsValue> {
        let id = format!("{figure_id}-{}", spec.key);
        let wrap = dom::element("div", "control")?;
        let label: HtmlLabelElement = dom::typed("label", "")?;
        label.set_html_for(&id);
        label.set_text_content(Some(spec.label));
        let row = dom::element("div", "control-row")?;
        let message = dom::element("p", "msg")?;
        message.set_id(&format!("{id}-msg"));
        message.set_attribute("aria-live", "polite")?;
        let widgets = match spec.scale {
            Scale::Choice(options) => {
                let select: HtmlSelectElement = dom::typed("select", "")?;
                select.set_id(&id);
                for (i, name) in options.iter().enumerate() {
                    let option: HtmlOptionElement = dom::typed("option", "")?;
                    option.set_value(&i.to_string());
                    option.set_text_content(Some(name));
                    select.append_child(&option)?;
                }
                select.set_attribute("aria-describedby", &message.id())?;
                row.append_child(&select)?;
                Widgets::Choice { select }
            }
            Scale::Linear | Scale::Log | Scale::Integer => {
                let slider: HtmlInputElement = dom::typed("input", "")?;
                slider.set_type("range");
                slider.set_min("0");
                slider.set_max(&SLIDER_STEPS.to_string());
                slider.set_step("1");
                slider.set_id(&format!("{id}-slider"));
                slider.set_attribute("aria-label", &format!("{} (slider)", spec.label))?;
                let text = Self::text_field(&id, &message)?;
                text.set_attribute("inputmode", "decimal")?;
                row.append_child(&slider)?;
                row.append_child(&text)?;
                Widgets::Number { slider, text }
            }
            Scale::Points => {
                wrap.class_list().add_1("control-wide")?;
                let text = Self::text_field(&id, &message)?;
                text.set_class_name("points");
                text.set_placeholder("sampled (drag a point in the plot, or type x:y, x:y, \u{2026})");
                row.append_child(&text)?;
                Widgets::Points { text }
            }
        };
        wrap.append_child(&label)?;
        wrap.append_child(&row)?;
        wrap.append_child(&message)?;
        parent.append_child(&wrap)?;
        Ok(Self { spec, widgets, message })
    }

    /// A text box for typed values, with the id `id`, described by `message`.
    fn text_field(id: &str, message: &Element) -> Result<HtmlInputElement, JsValue> {
        let text: HtmlInputElement = dom::typed("input", "")?;
        text.set_type("text");
        text.set_id(id);
        text.set_attribute("autocomplete", "off")?;
        text.set_attribute("spellcheck", "false")?;
        text.set_attribute("aria-describedby", &message.id())?;
        Ok(text)
    }

    /// Shows the parameter's value in `values` and clears any message. A slider already at
    /// the value is left where it is, so that a slider's own moves are never snapped back.
    pub fn show(&self, values: &ParamValues) {
        let value = values.get(self.spec.key);
        match &self.widgets {
            Widgets::Number { slider, text } => {
                if self.slider_value() != Some(value) {
                    slider.set_value(&(self.spec.to_unit(value) * SLIDER_STEPS).round().to_string());
                }
                text.set_value(&self.spec.format(value));
            }
            Widgets::Choice { select } => select.set_value(&(value as usize).to_string()),
            Widgets::Points { text } => text.set_value(&values.text(self.spec).replace(',', ", ")),
        }
        self.set_message("");
    }

    /// The element that takes typed (or chosen) text and carries the refusal state.
    pub fn field(&self) -> &Element {
        match &self.widgets {
            Widgets::Number { text, .. } | Widgets::Points { text } => text,
            Widgets::Choice { select } => select,
        }
    }

    /// The text in [`Control::field`]: what was typed, or the chosen option's index.
    pub fn field_text(&self) -> String {
        match &self.widgets {
            Widgets::Number { text, .. } | Widgets::Points { text } => text.value(),
            Widgets::Choice { select } => select.value(),
        }
    }

    /// Shows (or, with "", clears) the message of a refused value.
    pub fn set_message(&self, message: &str) {
        self.message.set_text_content(Some(message));
        let field = self.field();
        if message.is_empty() {
            let _ = field.remove_attribute("aria-invalid");
        } else {
            let _ = field.set_attribute("aria-invalid", "true");
        }
    }

    /// The value at the slider's position (numeric controls).
    pub fn slider_value(&self) -> Option<f64> {
        match &self.widgets {
            Widgets::Number { slider, .. } => {
                let position: f64 = slider.value().parse().unwrap_or(0.0);
                Some(self.spec.from_unit(position / SLIDER_STEPS))
            }
            Widgets::Choice { .. } | Widgets::Points { .. } => None,
        }
    }
}

/// Shows every value of `values` in its control.
pub fn show_all(controls: &[Control], values: &ParamValues) {
    for c in controls {
        c.show(values);
    }
}
