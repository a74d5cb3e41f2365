//! The request journal: every `/api` request as it arrived and how it was answered, the
//! newest kept up to a cap, the rest dropped and counted.

mod answer;
mod recorded;

use std::collections::VecDeque;

pub(crate) use answer::{Answer, AnsweredError, ErrorText, OfferCreated};
pub(crate) use recorded::RecordedRequest;

/// A journal entry: the request, and what its answer said. Apart because the request is
/// made before it is answered and held meanwhile: kept small, it moves without a copy call.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) request: RecordedRequest,
    pub(crate) answer: Answer,
}

/// What to list: every given field must match.
#[derive(Debug, Clone, Default)]
pub(crate) struct JournalFilter {
    pub(crate) method: Option<String>,
    pub(crate) path_prefix: Option<String>,
    pub(crate) publisher: Option<String>,
    pub(crate) offer: Option<String>,
    pub(crate) status: Option<u16>,
    pub(crate) request_id: Option<String>,
    pub(crate) error_code: Option<String>,
    /// Only entries after this sequence number.
    pub(crate) since: Option<u64>,
}

impl JournalFilter {
    fn keeps(&self, entry: &Entry) -> bool {
        let r = &entry.request;
        let same = |wanted: &Option<String>, got: Option<&str>| {
            wanted
                .as_deref()
                .is_none_or(|w| got.is_some_and(|g| g.eq_ignore_ascii_case(w)))
        };
        let named = || {
            if self.publisher.is_none() && self.offer.is_none() {
                return true;
            }
            let (publisher, offer) = r.publisher_and_offer();
            same(&self.publisher, publisher.as_deref()) && same(&self.offer, offer.as_deref())
        };
        same(&self.method, Some(r.method.as_str()))
            && self
                .path_prefix
                .as_deref()
                .is_none_or(|p| r.path().starts_with(p))
            && self.status.is_none_or(|s| r.status == Some(s))
            && self.since.is_none_or(|since| r.seq > since)
            && same(&self.error_code, entry.answer.error_code())
            && self
                .request_id
                .as_deref()
                .is_none_or(|id| r.request_id() == Some(id.as_bytes()))
            && named()
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Journal {
    entries: VecDeque<Entry>,
    capacity: usize,
    /// The most bytes its entries may hold together (`--journal-bytes`).
    max_bytes: usize,
    bytes: usize,
    dropped: u64,
    next_seq: u64,
}

impl Journal {
    /// A journal keeping at most `capacity` requests (0: none) holding at most `max_bytes`.
    pub(crate) fn new(capacity: usize, max_bytes: usize) -> Self {
        Self {
            entries: VecDeque::with_capacity(capacity.min(1024)),
            capacity,
            max_bytes,
            bytes: 0,
            dropped: 0,
            next_seq: 1,
        }
    }

    /// Keeps `request` and what it was answered (its `seq` is set here), dropping the oldest
    /// past the cap in entries or in bytes (the newest is always kept: one entry is at most
    /// about 90 KiB).
    pub(crate) fn record(&mut self, mut request: RecordedRequest, answer: Answer) {
        if self.capacity == 0 {
            return;
        }
        request.seq = self.next_seq;
        self.next_seq += 1;
        let size = request.size();
        while !self.entries.is_empty()
            && (self.entries.len() >= self.capacity || self.bytes + size > self.max_bytes)
        {
            if let Some(oldest) = self.entries.pop_front() {
                self.bytes -= oldest.request.size();
                self.dropped += 1;
            }
        }
        self.bytes += size;
        self.entries.push_back(Entry { request, answer });
    }

    /// The bytes its entries hold.
    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }

    /// The entries `filter` keeps, newest first.
    pub(crate) fn list(&self, filter: &JournalFilter) -> Vec<Entry> {
        self.entries
            .iter()
            .rev()
            .filter(|r| filter.keeps(r))
            .cloned()
            .collect()
    }

    /// How many requests it keeps.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn count(&self, filter: &JournalFilter) -> usize {
        self.entries.iter().filter(|r| filter.keeps(r)).count()
    }

