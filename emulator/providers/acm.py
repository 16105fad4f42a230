"""AWS::CertificateManager::Certificate through moto's ACM backend, with DNS validation through
moto's Route 53.

CloudFormation's ACM handler, for DNS validation with `DomainValidationOptions[].HostedZoneId`,
writes each domain's validation CNAME into that hosted zone and waits until ACM has issued the
certificate. Here: the CNAME (`_<token>.<domain>.` -> `_<token>.<token>.acm-validations.aws.`,
stable per account and domain, like ACM's) is UPSERTed into the zone; a domain without a
HostedZoneId is validated when a zone of the emulator already holds its record. The certificate
is ISSUED when every domain's record exists; otherwise the resource fails (CloudFormation would
wait up to 72 hours). A HostedZoneId naming no zone fails the resource. EMAIL validation is taken
as approved at once. Deleting the certificate removes the validation records it wrote.
"""

from __future__ import annotations

import hashlib

from moto.acm.models import CertBundle, acm_backends
from moto.route53.models import route53_backends

from .base import Provider, provider, tags_list

_describe = CertBundle.describe
_check = CertBundle.check


def _describe_with_records(self):
    """moto's describe, with the emulator's validation state where the provider made the cert."""
    result = _describe(self)
    records = getattr(self, "emulator_validation", None)
    if records is not None:
        options = []
        for domain, rec in records.items():
            options.append({
                "DomainName": domain,
                "ValidationDomain": rec["validation_domain"],
                "ValidationStatus": "SUCCESS" if rec["validated"] else "PENDING_VALIDATION",
                "ValidationMethod": rec["method"],
                **({"ResourceRecord": {"Name": rec["name"], "Type": "CNAME", "Value": rec["value"]}}
                   if rec["method"] == "DNS" else {}),
            })
        result["Certificate"]["DomainValidationOptions"] = options
    return result


def _check_without_auto_issue(self):
    # Stock moto issues any pending certificate after 60 s; the emulator's are issued by DNS.
    if getattr(self, "emulator_validation", None) is not None:
        return
    _check(self)


CertBundle.describe = _describe_with_records
CertBundle.check = _check_without_auto_issue


def validation_record(account_id: str, domain: str) -> tuple[str, str]:
    """The validation CNAME (name, value) of `domain`, stable per account and domain."""
    base = domain[2:] if domain.startswith("*.") else domain
    token = hashlib.md5(f"{account_id}:{base}".encode()).hexdigest()
    target = hashlib.md5(f"acm:{base}:{account_id}".encode()).hexdigest()
    return f"_{token}.{base}.", f"_{target}.{token[:10]}.acm-validations.aws."


@provider
class Certificate(Provider):
    TYPE = "AWS::CertificateManager::Certificate"

    @property
    def backend(self):
        return acm_backends[self.ctx.account_id][self.ctx.region]

    @property
    def route53(self):
        return route53_backends[self.ctx.account_id]["global"]

    def _zone(self, zone_id: str):
        zone = self.route53.zones.get(zone_id.replace("/hostedzone/", ""))
        if zone is None:
            raise self.fail(
                f"Hosted zone {zone_id} (DomainValidationOptions HostedZoneId) does not exist"
            )
        return zone

    def _record_exists(self, name: str, value: str) -> bool:
        for zone in self.route53.zones.values():
            for rrset in zone.rrsets:
                if rrset.name == name and rrset.type == "CNAME" and any(
                    v.rstrip(".") == value.rstrip(".") for v in (rrset.records or [])
                ):
                    return True
        return False

    def create(self):
        p = self.props
        domain = p["DomainName"]
        sans = list(p.get("SubjectAlternativeNames") or [])
        method = (p.get("ValidationMethod") or "EMAIL").upper()
        if method not in ("DNS", "EMAIL", "HTTP"):
            raise self.fail(f"Invalid ValidationMethod {p.get('ValidationMethod')}: DNS, EMAIL or HTTP")
        options = {o["DomainName"]: o for o in p.get("DomainValidationOptions") or []}
        for name in options:
            if name not in [domain, *sans]:
                raise self.fail(
                    f"DomainValidationOptions names {name}, which is neither DomainName nor a SubjectAlternativeName"
                )
        # Zones first: a missing zone fails before anything is requested.
        zones = {d: self._zone(o["HostedZoneId"]) for d, o in options.items() if o.get("HostedZoneId")}
        options_key = {"CertificateTransparencyLoggingPreference":
                       p.get("CertificateTransparencyLoggingPreference", "ENABLED")}
        if p.get("CertificateExport"):
            options_key["Export"] = p["CertificateExport"]
        arn = self.backend.request_certificate(
            domain_name=domain, idempotency_token=None,
            subject_alt_names=sans, tags=tags_list(p),
            cert_authority_arn=p.get("CertificateAuthorityArn"), cert_options=options_key,
        )
        self.physical_id = arn
        self.attrs = {"CertificateArn": arn}
        cert = self.backend.get_certificate(arn)
        if p.get("CertificateAuthorityArn"):
            return  # private CA: issued at once, no validation
        validation = {}
        self.written = []  # (zone id, record set) the handler wrote, removed on delete
        for d in dict.fromkeys([domain, *sans]):
            opt = options.get(d, {})
            name, value = validation_record(self.ctx.account_id, d)
            rec = {"name": name, "value": value, "method": method,
                   "validation_domain": opt.get("ValidationDomain") or d, "validated": False}
            if method == "DNS" and d in zones:
                zone = zones[d]
                rrset = {"Name": name, "Type": "CNAME", "TTL": 300, "ResourceRecords": [{"Value": value}]}
                try:
                    self.route53.change_resource_record_sets(zone.resource_id, [{"Action": "UPSERT", "ResourceRecordSet": rrset}])
                except Exception as err:
                    self.backend.delete_certificate(arn)
                    raise self.fail(
                        f"Cannot write the validation record {name} into hosted zone {zone.resource_id} ({zone.name}): "
                        f"{getattr(err, 'message', None) or err}"
                    ) from err
                self.written.append((zone.resource_id, name, value))
            rec["validated"] = method != "DNS" or self._record_exists(name, value)
            validation[d] = rec
        cert.emulator_validation = validation
        pending = [d for d, r in validation.items() if not r["validated"]]
        if pending:
            self.delete_resource()
            raise self.fail(
                "Certificate not issued: no DNS validation record for "
                + ", ".join(f"{d} ({validation[d]['name']} CNAME {validation[d]['value']})" for d in pending)
                + " in any hosted zone; give DomainValidationOptions a HostedZoneId "
                "(CloudFormation would wait for the records for up to 72 hours)"
            )
        cert.status = "ISSUED"

    def update(self, old_props):
        cert = self.backend.get_certificate(self.physical_id)
        old_tags = {t["Key"] for t in tags_list(old_props)}
        new_tags = tags_list(self.props)
        removed = [{"Key": k} for k in old_tags - {t["Key"] for t in new_tags}]
        if removed:
            cert.tags.remove(removed)
        if new_tags:
            cert.tags.add(new_tags)
        pref = self.props.get("CertificateTransparencyLoggingPreference")
        if pref:
            cert.cert_options["CertificateTransparencyLoggingPreference"] = pref

    def delete_resource(self):
        for zone_id, name, value in getattr(self, "written", []):
            zone = self.route53.zones.get(zone_id)
            if zone is not None:
                zone.rrsets = [r for r in zone.rrsets if not (r.name == name and r.type == "CNAME")]
        self.written = []
        if self.physical_id in self.backend._certificates:
            self.backend.delete_certificate(self.physical_id)
