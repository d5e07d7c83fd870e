//! The ELF check: is a file an executable this host can run?
//!
//! Only headers are read: the first 64 KiB, plus the program headers, the interpreter path
//! and the dynamic section wherever they are. A 256 MiB binary costs a few reads, not 256 MiB
//! of memory. The check rejects, with an error that says which: empty and truncated files,
//! scripts, archives, HTML and text, 32-bit files, another architecture, and ELF files that
//! are not executables (shared libraries, object files, core dumps). It reports whether the
//! binary is static or dynamic and which libc its interpreter belongs to.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

use goblin::container::Ctx;
use goblin::elf::dynamic::{DF_1_PIE, DT_FLAGS_1, DT_NULL, DT_SONAME};
use goblin::elf::header::{self, ET_CORE, ET_DYN, ET_EXEC, ET_REL};
use goblin::elf::program_header::{PT_DYNAMIC, PT_INTERP, PT_LOAD, ProgramHeader};

use super::ElfError;
use serde::{Deserialize, Serialize};

/// What the ELF check found in a binary.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ElfInfo {
    /// The machine (`x86_64`, `aarch64`).
    pub machine: String,
    /// Statically linked (no interpreter).
    pub is_static: bool,
    /// The dynamic loader, if any (`/lib64/ld-linux-x86-64.so.2`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interpreter: Option<String>,
    /// `musl`, `glibc`, or `none` for static binaries without a libc marker.
    pub libc: String,
}

/// How much of the file's start is read in one go (the ELF header and, nearly always, the
/// program headers and the interpreter path).
const HEAD_BYTES: usize = 64 * 1024;

/// Upper bound of the metadata read beyond the head (program headers, dynamic section), so
/// a hostile header cannot make the check allocate much.
const MAX_TABLE_BYTES: u64 = 1024 * 1024;

/// The ELF machine number of this host, and its name as people know it.
pub fn host_machine() -> (u16, &'static str) {
    match std::env::consts::ARCH {
        "x86_64" => (header::EM_X86_64, "x86_64"),
        "aarch64" => (header::EM_AARCH64, "aarch64"),
        "riscv64" => (header::EM_RISCV, "riscv64"),
        "powerpc64" => (header::EM_PPC64, "powerpc64"),
        "s390x" => (header::EM_S390, "s390x"),
        "loongarch64" => (258, "loongarch64"),
        other => (header::EM_NONE, other),
    }
}

/// The name of ELF machine `machine`.
pub fn machine_name(machine: u16) -> String {
    match machine {
        header::EM_X86_64 => "x86_64".to_string(),
        header::EM_AARCH64 => "aarch64".to_string(),
        header::EM_386 => "x86".to_string(),
        header::EM_ARM => "arm".to_string(),
        header::EM_RISCV => "riscv64".to_string(),
        header::EM_PPC64 => "powerpc64".to_string(),
        header::EM_S390 => "s390x".to_string(),
        258 => "loongarch64".to_string(),
        other => header::machine_to_str(other).to_lowercase(),
    }
}

/// Checks that `path` is a 64-bit ELF executable for this host and says how it is linked.
/// Blocking: call it from blocking context.
pub fn inspect_elf(path: &Path) -> Result<ElfInfo, ElfError> {
    inspect_elf_for(path, host_machine())
}

