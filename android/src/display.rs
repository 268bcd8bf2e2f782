//! The display side of the Android platform, kept free of Android and Slint types so the
//! host tests it: which window buffer formats we draw into, copying a rendered RGB frame
//! into a locked `ANativeWindow` buffer (stride, format), the scale factor for a screen
//! density, and touch positions in Slint's logical pixels.

use std::mem::MaybeUninit;

/// Android's pixel formats (`AHARDWAREBUFFER_FORMAT_*`, the same numbers as
/// `WINDOW_FORMAT_*`) that the app can draw into.
pub mod format {
    pub const RGBA_8888: i32 = 1;
    pub const RGBX_8888: i32 = 2;
    pub const RGB_565: i32 = 4;
}

/// How one pixel is laid out in the window buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PixelLayout {
    /// R, G, B, A bytes (alpha opaque); also RGBX.
    Rgba8888,
    /// 16-bit little-endian 5-6-5.
    Rgb565,
}

impl PixelLayout {
    pub fn bytes_per_pixel(self) -> usize {
        match self {
            PixelLayout::Rgba8888 => 4,
            PixelLayout::Rgb565 => 2,
        }
    }
}

/// Why a frame could not be put on screen.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DisplayError {
    #[error(
        "the screen's pixel format {0} is not one Dockhand can draw into (RGBA 8888, RGBX 8888, \
         RGB 565); report the handheld model"
    )]
    UnsupportedFormat(i32),
    #[error(
        "the window buffer is {buffer_width}x{buffer_height} but the frame is \
         {frame_width}x{frame_height}; the frame is redrawn at the new size"
    )]
    SizeMismatch {
        buffer_width: usize,
        buffer_height: usize,
        frame_width: usize,
        frame_height: usize,
    },
}

/// The layout for a window buffer format.
pub fn pixel_layout(format: i32) -> Result<PixelLayout, DisplayError> {
    match format {
        format::RGBA_8888 | format::RGBX_8888 => Ok(PixelLayout::Rgba8888),
        format::RGB_565 => Ok(PixelLayout::Rgb565),
        other => Err(DisplayError::UnsupportedFormat(other)),
    }
}

/// One byte of a buffer being written: the window buffer's bytes are `MaybeUninit<u8>`
/// (never read, only written), a test's are plain `u8`.
pub trait ByteSlot {
    fn set(&mut self, value: u8);
}

impl ByteSlot for u8 {
    fn set(&mut self, value: u8) {
        *self = value;
    }
}

impl ByteSlot for MaybeUninit<u8> {
    fn set(&mut self, value: u8) {
        self.write(value);
    }
}

/// Copies a rendered frame (`width` pixels per row; `rgb` reads a pixel) into the rows of a window buffer.
/// `rows` yields the visible part of each buffer line (the stride padding already cut off,
/// as `NativeWindowBufferLockGuard::lines` does).
pub fn copy_frame<'a, P, B: ByteSlot + 'a>(
    frame: &[P],
    rgb: impl Fn(&P) -> [u8; 3],
    width: usize,
    height: usize,
    rows: impl ExactSizeIterator<Item = &'a mut [B]>,
    layout: PixelLayout,
) -> Result<(), DisplayError> {
    let bpp = layout.bytes_per_pixel();
    let mut rows = rows.peekable();
    let buffer_height = rows.len();
    let buffer_width = rows.peek().map_or(0, |row| row.len() / bpp);
    if buffer_width != width || buffer_height != height || frame.len() != width * height {
        return Err(DisplayError::SizeMismatch {
            buffer_width,
            buffer_height,
            frame_width: width,
            frame_height: height,
        });
    }
    for (row, pixels) in rows.zip(frame.chunks_exact(width)) {
        for (dst, pixel) in row.chunks_exact_mut(bpp).zip(pixels) {
            let [r, g, b] = rgb(pixel);
            match layout {
                PixelLayout::Rgba8888 => {
                    for (d, v) in dst.iter_mut().zip([r, g, b, 0xff]) {
                        d.set(v);
                    }
                }
                PixelLayout::Rgb565 => {
                    let packed =
                        (u16::from(r >> 3) << 11) | (u16::from(g >> 2) << 5) | u16::from(b >> 3);
                    for (d, v) in dst.iter_mut().zip(packed.to_le_bytes()) {
                        d.set(v);
                    }
                }
            }
        }
    }
    Ok(())
}

