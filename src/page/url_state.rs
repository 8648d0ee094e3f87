//! Figure state in the URL fragment: `#quadratic-1d.eta=0.9&quadratic-nd.a1=3`.
//!
//! Each entry is `<figure id>.<parameter key>=<value>`; only values that differ from the
//! defaults are written, so the plain page has no fragment. Parsing never panics and never
//! half-applies an invalid value: every value goes through [`ParamValues::set_text`], and the
//! refused ones come back as messages while the parameter keeps its previous value.
//!
//! One more entry per figure is not a parameter: `<figure id>.at=<units>`, how far a run the
//! reader paused had got, in units of the figure's `step` (training steps for the training
//! figures): `#edge-of-stability.eta=0.08&edge-of-stability.at=1234`. A link with it restarts
//! the figure from its settings and replays that many units, then pauses. It is written with
//! [`write_progress`] and read with [`progress_from`]; [`apply`] leaves it alone, and
//! [`write()`], which a change of settings calls, drops it (new settings restart the run).

use crate::kit::params::{ParamError, ParamValues};

/// The key of the entry that says how far a paused run had got.
pub const PROGRESS_KEY: &str = "at";

/// The most units a link may ask to replay: more than any figure's whole work at any setting,
/// so a larger number can only be a malformed link.
pub const MAX_PROGRESS: usize = 10_000_000;

/// Fragments longer than this are ignored as a whole (room for a list of 200 placed points).
pub const MAX_FRAGMENT_LEN: usize = 16_384;

/// The entries of `fragment` (with or without its leading '#') that belong to figure `id`, in
/// order: a (key, raw value) pair, percent-decoded, or the key of an entry that has no '='.
pub fn entries_for(fragment: &str, id: &str) -> Vec<Result<(String, String), String>> {
    let fragment = fragment.strip_prefix('#').unwrap_or(fragment);
    let prefix = format!("{id}.");
    fragment
        .split('&')
        .filter_map(|entry| {
            let key = percent_decode(entry_name(entry).strip_prefix(&prefix)?);
            Some(match entry.split_once('=') {
                Some((_, value)) => Ok((key, percent_decode(value))),
                None => Err(key),
            })
        })
        .collect()
}

/// Applies the fragment's parameter entries for `id` to `values` (not its [`PROGRESS_KEY`]
/// entry); returns the refused ones (each refused entry leaves its parameter as it was).
pub fn apply(fragment: &str, id: &str, values: &mut ParamValues) -> Vec<ParamError> {
    let fragment_trimmed = fragment.strip_prefix('#').unwrap_or(fragment);
    if fragment_trimmed.len() > MAX_FRAGMENT_LEN {
        return vec![ParamError {
            key: String::new(),
            message: format!("the link's state is too long ({} characters) and was ignored", fragment_trimmed.len()),
        }];
    }
    entries_for(fragment, id)
        .into_iter()
        .filter_map(|entry| match entry {
            Ok((key, _)) | Err(key) if key == PROGRESS_KEY => None,
            Ok((key, value)) => values.set_text(&key, &value).err(),
            Err(key) => Some(ParamError { message: format!("the link gives \u{201c}{key}\u{201d} no value"), key }),
        })
        .collect()
}

/// How far the run of figure `id` had got when its link was written: the units of its
/// [`PROGRESS_KEY`] entry (the last one, if there are several), or None without one (or when
/// the fragment is too long and ignored as a whole). A value that is not a whole number from 0
/// to [`MAX_PROGRESS`] is refused with a message.
pub fn progress_from(fragment: &str, id: &str) -> Result<Option<usize>, ParamError> {
    if fragment.strip_prefix('#').unwrap_or(fragment).len() > MAX_FRAGMENT_LEN {
        return Ok(None);
    }
    let last = entries_for(fragment, id).into_iter().rev().find(|entry| match entry {
        Ok((key, _)) | Err(key) => key == PROGRESS_KEY,
    });
    let refuse = |shown: &str, why: String| ParamError {
        key: PROGRESS_KEY.to_string(),
        message: format!("\u{201c}{PROGRESS_KEY}{shown}\u{201d} (how far the run had got) {why}"),
    };
    let text = match last {
        None => return Ok(None),
        Some(Err(_)) => return Err(refuse("", "has no value".to_string())),
        Some(Ok((_, text))) => text,
    };
    let shown = format!("={}", text.chars().take(24).collect::<String>());
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(refuse(&shown, format!("must be a whole number from 0 to {MAX_PROGRESS}")));
    }
    match text.parse::<usize>() {
        Ok(units) if units <= MAX_PROGRESS => Ok(Some(units)),
        _ => Err(refuse(&shown, format!("is more than the {MAX_PROGRESS} a link may replay"))),
    }
}

