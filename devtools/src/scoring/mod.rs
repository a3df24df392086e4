//! How extracted or published text is compared with ground truth.

pub mod bcubed;
pub mod fields;
pub mod shingles;
pub mod words;
