//! The log's records: one change a line, `<crc32 of the JSON, 8 hex digits> <JSON>\n`.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::domain::{
    Change, Client, Grants, Map, Offer, Operation, Revision, SavedStore, Store, StoreSnapshot,
};

/// A record as written, borrowing from the store.
#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
enum Out<'a> {
    /// The first line of every segment: its number.
    Segment {
        number: u64,
    },
    Whole {
        clock_offset_nanos: u64,
        store: StoreSnapshot<'a>,
    },
    Offer {
        publisher: &'a str,
        offer: &'a Offer,
    },
    Revision {
        publisher: &'a str,
        offer: &'a str,
        index: usize,
        revision: &'a Revision,
    },
    Operation {
        publisher: &'a str,
        offer: &'a str,
        operation: &'a Operation,
    },
    Grants {
        tokens: &'a Map<String, Grants>,
        clients: &'a Map<String, Client>,
    },
    AdvanceByPolls {
        polls: Option<u32>,
    },
    Clock {
        offset_nanos: u64,
    },
}

/// A record as read back.
#[derive(Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum In {
    Segment {
        number: u64,
    },
    Whole {
        clock_offset_nanos: u64,
        store: SavedStore,
    },
    Offer {
        publisher: String,
        offer: Offer,
    },
    Revision {
        publisher: String,
        offer: String,
        index: usize,
        revision: Revision,
    },
    Operation {
        publisher: String,
        offer: String,
        operation: Operation,
    },
    Grants {
        tokens: Map<String, Grants>,
        clients: Map<String, Client>,
    },
    AdvanceByPolls {
        polls: Option<u32>,
    },
    Clock {
        offset_nanos: u64,
    },
}

pub(super) fn nanos(offset: Duration) -> u64 {
    u64::try_from(offset.as_nanos()).unwrap_or(u64::MAX)
}

/// Appends to `buf` the lines of `changes`, each read from `store` as it now stands.
pub(super) fn encode(
    buf: &mut Vec<u8>,
    store: &mut Store,
    changes: &[Change],
    clock_offset: Duration,
) -> serde_json::Result<()> {
    for &change in changes {
        match change {
            Change::Whole => line(
                buf,
                &Out::Whole {
                    clock_offset_nanos: nanos(clock_offset),
                    store: store.snapshot(),
                },
            )?,
            Change::Offer(loc) => store.with_offer_fields(loc, |publisher, offer| {
                line(buf, &Out::Offer { publisher, offer })
            })?,
            Change::Revision(loc, index) => {
                let (publisher, offer, revision) = store.revision_at(loc, index);
                line(
                    buf,
                    &Out::Revision {
                        publisher,
                        offer,
                        index,
                        revision,
                    },
                )?;
            }
            Change::Operation(id) => {
                if let Some((publisher, offer, operation)) = store.operation_at(id) {
                    line(
                        buf,
                        &Out::Operation {
                            publisher,
                            offer,
                            operation,
                        },
                    )?;
                }
            }
            Change::Grants => {
                let (tokens, clients) = store.grants_and_clients();
                line(buf, &Out::Grants { tokens, clients })?;
            }
            Change::AdvanceByPolls => line(
                buf,
                &Out::AdvanceByPolls {
                    polls: store.advance_by_polls(),
                },
            )?,
            Change::Clock => line(
                buf,
                &Out::Clock {
                    offset_nanos: nanos(clock_offset),
                },
            )?,
        }
    }
    Ok(())
}

/// The header line of segment `number`.
pub(super) fn header(number: u64) -> Vec<u8> {
    let mut buf = Vec::new();
    // A record of two fixed fields cannot fail to serialize.
    let _ = line(&mut buf, &Out::Segment { number });
    buf
}

/// Room for the checksum and the space before the JSON.
const PREFIX: usize = 9;

fn line(buf: &mut Vec<u8>, record: &Out<'_>) -> serde_json::Result<()> {
    let start = buf.len();
    buf.extend_from_slice(&[b'0'; PREFIX]);
    serde_json::to_writer(&mut *buf, record)?;
    let crc = crc32fast::hash(&buf[start + PREFIX..]);
    let hex = format!("{crc:08x} ");
    buf[start..start + PREFIX].copy_from_slice(hex.as_bytes());
    buf.push(b'\n');
    Ok(())
}

/// Why a line could not be used.
#[derive(Debug)]
pub(super) enum BadLine {
    /// Its checksum does not match its JSON (or it has none): a write that did not finish,
    /// when it is the last line, else damage.
    Checksum,
    /// The checksum matches but the record is not one this server writes.
    Record(String),
}

/// What a line was.
pub(super) enum Applied {
    Header,
    Change,
}

/// Applies one line (without its `\n`) of segment `segment` to the state being read back.
pub(super) fn apply(
    line: &[u8],
    segment: u64,
    store: &mut Store,
    clock_offset: &mut Duration,
) -> Result<Applied, BadLine> {
    let (Some(hex), Some(json)) = (line.get(..PREFIX - 1), line.get(PREFIX..)) else {
        return Err(BadLine::Checksum);
    };
    let expected = std::str::from_utf8(hex)
        .ok()
        .and_then(|hex| u32::from_str_radix(hex, 16).ok());
    if line[PREFIX - 1] != b' ' || expected != Some(crc32fast::hash(json)) {
        return Err(BadLine::Checksum);
    }
    let record: In = serde_json::from_slice(json).map_err(|e| BadLine::Record(e.to_string()))?;
    match record {
        In::Segment { number } if number == segment => return Ok(Applied::Header),
        In::Segment { number } => {
            return Err(BadLine::Record(format!(
                "the header of segment {number}, in segment {segment}"
            )));
        }
        In::Whole {
            clock_offset_nanos,
            store: saved,
        } => {
            *store = Store::from_saved(saved).map_err(BadLine::Record)?;
            *clock_offset = Duration::from_nanos(clock_offset_nanos);
        }
        In::Offer { publisher, offer } => {
            store
                .restore_offer(&publisher, offer)
                .map_err(BadLine::Record)?;
        }
        In::Revision {
            publisher,
            offer,
            index,
            revision,
        } => store
            .restore_revision(&publisher, &offer, index, revision)
            .map_err(BadLine::Record)?,
        In::Operation {
            publisher,
            offer,
            operation,
        } => store
            .restore_operation(&publisher, &offer, operation)
            .map_err(BadLine::Record)?,
        In::Grants { tokens, clients } => store.restore_grants(tokens, clients),
        In::AdvanceByPolls { polls } => store.set_advance_by_polls(polls),
        In::Clock { offset_nanos } => *clock_offset = Duration::from_nanos(offset_nanos),
    }
    Ok(Applied::Change)
}
