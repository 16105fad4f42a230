"""The emulator's own control API, for test setup that no AWS API can express.

    POST /_emulator/route53/hosted-zones   {"Name": "example.com", "Id": "Z0123456789ABCDEFGHIJ"}

creates a public hosted zone with that exact id (Route 53 chooses ids itself), so a config that
names an existing parent zone by id (e.g. the reference architecture's default
`domain.parent_zone_id`) works against the emulator. Answers 201 with {"Id", "Name",
"NameServers"}; 400 for a bad request, 409 when the id or the name is taken.
"""

from __future__ import annotations

import json
import re

from moto.core import DEFAULT_ACCOUNT_ID
from moto.route53.models import route53_backends

PREFIX = "/_emulator/"
_ZONE_ID = re.compile(r"^Z[0-9A-Z]{1,31}$")


class ControlError(Exception):
    def __init__(self, status: int, message: str):
        self.status, self.message = status, message
        super().__init__(message)


def create_hosted_zone(body: dict, account_id: str = DEFAULT_ACCOUNT_ID) -> dict:
    name, zone_id = body.get("Name"), body.get("Id")
    if not isinstance(name, str) or "." not in name.strip("."):
        raise ControlError(400, "Name must be a domain name such as example.com")
    if not isinstance(zone_id, str) or not _ZONE_ID.match(zone_id):
        raise ControlError(400, "Id must look like a Route 53 zone id (Z followed by digits and capitals)")
    backend = route53_backends[account_id]["global"]
    if zone_id in backend.zones:
        raise ControlError(409, f"hosted zone {zone_id} exists")
    fqdn = name if name.endswith(".") else name + "."
    if any(z.name == fqdn and not z.private_zone for z in backend.zones.values()):
        raise ControlError(409, f"a public hosted zone {fqdn} exists")
    zone = backend.create_hosted_zone(name=fqdn, private_zone=False, comment="created by the emulator's control API")
    backend.zones.pop(zone.resource_id)
    zone.resource_id = zone_id
    backend.zones[zone_id] = zone
    servers = [r for r in zone.rrsets if r.type == "NS"]
    return {"Id": zone_id, "Name": zone.name, "NameServers": servers[0].records if servers else []}


class ControlMiddleware:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not path.startswith(PREFIX):
            return self.app(environ, start_response)
        try:
            if path == PREFIX + "route53/hosted-zones" and environ["REQUEST_METHOD"] == "POST":
                length = int(environ.get("CONTENT_LENGTH") or 0)
                try:
                    body = json.loads(environ["wsgi.input"].read(length) or b"{}")
                except ValueError as err:
                    raise ControlError(400, f"body is not JSON: {err}") from err
                if not isinstance(body, dict):
                    raise ControlError(400, "body must be a JSON object")
                status, payload = 201, create_hosted_zone(body)
            else:
                raise ControlError(404, f"no control endpoint {environ['REQUEST_METHOD']} {path}")
        except ControlError as err:
            status, payload = err.status, {"message": err.message}
        data = json.dumps(payload).encode()
        reasons = {201: "Created", 400: "Bad Request", 404: "Not Found", 409: "Conflict"}
        start_response(f"{status} {reasons.get(status, 'Error')}",
                       [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]
