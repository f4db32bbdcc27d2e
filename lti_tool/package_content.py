"""How imported package files reach the browser without reaching the tool: capability URLs and a sandbox.

Package content is untrusted HTML from any instructor of any platform. Until it has an origin of its own, every
package response carries a CSP `sandbox` (an opaque origin even when opened as a top-level page: no cookies, no
same-origin reads of the tool), the player frames it with the same sandbox, and the SCORM run-time API reaches it
over `postMessage` (scorm-again's CrossFrameAPI, defined in the page by a script injected here).

A content URL is `/scorm/content/<token>/<path>`: the token, signed with the tool's secret, names the package and
the resource link and learner it was issued to, and expires; relative URLs inside the package keep working because
they resolve under the same token.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from lti_tool.db import Database
from lti_tool.models import LtiResourceLink
from scorm.tenancy import visible_package

SANDBOX = "allow-scripts allow-forms allow-popups"
"""No allow-same-origin: the package runs in an opaque origin (the frame's `sandbox` attribute says the same)."""
_SOURCES = ("default-src 'self' 'unsafe-inline' 'unsafe-eval' data: blob:; img-src 'self' data: blob: https:; "
            "media-src 'self' blob: https:; object-src 'none'")
CONTENT_POLICY = f"sandbox {SANDBOX}; {_SOURCES}; frame-ancestors 'self'"
"""Third-party SCOs use inline scripts and eval; the sandbox keeps them out of the tool's origin."""


def sandbox_for(content_origin: str) -> str:
    """The frame's sandbox: with a content origin of its own (MIRCO_CONTENT_ORIGIN) the package may keep that
    origin (its storage and cookies work), which is never the tool's."""
    return SANDBOX + " allow-same-origin" if content_origin else SANDBOX


def content_policy(content_origin: str, tool_origin: str) -> str:
    """The CSP of every package response: CONTENT_POLICY, or on a content origin of its own, framed by the tool
    (and by that origin's own page that holds the run-time API around the SCO)."""
    if not content_origin:
        return CONTENT_POLICY
    return f"sandbox {sandbox_for(content_origin)}; {_SOURCES}; frame-ancestors {tool_origin} 'self'"
TOKEN_SECONDS = 2 * 3600
"""A content token lasts one sitting; the player asks for a new one each time it opens a SCO."""
_SALT = "mirco.scorm-content"
HTML_SUFFIXES = (".html", ".htm", ".xhtml")


class ContentRefused(PermissionError):
    """The content token is missing, forged, expired, or names something else."""


@dataclass(frozen=True)
class ContentGrant:
    """What a valid content token allows: one package's files, for the learner of one resource link."""

    package_id: str
    resource_link_pk: int
    user_pk: int


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=_SALT)


def issue_token(secret: str, grant: ContentGrant) -> str:
    """A signed, timestamped token for `grant` (URL-safe, no `/`)."""
    return _serializer(secret).dumps([grant.package_id, grant.resource_link_pk, grant.user_pk])


def read_token(secret: str, token: str, max_age: int = TOKEN_SECONDS) -> ContentGrant:
    """The grant inside a token this tool issued less than `max_age` seconds ago; ContentRefused otherwise."""
    if not token or len(token) > 300:
        raise ContentRefused("no content token")
    try:
        data = _serializer(secret).loads(token, max_age=max_age)
    except SignatureExpired:
        raise ContentRefused("the content token has expired") from None
    except BadSignature:
        raise ContentRefused("the content token is not valid") from None
    if (not isinstance(data, list) or len(data) != 3 or not isinstance(data[0], str)
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in data[1:])):
        raise ContentRefused("the content token is not valid")
    return ContentGrant(data[0], data[1], data[2])


def granted_package(db: Database, grant: ContentGrant) -> str:
    """The kind of the package a valid grant opens, once more checked against the database: the resource link
    still opens that package, and its platform may still use it (scorm.tenancy). ContentRefused otherwise."""
    with db.sessions() as session:
        link = session.get(LtiResourceLink, grant.resource_link_pk)
        package = visible_package(session, grant.package_id, link.platform_id) if link is not None else None
        if package is None or link.course_id != "pkg:" + grant.package_id:
            raise ContentRefused("this content is not part of your activity")
        return package.kind


_HEAD = re.compile(rb"<head(?:\s[^>]*)?>", re.IGNORECASE)
_HTML = re.compile(rb"<html(?:\s[^>]*)?>", re.IGNORECASE)
_DOCTYPE = re.compile(rb"^\s*(?:\xef\xbb\xbf)?\s*<!doctype[^>]*>", re.IGNORECASE)


def inject_first(page: bytes, tags: str) -> bytes:
    """`page` with `tags` where they run before any of the page's own scripts: right after `<head>`, else after
    `<html>`, else after the doctype, else at the very start."""
    code = tags.encode()
    for pattern in (_HEAD, _HTML, _DOCTYPE):
        found = pattern.search(page)
        if found:
            return page[:found.end()] + code + page[found.end():]
    return code + page