/// [`inspect_elf`] against a given host machine (number, name).
pub fn inspect_elf_for(path: &Path, host: (u16, &str)) -> Result<ElfInfo, ElfError> {
    let read_err = |source| ElfError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(read_err)?;
    let size = file.metadata().map_err(read_err)?.len();
    let mut head = vec![0u8; HEAD_BYTES.min(usize::try_from(size).unwrap_or(HEAD_BYTES))];
    file.read_exact_at(&mut head, 0).map_err(read_err)?;
    let p = || path.to_path_buf();

    if head.is_empty() {
        return Err(ElfError::Empty { path: p() });
    }
    if !head.starts_with(b"\x7fELF") {
        return Err(classify_non_elf(path, &head));
    }
    if head.len() < 20 {
        return Err(ElfError::Truncated {
            path: p(),
            size,
            needed: 64,
        });
    }
    if head[header::EI_CLASS] == header::ELFCLASS32 {
        return Err(ElfError::Not64Bit { path: p() });
    }
    if head.len() < header::header64::SIZEOF_EHDR {
        return Err(ElfError::Truncated {
            path: p(),
            size,
            needed: header::header64::SIZEOF_EHDR as u64,
        });
    }
    let malformed = |detail: String| ElfError::Malformed { path: p(), detail };
    let hdr = goblin::elf::Elf::parse_header(&head).map_err(|e| malformed(e.to_string()))?;
    let ctx = Ctx::new(
        hdr.container().map_err(|e| malformed(e.to_string()))?,
        hdr.endianness().map_err(|e| malformed(e.to_string()))?,
    );

    // Machine first: an aarch64 binary is "wrong architecture" whatever else it is.
    if hdr.e_machine != host.0 {
        return Err(ElfError::WrongArchitecture {
            path: p(),
            found: machine_name(hdr.e_machine),
            host: host.1.to_string(),
        });
    }
    let not_exec = |what| ElfError::NotExecutable { path: p(), what };
    match hdr.e_type {
        ET_EXEC | ET_DYN => {}
        ET_REL => return Err(not_exec("a relocatable object file")),
        ET_CORE => return Err(not_exec("a core dump")),
        _ => return Err(not_exec("an ELF file of unknown type")),
    }

    // Program headers.
    let ph_bytes = u64::from(hdr.e_phnum) * u64::from(hdr.e_phentsize);
    let ph_end = hdr.e_phoff.saturating_add(ph_bytes);
    if ph_end > size {
        return Err(ElfError::Truncated {
            path: p(),
            size,
            needed: ph_end,
        });
    }
    if ph_bytes > MAX_TABLE_BYTES {
        return Err(malformed(format!("{} program headers", hdr.e_phnum)));
    }
    let table = read_range(&file, &head, hdr.e_phoff, ph_bytes).map_err(read_err)?;
    let phdrs = ProgramHeader::parse(&table, 0, usize::from(hdr.e_phnum), ctx)
        .map_err(|e| malformed(format!("program headers: {e}")))?;

    // Everything the headers describe must be in the file.
    let sh_end = hdr
        .e_shoff
        .saturating_add(u64::from(hdr.e_shnum) * u64::from(hdr.e_shentsize));
    let load_end = phdrs
        .iter()
        .filter(|ph| ph.p_type == PT_LOAD)
        .map(|ph| ph.p_offset.saturating_add(ph.p_filesz))
        .max()
        .unwrap_or(0);
    let needed = sh_end.max(load_end);
    if needed > size {
        return Err(ElfError::Truncated {
            path: p(),
            size,
            needed,
        });
    }

    let interpreter = match phdrs.iter().find(|ph| ph.p_type == PT_INTERP) {
        Some(ph) if ph.p_filesz <= 4096 => {
            let bytes = read_range(&file, &head, ph.p_offset, ph.p_filesz).map_err(read_err)?;
            let s = String::from_utf8_lossy(&bytes);
            Some(s.trim_end_matches('\0').to_string())
        }
        Some(_) => return Err(malformed("interpreter path too long".to_string())),
        None => None,
    };

    if hdr.e_type == ET_DYN {
        let dynamic = match phdrs.iter().find(|ph| ph.p_type == PT_DYNAMIC) {
            Some(ph) if ph.p_filesz <= MAX_TABLE_BYTES => {
                let bytes = read_range(&file, &head, ph.p_offset, ph.p_filesz).map_err(read_err)?;
                DynamicFlags::parse(&bytes, ctx.le.is_little())
            }
            Some(_) => return Err(malformed("dynamic section too large".to_string())),
            None => DynamicFlags::default(),
        };
        // A position-independent executable says so (DF_1_PIE); older linkers did not, but
        // such an executable has an interpreter and no soname. A shared library (even
        // glibc's runnable libc.so.6) has a soname and no PIE flag.
        let is_pie = dynamic.pie || (interpreter.is_some() && !dynamic.soname);
        if !is_pie {
            return Err(not_exec("a shared library"));
        }
    }

    let libc = match &interpreter {
        Some(i) if i.contains("ld-musl") => "musl",
        Some(i) if i.contains("ld-linux") => "glibc",
        Some(_) => "unknown",
        None => "none",
    };
    Ok(ElfInfo {
        machine: machine_name(hdr.e_machine),
        is_static: interpreter.is_none(),
        libc: libc.to_string(),
        interpreter,
    })
}

