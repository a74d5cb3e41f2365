//! `Timestamp`: an instant as the CPP wire format writes it.

use std::fmt;
use std::time::Duration;

use time::OffsetDateTime;
use time::macros::format_description;

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

    /// .NET ticks (100 ns since 0001-01-01), the form of a CPP row `version` (cpp-api.md §3.5).
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
/// `2019-10-30T22:03:51.2917913Z` (cpp-api.md §3.8).
impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let format = format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:7]Z"
        );
        // u64 nanoseconds end in the year 2554, well inside what `time` can represent.
        match OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0))
            .map_err(|_| fmt::Error)
            .and_then(|t| t.format(&format).map_err(|_| fmt::Error))
        {
            Ok(s) => f.write_str(&s),
            Err(e) => Err(e),
        }
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
