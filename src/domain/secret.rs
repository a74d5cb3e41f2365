//! What names a secret: the words the journal redacts in header names, the fields it redacts in
//! a sign-in form, and what the conformance report looks for in a query string.

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
