//! Every figure of the page, natively: built, finished, every panel drawn into a bitmap with
//! the same `draw` code the browser canvas uses, and its tables exported.
//!
//! At the defaults and for 200 random valid parameter sets per figure: nothing panics, every
//! panel draws something, tables are rectangular and hold only finite numbers (divergence is a
//! result, never NaN), and the verdict says something. Plus the quadratic-1d figure against
//! the lecture: its iterates are the closed form (4), and its verdict flips at η = 2/a.

use crate::common::{random_state, random_valid, register_font};
use plotters::prelude::*;
use sgd_stability::figures::quadratic_1d::Quadratic1d;
use sgd_stability::figures::quadratic_nd::QuadraticNd;
use sgd_stability::figures::{self, Activity, Figure, FigureVisitor, Table, Tone, ALL_IDS};
use sgd_stability::kit::params::{ParamValues, Scale};
use sgd_stability::kit::plot::Theme;
use sgd_stability::kit::recording::{self, RecordingBackend};
use sgd_stability::math::rng::{seeded, uniform};
use sgd_stability::page::run_file::RunFile;

const SIZE: (u32, u32) = (640, 480);

/// Draws panel `panel` of `fig` into an RGB buffer of `size`, light theme at scale 1.
fn render<F: Figure + 'static>(fig: &F, panel: usize, size: (u32, u32)) -> Vec<u8> {
    register_font();
    let mut buffer = vec![0u8; (size.0 * size.1 * 3) as usize];
    {
        let area = RecordingBackend::new(BitMapBackend::with_buffer(&mut buffer, size)).into_drawing_area();
        recording::draw_panel(fig, panel, &area, &Theme::light(1.0))
            .unwrap_or_else(|e| panic!("{} panel {panel}: drawing failed: {e:?}", F::ID));
        area.present().unwrap();
    }
    buffer
}

/// A drawn panel is not blank: many distinct colours (text is anti-aliased, series have their
/// own colours) and a good share of pixels that are not the background.
fn assert_drawn(buffer: &[u8], what: &str) {
    let background = Theme::light(1.0).background();
    let pixels: Vec<[u8; 3]> = buffer.chunks_exact(3).map(|p| [p[0], p[1], p[2]]).collect();
    let mut colours: Vec<[u8; 3]> = pixels.clone();
    colours.sort_unstable();
    colours.dedup();
    let ink = pixels.iter().filter(|p| **p != [background.0, background.1, background.2]).count();
    assert!(colours.len() >= 20, "{what}: only {} distinct colours", colours.len());
    let share = ink as f64 / pixels.len() as f64;
    assert!((0.01..0.95).contains(&share), "{what}: {:.1}% of the pixels are not background", share * 100.0);
}

/// Tables are rectangular, named, with distinct column names and no infinities (NaN marks a
/// value that was not measured, such as the sharpness of a diverged run, and is written as an
/// empty cell); the CSV has a header and one line per row.
fn check_tables(tables: &[Table], what: &str) {
    assert!(!tables.is_empty(), "{what}: no tables");
    for table in tables {
        assert!(!table.name.is_empty());
        assert!(!table.columns.is_empty() && !table.rows.is_empty(), "{what}: table {} is empty", table.name);
        let mut names = table.columns.clone();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), table.columns.len(), "{what}: duplicate column names");
        for (i, row) in table.rows.iter().enumerate() {
            assert_eq!(row.len(), table.columns.len(), "{what}: table {} row {i} has {} cells", table.name, row.len());
            for (c, v) in row.iter().enumerate() {
                assert!(!v.is_infinite(), "{what}: table {} row {i} column {} is {v}", table.name, table.columns[c]);
            }
        }
        let csv = table.to_csv();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), table.rows.len() + 1);
        assert_eq!(lines[0], table.columns.join(","));
        for (line, row) in lines[1..].iter().zip(&table.rows) {
            let parsed: Vec<f64> =
                line.split(',').map(|c| if c.is_empty() { f64::NAN } else { c.parse().unwrap() }).collect();
            let same = parsed.iter().zip(row).all(|(a, b)| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()));
            assert!(same && parsed.len() == row.len(), "{what}: CSV does not round-trip: {parsed:?} vs {row:?}");
        }
    }
}

