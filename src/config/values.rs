//! How a setting's text becomes its value: numbers, durations, sizes, instants, URLs, each
//! refused with a reason clap prints beside the flag.

/// The hosts real CPP clients call: the API and Microsoft's identity platform.
pub(super) fn default_intercept_hosts() -> Vec<String> {
    vec![
        "cloudpartner.azure.com".to_owned(),
        "login.microsoftonline.com".to_owned(),
    ]
}

pub(super) fn parse_time_scale(value: &str) -> Result<f64, String> {
    let scale: f64 = value
        .parse()
        .map_err(|_| format!("'{value}' is not a number"))?;
    if scale.is_finite() && scale >= 0.0 {
        Ok(scale)
    } else {
        Err(format!("'{value}' is not a finite number ≥ 0"))
    }
}

/// A duration in seconds: a bare number of seconds (what the flags always took) or a number
/// with a unit — `ms`, `s`, `m` or `h` (`500ms`, `2s`, `1h`), as the README's Settings say.
pub(super) fn seconds(value: &str) -> Result<f64, String> {
    let value = value.trim();
    let (number, scale) = [("ms", 0.001), ("s", 1.0), ("m", 60.0), ("h", 3600.0)]
        .iter()
        .find_map(|(unit, scale)| value.strip_suffix(unit).map(|n| (n, *scale)))
        .unwrap_or((value, 1.0));
    number
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
        .map(|n| n * scale)
        .ok_or_else(|| {
            format!("'{value}' is not a duration: seconds (2.5), or a number with ms, s, m or h")
        })
}

/// A size in bytes: a bare number, or one with a unit (`KiB`, `MiB`, `GiB`; `KB`, `MB`, `GB`
/// mean the same powers of 1024).
pub(super) fn parse_bytes(value: &str) -> Result<usize, String> {
    let trimmed = value.trim();
    let units = [
        ("KiB", 1usize << 10),
        ("MiB", 1 << 20),
        ("GiB", 1 << 30),
        ("KB", 1 << 10),
        ("MB", 1 << 20),
        ("GB", 1 << 30),
        ("B", 1),
    ];
    let (number, scale) = units
        .iter()
        .find_map(|(unit, scale)| trimmed.strip_suffix(unit).map(|n| (n, *scale)))
        .unwrap_or((trimmed, 1));
    number
        .trim()
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("'{value}' is not a size above 0: bytes (65536), or a whole number with KiB, MiB or GiB"))
}

pub(super) fn parse_delay(value: &str) -> Result<f64, String> {
    let secs = seconds(value)?;
    if (0.0..=86_400.0).contains(&secs) {
        Ok(secs)
    } else {
        Err(format!("'{value}' is not between 0 and 24h"))
    }
}

pub(super) fn parse_timeout(value: &str) -> Result<f64, String> {
    let secs = seconds(value)?;
    if secs > 0.0 && secs <= 86_400.0 {
        Ok(secs)
    } else {
        Err(format!("'{value}' is not above 0 and at most 24h"))
    }
}

/// An RFC 3339 instant as nanoseconds since the Unix epoch (1970 to 2554).
pub(super) fn parse_instant(value: &str) -> Result<u64, String> {
    let instant =
        time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc3339)
            .map_err(|e| {
                format!("'{value}' is not an RFC 3339 instant such as 2026-01-01T00:00:00Z: {e}")
            })?;
    u64::try_from(instant.unix_timestamp_nanos())
        .map_err(|_| format!("'{value}' is before 1970 or after 2554"))
}

pub(super) fn parse_base_url(value: &str) -> Result<String, String> {
    let trimmed = value.trim_end_matches('/');
    let rest = trimmed
        .strip_prefix("http://")
        .or_else(|| trimmed.strip_prefix("https://"))
        .ok_or_else(|| format!("'{value}' must start with http:// or https://"))?;
    if rest.is_empty() || rest.contains(['?', '#', ' ']) {
        return Err(format!(
            "'{value}' must be a scheme, a host and an optional path, with no query"
        ));
    }
    Ok(trimmed.to_owned())
}
