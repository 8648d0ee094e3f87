//! `sgd-stability handout`: the page's handout (`?handout`, see `page::handout`) without a
//! browser. The steps are the page's own, compiled in from www/index.html; each step's figure
//! is put in the step's state as the page puts it, its evidence panels drawn to SVG files at
//! the size the sheet prints them, and one HTML file holds the statements (their TeX set as
//! MathML), the panels, the verdicts and the links, styled by the page's own handout
//! stylesheet and with no script.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use plotters::prelude::SVGBackend;
use pulldown_latex::config::DisplayMode;
use pulldown_latex::{push_mathml, Parser, RenderConfig, Storage};
use scraper::{CaseSensitivity, ElementRef, Html, Node, Selector};
use sgd_stability::figures::{self, Figure, FigureVisitor};
use sgd_stability::kit::notation::{self, Run};
use sgd_stability::kit::plot::Theme;
use sgd_stability::math::kernels::on_baseline;
use sgd_stability::page::handout::{figure_in_state, sheet_panels, sheet_verdict, step_link};
use sgd_stability::page::page_mode::handout_step;
use sgd_stability::page::walkthrough::{state_of, steps_in_page, DeclaredStep, StepState};

use crate::cli::{draw_to, register_font};

/// The page, whose walkthrough the handout prints.
const PAGE: &str = include_str!("../../../www/index.html");

/// The handout's style: the page's stylesheet and its handout's, as the page has them.
const STYLE: [&str; 2] = [include_str!("../../../www/style.css"), include_str!("../../../www/handout.css")];

/// Where the links under the figures point unless `--url` says: the address `make serve`
/// serves the page at.
const DEFAULT_URL: &str = "http://127.0.0.1:8080/";

/// The name of the handout's HTML file in its folder.
const HTML_FILE: &str = "handout.html";

/// Writes the handout as `args` say: `--out DIR`, `--step K` (one step; all without it) and
/// `--url URL` (the page's address, for the links). A step the walkthrough does not have, or
/// a formula that cannot be set, is refused before anything is written.
pub fn handout(args: &[String]) -> Result<(), String> {
    let mut out = PathBuf::from("target/handout");
    let mut step = None;
    let mut url = DEFAULT_URL.to_string();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let value = it.next().ok_or_else(|| format!("{arg} needs a value"))?;
        match arg.as_str() {
            "--out" => out = PathBuf::from(value),
            "--step" => step = Some(value.clone()),
            "--url" => url = value.clone(),
            other => return Err(format!("unknown option \u{201c}{other}\u{201d}")),
        }
    }
    let steps = steps_in_page(PAGE)?;
    let chosen: Vec<usize> = match step {
        Some(given) => vec![handout_step(&given, steps.len()).map_err(|e| e.to_string())?],
        None => (0..steps.len()).collect(),
    };
    let page = Html::parse_document(PAGE);
    let sheets = chosen
        .iter()
        .map(|&index| {
            let declared = &steps[index];
            let fail = |e: String| format!("walkthrough step {}: {e}", index + 1);
            let state = state_of(&declared.step).map_err(fail)?;
            let mut statement = statement_html(&declared.statement).map_err(fail)?;
            if let Some((line, _)) = state.proof_line {
                statement.push_str(&proof_line_html(&page, &declared.step.figure, line).map_err(fail)?);
            }
            Ok((index, declared, state, statement))
        })
        .collect::<Result<Vec<_>, String>>()?;
    std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    register_font()?;
    let mut body = String::new();
    for (index, declared, state, statement) in &sheets {
        let sheet = Sheet { index: *index, steps: steps.len(), declared, state, statement, url: &url, out: &out };
        body.push_str(&figures::visit(&declared.step.figure, sheet).expect("state_of found the figure")?);
        println!("step {} of {}: {}", index + 1, steps.len(), declared.step.figure);
    }
    let path = out.join(HTML_FILE);
    std::fs::write(&path, document(&body)).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(())
}

/// The whole HTML file around the sheets.
fn document(sheets: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"color-scheme\" content=\"light\">\n\
         <title>SGD: A Stability Perspective \u{2014} handout</title>\n<style>\n{}{}</style>\n</head>\n\
         <body class=\"mode-handout\">\n<main id=\"main\">\n<header class=\"handout-bar\">\n\
         <h1>SGD: A Stability Perspective \u{2014} the walkthrough to print</h1>\n\
         <p>One step per sheet: print this page from the browser, or save it as PDF. Each step's \
         link opens it live.</p>\n</header>\n{sheets}</main>\n</body>\n</html>\n",
        STYLE[0], STYLE[1]
    )
}

/// One step's sheet, for its figure's type.
struct Sheet<'a> {
    index: usize,
    steps: usize,
    declared: &'a DeclaredStep,
    state: &'a StepState,
    /// The statement and, on a proof's step, the proof's line, as HTML.
    statement: &'a str,
    url: &'a str,
    out: &'a Path,
}

