"""Launch moto 5.2.5's server with the CloudFormation change-set fixes the deploy tests rely on.

Usage (same flags as `moto_server`):  python moto_server.py -H 127.0.0.1 -p 5000

Stock moto 5.2.5 diverges from CloudFormation in ways that matter to a change-set based deployer
(see shared/reference/emulator.md, section 3). Each fix below is a named function; `check_version`
refuses to run on another moto version, so a moto upgrade forces a look at whether a fix is still
needed.

  1. ExecuteChangeSet refreshes the stack's Outputs (stock: a change-set stack has none).
  2. ExecuteChangeSet refuses a change set that is not executable (stock: runs FAILED ones).
  3. A failed execution rolls back: ROLLBACK_COMPLETE after a failed create, UPDATE_ROLLBACK_COMPLETE
     after a failed update, with a StackStatusReason and events (stock: HTTP error, stack stuck).
  4. A successful execution deletes the stack's change sets, as CloudFormation does.
  5. Change-set lookups by name are scoped to the StackName (stock: any stack's change set), and a
     missing one is ChangeSetNotFound (stock: HTTP 500 from an unbound local).
  6. A CREATE change set for a stack left in REVIEW_IN_PROGRESS reuses that stack (stock: a second
     stack with the same name).
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
"""

import sys

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
            f"moto_server.py patches moto {EXPECTED_MOTO}, found {moto.__version__}: "
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
        try:
            cs.apply()
        except Exception as err:  # noqa: BLE001 - any moto failure is a resource failure
            reason = getattr(err, "message", None) or str(err) or type(err).__name__
            roll_back(stack, kind, reason)
            cs.execution_status = "EXECUTE_FAILED"
            return
        stack.template = cs.template
        stack._parse_template()
        stack.output_map = stack._create_output_map()
        if cs.parameters:
            stack.parameters = cs.parameters
        stack._add_stack_event(f"{kind}_COMPLETE")
        stack.status = f"{kind}_COMPLETE"
        stack.stack_status_reason = None
        # CloudFormation deletes every change set of the stack after a successful execution.
        for cs_id in [i for i, c in self.change_sets.items() if c.stack_id == stack.stack_id]:
            del self.change_sets[cs_id]

    def roll_back(stack, kind, reason):
        stack._add_stack_event(f"{kind}_FAILED" if kind == "UPDATE" else "CREATE_FAILED", reason)
        if kind == "CREATE":
            stack._add_stack_event("ROLLBACK_IN_PROGRESS", reason)
            try:
                stack.resource_map.delete()
            except Exception as err:  # noqa: BLE001 - best effort, as moto cannot really roll back
                print(f"moto_server.py: rollback of {stack.name} left resources: {err!r}", file=sys.stderr)
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
            stack = self.stacks.pop(name_or_stack_id)
            stack.delete()
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


def main():
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
    from moto.server import main as moto_main

    moto_main(sys.argv[1:])


if __name__ == "__main__":
    main()
