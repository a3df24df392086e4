//! Main-content extraction for web pages and scraped page text (measured by
//! the `devtools` crate's evaluators).
//!
//! HTML pages go through `dom_smoothie` (a maintained port of Mozilla's
//! Readability) and then the same line rules as scraped text, which drop the
//! furniture the extractor lets through. Plain text is first told apart as a
//! page dump or clean copy by its page chrome ([`page_chrome`]); clean copy is
//! kept whole, a page is scored line by line for text density
//! ([`line_density`]) after the lines are classified ([`line_kinds`]). Both
//! group the lines that belong together, such as a table's rows, into one
//! paragraph ([`line_blocks`]).
//!
//! Measured with `cargo run -p newswire-devtools --bin extraction-eval` on
//! `../shared/extraction-dev` (31 pages; the benchmark's shingle F1):
//! `dom_smoothie` alone scored F1 0.965; with figure captions moved to
//! pictures 0.970; with the line rules 0.981. The alternative crate
//! `readability` 0.3 (an arc90 port) scored 0.911 and found nothing at all on
//! one page, so it was not adopted. Scraped text scores 0.952 (0.925 before
//! the table rows inside and right after the story were kept; whole-page
//! text: 0.69).
//!
//! Clean copy is measured with `cargo run -p newswire-devtools --bin
//! wire-text-eval` on the CoNLL-2003 valid documents turned into wire stories
//! (216 stories): no empty body, 100% of the 5,942 gold entity mentions and of
//! the 3,250 lines kept (read as pages, as every `text/plain` story was
//! before: 84% and 78%).
//!
//! On the 711 WCXB dev pages (`extraction-eval --wcxb`, WCXB's word F1):
//! 0.893 before the page fields and fallbacks of 2026-12; pages Readability
//! gave up on now fall back to JSON-LD `articleBody` or the visible text
//! (0.931), and a page's own single article container replaces Readability's
//! pick when it holds at least twice the words and contains that pick
//! ([`container`]; 0.937). dom_smoothie's own candidate mode
//! (`CandidateSelectMode::DomSmoothie`) scored lower (0.927 against 0.931).

pub mod container;
pub mod credits;
pub mod limits;
pub mod datelines;
pub mod line_blocks;
pub mod line_density;
pub mod line_kinds;
pub mod main_content;
pub mod page_chrome;
pub mod page_author;
pub mod page_dates;
pub mod page_meta;
pub mod page_title;
pub mod title_parts;
pub mod url_dates;
pub mod paragraphs;
pub mod pictures;
pub mod streamed;
