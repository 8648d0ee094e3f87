//! The one validation path, `ParamValues::with_changes`, as a property over random input for
//! every registered figure (so a new figure is covered as soon as it is registered).
//!
//! From random valid states, random keys (real ones, unknown ones, very long ones) get random
//! values (in and out of range, NaN, ±∞, −0, huge and tiny numbers, garbage and unicode text,
//! very long strings, point lists). A refused change says which parameter is wrong and changes
//! nothing; an accepted one changes exactly its parameter, to a value in range, and the figure
//! builds from it without panicking (built only: no run is finished). A link carrying the
//! same text is accepted or refused exactly alike.

use crate::common::{chance, pick, random_points, random_state, random_valid, without_panic};
use sgd_stability::figures::{visit, Figure, FigureVisitor, ALL_IDS};
use sgd_stability::kit::format;
use sgd_stability::kit::params::{Input, ParamError, ParamSpec, ParamValues, Scale};
use sgd_stability::math::rng::{normal, seeded, uniform, Rng};
use sgd_stability::page::url_state::{self, MAX_FRAGMENT_LEN};

/// Random changes tried per figure (each on a fresh random state one time in ten).
const CASES_PER_FIGURE: usize = 3000;

/// A value as a source could give it.
#[derive(Clone, Debug)]
enum Candidate {
    Number(f64),
    Text(String),
    Points(Vec<(f64, f64)>),
}

impl Candidate {
    fn input(&self) -> Input<'_> {
        match self {
            Candidate::Number(v) => Input::Number(*v),
            Candidate::Text(t) => Input::Text(t),
            Candidate::Points(p) => Input::Points(p),
        }
    }
}

/// A number near, at or far from the spec's range, or not finite.
fn random_number(rng: &mut Rng, spec: &ParamSpec) -> f64 {
    let outside = |bound: f64, direction: f64| bound + direction * bound.abs().max(1.0) * 1e-9;
    match pick(rng, 8) {
        0 | 1 => random_valid(rng, spec),
        2 => [spec.min, spec.max, spec.default, 0.0, -0.0][pick(rng, 5)],
        3 => [
            f64::NAN,
            -f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            5e-324,
            -5e-324,
            1e300,
            -1e300,
        ][pick(rng, 11)],
        4 => [outside(spec.min, -1.0), outside(spec.max, 1.0), spec.min - 1.0, spec.max + 1.0, -spec.max][pick(rng, 5)],
        5 => random_valid(rng, spec) + [0.5, 1e-9, -0.25][pick(rng, 3)],
        _ => normal(rng) * 10f64.powi(pick(rng, 60) as i32 - 30),
    }
}

/// Texts that are not plain decimal numbers, or not finite ones.
const ODD_TEXTS: &[&str] = &[
    "NaN",
    "nan",
    "-NaN",
    "inf",
    "-inf",
    "+infinity",
    "1e999",
    "-1e999",
    "1e-999",
    "-0",
    "+0",
    "0x10",
    "1_000",
    "1,5",
    "1.5.5",
    "--1",
    "\u{661}\u{662}",
    "\u{ff11}\u{ff12}",
    "\u{2212}1",
    "",
    "   ",
    "\0",
    "e",
    ".",
    "-",
    "\u{bd}",
    "1e",
    "0.1e+",
    "\u{221e}",
    "1 2",
    "%31",
    "1:2",
    "1:2,3:4",
    "1:2:3",
    ":",
    ",,",
    "1;2",
    "0:0,",
];

