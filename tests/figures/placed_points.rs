//! Data points placed by the reader: the point-list parameter (`Scale::Points`) through the one
//! validation path, in links, and in `function-space`, whose data they become.

use sgd_stability::figures::function_space::FunctionSpace;
use sgd_stability::figures::{Activity, Figure, Grab};
use sgd_stability::kit::params::{ParamSpec, ParamValues, Scale, MAX_POINTS};
use sgd_stability::math::rng::{seeded, uniform, Rng};
use sgd_stability::page::url_state::{apply, write};

const ID: &str = FunctionSpace::ID;

fn points_spec() -> &'static ParamSpec {
    FunctionSpace::PARAMS.iter().find(|s| s.scale == Scale::Points).expect("function-space has a point list")
}

fn random_points(rng: &mut Rng, count: usize) -> Vec<(f64, f64)> {
    let spec = points_spec();
    (0..count).map(|_| (uniform(rng, spec.min, spec.max), uniform(rng, spec.min, spec.max))).collect()
}

fn with_points(points: Vec<(f64, f64)>) -> ParamValues {
    let mut values = ParamValues::defaults(FunctionSpace::PARAMS);
    values.set_points(points_spec().key, points).expect("valid points");
    values
}

/// Random lists round-trip exactly through their text, and through a link.
#[test]
fn point_lists_round_trip_through_text_and_links() {
    let spec = points_spec();
    let mut rng = seeded(11);
    for round in 0..300 {
        let count = 1 + (uniform(&mut rng, 0.0, MAX_POINTS as f64) as usize).min(MAX_POINTS - 1);
        let values = with_points(random_points(&mut rng, count));
        let text = values.text(spec);
        assert_eq!(spec.parse_points(&text).unwrap(), values.points(spec.key), "round {round}");
        assert_eq!(values.get(spec.key), count as f64, "the value is the count");

        let fragment = write(&format!("other.a=1&{ID}.eta1=0.02"), ID, &values);
        assert!(fragment.starts_with("other.a=1&"), "other figures' entries stay");
        let mut back = ParamValues::defaults(FunctionSpace::PARAMS);
        let errors = apply(&fragment, ID, &mut back);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(back, values, "round {round}");
    }
    // Typed text may carry spaces; the empty text means no points.
    assert_eq!(spec.parse_points(" 0.5 : 1 ,  -1:2 ").unwrap(), vec![(0.5, 1.0), (-1.0, 2.0)]);
    assert!(spec.parse_points("  ").unwrap().is_empty());
}

/// Malformed, non-finite, out-of-range and oversized lists are refused with a message naming
/// the parameter, and leave the values as they were.
#[test]
fn bad_point_lists_are_refused_and_change_nothing() {
    let spec = points_spec();
    let start = with_points(vec![(0.0, 0.0), (0.5, 1.0), (1.0, 0.0)]);
    let too_many = vec!["0:0"; MAX_POINTS + 1].join(",");
    let too_long = format!("0:{}", "1".repeat(MAX_POINTS * 60));
    let cases = [
        "1", "1:2:3", ":", "1:", ":2", "a:b", "1;2", "0:0,,1:1", "nan:0", "0:inf", "-inf:0", "11:0", "0:-10.5",
        "1e999:0", "0x1:2", &too_many, &too_long,
    ];
    for text in cases {
        let mut values = start.clone();
        let error = values.set_text(spec.key, text).expect_err(text);
        assert_eq!(error.key, spec.key);
        assert!(error.message.starts_with(spec.label), "{text}: {}", error.message);
        assert_eq!(values, start, "{text} changed the values");
        // The same through a link.
        let mut values = start.clone();
        let fragment = format!("{ID}.{}={}", spec.key, text.replace(',', "%2C"));
        assert_eq!(apply(&fragment, ID, &mut values).len(), 1, "{text}");
        assert_eq!(values, start, "{text} changed the values through a link");
    }
    // A point list takes the number 0 (no points) and no other number.
    let mut values = start.clone();
    assert!(values.set(spec.key, 3.0).is_err());
    assert_eq!(values, start);
    values.set(spec.key, 0.0).unwrap();
    assert!(values.points(spec.key).is_empty());
    assert_eq!(values, ParamValues::defaults(FunctionSpace::PARAMS));
    // Numeric parameters take no points.
    assert!(values.set_points("eta1", vec![(0.0, 0.0)]).is_err());
}

