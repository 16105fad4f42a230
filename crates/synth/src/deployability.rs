//! Deployability: whether an assembly can be created, stack after stack in manifest order, on an
//! empty account.
//!
//! Every template can be valid on its own and the assembly still fail on its first deployment:
//! a stack reads an SSM parameter that nothing has written yet, imports an export that no stack
//! exports, or names as a recipe's parent an Image Builder image that nothing has built. This
//! module finds those from the rendered templates alone, so constructs written by users get the
//! same check as the library's.
//!
//! **What is read, at deploy time** (by CloudFormation or by the service creating a resource):
//! - an SSM parameter, by name: the `Default` of a template parameter of type
//!   `AWS::SSM::Parameter::Value<…>` (resolved before any resource is created), a
//!   `{{resolve:ssm:NAME}}` / `{{resolve:ssm-secure:NAME}}` dynamic reference in a resource, or
//!   an Image Builder recipe's `ssm:NAME` parent image;
//! - an export, by a literal `Fn::ImportValue` name;
//! - an Image Builder image of the deploying account (`arn:…:image/NAME/…` with the stack's
//!   account id or `${AWS::AccountId}`) named by a recipe's literal `ParentImage`.
//!
//! **What is created**: an `AWS::SSM::Parameter` with a literal `Name`, an output with a literal
//! `Export.Name`, an `AWS::ImageBuilder::Image` whose recipe has a literal `Name`.
//!
//! [`dependencies`] turns "stack B reads what stack A creates" into a stack dependency (so the
//! manifest orders A first); [`check`] then refuses a read that nothing earlier creates. Public
//! parameters (`/aws/service/…`) need no producer; anything else made outside the app is declared
//! on the stack with [`constructs::Stack::external_inputs`], with the reason it exists.

use std::collections::{BTreeMap, BTreeSet};

use constructs::{ExternalInput, ExternalKind};
use serde_json::{Map, Value as Json};

use crate::diagnostics::{Diagnostic, DiagnosticKind, Severity, escape_token};
use crate::render::PATH_METADATA_KEY;

/// Prefix of the public SSM parameters AWS publishes in every account (AMI ids, service data).
pub const PUBLIC_PARAMETER_PREFIX: &str = "/aws/service/";

/// Why an assembly cannot be created in order (the typed detail of a
/// [`DiagnosticKind::Deployability`] diagnostic).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Unmet {
    /// An SSM parameter is read that no earlier stack creates, that is not public and not
    /// declared external.
    SsmParameter(String),
    /// A literal `Fn::ImportValue` names an export that no earlier stack exports and that is not
    /// declared external.
    Export(String),
    /// A recipe's parent is an image of the deploying account that no `AWS::ImageBuilder::Image`
    /// of this or an earlier stack builds and that is not declared external.
    ParentImage(String),
    /// What is read is created, but not before it is read: by this stack while a template
    /// parameter reads it (template parameters are resolved before any resource exists), by a
    /// resource of this stack the reader does not depend on, or by a stack this one does not
    /// depend on.
    NotCreatedBefore {
        /// The parameter, export or image name.
        name: String,
        /// Where it is created: `stack/logical id`.
        producer: String,
    },
    /// Two resources create the same SSM parameter or export (or an image distribution writes a
    /// parameter a stack creates): the second creation fails.
    CreatedTwice {
        /// The parameter or export name.
        name: String,
        /// The other creator: `stack/logical id`.
        other: String,
    },
    /// A [`constructs::Stack::external_inputs`] entry without a reason.
    ExternalWithoutReason(String),
    /// A [`constructs::Stack::external_inputs`] entry that nothing reads, or that a stack of the
    /// app creates anyway (a warning).
    ExternalNotNeeded(String),
}

/// One synthesized stack as the check sees it.
#[derive(Debug, Clone, Copy)]
pub struct StackView<'a> {
    /// The stack name.
    pub name: &'a str,
    /// The rendered template (with the exports synth added).
    pub template: &'a Json,
    /// The pinned account, if any (an image ARN with this account id is the deploying
    /// account's).
    pub account: Option<&'a str>,
    /// What the stack declares as created outside the app.
    pub external: &'a [ExternalInput],
    /// Construct path of template entries by logical id (resources also carry theirs in
    /// `Metadata`); template parameters are found here.
    pub paths: &'a BTreeMap<String, String>,
}

