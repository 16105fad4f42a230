#!/usr/bin/env bash
# Runs the project's AWS emulator (emulator/server.py: moto's server with the CloudFormation
# fixes and the resource providers) in the foreground on 127.0.0.1:PORT until SIGTERM or SIGINT.
#
# Usage: scripts/emulator.sh --port PORT [--host ADDRESS]
#
# Creates or reuses .venv/moto with the pins of scripts/requirements-moto.txt first (as
# scripts/test.sh does; set PYTHON to choose the interpreter), then execs the server, so a
# signal sent to this script's PID reaches the server. Install messages go to stderr.
# Point clients at http://127.0.0.1:PORT with any credentials, e.g.
#   AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1
set -euo pipefail

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }

port=""
host="127.0.0.1"
while [[ $# -gt 0 ]]; do
    case "$1" in
    --port)
        [[ $# -ge 2 ]] || { echo "emulator.sh: --port needs a value" >&2; exit 2; }
        port="$2"
        shift 2
        ;;
    --port=*) port="${1#--port=}"; shift ;;
    --host)
        [[ $# -ge 2 ]] || { echo "emulator.sh: --host needs a value" >&2; exit 2; }
        host="$2"
        shift 2
        ;;
    --host=*) host="${1#--host=}"; shift ;;
    -h | --help) usage; exit 0 ;;
    *)
        echo "emulator.sh: unknown argument: $1 (see --help)" >&2
        exit 2
        ;;
    esac
done
if [[ -z "$port" ]]; then
    echo "emulator.sh: --port PORT is required (see --help)" >&2
    exit 2
fi
if ! [[ "$port" =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then
    echo "emulator.sh: --port must be a TCP port number (1-65535), not '$port'" >&2
    exit 2
fi

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
venv_root="$repo_root/.venv"
venv_prog=emulator.sh
unset PYTHONDONTWRITEBYTECODE
# shellcheck source=scripts/venv.sh
source "$repo_root/scripts/venv.sh"

check_python >&2
lock_venvs
ensure_moto_venv >&2
unlock_venvs

exec "$venv_root/moto/bin/python" "$repo_root/emulator/server.py" -H "$host" -p "$port"
