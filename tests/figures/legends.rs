//! Every panel readable at a glance: no legend over data, and the values of what is drawn
//! readable by pointing.
//!
//! Every figure, at its defaults, at each preset, part-way through its run and at random valid
//! settings, has every panel drawn through `recording::draw_panel` (the code path of the page's
//! canvas and of the command line's PNG and SVG files), on a desktop-sized panel, and on a
//! phone-sized one and a full-page one at twice the resolution. What the recording backend saw
//! is then checked: the legend's box, as drawn, touches nothing drawn as data (lines, markers,
//! reference lines, labels, the caption; shaded regions and the grid may sit under it), nor a
//! tick label or axis description, and lies whole inside the panel; no text leaves the panel;
//! the plotting area keeps at least 45 % of the panel's height and width, whatever legend bands
//! and notes take; no two entries of a legend overlap, in the presentation layout's large type
//! too. Every panel with a plotting area has points to
//! read, at pixels inside it, and what they read are the numbers the figure draws.

use crate::common::{self, register_font};
use plotters::prelude::*;
use sgd_stability::figures::edge_of_stability::EdgeOfStability;
use sgd_stability::figures::quadratic_1d::Quadratic1d;
use sgd_stability::figures::{self, Figure, FigureVisitor, ALL_IDS};
use sgd_stability::kit::params::ParamValues;
use sgd_stability::kit::plot::Theme;
use sgd_stability::kit::recording::{self, Drawn, Layer, Reading, Readings, RecordingBackend, Rect, Shape};
use sgd_stability::math::rng::seeded;
use sgd_stability::page::walkthrough::PRESENTATION_PLOT_ZOOM;

/// A desktop panel at 1×, a phone's panel (340 CSS pixels, square, as the page draws a narrow
/// panel) at 2×, and a panel of the full page in a 1280-pixel window (three to a row of the
/// 60rem figure: 312 CSS pixels, square) at 2×.
const SIZES: [((u32, u32), f64); 3] = [((640, 480), 1.0), ((680, 680), 2.0), ((624, 624), 2.0)];

/// The panels of a walkthrough step in the presentation layout on a projector's 1280 × 720
/// (three in a row, and one alone), their text and lines at the presentation's zoom: only the
/// legend's own layout is checked there (see [`check_legend_entries`]).
const PRESENTATION_SIZES: [((u32, u32), f64); 2] =
    [((406, 304), PRESENTATION_PLOT_ZOOM), ((914, 456), PRESENTATION_PLOT_ZOOM)];

/// The least share of the panel's height and width its plotting area keeps, whatever legend
/// bands and notes take.
const LEAST_PLOT_SHARE: f64 = recording::LEAST_PLOT_SHARE;

/// Draws panel `panel` of `fig` into a bitmap of `size` at `scale`, through the recording path.
/// With `LEGENDS_PNG=<dir>` set, the panels of the defaults and presets are also written there
/// as PNG files, to look at.
fn draw<F: Figure + 'static>(fig: &F, panel: usize, (size, scale): ((u32, u32), f64)) -> Drawn {
    register_font();
    let mut buffer = vec![0u8; (size.0 * size.1 * 3) as usize];
    let area = RecordingBackend::new(BitMapBackend::with_buffer(&mut buffer, size)).into_drawing_area();
    let drawn = recording::draw_panel(fig, panel, &area, &Theme::light(scale))
        .unwrap_or_else(|e| panic!("{} panel {panel}: drawing failed: {e:?}", F::ID));
    area.present().unwrap();
    if let (Ok(dir), Some(name)) = (std::env::var("LEGENDS_PNG"), LOOKING_AT.with(|l| l.borrow().clone())) {
        let path = format!("{dir}/{name}-{}-{}x{}.png", F::PANELS[panel].key, size.0, size.1);
        let file = RecordingBackend::new(BitMapBackend::new(&path, size)).into_drawing_area();
        recording::draw_panel(fig, panel, &file, &Theme::light(scale)).unwrap();
        file.present().unwrap();
    }
    drawn
}

