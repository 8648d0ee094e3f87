//! The browser glue in headless Chromium (wasm-bindgen-test): canvas sizing, the URL fragment,
//! and a mounted figure's controls.

#![cfg(target_arch = "wasm32")]

use sgd_stability::figures::quadratic_1d::Quadratic1d;
use sgd_stability::figures::Figure;
use sgd_stability::web::canvas;
use sgd_stability::web::figure_view::{FigureView, Live};
use sgd_stability::web::{dom, url};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{HtmlCanvasElement, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

fn attach(tag: &str, id: &str) -> web_sys::Element {
    let el = dom::document().create_element(tag).unwrap();
    el.set_id(id);
    dom::document().body().unwrap().append_child(&el).unwrap();
    el
}

#[wasm_bindgen_test]
fn canvas_buffer_is_css_size_times_pixel_ratio() {
    let canvas: HtmlCanvasElement = attach("canvas", "sizing-test").dyn_into().unwrap();
    canvas.set_attribute("style", "width: 300px; height: 200px").unwrap();
    let size = canvas::css_size(&canvas);
    assert_eq!(size, (300, 200));
    assert!(canvas::fit_buffer(&canvas, size, 2.0));
    assert_eq!((canvas.width(), canvas.height()), (600, 400));
    assert!(!canvas::fit_buffer(&canvas, size, 2.0), "a second fit with the same size must not touch the buffer");
    assert!(canvas::fit_buffer(&canvas, size, 1.5));
    assert_eq!((canvas.width(), canvas.height()), (450, 300));
    canvas.remove();
}

#[wasm_bindgen_test]
fn url_fragment_round_trips() {
    url::set_fragment("quadratic-1d.eta=0.5&quadratic-nd.a1=2");
    assert_eq!(url::fragment(), "quadratic-1d.eta=0.5&quadratic-nd.a1=2");
    url::set_fragment("");
    assert_eq!(url::fragment(), "");
}

fn input(id: &str) -> HtmlInputElement {
    dom::document().get_element_by_id(id).unwrap().dyn_into().unwrap()
}

fn commit(field: &HtmlInputElement, text: &str) {
    field.set_value(text);
    field.dispatch_event(&web_sys::Event::new("change").unwrap()).unwrap();
}

#[wasm_bindgen_test]
fn controls_validate_draw_and_write_the_url() {
    url::set_fragment("quadratic-1d.a=2");
    let container = attach("figure", "quadratic-1d");
    let view = FigureView::mount(&container, Box::new(Quadratic1d::with_defaults())).unwrap();
    assert_eq!(input("quadratic-1d-a").value(), "2", "the URL's value is shown");
    assert_eq!(input("quadratic-1d-eta").value(), "1.2", "other values keep their defaults");

    let eta = input("quadratic-1d-eta");
    let message = dom::document().get_element_by_id("quadratic-1d-eta-msg").unwrap();
    for bad in ["abc", "NaN", "-1", "inf", "1e999", ""] {
        commit(&eta, bad);
        assert!(message.text_content().unwrap().contains("step size"), "no message for {bad:?}");
        assert_eq!(eta.get_attribute("aria-invalid").as_deref(), Some("true"));
        assert_eq!(url::fragment(), "quadratic-1d.a=2", "a refused value must not reach the URL");
    }
    commit(&eta, "0.5");
    assert_eq!(message.text_content().unwrap(), "");
    assert_eq!(url::fragment(), "quadratic-1d.a=2&quadratic-1d.eta=0.5");

    view.measure();
    // A drawing may be spread over frames; the words come once every panel is drawn.
    for _ in 0..20 {
        view.frame(0.0, 8.0);
    }
    let ratio = canvas::pixel_ratio();
    let panel: HtmlCanvasElement =
        dom::document().get_element_by_id("quadratic-1d-cobweb").unwrap().dyn_into().unwrap();
    assert_eq!(panel.width(), (panel.client_width() as f64 * ratio).round() as u32);
    let verdict = container.query_selector(".fig-verdict").unwrap().unwrap();
    assert!(verdict.text_content().unwrap().contains("converges"), "{:?}", verdict.text_content());
    url::set_fragment("");
    container.remove();
}

/// A run file written by serde_json (as the command line and the page write it) reads in the
/// browser, through JSON.parse, to the same values bit for bit, awkward numbers included; and
/// what the browser's parser refuses or reads as infinite is refused with a message.
#[wasm_bindgen_test]
fn run_files_read_in_the_browser_as_serde_json_wrote_them() {
    use sgd_stability::page::run_file::RunFile;
    let awkward = [-0.0, 1.0, 5e-324, f64::MAX, 0.1 + 0.2, -1.5e-300, 123456789.0];
    let text = format!(
        r#"{{"format": "sgd-stability run", "version": 2, "figure": "edge-of-stability",
            "params": {{"eta": "0.06", "activation": "tanh"}},
            "data": {{"input_dim": 1, "output_dim": 1, "x": [-1.0, 0.5], "y": [1.0, -0.0]}},
            "theta": [{}], "step": 7}}"#,
        awkward.map(|v| format!("{v:?}")).join(", ")
    );
    let run = RunFile::parse(&text).expect("a run file");
    let bits = |values: &[f64]| values.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&run.theta), bits(&awkward));
    assert_eq!(bits(&run.data.y), bits(&[1.0, -0.0]));
    assert_eq!((run.step, run.params["activation"].as_str()), (7, "tanh"));
    // What the page writes reads back to the same run.
    assert_eq!(RunFile::parse(&run.to_json()), Ok(run));

    let refused = |text: &str| RunFile::parse(text).expect_err("refused");
    assert!(refused("{\"format\": ").starts_with("not a run file: "));
    assert!(refused("{\"format\": \"sgd-stability run\"}").contains("missing field"));
    let infinite = text.replace("5e-324", "1e400");
    assert!(refused(&infinite).contains("not all finite"));
}
