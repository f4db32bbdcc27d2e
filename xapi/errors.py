"""One flat family of exceptions; the LRS blueprint turns them into HTTP answers only at the route."""
from __future__ import annotations


class XAPIError(Exception):
    """Base class: `status` is the HTTP status the LRS answers with."""

    status = 400


class InvalidStatement(XAPIError):
    """A statement (or parameter) breaks a rule of the xAPI specification; the message names path and rule."""

    status = 400


class BadRequest(XAPIError):
    """A request the LRS cannot act on (missing or unknown parameter, wrong content type...)."""

    status = 400


class Unauthorized(XAPIError):
    status = 401


class Forbidden(XAPIError):
    status = 403


class NotFound(XAPIError):
    status = 404


class Conflict(XAPIError):
    """Same statement id with other content, or a document write without a concurrency header."""

    status = 409


class PreconditionFailed(XAPIError):
    """If-Match / If-None-Match did not hold."""

    status = 412


class PayloadTooLarge(XAPIError):
    """A request over one of the LRS's size limits; answered as JSON naming the limit, so a client can split."""

    status = 413

    def __init__(self, message: str, *, limit: int, unit: str) -> None:
        super().__init__(message)
        self.limit, self.unit = limit, unit
