//! The print worker: a thread of its own, with its own connection to the device journal,
//! that sends the label queue to the printer in the device settings
//! (`label::queue::run_configured`). It runs when woken (a job queued, "Retry now") and
//! otherwise every few seconds, backing off while the printer is unreachable, so a printer
//! that comes back prints what waited. After each run that changed something it calls
//! `changed` (the UI refreshes the label screen and the status strip). A job whose label no
//! longer fits the stock set now is marked failed with the reason by that run and the
//! rest of the queue prints. Never on the UI thread: a printer that takes seconds to
//! answer never freezes a scan.

use std::path::PathBuf;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use dockhand_app::journal::Journal;
use dockhand_app::label::printer::{AddressLink, LinkTimeouts};
use dockhand_app::label::queue;
use dockhand_app::label::settings::PrinterSettings;
use dockhand_app::sync::backoff::Backoff;

enum Message {
    Wake,
    Stop,
}

/// A running print worker; dropping it stops it.
#[derive(Debug)]
pub struct PrintWorker {
    tx: Sender<Message>,
    thread: Option<JoinHandle<()>>,
}

/// How often the worker looks at the queue when nothing wakes it.
#[derive(Debug, Clone, Copy)]
pub struct WorkerTiming {
    pub idle: Duration,
    pub backoff: Backoff,
}

impl Default for WorkerTiming {
    fn default() -> Self {
        Self {
            idle: Duration::from_secs(5),
            backoff: Backoff {
                base: Duration::from_secs(1),
                max: Duration::from_secs(30),
            },
        }
    }
}

impl PrintWorker {
    /// Starts the worker over the journal at `db`.
    pub fn spawn(
        db: PathBuf,
        timing: WorkerTiming,
        changed: impl Fn() + Send + 'static,
    ) -> std::io::Result<PrintWorker> {
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("print-worker".into())
            .spawn(move || {
                let mut journal = match Journal::open(&db) {
                    Ok(journal) => journal,
                    Err(error) => {
                        tracing::error!(%error, "the print worker cannot open the journal");
                        return;
                    }
                };
                let mut failures = 0u32;
                loop {
                    let wait = match run(&mut journal) {
                        Outcome::Idle { changed: any } => {
                            failures = 0;
                            if any {
                                changed();
                            }
                            timing.idle
                        }
                        Outcome::Failing => {
                            failures += 1;
                            changed();
                            // One device, one printer: no herd to spread, so no jitter.
                            timing.backoff.delay(failures, 1.0)
                        }
                    };
                    match rx.recv_timeout(wait) {
                        Ok(Message::Wake) | Err(RecvTimeoutError::Timeout) => {}
                        Ok(Message::Stop) | Err(RecvTimeoutError::Disconnected) => return,
                    }
                }
            })?;
        Ok(PrintWorker {
            tx,
            thread: Some(thread),
        })
    }

    /// A wake-up for the UI thread to call (cheap, never blocks).
    pub fn waker(&self) -> impl Fn() + Send + 'static {
        let tx = self.tx.clone();
        move || {
            let _ = tx.send(Message::Wake);
        }
    }

    /// Stops the worker and waits for its current send to end.
    pub fn stop(mut self) {
        self.shut_down();
    }

    fn shut_down(&mut self) {
        let _ = self.tx.send(Message::Stop);
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("the print worker panicked");
        }
    }
}

impl Drop for PrintWorker {
    fn drop(&mut self) {
        self.shut_down();
    }
}

enum Outcome {
    /// Nothing waits, or no printer is set: `changed` when labels printed.
    Idle { changed: bool },
    /// The printer did not take a label: try again after a backoff.
    Failing,
}

