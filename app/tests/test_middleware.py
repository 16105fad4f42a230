"""The health path answers before the Host header is validated; nothing else does."""

from django.test import Client


def test_the_health_path_answers_whatever_the_host():
    c = Client()
    for host in ("10.0.11.23", "app.example", "evil.example"):
        r = c.get("/healthz", HTTP_HOST=host)
        assert r.status_code == 200, host
        assert r.content == b"ok\n"
        assert r["Cache-Control"] == "no-store"
    assert c.head("/healthz", HTTP_HOST="10.0.11.23").status_code == 200


def test_only_reads_are_answered():
    assert Client().post("/healthz", HTTP_HOST="10.0.11.23").status_code == 405


def test_other_paths_still_check_the_host():
    c = Client()
    assert c.get("/page/", HTTP_HOST="app.example").status_code == 200
    assert c.get("/page/", HTTP_HOST="10.0.11.23").status_code == 400
    # A look-alike of the health path is not exempt.
    assert c.get("/healthz/", HTTP_HOST="10.0.11.23").status_code == 400
