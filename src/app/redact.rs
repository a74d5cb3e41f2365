//! What the journal never keeps (docs/reliability.md#what-the-journal-keeps): the credentials
//! of request headers and of query strings, and the secrets of a sign-in form, whatever the
//! path it was sent to.

use axum::http::{HeaderName, HeaderValue, Uri, header};

use crate::domain::{REDACTED, SECRET_FIELDS, is_secret_parameter, speaks_of_a_secret};

/// The recorded form of header `name`'s `value`, when it carries a credential: `Bearer abc…`
/// → `Bearer [redacted]` (the scheme stays, the credentials go); `None` for any other header.
pub(super) fn header(name: &HeaderName, value: &HeaderValue) -> Option<HeaderValue> {
    is_credential(name).then(|| credentials_redacted(value))
}

/// Whether header `name` carries a credential: `Authorization`, `Proxy-Authorization`,
/// `Cookie`, an API key (`*-key`), and any whose name speaks of a token, secret, password or
/// signature. Run on every header of every journaled request, so it first notes which letters
/// the name has (one pass, a few instructions a byte) and looks further only where a word
/// could be: most names (`host`, `accept`, `user-agent`, `x-request-id`…) stop there.
fn is_credential(name: &HeaderName) -> bool {
    let bytes = name.as_str().as_bytes();
    let present = bytes.iter().fold(0u32, |set, &b| set | 1 << (b & 31));
    let has = |word: u32| present & word == word;
    (has(AUTHORIZATION) && (name == header::AUTHORIZATION || name == header::PROXY_AUTHORIZATION))
        || (has(COOKIE) && name == header::COOKIE)
        || (has(KEY) && bytes.ends_with(b"-key"))
        || ((has(TOKEN) || has(SECRET) || has(SIGNATURE) || has(PASSWORD))
            && speaks_of_a_secret(bytes))
}

/// The letters of `word` as a set (bit `b & 31` per byte, as `is_credential` makes it for a
/// name: a few unrelated bytes share a bit, which only lets more names through to the exact
/// test).
const fn letters(word: &[u8]) -> u32 {
    let mut set = 0u32;
    let mut at = 0;
    while at < word.len() {
        set |= 1 << (word[at] & 31);
        at += 1;
    }
    set
}

const AUTHORIZATION: u32 = letters(b"authorization");
const COOKIE: u32 = letters(b"cookie");
const KEY: u32 = letters(b"-key");
const TOKEN: u32 = letters(b"token");
const SECRET: u32 = letters(b"secret");
const SIGNATURE: u32 = letters(b"signature");
const PASSWORD: u32 = letters(b"password");

fn credentials_redacted(value: &HeaderValue) -> HeaderValue {
    const BEARER: HeaderValue = HeaderValue::from_static("Bearer [redacted]");
    const REDACTED_VALUE: HeaderValue = HeaderValue::from_static(REDACTED);
    let text = value.as_bytes().trim_ascii();
    match text.iter().position(|&b| b == b' ') {
        Some(at) if &text[..at] == b"Bearer" => BEARER,
        Some(at) if text[..at].iter().all(u8::is_ascii_alphanumeric) => {
            HeaderValue::from_bytes(&[&text[..at], b" [redacted]"].concat())
                .unwrap_or(REDACTED_VALUE)
        }
        _ => REDACTED_VALUE,
    }
}

/// `uri` as the journal keeps it when its query carries a credential
/// ([`is_secret_parameter`]): those values replaced by `[redacted]`; `None` when there is
/// nothing to redact. A lone `api-version=…`, the query of nearly every request, is passed
/// over without being parsed.
pub(super) fn uri(uri: &Uri) -> Option<Uri> {
    let query = uri.query()?;
    if query.starts_with("api-version=") && !query.contains('&') {
        return None;
    }
    let mut secret = false;
    let mut kept = form_urlencoded::Serializer::new(String::new());
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        let redact = is_secret_parameter(&name, &value);
        secret |= redact;
        kept.append_pair(&name, if redact { REDACTED } else { &value });
    }
    if !secret {
        return None;
    }
    format!("{}?{}", uri.path(), kept.finish()).parse().ok()
}

