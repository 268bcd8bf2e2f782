//! The label printer of this device: set on the device's settings screen and stored in the
//! journal (`device.label_printer`, `label_dpi`, `label_stock`); `DOCKHAND_PRINTER`
//! overrides the address (as `--printer` does for `dockhand-cli`). No printer set is a
//! normal state: labels queue and wait for one.

use super::printer::PrinterAddress;
use super::{Dpi, LabelError, Stock};
use crate::journal::{Journal, JournalError, StoredPrinterSettings};

/// The environment variable that overrides the stored printer address.
pub const PRINTER_ENV: &str = "DOCKHAND_PRINTER";

/// The printer and the stock it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct PrinterSettings {
    /// `None`: no printer set; jobs queue until one is.
    pub printer: Option<PrinterAddress>,
    pub dpi: Dpi,
    pub stock: Stock,
}

impl Default for PrinterSettings {
    fn default() -> PrinterSettings {
        PrinterSettings {
            printer: None,
            dpi: Dpi::D203,
            stock: Stock::FOUR_BY_SIX,
        }
    }
}

/// Why settings could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error(transparent)]
    Label(#[from] LabelError),
    #[error(transparent)]
    Journal(#[from] JournalError),
}

impl PrinterSettings {
    /// Checks what a person typed: an empty address means no printer; dpi and stock may be
    /// empty for the defaults (203 dpi, 4x6). Errors name the field and say what to write.
    pub fn parse(printer: &str, dpi: &str, stock: &str) -> Result<PrinterSettings, LabelError> {
        let printer = match printer.trim() {
            "" => None,
            text => Some(text.parse::<PrinterAddress>()?),
        };
        let dpi = match dpi.trim() {
            "" => Dpi::D203,
            text => text.parse()?,
        };
        let stock = match stock.trim() {
            "" => Stock::FOUR_BY_SIX,
            text => text.parse()?,
        };
        Ok(PrinterSettings {
            printer,
            dpi,
            stock,
        })
    }

    /// The settings as stored in the journal (a stored value that no longer parses is
    /// reported, not silently dropped).
    pub fn stored(journal: &Journal) -> Result<PrinterSettings, SettingsError> {
        let raw = journal.printer_settings()?;
        Ok(PrinterSettings::parse(
            raw.printer.as_deref().unwrap_or(""),
            raw.dpi.as_deref().unwrap_or(""),
            raw.stock.as_deref().unwrap_or(""),
        )?)
    }

    /// What the device prints with: the stored settings, the address overridden by
    /// `DOCKHAND_PRINTER` when that is set and not empty.
    pub fn effective(journal: &Journal) -> Result<PrinterSettings, SettingsError> {
        let mut settings = PrinterSettings::stored(journal)?;
        if let Some(address) = std::env::var(PRINTER_ENV)
            .ok()
            .filter(|v| !v.trim().is_empty())
        {
            settings.printer = Some(address.parse()?);
        }
        Ok(settings)
    }

    /// Stores these settings in the journal.
    pub fn save(&self, journal: &mut Journal) -> Result<(), JournalError> {
        journal.set_printer_settings(&StoredPrinterSettings {
            printer: self.printer.as_ref().map(ToString::to_string),
            dpi: Some(self.dpi.to_string()),
            stock: Some(stock_text(self.stock)),
        })
    }

    /// The printer key jobs are queued under: the address, or empty when none is set.
    pub fn printer_key(&self) -> String {
        self.printer
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default()
    }
}

/// `4x6`, `4x2`, or `WxHmm`: text [`Stock`] parses back.
pub fn stock_text(stock: Stock) -> String {
    if stock == Stock::FOUR_BY_SIX {
        "4x6".into()
    } else if stock == Stock::FOUR_BY_TWO {
        "4x2".into()
    } else {
        format!("{}x{}mm", stock.width_mm, stock.height_mm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_through_the_journal_and_bad_ones_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = Journal::open(dir.path().join("d.db")).unwrap();
        assert_eq!(
            PrinterSettings::stored(&journal).unwrap(),
            PrinterSettings::default()
        );
        let set = PrinterSettings::parse(" tcp://10.0.0.9:9100 ", "300", "4x2").unwrap();
        set.save(&mut journal).unwrap();
        assert_eq!(PrinterSettings::stored(&journal).unwrap(), set);
        assert_eq!(set.printer_key(), "tcp://10.0.0.9:9100");
        assert_eq!(
            PrinterSettings::parse("10.0.0.9", "", "")
                .unwrap_err()
                .to_string(),
            "label setting: printer \"10.0.0.9\" is not a printer address; write tcp://HOST:9100 or serial:/dev/ttyUSB0"
        );
        assert!(PrinterSettings::parse("", "600", "").is_err());
        assert!(PrinterSettings::parse("", "", "4by6").is_err());
        let none = PrinterSettings::parse("", "", "").unwrap();
        assert_eq!((none.printer_key(), none.printer), (String::new(), None));
    }
}
