//! `Clock`: the only reader of system time; the domain receives `now` from here.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::domain::Timestamp;

#[derive(Debug, Default)]
pub(crate) struct Clock;

impl Clock {
    pub(crate) fn now(&self) -> Timestamp {
        let since_epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Timestamp::from_unix_nanos(u64::try_from(since_epoch.as_nanos()).unwrap_or(u64::MAX))
    }
}