/// One deploy-time read.
#[derive(Debug, Clone)]
struct Read {
    kind: ExternalKind,
    name: String,
    /// The reading template entry (resource or parameter).
    entry: String,
    /// A template parameter: resolved before any resource of the stack is created.
    at_stack_start: bool,
    pointer: String,
    /// How it is read, for messages.
    how: &'static str,
}

/// One thing a stack creates.
#[derive(Debug, Clone)]
struct Made {
    kind: ExternalKind,
    name: String,
    entry: String,
}

/// What one template reads and creates.
#[derive(Debug, Default)]
struct Facts {
    reads: Vec<Read>,
    made: Vec<Made>,
    /// SSM parameters written by image distributions of deploy-time images: (name, image id).
    distributed: Vec<(String, String)>,
    /// Same-stack references of each resource (Ref, GetAtt, Sub, DependsOn).
    refs: BTreeMap<String, BTreeSet<String>>,
}

fn resources(template: &Json) -> Option<&Map<String, Json>> {
    template.get("Resources").and_then(Json::as_object)
}

fn prop<'j>(resource: &'j Json, name: &str) -> Option<&'j Json> {
    resource.get("Properties")?.get(name)
}

fn type_of(resource: &Json) -> &str {
    resource.get("Type").and_then(Json::as_str).unwrap_or("")
}

/// A string value known at synth time: a literal, or `Fn::Sub`/`Fn::Join` of literals and pseudo
/// parameters (kept as `${AWS::…}`).
fn flat_string(v: &Json) -> Option<String> {
    match v {
        Json::String(s) => Some(s.clone()),
        Json::Object(o) if o.len() == 1 => {
            if let Some(sub) = o.get("Fn::Sub") {
                return match sub {
                    Json::String(s) => Some(s.clone()),
                    Json::Array(a)
                        if a.len() == 2 && a[1].as_object().is_some_and(Map::is_empty) =>
                    {
                        a[0].as_str().map(str::to_owned)
                    }
                    _ => None,
                };
            }
            let join = o.get("Fn::Join")?.as_array()?;
            let (sep, parts) = (join.first()?.as_str()?, join.get(1)?.as_array()?);
            let mut out = Vec::new();
            for part in parts {
                match part {
                    Json::String(s) => out.push(s.clone()),
                    Json::Object(r) => {
                        let name = r.get("Ref")?.as_str()?;
                        if !name.starts_with("AWS::") {
                            return None;
                        }
                        out.push(format!("${{{name}}}"));
                    }
                    _ => return None,
                }
            }
            Some(out.join(sep))
        }
        _ => None,
    }
}

/// The parameter name of an SSM reference (`NAME`, `NAME:VERSION`, or a parameter ARN), or
/// `None` when it is only known at deploy time.
fn parameter_name(reference: &str) -> Option<String> {
    let mut name = reference.trim();
    if let Some(rest) = name.strip_prefix("arn:") {
        name = rest.split_once(":parameter").map(|(_, n)| n)?;
    }
    if let Some((head, version)) = name.rsplit_once(':')
        && !version.is_empty()
        && version.chars().all(|c| c.is_ascii_digit())
    {
        name = head;
    }
    (!name.is_empty() && !name.contains("${")).then(|| name.to_owned())
}

/// SSM parameter names in `{{resolve:ssm:…}}` / `{{resolve:ssm-secure:…}}` references of `s`.
fn dynamic_references(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find("{{resolve:") {
        let after = &rest[start + "{{resolve:".len()..];
        let Some(end) = after.find("}}") else { break };
        let body = &after[..end];
        if let Some(reference) = body
            .strip_prefix("ssm-secure:")
            .or_else(|| body.strip_prefix("ssm:"))
            && let Some(name) = parameter_name(reference)
        {
            out.push(name);
        }
        rest = &after[end..];
    }
    out
}

