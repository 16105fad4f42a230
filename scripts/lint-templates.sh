#!/usr/bin/env bash
# Lint oracle: run cfn-lint, checkov and AWS's cloudformation-validate over every
# *.template.json under the given directories.
#
# Usage: scripts/lint-templates.sh DIR...
#
# Fails (exit 1) if cfn-lint reports anything (error, warning or informational: any non-zero
# exit code), if checkov reports any failed check, or if cloudformation-validate reports an error
# or a warning (its informational findings are listed, not failed on). Findings are suppressed per resource in
# the template's Metadata, with a reason:
#   "Metadata": {"cfn-lint": {"config": {"ignore_checks": ["W3690"],
#                                        "ignore_reasons": {"W3690": "why"}}},
#                "checkov": {"skip": [{"id": "CKV_AWS_18", "comment": "why"}]}}
#
# Tools: $CFN_LINT and $CHECKOV (absolute paths, exported by scripts/test.sh); defaults are
# .venv/tools/bin/cfn-lint and .venv/checkov/bin/checkov in the repository.
#
# If no template is found, prints a WARNING and exits 0 (exit 3 instead with
# LINT_REQUIRE_TEMPLATES=1). Set LINT_TEMPLATES_COUNT_FILE to a path to get the number of
# linted templates written there.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CFN_LINT="${CFN_LINT:-$repo_root/.venv/tools/bin/cfn-lint}"
CHECKOV="${CHECKOV:-$repo_root/.venv/checkov/bin/checkov}"
# cloudformation-validate lives in the same venv as cfn-lint.
CFN_VALIDATE_PYTHON="${CFN_VALIDATE_PYTHON:-$(dirname "$CFN_LINT")/python}"
# The tools are installed without pre-compiled bytecode; let them cache it on first use.
unset PYTHONDONTWRITEBYTECODE

if [[ $# -eq 0 ]]; then
    echo "usage: $0 DIR..." >&2
    exit 2
fi

for tool in "$CFN_LINT" "$CHECKOV" "$CFN_VALIDATE_PYTHON"; do
    if [[ ! -x "$tool" ]]; then
        echo "lint-templates: error: $tool is not an executable; run scripts/test.sh once (it installs the tools) or set CFN_LINT / CHECKOV" >&2
        exit 2
    fi
done

templates=()
for dir in "$@"; do
    if [[ ! -d "$dir" ]]; then
        echo "lint-templates: note: $dir does not exist" >&2
        continue
    fi
    while IFS= read -r -d '' f; do
        templates+=("$f")
    done < <(find "$dir" -type f -name '*.template.json' -print0 | LC_ALL=C sort -z)
done

if [[ -n "${LINT_TEMPLATES_COUNT_FILE:-}" ]]; then
    echo "${#templates[@]}" >"$LINT_TEMPLATES_COUNT_FILE"
fi

if [[ ${#templates[@]} -eq 0 ]]; then
    echo "==================================================================" >&2
    echo "WARNING: no templates found (*.template.json under: $*)" >&2
    echo "WARNING: cfn-lint and checkov were NOT run" >&2
    echo "==================================================================" >&2
    if [[ "${LINT_REQUIRE_TEMPLATES:-0}" == 1 ]]; then
        exit 3
    fi
    exit 0
fi

echo "lint-templates: ${#templates[@]} template(s)"
status=0

# cfn-lint: one process for all templates. Exit code is a bitmask (2 error, 4 warning,
# 8 informational); anything non-zero fails.
set +e
"$CFN_LINT" --non-zero-exit-code informational -- "${templates[@]}"
rc=$?
set -e
if [[ $rc -ne 0 ]]; then
    echo "lint-templates: cfn-lint FAILED (exit code $rc: 2=error 4=warning 8=informational, 1=crash)" >&2
    status=1
else
    echo "lint-templates: cfn-lint ok"
fi

# checkov: one process for all templates; exit code 1 on any failed check.
checkov_args=(--framework cloudformation --skip-download --compact --quiet)
for f in "${templates[@]}"; do
    checkov_args+=(--file "$f")
done
set +e
"$CHECKOV" "${checkov_args[@]}"
rc=$?
set -e
if [[ $rc -ne 0 ]]; then
    echo "lint-templates: checkov FAILED (exit code $rc)" >&2
    status=1
else
    echo "lint-templates: checkov ok"
fi

# cloudformation-validate: AWS's offline validator, one process for all templates.
set +e
"$CFN_VALIDATE_PYTHON" "$repo_root/scripts/cfn-validate.py" "${templates[@]}"
rc=$?
set -e
if [[ $rc -ne 0 ]]; then
    echo "lint-templates: cloudformation-validate FAILED (exit code $rc)" >&2
    status=1
else
    echo "lint-templates: cloudformation-validate ok"
fi

exit "$status"
