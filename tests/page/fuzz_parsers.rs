//! Fuzzing the two parsers of outside input: the URL fragment (`url_state`) and the saved run
//! (`run_file`), with a seeded generator and mutation (the stable toolchain has no coverage-
//! guided fuzzer).
//!
//! Each starts from a corpus of valid inputs made by the project's own writers (fragments
//! written by `url_state::write` for random valid states of every figure, run files written by
//! the training figures' `run_file`) and mutates them: bit flips, byte changes, insertions of
//! syntax and troublesome tokens (`%`, `&`, `=`, `#`, non-UTF-8 escapes such as `%FF` and
//! `%C3%28`, overlong numbers, `1e999`, `NaN`), swaps of a number or a word (for other numbers,
//! figure ids, keys and option names), deletions, duplications, truncations and splices of two
//! inputs; one input in ten is random text. Half the run files are edited as JSON documents
//! instead (settings dropped or changed, figure, dimensions and numbers changed), so that many
//! are well-formed and reach the figures' checks of consistency. Every input is parsed, and
//! what parses is validated and built into its figure (the figures of a link, whose progress
//! entries must also survive a rewrite; `from_run` and one training step for a run file),
//! inside `catch_unwind`, so that a panic is reported with the input that caused it. Values a
//! parser lets through must pass validation.
//!
//! `cargo test` runs 50,000 inputs per parser; `make fuzz` runs 1,000,000
//! (`FUZZ_CASES=1000000 cargo test --test page fuzz_parsers -- --nocapture`; the test profile is
//! optimized). FUZZ_SEED picks another seed.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use crate::common::{chance, pick, random_state, without_panic};
use sgd_stability::figures::{visit, Figure, FigureVisitor, ALL_IDS};
use sgd_stability::kit::params::{Input, ParamValues, Scale};
use sgd_stability::math::rng::{seeded, uniform, Rng};
use sgd_stability::page::run_file::RunFile;
use sgd_stability::page::url_state;

/// Inputs per parser in the ordinary test run.
const DEFAULT_CASES: usize = 50_000;
/// A fuzz run stops after this many panics (they are usually one bug hit many times).
const MAX_PANICS: usize = 10;
/// Figures built from links per figure and per 1,000 inputs: some figures take tens of
/// milliseconds to build, so a million links build a sample of their states (the property
/// test of `tests/page/validation.rs` builds random valid states of every figure too).
const BUILDS_PER_THOUSAND: usize = 2;

fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(text) => text.trim().parse().unwrap_or_else(|_| panic!("{name} must be a whole number, got {text:?}")),
        Err(_) => default,
    }
}

/// Tokens inserted by mutation: syntax of both formats, escapes that decode to invalid UTF-8,
/// numbers no parameter takes, and the figures' own ids and keys.
const TOKENS: &[&str] = &[
    "%",
    "&",
    "=",
    ".",
    "#",
    ":",
    ",",
    "%FF",
    "%C3%28",
    "%E2%82",
    "%ED%A0%80",
    "%00",
    "%25",
    "%2",
    "%zz",
    "%+5",
    "%%",
    "1e999",
    "-1e999",
    "1e-999",
    "NaN",
    "-NaN",
    "inf",
    "-inf",
    "Infinity",
    "-0",
    "+0",
    "0x1F",
    "1_0",
    "99999999999999999999999999999999999999999",
    "0.0000000000000000000000000000000000000000000000000000000000000001",
    "18446744073709551616",
    "-1",
    "4294967296",
    "\u{1f642}",
    "\u{e9}",
    "\u{2212}",
    "\u{feff}",
    "\0",
    " ",
    "\t",
    "&&",
    "==",
    "..",
    "null",
    "true",
    "[]",
    "{}",
    "[",
    "]",
    "{",
    "}",
    "\"",
    "\\",
    "\\u0000",
    "\\ud800",
    "\\uDFFF",
    "\": ",
    "\"version\": 2",
    "\"step\": 1e20",
    "\"input_dim\": 3",
    "\"theta\": []",
    "\"params\": {}",
    "\"x\": [1e308]",
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    "edge-of-stability",
    "sharpness-vs-lr",
    "function-space",
    "eta",
    "steps",
    "points",
    "batch",
    "width",
    "depth",
    "=1:2,3:4",
    "activation",
    "relu",
    "tanh",
];