thread_local! {
    /// The name under which `draw` writes panels when asked to (see `LEGENDS_PNG`).
    static LOOKING_AT: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Where a legend sits, in words, for the summary.
fn placement(drawn: &Drawn) -> String {
    let (Some(legend), Some(plot)) = (drawn.legend, drawn.plot) else { return "none".into() };
    if let Some(band) = drawn.band {
        return format!("{band:?}");
    }
    let (cx, cy) = ((legend.x0 + legend.x1) / 2, (legend.y0 + legend.y1) / 2);
    let third = |v: i32, lo: i32, hi: i32| ((3 * (v - lo)) / (hi - lo + 1)).clamp(0, 2);
    let row = ["upper", "middle", "lower"][third(cy, plot.y0, plot.y1) as usize];
    let column = ["left", "middle", "right"][third(cx, plot.x0, plot.x1) as usize];
    format!("{row} {column}")
}

/// The checks of one drawn panel; `what` names it in a failure.
fn check_panel(drawn: &Drawn, panel_bounds: Rect, what: &str) {
    // The legend's box and swatches (its text lies inside the box, which plotters sizes to it).
    let legend_marks: Vec<Rect> = drawn
        .marks
        .iter()
        .filter(|m| m.layer == Layer::Legend && !matches!(m.shape, Shape::Text(_)))
        .map(|m| m.shape.bounds())
        .collect();
    match (legend_marks.first(), drawn.legend) {
        (None, None) => {}
        (Some(&first), Some(_)) => {
            // The legend as drawn: its box and everything in it.
            let legend = legend_marks.iter().fold(first, |b, r| Rect {
                x0: b.x0.min(r.x0),
                y0: b.y0.min(r.y0),
                x1: b.x1.max(r.x1),
                y1: b.y1.max(r.y1),
            });
            assert!(
                panel_bounds.contains_rect(&legend),
                "{what}: the legend {legend:?} leaves the panel {panel_bounds:?}"
            );
            for mark in &drawn.marks {
                let covered = match (mark.layer, mark.shape) {
                    (Layer::Data, _) | (Layer::Mesh, Shape::Text(_)) => mark.shape.touches(&legend),
                    _ => false,
                };
                assert!(!covered, "{what}: the legend {legend:?} covers {mark:?}");
            }
        }
        (marks, legend) => panic!("{what}: legend marks {marks:?} but legend box {legend:?}"),
    }
    for mark in &drawn.marks {
        if let Shape::Text(text) = mark.shape {
            assert!(panel_bounds.contains_rect(&text), "{what}: a text {text:?} leaves the panel {panel_bounds:?}");
        }
    }
    if let Some(plot) = drawn.plot {
        let (height, width) = (plot.height() as f64, plot.width() as f64);
        assert!(
            height >= LEAST_PLOT_SHARE * panel_bounds.height() as f64
                && width >= LEAST_PLOT_SHARE * panel_bounds.width() as f64,
            "{what}: the plotting area {plot:?} is under {LEAST_PLOT_SHARE} of the panel {panel_bounds:?} (band {:?})",
            drawn.band
        );
        let readings = &drawn.readings;
        assert!(!readings.points.is_empty(), "{what}: nothing to read by pointing");
        for point in &readings.points {
            assert!(plot.contains(point.pixel), "{what}: {point:?} is read outside the plotting area {plot:?}");
            assert!(point.x.is_finite() && point.y.is_finite());
            let label = readings.label(point);
            assert!(label.lines().count() >= 2 && !label.lines().next().unwrap().is_empty(), "{what}: label {label:?}");
        }
    }
}

/// The legend's entries, each in a line of its own: no entry's text overlaps another's. A
/// legend taller than its plotting area once had its last entries piled on the area's edge.
fn check_legend_entries(drawn: &Drawn, what: &str) {
    let texts: Vec<Rect> = drawn
        .marks
        .iter()
        .filter_map(|m| match (m.layer, m.shape) {
            (Layer::Legend, Shape::Text(text)) => Some(text),
            _ => None,
        })
        .collect();
    for (i, a) in texts.iter().enumerate() {
        for b in &texts[i + 1..] {
            assert!(!a.overlaps(b), "{what}: two entries of the legend overlap: {a:?} and {b:?}");
        }
    }
}

/// Draws and checks every panel of `fig` at every size; returns where each legend went.
fn check_figure<F: Figure + 'static>(fig: &F, what: &str) -> Vec<String> {
    let mut places = Vec::new();
    let bounds = |(width, height): (u32, u32)| Rect { x0: 0, y0: 0, x1: width as i32 - 1, y1: height as i32 - 1 };
    for (i, panel) in F::PANELS.iter().enumerate() {
        for size in SIZES {
            let drawn = draw(fig, i, size);
            let what = format!("{what}, panel {}, {size:?}", panel.key);
            check_panel(&drawn, bounds(size.0), &what);
            check_legend_entries(&drawn, &what);
            places.push(format!("{}: {}", panel.key, placement(&drawn)));
        }
        for size in PRESENTATION_SIZES {
            let drawn = draw(fig, i, size);
            check_legend_entries(&drawn, &format!("{what}, panel {}, presented at {size:?}", panel.key));
        }
    }
    places
}

