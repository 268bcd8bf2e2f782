//! The native window as a place to put frames: asks for RGBA 8888 buffers, and copies each
//! frame the software renderer drew into the locked buffer (see [`crate::display`]).

use ndk::hardware_buffer_format::HardwareBufferFormat;
use ndk::native_window::NativeWindow;
use slint::PhysicalSize;

use crate::display::{self, DisplayError};

pub struct Surface {
    window: NativeWindow,
}

/// Why a frame did not reach the screen.
#[derive(Debug, thiserror::Error)]
pub enum PresentError {
    #[error("cannot lock the window buffer: {0}")]
    Lock(std::io::Error),
    #[error(transparent)]
    Display(#[from] DisplayError),
}

impl Surface {
    pub fn new(window: NativeWindow) -> Self {
        // Keep the window's size; ask for the format we copy fastest into. A window that
        // refuses keeps its own format, which `present` handles or reports.
        if let Err(error) =
            window.set_buffers_geometry(0, 0, Some(HardwareBufferFormat::R8G8B8A8_UNORM))
        {
            log::warn!("window keeps its own pixel format: {error}");
        }
        Self { window }
    }

    pub fn size(&self) -> PhysicalSize {
        let width = u32::try_from(self.window.width()).unwrap_or(0);
        let height = u32::try_from(self.window.height()).unwrap_or(0);
        PhysicalSize::new(width, height)
    }

    pub fn present(
        &self,
        frame: &[slint::Rgb8Pixel],
        width: usize,
        height: usize,
    ) -> Result<(), PresentError> {
        let mut buffer = self.window.lock(None).map_err(PresentError::Lock)?;
        let format: i32 = buffer.format().into();
        let layout = display::pixel_layout(format)?;
        let rows = buffer
            .lines()
            .ok_or(DisplayError::UnsupportedFormat(format))?;
        let rows: Vec<_> = rows.collect();
        display::copy_frame(
            frame,
            |p| [p.r, p.g, p.b],
            width,
            height,
            rows.into_iter(),
            layout,
        )?;
        Ok(())
    }
}