/// Numbers swapped in for a number of the input.
const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "1",
    "-1",
    "2",
    "3",
    "0.5",
    "1e999",
    "-1e999",
    "1e-320",
    "1e308",
    "NaN",
    "inf",
    "4294967297",
    "18446744073709551615",
    "1.0000000000000002",
    "200",
    "201",
    "500",
    "20000",
    "1000000",
    "0.0001",
    "9e-5",
];

/// Mutates inputs of one format, splicing in pieces of its corpus.
struct Mutator {
    corpus: Vec<String>,
    /// Words swapped in for a word of the input: [`NUMBERS`], and every figure's ids, keys
    /// and option names, so that a mutated input is often well-formed but means another thing.
    words: Vec<String>,
}

/// What [`Mutator::words`] holds for figure F.
struct Words;

impl FigureVisitor for Words {
    type Output = Vec<String>;

    fn visit<F: Figure + 'static>(self) -> Vec<String> {
        let mut words = vec![F::ID.to_string()];
        for spec in F::PARAMS {
            words.push(spec.key.to_string());
            if let Scale::Choice(options) = spec.scale {
                words.extend(options.iter().map(|o| o.to_string()));
            }
        }
        words
    }
}

impl Mutator {
    fn new(corpus: Vec<String>) -> Self {
        let mut words: Vec<String> = NUMBERS.iter().map(|n| n.to_string()).collect();
        words.extend(ALL_IDS.iter().flat_map(|id| visit(id, Words).unwrap()));
        Self { corpus, words }
    }

    /// A new input: a mutated corpus entry, or (one time in ten) random text.
    fn input(&self, rng: &mut Rng) -> String {
        if chance(rng, 0.1) {
            return random_text(rng);
        }
        let mut bytes = self.corpus[pick(rng, self.corpus.len())].clone().into_bytes();
        // Mostly a few mutations, sometimes many.
        let count = if chance(rng, 0.8) { 1 + pick(rng, 4) } else { 5 + pick(rng, 40) };
        for _ in 0..count {
            self.mutate(rng, &mut bytes);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    }

    fn mutate(&self, rng: &mut Rng, bytes: &mut Vec<u8>) {
        let len = bytes.len();
        let at = pick(rng, len + 1);
        let span = |rng: &mut Rng| {
            let start = pick(rng, len + 1);
            start..(start + 1 + pick(rng, 40)).min(len)
        };
        match pick(rng, 10) {
            0 if at < len => bytes[at] ^= 1 << pick(rng, 8),
            1 if at < len => bytes[at] = pick(rng, 256) as u8,
            2 | 3 => {
                let token = TOKENS[pick(rng, TOKENS.len())];
                bytes.splice(at..at, token.bytes());
            }
            4 => {
                // Swap the number under `at` (if any) for another.
                let number = run_around(bytes, at, |b| b.is_ascii_digit() || b"+-.eE".contains(&b));
                bytes.splice(number, NUMBERS[pick(rng, NUMBERS.len())].bytes());
            }
            5 => {
                // Swap the word under `at` (between quotes or separators) for another.
                let word = run_around(bytes, at, |b| !b"\"&=,:{}[]#\n".contains(&b));
                bytes.splice(word, self.words[pick(rng, self.words.len())].bytes());
            }
            6 => {
                bytes.drain(span(rng));
            }
            7 => {
                let copy: Vec<u8> = bytes[span(rng)].to_vec();
                bytes.splice(at..at, copy);
            }
            8 => bytes.truncate(at),
            _ => {
                // Splice: this input up to `at`, another from a random point on.
                let other = self.corpus[pick(rng, self.corpus.len())].as_bytes();
                let from = pick(rng, other.len() + 1);
                bytes.truncate(at);
                bytes.extend_from_slice(&other[from..]);
            }
        }
    }
}

/// The longest run of bytes around position `at` that all `belong` (empty where none does).
fn run_around(bytes: &[u8], at: usize, belong: impl Fn(u8) -> bool) -> std::ops::Range<usize> {
    let (mut start, mut end) = (at, at);
    while start > 0 && belong(bytes[start - 1]) {
        start -= 1;
    }
    while end < bytes.len() && belong(bytes[end]) {
        end += 1;
    }
    start..end
}

/// Random text: bytes, syntax characters, or tokens strung together.
fn random_text(rng: &mut Rng) -> String {
    let len = pick(rng, 300);
    match pick(rng, 3) {
        0 => String::from_utf8_lossy(&(0..len).map(|_| pick(rng, 256) as u8).collect::<Vec<_>>()).into_owned(),
        1 => {
            const SYNTAX: &[u8] = b"%&=.#:,-+eE0123456789abcdefxyz{}[]\": \\";
            (0..len).map(|_| SYNTAX[pick(rng, SYNTAX.len())] as char).collect()
        }
        _ => (0..len / 4).map(|_| TOKENS[pick(rng, TOKENS.len())]).collect(),
    }
}

/// Every value of `values` passes validation: what a parser lets through is always valid.
fn assert_all_valid(values: &ParamValues, what: &str) {
    for (spec, v) in values.iter() {
        let valid = match spec.scale {
            Scale::Points => spec.check_points(values.points(spec.key)).is_ok(),
            _ => spec.check(v) == Ok(v),
        };
        assert!(valid, "{what}: {} = {v} got through", spec.key);
    }
}

/// What a fuzz run saw.
#[derive(Debug, Default)]
struct Tally {
    inputs: usize,
    /// Inputs that parsed: a link with at least one accepted entry, a run file that read.
    parsed: usize,
    /// Figures built (from a link's state, or from a run file).
    built: usize,
    panics: Vec<String>,
}

impl Tally {
    fn report(&self, parser: &str, seed: u64, started: Instant) {
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "{parser}: {} inputs (seed {seed}) in {seconds:.1} s ({:.0}/s): {} parsed, {} figures built, {} panics",
            self.inputs,
            self.inputs as f64 / seconds,
            self.parsed,
            self.built,
            self.panics.len()
        );
        assert!(self.panics.is_empty(), "{parser}: panics:\n{}", self.panics.join("\n"));
    }
}

