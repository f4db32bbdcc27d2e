"""Settings: embedded defaults, then `instance/mirco.toml`, then `MIRCO_*` environment variables.

Read only when an application is created, never at import time, so that tests and several apps in one
process can each have their own configuration.
"""
from __future__ import annotations

import dataclasses
import ipaddress
import os
import secrets
from urllib.parse import urlsplit
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(ValueError):
    """A setting has a value the tool cannot use; the message names the setting."""


@dataclass(frozen=True)
class Settings:
    instance_path: Path = PROJECT_ROOT / "instance"
    database_url: str = ""
    base_url: str = "http://127.0.0.1:5000"
    secret_key: str = ""
    redis_url: str = ""
    courses_dirs: tuple[Path, ...] = (PROJECT_ROOT / "sample_courses",)
    keys_dir: Path | None = None
    demo: bool = False
    lrs_enabled: bool = True
    lrs_default_key: str = ""
    lrs_default_secret: str = ""
    lrs_forward_urls: tuple[str, ...] = ()
    lrs_forward_keys: tuple[str, ...] = ()
    lrs_forward_secrets: tuple[str, ...] = ()
    actor_names: bool = False
    activity_base_iri: str = ""
    scorm_schemas: Path | None = None
    packages_dir: Path | None = None
    key_grace_days: int = 7
    launch_retention_days: int = 30
    secure_cookies: bool = True
    log_json: bool = False
    frame_ancestors: tuple[str, ...] = ()  # origins allowed to frame the tool, besides registered platforms
    proxy_fix: int = 0
    registration_allow_private: bool = False  # dynamic registration may reach http:// and private addresses
    registration_url_hours: int = 24  # lifetime of a one-time registration URL
    request_names: bool = True  # ask platforms for learners' names and e-mail (reports show them)
    roster_max_age_seconds: int = 300  # the reports read the course's members again (NRPS) when older than this
    roster_wait_seconds: int = 3  # how long a report page waits for that read before showing the last known list
    content_origin: str = ""  # a separate origin (scheme://host[:port]) serving imported package content
    lrs_max_statements: int = 1000  # statements in one POST to /xapi/statements
    lrs_max_body_bytes: int = 16 * 1024 * 1024  # body of one request to /xapi/ (attachments included)
    lrs_forward_batch: int = 50  # statements per POST to an external LRS: the most a crash re-sends
    launch_idle_minutes: int = 120  # a launch not used for this long closes (its tokens and cookie entry expire)
    launch_max_hours: int = 8  # and every launch closes this long after it began
    rate_limits: bool = True  # per client address on the anonymous endpoints (lti_tool.rate_limits)
    rate_limit_anonymous: str = "300/minute;6000/hour"  # each of /lti/login, /lti/launch, /lti/register
    rate_limit_lrs_auth_failures: str = "20/minute"  # LRS requests answered 401
    metrics_token: str = ""  # /metrics answers a scraper that sends "Authorization: Bearer <this>"
    metrics_allow: tuple[str, ...] = ()  # or a client whose address is in these addresses/networks; else 404
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def keys_path(self) -> Path:
        return self.keys_dir or self.instance_path / "keys"

    @property
    def packages_path(self) -> Path:
        return self.packages_dir or self.instance_path / "packages"

    @property
    def activity_iri_base(self) -> str:
        """Base of every activity IRI; stable across LTI, SCORM and cmi5 delivery."""
        return (self.activity_base_iri or self.base_url.rstrip("/") + "/xapi/activities").rstrip("/")


_BOOL_TRUE = {"1", "true", "yes", "on"}
_BOOL_FALSE = {"0", "false", "no", "off", ""}


def _coerce(name: str, target: Any, raw: Any) -> Any:
    """Turn a TOML or environment value into the dataclass field's type, naming the setting on failure."""
    if isinstance(target, bool) or target is bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in _BOOL_TRUE:
            return True
        if text in _BOOL_FALSE:
            return False
        raise ConfigError(f"MIRCO_{name.upper()}: expected true/false, got {raw!r}")
    if isinstance(target, int) and not isinstance(target, bool):
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise ConfigError(f"MIRCO_{name.upper()}: expected a whole number, got {raw!r}") from None
    if isinstance(target, tuple):
        items = raw if isinstance(raw, list) else [p for p in str(raw).replace(",", " ").split() if p]
        if name == "courses_dirs":
            return tuple(Path(p).expanduser() for p in items)
        return tuple(str(p) for p in items)
    if name in {"instance_path", "keys_dir", "scorm_schemas", "packages_dir"}:
        return Path(str(raw)).expanduser() if raw not in (None, "") else None
    return str(raw)


