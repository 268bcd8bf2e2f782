//! The label print queue against a fake printer: a TCP listener on 127.0.0.1 that, like a
//! Zebra on port 9100, reads a connection to its end and "prints" every complete
//! `^XA…^XZ` format in it. Each label must come out exactly once across a printer outage,
//! a printer that goes away mid-queue, and a `dockhand-cli label drain` process killed with
//! SIGKILL at random moments.

use std::collections::HashMap;
use std::io::Read;
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use dockhand_app::journal::{Journal, LabelJobState};
use dockhand_app::label::printer::{AddressLink, LinkTimeouts, PrinterAddress};
use dockhand_app::label::queue::{self, Resolution};
use dockhand_app::label::{BinLabel, Dpi, Stock};
use dockhand_app::sync::backoff::Backoff;

/// What the fake printer printed: job ids from each complete format's `^FX` comment.
type Output = Arc<Mutex<Vec<String>>>;

struct FakePrinter {
    busy: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl FakePrinter {
    /// Listens on `port`; takes `delay` before reading each connection; stops listening
    /// after `max_connections`.
    fn start(port: u16, output: Output, delay: Duration, max_connections: usize) -> FakePrinter {
        let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
        listener.set_nonblocking(true).unwrap();
        let busy = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let (out, b, s) = (output.clone(), busy.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let served = AtomicUsize::new(0);
            while !s.load(Ordering::SeqCst) && served.load(Ordering::SeqCst) < max_connections {
                match listener.accept() {
                    Ok((mut conn, _)) => {
                        b.store(true, Ordering::SeqCst);
                        served.fetch_add(1, Ordering::SeqCst);
                        conn.set_nonblocking(false).unwrap();
                        std::thread::sleep(delay);
                        let mut bytes = Vec::new();
                        let _ = conn.read_to_end(&mut bytes);
                        out.lock().unwrap().extend(printed_jobs(&bytes));
                        drop(conn);
                        b.store(false, Ordering::SeqCst);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(2)),
                }
            }
            // The listener drops here: the port refuses connections, like a printer off.
        });
        FakePrinter {
            busy,
            stop,
            thread: Some(thread),
        }
    }

