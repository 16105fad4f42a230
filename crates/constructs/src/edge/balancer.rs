//! `Balancer`: the internet-facing HTTPS Application Load Balancer.

use std::collections::BTreeSet;

use crate::edge::log_bucket::{LogBucket, LogBucketProps};
use crate::edge::subzone::Subzone;
use crate::edge::{domain_problem, label_problem};
use crate::error::ConstructError;
use crate::fns;
use crate::iam::Principal;
use crate::network::{
    InternetPeer, Port, Public, SecurityTier, Subnets, allow, allow_from_internet,
};
use crate::resources::elasticloadbalancingv2::{self as elbv2, listener, listener_rule};
use crate::resources::{Tag, certificatemanager as acm};
use crate::tree::{AsNode, Handle, NodeRef, ResourceOptions, Scope};
use crate::value::Value;

/// The TLS security policy of the HTTPS listener. Every choice negotiates TLS 1.3; none allows
/// TLS 1.0 or 1.1 (the seed's `ELBSecurityPolicy-2016-08` did).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TlsPolicy {
    /// `ELBSecurityPolicy-TLS13-1-2-2021-06`: TLS 1.3 and 1.2 (the default).
    #[default]
    Tls13Tls12,
    /// `ELBSecurityPolicy-TLS13-1-2-Res-2021-06`: TLS 1.3 and 1.2 with restricted ciphers.
    Tls13Tls12Restricted,
    /// `ELBSecurityPolicy-TLS13-1-3-2021-06`: TLS 1.3 only.
    Tls13Only,
    /// `ELBSecurityPolicy-TLS13-1-2-PQ-2025-09`: TLS 1.3 and 1.2, hybrid post-quantum key
    /// exchange.
    Tls13Tls12PostQuantum,
    /// `ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09`: restricted ciphers, hybrid post-quantum
    /// key exchange (the console's default since 2025).
    Tls13Tls12RestrictedPostQuantum,
    /// `ELBSecurityPolicy-TLS13-1-3-PQ-2025-09`: TLS 1.3 only, hybrid post-quantum key exchange.
    Tls13OnlyPostQuantum,
}

impl TlsPolicy {
    /// The policy name as ELB knows it.
    pub fn name(self) -> &'static str {
        match self {
            TlsPolicy::Tls13Tls12 => "ELBSecurityPolicy-TLS13-1-2-2021-06",
            TlsPolicy::Tls13Tls12Restricted => "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
            TlsPolicy::Tls13Only => "ELBSecurityPolicy-TLS13-1-3-2021-06",
            TlsPolicy::Tls13Tls12PostQuantum => "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09",
            TlsPolicy::Tls13Tls12RestrictedPostQuantum => {
                "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"
            }
            TlsPolicy::Tls13OnlyPostQuantum => "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
        }
    }
}

/// Which addresses the balancer listens on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IpAddressType {
    /// IPv4 only (the default; the subnets need no IPv6 blocks).
    #[default]
    Ipv4,
    /// IPv4 and IPv6: the public subnets must have IPv6 blocks; the balancer also accepts
    /// `::/0` on its ports and [`Subzone::alias`] adds `AAAA` records.
    Dualstack,
}

/// Who writes the access logs into the bucket.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum LogDeliveryPrincipal {
    /// The `logdelivery.elasticloadbalancing.amazonaws.com` service principal (the default).
    /// AWS documents it for regions launched since August 2022; for older regions it documents
    /// the regional ELB account instead, so use [`LogDeliveryPrincipal::ElbAccount`] there if
    /// the balancer reports that it cannot write to the bucket.
    #[default]
    ServicePrincipal,
    /// The regional Elastic Load Balancing account id (12 digits) of a region opened before
    /// August 2022, e.g. `127311923021` for us-east-1 (see the ELB access-log documentation).
    ElbAccount(String),
}

