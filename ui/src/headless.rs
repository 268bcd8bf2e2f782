//! A Slint platform without a display: one [`MinimalSoftwareWindow`] drawn by the software
//! renderer into memory, for screenshots (`dockhand --screenshots`) and their tests.
//!
//! Slint's platform is per thread, so a thread that installed this one cannot open a real
//! window afterwards.

use std::path::Path;
use std::rc::Rc;

use anyhow::Context;
use slint::Rgb8Pixel;
use slint::platform::software_renderer::{MinimalSoftwareWindow, RepaintBufferType};
use slint::platform::{Platform, WindowAdapter, WindowEvent};
use slint::{PhysicalSize, PlatformError};

/// Hands every component the same in-memory window.
struct HeadlessPlatform {
    window: Rc<MinimalSoftwareWindow>,
}

impl Platform for HeadlessPlatform {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, PlatformError> {
        Ok(self.window.clone())
    }
}

/// Installs the headless platform on this thread and returns its window.
pub fn install() -> anyhow::Result<Rc<MinimalSoftwareWindow>> {
    let window = MinimalSoftwareWindow::new(RepaintBufferType::NewBuffer);
    slint::platform::set_platform(Box::new(HeadlessPlatform {
        window: window.clone(),
    }))
    .map_err(|error| anyhow::anyhow!("cannot install the headless renderer: {error:?}"))?;
    Ok(window)
}

/// A device screen: its size in physical pixels and its density (scale factor).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScreenSize {
    pub width: u32,
    pub height: u32,
    pub scale_factor: f32,
}

impl ScreenSize {
    /// Parses `480x800`; the scale factor follows the usual Android density for the size
    /// (hdpi 1.5 below 720 px wide, xhdpi 2.0 from there), as on the handhelds.
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let (width, height) = text
            .split_once('x')
            .with_context(|| format!("screen size {text:?} must look like 480x800"))?;
        let width: u32 = width
            .parse()
            .with_context(|| format!("screen width in {text:?} is not a number"))?;
        let height: u32 = height
            .parse()
            .with_context(|| format!("screen height in {text:?} is not a number"))?;
        anyhow::ensure!(
            (240..=4096).contains(&width) && (240..=4096).contains(&height),
            "screen size {text:?} is outside 240..4096 pixels"
        );
        let scale_factor = if width < 720 { 1.5 } else { 2.0 };
        Ok(Self {
            width,
            height,
            scale_factor,
        })
    }

    pub fn label(&self) -> String {
        format!("{}x{}", self.width, self.height)
    }
}

/// Sizes the window for a device screen.
pub fn resize(window: &MinimalSoftwareWindow, size: ScreenSize) {
    window.dispatch_event(WindowEvent::ScaleFactorChanged {
        scale_factor: size.scale_factor,
    });
    window.set_size(PhysicalSize::new(size.width, size.height));
}

/// Draws the window as it is now and writes it as an RGB PNG.
pub fn write_png(
    window: &MinimalSoftwareWindow,
    size: ScreenSize,
    path: &Path,
) -> anyhow::Result<()> {
    slint::platform::update_timers_and_animations();
    let (width, height) = (size.width as usize, size.height as usize);
    let mut pixels = vec![Rgb8Pixel::default(); width * height];
    window.request_redraw();
    window.draw_if_needed(|renderer| {
        renderer.render(&mut pixels, width);
    });
    let bytes: Vec<u8> = pixels.iter().flat_map(|p| [p.r, p.g, p.b]).collect();
    let file =
        std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), size.width, size.height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder
        .write_header()
        .with_context(|| format!("cannot write {}", path.display()))?;
    writer
        .write_image_data(&bytes)
        .with_context(|| format!("cannot write {}", path.display()))?;
    writer
        .finish()
        .with_context(|| format!("cannot finish {}", path.display()))?;
    Ok(())
}
