//! The cloud assembly: the directory `synth` writes and every deploy command reads.
//!
//! Layout:
//!
//! ```text
//! DIR/manifest.json              {"version": 1, "stacks": [ ... ]}   stacks in dependency order
//! DIR/<name>.template.json       one CloudFormation template per stack
//! ```
//!
//! Unknown fields are ignored so synth can add to the format without breaking older deployers.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::template::Template;

/// The only manifest `version` this crate understands.
pub const MANIFEST_VERSION: u32 = 1;

/// File name of the manifest inside an assembly directory.
pub const MANIFEST_FILE: &str = "manifest.json";

/// `manifest.json`, as written by synth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// Format version; must be [`MANIFEST_VERSION`].
    pub version: u32,
    /// Stacks in dependency order: every stack's dependencies come before it.
    pub stacks: Vec<StackManifest>,
    /// File assets the stacks use (published before their change sets).
    #[serde(default)]
    pub assets: Vec<AssetManifest>,
}

/// A file asset of the assembly: a file beside the templates, to be uploaded to the assets
/// bucket before the stacks that use it are deployed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssetManifest {
    /// The asset's id (the SHA-256 of its content).
    pub id: String,
    /// File name inside the assembly directory.
    pub file: String,
    /// How the file is packaged (`zip`).
    pub packaging: String,
    /// The bucket's name, with `${AWS::AccountId}`, `${AWS::Region}` and `${AWS::Partition}`
    /// to be filled in for the stack's environment.
    pub bucket_name: String,
    /// The object key.
    pub object_key: String,
}

/// One stack entry of the manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StackManifest {
    /// The CloudFormation stack name.
    pub name: String,
    /// Template file name, relative to the assembly directory.
    pub template_file: String,
    /// Names of other stacks of the assembly that must be deployed first.
    #[serde(default)]
    pub dependencies: Vec<String>,
    /// Parameter declarations of the template (type, default, description), by logical id.
    #[serde(default)]
    pub parameters: BTreeMap<String, ParameterDeclaration>,
    /// Target account and region; `None` means "whatever the AWS configuration says".
    #[serde(default)]
    pub environment: Environment,
    /// Stack-level tags, propagated by CloudFormation to the resources that support them.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Whether the stack must have termination protection enabled.
    #[serde(default)]
    pub termination_protection: bool,
    /// Ids of the file assets its template refers to.
    #[serde(default)]
    pub assets: Vec<String>,
}

/// A template parameter as declared in the manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ParameterDeclaration {
    /// CloudFormation parameter type (`String`, `Number`, `AWS::SSM::Parameter::Value<...>`, ...).
    #[serde(rename = "Type")]
    pub kind: String,
    /// Default value, used when the caller supplies none.
    #[serde(default)]
    pub default: Option<Value>,
    /// Human description.
    #[serde(default)]
    pub description: Option<String>,
}

/// Where a stack goes. Either field may be `None` ("environment-agnostic").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Environment {
    /// Twelve-digit AWS account id.
    #[serde(default)]
    pub account: Option<String>,
    /// AWS region, e.g. `us-east-1`.
    #[serde(default)]
    pub region: Option<String>,
}

/// A loaded assembly: the manifest plus every stack's parsed template.
#[derive(Debug, Clone)]
pub struct Assembly {
    /// The directory it was loaded from.
    pub dir: PathBuf,
    /// Stacks in dependency order.
    pub stacks: Vec<StackArtifact>,
    /// The file assets, each checked to exist in the directory.
    pub assets: Vec<AssetManifest>,
}

/// One stack of a loaded assembly.
#[derive(Debug, Clone)]
pub struct StackArtifact {
    /// The manifest entry.
    pub manifest: StackManifest,
    /// The template file, exactly as written (sent to CloudFormation as-is).
    pub template_body: String,
    /// The parsed template.
    pub template: Template,
}

impl StackArtifact {
    /// The stack name.
    pub fn name(&self) -> &str {
        &self.manifest.name
    }
}