/// Options of [`Balancer`].
#[derive(Debug, Clone, PartialEq)]
pub struct BalancerProps {
    /// Host names the certificate covers, FQDNs in the sub-zone (a leading `*.` label is
    /// allowed). The first is the certificate's domain name, the rest are SANs. At least one,
    /// at most 10 (ACM's default quota).
    pub host_names: Vec<String>,
    /// The HTTPS listener's security policy.
    pub tls_policy: TlsPolicy,
    /// Listen on port 80 and redirect every request to HTTPS (301). On by default; off means
    /// port 80 is neither opened nor listened on.
    pub redirect_http: bool,
    /// ELB deletion protection (on by default).
    pub deletion_protection: bool,
    /// Idle connection timeout in seconds (1-4000; 60 by default).
    pub idle_timeout_seconds: u32,
    /// IPv4 only or dual-stack.
    pub ip_address_type: IpAddressType,
    /// The access-log bucket's options (expiry).
    pub access_logs: LogBucketProps,
    /// Key prefix of the access logs in the bucket (no leading or trailing `/`; `AWSLogs` is
    /// reserved by ELB).
    pub access_log_prefix: String,
    /// Who may write access logs.
    pub log_delivery: LogDeliveryPrincipal,
}

impl BalancerProps {
    /// Defaults for a certificate covering `host_names`: TLS 1.3/1.2, HTTP redirect on,
    /// deletion protection on, 60 s idle timeout, IPv4, a year of access logs under `alb/`.
    pub fn new<S: Into<String>>(host_names: impl IntoIterator<Item = S>) -> Self {
        BalancerProps {
            host_names: host_names.into_iter().map(Into::into).collect(),
            tls_policy: TlsPolicy::default(),
            redirect_http: true,
            deletion_protection: true,
            idle_timeout_seconds: 60,
            ip_address_type: IpAddressType::default(),
            access_logs: LogBucketProps::default(),
            access_log_prefix: "alb".into(),
            log_delivery: LogDeliveryPrincipal::default(),
        }
    }
}

/// Which requests a listener rule sends to a target: host-header and path-pattern conditions
/// (both must match when both are given) and the rule's priority.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Route {
    /// Host headers, e.g. `dashboard.asg.example.com` (each must be covered by the certificate).
    pub hosts: Vec<String>,
    /// Path patterns, e.g. `/*`.
    pub paths: Vec<String>,
    /// The rule priority (1-50000, unique per listener; lower is evaluated first). `None` takes
    /// the next one after the highest priority used so far on this balancer.
    pub priority: Option<u32>,
}

impl Route {
    /// A route matching any of `hosts`, on every path, with an automatic priority.
    pub fn hosts<S: Into<String>>(hosts: impl IntoIterator<Item = S>) -> Self {
        Route {
            hosts: hosts.into_iter().map(Into::into).collect(),
            ..Route::default()
        }
    }

    /// Sets the paths.
    pub fn paths<S: Into<String>>(mut self, paths: impl IntoIterator<Item = S>) -> Self {
        self.paths = paths.into_iter().map(Into::into).collect();
        self
    }

    /// Sets an explicit priority.
    pub fn priority(mut self, priority: u32) -> Self {
        self.priority = Some(priority);
        self
    }
}

/// Something the balancer can forward to: a target group and the tier and port the balancer
/// must be allowed to reach. Implemented by [`crate::compute::Workload`].
pub trait BalancerTarget {
    /// The target group's ARN.
    fn target_group_arn(&self) -> Value<String>;
    /// The targets' security tier.
    fn tier(&self) -> &SecurityTier;
    /// The port the targets listen on.
    fn port(&self) -> u16;
}

/// The highest priority a listener rule may have.
const MAX_PRIORITY: u32 = 50_000;
/// How many condition values one ALB rule may evaluate.
const MAX_CONDITION_VALUES: usize = 5;

/// An internet-facing Application Load Balancer in public subnets.
///
/// It has its own [`SecurityTier`] open to the internet on 443 (and 80 for the redirect); its
/// egress is only what [`Balancer::attach`] adds towards each target tier. The HTTPS listener
/// answers `404` unless a route matches.
#[derive(Debug, Clone)]
pub struct Balancer {
    node: NodeRef,
    load_balancer: Handle<elbv2::LoadBalancer>,
    https: Handle<elbv2::Listener>,
    http: Option<Handle<elbv2::Listener>>,
    certificate: Handle<acm::Certificate>,
    tier: SecurityTier,
    logs: LogBucket,
    host_names: Vec<String>,
    priorities: BTreeSet<u32>,
    dualstack: bool,
}

impl AsNode for Balancer {
    fn node_ref(&self) -> &NodeRef {
        &self.node
    }
}

