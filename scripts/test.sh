#!/usr/bin/env bash
# shellcheck disable=SC2329  # phase functions are called through run_phase
# The single entry point for the whole test suite (also what .ci/run calls).
#
# Usage: scripts/test.sh [--fail-fast] [--tools-only]
#
# Phases:
#   tools    create/reuse the Python venvs with pinned tools (scripts/requirements-*.txt),
#            in the background while fmt and clippy run; exported for the Rust tests as
#              .venv/tools   cfn-lint     -> CFN_LINT    (path of the cfn-lint executable)
#              .venv/checkov checkov      -> CHECKOV     (path of the checkov executable)
#              .venv/moto    moto[server] -> MOTO_PYTHON (path of that venv's python)
#            --tools-only runs just this phase.
#   fmt      cargo fmt --all -- --check
#   clippy   cargo clippy --workspace --all-targets -- -D warnings
#   test     cargo test --workspace (unit, integration and doc tests); tests write the
#            templates they synthesize under $SYNTH_OUT_DIR (= target/synth-out), which is
#            emptied first
#   doc      RUSTDOCFLAGS=-Dwarnings cargo doc --workspace --no-deps
#   refarch  cargo run -p refarch-app -- synth --out target/synth-out/refarch
#            (skipped with a warning while the package has no binary)
#   emulator .venv/moto/bin/python -m pytest emulator/tests -q: the emulator's providers, its
#            answers to bad templates, and the whole reference assembly (the refarch phase's
#            output, REFARCH_ASSEMBLY) deployed to it and deleted; "no tests ran" is a failure
#   lint     scripts/lint-templates.sh target/synth-out (cfn-lint, checkov, cloudformation-validate)
#   boot     scripts/boot-test.sh: the sample app (app/) booted as an instance would, against
#            moto and a real PostgreSQL (health check, sign-in, password rotation, missing
#            parameter, local profile); installs the app venv and PostgreSQL if missing
#
# Needs only a Rust toolchain (with rustfmt and clippy) and Python >= 3.9 with venv
# (Debian: apt-get install python3-venv). Set PYTHON to choose the interpreter.
# A failing phase does not stop the later ones (except tools) unless --fail-fast is given;
# the exit code is non-zero if any phase failed.
set -euo pipefail

fail_fast=0
tools_only=0
for arg in "$@"; do
    case "$arg" in
    --fail-fast) fail_fast=1 ;;
    --tools-only) tools_only=1 ;;
    -h | --help)
        sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
        exit 0
        ;;
    *)
        echo "test.sh: unknown argument: $arg (see --help)" >&2
        exit 2
        ;;
    esac
done

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

PYTHON="${PYTHON:-python3}"
# Plain text when the output is a log, not a terminal: cargo decides by itself, but some tools
# (trybuild's termcolor) colour unless NO_COLOR is set.
if [[ ! -t 1 ]]; then
    export NO_COLOR=1 CARGO_TERM_COLOR=never
