//! Reading the inputs: `schemas/types.txt`, the pinned schemas and their provenance.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde_json::Value as Json;

/// One resource type to generate.
#[derive(Debug)]
pub struct TypeSource {
    /// The CloudFormation type name, e.g. `AWS::EC2::VPC`.
    pub type_name: String,
    /// The service part, e.g. `EC2`.
    pub service: String,
    /// The resource part, e.g. `VPC`.
    pub resource: String,
    /// The schema's path relative to the workspace root, e.g. `schemas/EC2/VPC.json`.
    pub schema_path: String,
    /// The parsed registry schema.
    pub schema: Json,
}

/// Everything the generator reads.
#[derive(Debug)]
pub struct Sources {
    /// The cfn-lint release the schemas come from (from `schemas/SOURCE.md`).
    pub cfn_lint_version: String,
    /// The types of `schemas/types.txt`, in file order.
    pub types: Vec<TypeSource>,
}

/// Parses `schemas/types.txt`: one type name per line, `#` starts a comment.
pub fn parse_types(text: &str) -> Result<Vec<String>> {
    let mut types: Vec<String> = Vec::new();
    for (lineno, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        let parts: Vec<&str> = line.split("::").collect();
        let well_formed = parts.len() == 3
            && parts[0] == "AWS"
            && parts[1..]
                .iter()
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric()));
        if !well_formed {
            bail!(
                "schemas/types.txt:{}: not a type name like AWS::EC2::VPC: {line:?}",
                lineno + 1
            );
        }
        if types.iter().any(|t| t == line) {
            bail!("schemas/types.txt:{}: duplicate type {line}", lineno + 1);
        }
        types.push(line.to_owned());
    }
    if types.is_empty() {
        bail!("schemas/types.txt lists no types");
    }
    Ok(types)
}

/// Extracts the cfn-lint version from `schemas/SOURCE.md` (the `` `cfn-lint==X` `` cell).
pub fn parse_cfn_lint_version(source_md: &str) -> Result<String> {
    let marker = "`cfn-lint==";
    let start = source_md
        .find(marker)
        .context("schemas/SOURCE.md does not name the cfn-lint package (`cfn-lint==<version>`)")?
        + marker.len();
    let rest = &source_md[start..];
    let end = rest
        .find('`')
        .context("schemas/SOURCE.md: unterminated cfn-lint version")?;
    Ok(rest[..end].to_owned())
}

/// Loads the type list, every listed schema and the provenance from the workspace at `root`.
pub fn load(root: &Path) -> Result<Sources> {
    let schemas = root.join("schemas");
    let types_text = fs::read_to_string(schemas.join("types.txt"))
        .with_context(|| format!("reading {}", schemas.join("types.txt").display()))?;
    let source_md = fs::read_to_string(schemas.join("SOURCE.md"))
        .with_context(|| format!("reading {}", schemas.join("SOURCE.md").display()))?;
    let cfn_lint_version = parse_cfn_lint_version(&source_md)?;

    let mut types = Vec::new();
    for type_name in parse_types(&types_text)? {
        let mut parts = type_name.split("::").skip(1);
        let service = parts.next().unwrap_or_default().to_owned();
        let resource = parts.next().unwrap_or_default().to_owned();
        let schema_path = format!("schemas/{service}/{resource}.json");
        let text = fs::read_to_string(root.join(&schema_path)).with_context(|| {
            format!("reading {schema_path} (run scripts/update-schemas.sh after editing schemas/types.txt)")
        })?;
        let schema: Json =
            serde_json::from_str(&text).with_context(|| format!("parsing {schema_path}"))?;
        let declared = schema.get("typeName").and_then(Json::as_str);
        if declared != Some(type_name.as_str()) {
            bail!("{schema_path} declares typeName {declared:?}, expected {type_name}");
        }
        types.push(TypeSource {
            type_name,
            service,
            resource,
            schema_path,
            schema,
        });
    }
    Ok(Sources {
        cfn_lint_version,
        types,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_file_allows_comments_and_rejects_junk() {
        let types = parse_types("# c\nAWS::EC2::VPC # the vpc\n\nAWS::S3::Bucket\n").unwrap();
        assert_eq!(types, ["AWS::EC2::VPC", "AWS::S3::Bucket"]);
        assert!(parse_types("AWS::EC2\n").is_err());
        assert!(parse_types("AWS::EC2::VPC\nAWS::EC2::VPC\n").is_err());
    }

    #[test]
    fn version_is_read_from_source_md() {
        let md = "| Package | `cfn-lint==1.58.0` (PyPI) |";
        assert_eq!(parse_cfn_lint_version(md).unwrap(), "1.58.0");
    }
}
