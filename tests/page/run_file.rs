//! Saved runs (`page::run_file`): a run saved and loaded again continues exactly where it
//! stopped, and no document, however malformed, makes loading panic or half-apply.

use sgd_stability::figures::edge_of_stability::EdgeOfStability;
use sgd_stability::figures::sharpness_vs_lr::SharpnessVsLr;
use sgd_stability::figures::Figure;
use sgd_stability::kit::params::ParamValues;
use sgd_stability::math::rng::{seeded, uniform};
use sgd_stability::page::run_file::RunFile;

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

/// The rows of a figure's CSV: step and loss.
fn steps_and_losses(fig: &EdgeOfStability) -> Vec<(usize, f64)> {
    fig.tables()[0].rows.iter().map(|r| (r[0] as usize, r[2])).collect()
}

fn readout(fig: &EdgeOfStability, label: &str) -> Option<String> {
    fig.readouts().into_iter().find(|(l, _)| l == label).map(|(_, v)| v)
}

/// Small settings (a narrow two-layer network) with `changes`, for `steps` steps.
fn small(steps: usize, changes: &[(&str, f64)]) -> ParamValues {
    let mut params = ParamValues::defaults(EdgeOfStability::PARAMS);
    params.set("width", 8.0).unwrap();
    params.set("steps", steps as f64).unwrap();
    for &(key, value) in changes {
        params.set(key, value).unwrap();
    }
    params
}

/// 300 steps, saved, loaded and run for 300 more, end where 600 steps in one go end, bit for
/// bit, and the resumed run counts from step 300 everywhere: its table, its verdict, its
/// readouts and the file it saves.
#[test]
fn a_saved_run_resumes_exactly_and_counts_from_its_step() {
    let params = small(300, &[("mode", 1.0)]);
    let first: EdgeOfStability = finished(params.clone());
    let saved = first.run_file().unwrap();
    assert_eq!(saved.step, 300);
    let text = saved.to_json();
    let parsed = RunFile::parse(&text).unwrap();
    assert_eq!(parsed, saved, "the document round-trips");
    let mut resumed = EdgeOfStability::from_run(&parsed).unwrap();
    assert_eq!(
        readout(&resumed, "resumed").as_deref(),
        Some("from a saved run at step 300; this run goes on to step 600")
    );
    resumed.finish();
    let whole: EdgeOfStability = finished(small(600, &[("mode", 1.0)]));
    assert_eq!(resumed.run_file().unwrap().theta, whole.run_file().unwrap().theta, "θ differs from the run in one go");
    assert_eq!(resumed.run_file().unwrap().step, 600);
    let rows = steps_and_losses(&resumed);
    assert_eq!(rows.len(), 301);
    assert_eq!((rows[0].0, rows[300].0), (300, 600));
    // The losses are those of the run in one go, step for step.
    assert_eq!(rows, steps_and_losses(&whole)[300..]);
    assert!(resumed.verdict().text.starts_with("Done, step 600:"), "{}", resumed.verdict().text);
    assert_eq!(readout(&whole, "resumed"), None);
}

/// A run saved part-way (paused) says how many updates made its θ; a learning-rate switch
/// and SGD's batches are those of the uninterrupted run after resuming.
#[test]
fn a_run_paused_part_way_with_a_switch_and_batches_resumes_exactly() {
    let changes = [("switch", 200.0), ("eta2", 0.04), ("batch", 7.0)];
    let mut paused = EdgeOfStability::new(small(500, &changes));
    paused.step(150);
    let saved = paused.run_file().unwrap();
    assert_eq!(saved.step, 150, "θ after 150 steps of work");
    let first_run = steps_and_losses(&paused);
    assert_eq!(first_run.last().unwrap().0, 149, "the last recorded iterate is θ_149");
    let mut resumed = EdgeOfStability::from_run(&RunFile::parse(&saved.to_json()).unwrap()).unwrap();
    resumed.finish();
    let whole: EdgeOfStability = finished(small(650, &changes));
    assert_eq!(resumed.run_file().unwrap().theta, whole.run_file().unwrap().theta);
    let etas: Vec<(usize, f64)> = resumed.tables()[0].rows.iter().map(|r| (r[0] as usize, r[1])).collect();
    assert_eq!(etas[0], (150, 0.07));
    assert_eq!(etas[49], (199, 0.07));
    assert_eq!(etas[50], (200, 0.04), "the switch comes at step 200 of training, not of the resumed run");
    assert_eq!(steps_and_losses(&resumed), steps_and_losses(&whole)[150..]);
}