/// Every figure at its defaults (part-way and finished) and at each preset (finished).
struct DefaultsAndPresets;

impl FigureVisitor for DefaultsAndPresets {
    type Output = ();
    fn visit<F: Figure + 'static>(self) {
        LOOKING_AT.with(|l| *l.borrow_mut() = None);
        let mut fig = F::with_defaults();
        fig.step(60);
        check_figure(&fig, &format!("{} at its defaults, after 60 units", F::ID));
        fig.finish();
        LOOKING_AT.with(|l| *l.borrow_mut() = Some(F::ID.to_string()));
        let places = check_figure(&fig, &format!("{} at its defaults", F::ID));
        println!("{:<20} defaults: {}", F::ID, places.join("; "));
        for preset in F::PRESETS {
            let name = format!("{}-{}", F::ID, preset.label.replace(|c: char| !c.is_alphanumeric(), "_"));
            LOOKING_AT.with(|l| *l.borrow_mut() = Some(name));
            let places = crate::finished::look(Some(preset.label), |fig: &F| {
                check_figure(fig, &format!("{} at preset {}", F::ID, preset.label))
            });
            LOOKING_AT.with(|l| *l.borrow_mut() = None);
            println!("{:<20} {}: {}", F::ID, preset.label, places.join("; "));
        }
    }
}

/// THE legend property, at the settings the page offers in one click: no legend covers data,
/// a tick label or an axis description, and none leaves its panel.
#[test]
fn no_legend_covers_data_at_the_defaults_and_presets() {
    for id in ALL_IDS {
        figures::visit(id, DefaultsAndPresets).unwrap();
    }
}

/// The work done at a random setting before its panels are checked: the end of most runs, a
/// part of the longest (a random setting may ask for hours of work).
const RANDOM_UNITS: usize = 2000;

/// `draws` random valid settings of each figure (a quarter of the parameters changed), run for
/// [`RANDOM_UNITS`] units of work.
struct Random {
    seed: u64,
    draws: usize,
}

impl FigureVisitor for Random {
    type Output = ();
    fn visit<F: Figure + 'static>(self) {
        let mut rng = seeded(self.seed);
        for draw in 0..self.draws {
            let params = common::random_state::<F>(&mut rng, 0.25);
            let what =
                format!("{} draw {draw} {:?}", F::ID, params.iter().map(|(s, v)| (s.key, v)).collect::<Vec<_>>());
            common::without_panic("drawing", &what, || {
                let mut fig = F::new(params);
                fig.step(RANDOM_UNITS);
                check_figure(&fig, &what);
            })
            .unwrap_or_else(|failure| panic!("{failure}"));
        }
    }
}

