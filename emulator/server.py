"""The project's AWS emulator: moto 5.2.5's server with the CloudFormation fixes of
`emulator/patches.py`, the resource providers of `emulator/providers/` and the Image Builder API
of `emulator/providers/imagebuilder.py`.

Usage (moto_server's flags):  python emulator/server.py -H 127.0.0.1 -p 5000
Runs in the foreground until SIGINT/SIGTERM (exit code 0). See emulator/README.md.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path


def _stop(signum, frame):
    sys.exit(0)


# First, before the slow imports below: a SIGTERM during start-up also ends with exit code 0.
signal.signal(signal.SIGINT, _stop)
signal.signal(signal.SIGTERM, _stop)

if __package__ in (None, ""):
    # Run as a script: make the `emulator` package importable from the repository root.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from emulator import control, patches, providers  # noqa: E402
from emulator.providers import imagebuilder  # noqa: E402


def build_app():
    """The WSGI application: the control API (`emulator/control.py`) and Image Builder requests
    are answered by the emulator, the rest by moto."""
    patches.apply_all()
    providers.install()
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    moto_app = DomainDispatcherApplication(create_backend_app)
    return control.ControlMiddleware(imagebuilder.ApiMiddleware(moto_app))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-H", "--host", default="127.0.0.1", help="address to bind")
    parser.add_argument("-p", "--port", type=int, default=int(os.environ.get("MOTO_PORT", 5000)),
                        help="port to listen on")
    args = parser.parse_args(argv)
    # moto builds some URLs (e.g. S3 presigned, TemplateURL checks) from it.
    os.environ.setdefault("MOTO_PORT", str(args.port))

    app = build_app()
    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from werkzeug.serving import run_simple

    run_simple(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
