#!/usr/bin/env bash
# Synth speed and memory: ours vs the equivalent AWS CDK app (bench/cdk), whole process.
#
# Usage: scripts/bench.sh [--quick] [--rounds N] [--scale-rounds N] [--fit-runs N]
#                         [--cdk-validation both|on|off] [--check]
#
# 1. builds our release binaries (cargo build --release -p refarch-app --bins --example scale);
# 2. installs the CDK app's pinned dependencies (npm ci in bench/cdk, skipped while
#    node_modules matches package-lock.json);
# 3. runs bench/bench.py: checks that both sides write their templates, then times them
#    interleaved (A B A B ..., wall clock and peak RSS of each process) for the default app
#    and for 50 copies, prints the ratios, our per-phase figures, the fitted per-resource cost
#    of the scale example at 1, 10, 50 and 200 copies, and the goals of issue 17.
#
#   --quick            3 rounds, 1 round at 50 copies, 1 run per fit point (a few minutes)
#   --rounds N         interleaved rounds of the default app (default 7)
#   --scale-rounds N   interleaved rounds at 50 copies (default 3)
#   --fit-runs N       runs per point of the scale fit (default 3)
#   --cdk-validation   CDK with its built-in template validation (on, as shipped), without
#                      it (off: CDK_VALIDATION=false, its fastest), or both (default)
#   --check            exit 1 when a goal is not met (ratios against the fastest CDK timed)
#
# Needs Rust, Python >= 3.9 and Node.js >= 20 with npm; nothing else, no AWS credentials,
# no network after npm ci. Outputs go to target/bench/ (CARGO_TARGET_DIR is honoured). Not
# part of scripts/test.sh: a full run takes 10-20 minutes on a busy 2-core machine, most of
# it CDK.
set -euo pipefail

for arg in "$@"; do
    case "$arg" in
    -h | --help)
        sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
        exit 0
        ;;
    esac
done

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
PYTHON="${PYTHON:-python3}"

missing=()
command -v cargo >/dev/null 2>&1 || missing+=("cargo (Rust, via rustup)")
command -v "$PYTHON" >/dev/null 2>&1 || missing+=("$PYTHON (Python >= 3.9)")
command -v node >/dev/null 2>&1 || missing+=("node (Node.js >= 20)")
command -v npm >/dev/null 2>&1 || missing+=("npm")
if [[ ${#missing[@]} -gt 0 ]]; then
    printf 'bench.sh: error: not found: %s\n' "${missing[@]}" >&2
    exit 1
fi
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [[ "$node_major" -lt 20 ]]; then
    echo "bench.sh: error: Node.js >= 20 needed (aws-cdk-lib's requirement), found $(node --version)" >&2
    exit 1
fi

# Bad arguments fail before the build, not after it.
"$PYTHON" "$repo_root/bench/bench.py" --parse-only "$@"

echo "== build: cargo build --release -p refarch-app --bins --example scale"
cargo build --release --quiet -p refarch-app --bins --example scale

target_dir="${CARGO_TARGET_DIR:-$repo_root/target}"
[[ "$target_dir" == /* ]] || target_dir="$repo_root/$target_dir"

cdk_dir="$repo_root/bench/cdk"
stamp="$cdk_dir/node_modules/.bench-lock.sha256"
lock_sum="$(sha256sum "$cdk_dir/package-lock.json" | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$lock_sum" ]]; then
    echo "== npm ci (bench/cdk): node_modules matches package-lock.json"
else
    echo "== npm ci (bench/cdk): aws-cdk-lib and constructs as pinned in package-lock.json"
    (cd "$cdk_dir" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$lock_sum" >"$stamp"
fi

exec "$PYTHON" "$repo_root/bench/bench.py" --bin-dir "$target_dir/release" "$@"
