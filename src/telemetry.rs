//! Installs the tracing subscriber once: plain or JSON lines, filtered by `RUST_LOG` (default
//! `info`).

use std::fmt;
use std::io::IsTerminal;
use std::time::{SystemTime, UNIX_EPOCH};

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

use crate::config::LogFormat;
use crate::domain::Timestamp;

/// Installs the global subscriber; a second call (tests) leaves the first in place.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = match format {
        LogFormat::Pretty if std::io::stdout().is_terminal() => builder.try_init(),
        LogFormat::Pretty => builder.event_format(Plain).try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
}

/// One line per event, `2026-11-25T15:40:00.1234567Z  INFO request method=GET path=/… …`,
/// for when the output is not a terminal (containers, CI, files). The same fields as the
/// default format, without its styling and escaping passes, which cost as much as the rest of
/// a request.
struct Plain;

impl<S, N> FormatEvent<S, N> for Plain
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
            .unwrap_or(0);
        write!(
            writer,
            "{} {:>5}",
            Timestamp::from_unix_nanos(nanos),
            event.metadata().level()
        )?;
        let mut fields = PlainFields {
            writer: &mut writer,
            result: Ok(()),
        };
        event.record(&mut fields);
        fields.result?;
        writeln!(writer)
    }
}

/// Writes ` message` and ` name=value` in the order the event gives them; a value with white
/// space, quotes or nothing in it is quoted.
struct PlainFields<'a, 'w> {
    writer: &'a mut Writer<'w>,
    result: fmt::Result,
}

impl PlainFields<'_, '_> {
    /// ` name=` (nothing for the message), then `value`.
    fn put(&mut self, field: &Field, value: impl FnOnce(&mut Writer<'_>) -> fmt::Result) {
        if self.result.is_err() {
            return;
        }
        self.result = self.writer.write_char(' ').and_then(|()| {
            if field.name() != "message" {
                self.writer.write_str(field.name())?;
                self.writer.write_char('=')?;
            }
            value(self.writer)
        });
    }
}

impl Visit for PlainFields<'_, '_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        let quote = field.name() != "message"
            && (value.is_empty() || value.contains(|c: char| c.is_whitespace() || c == '"'));
        self.put(field, |w| {
            if quote {
                write!(w, "{value:?}")
            } else {
                w.write_str(value)
            }
        });
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, |w| w.write_str(itoa::Buffer::new().format(value)));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, |w| w.write_str(itoa::Buffer::new().format(value)));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, |w| w.write_str(if value { "true" } else { "false" }));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.put(field, |w| write!(w, "{value:?}"));
    }
}
