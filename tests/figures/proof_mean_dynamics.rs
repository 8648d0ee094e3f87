//! `proof-mean-dynamics` against what it shares: the page's list of the proof's lines, which the
//! figure steps through and names in its verdict, and the settings of `linear-stability`, which
//! build the same problem.

use scraper::{Html, Selector};
use sgd_stability::figures::linear_stability::LinearStability;
use sgd_stability::figures::proof_mean_dynamics::{ProofMeanDynamics, Settings, STEPS_OF_PROOF};
use sgd_stability::figures::Figure;
use sgd_stability::kit::params::ParamSpec;

/// The page lists the proof's lines (`#proof-mean-dynamics-steps`) with their equations; the
/// figure has as many lines, its stepper runs over them, and the equation each line names in
/// the verdict is the one the page tags on that line (an untagged line names none).
#[test]
fn the_figure_has_the_lines_of_the_pages_list() {
    let page = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/www/index.html")).unwrap();
    let html = Html::parse_document(&page);
    let items = Selector::parse("#proof-mean-dynamics-steps > li").unwrap();
    let display = Selector::parse(".tex-display").unwrap();
    let lines: Vec<_> = html.select(&items).collect();
    assert_eq!(lines.len(), STEPS_OF_PROOF.len(), "the page lists {} lines", lines.len());
    let stepper = ProofMeanDynamics::PARAMS.iter().find(|s| Some(s.key) == ProofMeanDynamics::STEPPER).unwrap();
    assert_eq!((stepper.min, stepper.max), (1.0, lines.len() as f64));
    for (i, (item, named)) in lines.iter().zip(STEPS_OF_PROOF).enumerate() {
        let tex: String = item.select(&display).flat_map(|d| d.text()).collect();
        match tex.split("\\tag{").nth(1).and_then(|rest| rest.split('}').next()) {
            Some(tag) => assert!(
                named.contains(&format!("({tag})")),
                "line {}: the page tags ({tag}), the figure names {named}",
                i + 1
            ),
            None => assert!(!named.contains('('), "line {}: untagged on the page, the figure names {named}", i + 1),
        }
    }
}

/// The problem's settings are those of `linear-stability`, key for key, range for range; only
/// the defaults of η and the labels differ (the proof's case is label noise).
#[test]
fn the_problem_settings_are_those_of_linear_stability() {
    let mut differing = Vec::new();
    for spec in Settings::SPECS.iter().filter(|s| s.key != Settings::KEYS.line) {
        let theirs = LinearStability::PARAMS.iter().find(|t| t.key == spec.key).expect("a setting of both");
        assert_eq!(ParamSpec { default: theirs.default, ..*spec }, *theirs, "{}", spec.key);
        if spec.default != theirs.default {
            differing.push(spec.key);
        }
    }
    assert_eq!(differing, [Settings::KEYS.eta, Settings::KEYS.labels]);
    assert_eq!(Settings::SPECS.len(), LinearStability::PARAMS.len() + 1);
}