/// Why an assembly could not be loaded. Each variant names the file and, where it applies, the field.
#[derive(Debug, thiserror::Error)]
pub enum AssemblyError {
    /// A file could not be read.
    #[error(
        "cannot read {path}: {source}. Run `synth` first, or pass the right assembly directory"
    )]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A file is not valid JSON or does not have the expected shape.
    #[error("{path} is not a valid {what}: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What the file should be ("manifest", "template").
        what: &'static str,
        /// The JSON error, with line and column.
        #[source]
        source: serde_json::Error,
    },
    /// The manifest has a version this crate does not know.
    #[error(
        "{path}: field `version` is {found}, but this deployer reads version {MANIFEST_VERSION}; re-run synth with a matching version"
    )]
    UnsupportedVersion {
        /// The manifest file.
        path: PathBuf,
        /// The version found.
        found: u32,
    },
    /// A field holds a value that breaks the format's rules.
    #[error("{path}: field `{field}`: {problem}")]
    Invalid {
        /// The manifest file.
        path: PathBuf,
        /// JSON path of the field, e.g. `stacks[1].dependencies[0]`.
        field: String,
        /// What is wrong.
        problem: String,
    },
}

impl Assembly {
    /// Reads `dir/manifest.json` and every template it names.
    ///
    /// # Errors
    /// [`AssemblyError`] when a file is missing or malformed, the version is unknown, a stack name is
    /// duplicated, a template path leaves the directory, or a dependency is unknown or listed after
    /// the stack that needs it.
    pub fn load(dir: impl AsRef<Path>) -> Result<Self, AssemblyError> {
        let dir = dir.as_ref().to_path_buf();
        let manifest_path = dir.join(MANIFEST_FILE);
        let text = read(&manifest_path)?;
        let manifest: Manifest =
            serde_json::from_str(&text).map_err(|source| AssemblyError::Parse {
                path: manifest_path.clone(),
                what: "manifest",
                source,
            })?;
        if manifest.version != MANIFEST_VERSION {
            return Err(AssemblyError::UnsupportedVersion {
                path: manifest_path,
                found: manifest.version,
            });
        }
        validate_order(&manifest_path, &manifest)?;
        validate_assets(&dir, &manifest_path, &manifest)?;
        let assets = manifest.assets.clone();
        let mut stacks = Vec::with_capacity(manifest.stacks.len());
        for (i, entry) in manifest.stacks.into_iter().enumerate() {
            let rel = Path::new(&entry.template_file);
            if rel.is_absolute()
                || rel
                    .components()
                    .any(|c| matches!(c, std::path::Component::ParentDir))
            {
                return Err(AssemblyError::Invalid {
                    path: manifest_path,
                    field: format!("stacks[{i}].templateFile"),
                    problem: format!(
                        "`{}` must be a file name inside the assembly directory",
                        entry.template_file
                    ),
                });
            }
            let template_path = dir.join(rel);
            let template_body = read(&template_path)?;
            let template =
                Template::parse(&template_body).map_err(|source| AssemblyError::Parse {
                    path: template_path,
                    what: "template",
                    source,
                })?;
            stacks.push(StackArtifact {
                manifest: entry,
                template_body,
                template,
            });
        }
        Ok(Self {
            dir,
            stacks,
            assets,
        })
    }

    /// The assets `stacks` use, each once, in manifest order.
    pub fn assets_of(&self, stacks: &[&StackArtifact]) -> Vec<&AssetManifest> {
        self.assets
            .iter()
            .filter(|a| stacks.iter().any(|s| s.manifest.assets.contains(&a.id)))
            .collect()
    }

    /// The stack with this name.
    pub fn stack(&self, name: &str) -> Option<&StackArtifact> {
        self.stacks.iter().find(|s| s.name() == name)
    }