/// Appends a random valid state of figure F to a fragment, written by `url_state::write`.
struct WriteState<'a> {
    rng: &'a mut Rng,
    fragment: String,
}

impl FigureVisitor for WriteState<'_> {
    type Output = String;

    fn visit<F: Figure + 'static>(self) -> String {
        let share = uniform(self.rng, 0.1, 0.8);
        let fragment = url_state::write(&self.fragment, F::ID, &random_state::<F>(self.rng, share));
        // A run paused somewhere, some of the time.
        match pick(self.rng, 3) {
            0 => url_state::write_progress(&fragment, F::ID, Some(pick(self.rng, 100_000))),
            _ => fragment,
        }
    }
}

/// Valid fragments of one to three figures each.
fn fragment_corpus(rng: &mut Rng) -> Vec<String> {
    (0..400)
        .map(|_| {
            let mut fragment = String::new();
            for _ in 0..1 + pick(rng, 3) {
                let id = ALL_IDS[pick(rng, ALL_IDS.len())];
                fragment = visit(id, WriteState { rng, fragment }).unwrap();
            }
            fragment
        })
        .collect()
}

/// The figures built from links so far: each state once, each figure up to a quota.
struct Builds {
    seen: HashSet<String>,
    per_figure: HashMap<&'static str, usize>,
    quota: usize,
}

impl Builds {
    /// Whether to build figure `id` in `state` (a state not built before, within the quota).
    fn take(&mut self, id: &'static str, state: String) -> bool {
        let count = self.per_figure.entry(id).or_default();
        if *count >= self.quota || !self.seen.insert(state) {
            return false;
        }
        *count += 1;
        true
    }
}

/// Applies a fragment to figure F as the page does: entry by entry, then the figure's rules;
/// the state is written back, and built when it passes (see [`Builds`]).
struct ApplyFragment<'a> {
    fragment: &'a str,
    builds: &'a mut Builds,
}

impl FigureVisitor for ApplyFragment<'_> {
    /// Whether an entry was accepted, and whether a figure was built.
    type Output = (bool, bool);

    fn visit<F: Figure + 'static>(self) -> (bool, bool) {
        let defaults = ParamValues::defaults(F::PARAMS);
        let mut values = defaults.clone();
        url_state::apply(self.fragment, F::ID, &mut values);
        assert_all_valid(&values, F::ID);
        if let Ok(Some(units)) = url_state::progress_from(self.fragment, F::ID) {
            assert!(units <= url_state::MAX_PROGRESS, "{}: a link replays {units} units", F::ID);
            let written = url_state::write_progress(self.fragment, F::ID, Some(units));
            assert_eq!(url_state::progress_from(&written, F::ID), Ok(Some(units)), "{}: progress lost", F::ID);
        }
        let state = url_state::write(self.fragment, F::ID, &values);
        let changed = values != defaults;
        if !changed || F::validate(&values).is_err() || !self.builds.take(F::ID, state) {
            return (changed, false);
        }
        let figure = F::new(values);
        assert_all_valid(figure.params(), F::ID);
        (true, true)
    }
}

