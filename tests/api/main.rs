//! Integration tests: each starts its own cloudpartner-mock on 127.0.0.1:0 and talks HTTP to it.

mod access;
mod api_version;
mod auth;
mod bad_input;
mod bodies;
mod cancel;
mod control;
mod control_faults;
mod control_journal;
mod control_operations;
mod docs;
mod durability;
mod fixtures;
mod fuzz_corpus;
mod golive;
mod helpers;
mod offers;
mod openapi;
mod operations;
mod pipeline;
mod publish;
mod put;
mod server;
mod status;
mod submissions;
mod versions;
