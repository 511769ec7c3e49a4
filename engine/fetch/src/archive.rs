//! Unpacking module archives (zip, tar, and tar compressed with gzip,
//! bzip2 or xz). An entry that would land outside the destination — an
//! absolute path, `..`, or a link pointing out — refuses the archive.

use crate::{ArchiveKind, Error, ErrorKind};
use std::io::Read;
use std::path::{Component, Path, PathBuf};

fn bad(detail: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorKind::Archive,
        format!("the module archive cannot be unpacked: {detail}"),
    )
}

pub(crate) fn unpack(kind: ArchiveKind, bytes: &[u8], dest: &Path) -> Result<(), Error> {
    std::fs::create_dir_all(dest).map_err(bad)?;
    match kind {
        ArchiveKind::Zip => unzip(bytes, dest),
        ArchiveKind::Tar => untar(bytes, dest),
        ArchiveKind::TarGz => {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(bytes)
                .read_to_end(&mut out)
                .map_err(|e| bad(format!("not gzip data: {e}")))?;
            untar(&out, dest)
        }
        ArchiveKind::TarBz2 => {
            let mut out = Vec::new();
            bzip2::read::BzDecoder::new(bytes)
                .read_to_end(&mut out)
                .map_err(|e| bad(format!("not bzip2 data: {e}")))?;
            untar(&out, dest)
        }
        ArchiveKind::TarXz => {
            let mut out = Vec::new();
            lzma_rs::xz_decompress(&mut std::io::BufReader::new(bytes), &mut out)
                .map_err(|e| bad(format!("not xz data: {e}")))?;
            untar(&out, dest)
        }
    }
}

/// `name` as a path inside the destination, or `None` when it would
/// leave it.
fn inside(name: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for part in name.components() {
        match part {
            Component::Normal(p) => out.push(p),
            Component::CurDir => {}
            _ => return None,
        }
    }
    Some(out)
}

fn untar(bytes: &[u8], dest: &Path) -> Result<(), Error> {
    let mut archive = tar::Archive::new(bytes);
    let entries = archive
        .entries()
        .map_err(|e| bad(format!("not a tar archive: {e}")))?;
    let mut any = false;
    for entry in entries {
        let mut entry = entry.map_err(|e| bad(format!("not a tar archive: {e}")))?;
        let path = entry.path().map_err(bad)?.into_owned();
        let Some(relative) = inside(&path) else {
            return Err(bad(format!(
                "the entry {} would be written outside the module directory",
                path.display()
            )));
        };
        if let Ok(Some(link)) = entry.link_name() {
            let target = relative.parent().unwrap_or(Path::new("")).join(link);
            if target.is_absolute() || escapes(&target) {
                return Err(bad(format!(
                    "the link {} points outside the module directory",
                    path.display()
                )));
            }
        }
        // `unpack_in` also refuses to write through links out of `dest`.
        entry.unpack_in(dest).map_err(bad)?;
        any = true;
    }
    if !any {
        return Err(bad("the archive is empty"));
    }
    Ok(())
}

/// Whether a relative path climbs above its start at some point.
fn escapes(path: &Path) -> bool {
    let mut depth = 0i32;
    for part in path.components() {
        match part {
            Component::ParentDir => depth -= 1,
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            _ => return true,
        }
        if depth < 0 {
            return true;
        }
    }
    false
}