fn fuzz_fragments(cases: usize, seed: u64) {
    let started = Instant::now();
    let mut rng = seeded(seed);
    let mutator = Mutator::new(fragment_corpus(&mut rng));
    let mut builds = Builds {
        seen: HashSet::new(),
        per_figure: HashMap::new(),
        quota: (cases * BUILDS_PER_THOUSAND / 1000).max(20),
    };
    let mut tally = Tally::default();
    while tally.inputs < cases && tally.panics.len() < MAX_PANICS {
        let fragment = mutator.input(&mut rng);
        tally.inputs += 1;
        let outcome = without_panic("applying a link", &fragment, || {
            ALL_IDS
                .iter()
                .map(|id| visit(id, ApplyFragment { fragment: &fragment, builds: &mut builds }).unwrap())
                .fold((false, 0), |(parsed, n), (p, b)| (parsed || p, n + b as usize))
        });
        match outcome {
            Ok((parsed, n)) => {
                tally.parsed += parsed as usize;
                tally.built += n;
            }
            Err(panic) => tally.panics.push(panic),
        }
    }
    tally.report("URL fragments", seed, started);
}

/// Run files written by a training figure: at its defaults, at each state one setting away
/// from them (every option of a choice, the ends of a range), and at random valid states; each
/// kept when small (so that a million parses stay quick).
struct WriteRuns<'a> {
    rng: &'a mut Rng,
}

/// Runs kept per figure at most.
const RUNS_PER_FIGURE: usize = 60;

impl FigureVisitor for WriteRuns<'_> {
    type Output = Vec<String>;

    fn visit<F: Figure + 'static>(self) -> Vec<String> {
        let defaults = ParamValues::defaults(F::PARAMS);
        if F::new(defaults.clone()).run_file().is_none() {
            return Vec::new();
        }
        let mut states = vec![defaults.clone()];
        for spec in F::PARAMS {
            let values: Vec<f64> = match spec.scale {
                Scale::Choice(options) => (0..options.len()).map(|i| i as f64).collect(),
                Scale::Points => Vec::new(),
                Scale::Linear | Scale::Log | Scale::Integer => vec![spec.min, spec.max],
            };
            for value in values.into_iter().filter(|v| *v != spec.default) {
                if let Ok(state) = defaults.with_changes::<F>([(spec.key, Input::Number(value))]) {
                    states.push(state);
                }
            }
        }
        // Near the defaults as often as far from them.
        states.extend((0..100).map(|_| {
            let share = uniform(self.rng, 0.05, 0.6);
            random_state::<F>(self.rng, share)
        }));
        let mut runs = Vec::new();
        for state in states {
            let run = F::new(state).run_file().expect("a figure that saves runs saves one in every state");
            let text = if chance(self.rng, 0.5) { run.to_json() } else { serde_json::to_string(&run).unwrap() };
            if text.len() <= 16_000 && runs.len() < RUNS_PER_FIGURE {
                runs.push(text);
            }
        }
        runs
    }
}

/// Loads a run into figure F (its `from_run` refuses runs of other figures with a message) and
/// takes one step.
struct Load<'a> {
    run: &'a RunFile,
}

impl FigureVisitor for Load<'_> {
    type Output = bool;

    fn visit<F: Figure + 'static>(self) -> bool {
        match F::from_run(self.run) {
            Ok(mut figure) => {
                assert_all_valid(figure.params(), F::ID);
                // One step from the loaded parameters θ, which mutation may have made extreme.
                figure.step(1);
                figure.verdict();
                true
            }
            Err(message) => {
                assert!(!message.is_empty(), "{}: a refusal without a message", F::ID);
                false
            }
        }
    }
}

