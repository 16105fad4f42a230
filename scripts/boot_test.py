"""Boots the sample application exactly as an instance would (driven by scripts/boot-test.sh).

Everything the instance would get comes from the synthesized templates: the env file and the
systemd unit from the launch template's user data, the SSM parameters and secrets from the data
template (with the values CloudFormation and RDS would give them: the cluster endpoint becomes a
loopback address where a real PostgreSQL listens, the managed master secret a Secrets Manager
secret in the emulator), the migration command from the delivery template's buildspec.

Checks: the user data mounts the shared file system (EFS helper, TLS, IAM, access point) at
the media directory the service waits for; the health path answers 200 with an IP address as
Host; the dashboard, once signed in, shows the row the migrations command wrote and loads its
content-hashed stylesheet from the CDN (a file deploy publishes to the static files' bucket); an
export is written to MEDIA_ROOT (a local directory standing in for the mount) and downloaded; after the password is rotated (ALTER ROLE and the
secret updated) the next request still succeeds, through a re-read of the secret; a missing
parameter stops start-up with a message naming it; the local profile (the output of
`refarch-app env --profile local`) runs the same app against the same PostgreSQL.

Only the standard library and boto3 (from the app's venv) are used. Every wait is bounded.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import secrets
import shlex
import shutil
import signal
import socket
import string
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import boto3

STEP_TIMEOUT = 40  # seconds for any one wait


class BootTestError(Exception):
    """A check failed."""


def log(msg: str) -> None:
    print(f"boot-test: {msg}", flush=True)


def fail(msg: str) -> None:
    raise BootTestError(msg)


# ------------------------------------------------------------------ templates


def load_assembly(out: Path) -> dict[str, dict]:
    """Templates by stack name."""
    manifest = json.loads((out / "manifest.json").read_text())
    stacks = {}
    for path in sorted(out.glob("*.template.json")):
        stacks[path.name.removesuffix(".template.json")] = json.loads(path.read_text())
    if not stacks:
        fail(f"no templates in {out}")
    return {"manifest": manifest, "stacks": stacks}


def resources(stacks: dict[str, dict], type_name: str):
    for stack, t in stacks.items():
        for lid, r in t.get("Resources", {}).items():
            if r.get("Type") == type_name:
                yield stack, lid, r


def only(items, what: str):
    items = list(items)
    if len(items) != 1:
        fail(f"expected one {what}, found {len(items)}")
    return items[0]


def user_data_files(stacks: dict[str, dict], region: str) -> dict[str, str]:
    """The files the launch template's boot script writes: path -> content."""
    _, lid, lt = next(iter(resources(stacks, "AWS::EC2::LaunchTemplate")), (None, None, None))
    if lt is None:
        fail("no AWS::EC2::LaunchTemplate in the templates")
    script = lt["Properties"]["LaunchTemplateData"]["UserData"]["Fn::Base64"]
    if isinstance(script, dict):
        script = script["Fn::Sub"]
    if isinstance(script, list):
        # Values imported from the data stack: emulated as that stack would export them.
        script, variables = script
        for name, value in variables.items():
            script = script.replace("${" + name + "}", imported(value, lid))
    script = script.replace("${AWS::Region}", region)
    left = re.findall(r"\$\{[A-Za-z0-9:.]+\}", script)
    if left:
        fail(f"user data of {lid} has deploy-time values this test cannot emulate: {left}")
    files = {}
    for m in re.finditer(r"^cat > '([^']+)' <<'([A-Z0-9_]+)'\n(.*?)\n\2\n", script, re.M | re.S):
        files[m.group(1)] = m.group(3) + "\n"
    if not files:
        fail(f"the user data of {lid} writes no files")
    return files


# What the data stack's exports stand for in this test (the file system's ids).
EMULATED_FILE_SYSTEM = "fs-0b0075e57b0075e57"
EMULATED_ACCESS_POINT = "fsap-0b0075e57b0075e57"
EMULATED_CDN_DOMAIN = "d1b0075e57cdn.cloudfront.net"


def imported(value, where: str) -> str:
    """The emulated value of an import in the user data (only the file system's are expected)."""
    name = value.get("Fn::ImportValue", "") if isinstance(value, dict) else ""
    if "AccessPointId" in name:
        return EMULATED_ACCESS_POINT
    if "OutputRefFiles" in name:
        return EMULATED_FILE_SYSTEM
    fail(f"user data of {where} imports {value}, which this test cannot emulate")
    return ""


