//! Figure state in the URL fragment (`page::url_state`): a shared link must restore exactly
//! the values it was written from, and a malformed or hostile link must never panic, never
//! half-apply a value, and say what it refused.

use crate::common::{self, pick};
use sgd_stability::figures::quadratic_1d::Quadratic1d;
use sgd_stability::figures::quadratic_nd::QuadraticNd;
use sgd_stability::figures::{visit, Figure, FigureVisitor, ALL_IDS};
use sgd_stability::kit::params::{ParamSpec, ParamValues, Scale};
use sgd_stability::math::rng::{normal, seeded, Rng};
use sgd_stability::page::url_state::{
    apply, entries_for, progress_from, write, write_progress, MAX_FRAGMENT_LEN, MAX_PROGRESS, PROGRESS_KEY,
};

/// (figure id, its parameter specs) for every figure.
/// Every registered figure's id and parameter specs.
fn figures() -> Vec<(&'static str, &'static [ParamSpec])> {
    struct Specs;
    impl FigureVisitor for Specs {
        type Output = (&'static str, &'static [ParamSpec]);
        fn visit<F: Figure + 'static>(self) -> Self::Output {
            (F::ID, F::PARAMS)
        }
    }
    ALL_IDS.iter().filter_map(|id| visit(id, Specs)).collect()
}

/// The two quadratic figures, whose parameters (eta, steps) the parser tests below name.
fn quadratic_figures() -> Vec<(&'static str, &'static [ParamSpec])> {
    vec![(Quadratic1d::ID, Quadratic1d::PARAMS), (QuadraticNd::ID, QuadraticNd::PARAMS)]
}

/// Random valid values; each parameter is left at its default with probability 1/3.
fn random_values(rng: &mut Rng, specs: &'static [ParamSpec]) -> ParamValues {
    common::random_values(rng, specs, 2.0 / 3.0)
}

/// Every registered id resolves to a figure with that id.
#[test]
fn all_ids_are_the_figures_tested_here() {
    let ids: Vec<&str> = figures().iter().map(|f| f.0).collect();
    assert_eq!(ALL_IDS, ids.as_slice());
}

/// write → apply restores every value exactly (bits), for both figures sharing one fragment
/// with unrelated entries, which are kept in place; with or without the leading '#'.
#[test]
fn write_then_apply_round_trips() {
    let mut rng = seeded(1);
    let unrelated = ["utm_source=x", "other-figure.eta=3", "plain", "a=b=c", ""];
    for case in 0..2000 {
        let mut fragment = String::new();
        for _ in 0..pick(&mut rng, 3) {
            let e = unrelated[pick(&mut rng, unrelated.len())];
            if !e.is_empty() {
                if !fragment.is_empty() {
                    fragment.push('&');
                }
                fragment.push_str(e);
            }
        }
        let before_unrelated = fragment.clone();
        let mut written = Vec::new();
        for (id, specs) in figures() {
            let values = random_values(&mut rng, specs);
            fragment = write(&fragment, id, &values);
            if case % 2 == 0 {
                fragment = format!("#{fragment}");
            }
            written.push((id, specs, values));
        }
        assert!(fragment.len() <= MAX_FRAGMENT_LEN);
        for (id, specs, values) in &written {
            let mut restored = ParamValues::defaults(specs);
            let errors = apply(&fragment, id, &mut restored);
            assert!(errors.is_empty(), "case {case}: {errors:?} from {fragment:?}");
            for ((spec, a), (_, b)) in values.iter().zip(restored.iter()) {
                assert_eq!(a.to_bits(), b.to_bits(), "case {case}: {id}.{} from {fragment:?}", spec.key);
            }
            // Only non-default values are written, one entry each.
            let entries = entries_for(&fragment, id);
            assert_eq!(entries.len(), values.non_defaults().count(), "{fragment:?}");
        }
        // Unrelated entries survive, in their order, at the front.
        let bare = fragment.strip_prefix('#').unwrap_or(&fragment);
        assert!(bare.starts_with(&before_unrelated), "{before_unrelated:?} lost from {fragment:?}");
        // Writing the same values again changes nothing (the figure's entries move to the end
        // once, then stay), and entries are never duplicated.
        for (id, _, values) in &written {
            let once = write(&fragment, id, values);
            assert_eq!(write(&once, id, values), once, "write is not idempotent");
            let mut sorted_once: Vec<&str> = once.split('&').collect();
            let mut sorted_bare: Vec<&str> = bare.split('&').collect();
            sorted_once.sort_unstable();
            sorted_bare.sort_unstable();
            assert_eq!(sorted_once, sorted_bare, "rewriting the same values changed the entries");
        }
    }
}