/// Everything the tests do with a finished figure: verdict, tables, and every panel drawn.
fn exercise<F: Figure + 'static>(fig: &F, size: (u32, u32), what: &str) {
    let verdict = fig.verdict();
    assert!(!verdict.text.trim().is_empty(), "{what}: empty verdict");
    check_tables(&fig.tables(), what);
    for (i, panel) in F::PANELS.iter().enumerate() {
        let buffer = render(fig, i, size);
        assert_drawn(&buffer, &format!("{what}, panel {}", panel.key));
    }
}

/// The figure's static description is complete: id, title, parameters with sane ranges and
/// valid defaults, panels with keys and descriptions.
fn check_description<F: Figure>() {
    assert!(!F::ID.is_empty() && !F::TITLE.is_empty());
    assert!(!F::PANELS.is_empty());
    for panel in F::PANELS {
        assert!(!panel.key.is_empty() && !panel.description.is_empty());
    }
    for spec in F::PARAMS {
        assert!(spec.min < spec.max, "{}.{}: empty range", F::ID, spec.key);
        assert_eq!(spec.check(spec.default), Ok(spec.default), "{}.{}: invalid default", F::ID, spec.key);
        if spec.scale == Scale::Log {
            assert!(spec.min > 0.0, "{}.{}: log scale needs a positive range", F::ID, spec.key);
        }
    }
}

/// A figure whose work is tasks (which the page gives to workers) has a run file that rebuilds
/// it with the same tasks: a worker computes a task on the figure its run file rebuilds.
fn check_tasks<F: Figure>(fig: &F) {
    let open = fig.open_tasks();
    if open.is_empty() {
        return;
    }
    let text = fig.run_file().unwrap_or_else(|| panic!("{}: a figure with tasks has no run file", F::ID)).to_json();
    let copy = F::from_run(&RunFile::parse(&text).unwrap()).unwrap();
    assert_eq!(copy.open_tasks(), open, "{}: the run file's figure has other tasks", F::ID);
    assert_eq!(copy.params(), fig.params(), "{}: the run file's figure has other settings", F::ID);
    assert!(copy.run_task(open.end).is_none(), "{}: task {} is past the last", F::ID, open.end);
}

/// Random settings of the figures whose run a worker holds on the page: the worker's copy,
/// rebuilt from the figure's run file sent as text, computes what the figure itself does, to
/// the last bit (the page draws the copy's reports), from the start and from part-way.
struct HeldCopies {
    seed: u64,
    draws: usize,
}

impl FigureVisitor for HeldCopies {
    type Output = ();
    fn visit<F: Figure + 'static>(self) {
        if !F::RUNS_IN_WORKER {
            return;
        }
        let mut rng = seeded(self.seed);
        let csv = |f: &F| f.tables().iter().map(Table::to_csv).collect::<Vec<_>>();
        for draw in 0..self.draws {
            let values = random_state::<F>(&mut rng, 0.5);
            let what =
                format!("{} draw {draw} {:?}", F::ID, values.iter().map(|(s, v)| (s.key, v)).collect::<Vec<_>>());
            let mut fig = F::new(values);
            let run = fig.run_file().unwrap_or_else(|| panic!("{what}: a figure held by a worker has no run file"));
            let mut copy = F::from_run(&RunFile::parse(&run.to_json()).unwrap()).unwrap();
            for units in [1, 2] {
                fig.step(units);
                copy.step(units);
                assert_eq!(csv(&copy), csv(&fig), "{what}: the worker's copy computes other numbers");
                assert_eq!((copy.verdict(), copy.readouts()), (fig.verdict(), fig.readouts()), "{what}");
            }
        }
    }
}

#[test]
fn a_held_run_is_computed_alike_by_the_workers_copy() {
    for id in ALL_IDS {
        figures::visit(id, HeldCopies { seed: 11, draws: 30 }).unwrap();
    }
}

/// Each figure at its defaults, as the page first shows it.
struct AtDefaults;

