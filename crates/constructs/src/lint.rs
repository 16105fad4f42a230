//! Linter suppressions carried in resource `Metadata`, each with its written reason.
//!
//! The repository's lint oracle (`cfn-lint` and `checkov`, run over every synthesized template)
//! must find nothing; where a finding does not apply, the construct that knows why records it
//! here, next to the resource.

use std::collections::BTreeMap;

use serde_json::{Value as Json, json};

/// `Metadata` entries suppressing `checkov` checks and `cfn-lint` rules, as `(id, reason)`
/// pairs. `cfn-lint` has no reason field of its own; the reasons go under `ignore_reasons`,
/// which it accepts and ignores.
pub fn suppressions(checkov: &[(&str, &str)], cfn_lint: &[(&str, &str)]) -> BTreeMap<String, Json> {
    let mut out = BTreeMap::new();
    if !checkov.is_empty() {
        let skip: Vec<Json> = checkov
            .iter()
            .map(|(id, why)| json!({"id": id, "comment": why}))
            .collect();
        out.insert("checkov".to_owned(), json!({ "skip": skip }));
    }
    if !cfn_lint.is_empty() {
        let ids: Vec<&str> = cfn_lint.iter().map(|(id, _)| *id).collect();
        let reasons: serde_json::Map<String, Json> = cfn_lint
            .iter()
            .map(|(id, why)| ((*id).to_owned(), Json::from(*why)))
            .collect();
        out.insert(
            "cfn-lint".to_owned(),
            json!({"config": {"ignore_checks": ids, "ignore_reasons": reasons}}),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_suppression_carries_its_reason() {
        let m = suppressions(&[("CKV_AWS_18", "why")], &[("W1", "because")]);
        assert_eq!(m["checkov"]["skip"][0]["comment"], "why");
        assert_eq!(m["cfn-lint"]["config"]["ignore_reasons"]["W1"], "because");
        assert!(suppressions(&[], &[]).is_empty());
    }
}
