//! Figure parameters (`kit::params`): the one validation path every value goes through,
//! whatever its source (slider, typed text, URL, command line).
//!
//! Checked on the specs of the real figures: refused texts name the parameter and change
//! nothing, accepted values are always finite, whole where they must be and in range (a
//! property over 12,000 random strings), and the slider map round-trips.

use crate::common::{pick, random_valid};
use sgd_stability::figures::quadratic_1d::Quadratic1d;
use sgd_stability::figures::quadratic_nd::QuadraticNd;
use sgd_stability::figures::Figure;
use sgd_stability::kit::format;
use sgd_stability::kit::params::{ParamSpec, ParamValues, Scale};
use sgd_stability::math::rng::{normal, seeded, uniform, Rng};

/// The parameter lists of every real figure.
fn all_specs() -> Vec<&'static [ParamSpec]> {
    vec![Quadratic1d::PARAMS, QuadraticNd::PARAMS]
}

fn every_spec() -> impl Iterator<Item = &'static ParamSpec> {
    all_specs().into_iter().flatten()
}

/// A parameter with named options, for the `Choice` scale (no real figure has one yet).
static CHOICE_SPECS: [ParamSpec; 1] = [ParamSpec {
    key: "act",
    label: "activation",
    min: 0.0,
    max: 2.0,
    default: 1.0,
    scale: Scale::Choice(&["relu", "tanh", "linear"]),
}];

fn is_whole_scale(spec: &ParamSpec) -> bool {
    matches!(spec.scale, Scale::Integer | Scale::Choice(_))
}

/// What every accepted value must satisfy.
fn assert_valid(spec: &ParamSpec, value: f64, text: &str) {
    assert!(value.is_finite(), "{}: accepted {text:?} as {value}", spec.key);
    assert!(value >= spec.min && value <= spec.max, "{}: accepted {text:?} as {value} outside the range", spec.key);
    if is_whole_scale(spec) {
        assert_eq!(value.fract(), 0.0, "{}: accepted {text:?} as the non-integer {value}", spec.key);
    }
}

/// Texts that are not numbers at all, or not finite ones: refused for every parameter, with
/// a message that names the parameter's label so the reader knows which field is wrong.
#[test]
fn non_numbers_are_refused_with_the_label_in_the_message() {
    let long_number = format!("1{}", "0".repeat(100));
    let long_digits = format!("0.{}1", "0".repeat(70));
    let long_junk = "x".repeat(10_000);
    let texts = [
        "NaN",
        "nan",
        "-NaN",
        "inf",
        "-inf",
        "+inf",
        "infinity",
        "-Infinity",
        "",
        "   ",
        "\t\n",
        "abc",
        "1e400",
        "-1e400",
        "1e",
        "e5",
        ".",
        "+",
        "-",
        "--1",
        "1,5",
        "0x10",
        "1_000",
        "1 2",
        "½",
        "\u{2212}1",
        "1.2.3",
        "5%",
        "1e5e5",
        "🙂",
        &long_number,
        &long_digits,
        &long_junk,
    ];
    for spec in every_spec().chain(CHOICE_SPECS.iter()) {
        for text in texts {
            let err = spec.parse(text).expect_err(&format!("{}: {text:?} must be refused", spec.key));
            assert_eq!(err.key, spec.key);
            assert!(err.message.contains(spec.label), "message {:?} does not name {:?}", err.message, spec.label);
            assert_eq!(err.to_string(), err.message);
        }
        for value in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let err = spec.check(value).expect_err("non-finite values are refused");
            assert!(err.message.contains(spec.label));
        }
    }
}

