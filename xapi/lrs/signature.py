"""Signed statements (xAPI "Signed Statements"): a JWS attachment whose payload is the statement itself."""
from __future__ import annotations

import base64
import json

import jwt
from cryptography import x509
from jwt.exceptions import InvalidSignatureError, PyJWTError

from xapi.errors import InvalidStatement
from xapi.service import same_content
from xapi.validation import Validator
from xapi.vocabulary import SIGNATURE_USAGE_TYPE

ALGORITHMS = ("RS256", "RS384", "RS512")


def signature_attachments(statement: dict) -> list[dict]:
    return [a for a in statement.get("attachments", []) if a.get("usageType") == SIGNATURE_USAGE_TYPE]


def verify(statement: dict, token: bytes, path: str) -> None:
    """Check the JWS: RS256/384/512, payload equal to the statement without its signature attachment,
    and, when an x5c certificate chain is given, a valid signature by the first certificate's key."""
    try:
        text = token.decode("ascii").strip()
        header = jwt.get_unverified_header(text)
        payload = json.loads(base64.urlsafe_b64decode(text.split(".")[1] + "=="))
    except (UnicodeDecodeError, PyJWTError, ValueError, IndexError):
        raise InvalidStatement(f"{path}: the signature attachment is not a JWS compact serialization") from None
    if header.get("alg") not in ALGORITHMS:
        raise InvalidStatement(f"{path}: JWS algorithm must be one of {', '.join(ALGORITHMS)}")
    if not isinstance(payload, dict):
        raise InvalidStatement(f"{path}: JWS payload must be a statement object")
    Validator("2.0.0").statement(payload, f"{path}: JWS payload")  # then it compares like a stored statement
    unsigned = dict(statement)
    rest = [a for a in statement.get("attachments", []) if a.get("usageType") != SIGNATURE_USAGE_TYPE]
    if rest:
        unsigned["attachments"] = rest
    else:
        unsigned.pop("attachments", None)
    if "id" in payload and "id" in statement and payload["id"].lower() != statement["id"].lower():
        raise InvalidStatement(f"{path}: JWS payload id differs from the statement id")
    if not same_content(payload, unsigned):
        raise InvalidStatement(f"{path}: JWS payload does not match the statement")
    chain = header.get("x5c")
    if chain is not None and not (isinstance(chain, list) and chain and isinstance(chain[0], str)):
        raise InvalidStatement(f"{path}: x5c must be an array of base64 DER certificates")
    if chain:
        try:
            cert = x509.load_der_x509_certificate(base64.b64decode(chain[0]))
            jwt.PyJWS().decode_complete(text, key=cert.public_key(), algorithms=[header["alg"]])
        except InvalidSignatureError:
            raise InvalidStatement(f"{path}: JWS signature does not verify with the x5c certificate") from None
        except (PyJWTError, ValueError, TypeError, IndexError):
            raise InvalidStatement(f"{path}: x5c certificate chain is not usable") from None
