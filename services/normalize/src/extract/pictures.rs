//! Picture captions and credits found in a page, as ninjs associations.

use newswire_shared::article::{Association, Text};

/// The associations for `(caption, credit)` pairs, named `picture-1`, `picture-2`, ….
pub fn associations(captions: Vec<(String, Option<String>)>) -> Vec<Association> {
    captions
        .into_iter()
        .enumerate()
        .map(|(i, (caption, credit))| Association {
            name: format!("picture-{}", i + 1),
            uri: String::new(),
            kind: Some("picture".into()),
            descriptions: vec![Text::plain("caption", caption)],
            copyrightholder: credit,
            by: None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pictures_are_numbered_in_order_with_caption_and_credit() {
        let a = associations(vec![("Ships".into(), Some("PA".into())), ("Wall".into(), None)]);
        assert_eq!(a[1].name, "picture-2");
        assert_eq!(a[0].descriptions[0].value, "Ships");
        assert_eq!(a[0].copyrightholder.as_deref(), Some("PA"));
        assert_eq!(a[1].copyrightholder, None);
    }
}
