//! A share: how many of how many.

use serde::Serialize;

/// How many pass, of how many counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Share {
    /// Those that pass.
    pub ok: usize,
    /// Those counted.
    pub of: usize,
}

impl Share {
    /// `ok / of` (0 when nothing was counted).
    pub fn ratio(&self) -> f64 {
        if self.of == 0 {
            0.0
        } else {
            self.ok as f64 / self.of as f64
        }
    }

    /// Counts one labelled item (`None`: not labelled, not counted).
    pub fn add(&mut self, flag: Option<bool>) {
        if let Some(ok) = flag {
            self.of += 1;
            self.ok += usize::from(ok);
        }
    }

    /// Adds `(ok, of)` counted elsewhere.
    pub fn add_counts(&mut self, (ok, of): (usize, usize)) {
        self.ok += ok;
        self.of += of;
    }
}

impl std::fmt::Display for Share {
    /// `ok/of (xx.x%)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{} ({:.1}%)", self.ok, self.of, 100.0 * self.ratio())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unlabelled_items_are_not_counted() {
        let mut s = Share::default();
        s.add(Some(true));
        s.add(None);
        s.add(Some(false));
        s.add_counts((2, 2));
        assert_eq!(s, Share { ok: 3, of: 4 });
        assert_eq!(s.to_string(), "3/4 (75.0%)");
        assert_eq!(Share::default().ratio(), 0.0);
    }
}
