//! A request as the journal keeps it: its target and headers in one allocation (credentials
//! redacted), its body, each cut to a bound and marked when cut.

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Uri};

use crate::domain::{Timestamp, names_in_path};

/// Longest body kept per request; longer ones are cut and marked.
pub(crate) const MAX_RECORDED_BODY: usize = 64 * 1024;
/// Longest request target (path and query) kept per request; a longer one is cut and marked.
pub(crate) const MAX_RECORDED_TARGET: usize = 4 * 1024;
/// Longest header value kept, and most bytes of headers kept per request; past either, values
/// are cut (or headers left out) and the entry marked.
pub(crate) const MAX_RECORDED_HEADER: usize = 1024;
pub(crate) const MAX_RECORDED_HEADERS: usize = 16 * 1024;
thread_local! {
    /// Where an entry's text is written before it is copied out (at most
    /// `MAX_RECORDED_TARGET` + `MAX_RECORDED_HEADERS` bytes, per thread).
    static SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// What an entry costs besides its bytes (its fields, the deque's slot, the answer).
pub(super) const ENTRY_OVERHEAD: usize = 256;

/// One request as the journal keeps it: owned copies in a few allocations, so an entry never
/// holds on to a connection's buffers.
#[derive(Debug, Clone)]
pub(crate) struct RecordedRequest {
    /// Arrival order, from 1.
    pub(crate) seq: u64,
    pub(crate) time: Timestamp,
    pub(crate) method: Method,
    /// The request target as received (the path, then `?query` if any; at most
    /// `MAX_RECORDED_TARGET` bytes), then the headers as `name: value\r\n` lines in arrival
    /// order, credentials redacted, at most `MAX_RECORDED_HEADER` bytes a value and
    /// `MAX_RECORDED_HEADERS` in all: one allocation.
    text: Box<[u8]>,
    target_len: usize,
    path_len: usize,
    pub(crate) target_truncated: bool,
    pub(crate) headers_truncated: bool,
    /// The body, up to `MAX_RECORDED_BODY` bytes.
    pub(crate) body: Bytes,
    pub(crate) body_truncated: bool,
    /// The status answered; `None` when the connection was dropped.
    pub(crate) status: Option<u16>,
}

impl RecordedRequest {
    /// An entry for a request as it arrived (`seq` is set by the journal): `headers` in their
    /// order, then `added` if given (the front's own, kept as it is); `redact` gives the
    /// recorded form of a header's value.
    pub(crate) fn new(
        time: Timestamp,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        added: Option<(&HeaderName, &HeaderValue)>,
        redact: impl Fn(&HeaderName, &HeaderValue) -> Option<HeaderValue>,
    ) -> Self {
        let whole = uri.path_and_query().map_or(uri.path(), |pq| pq.as_str());
        let target = cut(whole, MAX_RECORDED_TARGET);
        // Written in a buffer of the thread's, then copied once into an allocation of the
        // exact size (no pass to size it first, no regrowth).
        SCRATCH.with_borrow_mut(|text| {
            text.clear();
            text.extend_from_slice(target.as_bytes());
            let mut head_len = 0;
            let mut headers_truncated = false;
            let own = added.map(|(name, value)| (name, value, true));
            for (name, value, own) in headers.iter().map(|(n, v)| (n, v, false)).chain(own) {
                let redacted = if own { None } else { redact(name, value) };
                let value = redacted.as_ref().unwrap_or(value).as_bytes();
                let kept = &value[..value.len().min(MAX_RECORDED_HEADER)];
                let name = name.as_str().as_bytes();
                let line = name.len() + kept.len() + 4;
                if head_len + line > MAX_RECORDED_HEADERS {
                    headers_truncated = true;
                    continue;
                }
                headers_truncated |= kept.len() < value.len();
                head_len += line;
                text.extend_from_slice(name);
                text.extend_from_slice(b": ");
                text.extend_from_slice(kept);
                text.extend_from_slice(b"\r\n");
            }
            Self {
                seq: 0,
                time,
                method: method.clone(),
                text: Box::from(&text[..]),
                target_len: target.len(),
                path_len: uri.path().len().min(target.len()),
                target_truncated: target.len() < whole.len(),
                headers_truncated,
                body: Bytes::new(),
                body_truncated: false,
                status: None,
            }
        })
    }

    /// Keeps a copy of the first `MAX_RECORDED_BODY` bytes of `body`.
    pub(crate) fn set_body(&mut self, body: &[u8]) {
        self.body_truncated = body.len() > MAX_RECORDED_BODY;
        self.body = Bytes::copy_from_slice(&body[..body.len().min(MAX_RECORDED_BODY)]);
    }

    /// The bytes it holds, with what it costs besides them.
    pub(super) fn size(&self) -> usize {
        self.text.len() + self.body.len() + ENTRY_OVERHEAD
    }

    /// The target as received (text: it was a `&str`, cut on a character boundary).
    fn target(&self) -> &str {
        std::str::from_utf8(&self.text[..self.target_len]).unwrap_or_default()
    }

    pub(crate) fn path(&self) -> &str {
        &self.target()[..self.path_len]
    }

    pub(crate) fn query(&self) -> Option<&str> {
        self.target()[self.path_len..].strip_prefix('?')
    }

    pub(super) fn head(&self) -> &[u8] {
        &self.text[self.target_len..]
    }

    /// `(name, value)` in arrival order.
    pub(crate) fn headers(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.head()
            .split(|b| *b == b'\n')
            .filter_map(|line| line.strip_suffix(b"\r"))
            .filter_map(|line| {
                let at = line.windows(2).position(|w| w == b": ")?;
                Some((&line[..at], &line[at + 2..]))
            })
    }

    /// The request id the front gave it (the client's `x-request-id`, or one it made).
    pub(crate) fn request_id(&self) -> Option<&[u8]> {
        self.headers()
            .filter(|(name, _)| name.eq_ignore_ascii_case(b"x-request-id"))
            .map(|(_, value)| value)
            .last()
    }

    /// The publisher and offer its path names, if any.
    pub(crate) fn publisher_and_offer(&self) -> (Option<String>, Option<String>) {
        names_in_path(self.path())
    }
}

/// `text` cut to at most `max` bytes, at a character boundary.
fn cut(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}
