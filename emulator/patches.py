"""Fixes to moto 5.2.5's CloudFormation that a change-set based deployer relies on.

Stock moto 5.2.5 diverges from CloudFormation in ways that matter to a change-set based deployer.
Each fix below is a named function, applied by `apply_all` (called from `emulator/server.py`);
`check_version` refuses to run on another moto version, so a moto upgrade forces a look at whether
a fix is still needed.

  1. ExecuteChangeSet refreshes the stack's Outputs (stock: a change-set stack has none).
  2. ExecuteChangeSet refuses a change set that is not executable (stock: runs FAILED ones).
  3. A failed execution rolls back: ROLLBACK_COMPLETE after a failed create, UPDATE_ROLLBACK_COMPLETE
     after a failed update, with a StackStatusReason and events (stock: HTTP error, stack stuck).
  4. A successful execution deletes the stack's change sets, as CloudFormation does.
  5. Change-set lookups by name are scoped to the StackName (stock: any stack's change set), and a
     missing one is ChangeSetNotFound (stock: HTTP 500 from an unbound local).
  6. A CREATE change set for a stack left in REVIEW_IN_PROGRESS reuses that stack (stock: a second
     stack with the same name), also while another change set of it is still there for review.
  7. Deleting a stack deletes its route tables and internet gateways (stock: both leak, so the VPC
     "has dependencies" and no network stack can be deleted).
  8. A TemplateURL that points path-style at the emulator itself (http://127.0.0.1:PORT/bucket/key)
     is read from the emulator's S3 (stock: only "localhost" URLs are read path-style).
  9. ExecuteChangeSet registers the stack's Exports in the region's export table and drops the ones
     an update removed, and `Fn::ImportValue` in a change-set stack resolves against that table
     (stock: exports are never registered, so an import fails with "No export named ..." and
     DeleteStack of an exporting stack answers HTTP 500 after deleting its resources). An export
     name another stack already exports fails the execution. DeleteStack drops the stack's exports.
 10. A DELETE_COMPLETE stack has no Outputs or Exports (stock: describing it by stack id evaluates
     them, and each Ref/GetAtt re-creates the deleted resource it names, e.g. the VPC).
 11. Deleting a stack or removing a resource in an update deletes NAT gateways (state "deleted",
     ENI removed, EIP disassociated), VPC endpoints (state "deleted", ENIs/routes removed) and
     EIPs (released) (stock: all three stay in EC2).
 12. A modified resource whose type has no update handler keeps its physical resource (stock:
     the stack forgets it, so it is never deleted); a VPC endpoint's route tables, subnets,
     security groups and policy are updated in place.
 13. A template CloudFormation would not accept is answered with ValidationError by
     CreateChangeSet, CreateStack, UpdateStack and ValidateTemplate (stock: HTTP 500 or a stack
     that silently skips what it cannot parse): a body that is neither JSON nor YAML, not a
     mapping, without a Resources mapping, a resource that is not a mapping or has no Type, and
     resource types neither moto nor a project provider creates
     (`Template format error: Unrecognized resource types: [AWS::Foo::Bar]`).
 14. `Fn::GetAtt` of a dotted attribute (`[Cluster, MasterUserSecret.SecretArn]`, or
     `${Cluster.Endpoint.Address}` in `Fn::Sub`) reads the whole attribute name (stock: only its
     first segment), and `Fn::Sub` substitutes `${!Literal}` and variables like CloudFormation.
 15. Outputs are resolved when a change set executes (an unresolvable one fails the execution
     instead of a later DescribeStacks answering HTTP 500). A failed resource names itself: the
     execution failure adds the resource's own
     CREATE_FAILED/UPDATE_FAILED event before the stack's, and a stack whose resources cannot
     all be deleted ends DELETE_FAILED with the reason and keeps what is left (stock: HTTP 500).
 16. A resource removed by an update keeps DeletionPolicy Retain (stock: deleted), and
     DependsOn orders the resources an update or a change-set create adds (stock: ignored, only
     references order them).
 17. `Ref` of an RDS DBSubnetGroup is its name and of an EFS AccessPoint its id (stock: the
     Python object, so the referencing property is dropped); a Route 53 HostedZone answers
     `Fn::GetAtt` Id and NameServers (stock: the stack fails), an ELBv2 LoadBalancer
     CanonicalHostedZoneID, LoadBalancerFullName and SecurityGroups (stock: left unresolved).
 18. Every resource of a type with a pinned registry schema (`schemas/`) is validated against it
     after its intrinsic functions are resolved, moto's types too, so a bad property or an
     attribute moto cannot resolve fails the resource like CloudFormation's validation does
     (stock: moto ignores unknown or malformed properties).
 19. An SSM Parameter without Name gets CloudFormation's generated name (`CFN-<LogicalId>-<RANDOM>`,
     kept across updates; stock: the stack fails), and its Tags map is accepted (stock: a list
     only); `Fn::GetAtt Parameter.Value` answers the value.
 20. Deleting a KMS Key schedules its deletion (PendingDeletion after PendingWindowInDays, 30 by
     default), as AWS does (stock: the key vanishes, and DescribeDBClusters of a cluster
     encrypted with it answers HTTP 500).
 21. An update also updates the resources whose template is unchanged but whose resolved
     properties changed, e.g. an instance whose `Ref` names a replaced cluster (stock: only
     resources whose template text changed, so they keep pointing at the deleted one).
 22. A change set for an unchanged template is a change when an `AWS::SSM::Parameter::Value<…>`
     parameter now resolves to another value (e.g. a new AMI id published by another stack):
     it lists a Modify of every resource that refers to the parameter, as CloudFormation
     does (stock: "didn't contain changes", so a new AMI never reaches a launch template).
 23. A bucket-policy statement whose conditions are not met does not apply, as in IAM (stock:
     it *denies*, so a `Deny … aws:SecureTransport false` statement, which every bucket of the
     architecture carries, denies every object request, and an `Allow` for CloudFront scoped
     by `AWS:SourceArn` denies everyone else).
 24. UpdateTerminationProtection sets the stack's termination protection, DescribeStacks reports
     it, and DeleteStack of a protected stack is refused with CloudFormation's ValidationError
     (stock: the action is unknown and protection is never enforced).
 25. An update that changes a create-only property (per the pinned schema) of a moto resource
     whose type has no update handler replaces it: the new one is created, then the old one
     deleted, as CloudFormation does (stock: the change is dropped, e.g. a renamed hosted zone
     keeps its old name). Types with an update handler, the providers' included, decide
     themselves. A hosted zone is deleted with its stack or when replaced (stock: never).
 26. ListImports answers the live stacks whose template imports the export (`Fn::ImportValue`
     of its literal name), and ValidationError for an export that does not exist or that no
     stack imports, as CloudFormation does (stock: the action is unknown).
 27. IMPORT change sets (ResourcesToImport) into a new or an existing stack, for the types whose
     existing resource the emulator can adopt: AWS::S3::Bucket (by BucketName) and
     AWS::SSM::Parameter (by Name). The change lists Action Import; executing it adopts the
     existing resource, untouched (IMPORT_IN_PROGRESS, IMPORT_COMPLETE). A resource that does not
     exist, a type it cannot import, or an identifier that is not the resource's fails the change
     set with CloudFormation's kind of reason (stock: IMPORT is read as CREATE and a second
     resource is made, or the stack is lost).
 28. Drift detection (DetectStackDrift, DescribeStackResourceDrifts) compares the SSM parameters'
     live values with the template; other types report NOT_CHECKED (stock: unknown actions).
"""

