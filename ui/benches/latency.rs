//! Handheld UI latency with the software renderer, headless (BENCHMARKS.md, "Handheld UI"):
//!
//! - `startup_to_first_frame`: the window created over an open journal, every adapter
//!   connected, the start screen chosen and loaded, shown, and its first frame rendered
//!   into a 480×800 buffer (the journal is opened outside the timing: it is the same file
//!   whatever the UI does).
//! - `scan_to_feedback`: the key events of one wedge scan (a GTIN and Enter) dispatched into
//!   the focused scan input → assembled, classified, looked up in the journal, the feedback
//!   band's text set → the frame rendered. Target ≤ 16 ms (one frame at 60 Hz).
//!
//! `cargo bench -p dockhand-ui --bench latency`

use std::rc::Rc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use dockhand_ui::app::{self, Controllers};
use dockhand_ui::feedback::SilentFeedback;
use dockhand_ui::headless::{self, ScreenSize};
use dockhand_ui::sample_device::{self, ScriptedSync};
use dockhand_ui::{FeedbackKind, MainWindow, Screen, ShellAdapter};
use slint::platform::WindowEvent;
use slint::platform::software_renderer::MinimalSoftwareWindow;
use slint::{ComponentHandle, Rgb8Pixel};

fn render(surface: &MinimalSoftwareWindow, size: ScreenSize, pixels: &mut [Rgb8Pixel]) -> bool {
    slint::platform::update_timers_and_animations();
    surface.draw_if_needed(|renderer| {
        renderer.render(pixels, size.width as usize);
    })
}

fn type_scan(window: &MainWindow, data: &str) {
    for c in data.chars().chain(['\n']) {
        let text: slint::SharedString = c.to_string().into();
        window
            .window()
            .dispatch_event(WindowEvent::KeyPressed { text: text.clone() });
        window
            .window()
            .dispatch_event(WindowEvent::KeyReleased { text });
    }
}

fn latency(c: &mut Criterion) {
    let surface = headless::install().unwrap_or_else(|e| panic!("{e:#}"));
    let size = ScreenSize::parse("480x800").unwrap_or_else(|e| panic!("{e:#}"));
    let mut pixels = vec![Rgb8Pixel::default(); (size.width * size.height) as usize];
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let journal =
        sample_device::create(&dir.path().join("device.db")).unwrap_or_else(|e| panic!("{e:#}"));
    journal
        .borrow_mut()
        .set_credentials("https://dockhand.example", "token")
        .unwrap_or_else(|e| panic!("{e}"));

    let mut group = c.benchmark_group("handheld_ui");
    group.sample_size(30);
    group.measurement_time(Duration::from_secs(8));

    group.bench_function("startup_to_first_frame", |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                let started = Instant::now();
                let controllers = Controllers::new(
                    journal.clone(),
                    Box::new(ScriptedSync::new(sample_device::status_synced())),
                    Box::new(SilentFeedback),
                );
                let window = MainWindow::new().unwrap_or_else(|e| panic!("{e}"));
                app::connect(&window, &controllers);
                headless::resize(&surface, size);
                window.show().unwrap_or_else(|e| panic!("{e}"));
                surface.request_redraw();
                let drawn = render(&surface, size, &mut pixels);
                total += started.elapsed();
                assert!(drawn, "the first frame was not drawn");
                window.hide().unwrap_or_else(|e| panic!("{e}"));
                drop(window);
                drop(controllers);
            }
            total
        })
    });

    // One window, signed in, on Look up; scans alternate so every frame has changes.
    let controllers: Rc<Controllers> = Controllers::new(
        journal.clone(),
        Box::new(ScriptedSync::new(sample_device::status_synced())),
        Box::new(SilentFeedback),
    );
    let window = MainWindow::new().unwrap_or_else(|e| panic!("{e}"));
    app::connect(&window, &controllers);
    headless::resize(&surface, size);
    window.show().unwrap_or_else(|e| panic!("{e}"));
    type_scan(&window, "ana");
    window
        .global::<ShellAdapter>()
        .invoke_navigate(Screen::Lookup);
    surface.request_redraw();
    render(&surface, size, &mut pixels);
    let codes = [sample_device::BLUE_MUG_GTIN, sample_device::UNKNOWN_GTIN];
    let mut turn = 0usize;
    group.bench_function("scan_to_feedback", |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                let code = codes[turn % 2];
                turn += 1;
                let started = Instant::now();
                type_scan(&window, code);
                let drawn = render(&surface, size, &mut pixels);
                total += started.elapsed();
                let shell = window.global::<ShellAdapter>();
                assert!(drawn, "no frame after the scan");
                assert_ne!(
                    shell.get_feedback(),
                    FeedbackKind::None,
                    "no feedback for {code}"
                );
            }
            total
        })
    });
    group.finish();

    // One at a time, as a person feels it: p50 / p99 / max of 500 scans.
    let mut each = Vec::with_capacity(500);
    for turn in 0..500 {
        let code = codes[turn % 2];
        let started = Instant::now();
        type_scan(&window, code);
        render(&surface, size, &mut pixels);
        each.push(started.elapsed());
    }
    each.sort();
    let at = |q: f64| each[((each.len() - 1) as f64 * q) as usize];
    println!(
        "scan_to_feedback one at a time (500 scans, 480x800): p50 {:?}, p99 {:?}, max {:?}",
        at(0.50),
        at(0.99),
        at(1.0)
    );
}

criterion_group!(benches, latency);
criterion_main!(benches);