/// Numbers outside [min, max] (just outside, far outside, huge) are refused, naming the label
/// and the range.
#[test]
fn out_of_range_values_are_refused() {
    for spec in every_spec().chain(CHOICE_SPECS.iter()) {
        let span = spec.max - spec.min;
        let below = [spec.min - 1.0, spec.min - span, -1e300, spec.min - 1e-9 * span.max(1.0)];
        let above = [spec.max + 1.0, spec.max + span, 1e300, spec.max + 1e-9 * span.max(1.0)];
        for value in below.into_iter().chain(above) {
            if is_whole_scale(spec) && value.fract() != 0.0 {
                continue;
            }
            let err = spec.check(value).expect_err(&format!("{}: {value} is out of range", spec.key));
            assert!(err.message.contains(spec.label), "{}", err.message);
            assert!(err.message.contains(&format::exact(spec.min)) && err.message.contains(&format::exact(spec.max)));
            assert!(spec.parse(&format::exact(value)).is_err());
        }
        // The bounds themselves are valid.
        assert_eq!(spec.check(spec.min), Ok(spec.min));
        assert_eq!(spec.check(spec.max), Ok(spec.max));
        assert_eq!(spec.check(spec.default), Ok(spec.default), "{}: the default must be valid", spec.key);
    }
}

/// Whole-number parameters (steps, choices) refuse fractions, however they are written.
#[test]
fn integer_parameters_refuse_fractions() {
    let integer_specs: Vec<_> = every_spec().filter(|s| s.scale == Scale::Integer).collect();
    assert!(integer_specs.len() >= 2, "the figures have step counts");
    for spec in integer_specs.into_iter().chain(CHOICE_SPECS.iter()) {
        let mid = ((spec.min + spec.max) / 2.0).floor();
        for text in [format!("{mid}.5"), format!("{}", mid + 0.25), format!("{mid}.000001"), "1.5e0".to_string()] {
            let err = spec.parse(&text).expect_err(&format!("{}: {text} is not whole", spec.key));
            assert!(err.message.contains(spec.label));
        }
        // Whole numbers written in other ways are accepted.
        for text in [format!("{mid}"), format!("{mid}.0"), format!("{mid}e0"), format!(" +{mid} ")] {
            assert_eq!(spec.parse(&text), Ok(mid), "{}: {text:?}", spec.key);
        }
    }
}

/// Valid texts in the usual spellings parse to the number they denote.
#[test]
fn valid_texts_are_accepted() {
    let spec = &Quadratic1d::PARAMS[2]; // b in [−5, 5], linear
    assert_eq!(spec.key, "b");
    for (text, value) in [
        ("1", 1.0),
        ("-1.5", -1.5),
        ("+2", 2.0),
        (" 3.25 ", 3.25),
        ("\t-0.5\n", -0.5),
        (".5", 0.5),
        ("5.", 5.0),
        ("-5", -5.0),
        ("2e0", 2.0),
        ("25E-1", 2.5),
        ("0", 0.0),
        ("-0", 0.0),
        ("1e-400", 0.0),
        ("\u{a0}4\u{a0}", 4.0),
    ] {
        assert_eq!(spec.parse(text), Ok(value), "{text:?}");
    }
    // A valid number padded far beyond the length limit is still just that number.
    assert_eq!(spec.parse(&format!("{}1.25{}", " ".repeat(100), " ".repeat(100))), Ok(1.25));
    for spec in every_spec() {
        assert_eq!(spec.parse(&format::exact(spec.default)), Ok(spec.default));
    }
}

/// `Choice` parameters take an option's name (any ASCII case) or its index, and `format`
/// writes the name back.
#[test]
fn choice_parameters_take_names_and_indices() {
    let spec = &CHOICE_SPECS[0];
    assert_eq!(spec.parse("relu"), Ok(0.0));
    assert_eq!(spec.parse(" TANH "), Ok(1.0));
    assert_eq!(spec.parse("Linear"), Ok(2.0));
    assert_eq!(spec.parse("2"), Ok(2.0));
    for bad in ["sigmoid", "3", "-1", "0.5", "relu tanh"] {
        let err = spec.parse(bad).expect_err(bad);
        assert!(err.message.contains(spec.label), "{}", err.message);
    }
    for i in 0..3 {
        let v = i as f64;
        assert_eq!(spec.parse(&spec.format(v)), Ok(v));
        assert_eq!(spec.from_unit(spec.to_unit(v)), v);
    }
    let mut values = ParamValues::defaults(&CHOICE_SPECS);
    values.set_text("act", "relu").unwrap();
    assert_eq!(values.get("act"), 0.0);
    assert!(values.set_text("act", "gelu").is_err());
    assert_eq!(values.get("act"), 0.0);
}