/// What the dynamic section says about the kind of object.
#[derive(Default)]
struct DynamicFlags {
    pie: bool,
    soname: bool,
}

impl DynamicFlags {
    /// Parses 64-bit dynamic entries (tag, value) until `DT_NULL`.
    fn parse(bytes: &[u8], little_endian: bool) -> Self {
        let word = |b: &[u8]| -> u64 {
            let mut a = [0u8; 8];
            a.copy_from_slice(b);
            if little_endian {
                u64::from_le_bytes(a)
            } else {
                u64::from_be_bytes(a)
            }
        };
        let mut flags = Self::default();
        for entry in bytes.chunks_exact(16) {
            let (tag, val) = (word(&entry[..8]), word(&entry[8..]));
            match tag {
                DT_NULL => break,
                DT_SONAME => flags.soname = true,
                DT_FLAGS_1 if val & DF_1_PIE != 0 => flags.pie = true,
                _ => {}
            }
        }
        flags
    }
}

/// `len` bytes at `offset`: from `head` when it holds them, else read from the file.
fn read_range(file: &File, head: &[u8], offset: u64, len: u64) -> std::io::Result<Vec<u8>> {
    let (Ok(start), Ok(n)) = (usize::try_from(offset), usize::try_from(len)) else {
        return Err(std::io::Error::other("offset out of range"));
    };
    if let Some(slice) = start.checked_add(n).and_then(|end| head.get(start..end)) {
        return Ok(slice.to_vec());
    }
    let mut buf = vec![0u8; n];
    file.read_exact_at(&mut buf, offset)?;
    Ok(buf)
}

/// Names what a file that is not ELF is, from its first bytes.
fn classify_non_elf(path: &Path, head: &[u8]) -> ElfError {
    let p = path.to_path_buf();
    if head.starts_with(b"#!") {
        let line = head.split(|&b| b == b'\n').next().unwrap_or_default();
        let shebang = String::from_utf8_lossy(&line[..line.len().min(120)]).into_owned();
        return ElfError::Script { path: p, shebang };
    }
    const ARCHIVES: &[(&[u8], &str)] = &[
        (b"\x1f\x8b", "gzip"),
        (b"PK\x03\x04", "zip"),
        (b"\xfd7zXZ\x00", "xz"),
        (b"\x28\xb5\x2f\xfd", "zstd"),
        (b"BZh", "bzip2"),
        (b"!<arch>\n", "ar"),
        (b"7z\xbc\xaf\x27\x1c", "7z"),
    ];
    for (magic, format) in ARCHIVES {
        if head.starts_with(magic) {
            return ElfError::Archive { path: p, format };
        }
    }
    if head.get(257..262) == Some(b"ustar") {
        return ElfError::Archive {
            path: p,
            format: "tar",
        };
    }
    let start: String = String::from_utf8_lossy(&head[..head.len().min(512)])
        .trim_start_matches('\u{feff}')
        .trim_start()
        .chars()
        .take(64)
        .collect::<String>()
        .to_ascii_lowercase();
    if start.starts_with("<!doctype html") || start.starts_with("<html") || start.contains("<head")
    {
        return ElfError::Html { path: p };
    }
    let sample = &head[..head.len().min(4096)];
    let is_text = std::str::from_utf8(sample).is_ok() && !sample.contains(&0);
    if is_text {
        return ElfError::Text { path: p };
    }
    ElfError::NotElf { path: p }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    #[test]
    fn non_elf_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let cases: &[(&str, &[u8], &str)] = &[
            ("empty", b"", "empty file"),
            ("script", b"#!/bin/sh\necho hi\n", "script (#!/bin/sh)"),
            ("gz", b"\x1f\x8b\x08\x00rest", "gzip archive"),
            ("html", b"<!DOCTYPE html><html>", "HTML page"),
            ("txt", b"Not Found\n", "text file"),
            ("bin", b"\x00\x01\x02\x03\xff\xfe", "no ELF header"),
            ("short", b"\x7fELF\x02", "truncated binary"),
        ];
        for (name, bytes, expected) in cases {
            let err = inspect_elf(&write(d, name, bytes)).unwrap_err().to_string();
            assert!(err.contains(expected), "{name}: {err}");
        }
    }
}