/// Placed points become the data, with the same start θ₀ as the sample they replace; too few
/// points, or all at one x, are refused by the figure's validation.
#[test]
fn placed_points_are_the_data() {
    let key = points_spec().key;
    let sampled = FunctionSpace::with_defaults();
    let sample = sampled.points();
    assert_eq!(sample.len(), 10);

    // The sample, placed as it is: the same figure.
    let same = FunctionSpace::new(with_points(sample.clone()));
    assert_eq!(same.points(), sample);
    // Same data, same start: every table but the population's weights (placed points come
    // from no law) agrees.
    let without_weights = |fig: &FunctionSpace| {
        let tables = fig.tables().into_iter().filter(|t| t.name != "weights");
        tables.map(|t| (t.name, t.rows)).collect::<Vec<_>>()
    };
    assert!(without_weights(&same) == without_weights(&sampled), "same data, same start");

    // Moving one point moves exactly that point of the data.
    let mut moved = sample.clone();
    moved[3] = (0.25, -0.75);
    let fig = FunctionSpace::new(with_points(moved.clone()));
    assert_eq!(fig.points(), moved);
    assert!(fig.readouts().iter().any(|(l, v)| l == "data" && v.contains("placed by hand")));

    for (points, what) in
        [(vec![(0.0, 0.0), (1.0, 1.0)], "at least 3"), (vec![(0.5, 0.0), (0.5, 1.0), (0.5, -1.0)], "share x = 0.5")]
    {
        let error = FunctionSpace::validate(&with_points(points)).expect_err(what);
        assert_eq!(error.key, key);
        assert!(error.message.contains(what), "{}", error.message);
    }
    // Duplicates with conflicting targets are allowed, and the verdict says they cannot be
    // interpolated.
    let conflicting = with_points(vec![(0.0, 0.0), (0.0, 1.0), (0.5, 0.2), (-0.5, 0.3)]);
    FunctionSpace::validate(&conflicting).unwrap();
    let fig = FunctionSpace::new(conflicting);
    assert!(fig.verdict().text.contains("no function interpolates them"), "{}", fig.verdict().text);
}

/// On the data panel a drag starting near a data point grabs that point, and anywhere else
/// places a new one; other panels grab nothing.
#[test]
fn grabbing_points_on_the_data_panel() {
    let fig = FunctionSpace::with_defaults();
    let key = points_spec().key;
    for (index, &(x, y)) in fig.points().iter().enumerate() {
        assert_eq!(fig.grab(0, x, y), Some(Grab::Point { key, index }));
        assert_eq!(fig.grab(0, x + 1e-3, y - 1e-3), Some(Grab::Point { key, index }));
    }
    let (xs, ys): (Vec<f64>, Vec<f64>) = fig.points().into_iter().unzip();
    let far = (xs.iter().copied().fold(f64::MIN, f64::max) + 0.05, ys.iter().copied().fold(f64::MIN, f64::max) + 1.0);
    assert_eq!(fig.grab(0, far.0, far.1), Some(Grab::NewPoint(key)));
    for panel in 1..FunctionSpace::PANELS.len() {
        assert_eq!(fig.grab(panel, xs[0], ys[0]), None);
    }
}

/// A small placed data set trains to interpolation, and the corollary holds for the result.
#[test]
fn placed_points_train_to_an_interpolant_within_the_corollary() {
    let mut values = with_points(vec![(-0.8, 0.2), (-0.3, -0.4), (0.1, 0.5), (0.6, 0.0), (0.9, 0.3)]);
    values.set("mode", 1.0).unwrap();
    values.set("runs", 2.0).unwrap();
    values.set("k", 60.0).unwrap();
    values.set("eta1", 0.02).unwrap();
    values.set("eta2", 0.05).unwrap();
    values.set("steps", 40_000.0).unwrap();
    FunctionSpace::validate(&values).unwrap();
    let mut fig = FunctionSpace::new(values);
    fig.finish();
    assert_eq!(fig.step(1), Activity::Idle);
    let verdict = fig.verdict().text;
    assert!(verdict.matches("interpolated at step").count() == 2, "{verdict}");
    let table = fig.tables().into_iter().find(|t| t.name == "training").expect("training records");
    let column = |name: &str| table.columns.iter().position(|c| *c == name).unwrap();
    let (eta, curvature) = (column("eta"), column("weighted_curvature"));
    let last = table.rows.last().unwrap();
    assert!(
        last[curvature] <= 1.0 / last[eta] - 0.5,
        "∫|f''|g = {} above 1/η − 1/2 at η = {}",
        last[curvature],
        last[eta]
    );
}