impl Balancer {
    /// Creates the balancer at `scope/id`: `SecurityGroup`, `AccessLogs` (bucket and policy),
    /// `Certificate`, `Resource` (the load balancer), `HttpsListener` and `HttpListener`.
    ///
    /// # Errors
    /// [`ConstructError::InvalidConfig`] naming the field: `host_names` (empty, more than 10,
    /// duplicated, not a FQDN or outside the sub-zone), `subnets` (fewer than 2),
    /// `idle_timeout_seconds` (outside 1-4000), `access_log_prefix`, `log_delivery`, or
    /// `expiration_days`; [`ConstructError`] if `id` is taken in `scope`.
    pub fn new(
        scope: &mut Scope<'_>,
        id: &str,
        props: &BalancerProps,
        vpc_id: Value<String>,
        subnets: &Subnets<Public>,
        zone: &Subzone,
    ) -> Result<Self, ConstructError> {
        let mut s = scope.child(id)?;
        let host_names = check_host_names(&s, &props.host_names, zone)?;
        if subnets.len() < 2 {
            return Err(s.config_error(
                "subnets",
                format!(
                    "an Application Load Balancer needs subnets in at least 2 availability zones; {} given",
                    subnets.len()
                ),
            ));
        }
        if !(1..=4000).contains(&props.idle_timeout_seconds) {
            return Err(s.config_error("idle_timeout_seconds", "must be 1-4000 seconds"));
        }
        let prefix = &props.access_log_prefix;
        let prefix_ok = !prefix.is_empty()
            && !prefix.starts_with('/')
            && !prefix.ends_with('/')
            && !prefix.contains("AWSLogs")
            && prefix
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_/.".contains(c));
        if !prefix_ok {
            return Err(s.config_error(
                "access_log_prefix",
                format!("{prefix:?}: use letters, digits, '-', '_', '.' and inner '/', without 'AWSLogs'"),
            ));
        }
        if let LogDeliveryPrincipal::ElbAccount(account) = &props.log_delivery
            && (account.len() != 12 || !account.chars().all(|c| c.is_ascii_digit()))
        {
            return Err(s.config_error(
                "log_delivery",
                format!("{account:?} is not a 12-digit AWS account id"),
            ));
        }

        // Network: its own tier, reachable from the internet on 443 (and 80 to redirect).
        let tier = SecurityTier::new(
            &mut s,
            "SecurityGroup",
            vpc_id,
            "Internet-facing load balancer: HTTPS (and HTTP redirect) from the internet",
        )?;
        let dualstack = props.ip_address_type == IpAddressType::Dualstack;
        let mut peers = vec![InternetPeer::AnyIpv4];
        if dualstack {
            peers.push(InternetPeer::AnyIpv6);
        }
        for peer in &peers {
            allow_from_internet(
                s.stack(),
                &tier,
                *peer,
                Port::Tcp(443),
                "HTTPS from the internet",
            )?;
            if props.redirect_http {
                allow_from_internet(
                    s.stack(),
                    &tier,
                    *peer,
                    Port::Tcp(80),
                    "HTTP from the internet, redirected to HTTPS",
                )?;
            }
        }
        if props.redirect_http {
            suppress_port_80_findings(&mut s, &tier)?;
        }

        // Access logs (SSE-S3: ALB log delivery does not support KMS keys).
        let mut logs = LogBucket::new(&mut s, "AccessLogs", &props.access_logs)?;
        let principal = match &props.log_delivery {
            LogDeliveryPrincipal::ServicePrincipal => {
                Principal::Service("logdelivery.elasticloadbalancing.amazonaws.com".into())
            }
            LogDeliveryPrincipal::ElbAccount(account) => Principal::Aws(fns::concat([
                "arn:".into(),
                fns::partition(),
                format!(":iam::{account}:root").into(),
            ])),
        };
        logs.allow_delivery(
            s.stack(),
            "ElbLogDelivery",
            principal,
            fns::concat([
                format!("{prefix}/AWSLogs/").into(),
                fns::account_id(),
                "/*".into(),
            ]),
        )?;

        // Certificate, validated by DNS in the sub-zone once the delegation resolves.
        let mut cert_options = ResourceOptions::default();
        if host_names.iter().any(|h| h.starts_with("*.")) {
            cert_options.metadata = crate::lint::suppressions(
                &[(
                    "CKV2_AWS_71",
                    "A wildcard name was requested explicitly in BalancerProps::host_names.",
                )],
                &[],
            );
        }
        if zone.delegation().node_ref().stack() == s.node_ref().stack() {
            cert_options
                .depends_on
                .push(zone.delegation().node_ref().clone());
        }
        let certificate = s.resource_with(
            "Certificate",
            acm::Certificate {
                subject_alternative_names: (host_names.len() > 1).then(|| {
                    host_names[1..]
                        .iter()
                        .map(|h| Value::from(h.as_str()))
                        .collect()
                }),
                validation_method: Some("DNS".into()),
                certificate_transparency_logging_preference: Some("ENABLED".into()),
                domain_validation_options: Some(
                    host_names
                        .iter()
                        .map(|h| acm::certificate::DomainValidationOption {
                            domain_name: Some(h.as_str().into()),
                            hosted_zone_id: Some(zone.zone_id()),
                            validation_domain: None,
                        })
                        .collect(),
                ),
                ..acm::Certificate::new(host_names[0].as_str())
            },
            cert_options,
        )?;

        // The load balancer itself.
        let attributes = vec![
            Tag::new(
                "deletion_protection.enabled",
                props.deletion_protection.to_string(),
            ),
            Tag::new("routing.http.drop_invalid_header_fields.enabled", "true"),
            Tag::new(
                "idle_timeout.timeout_seconds",
                props.idle_timeout_seconds.to_string(),
            ),
            Tag::new("access_logs.s3.enabled", "true"),
            Tag::new("access_logs.s3.bucket", logs.name()),
            Tag::new("access_logs.s3.prefix", prefix.as_str()),
        ];
        let mut lb_options = ResourceOptions {
            depends_on: vec![logs.policy().node_ref().clone()],
            ..ResourceOptions::default()
        };
        if !props.deletion_protection {
            lb_options.metadata = crate::lint::suppressions(
                &[(
                    "CKV_AWS_150",
                    "Deletion protection is turned off by configuration (BalancerProps::deletion_protection).",
                )],
                &[],
            );
        }
        let load_balancer = s.resource_with(
            "Resource",
            elbv2::LoadBalancer {
                scheme: Some("internet-facing".into()),
                type_: Some("application".into()),
                ip_address_type: Some(if dualstack { "dualstack" } else { "ipv4" }.into()),
                subnets: Some(subnets.ids()),
                security_groups: Some(vec![tier.group_id()].into()),
                load_balancer_attributes: Some(attributes.into()),
                ..elbv2::LoadBalancer::new()
            },
            lb_options,
        )?;

        let not_found = listener::Action {
            fixed_response_config: Some(
                listener::FixedResponseConfig {
                    content_type: Some("text/plain".into()),
                    message_body: Some("Not Found".into()),
                    ..listener::FixedResponseConfig::new("404")
                }
                .into(),
            ),
            ..listener::Action::new("fixed-response")
        };
        let https = s.resource(
            "HttpsListener",
            elbv2::Listener {
                port: Some(443.into()),
                protocol: Some("HTTPS".into()),
                ssl_policy: Some(props.tls_policy.name().into()),
                certificates: Some(
                    vec![listener::Certificate {
                        certificate_arn: Some(certificate.reference()),
                    }]
                    .into(),
                ),
                ..elbv2::Listener::new(vec![not_found], load_balancer.reference())
            },
        )?;
        let http = if props.redirect_http {
            let redirect = listener::Action {
                redirect_config: Some(
                    listener::RedirectConfig {
                        protocol: Some("HTTPS".into()),
                        port: Some("443".into()),
                        host: Some("#{host}".into()),
                        path: Some("/#{path}".into()),
                        query: Some("#{query}".into()),
                        ..listener::RedirectConfig::new("HTTP_301")
                    }
                    .into(),
                ),
                ..listener::Action::new("redirect")
            };
            Some(s.resource(
                "HttpListener",
                elbv2::Listener {
                    port: Some(80.into()),
                    protocol: Some("HTTP".into()),
                    ..elbv2::Listener::new(vec![redirect], load_balancer.reference())
                },
            )?)
        } else {
            None
        };

        Ok(Balancer {
            node: s.node_ref(),
            load_balancer,
            https,
            http,
            certificate,
            tier,
            logs,
            host_names,
            priorities: BTreeSet::new(),
            dualstack,
        })
    }

