//! Which files a backfill sends, and with what Content-Type.

use std::path::{Path, PathBuf};

/// Every regular file named by `paths`, folders walked recursively, hidden
/// files (`.name`) skipped; sorted and without repeats.
pub fn collect_files(paths: &[PathBuf]) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        walk(path, &mut files)?;
    }
    files.sort();
    files.dedup();
    Ok(files)
}

fn walk(path: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let meta =
        std::fs::metadata(path).map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
    if meta.is_file() {
        files.push(path.to_path_buf());
    } else if meta.is_dir() {
        for entry in std::fs::read_dir(path)? {
            let entry = entry?;
            if !entry.file_name().to_string_lossy().starts_with('.') {
                walk(&entry.path(), files)?;
            }
        }
    }
    Ok(())
}

/// The Content-Type a file is pushed with, from its extension; generic types
/// let ingest sniff the body.
pub fn content_type_for(path: &Path) -> &'static str {
    let extension = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    match extension.as_str() {
        "json" => "application/json",
        "xml" | "nitf" | "rss" | "atom" => "application/xml",
        "html" | "htm" => "text/html",
        "txt" | "text" | "anpa" | "7901" => "text/plain",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_are_walked_recursively_sorted_and_hidden_files_skipped() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("b/c")).unwrap();
        for name in ["b/c/2.xml", "a.json", "b/1.txt", ".hidden", "b/.git"] {
            std::fs::write(dir.path().join(name), "x").unwrap();
        }
        let files = collect_files(&[dir.path().to_path_buf(), dir.path().join("a.json")]).unwrap();
        let names: Vec<String> =
            files.iter().map(|f| f.strip_prefix(dir.path()).unwrap().display().to_string()).collect();
        assert_eq!(names, vec!["a.json", "b/1.txt", "b/c/2.xml"]);
        assert!(collect_files(&[dir.path().join("missing")]).unwrap_err().to_string().contains("missing"));
    }

    #[test]
    fn content_types_follow_the_extension_and_stay_generic_for_sniffing() {
        assert_eq!(content_type_for(Path::new("x/story.JSON")), "application/json");
        assert_eq!(content_type_for(Path::new("feed.rss")), "application/xml");
        assert_eq!(content_type_for(Path::new("page.htm")), "text/html");
        assert_eq!(content_type_for(Path::new("wire.txt")), "text/plain");
        assert_eq!(content_type_for(Path::new("blob")), "application/octet-stream");
    }
}
