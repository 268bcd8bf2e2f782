//! Where the app keeps its files on the device: the journal lives in the app's private
//! data directory (`Context.getFilesDir()`, what NativeActivity calls `internalDataPath`,
//! e.g. `/data/user/0/com.dockhand.android/files`). Nothing goes to shared or external
//! storage: other apps cannot read the journal, and uninstalling the app removes it.

use std::path::{Path, PathBuf};

/// The device journal's file name inside the private directory. SQLite keeps its `-wal`
/// and `-shm` files next to it.
pub const JOURNAL_FILE: &str = "dockhand-device.db";

/// Why the app cannot find or make its data directory.
#[derive(Debug, thiserror::Error)]
pub enum DataPathError {
    #[error(
        "Android gave the app no private data directory, so the journal has nowhere to live; \
         restart the handheld, and if it persists clear the app's storage in Settings → Apps"
    )]
    NoPrivateDir,
    #[error(
        "the app's data directory {} is not an absolute path; the journal is only ever kept \
         in the app's private storage",
        .0.display()
    )]
    NotAbsolute(PathBuf),
    #[error(
        "cannot create the app's data directory {}: {error}; check that the handheld's storage \
         is not full",
        path.display()
    )]
    Create {
        path: PathBuf,
        error: std::io::Error,
    },
}

/// The app's files on the device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataPaths {
    /// The private data directory.
    pub dir: PathBuf,
    /// The device journal.
    pub journal: PathBuf,
}

impl DataPaths {
    /// The paths inside the directory Android gave the app (`None` when it gave none).
    pub fn in_private_dir(internal_data_path: Option<PathBuf>) -> Result<Self, DataPathError> {
        let dir = internal_data_path.ok_or(DataPathError::NoPrivateDir)?;
        if !dir.is_absolute() {
            return Err(DataPathError::NotAbsolute(dir));
        }
        Ok(Self {
            journal: dir.join(JOURNAL_FILE),
            dir,
        })
    }

    /// Creates the directory if it is missing. On some Android versions `internalDataPath`
    /// names a directory that does not exist until something is written there.
    pub fn prepare(&self) -> Result<(), DataPathError> {
        std::fs::create_dir_all(&self.dir).map_err(|error| DataPathError::Create {
            path: self.dir.clone(),
            error,
        })
    }

    pub fn journal(&self) -> &Path {
        &self.journal
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use dockhand_app::journal::Journal;

    use super::*;

    #[test]
    fn the_journal_lives_in_the_private_directory_and_opens_there() {
        let tmp = tempfile::tempdir().unwrap();
        // As on a device: the path Android names may not exist yet.
        let files = tmp.path().join("data/user/0/com.dockhand.android/files");
        let paths = DataPaths::in_private_dir(Some(files.clone())).unwrap();
        assert_eq!(paths.journal(), files.join("dockhand-device.db"));
        assert!(paths.journal().starts_with(&paths.dir));
        paths.prepare().unwrap();
        paths.prepare().unwrap(); // a second start finds it there

        let journal = Journal::open(paths.journal()).unwrap();
        let device = journal.device_id();
        drop(journal);
        // The next start of the app opens the same journal, not a new one.
        let again = Journal::open(paths.journal()).unwrap();
        assert_eq!(again.device_id(), device);
    }

    #[test]
    fn no_or_relative_directory_is_refused_with_what_to_do() {
        let error = DataPaths::in_private_dir(None).unwrap_err();
        assert!(
            error.to_string().contains("clear the app's storage"),
            "{error}"
        );
        let error = DataPaths::in_private_dir(Some("files".into())).unwrap_err();
        assert!(matches!(error, DataPathError::NotAbsolute(_)), "{error}");
    }

    #[test]
    fn a_directory_that_cannot_be_made_says_which_and_why() {
        let tmp = tempfile::tempdir().unwrap();
        let blocker = tmp.path().join("files");
        std::fs::write(&blocker, b"not a directory").unwrap();
        let paths = DataPaths::in_private_dir(Some(blocker.join("inner"))).unwrap();
        let error = paths.prepare().unwrap_err();
        let text = error.to_string();
        assert!(text.contains("files/inner"), "{text}");
        assert!(text.contains("storage is not full"), "{text}");
    }
}