/// The plain page has no fragment: defaults write nothing, and rewriting a figure's entries
/// with defaults removes them.
#[test]
fn defaults_write_nothing() {
    for (id, specs) in figures() {
        let defaults = ParamValues::defaults(specs);
        assert_eq!(write("", id, &defaults), "");
        assert_eq!(write("#", id, &defaults), "");
        let mut changed = defaults.clone();
        changed.set(specs[0].key, specs[0].max).unwrap();
        let fragment = write("keep=1", id, &changed);
        let value = specs[0].format(specs[0].max).replace(' ', "%20");
        assert_eq!(fragment, format!("keep=1&{id}.{}={value}", specs[0].key));
        assert_eq!(write(&fragment, id, &defaults), "keep=1");
    }
}

/// Percent escapes are decoded in keys and values before validation.
#[test]
fn percent_escapes_are_decoded() {
    let id = Quadratic1d::ID;
    let mut values = ParamValues::defaults(Quadratic1d::PARAMS);
    assert!(apply(&format!("#{id}.eta=%31.5&{id}.b=%2D2&{id}.x%30=%2B3"), id, &mut values).is_empty());
    assert_eq!((values.get("eta"), values.get("b"), values.get("x0")), (1.5, -2.0, 3.0));
    assert_eq!(entries_for(&format!("{id}.a=%4"), id), vec![Ok(("a".to_string(), "%4".to_string()))]);
}

/// Each refused entry comes back as an error naming what was wrong, and leaves its parameter
/// at its previous value; valid entries next to it still apply.
#[test]
fn invalid_entries_are_refused_and_change_nothing() {
    let mut rng = seeded(2);
    for (id, specs) in quadratic_figures() {
        let start = random_values(&mut rng, specs);
        let eta_label = specs.iter().find(|s| s.key == "eta").unwrap().label;
        let steps_label = specs.iter().find(|s| s.key == "steps").unwrap().label;
        let cases: Vec<(String, Option<&str>)> = vec![
            (format!("{id}.eta=NaN"), Some(eta_label)),
            (format!("{id}.eta=nan"), Some(eta_label)),
            (format!("{id}.eta=inf"), Some(eta_label)),
            (format!("{id}.eta=-inf"), Some(eta_label)),
            (format!("{id}.eta=1e999"), Some(eta_label)),
            (format!("{id}.eta=-1"), Some(eta_label)),
            (format!("{id}.eta=1000"), Some(eta_label)),
            (format!("{id}.eta="), Some(eta_label)),
            (format!("{id}.eta=%20"), Some(eta_label)),
            (format!("{id}.eta=%zz"), Some(eta_label)),
            (format!("{id}.eta=%"), Some(eta_label)),
            (format!("{id}.eta=1%"), Some(eta_label)),
            (format!("{id}.eta=%4"), Some(eta_label)),
            (format!("{id}.eta=0.5%zz"), Some(eta_label)),
            (format!("{id}.eta=%ff%fe"), Some(eta_label)),
            (format!("{id}.eta=1=2"), Some(eta_label)),
            (format!("{id}.steps=2.5"), Some(steps_label)),
            (format!("{id}.steps=1e9"), Some(steps_label)),
            (format!("{id}.zzz=1"), None),
            (format!("{id}.=1"), None),
            (format!("{id}.ETA=1"), None),
            (format!("#{}", "x".repeat(MAX_FRAGMENT_LEN + 1)), None),
            (format!("{id}.eta=0.5&{}", "y".repeat(MAX_FRAGMENT_LEN)), None),
        ];
        for (fragment, label) in cases {
            let mut values = start.clone();
            let errors = apply(&fragment, id, &mut values);
            let shown = &fragment[..fragment.len().min(60)];
            assert_eq!(errors.len(), 1, "{shown:?}: {errors:?}");
            assert_eq!(values, start, "{shown:?} changed the values");
            if let Some(label) = label {
                assert!(errors[0].message.contains(label), "{shown:?}: {:?}", errors[0].message);
            }
            assert!(!errors[0].message.is_empty());
        }
        // Valid entries beside an invalid one still apply, the invalid one is reported.
        let mut values = start.clone();
        let errors = apply(&format!("{id}.eta=NaN&{id}.steps=7&junk"), id, &mut values);
        assert_eq!(errors.len(), 1);
        assert_eq!(values.get("eta"), start.get("eta"));
        assert_eq!(values.get("steps"), 7.0);
        // Other figures' invalid entries are not this figure's business.
        let other = if id == Quadratic1d::ID { QuadraticNd::ID } else { Quadratic1d::ID };
        let mut values = start.clone();
        assert!(apply(&format!("{other}.eta=NaN&{other}.zzz=1"), id, &mut values).is_empty());
        assert_eq!(values, start);
    }
}