/// A text for `spec`: a number in one of several spellings, an option's name, odd and
/// garbage texts, unicode, very long strings, point lists.
fn random_text(rng: &mut Rng, spec: &ParamSpec) -> String {
    match pick(rng, 10) {
        0..=2 => {
            let v = random_number(rng, spec);
            match pick(rng, 6) {
                0 => format::exact(v),
                1 => format!("{v:e}"),
                2 => format!("{v:E}"),
                3 => format!("  {v}\t"),
                4 => format!("+{v}"),
                _ => format!("{v:.3}"),
            }
        }
        3 => match spec.scale {
            Scale::Choice(options) => {
                let name = options[pick(rng, options.len())];
                [name.to_uppercase(), format!(" {name} "), format!("{name}x"), name.to_string()][pick(rng, 4)].clone()
            }
            _ => format::exact(random_valid(rng, spec)),
        },
        4 => ODD_TEXTS[pick(rng, ODD_TEXTS.len())].to_string(),
        5 => {
            const ALPHABET: &[char] = &[
                '0', '1', '9', '.', '-', '+', 'e', 'E', ' ', 'n', 'a', 'i', 'f', ':', ',', '%', '\u{a0}', 'é', '🙂',
                '\u{feff}',
            ];
            (0..pick(rng, 40)).map(|_| ALPHABET[pick(rng, ALPHABET.len())]).collect()
        }
        6 => {
            let bytes: Vec<u8> = (0..pick(rng, 60)).map(|_| pick(rng, 256) as u8).collect();
            String::from_utf8_lossy(&bytes).into_owned()
        }
        7 => match pick(rng, 4) {
            // Around the longest text a number may have (64 bytes), then far beyond it.
            0 => format!("1.{}", "0".repeat(58 + pick(rng, 12))),
            1 => format!("{}1", "0".repeat(pick(rng, 100_000))),
            2 => "9".repeat(310 + pick(rng, 100)),
            _ => "\u{1f642}".repeat(pick(rng, 20_000)),
        },
        8 => {
            let points = random_points(rng, spec);
            let mut text: Vec<String> = points.iter().map(|(x, y)| format!("{x}:{y}")).collect();
            if chance(rng, 0.3) {
                text.push(format!("{}:{}", random_number(rng, spec), random_number(rng, spec)));
            }
            text.join(if chance(rng, 0.8) { "," } else { ", " })
        }
        _ => {
            let v = format::exact(random_valid(rng, spec));
            let junk = ["e", "e+", ".", "x", " 1", "e400", "%", "\u{2212}", "=", "&", "#"][pick(rng, 11)];
            if chance(rng, 0.5) {
                format!("{v}{junk}")
            } else {
                format!("{junk}{v}")
            }
        }
    }
}

/// A key: mostly one of the figure's, else one it does not have.
fn random_key(rng: &mut Rng, specs: &[ParamSpec]) -> String {
    let real = specs[pick(rng, specs.len())].key;
    if chance(rng, 0.85) {
        return real.to_string();
    }
    match pick(rng, 8) {
        0 => String::new(),
        1 => real.to_uppercase(),
        2 => format!(" {real}"),
        3 => format!("{real}\0"),
        4 => "\u{3b7}".to_string(),
        5 => "k".repeat(pick(rng, 100_000)),
        6 => format!("{real}.{real}"),
        _ => ["eta", "steps", "batch", "seed", "n", "k", "points"][pick(rng, 7)].to_string(),
    }
}

fn random_candidate(rng: &mut Rng, spec: Option<&ParamSpec>) -> Candidate {
    let spec = spec.copied().unwrap_or(ParamSpec {
        key: "",
        label: "",
        min: -1.0,
        max: 1.0,
        default: 0.0,
        scale: Scale::Linear,
    });
    match pick(rng, 10) {
        0..=3 => Candidate::Number(random_number(rng, &spec)),
        4 if spec.scale == Scale::Points => {
            let mut points = random_points(rng, &spec);
            if chance(rng, 0.5) {
                points.push((random_number(rng, &spec), random_number(rng, &spec)));
            }
            Candidate::Points(points)
        }
        _ => Candidate::Text(random_text(rng, &spec)),
    }
}

/// Is `v` a value `spec` must take as a number: finite, in range, whole where it must be?
fn is_valid_number(spec: &ParamSpec, v: f64) -> bool {
    match spec.scale {
        Scale::Points => v == 0.0,
        Scale::Integer | Scale::Choice(_) => v.is_finite() && v.fract() == 0.0 && v >= spec.min && v <= spec.max,
        Scale::Linear | Scale::Log => v.is_finite() && v >= spec.min && v <= spec.max,
    }
}

/// The same change through the mutating setter of its kind (what a link uses), alone.
fn set_alone(values: &mut ParamValues, key: &str, candidate: &Candidate) -> Result<(), ParamError> {
    match candidate {
        Candidate::Number(v) => values.set(key, *v),
        Candidate::Text(t) => values.set_text(key, t),
        Candidate::Points(p) => values.set_points(key, p.clone()),
    }
}

/// Every byte as a %XX escape: any text survives in a link this way.
fn escape_all(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}

/// What the property saw for one figure.
#[derive(Debug, Default)]
struct Tally {
    accepted: usize,
    refused_alone: usize,
    refused_by_rules: usize,
    unknown_keys: usize,
}

struct Property {
    seed: u64,
}

impl FigureVisitor for Property {
    type Output = Tally;

