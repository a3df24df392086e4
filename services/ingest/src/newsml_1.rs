//! IPTC NewsML 1.x at the door: the stable id and the revision of one `NewsItem`.
//!
//! NewsML 1.x is told from NewsML-G2 by the case of its element names (`NewsML`,
//! `NewsItem` against G2's `newsItem`); a `NewsML` envelope is split into one
//! story per `NewsItem` (see [`crate::stories`]). The id rule is shared with
//! normalize: [`newswire_shared::newsml_1_id`].

use newswire_shared::newsml_1_id::{stable_id, NewsIdentifier};

use crate::charset::Charset;
use crate::xml_scan::{attribute, text_of};

/// The `(guid, version)` of a `NewsItem` fragment: the item's id without its
/// revision, and its `RevisionId`.
pub fn identity(fragment: &[u8], charset: &Charset) -> (Option<String>, Option<String>) {
    let text = |name: &str| text_of(fragment, charset, name);
    let (provider, date, item, revision, public) =
        (text("ProviderId"), text("DateId"), text("NewsItemId"), text("RevisionId"), text("PublicIdentifier"));
    let update = attribute(fragment, charset, "RevisionId", "Update");
    let guid = stable_id(&NewsIdentifier {
        provider_id: provider.as_deref(),
        date_id: date.as_deref(),
        news_item_id: item.as_deref(),
        revision_id: revision.as_deref(),
        update: update.as_deref(),
        public_identifier: public.as_deref(),
    });
    (guid, revision)
}