import json
import sys
import traceback

import moto
from moto.cloudformation import models, responses
from moto.cloudformation.exceptions import CloudFormationError, ValidationError
from moto.core.responses import ActionResult, EmptyResult

EXPECTED_MOTO = "5.2.5"


class ChangeSetNotFound(CloudFormationError):
    code = "ChangeSetNotFound"


class InvalidChangeSetStatus(CloudFormationError):
    code = "InvalidChangeSetStatus"


def check_version():
    if moto.__version__ != EXPECTED_MOTO:
        sys.exit(
            f"emulator/patches.py patches moto {EXPECTED_MOTO}, found {moto.__version__}: "
            "re-check each fix against the new version, then update EXPECTED_MOTO"
        )


def _matches_stack(change_set, stack_name):
    return not stack_name or stack_name in (change_set.stack_name, change_set.stack_id)


def find_change_set(backend, name, stack_name):
    if name in backend.change_sets:
        return backend.change_sets[name]
    for cs in backend.change_sets.values():
        if cs.change_set_name == name and _matches_stack(cs, stack_name):
            return cs
    return None


def fix_scoped_change_set_lookups():
    def delete_change_set(self):
        name = self._get_param("ChangeSetName")
        cs = find_change_set(self.cloudformation_backend, name, self._get_param("StackName"))
        if cs is None:
            raise ChangeSetNotFound(f"ChangeSet [{name}] does not exist")
        del self.cloudformation_backend.change_sets[cs.change_set_id]
        return EmptyResult()

    def describe_change_set(self):
        name = self._get_param("ChangeSetName")
        cs = find_change_set(self.cloudformation_backend, name, self._get_param("StackName"))
        if cs is None:
            raise ChangeSetNotFound(f"ChangeSet [{name}] does not exist")
        return ActionResult(cs)

    def list_change_sets(self):
        stack_name = self._get_param("StackName")
        found = [
            cs
            for cs in self.cloudformation_backend.change_sets.values()
            if _matches_stack(cs, stack_name)
        ]
        return ActionResult({"Summaries": found})

    responses.CloudFormationResponse.delete_change_set = delete_change_set
    responses.CloudFormationResponse.describe_change_set = describe_change_set
    responses.CloudFormationResponse.list_change_sets = list_change_sets


