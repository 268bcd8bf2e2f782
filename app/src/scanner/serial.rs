//! The serial-port source: a reader thread that feeds a serial or USB-serial scanner's bytes
//! through a [`ScanFramer`] and sends each [`Scan`] down a channel, reopening the port with
//! exponential backoff when it vanishes (USB unplug).
//!
//! Owns the port, its settings, the reconnect loop and the error messages an operator sees
//! when a port is missing or forbidden. Framing decisions belong to [`super::framing`].
//!
//! Latency: the thread sits in a blocking read (`ppoll` under serialport) that returns as
//! soon as bytes arrive, so a scan is on the channel within microseconds of its terminator.
//! The read timeout only bounds how long a stop request or an idle-timeout frame waits.
//!
//! Reconnecting reopens the same path, so give a stable one: a USB scanner plugged back in
//! may come back as `/dev/ttyACM1` instead of `/dev/ttyACM0`, while its
//! `/dev/serial/by-id/usb-…` link stays the same.
//!
//! A scan cut in half by an unplug is dropped (with a warning): the scanner will not resend
//! it, and half a barcode is worse than none — the worker sees no beep on the screen and
//! scans again.
//!
//! No libudev: ports are opened by path, and serialport is built with
//! `default-features = false`, so the build needs no libudev-dev.

use std::io::{self, Read};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chrono::Utc;
use serde::{Deserialize, Serialize};
use serialport::{DataBits, FlowControl, Parity, SerialPort, StopBits};

use super::framing::{FramedScan, FramingConfig, ScanFramer};
use crate::barcode::{Scan, ScanSource};

/// Longest blocking read: bounds how long a stop request waits. Data ends a read at once.
const READ_SLICE: Duration = Duration::from_millis(100);

/// Why a serial scanner could not be opened, in words an operator can act on.
#[derive(Debug, thiserror::Error)]
pub enum ScannerError {
    #[error("serial port {path} does not exist; is the scanner plugged in?")]
    PortMissing { path: String },
    #[error("permission denied opening {path}; add the user to the dialout group")]
    PermissionDenied { path: String },
    #[error("serial port {path} is in use by another program; close it and try again")]
    PortBusy { path: String },
    #[error("{path} is not a serial port")]
    NotASerialPort { path: String },
    #[error("invalid settings for serial port {path}: {reason}")]
    InvalidSettings { path: String, reason: String },
    #[error("cannot open serial port {path}: {detail}")]
    Open { path: String, detail: String },
    #[error("cannot start the serial scanner thread: {0}")]
    Thread(io::Error),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ParitySetting {
    None,
    Odd,
    Even,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FlowControlSetting {
    None,
    /// XON/XOFF.
    Software,
    /// RTS/CTS.
    Hardware,
}

/// Where a serial scanner is and how its line is set up. Defaults: `/dev/ttyUSB0`, 9600 8N1,
/// no flow control — what most scanners ship with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PortSettings {
    pub path: String,
    pub baud_rate: u32,
    pub data_bits: u8,
    pub parity: ParitySetting,
    pub stop_bits: u8,
    pub flow_control: FlowControlSetting,
}

impl Default for PortSettings {
    fn default() -> Self {
        Self {
            path: "/dev/ttyUSB0".into(),
            baud_rate: 9600,
            data_bits: 8,
            parity: ParitySetting::None,
            stop_bits: 1,
            flow_control: FlowControlSetting::None,
        }
    }
}

impl PortSettings {
    pub fn new(path: impl Into<String>, baud_rate: u32) -> Self {
        Self {
            path: path.into(),
            baud_rate,
            ..Self::default()
        }
    }

    /// Checks the numbers serialport cannot represent; says what is wrong.
    pub fn validate(&self) -> Result<(), String> {
        self.line_settings().map(|_| ())
    }

    fn line_settings(&self) -> Result<(DataBits, StopBits), String> {
        if self.baud_rate == 0 || self.baud_rate > 4_000_000 {
            return Err(format!(
                "baud rate {} is not between 1 and 4000000 (scanners use 9600 or 115200)",
                self.baud_rate
            ));
        }
        let data_bits = match self.data_bits {
            5 => DataBits::Five,
            6 => DataBits::Six,
            7 => DataBits::Seven,
            8 => DataBits::Eight,
            other => return Err(format!("data bits must be 5, 6, 7 or 8, not {other}")),
        };
        let stop_bits = match self.stop_bits {
            1 => StopBits::One,
            2 => StopBits::Two,
            other => return Err(format!("stop bits must be 1 or 2, not {other}")),
        };
        Ok((data_bits, stop_bits))
    }