fn run(journal: &mut Journal) -> Outcome {
    let settings = match PrinterSettings::effective(journal) {
        Ok(settings) => settings,
        Err(error) => {
            tracing::error!(%error, "the label printer setting cannot be read");
            return Outcome::Idle { changed: false };
        }
    };
    let Some(address) = settings.printer.clone() else {
        return Outcome::Idle { changed: false };
    };
    let mut link = AddressLink {
        address,
        timeouts: LinkTimeouts::default(),
    };
    match queue::run_configured(journal, &settings, &mut link) {
        Ok(Some(report)) if report.last_error.is_some() && report.waiting > 0 => {
            tracing::info!(error = ?report.last_error, waiting = report.waiting, "printer not reachable; retrying");
            Outcome::Failing
        }
        Ok(Some(report)) => Outcome::Idle {
            changed: !report.printed.is_empty()
                || !report.failed.is_empty()
                || report.last_error.is_some(),
        },
        Ok(None) => Outcome::Idle { changed: false },
        Err(error) => {
            tracing::error!(%error, "the print queue failed");
            Outcome::Failing
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample_device;
    use crate::test_printer::FakePrinter;
    use dockhand_app::domain::LocationCode;
    use dockhand_app::journal::LabelJobState;
    use dockhand_app::label::CartonLabel;
    use dockhand_app::workflow::labels::LabelRequest;

    /// A worker on `db` with short pauses, and the channel it signals each change on.
    fn quick_worker(db: std::path::PathBuf) -> (PrintWorker, mpsc::Receiver<()>) {
        let (changed_tx, changed_rx) = mpsc::channel();
        let worker = PrintWorker::spawn(
            db,
            WorkerTiming {
                idle: Duration::from_millis(50),
                backoff: Backoff {
                    base: Duration::from_millis(20),
                    max: Duration::from_millis(100),
                },
            },
            move || {
                let _ = changed_tx.send(());
            },
        )
        .unwrap();
        (worker, changed_rx)
    }

    #[test]
    fn the_worker_prints_what_waited_once_the_printer_is_there() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("device.db");
        let journal = sample_device::create(&db).unwrap();
        let printer = FakePrinter::start();
        PrinterSettings::parse(&printer.address(), "", "4x2")
            .unwrap()
            .save(&mut journal.borrow_mut())
            .unwrap();
        let labels = crate::controllers::labels::LabelsController::new(journal.clone());
        let (worker, changed_rx) = quick_worker(db);
        labels.set_wake(Box::new(worker.waker()));
        let job = labels
            .print_bin_label(&LocationCode::new("A-03-2-B").unwrap())
            .unwrap();
        // Wait for the worker to say it printed (or give up after a minute on a slow box).
        let mut printed = false;
        for _ in 0..600 {
            let _ = changed_rx.recv_timeout(Duration::from_millis(100));
            if journal
                .borrow()
                .label_job(&job.id)
                .unwrap()
                .unwrap()
                .printed_at
                .is_some()
            {
                printed = true;
                break;
            }
        }
        worker.stop();
        assert!(printed, "the worker did not print the bin label");
        let received = printer.labels();
        assert_eq!(received.len(), 1);
        assert!(received[0].contains(&format!("job {}", job.id)));
    }

    /// A carton label with a 20-character lot and a serial: four GS1-128 symbols, which
    /// fit 4 × 6 in stock but not 4 × 2 in.
    fn long_carton_label() -> LabelRequest {
        LabelRequest::Carton(CartonLabel {
            gtin: sample_device::BLUE_MUG_GTIN.into(),
            lot: Some("ABCDEFGHIJKLMNOPQRST".into()),
            expiry: Some("271231".into()),
            serial: Some("12345678901234567890".into()),
            sscc: Some("095060000000005003".into()),
            ..CartonLabel::default()
        })
    }

    #[test]
    fn a_label_that_no_longer_fits_the_stock_fails_with_its_reason_and_the_next_one_prints() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("device.db");
        let journal = sample_device::create(&db).unwrap();
        let printer = FakePrinter::start();
        let roomy = PrinterSettings::parse(&printer.address(), "203", "4x6").unwrap();
        roomy.save(&mut journal.borrow_mut()).unwrap();
        // Queued while the printer held 4 × 6 stock, then someone loads 4 × 2.
        let long = queue::job_for_request(&roomy, &long_carton_label());
        assert_eq!(long.failed, None, "it fits 4 × 6");
        journal
            .borrow_mut()
            .insert_label_job_with_data(&long)
            .unwrap();
        let labels = crate::controllers::labels::LabelsController::new(journal.clone());
        let bin = labels
            .print_bin_label(&LocationCode::new("A-03-2-B").unwrap())
            .unwrap();
        PrinterSettings::parse(&printer.address(), "203", "4x2")
            .unwrap()
            .save(&mut journal.borrow_mut())
            .unwrap();
        assert_eq!(labels.waiting().unwrap(), (2, 0));

        let (worker, changed_rx) = quick_worker(db);
        let state = |id: &str| journal.borrow().label_job(id).unwrap().unwrap();
        for _ in 0..600 {
            let _ = changed_rx.recv_timeout(Duration::from_millis(100));
            if state(&bin.id).state == LabelJobState::Printed {
                break;
            }
        }
        worker.stop();

        let failed = state(&long.id);
        assert_eq!(failed.state, LabelJobState::Failed);
        assert_eq!(failed.attempts, 0, "never sent");
        assert_eq!(
            failed.last_error.as_deref(),
            Some(
                "Does not fit 4 × 2 in at 203 dpi (4 barcodes do not fit on 102 × 51 mm stock; \
                 use taller stock (4x6)): choose the larger 4 × 6 in label size in Settings, \
                 then tap Reprint"
            )
        );
        assert_eq!(
            state(&bin.id).state,
            LabelJobState::Printed,
            "the queue went on"
        );
        let received = printer.labels();
        assert_eq!(received.len(), 1, "only the bin label reached the printer");
        assert!(received[0].contains(&format!("job {}", bin.id)));
        assert!(received[0].contains("^LL406"), "laid out for 4 × 2 in");
        assert_eq!(
            labels.waiting().unwrap(),
            (0, 0),
            "a failed label waits for nothing"
        );
    }
}
