//! Golden files for tests: output pinned as pretty JSON in the repository and
//! compared field by field, so that a change in what subscribers receive is
//! always a visible, readable diff. `UPDATE_GOLDEN=1` writes them anew (then
//! review the diff: every change to a golden must be an intended fix).
//!
//! Used by normalize's `tests/golden_output.rs` (what each fixture becomes) and
//! publish's `tests/golden_contract.rs` (what each output format delivers).

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The most differences listed for one golden file.
const MAX_LISTED: usize = 20;

/// The Content-Type a feed would send with the fixture file `name`.
pub fn fixture_content_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("json") => "application/json",
        Some("html") => "text/html",
        Some("xml") => "application/xml",
        Some("gz") => "application/gzip",
        _ if name.contains("7901") => "application/vnd.iptc.7901",
        _ => "text/plain",
    }
}

/// One directory of golden files, checked one file at a time.
#[derive(Debug)]
pub struct Goldens {
    dir: PathBuf,
    update: bool,
    checked: Vec<String>,
    differences: Vec<String>,
}

impl Goldens {
    /// The goldens in `dir`; written instead of compared when `UPDATE_GOLDEN=1`.
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        let update = std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1");
        Goldens { dir: dir.into(), update, checked: Vec::new(), differences: Vec::new() }
    }

    /// Compares `actual` with the golden `file` (or writes it), noting every difference.
    pub fn check(&mut self, file: &str, actual: &Value) {
        let path = self.dir.join(file);
        self.checked.push(file.to_owned());
        let text = serde_json::to_string_pretty(actual).unwrap_or_default() + "\n";
        if self.update {
            if let Err(e) = std::fs::create_dir_all(&self.dir).and_then(|()| std::fs::write(&path, text)) {
                self.differences.push(format!("{}: cannot write: {e}", path.display()));
            }
            return;
        }
        let expected = match std::fs::read_to_string(&path).map(|t| serde_json::from_str::<Value>(&t)) {
            Ok(Ok(expected)) => expected,
            Ok(Err(e)) => return self.differences.push(format!("{}: not JSON: {e}", path.display())),
            Err(e) => return self.differences.push(format!("{}: {e}", path.display())),
        };
        let found = differences(&expected, actual);
        if !found.is_empty() {
            let listed: Vec<String> = found.iter().take(MAX_LISTED).map(|d| format!("    {d}")).collect();
            let more = found.len().saturating_sub(MAX_LISTED);
            let more = if more > 0 { format!("\n    … and {more} more") } else { String::new() };
            self.differences.push(format!("{}:\n{}{more}", path.display(), listed.join("\n")));
        }
    }

    /// How many goldens were checked, or every difference (and every golden in
    /// the directory that nothing checked: it pins nothing any more).
    pub fn finish(mut self) -> Result<usize, String> {
        for entry in std::fs::read_dir(&self.dir).into_iter().flatten().flatten() {
            let file = entry.file_name().to_string_lossy().into_owned();
            if file.ends_with(".json") && !self.checked.contains(&file) {
                self.differences.push(format!("{}: nothing produces this golden any more", entry.path().display()));
            }
        }
        match self.differences.is_empty() {
            true => Ok(self.checked.len()),
            false => Err(format!("output differs from the goldens (UPDATE_GOLDEN=1 rewrites them; review the diff):\n{}", self.differences.join("\n"))),
        }
    }

    /// The directory of the goldens.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// Every field where `actual` differs from `expected`, as `path: expected …, got …`
/// (`path` in JSON Pointer form, e.g. `/stories/0/headlines/0/value`).
pub fn differences(expected: &Value, actual: &Value) -> Vec<String> {
    let mut found = Vec::new();
    walk("", expected, actual, &mut found);
    found
}

fn walk(path: &str, expected: &Value, actual: &Value, found: &mut Vec<String>) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (key, value) in e {
                let at = format!("{path}/{key}");
                match a.get(key) {
                    Some(other) => walk(&at, value, other, found),
                    None => found.push(format!("{at}: expected {}, missing", shown(value))),
                }
            }
            for (key, value) in a.iter().filter(|(key, _)| !e.contains_key(*key)) {
                found.push(format!("{path}/{key}: not expected, got {}", shown(value)));
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            for (i, (x, y)) in e.iter().zip(a).enumerate() {
                walk(&format!("{path}/{i}"), x, y, found);
            }
            for (i, value) in e.iter().enumerate().skip(a.len()) {
                found.push(format!("{path}/{i}: expected {}, missing", shown(value)));
            }
            for (i, value) in a.iter().enumerate().skip(e.len()) {
                found.push(format!("{path}/{i}: not expected, got {}", shown(value)));
            }
        }
        _ if expected != actual => found.push(format!("{path}: expected {}, got {}", shown(expected), shown(actual))),
        _ => {}
    }
}

/// A value on one line, long ones cut.
fn shown(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(120) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn differences_name_each_changed_missing_and_added_field_by_its_path() {
        let expected = json!({"a": 1, "b": {"c": [1, 2, 3]}, "gone": true});
        let actual = json!({"a": 2, "b": {"c": [1, 5]}, "new": "x"});
        assert_eq!(
            differences(&expected, &actual),
            ["/a: expected 1, got 2", "/b/c/1: expected 2, got 5", "/b/c/2: expected 3, missing", "/gone: expected true, missing", "/new: not expected, got \"x\""]
        );
        assert!(differences(&expected, &expected).is_empty());
    }

    #[test]
    fn a_golden_that_differs_or_that_nothing_checks_fails_the_set() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().to_path_buf();
        std::fs::write(dir.join("one.json"), "{\"v\": 1}\n").unwrap();
        std::fs::write(dir.join("orphan.json"), "{}\n").unwrap();
        let mut goldens = Goldens { dir: dir.clone(), update: false, checked: Vec::new(), differences: Vec::new() };
        goldens.check("one.json", &json!({"v": 2}));
        let error = goldens.finish().unwrap_err();
        assert!(error.contains("/v: expected 1, got 2") && error.contains("orphan.json: nothing produces"), "{error}");
        let mut goldens = Goldens { dir: dir.clone(), update: false, checked: Vec::new(), differences: Vec::new() };
        goldens.check("one.json", &json!({"v": 1}));
        goldens.check("orphan.json", &json!({}));
        assert_eq!(goldens.finish(), Ok(2));
    }
}