def fix_execute_change_set():
    def execute_change_set(self, change_set_name, stack_name=None):
        cs = find_change_set(self, change_set_name, stack_name)
        if cs is None:
            raise ChangeSetNotFound(f"ChangeSet [{change_set_name}] does not exist")
        if cs.status != "CREATE_COMPLETE" or cs.execution_status != "AVAILABLE":
            raise InvalidChangeSetStatus(
                f"ChangeSet [{cs.change_set_id}] cannot be executed in its current status of [{cs.status}]"
            )
        stack = self.stacks[cs.stack_id]
        kind = cs.change_set_type
        stack._add_stack_event(f"{kind}_IN_PROGRESS", resource_status_reason="User Initiated")
        previous = (stack.template, stack.output_map)
        from .providers.base import take_replaced

        take_replaced()  # nothing from an earlier execution
        try:
            cs.apply()
            # CloudFormation resolves the Outputs during the operation (fix 15): an output that
            # cannot be resolved fails it, instead of a later DescribeStacks answering HTTP 500.
            stack.template = cs.template
            stack._parse_template()
            stack.output_map = stack._create_output_map()
            for key in list(stack.output_map.outputs):
                stack.output_map[key]
        except Exception as err:  # noqa: BLE001 - any moto failure is a resource failure
            # The replaced resources stay (CloudFormation's rollback keeps the old ones).
            take_replaced()
            stack.template, stack.output_map = previous
            if stack.template:
                stack._parse_template()
            reason = getattr(err, "message", None) or str(err) or type(err).__name__
            if not hasattr(err, "logical_id"):
                # Not a resource's own failure (validation, handler): an emulator or moto bug, or
                # an unsupported case; its trace goes to the server log.
                traceback.print_exc()
            roll_back(stack, kind, reason, getattr(err, "logical_id", None),
                      getattr(err, "type_name", None))
            cs.execution_status = "EXECUTE_FAILED"
            return
        if kind == "UPDATE":
            stack._add_stack_event("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
        for old in take_replaced():
            # Cleanup: the resources the update replaced. A failure here does not fail the
            # update (CloudFormation reports it and leaves the resource).
            try:
                old.delete_replaced()
            except Exception as err:  # noqa: BLE001
                stack.events.append(models.Event(
                    stack_id=stack.stack_id, stack_name=stack.name,
                    logical_resource_id=old.ctx.logical_id, physical_resource_id=old.physical_id,
                    resource_type=old.TYPE, resource_status="DELETE_FAILED",
                    resource_status_reason=getattr(err, "message", None) or str(err),
                    resource_properties=None,
                ))
        if cs.parameters:
            stack.parameters = cs.parameters
        stack._add_stack_event(f"{kind}_COMPLETE")
        stack.status = f"{kind}_COMPLETE"
        stack.stack_status_reason = None
        # CloudFormation deletes every change set of the stack after a successful execution.
        for cs_id in [i for i, c in self.change_sets.items() if c.stack_id == stack.stack_id]:
            del self.change_sets[cs_id]

    def roll_back(stack, kind, reason, logical_id=None, resource_type=None):
        if logical_id:
            # The resource's own event, as CloudFormation reports the failing resource first.
            stack.events.append(models.Event(
                stack_id=stack.stack_id, stack_name=stack.name, logical_resource_id=logical_id,
                physical_resource_id="", resource_type=resource_type or "",
                resource_status=f"{kind}_FAILED", resource_status_reason=reason,
                resource_properties=None,
            ))
        stack._add_stack_event(f"{kind}_FAILED" if kind == "UPDATE" else "CREATE_FAILED", reason)
        if kind == "CREATE":
            stack._add_stack_event("ROLLBACK_IN_PROGRESS", reason)
            try:
                stack.resource_map.delete()
            except Exception as err:  # noqa: BLE001 - best effort, as moto cannot really roll back
                print(f"emulator: rollback of {stack.name} left resources: {err!r}", file=sys.stderr)
            stack._add_stack_event("ROLLBACK_COMPLETE")
            stack.status = "ROLLBACK_COMPLETE"
        else:
            stack._add_stack_event("UPDATE_ROLLBACK_IN_PROGRESS", reason)
            stack._add_stack_event("UPDATE_ROLLBACK_COMPLETE")
            stack.status = "UPDATE_ROLLBACK_COMPLETE"
        stack.stack_status_reason = reason

    models.CloudFormationBackend.execute_change_set = execute_change_set


def fix_create_over_review_in_progress():
    original = models.CloudFormationBackend.create_change_set

    def create_change_set(self, stack_name, change_set_name, template, parameters, description,
                          change_set_type, notification_arns=None, tags=None, role_arn=None):
        reviewed = [
            s for s in self.stacks.values()
            if s.name == stack_name and s.status == "REVIEW_IN_PROGRESS"
        ]
        if change_set_type == "CREATE" and reviewed:
            for stack in reviewed:
                # moto leaves a reviewed stack's template as a dict, which its template
                # comparison cannot read (stock: HTTP 500 for a second change set).
                if not isinstance(stack.template, str):
                    stack.template = json.dumps(stack.template or {})
            # Treat it as an update of the empty, reviewed stack.
            cs_id, stack_id = original(self, stack_name, change_set_name, template, parameters,
                                       description, "UPDATE", notification_arns, tags, role_arn)
            cs = self.change_sets[cs_id]
            cs.change_set_type = "CREATE"
            if cs.status == "FAILED":
                cs.status, cs.execution_status, cs.status_reason = "CREATE_COMPLETE", "AVAILABLE", None
            return cs_id, stack_id
        if change_set_type == "CREATE" and any(
            s.name == stack_name for s in self.stacks.values()
        ):
            raise ValidationError(message=f"Stack [{stack_name}] already exists")
        return original(self, stack_name, change_set_name, template, parameters, description,
                        change_set_type, notification_arns, tags, role_arn)

    models.CloudFormationBackend.create_change_set = create_change_set


def fix_network_deletes():
    from moto.ec2.models import ec2_backends
    from moto.ec2.models.internet_gateways import InternetGateway
    from moto.ec2.models.route_tables import RouteTable

    def delete_route_table(self, account_id, region_name):
        backend = ec2_backends[account_id][region_name]
        for association_id in list(self._associations):
            backend.disassociate_route_table(association_id)
        backend.delete_route_table(self.id)

    def delete_internet_gateway(self, account_id, region_name):
        backend = ec2_backends[account_id][region_name]
        if self.vpc is not None:
            backend.detach_internet_gateway(self.id, self.vpc.id)
        backend.delete_internet_gateway(self.id)

    RouteTable.delete = delete_route_table
    InternetGateway.delete = delete_internet_gateway


def fix_change_set_exports():
    """Fix 9: exports of change-set stacks are registered, replaced and dropped; imports resolve."""
    from moto.cloudformation.parsing import OutputMap

    def apply(self):
        stack = self.stack
        backend = models.cloudformation_backends[stack.account_id][stack.region_name]
        # Stock: a change-set stack gets an empty dict of its own instead of the region's table.
        stack.cross_stack_resources = backend.exports
        stack.resource_map.cross_stack_resources = backend.exports
        stack.resource_map.update(self.template_dict, self.parameters)
        # Evaluated now (stock: never), so a failure here fails the execution like any resource.
        exports = OutputMap(stack.resource_map, self.template_dict, stack.stack_id).exports
        for export in exports:
            owner = backend.exports.get(export.name)
            if owner is not None and owner.exporting_stack_id != stack.stack_id:
                other = backend.stacks.get(owner.exporting_stack_id)
                raise ValidationError(
                    stack.stack_id,
                    message=f"Export with name {export.name} is already exported by stack "
                    f"{other.name if other else owner.exporting_stack_id}",
                )
        drop_exports(backend, stack.stack_id)
        for export in exports:
            backend.exports[export.name] = export

    def drop_exports(backend, stack_id):
        for name in [n for n, e in backend.exports.items() if e.exporting_stack_id == stack_id]:
            del backend.exports[name]

    def delete_stack(self, name_or_stack_id):
        if name_or_stack_id in self.stacks:
            stack = self.stacks[name_or_stack_id]
            stack._add_stack_event("DELETE_IN_PROGRESS", resource_status_reason="User Initiated")
            try:
                stack.resource_map.delete()
            except Exception as err:  # noqa: BLE001 - a resource that cannot be deleted
                # CloudFormation: DELETE_FAILED, the stack and what is left of it stay.
                reason = getattr(err, "message", None) or str(err) or type(err).__name__
                reason = f"The following resource(s) failed to delete: {reason}"
                stack._add_stack_event("DELETE_FAILED", reason)
                stack.status = "DELETE_FAILED"
                stack.stack_status_reason = reason
                return
            stack._add_stack_event("DELETE_COMPLETE")
            stack.status = "DELETE_COMPLETE"
            stack.stack_status_reason = None
            self.stacks.pop(name_or_stack_id)
            self.deleted_stacks[stack.stack_id] = stack
            # Stock: pops the names `stack.exports` evaluates to, KeyError (HTTP 500) when they
            # were never registered.
            drop_exports(self, stack.stack_id)
        else:
            for stack in list(self.stacks.values()):
                if stack.name == name_or_stack_id:
                    self.delete_stack(stack.stack_id)

    models.ChangeSet.apply = apply
    models.CloudFormationBackend.delete_stack = delete_stack


def fix_deleted_stack_outputs():
    """Fix 10: a deleted stack's Outputs/Exports are not evaluated (that re-created resources)."""
    outputs = models.Stack.outputs
    exports = models.Stack.exports

    def deleted(stack):
        return stack.status == "DELETE_COMPLETE"

    models.Stack.outputs = property(lambda self: None if deleted(self) else outputs.fget(self))
    models.Stack.exports = property(lambda self: [] if deleted(self) else exports.fget(self))


def fix_nat_endpoint_and_eip_deletes():
    """Fix 11: NAT gateways, VPC endpoints and EIPs leave EC2 when CloudFormation deletes them."""
    from moto.ec2.exceptions import DependencyViolationError
    from moto.ec2.models import ec2_backends
    from moto.ec2.models.elastic_ip_addresses import ElasticAddress
    from moto.ec2.models.nat_gateways import NatGateway
    from moto.ec2.models.vpcs import VPCEndPoint

    def delete_nat_gateway(self, account_id, region_name):
        backend = ec2_backends[account_id][region_name]
        if self.state == "deleted":
            return
        for eip in list(backend.addresses):
            if eip.eni is self._eni:
                backend.disassociate_address(address=eip.public_ip)
        backend.enis.pop(self._eni.id, None)
        backend.delete_nat_gateway(self.id)

    def delete_vpc_endpoint(self, account_id, region_name):
        backend = ec2_backends[account_id][region_name]
        if self.state == "deleted":
            return
        # Stock `delete_vpc_endpoints` fails on a Gateway endpoint whose template left
        # VpcEndpointType out (None.lower()), and on a route table deleted before the endpoint.
        if (self.vpc_endpoint_type or "Gateway").lower() == "interface":
            for eni_id in self.network_interface_ids:
                backend.enis.pop(eni_id, None)
        else:
            for table_id in self.route_table_ids or []:
                table = backend.route_tables.get(table_id)
                for route_id, route in list(table._routes.items()) if table else []:
                    if self.id in (route.vpc_endpoint_id, route.gateway_id):
                        del table._routes[route_id]
        self.state = "deleted"

    def delete_address(self, account_id, region_name):
        backend = ec2_backends[account_id][region_name]
        if self not in backend.addresses:
            return
        in_use = any(
            nat.state != "deleted" and self.eni is nat._eni for nat in backend.nat_gateways.values()
        )
        if in_use:
            # Retried by moto's delete loop once the NAT gateway is gone (CloudFormation's order).
            raise DependencyViolationError(
                f"The address {self.public_ip} is in use by a NAT gateway and cannot be released."
            )
        backend.release_address(address=self.public_ip)

    NatGateway.delete = delete_nat_gateway
    VPCEndPoint.delete = delete_vpc_endpoint
    ElasticAddress.delete = delete_address


def fix_updates_without_handler():
    """Fix 12: `Modify` of a type without an update handler no longer drops the resource."""
    import json

    from moto.cloudformation import parsing
    from moto.ec2.models import ec2_backends
    from moto.ec2.models.vpcs import VPCEndPoint

    original = parsing.parse_and_update_resource

    def parse_and_update_resource(logical_id, resource_json, resources_map, account_id,
                                  region_name):
        updated = original(logical_id, resource_json, resources_map, account_id, region_name)
        if updated is not None:
            return updated
        # Stock: None, which ResourceMap.update stores as the resource.
        current = resources_map._parsed_resources.get(logical_id)
        if isinstance(current, VPCEndPoint):
            parsed = parsing.parse_resource(resource_json, resources_map)
            update_vpc_endpoint(current, parsed[1]["Properties"],
                                ec2_backends[account_id][region_name])
        return current

    def update_vpc_endpoint(endpoint, props, backend):
        def diff(key, current):
            new, current = props.get(key) or [], current or []
            return [x for x in new if x not in current], [x for x in current if x not in new]

        add_tables, removed_tables = diff("RouteTableIds", endpoint.route_table_ids)
        add_subnets, removed_subnets = diff("SubnetIds", endpoint.subnet_ids)
        add_groups, removed_groups = diff("SecurityGroupIds", endpoint.security_group_ids)
        policy = props.get("PolicyDocument")
        if isinstance(policy, dict):
            policy = json.dumps(policy)
        if endpoint.subnet_ids is None and add_subnets:
            endpoint.subnet_ids = []
        endpoint.modify(policy, add_subnets, removed_subnets, add_tables, removed_tables,
                        add_groups, removed_groups)
        if endpoint.destination_prefix_list_id:
            for table_id in add_tables:
                backend.create_route(table_id, None, gateway_id=endpoint.id,
                                     destination_prefix_list_id=endpoint.destination_prefix_list_id)
            for table_id in removed_tables:
                table = backend.route_tables.get(table_id)
                for route_id, route in list(table._routes.items()) if table else []:
                    if endpoint.id in (route.vpc_endpoint_id, route.gateway_id):
                        del table._routes[route_id]

    parsing.parse_and_update_resource = parse_and_update_resource


def fix_path_style_template_urls():
    from urllib.parse import urlparse

    from moto.cloudformation import utils

    original = utils.get_stack_from_s3_url

    def get_stack_from_s3_url(template_url, account_id, partition):
        host = urlparse(template_url).hostname or ""
        if host.replace(".", "").isdigit():
            template_url = template_url.replace(host, "localhost", 1)
        return original(template_url, account_id, partition)

    responses.get_stack_from_s3_url = get_stack_from_s3_url


RECOGNIZED_EXTRA = ("AWS::CloudFormation::WaitCondition", "AWS::CloudFormation::WaitConditionHandle")


def parse_template_body(body):
    """The template as a dict, or ValidationError in CloudFormation's wording (fix 13)."""
    import yaml
    from moto.cloudformation.utils import yaml_tag_constructor

    if isinstance(body, dict):
        return body
    if not isinstance(body, str) or not body.strip():
        raise ValidationError(message="Template format error: template body is empty")
    try:
        return json.loads(body)
    except ValueError:
        pass
    yaml.add_multi_constructor("", yaml_tag_constructor)
    try:
        return yaml.load(body, Loader=yaml.Loader)
    except yaml.YAMLError as err:
        raise ValidationError(
            message=f"Template format error: JSON not well-formed and YAML not well-formed ({err})"
        ) from None


def check_template(body):
    """Fix 13: what CloudFormation checks before it accepts a template."""
    from moto.cloudformation import parsing

    from .providers import REGISTRY

    template = parse_template_body(body)
    if not isinstance(template, dict):
        raise ValidationError(message="Template format error: template is not a JSON object or YAML mapping")
    if "Resources" not in template:
        raise ValidationError(message="Template format error: At least one Resources member must be defined.")
    resources = template["Resources"]
    if not isinstance(resources, dict) or not resources:
        raise ValidationError(
            message="Template format error: At least one Resources member must be defined."
            if isinstance(resources, dict) else
            "Template format error: [/Resources] the Resources section must be an object"
        )
    unknown = []
    for logical_id, resource in resources.items():
        if not isinstance(resource, dict):
            raise ValidationError(message=f"Template format error: [/Resources/{logical_id}] resource definition is malformed")
        kind = resource.get("Type")
        if not isinstance(kind, str) or not kind:
            raise ValidationError(
                message=f"Template format error: [/Resources/{logical_id}] Every Resources object must contain a Type member."
            )
        known = (
            kind in REGISTRY or kind in parsing.get_model_map() or kind in RECOGNIZED_EXTRA
            or kind.startswith("Custom::") or kind == "AWS::CloudFormation::CustomResource"
        )
        if not known and kind not in unknown:
            unknown.append(kind)
        props = resource.get("Properties")
        if props is not None and not isinstance(props, dict):
            raise ValidationError(
                message=f"Template format error: [/Resources/{logical_id}/Properties] Properties must be an object"
            )
    if unknown:
        raise ValidationError(
            message=f"Template format error: Unrecognized resource types: [{', '.join(unknown)}]"
        )
    return template


def fix_template_validation():
    """Fix 13."""
    create_change_set = models.CloudFormationBackend.create_change_set
    create_stack = models.CloudFormationBackend.create_stack
    update_stack = models.CloudFormationBackend.update_stack
    validate_template = models.CloudFormationBackend.validate_template

    def checked_create_change_set(self, stack_name, change_set_name, template, *args, **kwargs):
        check_template(template)
        return create_change_set(self, stack_name, change_set_name, template, *args, **kwargs)

    def checked_create_stack(self, name, template, *args, **kwargs):
        check_template(template)
        return create_stack(self, name, template, *args, **kwargs)

    def checked_update_stack(self, name, template, *args, **kwargs):
        check_template(template)
        return update_stack(self, name, template, *args, **kwargs)

    def checked_validate_template(self, template):
        check_template(template)
        return validate_template(self, template)

    models.CloudFormationBackend.create_change_set = checked_create_change_set
    models.CloudFormationBackend.create_stack = checked_create_stack
    models.CloudFormationBackend.update_stack = checked_update_stack
    models.CloudFormationBackend.validate_template = checked_validate_template


def fix_intrinsics():
    """Fix 14: dotted GetAtt attributes and CloudFormation's Fn::Sub."""
    import re

    from moto.cloudformation import parsing

    original = parsing.clean_json
    placeholder = re.compile(r"\$\{([^}]*)\}")

    def sub(value, resources_map):
        if isinstance(value, list):
            if len(value) != 2 or not isinstance(value[1], dict):
                raise ValidationError(message="Template error: Fn::Sub takes a string or [string, {variables}]")
            text, variables = value
        else:
            text, variables = value, {}
        text = clean_json(text, resources_map)
        if not isinstance(text, str):
            raise ValidationError(message="Template error: the first Fn::Sub argument must be a string")
        resolved = {k: clean_json(v, resources_map) for k, v in variables.items()}

        def replace(match):
            expr = match.group(1)
            if expr.startswith("!"):
                return "${" + expr[1:] + "}"
            name = expr.strip()
            if name in resolved:
                return str(resolved[name])
            if "." in name and not name.startswith("AWS::"):
                logical_id, attribute = name.split(".", 1)
                result = clean_json({"Fn::GetAtt": [logical_id, attribute]}, resources_map)
            else:
                if name not in resources_map._parsed_resources and name not in resources_map._resource_json_map:
                    raise ValidationError(
                        message=f"Template format error: Unresolved resource dependencies [{name}] in the Resources block of the template"
                    )
                result = clean_json({"Ref": name}, resources_map)
            if result is None or isinstance(result, (dict, list)):
                raise ValidationError(message=f"Template error: Fn::Sub variable ${{{name}}} cannot be resolved")
            return str(result)

        return placeholder.sub(replace, text)

    def clean_json(resource_json, resources_map):
        if isinstance(resource_json, dict) and len(resource_json) == 1:
            if "Fn::Sub" in resource_json:
                return sub(resource_json["Fn::Sub"], resources_map)
            if "Fn::GetAtt" in resource_json:
                target = resource_json["Fn::GetAtt"]
                if isinstance(target, str):
                    target = target.split(".", 1)
                if isinstance(target, list) and len(target) > 2:
                    target = [target[0], ".".join(str(t) for t in target[1:])]
                if isinstance(target, list) and len(target) == 2 and isinstance(target[1], dict):
                    target = [target[0], clean_json(target[1], resources_map)]
                return original({"Fn::GetAtt": target}, resources_map)
        return original(resource_json, resources_map)

    parsing.clean_json = clean_json


def fix_retain_and_depends_on():
    """Fix 16."""
    from moto.cloudformation import parsing

    delete_resource = parsing.ResourceMap._delete_resource

    def _delete_resource(self, parsed_resource, resource_json):
        if resource_json.get("DeletionPolicy") == "Retain":
            return
        delete_resource(self, parsed_resource, resource_json)

    getitem = parsing.ResourceMap.__getitem__

    def __getitem__(self, key):
        if key not in self._parsed_resources:
            resource_json = self._resource_json_map.get(key)
            if isinstance(resource_json, dict) and resource_json.get("DependsOn"):
                pending = self.__dict__.setdefault("_emulator_pending", set())
                if key not in pending:
                    pending.add(key)
                    try:
                        deps = resource_json["DependsOn"]
                        for dep in [deps] if isinstance(deps, str) else deps:
                            if dep not in self._resource_json_map:
                                raise ValidationError(
                                    message=f"Template format error: Unresolved resource dependencies [{dep}] in the Resources block of the template"
                                )
                            if dep not in self._parsed_resources and dep not in pending:
                                self[dep]
                    finally:
                        pending.discard(key)
        return getitem(self, key)

    parsing.ResourceMap._delete_resource = _delete_resource
    parsing.ResourceMap.__getitem__ = __getitem__


# The canonical hosted zone ids of Elastic Load Balancing (AWS's published table, main regions).
ELB_ZONES_ALB = {
    "us-east-1": "Z35SXDOTRQ7X7K", "us-east-2": "Z3AADJGX6KTTL2", "us-west-1": "Z368ELLRRE2KJ0",
    "us-west-2": "Z1H1FL5HABSF5", "eu-west-1": "Z32O12XQLNTSW2", "eu-west-2": "ZHURV8PSTC4K8",
    "eu-west-3": "Z3Q77PNBQS71R4", "eu-central-1": "Z215JYRZR1TBD5", "eu-north-1": "Z23TAZ7KGVDSCL",
    "ap-southeast-1": "Z1LMS91P8CMLE5", "ap-southeast-2": "Z1GM3OXH4ZPM65",
    "ap-northeast-1": "Z14GRHDCWA56QT", "ap-south-1": "ZP97RAFLXTNZK", "ca-central-1": "ZQSVJUPU6J1EY",
    "sa-east-1": "Z2P70J7HTTTPLU",
}
ELB_ZONES_NLB = {
    "us-east-1": "Z26RNL4JYFTOTI", "us-east-2": "ZLMOA37VPKANP", "us-west-1": "Z24FKFUX50B4VW",
    "us-west-2": "Z18D5FSROUN65G", "eu-west-1": "Z2IFOLAFXWLO4F", "eu-west-2": "ZD4D7Y8KGAS4G",
    "eu-central-1": "Z3F0SRJ5LGBH90", "ap-southeast-1": "ZKVM4W9LS7TM",
    "ap-northeast-1": "Z31USIVHYNEOWT",
}


def fix_refs():
    """Fix 17."""
    from moto.efs.models import AccessPoint
    from moto.rds.models import DBSubnetGroup

    DBSubnetGroup.physical_resource_id = property(lambda self: self.name)
    AccessPoint.physical_resource_id = property(lambda self: self.access_point_id)

    from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
    from moto.route53.models import FakeZone

    def zone_attribute(self, attribute_name):
        if attribute_name == "Id":
            return self.resource_id
        if attribute_name == "NameServers":
            ns = [r for r in self.rrsets if r.type == "NS" and r.name.rstrip(".") == self.name.rstrip(".")]
            return list(ns[0].records) if ns else []
        raise UnformattedGetAttTemplateException()

    FakeZone.get_cfn_attribute = zone_attribute

    from moto.elbv2.models import FakeLoadBalancer

    lb_attribute = FakeLoadBalancer.get_cfn_attribute

    def load_balancer_attribute(self, attribute_name):
        if attribute_name == "CanonicalHostedZoneID":
            region = self.arn.split(":")[3]
            zones = ELB_ZONES_NLB if self.type == "network" else ELB_ZONES_ALB
            return zones.get(region, "Z35SXDOTRQ7X7K")
        if attribute_name == "LoadBalancerFullName":
            return self.arn.split(":loadbalancer/", 1)[1]
        if attribute_name == "SecurityGroups":
            return list(self.security_groups or [])
        return lb_attribute(self, attribute_name)

    FakeLoadBalancer.get_cfn_attribute = load_balancer_attribute
    FakeZone.has_cfn_attr = classmethod(lambda cls, attr: attr in ("Id", "NameServers"))


def fix_validate_moto_types():
    """Fix 18."""
    from moto.cloudformation import parsing

    from . import schema
    from .providers import REGISTRY

    original = parsing.parse_resource_and_generate_name

    def parse_resource_and_generate_name(logical_id, resource_json, resources_map):
        parsed = original(logical_id, resource_json, resources_map)
        if parsed is not None:
            kind = resource_json.get("Type")
            if kind not in REGISTRY:  # providers validate themselves
                try:
                    schema.load(kind)
                except schema.UnknownType:
                    return parsed
                schema.validate(kind, logical_id, parsed[1].get("Properties") or {})
        return parsed

    parsing.parse_resource_and_generate_name = parse_resource_and_generate_name


def fix_ssm_parameters():
    """Fix 19."""
    import string

    from moto.moto_api._internal import mock_random
    from moto.ssm.models import Parameter

    create = Parameter.create_from_cloudformation_json.__func__

    def prepare(cloudformation_json, logical_id, name=None):
        props = cloudformation_json.setdefault("Properties", {})
        if not props.get("Name"):
            suffix = "".join(mock_random.choice(string.ascii_letters + string.digits) for _ in range(12))
            props["Name"] = name or f"CFN-{logical_id}-{suffix}"
        if isinstance(props.get("Tags"), dict):
            props["Tags"] = [{"Key": k, "Value": str(v)} for k, v in props["Tags"].items()]

    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id,
                                        region_name, **kwargs):
        prepare(cloudformation_json, kwargs.get("LogicalId", "Parameter"))
        return create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)

    def update_from_cloudformation_json(cls, original_resource, new_resource_name,
                                        cloudformation_json, account_id, region_name):
        old_name = original_resource.name
        name = (cloudformation_json.get("Properties") or {}).get("Name")
        prepare(cloudformation_json, original_resource.logical_resource_id,
                None if name else old_name)
        backend = __import__("moto.ssm.models", fromlist=["ssm_backends"]).ssm_backends[account_id][region_name]
        backend.delete_parameter(old_name)
        return create(cls, new_resource_name, cloudformation_json, account_id, region_name,
                      LogicalId=original_resource.logical_resource_id)

    def get_cfn_attribute(self, attribute_name):
        from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

        if attribute_name == "Value":
            return self.value
        if attribute_name == "Type":
            return self.type
        raise UnformattedGetAttTemplateException()

    Parameter.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)
    Parameter.update_from_cloudformation_json = classmethod(update_from_cloudformation_json)
    Parameter.get_cfn_attribute = get_cfn_attribute
    Parameter.has_cfn_attr = classmethod(lambda cls, attr: attr in ("Value", "Type"))


