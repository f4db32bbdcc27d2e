"""gunicorn settings for the MIRCO Learning Suite: `gunicorn -c packaging/gunicorn.conf.py lti_tool.wsgi:app`.

Every value can be overridden on the command line or in GUNICORN_CMD_ARGS (e.g. "--bind 0.0.0.0:8000").
Workers are stateless (launch data in the database or Redis), so any number may run on any number of hosts.
"""
import multiprocessing
import os
import shutil
import tempfile

# Processes: the usual 2 x cores + 1 sync workers (requests are short and nginx buffers slow clients);
# WEB_CONCURRENCY overrides, as on most platforms.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
bind = "127.0.0.1:8000"  # systemd and compose pass --bind

# Time limits: a request that takes longer than `timeout` (a package import, a large export) is killed; nginx
# waits a little longer (proxy_read_timeout 130s) so that the answer is gunicorn's, not a 504 from the proxy.
timeout = 120
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak in any library cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200

# Forwarded headers: the application applies X-Forwarded-For/-Proto/-Host itself (werkzeug ProxyFix, set
# MIRCO_PROXY_FIX to the number of proxies in front). gunicorn only needs to accept them from the proxy;
# FORWARDED_ALLOW_IPS (e.g. "10.0.0.5" or "*" inside a container network) overrides the local default.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proxy_allow_ips = forwarded_allow_ips

# Metrics: every worker writes its counters into PROMETHEUS_MULTIPROC_DIR; /metrics adds them up. The
# directory must exist before the workers import prometheus_client, i.e. now.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="mirco-metrics-")
    _own_metrics_dir = os.environ["PROMETHEUS_MULTIPROC_DIR"]
else:
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)
    _own_metrics_dir = None


def child_exit(server, worker):  # noqa: ANN001 - gunicorn hook signature
    """A worker ended (recycled, killed or crashed): keep its counts, drop its live-gauge files."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):  # noqa: ANN001
    if _own_metrics_dir:
        shutil.rmtree(_own_metrics_dir, ignore_errors=True)


# Logs: one JSON object per line on stderr (journald or the container runtime collect it), with the request
# id, secrets redacted by lti_tool.logs.RedactingFilter. The application writes the access line itself
# (logger "mirco.access": method, path without query string, status, duration, request id), so gunicorn's
# own access log stays off rather than logging every request twice.
accesslog = None
loglevel = "info"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request": {"()": "lti_tool.logs.RequestContextFilter"},
        "redact": {"()": "lti_tool.logs.RedactingFilter"},
    },
    "formatters": {"json": {"()": "lti_tool.logs.JsonFormatter"}},
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr", "formatter": "json",
                   "filters": ["request", "redact"]},
    },
    "root": {"level": "INFO", "handlers": ["stderr"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
        "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
    },
}