    /// Forwards requests matching `route` on the HTTPS listener to `target`
    /// (`AWS::ElasticLoadBalancingV2::ListenerRule` at `scope/id`), and lets the balancer's tier
    /// reach the target's tier on its port.
    ///
    /// # Errors
    /// [`ConstructError::InvalidConfig`] naming `route.priority` (outside 1-50000, or already
    /// used on this balancer), `route.hosts` (not covered by the certificate) or `route`
    /// (no condition, or more than 5 condition values); [`ConstructError`] if `id` is taken in
    /// `scope`.
    pub fn attach(
        &mut self,
        scope: &mut Scope<'_>,
        id: &str,
        target: &impl BalancerTarget,
        route: &Route,
    ) -> Result<Handle<elbv2::ListenerRule>, ConstructError> {
        let priority = self.check_route(scope, route)?;
        let mut conditions = Vec::new();
        if !route.hosts.is_empty() {
            conditions.push(listener_rule::RuleCondition {
                field: Some("host-header".into()),
                host_header_config: Some(
                    listener_rule::HostHeaderConfig {
                        values: Some(route.hosts.iter().map(|h| h.to_ascii_lowercase()).collect()),
                        ..listener_rule::HostHeaderConfig::new()
                    }
                    .into(),
                ),
                ..listener_rule::RuleCondition::new()
            });
        }
        if !route.paths.is_empty() {
            conditions.push(listener_rule::RuleCondition {
                field: Some("path-pattern".into()),
                path_pattern_config: Some(
                    listener_rule::PathPatternConfig {
                        values: Some(route.paths.iter().map(String::as_str).collect()),
                        ..listener_rule::PathPatternConfig::new()
                    }
                    .into(),
                ),
                ..listener_rule::RuleCondition::new()
            });
        }
        let forward = listener_rule::Action {
            target_group_arn: Some(target.target_group_arn()),
            ..listener_rule::Action::new("forward")
        };
        let rule = scope.resource(
            id,
            elbv2::ListenerRule {
                listener_arn: Some(self.https.reference()),
                ..elbv2::ListenerRule::new(vec![forward], conditions, i64::from(priority))
            },
        )?;
        self.priorities.insert(priority);
        allow(
            scope.stack(),
            &self.tier,
            target.tier(),
            Port::Tcp(target.port()),
            "Load balancer to its targets",
        )?;
        Ok(rule)
    }

