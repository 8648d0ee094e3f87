//! The command line's implementation (native only).

use sgd_stability::kit::format;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use plotters::prelude::*;
use sgd_stability::figures::{self, Figure, FigureVisitor, ALL_IDS};
use sgd_stability::kit::params::{Input, ParamValues, Scale};
use sgd_stability::kit::plot::Theme;
use sgd_stability::kit::recording::{self, RecordingBackend};
use sgd_stability::math::activation::Activation;
use sgd_stability::math::central_flow::compare_with_gd;
use sgd_stability::math::datasets::Dataset;
use sgd_stability::math::eos1::{eos1, time_eos1, Eos1Timings, EOS1_ETA, EOS1_STEPS, EOS1_WIDTH};
use sgd_stability::math::eos3::time_eos3;
use sgd_stability::math::kernels::{isa_in_use, on_baseline, without_avx512};
use sgd_stability::math::mlp::{Architecture, Mlp};
use sgd_stability::math::trainer::Schedule;
use sgd_stability::page::run_file::RunFile;

/// Panels are exported at this CSS size, multiplied by `--scale`.
const PANEL_SIZE: (u32, u32) = (640, 480);

const USAGE: &str = "usage:
  sgd-stability list                                   the figures and their parameters
  sgd-stability <figure-id> [--set key=value]... [--out DIR] [--scale S]
                        [--load-run FILE] [--save-run FILE]
                                                       CSV of the series, PNG and SVG of each panel;
                                                       training figures start from / save a run (JSON)
  sgd-stability handout [--out DIR] [--step K] [--url URL]
                                                       the walkthrough to print: one HTML file (no
                                                       script) and an SVG per evidence panel of each
                                                       step (step K alone), its links to the page at
                                                       URL (default http://127.0.0.1:8080/)
  sgd-stability bench [--out FILE]                     EOS-1 and EOS-3 speed natively (JSON to FILE)";

pub fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        None | Some("-h") | Some("--help") => {
            println!("{USAGE}");
            Ok(())
        }
        Some("list") => {
            list();
            Ok(())
        }
        Some("bench") => bench(&args[1..]),
        Some("handout") => crate::handout::handout(&args[1..]),
        // A figure's files are computed on the build's own instruction set, as the page's claims
        // about its figures are checked (tests/figures/claims.rs): no fused multiply-adds, whose
        // different rounding can move a step count of a run at the edge of stability.
        Some(id) => on_baseline(|| match figures::visit(id, Export { args: &args[1..] }) {
            Some(r) => r,
            None => Err(format!("unknown figure \u{201c}{id}\u{201d}; the figures are: {}", ALL_IDS.join(", "))),
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn list() {
    struct Describe;
    impl FigureVisitor for Describe {
        type Output = ();
        fn visit<F: Figure + 'static>(self) {
            println!("{}  ({})", F::ID, F::TITLE);
            for p in F::PARAMS {
                let values = match p.scale {
                    Scale::Choice(options) => format!("one of {}", options.join(", ")),
                    Scale::Points => {
                        format!(
                            "points x:y,x:y,\u{2026} with coordinates in [{}, {}]",
                            format::tick(p.min),
                            format::tick(p.max)
                        )
                    }
                    _ => format!("in [{}, {}]", format::tick(p.min), format::tick(p.max)),
                };
                let default = if p.scale == Scale::Points { "none".to_string() } else { p.format(p.default) };
                println!("  {:<8} {}: {values}, default {default}", p.key, p.label);
            }
        }
    }
    for id in ALL_IDS {
        figures::visit(id, Describe);
    }
}

/// Exports one figure, generic over its type.
struct Export<'a> {
    args: &'a [String],
}

impl FigureVisitor for Export<'_> {
    type Output = Result<(), String>;

    fn visit<F: Figure + 'static>(self) -> Result<(), String> {
        let mut settings: Vec<(&str, &str)> = Vec::new();
        let mut out = PathBuf::from("target/figures");
        let mut scale = 2.0;
        let (mut load, mut save) = (None, None);
        let mut it = self.args.iter();
        while let Some(arg) = it.next() {
            let value = it.next().ok_or_else(|| format!("{arg} needs a value"))?;
            match arg.as_str() {
                "--set" => {
                    settings.push(
                        value
                            .split_once('=')
                            .ok_or_else(|| format!("--set takes key=value, got \u{201c}{value}\u{201d}"))?,
                    );
                }
                "--out" => out = PathBuf::from(value),
                "--load-run" => load = Some(PathBuf::from(value)),
                "--save-run" => save = Some(PathBuf::from(value)),
                "--scale" => {
                    scale =
                        value.parse::<f64>().ok().filter(|s| (0.5..=4.0).contains(s)).ok_or_else(|| {
                            format!("--scale must be a number in [0.5, 4], got \u{201c}{value}\u{201d}")
                        })?;
                }
                other => return Err(format!("unknown option \u{201c}{other}\u{201d}")),
            }
        }
        // The settings go through the page's validation, the figure's rules for combinations
        // included, before anything is computed.
        let params = ParamValues::defaults(F::PARAMS)
            .with_changes::<F>(settings.iter().map(|&(key, text)| (key, Input::Text(text))))
            .map_err(|e| e.message)?;
        std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
        let mut fig = match &load {
            None => F::new(params),
            Some(path) => {
                if !settings.is_empty() {
                    return Err("--load-run takes the settings from the file: drop --set".into());
                }
                let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                F::from_run(&RunFile::parse(&text)?)?
            }
        };
        fig.finish();
        if let Some(path) = &save {
            let run =
                fig.run_file().ok_or_else(|| format!("the figure \u{201c}{}\u{201d} has no run to save", F::ID))?;
            std::fs::write(path, run.to_json()).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            println!("wrote {}", path.display());
        }
        for table in fig.tables() {
            let path = out.join(format!("{}-{}.csv", F::ID, table.name));
            std::fs::write(&path, table.to_csv()).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            println!("wrote {}", path.display());
        }
        register_font()?;
        let theme = Theme::light(scale);
        let size = ((PANEL_SIZE.0 as f64 * scale) as u32, (PANEL_SIZE.1 as f64 * scale) as u32);
        for (i, panel) in F::PANELS.iter().enumerate() {
            let png = out.join(format!("{}-{}.png", F::ID, panel.key));
            draw_to(&fig, i, BitMapBackend::new(&png, size), &theme, &png)?;
            let svg = out.join(format!("{}-{}.svg", F::ID, panel.key));
            draw_to(&fig, i, SVGBackend::new(&svg, size), &theme, &svg)?;
            println!("wrote {} and .svg", png.display());
        }
        println!("{}", fig.verdict().text);
        Ok(())
    }
}

