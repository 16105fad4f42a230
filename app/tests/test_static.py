"""The checked-in `collectstatic` output is what the app's settings produce from its sources.

Deploy publishes that directory to the CDN and the image installs it with the app (its
`staticfiles.json` maps names to the hashed files), so both must match the sources: regenerate
it with `python manage.py collectstatic --noinput` (any profile) after editing a static file.
"""

from __future__ import annotations

import filecmp
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

APP = Path(__file__).resolve().parent.parent
CONTRACT = json.loads((APP / "refarch_site" / "contract.json").read_text())
COLLECTED = APP / CONTRACT["service"]["static_dir"]


def local_environment(tmp: Path) -> dict[str, str]:
    values = {
        "SECRET_KEY": "x" * 40,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "localhost",
        "DATABASE_ENGINE": "postgresql",
        "DATABASE_PORT": "5432",
        "STATIC_URL": "/static/",
        "MEDIA_ROOT": str(tmp / "media"),
    }
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), CONTRACT["profile_variable"]: "local",
           CONTRACT["dotenv_variable"]: str(tmp / "empty.env")}
    (tmp / "empty.env").write_text("")
    for s in CONTRACT["settings"]:
        env[s["name"]] = values.get(s["name"], "unused")
    return env


def tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_the_checked_in_static_files_match_collectstatic(tmp_path):
    copy = tmp_path / "app"
    shutil.copytree(APP, copy, ignore=shutil.ignore_patterns(
        CONTRACT["service"]["static_dir"], "media", "__pycache__", ".pytest_cache", ".env"))
    r = subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput"], cwd=copy,
                       env=local_environment(tmp_path), capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    fresh = copy / CONTRACT["service"]["static_dir"]
    assert tree(fresh) == tree(COLLECTED), "regenerate with `python manage.py collectstatic --noinput`"
    for name in tree(fresh):
        assert filecmp.cmp(fresh / name, COLLECTED / name, shallow=False), f"{name} differs; regenerate it"
    manifest = json.loads((COLLECTED / "staticfiles.json").read_text())
    hashed = manifest["paths"]["dashboard/site.css"]
    assert hashed != "dashboard/site.css" and (COLLECTED / hashed).is_file()
    # The stylesheet names the logo by its hashed name too (url() rewritten).
    assert manifest["paths"]["dashboard/logo.svg"].split("/")[-1] in (COLLECTED / hashed).read_text()