    /// The stacks to act on: all of them when `names` is empty, otherwise the named ones plus
    /// (when `with_dependencies`) everything they depend on, always in dependency order.
    ///
    /// # Errors
    /// [`AssemblyError::Invalid`] naming the first unknown stack and listing the known ones.
    pub fn select(
        &self,
        names: &[String],
        with_dependencies: bool,
    ) -> Result<Vec<&StackArtifact>, AssemblyError> {
        if names.is_empty() {
            return Ok(self.stacks.iter().collect());
        }
        let mut wanted: Vec<&str> = Vec::new();
        for name in names {
            if self.stack(name).is_none() {
                let known: Vec<&str> = self.stacks.iter().map(StackArtifact::name).collect();
                return Err(AssemblyError::Invalid {
                    path: self.dir.join(MANIFEST_FILE),
                    field: "stacks".into(),
                    problem: format!(
                        "there is no stack named `{name}`; the assembly has: {}",
                        known.join(", ")
                    ),
                });
            }
            wanted.push(name);
        }
        if with_dependencies {
            // Walk backwards: dependencies always come before their dependents.
            for stack in self.stacks.iter().rev() {
                if wanted.contains(&stack.name()) {
                    for dep in &stack.manifest.dependencies {
                        if !wanted.contains(&dep.as_str()) {
                            wanted.push(dep);
                        }
                    }
                }
            }
        }
        Ok(self
            .stacks
            .iter()
            .filter(|s| wanted.contains(&s.name()))
            .collect())
    }
}

