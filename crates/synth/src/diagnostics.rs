//! Problems found while synthesizing, each located by stack, construct path, logical id and a
//! JSON pointer into the rendered template.

use std::fmt;

/// How bad a problem is: errors stop synth, warnings are reported with the assembly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The template would be rejected by CloudFormation or is wrong; nothing is written.
    Error,
    /// The template works but something deserves attention.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// Which family of checks found a problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiagnosticKind {
    /// Ids, references, schema constraints, cycles and quotas: the template itself is wrong.
    Validation,
    /// The templates are valid one by one, but the assembly cannot be created in order on an
    /// empty account ([`crate::deployability`]).
    Deployability(crate::deployability::Unmet),
}

/// One problem, with everything needed to find it in code and in the template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The family of checks that found it (with the typed detail of deployability problems).
    pub kind: DiagnosticKind,
    /// A stable short code, e.g. `schema/pattern`, `ref/dangling`, `quota/resources`.
    pub code: &'static str,
    /// The stack the problem is in.
    pub stack: String,
    /// The construct path, when the problem belongs to a construct.
    pub path: Option<String>,
    /// The logical id, when the problem belongs to a template entry.
    pub logical_id: Option<String>,
    /// JSON pointer into the stack's template (RFC 6901), e.g.
    /// `/Resources/Vpc8378EB38/Properties/CidrBlock`.
    pub pointer: String,
    /// What is wrong and what is allowed.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}] ", self.severity, self.code)?;
        match &self.path {
            Some(path) => write!(f, "{path}")?,
            None => write!(f, "{}", self.stack)?,
        }
        if let Some(id) = &self.logical_id {
            write!(f, " ({id})")?;
        }
        if !self.pointer.is_empty() {
            write!(f, " at {}", self.pointer)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Escapes one JSON-pointer reference token (`~` → `~0`, `/` → `~1`).
pub fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Collects diagnostics for one stack while keeping the location plumbing in one place.
#[derive(Debug)]
pub(crate) struct Sink<'a> {
    pub(crate) stack: &'a str,
    pub(crate) out: &'a mut Vec<Diagnostic>,
}

impl Sink<'_> {
    pub(crate) fn push(
        &mut self,
        severity: Severity,
        code: &'static str,
        path: Option<&str>,
        logical_id: Option<&str>,
        pointer: &str,
        message: impl Into<String>,
    ) {
        self.out.push(Diagnostic {
            severity,
            kind: DiagnosticKind::Validation,
            code,
            stack: self.stack.to_owned(),
            path: path.map(str::to_owned),
            logical_id: logical_id.map(str::to_owned),
            pointer: pointer.to_owned(),
            message: message.into(),
        });
    }

    pub(crate) fn error(
        &mut self,
        code: &'static str,
        path: Option<&str>,
        logical_id: Option<&str>,
        pointer: &str,
        message: impl Into<String>,
    ) {
        self.push(Severity::Error, code, path, logical_id, pointer, message);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_path_id_and_pointer() {
        let d = Diagnostic {
            severity: Severity::Error,
            kind: DiagnosticKind::Validation,
            code: "schema/pattern",
            stack: "Net".into(),
            path: Some("Net/Vpc/Resource".into()),
            logical_id: Some("Vpc8378EB38".into()),
            pointer: "/Resources/Vpc8378EB38/Properties/CidrBlock".into(),
            message: "bad".into(),
        };
        assert_eq!(
            d.to_string(),
            "error [schema/pattern] Net/Vpc/Resource (Vpc8378EB38) at /Resources/Vpc8378EB38/Properties/CidrBlock: bad"
        );
    }

    #[test]
    fn pointer_tokens_are_escaped() {
        assert_eq!(escape_token("a/b~c"), "a~1b~0c");
    }
}
