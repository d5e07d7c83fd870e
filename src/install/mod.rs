//! Getting binaries into the Hero bin dir safely, and knowing what is there.
//!
//! The install pipeline (download or build → [ELF check](inspect_elf) → [atomic
//! install](InstallTarget)) is made of task kinds in [`crate::tasks`]; this module holds the
//! logic they share with other callers (`service.verify`, upgrade rollback):
//!
//! - [`inspect_elf`]: is a file a 64-bit executable for this host (headers only)?
//! - [`InstallTarget`]: temp file, fsync, keep `.<binary>.previous`, atomic rename, and
//!   [`rollback`]; [`rollback_recorded`] also fixes the install record.
//! - [`binary_status`]: missing, modified, unrecorded, up to date or outdated.
//! - [`checkout_dir`]: where a git repository goes under the code root.
//! - [`add_release_install`] and [`add_source_install`]: the whole pipeline of one binary
//!   (or one repository's binaries) added to a plan, for services to call.
//!
//! See `docs/install.md` for the whole pipeline.

mod binary_status;
mod checkout_dir;
mod elf_check;
mod elf_error;
mod install_error;
mod install_target;
mod pipeline;
mod rollback;

pub use binary_status::{AvailableBinary, BinaryStatus, binary_status, status_of};
pub use checkout_dir::checkout_dir;
pub use elf_check::{host_machine, inspect_elf, inspect_elf_for, machine_name};
pub use elf_error::ElfError;
pub use install_error::InstallError;
pub use install_target::{BINARY_MODE, InstallOutcome, InstallTarget, rollback};
pub use pipeline::{
    ReleaseInstall, SourceInstall, add_release_install, add_release_install_with_source_fallback,
    add_source_install, release_key,
};
pub use rollback::rollback_recorded;
