"""One emulator per test session (a free port), stopped at the end; tests deploy through it."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from emulator.tests import support  # noqa: E402

_names = itertools.count(1)


@pytest.fixture(scope="session")
def emu(tmp_path_factory):
    server = support.Emulator(tmp_path_factory.mktemp("emulator"))
    yield server
    errors = server.server_errors()
    server.stop()
    assert not errors, f"the emulator answered HTTP 500: {errors}\nlog: {server.log}"


@pytest.fixture
def stack_name(request):
    """A stack name unique in the session, readable in failures."""
    base = request.node.name.replace("_", "-").replace("[", "-").replace("]", "")[:80]
    return f"t{next(_names)}-{base}".strip("-")