def fix_kms_key_deletes():
    """Fix 20."""
    from moto.kms.models import Key, kms_backends

    def delete(self, account_id, region_name):
        backend = kms_backends[account_id][region_name]
        if self.id in backend.keys and self.key_state != "PendingDeletion":
            window = int(getattr(self, "emulator_pending_window", None) or 30)
            backend.schedule_key_deletion(self.id, window)

    create = Key.create_from_cloudformation_json.__func__

    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id,
                                        region_name, **kwargs):
        key = create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        key.emulator_pending_window = (cloudformation_json.get("Properties") or {}).get("PendingWindowInDays")
        return key

    Key.delete = delete
    Key.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)


def fix_dependent_updates():
    """Fix 21."""
    import copy

    from moto.cloudformation import parsing

    def resolved(resources_map, resource_json):
        return parsing.clean_json(copy.deepcopy(resource_json.get("Properties") or {}), resources_map)

    create = parsing.parse_and_create_resource
    update_resource = parsing.parse_and_update_resource

    def parse_and_create_resource(logical_id, resource_json, resources_map, account_id, region_name):
        resource = create(logical_id, resource_json, resources_map, account_id, region_name)
        if resource is not None and not isinstance(resource, str):
            try:
                resource.emulator_resolved = resolved(resources_map, resource_json)
            except Exception:  # noqa: BLE001 - only a comparison baseline
                pass
        return resource

    def parse_and_update_resource(logical_id, resource_json, resources_map, account_id, region_name):
        resource = update_resource(logical_id, resource_json, resources_map, account_id, region_name)
        if resource is not None and not isinstance(resource, str):
            try:
                resource.emulator_resolved = resolved(resources_map, resource_json)
            except Exception:  # noqa: BLE001
                pass
        return resource

    original_update = parsing.ResourceMap.update

    def update(self, template, parameters=None):
        original_update(self, template, parameters)
        # Dependents, in rounds, until nothing changes (a chain of replacements).
        for _ in range(len(self._resource_json_map) + 1):
            changed = False
            for logical_id, resource_json in self._resource_json_map.items():
                current = self._parsed_resources.get(logical_id)
                before = getattr(current, "emulator_resolved", None)
                if current is None or isinstance(current, str) or before is None:
                    continue
                if resolved(self, resource_json) == before:
                    continue
                updated = parsing.parse_and_update_resource(
                    logical_id, resource_json, self, self._account_id, self._region_name)
                if updated is not None:
                    self._parsed_resources[logical_id] = updated
                changed = True
            if not changed:
                break

    parsing.parse_and_create_resource = parse_and_create_resource
    parsing.parse_and_update_resource = parse_and_update_resource
    parsing.ResourceMap.update = update