/// Reads until `buffer` is full or the input ends; how much was read.
fn read_full(r: &mut impl std::io::Read, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match r.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

fn unzip(bytes: &[u8], dest: &Path) -> Result<(), Error> {
    unzip_hashed(std::io::Cursor::new(bytes), dest).map(drop)
}

/// Unpacks a zip archive and gives each file's entry name and SHA-256,
/// hashed as it is written (one pass over the data).
pub(crate) fn unzip_hashed(
    archive: impl std::io::Read + std::io::Seek,
    dest: &Path,
) -> Result<Vec<(String, [u8; 32])>, Error> {
    let mut hashes = Vec::new();
    let mut buffer = vec![0u8; 1 << 20];
    let mut archive =
        zip::ZipArchive::new(archive).map_err(|e| bad(format!("not a zip archive: {e}")))?;
    if archive.is_empty() {
        return Err(bad("the archive is empty"));
    }
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).map_err(bad)?;
        let Some(relative) = file.enclosed_name() else {
            return Err(bad(format!(
                "the entry {} would be written outside the module directory",
                file.name().unwrap_or_default()
            )));
        };
        let target = dest.join(relative);
        if file.is_dir() {
            std::fs::create_dir_all(&target).map_err(bad)?;
            continue;
        }
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(bad)?;
        }
        // Read in large pieces, each written and hashed once.
        let mut out = std::fs::File::create(&target).map_err(bad)?;
        let mut hasher = <sha2::Sha256 as sha2::Digest>::new();
        loop {
            let n = read_full(&mut file, &mut buffer).map_err(bad)?;
            if n == 0 {
                break;
            }
            sha2::Digest::update(&mut hasher, &buffer[..n]);
            std::io::Write::write_all(&mut out, &buffer[..n]).map_err(bad)?;
        }
        hashes.push((
            file.name().map(|n| n.to_string()).unwrap_or_default(),
            sha2::Digest::finalize(hasher).into(),
        ));
        #[cfg(unix)]
        if let Some(mode) = file.unix_mode() {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(mode & 0o777))
                .map_err(bad)?;
        }
    }
    Ok(hashes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("strata-fetch-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    fn tar_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (name, data) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            // Written raw so that hostile names survive into the archive.
            header.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
            header.set_cksum();
            builder.append(&header, *data).unwrap();
        }
        builder.into_inner().unwrap()
    }

    #[test]
    fn tar_gz_unpacks_and_escapes_are_refused() {
        let dir = scratch("tgz");
        let tar = tar_of(&[("main.tf", b"# hi\n"), ("sub/x.tf", b"")]);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &tar).unwrap();
        unpack(ArchiveKind::TarGz, &gz.finish().unwrap(), &dir).unwrap();
        assert_eq!(std::fs::read(dir.join("main.tf")).unwrap(), b"# hi\n");
        assert!(dir.join("sub/x.tf").is_file());
        let evil = tar_of(&[("../evil.tf", b"x")]);
        let other = scratch("evil");
        let e = unpack(ArchiveKind::Tar, &evil, &other).unwrap_err();
        assert!(e.message.contains("outside"), "{e}");
        assert!(!other.parent().unwrap().join("evil.tf").exists());
        let e = unpack(ArchiveKind::TarGz, b"not gzip", &scratch("junk")).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Archive);
        for d in [dir, other] {
            let _ = std::fs::remove_dir_all(d);
        }
    }

    #[test]
    fn bzip2_and_xz_tarballs_unpack() {
        let tar = tar_of(&[("main.tf", b"# compressed\n")]);
        let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
        std::io::Write::write_all(&mut bz, &tar).unwrap();
        let dir = scratch("bz2");
        unpack(ArchiveKind::TarBz2, &bz.finish().unwrap(), &dir).unwrap();
        assert_eq!(
            std::fs::read(dir.join("main.tf")).unwrap(),
            b"# compressed\n"
        );
        let mut xz = Vec::new();
        lzma_rs::xz_compress(&mut std::io::Cursor::new(&tar), &mut xz).unwrap();
        let other = scratch("xz");
        unpack(ArchiveKind::TarXz, &xz, &other).unwrap();
        assert_eq!(
            std::fs::read(other.join("main.tf")).unwrap(),
            b"# compressed\n"
        );
        for d in [dir, other] {
            let _ = std::fs::remove_dir_all(d);
        }
    }

    #[test]
    fn zip_unpacks() {
        let dir = scratch("zip");
        let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        writer
            .start_file("mod/main.tf", zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut writer, b"variable \"x\" {}\n").unwrap();
        let bytes = writer.finish().unwrap().into_inner();
        unpack(ArchiveKind::Zip, &bytes, &dir).unwrap();
        assert!(dir.join("mod/main.tf").is_file());
        let _ = std::fs::remove_dir_all(dir);
    }
}