/// On any error `set_text` and `set` change nothing: no half-applied state, whatever failed.
#[test]
fn refused_values_leave_every_value_unchanged() {
    let mut rng = seeded(1);
    for specs in all_specs() {
        let mut values = ParamValues::defaults(specs);
        // Start from a random valid state, not the defaults.
        for spec in specs {
            values.set(spec.key, random_valid(&mut rng, spec)).unwrap();
        }
        let before = values.clone();
        for spec in specs {
            for text in ["NaN", "inf", "", "abc", "1e400", "99999", "-99999", "2.5e300"] {
                let err = values.set_text(spec.key, text).expect_err(text);
                assert!(err.message.contains(spec.label));
                assert_eq!(values, before, "{}={text:?} changed the values", spec.key);
            }
            assert!(values.set(spec.key, f64::NAN).is_err());
            assert!(values.set(spec.key, spec.max * 2.0 + 1.0).is_err());
            assert_eq!(values, before);
        }
        for key in ["", "zzz", "A", "eta "] {
            let err = values.set_text(key, "1").expect_err(key);
            assert_eq!(err.key, key);
            assert!(values.set(key, 1.0).is_err());
            assert_eq!(values, before);
        }
        // A valid text changes exactly its parameter.
        let spec = &specs[0];
        let v = random_valid(&mut rng, spec);
        values.set_text(spec.key, &format::exact(v)).unwrap();
        assert_eq!(values.get(spec.key), v);
        for other in &specs[1..] {
            assert_eq!(values.get(other.key), before.get(other.key));
        }
    }
}

/// `defaults`, `get`, `spec`, `iter` and `non_defaults` agree with the spec list.
#[test]
fn param_values_accessors() {
    for specs in all_specs() {
        let mut values = ParamValues::defaults(specs);
        assert_eq!(values.specs(), specs);
        assert_eq!(values.non_defaults().count(), 0);
        for (spec, (s, v)) in specs.iter().zip(values.iter()) {
            assert_eq!(spec, s);
            assert_eq!(v, spec.default);
            assert_eq!(values.spec(spec.key), Some(spec));
        }
        assert_eq!(values.spec("no such key"), None);
        let spec = specs.iter().find(|s| s.default != s.max).unwrap();
        values.set(spec.key, spec.max).unwrap();
        assert_eq!(values.non_defaults().collect::<Vec<_>>(), vec![(spec.key, spec.max)]);
        if let Some(steps) = specs.iter().find(|s| s.scale == Scale::Integer) {
            values.set(steps.key, steps.max).unwrap();
            assert_eq!(values.get_usize(steps.key), steps.max as usize);
        }
    }
}

/// A random string of one of several kinds: random bytes (lossy UTF-8), random chars from a
/// mixed alphabet with unicode, numbers in various formats, numbers with junk attached.
fn random_text(rng: &mut Rng) -> String {
    let len = pick(rng, 80);
    match pick(rng, 6) {
        0 => {
            let bytes: Vec<u8> = (0..len).map(|_| pick(rng, 256) as u8).collect();
            String::from_utf8_lossy(&bytes).into_owned()
        }
        1 => {
            const ALPHABET: &[char] = &[
                '0', '1', '5', '9', '.', '-', '+', 'e', 'E', ' ', '\t', 'n', 'a', 'i', 'f', 'N', '%', '&', '=', '#',
                '\u{a0}', '\u{2212}', 'é', '∞', '🙂', '\u{0}', '\u{feff}', '_', ',', 'x',
            ];
            (0..len.min(20)).map(|_| ALPHABET[pick(rng, ALPHABET.len())]).collect()
        }
        2 => {
            let v = normal(rng) * 10f64.powi(pick(rng, 40) as i32 - 20);
            match pick(rng, 6) {
                0 => format!("{v}"),
                1 => format!("{v:e}"),
                2 => format!("{v:.3}"),
                3 => format!("{v:E}"),
                4 => format!("  {:+}  ", v),
                _ => format!("{:.*}", pick(rng, 30), v),
            }
        }
        3 => format!("{}", uniform(rng, -400.0, 400.0)),
        4 => {
            let n = (uniform(rng, -10.0, 310.0)).round();
            format!("{n}")
        }
        _ => {
            let v = uniform(rng, -6.0, 6.0);
            let junk = ["", "e", "e+", ".", "x", " 1", "e400", "e-400", "\u{2212}", "%"][pick(rng, 10)];
            if pick(rng, 2) == 0 {
                format!("{v}{junk}")
            } else {
                format!("{junk}{v}")
            }
        }
    }
}