pub(crate) fn draw_to<F: Figure + 'static, DB: DrawingBackend>(
    fig: &F,
    panel: usize,
    backend: DB,
    theme: &Theme,
    path: &Path,
) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    let area = RecordingBackend::new(backend).into_drawing_area();
    recording::draw_panel(fig, panel, &area, theme).map_err(|e| format!("drawing {}: {e}", path.display()))?;
    area.present().map_err(|e| format!("writing {}: {e}", path.display()))
}

/// Bitmap text needs a font file; the project ships DejaVu Sans (see assets/fonts).
pub(crate) fn register_font() -> Result<(), String> {
    static FONT: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
    plotters::style::register_font("sans-serif", FontStyle::Normal, FONT)
        .map_err(|_| "the bundled font does not load".to_string())
}

/// Many independent runs timed on one core and on every core (the same results either way).
struct CoresTiming {
    /// The work, in words.
    workload: String,
    runs: usize,
    cores: usize,
    one_core_s: f64,
    every_core_s: f64,
}

impl CoresTiming {
    /// The work and the two times as a table's lines.
    fn print(&self) {
        println!("{}, native:", self.workload);
        println!("  {:<52} {:>10.2}", "on one core, s", self.one_core_s);
        println!("  {:<52} {:>10.2}", format!("on every core ({}), s", self.cores), self.every_core_s);
        println!("  {:<52} {:>10.2}", "speed-up", self.one_core_s / self.every_core_s);
    }

    /// The JSON fields `<prefix>_runs`, `_cores`, `_one_core_s` and `_every_core_s`.
    fn insert(&self, prefix: &str, fields: &mut serde_json::Map<String, serde_json::Value>) {
        fields.insert(format!("{prefix}_runs"), self.runs.into());
        fields.insert(format!("{prefix}_cores"), self.cores.into());
        fields.insert(format!("{prefix}_one_core_s"), self.one_core_s.into());
        fields.insert(format!("{prefix}_every_core_s"), self.every_core_s.into());
    }
}

/// The best of three runs of `run` on a figure `F` at its defaults, in seconds: the first runs
/// also warm the caches and the clock.
fn best_of_three<F: Figure>(now: &impl Fn() -> f64, run: &dyn Fn(&mut F)) -> f64 {
    (0..3)
        .map(|_| {
            let mut figure = F::with_defaults();
            let start = now();
            run(&mut figure);
            (now() - start) / 1000.0
        })
        .fold(f64::INFINITY, f64::min)
}