    /// Opens the port, with a clear error if it is missing, forbidden, busy or not a tty.
    pub fn open(&self) -> Result<Box<dyn SerialPort>, ScannerError> {
        let path = self.path.clone();
        let (data_bits, stop_bits) =
            self.line_settings()
                .map_err(|reason| ScannerError::InvalidSettings {
                    path: path.clone(),
                    reason,
                })?;
        check_device_node(&path)?;
        serialport::new(&path, self.baud_rate)
            .data_bits(data_bits)
            .stop_bits(stop_bits)
            .parity(match self.parity {
                ParitySetting::None => Parity::None,
                ParitySetting::Odd => Parity::Odd,
                ParitySetting::Even => Parity::Even,
            })
            .flow_control(match self.flow_control {
                FlowControlSetting::None => FlowControl::None,
                FlowControlSetting::Software => FlowControl::Software,
                FlowControlSetting::Hardware => FlowControl::Hardware,
            })
            .timeout(READ_SLICE)
            .open()
            .map_err(|e| open_error(path, &e))
    }
}

/// Tells a missing port, a forbidden one and a plain file apart before serialport's ioctls
/// turn them into "Inappropriate ioctl for device".
fn check_device_node(path: &str) -> Result<(), ScannerError> {
    let path_owned = || path.to_owned();
    match std::fs::metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            Err(ScannerError::PortMissing { path: path_owned() })
        }
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
            Err(ScannerError::PermissionDenied { path: path_owned() })
        }
        Err(e) => Err(ScannerError::Open {
            path: path_owned(),
            detail: e.to_string(),
        }),
        Ok(meta) if !is_char_device(&meta) => {
            Err(ScannerError::NotASerialPort { path: path_owned() })
        }
        Ok(_) => Ok(()),
    }
}

#[cfg(unix)]
fn is_char_device(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::FileTypeExt;
    meta.file_type().is_char_device()
}

#[cfg(not(unix))]
fn is_char_device(_meta: &std::fs::Metadata) -> bool {
    true
}

fn open_error(path: String, e: &serialport::Error) -> ScannerError {
    match e.kind() {
        serialport::ErrorKind::Io(io::ErrorKind::NotFound) => ScannerError::PortMissing { path },
        serialport::ErrorKind::Io(io::ErrorKind::PermissionDenied) => {
            ScannerError::PermissionDenied { path }
        }
        // serialport reports EBUSY and a held lock as NoDevice.
        serialport::ErrorKind::NoDevice => ScannerError::PortBusy { path },
        _ => ScannerError::Open {
            path,
            detail: e.to_string(),
        },
    }
}

/// How fast to retry a vanished port: `first_delay`, doubling up to `max_delay`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReconnectPolicy {
    pub first_delay: Duration,
    pub max_delay: Duration,
}

impl Default for ReconnectPolicy {
    fn default() -> Self {
        Self {
            first_delay: Duration::from_millis(50),
            max_delay: Duration::from_secs(2),
        }
    }
}

/// The state of the link to the scanner, for a status line on screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkState {
    Connected,
    /// The port vanished; `attempt` reopenings have failed so far.
    Reconnecting {
        attempt: u32,
        last_error: String,
    },
    /// The reader thread has ended.
    Stopped {
        reason: String,
    },
}

#[derive(Debug)]
struct LinkStatus {
    state: LinkState,
    connections: u64,
}

type SharedStatus = Arc<Mutex<LinkStatus>>;

fn set_state(status: &SharedStatus, state: LinkState) {
    status.lock().unwrap_or_else(PoisonError::into_inner).state = state;
}

/// A running serial scanner. Scans go to the channel given at start; dropping this stops
/// the reader thread.
#[derive(Debug)]
pub struct SerialScanner {
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
    status: SharedStatus,
}

