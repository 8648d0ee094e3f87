//! Symbols in the figures' plain text. Verdicts and readouts are strings that the figures write
//! with an underscore for an index, `λ_max(H)`, `θ_t`, `H_m`, `θ_{t+1}` (and `λmax` for
//! short); the page shows the index as a real subscript, so that a symbol reads the same in a
//! verdict as in the formulas around it, which TeX sets. [`runs`] cuts such a string into what
//! stays on the line and what is lowered; the web layer builds the text from them.

/// A piece of text: on the line, or lowered as a subscript.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Run {
    Line(String),
    Subscript(String),
}

/// Indices that follow λ without an underscore: `λmax`, `λmin`.
const BARE_INDICES: [&str; 2] = ["max", "min"];

/// `text` cut into runs. An underscore right after a character other than a space starts a
/// subscript: `_{…}` lowers what the braces hold, `_` followed by letters and digits lowers
/// those. `λmax` and `λmin` lower their index too. Anything else, an underscore without an
/// index among it, stays as it is.
pub fn runs(text: &str) -> Vec<Run> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut line = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let rest = &chars[i + 1..];
        // The index as (where it starts, its length, where the text goes on), counted in `rest`.
        let index = match c {
            '_' if i > 0 && !chars[i - 1].is_whitespace() => underscore_index(rest),
            'λ' => bare_index(rest).map(|len| (0, len, len)),
            _ => None,
        };
        if c != '_' || index.is_none() {
            line.push(c);
        }
        match index {
            Some((start, len, end)) => {
                out.push(Run::Line(std::mem::take(&mut line)));
                out.push(Run::Subscript(rest[start..start + len].iter().collect()));
                i += 1 + end;
            }
            None => i += 1,
        }
    }
    out.push(Run::Line(line));
    out.retain(|run| !matches!(run, Run::Line(text) if text.is_empty()));
    out
}

/// The text as the page shows it, without the marks: the runs one after another.
pub fn plain(text: &str) -> String {
    runs(text)
        .into_iter()
        .map(|run| match run {
            Run::Line(text) | Run::Subscript(text) => text,
        })
        .collect()
}

/// After an underscore: `{…}` (the braces dropped) or a run of ASCII letters and digits, as
/// (where the index starts, its length, where the text goes on).
fn underscore_index(rest: &[char]) -> Option<(usize, usize, usize)> {
    if rest.first() == Some(&'{') {
        let close = rest.iter().position(|&c| c == '}')?;
        return (close > 1).then_some((1, close - 1, close + 1));
    }
    let len = rest.iter().take_while(|c| c.is_ascii_alphanumeric()).count();
    (len > 0).then_some((0, len, len))
}

/// After λ: one of [`BARE_INDICES`] not followed by another letter, as its length.
fn bare_index(rest: &[char]) -> Option<usize> {
    BARE_INDICES.iter().find_map(|index| {
        let len = index.chars().count();
        let matches = rest.len() >= len && rest[..len].iter().copied().eq(index.chars());
        let ends = rest.get(len).is_none_or(|c| !c.is_alphabetic());
        (matches && ends).then_some(len)
    })
}