def fix_resolved_ssm_parameter_changes():
    """Fix 22."""
    original = models.CloudFormationBackend.create_change_set

    def refers_to(node, key):
        if isinstance(node, dict):
            if node.get("Ref") == key:
                return True
            sub = node.get("Fn::Sub")
            text = sub[0] if isinstance(sub, list) and sub else sub
            if isinstance(text, str) and "${" + key + "}" in text:
                return True
            return any(refers_to(v, key) for v in node.values())
        if isinstance(node, list):
            return any(refers_to(v, key) for v in node)
        return False

    def create_change_set(self, stack_name, change_set_name, template, parameters, *args, **kwargs):
        cs_id, stack_id = original(self, stack_name, change_set_name, template, parameters,
                                   *args, **kwargs)
        cs = self.change_sets.get(cs_id)
        if cs is None or cs.status != "FAILED" or cs.change_set_type != "UPDATE":
            return cs_id, stack_id
        stack = self.stacks.get(stack_id)
        resource_map = getattr(stack, "resource_map", None)
        if resource_map is None:
            return cs_id, stack_id
        template_dict = cs.template_dict or {}
        changed = []
        for key, slot in (template_dict.get("Parameters") or {}).items():
            kind = slot.get("Type", "")
            name = (parameters or {}).get(key, slot.get("Default"))
            if not kind.startswith("AWS::SSM::Parameter::Value<") or not name:
                continue
            try:
                now = resource_map.parse_ssm_parameter(name, kind)
            except Exception:  # noqa: BLE001 - a missing parameter fails at execution
                continue
            if now != resource_map.resolved_parameters.get(key):
                changed.append(key)
        if not changed:
            return cs_id, stack_id
        from moto.cloudformation.models import Change

        for logical_id, resource in (template_dict.get("Resources") or {}).items():
            if any(refers_to(resource.get("Properties") or {}, key) for key in changed):
                cs.changes.append(Change(action="Modify", logical_resource_id=logical_id,
                                         resource_type=resource.get("Type")))
        if cs.changes:
            cs.status, cs.execution_status, cs.status_reason = "CREATE_COMPLETE", "AVAILABLE", None
        return cs_id, stack_id

    models.CloudFormationBackend.create_change_set = create_change_set


