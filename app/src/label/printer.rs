//! Getting ZPL to a printer: raw TCP (port 9100, what every networked Zebra listens on) or
//! a serial port for cabled printers. A send either fails before any byte left
//! ([`SendError::Unreachable`]: safe to retry) or after ([`SendError::Interrupted`]: the
//! printer may have the label); the queue treats the two very differently.

use std::fmt;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::str::FromStr;
use std::time::Duration;

use super::LabelError;

/// Where a printer is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrinterAddress {
    /// `tcp://HOST:PORT` (port defaults to 9100).
    Tcp { host: String, port: u16 },
    /// `serial:PATH` or `serial:PATH?baud=N` (baud defaults to 9600).
    Serial { path: String, baud: u32 },
}

impl FromStr for PrinterAddress {
    type Err = LabelError;
    fn from_str(s: &str) -> Result<PrinterAddress, LabelError> {
        let s = s.trim();
        let bad = |why: &str| {
            LabelError::Setting(format!(
                "printer {s:?} {why}; write tcp://HOST:9100 or serial:/dev/ttyUSB0"
            ))
        };
        if let Some(rest) = s.strip_prefix("tcp://") {
            let rest = rest.trim_end_matches('/');
            let (host, port) = match rest.rsplit_once(':') {
                Some((host, port)) => (
                    host,
                    port.parse::<u16>().map_err(|_| bad("has a bad port"))?,
                ),
                None => (rest, 9100),
            };
            if host.is_empty() {
                return Err(bad("has no host"));
            }
            return Ok(PrinterAddress::Tcp {
                host: host.trim_matches(|c| c == '[' || c == ']').to_owned(),
                port,
            });
        }
        if let Some(rest) = s.strip_prefix("serial:") {
            let (path, baud) = match rest.split_once("?baud=") {
                Some((path, baud)) => (
                    path,
                    baud.parse::<u32>()
                        .map_err(|_| bad("has a bad baud rate"))?,
                ),
                None => (rest, 9600),
            };
            if path.is_empty() {
                return Err(bad("has no device path"));
            }
            return Ok(PrinterAddress::Serial {
                path: path.to_owned(),
                baud,
            });
        }
        Err(bad("is not a printer address"))
    }
}

impl fmt::Display for PrinterAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PrinterAddress::Tcp { host, port } if host.contains(':') => {
                write!(f, "tcp://[{host}]:{port}")
            }
            PrinterAddress::Tcp { host, port } => write!(f, "tcp://{host}:{port}"),
            PrinterAddress::Serial { path, baud } if *baud == 9600 => write!(f, "serial:{path}"),
            PrinterAddress::Serial { path, baud } => write!(f, "serial:{path}?baud={baud}"),
        }
    }
}

/// Why a send did not complete.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Nothing reached the printer (no connection, port missing): retry later.
    #[error("printer unreachable: {0}")]
    Unreachable(String),
    /// The connection broke after bytes went out: the label may have printed.
    #[error("sending was interrupted: {0}")]
    Interrupted(String),
}

/// Something that takes a whole label's ZPL and says when the printer has it all.
pub trait PrinterLink {
    fn send(&mut self, zpl: &[u8]) -> Result<(), SendError>;
}

/// Timeouts of a real printer link.
#[derive(Debug, Clone, Copy)]
pub struct LinkTimeouts {
    pub connect: Duration,
    /// How long to wait for the printer to confirm it read everything.
    pub ack: Duration,
}

impl Default for LinkTimeouts {
    fn default() -> LinkTimeouts {
        LinkTimeouts {
            connect: Duration::from_secs(3),
            ack: Duration::from_secs(10),
        }
    }
}

/// The link for an address: TCP or serial.
#[derive(Debug, Clone)]
pub struct AddressLink {
    pub address: PrinterAddress,
    pub timeouts: LinkTimeouts,
}

impl PrinterLink for AddressLink {
    fn send(&mut self, zpl: &[u8]) -> Result<(), SendError> {
        match &self.address {
            PrinterAddress::Tcp { host, port } => send_tcp(host, *port, zpl, self.timeouts),
            PrinterAddress::Serial { path, baud } => send_serial(path, *baud, zpl, self.timeouts),
        }
    }
}

/// One connection per label: connect, write it all, half-close, and wait for the printer to
/// close its side, which it does once it has read everything we sent.
fn send_tcp(host: &str, port: u16, zpl: &[u8], t: LinkTimeouts) -> Result<(), SendError> {
    let addrs: Vec<_> = (host, port)
        .to_socket_addrs()
        .map_err(|e| SendError::Unreachable(format!("{host}:{port}: {e}")))?
        .collect();
    let mut last = None;
    let mut stream = None;
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, t.connect) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last = Some(format!("{addr}: {e}")),
        }
    }
    let mut stream = stream.ok_or_else(|| {
        SendError::Unreachable(last.unwrap_or_else(|| format!("{host}:{port}: no address")))
    })?;
    let broke = |e: std::io::Error| SendError::Interrupted(format!("{host}:{port}: {e}"));
    stream.set_write_timeout(Some(t.ack)).map_err(broke)?;
    stream.set_read_timeout(Some(t.ack)).map_err(broke)?;
    stream.write_all(zpl).map_err(broke)?;
    stream.flush().map_err(broke)?;
    stream.shutdown(Shutdown::Write).map_err(broke)?;
    let mut sink = [0u8; 512];
    loop {
        match stream.read(&mut sink) {
            Ok(0) => return Ok(()),
            Ok(_) => continue, // status replies, if any
            Err(e) => return Err(broke(e)),
        }
    }
}

fn send_serial(path: &str, baud: u32, zpl: &[u8], t: LinkTimeouts) -> Result<(), SendError> {
    let mut port = serialport::new(path, baud)
        .timeout(t.ack)
        .open()
        .map_err(|e| SendError::Unreachable(format!("{path}: {e}")))?;
    let broke = |e: std::io::Error| SendError::Interrupted(format!("{path}: {e}"));
    port.write_all(zpl).map_err(broke)?;
    port.flush().map_err(broke)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_parse_and_print_back() {
        for text in [
            "tcp://10.0.0.5:9100",
            "serial:/dev/ttyUSB0",
            "serial:/dev/ttyS1?baud=115200",
        ] {
            assert_eq!(text.parse::<PrinterAddress>().unwrap().to_string(), text);
        }
        assert_eq!(
            "tcp://printer.local".parse::<PrinterAddress>().unwrap(),
            PrinterAddress::Tcp {
                host: "printer.local".into(),
                port: 9100
            }
        );
        assert_eq!(
            "lpt1".parse::<PrinterAddress>().unwrap_err().to_string(),
            "label setting: printer \"lpt1\" is not a printer address; write tcp://HOST:9100 or serial:/dev/ttyUSB0"
        );
        assert!("tcp://host:99999".parse::<PrinterAddress>().is_err());
    }
}
