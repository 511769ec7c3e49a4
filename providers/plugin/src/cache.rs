//! The schema cache: a plugin's schema response kept on disk beside the
//! installed package, so that a plan reads a file instead of starting the
//! plugin and waiting for megabytes of schema. An entry names the
//! executable's size and modification time; a different binary at the same
//! path misses.

use crate::RawSchema;
use std::path::Path;

const MAGIC: &[u8] = b"strata-schema-1\n";

fn stamp(executable: &Path) -> Option<[u8; 24]> {
    let meta = std::fs::metadata(executable).ok()?;
    let modified = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_nanos();
    let mut out = [0u8; 24];
    out[..8].copy_from_slice(&meta.len().to_be_bytes());
    out[8..].copy_from_slice(&modified.to_be_bytes());
    Some(out)
}

/// The cached schema of `executable`, when the cache holds one for it.
pub fn load(path: &Path, executable: &Path) -> Option<RawSchema> {
    let bytes = std::fs::read(path).ok()?;
    let rest = bytes.strip_prefix(MAGIC)?;
    let (protocol, rest) = rest.split_first()?;
    if rest.len() < 24 || rest[..24] != stamp(executable)? {
        return None;
    }
    Some(RawSchema {
        protocol: u32::from(*protocol),
        bytes: rest[24..].to_vec(),
    })
}

/// Keeps `raw` as the schema of `executable` (written whole, by rename).
pub fn store(path: &Path, executable: &Path, raw: &RawSchema) -> std::io::Result<()> {
    let stamp = stamp(executable)
        .ok_or_else(|| std::io::Error::other("cannot read the executable's metadata"))?;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut out = Vec::with_capacity(MAGIC.len() + 25 + raw.bytes.len());
    out.extend_from_slice(MAGIC);
    out.push(raw.protocol as u8);
    out.extend_from_slice(&stamp);
    out.extend_from_slice(&raw.bytes);
    let scratch = path.with_extension("tmp");
    std::fs::write(&scratch, out)?;
    std::fs::rename(scratch, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_serves_only_the_binary_it_was_written_for() {
        let dir = std::env::temp_dir().join(format!("strata-schema-cache-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let exe = dir.join("terraform-provider-x");
        std::fs::write(&exe, b"one").unwrap();
        let cache = dir.join("cache/x.pb");
        let raw = RawSchema {
            protocol: 5,
            bytes: vec![1, 2, 3],
        };
        store(&cache, &exe, &raw).unwrap();
        assert_eq!(load(&cache, &exe), Some(raw));
        std::fs::write(&exe, b"a longer binary").unwrap();
        assert_eq!(load(&cache, &exe), None);
        std::fs::write(&cache, b"garbage").unwrap();
        assert_eq!(load(&cache, &exe), None);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