    fn check_route(&self, scope: &Scope<'_>, route: &Route) -> Result<u32, ConstructError> {
        if route.hosts.is_empty() && route.paths.is_empty() {
            return Err(scope.config_error("route", "give at least one host or path"));
        }
        let values = route.hosts.len() + route.paths.len();
        if values > MAX_CONDITION_VALUES {
            return Err(scope.config_error(
                "route",
                format!("{values} condition values; an ALB rule evaluates at most {MAX_CONDITION_VALUES}"),
            ));
        }
        for host in &route.hosts {
            if !self.covers(host) {
                return Err(scope.config_error(
                    "route.hosts",
                    format!(
                        "{host:?} is not covered by the balancer's certificate ({})",
                        self.host_names.join(", ")
                    ),
                ));
            }
        }
        for path in &route.paths {
            if path.is_empty() || path.len() > 128 {
                return Err(
                    scope.config_error("route.paths", "each path pattern has 1-128 characters")
                );
            }
        }
        let priority = match route.priority {
            Some(p) => p,
            None => self.priorities.last().map_or(1, |p| p + 1),
        };
        if !(1..=MAX_PRIORITY).contains(&priority) {
            return Err(scope.config_error(
                "route.priority",
                format!("{priority} is outside 1-{MAX_PRIORITY}"),
            ));
        }
        if self.priorities.contains(&priority) {
            return Err(scope.config_error(
                "route.priority",
                format!(
                    "priority {priority} is already used on this balancer's HTTPS listener (used: {:?}); each rule needs its own",
                    self.priorities
                ),
            ));
        }
        Ok(priority)
    }

    /// Whether the certificate covers `host` (exactly, or through a `*.` name one label up).
    fn covers(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        self.host_names.iter().any(|name| {
            name == &host
                || name.strip_prefix("*.").is_some_and(|parent| {
                    host.split_once('.').is_some_and(|(label, rest)| {
                        rest == parent && label_problem(label).is_none()
                    })
                })
        })
    }