/// Slint's scale factor for a screen density in dots per inch: Android's density-
/// independent pixel is 1/160 inch, and Slint's logical pixel is meant to be the same, so
/// the 480×800 (240 dpi) handhelds get 1.5 and the 720×1280 (320 dpi) ones 2.0. An
/// unknown density falls back to 160 dpi (1.0).
pub fn scale_factor(density_dpi: Option<u32>) -> f32 {
    match density_dpi {
        Some(dpi) if (80..=1280).contains(&dpi) => dpi as f32 / 160.0,
        _ => 1.0,
    }
}

/// A touch position in physical pixels as Slint's logical position.
pub fn logical_position(x: f32, y: f32, scale_factor: f32) -> (f32, f32) {
    (x / scale_factor, y / scale_factor)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    /// A window buffer: `stride` pixels per line, of which `width` are visible.
    struct Buffer {
        bytes: Vec<u8>,
        width: usize,
        stride: usize,
        bpp: usize,
    }

    impl Buffer {
        fn new(width: usize, height: usize, stride: usize, layout: PixelLayout) -> Self {
            let bpp = layout.bytes_per_pixel();
            Self {
                bytes: vec![0xAA; stride * height * bpp],
                width,
                stride,
                bpp,
            }
        }

        fn rows(&mut self) -> impl ExactSizeIterator<Item = &mut [u8]> {
            let (line, visible) = (self.stride * self.bpp, self.width * self.bpp);
            self.bytes
                .chunks_exact_mut(line)
                .map(move |l| &mut l[..visible])
        }
    }

    #[test]
    fn rgba_rows_respect_the_stride_and_leave_the_padding_alone() {
        let frame = [[10, 20, 30], [40, 50, 60], [70, 80, 90], [1, 2, 3]];
        let mut buffer = Buffer::new(2, 2, 3, PixelLayout::Rgba8888);
        copy_frame(&frame, |p| *p, 2, 2, buffer.rows(), PixelLayout::Rgba8888).unwrap();
        #[rustfmt::skip]
        let expected = [
            10, 20, 30, 255,  40, 50, 60, 255,  0xAA, 0xAA, 0xAA, 0xAA,
            70, 80, 90, 255,  1, 2, 3, 255,     0xAA, 0xAA, 0xAA, 0xAA,
        ];
        assert_eq!(buffer.bytes, expected);
    }

    #[test]
    fn rgb565_packs_each_pixel_little_endian() {
        let frame = [[0xff, 0, 0], [0, 0xff, 0], [0, 0, 0xff], [0xff, 0xff, 0xff]];
        let mut buffer = Buffer::new(4, 1, 4, PixelLayout::Rgb565);
        copy_frame(&frame, |p| *p, 4, 1, buffer.rows(), PixelLayout::Rgb565).unwrap();
        assert_eq!(
            buffer.bytes,
            [0x00, 0xf8, 0xe0, 0x07, 0x1f, 0x00, 0xff, 0xff]
        );
    }

    #[test]
    fn wrong_sizes_and_formats_are_refused() {
        assert_eq!(pixel_layout(1), Ok(PixelLayout::Rgba8888));
        assert_eq!(pixel_layout(2), Ok(PixelLayout::Rgba8888));
        assert_eq!(pixel_layout(4), Ok(PixelLayout::Rgb565));
        let error = pixel_layout(0x16).unwrap_err();
        assert!(error.to_string().contains("report the handheld model"));

        let frame = [[0u8; 3]; 6];
        let mut buffer = Buffer::new(2, 2, 2, PixelLayout::Rgba8888);
        let error =
            copy_frame(&frame, |p| *p, 3, 2, buffer.rows(), PixelLayout::Rgba8888).unwrap_err();
        assert_eq!(
            error,
            DisplayError::SizeMismatch {
                buffer_width: 2,
                buffer_height: 2,
                frame_width: 3,
                frame_height: 2
            }
        );
    }

    #[test]
    fn densities_give_the_handhelds_scale_factors() {
        assert_eq!(scale_factor(Some(240)), 1.5);
        assert_eq!(scale_factor(Some(320)), 2.0);
        assert_eq!(scale_factor(Some(480)), 3.0);
        assert_eq!(scale_factor(None), 1.0);
        assert_eq!(scale_factor(Some(0)), 1.0);
        assert_eq!(logical_position(300.0, 90.0, 1.5), (200.0, 60.0));
    }
}