/// Times the sharpness-vs-lr figure's default sweep run in slices on one core, as the page runs
/// it, and at once on every core, as the command line runs it; the two give the same results.
fn time_sweep(now: &impl Fn() -> f64) -> CoresTiming {
    use sgd_stability::figures::sharpness_vs_lr::{Settings, SharpnessVsLr};
    use sgd_stability::figures::Activity;
    let one_core_s =
        best_of_three(now, &|figure: &mut SharpnessVsLr| while figure.step(10_000) == Activity::Running {});
    let every_core_s = best_of_three(now, &|figure: &mut SharpnessVsLr| figure.finish());
    let runs = SharpnessVsLr::with_defaults().params().get(Settings::KEYS.count) as usize;
    let workload = format!("The sharpness-vs-lr figure's sweep at its defaults ({runs} runs)");
    CoresTiming { workload, runs, cores: rayon::current_num_threads(), one_core_s, every_core_s }
}

/// Times the Monte Carlo runs of the switching figure at its defaults, the command line's
/// largest, in a pool of one thread and on every core; the two give the same results.
fn time_monte_carlo(now: &impl Fn() -> f64) -> Result<CoresTiming, String> {
    use sgd_stability::figures::switching::{Settings, Switching};
    let one_thread = rayon::ThreadPoolBuilder::new().num_threads(1).build().map_err(|e| e.to_string())?;
    let one_core_s = best_of_three(now, &|figure: &mut Switching| one_thread.install(|| figure.finish()));
    let every_core_s = best_of_three(now, &|figure: &mut Switching| figure.finish());
    let figure = Switching::with_defaults();
    let (runs, steps) = (figure.total_runs(), figure.params().get_usize(Settings::KEYS.steps));
    let workload = format!("The switching figure's Monte Carlo runs at its defaults ({runs} runs of {steps} steps)");
    Ok(CoresTiming { workload, runs, cores: rayon::current_num_threads(), one_core_s, every_core_s })
}

/// The central flow beside GD on EOS-1 (4 flow steps per GD step): how well it predicts GD's
/// mean loss over the edge phase, and how fast GD and the flow run together.
struct FlowTiming {
    mean_gd_loss: f64,
    mean_predicted: f64,
    error: f64,
    steps_per_s: f64,
}

fn time_flow(now: &impl Fn() -> f64) -> Result<FlowTiming, String> {
    let init = eos1();
    let arch = Architecture { input_dim: 1, hidden: vec![EOS1_WIDTH], activation: Activation::Tanh, output_dim: 1 };
    let data = Dataset::new(1, 1, init.data.x, init.data.y)?;
    let start = now();
    let comparison =
        compare_with_gd(Mlp::new(arch)?, data, init.theta0, Schedule::constant(EOS1_ETA), 4, init.v0, EOS1_STEPS)?;
    let seconds = (now() - start) / 1000.0;
    Ok(FlowTiming {
        mean_gd_loss: comparison.mean_gd_loss,
        mean_predicted: comparison.mean_predicted,
        error: comparison.relative_error,
        steps_per_s: EOS1_STEPS as f64 / seconds,
    })
}

/// EOS-1's rates in its three modes, with the products per warm-started step if `products`.
fn print_eos1_rates(t: &Eos1Timings, products: bool) {
    println!("  {:<52} {:>10.0}", "GD + 20-iteration Lanczos sharpness, steps/s", t.sharpness_steps_per_s);
    println!("  {:<52} {:>10.0}", "GD + warm-started sharpness (1e-10), steps/s", t.adaptive_steps_per_s);
    if products {
        println!("  {:<52} {:>10.2}", "  Hessian-vector products per step, warm-started", t.adaptive_products_per_step);
    }
    println!("  {:<52} {:>10.0}", "plain GD, steps/s", t.gd_steps_per_s);
}