/// `body` as the journal keeps it: a form (`application/x-www-form-urlencoded`) with the
/// values of its secret fields replaced by `[redacted]`; any other body as it is (`None`).
pub(super) fn form_body(content_type: Option<&HeaderValue>, body: &[u8]) -> Option<Vec<u8>> {
    let is_form = content_type.is_some_and(|value| {
        value
            .as_bytes()
            .split(|&b| b == b';')
            .next()
            .is_some_and(|mime| {
                mime.trim_ascii()
                    .eq_ignore_ascii_case(b"application/x-www-form-urlencoded")
            })
    });
    if !is_form {
        return None;
    }
    let mut kept = form_urlencoded::Serializer::new(String::new());
    for (key, value) in form_urlencoded::parse(body) {
        if SECRET_FIELDS.iter().any(|secret| key == *secret) {
            kept.append_pair(&key, REDACTED);
        } else {
            kept.append_pair(&key, &value);
        }
    }
    Some(kept.finish().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_redacted_and_the_scheme_kept() {
        let redacted = |name: &'static str, value: &'static str| {
            header(
                &HeaderName::from_static(name),
                &HeaderValue::from_static(value),
            )
        };

        assert_eq!(
            redacted("authorization", "Bearer abc.def").as_ref(),
            Some(&HeaderValue::from_static("Bearer [redacted]"))
        );
        assert_eq!(
            redacted("authorization", "  Bearer abc "),
            Some(HeaderValue::from_static("Bearer [redacted]"))
        );
        assert_eq!(
            redacted("proxy-authorization", "Basic dXNlcjpwdw=="),
            Some(HeaderValue::from_static("Basic [redacted]"))
        );
        assert_eq!(
            redacted("authorization", "secret-token"),
            Some(HeaderValue::from_static("[redacted]"))
        );
        assert_eq!(
            redacted("cookie", "session=abc; other=def"),
            Some(HeaderValue::from_static("[redacted]"))
        );
        for name in [
            "x-api-key",
            "x-auth-token",
            "x-client-secret",
            "ocp-apim-subscription-key",
        ] {
            assert_eq!(
                redacted(name, "abc"),
                Some(HeaderValue::from_static("[redacted]")),
                "{name}"
            );
        }
        assert_eq!(redacted("content-type", "application/json"), None);
        assert_eq!(redacted("x-request-id", "abc"), None);
    }

    /// The letter sets only skip work: on every name, the same answer as the plain rule.
    #[test]
    fn the_quick_test_of_a_name_agrees_with_the_plain_rule() {
        let plain = |name: &str| {
            ["authorization", "proxy-authorization", "cookie"].contains(&name)
                || name.ends_with("-key")
                || ["token", "secret", "signature", "password"]
                    .iter()
                    .any(|word| name.contains(word))
        };
        let names = [
            "host",
            "accept",
            "user-agent",
            "x-request-id",
            "content-length",
            "content-type",
            "authorization",
            "proxy-authorization",
            "cookie",
            "set-cookie",
            "x-api-key",
            "sec-websocket-key",
            "keep-alive",
            "x-keys",
            "x-auth-token",
            "tokens",
            "x-tok-en",
            "x-client-secret",
            "secre-t",
            "x-signature-ed25519",
            "x-signatur",
            "x-password",
            "x-passwor",
            "if-match",
            "x-ms-client-request-id",
            "x-mock-world",
            "x-csrftoken",
            "ocp-apim-subscription-key",
            "x-tokenizer",
            "authorizatio",
            "a",
            "-key",
            "key",
        ];
        for name in names {
            let header = HeaderName::from_static(name);
            assert_eq!(is_credential(&header), plain(name), "{name}");
        }
    }

    #[test]
    fn a_sign_in_form_keeps_its_fields_but_not_its_secrets() {
        let form = HeaderValue::from_static("application/x-www-form-urlencoded; charset=utf-8");
        let body = b"grant_type=client_credentials&client_id=app&client_secret=s3cret\
                     &client_assertion=eyJ.x.y&resource=https%3A%2F%2Fcloudpartner.azure.com";

        let kept = form_body(Some(&form), body).expect("a form");

        let kept = String::from_utf8(kept).expect("text");
        assert!(!kept.contains("s3cret") && !kept.contains("eyJ"), "{kept}");
        assert!(kept.contains("client_secret=%5Bredacted%5D"), "{kept}");
        assert!(kept.contains("client_id=app"), "{kept}");
        assert!(
            kept.contains("resource=https%3A%2F%2Fcloudpartner.azure.com"),
            "{kept}"
        );
        let json = HeaderValue::from_static("application/json");
        assert_eq!(form_body(Some(&json), b"{\"client_secret\": 1}"), None);
        assert_eq!(form_body(None, body), None);
    }
}