/// Puts `units` as the [`PROGRESS_KEY`] entry of figure `id` into `fragment`, or removes it for
/// None. An entry already there is replaced in place, a new one follows the figure's last
/// entry (or ends the fragment); every other entry stays in its order. Returns the new
/// fragment without '#'.
pub fn write_progress(fragment: &str, id: &str, units: Option<usize>) -> String {
    let prefix = format!("{id}.");
    let mut parts: Vec<String> = kept_entries(fragment).map(str::to_string).collect();
    let is_progress =
        |entry: &str| entry_name(entry).strip_prefix(&prefix).is_some_and(|key| percent_decode(key) == PROGRESS_KEY);
    let place = parts.iter().position(|e| is_progress(e));
    parts.retain(|e| !is_progress(e));
    if let Some(units) = units {
        let entry = format!("{id}.{PROGRESS_KEY}={units}");
        let after_own = || parts.iter().rposition(|e| e.starts_with(&prefix)).map_or(parts.len(), |i| i + 1);
        let at = place.unwrap_or_else(after_own).min(parts.len());
        parts.insert(at, entry);
    }
    parts.join("&")
}

/// Replaces the entries of figure `id` in `fragment` by the non-default values of `values`,
/// keeping other figures' entries in their order. The figure's [`PROGRESS_KEY`] entry goes
/// too: new settings restart its run. Returns the new fragment without '#'.
pub fn write(fragment: &str, id: &str, values: &ParamValues) -> String {
    let prefix = format!("{id}.");
    // Other figures' entries stay.
    let mut parts: Vec<String> =
        kept_entries(fragment).filter(|e| !e.starts_with(&prefix)).map(str::to_string).collect();
    parts.extend(
        values
            .iter()
            .filter(|(spec, v)| *v != spec.default)
            .map(|(spec, _)| format!("{id}.{}={}", spec.key, percent_encode(&values.text(spec)))),
    );
    parts.join("&")
}

/// The entries of `fragment` (with or without its leading '#') that a rewrite keeps: none when
/// the fragment is too long to be read; never an empty one, nor one starting with '#', which
/// cannot be this format's and would turn into a figure's entry once the fragment's own '#' is
/// stripped.
fn kept_entries(fragment: &str) -> impl Iterator<Item = &str> {
    let fragment = fragment.strip_prefix('#').unwrap_or(fragment);
    let readable = fragment.len() <= MAX_FRAGMENT_LEN;
    fragment.split('&').filter(move |e| readable && !e.is_empty() && !e.starts_with('#'))
}

/// The part of an entry before its '=' (all of it when it has none).
fn entry_name(entry: &str) -> &str {
    entry.split_once('=').map_or(entry, |(name, _)| name)
}

/// Escapes everything but unreserved characters and the separators of a point list (':' and
/// ',', which a fragment may hold as they are), so a value (a choice's name may hold spaces)
/// survives in a URL.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~+:,".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes %XX escapes; malformed escapes are kept as they are (the value is then refused by
/// validation with a readable message).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        // Exactly two hex digits: `from_str_radix` alone would also take a sign ("%+5").
        let hex = bytes.get(i + 1..i + 3).filter(|h| bytes[i] == b'%' && h.iter().all(u8::is_ascii_hexdigit));
        if let Some(b) = hex.and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()) {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
