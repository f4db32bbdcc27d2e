"""The deployment files are valid for the tools that read them and agree with the code's settings."""
from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from lti_tool.config import Settings
from tests.conftest import ROOT

PACKAGING = ROOT / "packaging"
SETTING_NAMES = {f"MIRCO_{f.name.upper()}" for f in dataclasses.fields(Settings) if f.name != "extra"}
MIRCO_NAME = re.compile(r"\bMIRCO_[A-Z0-9_]+\b")


def test_packaging_is_not_a_python_package() -> None:
    """A top-level `packaging` module would shadow PyPA's `packaging`, which pip and pytest import."""
    assert not list(PACKAGING.rglob("__init__.py"))


def test_readme_reference_table_lists_exactly_the_settings() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("### Configuration reference", 1)[1].split("\n### ", 1)[0]
    rows = re.findall(r"^\| `(MIRCO_[A-Z0-9_]+)` \|", table, re.M)
    assert len(rows) == len(set(rows))
    assert set(rows) == SETTING_NAMES


@pytest.mark.parametrize("path", sorted(p.relative_to(ROOT) for p in PACKAGING.rglob("*") if p.is_file()))
def test_deployment_files_only_use_real_settings(path: Path) -> None:
    unknown = set(MIRCO_NAME.findall((ROOT / path).read_text(encoding="utf-8"))) - SETTING_NAMES
    assert not unknown, f"{path} uses settings the code does not read: {sorted(unknown)}"