impl SerialScanner {
    /// Opens the port now (so a missing or forbidden port is reported to the caller), then
    /// reads it on a thread, reopening it with `reconnect` backoff whenever it vanishes.
    pub fn open(
        port: PortSettings,
        framing: FramingConfig,
        reconnect: ReconnectPolicy,
        scans: Sender<Scan>,
    ) -> Result<Self, ScannerError> {
        let opened = port.open()?;
        Self::spawn(opened, Some((port, reconnect)), framing, scans)
    }

    /// Reads a port that is already open (a test's pseudo-terminal, a port set up by the
    /// caller). Without a path there is nothing to reopen: the thread stops when the port
    /// goes away.
    pub fn on_port(
        port: Box<dyn SerialPort>,
        framing: FramingConfig,
        scans: Sender<Scan>,
    ) -> Result<Self, ScannerError> {
        Self::spawn(port, None, framing, scans)
    }

    fn spawn(
        port: Box<dyn SerialPort>,
        reopen: Option<(PortSettings, ReconnectPolicy)>,
        framing: FramingConfig,
        scans: Sender<Scan>,
    ) -> Result<Self, ScannerError> {
        let status = Arc::new(Mutex::new(LinkStatus {
            state: LinkState::Connected,
            connections: 1,
        }));
        let (stop_tx, stop_rx) = mpsc::channel();
        let label = port
            .name()
            .or_else(|| reopen.as_ref().map(|(s, _)| s.path.clone()))
            .unwrap_or_else(|| "serial port".into());
        let reader = Reader {
            port: Some(port),
            reopen,
            framer: ScanFramer::new(framing),
            scans,
            stop: stop_rx,
            status: Arc::clone(&status),
            label,
        };
        let thread = std::thread::Builder::new()
            .name("scanner-serial".into())
            .spawn(move || reader.run())
            .map_err(ScannerError::Thread)?;
        Ok(Self {
            stop: Some(stop_tx),
            thread: Some(thread),
            status,
        })
    }

    pub fn state(&self) -> LinkState {
        self.lock_status().state.clone()
    }

    /// How many times the port has been opened, the first time included.
    pub fn connections(&self) -> u64 {
        self.lock_status().connections
    }

    /// Stops the reader thread and waits for it (at most one read timeout).
    pub fn stop(mut self) {
        self.shut_down();
    }

    fn lock_status(&self) -> std::sync::MutexGuard<'_, LinkStatus> {
        self.status.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn shut_down(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("the serial scanner thread panicked");
        }
    }
}

impl Drop for SerialScanner {
    fn drop(&mut self) {
        self.shut_down();
    }
}

/// The reader thread's state.
struct Reader {
    port: Option<Box<dyn SerialPort>>,
    reopen: Option<(PortSettings, ReconnectPolicy)>,
    framer: ScanFramer,
    scans: Sender<Scan>,
    stop: Receiver<()>,
    status: SharedStatus,
    label: String,
}

impl Reader {
    fn run(mut self) {
        let reason = self.read_until_stopped();
        tracing::info!(port = %self.label, %reason, "serial scanner stopped");
        set_state(&self.status, LinkState::Stopped { reason });
    }

