//! Device setup: the server address and device token (stored in the journal with
//! `set_credentials`), and the scanner profile, chosen from the presets and stored as a
//! profile JSON file next to the journal so `dockhand-cli` and support can read it too.

use std::path::{Path, PathBuf};

use dockhand_app::journal::JournalError;
use dockhand_app::label::LabelError;
use dockhand_app::label::settings::PrinterSettings;
use dockhand_app::scanner::{ProfileError, ProfileInput, ScannerProfile, WedgeConfig};

use super::SharedJournal;

/// What the setup screen edits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceSetup {
    pub server_url: String,
    pub token: String,
    /// Name of one of [`SetupController::scanner_choices`].
    pub scanner_profile: String,
    /// The label printer: `tcp://HOST:9100` or `serial:/dev/PATH`; empty for none.
    pub printer: String,
    /// `203` or `300`.
    pub printer_dpi: String,
    /// The label stock: `4x6`, `4x2` or `WxHmm`.
    pub label_stock: String,
}

/// Why setup was not saved, phrased for the person at the device.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("the server address must start with http:// or https://")]
    ServerAddress,
    #[error("the device token is empty")]
    MissingToken,
    /// The label printer setting does not read; the words say what to write.
    #[error("{0}")]
    Printer(String),
    #[error("no scanner profile is called {0:?}")]
    UnknownScanner(String),
    #[error("the scanner profile could not be written to {}: {error}", path.display())]
    WriteProfile {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error(transparent)]
    Journal(#[from] JournalError),
}

/// Reads and saves the device's setup.
#[derive(Debug)]
pub struct SetupController {
    journal: SharedJournal,
    profile_path: PathBuf,
}

impl SetupController {
    pub fn new(journal: SharedJournal) -> Self {
        let profile_path = profile_path_for(journal.borrow().path());
        Self {
            journal,
            profile_path,
        }
    }

    /// The scanner profiles the screen offers: the presets, and a site's own profile file
    /// when one is stored, so choosing again never silently replaces it.
    pub fn scanner_choices(&self) -> Vec<String> {
        self.choices()
            .into_iter()
            .map(|profile| profile.name)
            .collect()
    }

    fn choices(&self) -> Vec<ScannerProfile> {
        let mut choices: Vec<ScannerProfile> = ScannerProfile::presets().into();
        let stored = self.scanner_profile();
        if !choices.iter().any(|preset| preset.name == stored.name) {
            choices.push(stored);
        }
        choices
    }

    /// The setup as stored; empty fields and the first preset on a new device.
    pub fn current(&self) -> Result<DeviceSetup, JournalError> {
        let journal = self.journal.borrow();
        let (server_url, token) = journal.credentials()?.unwrap_or_default();
        let printer = journal.printer_settings()?;
        Ok(DeviceSetup {
            server_url,
            token,
            scanner_profile: self.scanner_profile().name,
            printer: printer.printer.unwrap_or_default(),
            printer_dpi: printer.dpi.unwrap_or_else(|| "203".into()),
            label_stock: printer.stock.unwrap_or_else(|| "4x6".into()),
        })
    }

    /// Whether the device knows which server to sync with.
    pub fn is_set_up(&self) -> Result<bool, JournalError> {
        Ok(self.journal.borrow().credentials()?.is_some())
    }

    /// Validates and stores the setup.
    pub fn save(&self, setup: &DeviceSetup) -> Result<(), SetupError> {
        let server_url = setup.server_url.trim();
        if !(server_url.starts_with("http://") || server_url.starts_with("https://"))
            || server_url.len() <= "https://".len()
        {
            return Err(SetupError::ServerAddress);
        }
        let token = setup.token.trim();
        if token.is_empty() {
            return Err(SetupError::MissingToken);
        }
        let printer =
            PrinterSettings::parse(&setup.printer, &setup.printer_dpi, &setup.label_stock)
                .map_err(|error| match error {
                    LabelError::Setting(words) => SetupError::Printer(words),
                    other => SetupError::Printer(other.to_string()),
                })?;
        let profile = self
            .choices()
            .into_iter()
            .find(|profile| profile.name == setup.scanner_profile)
            .ok_or_else(|| SetupError::UnknownScanner(setup.scanner_profile.clone()))?;
        let json =
            serde_json::to_string_pretty(&profile).map_err(|error| SetupError::WriteProfile {
                path: self.profile_path.clone(),
                error: std::io::Error::other(error),
            })?;
        std::fs::write(&self.profile_path, json).map_err(|error| SetupError::WriteProfile {
            path: self.profile_path.clone(),
            error,
        })?;
        let mut journal = self.journal.borrow_mut();
        journal.set_credentials(server_url, token)?;
        printer.save(&mut journal)?;
        Ok(())
    }