def test_compose_file_runs_web_and_worker_after_init_on_postgres_and_redis() -> None:
    compose = yaml.safe_load((PACKAGING / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "init", "web", "worker"}
    for name in ("web", "worker"):
        assert services[name]["depends_on"] == {"init": {"condition": "service_completed_successfully"}}
        environment = services[name]["environment"]
        assert environment["MIRCO_DATABASE_URL"].startswith("postgresql://") and "@postgres:5432/" in \
            environment["MIRCO_DATABASE_URL"]
        assert environment["MIRCO_REDIS_URL"] == "redis://redis:6379/0"
        assert "instance:/var/lib/mirco" in services[name]["volumes"]
    assert services["init"]["command"] == ["mirco", "init"]
    assert services["worker"]["command"] == ["mirco", "worker"]
    assert services["web"]["command"][-1] == "lti_tool.wsgi:app"
    assert set(services["init"]["depends_on"]) == {"postgres", "redis"}


def test_containerfile_serves_the_wsgi_app_as_an_unprivileged_user() -> None:
    text = (PACKAGING / "Containerfile").read_text(encoding="utf-8")
    assert "USER mirco" in text and '"lti_tool.wsgi:app"]' in text
    copied = set(re.findall(r"^COPY (?!--from=)(\S+) ", text, re.M))
    for source in copied:
        assert (ROOT / source).exists(), f"Containerfile copies {source}, which is not in the repository"
    # the image's wheel is built by setup.py (compiled catalogues) with the vendored SCORM runtime beside it
    build = text.split("AS build", 1)[1].split("\nFROM ", 1)[0]
    assert "setup.py" in build and "COPY --from=assets /src/lti_tool/static/vendor lti_tool/static/vendor" in build
    assert "bash scripts/vendor-assets.sh" in text.split("AS assets", 1)[1].split("\nFROM ", 1)[0]


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
def test_systemd_units_verify(tmp_path: Path) -> None:
    venv_bin = str(Path(sys.executable).parent)
    units = []
    for unit in sorted((PACKAGING / "systemd").glob("*.service")):
        target = tmp_path / unit.name
        target.write_text(unit.read_text(encoding="utf-8").replace("/opt/mirco/bin", venv_bin), encoding="utf-8")
        units.append(str(target))
    result = subprocess.run(["systemd-analyze", "verify", *units], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stderr.strip() == "", result.stderr
    assert len(units) == 2


def _self_signed(directory: Path) -> tuple[Path, Path]:
    from datetime import datetime, timedelta, timezone

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mirco.example.org")])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + timedelta(days=1)).sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.mark.skipif(not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists(),
                    reason="nginx not installed (apt-get install nginx-light)")
def test_nginx_site_passes_nginx_t(tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    site = (PACKAGING / "nginx" / "mirco.conf").read_text(encoding="utf-8")
    site = (site.replace("/etc/letsencrypt/live/mirco.example.org/fullchain.pem", str(cert))
            .replace("/etc/letsencrypt/live/mirco.example.org/privkey.pem", str(key))
            .replace("/var/cache/nginx/mirco", str(tmp_path / "cache")))
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  client_body_temp_path {tmp_path}/body;\n  proxy_temp_path {tmp_path}/proxy;\n"
        f"  include {tmp_path}/site.conf;\n}}\n", encoding="utf-8")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    result = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "[warn]" not in result.stderr and "[emerg]" not in result.stderr, result.stderr


@pytest.mark.skipif(not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists(),
                    reason="nginx not installed (apt-get install nginx-light)")
def test_nginx_site_rate_limits_the_anonymous_endpoints(tmp_path: Path, serve, database_url: str) -> None:  # type: ignore[no-untyped-def]
    """The shipped site in front of the tool (whose own limits are off here): a flood of /lti/register from one
    address gets 429 from nginx after the burst; other pages are not limited."""
    from tests.conftest import make_test_app
    from tests.servers import free_port, wait_for

    app = make_test_app(database_url, tmp_path / "instance", rate_limits=False)
    tool = serve(app)
    cert, key = _self_signed(tmp_path)
    port, plain = free_port(), free_port()
    site = (PACKAGING / "nginx" / "mirco.conf").read_text(encoding="utf-8")
    site = (site.replace("/etc/letsencrypt/live/mirco.example.org/fullchain.pem", str(cert))
            .replace("/etc/letsencrypt/live/mirco.example.org/privkey.pem", str(key))
            .replace("/var/cache/nginx/mirco", str(tmp_path / "cache"))
            .replace("server 127.0.0.1:8000;", f"server {tool.url.split('//')[1]};")
            .replace("listen 443 ssl http2;", f"listen 127.0.0.1:{port} ssl http2;")
            .replace("listen 80;", f"listen 127.0.0.1:{plain};"))
    site = "\n".join(line for line in site.splitlines() if "listen [::]" not in line)
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    (tmp_path / "nginx.conf").write_text(
        f"user root;\ndaemon off;\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  client_body_temp_path {tmp_path}/body;\n  proxy_temp_path {tmp_path}/proxy;\n"
        f"  include {tmp_path}/site.conf;\n}}\n", encoding="utf-8")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    process = subprocess.Popen([nginx, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import requests
    import urllib3

    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    base = f"https://127.0.0.1:{port}"
    try:
        wait_for(lambda: requests.get(base + "/healthz", verify=False, timeout=2).ok, 20, "nginx")
        http = requests.Session()
        statuses = [http.get(base + "/lti/register", verify=False, timeout=10).status_code for _ in range(90)]
        assert statuses[:40] == [400] * 40  # the burst passes to the application, which refuses the bad request
        assert 429 in statuses and statuses[-1] == 429
        assert {http.get(base + "/healthz", verify=False, timeout=10).status_code for _ in range(20)} == {200}
    finally:
        process.terminate()
        process.wait(10)
        app.extensions["mirco"].db.dispose()


def test_site_limits_match_the_application(tmp_path: Path) -> None:
    """Uploads the app accepts must pass nginx; nginx must wait longer than gunicorn's timeout."""
    site = (PACKAGING / "nginx" / "mirco.conf").read_text(encoding="utf-8")
    gunicorn = (PACKAGING / "gunicorn.conf.py").read_text(encoding="utf-8")
    from tests.conftest import make_test_app

    app = make_test_app("sqlite://", tmp_path / "instance")
    body_mb = int(re.search(r"client_max_body_size (\d+)m;", site).group(1))
    assert body_mb * 1024 * 1024 == app.config["MAX_CONTENT_LENGTH"]
    read_timeout = int(re.search(r"proxy_read_timeout (\d+)s;", site).group(1))
    assert read_timeout > int(re.search(r"^timeout = (\d+)", gunicorn, re.M).group(1))