    /// A sequence number for something other than a request (an event): the same sequence
    /// orders both.
    pub(crate) fn take_seq(&mut self) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        seq
    }

    /// The sequence number of the last request recorded (0: none yet); a clear keeps it, so
    /// `since` filters mean the same before and after.
    pub(crate) fn last_seq(&self) -> u64 {
        self.next_seq - 1
    }

    /// Requests dropped to keep the cap, since the last clear.
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
        self.bytes = 0;
        self.dropped = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::recorded::{
        MAX_RECORDED_BODY, MAX_RECORDED_HEADER, MAX_RECORDED_HEADERS, MAX_RECORDED_TARGET,
    };
    use super::*;
    use crate::domain::Timestamp;
    use axum::http::{HeaderMap, HeaderName, HeaderValue, Method};

    fn request(method: &str, path: &str, status: u16) -> RecordedRequest {
        let mut headers = HeaderMap::new();
        headers.insert("authorization", HeaderValue::from_static("Bearer secret"));
        headers.append("x-many", HeaderValue::from_static("one: two"));
        headers.append("x-many", HeaderValue::from_static(""));
        let mut request = RecordedRequest::new(
            Timestamp::from_unix_nanos(0),
            &Method::from_bytes(method.as_bytes()).expect("a method"),
            &path.parse().expect("a path"),
            &headers,
            Some((
                &HeaderName::from_static("x-added"),
                &HeaderValue::from_static("last"),
            )),
            |name, _| (name == "authorization").then(|| HeaderValue::from_static("[redacted]")),
        );
        request.status = Some(status);
        request
    }

    #[test]
    fn an_entry_keeps_target_headers_and_body_as_received() {
        let mut entry = request("PUT", "/api/publishers/p/offers/o?api-version=1&x=%20", 200);
        entry.set_body(&vec![b'x'; MAX_RECORDED_BODY + 1]);

        assert_eq!(entry.path(), "/api/publishers/p/offers/o");
        assert_eq!(entry.query(), Some("api-version=1&x=%20"));
        let headers: Vec<(&[u8], &[u8])> = entry.headers().collect();
        assert_eq!(
            headers,
            [
                (&b"authorization"[..], &b"[redacted]"[..]),
                (b"x-many", b"one: two"),
                (b"x-many", b""),
                (b"x-added", b"last"),
            ]
        );
        assert_eq!(entry.body.len(), MAX_RECORDED_BODY);
        assert!(entry.body_truncated);
        assert_eq!(request("GET", "/api/publishers", 200).query(), None);
    }

    #[test]
    fn long_targets_and_headers_are_cut_and_marked() {
        let long_path = format!(
            "/api/{}é{}",
            "p".repeat(MAX_RECORDED_TARGET - 6),
            "q".repeat(100)
        );
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-long",
            HeaderValue::from_str(&"v".repeat(5000)).expect("a value"),
        );
        for n in 0..40 {
            headers.append(
                "x-many",
                HeaderValue::from_str(&format!("{n:0>900}")).expect("a value"),
            );
        }

        let entry = RecordedRequest::new(
            Timestamp::from_unix_nanos(0),
            &Method::GET,
            &long_path.parse().expect("a path"),
            &headers,
            None,
            |_, _| None,
        );

        assert!(entry.target_truncated);
        assert!(entry.path().len() <= MAX_RECORDED_TARGET);
        assert!(long_path.starts_with(entry.path()));
        assert!(entry.headers_truncated);
        assert!(entry.head().len() <= MAX_RECORDED_HEADERS);
        let (_, long) = entry.headers().next().expect("the first header");
        assert_eq!(long.len(), MAX_RECORDED_HEADER);
        assert!(!request("GET", "/api/x?y=1", 200).target_truncated);
        assert!(!request("GET", "/api/x?y=1", 200).headers_truncated);
    }

    #[test]
    fn the_oldest_are_dropped_and_counted_past_the_bytes_the_journal_may_hold() {
        let one = request("GET", "/a", 200).size();
        let mut journal = Journal::new(100, 3 * one);
        for path in ["/b", "/c", "/d", "/e"] {
            journal.record(request("GET", path, 200), Answer::default());
        }
        assert_eq!(journal.len(), 3);
        assert_eq!(journal.bytes(), 3 * one);
        assert_eq!(journal.dropped(), 1);
        // The newest is kept even when it alone is over the bytes.
        let mut big = request("PUT", "/f", 200);
        big.set_body(&[b'x'; 4096]);
        let mut small = Journal::new(100, 100);
        small.record(request("GET", "/a", 200), Answer::default());
        small.record(big, Answer::default());
        assert_eq!(small.len(), 1);
        assert_eq!(
            small.list(&JournalFilter::default())[0].request.path(),
            "/f"
        );
        small.clear();
        assert_eq!(small.bytes(), 0);
    }

    #[test]
    fn the_oldest_are_dropped_and_counted_past_the_cap() {
        let mut journal = Journal::new(2, usize::MAX);
        for path in ["/a", "/b", "/c"] {
            journal.record(request("GET", path, 200), Answer::default());
        }
        let kept: Vec<String> = journal
            .list(&JournalFilter::default())
            .into_iter()
            .map(|e| e.request.path().to_owned())
            .collect();
        assert_eq!(kept, ["/c", "/b"]);
        assert_eq!(journal.dropped(), 1);
        assert_eq!(journal.list(&JournalFilter::default())[0].request.seq, 3);
    }

    #[test]
    fn filters_combine() {
        let mut journal = Journal::new(10, usize::MAX);
        journal.record(
            request("POST", "/api/publishers/contoso/offers/a/golive", 202),
            Answer::default(),
        );
        journal.record(
            request("GET", "/api/publishers/contoso/offers/b", 200),
            Answer::default(),
        );
        journal.record(
            request("POST", "/api/publishers/fabrikam/offers/a/golive", 409),
            Answer::default(),
        );
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

    #[test]
    fn an_entry_costs_no_more_than_the_journal_counts_for_it() {
        // Besides the bytes of its text and body, what `RecordedRequest::size` adds.
        assert!(
            std::mem::size_of::<Entry>() <= recorded::ENTRY_OVERHEAD,
            "an entry is {} bytes",
            std::mem::size_of::<Entry>()
        );
    }
}