/// A JSON pointer under construction: `base` plus the tokens of the current path, joined only
/// when something is reported there.
struct Pointer<'b> {
    base: &'b str,
    tokens: Vec<String>,
}

impl Pointer<'_> {
    fn render(&self, last: Option<&str>) -> String {
        let mut out = self.base.to_owned();
        for t in self.tokens.iter().map(String::as_str).chain(last) {
            out.push('/');
            out.push_str(&escape_token(t));
        }
        out
    }
}

/// Calls `f` on every string below `v` that holds a dynamic reference, with its JSON pointer.
fn each_dynamic_reference(v: &Json, at: &mut Pointer<'_>, f: &mut dyn FnMut(&str, String)) {
    match v {
        Json::String(s) if s.contains("{{resolve:") => f(s, at.render(None)),
        Json::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                at.tokens.push(i.to_string());
                each_dynamic_reference(x, at, f);
                at.tokens.pop();
            }
        }
        Json::Object(o) => {
            for (k, x) in o {
                at.tokens.push(k.clone());
                each_dynamic_reference(x, at, f);
                at.tokens.pop();
            }
        }
        _ => {}
    }
}

/// Calls `f` on every literal `Fn::ImportValue` name below `v`, with its JSON pointer.
fn each_import(v: &Json, at: &mut Pointer<'_>, f: &mut dyn FnMut(&str, String)) {
    match v {
        Json::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                at.tokens.push(i.to_string());
                each_import(x, at, f);
                at.tokens.pop();
            }
        }
        Json::Object(o) => {
            if o.len() == 1
                && let Some(Json::String(name)) = o.get("Fn::ImportValue")
            {
                f(name, at.render(Some("Fn::ImportValue")));
                return;
            }
            for (k, x) in o {
                at.tokens.push(k.clone());
                each_import(x, at, f);
                at.tokens.pop();
            }
        }
        _ => {}
    }
}

/// Logical ids named in `${…}` of an `Fn::Sub` string (`${X}`, `${X.Attr}`; not `${!…}`).
fn sub_names(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        let inner = &after[..end];
        if !inner.starts_with('!') {
            out.push(inner.split('.').next().unwrap_or(inner));
        }
        rest = &after[end..];
    }
    out
}

/// Same-stack logical ids `v` refers to.
fn refs_in(v: &Json, out: &mut BTreeSet<String>) {
    match v {
        Json::Array(a) => a.iter().for_each(|x| refs_in(x, out)),
        Json::Object(o) => {
            if o.len() == 1 {
                if let Some(Json::String(id)) = o.get("Ref") {
                    out.insert(id.clone());
                    return;
                }
                match o.get("Fn::GetAtt") {
                    Some(Json::Array(a)) => {
                        if let Some(id) = a.first().and_then(Json::as_str) {
                            out.insert(id.to_owned());
                        }
                        return;
                    }
                    Some(Json::String(s)) => {
                        out.insert(s.split('.').next().unwrap_or(s).to_owned());
                        return;
                    }
                    _ => {}
                }
                match o.get("Fn::Sub") {
                    Some(Json::String(s)) => {
                        out.extend(sub_names(s).into_iter().map(str::to_owned));
                        return;
                    }
                    Some(Json::Array(a)) => {
                        if let Some(s) = a.first().and_then(Json::as_str) {
                            out.extend(sub_names(s).into_iter().map(str::to_owned));
                        }
                        a.iter().skip(1).for_each(|x| refs_in(x, out));
                        return;
                    }
                    _ => {}
                }
            }
            o.values().for_each(|x| refs_in(x, out));
        }
        _ => {}
    }
}

/// The logical id a `Ref`/`Fn::GetAtt … Arn` points at.
fn target_id(v: &Json) -> Option<&str> {
    let o = v.as_object()?;
    if o.len() != 1 {
        return None;
    }
    if let Some(id) = o.get("Ref").and_then(Json::as_str) {
        return Some(id);
    }
    match o.get("Fn::GetAtt")? {
        Json::Array(a) if a.get(1).and_then(Json::as_str) == Some("Arn") => a.first()?.as_str(),
        Json::String(s) => s.strip_suffix(".Arn"),
        _ => None,
    }
}

