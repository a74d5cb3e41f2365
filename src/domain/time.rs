//! `Timestamp`: an instant as the CPP wire format writes it.

use std::cell::Cell;
use std::fmt;
use std::time::Duration;

use time::OffsetDateTime;

/// An instant, as nanoseconds since the Unix epoch.
///
/// The domain never reads a clock: callers pass `now` in, so lifecycle rules can be tested
/// with any instant and no sleeping.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub(crate) struct Timestamp(u64);

impl Timestamp {
    pub(crate) fn from_unix_nanos(nanos: u64) -> Self {
        Self(nanos)
    }

    pub(crate) fn unix_nanos(self) -> u64 {
        self.0
    }

    /// .NET ticks (100 ns since 0001-01-01), the form of a CPP row `version` (docs/behaviour.md#operation).
    pub(crate) fn dotnet_ticks(self) -> u64 {
        const UNIX_EPOCH_TICKS: u64 = 621_355_968_000_000_000;
        UNIX_EPOCH_TICKS + self.0 / 100
    }

    /// `self + d`, saturating at the far end of the range rather than wrapping.
    pub(crate) fn plus(self, d: Duration) -> Self {
        Self(self.0.saturating_add(duration_nanos(d)))
    }

    /// The earlier of two instants, either of which may be missing.
    pub(crate) fn earliest(a: Option<Self>, b: Option<Self>) -> Option<Self> {
        match (a, b) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Time elapsed from `earlier` to `self`; zero if `earlier` is later.
    pub(crate) fn since(self, earlier: Timestamp) -> Duration {
        Duration::from_nanos(self.0.saturating_sub(earlier.0))
    }
}

fn duration_nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// The .NET round-trip ("o") form with seven fraction digits, as CPP writes it:
/// `2019-10-30T22:03:51.2917913Z` (docs/behaviour.md#versions-ids-and-times).
impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.text();
        f.write_str(std::str::from_utf8(&text).map_err(|_| fmt::Error)?)
    }
}

/// A timestamp that serializes as its `Display` text, the wire form, without allocating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WireTime(pub(crate) Timestamp);

impl serde::Serialize for WireTime {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let text = self.0.text();
        serializer.serialize_str(std::str::from_utf8(&text).map_err(serde::ser::Error::custom)?)
    }
}

impl Timestamp {
    /// The wire form, for serializing.
    pub(crate) fn wire(self) -> WireTime {
        WireTime(self)
    }

    /// The `Display` form as 28 ASCII bytes, written digit by digit: operation bodies carry
    /// several timestamps each, and a general-purpose formatter costs more than the rest of
    /// the body. The date and time of day are worked out once per second (and thread): most
    /// timestamps written (log lines, bodies) fall in the second of the one before.
    pub(crate) fn text(self) -> [u8; 28] {
        thread_local! {
            /// The second last written, and its text up to the seconds.
            static LAST: Cell<(u64, [u8; 20])> = const { Cell::new((u64::MAX, [0; 20])) };
        }
        let seconds = self.0 / 1_000_000_000;
        let mut text = *b"0000-00-00T00:00:00.0000000Z";
        let (last, head) = LAST.get();
        if last == seconds {
            text[..20].copy_from_slice(&head);
        } else {
            // u64 nanoseconds end in the year 2554, inside what `time` represents and four
            // digits.
            let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0))
                .unwrap_or(OffsetDateTime::UNIX_EPOCH);
            put(&mut text, 0, 4, u32::try_from(t.year()).unwrap_or(0));
            put(&mut text, 5, 2, u32::from(u8::from(t.month())));
            put(&mut text, 8, 2, u32::from(t.day()));
            put(&mut text, 11, 2, u32::from(t.hour()));
            put(&mut text, 14, 2, u32::from(t.minute()));
            put(&mut text, 17, 2, u32::from(t.second()));
            let mut head = [0; 20];
            head.copy_from_slice(&text[..20]);
            LAST.set((seconds, head));
        }
        // Below a second: 0..10^7, fits u32.
        let fraction = u32::try_from(self.0 % 1_000_000_000 / 100).unwrap_or(0);
        put(&mut text, 20, 7, fraction);
        text
    }
}

/// Writes `n` in the `width` digits of `text` from `at`.
fn put(text: &mut [u8; 28], at: usize, width: usize, mut n: u32) {
    for i in (at..at + width).rev() {
        text[i] = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_second_kept_from_the_last_text_is_never_shown_for_another() {
        let second = 1_572_473_031_000_000_000;
        for (nanos, text) in [
            (second + 1_000, "2019-10-30T22:03:51.0000010Z"),
            (second + 999_999_900, "2019-10-30T22:03:51.9999999Z"),
            (second + 1_000_000_000, "2019-10-30T22:03:52.0000000Z"),
            (second - 1, "2019-10-30T22:03:50.9999999Z"),
            (second + 5, "2019-10-30T22:03:51.0000000Z"),
        ] {
            assert_eq!(Timestamp::from_unix_nanos(nanos).to_string(), text);
        }
    }

    #[test]
    fn formats_like_dotnet_round_trip() {
        // 2019-10-30T22:03:51.2917913Z
        let t = Timestamp::from_unix_nanos(1_572_473_031_291_791_300);
        assert_eq!(t.to_string(), "2019-10-30T22:03:51.2917913Z");
        assert_eq!(
            Timestamp::from_unix_nanos(0).to_string(),
            "1970-01-01T00:00:00.0000000Z"
        );
        // The last instant of u64 nanoseconds, and a leap day.
        assert_eq!(
            Timestamp::from_unix_nanos(u64::MAX).to_string(),
            "2554-07-21T23:34:33.7095516Z"
        );
        assert_eq!(
            Timestamp::from_unix_nanos(1_709_164_800_000_000_000 + 999_999_999).to_string(),
            "2024-02-29T00:00:00.9999999Z"
        );
    }

    #[test]
    fn arithmetic_saturates() {
        let t = Timestamp::from_unix_nanos(10);
        assert_eq!(
            Timestamp::from_unix_nanos(1_522_100_761_176_831_400).dotnet_ticks(),
            636_576_975_611_768_314
        );
        assert_eq!(t.since(t.plus(Duration::from_nanos(5))), Duration::ZERO);
        assert_eq!(
            t.plus(Duration::from_nanos(5)).since(t),
            Duration::from_nanos(5)
        );
    }
}
