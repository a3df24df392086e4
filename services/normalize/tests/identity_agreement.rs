//! Ingest and normalize agree on every story's identity, per format: for each
//! record ingest makes of the fixtures (`tests/fixtures/{ingest,normalize}`)
//! and of IPTC's examples (`../shared/iptc/examples`), the article's uri and
//! version are exactly what ingest's `newswire-source-id` /
//! `newswire-source-version` headers say, and a record without those headers
//! (from an older ingest) gets the same uri and version from its bytes.

mod common;
use common::content_type;
use std::path::{Path, PathBuf};

use newswire_ingest::accept::{prepare, RawRecord, Submission};
use newswire_ingest::stories::ShapeLimits;
use newswire_normalize::config::NormalizeConfig;
use newswire_normalize::{normalize_record, normalize_stories, Ingested};
use newswire_shared::kafka::headers::{self, HeaderMap};
use newswire_shared::story::identity::Identity;
use newswire_shared::story::SourceFormat;

const FEED: &str = "agree";

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.is_file() && path.extension().is_none_or(|e| e != "md") && path.file_name().is_some_and(|n| n != "LICENSE"))
        .collect();
    files.sort();
    files
}

/// Every fixture file of the repository.
fn fixtures() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
    ["ingest", "normalize"].iter().flat_map(|dir| files_in(&root.join(dir))).collect()
}

/// IPTC's example files, or none (loudly, and a failure when CI=true) without
/// `../shared` (or the folder `NEWSWIRE_SHARED_DIR` names, for a worktree kept elsewhere).
fn iptc_examples() -> Vec<PathBuf> {
    let shared = std::env::var_os("NEWSWIRE_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    let dir = shared.join("iptc/examples");
    if !dir.is_dir() {
        newswire_shared::dev_data::missing("../shared/iptc/examples");
        return Vec::new();
    }
    ["newsml-g2", "ninjs"].iter().flat_map(|sub| files_in(&dir.join(sub))).collect()
}

/// The records ingest makes of `files` whose format is `format`, each with the file it came from.
fn records_of(files: &[PathBuf], format: SourceFormat) -> Vec<(String, RawRecord)> {
    let mut out = Vec::new();
    for path in files {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        let body = std::fs::read(path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let submission = Submission { feed: FEED, content_type: Some(content_type(&name)), body: &body, received_at_ms: 0, trace_id: "t" };
        let Ok(records) = prepare(&submission, ShapeLimits::default()) else { continue };
        out.extend(records.into_iter().filter(|r| format_of(r) == format).map(|r| (name.clone(), r)));
    }
    out
}

fn format_of(record: &RawRecord) -> SourceFormat {
    record.headers.get_str(headers::FORMAT).unwrap_or_default().parse().expect("ingest writes a known format")
}

/// The record without the identity headers, as an older ingest wrote it.
fn without_identity(headers: &HeaderMap) -> HeaderMap {
    let mut older = HeaderMap::new();
    for (key, value) in headers.iter().filter(|(k, _)| *k != headers::SOURCE_ID && *k != headers::SOURCE_VERSION) {
        older.insert(key, value);
    }
    older
}

/// Checks every record of `format` in `files`; returns how many were checked.
fn check_agreement(files: &[PathBuf], format: SourceFormat) -> usize {
    let config = NormalizeConfig::default();
    let records = records_of(files, format);
    for (name, record) in &records {
        let identity = Identity::from_headers(&record.headers).unwrap_or_else(|| panic!("{name}: ingest wrote no newswire-source-id"));
        let charset = record.headers.get_str(headers::CHARSET);
        let trusted = normalize_record(format, &record.payload, charset, Ingested { identity: Some(&identity), at: None }, FEED, &record.key, &config)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let older = without_identity(&record.headers);
        assert_eq!(Identity::from_headers(&older), None);
        let derived = normalize_stories(format, &record.payload, charset, FEED, &record.key, &config).unwrap_or_else(|e| panic!("{name}: {e}"));
        let (uri, _) = identity.uri(format, FEED, &record.key);
        let version: u64 = identity.version.as_deref().and_then(|v| v.trim().parse().ok()).unwrap_or(1);
        assert_eq!(trusted.len(), derived.len(), "{name}");
        for ((part, article), (_, fallback)) in trusted.iter().zip(&derived) {
            let expected = match part {
                None => uri.clone(),
                Some(key) => format!("{uri}#{}", key.rsplit('#').next().unwrap_or_default()),
            };
            assert_eq!(article.uri, expected, "{name}: normalize's uri is ingest's id {:?}", identity.guid);
            assert_eq!(article.version, version, "{name}: normalize's version is ingest's {:?}", identity.version);
            assert_eq!((&fallback.uri, fallback.version), (&article.uri, article.version), "{name}: a record without the headers agrees");
        }
    }
    records.len()
}

macro_rules! agreement_tests {
    ($($test:ident: $format:expr, fixtures at least $n:expr, iptc at least $m:expr;)*) => {$(
        #[test]
        fn $test() {
            assert!(check_agreement(&fixtures(), $format) >= $n, "too few {} fixtures", $format);
            let examples = iptc_examples();
            let checked = check_agreement(&examples, $format);
            let least: Option<usize> = $m;
            assert!(examples.is_empty() || least.is_none_or(|least| checked >= least), "too few {} IPTC examples: {checked}", $format);
        }
    )*};
}

agreement_tests! {
    ninjs_ids_and_versions_agree: SourceFormat::Ninjs, fixtures at least 3, iptc at least Some(6);
    newsml_g2_ids_and_versions_agree: SourceFormat::NewsmlG2, fixtures at least 5, iptc at least Some(4);
    newsml_1_ids_and_versions_agree: SourceFormat::Newsml1, fixtures at least 8, iptc at least None;
    nitf_ids_and_versions_agree: SourceFormat::Nitf, fixtures at least 2, iptc at least None;
    rss_ids_agree: SourceFormat::Rss, fixtures at least 3, iptc at least None;
    atom_ids_agree: SourceFormat::Atom, fixtures at least 3, iptc at least None;
    html_page_urls_agree: SourceFormat::Html, fixtures at least 1, iptc at least None;
    anpa_messages_agree: SourceFormat::Anpa, fixtures at least 2, iptc at least None;
    scraped_text_digests_agree: SourceFormat::ScrapedText, fixtures at least 2, iptc at least None;
}