fi
# Let the tools cache their bytecode in the venvs (they are installed with --no-compile);
# without the cache every cfn-lint/checkov start recompiles its modules (2 s -> 10 s).
unset PYTHONDONTWRITEBYTECODE
venv_root="$repo_root/.venv"
# Rust tests write synthesized templates here (a sub-directory per test).
target_dir="${CARGO_TARGET_DIR:-$repo_root/target}"
[[ "$target_dir" == /* ]] || target_dir="$repo_root/$target_dir"
export SYNTH_OUT_DIR="$target_dir/synth-out"
# Where the tools live once the tools phase has run.
export CFN_LINT="$venv_root/tools/bin/cfn-lint"
export CHECKOV="$venv_root/checkov/bin/checkov"
export MOTO_PYTHON="$venv_root/moto/bin/python"

# check_python, pins_installed, ensure_venv, lock_venvs, now, elapsed (shared with
# scripts/emulator.sh).
venv_prog=test.sh
# shellcheck source=scripts/venv.sh
source "$repo_root/scripts/venv.sh"

suite_start="$(now)"
summary=()
failed=()

banner() { printf '\n=== %s ===\n' "$*"; }

# run_phase NAME CMD...: runs CMD, records "NAME ok|FAILED (time)".
run_phase() {
    local name="$1"
    shift
    banner "$name: $*"
    local start rc=0
    start="$(now)"
    "$@" || rc=$?
    if [[ $rc -eq 0 ]]; then
        summary+=("$name ok $(elapsed "$start")")
    else
        summary+=("$name FAILED $(elapsed "$start")")
        failed+=("$name")
        echo "test.sh: phase '$name' FAILED (exit code $rc)" >&2
        if [[ $fail_fast -eq 1 ]]; then
            finish
        fi
    fi
}

summary_text() {
    local out="" s
    for s in "${summary[@]}"; do
        out+="${out:+; }$s"
    done
    printf '%s' "$out"
}

finish() {
    wait_tools || true
    echo
    if [[ ${#failed[@]} -eq 0 ]]; then
        echo "test.sh: PASS in $(elapsed "$suite_start"): $(summary_text)"
        exit 0
    fi
    echo "test.sh: FAIL (${failed[*]}) in $(elapsed "$suite_start"): $(summary_text)"
    exit 1
}

# ---------------------------------------------------------------- tools

setup_tools() {
    check_python || return 1
    lock_venvs
    ensure_venv tools "$repo_root/scripts/requirements-tools.txt" bin/cfn-lint --version || return 1
    ensure_venv checkov "$repo_root/scripts/requirements-checkov.txt" bin/checkov --version || return 1
    ensure_moto_venv || return 1
    unlock_venvs
    echo "tools: CFN_LINT=$CFN_LINT"
    echo "tools: CHECKOV=$CHECKOV"
    echo "tools: MOTO_PYTHON=$MOTO_PYTHON"
}

# wait_tools: waits for the background tools phase (once), shows its log, records the result.
wait_tools() {
    [[ -n "$tools_pid" ]] || return 0
    local pid="$tools_pid" rc=0
    tools_pid=""
    wait "$pid" || rc=$?
    banner "tools (background phase finished)"
    cat "$tools_log"
    if [[ $rc -eq 0 ]]; then
        summary+=("tools ok $(cat "$tools_log.time" 2>/dev/null || echo '?') (in background)")
    else
        summary+=("tools FAILED")
        failed+=("tools")
        echo "test.sh: phase 'tools' FAILED; see above" >&2
    fi
    rm -f "$tools_log.time"
    return "$rc"
}

check_rust() {
    local missing=0
    command -v cargo >/dev/null 2>&1 || {
        echo "test.sh: error: cargo not found (install Rust with rustup)" >&2
        return 1
    }
    cargo fmt --version >/dev/null 2>&1 || missing=1
    cargo clippy --version >/dev/null 2>&1 || missing=1
    if [[ $missing -eq 1 ]]; then
        echo "test.sh: error: rustfmt/clippy missing: rustup component add rustfmt clippy" >&2
        return 1
    fi
}

# ---------------------------------------------------------------- cargo phases

cargo_test() {
    rm -rf "$SYNTH_OUT_DIR"
    mkdir -p "$SYNTH_OUT_DIR"
    local log="$target_dir/test-phase.log" rc=0
    mkdir -p "$target_dir"
    # pipefail (set above): the pipeline fails when cargo does.
    cargo test --workspace 2>&1 | tee "$log" || rc=$?
    slowest_tests "$log"
    return "$rc"
}

# slowest_tests LOG: the five slowest test binaries of a `cargo test` log (stable Rust has no
# per-test times), e.g. "  12.3 s  crates/refarch-app/tests/it/main.rs (24 tests)".
slowest_tests() {
    "$PYTHON" - "$1" <<'PY' || true
import re, sys
runs, current, crate = [], None, "?"
for line in open(sys.argv[1], errors="replace"):
    m = re.match(r"\s*Running (unittests )?(\S+) \(.*/deps/([\w-]+?)-[0-9a-f]+\)", line)
    if m:
        if m.group(1) and m.group(2) == "src/lib.rs":  # a crate's library tests come first
            crate = m.group(3).replace("_", "-")
        current = f"{crate}: {m.group(2)}"
        continue
    m = re.match(r"\s*Doc-tests (\S+)", line)
    if m:
        current = f"{m.group(1).replace('_', '-')}: doc tests"
        continue
    m = re.match(r"test result: \w+\. (\d+) passed.*finished in ([\d.]+)s", line)
    if m and current:
        runs.append((float(m.group(2)), current, int(m.group(1))))
        current = None
if runs:
    print("\nslowest test binaries:")
    for secs, name, n in sorted(runs, reverse=True)[:5]:
        print(f"  {secs:6.1f} s  {name} ({n} tests)")
PY
}