/// THE property of the validation path: over 12,000 random strings for every parameter,
/// nothing panics, every accepted value is finite, in range and whole where it must be, and
/// re-parses to itself from its formatted text; every refusal names the parameter.
#[test]
fn random_strings_never_panic_and_accepted_values_are_valid() {
    let mut rng = seeded(2);
    let mut accepted = 0;
    let specs: Vec<&ParamSpec> = every_spec().chain(CHOICE_SPECS.iter()).collect();
    for _ in 0..12_000 {
        let text = random_text(&mut rng);
        for spec in &specs {
            match spec.parse(&text) {
                Ok(v) => {
                    accepted += 1;
                    assert_valid(spec, v, &text);
                    assert_eq!(spec.parse(&spec.format(v)), Ok(v), "{}: {text:?}", spec.key);
                    assert_eq!(spec.check(v), Ok(v));
                }
                Err(e) => assert!(e.message.contains(spec.label), "{e:?}"),
            }
        }
    }
    assert!(accepted > 5_000, "only {accepted} accepted: the generator must also make valid numbers");
}

/// `check` on random numbers of every magnitude agrees with the definition of valid.
#[test]
fn check_agrees_with_the_definition_on_random_numbers() {
    let mut rng = seeded(3);
    for _ in 0..20_000 {
        let v = match (uniform(&mut rng, 0.0, 3.0)) as usize {
            0 => normal(&mut rng) * 10f64.powi((uniform(&mut rng, -30.0, 30.0)) as i32),
            1 => uniform(&mut rng, -400.0, 400.0).round(),
            _ => uniform(&mut rng, -12.0, 12.0),
        };
        for spec in every_spec() {
            let valid = v >= spec.min && v <= spec.max && (!is_whole_scale(spec) || v.fract() == 0.0);
            assert_eq!(spec.check(v).is_ok(), valid, "{} = {v}", spec.key);
        }
    }
}

/// The slider: `to_unit` maps the range onto [0, 1] monotonically, and every slider position
/// gives a valid value; value → position → value moves a value by less than one slider step
/// (1/1000 of the range, in log units for log scales) and keeps whole numbers exact.
#[test]
fn slider_map_round_trips_within_one_step() {
    let steps = 1000.0;
    let mut rng = seeded(4);
    for spec in every_spec().chain(CHOICE_SPECS.iter()) {
        assert_eq!(spec.to_unit(spec.min), 0.0);
        assert_eq!(spec.to_unit(spec.max), 1.0);
        assert_eq!(spec.from_unit(0.0), spec.min);
        assert_eq!(spec.from_unit(1.0), spec.max);
        assert_eq!(spec.from_unit(-3.0), spec.min);
        assert_eq!(spec.from_unit(7.0), spec.max);
        let mut previous = f64::NEG_INFINITY;
        for k in 0..=1000 {
            let u = k as f64 / steps;
            let v = spec.from_unit(u);
            assert_valid(spec, v, &format!("slider position {k}"));
            assert!(v >= previous, "{}: from_unit not monotone at position {k}", spec.key);
            previous = v;
        }
        for _ in 0..2000 {
            let v = random_valid(&mut rng, spec);
            let u = spec.to_unit(v);
            assert!((0.0..=1.0).contains(&u));
            let back = spec.from_unit(u);
            match spec.scale {
                Scale::Log => {
                    let step = (spec.max.ln() - spec.min.ln()) / steps;
                    assert!((back.ln() - v.ln()).abs() <= step, "{}: {v} → {back}", spec.key);
                }
                Scale::Linear => {
                    let step = (spec.max - spec.min) / steps;
                    assert!((back - v).abs() <= step, "{}: {v} → {back}", spec.key);
                }
                Scale::Integer | Scale::Choice(_) | Scale::Points => assert_eq!(back, v, "{}", spec.key),
            }
        }
    }
}