def fix_unmet_policy_conditions():
    """Fix 23."""
    from moto.iam.access_control import IAMPolicyStatement, PermissionResult

    original = IAMPolicyStatement.is_action_permitted

    def unmet(conditions, values) -> bool:
        # IAM: a condition on a key the request does not carry is false (except Null and
        # ...IfExists operators); moto's evaluator counts it as true.
        for operator, keys in conditions.items():
            if operator == "Null" or operator.endswith("IfExists"):
                continue
            if any(key not in (values or {}) for key in keys):
                return True
        return False

    def is_action_permitted(self, action, resource="*", principal=None, incoming_condition_values=None):
        conditions = self._statement.get("Condition")
        if conditions and (unmet(conditions, incoming_condition_values)
                           or not self._check_conditions(incoming_condition_values)):
            return PermissionResult.NEUTRAL
        return original(self, action, resource, principal, incoming_condition_values)

    IAMPolicyStatement.is_action_permitted = is_action_permitted


def fix_termination_protection():
    def update_termination_protection(self):
        name = self._get_param("StackName")
        stack = self.cloudformation_backend.get_stack(name)
        stack.enable_termination_protection = self._get_bool_param("EnableTerminationProtection", False)
        return ActionResult({"StackId": stack.stack_id})

    responses.CloudFormationResponse.update_termination_protection = update_termination_protection
    original = models.CloudFormationBackend.delete_stack

    def delete_stack(self, name_or_stack_id):
        live = [s for s in self.stacks.values()
                if name_or_stack_id in (s.stack_id, s.name) and s.status != "DELETE_COMPLETE"]
        if live and live[0].enable_termination_protection:
            raise ValidationError(
                message=f"Stack [{live[0].name}] cannot be deleted while TerminationProtection is enabled")
        return original(self, name_or_stack_id)

    models.CloudFormationBackend.delete_stack = delete_stack


