//! [`RemoveBinary`]: deletes an installed binary and the previous copy kept for rollback.

use std::path::PathBuf;

use super::{TaskContext, TaskError, TaskKey, TaskKind, TaskOutput};

/// Deletes `binary` from `bin_dir`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoveBinary {
    /// The binary.
    pub binary: String,
    /// The bin dir.
    pub bin_dir: PathBuf,
}

impl RemoveBinary {
    /// Deletes `binary` from `bin_dir`.
    pub fn new(binary: &str, bin_dir: impl Into<PathBuf>) -> Self {
        Self {
            binary: binary.to_string(),
            bin_dir: bin_dir.into(),
        }
    }
}

impl TaskKind for RemoveBinary {
    const KIND: &'static str = "remove_binary";

    fn key(&self) -> TaskKey {
        TaskKey::new(format!(
            "purge:{}",
            self.bin_dir.join(&self.binary).display()
        ))
    }

    fn label(&self) -> String {
        format!("remove {}", self.binary)
    }

    async fn run(&self, _ctx: &TaskContext) -> Result<TaskOutput, TaskError> {
        let target = crate::install::InstallTarget::new(&self.bin_dir, &self.binary);
        for path in [target.path(), target.previous_path()] {
            match tokio::fs::remove_file(&path).await {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(TaskError::with_source(
                        format!("could not remove {}", path.display()),
                        e,
                    ));
                }
            }
        }
        Ok(TaskOutput::None)
    }
}