def load_settings(overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Build settings from defaults, the instance TOML file, the environment, then explicit overrides."""
    env = os.environ if environ is None else environ
    overrides = dict(overrides or {})
    defaults = Settings()
    fields = {f.name: f for f in dataclasses.fields(Settings) if f.name != "extra"}
    values: dict[str, Any] = {}

    instance = overrides.get("instance_path") or env.get("MIRCO_INSTANCE_PATH") or defaults.instance_path
    instance_path = Path(instance).expanduser().resolve()
    config_file = instance_path / "mirco.toml"
    if config_file.is_file():
        try:
            file_values = tomllib.loads(config_file.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{config_file}: {exc}") from None
        for key, raw in file_values.items():
            if key not in fields:
                raise ConfigError(f"{config_file}: unknown setting {key!r}")
            values[key] = _coerce(key, getattr(defaults, key), raw)
    for name in fields:
        env_value = env.get(f"MIRCO_{name.upper()}")
        if env_value is not None:
            values[name] = _coerce(name, getattr(defaults, name), env_value)
    extra = {}
    for key, raw in overrides.items():
        if key in fields:
            values[key] = raw if not isinstance(raw, str) else _coerce(key, getattr(defaults, key), raw)
        else:
            extra[key] = raw
    values["instance_path"] = instance_path
    settings = dataclasses.replace(defaults, **values, extra=extra)
    if not settings.database_url:
        settings = dataclasses.replace(settings, database_url=f"sqlite:///{instance_path / 'mirco.sqlite3'}")
    if not settings.secret_key:
        settings = dataclasses.replace(settings, secret_key=_instance_secret(instance_path))
    if not settings.base_url.startswith(("http://", "https://")):
        raise ConfigError(f"MIRCO_BASE_URL: expected an http(s) URL, got {settings.base_url!r}")
    if settings.launch_retention_days < 1:
        raise ConfigError(f"MIRCO_LAUNCH_RETENTION_DAYS: expected a number of days (1 or more), "
                          f"got {settings.launch_retention_days}")
    if settings.proxy_fix < 0:
        raise ConfigError(f"MIRCO_PROXY_FIX: expected the number of trusted reverse proxies (0 or more), "
                          f"got {settings.proxy_fix}")
    if not 1 <= settings.registration_url_hours <= 24 * 30:
        raise ConfigError(f"MIRCO_REGISTRATION_URL_HOURS: expected hours between 1 and 720, "
                          f"got {settings.registration_url_hours}")
    if settings.roster_max_age_seconds < 0 or not 0 <= settings.roster_wait_seconds <= 60:
        raise ConfigError(f"MIRCO_ROSTER_MAX_AGE_SECONDS (0 or more) / MIRCO_ROSTER_WAIT_SECONDS (0 to 60): got "
                          f"{settings.roster_max_age_seconds} / {settings.roster_wait_seconds}")
    if settings.content_origin:
        settings = dataclasses.replace(settings, content_origin=_content_origin(settings))
    for name in ("lrs_max_statements", "lrs_max_body_bytes", "lrs_forward_batch"):
        if getattr(settings, name) < 1:
            raise ConfigError(f"MIRCO_{name.upper()}: expected a positive whole number, got {getattr(settings, name)}")
    if settings.metrics_token and len(settings.metrics_token) < 16:
        raise ConfigError("MIRCO_METRICS_TOKEN: expected at least 16 characters (a random secret)")
    for network in settings.metrics_allow:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            raise ConfigError(f"MIRCO_METRICS_ALLOW: {network!r} is not an IP address or network") from None
    for name in ("launch_idle_minutes", "launch_max_hours"):
        if getattr(settings, name) < 1:
            raise ConfigError(f"MIRCO_{name.upper()}: expected 1 or more, got {getattr(settings, name)}")
    return settings


def _content_origin(settings: Settings) -> str:
    """MIRCO_CONTENT_ORIGIN as `scheme://host[:port]`: an origin of its own, not the tool's."""
    parts = urlsplit(settings.content_origin.strip().rstrip("/"))
    tool = urlsplit(settings.base_url)
    if (parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query or parts.fragment
            or parts.username or (parts.scheme, parts.netloc) == (tool.scheme, tool.netloc)):
        raise ConfigError("MIRCO_CONTENT_ORIGIN: expected an origin such as https://content.example.org, other "
                          f"than the tool's own, got {settings.content_origin!r}")
    return f"{parts.scheme}://{parts.netloc}"


def _instance_secret(instance_path: Path) -> str:
    """A per-installation secret kept in the instance folder, so sessions survive restarts and workers agree."""
    path = instance_path / "secret_key"
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker started at the same moment and won
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value)
    return value