/// The command line's --load-run: the same counting, and the θ of the run in one go.
#[test]
fn the_command_line_resumes_from_the_files_step() {
    use std::process::Command;
    let dir = std::env::temp_dir().join(format!("sgd-stability-resume-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_sgd-stability")).args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let path = |name: &str| dir.join(name).to_string_lossy().into_owned();
    let (saved, resumed, whole, out) = (path("200.json"), path("400.json"), path("whole.json"), path("out"));
    let settings = ["edge-of-stability", "--set", "width=8", "--set", "switch=250", "--set", "eta2=0.04"];
    run(&[&settings[..], &["--set", "steps=200", "--save-run", &saved, "--out", &out]].concat());
    let printed = run(&["edge-of-stability", "--load-run", &saved, "--save-run", &resumed, "--out", &path("b")]);
    run(&[&settings[..], &["--set", "steps=400", "--save-run", &whole, "--out", &path("c")]].concat());
    let read = |name: &str| RunFile::parse(&std::fs::read_to_string(dir.join(name)).unwrap()).unwrap();
    let (saved, resumed_run, whole_run) = (read("200.json"), read("400.json"), read("whole.json"));
    assert_eq!((saved.step, resumed_run.step, whole_run.step), (200, 400, 400));
    assert_eq!(resumed_run.theta, whole_run.theta);
    assert!(printed.lines().last().unwrap().starts_with("Done, step 400:"), "{printed}");
    let csv = std::fs::read_to_string(dir.join("b/edge-of-stability-steps.csv")).unwrap();
    let steps: Vec<&str> = csv.lines().skip(1).map(|l| l.split(',').next().unwrap()).collect();
    assert_eq!((steps[0], steps[steps.len() - 1], steps.len()), ("200", "400", 201));
    let whole_csv = std::fs::read_to_string(dir.join("c/edge-of-stability-steps.csv")).unwrap();
    let first_columns = |l: &str| l.split(',').take(3).collect::<Vec<_>>().join(",");
    let head: Vec<String> = csv.lines().skip(1).map(first_columns).collect();
    let tail: Vec<String> = whole_csv.lines().skip(201).map(first_columns).collect();
    assert_eq!(head, tail, "step, η and loss of the resumed run differ from the run in one go");
    std::fs::remove_dir_all(&dir).unwrap();
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
    let mut text = good.to_json().replace("\"version\": 2", "\"version\": 7");
    assert!(RunFile::parse(&text).unwrap_err().contains("version 7"));
    let mut wrong_targets = good.clone();
    wrong_targets.data.output_dim = 2;
    assert!(EdgeOfStability::from_run(&wrong_targets).is_err(), "20 values are 10 targets of 2, not the network's 1");
    let claimed_v1 =
        good.to_json().replace("\"version\": 2", "\"version\": 1").replace("\"output_dim\": 1", "\"output_dim\": 10");
    assert!(RunFile::parse(&claimed_v1).unwrap_err().contains("version 1 has one output"));
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

/// A file of version 1, written before networks had several outputs (no `output_dim`), still
/// reads, as one output per point, and resumes the same run.
#[test]
fn version_1_files_still_read() {
    let fig: EdgeOfStability = finished({
        let mut p = ParamValues::defaults(EdgeOfStability::PARAMS);
        p.set("steps", 10.0).unwrap();
        p
    });
    let good = fig.run_file().unwrap();
    let old = good.to_json().replace("\"version\": 2", "\"version\": 1").replace("\"output_dim\": 1,", "");
    assert!(!old.contains("output_dim"));
    let read = RunFile::parse(&old).expect("a version 1 file reads");
    assert_eq!((read.version, read.data.output_dim), (1, 1));
    assert_eq!(read.dataset().unwrap(), good.dataset().unwrap());
    assert!(EdgeOfStability::from_run(&read).is_ok());
}