    /// Waits until a connection already made has been read (what a person waits for
    /// before looking at the printer's output).
    fn settle(&self) {
        std::thread::sleep(Duration::from_millis(120));
        while self.busy.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn switch_off(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
    }
}

/// Job ids of the complete formats in a byte stream (a format cut short does not print).
fn printed_jobs(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    let mut jobs = Vec::new();
    for format in text.split("^XA").skip(1) {
        if !format.contains("^XZ") {
            continue;
        }
        let id = format
            .split("job ")
            .nth(1)
            .and_then(|rest| rest.split("^FS").next())
            .unwrap_or("?");
        jobs.push(id.to_owned());
    }
    jobs
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn bin_label(n: usize) -> dockhand_app::label::Template {
    BinLabel {
        code: format!("A-{n:03}"),
        warehouse: "WH1".into(),
        ..BinLabel::default()
    }
    .layout(Stock::FOUR_BY_TWO, Dpi::D203)
    .unwrap()
}

fn link(printer: &PrinterAddress) -> AddressLink {
    AddressLink {
        address: printer.clone(),
        timeouts: LinkTimeouts {
            connect: Duration::from_millis(500),
            ack: Duration::from_secs(5),
        },
    }
}

fn copies(output: &Output) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for id in output.lock().unwrap().iter() {
        *counts.entry(id.clone()).or_insert(0) += 1;
    }
    counts
}

#[test]
fn labels_wait_for_an_unreachable_printer_and_print_once_each() {
    let dir = tempfile::tempdir().unwrap();
    let mut journal = Journal::open(dir.path().join("device.db")).unwrap();
    let port = free_port();
    let printer: PrinterAddress = format!("tcp://127.0.0.1:{port}").parse().unwrap();
    let mut link = link(&printer);
    let mut ids = Vec::new();
    for n in 0..6 {
        ids.push(
            queue::enqueue(&mut journal, &printer, &bin_label(n))
                .unwrap()
                .id,
        );
    }

    // The printer is off: nothing is lost, everything waits.
    let report = queue::run_once(&mut journal, &printer, &mut link).unwrap();
    assert_eq!((report.printed.len(), report.waiting), (0, 6));
    assert!(
        report
            .last_error
            .unwrap()
            .starts_with("printer unreachable")
    );

    // It comes back: each label once, in the order asked for.
    let output: Output = Arc::default();
    let fake = FakePrinter::start(port, output.clone(), Duration::ZERO, usize::MAX);
    let report = queue::run_once(&mut journal, &printer, &mut link).unwrap();
    assert_eq!(report.printed, ids);
    assert_eq!(*output.lock().unwrap(), ids);
    fake.switch_off();

    // It goes away after 3 labels of the next 6; the rest wait, then print.
    for n in 6..12 {
        ids.push(
            queue::enqueue(&mut journal, &printer, &bin_label(n))
                .unwrap()
                .id,
        );
    }
    let fake = FakePrinter::start(port, output.clone(), Duration::ZERO, 3);
    let report = queue::run_once(&mut journal, &printer, &mut link).unwrap();
    assert_eq!(
        (report.printed.len(), report.waiting, report.in_doubt),
        (3, 3, 0)
    );
    fake.switch_off();

    // Retried with backoff until the printer is back.
    let (out2, back) = (output.clone(), Arc::new(Mutex::new(None)));
    let back2 = back.clone();
    let restarter = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(400));
        *back2.lock().unwrap() = Some(FakePrinter::start(port, out2, Duration::ZERO, usize::MAX));
    });
    let backoff = Backoff {
        base: Duration::from_millis(50),
        max: Duration::from_millis(200),
    };
    let report = queue::run_with_retry(
        &mut journal,
        &printer,
        &mut link,
        Duration::from_secs(20),
        backoff,
    )
    .unwrap();
    restarter.join().unwrap();
    assert_eq!((report.printed.len(), report.waiting), (3, 0));
    assert_eq!(*output.lock().unwrap(), ids, "every label once, in order");
    for job in journal.label_jobs(false, 100).unwrap() {
        assert_eq!(job.state, LabelJobState::Printed);
        assert!(job.printed_at.is_some());
    }
    // A printed job cannot be "resolved" into a reprint.
    assert_eq!(
        queue::resolve(&mut journal, &ids[0], Resolution::Reprint)
            .unwrap_err()
            .to_string(),
        format!(
            "print job {} is printed, not in doubt; only a job interrupted while sending can be resolved",
            ids[0]
        )
    );
    if let Some(fake) = back.lock().unwrap().take() {
        fake.switch_off();
    }
}

/// A small deterministic generator so a failing run can be repeated from its seed.
struct Lcg(u64);
impl Lcg {
    fn next_below(&mut self, bound: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % bound
    }
}