    fn visit<F: Figure + 'static>(self) -> Tally {
        let mut rng = seeded(self.seed);
        let mut tally = Tally::default();
        let mut start = ParamValues::defaults(F::PARAMS);
        for case in 0..CASES_PER_FIGURE {
            if case % 10 == 0 {
                start = random_state::<F>(&mut rng, 0.5);
            }
            let key = random_key(&mut rng, F::PARAMS);
            let candidate = random_candidate(&mut rng, start.spec(&key));
            let shown = || {
                let value: String = format!("{candidate:?}").chars().take(200).collect();
                format!("{}: {:?} = {value} from #{}", F::ID, key, url_state::write("", F::ID, &start))
            };
            let result = start.with_changes::<F>([(key.as_str(), candidate.input())]);
            match &result {
                Ok(next) => {
                    tally.accepted += 1;
                    check_accepted::<F>(&start, next, &key, &candidate).unwrap_or_else(|e| panic!("{}: {e}", shown()));
                    without_panic("Figure::new", &shown(), || F::new(next.clone())).unwrap_or_else(|e| panic!("{e}"));
                }
                Err(error) => match check_refused::<F>(&start, error, &key, &candidate) {
                    Ok(Refusal::UnknownKey) => tally.unknown_keys += 1,
                    Ok(Refusal::Alone) => tally.refused_alone += 1,
                    Ok(Refusal::ByRules) => tally.refused_by_rules += 1,
                    Err(e) => panic!("{}: {e}", shown()),
                },
            }
            if let Candidate::Text(text) = &candidate {
                check_link_agrees::<F>(&start, &result, &key, text).unwrap_or_else(|e| panic!("{}: {e}", shown()));
            }
        }
        tally
    }
}

/// An accepted change: exactly `key` changed, to the candidate's value, and every value and
/// the combination pass validation.
fn check_accepted<F: Figure>(
    start: &ParamValues,
    next: &ParamValues,
    key: &str,
    candidate: &Candidate,
) -> Result<(), String> {
    let spec = start.spec(key).ok_or("an unknown key was accepted")?;
    for (s, v) in next.iter() {
        let valid = match s.scale {
            Scale::Points => s.check_points(next.points(s.key)).is_ok() && v == next.points(s.key).len() as f64,
            _ => s.check(v) == Ok(v),
        };
        if !valid {
            return Err(format!("{} = {v} was accepted out of range", s.key));
        }
        if s.key != key && v.to_bits() != start.get(s.key).to_bits() {
            return Err(format!("{} changed too", s.key));
        }
    }
    let value = next.get(key);
    let expected = match candidate {
        Candidate::Number(v) => {
            if !is_valid_number(spec, *v) {
                return Err(format!("the number {v} was accepted"));
            }
            *v
        }
        Candidate::Text(text) => {
            spec.parse(text).map_err(|e| format!("a text that does not parse was accepted: {e}"))?
        }
        Candidate::Points(points) => {
            if next.points(key) != points.as_slice() {
                return Err("the points were not stored as given".into());
            }
            points.len() as f64
        }
    };
    if value != expected {
        return Err(format!("stored {value}, expected {expected}"));
    }
    F::validate(next).map_err(|e| format!("accepted a combination the rules refuse: {e}"))
}

enum Refusal {
    UnknownKey,
    Alone,
    ByRules,
}

/// A refused change: the error names the parameter (the one changed when the value alone is
/// wrong, else one of the figure's), and the mutating setter refuses it alike, leaving the
/// values as they were.
fn check_refused<F: Figure>(
    start: &ParamValues,
    error: &ParamError,
    key: &str,
    candidate: &Candidate,
) -> Result<Refusal, String> {
    let Some(spec) = start.spec(key) else {
        return if error.key == key && error.message.contains(key) {
            Ok(Refusal::UnknownKey)
        } else {
            Err(format!("the refusal of an unknown key does not name it: {error:?}"))
        };
    };
    let mut alone = start.clone();
    match set_alone(&mut alone, key, candidate) {
        Err(e) => {
            if &alone != start {
                return Err("a refused setter changed the values".into());
            }
            if &e != error || error.key != key || !error.message.contains(spec.label) {
                return Err(format!("the refusal does not name the parameter: {error:?}"));
            }
            if let Candidate::Number(v) = candidate {
                if is_valid_number(spec, *v) {
                    return Err(format!("the valid number {v} was refused: {error:?}"));
                }
            }
            Ok(Refusal::Alone)
        }
        Ok(()) => {
            if F::validate(&alone).is_ok() {
                return Err(format!("a change the rules accept was refused: {error:?}"));
            }
            if !F::PARAMS.iter().any(|s| s.key == error.key) || error.message.is_empty() {
                return Err(format!("the rules' refusal names no parameter: {error:?}"));
            }
            Ok(Refusal::ByRules)
        }
    }
}

