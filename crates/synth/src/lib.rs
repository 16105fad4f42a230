//! Synth: turns a construct [`App`] into a validated, deterministic cloud assembly.
//!
//! [`synth`] runs these phases over every stack:
//! 1. **ids**: a logical id for every resource, parameter, output, condition and mapping, from
//!    its construct path with AWS CDK's algorithm ([`logical_id`]), or from the stack's
//!    overrides; two nodes that would share an id are an error (CDK would silently merge them);
//! 2. **render**: properties lowered and references resolved (`Ref`, `Fn::GetAtt`; across stacks
//!    an export in the producer and `Fn::ImportValue` in the consumer, plus a stack dependency);
//! 3. **order**: stacks after the stacks they depend on, through references and through what
//!    they read and create at deploy time ([`deployability::dependencies`]);
//! 4. **validate**: schema constraints from the generated metadata, dangling references,
//!    dependency cycles and CloudFormation quotas, then whether the assembly can be created in
//!    order on an empty account ([`deployability::check`]), all collected before reporting;
//! 5. **serialize**: pretty JSON in a fixed order, byte-identical for the same program.
//!
//! ```
//! use constructs::{App, Environment, OutputDef, Prop, Stack};
//!
//! let mut stack = Stack::new("Demo", Environment::default())?;
//! let mut root = stack.root();
//! let topic = root.raw_resource("Alerts", "AWS::SNS::Topic", Prop::Map(vec![]))?;
//! root.output("TopicArn", OutputDef::new(topic.reference(), "Where alerts go"))?;
//! let mut app = App::new();
//! app.add_stack(stack)?;
//!
//! let assembly = synth::synth(&app)?;
//! let template = &assembly.stacks[0].template;
//! assert_eq!(template["Outputs"]["TopicArn"]["Value"], serde_json::json!({"Ref": "Alerts"}));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod assembly;
pub mod assets;
pub mod deployability;
pub mod diagnostics;
pub mod logical_id;
mod render;
pub mod validate;

use std::collections::{BTreeMap, BTreeSet};

use constructs::{App, NodeKind, Stack};
use serde_json::{Map, Value as Json, json};
use thiserror::Error;

pub use assembly::{Assembly, StackArtifact, WriteError, WriteOptions};
pub use assets::StagedAsset;
pub use diagnostics::{Diagnostic, DiagnosticKind, Severity};
pub use render::{PATH_METADATA_KEY, is_intrinsic};

use diagnostics::{Sink, escape_token};
use render::{ExportKey, IdTable, Resolver, StackFacts, apply_override};

/// Why synth produced no assembly.
#[derive(Debug, Error)]
pub enum SynthError {
    /// Validation found errors; every problem found is listed (errors first).
    #[error("synth found {} error(s):\n{}", count_errors(.0), render_list(.0))]
    Invalid(Vec<Diagnostic>),
}

impl SynthError {
    /// All diagnostics (errors and warnings).
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            SynthError::Invalid(d) => d,
        }
    }
}

fn count_errors(diags: &[Diagnostic]) -> usize {
    diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count()
}

