//! What `newswire dlq list` and `show` print: a table of dead letters, and one
//! dead letter whole, its original bytes shown safely (text when they are
//! text, else a hex preview).

use std::collections::HashMap;

use super::ledger::Entry;
use super::letter::{DeadLetter, DlqId};
use crate::table;
use crate::when::show_ms;

/// The most of a text payload `show` prints (`--raw` writes it all).
const TEXT_PREVIEW: usize = 64 * 1024;
/// The most of a binary payload `show` prints as hex.
const HEX_PREVIEW: usize = 512;

/// The ledger as the renderers need it: which dead letters were redriven, and when.
pub type Redrives = HashMap<DlqId, Option<Entry>>;

fn redriven_cell(id: DlqId, redrives: &Redrives) -> String {
    match redrives.get(&id) {
        None => "-".into(),
        Some(Some(entry)) => format!("yes, {}", entry.redriven_at),
        Some(None) => "yes".into(),
    }
}

/// The `list` table: time, stage, reason, feed, source, size, redriven, detail.
pub fn list(letters: &[DeadLetter], redrives: &Redrives) -> String {
    let rows: Vec<Vec<String>> = letters
        .iter()
        .map(|l| {
            vec![
                l.id.to_string(),
                show_ms(l.timestamp_ms),
                l.stage().to_owned(),
                l.reason().to_owned(),
                if l.feed().is_empty() { "-".into() } else { l.feed().to_owned() },
                l.source().to_string(),
                table::size(l.payload.len()),
                redriven_cell(l.id, redrives),
                table::one_line(l.detail(), 70),
            ]
        })
        .collect();
    table::columns(&["ID", "TIME", "STAGE", "REASON", "FEED", "SOURCE", "SIZE", "REDRIVEN", "DETAIL"], &rows)
}

/// The closing line of `list`.
pub fn list_summary(shown: usize, redrives: &Redrives, letters: &[DeadLetter], filters: &str) -> String {
    let redriven = letters.iter().filter(|l| redrives.contains_key(&l.id)).count();
    format!("{shown} dead letter(s) ({filters}); {redriven} of them redriven already\n")
}

/// One dead letter whole: where and when, what the stage said, every header,
/// and its original bytes.
pub fn show(letter: &DeadLetter, dlq_topic: &str, redrives: &Redrives) -> String {
    let mut out = format!("dead letter {} on {dlq_topic}, written {}\n", letter.id, show_ms(letter.timestamp_ms));
    let key = letter.key.as_deref().map(|k| printable(k).unwrap_or_else(|| format!("(binary, {} bytes)", k.len())));
    for (name, value) in [
        ("stage", letter.stage().to_owned()),
        ("reason", letter.reason().to_owned()),
        ("source", letter.source().to_string()),
        ("feed", letter.feed().to_owned()),
        ("key", key.unwrap_or_else(|| "(none)".into())),
        ("redriven", redriven_cell(letter.id, redrives)),
    ] {
        out.push_str(&format!("{name:<9} {value}\n"));
    }
    if let Some(Some(entry)) = redrives.get(&letter.id) {
        out.push_str(&format!("{:<9} {}\n", "to", entry.to));
    }
    out.push_str("detail:\n");
    for line in letter.detail().lines() {
        out.push_str(&format!("  {line}\n"));
    }
    out.push_str("headers:\n");
    for (name, value) in letter.headers.iter() {
        let value = printable(value).unwrap_or_else(|| format!("(binary) {}", hex_inline(value)));
        out.push_str(&format!("  {name}: {value}\n"));
    }
    out.push_str(&payload(&letter.payload));
    out
}

/// The original bytes: as text when they are UTF-8 without control characters
/// (but tabs and line ends), else as a hex dump; either cut to a preview.
pub fn payload(bytes: &[u8]) -> String {
    if let Some(text) = printable(bytes) {
        let mut out = format!("payload ({} bytes, text):\n", bytes.len());
        let mut end = text.len().min(TEXT_PREVIEW);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        out.push_str(&text[..end]);
        if !out.ends_with('\n') {
            out.push('\n');
        }
        if end < text.len() {
            out.push_str(&format!("… {} more bytes; `--raw` writes them all\n", text.len() - end));
        }
        return out;
    }
    let mut out = format!("payload ({} bytes, binary; hex of the first {}):\n", bytes.len(), bytes.len().min(HEX_PREVIEW));
    for (row, chunk) in bytes[..bytes.len().min(HEX_PREVIEW)].chunks(16).enumerate() {
        let hex: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
        let ascii: String = chunk.iter().map(|&b| if b.is_ascii_graphic() || b == b' ' { b as char } else { '.' }).collect();
        out.push_str(&format!("  {:08x}  {:<47}  |{ascii}|\n", row * 16, hex.join(" ")));
    }
    if bytes.len() > HEX_PREVIEW {
        out.push_str(&format!("… {} more bytes; `--raw` writes them all\n", bytes.len() - HEX_PREVIEW));
    }
    out
}