def fix_create_only_replacements():
    from moto.cloudformation import parsing

    from . import schema

    original_update = parsing.ResourceMap.update

    def update(self, template, parameters=None):
        # The deployed resources' JSON, which ResourceMap.update overwrites before modifying.
        self._emulator_previous_json = dict(self._resource_json_map)
        return original_update(self, template, parameters)

    parsing.ResourceMap.update = update
    original = parsing.parse_and_update_resource
    pinned = set(schema.pinned_types())

    def create_only_changed(type_name, old, new):
        def at(props, path):
            for key in path:
                if not isinstance(props, dict):
                    return None
                props = props.get(key)
            return props

        old_props, new_props = old.get("Properties") or {}, new.get("Properties") or {}
        return any(at(old_props, p) != at(new_props, p)
                   for p in schema.create_only_properties(type_name))

    def parse_and_update_resource(logical_id, resource_json, resources_map, account_id,
                                  region_name):
        type_name = resource_json.get("Type", "")
        old = getattr(resources_map, "_emulator_previous_json", {}).get(logical_id)
        cls = parsing.resource_class_from_type(type_name)
        handled = cls is not None and not hasattr(cls.update_from_cloudformation_json,
                                                  "__isabstractmethod__")
        if (old is None or cls is None or handled or type_name not in pinned
                or not create_only_changed(type_name, old, resource_json)):
            return original(logical_id, resource_json, resources_map, account_id, region_name)
        current = resources_map._parsed_resources.get(logical_id)
        replacement = parsing.parse_and_create_resource(logical_id, resource_json, resources_map,
                                                        account_id, region_name)
        if current is not None:
            delete_replaced(current, old, resources_map, account_id)
        return replacement

    def delete_replaced(current, old_json, resources_map, account_id):
        resources_map._delete_resource(current, old_json)

    from moto.route53.models import FakeZone, route53_backends

    def delete_zone(self, account_id, region_name):
        # moto's zone has no delete handler at all: it outlived its stack and its replacement.
        route53_backends[account_id]["aws"].delete_hosted_zone(self.id)

    FakeZone.delete = delete_zone

    parsing.parse_and_update_resource = parse_and_update_resource


def fix_list_imports():
    def imports(node, name):
        if isinstance(node, dict):
            return node.get("Fn::ImportValue") == name or any(imports(v, name) for v in node.values())
        if isinstance(node, list):
            return any(imports(v, name) for v in node)
        return False

    def list_imports(self):
        name = self._get_param("ExportName")
        backend = self.cloudformation_backend
        if name not in backend.exports:
            raise ValidationError(message=f"Export '{name}' does not exist.")
        importers = []
        for stack in backend.stacks.values():
            if stack.status == "DELETE_COMPLETE" or not stack.template:
                continue
            try:
                template = parse_template_body(stack.template)
            except ValidationError:
                continue
            if imports(template, name):
                importers.append(stack.name)
        if not importers:
            raise ValidationError(message=f"Export '{name}' is not imported by any stack.")
        return ActionResult({"Imports": importers})

    responses.CloudFormationResponse.list_imports = list_imports


def fix_import_change_sets():
    import threading

    from moto.s3.models import s3_backends
    from moto.ssm.models import ssm_backends

    pending = threading.local()
    original_response = responses.CloudFormationResponse.create_change_set

    def create_change_set_response(self):
        pending.imports = self._get_param("ResourcesToImport", []) if (
            self._get_param("ChangeSetType") == "IMPORT") else None
        try:
            return original_response(self)
        finally:
            pending.imports = None

    responses.CloudFormationResponse.create_change_set = create_change_set_response
    original = models.CloudFormationBackend.create_change_set

    def find(self, stack_name):
        live = [s for s in self.stacks.values()
                if s.name == stack_name and s.status not in ("DELETE_COMPLETE", "REVIEW_IN_PROGRESS")]
        return live[0] if live else None

    def adopt(account_id, region_name, item):
        kind, ident = item.get("ResourceType"), item.get("ResourceIdentifier") or {}
        if kind == "AWS::S3::Bucket":
            name = ident.get("BucketName")
            bucket = s3_backends[account_id]["aws"].buckets.get(name) if name else None
            if bucket is None:
                raise LookupError(f"Resource {name} of type {kind} does not exist")
            return bucket
        if kind == "AWS::SSM::Parameter":
            name = ident.get("Name")
            backend = ssm_backends[account_id][region_name]
            if not name or name not in backend._parameters:
                raise LookupError(f"Resource {name} of type {kind} does not exist")
            return backend.get_parameter(name)
        raise LookupError(f"the emulator cannot import resources of type {kind}")

    def create_change_set(self, stack_name, change_set_name, template, parameters, description,
                          change_set_type, notification_arns=None, tags=None, role_arn=None):
        if change_set_type != "IMPORT":
            return original(self, stack_name, change_set_name, template, parameters, description,
                            change_set_type, notification_arns, tags, role_arn)
        items = getattr(pending, "imports", None) or []
        existing = find(self, stack_name)
        cs_id, stack_id = original(self, stack_name, change_set_name, template, parameters,
                                   description, "UPDATE" if existing else "CREATE",
                                   notification_arns, tags, role_arn)
        cs = self.change_sets[cs_id]
        cs.change_set_type = "IMPORT"
        adopted, problems = {}, []
        new_resources = (parse_template_body(template).get("Resources") or {})
        for item in items:
            logical = item.get("LogicalResourceId")
            declared = new_resources.get(logical)
            if not isinstance(declared, dict) or declared.get("Type") != item.get("ResourceType"):
                problems.append(f"{logical} is not a {item.get('ResourceType')} of the template")
                continue
            try:
                adopted[logical] = adopt(self.account_id, self.region_name, item)
            except LookupError as err:
                problems.append(str(err))
        cs._emulator_imports = adopted
        if problems:
            cs.status, cs.execution_status = "FAILED", "UNAVAILABLE"
            cs.status_reason = "; ".join(problems)
        else:
            cs.status, cs.execution_status, cs.status_reason = "CREATE_COMPLETE", "AVAILABLE", None
            for change in cs.changes:
                if change.logical_resource_id in adopted:
                    change.action = "Import"
        return cs_id, stack_id

    models.CloudFormationBackend.create_change_set = create_change_set
    original_apply = models.ChangeSet.apply

    def apply(self):
        declared = (self.template_dict or {}).get("Resources") or {}
        for logical, resource in getattr(self, "_emulator_imports", {}).items():
            # Present before the update runs, so it is adopted instead of created; named as
            # moto names the resources it creates (DescribeStackResources reads these).
            resource.logical_resource_id = logical
            resource.cf_resource_type = declared.get(logical, {}).get("Type")
            self.stack.resource_map._parsed_resources[logical] = resource
        return original_apply(self)

    models.ChangeSet.apply = apply