def parse_env_file(text: str) -> dict[str, str]:
    env = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        if not sep:
            fail(f"env file line {line!r} is not NAME=VALUE")
        env[name] = value
    return env


def parse_unit_keys(text: str) -> dict[str, str]:
    unit = {}
    for line in text.splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            k, _, v = line.partition("=")
            unit[k] = v
    return unit


def parse_unit(text: str) -> dict[str, str]:
    unit = parse_unit_keys(text)
    for key in ("ExecStart", "WorkingDirectory", "EnvironmentFile", "User"):
        if key not in unit:
            fail(f"the systemd unit has no {key}=")
    return unit


def migrate_command(stacks: dict[str, dict]) -> str:
    """The build command of the migrations project's buildspec."""
    for _, _, p in resources(stacks, "AWS::CodeBuild::Project"):
        spec = p["Properties"]["Source"].get("BuildSpec", "")
        m = re.search(r"^  build:\n    commands:\n((?:      - .*\n)+)", spec, re.M)
        if m and "migrate" in p["Metadata"]["construct:path"].lower():
            return " && ".join(json.loads(line.strip()[2:]) for line in m.group(1).splitlines())
    fail("no migrations CodeBuild project with a build command")
    return ""


# ------------------------------------------------------------------ processes


class Processes:
    """Children started by the test, stopped on exit (process groups, bounded)."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen] = []

    def start(self, argv, log_path: Path, **kw) -> subprocess.Popen:
        f = open(log_path, "wb")
        p = subprocess.Popen(argv, stdout=f, stderr=subprocess.STDOUT, start_new_session=True, **kw)
        self.procs.append(p)
        return p

    def stop(self, p: subprocess.Popen) -> None:
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(timeout=5)

    def stop_all(self) -> None:
        for p in reversed(self.procs):
            self.stop(p)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def port_free(host: str, port: int) -> bool:
    with socket.socket() as s:
        # As gunicorn binds: connections of an earlier run in TIME_WAIT do not count.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def wait_for(what: str, check, proc: subprocess.Popen | None = None, log_path: Path | None = None):
    deadline = time.monotonic() + STEP_TIMEOUT
    last = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            tail = log_path.read_text(errors="replace")[-4000:] if log_path else ""
            fail(f"{what}: the process exited with {proc.returncode}:\n{tail}")
        try:
            result = check()
            if result:
                return result
        except Exception as e:  # not up yet
            last = e
        time.sleep(0.25)
    fail(f"{what}: not ready after {STEP_TIMEOUT} s (last error: {last})")


# ------------------------------------------------------------------ HTTP


class Client:
    """A browser behind the load balancer: HTTPS scheme forwarded, cookies kept by hand (the
    Secure ones too, as a browser talking HTTPS to the balancer would)."""

    def __init__(self, port: int, host: str) -> None:
        self.port = port
        self.host = host
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: dict | None = None, host: str | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        headers = {"Host": host or self.host, "X-Forwarded-Proto": "https"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"https://{self.host}"
            headers["Referer"] = f"https://{self.host}{path}"
        conn.request(method, path, body=data, headers=headers)
        r = conn.getresponse()
        text = r.read().decode(errors="replace")
        for k, v in r.getheaders():
            if k.lower() == "set-cookie":
                name, _, rest = v.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        conn.close()
        return r.status, dict(r.getheaders()), text

    def login(self, user: str, password: str) -> None:
        status, _, page = self.request("GET", "/accounts/login/")
        if status != 200:
            fail(f"login page: HTTP {status}")
        m = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if not m:
            fail("login page has no CSRF token")
        status, headers, page = self.request(
            "POST",
            "/accounts/login/",
            {"csrfmiddlewaretoken": m.group(1), "username": user, "password": password, "next": "/"},
        )
        if status != 302 or "sessionid" not in self.cookies:
            fail(f"login: HTTP {status}, cookies {sorted(self.cookies)}: {page[:500]}")


# ------------------------------------------------------------------ PostgreSQL


class Postgres:
    """A throwaway PostgreSQL cluster on ADDRESS:PORT with TLS (as Aurora offers)."""

    def __init__(self, bindir: Path, work: Path, addresses: list[str], port: int, procs: Processes) -> None:
        self.bindir, self.addresses, self.port = bindir, addresses, port
        self.data = work / "pgdata"
        self.sock = work / "pgsock"
        self.run_as: list[str] = []
        self.procs = procs
        self.log = work / "postgres.log"
        if os.geteuid() == 0:
            # PostgreSQL refuses to run as root.
            self.run_as = ["runuser", "-u", "postgres", "--"]

    def _as(self, argv: list[str], **kw) -> subprocess.CompletedProcess:
        return subprocess.run(self.run_as + argv, check=True, capture_output=True, text=True, timeout=STEP_TIMEOUT, **kw)

    def start(self) -> None:
        for d in (self.data, self.sock):
            d.mkdir(mode=0o700)
            if self.run_as:
                shutil.chown(d, "postgres", "postgres")
        self._as([str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres",
                  "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync", "-E", "UTF8"])
        key, crt = self.data / "server.key", self.data / "server.crt"
        self._as(["openssl", "req", "-new", "-x509", "-days", "2", "-nodes", "-subj", "/CN=db.boot-test",
                  "-keyout", str(key), "-out", str(crt)])
        os.chmod(key, 0o600)
        (self.data / "pg_hba.conf").write_text(
            "local all all trust\nhostssl all all 127.0.0.0/8 scram-sha-256\nhost all all 127.0.0.0/8 scram-sha-256\n"
        )
        self.server = self.procs.start(
            self.run_as + [str(self.bindir / "postgres"), "-D", str(self.data), "-k", str(self.sock),
                           "-p", str(self.port), "-c", f"listen_addresses={','.join(self.addresses)}",
                           "-c", "ssl=on", "-c", "fsync=off"],
            self.log,
        )
        wait_for("postgres", lambda: self.sql("SELECT 1") == "1", self.server, self.log)

    def sql(self, query: str, db: str = "postgres") -> str:
        r = self._as([str(self.bindir / "psql"), "-h", str(self.sock), "-p", str(self.port), "-U", "postgres",
                      "-d", db, "-v", "ON_ERROR_STOP=1", "-Atc", query])
        return r.stdout.strip()


def ident(name: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        fail(f"{name!r} is not a plain SQL identifier")
    return name


def literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# ------------------------------------------------------------------ the emulated data stack


def generated(length: int) -> str:
    """What Secrets Manager's GenerateSecretString makes with ExcludePunctuation."""
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(length))


