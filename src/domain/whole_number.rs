//! Whole numbers as JSON Schema counts them: `3` and `3.0` are the same integer, so a field the
//! OpenAPI document types as `integer` accepts both. Use with `#[serde(deserialize_with)]`, on
//! a signed type (with `#[schema(minimum = 0)]` or more) where the document should say
//! `int32`/`int64` and mean it: utoipa writes `u32` as `int32` too.

use std::fmt::{self, Display};

use serde::Deserialize;
use serde::de::{Deserializer, Error, Visitor};

/// A whole number ≥ 0 that fits `T`, written with or without a zero fraction.
pub(crate) fn number<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<u64>,
    T::Error: Display,
{
    let whole = deserializer.deserialize_any(WholeVisitor)?;
    T::try_from(whole).map_err(|e| D::Error::custom(format!("{whole}: {e}")))
}

struct WholeVisitor;

impl Visitor<'_> for WholeVisitor {
    type Value = u64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a whole number from 0")
    }

    fn visit_u64<E: Error>(self, n: u64) -> Result<u64, E> {
        Ok(n)
    }

    fn visit_i64<E: Error>(self, n: i64) -> Result<u64, E> {
        u64::try_from(n).map_err(|_| E::custom(format!("{n} is not a whole number from 0")))
    }

    fn visit_f64<E: Error>(self, f: f64) -> Result<u64, E> {
        // Below 2^64 and with no fraction: the cast is exact.
        if f >= 0.0 && f.fract() == 0.0 && f < 18_446_744_073_709_551_616.0 {
            Ok(f as u64)
        } else {
            Err(E::custom(format!("{f} is not a whole number from 0")))
        }
    }
}

/// `null`, absent (with `#[serde(default)]`) or a [`number`].
pub(crate) fn optional<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<u64>,
    T::Error: Display,
{
    #[derive(Deserialize)]
    struct Whole(#[serde(deserialize_with = "number")] u64);

    Option::<Whole>::deserialize(deserializer)?
        .map(|Whole(n)| T::try_from(n).map_err(|e| D::Error::custom(format!("{n}: {e}"))))
        .transpose()
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct Counts {
        #[serde(deserialize_with = "super::number")]
        small: u16,
        #[serde(default, deserialize_with = "super::optional")]
        maybe: Option<u32>,
    }

    fn parse(json: &str) -> Result<Counts, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn integers_with_or_without_a_zero_fraction_are_accepted() {
        let counts = parse(r#"{"small": 503.0, "maybe": 7}"#).expect("accepted");
        assert_eq!((counts.small, counts.maybe), (503, Some(7)));
        let counts = parse(r#"{"small": 1e3, "maybe": null}"#).expect("accepted");
        assert_eq!((counts.small, counts.maybe), (1000, None));
        assert_eq!(parse(r#"{"small": 0}"#).expect("accepted").maybe, None);
    }

    #[test]
    fn fractions_negatives_and_overflows_are_refused_with_the_value() {
        for (json, said) in [
            (r#"{"small": 1.5}"#, "1.5 is not a whole number"),
            (r#"{"small": -1}"#, "-1 is not a whole number"),
            (r#"{"small": 70000}"#, "70000: out of range"),
            (
                r#"{"small": 1, "maybe": 5000000000.0}"#,
                "5000000000: out of range",
            ),
            (r#"{"small": "1"}"#, "invalid type"),
        ] {
            let error = parse(json).expect_err(json);
            assert!(error.contains(said), "{json}: {error}");
        }
    }
}