    fn read_until_stopped(&mut self) -> String {
        let mut buf = vec![0u8; 4096];
        loop {
            if matches!(
                self.stop.try_recv(),
                Ok(()) | Err(TryRecvError::Disconnected)
            ) {
                return "stopped".into();
            }
            let timeout = self.read_timeout();
            let Some(port) = self.port.as_mut() else {
                if let Err(reason) = self.reconnect() {
                    return reason;
                }
                continue;
            };
            if port.timeout() != timeout
                && let Err(e) = port.set_timeout(timeout)
            {
                tracing::debug!(error = %e, "cannot change the serial read timeout");
            }
            let read = port.read(&mut buf);
            let frames = match read {
                Ok(0) => {
                    self.lose_port("the port reported end of file");
                    continue;
                }
                Ok(n) => self.framer.push(&buf[..n], Instant::now()),
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::TimedOut
                            | io::ErrorKind::WouldBlock
                            | io::ErrorKind::Interrupted
                    ) =>
                {
                    self.framer.poll(Instant::now())
                }
                Err(e) => {
                    self.lose_port(&e.to_string());
                    continue;
                }
            };
            if !self.deliver(frames) {
                return "nobody is listening for scans any more".into();
            }
        }
    }

    /// Until the framer's next deadline, at most [`READ_SLICE`].
    fn read_timeout(&self) -> Duration {
        let until_deadline = self
            .framer
            .next_deadline()
            .map(|deadline| deadline.saturating_duration_since(Instant::now()));
        until_deadline
            .map_or(READ_SLICE, |d| d.min(READ_SLICE))
            .max(Duration::from_millis(1))
    }

    fn deliver(&self, frames: Vec<FramedScan>) -> bool {
        frames.into_iter().all(|frame| {
            self.scans
                .send(frame.into_scan(Utc::now(), ScanSource::Serial))
                .is_ok()
        })
    }

    fn lose_port(&mut self, error: &str) {
        tracing::warn!(port = %self.label, %error, "serial scanner disconnected");
        let dropped = self.framer.reset();
        if dropped > 0 {
            tracing::warn!(
                port = %self.label,
                bytes = dropped,
                "dropped a scan cut off by the disconnect; scan it again"
            );
        }
        self.port = None;
        set_state(
            &self.status,
            LinkState::Reconnecting {
                attempt: 0,
                last_error: error.to_owned(),
            },
        );
    }

    /// Reopens the port with backoff; `Err(reason)` when the thread should end instead.
    fn reconnect(&mut self) -> Result<(), String> {
        let Some((settings, policy)) = self.reopen.clone() else {
            return Err(format!(
                "{} went away and there is no path to reopen it",
                self.label
            ));
        };
        let mut delay = policy.first_delay;
        let mut attempt = 0u32;
        loop {
            match self.stop.recv_timeout(delay) {
                Ok(()) | Err(RecvTimeoutError::Disconnected) => return Err("stopped".into()),
                Err(RecvTimeoutError::Timeout) => {}
            }
            attempt += 1;
            match settings.open() {
                Ok(port) => {
                    tracing::info!(port = %self.label, attempt, "serial scanner reconnected");
                    self.port = Some(port);
                    let mut status = self.status.lock().unwrap_or_else(PoisonError::into_inner);
                    status.state = LinkState::Connected;
                    status.connections += 1;
                    return Ok(());
                }
                Err(e) => {
                    if attempt == 1 || attempt.is_multiple_of(20) {
                        tracing::warn!(
                            port = %self.label,
                            attempt,
                            error = %e,
                            "serial scanner still missing"
                        );
                    }
                    set_state(
                        &self.status,
                        LinkState::Reconnecting {
                            attempt,
                            last_error: e.to_string(),
                        },
                    );
                    delay = (delay * 2).min(policy.max_delay);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_port_says_to_plug_the_scanner_in() {
        let err = PortSettings::new("/dev/ttyUSB-dockhand-missing", 9600)
            .open()
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some(
                "serial port /dev/ttyUSB-dockhand-missing does not exist; is the scanner \
                 plugged in?"
            )
        );
    }

    #[test]
    fn a_plain_file_is_not_a_serial_port() {
        let file = tempfile::NamedTempFile::new().unwrap();
        let path = file.path().to_string_lossy().into_owned();
        let err = PortSettings::new(&path, 9600).open().err().unwrap();
        assert_eq!(err.to_string(), format!("{path} is not a serial port"));
    }

    #[test]
    fn serialport_errors_become_operator_messages() {
        let denied = serialport::Error::new(
            serialport::ErrorKind::Io(io::ErrorKind::PermissionDenied),
            "Permission denied",
        );
        assert_eq!(
            open_error("/dev/ttyUSB0".into(), &denied).to_string(),
            "permission denied opening /dev/ttyUSB0; add the user to the dialout group"
        );
        let busy = serialport::Error::new(serialport::ErrorKind::NoDevice, "busy");
        assert_eq!(
            open_error("/dev/ttyACM0".into(), &busy).to_string(),
            "serial port /dev/ttyACM0 is in use by another program; close it and try again"
        );
    }

    #[test]
    fn impossible_line_settings_are_refused_before_opening() {
        let settings = PortSettings {
            data_bits: 9,
            ..PortSettings::default()
        };
        assert_eq!(
            settings.open().err().map(|e| e.to_string()).as_deref(),
            Some(
                "invalid settings for serial port /dev/ttyUSB0: data bits must be 5, 6, 7 or 8, not 9"
            )
        );
    }
}