#[test]
fn a_device_killed_mid_queue_never_loses_or_doubles_a_label() {
    const LABELS: usize = 30;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("device.db");
    let port = free_port();
    let printer: PrinterAddress = format!("tcp://127.0.0.1:{port}").parse().unwrap();
    let mut ids = Vec::new();
    {
        let mut journal = Journal::open(&db).unwrap();
        for n in 0..LABELS {
            ids.push(
                queue::enqueue(&mut journal, &printer, &bin_label(n))
                    .unwrap()
                    .id,
            );
        }
    }
    let output: Output = Arc::default();
    // A slow printer, so kills land while labels are on the wire.
    let fake = FakePrinter::start(port, output.clone(), Duration::from_millis(15), usize::MAX);
    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let mut rng = Lcg(seed);
    let mut in_doubt_seen = 0;

    let drain = || {
        Command::new(env!("CARGO_BIN_EXE_dockhand-cli"))
            .args(["label", "drain", "--db"])
            .arg(&db)
            .args(["--printer", &printer.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let started = Instant::now();
    let mut kills = 0;
    loop {
        let mut child = drain();
        std::thread::sleep(Duration::from_millis(20 + rng.next_below(120)));
        let finished = child.try_wait().unwrap().is_some();
        if !finished {
            child.kill().unwrap(); // SIGKILL
            kills += 1;
        }
        child.wait().unwrap();

        // The person at the printer settles what was interrupted.
        fake.settle();
        let mut journal = Journal::open(&db).unwrap();
        // The next run would mark these; do it now so they can be looked at.
        journal
            .mark_interrupted_label_jobs(&printer.to_string())
            .unwrap();
        let on_printer = copies(&output);
        for job in journal.label_jobs(true, 1000).unwrap() {
            if job.state == LabelJobState::InDoubt {
                in_doubt_seen += 1;
                let resolution = if on_printer.contains_key(&job.id) {
                    Resolution::Printed
                } else {
                    Resolution::Reprint
                };
                queue::resolve(&mut journal, &job.id, resolution).unwrap();
            }
        }
        let open = journal.label_jobs(true, 1000).unwrap().len();
        if open == 0 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "seed {seed}: {open} labels still open after {kills} kills"
        );
    }
    fake.switch_off();
    eprintln!("seed {seed}: {kills} kills, {in_doubt_seen} jobs in doubt");

    let counts = copies(&output);
    for id in &ids {
        assert_eq!(
            counts.get(id),
            Some(&1),
            "seed {seed}: label {id} printed {:?} times ({kills} kills, {in_doubt_seen} in doubt)",
            counts.get(id)
        );
    }
    assert_eq!(
        counts.len(),
        LABELS,
        "seed {seed}: unexpected labels {counts:?}"
    );
    assert!(kills > 0, "seed {seed}: no process was killed mid-queue");
    let journal = Journal::open(&db).unwrap();
    assert!(
        journal
            .label_jobs(false, 1000)
            .unwrap()
            .iter()
            .all(|j| j.state == LabelJobState::Printed)
    );
}

#[test]
fn a_cabled_printer_gets_the_label_over_a_serial_port() {
    use serialport::{SerialPort, TTYPort};
    // A pseudo-terminal stands in for the USB-serial cable: the queue writes to the slave
    // path like to /dev/ttyUSB0, the "printer" reads the master side.
    let (mut master, slave) = TTYPort::pair().unwrap();
    master.set_timeout(Duration::from_secs(5)).unwrap();
    let path = slave.name().unwrap();
    let printer: PrinterAddress = format!("serial:{path}?baud=115200").parse().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut journal = Journal::open(dir.path().join("device.db")).unwrap();
    let job = queue::enqueue(&mut journal, &printer, &bin_label(7)).unwrap();
    let reader = std::thread::spawn(move || {
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        let deadline = Instant::now() + Duration::from_secs(20);
        while !String::from_utf8_lossy(&got).contains("^XZ") && Instant::now() < deadline {
            match master.read(&mut buf) {
                Ok(n) => got.extend_from_slice(&buf[..n]),
                // A timeout or an interrupted read under load: keep listening.
                Err(_) => std::thread::sleep(Duration::from_millis(10)),
            }
        }
        String::from_utf8_lossy(&got).replace("\r\n", "\n")
    });
    let report = queue::run_once(&mut journal, &printer, &mut link(&printer)).unwrap();
    assert_eq!(report.printed, vec![job.id.clone()]);
    let received = reader.join().unwrap();
    assert_eq!(
        printed_jobs(received.as_bytes()),
        vec![job.id.clone()],
        "{received:?}"
    );
    assert_eq!(received, job.zpl);
    drop(slave);

    // A cable that is not there: the job waits, nothing is in doubt.
    let gone: PrinterAddress = "serial:/dev/dockhand-no-such-port".parse().unwrap();
    queue::enqueue(&mut journal, &gone, &bin_label(8)).unwrap();
    let report = queue::run_once(&mut journal, &gone, &mut link(&gone)).unwrap();
    assert_eq!((report.waiting, report.in_doubt), (1, 0));
    assert!(
        report
            .last_error
            .unwrap()
            .contains("/dev/dockhand-no-such-port")
    );
}
