# shellcheck shell=bash
# Python venv helpers shared by scripts/test.sh and scripts/emulator.sh (sourced, not run).
#
# Expects: repo_root (the repository), venv_root (normally $repo_root/.venv), PYTHON (the
# interpreter that creates venvs), venv_prog (the calling script's name, for messages).
# Defines: now, elapsed, check_python, pins_installed, ensure_venv, lock_venvs, unlock_venvs,
# ensure_moto_venv.

now() { printf '%s' "${EPOCHREALTIME:-$(date +%s)}"; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

check_python() {
    if ! command -v "$PYTHON" >/dev/null 2>&1; then
        echo "${venv_prog}: error: $PYTHON not found; install Python 3 (Debian: apt-get install python3 python3-venv)" >&2
        return 1
    fi
    if ! "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)'; then
        echo "${venv_prog}: error: $PYTHON is $("$PYTHON" --version 2>&1); Python >= 3.9 is needed" >&2
        return 1
    fi
    if ! "$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1; then
        local v
        v="$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
        echo "${venv_prog}: error: $PYTHON cannot create virtual environments (venv/ensurepip missing)." >&2
        echo "${venv_prog}: on Debian/Ubuntu: sudo apt-get install python3-venv   (or python${v}-venv)" >&2
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
        print(f"requirement not pinned with ==: {line}", file=sys.stderr)
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
            echo "${venv_prog}: error: could not create $dir (Debian: apt-get install python3-venv)" >&2
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
        echo "${venv_prog}: error: pip install -r ${req#"$repo_root"/} into .venv/$name failed (log: $log)" >&2
        return 1
    fi
    if ! pins_installed "$dir/bin/python" "$req"; then
        echo "${venv_prog}: error: after pip install, .venv/$name does not have the versions pinned in ${req#"$repo_root"/}" >&2
        return 1
    fi
    local v
    if ! v="$("$dir/$exe" "$@" 2>&1)"; then
        echo "$v" >&2
        echo "${venv_prog}: error: smoke test '$exe $*' fails after install" >&2
        return 1
    fi
    printf '%s' "$want" >"$stamp"
    echo "tools: installed ${req#"$repo_root"/} into .venv/$name in $(elapsed "$start") (smoke test: ${v//$'\n'/ })"
}

# lock_venvs / unlock_venvs: serialize concurrent runs while the venvs are (re)built.
lock_venvs() {
    mkdir -p "$venv_root"
    exec 9>"$venv_root/.lock"
    if command -v flock >/dev/null 2>&1; then
        flock 9
    fi
}

unlock_venvs() {
    exec 9>&-
}

# ensure_moto_venv: .venv/moto with scripts/requirements-moto.txt (moto[server] and what the
# emulator and its tests import), smoke-tested by importing them.
ensure_moto_venv() {
    ensure_venv moto "$repo_root/scripts/requirements-moto.txt" bin/python \
        -c 'import moto, moto.server, jsonschema, regress, pytest; print("moto", moto.__version__)'
}
