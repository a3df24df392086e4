//! A set of byte spans (entity mentions, names) asked whether it overlaps or
//! covers a range, without scanning every span.

/// Byte spans sorted by start, with the furthest end reached so far: whether
/// any span overlaps a range is one binary search.
#[derive(Debug, Clone, Default)]
pub struct Spans {
    starts: Vec<usize>,
    furthest_end: Vec<usize>,
}

impl Spans {
    /// The set of `spans` (`(start, end)`, in any order).
    pub fn new(spans: &[(usize, usize)]) -> Self {
        let mut sorted = spans.to_vec();
        sorted.sort_unstable();
        let furthest_end = sorted
            .iter()
            .scan(0, |furthest, &(_, end)| {
                *furthest = end.max(*furthest);
                Some(*furthest)
            })
            .collect();
        Spans { starts: sorted.iter().map(|&(start, _)| start).collect(), furthest_end }
    }

    /// Whether some span overlaps `start..end`.
    pub fn overlaps(&self, start: usize, end: usize) -> bool {
        let starting_before = self.starts.partition_point(|&s| s < end);
        starting_before > 0 && self.furthest_end[starting_before - 1] > start
    }

    /// Whether some span holds all of `start..end`, for ranges asked about in
    /// order of `start`: `seen` (starting at 0) keeps how many spans start at
    /// or before the last range's start, so a pass over a text costs one walk.
    pub fn cover(&self, start: usize, end: usize, seen: &mut usize) -> bool {
        while *seen < self.starts.len() && self.starts[*seen] <= start {
            *seen += 1;
        }
        *seen > 0 && self.furthest_end[*seen - 1] >= end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_and_covering_are_told_apart() {
        let spans = Spans::new(&[(20, 30), (0, 5), (8, 40)]);
        assert!(spans.overlaps(4, 6) && spans.overlaps(39, 50) && !spans.overlaps(5, 8) && !spans.overlaps(40, 45));
        let mut seen = 0;
        assert!(spans.cover(0, 5, &mut seen));
        assert!(!spans.cover(4, 9, &mut seen));
        assert!(spans.cover(10, 40, &mut seen));
        assert!(!spans.cover(41, 42, &mut seen));
        assert!(!Spans::default().overlaps(0, 1));
    }
}