/// The name of an own-account Image Builder image in `arn`, lower-cased.
fn own_image(arn: &str, account: Option<&str>) -> Option<String> {
    // Pseudo parameters contain `::`; take them out before splitting on `:`.
    let arn = arn
        .replace("${AWS::Partition}", "partition")
        .replace("${AWS::Region}", "region")
        .replace("${AWS::AccountId}", "${account}");
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [arn_word, _partition, service, _region, owner, resource] = parts.as_slice() else {
        return None;
    };
    if *arn_word != "arn" || *service != "imagebuilder" {
        return None;
    }
    let own = *owner == "${account}" || account.is_some_and(|a| a == *owner);
    let name = resource.strip_prefix("image/")?.split('/').next()?;
    (own && !name.is_empty() && !name.contains("${")).then(|| name.to_ascii_lowercase())
}

/// The recipe name (lower-cased) an image is built from, when known at synth time.
fn recipe_name(resources: &Map<String, Json>, arn: &Json) -> Option<String> {
    if let Some(id) = target_id(arn) {
        let recipe = resources.get(id)?;
        if type_of(recipe) != "AWS::ImageBuilder::ImageRecipe" {
            return None;
        }
        return prop(recipe, "Name")?.as_str().map(str::to_ascii_lowercase);
    }
    let arn = flat_string(arn)?;
    let name = arn.split_once(":image-recipe/")?.1.split('/').next()?;
    (!name.contains("${")).then(|| name.to_ascii_lowercase())
}

/// SSM parameter names a distribution configuration writes.
fn distributed_parameters(distribution: &Json) -> Vec<String> {
    let mut out = Vec::new();
    for d in prop(distribution, "Distributions")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        for c in d
            .get("SsmParameterConfigurations")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(name) = c.get("ParameterName").and_then(Json::as_str) {
                out.push(name.to_owned());
            }
        }
    }
    out
}