fn render_list(diags: &[Diagnostic]) -> String {
    diags
        .iter()
        .map(|d| format!("  {d}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Assigns logical ids to every addressable node of a stack, reporting invalid ids, collisions
/// and overrides that match nothing.
fn assign_ids(stack: &Stack, diags: &mut Vec<Diagnostic>) -> Vec<Option<String>> {
    let mut sink = Sink {
        stack: stack.name(),
        out: diags,
    };
    let mut ids = vec![None; stack.nodes().len()];
    let mut seen: BTreeMap<(u8, String), String> = BTreeMap::new();
    let mut used_overrides = BTreeSet::new();
    for (nid, node) in stack.iter() {
        let index = nid.index();
        let section: u8 = match node.kind {
            NodeKind::Construct => continue,
            // Resources and parameters share the `Ref` namespace.
            NodeKind::Resource(_) | NodeKind::Parameter(_) => 0,
            NodeKind::Output(_) => 1,
            NodeKind::Condition(_) => 2,
            NodeKind::Mapping(_) => 3,
        };
        let components = stack.path_components(nid);
        let below = components.join("/");
        let path = stack.path(nid);
        let id = match stack.logical_id_overrides.get(&below) {
            Some(id) => {
                used_overrides.insert(below.clone());
                if !logical_id::is_valid_logical_id(id) {
                    sink.error(
                        "id/override",
                        Some(&path),
                        Some(id),
                        "",
                        "logical-id override must be 1-255 ASCII letters and digits",
                    );
                    continue;
                }
                id.clone()
            }
            None => match logical_id::logical_id(&components) {
                Ok(id) => id,
                Err(e) => {
                    sink.error("id/invalid", Some(&path), None, "", e.to_string());
                    continue;
                }
            },
        };
        if let Some(other) = seen.insert((section, id.clone()), path.clone()) {
            sink.error(
                "id/collision",
                Some(&path),
                Some(&id),
                "",
                format!(
                    "`{other}` and `{path}` both get the logical id `{id}`; rename one or add a logical-id override"
                ),
            );
        }
        ids[index] = Some(id);
    }
    for key in stack.logical_id_overrides.keys() {
        if !used_overrides.contains(key) {
            sink.push(
                Severity::Warning,
                "id/override-unused",
                None,
                None,
                "",
                format!("the logical-id override for `{key}` matches no construct"),
            );
        }
    }
    ids
}

fn policy(json: &mut Map<String, Json>, key: &str, p: Option<constructs::DeletionPolicy>) {
    if let Some(p) = p {
        json.insert(key.to_owned(), Json::String(p.name().to_owned()));
    }
}

/// Renders one stack's template (without the exports other stacks need from it).
fn render_stack(
    app: &App,
    ids: &IdTable,
    stack: &Stack,
    assets: &BTreeMap<(String, String), String>,
    diags: &mut Vec<Diagnostic>,
) -> (Map<String, Json>, StackFacts) {
    let sink = Sink {
        stack: stack.name(),
        out: diags,
    };
    let mut r = Resolver::new(app, ids, stack, assets, sink);
    let own_ids = &ids[stack.name()];
    let mut parameters = Map::new();
    let mut mappings = Map::new();
    let mut conditions = Map::new();
    let mut resources = Map::new();
    let mut outputs = Map::new();

    for (nid, node) in stack.iter() {
        let Some(id) = own_ids.get(nid.index()).and_then(Option::as_deref) else {
            continue;
        };
        let path = stack.path(nid);
        r.begin(path.clone(), id);
        let tok = escape_token(id);
        match &node.kind {
            NodeKind::Construct => {}
            NodeKind::Parameter(def) => {
                let mut p = Map::new();
                p.insert("Type".into(), json!(def.type_name));
                if let Some(d) = &def.description {
                    p.insert("Description".into(), json!(d));
                }
                if let Some(d) = &def.default {
                    p.insert("Default".into(), json!(d));
                }
                if !def.allowed_values.is_empty() {
                    p.insert("AllowedValues".into(), json!(def.allowed_values));
                }
                if let Some(pat) = &def.allowed_pattern {
                    p.insert("AllowedPattern".into(), json!(pat));
                }
                if def.no_echo {
                    p.insert("NoEcho".into(), json!(true));
                }
                parameters.insert(id.to_owned(), Json::Object(p));
            }
            NodeKind::Mapping(entries) => {
                mappings.insert(id.to_owned(), json!(entries));
            }
            NodeKind::Condition(cond) => {
                let value = r.resolve(
                    &constructs::ToProp::to_prop(cond),
                    &format!("/Conditions/{tok}"),
                );
                conditions.insert(id.to_owned(), value);
            }
            NodeKind::Output(def) => {
                let base = format!("/Outputs/{tok}");
                let mut o = Map::new();
                if let Some(d) = &def.description {
                    o.insert("Description".into(), json!(d));
                }
                o.insert(
                    "Value".into(),
                    r.resolve(&def.value, &format!("{base}/Value")),
                );
                if let Some(name) = &def.export_name {
                    let name = r.resolve(name, &format!("{base}/Export/Name"));
                    o.insert("Export".into(), json!({ "Name": name }));
                }
                if let Some(c) = &def.condition
                    && let Some(cid) = r.condition_id(c, &format!("{base}/Condition"))
                {
                    o.insert("Condition".into(), json!(cid));
                }
                outputs.insert(id.to_owned(), Json::Object(o));
            }
            NodeKind::Resource(entry) => {
                let base = format!("/Resources/{tok}");
                let mut res = Map::new();
                res.insert("Type".into(), json!(entry.body.type_name()));
                let opts = &entry.options;
                if let Some(c) = &opts.condition
                    && let Some(cid) = r.condition_id(c, &format!("{base}/Condition"))
                {
                    res.insert("Condition".into(), json!(cid));
                }
                let mut depends: BTreeSet<String> = BTreeSet::new();
                for (i, dep) in opts.depends_on.iter().enumerate() {
                    if let Some(dep_id) = r.depends_on(dep, &format!("{base}/DependsOn/{i}")) {
                        depends.insert(dep_id);
                    }
                }
                let props = r.resolve(&entry.body.properties(), &format!("{base}/Properties"));
                if props.as_object().is_some_and(|m| !m.is_empty()) {
                    res.insert("Properties".into(), props);
                }
                if let Some(p) = &opts.update_policy {
                    let v = r.resolve(p, &format!("{base}/UpdatePolicy"));
                    res.insert("UpdatePolicy".into(), v);
                }
                if let Some(p) = &opts.creation_policy {
                    let v = r.resolve(p, &format!("{base}/CreationPolicy"));
                    res.insert("CreationPolicy".into(), v);
                }
                policy(&mut res, "DeletionPolicy", opts.deletion_policy);
                policy(&mut res, "UpdateReplacePolicy", opts.update_replace_policy);
                let mut metadata = Map::new();
                metadata.insert(PATH_METADATA_KEY.into(), json!(path));
                for (k, v) in &opts.metadata {
                    metadata.insert(k.clone(), v.clone());
                }
                res.insert("Metadata".into(), Json::Object(metadata));
                if !depends.is_empty() {
                    res.insert("DependsOn".into(), json!(depends));
                }
                let mut rendered = Json::Object(res);
                for o in &entry.overrides {
                    apply_override(&mut rendered, &o.path, o.value.as_ref());
                }
                let mut refs = r.end();
                refs.extend(depends);
                r.facts.edges.insert(id.to_owned(), refs);
                r.facts.paths.insert(id.to_owned(), path);
                if let Some(schema) = entry.body.schema() {
                    r.facts.schemas.insert(id.to_owned(), schema);
                }
                resources.insert(id.to_owned(), rendered);
            }
        }
    }

    let mut template = Map::new();
    template.insert("AWSTemplateFormatVersion".into(), json!("2010-09-09"));
    if let Some(d) = &stack.description {
        template.insert("Description".into(), json!(d));
    }
    if !stack.metadata.is_empty() {
        template.insert("Metadata".into(), json!(stack.metadata));
    }
    match stack.transforms.as_slice() {
        [] => {}
        [one] => {
            template.insert("Transform".into(), json!(one));
        }
        many => {
            template.insert("Transform".into(), json!(many));
        }
    }
    for (name, section) in [
        ("Parameters", parameters),
        ("Mappings", mappings),
        ("Conditions", conditions),
        ("Resources", resources),
        ("Outputs", outputs),
    ] {
        if !section.is_empty() || name == "Resources" {
            template.insert(name.into(), Json::Object(section));
        }
    }
    (template, r.facts)
}

/// Orders stacks so that each comes after its dependencies (ties keep app order); reports
/// cycles between stacks.
fn order_stacks(
    names: &[String],
    deps: &BTreeMap<String, BTreeSet<String>>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<String> {
    let mut done: Vec<String> = Vec::new();
    let mut remaining: Vec<String> = names.to_vec();
    while !remaining.is_empty() {
        let ready = remaining.iter().position(|n| {
            deps.get(n)
                .is_none_or(|d| d.iter().all(|x| done.contains(x)))
        });
        match ready {
            Some(i) => done.push(remaining.remove(i)),
            None => {
                diags.push(Diagnostic {
                    severity: Severity::Error,
                    kind: DiagnosticKind::Validation,
                    code: "graph/stack-cycle",
                    stack: remaining.join(", "),
                    path: None,
                    logical_id: None,
                    pointer: String::new(),
                    message: format!(
                        "these stacks reference each other in a cycle: {}; move the shared resources into one stack",
                        remaining.join(" <-> ")
                    ),
                });
                done.append(&mut remaining);
            }
        }
    }
    done
}

/// Synthesizes every stack of `app`.
///
/// # Errors
/// [`SynthError::Invalid`] with every problem found, when any is an error. Warnings alone do
/// not fail synth; they are returned in [`Assembly::warnings`].
pub fn synth(app: &App) -> Result<Assembly, SynthError> {
    let mut diags: Vec<Diagnostic> = Vec::new();
    let mut ids: IdTable = BTreeMap::new();
    for stack in app.stacks() {
        let table = assign_ids(stack, &mut diags);
        ids.insert(stack.name().to_owned(), table);
    }

    let (staged, asset_keys) = assets::stage(app, &mut diags);
    let mut templates: BTreeMap<String, Map<String, Json>> = BTreeMap::new();
    let mut facts: BTreeMap<String, StackFacts> = BTreeMap::new();
    for stack in app.stacks() {
        let (template, f) = render_stack(app, &ids, stack, &asset_keys, &mut diags);
        templates.insert(stack.name().to_owned(), template);
        facts.insert(stack.name().to_owned(), f);
    }

    // Exports in producers for every cross-stack reference.
    let mut exports: BTreeSet<ExportKey> = BTreeSet::new();
    for f in facts.values() {
        exports.extend(f.imports.iter().cloned());
    }
    for key in &exports {
        if let Some(t) = templates.get_mut(&key.producer) {
            let outputs = t
                .entry("Outputs")
                .or_insert_with(|| Json::Object(Map::new()));
            if let Json::Object(o) = outputs {
                o.insert(
                    key.output_id(),
                    json!({
                        "Description": format!("Exported for other stacks of this app: {} of {}",
                            key.attribute.as_deref().unwrap_or("Ref"), key.logical_id),
                        "Value": key.value(),
                        "Export": { "Name": key.export_name() },
                    }),
                );
            }
        }
    }

    // Construct paths of template parameters and outputs (resources carry theirs in Metadata),
    // for the deployability check's messages.
    let mut entry_paths: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for stack in app.stacks() {
        let table = &ids[stack.name()];
        let paths = entry_paths.entry(stack.name().to_owned()).or_default();
        for (nid, node) in stack.iter() {
            if matches!(node.kind, NodeKind::Parameter(_) | NodeKind::Output(_))
                && let Some(Some(id)) = table.get(nid.index())
            {
                paths.insert(id.clone(), stack.path(nid));
            }
        }
    }
    let no_paths = BTreeMap::new();
    let mut templates: BTreeMap<String, Json> = templates
        .into_iter()
        .map(|(k, t)| (k, Json::Object(t)))
        .collect();

    // Stack dependencies: references (imports, DependsOn) plus what stacks read and create
    // (SSM parameters, literal exports, images).
    let names: Vec<String> = app.stacks().iter().map(|s| s.name().to_owned()).collect();
    let mut deps: BTreeMap<String, BTreeSet<String>> = facts
        .iter()
        .map(|(k, f)| (k.clone(), f.stack_dependencies.clone()))
        .collect();
    let views: Vec<deployability::StackView<'_>> = app
        .stacks()
        .iter()
        .filter_map(|s| {
            Some(deployability::StackView {
                name: s.name(),
                template: templates.get(s.name())?,
                account: s.env().account.as_deref(),
                external: &s.external_inputs,
                paths: entry_paths.get(s.name()).unwrap_or(&no_paths),
            })
        })
        .collect();
    for (stack, more) in deployability::dependencies(&views) {
        deps.entry(stack).or_default().extend(more);
    }
    drop(views);
    let order = order_stacks(&names, &deps, &mut diags);

    let mut artifacts = Vec::new();
    for name in order {
        let (Some(stack), Some(template), Some(f)) =
            (app.stack(&name), templates.remove(&name), facts.get(&name))
        else {
            continue;
        };
        let mut sink = Sink {
            stack: &name,
            out: &mut diags,
        };
        if let Some(Json::Object(resources)) = template.get("Resources") {
            for (id, schema) in &f.schemas {
                let (Some(res), Some(path)) = (resources.get(id), f.paths.get(id)) else {
                    continue;
                };
                let empty = json!({});
                let props = res.get("Properties").unwrap_or(&empty);
                if !props.is_object() {
                    sink.error(
                        "schema/type",
                        Some(path),
                        Some(id),
                        &format!("/Resources/{}/Properties", diagnostics::escape_token(id)),
                        format!("Properties must be an object, got {props}"),
                    );
                    continue;
                }
                validate::check_properties(&mut sink, schema, props, path, id);
            }
        }
        validate::check_cycles(&mut sink, &f.edges, &f.paths);
        let mut body = serde_json::to_string_pretty(&template).unwrap_or_default();
        body.push('\n');
        validate::check_quotas(&mut sink, stack, &template, &body);
        artifacts.push(StackArtifact {
            name: name.clone(),
            template,
            body,
            dependencies: deps
                .get(&name)
                .map(|d| d.iter().cloned().collect())
                .unwrap_or_default(),
            account: stack.env().account.clone(),
            region: stack.env().region.clone(),
            tags: stack.tags.clone(),
            termination_protection: stack.termination_protection,
            assets: staged
                .iter()
                .filter(|a| f.asset_keys.contains(&a.object_key()))
                .map(|a| a.hash.clone())
                .collect(),
        });
    }

    let views: Vec<deployability::StackView<'_>> = artifacts
        .iter()
        .filter_map(|a| {
            let stack = app.stack(&a.name)?;
            Some(deployability::StackView {
                name: &a.name,
                template: &a.template,
                account: stack.env().account.as_deref(),
                external: &stack.external_inputs,
                paths: entry_paths.get(&a.name).unwrap_or(&no_paths),
            })
        })
        .collect();
    diags.extend(deployability::check(&views, &deps));

    diags.sort_by_key(|a| a.severity);
    if diags.iter().any(|d| d.severity == Severity::Error) {
        return Err(SynthError::Invalid(diags));
    }
    Ok(Assembly {
        stacks: artifacts,
        assets: staged,
        warnings: diags,
    })
}
