#!/usr/bin/env bash
# Refresh the pinned CloudFormation registry schemas under schemas/.
#
# Downloads the pinned cfn-lint wheel from PyPI (it carries the registry schemas as data),
# verifies its sha256, and copies the schema of every resource type listed in
# schemas/types.txt to schemas/<Service>/<Resource>.json (AWS::EC2::VPC -> schemas/EC2/VPC.json),
# pretty-printed deterministically. Schemas of types no longer listed are removed.
# schemas/SOURCE.md records where everything came from.
#
# Usage:
#   scripts/update-schemas.sh
#
# To add a type: add one line to schemas/types.txt, run this script, then `cargo run -p codegen`.
#
# To move to another cfn-lint version: run with CFN_LINT_VERSION=<version> CFN_LINT_SHA256= (empty
# skips the check and prints the new hash), review the diff, then update both pins below.
#
# Needs: python3 with pip (falls back to .venv/tools/bin/python, created by scripts/test.sh).
set -euo pipefail

CFN_LINT_VERSION="${CFN_LINT_VERSION-1.58.0}"
CFN_LINT_SHA256="${CFN_LINT_SHA256-9d9f06043160756a6158f5c3f92a44ce38254b1c578127461608305bc8262987}"
REGION_MAP="cfnlint/data/schemas/providers/us-east-1.json"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
schemas_dir="$repo_root/schemas"
types_file="$schemas_dir/types.txt"

die() {
    echo "update-schemas: error: $*" >&2
    exit 1
}

[[ -f "$types_file" ]] || die "missing $types_file"

# A Python that has pip.
python=""
for candidate in python3 "$repo_root/.venv/tools/bin/python"; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -m pip --version >/dev/null 2>&1; then
        python="$candidate"
        break
    fi
done
[[ -n "$python" ]] || die "need python3 with pip (Debian: apt-get install python3-pip), or run scripts/test.sh once to create .venv/tools"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "update-schemas: downloading cfn-lint==$CFN_LINT_VERSION wheel"
"$python" -m pip download --quiet --no-deps --only-binary=:all: \
    --disable-pip-version-check --dest "$tmp/dl" "cfn-lint==$CFN_LINT_VERSION" ||
    die "pip download of cfn-lint==$CFN_LINT_VERSION failed"

