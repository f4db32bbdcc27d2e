"""WSGI entry point for production servers: `gunicorn -c packaging/gunicorn.conf.py lti_tool.wsgi:app`.

Settings come from MIRCO_* variables and instance/mirco.toml, read when a worker imports this module.
"""
from lti_tool.app import create_app

app = create_app()