    /// The scanner profile in use: the saved one, or the first preset when none is saved or
    /// the saved file is unusable (logged, so support sees it).
    pub fn scanner_profile(&self) -> ScannerProfile {
        match load_profile(&self.profile_path) {
            Ok(Some(profile)) => profile,
            Ok(None) => default_profile(),
            Err(error) => {
                tracing::warn!(%error, "using the default scanner profile");
                default_profile()
            }
        }
    }

    /// How keys from the scan input are assembled into scans. A serial profile still uses
    /// the default wedge settings for the keyboard (its scans arrive another way).
    pub fn wedge_config(&self) -> WedgeConfig {
        match self.scanner_profile().input {
            ProfileInput::Wedge(config) => config,
            ProfileInput::Serial(_) => WedgeConfig::default(),
        }
    }
}

/// `device.db` keeps its scanner profile in `device.scanner.json`.
fn profile_path_for(journal_path: &Path) -> PathBuf {
    journal_path.with_extension("scanner.json")
}

fn load_profile(path: &Path) -> Result<Option<ScannerProfile>, ProfileError> {
    if !path.exists() {
        return Ok(None);
    }
    ScannerProfile::load(path).map(Some)
}

fn default_profile() -> ScannerProfile {
    ScannerProfile::zebra_datawedge_keystroke()
}

#[cfg(test)]
mod tests {
    use super::*;
    use dockhand_app::journal::Journal;
    use std::cell::RefCell;
    use std::rc::Rc;

    fn controller(dir: &tempfile::TempDir) -> SetupController {
        let journal = Journal::open(dir.path().join("device.db")).unwrap();
        SetupController::new(Rc::new(RefCell::new(journal)))
    }

    #[test]
    fn saving_stores_credentials_and_the_scanner_profile() {
        let dir = tempfile::tempdir().unwrap();
        let setup = controller(&dir);
        assert!(!setup.is_set_up().unwrap());
        let presets = setup.scanner_choices();
        assert_eq!(presets.len(), 3);
        let chosen = DeviceSetup {
            server_url: " https://dockhand.example ".into(),
            token: "enrol-1234".into(),
            scanner_profile: presets[1].clone(),
            printer: "tcp://10.0.0.7:9100".into(),
            printer_dpi: "300".into(),
            label_stock: "4x2".into(),
        };
        setup.save(&chosen).unwrap();
        let stored = setup.current().unwrap();
        assert_eq!(stored.server_url, "https://dockhand.example");
        assert_eq!(stored.token, "enrol-1234");
        assert_eq!(stored.scanner_profile, presets[1]);
        assert_eq!(
            (
                stored.printer.as_str(),
                stored.printer_dpi.as_str(),
                stored.label_stock.as_str()
            ),
            ("tcp://10.0.0.7:9100", "300", "4x2")
        );
        assert!(dir.path().join("device.scanner.json").exists());
    }

    #[test]
    fn a_sites_own_profile_is_offered_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let setup = controller(&dir);
        let mut own = ScannerProfile::honeywell_wedge();
        own.name = "bench-3".into();
        std::fs::write(
            dir.path().join("device.scanner.json"),
            serde_json::to_string(&own).unwrap(),
        )
        .unwrap();
        assert_eq!(setup.scanner_choices().last().unwrap(), "bench-3");
        let form = DeviceSetup {
            server_url: "https://dockhand.example".into(),
            token: "t".into(),
            scanner_profile: "bench-3".into(),
            printer: String::new(),
            printer_dpi: "203".into(),
            label_stock: "4x6".into(),
        };
        setup.save(&form).unwrap();
        assert_eq!(setup.scanner_profile(), own);
    }

    #[test]
    fn bad_input_is_refused_with_a_reason() {
        let dir = tempfile::tempdir().unwrap();
        let setup = controller(&dir);
        let mut form = DeviceSetup {
            server_url: "dockhand.example".into(),
            token: "t".into(),
            scanner_profile: setup.scanner_choices()[0].clone(),
            printer: String::new(),
            printer_dpi: "203".into(),
            label_stock: "4x6".into(),
        };
        assert!(matches!(setup.save(&form), Err(SetupError::ServerAddress)));
        form.server_url = "http://10.0.0.5:8080".into();
        form.token = "  ".into();
        assert!(matches!(setup.save(&form), Err(SetupError::MissingToken)));
        form.token = "t".into();
        form.printer = "10.0.0.9:9100".into();
        let Err(SetupError::Printer(words)) = setup.save(&form) else {
            panic!("a printer address without tcp:// was accepted")
        };
        assert_eq!(
            words,
            "printer \"10.0.0.9:9100\" is not a printer address; write tcp://HOST:9100 or serial:/dev/ttyUSB0"
        );
        assert!(!setup.is_set_up().unwrap());
    }
}