/// The benchmarks, natively in this build: the lecture's network at k = 100, n = 20 (the core
/// figures of the README) and the EOS-1 and EOS-3 reference workloads. Prints a table and
/// writes JSON.
fn bench(args: &[String]) -> Result<(), String> {
    let out = match args {
        [] => PathBuf::from("target/bench/eos1-native.json"),
        [flag, path] if flag == "--out" => PathBuf::from(path),
        _ => return Err("bench takes only --out FILE".into()),
    };
    let clock = Instant::now();
    let now = || clock.elapsed().as_secs_f64() * 1000.0;
    println!("Kernels: {}", isa_in_use());
    let t = time_eos1(&now);
    println!("EOS-1 (tanh, width 100, n = 20, 2,000 steps), native:");
    print_eos1_rates(&t, true);
    println!("  sharpness at step 0: {:.15}, at step 2000: {:.15}", t.sharpness_step_0, t.sharpness_step_2000);
    // On an AVX-512 processor, also what AVX2 and FMA alone do, as on processors without it.
    let avx2_isa = without_avx512(isa_in_use);
    let avx2 = (avx2_isa != isa_in_use()).then(|| without_avx512(|| time_eos1(&now)));
    if let Some(avx2) = &avx2 {
        println!("EOS-1 without AVX-512 ({avx2_isa}), native:");
        print_eos1_rates(avx2, false);
    }
    let baseline = on_baseline(|| time_eos1(&now));
    println!("EOS-1 on the build's own instruction set only ({}), native:", on_baseline(isa_in_use));
    print_eos1_rates(&baseline, false);
    let flow = time_flow(&now)?;
    println!("The central flow beside GD on EOS-1 (4 flow steps per GD step), native:");
    println!("  {:<52} {:>10.4}", "GD's mean loss over the edge phase", flow.mean_gd_loss);
    println!("  {:<52} {:>10.4}", "the flow's predicted mean, L + \u{3c3}\u{b2}/\u{3b7}", flow.mean_predicted);
    println!("  {:<52} {:>9.1} %", "flow error", 100.0 * flow.error);
    println!("  {:<52} {:>10.0}", "GD + central flow, steps/s", flow.steps_per_s);
    let e3 = time_eos3(&now);
    println!("EOS-3 (digits: 500 images, 64 tanh units, 10 outputs, 4,810 parameters), native:");
    println!("  {:<52} {:>10.1}", "GD + 20-iteration Lanczos sharpness, steps/s", e3.sharpness_steps_per_s);
    println!("  {:<52} {:>10.1}", "GD + warm-started sharpness (1e-10), steps/s", e3.adaptive_steps_per_s);
    println!("  {:<52} {:>10.2}", "  Hessian-vector products per step, warm-started", e3.adaptive_products_per_step);
    println!("  {:<52} {:>10.0}", "plain GD, steps/s", e3.gd_steps_per_s);
    println!("  {:<52} {:>10.2}", "central flow at the edge (2 flow steps), steps/s", e3.flow_steps_per_s);
    println!("  {:<52} {:>10.2}", "  eigenvalues held at 2/\u{3b7}, mean", e3.flow_edge_eigenvalues);
    println!("  {:<52} {:>10.0}", "Hessian-vector products, per s", e3.hessian_vec_per_s);
    println!("  {:<52} {:>10.2}", "  their arithmetic, GFLOP/s", e3.hessian_vec_gflops);
    println!("  {:<52} {:>10.2}", "  the kernels' multiply-adds in registers, GFLOP/s", e3.peak_gflops);
    println!("  sharpness at step 0: {:.12}", e3.sharpness_step_0);
    let sweep = time_sweep(&now);
    sweep.print();
    let monte_carlo = time_monte_carlo(&now)?;
    monte_carlo.print();
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let mut json = serde_json::to_value(&t).map_err(|e| e.to_string())?;
    if let Some(fields) = json.as_object_mut() {
        fields.insert("isa".into(), isa_in_use().into());
        fields.insert("baseline_isa".into(), on_baseline(isa_in_use).into());
        fields.insert("baseline_sharpness_steps_per_s".into(), baseline.sharpness_steps_per_s.into());
        fields.insert("baseline_adaptive_steps_per_s".into(), baseline.adaptive_steps_per_s.into());
        fields.insert("baseline_gd_steps_per_s".into(), baseline.gd_steps_per_s.into());
        if let Some(avx2) = avx2 {
            fields.insert("avx2_isa".into(), avx2_isa.into());
            fields.insert("avx2_sharpness_steps_per_s".into(), avx2.sharpness_steps_per_s.into());
            fields.insert("avx2_adaptive_steps_per_s".into(), avx2.adaptive_steps_per_s.into());
            fields.insert("avx2_gd_steps_per_s".into(), avx2.gd_steps_per_s.into());
        }
        fields.insert("flow_mean_gd_loss".into(), flow.mean_gd_loss.into());
        fields.insert("flow_mean_predicted_loss".into(), flow.mean_predicted.into());
        fields.insert("flow_error".into(), flow.error.into());
        fields.insert("flow_steps_per_s".into(), flow.steps_per_s.into());
        sweep.insert("sweep", fields);
        monte_carlo.insert("monte_carlo", fields);
    }
    if let (Some(fields), Ok(serde_json::Value::Object(eos3))) = (json.as_object_mut(), serde_json::to_value(&e3)) {
        fields.extend(eos3.into_iter().map(|(key, value)| (format!("eos3_{key}"), value)));
    }
    let json = serde_json::to_string_pretty(&json).map_err(|e| e.to_string())?;
    std::fs::write(&out, json + "\n").map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    println!("wrote {}", out.display());
    Ok(())
}