fn facts_of(view: &StackView<'_>) -> Facts {
    let mut f = Facts::default();
    let t = view.template;
    if let Some(params) = t.get("Parameters").and_then(Json::as_object) {
        for (id, p) in params {
            let ssm_type = p
                .get("Type")
                .and_then(Json::as_str)
                .is_some_and(|ty| ty.starts_with("AWS::SSM::Parameter::Value<"));
            if let (true, Some(name)) = (ssm_type, p.get("Default").and_then(Json::as_str)) {
                f.reads.push(Read {
                    kind: ExternalKind::SsmParameter,
                    name: name.to_owned(),
                    entry: id.clone(),
                    at_stack_start: true,
                    pointer: format!("/Parameters/{}/Default", escape_token(id)),
                    how: "through a template parameter (resolved before any resource is created)",
                });
            }
        }
    }
    if let Some(outputs) = t.get("Outputs").and_then(Json::as_object) {
        for (id, o) in outputs {
            if let Some(name) = o
                .get("Export")
                .and_then(|e| e.get("Name"))
                .and_then(Json::as_str)
            {
                f.made.push(Made {
                    kind: ExternalKind::Export,
                    name: name.to_owned(),
                    entry: id.clone(),
                });
            }
            let base = format!("/Outputs/{}", escape_token(id));
            let mut at = Pointer {
                base: &base,
                tokens: Vec::new(),
            };
            each_import(o, &mut at, &mut |name, pointer| {
                f.reads.push(Read {
                    kind: ExternalKind::Export,
                    name: name.to_owned(),
                    entry: id.clone(),
                    at_stack_start: true,
                    pointer,
                    how: "with Fn::ImportValue in an output",
                });
            });
        }
    }
    let Some(res) = resources(t) else {
        return f;
    };
    for (id, r) in res {
        let base = format!("/Resources/{}", escape_token(id));
        let mut refs = BTreeSet::new();
        refs_in(r, &mut refs);
        match r.get("DependsOn") {
            Some(Json::String(d)) => {
                refs.insert(d.clone());
            }
            Some(Json::Array(a)) => {
                refs.extend(a.iter().filter_map(Json::as_str).map(str::to_owned))
            }
            _ => {}
        }
        refs.retain(|x| x != id && res.contains_key(x));
        f.refs.insert(id.clone(), refs);

        let mut at = Pointer {
            base: &base,
            tokens: Vec::new(),
        };
        each_dynamic_reference(r, &mut at, &mut |s, pointer| {
            for name in dynamic_references(s) {
                f.reads.push(Read {
                    kind: ExternalKind::SsmParameter,
                    name,
                    entry: id.clone(),
                    at_stack_start: false,
                    pointer: pointer.clone(),
                    how: "through a {{resolve:ssm:…}} dynamic reference",
                });
            }
        });
        each_import(r, &mut at, &mut |name, pointer| {
            f.reads.push(Read {
                kind: ExternalKind::Export,
                name: name.to_owned(),
                entry: id.clone(),
                at_stack_start: false,
                pointer,
                how: "with Fn::ImportValue",
            });
        });
        match type_of(r) {
            "AWS::SSM::Parameter" => {
                if let Some(name) = prop(r, "Name").and_then(Json::as_str) {
                    f.made.push(Made {
                        kind: ExternalKind::SsmParameter,
                        name: name.to_owned(),
                        entry: id.clone(),
                    });
                }
            }
            "AWS::ImageBuilder::ImageRecipe" => {
                let Some(parent) = prop(r, "ParentImage").and_then(flat_string) else {
                    continue;
                };
                let pointer = format!("{base}/Properties/ParentImage");
                if let Some(reference) = parent.strip_prefix("ssm:") {
                    if let Some(name) = parameter_name(reference) {
                        f.reads.push(Read {
                            kind: ExternalKind::SsmParameter,
                            name,
                            entry: id.clone(),
                            at_stack_start: false,
                            pointer,
                            how: "as the recipe's parent image",
                        });
                    }
                } else if let Some(name) = own_image(&parent, view.account) {
                    f.reads.push(Read {
                        kind: ExternalKind::Image,
                        name,
                        entry: id.clone(),
                        at_stack_start: false,
                        pointer,
                        how: "as the recipe's parent image",
                    });
                }
            }
            "AWS::ImageBuilder::Image" => {
                if let Some(name) = prop(r, "ImageRecipeArn").and_then(|arn| recipe_name(res, arn))
                {
                    f.made.push(Made {
                        kind: ExternalKind::Image,
                        name,
                        entry: id.clone(),
                    });
                }
                let distribution = prop(r, "DistributionConfigurationArn")
                    .and_then(target_id)
                    .and_then(|d| res.get(d));
                if let Some(d) = distribution {
                    for name in distributed_parameters(d) {
                        f.distributed.push((name, id.clone()));
                    }
                }
            }
            _ => {}
        }
    }
    f
}

/// Stack dependencies implied by what stacks read and create: a stack that reads an SSM
/// parameter, an export or an image another stack creates depends on that stack. Returned per
/// reading stack (never the stack itself); merge them with the reference dependencies before
/// ordering.
pub fn dependencies(stacks: &[StackView<'_>]) -> BTreeMap<String, BTreeSet<String>> {
    let facts: Vec<Facts> = stacks.iter().map(facts_of).collect();
    let mut makers: BTreeMap<(ExternalKind, &str), BTreeSet<&str>> = BTreeMap::new();
    for (view, f) in stacks.iter().zip(&facts) {
        for m in &f.made {
            makers
                .entry((m.kind, m.name.as_str()))
                .or_default()
                .insert(view.name);
        }
    }
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (view, f) in stacks.iter().zip(&facts) {
        for r in &f.reads {
            for maker in makers.get(&(r.kind, r.name.as_str())).into_iter().flatten() {
                if *maker != view.name {
                    out.entry(view.name.to_owned())
                        .or_default()
                        .insert((*maker).to_owned());
                }
            }
        }
    }
    out
}

/// Everything `name` depends on, directly or not.
fn closure<'a>(deps: &'a BTreeMap<String, BTreeSet<String>>, name: &'a str) -> BTreeSet<&'a str> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![name];
    while let Some(n) = todo.pop() {
        for d in deps.get(n).into_iter().flatten() {
            if seen.insert(d.as_str()) {
                todo.push(d.as_str());
            }
        }
    }
    seen
}

