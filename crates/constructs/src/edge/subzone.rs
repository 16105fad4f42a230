//! `Subzone`: a Route 53 hosted zone `<name>.<parent>` delegated from its parent zone.

use crate::edge::balancer::Balancer;
use crate::edge::{domain_problem, label_problem};
use crate::error::ConstructError;
use crate::resources::route53::{self, hosted_zone, record_set};
use crate::tree::{AsNode, Handle, NodeRef, Scope};
use crate::value::{List, Value};

/// Options of [`Subzone`].
#[derive(Debug, Clone, PartialEq)]
pub struct SubzoneProps {
    /// The sub-zone's own label, e.g. `asg` for `asg.example.com`.
    pub name: String,
    /// The parent zone's domain name, e.g. `example.com` (no trailing dot). Route 53 has no
    /// `Name` attribute to read it from, so it is a synth-time input.
    pub parent_domain: String,
    /// The parent hosted zone's id (a literal such as `Z0123456789ABCDEFGHIJ`, or a parameter),
    /// where the NS delegation record is written.
    pub parent_zone_id: Value<String>,
    /// TTL of the delegation (NS) record, in seconds (the seed's 60 by default).
    pub delegation_ttl: u32,
    /// The hosted zone's comment.
    pub comment: Option<String>,
}

impl SubzoneProps {
    /// Props for `<name>.<parent_domain>`, delegated from `parent_zone_id`, with a 60 s NS TTL.
    pub fn new(
        name: impl Into<String>,
        parent_domain: impl Into<String>,
        parent_zone_id: impl Into<Value<String>>,
    ) -> Self {
        SubzoneProps {
            name: name.into(),
            parent_domain: parent_domain.into(),
            parent_zone_id: parent_zone_id.into(),
            delegation_ttl: 60,
            comment: None,
        }
    }
}

/// A public hosted zone `<name>.<parent>` with its NS delegation in the parent zone.
///
/// Records go in through [`Subzone::alias`]; certificates validate through it (see
/// [`Balancer`]), which is why the delegation must exist first: constructs that validate in this
/// zone depend on [`Subzone::delegation`].
#[derive(Debug, Clone)]
pub struct Subzone {
    node: NodeRef,
    zone: Handle<route53::HostedZone>,
    delegation: Handle<route53::RecordSet>,
    fqdn: String,
}

impl AsNode for Subzone {
    fn node_ref(&self) -> &NodeRef {
        &self.node
    }
}

impl Subzone {
    /// Creates the hosted zone (`scope/id/Zone`) and the NS record in the parent zone
    /// (`scope/id/Delegation`).
    ///
    /// # Errors
    /// [`ConstructError::InvalidConfig`] naming `name`, `parent_domain`, `parent_zone_id` or
    /// `delegation_ttl` when they are not a DNS label, a domain name, a hosted zone id or a TTL
    /// (0-2147483647 s); [`ConstructError`] if `id` is taken in `scope`.
    pub fn new(
        scope: &mut Scope<'_>,
        id: &str,
        props: &SubzoneProps,
    ) -> Result<Self, ConstructError> {
        let mut s = scope.child(id)?;
        if let Some(problem) = label_problem(&props.name) {
            return Err(s.config_error("name", problem));
        }
        let parent = props.parent_domain.to_ascii_lowercase();
        if let Some(problem) = domain_problem(&parent, false) {
            return Err(s.config_error("parent_domain", problem));
        }
        if let Some(zone_id) = props.parent_zone_id.as_literal() {
            let ok = zone_id.len() <= 32
                && zone_id.starts_with('Z')
                && zone_id
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
            if !ok {
                return Err(s.config_error(
                    "parent_zone_id",
                    format!("{zone_id:?} is not a Route 53 hosted zone id (Z followed by upper-case letters and digits)"),
                ));
            }
        }
        if props.delegation_ttl > i32::MAX as u32 {
            return Err(s.config_error("delegation_ttl", "at most 2147483647 seconds"));
        }
        let fqdn = format!("{}.{parent}", props.name);
        if let Some(problem) = domain_problem(&fqdn, false) {
            return Err(s.config_error("name", problem));
        }
        let zone = s.resource(
            "Zone",
            route53::HostedZone {
                name: Some(fqdn.clone().into()),
                hosted_zone_config: Some(
                    hosted_zone::HostedZoneConfig {
                        comment: Some(
                            props
                                .comment
                                .clone()
                                .unwrap_or_else(|| format!("Sub-zone {fqdn} ({})", s.path()))
                                .into(),
                        ),
                    }
                    .into(),
                ),
                ..route53::HostedZone::new()
            },
        )?;
        let delegation = s.resource(
            "Delegation",
            route53::RecordSet {
                hosted_zone_id: Some(props.parent_zone_id.clone()),
                ttl: Some(props.delegation_ttl.to_string().into()),
                resource_records: Some(zone.attr_name_servers()),
                ..route53::RecordSet::new(fqdn.clone(), "NS")
            },
        )?;
        Ok(Subzone {
            node: s.node_ref(),
            zone,
            delegation,
            fqdn,
        })
    }

