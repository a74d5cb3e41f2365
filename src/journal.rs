//! The request journal: every `/api` request as it arrived and how it was answered, the
//! newest kept up to a cap, the rest dropped and counted.

use std::collections::VecDeque;

use axum::body::Bytes;
use axum::http::HeaderMap;

use crate::domain::Timestamp;

/// Longest body kept per request; longer ones are cut and marked.
pub(crate) const MAX_RECORDED_BODY: usize = 64 * 1024;

/// One request as the journal keeps it.
#[derive(Debug, Clone)]
pub(crate) struct RecordedRequest {
    /// Arrival order, from 1.
    pub(crate) seq: u64,
    pub(crate) time: Timestamp,
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) query: Option<String>,
    /// The headers; the credentials of `Authorization` are redacted. Kept as received (the
    /// values share the request's buffers) and turned into text only when listed.
    pub(crate) headers: HeaderMap,
    /// The body, up to `MAX_RECORDED_BODY` bytes.
    pub(crate) body: Bytes,
    pub(crate) body_truncated: bool,
    /// The status answered; `None` when the connection was dropped.
    pub(crate) status: Option<u16>,
    pub(crate) publisher: Option<String>,
    pub(crate) offer: Option<String>,
}

/// What to list: every given field must match.
#[derive(Debug, Clone, Default)]
pub(crate) struct JournalFilter {
    pub(crate) method: Option<String>,
    pub(crate) path_prefix: Option<String>,
    pub(crate) publisher: Option<String>,
    pub(crate) offer: Option<String>,
    pub(crate) status: Option<u16>,
}

impl JournalFilter {
    fn keeps(&self, r: &RecordedRequest) -> bool {
        let same = |wanted: &Option<String>, got: Option<&str>| {
            wanted
                .as_deref()
                .is_none_or(|w| got.is_some_and(|g| g.eq_ignore_ascii_case(w)))
        };
        same(&self.method, Some(&r.method))
            && self
                .path_prefix
                .as_deref()
                .is_none_or(|p| r.path.starts_with(p))
            && same(&self.publisher, r.publisher.as_deref())
            && same(&self.offer, r.offer.as_deref())
            && self.status.is_none_or(|s| r.status == Some(s))
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Journal {
    entries: VecDeque<RecordedRequest>,
    capacity: usize,
    dropped: u64,
    next_seq: u64,
}

impl Journal {
    /// A journal keeping at most `capacity` requests (0: none).
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            entries: VecDeque::with_capacity(capacity.min(1024)),
            capacity,
            dropped: 0,
            next_seq: 1,
        }
    }

    /// Keeps `request` (its `seq` is set here), dropping the oldest past the cap.
    pub(crate) fn record(&mut self, mut request: RecordedRequest) {
        if self.capacity == 0 {
            return;
        }
        request.seq = self.next_seq;
        self.next_seq += 1;
        if self.entries.len() == self.capacity {
            self.entries.pop_front();
            self.dropped += 1;
        }
        self.entries.push_back(request);
    }

    /// The requests `filter` keeps, newest first.
    pub(crate) fn list(&self, filter: &JournalFilter) -> Vec<RecordedRequest> {
        self.entries
            .iter()
            .rev()
            .filter(|r| filter.keeps(r))
            .cloned()
            .collect()
    }

    pub(crate) fn count(&self, filter: &JournalFilter) -> usize {
        self.entries.iter().filter(|r| filter.keeps(r)).count()
    }

    /// Requests dropped to keep the cap, since the last clear.
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
        self.dropped = 0;
    }
}

/// The publisher and offer a CPP path names, if any: `/api/publishers/{p}[/offers/{o}…]` or
/// `/api/operations/{p}${o}$…`.
pub(crate) fn publisher_and_offer(path: &str) -> (Option<String>, Option<String>) {
    let mut segments = path.trim_start_matches('/').split('/');
    match (segments.next(), segments.next(), segments.next()) {
        (Some("api"), Some("publishers"), Some(p)) if !p.is_empty() => {
            let offer = match (segments.next(), segments.next()) {
                (Some("offers"), Some(o)) if !o.is_empty() => Some(decode(o)),
                _ => None,
            };
            (Some(decode(p)), offer)
        }
        (Some("api"), Some("operations"), Some(key)) => {
            let key = decode(key);
            let mut parts = key.split('$');
            (
                parts.next().map(str::to_owned),
                parts.next().map(str::to_owned),
            )
        }
        _ => (None, None),
    }
}

fn decode(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: &str, path: &str, status: u16) -> RecordedRequest {
        let (publisher, offer) = publisher_and_offer(path);
        RecordedRequest {
            seq: 0,
            time: Timestamp::from_unix_nanos(0),
            method: method.to_owned(),
            path: path.to_owned(),
            query: None,
            headers: HeaderMap::new(),
            body: Bytes::new(),
            body_truncated: false,
            status: Some(status),
            publisher,
            offer,
        }
    }

    #[test]
    fn paths_name_their_publisher_and_offer() {
        let both = (Some("contoso".to_owned()), Some("my-offer".to_owned()));
        assert_eq!(
            publisher_and_offer("/api/publishers/contoso/offers/my-offer/golive"),
            both
        );
        assert_eq!(
            publisher_and_offer("/api/operations/contoso$my-offer$1$preview"),
            both
        );
        assert_eq!(
            publisher_and_offer("/api/operations/contoso%24my-offer%241%24preview"),
            both
        );
        assert_eq!(
            publisher_and_offer("/api/publishers/contoso/offers"),
            (Some("contoso".to_owned()), None)
        );
        assert_eq!(publisher_and_offer("/api/publishers"), (None, None));
    }

    #[test]
    fn the_oldest_are_dropped_and_counted_past_the_cap() {
        let mut journal = Journal::new(2);
        for path in ["/a", "/b", "/c"] {
            journal.record(request("GET", path, 200));
        }
        let kept: Vec<String> = journal
            .list(&JournalFilter::default())
            .into_iter()
            .map(|r| r.path)
            .collect();
        assert_eq!(kept, ["/c", "/b"]);
        assert_eq!(journal.dropped(), 1);
        assert_eq!(journal.list(&JournalFilter::default())[0].seq, 3);
    }

    #[test]
    fn filters_combine() {
        let mut journal = Journal::new(10);
        journal.record(request(
            "POST",
            "/api/publishers/contoso/offers/a/golive",
            202,
        ));
        journal.record(request("GET", "/api/publishers/contoso/offers/b", 200));
        journal.record(request(
            "POST",
            "/api/publishers/fabrikam/offers/a/golive",
            409,
        ));
        let filter = JournalFilter {
            method: Some("post".to_owned()),
            offer: Some("A".to_owned()),
            ..JournalFilter::default()
        };
        assert_eq!(journal.count(&filter), 2);
        let filter = JournalFilter {
            status: Some(409),
            path_prefix: Some("/api/publishers/fabrikam".to_owned()),
            ..JournalFilter::default()
        };
        assert_eq!(journal.count(&filter), 1);
        journal.clear();
        assert_eq!(journal.count(&JournalFilter::default()), 0);
    }
}
