//! Normalize's own settings: the `[normalize]` table (`NEWSWIRE_NORMALIZE_*`).

use std::collections::HashMap;

use chrono_tz::Tz;
use newswire_shared::config::{check_addr, Validate};
use serde::{Deserialize, Serialize};

/// The `[normalize]` table.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NormalizeConfig {
    /// Where `/metrics`, `/health` and `/ready` are served.
    pub admin_addr: String,
    /// IANA zone for times that carry no offset, when the feed has none of its own.
    pub default_zone: String,
    /// Per-feed IANA zone for times without an offset, e.g. `pa = "Europe/London"`.
    pub feed_zones: HashMap<String, String>,
}

impl Default for NormalizeConfig {
    fn default() -> Self {
        NormalizeConfig { admin_addr: "127.0.0.1:9102".into(), default_zone: "UTC".into(), feed_zones: HashMap::new() }
    }
}

impl NormalizeConfig {
    /// The zone for times without an offset from `feed`.
    pub fn zone_for(&self, feed: &str) -> Tz {
        let name = self.feed_zones.get(feed).unwrap_or(&self.default_zone);
        name.parse().unwrap_or(Tz::UTC)
    }
}

impl Validate for NormalizeConfig {
    fn validate(&self, errors: &mut Vec<String>) {
        check_addr("normalize.admin_addr", &self.admin_addr, errors);
        if self.default_zone.parse::<Tz>().is_err() {
            errors.push(format!("normalize.default_zone: {:?} is not an IANA time zone", self.default_zone));
        }
        for (feed, zone) in &self.feed_zones {
            if zone.parse::<Tz>().is_err() {
                errors.push(format!("normalize.feed_zones.{feed}: {zone:?} is not an IANA time zone"));
            }
        }
    }
}