    /// The hosted zone id (`Ref`).
    pub fn zone_id(&self) -> Value<String> {
        self.zone.reference()
    }

    /// The zone's domain name, e.g. `asg.example.com`.
    pub fn fqdn(&self) -> &str {
        &self.fqdn
    }

    /// The zone's name servers.
    pub fn name_servers(&self) -> List<String> {
        self.zone.attr_name_servers()
    }

    /// The FQDN of `label` in this zone (`host("dashboard")` is `dashboard.asg.example.com`);
    /// the empty label is the zone apex.
    pub fn host(&self, label: &str) -> String {
        if label.is_empty() {
            self.fqdn.clone()
        } else {
            format!("{label}.{}", self.fqdn)
        }
    }

    /// Whether `name` is the apex of this zone or a name below it.
    pub fn contains(&self, name: &str) -> bool {
        let name = name.to_ascii_lowercase();
        name == self.fqdn || name.ends_with(&format!(".{}", self.fqdn))
    }

    /// Alias records for `host` (a label of this zone, a FQDN inside it, or `""` for the apex)
    /// pointing at `balancer`: an `A` record, plus `AAAA` when the balancer is dual-stack. They
    /// go at `scope/id/A` and `scope/id/AAAA`.
    ///
    /// # Errors
    /// [`ConstructError::InvalidConfig`] naming `host` if it is not in this zone;
    /// [`ConstructError`] if `id` is taken in `scope`.
    pub fn alias(
        &self,
        scope: &mut Scope<'_>,
        id: &str,
        host: &str,
        balancer: &Balancer,
    ) -> Result<Vec<Handle<route53::RecordSet>>, ConstructError> {
        let mut s = scope.child(id)?;
        let name = if host.is_empty() || host.contains('.') {
            if host.is_empty() {
                self.fqdn.clone()
            } else {
                host.to_ascii_lowercase()
            }
        } else {
            if let Some(problem) = label_problem(host) {
                return Err(s.config_error("host", problem));
            }
            self.host(host)
        };
        if !self.contains(&name) || domain_problem(&name, false).is_some() {
            return Err(s.config_error(
                "host",
                format!("{host:?} is not a name in the zone {}", self.fqdn),
            ));
        }
        let mut types = vec!["A"];
        if balancer.is_dualstack() {
            types.push("AAAA");
        }
        let mut records = Vec::new();
        for record_type in types {
            records.push(
                s.resource(
                    record_type,
                    route53::RecordSet {
                        hosted_zone_id: Some(self.zone_id()),
                        alias_target: Some(
                            record_set::AliasTarget {
                                evaluate_target_health: Some(true.into()),
                                ..record_set::AliasTarget::new(
                                    balancer.dns_name(),
                                    balancer.canonical_hosted_zone_id(),
                                )
                            }
                            .into(),
                        ),
                        ..route53::RecordSet::new(name.clone(), record_type)
                    },
                )?,
            );
        }
        Ok(records)
    }

    /// The hosted zone L1, for escape hatches.
    pub fn l1(&self) -> &Handle<route53::HostedZone> {
        &self.zone
    }

    /// The NS delegation record in the parent zone. Anything that needs the zone to resolve
    /// publicly (DNS validation of certificates) depends on it.
    pub fn delegation(&self) -> &Handle<route53::RecordSet> {
        &self.delegation
    }
}