impl FigureVisitor for Sheet<'_> {
    type Output = Result<String, String>;

    fn visit<F: Figure + 'static>(self) -> Self::Output {
        let step = &self.declared.step;
        // Computed on the build's own instruction set, as the figures' files are (see `main`).
        let figure = on_baseline(|| figure_in_state::<F>(step, self.state))?;
        let layout = sheet_panels(self.state.evidence.len());
        let mut panels = String::new();
        for key in &self.state.evidence {
            let panel = F::PANELS.iter().position(|p| p.key == *key).expect("an evidence panel is the figure's");
            let file = format!("step-{:02}-{key}.svg", self.index + 1);
            let path = self.out.join(&file);
            let size = (layout.width as u32, layout.height as u32);
            draw_to(&figure, panel, SVGBackend::new(&path, size), &Theme::light(1.0), &path)?;
            let _ = write!(
                panels,
                "<img src=\"{file}\" width=\"{}\" height=\"{}\" alt=\"{}\">",
                size.0,
                size.1,
                escape(F::PANELS[panel].description)
            );
        }
        let link = step_link(self.url, self.index, self.state);
        Ok(format!(
            "<article class=\"handout-step\" id=\"step-{n}\">\n\
             <h2>Step {n} of {total} <span class=\"handout-figure\">{title}</span></h2>\n\
             {statement}\n\
             <div class=\"handout-panels\" style=\"--handout-columns: {columns}\">{panels}</div>\n\
             <p class=\"handout-verdict\">{verdict}</p>\n\
             <p class=\"handout-link\">Open it live: <a href=\"{href}\">{text}</a></p>\n\
             </article>\n",
            n = self.index + 1,
            total = self.steps,
            title = escape(F::TITLE),
            statement = self.statement,
            columns = layout.columns,
            verdict = notation_html(&sheet_verdict(&figure).text),
            href = escape(&link),
            text = escape(&link),
        ))
    }
}

/// A statement's sheet part, from its HTML (the inner HTML of its item in the page), with its
/// TeX set as MathML, as the page's build sets it; the message names a formula that cannot be
/// set.
fn statement_html(statement: &str) -> Result<String, String> {
    let fragment = Html::parse_fragment(statement);
    let mut html = String::from("<div class=\"handout-statement\">");
    write_children(fragment.root_element(), &mut html)?;
    html.push_str("</div>");
    Ok(html)
}

/// Line `line` of proof figure `figure` as the page's list `#<figure>-steps` writes it (its
/// formula and why it holds), which the walkthrough shows above the figure.
fn proof_line_html(page: &Html, figure: &str, line: usize) -> Result<String, String> {
    let items = Selector::parse(&format!("ol#{figure}-steps > li")).map_err(|e| e.to_string())?;
    let item = page.select(&items).nth(line - 1).ok_or_else(|| format!("the page's proof has no line {line}"))?;
    let mut html = String::from("<div class=\"handout-proof-line\">");
    write_children(item, &mut html)?;
    html.push_str("</div>");
    Ok(html)
}

/// The children of `element`, as HTML, its TeX as MathML.
fn write_children(element: ElementRef<'_>, html: &mut String) -> Result<(), String> {
    for child in element.children() {
        match child.value() {
            Node::Text(text) => html.push_str(&escape(text)),
            Node::Element(tag) => {
                let _ = write!(html, "<{}", tag.name());
                for (name, value) in tag.attrs() {
                    let _ = write!(html, " {name}=\"{}\"", escape(value));
                }
                html.push('>');
                let child = ElementRef::wrap(child).expect("an element node");
                let tex = child.text().collect::<String>();
                if tag.has_class("tex", CaseSensitivity::CaseSensitive) {
                    html.push_str(&mathml(&tex, DisplayMode::Inline)?);
                } else if tag.has_class("tex-display", CaseSensitivity::CaseSensitive) {
                    html.push_str(&display_mathml(&tex)?);
                } else {
                    write_children(child, html)?;
                }
                let _ = write!(html, "</{}>", tag.name());
            }
            _ => {}
        }
    }
    Ok(())
}

/// TeX as MathML; refused with the parser's message when it is not TeX the converter reads.
fn mathml(tex: &str, display_mode: DisplayMode) -> Result<String, String> {
    let storage = Storage::new();
    let events: Vec<_> = Parser::new(tex, &storage).collect();
    if let Some(Err(error)) = events.iter().find(|event| event.is_err()) {
        return Err(format!("the formula \u{201c}{tex}\u{201d} cannot be set: {error}"));
    }
    let mut math = String::new();
    push_mathml(&mut math, events.into_iter(), RenderConfig { display_mode, ..RenderConfig::default() })
        .map_err(|e| format!("the formula \u{201c}{tex}\u{201d} cannot be written: {e}"))?;
    // The converter writes \hat's accent as the identifier "^", which Chromium sets as a raised
    // caret beside the letter; as the operator U+02C6 it is an accent over it, as on the page.
    Ok(math.replace("<mi>^</mi></mover>", "<mo stretchy=\"false\">\u{2c6}</mo></mover>"))
}

/// A display formula as MathML. The converter has no `\tag{n}`: a formula that ends in one is
/// set as the page's build sets it, a table of a spacer, the equation, a spacer and the number
/// (style.css places them).
fn display_mathml(tex: &str) -> Result<String, String> {
    let tex = tex.trim();
    let tagged = tex.strip_suffix('}').and_then(|rest| rest.rsplit_once("\\tag{"));
    let Some((equation, number)) = tagged.filter(|(_, number)| !number.is_empty() && !number.contains('}')) else {
        return mathml(tex, DisplayMode::Block);
    };
    let math = mathml(equation, DisplayMode::Block)?;
    let open = math.find('>').map_or(0, |end| end + 1);
    let inner = math[open..].strip_suffix("</math>").unwrap_or(&math[open..]);
    Ok(format!(
        "{}<mtable width=\"100%\"><mtr><mtd width=\"50%\"></mtd><mtd>{inner}</mtd><mtd width=\"50%\"></mtd>\
         <mtd><mtext>({})</mtext></mtd></mtr></mtable></math>",
        &math[..open],
        escape(number)
    ))
}

/// A figure's text with its indices as subscripts, as the page shows it.
fn notation_html(text: &str) -> String {
    notation::runs(text)
        .into_iter()
        .map(|run| match run {
            Run::Line(line) => escape(&line),
            Run::Subscript(index) => format!("<sub>{}</sub>", escape(&index)),
        })
        .collect()
}

/// Text for HTML, in content or in a quoted attribute.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