/// The same property at random valid settings.
#[test]
fn no_legend_covers_data_at_random_settings() {
    for (i, id) in ALL_IDS.iter().enumerate() {
        figures::visit(id, Random { seed: 100 + i as u64, draws: 3 }).unwrap();
    }
}

/// The geometry the placement and these checks rest on: a mark touches a box exactly when it
/// covers one of the box's pixels.
#[test]
fn a_shape_touches_a_rectangle_exactly_when_it_covers_one_of_its_pixels() {
    let rect = Rect { x0: 10, y0: 10, x1: 20, y1: 20 };
    let segment = |from, to| Shape::Segment { from, to, half_width: 1 };
    assert!(segment((0, 0), (30, 30)).touches(&rect), "a diagonal through the box");
    assert!(!segment((0, 30), (8, 22)).touches(&rect), "a diagonal that passes by its corner");
    assert!(segment((0, 21), (30, 21)).touches(&rect), "a line one pixel away, one pixel wide on each side");
    assert!(!segment((0, 22), (30, 22)).touches(&rect), "a line two pixels away");
    assert!(segment((15, 15), (15, 15)).touches(&rect), "a point inside");
    assert!(Shape::Disc { center: (25, 15), radius: 5 }.touches(&rect));
    assert!(!Shape::Disc { center: (25, 25), radius: 6 }.touches(&rect), "a disc beyond the corner's reach");
    assert!(Shape::Disc { center: (25, 25), radius: 8 }.touches(&rect));
    assert!(Shape::Text(Rect { x0: 20, y0: 0, x1: 40, y1: 10 }).touches(&rect), "boxes sharing a corner pixel");
    assert!(!Shape::Area(Rect { x0: 21, y0: 0, x1: 40, y1: 9 }).touches(&rect));
}

/// What pointing reads: the nearest drawn point within reach, its series and coordinates in
/// the figures' number format, whole numbers exactly.
#[test]
fn pointing_reads_the_nearest_point_within_reach() {
    let readings = Readings {
        axes: ("step t".into(), "loss".into()),
        series: vec!["run 1".into(), "run 2".into()],
        points: vec![
            Reading { x: 0.0, y: 0.5, pixel: (10, 10), series: 0 },
            Reading { x: 12345.0, y: 1.234567e-7, pixel: (50, 10), series: 0 },
            Reading { x: 12345.0, y: 33.63383, pixel: (50, 12), series: 1 },
        ],
    };
    assert_eq!(readings.nearest((12.0, 11.0), 5.0), Some(&readings.points[0]));
    assert_eq!(readings.nearest((30.0, 10.0), 5.0), None, "nothing within reach");
    assert_eq!(readings.nearest((50.0, 11.0), 5.0), Some(&readings.points[2]), "a tie goes to the point on top");
    assert_eq!(readings.label(&readings.points[1]), "run 1\nstep t = 12345\nloss = 1.235e-7");
    assert_eq!(readings.label(&readings.points[2]), "run 2\nstep t = 12345\nloss = 33.63");
    let unnamed_x = Readings { axes: (String::new(), "eigenvalue".into()), ..readings.clone() };
    assert_eq!(unnamed_x.label(&readings.points[2]), "run 2\neigenvalue = 33.63");
}