shopt -s nullglob
wheels=("$tmp"/dl/cfn_lint-*.whl)
shopt -u nullglob
[[ ${#wheels[@]} -eq 1 ]] || die "expected exactly one cfn-lint wheel, found ${#wheels[@]}"

CFN_LINT_VERSION="$CFN_LINT_VERSION" CFN_LINT_SHA256="$CFN_LINT_SHA256" REGION_MAP="$REGION_MAP" \
    "$python" - "${wheels[0]}" "$schemas_dir" "$types_file" <<'PY'
import datetime
import hashlib
import json
import os
import re
import sys
import zipfile

wheel, schemas_dir, types_file = sys.argv[1:4]
version = os.environ["CFN_LINT_VERSION"]
expected_sha = os.environ["CFN_LINT_SHA256"].strip().lower()
region_map = os.environ["REGION_MAP"]


def die(msg):
    print(f"update-schemas: error: {msg}", file=sys.stderr)
    sys.exit(1)


with open(wheel, "rb") as f:
    sha = hashlib.sha256(f.read()).hexdigest()
if expected_sha and sha != expected_sha:
    die(f"sha256 of {os.path.basename(wheel)} is {sha}, expected {expected_sha}")
if not expected_sha:
    print(f"update-schemas: wheel sha256 is {sha} (not checked; pin it in the script)")

# Parse types.txt.
type_re = re.compile(r"^AWS::[A-Za-z0-9]+::[A-Za-z0-9]+$")
types = []
for lineno, raw in enumerate(open(types_file, encoding="utf-8"), 1):
    line = raw.split("#", 1)[0].strip()
    if not line:
        continue
    if not type_re.match(line):
        die(f"{types_file}:{lineno}: not a resource type name like AWS::EC2::VPC: {line!r}")
    if line in types:
        die(f"{types_file}:{lineno}: duplicate type {line}")
    types.append(line)
if not types:
    die(f"{types_file} lists no types")

with zipfile.ZipFile(wheel) as zf:
    try:
        providers = json.loads(zf.read(region_map))
    except KeyError:
        die(f"{region_map} not found in {os.path.basename(wheel)}")
    try:
        schema_date = json.loads(zf.read("cfnlint/data/schemas/version.json")).get("schema_date", "unknown")
    except KeyError:
        schema_date = "unknown"
    # The EC2 instance types offered per region (cfn-lint's E3628 data), for the reference
    # architecture's config checks.
    instance_types_source = "cfnlint/data/schemas/extensions/aws_ec2_instance/instancetype_enum.json"
    try:
        offerings = json.loads(zf.read(instance_types_source))
    except KeyError:
        die(f"{instance_types_source} not found in the wheel")

    missing = [t for t in types if t not in providers]
    if missing:
        die(
            "these types from schemas/types.txt are not in cfn-lint "
            f"{version}'s {region_map}: {', '.join(missing)} (check the spelling)"
        )

    wanted = {}
    rows = []
    for t in types:
        _, service, resource = t.split("::")
        source = f"cfnlint/data/schemas/resources/{providers[t]}.json"
        try:
            schema = json.loads(zf.read(source))
        except KeyError:
            die(f"{source} (schema of {t}) not found in the wheel")
        if schema.get("typeName") != t:
            die(f"{source} has typeName {schema.get('typeName')!r}, expected {t}")
        rel = os.path.join(service, f"{resource}.json")
        wanted[rel] = json.dumps(schema, indent=2, sort_keys=False, ensure_ascii=False) + "\n"
        rows.append((t, rel, source))

# Write the schemas (only when changed, to keep mtimes stable).
changed = 0
for rel, text in wanted.items():
    dest = os.path.join(schemas_dir, rel)
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    old = None
    if os.path.exists(dest):
        with open(dest, encoding="utf-8") as f:
            old = f.read()
    if old != text:
        with open(dest, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        changed += 1

# The instance-type offerings, one region per line.
offerings = {
    r: sorted(v["enum"])
    for r, v in sorted(offerings.items())
    if isinstance(v, dict) and r != "all"
}
offerings_text = (
    "{\n" + ",\n".join(f"  {json.dumps(r)}: {json.dumps(v)}" for r, v in offerings.items()) + "\n}\n"
)
offerings_dest = os.path.join(schemas_dir, "..", "crates", "refarch-app", "data", "ec2-instance-types.json")
old = open(offerings_dest, encoding="utf-8").read() if os.path.exists(offerings_dest) else None
if old != offerings_text:
    os.makedirs(os.path.dirname(offerings_dest), exist_ok=True)
    with open(offerings_dest, "w", encoding="utf-8", newline="\n") as f:
        f.write(offerings_text)
    changed += 1

# Remove schemas of types no longer listed (only <Service>/<Resource>.json files).
removed = 0
for entry in sorted(os.listdir(schemas_dir)):
    sub = os.path.join(schemas_dir, entry)
    if not os.path.isdir(sub) or entry.startswith("."):
        continue
    for name in sorted(os.listdir(sub)):
        rel = os.path.join(entry, name)
        if name.endswith(".json") and rel not in wanted:
            os.remove(os.path.join(sub, name))
            removed += 1
    if not os.listdir(sub):
        os.rmdir(sub)

# SOURCE.md: rewritten only if something other than the date changed.
def source_md(date):
    lines = [
        "# Source of the pinned CloudFormation registry schemas",
        "",
        "Generated by `scripts/update-schemas.sh`; do not edit by hand.",
        "",
        "| | |",
        "|---|---|",
        f"| Package | `cfn-lint=={version}` (PyPI) |",
        f"| Wheel | `{os.path.basename(wheel)}` |",
        f"| Wheel sha256 | `{sha}` |",
        f"| Region map | `{region_map}` |",
        f"| cfn-lint schema date | {schema_date} |",
        f"| Retrieved | {date} |",
        f"| Types | {len(types)} |",
        "",
        "## Updating",
        "",
        "1. Edit `schemas/types.txt` (one full type name such as `AWS::EC2::VPC` per line, `#` comments allowed).",
        "2. Run `scripts/update-schemas.sh`.",
        "3. Regenerate code with `cargo run -p codegen`.",
        "",
        "To move to a newer cfn-lint, run",
        "`CFN_LINT_VERSION=<version> CFN_LINT_SHA256= scripts/update-schemas.sh`, review the diff,",
        "then pin the new version and the printed sha256 at the top of the script.",
        "",
        "cfn-lint's own `extensions/` and `patches/` (extra lint-only constraints) are not copied, except the EC2 instance types offered per region (`crates/refarch-app/data/ec2-instance-types.json`, which the reference architecture's config checks use).",
        "",
        "## Files",
        "",
        "| Type | File | Source in the wheel |",
        "|---|---|---|",
    ]
    lines += [f"| `{t}` | `{rel}` | `{src}` |" for t, rel, src in rows]
    return "\n".join(lines) + "\n"


source_path = os.path.join(schemas_dir, "SOURCE.md")
today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
old_source = None
if os.path.exists(source_path):
    with open(source_path, encoding="utf-8") as f:
        old_source = f.read()
date_re = re.compile(r"^\| Retrieved \| .* \|$", re.M)
new_source = source_md(today)
if old_source is None or date_re.sub("", old_source) != date_re.sub("", new_source):
    with open(source_path, "w", encoding="utf-8", newline="\n") as f:
        f.write(new_source)

print(
    f"update-schemas: {len(types)} types from cfn-lint {version}: "
    f"{changed} schema file(s) written, {removed} removed"
)
PY
