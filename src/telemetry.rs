//! Installs the tracing subscriber once: plain or JSON lines, filtered by `RUST_LOG` when it
//! is set, else by `--log-level`.

use std::cell::RefCell;
use std::fmt;
use std::io::{IsTerminal, Write as _};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::writer::BoxMakeWriter;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt as _};
use tracing_subscriber::util::SubscriberInitExt as _;

use crate::config::{LogFormat, LogLevel};
use crate::domain::Timestamp;
use crate::state::clock::wall_nanos;

/// Installs the global subscriber; a second call (tests) leaves the first in place. Log lines
/// go to stdout: as they happen on a terminal, else in batches (see `Batched`) until the
/// returned guard is dropped.
pub fn init(format: LogFormat, level: LogLevel) -> LogGuard {
    let filter = match std::env::var_os(EnvFilter::DEFAULT_ENV) {
        Some(_) => EnvFilter::try_from_default_env().unwrap_or_else(|e| {
            eprintln!("cloudpartner-mock: RUST_LOG is not a filter ({e}); logging at {level:?}");
            EnvFilter::new(level.as_str())
        }),
        None => EnvFilter::new(level.as_str()),
    };
    let terminal = std::io::stdout().is_terminal();
    let _ = match format {
        LogFormat::Text if !terminal => tracing_subscriber::registry()
            .with(filter)
            .with(PlainLayer { sink: batch })
            .try_init()
            .is_ok(),
        LogFormat::Text | LogFormat::Json => {
            let builder = tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_writer(BoxMakeWriter::new(move || -> Box<dyn std::io::Write> {
                    if terminal {
                        Box::new(std::io::stdout())
                    } else {
                        Box::new(Batched)
                    }
                }));
            match format {
                LogFormat::Json => builder
                    .json()
                    .flatten_event(true)
                    .with_current_span(true)
                    .with_span_list(false)
                    .try_init()
                    .is_ok(),
                LogFormat::Text => builder.try_init().is_ok(),
            }
        }
    };
    if !terminal {
        // One thread for the process, asleep but for ten short flushes a second.
        let _ = std::thread::Builder::new()
            .name("log-flush".into())
            .spawn(|| {
                loop {
                    std::thread::sleep(FLUSH_EVERY);
                    flush();
                }
            });
    }
    LogGuard(())
}

/// Writes what is still batched when dropped (at the end of `main`).
#[must_use = "dropping the guard flushes the logs"]
#[derive(Debug)]
pub struct LogGuard(());

impl LogGuard {
    /// Writes what is batched now: for a line that must not wait (the listening line, which
    /// wrappers read to learn the port).
    pub fn flush(&self) {
        flush();
    }
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        flush();
    }
}

/// How long a line may wait in the batch.
const FLUSH_EVERY: Duration = Duration::from_millis(100);
/// A batch this big is written at once.
const BATCH: usize = 64 * 1024;

static PENDING: Mutex<Vec<u8>> = Mutex::new(Vec::new());

/// Log lines for stdout, collected and written in batches (when 64 KiB are waiting, every
/// 100 ms, and when the `LogGuard` is dropped): under load one `write` carries hundreds of
/// lines instead of one each — a system call per request was half of what logging cost.
struct Batched;

impl std::io::Write for Batched {
    fn write(&mut self, line: &[u8]) -> std::io::Result<usize> {
        batch(line);
        Ok(line.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Adds `line` to the batch; writes the batch when it is big enough.
fn batch(line: &[u8]) {
    let mut pending = PENDING.lock().unwrap_or_else(PoisonError::into_inner);
    pending.extend_from_slice(line);
    if pending.len() >= BATCH {
        write_out(&mut pending);
    }
}

fn flush() {
    let mut pending = PENDING.lock().unwrap_or_else(PoisonError::into_inner);
    if !pending.is_empty() {
        write_out(&mut pending);
    }
}

/// Writes the batch to stdout; a closed stdout drops it (logging never fails a request).
fn write_out(pending: &mut Vec<u8>) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(pending).and_then(|()| stdout.flush());
    pending.clear();
}

/// One line per event, `2026-11-25T15:40:00.1234567Z  INFO request method=GET path=/… …`,
/// for when the output is not a terminal (containers, CI, files): the same fields as the
/// default format, without its styling and escaping passes. A layer of its own rather than a
/// format for `fmt`'s: the line is put together as bytes in a buffer of the thread's and
/// handed to `sink` whole, which costs half of what going through `fmt::Write` did.
struct PlainLayer<F> {
    sink: F,
}

impl<S, F> Layer<S> for PlainLayer<F>
where
    S: Subscriber,
    F: Fn(&[u8]) + 'static,
{
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        thread_local! {
            static LINE: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
        }
        LINE.with(|line| {
            // Busy only if a line were written while another is (tracing does not dispatch
            // an event raised while one is handled); then a buffer of its own, not a panic.
            let mut own = Vec::new();
            let mut borrowed = line.try_borrow_mut();
            let line = match borrowed.as_deref_mut() {
                Ok(line) => line,
                Err(_) => &mut own,
            };
            line.clear();
            write_plain(line, event);
            (self.sink)(line);
        });
    }
}

/// `event` as a plain line, newline included.
fn write_plain(line: &mut Vec<u8>, event: &Event<'_>) {
    line.extend_from_slice(&Timestamp::from_unix_nanos(wall_nanos()).text());
    // The level right-aligned in five columns, as the default format writes it.
    line.extend_from_slice(match *event.metadata().level() {
        Level::ERROR => b" ERROR",
        Level::WARN => b"  WARN",
        Level::INFO => b"  INFO",
        Level::DEBUG => b" DEBUG",
        Level::TRACE => b" TRACE",
    });
    event.record(&mut PlainFields { line: &mut *line });
    line.push(b'\n');
}

/// Writes ` message` and ` name=value` in the order the event gives them; an empty value, or
/// one with white space, quotes, control or non-ASCII characters, is quoted.
struct PlainFields<'a> {
    line: &'a mut Vec<u8>,
}

