//! The serial scanner source against real pseudo-terminals: the test writes what a scanner
//! would into the pty's master side, the source reads the slave side like a USB-serial port.

use std::io::Write;
use std::path::Path;
use std::sync::mpsc::{self, Receiver};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use dockhand_app::barcode::{GS, Scan, ScanSource, SymbologyId};
use dockhand_app::scanner::{
    FramingConfig, LinkState, PortSettings, ReconnectPolicy, SerialScanner, Terminator,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serialport::{SerialPort, TTYPort};

/// A pty pair whose master (the "scanner") may block on a full buffer while the test's
/// reader catches up, instead of timing out after serialport's default 100 ms.
fn pty() -> (TTYPort, TTYPort) {
    let (mut master, slave) = TTYPort::pair().unwrap();
    master.set_timeout(Duration::from_secs(10)).unwrap();
    (master, slave)
}

/// What the scanner sends for scan `n`, and the data and identifier that must come out.
/// Cycles through a GS1-128 with a `~` FNC1 substitute, a plain Code 128 and a GS1
/// DataMatrix with a real GS byte.
fn scan_case(n: usize) -> (Vec<u8>, String, Option<SymbologyId>) {
    match n % 3 {
        0 => (
            format!("]C10109506000134352~10LOT{n:06}~17271231").into_bytes(),
            format!("0109506000134352{GS}10LOT{n:06}{GS}17271231"),
            Some(SymbologyId::new('C', '1')),
        ),
        1 => (
            format!("BIN-{n:06}").into_bytes(),
            format!("BIN-{n:06}"),
            None,
        ),
        _ => (
            format!("]d2010950600013435210B{n:06}\x1d21SN{n:08}").into_bytes(),
            format!("010950600013435210B{n:06}{GS}21SN{n:08}"),
            Some(SymbologyId::new('d', '2')),
        ),
    }
}

fn framing() -> FramingConfig {
    FramingConfig {
        terminator: Terminator::Crlf,
        fnc1_substitute: Some('~'),
        ..FramingConfig::default()
    }
}

/// The byte stream for scans `range`, each ended with CRLF.
fn stream(range: std::ops::Range<usize>) -> Vec<u8> {
    let mut bytes = Vec::new();
    for n in range {
        bytes.extend(scan_case(n).0);
        bytes.extend(b"\r\n");
    }
    bytes
}

/// Writes `bytes` in random chunks of 1 to 512 bytes — some split a scan, some hold several
/// — and hands the master back so the test decides when the "scanner" goes away.
fn write_in_random_chunks(mut master: TTYPort, bytes: Vec<u8>, seed: u64) -> JoinHandle<TTYPort> {
    thread::spawn(move || {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut rest = bytes.as_slice();
        while !rest.is_empty() {
            let n = rng.random_range(1..=512).min(rest.len());
            master.write_all(&rest[..n]).unwrap();
            rest = &rest[n..];
        }
        master.flush().unwrap();
        master
    })
}

fn receive(rx: &Receiver<Scan>, n: usize) -> Vec<Scan> {
    (0..n)
        .map(|i| {
            rx.recv_timeout(Duration::from_secs(5))
                .unwrap_or_else(|e| panic!("scan {i} of {n} did not arrive: {e}"))
        })
        .collect()
}

fn assert_scans_in_order(scans: &[Scan], first: usize) {
    for (i, scan) in scans.iter().enumerate() {
        let (_, data, symbology) = scan_case(first + i);
        assert_eq!(scan.data, data, "scan {}", first + i);
        assert_eq!(scan.symbology, symbology, "scan {}", first + i);
        assert_eq!(scan.source, ScanSource::Serial);
    }
}

fn assert_nothing_more(rx: &Receiver<Scan>) {
    if let Ok(extra) = rx.recv_timeout(Duration::from_millis(150)) {
        panic!("an extra scan arrived: {extra:?}");
    }
}

fn wait_for(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_thousand_scans_back_to_back_arrive_once_in_order() {
    let (master, slave) = pty();
    let (tx, rx) = mpsc::channel();
    let scanner = SerialScanner::on_port(Box::new(slave), framing(), tx).unwrap();

    let writer = write_in_random_chunks(master, stream(0..1000), 1);
    let scans = receive(&rx, 1000);
    assert_scans_in_order(&scans, 0);
    assert!(
        scans
            .windows(2)
            .all(|w| w[0].received_at <= w[1].received_at)
    );
    assert_nothing_more(&rx);
    drop(writer.join().unwrap());
    scanner.stop();
}

#[test]
fn garbage_on_the_line_neither_drops_nor_merges_scans() {
    // Control bytes and bytes that can never start valid UTF-8: what a wrong baud rate, a
    // cable being plugged in or a scanner booting puts on the line.
    const NOISE: [u8; 10] = [0x00, 0x07, 0x11, 0x13, 0x1b, 0x7f, 0x80, 0xbf, 0xfe, 0xff];
    let mut rng = StdRng::seed_from_u64(2);
    let mut bytes = Vec::new();
    for n in 0..1000 {
        if rng.random_bool(0.3) {
            for _ in 0..rng.random_range(1..20) {
                bytes.push(NOISE[rng.random_range(0..NOISE.len())]);
            }
        }
        if n % 97 == 0 {
            // Empty lines, a line of pure noise, and a run far over the maximum scan length.
            bytes.extend(b"\r\n\r\n\x00\xff\x1b\r\n");
            bytes.extend(std::iter::repeat_n(b'X', 10_000));
            bytes.extend(b"\r\n");
        }
        let (mut wire, _, _) = scan_case(n);
        if rng.random_bool(0.1) {
            let at = rng.random_range(0..=wire.len());
            wire.insert(at, NOISE[rng.random_range(0..NOISE.len())]);
        }
        bytes.extend(wire);
        bytes.extend(b"\r\n");
    }

    let (master, slave) = pty();
    let (tx, rx) = mpsc::channel();
    let scanner = SerialScanner::on_port(Box::new(slave), framing(), tx).unwrap();
    let writer = write_in_random_chunks(master, bytes, 3);
    let scans = receive(&rx, 1000);
    assert_scans_in_order(&scans, 0);
    assert_nothing_more(&rx);
    drop(writer.join().unwrap());
    scanner.stop();
}

fn point_link_at(link: &Path, port: &TTYPort) {
    let _ = std::fs::remove_file(link);
    std::os::unix::fs::symlink(port.name().unwrap(), link).unwrap();
}

#[test]
fn the_scanner_vanishing_and_coming_back_loses_and_repeats_nothing() {
    // The source opens a stable path, as it would /dev/serial/by-id/…; unplugging is the
    // master closing (the slave device disappears), plugging back in is a new pty behind
    // the same path.
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("ttyScanner");
    let (master, slave) = pty();
    point_link_at(&link, &slave);
    let (tx, rx) = mpsc::channel();
    let scanner = SerialScanner::open(
        PortSettings::new(link.to_string_lossy(), 9600),
        framing(),
        ReconnectPolicy {
            first_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(50),
        },
        tx,
    )
    .unwrap();
    drop(slave);

    let master = write_in_random_chunks(master, stream(0..500), 4)
        .join()
        .unwrap();
    let mut scans = receive(&rx, 500);

    // Unplug.
    drop(master);
    std::fs::remove_file(&link).unwrap();
    wait_for("the source to notice the scanner is gone", || {
        matches!(scanner.state(), LinkState::Reconnecting { attempt, ref last_error }
            if attempt >= 2 && last_error.contains("does not exist; is the scanner plugged in?"))
    });

    // Plug back in.
    let (master, slave) = pty();
    point_link_at(&link, &slave);
    wait_for("the source to reconnect", || scanner.connections() == 2);
    assert_eq!(scanner.state(), LinkState::Connected);
    drop(slave);

    let writer = write_in_random_chunks(master, stream(500..1000), 5);
    scans.extend(receive(&rx, 500));
    assert_scans_in_order(&scans, 0);
    assert_nothing_more(&rx);
    drop(writer.join().unwrap());
    scanner.stop();
}

#[test]
fn a_port_handed_over_stops_cleanly_when_its_scanner_goes_away() {
    let (master, slave) = pty();
    let (tx, rx) = mpsc::channel();
    let scanner = SerialScanner::on_port(Box::new(slave), framing(), tx).unwrap();
    let master = write_in_random_chunks(master, stream(0..10), 6)
        .join()
        .unwrap();
    assert_scans_in_order(&receive(&rx, 10), 0);
    drop(master);
    wait_for("the reader to stop", || match scanner.state() {
        LinkState::Stopped { reason } => reason.contains("no path to reopen"),
        _ => false,
    });
    assert_nothing_more(&rx);
}

#[test]
fn without_a_terminator_scans_end_when_the_line_goes_idle() {
    let (mut master, slave) = pty();
    let (tx, rx) = mpsc::channel();
    let framing = FramingConfig {
        terminator: Terminator::None,
        idle_timeout_ms: 15,
        ..FramingConfig::default()
    };
    let _scanner = SerialScanner::on_port(Box::new(slave), framing, tx).unwrap();
    for n in 0..10 {
        master
            .write_all(format!("PALLET{n:04}").as_bytes())
            .unwrap();
        let scan = rx.recv_timeout(Duration::from_secs(2)).unwrap();
        assert_eq!(scan.data, format!("PALLET{n:04}"));
    }
    assert_nothing_more(&rx);
}

#[test]
fn a_missing_port_is_reported_before_any_reading() {
    let (tx, _rx) = mpsc::channel();
    let err = SerialScanner::open(
        PortSettings::new("/dev/ttyUSB-dockhand-unplugged", 9600),
        FramingConfig::default(),
        ReconnectPolicy::default(),
        tx,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "serial port /dev/ttyUSB-dockhand-unplugged does not exist; is the scanner plugged in?"
    );
}

mod listen_command {
    use std::io::{BufRead, BufReader, Write};
    use std::process::{Command, Stdio};

    use serde_json::Value;

    use super::*;

    fn cli() -> Command {
        Command::new(env!("CARGO_BIN_EXE_dockhand-cli"))
    }

    #[test]
    fn listen_serial_prints_each_scan_as_a_json_line_and_stops_on_ctrl_c() {
        let (mut master, slave) = pty();
        let path = slave.name().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let profile = dir.path().join("bench.json");
        std::fs::write(
            &profile,
            r#"{"name": "bench", "input": {"kind": "serial", "framing": {"fnc1_substitute": "~"}}}"#,
        )
        .unwrap();
        let mut child = cli()
            .args(["listen", "--serial", &path, "--baud", "115200", "--profile"])
            .arg(&profile)
            .env("DOCKHAND_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut banner = String::new();
        stderr.read_line(&mut banner).unwrap();
        assert!(
            banner.starts_with(&format!("listening on {path} at 115200 baud")),
            "{banner}"
        );
        drop(slave);

        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        for n in 0..3 {
            let (wire, data, symbology) = scan_case(n);
            master.write_all(&wire).unwrap();
            master.write_all(b"\r").unwrap();
            let mut line = String::new();
            stdout.read_line(&mut line).unwrap();
            let json: Value = serde_json::from_str(&line).unwrap();
            assert_eq!(json["data"], data);
            assert_eq!(json["source"], "serial");
            assert_eq!(
                json["symbology"].as_str(),
                symbology.map(|s| s.to_string()).as_deref()
            );
            assert!(json["received_at"].is_string());
        }

        let status = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        assert!(
            child.wait().unwrap().success(),
            "listen did not exit cleanly on Ctrl-C"
        );
    }

    /// A real EACCES: the pty's slave node is owned by root (mode 0620, group tty) and
    /// `listen` runs as `nobody`. Needs root (to drop to `nobody`) and `setpriv`; skipped
    /// otherwise.
    #[test]
    fn listen_explains_a_port_the_user_may_not_open() {
        use std::os::unix::fs::MetadataExt;
        let is_root = std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0);
        if !is_root || Command::new("setpriv").arg("--version").output().is_err() {
            eprintln!("skipped: needs root and setpriv to run listen as another user");
            return;
        }
        let (_master, slave) = pty();
        let path = slave.name().unwrap();
        let output = Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(env!("CARGO_BIN_EXE_dockhand-cli"))
            .args(["listen", "--serial", &path])
            .output()
            .unwrap();
        assert!(!output.status.success());
        assert_eq!(
            String::from_utf8_lossy(&output.stderr).trim(),
            format!("error: permission denied opening {path}; add the user to the dialout group")
        );
    }

    #[test]
    fn listen_stdin_prints_each_line_as_a_scan_until_eof() {
        let mut child = cli()
            .args([
                "listen",
                "--stdin",
                "--profile",
                "zebra-datawedge-keystroke",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"]E09506000134352\r\n\nA-03-2-B\nno newline at the end")
            .unwrap();
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success());
        let lines: Vec<Value> = output
            .stdout
            .lines()
            .map(|l| serde_json::from_str(&l.unwrap()).unwrap())
            .collect();
        let data: Vec<&str> = lines.iter().map(|l| l["data"].as_str().unwrap()).collect();
        assert_eq!(data, ["9506000134352", "A-03-2-B", "no newline at the end"]);
        assert_eq!(lines[0]["symbology_name"], "ean13-upc");
        assert_eq!(lines[1]["source"], "manual");
    }
}