class DataStack:
    """Creates in the emulator what the data template would: its secrets and parameters."""

    def __init__(self, stacks: dict[str, dict], sm, ssm, endpoint_address: str) -> None:
        self.sm, self.ssm = sm, ssm
        self.endpoint_address = endpoint_address
        self.data_stack, _, cluster = only(resources(stacks, "AWS::RDS::DBCluster"), "Aurora cluster")
        self.cluster = cluster["Properties"]
        self.template = stacks[self.data_stack]
        self.physical: dict[str, str] = {}
        self.parameters: dict[str, str] = {}

    def create(self, master_password: str) -> None:
        if self.cluster.get("ManageMasterUserPassword") is not True:
            fail("the cluster does not have an RDS-managed master secret")
        master = self.sm.create_secret(
            Name=f"rds!cluster-{secrets.token_hex(8)}",
            SecretString=json.dumps({"username": self.cluster["MasterUsername"], "password": master_password}),
        )
        self.master_secret_arn = master["ARN"]
        for lid, r in self.template["Resources"].items():
            if r["Type"] == "AWS::SecretsManager::Secret":
                p = r["Properties"]
                gen = p.get("GenerateSecretString")
                if gen is None or not gen.get("ExcludePunctuation"):
                    fail(f"secret {lid}: only generated secrets without punctuation are emulated")
                made = self.sm.create_secret(Name=p["Name"], SecretString=generated(int(gen["PasswordLength"])))
                self.physical[lid] = made["ARN"]
        for lid, r in self.template["Resources"].items():
            if r["Type"] == "AWS::SSM::Parameter":
                p = r["Properties"]
                name = p["Name"]
                if name.split("/")[3:4] == ["ami"]:
                    continue
                value = self.resolve(p["Value"], lid)
                self.ssm.put_parameter(Name=name, Value=value, Type=p["Type"])
                self.parameters[name] = value
        log(f"emulated the data stack: {len(self.parameters)} parameters, {len(self.physical) + 1} secrets")

    def attribute(self, lid: str, attr: str | None, where: str) -> str:
        res = self.template["Resources"].get(lid)
        if res is None:
            fail(f"{where}: {lid} is not a resource of {self.data_stack}")
        if res["Type"] == "AWS::RDS::DBCluster" and attr == "Endpoint.Address":
            return self.endpoint_address
        if res["Type"] == "AWS::RDS::DBCluster" and attr == "MasterUserSecret.SecretArn":
            return self.master_secret_arn
        if res["Type"] == "AWS::SecretsManager::Secret" and attr is None:
            return self.physical[lid]
        if res["Type"] == "AWS::CloudFront::Distribution" and attr == "DomainName":
            return EMULATED_CDN_DOMAIN
        fail(f"{where}: cannot emulate {lid}.{attr} ({res['Type']})")
        return ""

    def resolve(self, value, where: str) -> str:
        if isinstance(value, str):
            return value
        if "Ref" in value:
            return self.attribute(value["Ref"], None, where)
        if "Fn::GetAtt" in value:
            lid, attr = value["Fn::GetAtt"]
            return self.attribute(lid, attr, where)
        if "Fn::Sub" in value:
            def sub(m):
                ref = m.group(1)
                lid, _, attr = ref.partition(".")
                return self.attribute(lid, attr or None, where)
            return re.sub(r"\$\{([A-Za-z0-9.]+)\}", sub, value["Fn::Sub"])
        fail(f"{where}: cannot emulate the value {value}")
        return ""