impl FigureVisitor for AtDefaults {
    type Output = &'static str;
    fn visit<F: Figure + 'static>(self) -> &'static str {
        check_description::<F>();
        let mut fig = F::with_defaults();
        assert_eq!(fig.params(), &ParamValues::defaults(F::PARAMS));
        check_tasks(&fig);
        fig.finish();
        assert!(fig.open_tasks().is_empty(), "{}: a finished figure has open tasks", F::ID);
        assert_eq!(fig.step(1), Activity::Idle, "{}: finished figures are idle", F::ID);
        exercise(&fig, SIZE, &format!("{} at defaults", F::ID));
        F::ID
    }
}

/// Every id of the registry mounts, draws and exports at its defaults.
#[test]
fn every_figure_at_its_defaults() {
    for id in ALL_IDS {
        assert_eq!(figures::visit(id, AtDefaults), Some(*id));
    }
    assert!(figures::visit("no-such-figure", AtDefaults).is_none());
}

/// `draws` random valid parameter sets for one figure, drawn at `size`.
struct RandomParams {
    seed: u64,
    draws: usize,
    size: (u32, u32),
}

impl FigureVisitor for RandomParams {
    type Output = ();
    fn visit<F: Figure + 'static>(self) {
        let mut rng = seeded(self.seed);
        for draw in 0..self.draws {
            let values = random_state::<F>(&mut rng, 1.0);
            let what =
                format!("{} draw {draw} {:?}", F::ID, values.iter().map(|(s, v)| (s.key, v)).collect::<Vec<_>>());
            let mut fig = F::new(values);
            // Partly animated first, as the page does, then finished.
            fig.step(3);
            fig.finish();
            exercise(&fig, self.size, &what);
        }
    }
}

/// THE robustness property of the figures: 200 random valid parameter sets per figure, each
/// parameter drawn over its whole range (log-uniform on a log scale), drawn at 640 × 480:
/// constructing, finishing, drawing every panel and exporting never panic, and the tables hold
/// no NaN or infinity. Another 40 at a phone-sized 320 × 240, where axes and legends are
/// squeezed.
#[test]
fn random_parameters_quadratic_1d() {
    figures::visit(Quadratic1d::ID, RandomParams { seed: 1, draws: 200, size: SIZE }).unwrap();
    figures::visit(Quadratic1d::ID, RandomParams { seed: 2, draws: 40, size: (320, 240) }).unwrap();
}

/// As above, for the two-dimensional quadratic.
#[test]
fn random_parameters_quadratic_nd() {
    figures::visit(QuadraticNd::ID, RandomParams { seed: 3, draws: 200, size: SIZE }).unwrap();
    figures::visit(QuadraticNd::ID, RandomParams { seed: 4, draws: 40, size: (320, 240) }).unwrap();
}

fn quadratic_1d(a: f64, eta: f64, b: f64, x0: f64, steps: f64) -> Quadratic1d {
    let mut p = ParamValues::defaults(Quadratic1d::PARAMS);
    for (key, v) in [("a", a), ("eta", eta), ("b", b), ("x0", x0), ("steps", steps)] {
        p.set(key, v).unwrap();
    }
    let mut fig = Quadratic1d::new(p);
    fig.finish();
    fig
}

/// The iterates panel draws GD and the closed form (4) through the same points: the table's
/// x_t column must equal its closed_form column, for converging settings.
#[test]
fn quadratic_1d_iterates_are_the_closed_form() {
    let mut rng = seeded(5);
    let mut settings = vec![(1.5, 1.2, -1.5, -1.0, 30.0)]; // the defaults: oscillating convergence
    for _ in 0..300 {
        let a = uniform(&mut rng, 0.05f64.ln(), 10f64.ln()).exp();
        let eta = (uniform(&mut rng, 0.02, 1.98) / a).clamp(0.01, 5.0);
        settings.push((a, eta, uniform(&mut rng, -5.0, 5.0), uniform(&mut rng, -5.0, 5.0), 200.0));
    }
    for (a, eta, b, x0, steps) in settings {
        if (1.0 - eta * a).abs() >= 1.0 {
            continue;
        }
        let fig = quadratic_1d(a, eta, b, x0, steps);
        let table = &fig.tables()[0];
        let col = |name: &str| table.columns.iter().position(|c| *c == name).unwrap();
        let (t, x, closed) = (col("t"), col("x_t"), col("closed_form"));
        assert_eq!(table.rows.len(), steps as usize + 1, "a converging run takes every step");
        let scale = x0.abs().max((b / a).abs());
        for (i, row) in table.rows.iter().enumerate() {
            assert_eq!(row[t], i as f64);
            assert!(
                (row[x] - row[closed]).abs() <= 1e-10 * scale.max(row[closed].abs()),
                "a={a} η={eta} b={b} x0={x0} t={i}: {} vs {}",
                row[x],
                row[closed]
            );
        }
        assert_eq!(fig.verdict().tone, Tone::Good);
    }
}

