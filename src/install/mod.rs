//! Getting binaries into the Hero bin dir safely, and knowing what is there.
//!
//! The install pipeline (download or build → [ELF check](inspect_elf) → [atomic
//! install](InstallTarget)) is made of task kinds in [`crate::tasks`] and put into plans by
//! [`crate::recipes`]; this module holds the mechanism the tasks and other callers
//! (`service.verify`, upgrade rollback) share:
//!
//! - [`inspect_elf`]: is a file a 64-bit executable for this host (headers only)?
//! - [`InstallTarget`]: temp file, fsync, keep `.<binary>.previous`, atomic rename, and
//!   [`rollback`]; [`rollback_recorded`] also fixes the install record.
//! - [`binary_status`]: missing, modified, unrecorded, up to date or outdated.
//! - [`checkout_dir`]: where a git repository goes under the code root.
//!
//! See `docs/install.md` for the whole pipeline.
//!
//! Floor: above the mechanisms (it uses [`forge`](crate::forge) and [`state`](crate::state));
//! below the engine. It builds no plans.

mod binary_status;
mod checkout_dir;
mod elf_check;
mod elf_error;
mod install_error;
mod install_target;
mod rollback;

pub use binary_status::{
    AvailableBinary, BinaryStatus, binary_status, binary_status_at, status_of,
};
pub use checkout_dir::checkout_dir;
pub use elf_check::{ElfInfo, host_machine, inspect_elf, inspect_elf_for, machine_name};
pub use elf_error::ElfError;
pub use install_error::InstallError;
pub use install_target::{BINARY_MODE, InstallOutcome, InstallTarget, rollback};
pub use rollback::rollback_recorded;