/// An entry of this figure without '=' is malformed: the documented contract ("the refused
/// ones come back as messages") says the reader is told, not silently ignored.
#[test]
fn an_entry_without_equals_sign_is_reported() {
    for (id, specs) in quadratic_figures() {
        let start = ParamValues::defaults(specs);
        for fragment in [format!("{id}.eta"), format!("#{id}.eta&{id}.steps=7"), format!("{id}.eta%3D1")] {
            let mut values = start.clone();
            let errors = apply(&fragment, id, &mut values);
            assert_eq!(values.get("eta"), start.get("eta"), "{fragment:?}");
            assert_eq!(errors.len(), 1, "{fragment:?}: a malformed entry of {id} must be reported, got {errors:?}");
        }
    }
}

/// A random fragment: random bytes, random pieces of real syntax, or real entries with noise.
fn random_fragment(rng: &mut Rng) -> String {
    let ids = ["quadratic-1d", "quadratic-nd", "other", "", "quadratic-1d.", "QUADRATIC-1D"];
    let keys = ["a", "b", "eta", "x0", "y0", "steps", "angle", "a1", "a2", "", "zz", "é", "eta.eta"];
    let values = [
        "1",
        "0.5",
        "-1",
        "NaN",
        "inf",
        "1e400",
        "%",
        "%zz",
        "%2",
        "%31",
        "%E2%88%92",
        "%ff",
        "",
        "=",
        "abc",
        "2.5",
        "300",
        "-0",
        "1e-400",
        "\u{1F642}",
        "%00",
        "+1",
    ];
    match pick(rng, 4) {
        0 => {
            let len = pick(rng, 200);
            let bytes: Vec<u8> = (0..len).map(|_| pick(rng, 256) as u8).collect();
            String::from_utf8_lossy(&bytes).into_owned()
        }
        1 => {
            const PIECES: &[&str] = &["&", "=", ".", "#", "%", "%2", "%zz", "quadratic-1d", "eta", "1", "-", "é", "&&"];
            (0..pick(rng, 40)).map(|_| PIECES[pick(rng, PIECES.len())]).collect()
        }
        2 => {
            let n = pick(rng, 8);
            let entries: Vec<String> = (0..n)
                .map(|_| {
                    let v = if pick(rng, 3) == 0 {
                        format!("{}", normal(rng) * 10f64.powi(pick(rng, 8) as i32 - 4))
                    } else {
                        values[pick(rng, values.len())].to_string()
                    };
                    match pick(rng, 5) {
                        0 => format!("{}.{}", ids[pick(rng, ids.len())], keys[pick(rng, keys.len())]),
                        _ => format!("{}.{}={v}", ids[pick(rng, ids.len())], keys[pick(rng, keys.len())]),
                    }
                })
                .collect();
            format!("{}{}", if pick(rng, 2) == 0 { "#" } else { "" }, entries.join("&"))
        }
        _ => {
            // Long: near and beyond the length limit.
            let n = MAX_FRAGMENT_LEN - 50 + pick(rng, 100);
            format!("quadratic-1d.eta=0.5&{}", "z".repeat(n))
        }
    }
}

