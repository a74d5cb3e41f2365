//! JSON in the client's terms: what kind of value a client sent, and serde's error messages
//! with the Rust vocabulary taken out ("expected struct MetadataBody" becomes "expected a JSON
//! object"), so no message shows a type name of ours.

use serde_json::Value;

/// The kind of a JSON value, as a message names it.
pub(crate) fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A struct field read as JSON Schema's `object` says: only from a JSON object, never from
/// the array serde's derive also takes (`[null, null]` for `{"method": null, "path": null}`).
/// Use with `#[serde(deserialize_with)]` on a struct-typed field.
pub(crate) fn object<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    use serde::Deserialize as _;
    let map = serde_json::Map::<String, Value>::deserialize(deserializer)?;
    T::deserialize(Value::Object(map)).map_err(serde::de::Error::custom)
}

/// `null`, absent (with `#[serde(default)]`) or an [`object`].
pub(crate) fn optional_object<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    use serde::Deserialize as _;
    match Option::<serde_json::Map<String, Value>>::deserialize(deserializer)? {
        Some(map) => T::deserialize(Value::Object(map))
            .map(Some)
            .map_err(serde::de::Error::custom),
        None => Ok(None),
    }
}

/// A JSON UTF-8 byte-order mark, which PowerShell and .NET clients put before a body (the CPP
/// service, a .NET one, took it).
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// `body` without a leading byte-order mark.
pub(crate) fn without_bom(body: &[u8]) -> &[u8] {
    body.strip_prefix(BOM).unwrap_or(body)
}

/// How deeply the arrays and objects of a JSON document the server accepts may nest
/// (docs/behaviour.md#request-bodies): well below what the state file's reader takes (128, with
/// the few levels a record puts around a document), so whatever was accepted reads back.
pub(crate) const MAX_JSON_DEPTH: usize = 64;