struct Reporter<'a> {
    out: Vec<Diagnostic>,
    view: &'a StackView<'a>,
}

impl Reporter<'_> {
    fn path_of(&self, entry: &str) -> Option<String> {
        self.view.paths.get(entry).cloned().or_else(|| {
            resources(self.view.template)?
                .get(entry)?
                .get("Metadata")?
                .get(PATH_METADATA_KEY)?
                .as_str()
                .map(str::to_owned)
        })
    }

    fn push(
        &mut self,
        severity: Severity,
        code: &'static str,
        unmet: Unmet,
        entry: Option<&str>,
        pointer: &str,
        message: String,
    ) {
        self.out.push(Diagnostic {
            severity,
            kind: DiagnosticKind::Deployability(unmet),
            code,
            stack: self.view.name.to_owned(),
            path: entry.and_then(|e| self.path_of(e)),
            logical_id: entry.map(str::to_owned),
            pointer: pointer.to_owned(),
            message,
        });
    }
}

/// A declared name as reads record it (image names are lower-cased, as in image ARNs).
fn normalized(kind: ExternalKind, name: &str) -> String {
    match kind {
        ExternalKind::Image => name.to_ascii_lowercase(),
        ExternalKind::SsmParameter | ExternalKind::Export => name.to_owned(),
    }
}

fn declare_hint(kind: ExternalKind, name: &str) -> String {
    let ctor = match kind {
        ExternalKind::SsmParameter => "ssm_parameter",
        ExternalKind::Export => "export",
        ExternalKind::Image => "image",
    };
    format!(
        "or, if it is created outside this app, declare it on the stack: `external_inputs.push(ExternalInput::{ctor}({name:?}, \"why it exists\"))`"
    )
}

fn create_hint(kind: ExternalKind, name: &str) -> String {
    match kind {
        ExternalKind::SsmParameter => {
            format!("create it in an earlier stack (an AWS::SSM::Parameter named `{name}`)")
        }
        ExternalKind::Export => format!("export `{name}` from an earlier stack"),
        ExternalKind::Image => format!(
            "build it with an AWS::ImageBuilder::Image (recipe `{name}`) in this or an earlier stack, and reference that image's `LatestVersion.Patch` or `Arn` instead of a fixed ARN"
        ),
    }
}

