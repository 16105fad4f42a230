"""The whole reference architecture (the default config's five stacks) deployed to the emulator
in manifest order through change sets, checked through the services' APIs, and deleted again.

The assembly comes from $REFARCH_ASSEMBLY (a directory with manifest.json, as scripts/test.sh's
refarch phase writes it), else from `refarch-app synth` ($REFARCH_APP, or the workspace's
target/debug/refarch-app, or `cargo run -p refarch-app`). Without any of them the test is skipped
loudly, or fails when CI is set.

Like an operator would, the test first creates the parent hosted zone the config names
(`example.com`, id `Z0123456789ABCDEFGHIJ`, through the emulator's control API), and before
deleting the data stack turns the cluster's deletion protection off (with it on, the delete
fails DELETE_FAILED, as on AWS; that is checked too).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import warnings
from pathlib import Path

import pytest

from emulator.tests.support import REPO, delete, deploy, expect, outputs, physical_ids

PARENT_ZONE = {"Name": "example.com", "Id": "Z0123456789ABCDEFGHIJ"}


def _synth(out: Path) -> Path | None:
    binary = os.environ.get("REFARCH_APP")
    target = Path(os.environ.get("CARGO_TARGET_DIR") or REPO / "target")
    if not target.is_absolute():
        target = REPO / target
    candidates = [Path(binary)] if binary else [target / "debug" / "refarch-app"]
    for exe in candidates:
        if exe.is_file():
            subprocess.run([str(exe), "synth", "--out", str(out)], check=True, cwd=REPO,
                           stdout=subprocess.DEVNULL)
            return out
    if shutil.which("cargo"):
        subprocess.run(["cargo", "run", "--quiet", "-p", "refarch-app", "--", "synth", "--out", str(out)],
                       check=True, cwd=REPO, stdout=subprocess.DEVNULL)
        return out
    return None


@pytest.fixture(scope="module")
def assembly(tmp_path_factory) -> Path:
    given = os.environ.get("REFARCH_ASSEMBLY")
    if given and (Path(given) / "manifest.json").is_file():
        return Path(given)
    found = _synth(tmp_path_factory.mktemp("refarch") / "out")
    if found is None:
        message = "no reference assembly: set REFARCH_ASSEMBLY or REFARCH_APP, or install cargo"
        if os.environ.get("CI"):
            pytest.fail(message)
        warnings.warn(message)
        pytest.skip(message)
    return found


def test_reference_architecture(emu, assembly):
    manifest = json.loads((assembly / "manifest.json").read_text())
    stacks = manifest["stacks"]
    assert len(stacks) == 5, [s["name"] for s in stacks]
    status, zone = emu.control("route53/hosted-zones", PARENT_ZONE)
    assert status == 201, zone

    deployed = {}
    for entry in stacks:
        for dep in entry["dependencies"]:
            assert dep in deployed, f"{entry['name']} needs {dep} first"
        body = (assembly / entry["templateFile"]).read_text()
        resources = json.loads(body)["Resources"]
        stack = expect(deploy(emu, entry["name"], body), "CREATE_COMPLETE")
        ids = physical_ids(emu, entry["name"])
        # Every resource was really created (stock moto leaves skipped types without an id).
        assert set(ids) == set(resources), set(resources) ^ set(ids)
        assert all(ids.values()), [k for k, v in ids.items() if not v]
        deployed[entry["name"]] = (resources, ids, outputs(stack))

    by_type = {}
    for resources, ids, _ in deployed.values():
        for lid, res in resources.items():
            by_type.setdefault(res["Type"], []).append(ids[lid])

    # Spot checks through the services' own APIs.
    rds = emu.client("rds")
    clusters = {c["DBClusterIdentifier"]: c for c in rds.describe_db_clusters()["DBClusters"]}
    for cluster_id in by_type.get("AWS::RDS::DBCluster", []):
        cluster = clusters[cluster_id]
        assert cluster["Status"] == "available" and cluster["MasterUserSecret"]["SecretArn"]
        assert len(cluster["DBClusterMembers"]) == len(by_type["AWS::RDS::DBInstance"])
    acm = emu.client("acm")
    for arn in by_type.get("AWS::CertificateManager::Certificate", []):
        assert acm.describe_certificate(CertificateArn=arn)["Certificate"]["Status"] == "ISSUED"
    ib = emu.client("imagebuilder")
    for arn in by_type.get("AWS::ImageBuilder::ImageRecipe", []):
        assert ib.get_image_recipe(imageRecipeArn=arn)["imageRecipe"]["arn"] == arn
    ec2 = emu.client("ec2")
    for arn in by_type.get("AWS::ImageBuilder::Image", []):
        ami = ib.get_image(imageBuildVersionArn=arn)["image"]["outputResources"]["amis"][0]["image"]
        assert ec2.describe_images(ImageIds=[ami])["Images"]
    cp = emu.client("codepipeline")
    for name in by_type.get("AWS::CodePipeline::Pipeline", []):
        assert len(cp.get_pipeline(name=name)["pipeline"]["stages"]) >= 2
    cb = emu.client("codebuild")
    assert len(cb.batch_get_projects(names=by_type.get("AWS::CodeBuild::Project", []))["projects"]) == len(
        by_type.get("AWS::CodeBuild::Project", []))
    # The workloads' launch templates use the AMI the images stack published.
    for parameter in (p for s in stacks for p in s["parameters"].values()
                      if p["Type"] == "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>"):
        ami = emu.client("ssm").get_parameter(Name=parameter["Default"])["Parameter"]["Value"]
        assert ec2.describe_images(ImageIds=[ami])["Images"]

    # Delete, dependents first. The data stack's cluster is deletion-protected: the first delete
    # fails as on AWS, the second (protection off) succeeds.
    for entry in reversed(stacks):
        name = entry["name"]
        stack = delete(emu, name)
        if stack["StackStatus"] == "DELETE_FAILED":
            assert "Cannot delete protected Cluster" in stack["StackStatusReason"], stack["StackStatusReason"]
            for cluster_id in by_type["AWS::RDS::DBCluster"]:
                rds.modify_db_cluster(DBClusterIdentifier=cluster_id, DeletionProtection=False,
                                      ApplyImmediately=True)
            stack = delete(emu, name)
        expect(stack, "DELETE_COMPLETE")
    remaining = {c["DBClusterIdentifier"] for c in rds.describe_db_clusters()["DBClusters"]}
    assert not remaining & set(by_type.get("AWS::RDS::DBCluster", []))
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": by_type["AWS::EC2::VPC"]}])["Vpcs"]
    assert vpcs == []