/// Whether the arrays and objects of `body` (JSON, or what claims to be) nest deeper than
/// `MAX_JSON_DEPTH`: one pass over its bytes, strings skipped, whether or not it is valid.
pub(crate) fn nests_too_deep(body: &[u8]) -> bool {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &byte in body {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_JSON_DEPTH {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// A serde error message in JSON terms.
pub(crate) fn json_terms(error: &impl std::fmt::Display) -> String {
    let message = error.to_string();
    if message.starts_with("data did not match any variant of untagged enum") {
        return "the value has none of the accepted shapes".to_owned();
    }
    // Quoted parts (`field`, "string") are the client's own text: kept as they are.
    let mut out = String::with_capacity(message.len());
    let mut rest = message.as_str();
    while let Some(start) = rest.find(['`', '"']) {
        let quote = rest[start..].chars().next().unwrap_or('`');
        out.push_str(&plain(&rest[..start]));
        let after = &rest[start + 1..];
        let end = closing(after, quote).map_or(after.len(), |i| i + 1);
        out.push(quote);
        out.push_str(&after[..end]);
        rest = &after[end..];
    }
    out.push_str(&plain(rest));
    out
}

/// Where `quote` closes in `text` (a backslash escapes a double quote).
fn closing(text: &str, quote: char) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match c {
            '\\' if quote == '"' && !escaped => escaped = true,
            c if c == quote && !escaped => return Some(i),
            _ => escaped = false,
        }
    }
    None
}

/// Rust's and serde's words in an unquoted part of a message, in the order they are replaced:
/// a named type (the keyword and the name after it) first, then single words.
const NAMED: [(&str, &str); 6] = [
    ("tuple struct ", "a JSON array"),
    ("internally tagged enum ", "one of the accepted shapes"),
    ("adjacently tagged enum ", "one of the accepted shapes"),
    ("struct ", "a JSON object"),
    ("enum ", "one of the accepted values"),
    ("newtype struct ", "a value"),
];

const WORDS: [(&str, &str); 24] = [
    ("variant identifier", "a known name"),
    ("field identifier", "a known name"),
    ("a sequence", "an array"),
    ("sequence", "array"),
    ("a map", "an object"),
    ("map", "object"),
    ("floating point", "number"),
    ("unit value", "null"),
    ("Option value", "null"),
    ("option", "a value or null"),
    ("unit", "null"),
    ("u8", "a whole number from 0"),
    ("u16", "a whole number from 0"),
    ("u32", "a whole number from 0"),
    ("u64", "a whole number from 0"),
    ("u128", "a whole number from 0"),
    ("usize", "a whole number from 0"),
    ("i8", "a whole number"),
    ("i16", "a whole number"),
    ("i32", "a whole number"),
    ("i64", "a whole number"),
    ("isize", "a whole number"),
    ("f32", "a number"),
    ("f64", "a number"),
];

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// `text` with each Rust word replaced (whole words only).
fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    'scan: while i < text.len() {
        let rest = &text[i..];
        let at_word_start = !out.chars().next_back().is_some_and(is_word);
        if at_word_start {
            for (keyword, replacement) in NAMED {
                if let Some(after) = rest.strip_prefix(keyword) {
                    let name_len = after
                        .find(|c: char| !(is_word(c) || c == ':' || c == '<' || c == '>'))
                        .unwrap_or(after.len());
                    if name_len > 0 {
                        out.push_str(replacement);
                        i += keyword.len() + name_len;
                        continue 'scan;
                    }
                }
            }
            for (word, replacement) in WORDS {
                if rest.starts_with(word) && !rest[word.len()..].starts_with(is_word) {
                    out.push_str(replacement);
                    i += word.len();
                    continue 'scan;
                }
            }
        }
        let c = rest.chars().next().unwrap_or(' ');
        // Copy a whole word at once, so a replacement only ever starts a word.
        let len = if is_word(c) {
            rest.find(|c: char| !is_word(c)).unwrap_or(rest.len())
        } else {
            c.len_utf8()
        };
        out.push_str(&rest[..len]);
        i += len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_is_counted_outside_strings_only() {
        let nested = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));

        assert!(!nests_too_deep(nested(MAX_JSON_DEPTH).as_bytes()));
        assert!(nests_too_deep(nested(MAX_JSON_DEPTH + 1).as_bytes()));
        let objects = format!("{}1{}", "{\"a\":".repeat(65), "}".repeat(65));
        assert!(nests_too_deep(objects.as_bytes()));
        let in_a_string = format!("{{\"a\": \"{}\\\"{}\"}}", "[".repeat(200), "{".repeat(200));
        assert!(!nests_too_deep(in_a_string.as_bytes()), "{in_a_string}");
        // Siblings do not add up.
        let wide = format!("[{}]", vec![nested(60); 100].join(","));
        assert!(!nests_too_deep(wide.as_bytes()));
        // Unbalanced closers count as nothing, not as room for more.
        let closers = format!("{}{}", "]".repeat(100), nested(MAX_JSON_DEPTH + 1));
        assert!(nests_too_deep(closers.as_bytes()));
    }

    fn terms<T: serde::de::DeserializeOwned + std::fmt::Debug>(json: &str) -> String {
        json_terms(&serde_json::from_str::<T>(json).expect_err("an error"))
    }

    #[derive(Debug, serde::Deserialize)]
    #[expect(dead_code, reason = "only its errors are read")]
    struct MetadataBody {
        metadata: Option<u32>,
    }

    #[derive(Debug, serde::Deserialize)]
    enum Kind {
        Publish,
    }

    #[test]
    fn type_names_become_json_terms() {
        assert_eq!(
            terms::<MetadataBody>(r#""x""#),
            r#"invalid type: string "x", expected a JSON object at line 1 column 3"#
        );
        assert_eq!(
            terms::<MetadataBody>(r#"{"metadata": "x"}"#),
            r#"invalid type: string "x", expected a whole number from 0 at line 1 column 16"#
        );
        assert_eq!(
            terms::<MetadataBody>(r#"{"metadata": -1}"#),
            "invalid value: integer `-1`, expected a whole number from 0 at line 1 column 15"
        );
        assert_eq!(
            terms::<Vec<u8>>("{}"),
            "invalid type: object, expected an array at line 1 column 0"
        );
        assert_eq!(
            json_terms(&"invalid type: integer `3`, expected enum Kind"),
            "invalid type: integer `3`, expected one of the accepted values"
        );
        assert_eq!(
            json_terms(&"invalid length 1, expected tuple struct Pair with 2 elements"),
            "invalid length 1, expected a JSON array with 2 elements"
        );
        assert_eq!(
            terms::<Kind>(r#""Other""#),
            "unknown variant `Other`, expected `Publish` at line 1 column 7"
        );
    }

    #[test]
    fn quoted_client_text_is_kept() {
        assert_eq!(
            json_terms(&r#"unknown field `struct u32`, expected "map""#),
            r#"unknown field `struct u32`, expected "map""#
        );
        // Words that only contain a Rust word are left alone.
        assert_eq!(json_terms(&"mapping unity u320"), "mapping unity u320");
    }

    #[test]
    fn a_byte_order_mark_is_dropped() {
        assert_eq!(without_bom(b"\xEF\xBB\xBF{}"), b"{}");
        assert_eq!(without_bom(b"{}"), b"{}");
    }
}
