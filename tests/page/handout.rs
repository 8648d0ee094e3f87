//! The handout (`page::handout`): the query that asks for it, the sheet's layout and links, and
//! the command line's `handout`, which writes one HTML file without a script and an SVG per
//! evidence panel of every step, and refuses a step the walkthrough does not have without
//! writing anything.

use std::path::{Path, PathBuf};
use std::process::Command;

use scraper::CaseSensitivity::CaseSensitive;
use scraper::{ElementRef, Html, Selector};
use sgd_stability::page::handout::{sheet_panels, step_link, PANEL_GAP, SHEET_WIDTH};
use sgd_stability::page::page_mode::{handout_step, ModeError, PageMode};
use sgd_stability::page::walkthrough::{state_of, steps_in_page, DeclaredStep};

const PAGE: &str = include_str!("../../www/index.html");

fn page_steps() -> Vec<DeclaredStep> {
    steps_in_page(PAGE).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn the_query_asks_for_the_handout_of_every_step_or_of_one() {
    let n = page_steps().len();
    let parse = |query: &str| PageMode::parse(query, n);
    assert_eq!(parse("?handout"), Ok(PageMode::Handout(None)));
    assert_eq!(parse("?handout="), Ok(PageMode::Handout(None)));
    assert_eq!(parse("?handout=1"), Ok(PageMode::Handout(Some(0))));
    assert_eq!(parse(&format!("?handout={n}")), Ok(PageMode::Handout(Some(n - 1))));
    // The handout wins over the walkthrough, an embedded figure over the handout.
    assert_eq!(parse("?walk=3&handout=5&present"), Ok(PageMode::Handout(Some(4))));
    assert_eq!(parse("?handout&embed=quadratic-1d"), Ok(PageMode::Embed("quadratic-1d")));
    for mode in [PageMode::Handout(None), PageMode::Handout(Some(0)), PageMode::Handout(Some(n - 1))] {
        assert_eq!(parse(&mode.query()), Ok(mode), "{}", mode.query());
    }
}

#[test]
fn a_handout_of_a_step_that_does_not_exist_says_so() {
    let n = page_steps().len();
    for given in ["0", "-1", "1.5", "two", &(n + 1).to_string(), "99999999999999999999999"] {
        let error = PageMode::parse(&format!("?handout={given}"), n).unwrap_err();
        assert_eq!(error, ModeError::UnknownHandoutStep { given: given.to_string(), steps: n });
        assert_eq!(handout_step(given, n), Err(error.clone()));
        let message = error.to_string();
        assert!(message.contains(&format!("steps 1 to {n}")) && message.contains(given), "{message}");
    }
    assert!(PageMode::parse(&format!("?handout={}", "9".repeat(300)), n).unwrap_err().to_string().len() < 200);
}

#[test]
fn the_panels_fill_the_sheet_and_keep_their_shape() {
    let one = sheet_panels(1);
    assert_eq!(one.columns, 1);
    assert!(one.width <= SHEET_WIDTH && (one.height / one.width - 0.75).abs() < 1e-9);
    for count in 2..=4 {
        let layout = sheet_panels(count);
        assert_eq!(layout.columns, 2);
        assert!(2.0 * layout.width + PANEL_GAP <= SHEET_WIDTH && 2.0 * layout.width + PANEL_GAP > SHEET_WIDTH - 2.0);
        assert!((layout.height / layout.width - 0.75).abs() < 0.01);
        // Two rows, the statement and the link fit the height a Letter page holds (251 mm).
        assert!(2.0 * layout.height + PANEL_GAP < 0.6 * 251.0 / 25.4 * 96.0);
    }
    for declared in page_steps() {
        assert!(declared.step.panels.len() <= 4, "a step with more panels than a sheet holds");
    }
}

#[test]
fn a_steps_link_opens_it_in_the_walkthrough_with_its_state() {
    let steps = page_steps();
    let page = "https://example.org/course/sgd/";
    for (i, declared) in steps.iter().enumerate() {
        let state = state_of(&declared.step).unwrap();
        let link = step_link(page, i, &state);
        let rest = link.strip_prefix(page).unwrap();
        let (query, fragment) = rest.split_once('#').unwrap_or((rest, ""));
        assert_eq!(PageMode::parse(query, steps.len()), Ok(PageMode::Walk { index: i, present: false }));
        assert_eq!(fragment, state.fragment, "step {}", i + 1);
    }
    let first = state_of(&steps[5].step).unwrap();
    assert_eq!(step_link(page, 5, &first), format!("{page}?walk=6#quadratic-1d.eta=0.4"));
}

// ------------------------------------------------------------------------- the command line

/// A fresh, empty folder for one test's files.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Runs the command line with `args`; its status and what it wrote to stderr.
fn run(args: &[&str]) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_sgd-stability")).args(args).output().expect("the command runs");
    (output.status.success(), String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn the_command_line_writes_the_whole_handout_without_a_script() {
    let steps = page_steps();
    let page = Html::parse_document(PAGE);
    let out = scratch("handout-all");
    let (ok, stderr) = run(&["handout", "--out", out.to_str().unwrap(), "--url", "https://example.org/sgd/"]);
    assert!(ok, "{stderr}");
    let html = std::fs::read_to_string(out.join("handout.html")).unwrap();
    let document = Html::parse_document(&html);
    let select = |css: &str| Selector::parse(css).unwrap();
    assert_eq!(document.select(&select("script")).count(), 0);
    assert!(!html.contains("class=\"tex\">\\") && !html.contains("merror"), "TeX left unset");
    let sheets: Vec<_> = document.select(&select("article.handout-step")).collect();
    assert_eq!(sheets.len(), steps.len());
    let mut svgs = 0;
    for (i, (sheet, declared)) in sheets.iter().zip(&steps).enumerate() {
        let n = i + 1;
        // The statement's words as the page has them, its formulas set as MathML.
        let statement = sheet.select(&select(".handout-statement")).next().unwrap();
        assert_eq!(prose(&statement.inner_html()), prose(&declared.statement), "step {n}");
        let tex = declared.statement.matches("class=\"tex\"").count();
        assert_eq!(statement.select(&select("span.tex > math")).count(), tex, "step {n}: formulas");
        // A proof's step brings the proof's line as the page's list writes it, its formula set.
        let state = state_of(&declared.step).unwrap();
        let proof_line = sheet.select(&select(".handout-proof-line")).next();
        match state.proof_line {
            Some((line, _)) => {
                let items = select(&format!("ol#{}-steps > li", declared.step.figure));
                let item = page.select(&items).nth(line - 1).unwrap();
                let written = proof_line.unwrap_or_else(|| panic!("step {n} has no proof line"));
                assert_eq!(prose(&written.inner_html()), prose(&item.inner_html()), "step {n}");
                assert_eq!(written.select(&select("div.tex-display > math")).count(), 1, "step {n}");
                let tag =
                    item.inner_html().split("\\tag{").nth(1).map(|rest| rest.split('}').next().unwrap().to_string());
                if let Some(number) = tag {
                    let text: String = written.select(&select("mtext")).flat_map(|t| t.text()).collect();
                    assert!(text.contains(&format!("({number})")), "step {n}: the equation's number");
                }
            }
            None => assert!(proof_line.is_none(), "step {n}"),
        }
        // One drawing per evidence panel, each a file beside the page that holds a plot.
        let images: Vec<&str> =
            sheet.select(&select(".handout-panels > img")).map(|img| img.value().attr("src").unwrap()).collect();
        let expected: Vec<String> = state.evidence.iter().map(|key| format!("step-{n:02}-{key}.svg")).collect();
        assert_eq!(images, expected, "step {n}");
        for file in images {
            let svg = std::fs::read_to_string(out.join(file)).unwrap();
            assert!(svg.starts_with("<svg") && (svg.contains("<polyline") || svg.contains("<path")), "{file} is blank");
            assert!(svg.contains("<text"), "{file} has no labels");
            svgs += 1;
        }
        let link = sheet.select(&select(".handout-link a")).next().unwrap().value().attr("href").unwrap();
        assert_eq!(link, step_link("https://example.org/sgd/", i, &state));
        let verdict: String = sheet.select(&select(".handout-verdict")).next().unwrap().text().collect();
        assert!(!verdict.trim().is_empty(), "step {n} has no verdict");
    }
    let files = std::fs::read_dir(&out).unwrap().count();
    assert_eq!(files, svgs + 1, "one HTML file and the panels' SVG files, nothing else");
}

/// The words of `html` outside its formulas.
fn prose(html: &str) -> String {
    let fragment = Html::parse_fragment(html);
    let text: String = fragment
        .root_element()
        .descendants()
        .filter(|node| {
            !node
                .ancestors()
                .filter_map(ElementRef::wrap)
                .any(|e| e.value().has_class("tex", CaseSensitive) || e.value().has_class("tex-display", CaseSensitive))
        })
        .filter_map(|node| node.value().as_text().map(|text| text.to_string()))
        .collect();
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn the_command_line_writes_one_step_and_refuses_a_step_that_does_not_exist() {
    let n = page_steps().len();
    let out = scratch("handout-one");
    let (ok, stderr) = run(&["handout", "--step", "6", "--out", out.to_str().unwrap()]);
    assert!(ok, "{stderr}");
    let html = std::fs::read_to_string(out.join("handout.html")).unwrap();
    assert_eq!(html.matches("<article").count(), 1);
    assert!(html.contains("Step 6 of") && html.contains("http://127.0.0.1:8080/?walk=6#quadratic-1d.eta=0.4"));
    let mut files: Vec<String> =
        std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    files.sort();
    assert_eq!(files, ["handout.html", "step-06-cobweb.svg", "step-06-iterates.svg"]);

    for step in ["0", &(n + 1).to_string(), "six", ""] {
        let out = scratch("handout-refused");
        let (ok, stderr) = run(&["handout", "--step", step, "--out", out.to_str().unwrap()]);
        assert!(!ok, "step {step:?} was accepted");
        assert!(stderr.contains(&format!("steps 1 to {n}")), "{stderr}");
        assert!(!out.exists(), "a refused handout wrote {}", out.display());
    }
}