cargo_doc() {
    RUSTDOCFLAGS="${RUSTDOCFLAGS:+$RUSTDOCFLAGS }-Dwarnings" cargo doc --workspace --no-deps
}

# Whether the workspace has a package NAME with a binary target.
has_bin_package() {
    local meta
    meta="$(cargo metadata --no-deps --format-version 1 2>/dev/null)" || return 1
    PKG="$1" "$PYTHON" -c '
import json, os, sys
meta = json.load(sys.stdin)
name = os.environ["PKG"]
ok = any(p["name"] == name and any("bin" in t["kind"] for t in p["targets"]) for p in meta["packages"])
sys.exit(0 if ok else 1)' <<<"$meta"
}

refarch_synth() {
    rm -rf "$SYNTH_OUT_DIR/refarch"
    cargo run --quiet -p refarch-app -- synth --out "$SYNTH_OUT_DIR/refarch"
}

emulator_tests() {
    local rc=0
    REFARCH_ASSEMBLY="$SYNTH_OUT_DIR/refarch" "$MOTO_PYTHON" -m pytest "$repo_root/emulator/tests" -q \
        -p no:cacheprovider || rc=$?
    if [[ $rc -eq 5 ]]; then
        echo "test.sh: pytest collected no tests in emulator/tests" >&2
    fi
    return "$rc"
}

lint() {
    local count_file rc=0
    count_file="$(mktemp)"
    LINT_TEMPLATES_COUNT_FILE="$count_file" bash "$repo_root/scripts/lint-templates.sh" "$SYNTH_OUT_DIR" || rc=$?
    lint_count="$(cat "$count_file" 2>/dev/null || echo 0)"
    rm -f "$count_file"
    return "$rc"
}

# ---------------------------------------------------------------- main

mkdir -p "$venv_root"
tools_log="$venv_root/setup.log"
tools_start="$(now)"
tools_pid=""

if [[ $tools_only -eq 1 ]]; then
    banner "tools"
    if setup_tools; then
        summary+=("tools ok $(elapsed "$tools_start")")
    else
        summary+=("tools FAILED $(elapsed "$tools_start")")
        failed+=("tools")
    fi
    finish
fi

banner "tools: installing in the background (log: ${tools_log#"$repo_root"/})"
(
    setup_tools || exit $?
    # Record the phase's own duration (the main shell only waits for it later).
    elapsed "$tools_start" >"$tools_log.time"
) >"$tools_log" 2>&1 &
tools_pid=$!

if ! check_rust; then
    failed+=("rust-toolchain")
    finish
fi

run_phase fmt cargo fmt --all -- --check
run_phase clippy cargo clippy --workspace --all-targets -- -D warnings
# The tests need the tools: wait for them; without them nothing else can be trusted.
wait_tools || finish
run_phase test cargo_test
run_phase doc cargo_doc

if has_bin_package refarch-app; then
    run_phase refarch refarch_synth
else
    banner "refarch"
    echo "WARNING: package refarch-app has no binary (or cargo metadata failed): refarch synth SKIPPED" >&2
    summary+=("refarch SKIPPED")
fi

run_phase emulator emulator_tests

lint_count=0
run_phase lint lint
if [[ "${summary[-1]}" == "lint ok"* ]]; then
    if [[ "$lint_count" -eq 0 ]]; then
        summary[-1]="lint SKIPPED(no templates in ${SYNTH_OUT_DIR#"$repo_root"/})"
    else
        summary[-1]="${summary[-1]} ($lint_count templates)"
    fi
fi

run_phase boot bash "$repo_root/scripts/boot-test.sh"

finish