fn read(path: &Path) -> Result<String, AssemblyError> {
    std::fs::read_to_string(path).map_err(|source| AssemblyError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Every asset file exists inside the directory, and every asset a stack names is listed.
fn validate_assets(dir: &Path, path: &Path, manifest: &Manifest) -> Result<(), AssemblyError> {
    let invalid = |field: String, problem: String| AssemblyError::Invalid {
        path: path.to_path_buf(),
        field,
        problem,
    };
    for (i, a) in manifest.assets.iter().enumerate() {
        let rel = Path::new(&a.file);
        if rel.components().count() != 1 || rel.is_absolute() {
            return Err(invalid(
                format!("assets[{i}].file"),
                format!(
                    "`{}` must be a file name inside the assembly directory",
                    a.file
                ),
            ));
        }
        if !dir.join(rel).is_file() {
            return Err(invalid(
                format!("assets[{i}].file"),
                format!(
                    "`{}` is missing from {}; run synth again",
                    a.file,
                    dir.display()
                ),
            ));
        }
    }
    for (i, s) in manifest.stacks.iter().enumerate() {
        for (j, id) in s.assets.iter().enumerate() {
            if !manifest.assets.iter().any(|a| &a.id == id) {
                return Err(invalid(
                    format!("stacks[{i}].assets[{j}]"),
                    format!("asset `{id}` is not listed in `assets`"),
                ));
            }
        }
    }
    Ok(())
}

fn validate_order(path: &Path, manifest: &Manifest) -> Result<(), AssemblyError> {
    let invalid = |field: String, problem: String| AssemblyError::Invalid {
        path: path.to_path_buf(),
        field,
        problem,
    };
    for (i, stack) in manifest.stacks.iter().enumerate() {
        if stack.name.is_empty() {
            return Err(invalid(
                format!("stacks[{i}].name"),
                "stack name is empty".into(),
            ));
        }
        if manifest.stacks[..i].iter().any(|s| s.name == stack.name) {
            return Err(invalid(
                format!("stacks[{i}].name"),
                format!("stack `{}` is listed twice", stack.name),
            ));
        }
        for (j, dep) in stack.dependencies.iter().enumerate() {
            let field = format!("stacks[{i}].dependencies[{j}]");
            if manifest.stacks[..i].iter().any(|s| &s.name == dep) {
                continue;
            }
            let problem = if manifest.stacks.iter().any(|s| &s.name == dep) {
                format!(
                    "`{}` depends on `{dep}`, which is listed after it; stacks must be in dependency order",
                    stack.name
                )
            } else {
                format!("`{}` depends on unknown stack `{dep}`", stack.name)
            };
            return Err(invalid(field, problem));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).unwrap();
    }

    const TEMPLATE: &str = r#"{"Resources":{"Vpc":{"Type":"AWS::EC2::VPC","Properties":{"CidrBlock":"10.0.0.0/16"},"Metadata":{"construct:path":"Net/Vpc/Resource"}}}}"#;

    #[test]
    fn loads_stacks_in_order_and_ignores_unknown_fields() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "manifest.json",
            r#"{"version":1,"extra":true,"stacks":[
              {"name":"Net","templateFile":"Net.template.json","dependencies":[],
               "parameters":{"Cidr":{"Type":"String","Default":"10.0.0.0/16","Description":"d"}},
               "environment":{"account":null,"region":"us-east-1"},"tags":{"Project":"x"},
               "terminationProtection":false,"future":1},
              {"name":"App","templateFile":"App.template.json","dependencies":["Net"]}]}"#,
        );
        write(dir.path(), "Net.template.json", TEMPLATE);
        write(dir.path(), "App.template.json", TEMPLATE);
        let asm = Assembly::load(dir.path()).unwrap();
        assert_eq!(asm.stacks.len(), 2);
        let net = asm.stack("Net").unwrap();
        assert_eq!(
            net.manifest.environment.region.as_deref(),
            Some("us-east-1")
        );
        assert_eq!(net.manifest.parameters["Cidr"].kind, "String");
        assert_eq!(net.manifest.tags["Project"], "x");
        assert_eq!(net.template.construct_path("Vpc"), Some("Net/Vpc/Resource"));
        let picked = asm.select(&["App".into()], true).unwrap();
        assert_eq!(
            picked.iter().map(|s| s.name()).collect::<Vec<_>>(),
            ["Net", "App"]
        );
        let only = asm.select(&["App".into()], false).unwrap();
        assert_eq!(only.len(), 1);
        let err = asm.select(&["Nope".into()], false).unwrap_err().to_string();
        assert!(err.contains("Nope") && err.contains("Net, App"), "{err}");
    }

    #[test]
    fn missing_manifest_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let err = Assembly::load(dir.path()).unwrap_err().to_string();
        assert!(err.contains("manifest.json"), "{err}");
        assert!(err.contains("synth"), "{err}");
    }

    #[test]
    fn dependency_listed_after_its_dependent_is_rejected() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "manifest.json",
            r#"{"version":1,"stacks":[
              {"name":"App","templateFile":"a.json","dependencies":["Net"]},
              {"name":"Net","templateFile":"n.json"}]}"#,
        );
        let err = Assembly::load(dir.path()).unwrap_err().to_string();
        assert!(err.contains("stacks[0].dependencies[0]"), "{err}");
        assert!(err.contains("dependency order"), "{err}");
    }

    #[test]
    fn wrong_version_missing_field_and_escaping_path_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "manifest.json", r#"{"version":2,"stacks":[]}"#);
        assert!(matches!(
            Assembly::load(dir.path()),
            Err(AssemblyError::UnsupportedVersion { found: 2, .. })
        ));
        write(
            dir.path(),
            "manifest.json",
            r#"{"version":1,"stacks":[{"name":"A"}]}"#,
        );
        let err = Assembly::load(dir.path()).unwrap_err().to_string();
        assert!(err.contains("templateFile"), "{err}");
        write(
            dir.path(),
            "manifest.json",
            r#"{"version":1,"stacks":[{"name":"A","templateFile":"../x.json"}]}"#,
        );
        let err = Assembly::load(dir.path()).unwrap_err().to_string();
        assert!(err.contains("stacks[0].templateFile"), "{err}");
    }

    #[test]
    fn malformed_template_names_the_template_file() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "manifest.json",
            r#"{"version":1,"stacks":[{"name":"A","templateFile":"A.template.json"}]}"#,
        );
        write(dir.path(), "A.template.json", "{not json");
        let err = Assembly::load(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("A.template.json") && err.contains("template"),
            "{err}"
        );
    }
}