/// A run file edited as a document rather than as text: settings dropped or given another
/// figure's word or number, another figure named, the input dimension changed, numbers of θ
/// and the data changed, dropped or repeated. Such a document is well-formed but means
/// something its writer never wrote; sometimes its text is mutated further.
fn edited_run(rng: &mut Rng, mutator: &Mutator) -> String {
    use serde_json::Value;
    let text = &mutator.corpus[pick(rng, mutator.corpus.len())];
    let mut doc: Value = serde_json::from_str(text).expect("the corpus holds valid run files");
    for _ in 0..1 + pick(rng, 3) {
        match pick(rng, 6) {
            0 | 1 => {
                let params = doc["params"].as_object_mut().expect("a run file has params");
                let keys: Vec<String> = params.keys().cloned().collect();
                let key = keys[pick(rng, keys.len())].clone();
                if chance(rng, 0.5) {
                    params.remove(&key);
                } else {
                    params.insert(key, Value::String(mutator.words[pick(rng, mutator.words.len())].clone()));
                }
            }
            2 => doc["figure"] = Value::String(ALL_IDS[pick(rng, ALL_IDS.len())].to_string()),
            3 => doc["data"]["input_dim"] = Value::from(pick(rng, 4)),
            _ => {
                let field = ["theta", "x", "y"][pick(rng, 3)];
                let array = if field == "theta" { &mut doc[field] } else { &mut doc["data"][field] };
                let numbers = array.as_array_mut().expect("θ and the data are arrays");
                if numbers.is_empty() {
                    continue;
                }
                let at = pick(rng, numbers.len());
                match pick(rng, 3) {
                    0 => drop(numbers.remove(at)),
                    1 => numbers.insert(at, numbers[at].clone()),
                    _ => numbers[at] = Value::from([0.0, -1.0, 1e6, 1e300, -1e300, 5e-324][pick(rng, 6)]),
                }
            }
        }
    }
    let mut bytes = serde_json::to_string_pretty(&doc).expect("a JSON value serializes").into_bytes();
    if chance(rng, 0.3) {
        mutator.mutate(rng, &mut bytes);
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn fuzz_run_files(cases: usize, seed: u64) {
    let started = Instant::now();
    let mut rng = seeded(seed);
    let corpus: Vec<String> = ALL_IDS.iter().flat_map(|id| visit(id, WriteRuns { rng: &mut rng }).unwrap()).collect();
    assert!(corpus.len() >= 20, "too few training figures write runs: {}", corpus.len());
    let mutator = Mutator::new(corpus);
    let mut tally = Tally::default();
    while tally.inputs < cases && tally.panics.len() < MAX_PANICS {
        let text = if chance(&mut rng, 0.5) { edited_run(&mut rng, &mutator) } else { mutator.input(&mut rng) };
        tally.inputs += 1;
        let outcome = without_panic("loading a run file", &text, || match RunFile::parse(&text) {
            Ok(run) => (true, ALL_IDS.iter().filter(|id| visit(id, Load { run: &run }).unwrap()).count()),
            Err(message) => {
                assert!(!message.is_empty(), "a refusal without a message");
                (false, 0)
            }
        });
        match outcome {
            Ok((parsed, n)) => {
                tally.parsed += parsed as usize;
                tally.built += n;
            }
            Err(panic) => tally.panics.push(panic),
        }
    }
    tally.report("run files", seed, started);
}

#[test]
fn url_fragments_never_panic() {
    fuzz_fragments(env_number("FUZZ_CASES", DEFAULT_CASES as u64) as usize, env_number("FUZZ_SEED", 1));
}

#[test]
fn run_files_never_panic() {
    fuzz_run_files(env_number("FUZZ_CASES", DEFAULT_CASES as u64) as usize, env_number("FUZZ_SEED", 2));
}

/// The panic fuzzing found: a saved run whose data set setting says one-dimensional
/// (Chebyshev, in the exact shape of EOS-1) while its saved data are two-dimensional. The
/// figure built the network for the data but took the EOS-1 start vector for the setting, of
/// another length, and an assertion fired. Such a run is now refused with a message.
#[test]
fn a_run_whose_data_contradict_its_settings_is_refused() {
    use sgd_stability::figures::edge_of_stability::EdgeOfStability;
    let mut params = ParamValues::defaults(EdgeOfStability::PARAMS);
    params.set_text("data", "2-D regression").unwrap();
    let mut run = EdgeOfStability::new(params).run_file().unwrap();
    assert_eq!(run.data.input_dim, 2);
    run.params.insert("data".into(), "Chebyshev".into());
    let message = without_panic("loading the run", &run.to_json(), || EdgeOfStability::from_run(&run))
        .unwrap_or_else(|panic| panic!("{panic}"))
        .err()
        .expect("a run whose data contradict its settings was accepted");
    assert!(message.contains("inputs of dimension 2") && message.contains("Chebyshev"), "{message}");
}
