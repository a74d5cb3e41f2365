//! `Timestamp`: an instant as the CPP wire format writes it.

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
    /// the body.
    pub(crate) fn text(self) -> [u8; 28] {
        // u64 nanoseconds end in the year 2554, inside what `time` represents and four digits.
        let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0))
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        let mut text = *b"0000-00-00T00:00:00.0000000Z";
        let mut put = |at: usize, width: usize, mut n: u32| {
            for i in (at..at + width).rev() {
                text[i] = b'0' + (n % 10) as u8;
                n /= 10;
            }
        };
        put(0, 4, u32::try_from(t.year()).unwrap_or(0));
        put(5, 2, u32::from(u8::from(t.month())));
        put(8, 2, u32::from(t.day()));
        put(11, 2, u32::from(t.hour()));
        put(14, 2, u32::from(t.minute()));
        put(17, 2, u32::from(t.second()));
        put(20, 7, t.nanosecond() / 100);
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