/// The numbers read by pointing are the figure's own: on the edge-of-stability figure at its
/// defaults, every point of the sharpness and loss series is a row of its CSV table, and on
/// the one-dimensional quadratic every iterate read is the iterate of its table.
#[test]
fn pointing_reads_the_numbers_the_figure_exports() {
    let mut eos = EdgeOfStability::with_defaults();
    eos.finish();
    let table = eos.tables().into_iter().next().unwrap();
    let column = |name: &str| table.columns.iter().position(|c| *c == name).unwrap();
    let (step, sharpness, loss) = (column("step"), column("sharpness"), column("loss"));
    for (panel, series, value) in [(1, "\u{3bb}\u{2081} (sharpness)", sharpness), (0, "loss", loss)] {
        let drawn = draw(&eos, panel, SIZES[0]);
        let index = drawn.readings.series.iter().position(|s| s == series).unwrap();
        let points: Vec<&Reading> = drawn.readings.points.iter().filter(|p| p.series == index).collect();
        assert!(points.len() > 100, "{series}: only {} points", points.len());
        for p in points {
            let row = table.rows.iter().find(|r| r[step] == p.x).unwrap_or_else(|| panic!("no step {}", p.x));
            assert_eq!(row[value].to_bits(), p.y.to_bits(), "{series} at step {}", p.x);
        }
    }
    let mut quadratic = Quadratic1d::with_defaults();
    quadratic.finish();
    let table = quadratic.tables().into_iter().next().unwrap();
    let drawn = draw(&quadratic, 0, SIZES[0]);
    let index = drawn.readings.series.iter().position(|s| s == "GD iterates (1)").unwrap();
    let read: Vec<(f64, f64)> =
        drawn.readings.points.iter().filter(|p| p.series == index).map(|p| (p.x, p.y)).collect();
    assert!(read.len() > 10);
    for (t, x) in read {
        assert_eq!(table.rows[t as usize][1].to_bits(), x.to_bits(), "iterate {t}");
    }
}

/// Earlier runs kept beside a new one: drawn faintly in the loss and sharpness panels (each a
/// series to read by pointing, named by the settings that differ), listed in the readouts, with
/// every legend and text property still holding; at most five are kept by the page, and the
/// figure draws whatever it is given.
#[test]
fn earlier_runs_are_drawn_beside_the_current_one_and_labelled_by_their_differences() {
    register_font();
    let run = |changes: &[(&str, f64)], units: usize| {
        let mut params = ParamValues::defaults(EdgeOfStability::PARAMS);
        for &(key, value) in changes {
            params.set(key, value).unwrap();
        }
        let mut fig = EdgeOfStability::new(params);
        fig.step(units);
        fig
    };
    let first = run(&[("steps", 600.0)], 601);
    let second = run(&[("steps", 600.0), ("eta", 0.05)], 601);
    let earlier: Vec<_> = [&first, &second].iter().map(|f| f.earlier_run().expect("a run with records")).collect();
    assert!(EdgeOfStability::with_defaults().earlier_run().is_none(), "nothing to keep before the first step");
    let mut current = run(&[("steps", 600.0), ("eta", 0.05), ("batch", 10.0)], 0);
    current.show_earlier_runs(earlier.clone());
    current.step(601);
    assert_eq!(earlier[0].label(current.params()), "step size \u{3b7} = 0.07, batch size B (0: full batch) = 0");
    assert_eq!(earlier[1].label(current.params()), "batch size B (0: full batch) = 0");
    assert_eq!(earlier[1].label(second.params()), "same settings");
    let listed = current.readouts().into_iter().find(|(label, _)| label.starts_with("earlier runs")).unwrap().1;
    assert!(listed.starts_with("1: step size \u{3b7} = 0.07") && listed.contains("; 2: batch size"), "{listed}");
    check_figure(&current, "edge-of-stability with two earlier runs");
    for panel in ["loss", "sharpness"] {
        let index = EdgeOfStability::PANELS.iter().position(|p| p.key == panel).unwrap();
        let drawn = draw(&current, index, SIZES[0]);
        let names: Vec<String> = drawn.readings.points.iter().map(|p| drawn.readings.label(p)).collect();
        assert!(
            names.iter().any(|n| n.contains("earlier run 1")),
            "{panel}: the first earlier run is not read by pointing"
        );
        assert!(
            names.iter().any(|n| n.contains("earlier run 2")),
            "{panel}: the second earlier run is not read by pointing"
        );
    }
    current.show_earlier_runs(Vec::new());
    assert!(current.readouts().iter().all(|(label, _)| !label.starts_with("earlier runs")));
}
