//! What subscribers receive: the article as IPTC ninjs, in the version each
//! subscription chose ([`OutputFormat`]), optionally with what enrich found
//! ([`Output::extended`]).
//!
//! Each format is a typed, borrowed serde view of the [`Article`]
//! ([`ninjs_2_1::Ninjs21`], [`ninjs_3_1::Ninjs31`]): nothing is patched after
//! serialization. Both fill the standard fields ninjs has for enrich's findings
//! ([`common`]: keywords as `subjects` with `rel: "keyword"`, topic relevance,
//! place coordinates as GeoJSON points); the extended variants add the rest as
//! one namespaced object under [`EXTENSION_KEY`] ([`extension`]). The
//! identifiers the schemas insist on are decided by [`newswire_shared::ninjs_ids`].
//!
//! `newswire.published` always carries strict ninjs 2.1.

pub mod common;
pub mod extension;
pub mod ninjs_2_1;
pub mod ninjs_3_1;

use newswire_shared::article::Article;
use serde::{Deserialize, Serialize};

/// The key of the extension object in the extended variants (the same in both versions).
pub const EXTENSION_KEY: &str = "newswire:enrichment";

/// The ninjs version a subscriber receives.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OutputFormat {
    /// IPTC ninjs 2.1 (lower-case names, `embargoed`): the default.
    #[default]
    #[serde(rename = "ninjs-2.1")]
    Ninjs21,
    /// IPTC ninjs 3.1 (camelCase names, `embargoedUntil`, integer urgency 1–9, `standard`).
    #[serde(rename = "ninjs-3.1")]
    Ninjs31,
}

/// One way of writing a story: a ninjs version, with or without the extension.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Output {
    /// The ninjs version.
    pub format: OutputFormat,
    /// Whether the [`EXTENSION_KEY`] object is added.
    pub extended: bool,
}

impl Output {
    /// Strict ninjs 2.1, what `newswire.published` carries.
    pub const STRICT_2_1: Output = Output { format: OutputFormat::Ninjs21, extended: false };

    /// Every output, the strict ones first.
    pub const ALL: [Output; 4] = [
        Output::STRICT_2_1,
        Output { format: OutputFormat::Ninjs31, extended: false },
        Output { format: OutputFormat::Ninjs21, extended: true },
        Output { format: OutputFormat::Ninjs31, extended: true },
    ];

    /// A short name: `ninjs-2.1`, `ninjs-3.1`, `ninjs-2.1-extended`, `ninjs-3.1-extended`.
    pub fn name(self) -> &'static str {
        match (self.format, self.extended) {
            (OutputFormat::Ninjs21, false) => "ninjs-2.1",
            (OutputFormat::Ninjs31, false) => "ninjs-3.1",
            (OutputFormat::Ninjs21, true) => "ninjs-2.1-extended",
            (OutputFormat::Ninjs31, true) => "ninjs-3.1-extended",
        }
    }

    fn index(self) -> usize {
        Output::ALL.iter().position(|o| *o == self).unwrap_or(0)
    }
}

/// `article` written as `output`.
pub fn render(article: &Article, output: Output) -> Result<Vec<u8>, serde_json::Error> {
    match output.format {
        OutputFormat::Ninjs21 => serde_json::to_vec(&ninjs_2_1::Ninjs21::of(article, output.extended)),
        OutputFormat::Ninjs31 => serde_json::to_vec(&ninjs_3_1::Ninjs31::of(article, output.extended)),
    }
}

/// One story's renderings, each made once, when first asked for.
pub struct Renderings<'a> {
    article: &'a Article,
    done: [Option<Vec<u8>>; 4],
}

impl<'a> Renderings<'a> {
    /// No rendering of `article` yet.
    pub fn new(article: &'a Article) -> Self {
        Renderings { article, done: Default::default() }
    }

    /// The story written as `output`.
    pub fn get(&mut self, output: Output) -> Result<&[u8], serde_json::Error> {
        let slot = &mut self.done[output.index()];
        if slot.is_none() {
            *slot = Some(render(self.article, output)?);
        }
        Ok(slot.as_deref().unwrap_or_default())
    }
}