/// The verdict is the theorem in words: Bad past the threshold a > 2/η, Good below it, over
/// random (a, η) pairs on both sides.
#[test]
fn quadratic_1d_verdict_flips_at_two_over_eta() {
    let mut rng = seeded(6);
    let (mut good, mut bad) = (0, 0);
    for _ in 0..400 {
        let a = uniform(&mut rng, 0.2f64.ln(), 10f64.ln()).exp();
        let eta = (uniform(&mut rng, 0.1, 4.0) / a).clamp(0.01, 5.0);
        let fig = quadratic_1d(a, eta, uniform(&mut rng, -5.0, 5.0), uniform(&mut rng, -5.0, 5.0), 50.0);
        let tone = fig.verdict().tone;
        if a > 2.0 / eta {
            assert_eq!(tone, Tone::Bad, "a={a} > 2/η={}: {}", 2.0 / eta, fig.verdict().text);
            bad += 1;
        } else if a < 2.0 / eta {
            assert_eq!(tone, Tone::Good, "a={a} < 2/η={}: {}", 2.0 / eta, fig.verdict().text);
            good += 1;
        }
    }
    assert!(good > 100 && bad > 100, "{good} good, {bad} bad");
    // Exactly on the threshold: |1 − ηa| = 1, neither.
    assert_eq!(quadratic_1d(2.0, 1.0, 0.0, 1.0, 10.0).verdict().tone, Tone::Neutral);
}

/// The 2-D figure's verdict: Bad exactly when some eigenvalue is above 2/η.
#[test]
fn quadratic_nd_verdict_flips_at_two_over_eta() {
    let mut rng = seeded(7);
    for _ in 0..300 {
        let mut p = ParamValues::defaults(QuadraticNd::PARAMS);
        for spec in QuadraticNd::PARAMS {
            p.set(spec.key, random_valid(&mut rng, spec)).unwrap();
        }
        let (a1, a2, eta) = (p.get("a1"), p.get("a2"), p.get("eta"));
        let fig = QuadraticNd::new(p);
        let unstable = a1.max(a2) > 2.0 / eta;
        let stable = a1.max(a2) < 2.0 / eta && (1.0 - eta * a1.min(a2)).abs() < 1.0;
        let tone = fig.verdict().tone;
        if unstable {
            assert_eq!(tone, Tone::Bad, "a=({a1}, {a2}), 2/η = {}", 2.0 / eta);
        } else if stable {
            assert_eq!(tone, Tone::Good, "a=({a1}, {a2}), 2/η = {}", 2.0 / eta);
        }
    }
}

/// Slider-reachable settings where the start lies exactly on the minimizer along an unstable
/// direction: the iterates stay put there, but |1 − ηa|ᵗ overflows, and the closed form is
/// 0 · ∞. Tables must still hold only numbers, and every panel must draw.
#[test]
fn overflowing_closed_form_is_never_nan() {
    let fig = quadratic_1d(10.0, 5.0, 0.0, 0.0, 200.0);
    for i in 0..Quadratic1d::PANELS.len() {
        render(&fig, i, SIZE);
    }
    let mut p = ParamValues::defaults(QuadraticNd::PARAMS);
    for (key, v) in
        [("a1", 10.0), ("a2", 0.1), ("angle", 0.0), ("eta", 5.0), ("x0", 0.0), ("y0", 1.0), ("steps", 300.0)]
    {
        p.set(key, v).unwrap();
    }
    let mut nd = QuadraticNd::new(p);
    nd.finish();
    for i in 0..QuadraticNd::PANELS.len() {
        render(&nd, i, SIZE);
    }
    assert_eq!(fig.verdict().tone, Tone::Bad);
    assert_eq!(nd.verdict().tone, Tone::Bad);
    let mut bad = first_non_finite(&fig.tables(), "quadratic-1d at a = 10, η = 5, b = 0, x0 = 0, T = 200");
    bad.extend(first_non_finite(&nd.tables(), "quadratic-nd at a1 = 10, η = 5, angle = 0, x0 = (0, 1), T = 300"));
    assert!(bad.is_empty(), "{bad:#?}");
    check_tables(&fig.tables(), "quadratic-1d");
    check_tables(&nd.tables(), "quadratic-nd");
}