/// The same text in a link (`#<id>.<key>=<text>`, every byte escaped) is taken or refused
/// alike; a refused link entry leaves the values as they were.
fn check_link_agrees<F: Figure>(
    start: &ParamValues,
    result: &Result<ParamValues, ParamError>,
    key: &str,
    text: &str,
) -> Result<(), String> {
    let fragment = format!("{}.{}={}", F::ID, escape_all(key), escape_all(text));
    let mut via_link = start.clone();
    let refused = url_state::apply(&fragment, F::ID, &mut via_link);
    if !refused.is_empty() {
        if &via_link != start {
            return Err("a refused link changed the values".into());
        }
        return match result {
            Err(_) => Ok(()),
            Ok(_) if fragment.len() > MAX_FRAGMENT_LEN => Err("an over-long link was accepted directly".into()),
            Ok(_) => Err(format!("the link refused what the shared path took: {refused:?}")),
        };
    }
    match (result, F::validate(&via_link)) {
        (Ok(next), Ok(())) if next == &via_link => Ok(()),
        (Err(_), Err(_)) => Ok(()),
        _ => Err(format!("the link and the shared path disagree: {result:?}")),
    }
}

#[test]
fn every_figure_refuses_bad_input_and_builds_from_good_input() {
    for (i, id) in ALL_IDS.iter().enumerate() {
        let tally = visit(id, Property { seed: 100 + i as u64 }).unwrap();
        println!("{id}: {tally:?}");
        assert!(tally.accepted > CASES_PER_FIGURE / 10, "{id}: too few accepted to test anything: {tally:?}");
        assert!(tally.refused_alone > CASES_PER_FIGURE / 4, "{id}: too few refused: {tally:?}");
        assert!(tally.unknown_keys > 0, "{id}: {tally:?}");
    }
}

/// Several settings at once (a saved run, the command line) are judged together: any valid
/// state is reached from any other in one call, whatever the order, even when a figure's
/// rules would refuse some of the steps taken one at a time.
struct AllAtOnce {
    seed: u64,
}

impl FigureVisitor for AllAtOnce {
    type Output = ();

    fn visit<F: Figure + 'static>(self) {
        let mut rng = seeded(self.seed);
        for _ in 0..300 {
            let (start, target) = (random_state::<F>(&mut rng, 0.6), random_state::<F>(&mut rng, 0.6));
            let mut texts: Vec<(&str, String)> = F::PARAMS.iter().map(|spec| (spec.key, target.text(spec))).collect();
            // Shuffled: the order of settings must not matter.
            for i in (1..texts.len()).rev() {
                texts.swap(i, pick(&mut rng, i + 1));
            }
            let changes = texts.iter().map(|(key, text)| (*key, Input::Text(text)));
            assert_eq!(start.with_changes::<F>(changes), Ok(target.clone()), "{}", F::ID);
            // One bad setting among good ones refuses them all.
            let bad = uniform(&mut rng, 0.0, texts.len() as f64) as usize;
            let changes = texts
                .iter()
                .enumerate()
                .map(|(i, (key, text))| (*key, Input::Text(if i == bad { "NaN" } else { text })));
            let error = start.with_changes::<F>(changes).expect_err("NaN among the settings was taken");
            assert_eq!(error.key, texts[bad].0);
        }
    }
}

#[test]
fn several_settings_are_judged_together() {
    for (i, id) in ALL_IDS.iter().enumerate() {
        visit(id, AllAtOnce { seed: 200 + i as u64 }).unwrap();
    }
}

/// A malformed escape in a link stays as written, so that its refusal quotes what the link
/// says (a sign is not a hex digit: "%+5" is not the byte 5).
#[test]
fn malformed_escapes_in_a_link_stay_as_written() {
    let cases = [("%+5", "%+5"), ("%-1", "%-1"), ("%2", "%2"), ("%zz", "%zz"), ("%41", "A"), ("%c3%A9", "\u{e9}")];
    for (escape, decoded) in cases {
        let entries = url_state::entries_for(&format!("quadratic-1d.eta={escape}"), "quadratic-1d");
        assert_eq!(entries, vec![Ok(("eta".to_string(), decoded.to_string()))], "{escape}");
    }
}
