//! Which settings differ between two loaded configurations, by dotted path
//! (`kafka.brokers`, `ingest.addr`): what decides whether a reload may apply.
//!
//! Only paths are reported, never values, so a changed secret is named without
//! being shown.

use serde_json::Value;

/// The dotted paths whose values differ between `old` and `new`, sorted.
/// Objects are compared key by key (a key present on one side only counts as
/// changed); arrays and scalars are compared whole, so a changed feed list is
/// one path (`ingest.feeds`), not one per entry.
pub fn changed_paths(old: &Value, new: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk("", old, new, &mut out);
    out.sort();
    out
}

/// What differs between two lists of named entries (feeds, subscriptions), for
/// the log: `added NAME`, `removed NAME`, `changed NAME`, in that order. Values
/// are never shown, so a changed token or secret is only named.
pub fn changes_by_name<T: PartialEq>(old: &[T], new: &[T], name: impl Fn(&T) -> &str) -> Vec<String> {
    let find = |list: &[T], wanted: &str| list.iter().position(|x| name(x) == wanted);
    let mut out: Vec<String> = new.iter().filter(|n| find(old, name(n)).is_none()).map(|n| format!("added {}", name(n))).collect();
    out.extend(old.iter().filter(|o| find(new, name(o)).is_none()).map(|o| format!("removed {}", name(o))));
    out.extend(new.iter().filter(|n| find(old, name(n)).is_some_and(|i| old[i] != **n)).map(|n| format!("changed {}", name(n))));
    out
}

fn walk(path: &str, old: &Value, new: &Value, out: &mut Vec<String>) {
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for key in keys {
                let child = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                walk(&child, a.get(key).unwrap_or(&Value::Null), b.get(key).unwrap_or(&Value::Null), out);
            }
        }
        _ if old == new => {}
        _ => out.push(path.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_changes_are_named_by_their_dotted_path_and_equal_values_by_nothing() {
        let old = json!({"kafka": {"brokers": "a:1", "partitions": 3}, "ingest": {"addr": "127.0.0.1:1", "feeds": [{"id": "pa"}]}});
        assert!(changed_paths(&old, &old.clone()).is_empty());
        let new = json!({"kafka": {"brokers": "b:1", "partitions": 3}, "ingest": {"addr": "127.0.0.1:1", "feeds": [{"id": "pa"}, {"id": "ap"}]}});
        assert_eq!(changed_paths(&old, &new), ["ingest.feeds", "kafka.brokers"]);
    }

    #[test]
    fn named_entries_are_reported_added_removed_and_changed_without_their_values() {
        let old = [("pa", "token-1"), ("ap", "token-2"), ("afp", "token-3")];
        let new = [("pa", "token-9"), ("afp", "token-3"), ("dpa", "token-4")];
        let changes = changes_by_name(&old, &new, |e| e.0);
        assert_eq!(changes, ["added dpa", "removed ap", "changed pa"]);
        assert!(changes_by_name(&old, &old, |e| e.0).is_empty());
        assert!(!changes.concat().contains("token"));
    }

    #[test]
    fn a_key_on_one_side_only_is_a_change() {
        let old = json!({"publish": {"embargo_topic": "held"}});
        let new = json!({"publish": {}});
        assert_eq!(changed_paths(&old, &new), ["publish.embargo_topic"]);
        assert_eq!(changed_paths(&new, &old), ["publish.embargo_topic"]);
    }
}