/// THE property of URL parsing: over 12,000 random fragments for both figures, nothing panics
/// (apply, entries_for, write), every value afterwards is still valid, and every parameter not
/// named by a valid entry keeps its value.
#[test]
fn random_fragments_never_panic_and_values_stay_valid() {
    let mut rng = seeded(3);
    let mut changed = 0;
    for _ in 0..12_000 {
        let fragment = random_fragment(&mut rng);
        for (id, specs) in figures() {
            let start = random_values(&mut rng, specs);
            let mut values = start.clone();
            let errors = apply(&fragment, id, &mut values);
            let entries = entries_for(&fragment, id);
            for (spec, v) in values.iter() {
                let valid = match spec.scale {
                    Scale::Points => spec.check_points(values.points(spec.key)).is_ok(),
                    _ => spec.check(v) == Ok(v),
                };
                assert!(valid, "{id}.{} = {v} after {fragment:?}", spec.key);
                if v.to_bits() != start.get(spec.key).to_bits() {
                    changed += 1;
                    assert!(
                        entries.iter().flatten().any(|(k, _)| k == spec.key),
                        "{} changed without an entry",
                        spec.key
                    );
                }
            }
            assert!(errors.len() <= entries.len().max(1));
            let rewritten = write(&fragment, id, &values);
            let mut again = ParamValues::defaults(specs);
            let refused = apply(&rewritten, id, &mut again);
            assert!(refused.is_empty() || rewritten.len() > MAX_FRAGMENT_LEN, "{rewritten:?}: {refused:?}");
            if let Ok(Some(units)) = progress_from(&fragment, id) {
                assert!(units <= MAX_PROGRESS);
            }
            let units = pick(&mut rng, 1000);
            let with_progress = write_progress(&fragment, id, Some(units));
            if with_progress.len() <= MAX_FRAGMENT_LEN {
                assert_eq!(progress_from(&with_progress, id), Ok(Some(units)), "{with_progress:?}");
            }
            assert_eq!(progress_from(&write_progress(&fragment, id, None), id), Ok(None));
        }
    }
    assert!(changed > 500, "only {changed} values changed: the generator must also make valid entries");
}

/// A fragment of entries of both quadratic figures and unrelated ones, some of them progress
/// entries of other figures.
fn mixed_fragment(rng: &mut Rng) -> String {
    let pool = [
        "quadratic-1d.eta=1.4",
        "quadratic-nd.a1=4",
        "quadratic-nd.at=12",
        "quadratic-1d.steps=50",
        "edge-of-stability.at=900",
        "utm_source=x",
        "plain",
        "a=b=c",
    ];
    let n = pick(rng, 6);
    (0..n).map(|_| pool[pick(rng, pool.len())]).collect::<Vec<_>>().join("&")
}

/// The entries of `fragment` other than figure `id`'s progress entries, in order.
fn without_progress(fragment: &str, id: &str) -> Vec<String> {
    let own = format!("{id}.{PROGRESS_KEY}");
    fragment
        .trim_start_matches('#')
        .split('&')
        .filter(|e| !e.is_empty() && e.split('=').next() != Some(own.as_str()))
        .map(str::to_string)
        .collect()
}

/// How far a paused run had got round-trips through the fragment: written, read back exactly,
/// replaced in place, removed; every other entry, other figures' progress among them, stays as
/// it was and in its order.
#[test]
fn progress_round_trips_and_leaves_other_entries_alone() {
    let mut rng = seeded(4);
    let id = Quadratic1d::ID;
    for case in 0..3000 {
        let fragment = mixed_fragment(&mut rng);
        let fragment = if case % 2 == 0 { format!("#{fragment}") } else { fragment };
        let units = match case % 4 {
            0 => 0,
            1 => MAX_PROGRESS,
            _ => pick(&mut rng, 100_000),
        };
        let written = write_progress(&fragment, id, Some(units));
        assert_eq!(progress_from(&written, id), Ok(Some(units)), "{written:?}");
        assert_eq!(without_progress(&written, id), without_progress(&fragment, id), "{fragment:?} → {written:?}");
        assert_eq!(written.matches(&format!("{id}.{PROGRESS_KEY}=")).count(), 1);
        // Its parameters are untouched, and the other figure's progress is its own.
        let mut values = ParamValues::defaults(Quadratic1d::PARAMS);
        assert!(apply(&written, id, &mut values).is_empty(), "{written:?}");
        assert_eq!(progress_from(&written, QuadraticNd::ID), progress_from(&fragment, QuadraticNd::ID));
        // Writing again is idempotent; another value takes the same place.
        assert_eq!(write_progress(&written, id, Some(units)), written);
        let other = if units == 0 { 1 } else { units - 1 };
        let moved = write_progress(&written, id, Some(other));
        let place = |f: &str| f.split('&').position(|e| e.starts_with(&format!("{id}.{PROGRESS_KEY}=")));
        assert_eq!(place(&moved), place(&written));
        assert_eq!(progress_from(&moved, id), Ok(Some(other)));
        // Removed, the fragment is what it was without it.
        let removed = write_progress(&written, id, None);
        assert_eq!(progress_from(&removed, id), Ok(None));
        assert_eq!(removed.split('&').filter(|e| !e.is_empty()).collect::<Vec<_>>(), without_progress(&fragment, id));
    }
}