/// `bytes` as text, when they are UTF-8 with no control character but tab, CR and LF.
fn printable(bytes: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(bytes).ok()?;
    (!text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))).then(|| text.to_owned())
}

fn hex_inline(bytes: &[u8]) -> String {
    bytes.iter().take(64).map(|b| format!("{b:02x}")).collect::<String>() + if bytes.len() > 64 { "…" } else { "" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use newswire_shared::kafka::headers::{self, HeaderMap};

    fn letter(payload: &[u8]) -> DeadLetter {
        let headers = HeaderMap::new()
            .with(headers::FEED, "pa")
            .with("x-binary", b"\x00\x01".to_vec())
            .with(headers::DLQ_STAGE, "normalize")
            .with(headers::DLQ_REASON, "no_content")
            .with(headers::DLQ_DETAIL, "found neither a headline nor a body\nsecond line")
            .with(headers::DLQ_SOURCE, "newswire.raw/1/7");
        DeadLetter { id: DlqId { partition: 2, offset: 41 }, timestamp_ms: Some(0), key: Some(b"story-1".to_vec()), payload: payload.to_vec(), headers }
    }

    #[test]
    fn the_list_has_a_row_per_dead_letter_with_its_source_and_whether_it_was_redriven() {
        let mut redrives = Redrives::new();
        let entry = Entry { redriven_at: "2026-12-03T10:00:00Z".into(), to: "newswire.raw".into(), stage: String::new(), reason: String::new() };
        redrives.insert(DlqId { partition: 2, offset: 41 }, Some(entry));
        let text = list(&[letter(b"Menu\n")], &redrives);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("ID    TIME"), "{text}");
        for cell in ["2:41", "1970-01-01T00:00:00.000Z", "normalize", "no_content", "pa", "newswire.raw/1/7", "5 B", "yes, 2026-12-03T10:00:00Z", "found neither a headline nor a body second line"] {
            assert!(lines[1].contains(cell), "{cell} missing: {text}");
        }
        assert_eq!(list_summary(1, &redrives, &[letter(b"")], "stage=normalize"), "1 dead letter(s) (stage=normalize); 1 of them redriven already\n");
    }

    #[test]
    fn show_prints_every_header_the_whole_detail_and_text_as_text() {
        let text = show(&letter(b"Menu\nShare\n"), "newswire.dlq", &Redrives::new());
        assert!(text.starts_with("dead letter 2:41 on newswire.dlq, written 1970-01-01T00:00:00.000Z\n"), "{text}");
        assert!(text.contains("stage     normalize\n") && text.contains("redriven  -\n") && text.contains("key       story-1\n"), "{text}");
        assert!(text.contains("detail:\n  found neither a headline nor a body\n  second line\n"), "{text}");
        assert!(text.contains("  newswire-dlq-source: newswire.raw/1/7\n"), "{text}");
        assert!(text.contains("  x-binary: (binary) 0001\n"), "{text}");
        assert!(text.ends_with("payload (11 bytes, text):\nMenu\nShare\n"), "{text}");
    }

    #[test]
    fn bytes_that_are_not_text_show_as_a_hex_preview() {
        let text = payload(b"\x01BC-kill\xff\n");
        assert!(text.starts_with("payload (10 bytes, binary; hex of the first 10):\n"), "{text}");
        assert!(text.contains("00000000  01 42 43 2d 6b 69 6c 6c ff 0a"), "{text}");
        assert!(text.contains("|.BC-kill..|"), "{text}");
        let long = payload(&[0u8; 600]);
        assert!(long.ends_with("… 88 more bytes; `--raw` writes them all\n"), "{long}");
        assert_eq!(long.lines().filter(|l| l.starts_with("  0")).count(), 32);
    }

    #[test]
    fn a_long_text_is_cut_on_a_character_boundary() {
        let text = "é".repeat(TEXT_PREVIEW);
        let shown = payload(text.as_bytes());
        assert!(shown.ends_with(&format!("… {} more bytes; `--raw` writes them all\n", TEXT_PREVIEW)), "{}", &shown[shown.len() - 80..]);
    }
}