# ------------------------------------------------------------------ the test


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--assembly", type=Path, required=True)
    ap.add_argument("--cli", required=True)
    ap.add_argument("--app", type=Path, required=True)
    ap.add_argument("--venv", type=Path, required=True)
    ap.add_argument("--moto-python", required=True)
    ap.add_argument("--pg-bin", type=Path, required=True)
    ap.add_argument("--work", type=Path, required=True)
    args = ap.parse_args()
    procs = Processes()
    # SIGTERM (the wrapper's timeout) unwinds like an error, so every child is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        run(args, procs)
    except BootTestError as e:
        print(f"boot-test: FAILED: {e}", file=sys.stderr)
        return 1
    finally:
        procs.stop_all()
    return 0


def run(args, procs: Processes) -> None:
    work: Path = args.work
    contract = json.loads((args.app / "refarch_site" / "contract.json").read_text())
    assembly = load_assembly(args.assembly)
    stacks = assembly["stacks"]

    cloud_env_text = subprocess.run([args.cli, "env", "--profile", "cloud"], check=True,
                                    capture_output=True, text=True, timeout=60).stdout
    region = parse_env_file(cloud_env_text)[contract["region_variable"]]

    # What the instance gets: the env file and the unit, from the launch template's user data.
    files = user_data_files(stacks, region)
    service = contract["service"]
    unit_path = f"/etc/systemd/system/{service['unit']}.service"
    for path in (service["env_file"], unit_path):
        if path not in files:
            fail(f"the user data does not write {path} (it writes {sorted(files)})")
    instance_env = parse_env_file(files[service["env_file"]])
    if instance_env != parse_env_file(cloud_env_text):
        fail(f"the instance's env file differs from `refarch-app env --profile cloud`:\n{files[service['env_file']]}")
    unit = parse_unit(files[unit_path])
    if unit["EnvironmentFile"] != service["env_file"]:
        fail(f"the unit reads {unit['EnvironmentFile']}, the user data writes {service['env_file']}")
    # The shared file system: a mount unit through the EFS helper (TLS, IAM, the access point)
    # at the media directory, which the service waits for and may write to.
    mounts = [p for p in files if p.endswith(".mount")]
    if len(mounts) != 1:
        fail(f"expected one mount unit in the user data, found {mounts}")
    mount = parse_unit_keys(files[mounts[0]])
    media_dir = service["media_dir"]
    options = mount.get("Options", "").split(",")
    if (mount.get("Type") != "efs" or mount.get("Where") != media_dir
            or mount.get("What") != f"{EMULATED_FILE_SYSTEM}:/"
            or not {"tls", "iam", "_netdev", f"accesspoint={EMULATED_ACCESS_POINT}"} <= set(options)):
        fail(f"the mount unit does not mount the file system over TLS at {media_dir}:\n{files[mounts[0]]}")
    if unit.get("RequiresMountsFor") != media_dir or unit.get("ReadWritePaths") != media_dir:
        fail(f"the service does not wait for and write to {media_dir}:\n{files[unit_path]}")
    log(f"mount unit {mounts[0]}: {mount['What']} at {media_dir} ({mount['Options']})")
    exec_start = shlex.split(unit["ExecStart"])
    log(f"ExecStart from the user data: {unit['ExecStart']}")
    bind = exec_start[exec_start.index("--bind") + 1]
    app_port = int(bind.rsplit(":", 1)[1])
    tg = only(resources(stacks, "AWS::ElasticLoadBalancingV2::TargetGroup"), "target group")[2]["Properties"]
    if tg["Port"] != app_port:
        fail(f"gunicorn binds {bind}, the target group sends to port {tg['Port']}")
    health_path = tg["HealthCheckPath"]
    # The installed paths on the image -> this checkout.
    venv_dir = service["venv"]
    if not exec_start[0].startswith(venv_dir + "/"):
        fail(f"ExecStart {exec_start[0]} is not in the image's venv {venv_dir}")
    exec_start[0] = str(args.venv / exec_start[0][len(venv_dir) + 1:])
    if unit["WorkingDirectory"] != service["app_dir"]:
        fail(f"WorkingDirectory {unit['WorkingDirectory']} is not the app directory {service['app_dir']}")
    if not port_free("0.0.0.0", app_port):
        fail(f"port {app_port} (the target group's) is taken on this machine; free it and rerun")

    # The emulator, with what the data stack creates.
    moto_port = free_port()
    endpoint = f"http://127.0.0.1:{moto_port}"
    # The project's emulator (moto with its fixes and providers), as the deploy tests use it.
    server = Path(__file__).resolve().parent.parent / "emulator" / "server.py"
    moto = procs.start([args.moto_python, str(server), "-H", "127.0.0.1", "-p", str(moto_port)], work / "moto.log")
    aws_env = {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "boot-test",
        "AWS_SECRET_ACCESS_KEY": "boot-test",
        "AWS_DEFAULT_REGION": region,
    }

    def moto_up():
        c = http.client.HTTPConnection("127.0.0.1", moto_port, timeout=2)
        c.request("GET", "/moto-api/")
        return c.getresponse().status < 500

    wait_for("moto", moto_up, moto, work / "moto.log")
    session = boto3.session.Session(aws_access_key_id="boot-test", aws_secret_access_key="boot-test", region_name=region)
    sm = session.client("secretsmanager", endpoint_url=endpoint)
    ssm = session.client("ssm", endpoint_url=endpoint)

    # PostgreSQL on a loopback address standing for the cluster endpoint, on the cluster's port.
    address = f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(2, 254)}"
    data = DataStack(stacks, sm, ssm, address)
    db_port = int(data.cluster.get("Port", 5432))
    # The local profile's `localhost` too, unless this machine already has a server there.
    local_too = port_free("127.0.0.1", db_port)
    pg = Postgres(args.pg_bin, work, [address] + (["127.0.0.1"] if local_too else []), db_port, procs)
    pg.start()
    log(f"PostgreSQL on {', '.join(pg.addresses)} port {db_port} (TLS on)")

    base_env = {"PATH": f"{args.venv}/bin:/usr/bin:/bin", "HOME": str(work), "LANG": "C.UTF-8"}
    migrate = migrate_command(stacks)
    log(f"migration command from the buildspec: {migrate}")

    # ---- the local profile, from `refarch-app env --profile local`
    local_env_text = subprocess.run([args.cli, "env", "--profile", "local"], check=True,
                                    capture_output=True, text=True, timeout=60).stdout
    dotenv = work / "local.env"
    dotenv.write_text(local_env_text)
    local = parse_env_file(local_env_text)
    names = contract["database"]
    pg.sql(f"CREATE ROLE {ident(local[names['user']])} LOGIN PASSWORD {literal(local[names['password']].strip(chr(34)))}")
    pg.sql(f"CREATE DATABASE {ident(local[names['name']])} OWNER {ident(local[names['user']])}")
    # Variables already set win over the dotenv file: the local media directory goes under
    # the test's work directory, not into the checkout.
    local_run = {**base_env, contract["dotenv_variable"]: str(dotenv), "MEDIA_ROOT": str(work / "local-media")}
    if not local_too:
        # Another server holds localhost:PORT: point the app at ours the documented way, a
        # variable in the environment (it wins over the dotenv file).
        local_run[names["host"]] = address
        log(f"localhost:{db_port} is taken; the local profile runs with {names['host']}={address}")
    sh(["sh", "-c", migrate], args.app, local_run, "local migrate")
    server = procs.start(exec_start, work / "gunicorn-local.log", cwd=args.app, env=local_run)
    c = Client(app_port, "localhost")
    wait_for("gunicorn (local profile)", lambda: c.request("GET", health_path, host="10.0.1.17")[0] == 200,
             server, work / "gunicorn-local.log")
    status, _, body = c.request("GET", contract["http"]["status_path"])
    if status != 200 or json.loads(body).get("profile") != "local":
        fail(f"local status page: HTTP {status}: {body}")
    procs.stop(server)
    log("local profile: migrated, served the health path and the status page")
    pg.sql(f"DROP DATABASE {ident(local[names['name']])}")

    # ---- the cloud profile, as an instance
    password = secrets.token_urlsafe(24)
    master_user = data.cluster["MasterUsername"]
    pg.sql(f"CREATE ROLE {ident(master_user)} LOGIN CREATEDB PASSWORD {literal(password)}")
    pg.sql(f"CREATE DATABASE {ident(data.cluster['DatabaseName'])} OWNER {ident(master_user)}")
    data.create(password)
    prefix = instance_env[contract["prefix_variable"]]
    cdn_url = f"https://{EMULATED_CDN_DOMAIN}/"
    if data.parameters.get(f"{prefix}/STATIC_URL") != cdn_url:
        fail(f"STATIC_URL is {data.parameters.get(f'{prefix}/STATIC_URL')!r}, not the distribution's {cdn_url}")
    if data.parameters.get(f"{prefix}/MEDIA_ROOT") != media_dir:
        fail(f"MEDIA_ROOT is {data.parameters.get(f'{prefix}/MEDIA_ROOT')!r}, not the mount point {media_dir}")
    # A local directory stands in for the mount (the parameter the app reads, pointed at it).
    stand_in = work / "efs-media"
    stand_in.mkdir(mode=0o750)
    ssm.put_parameter(Name=f"{prefix}/MEDIA_ROOT", Value=str(stand_in), Type="String", Overwrite=True)
    log(f"MEDIA_ROOT is the mount point {media_dir}; {stand_in} stands in for the file system")
    cloud_run = {**base_env, **instance_env, **aws_env}
    sh(["sh", "-c", migrate], args.app, cloud_run, "cloud migrate")
    log("migrations ran in the cloud profile (settings from the emulator)")
    admin_password = secrets.token_urlsafe(18)
    sh([str(args.venv / "bin/python"), "manage.py", "createsuperuser", "--noinput", "--username", "ops",
        "--email", "ops@example.com"], args.app, {**cloud_run, "DJANGO_SUPERUSER_PASSWORD": admin_password},
       "createsuperuser")

    glog = work / "gunicorn-cloud.log"
    server = procs.start(exec_start, glog, cwd=args.app, env=cloud_run)
    hosts = data.parameters[f"{instance_env[contract['prefix_variable']]}/ALLOWED_HOSTS"].split(",")
    c = Client(app_port, hosts[0])
    # The balancer's health check: Host is the instance's private IP address.
    wait_for("gunicorn (cloud profile)", lambda: c.request("GET", health_path, host="10.0.11.23")[0] == 200,
             server, glog)
    status, _, body = c.request("GET", health_path, host="10.0.11.23")
    if status != 200:
        fail(f"health path with an IP address as Host: HTTP {status}")
    log(f"health path {health_path} answers 200 with Host: 10.0.11.23")
    status, _, _ = c.request("GET", "/", host="10.0.11.23")
    if status != 400:
        fail(f"other paths must still check the Host header: HTTP {status} for Host 10.0.11.23")
    status, headers, _ = c.request("GET", "/")
    if status != 302 or "/accounts/login/" not in headers.get("Location", ""):
        fail(f"the dashboard without a session: HTTP {status} {headers.get('Location')}")
    c.login("ops", admin_password)
    status, _, page = c.request("GET", "/")
    marker = "Schema installed by the migrations command"
    if status != 200 or marker not in page:
        fail(f"dashboard: HTTP {status}, no row from the migrations command:\n{page[:1500]}")
    log("signed in; the dashboard shows the row the migrations command wrote")

    # Static files: the page loads the content-hashed stylesheet from the CDN, and that file is
    # one deploy publishes to the CDN's bucket.
    collected = json.loads((args.app / service["static_dir"] / "staticfiles.json").read_text())
    css = collected["paths"]["dashboard/site.css"]
    if f'href="{cdn_url}{css}"' not in page:
        fail(f"the dashboard does not load {cdn_url}{css}:\n{page[:1500]}")
    published = {f["path"] for b in assembly["manifest"].get("bucketFiles", []) for f in b["files"]}
    if css not in published:
        fail(f"{css} is not among the files deploy publishes to the CDN: {sorted(published)}")
    log(f"the dashboard loads {cdn_url}{css}, which deploy publishes to the static files' bucket")

    # Media files: an export is written to MEDIA_ROOT (the shared file system) and read back.
    m = re.search(r'<form method="post" action="/exports/">\s*<input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if not m:
        fail(f"the dashboard has no export form:\n{page[:2000]}")
    status, headers, _ = c.request("POST", "/exports/", {"csrfmiddlewaretoken": m.group(1)})
    if status != 302:
        fail(f"export: HTTP {status}")
    written = sorted((stand_in / "exports").glob("events-*.csv"))
    if len(written) != 1 or marker not in written[0].read_text():
        fail(f"the export was not written to the media directory: {written}")
    status, _, text = c.request("GET", f"/exports/{written[0].name}")
    if status != 200 or marker not in text:
        fail(f"downloading the export: HTTP {status}: {text[:500]}")
    log(f"an export was written to MEDIA_ROOT ({written[0].relative_to(stand_in)}) and downloaded")
    status, _, body = c.request("GET", contract["http"]["status_path"])
    st = json.loads(body)
    if status != 200 or st["database"]["reachable"] is not True or st["profile"] != "cloud":
        fail(f"status page: HTTP {status}: {body}")

    # ---- rotation: RDS changes the password and the secret; running instances keep serving.
    new_password = secrets.token_urlsafe(24)
    pg.sql(f"ALTER ROLE {ident(master_user)} PASSWORD {literal(new_password)}")
    sm.put_secret_value(SecretId=data.master_secret_arn,
                        SecretString=json.dumps({"username": master_user, "password": new_password}))
    for i in range(4):  # reach both workers
        status, _, page = c.request("GET", "/")
        if status != 200 or marker not in page:
            fail(f"request {i + 1} after the rotation: HTTP {status}:\n{page[:1500]}")
    if "were rejected; re-read the secret" not in glog.read_text(errors="replace"):
        fail("requests after the rotation succeeded without re-reading the secret (the test proves nothing)")
    log("password rotated (ALTER ROLE + secret updated): requests still succeed, the secret was re-read")
    procs.stop(server)

    # ---- a missing parameter stops start-up, naming it.
    victim = f"{instance_env[contract['prefix_variable']]}/{names['host']}"
    ssm.delete_parameter(Name=victim)
    broken = procs.start(exec_start, work / "gunicorn-missing.log", cwd=args.app, env=cloud_run)
    try:
        broken.wait(timeout=STEP_TIMEOUT)
    except subprocess.TimeoutExpired:
        fail(f"start-up without {victim} did not fail within {STEP_TIMEOUT} s")
    out = (work / "gunicorn-missing.log").read_text(errors="replace")
    if broken.returncode == 0 or f"missing SSM parameter(s) {victim}" not in out:
        fail(f"start-up without {victim}: exit {broken.returncode}, message not naming it:\n{out[-3000:]}")
    log(f"without {victim}, start-up fails (exit {broken.returncode}) naming it")


def sh(argv, cwd: Path, env: dict, what: str) -> None:
    r = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        fail(f"{what}: exit {r.returncode}:\n{r.stdout[-2000:]}\n{r.stderr[-3000:]}")


if __name__ == "__main__":
    sys.exit(main())
