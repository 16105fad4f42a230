#!/usr/bin/env bash
# Boots the sample application (app/) exactly as an instance would, against an emulator and a
# real PostgreSQL on loopback, and checks it serves, survives a password rotation and refuses to
# start without its settings. The checks themselves are in scripts/boot_test.py.
#
# Usage: scripts/boot-test.sh
#
# Installs what it needs: the app's venv (.venv/refarch-app, from app/requirements-dev.txt; it
# also runs the app's unit tests with pytest), the emulator's venv (.venv/moto, from
# scripts/requirements-moto.txt) and, if no PostgreSQL server is installed, Debian's
# `postgresql` and `openssl` packages (needs root and apt-get). Environment:
#   PYTHON      interpreter for the venvs (default python3, >= 3.10)
#   CARGO       cargo (default cargo); the CLI is built with `cargo build -p refarch-app`
# Every wait is bounded; every process started is stopped on exit.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
PYTHON="${PYTHON:-python3}"
CARGO="${CARGO:-cargo}"
venv_root="$repo_root/.venv"
start="$(date +%s)"

say() { printf 'boot-test: %s\n' "$*"; }
die() {
    printf 'boot-test: error: %s\n' "$*" >&2
    exit 1
}

work="$(mktemp -d "${TMPDIR:-/tmp}/boot-test.XXXXXX")"
# PostgreSQL runs as its own user and must reach its directories under here.
chmod 0755 "$work"
cleanup() {
    local rc=$?
    if [[ $rc -ne 0 ]]; then
        for f in "$work"/*.log; do
            [[ -f "$f" ]] || continue
            printf '\n--- %s (last 40 lines)\n' "${f#"$work"/}" >&2
            tail -n 40 "$f" >&2
        done
    fi
    rm -rf "$work"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ensure_venv NAME REQUIREMENTS: .venv/NAME with REQUIREMENTS installed (reinstalled when the
# file changes).
ensure_venv() {
    local dir="$venv_root/$1" req="$2" stamp
    stamp="$(cat "$req" "${@:3}" 2>/dev/null; "$PYTHON" --version 2>&1)"
    if [[ -x "$dir/bin/python" && -f "$dir/.boot-test-stamp" && "$(cat "$dir/.boot-test-stamp")" == "$stamp" ]]; then
        return 0
    fi
    say "installing ${req#"$repo_root"/} into .venv/$1"
    mkdir -p "$venv_root"
    [[ -x "$dir/bin/python" ]] || "$PYTHON" -m venv "$dir" || die "cannot create $dir (Debian: apt-get install python3-venv)"
    PIP_DISABLE_PIP_VERSION_CHECK=1 "$dir/bin/python" -m pip install --quiet -r "$req" >"$work/pip-$1.log" 2>&1 ||
        {
            cat "$work/pip-$1.log" >&2
            die "pip install -r $req failed"
        }
    printf '%s' "$stamp" >"$dir/.boot-test-stamp"
}

"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' ||
    die "$PYTHON is $("$PYTHON" --version 2>&1); the app needs Python >= 3.10"
ensure_venv refarch-app "$repo_root/app/requirements-dev.txt" "$repo_root/app/requirements.txt"
# The emulator's venv is shared with scripts/test.sh: use it when it has the pinned moto.
moto_pin="$(grep -o '^moto\[server\]==[^ ]*' scripts/requirements-moto.txt | sed 's/.*==//')"
if ! "$venv_root/moto/bin/python" -c "import sys, moto, moto.server, jsonschema, regress; sys.exit(moto.__version__ != '$moto_pin')" 2>/dev/null; then
    ensure_venv moto "$repo_root/scripts/requirements-moto.txt"
fi

pg_bin=""
find_pg() {
    local d
    for d in /usr/lib/postgresql/*/bin; do
        [[ -x "$d/postgres" && -x "$d/initdb" && -x "$d/psql" ]] && pg_bin="$d"
    done
    [[ -n "$pg_bin" ]]
}
if ! find_pg || ! command -v openssl >/dev/null || ! id -u postgres >/dev/null 2>&1; then
    command -v apt-get >/dev/null && [[ "$(id -u)" -eq 0 ]] ||
        die "PostgreSQL server (Debian: apt-get install postgresql openssl) is not installed"
    say "installing PostgreSQL and openssl (apt-get)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql openssl; } \
        >"$work/apt.log" 2>&1 || {
        cat "$work/apt.log" >&2
        die "apt-get install postgresql openssl failed"
    }
    find_pg || die "PostgreSQL installed but no server binaries under /usr/lib/postgresql"
fi

say "app unit tests (pytest)"
(cd app && "$venv_root/refarch-app/bin/python" -m pytest -q -p no:cacheprovider tests)

say "synthesizing with the CLI"
"$CARGO" build --quiet -p refarch-app
target_dir="$("$CARGO" metadata --format-version 1 --no-deps | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
cli="$target_dir/debug/refarch-app"
"$cli" synth --out "$work/assembly" 2>"$work/synth.log" || {
    cat "$work/synth.log" >&2
    die "synth failed"
}

# The driver bounds each of its waits and stops its processes on exit; `timeout` bounds the run.
timeout --kill-after=20 300 "$venv_root/refarch-app/bin/python" "$repo_root/scripts/boot_test.py" \
    --assembly "$work/assembly" --cli "$cli" --app "$repo_root/app" \
    --venv "$venv_root/refarch-app" --moto-python "$venv_root/moto/bin/python" \
    --pg-bin "$pg_bin" --work "$work" || die "the boot test failed (exit $?)"
say "PASS in $(($(date +%s) - start)) s"
