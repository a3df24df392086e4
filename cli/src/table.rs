//! Plain-text tables for the terminal: left-aligned columns, two spaces apart.

/// Renders `header` and `rows` as aligned columns, one line each; the last
/// column is not padded. Widths count characters, not bytes.
pub fn columns(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(width) = widths.get_mut(i) {
                *width = (*width).max(cell.chars().count());
            }
        }
    }
    let line = |cells: Vec<&str>| -> String {
        let last = cells.len().saturating_sub(1);
        let mut out = String::new();
        for (i, cell) in cells.iter().enumerate() {
            out.push_str(cell);
            if i < last {
                let pad = widths[i].saturating_sub(cell.chars().count()) + 2;
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.trim_end().to_owned() + "\n"
    };
    let mut out = line(header.to_vec());
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

/// A byte count for people: `812 B`, `4.2 KiB`, `20.0 MiB`.
pub fn size(bytes: usize) -> String {
    match bytes {
        0..1024 => format!("{bytes} B"),
        1024..1_048_576 => format!("{:.1} KiB", bytes as f64 / 1024.0),
        _ => format!("{:.1} MiB", bytes as f64 / 1_048_576.0),
    }
}

/// `text` on one line, cut to `max` characters with an ellipsis.
pub fn one_line(text: &str, max: usize) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        return flat;
    }
    let cut: String = flat.chars().take(max.saturating_sub(1)).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_on_the_widest_cell_counting_characters() {
        let rows = vec![vec!["0:1".to_owned(), "é".to_owned(), "x".to_owned()], vec!["10:100".to_owned(), "ab".to_owned(), "".to_owned()]];
        assert_eq!(columns(&["ID", "A", "DETAIL"], &rows), "ID      A   DETAIL\n0:1     é   x\n10:100  ab\n");
    }

    #[test]
    fn sizes_and_one_liners_read_well() {
        assert_eq!(size(812), "812 B");
        assert_eq!(size(4300), "4.2 KiB");
        assert_eq!(size(20 * 1024 * 1024), "20.0 MiB");
        assert_eq!(one_line("a\n  b\tc", 10), "a b c");
        assert_eq!(one_line("abcdefghij", 5), "abcd…");
    }
}
