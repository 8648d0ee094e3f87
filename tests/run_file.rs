//! Saved runs (`figures::run_file`): a run saved and loaded again continues exactly where it
//! stopped, and no document, however malformed, makes loading panic or half-apply.

use sgd_stability::figures::edge_of_stability::EdgeOfStability;
use sgd_stability::figures::params::ParamValues;
use sgd_stability::figures::run_file::RunFile;
use sgd_stability::figures::sharpness_vs_lr::SharpnessVsLr;
use sgd_stability::figures::Figure;
use sgd_stability::math::rng::{seeded, uniform};

/// The message of a refused load.
fn refusal<F: Figure>(run: &RunFile) -> String {
    match F::from_run(run) {
        Ok(_) => panic!("the run was accepted"),
        Err(message) => message,
    }
}

fn finished<F: Figure>(params: ParamValues) -> F {
    let mut fig = F::new(params);
    fig.finish();
    fig
}

fn last_loss(fig: &EdgeOfStability) -> f64 {
    let csv = fig.tables()[0].to_csv();
    let last = csv.lines().last().unwrap();
    last.split(',').nth(2).unwrap().parse().unwrap()
}

/// 300 steps, saved, loaded and run for 300 more, end where 600 steps in one go end.
#[test]
fn a_saved_run_resumes_exactly() {
    let mut params = ParamValues::defaults(EdgeOfStability::PARAMS);
    params.set("steps", 300.0).unwrap();
    params.set("mode", 1.0).unwrap();
    let first: EdgeOfStability = finished(params.clone());
    let saved = first.run_file().unwrap();
    let text = saved.to_json();
    let parsed = RunFile::parse(&text).unwrap();
    assert_eq!(parsed, saved, "the document round-trips");
    let mut resumed = EdgeOfStability::from_run(&parsed).unwrap();
    resumed.finish();
    params.set("steps", 600.0).unwrap();
    let whole: EdgeOfStability = finished(params);
    let (a, b) = (last_loss(&resumed), last_loss(&whole));
    assert!((a - b).abs() <= 1e-12 * b.abs(), "resumed {a} vs in one go {b}");
}

/// The sweep's run file carries θ₀ and the data: loading it repeats the sweep exactly.
#[test]
fn a_saved_sweep_repeats() {
    let mut params = ParamValues::defaults(SharpnessVsLr::PARAMS);
    params.set("count", 4.0).unwrap();
    params.set("steps", 2000.0).unwrap();
    let sweep: SharpnessVsLr = finished(params);
    let run = RunFile::parse(&sweep.run_file().unwrap().to_json()).unwrap();
    let mut again = SharpnessVsLr::from_run(&run).unwrap();
    again.finish();
    assert_eq!(again.tables()[0].to_csv(), sweep.tables()[0].to_csv());
}

/// Wrong figure, wrong format or version, bad values, inconsistent sizes: refused with a
/// message.
#[test]
fn inconsistent_runs_are_refused() {
    let fig: EdgeOfStability = finished({
        let mut p = ParamValues::defaults(EdgeOfStability::PARAMS);
        p.set("steps", 10.0).unwrap();
        p
    });
    let good = fig.run_file().unwrap();
    assert!(refusal::<SharpnessVsLr>(&good).contains("edge-of-stability"));
    let mut short_theta = good.clone();
    short_theta.theta.pop();
    assert!(refusal::<EdgeOfStability>(&short_theta).contains("entries"));
    let mut bad_eta = good.clone();
    bad_eta.params.insert("eta".into(), "-1".into());
    assert!(refusal::<EdgeOfStability>(&bad_eta).contains("step size"));
    let mut bad_data = good.clone();
    bad_data.data.y.pop();
    assert!(EdgeOfStability::from_run(&bad_data).is_err());
    let mut text = good.to_json().replace("\"version\": 1", "\"version\": 7");
    assert!(RunFile::parse(&text).unwrap_err().contains("version 7"));
    text = good.to_json().replace("sgd-stability run", "something else");
    assert!(RunFile::parse(&text).unwrap_err().contains("format"));
    assert!(RunFile::parse("null").is_err());
    assert!(RunFile::parse(&"[".repeat(100_000)).is_err());
}

/// Random corruptions of a valid document (cut, spliced, bytes flipped): parsing and loading
/// never panic, and whatever loads is a valid figure.
#[test]
fn corrupted_documents_never_panic() {
    let fig: EdgeOfStability = finished({
        let mut p = ParamValues::defaults(EdgeOfStability::PARAMS);
        p.set("steps", 10.0).unwrap();
        p.set("width", 4.0).unwrap();
        p
    });
    let text = fig.run_file().unwrap().to_json();
    let bytes = text.as_bytes();
    let mut rng = seeded(5);
    let mut loaded = 0;
    for _ in 0..3000 {
        let mut doc = bytes.to_vec();
        for _ in 0..1 + (uniform(&mut rng, 0.0, 4.0) as usize) {
            let at = uniform(&mut rng, 0.0, doc.len() as f64) as usize;
            match uniform(&mut rng, 0.0, 3.0) as usize {
                0 => doc.truncate(at),
                1 => {
                    let i = at.min(doc.len().saturating_sub(1));
                    doc[i] = uniform(&mut rng, 32.0, 127.0) as u8;
                }
                _ => doc.splice(at..at, b"-1e999,".iter().copied()).for_each(drop),
            }
            if doc.is_empty() {
                break;
            }
        }
        let Ok(text) = String::from_utf8(doc) else { continue };
        if let Ok(run) = RunFile::parse(&text) {
            if let Ok(mut fig) = EdgeOfStability::from_run(&run) {
                fig.step(3);
                loaded += 1;
            }
        }
    }
    assert!(loaded > 0, "no corrupted document loaded at all: the corruption is too coarse to test anything");
}