    /// The load balancer's ARN.
    pub fn arn(&self) -> Value<String> {
        self.load_balancer.attr_load_balancer_arn()
    }

    /// The load balancer's DNS name.
    pub fn dns_name(&self) -> Value<String> {
        self.load_balancer.attr_dns_name()
    }

    /// The hosted zone id of the load balancer's DNS name (for alias records).
    pub fn canonical_hosted_zone_id(&self) -> Value<String> {
        self.load_balancer.attr_canonical_hosted_zone_id()
    }

    /// The HTTPS listener's ARN (rules of other constructs attach here).
    pub fn https_listener_arn(&self) -> Value<String> {
        self.https.attr_listener_arn()
    }

    /// The certificate's ARN (the seed's output returned the whole object; this is the ARN).
    pub fn certificate_arn(&self) -> Value<String> {
        self.certificate.reference()
    }

    /// The host names the certificate covers.
    pub fn host_names(&self) -> &[String] {
        &self.host_names
    }

    /// Whether the balancer also listens on IPv6.
    pub fn is_dualstack(&self) -> bool {
        self.dualstack
    }

    /// The listener-rule priorities used so far.
    pub fn priorities(&self) -> &BTreeSet<u32> {
        &self.priorities
    }

    /// The balancer's security tier.
    pub fn tier(&self) -> &SecurityTier {
        &self.tier
    }

    /// The access-log bucket.
    pub fn access_logs(&self) -> &LogBucket {
        &self.logs
    }

    /// The load balancer L1, for escape hatches.
    pub fn l1(&self) -> &Handle<elbv2::LoadBalancer> {
        &self.load_balancer
    }

    /// The HTTPS listener L1.
    pub fn https_listener(&self) -> &Handle<elbv2::Listener> {
        &self.https
    }

    /// The HTTP (redirect) listener L1, when `redirect_http` is on.
    pub fn http_listener(&self) -> Option<&Handle<elbv2::Listener>> {
        self.http.as_ref()
    }

    /// The certificate L1.
    pub fn certificate(&self) -> &Handle<acm::Certificate> {
        &self.certificate
    }
}

/// Normalizes and checks the certificate's host names.
fn check_host_names(
    s: &Scope<'_>,
    names: &[String],
    zone: &Subzone,
) -> Result<Vec<String>, ConstructError> {
    if names.is_empty() {
        return Err(s.config_error(
            "host_names",
            "list at least one host name for the certificate",
        ));
    }
    if names.len() > 10 {
        return Err(s.config_error(
            "host_names",
            format!(
                "{} names; an ACM certificate holds at most 10 by default",
                names.len()
            ),
        ));
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for name in names {
        let name = name.to_ascii_lowercase();
        if let Some(problem) = domain_problem(&name, true) {
            return Err(s.config_error("host_names", problem));
        }
        if !zone.contains(name.trim_start_matches("*.")) {
            return Err(s.config_error(
                "host_names",
                format!(
                    "{name:?} is outside the sub-zone {}, so it cannot be validated there",
                    zone.fqdn()
                ),
            ));
        }
        if !seen.insert(name.clone()) {
            return Err(s.config_error("host_names", format!("{name:?} is listed twice")));
        }
        out.push(name);
    }
    Ok(out)
}

/// Adds checkov suppressions, with the reason, to the port-80 internet ingress rules of `tier`:
/// port 80 only answers with a redirect to HTTPS.
fn suppress_port_80_findings(s: &mut Scope<'_>, tier: &SecurityTier) -> Result<(), ConstructError> {
    let stack = s.stack();
    let tier_node = tier.node_ref().node();
    let rules: Vec<NodeRef> = stack
        .node(tier_node)
        .map(|n| n.children.clone())
        .unwrap_or_default()
        .into_iter()
        .filter(|c| {
            stack
                .node(*c)
                .is_some_and(|n| n.id.starts_with("from ") && n.id.ends_with(":80"))
        })
        .map(|c| stack.node_ref(c))
        .collect();
    for rule in rules {
        stack.options_mut(&rule)?.metadata.extend(crate::lint::suppressions(&[(
            "CKV_AWS_260",
            "Port 80 only serves the listener's 301 redirect to HTTPS; no content is served over HTTP.",
        )], &[]));
    }
    Ok(())
}
