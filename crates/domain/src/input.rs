//! Reading the small files people hand the observatory (mapping profiles, standards,
//! population profiles, series breaks, citation files) within a size limit, so a huge
//! or endless file (a device, a pipe, a mistaken path) is refused before it is read
//! into memory rather than after.

use std::io::Read;
use std::path::Path;

/// A file's bytes, or a sentence saying why not: it cannot be read, or it is larger
/// than `max_bytes` (`what` names it: "the mapping profile").
pub fn read_within(path: &Path, max_bytes: usize, what: &str) -> Result<Vec<u8>, String> {
    let shown = path.display();
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read {what} {shown}: {e}"))?;
    let mut bytes = Vec::new();
    file.take(max_bytes as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {what} {shown}: {e}"))?;
    if bytes.len() > max_bytes {
        return Err(format!(
            "{what} {shown} is larger than the limit of {}; is it the right file?",
            size(max_bytes)
        ));
    }
    Ok(bytes)
}

/// As [`read_within`], as UTF-8 text.
pub fn read_text_within(path: &Path, max_bytes: usize, what: &str) -> Result<String, String> {
    let bytes = read_within(path, max_bytes, what)?;
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "{what} {} is not UTF-8 text (byte {} is not); save it as UTF-8",
            path.display(),
            e.utf8_error().valid_up_to() + 1
        )
    })
}

/// A size as people read it: "1 MB", "512 KB".
pub fn size(bytes: usize) -> String {
    if bytes >= 1024 * 1024 {
        format!("{} MB", bytes / (1024 * 1024))
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_over_the_limit_are_refused_without_reading_them_whole() {
        let dir = std::env::temp_dir().join(format!("obs-input-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("p.json");
        std::fs::write(&p, vec![b'a'; 2048]).unwrap();
        assert_eq!(read_text_within(&p, 4096, "x").unwrap().len(), 2048);
        let e = read_text_within(&p, 1024, "the mapping profile").unwrap_err();
        assert!(e.contains("larger than the limit of 1 KB"), "{e}");
        std::fs::write(&p, b"caf\xE9").unwrap();
        assert!(
            read_text_within(&p, 1024, "x")
                .unwrap_err()
                .contains("not UTF-8")
        );
        // An endless source stops at the limit.
        let e = read_within(Path::new("/dev/zero"), 1 << 20, "the file").unwrap_err();
        assert!(e.contains("larger than the limit of 1 MB"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
