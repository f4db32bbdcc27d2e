"""MIRCO LTI 1.3 tool: the Flask application and composition root."""
from lti_tool.app import create_app

__all__ = ["create_app"]