/// Checks that every stack of `stacks` (in deployment order) only reads what an earlier stack
/// it depends on (through `deps`, all dependencies included) or an earlier resource of its own
/// creates, what is public, or what it declares external; and that nothing is created twice.
/// Returns errors (and warnings for external declarations that are not needed).
pub fn check(
    stacks: &[StackView<'_>],
    deps: &BTreeMap<String, BTreeSet<String>>,
) -> Vec<Diagnostic> {
    let facts: Vec<Facts> = stacks.iter().map(facts_of).collect();
    let mut makers: BTreeMap<(ExternalKind, &str), Vec<(usize, &str)>> = BTreeMap::new();
    for (i, f) in facts.iter().enumerate() {
        for m in &f.made {
            makers
                .entry((m.kind, m.name.as_str()))
                .or_default()
                .push((i, m.entry.as_str()));
        }
    }
    let mut out = Vec::new();
    for (i, (view, f)) in stacks.iter().zip(&facts).enumerate() {
        let mut rep = Reporter {
            out: Vec::new(),
            view,
        };
        let upstream = closure(deps, view.name);

        // Created twice: the later creation (by order, then logical id) is the one that fails.
        for m in &f.made {
            if m.kind == ExternalKind::Image {
                continue;
            }
            let all = &makers[&(m.kind, m.name.as_str())];
            if let Some((j, other)) = all.iter().find(|(j, e)| (*j, *e) < (i, m.entry.as_str())) {
                rep.push(
                    Severity::Error,
                    "deploy/created-twice",
                    Unmet::CreatedTwice {
                        name: m.name.clone(),
                        other: format!("{}/{other}", stacks[*j].name),
                    },
                    Some(&m.entry),
                    "",
                    format!(
                        "stack `{}` creates {} `{}`, which `{}` in stack `{}` already creates; the second creation fails",
                        view.name,
                        m.kind.describe(),
                        m.name,
                        other,
                        stacks[*j].name
                    ),
                );
            }
        }
        for (name, image) in &f.distributed {
            if let Some((j, other)) = makers
                .get(&(ExternalKind::SsmParameter, name.as_str()))
                .and_then(|v| v.first())
            {
                rep.push(
                    Severity::Error,
                    "deploy/created-twice",
                    Unmet::CreatedTwice {
                        name: name.clone(),
                        other: format!("{}/{other}", stacks[*j].name),
                    },
                    Some(image),
                    &format!(
                        "/Resources/{}/Properties/DistributionConfigurationArn",
                        escape_token(image)
                    ),
                    format!(
                        "the image's distribution writes SSM parameter `{name}`, which `{other}` in stack `{}` creates: whichever comes second fails; build deploy-time images without that distribution (pipelines may keep it)",
                        stacks[*j].name
                    ),
                );
            }
        }

        for r in &f.reads {
            let key = (r.kind, r.name.as_str());
            let public =
                r.kind == ExternalKind::SsmParameter && r.name.starts_with(PUBLIC_PARAMETER_PREFIX);
            let declared = view
                .external
                .iter()
                .any(|e| e.kind == r.kind && normalized(e.kind, &e.name) == r.name);
            let candidates = makers.get(&key).map(Vec::as_slice).unwrap_or_default();
            let earlier = candidates
                .iter()
                .find(|(j, _)| *j < i && upstream.contains(stacks[*j].name));
            let own: Vec<&str> = candidates
                .iter()
                .filter(|(j, _)| *j == i)
                .map(|(_, e)| *e)
                .collect();
            // A stack cannot import its own exports, nor resolve a template parameter from a
            // resource it creates; a resource can read what a resource it depends on creates.
            let own_before = r.kind != ExternalKind::Export
                && !r.at_stack_start
                && own
                    .iter()
                    .any(|producer| closure(&f.refs, &r.entry).contains(producer));
            if earlier.is_some() || own_before || public {
                continue;
            }
            if declared && candidates.is_empty() {
                continue;
            }
            let what = format!("{} `{}`", r.kind.describe(), r.name);
            if let Some(producer) = own.first() {
                let why = if r.kind == ExternalKind::Export {
                    "exports exist only once their stack is complete, so a stack cannot import its own; use a Ref or Fn::GetAtt"
                } else if r.at_stack_start {
                    "template parameters are resolved before any resource is created, so move the producer to an earlier stack"
                } else {
                    "the reader does not depend on it, so CloudFormation may create them in any order; reference it or add DependsOn"
                };
                rep.push(
                    Severity::Error,
                    "deploy/read-before-create",
                    Unmet::NotCreatedBefore {
                        name: r.name.clone(),
                        producer: format!("{}/{producer}", view.name),
                    },
                    Some(&r.entry),
                    &r.pointer,
                    format!(
                        "stack `{}` reads {what} {}, but it is created by `{producer}` of the same stack: {why}",
                        view.name, r.how
                    ),
                );
            } else if let Some((j, producer)) = candidates.first() {
                rep.push(
                    Severity::Error,
                    "deploy/read-before-create",
                    Unmet::NotCreatedBefore {
                        name: r.name.clone(),
                        producer: format!("{}/{producer}", stacks[*j].name),
                    },
                    Some(&r.entry),
                    &r.pointer,
                    format!(
                        "stack `{}` reads {what} {}, which stack `{}` creates, but that stack is not deployed before this one (does not come earlier in the dependency order)",
                        view.name,
                        r.how,
                        stacks[*j].name
                    ),
                );
            } else {
                let (code, unmet) = match r.kind {
                    ExternalKind::SsmParameter => {
                        ("deploy/ssm-parameter", Unmet::SsmParameter(r.name.clone()))
                    }
                    ExternalKind::Export => ("deploy/import", Unmet::Export(r.name.clone())),
                    ExternalKind::Image => {
                        ("deploy/parent-image", Unmet::ParentImage(r.name.clone()))
                    }
                };
                rep.push(
                    Severity::Error,
                    code,
                    unmet,
                    Some(&r.entry),
                    &r.pointer,
                    format!(
                        "stack `{}` reads {what} {}, which no earlier stack of this app creates, so the stack cannot be created on an empty account; {}, {}",
                        view.name,
                        r.how,
                        create_hint(r.kind, &r.name),
                        declare_hint(r.kind, &r.name)
                    ),
                );
            }
        }

        for e in view.external {
            if e.reason.trim().is_empty() {
                rep.push(
                    Severity::Error,
                    "deploy/external-reason",
                    Unmet::ExternalWithoutReason(e.name.clone()),
                    None,
                    "",
                    format!(
                        "stack `{}` declares {} `{}` as external without a reason; say who creates it",
                        view.name,
                        e.kind.describe(),
                        e.name
                    ),
                );
            }
            let name = normalized(e.kind, &e.name);
            let read = f.reads.iter().any(|r| r.kind == e.kind && r.name == name);
            let made = makers.contains_key(&(e.kind, name.as_str()));
            if !read || made {
                let why = if made {
                    "a stack of this app creates it"
                } else {
                    "the stack does not read it"
                };
                rep.push(
                    Severity::Warning,
                    "deploy/external-unneeded",
                    Unmet::ExternalNotNeeded(e.name.clone()),
                    None,
                    "",
                    format!(
                        "stack `{}` declares {} `{}` as external, but {why}; remove the declaration",
                        view.name,
                        e.kind.describe(),
                        e.name
                    ),
                );
            }
        }
        out.append(&mut rep.out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_names_drop_versions_and_arn_prefixes() {
        assert_eq!(parameter_name("/a/b").as_deref(), Some("/a/b"));
        assert_eq!(parameter_name("/a/b:3").as_deref(), Some("/a/b"));
        assert_eq!(
            parameter_name("arn:aws:ssm:us-east-1:123456789012:parameter/a/b:2").as_deref(),
            Some("/a/b")
        );
        assert_eq!(parameter_name("/a/${Env}"), None);
    }

    #[test]
    fn dynamic_references_are_found_inside_longer_strings() {
        assert_eq!(
            dynamic_references(
                "x{{resolve:ssm:/a:1}}y{{resolve:secretsmanager:s}}{{resolve:ssm-secure:/b}}"
            ),
            ["/a", "/b"]
        );
    }

    #[test]
    fn own_images_are_recognised_by_account() {
        let sub = "arn:${AWS::Partition}:imagebuilder:${AWS::Region}:${AWS::AccountId}:image/App-System/x.x.x";
        assert_eq!(own_image(sub, None).as_deref(), Some("app-system"));
        let fixed = "arn:aws:imagebuilder:eu-west-1:123456789012:image/base/1.0.0/1";
        assert_eq!(
            own_image(fixed, Some("123456789012")).as_deref(),
            Some("base")
        );
        assert_eq!(own_image(fixed, Some("999999999999")), None);
        let managed = "arn:aws:imagebuilder:eu-west-1:aws:image/amazon-linux-2023-x86/x.x.x";
        assert_eq!(own_image(managed, None), None);
    }

    #[test]
    fn joins_of_literals_and_pseudo_parameters_flatten() {
        let v = serde_json::json!({"Fn::Join": [":", ["arn", {"Ref": "AWS::Partition"}, "x"]]});
        assert_eq!(flat_string(&v).as_deref(), Some("arn:${AWS::Partition}:x"));
        let r = serde_json::json!({"Fn::Join": [":", ["arn", {"Ref": "Bucket"}]]});
        assert_eq!(flat_string(&r), None);
    }
}
