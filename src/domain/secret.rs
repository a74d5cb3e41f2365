//! What names a secret: the words the journal redacts in header names, the fields it redacts in
//! a sign-in form, and the query parameters it redacts, which the conformance report also
//! looks for.

/// The fields of a form body that carry a secret (OAuth 2.0 token requests: RFC 6749 §4.4 and
/// §2.3.1, RFC 7521 §4.2, RFC 7523).
pub(crate) const SECRET_FIELDS: [&str; 6] = [
    "client_secret",
    "client_assertion",
    "assertion",
    "password",
    "refresh_token",
    "code",
];

/// Whether a (lower-case) name holds `token`, `secret`, `password` or `signature`.
pub(crate) fn speaks_of_a_secret(name: &[u8]) -> bool {
    (0..name.len()).any(|at| {
        let rest = &name[at..];
        match rest[0] {
            b't' => rest.starts_with(b"token"),
            b's' => rest.starts_with(b"secret") || rest.starts_with(b"signature"),
            b'p' => rest.starts_with(b"password"),
            _ => false,
        }
    })
}

/// What the journal writes in place of a secret.
pub(crate) const REDACTED: &str = "[redacted]";

/// Whether a query parameter carries a credential: its name is an OAuth form field
/// (`client_secret`, `code`…), holds `token`, `secret`, `password` or `signature`, is `sig` (a
/// SAS signature) or ends in `key`; or its value looks like a JWT or a `Bearer` credential.
pub(crate) fn is_secret_parameter(name: &str, value: &str) -> bool {
    let name = name.to_ascii_lowercase();
    let looks_like_a_jwt = value.starts_with("eyJ") && value.matches('.').count() == 2;
    SECRET_FIELDS.contains(&name.as_str())
        || speaks_of_a_secret(name.as_bytes())
        || name == "sig"
        || name.ends_with("key")
        || looks_like_a_jwt
        || value.starts_with("Bearer ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_parameters_are_told_by_name_or_by_value() {
        for (name, value) in [
            ("client_secret", "x"),
            ("Access_Token", "x"),
            ("sig", "x"),
            ("subscription-key", "x"),
            ("apikey", "x"),
            ("t", "eyJhbGciOi.eyJzdWIi.c2ln"),
            ("auth", "Bearer abc"),
        ] {
            assert!(is_secret_parameter(name, value), "{name}={value}");
        }
        for (name, value) in [
            ("api-version", "2017-10-31"),
            ("status", "running"),
            ("offer", "eyJ"),
        ] {
            assert!(!is_secret_parameter(name, value), "{name}={value}");
        }
    }
}
