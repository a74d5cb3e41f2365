//! `--port-file`: the port the server bound, for wrappers that start it on port 0 and for
//! `healthcheck`, which then checks the port the server was given rather than its own flags.

use std::io;
use std::path::Path;

/// Writes `port` and a newline to `path`, replacing the file whole (a reader never sees it
/// half written).
pub fn write_port_file(path: &Path, port: u16) -> io::Result<()> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    std::fs::write(&partial, format!("{port}\n"))?;
    std::fs::rename(&partial, path)
}

/// The port in `path`, if it holds one.
pub(super) fn read_port_file(path: &Path) -> Option<u16> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}
