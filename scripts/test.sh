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
#   lint     scripts/lint-templates.sh target/synth-out (cfn-lint + checkov)
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

now() { printf '%s' "${EPOCHREALTIME:-$(date +%s)}"; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

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

check_python() {
    if ! command -v "$PYTHON" >/dev/null 2>&1; then
        echo "test.sh: error: $PYTHON not found; install Python 3 (Debian: apt-get install python3 python3-venv)" >&2
        return 1
    fi
    if ! "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)'; then
        echo "test.sh: error: $PYTHON is $("$PYTHON" --version 2>&1); Python >= 3.9 is needed" >&2
        return 1
    fi
    if ! "$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1; then
        local v
        v="$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
        echo "test.sh: error: $PYTHON cannot create virtual environments (venv/ensurepip missing)." >&2
        echo "test.sh: on Debian/Ubuntu: sudo apt-get install python3-venv   (or python${v}-venv)" >&2
        return 1
    fi
}

# pins_installed PYTHON REQUIREMENTS: whether every `name==version` pin of REQUIREMENTS is
# installed at exactly that version for PYTHON.
pins_installed() {
    "$1" - "$2" <<'PY'
import re
import sys
from importlib import metadata

for raw in open(sys.argv[1], encoding="utf-8"):
    line = raw.split("#", 1)[0].strip()
    if not line:
        continue
    m = re.fullmatch(r"([A-Za-z0-9._-]+)(\[[^\]]*\])?==([^\s;]+)", line)
    if not m:
        print(f"test.sh: requirement not pinned with ==: {line}", file=sys.stderr)
        sys.exit(2)
    try:
        have = metadata.version(m.group(1))
    except metadata.PackageNotFoundError:
        sys.exit(1)
    if have != m.group(3):
        sys.exit(1)
PY
}

# ensure_venv NAME REQUIREMENTS EXECUTABLE ARGS...: create/reuse .venv/NAME and install
# REQUIREMENTS into it unless they are already installed at the pinned versions.
# EXECUTABLE (relative to the venv) is run with ARGS after a fresh install as a smoke test.
ensure_venv() {
    local name="$1" req="$2" exe="$3"
    shift 3
    local dir="$venv_root/$name"
    local stamp="$dir/.installed-requirements"
    local log="$venv_root/$name-install.log"
    local want
    want="$(cat "$req"; "$PYTHON" --version 2>&1)"

    if [[ -x "$dir/$exe" ]] && [[ -f "$stamp" ]] && [[ "$(cat "$stamp")" == "$want" ]] &&
        pins_installed "$dir/bin/python" "$req" 2>/dev/null; then
        echo "tools: .venv/$name up to date ($(grep -v '^#' "$req" | xargs))"
        return 0
    fi

    local start
    start="$(now)"
    # A venv without a working python or pip (interrupted creation, moved repo, Python
    # upgrade) is recreated from scratch.
    if [[ -d "$dir" ]] && ! "$dir/bin/python" -m pip --version >/dev/null 2>&1; then
        echo "tools: .venv/$name is broken; recreating"
        rm -rf "$dir"
    fi
    if [[ ! -d "$dir" ]]; then
        if ! "$PYTHON" -m venv "$dir" >"$log" 2>&1; then
            cat "$log" >&2
            echo "test.sh: error: could not create $dir (Debian: apt-get install python3-venv)" >&2
            rm -rf "$dir"
            return 1
        fi
    fi
    rm -f "$stamp"
    # --no-compile: byte-compiling every installed module up front costs more than half of
    # the install time; only the modules actually imported get compiled (and cached) on use.
    if ! PIP_DISABLE_PIP_VERSION_CHECK=1 "$dir/bin/python" -m pip install --quiet --no-compile \
        --requirement "$req" >"$log" 2>&1; then
        cat "$log" >&2
        echo "test.sh: error: pip install -r ${req#"$repo_root"/} into .venv/$name failed (log: $log)" >&2
        return 1
    fi
    if ! pins_installed "$dir/bin/python" "$req"; then
        echo "test.sh: error: after pip install, .venv/$name does not have the versions pinned in ${req#"$repo_root"/}" >&2
        return 1
    fi
    local v
    if ! v="$("$dir/$exe" "$@" 2>&1)"; then
        echo "$v" >&2
        echo "test.sh: error: smoke test '$exe $*' fails after install" >&2
        return 1
    fi
    printf '%s' "$want" >"$stamp"
    echo "tools: installed ${req#"$repo_root"/} into .venv/$name in $(elapsed "$start") (smoke test: ${v//$'\n'/ })"
}

setup_tools() {
    check_python || return 1
    mkdir -p "$venv_root"
    # Serialize concurrent runs while the venvs are (re)built.
    exec 9>"$venv_root/.lock"
    if command -v flock >/dev/null 2>&1; then
        flock 9
    fi
    ensure_venv tools "$repo_root/scripts/requirements-tools.txt" bin/cfn-lint --version || return 1
    ensure_venv checkov "$repo_root/scripts/requirements-checkov.txt" bin/checkov --version || return 1
    ensure_venv moto "$repo_root/scripts/requirements-moto.txt" bin/python \
        -c 'import moto, moto.server; print("moto", moto.__version__)' || return 1
    exec 9>&-
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
    cargo test --workspace
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
