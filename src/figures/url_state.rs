//! Figure state in the URL fragment: `#quadratic-1d.eta=0.9&quadratic-nd.a1=3`.
//!
//! Each entry is `<figure id>.<parameter key>=<value>`; only values that differ from the
//! defaults are written, so the plain page has no fragment. Parsing never panics and never
//! half-applies an invalid value: every value goes through [`ParamValues::set_text`], and the
//! refused ones come back as messages while the parameter keeps its previous value.

use super::params::{ParamError, ParamValues};

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
            let name = entry.split_once('=').map_or(entry, |(name, _)| name);
            let key = percent_decode(name.strip_prefix(&prefix)?);
            Some(match entry.split_once('=') {
                Some((_, value)) => Ok((key, percent_decode(value))),
                None => Err(key),
            })
        })
        .collect()
}

/// Applies the fragment's entries for `id` to `values`; returns the refused ones (each
/// refused entry leaves its parameter as it was).
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
            Ok((key, value)) => values.set_text(&key, &value).err(),
            Err(key) => Some(ParamError { message: format!("the link gives \u{201c}{key}\u{201d} no value"), key }),
        })
        .collect()
}

/// Replaces the entries of figure `id` in `fragment` by the non-default values of `values`,
/// keeping other figures' entries in their order. Returns the new fragment without '#'.
pub fn write(fragment: &str, id: &str, values: &ParamValues) -> String {
    let fragment = fragment.strip_prefix('#').unwrap_or(fragment);
    let prefix = format!("{id}.");
    let mut parts: Vec<String> = if fragment.len() > MAX_FRAGMENT_LEN {
        Vec::new()
    } else {
        // Other figures' entries stay; entries starting with '#' cannot be this format's and
        // would turn into a figure's entry once the fragment's own '#' is stripped.
        fragment
            .split('&')
            .filter(|e| !e.is_empty() && !e.starts_with(&prefix) && !e.starts_with('#'))
            .map(str::to_string)
            .collect()
    };
    parts.extend(
        values
            .iter()
            .filter(|(spec, v)| *v != spec.default)
            .map(|(spec, _)| format!("{id}.{}={}", spec.key, percent_encode(&values.text(spec)))),
    );
    parts.join("&")
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
