//! Integration tests: each starts its own cloudpartner-mock on 127.0.0.1:0 and talks HTTP to it.

mod api_version;
mod auth;
mod fixtures;
mod golive;
mod helpers;
mod operations;
mod server;