/// The first non-finite cell of each column of each table, as "what: table row column = v".
fn first_non_finite(tables: &[Table], what: &str) -> Vec<String> {
    let mut out = Vec::new();
    for table in tables {
        for (c, name) in table.columns.iter().enumerate() {
            if let Some((i, row)) = table.rows.iter().enumerate().find(|(_, row)| !row[c].is_finite()) {
                out.push(format!("{what}: {} row {i} column {name} = {}", table.name, row[c]));
            }
        }
    }
    out
}

/// `step` reveals the work a bit at a time: a fresh figure is running, and finishes.
#[test]
fn figures_animate_then_idle() {
    let mut fig = Quadratic1d::with_defaults();
    assert_eq!(fig.step(1), Activity::Running, "30 steps are revealed one at a time");
    fig.finish();
    assert_eq!(fig.step(1), Activity::Idle);
    let mut nd = QuadraticNd::with_defaults();
    assert_eq!(nd.step(1), Activity::Running);
    nd.finish();
    assert_eq!(nd.step(usize::MAX), Activity::Idle);
}

/// `plot::clip_polyline` over 2,000 random polylines and boxes: every piece lies in the box
/// and on the polyline (each of its points is a point of some segment), every vertex inside
/// the box appears in some piece, and a polyline wholly inside comes back unchanged.
#[test]
fn clipped_polylines_keep_what_is_inside_and_nothing_else() {
    use sgd_stability::kit::plot::clip_polyline;
    let mut rng = seeded(17);
    for case in 0..2000 {
        let points: Vec<(f64, f64)> =
            (0..2 + case % 9).map(|_| (uniform(&mut rng, -3.0, 3.0), uniform(&mut rng, -3.0, 3.0))).collect();
        let (x0, y0) = (uniform(&mut rng, -2.0, 1.0), uniform(&mut rng, -2.0, 1.0));
        let (xs, ys) = ((x0, x0 + uniform(&mut rng, 0.1, 2.0)), (y0, y0 + uniform(&mut rng, 0.1, 2.0)));
        let inside =
            |p: (f64, f64), tol: f64| p.0 >= xs.0 - tol && p.0 <= xs.1 + tol && p.1 >= ys.0 - tol && p.1 <= ys.1 + tol;
        let on_polyline = |p: (f64, f64)| {
            points.windows(2).any(|w| {
                let (a, b) = (w[0], w[1]);
                let (dx, dy) = (b.0 - a.0, b.1 - a.1);
                let t = (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / (dx * dx + dy * dy)).clamp(0.0, 1.0);
                ((a.0 + t * dx - p.0).powi(2) + (a.1 + t * dy - p.1).powi(2)).sqrt() < 1e-9
            })
        };
        let pieces = clip_polyline(&points, xs, ys);
        for piece in &pieces {
            assert!(!piece.is_empty());
            for &p in piece {
                assert!(inside(p, 1e-12), "case {case}: {p:?} outside {xs:?} × {ys:?}");
                assert!(on_polyline(p), "case {case}: {p:?} is not on the polyline");
            }
        }
        for &p in points.iter().filter(|p| inside(**p, 0.0)) {
            assert!(pieces.iter().flatten().any(|&q| q == p), "case {case}: vertex {p:?} lost");
        }
        if points.iter().all(|p| inside(*p, 0.0)) {
            assert_eq!(pieces, vec![points.clone()], "case {case}");
        }
    }
}
