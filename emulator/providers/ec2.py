"""AWS::EC2::SecurityGroupEgress and AWS::EC2::SecurityGroupIngress: one rule of a security
group, through moto's EC2 backend (`describe-security-group-rules` lists it).

moto 5.2.5 has no model for egress rules (stock moto skips them), and its ingress model has no
physical id and no delete, so a rule removed by an update stays open; both are project
providers. Every property is createOnly except Description, so a change is a replacement (a new
rule id, the old rule revoked); Description updates in place. Ref and `Id` are the rule id
(`sgr-...`), as on AWS.
"""

from __future__ import annotations

from moto.ec2.models import ec2_backends

from .base import Provider, provider


class _Rule(Provider):
    EGRESS = False

    @property
    def backend(self):
        return ec2_backends[self.ctx.account_id][self.ctx.region]

    def _group(self):
        p = self.props
        if p.get("GroupId"):
            group = self.backend.get_security_group_from_id(p["GroupId"])
        elif p.get("GroupName") and not self.EGRESS:
            group = self.backend.get_security_group_from_name(p["GroupName"])
        else:
            raise self.fail("GroupId (or, for ingress in the default VPC, GroupName) is required")
        if group is None:
            raise self.fail(
                f"The security group '{p.get('GroupId') or p.get('GroupName')}' does not exist"
            )
        return group

    def _rule_args(self, group):
        p = self.props
        protocol = str(p["IpProtocol"])
        description = p.get("Description")
        ranges = []
        if p.get("CidrIp"):
            ranges.append({"CidrIp": p["CidrIp"], "Description": description})
        if p.get("CidrIpv6"):
            ranges.append({"CidrIpv6": p["CidrIpv6"], "Description": description})
        peer = "DestinationSecurityGroupId" if self.EGRESS else "SourceSecurityGroupId"
        prefix = "DestinationPrefixListId" if self.EGRESS else "SourcePrefixListId"
        groups = []
        if p.get(peer):
            groups.append({"GroupId": p[peer], "Description": description})
        if not self.EGRESS and p.get("SourceSecurityGroupName"):
            groups.append({"GroupName": p["SourceSecurityGroupName"], "Description": description})
        prefixes = []
        if p.get(prefix):
            prefixes.append({"PrefixListId": p[prefix], "Description": description})
        if len(ranges) + len(groups) + len(prefixes) != 1:
            names = ["CidrIp", "CidrIpv6", prefix, peer] + ([] if self.EGRESS else ["SourceSecurityGroupName"])
            raise self.fail(f"Exactly one of {', '.join(names)} must be specified")
        for g in groups:
            if g.get("GroupId") and self.backend.get_security_group_from_id(g["GroupId"]) is None:
                raise self.fail(f"The security group '{g['GroupId']}' does not exist")
        all_ports = protocol in ("-1", "all")
        from_port = p.get("FromPort", -1 if all_ports else None)
        to_port = p.get("ToPort", -1 if all_ports else None)
        if not all_ports and protocol.lower() in ("tcp", "udp", "6", "17") and (from_port is None or to_port is None):
            raise self.fail(f"FromPort and ToPort are required for IpProtocol {protocol}")
        return dict(group_name_or_id=group.id, ip_protocol=protocol, from_port=from_port,
                    to_port=to_port, ip_ranges=ranges, source_groups=groups,
                    prefix_list_ids=prefixes)

    def _rules(self, group):
        return group.egress_rules if self.EGRESS else group.ingress_rules

    def create(self):
        group = self._group()
        authorize = (self.backend.authorize_security_group_egress if self.EGRESS
                     else self.backend.authorize_security_group_ingress)
        try:
            rules, _ = authorize(**self._rule_args(group))
        except Exception as err:  # moto's EC2 errors carry AWS's wording
            raise self.fail(getattr(err, "message", None) or str(err)) from err
        self.group_id = group.id
        self.rule_ids = [r.id for r in rules]
        self.physical_id = self.rule_ids[0]
        self.attrs = {"Id": self.physical_id}

    def update(self, old_props):
        group = self.backend.get_security_group_from_id(self.group_id)
        for rule in self._rules(group) if group else []:
            if rule.id in self.rule_ids:
                for entry in (rule.ip_range, rule.source_group):
                    if entry:
                        entry["Description"] = self.props.get("Description")

    def delete_resource(self):
        group = self.backend.get_security_group_from_id(self.group_id)
        if group is None:
            return  # the group went first: its rules went with it
        kept = [r for r in self._rules(group) if r.id not in self.rule_ids]
        if self.EGRESS:
            group.egress_rules = kept
        else:
            group.ingress_rules = kept


@provider
class SecurityGroupEgress(_Rule):
    TYPE = "AWS::EC2::SecurityGroupEgress"
    EGRESS = True


@provider
class SecurityGroupIngress(_Rule):
    TYPE = "AWS::EC2::SecurityGroupIngress"
    EGRESS = False
