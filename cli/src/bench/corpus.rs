//! A realistic benchmark corpus: stories of varied length around 5 KB in several
//! formats, built from real fixture text, with a share of re-pushed duplicates and
//! of updates (new versions of earlier stories).

/// What a push is, for the accounting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushKind {
    /// A story seen for the first time.
    New,
    /// A byte-identical re-push of an earlier story (ingest answers "duplicate").
    Repush,
    /// A new version of an earlier ninjs story.
    Update,
}

/// One request the benchmark sends.
#[derive(Debug, Clone)]
pub struct Push {
    /// Content-Type header.
    pub content_type: &'static str,
    /// Body.
    pub body: Vec<u8>,
    /// What it is.
    pub kind: PushKind,
}

/// A small deterministic generator (xorshift), so every run sends the same corpus.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Splits material into sentences to recombine.
pub fn sentences(material: &str) -> Vec<String> {
    let mut out = Vec::new();
    for paragraph in material.split("\n\n") {
        for sentence in paragraph.split_inclusive(". ") {
            let s = sentence.trim();
            if s.split_whitespace().count() >= 6 && !s.contains("An icon of") {
                out.push(s.to_owned());
            }
        }
    }
    out
}

/// Generates `count` pushes: about 5% re-pushes and 5% updates, the rest new
/// stories split between scraped text, ninjs JSON and HTML; bodies of 2–8 KB.
pub fn generate(count: usize, seed: u64, material: &[String]) -> Vec<Push> {
    let mut rng = Rng(seed | 1);
    let mut pushes: Vec<Push> = Vec::with_capacity(count);
    let mut ninjs_sent: Vec<usize> = Vec::new();
    let fallback = vec!["The harbour reopened on Monday after a week of repairs to the main quay.".to_owned()];
    let material = if material.is_empty() { &fallback } else { material };
    for i in 0..count {
        let roll = rng.below(100);
        if roll < 5 && !pushes.is_empty() {
            let earlier = pushes[rng.below(pushes.len())].clone();
            if earlier.kind == PushKind::New {
                pushes.push(Push { kind: PushKind::Repush, ..earlier });
                continue;
            }
        }
        if roll < 10 && !ninjs_sent.is_empty() {
            let story = ninjs_sent[rng.below(ninjs_sent.len())];
            let body = paragraphs(&mut rng, material, 2_000);
            pushes.push(Push { content_type: "application/json", body: ninjs(seed, story, 2 + i as u64, &body), kind: PushKind::Update });
            continue;
        }
        let target = 2_000 + rng.below(6_000);
        let body = paragraphs(&mut rng, material, target);
        let headline = format!("Story {seed}-{i}: {}", material[rng.below(material.len())].chars().take(60).collect::<String>());
        let push = match i % 3 {
            0 => Push {
                content_type: "text/plain; charset=utf-8",
                body: format!("{headline}\n\nBy Benchmark Desk\n\n{}\n", body.join("\n\n")).into_bytes(),
                kind: PushKind::New,
            },
            1 => {
                ninjs_sent.push(i);
                Push { content_type: "application/json", body: ninjs(seed, i, 1, &body), kind: PushKind::New }
            }
            _ => Push {
                content_type: "text/html; charset=utf-8",
                body: html(&headline, &body).into_bytes(),
                kind: PushKind::New,
            },
        };
        pushes.push(push);
    }
    pushes
}

fn paragraphs(rng: &mut Rng, material: &[String], target_bytes: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut size = 0;
    while size < target_bytes {
        let paragraph: Vec<&str> = (0..3).map(|_| material[rng.below(material.len())].as_str()).collect();
        let paragraph = paragraph.join(" ");
        size += paragraph.len() + 2;
        out.push(paragraph);
    }
    out
}

fn ninjs(seed: u64, story: usize, version: u64, body: &[String]) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "uri": format!("urn:newswire-bench:{seed}:story:{story}"),
        "version": version.to_string(),
        "type": "text",
        "headlines": [{ "role": "main", "value": format!("Benchmark story {seed}-{story}, version {version}") }],
        "bodies": [{ "role": "main", "contenttype": "text/plain", "value": body.join("\n\n") }],
        "by": "Benchmark Desk",
        "language": "en",
    }))
    .unwrap_or_default()
}

fn html(headline: &str, body: &[String]) -> String {
    let paragraphs: String = body.iter().map(|p| format!("<p>{p}</p>\n")).collect();
    format!(
        "<!doctype html><html lang=\"en\"><head><title>{headline} | Bench News</title>\
         <meta name=\"author\" content=\"Benchmark Desk\"></head><body><nav><a href=\"/\">Home</a> <a href=\"/world\">World</a></nav>\
         <article><h1>{headline}</h1>{paragraphs}</article><footer>© Bench News</footer></body></html>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_corpus_is_deterministic_mixed_and_about_five_kilobytes() {
        let material = sentences(&"The minister said the talks in Moscow had been difficult but necessary. ".repeat(20));
        let a = generate(600, 7, &material);
        let b = generate(600, 7, &material);
        assert_eq!(a.iter().map(|p| p.body.clone()).collect::<Vec<_>>(), b.iter().map(|p| p.body.clone()).collect::<Vec<_>>());
        let count = |k: PushKind| a.iter().filter(|p| p.kind == k).count();
        assert!(count(PushKind::Repush) > 5 && count(PushKind::Repush) < 60, "{}", count(PushKind::Repush));
        assert!(count(PushKind::Update) > 5 && count(PushKind::Update) < 60, "{}", count(PushKind::Update));
        let mean = a.iter().map(|p| p.body.len()).sum::<usize>() / a.len();
        assert!((3_000..8_000).contains(&mean), "mean size {mean}");
        for kind in ["text/plain; charset=utf-8", "application/json", "text/html; charset=utf-8"] {
            assert!(a.iter().any(|p| p.content_type == kind), "{kind} missing");
        }
    }
}