/// The slider shows the value it set: for every position of a 1000-step slider on a log or
/// linear scale, the value `from_unit` gives maps back (via `to_unit`) to the same position,
/// so a dragged slider does not snap to a neighbour, as `from_unit`'s documentation promises
/// ("finer than one slider step of a log scale over four decades").
#[test]
fn every_slider_position_maps_back_to_itself() {
    let steps = 1000.0;
    let mut snapped = Vec::new();
    for spec in every_spec().filter(|s| matches!(s.scale, Scale::Log | Scale::Linear)) {
        for k in 0..=1000 {
            let v = spec.from_unit(k as f64 / steps);
            let back = (spec.to_unit(v) * steps).round() as i32;
            if back != k {
                snapped.push(format!("{} position {k} → {v} → position {back}", spec.key));
            }
        }
    }
    assert!(snapped.is_empty(), "{} positions snap: {:?}", snapped.len(), &snapped[..snapped.len().min(6)]);
}

/// Values are written for URLs and files with `format::exact`, which must be the shortest
/// text that parses back to exactly the same number.
#[test]
fn format_value_round_trips() {
    let mut rng = seeded(5);
    for _ in 0..20_000 {
        let v = normal(&mut rng) * 10f64.powi((uniform(&mut rng, -300.0, 300.0)) as i32);
        assert_eq!(format::exact(v).parse::<f64>().unwrap().to_bits(), v.to_bits());
    }
    assert_eq!(format::exact(0.1), "0.1");
    assert_eq!(format::exact(30.0), "30");
    assert_eq!(format::exact(-1.5), "-1.5");
}

/// `round_sig` makes the slider's values readable: it must return the double nearest to the
/// value rounded to `digits` significant digits (what `{:.*e}` prints), so that the value
/// displays as those digits and rounding again changes nothing.
#[test]
fn round_sig_rounds_to_significant_digits() {
    assert_eq!(format::round_sig(1234.5678, 3), 1230.0);
    assert_eq!(format::round_sig(0.0012345, 2), 0.0012);
    assert_eq!(format::round_sig(-98765.0, 2), -99000.0);
    assert_eq!(format::round_sig(0.0, 3), 0.0);
    assert!(format::round_sig(f64::NAN, 3).is_nan());
    let mut rng = seeded(6);
    let mut wrong = Vec::new();
    for _ in 0..20_000 {
        let v = normal(&mut rng) * 10f64.powi((uniform(&mut rng, -10.0, 10.0)) as i32);
        for digits in [3, 4] {
            let r = format::round_sig(v, digits);
            let expected: f64 = format!("{:.*e}", digits as usize - 1, v).parse().unwrap();
            assert!((r - v).abs() <= 0.5 * 10f64.powi(1 - digits) * v.abs() * (1.0 + 1e-12), "{v} → {r}");
            if r != expected || format::round_sig(r, digits) != r {
                assert!(
                    v.abs() >= 10f64.powi(digits),
                    "format::round_sig({v:e}, {digits}) = {r:e}, expected {expected:e}"
                );
                wrong.push(format!("format::round_sig({v:e}, {digits}) = {r:e}, expected {expected:e}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{} wrong: {:?}", wrong.len(), &wrong[..wrong.len().min(4)]);
}