/// A new progress entry follows the figure's own entries; a change of settings (`write`)
/// drops it, since new settings restart the run.
#[test]
fn progress_follows_the_figures_entries_and_goes_with_new_settings() {
    let id = Quadratic1d::ID;
    let fragment = format!("{id}.eta=1.4&quadratic-nd.a1=4&{id}.steps=50&keep=1");
    let written = write_progress(&fragment, id, Some(7));
    assert_eq!(written, format!("{id}.eta=1.4&quadratic-nd.a1=4&{id}.steps=50&{id}.at=7&keep=1"));
    assert_eq!(write_progress("keep=1", id, Some(7)), format!("keep=1&{id}.at=7"));
    assert_eq!(write_progress("", id, Some(0)), format!("{id}.at=0"));
    assert_eq!(write_progress(&format!("#{id}.at=3"), id, None), "");
    let mut values = ParamValues::defaults(Quadratic1d::PARAMS);
    values.set("eta", 0.5).unwrap();
    let rewritten = write(&written, id, &values);
    assert_eq!(progress_from(&rewritten, id), Ok(None));
    assert_eq!(rewritten, format!("quadratic-nd.a1=4&keep=1&{id}.eta=0.5"));
    // Several entries (a hand-edited link): the last one counts, and writing leaves one.
    let twice = format!("{id}.at=5&{id}.eta=1&{id}.at=9");
    assert_eq!(progress_from(&twice, id), Ok(Some(9)));
    assert_eq!(write_progress(&twice, id, Some(2)), format!("{id}.at=2&{id}.eta=1"));
    // A percent-escaped key is the same key.
    assert_eq!(progress_from(&format!("{id}.%61t=4"), id), Ok(Some(4)));
    assert_eq!(write_progress(&format!("{id}.%61t=4&x=1"), id, None), "x=1");
}

/// A value that is not a whole number from 0 to the cap is refused with a message naming the
/// entry; it never panics, and the figure's parameters beside it still apply.
#[test]
fn malformed_progress_is_refused() {
    let id = Quadratic1d::ID;
    let too_many = (MAX_PROGRESS + 1).to_string();
    let bad = [
        "",
        "-1",
        "+5",
        "1.5",
        "1e3",
        "abc",
        " 5",
        "5%20",
        "0x10",
        "NaN",
        "inf",
        "%",
        "%zz",
        "\u{661}",
        "12abc",
        &too_many,
        "99999999999999999999999999999",
    ];
    for value in bad {
        let fragment = format!("{id}.eta=1.4&{id}.{PROGRESS_KEY}={value}&quadratic-nd.a1=4");
        let error = progress_from(&fragment, id).expect_err(value);
        assert_eq!(error.key, PROGRESS_KEY);
        assert!(error.message.contains(&format!("\u{201c}{PROGRESS_KEY}=")), "{value:?}: {}", error.message);
        let mut values = ParamValues::defaults(Quadratic1d::PARAMS);
        assert!(apply(&fragment, id, &mut values).is_empty(), "{value:?}: the progress entry is no parameter");
        assert_eq!(values.get("eta"), 1.4);
        // Rewriting it replaces the malformed entry.
        assert_eq!(progress_from(&write_progress(&fragment, id, Some(3)), id), Ok(Some(3)));
    }
    let no_value = progress_from(&format!("{id}.{PROGRESS_KEY}&{id}.eta=1"), id).expect_err("no value");
    assert_eq!(no_value.key, PROGRESS_KEY);
    assert_eq!(progress_from(&format!("{id}.{PROGRESS_KEY}={MAX_PROGRESS}"), id), Ok(Some(MAX_PROGRESS)));
    assert_eq!(progress_from(&format!("{id}.{PROGRESS_KEY}=007"), id), Ok(Some(7)));
    // Other figures' malformed progress is not this figure's business.
    assert_eq!(progress_from(&format!("quadratic-nd.{PROGRESS_KEY}=x&{id}.eta=1"), id), Ok(None));
    // A fragment too long to read is ignored as a whole.
    let long = format!("{id}.{PROGRESS_KEY}=5&{}", "z".repeat(MAX_FRAGMENT_LEN));
    assert_eq!(progress_from(&long, id), Ok(None));
}