impl PlainFields<'_> {
    /// ` name=` (only ` ` for the message): what comes before the value.
    fn name(&mut self, field: &Field) -> &mut Vec<u8> {
        self.line.push(b' ');
        if field.name() != "message" {
            self.line.extend_from_slice(field.name().as_bytes());
            self.line.push(b'=');
        }
        self.line
    }
}

impl Visit for PlainFields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        // Control characters, space, quotes and anything not ASCII are quoted and escaped.
        // Byte by byte and without stopping early, which the compiler turns into a few
        // vector steps (`any`, or a `char` walk, cost more than the rest of the line).
        let quote = field.name() != "message"
            && (value.is_empty()
                || value
                    .bytes()
                    .fold(false, |q, b| q | (b <= b' ') | (b == b'"') | (b >= 0x7f)));
        let line = self.name(field);
        if quote {
            // Writing to a Vec cannot fail.
            let _ = write!(line, "{value:?}");
        } else {
            line.extend_from_slice(value.as_bytes());
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        let mut digits = itoa::Buffer::new();
        self.name(field)
            .extend_from_slice(digits.format(value).as_bytes());
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        let mut digits = itoa::Buffer::new();
        self.name(field)
            .extend_from_slice(digits.format(value).as_bytes());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        let text: &[u8] = if value { b"true" } else { b"false" };
        self.name(field).extend_from_slice(text);
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let _ = write!(self.name(field), "{value:?}");
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// The lines a `PlainLayer` writes while `log` runs.
    fn plain_lines(log: impl FnOnce()) -> String {
        let lines = Arc::new(Mutex::new(Vec::<u8>::new()));
        let sink = Arc::clone(&lines);
        let subscriber = tracing_subscriber::registry().with(PlainLayer {
            sink: move |line: &[u8]| sink.lock().expect("not poisoned").extend_from_slice(line),
        });
        tracing::subscriber::with_default(subscriber, log);
        let lines = lines.lock().expect("not poisoned").clone();
        String::from_utf8(lines).expect("UTF-8")
    }

    #[test]
    fn plain_lines_quote_only_values_that_need_it() {
        let long_path = format!("/api/publishers/contoso/offers/{}", "a".repeat(100));
        let lines = plain_lines(|| {
            tracing::info!(
                path = "/api/publishers/contoso/offers?api-version=2017-10-31",
                long = long_path.as_str(),
                status = 202_u64,
                "request"
            );
            tracing::warn!(
                spaced = "two words",
                quote = "say \"hi\"",
                empty = "",
                accent = "café",
                tab = "a\tb",
                tail = format!("{}\u{7f}", "b".repeat(40)).as_str(),
                "odd values"
            );
        });

        let lines: Vec<&str> = lines.lines().collect();
        assert_eq!(lines.len(), 2, "{lines:?}");
        let (time, first) = lines[0].split_once(' ').expect("a timestamp first");
        assert!(time.ends_with('Z') && time.len() == 28, "{time}");
        assert_eq!(
            first,
            format!(
                " INFO request path=/api/publishers/contoso/offers?api-version=2017-10-31 \
                 long={long_path} status=202"
            )
        );
        let (_, second) = lines[1].split_once(' ').expect("a timestamp first");
        assert_eq!(
            second,
            format!(
                " WARN odd values spaced=\"two words\" quote=\"say \\\"hi\\\"\" empty=\"\" \
                 accent=\"café\" tab=\"a\\tb\" tail=\"{}\\u{{7f}}\"",
                "b".repeat(40)
            )
        );
    }
}
