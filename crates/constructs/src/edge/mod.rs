//! Edge: DNS sub-zones, certificates and the HTTPS load balancer.
//!
//! - [`Subzone`]: a Route 53 hosted zone `<name>.<parent>` delegated from its parent zone, with
//!   alias records for a [`Balancer`].
//! - [`Balancer`]: an internet-facing Application Load Balancer with a DNS-validated ACM
//!   certificate, a TLS 1.3 HTTPS listener (fixed 404 by default), an HTTP → HTTPS redirect,
//!   access logs to a [`LogBucket`] and host/path routes with explicit priorities.
//! - [`StaticCdn`]: a private S3 bucket of static files behind CloudFront (origin access
//!   control, HTTPS only, compression, a cache policy for content-hashed names, access logs),
//!   filled by deploy from a directory ([`StaticCdn::publish`]).
//!
//! ```
//! use constructs::edge::{Balancer, BalancerProps, Subzone, SubzoneProps};
//! use constructs::network::{HaVpc, HaVpcProps};
//! use constructs::{Environment, Stack};
//!
//! let mut stack = Stack::new("Edge", Environment::region("eu-west-1", &[]))?;
//! let vpc = HaVpc::new(&mut stack.root(), "Vpc", &HaVpcProps::default())?;
//! let zone = Subzone::new(
//!     &mut stack.root(),
//!     "Zone",
//!     &SubzoneProps::new("asg", "example.com", "Z0123456789ABCDEFGHIJ"),
//! )?;
//! let balancer = Balancer::new(
//!     &mut stack.root(),
//!     "Balancer",
//!     &BalancerProps::new([zone.host("dashboard")]),
//!     vpc.vpc_id(),
//!     vpc.public_subnets(),
//!     &zone,
//! )?;
//! zone.alias(&mut stack.root(), "DashboardAlias", "dashboard", &balancer)?;
//! assert_eq!(zone.fqdn(), "asg.example.com");
//! # Ok::<(), constructs::ConstructError>(())
//! ```

pub mod balancer;
pub mod cdn;
pub mod log_bucket;
pub mod subzone;

pub use balancer::{
    Balancer, BalancerProps, BalancerTarget, IpAddressType, LogDeliveryPrincipal, Route, TlsPolicy,
};
pub use cdn::{
    CACHING_OPTIMIZED, CORS_AND_SECURITY_HEADERS, CdnAlias, PriceClass, StaticCdn, StaticCdnProps,
};
pub use log_bucket::{LogBucket, LogBucketProps};
pub use subzone::{Subzone, SubzoneProps};

/// Why `label` is not a DNS label (1-63 letters, digits or `-`, not starting or ending with
/// `-`), or `None` if it is one.
pub(crate) fn label_problem(label: &str) -> Option<String> {
    if label.is_empty() {
        return Some("a DNS label must not be empty".into());
    }
    if label.len() > 63 {
        return Some(format!("DNS label {label:?} is longer than 63 characters"));
    }
    if !label
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Some(format!(
            "DNS label {label:?} may contain only lower-case letters, digits and '-'"
        ));
    }
    if label.starts_with('-') || label.ends_with('-') {
        return Some(format!(
            "DNS label {label:?} must not start or end with '-'"
        ));
    }
    None
}

/// Why `name` is not a fully qualified domain name (labels joined with `.`, at most 253
/// characters, no trailing dot; a leading `*` label is allowed when `wildcard` is set), or
/// `None` if it is one.
pub(crate) fn domain_problem(name: &str, wildcard: bool) -> Option<String> {
    if name.len() > 253 {
        return Some(format!("{name:?} is longer than 253 characters"));
    }
    if name.ends_with('.') {
        return Some(format!("{name:?}: leave out the trailing dot"));
    }
    let mut labels = name.split('.').peekable();
    if wildcard && labels.peek() == Some(&"*") {
        labels.next();
    }
    let rest: Vec<&str> = labels.collect();
    if rest.len() < 2 {
        return Some(format!(
            "{name:?} is not a fully qualified domain name (it needs at least two labels)"
        ));
    }
    rest.iter().find_map(|l| label_problem(l))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_domains_follow_dns_rules() {
        assert!(label_problem("asg").is_none());
        assert!(label_problem("-asg").is_some());
        assert!(label_problem("Asg").is_some());
        assert!(label_problem(&"a".repeat(64)).is_some());
        assert!(domain_problem("example.com", false).is_none());
        assert!(domain_problem("example.com.", false).is_some());
        assert!(domain_problem("com", false).is_some());
        assert!(domain_problem("*.asg.example.com", true).is_none());
        assert!(domain_problem("*.asg.example.com", false).is_some());
        assert!(domain_problem("a..example.com", false).is_some());
    }
}
