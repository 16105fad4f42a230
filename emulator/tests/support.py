"""Test support: the emulator server on a free port, boto3 clients for it, and change-set
deployment the way CloudFormation users (and the project's deploy crate) do it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import boto3
import botocore.config

REPO = Path(__file__).resolve().parents[2]
SERVER = REPO / "emulator" / "server.py"
REGION = "us-east-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Emulator:
    """A running `emulator/server.py`, stopped by PID."""

    def __init__(self, log_dir: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log_dir / f"emulator-{self.port}.log"
        self._log_file = open(self.log, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, str(SERVER), "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=self._log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"emulator exited early:\n{self.log.read_text()}")
            try:
                urllib.request.urlopen(f"{self.url}/moto-api/", timeout=2).read()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"emulator not ready within 60 s; log: {self.log}")

    def client(self, service: str):
        return boto3.client(
            service, endpoint_url=self.url, region_name=REGION,
            aws_access_key_id="test", aws_secret_access_key="test",
            config=botocore.config.Config(retries={"max_attempts": 1}),
        )

    def server_errors(self) -> list[str]:
        return [l for l in self.log.read_text(errors="replace").splitlines() if '" 500 ' in l]

    def control(self, path: str, body: dict) -> tuple[int, dict]:
        req = urllib.request.Request(f"{self.url}/_emulator/{path}", data=json.dumps(body).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read())

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._log_file.close()


TERMINAL = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "ROLLBACK_COMPLETE", "UPDATE_ROLLBACK_COMPLETE",
            "DELETE_COMPLETE", "DELETE_FAILED", "CREATE_FAILED", "ROLLBACK_FAILED",
            "UPDATE_ROLLBACK_FAILED"}


def stack_status(cfn, name: str) -> dict:
    return cfn.describe_stacks(StackName=name)["Stacks"][0]


def deploy(emu: Emulator, name: str, template: dict | str, parameters: dict | None = None) -> dict:
    """Creates or updates `name` through a change set, executes it, returns the stack."""
    cfn = emu.client("cloudformation")
    body = template if isinstance(template, str) else json.dumps(template)
    try:
        current = stack_status(cfn, name)["StackStatus"]
    except cfn.exceptions.ClientError:
        current = None
    kind = "CREATE" if current in (None, "REVIEW_IN_PROGRESS") else "UPDATE"
    args = dict(StackName=name, ChangeSetName="emu-test", ChangeSetType=kind,
                Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
                Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in (parameters or {}).items()])
    if len(body) > 51200:
        s3 = emu.client("s3")
        bucket = "emulator-tests-templates"
        try:
            s3.create_bucket(Bucket=bucket)
        except s3.exceptions.BucketAlreadyOwnedByYou:
            pass
        s3.put_object(Bucket=bucket, Key=f"{name}.json", Body=body.encode())
        args["TemplateURL"] = f"{emu.url}/{bucket}/{name}.json"
    else:
        args["TemplateBody"] = body
    cs = cfn.create_change_set(**args)
    desc = cfn.describe_change_set(ChangeSetName=cs["Id"])
    if desc["Status"] == "FAILED":
        raise AssertionError(f"change set for {name} failed: {desc.get('StatusReason')}")
    cfn.execute_change_set(ChangeSetName=cs["Id"])
    for _ in range(200):
        stack = stack_status(cfn, name)
        if stack["StackStatus"] in TERMINAL:
            return stack
        time.sleep(0.05)
    raise AssertionError(f"{name} did not finish: {stack['StackStatus']}")


def delete(emu: Emulator, name: str) -> dict:
    cfn = emu.client("cloudformation")
    stack_id = stack_status(cfn, name)["StackId"]
    cfn.delete_stack(StackName=name)
    for _ in range(200):
        stack = stack_status(cfn, stack_id)
        if stack["StackStatus"] in TERMINAL:
            return stack
        time.sleep(0.05)
    raise AssertionError(f"{name} was not deleted")


def failure_events(emu: Emulator, name: str) -> list[dict]:
    cfn = emu.client("cloudformation")
    events = cfn.describe_stack_events(StackName=name)["StackEvents"]
    return [e for e in events if e["ResourceStatus"].endswith("_FAILED")]


def outputs(stack: dict) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs") or []}


def physical_ids(emu: Emulator, name: str) -> dict[str, str]:
    cfn = emu.client("cloudformation")
    res = cfn.describe_stack_resources(StackName=name)["StackResources"]
    return {r["LogicalResourceId"]: r.get("PhysicalResourceId") for r in res}


def env_flag(name: str) -> bool:
    return os.environ.get(name, "") not in ("", "0", "false")


def attribute_outputs(type_name: str, logical_id: str, without: tuple[str, ...] = ()) -> dict:
    """Outputs reading every scalar attribute `type_name` declares (its readOnlyProperties) from
    `logical_id`, named `<logical id><Attr>` (dots removed); `without` names attributes that do
    not apply to the resource (CloudFormation fails a Fn::GetAtt of those)."""
    sys.path.insert(0, str(REPO))
    from emulator import schema

    doc = schema.load(type_name)
    out = {}
    for attr in schema.read_only_attributes(type_name):
        node = doc["properties"]
        prop = None
        for part in attr.split("."):
            prop = node.get(part, {}) if isinstance(node, dict) else {}
            if "$ref" in prop:
                prop = schema._resolve(doc, prop)
            node = prop.get("properties", {})
        kind = (prop or {}).get("type")
        if kind in ("object", "array") or "*" in attr or attr in without:
            continue
        out[f"{logical_id}{attr.replace('.', '')}"] = {"Value": {"Fn::GetAtt": [logical_id, attr]}}
    return out


def template(resources: dict, outputs: dict | None = None) -> dict:
    return {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources,
            **({"Outputs": outputs} if outputs else {})}


def expect(stack: dict, status: str) -> dict:
    assert stack["StackStatus"] == status, (
        f"{stack['StackName']}: {stack['StackStatus']} ({stack.get('StackStatusReason')}), expected {status}"
    )
    return stack