def fix_drift_detection():
    import datetime
    import uuid

    from moto.cloudformation import parsing
    from moto.ssm.models import ssm_backends

    def now():
        return datetime.datetime.now(datetime.timezone.utc)

    def parameter_drift(stack, logical, resource_json):
        resource_map = stack.resource_map
        props = parsing.clean_json(resource_json.get("Properties") or {}, resource_map)
        parsed = resource_map._parsed_resources.get(logical)
        name = getattr(parsed, "name", None)
        backend = ssm_backends[stack.account_id][stack.region_name]
        if not name or name not in backend._parameters:
            return "DELETED", props, {}, []
        current = backend.get_parameter(name)
        actual = {"Name": name, "Type": current.parameter_type, "Value": current.value,
                  "Tier": current.tier or "Standard"}
        if current.description:
            actual["Description"] = current.description
        if current.allowed_pattern:
            actual["AllowedPattern"] = current.allowed_pattern
        diffs = []
        for key in ("Value", "Type", "Description", "AllowedPattern"):
            if key in props and str(props[key]) != str(actual.get(key)):
                diffs.append({"PropertyPath": f"/{key}", "ExpectedValue": str(props[key]),
                              "ActualValue": str(actual.get(key, "")), "DifferenceType": "NOT_EQUAL"})
            elif key not in props and key in actual and key != "Value":
                diffs.append({"PropertyPath": f"/{key}", "ExpectedValue": "",
                              "ActualValue": str(actual[key]), "DifferenceType": "ADD"})
        if "Tier" not in props:
            diffs.append({"PropertyPath": "/Tier", "ExpectedValue": "",
                          "ActualValue": actual["Tier"], "DifferenceType": "ADD"})
        elif str(props["Tier"]) != actual["Tier"]:
            diffs.append({"PropertyPath": "/Tier", "ExpectedValue": str(props["Tier"]),
                          "ActualValue": actual["Tier"], "DifferenceType": "NOT_EQUAL"})
        # CloudFormation counts a resource as drifted on any difference it reports.
        return ("MODIFIED" if diffs else "IN_SYNC"), props, actual, diffs

    def detect(backend, stack):
        drifts = []
        template = parse_template_body(stack.template) if stack.template else {}
        for logical, resource_json in (template.get("Resources") or {}).items():
            kind = resource_json.get("Type")
            parsed = stack.resource_map._parsed_resources.get(logical)
            physical = getattr(parsed, "physical_resource_id", None) or getattr(parsed, "name", None)
            entry = {"StackId": stack.stack_id, "LogicalResourceId": logical, "ResourceType": kind,
                     "PhysicalResourceId": str(physical or ""), "Timestamp": now()}
            if kind == "AWS::SSM::Parameter":
                status, expected, actual, diffs = parameter_drift(stack, logical, resource_json)
                entry.update(ExpectedProperties=json.dumps(expected), ActualProperties=json.dumps(actual),
                             PropertyDifferences=diffs, StackResourceDriftStatus=status)
            else:
                entry["StackResourceDriftStatus"] = "NOT_CHECKED"
            drifts.append(entry)
        return drifts

    def detect_stack_drift(self):
        backend = self.cloudformation_backend
        stack = backend.get_stack(self._get_param("StackName"))
        drifts = detect(backend, stack)
        detection_id = str(uuid.uuid4())
        drifted = sum(1 for d in drifts if d["StackResourceDriftStatus"] in ("MODIFIED", "DELETED"))
        store = backend.__dict__.setdefault("_emulator_drift", {})
        store[detection_id] = {"StackId": stack.stack_id, "StackDriftDetectionId": detection_id,
                               "StackDriftStatus": "DRIFTED" if drifted else "IN_SYNC",
                               "DetectionStatus": "DETECTION_COMPLETE",
                               "DriftedStackResourceCount": drifted, "Timestamp": now()}
        backend.__dict__.setdefault("_emulator_resource_drifts", {})[stack.stack_id] = drifts
        return ActionResult({"StackDriftDetectionId": detection_id})

    def describe_stack_drift_detection_status(self):
        store = getattr(self.cloudformation_backend, "_emulator_drift", {})
        found = store.get(self._get_param("StackDriftDetectionId"))
        if found is None:
            raise ValidationError(message="Stack drift detection id does not exist")
        return ActionResult(found)

    def describe_stack_resource_drifts(self):
        backend = self.cloudformation_backend
        stack = backend.get_stack(self._get_param("StackName"))
        drifts = getattr(backend, "_emulator_resource_drifts", {}).get(stack.stack_id)
        if drifts is None:
            raise ValidationError(message=f"No drift detection has been run on stack {stack.name}")
        wanted = self._get_param("StackResourceDriftStatusFilters", [])
        if wanted:
            drifts = [d for d in drifts if d["StackResourceDriftStatus"] in wanted]
        return ActionResult({"StackResourceDrifts": drifts})

    responses.CloudFormationResponse.detect_stack_drift = detect_stack_drift
    responses.CloudFormationResponse.describe_stack_drift_detection_status = (
        describe_stack_drift_detection_status)
    responses.CloudFormationResponse.describe_stack_resource_drifts = describe_stack_resource_drifts


def apply_all():
    """Applies every fix (in this order: later ones wrap functions earlier ones replaced)."""
    check_version()
    fix_network_deletes()
    fix_path_style_template_urls()
    fix_scoped_change_set_lookups()
    fix_execute_change_set()
    fix_create_over_review_in_progress()
    fix_change_set_exports()
    fix_deleted_stack_outputs()
    fix_nat_endpoint_and_eip_deletes()
    fix_updates_without_handler()
    fix_template_validation()
    fix_intrinsics()
    fix_retain_and_depends_on()
    fix_refs()
    fix_validate_moto_types()
    fix_ssm_parameters()
    fix_kms_key_deletes()
    fix_dependent_updates()
    fix_resolved_ssm_parameter_changes()
    fix_unmet_policy_conditions()
    fix_termination_protection()
    fix_create_only_replacements()
    fix_list_imports()
    fix_import_change_sets()
    fix_drift_detection()
